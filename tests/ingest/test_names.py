"""Names and figures (indexer/ingest/names.py): the rules one by one, and precision and
recall against the hand-labelled seed documents (tests/ingest/seed_names.toml)."""
import importlib.util
import random
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from indexer.ingest.names import Mention, extract_mentions, name_key

ROOT = Path(__file__).resolve().parents[2]


def names(text: str, language: str = "en") -> list[str]:
    return [m.text for m in extract_mentions(text, language) if m.kind == "name"]


def figures(text: str, language: str = "en") -> list[str]:
    return [m.text for m in extract_mentions(text, language) if m.kind == "figure"]


def test_person_names_are_joined():
    assert names("The company was founded by Zhu Jiangming in Hangzhou.") == [
        "Zhu Jiangming", "Hangzhou"]


def test_months_and_sentence_starters_are_not_names():
    assert names("In June, production began. On Monday the plant stopped.") == []
    assert names("A giugno la produzione è iniziata. Lunedì l'impianto si è fermato.", "it") == []
    assert names("However, sales rose. The Company said Leapmotor grew.") == ["Leapmotor"]
    assert names("Inoltre, le vendite. Questo dato e Mediobanca sono noti.", "it") == ["Mediobanca"]


def test_a_lone_capitalised_word_at_a_sentence_start_needs_evidence():
    assert names("Stellantis bought a stake. Analysts expect more.") == []
    assert names("Stellantis bought a stake. Analysts expect more from Stellantis.") == [
        "Stellantis", "Stellantis"]


def test_and_joins_only_inside_a_longer_name():
    assert names("A deal between Stellantis and Leapmotor was signed.") == [
        "Stellantis", "Leapmotor"]
    assert names("It is listed on Hong Kong Exchanges and Clearing Limited today.") == [
        "Hong Kong Exchanges and Clearing Limited"]
    assert names("Funds came from Cassa Depositi e Prestiti, the ministry said.") != [
        "Cassa Depositi e Prestiti Leapmotor"]


def test_of_and_particles_join_names():
    assert names("Analysts at Bank of America and the Università di Bologna agree.", "en") == [
        "Bank of America", "Università di Bologna"]
    assert names("A painting by Leonardo da Vinci was sold.") == ["Leonardo da Vinci"]
    assert names("La Banca d'Italia ha alzato le stime.", "it") == ["Banca d'Italia"]


def test_legal_suffixes_belong_to_the_name():
    text = ("Zhejiang Leapmotor Technology Co., Ltd. is listed. Nio Inc. and Eni S.p.A. "
            "were also named, as was Acme, Inc. last year.")
    assert names(text) == ["Zhejiang Leapmotor Technology Co., Ltd.", "Nio Inc.", "Eni S.p.A.",
                           "Acme, Inc."]


def test_acronyms_codes_and_camel_case():
    text = ("Shares of Leapmotor trade on the HKEX. The C11, the T03 and the B10 use LEAP 3.0; "
            "rivals include XPeng and FAW-VW. The EV and the SUV are generic.")
    assert names(text) == ["Leapmotor", "HKEX", "C11", "T03", "B10", "LEAP 3.0", "XPeng", "FAW-VW"]


def test_an_acronym_spelled_out_in_common_words_is_a_term():
    text = "Panels use photovoltaic (PV) cells. The PV output and the MSCI rating rose."
    assert names(text) == ["MSCI"]


def test_italian_elision_is_not_part_of_the_name():
    text = "La crescita dell'Europa dipende dall’Unione Europea e da l'Italia."
    assert names(text, "it") == ["Europa", "Unione Europea", "Italia"]
    assert names("Dell'Europa si parla. Nell’Unione Europea cresce.", "it") == [
        "Europa", "Unione Europea"]


def test_an_elided_word_before_a_lower_case_one_is_no_name():
    """A name begins with a capital (or a digit) once any elision is stripped."""
    text = "L'autorità portuale ha approvato il progetto. Marco Bianchi ha commentato."
    for language in ("it", "en", "fr"):
        assert names(text, language) == ["Marco Bianchi"]
    text = ("Il porto di Genova. Dov'è Marco Bianchi? C'è chi dice Tutt'altro, Nell'anno e "
            "Un'autorità.")
    assert names(text, "it") == ["Genova", "Marco Bianchi"]
    assert names("Ieri, L'autorità e Dell'anno scorso.", "en") == []
    # but an elided capital stays: a name (L'Oréal, Sant'Anna) or the name after it (Europa)
    assert names("Il marchio L'Oréal e la chiesa di Sant'Anna.", "it") == ["L'Oréal", "Sant'Anna"]
    assert names("Sales of L'Oreal, Macy's and the airport of Sana'a rose.") == [
        "L'Oreal", "Macy", "Sana'a"]
    for language in ("it", "en"):
        for m in extract_mentions("l'autorità, dell'ente, un'altra, L’efficienza. Zhu Jiangming",
                                  language):
            assert m.text[0].isupper() or m.text[0].isdigit(), m


def test_words_in_capitals_are_shouting_unless_the_text_gives_them_as_names():
    text = ("Contribution to SDGs\n\n8 DECENT WORK AND ECONOMIC GROWTH | 16 PEACE, JUSTICE AND "
            "STRONG INSTITUTIONS\n\nCONTENTS\n\nGRI STANDARD/ OTHER SOURCE | DISCLOSURE | Page")
    assert names(text) == ["SDGs", "GRI"]
    # an acronym in running text stays one, even where it spells a common word
    assert names("È d’accordo con l’adesione a NATO e UE?", "it") == ["NATO", "UE"]
    # a list of words in capitals spelling a label out is a list of terms
    assert names("²⁴ 5S: SEIRI, SEITON, SEISO, SEIKETSU, SHITSUKE. It helps Leapmotor.") == [
        "Leapmotor"]


def test_numbers_ratings_and_short_codes_are_no_names_alone():
    text = ("In Phase II the MSCI rating was AA and the C-IASI rating GGGG; models range from A0-C "
            "class and pass the CP7 line, after World War II.")
    assert names(text) == ["MSCI", "C-IASI", "World War II"]


def test_a_term_with_its_version_is_a_name():
    text = "The CTC 2.0 technology and LEAP 3.0 launched; 3S-Lab and 51Job joined. CTC is a term."
    assert names(text)[:4] == ["CTC 2.0", "LEAP 3.0", "3S-Lab", "51Job"]


def test_acronyms_glossed_in_common_words_are_terms():
    text = ("Equipped with the AQS air quality management system, it is quiet. Kiken Yochi "
            "training (KYT) helps; so does the Task Force on Climate-Related Financial Disclosures "
            "(TCFD).")
    assert names(text) == ["Task Force on Climate-Related Financial Disclosures", "TCFD"]


def test_a_slash_splits_two_names_the_text_gives_alone():
    text = ("It meets C-NCAP/E-NCAP standards. C-NCAP rates cars, E-NCAP too, with CNCERT/CC, in "
            "a poll by Suffolk University/Boston Globe.")
    assert names(text) == ["C-NCAP", "E-NCAP", "C-NCAP", "E-NCAP", "CNCERT/CC",
                           "Suffolk University", "Boston Globe"]


# A text long enough to tell that capitalises common words most of the time, as a report in
# Title Case does
_TOPICS = ("Product Quality, Customer Service, Corporate Governance, Risk Management, Supply "
           "Chain Management, Information Security, Employee Training, Green Operation, Community "
           "Investment, Energy Management, Water Management, Waste Management, Product Safety, "
           "Quality Control, Climate Change, Emission Control and Employee Care")
REPORT = f"This Report covers {_TOPICS}. We report on {_TOPICS} every year. "


def test_a_reports_own_bodies_honours_and_descriptions_are_not_names():
    assert names(REPORT) == []
    text = REPORT + ("The Board of Directors, the Supervisory Board and the Labor Union of the "
                     "Company met Leapmotor staff. The International Sustainability Standards "
                     "Board and the Global Sustainability Standards Board (GSSB) replied.")
    assert names(text) == ["Leapmotor", "International Sustainability Standards Board",
                           "Global Sustainability Standards Board", "GSSB"]
    text = REPORT + ("Leapmotor won titles as Zhejiang Outstanding Employer and Hangzhou Best "
                     "Employer, and the Best Structure Award, in Zhejiang and Hangzhou.")
    assert names(text) == ["Zhejiang", "Hangzhou", "Best Structure Award", "Zhejiang", "Hangzhou"]
    text = REPORT + ("The C01 (Deluxe High-Tech Electric Sedan) follows the ISO 45001 "
                     "Occupational Health and Safety Management System and the Golden Award of "
                     "2024 French Design Award went to Leapmotor.")
    assert names(text) == ["C01", "ISO 45001", "Golden Award of 2024 French Design Award",
                           "Leapmotor"]
    # in news, bodies of common words are names
    assert names("Shares fell after the Federal Reserve Board met in Washington.") == [
        "Federal Reserve Board", "Washington"]


def test_the_name_after_a_titles_of_is_found():
    text = REPORT + ("Leapmotor follows the Trademark Law of the People's Republic of China, the "
                     "Law of the People's Republic of China on Prevention and Treatment of "
                     "Infectious Diseases and the Action Plan for the Development of Zhejiang 415X "
                     "Cluster.")
    assert names(text) == ["People's Republic of China", "People's Republic of China"]


def test_a_byline_label_is_not_part_of_the_name():
    assert names("Il sistema è stato sviluppato in Cina.\n\nRedazione Fleetime\n\nFonte press "
                 "Stellantis", "it") == ["Cina", "Fleetime", "Stellantis"]


def test_possessive_is_dropped_from_the_display_form():
    text = "The plant is Leapmotor’s largest; Germany's Audi agreed."
    found = [m for m in extract_mentions(text, "en") if m.kind == "name"]
    assert [m.text for m in found] == ["Leapmotor", "Germany", "Audi"]
    assert text[found[0].start:found[0].end] == "Leapmotor"


def test_headings_give_only_names_the_text_also_gives():
    text = ("Quality Management and Product Safety at Leapmotor\n\n"
            "Our teams at Leapmotor test every car.")
    assert names(text) == ["Leapmotor", "Leapmotor"]
    assert names("2023 ENVIRONMENTAL SOCIAL AND GOVERNANCE REPORT\n\nThe report of Leapmotor.") == [
        "Leapmotor"]


def test_descriptive_titles_are_not_names_but_the_names_in_them_are():
    text = ("The Risk Committee of Leapmotor approved the Quality Management System under the Data "
            "Security Law of the People's Republic of China, and the Leapmotor Employee Handbook.")
    assert names(text) == ["Leapmotor", "People's Republic of China", "Leapmotor"]


def test_markdown_bold_does_not_make_names():
    assert names("- **Zero** incidents and **100%** coverage at **Leapmotor**.") == ["Leapmotor"]


def test_currency_amounts():
    text = ("Stellantis paid €1.5 billion; the capital was RMB 16.7 billion, or $100 and USD 2 "
            "million, then 100.000 euro and 1,5 miliardi di euro.")
    assert figures(text) == ["€1.5 billion", "RMB 16.7 billion", "$100", "USD 2 million",
                             "100.000 euro", "1,5 miliardi di euro"]


def test_percentages_units_and_years():
    text = ("In 2023 a 20% stake, 25 per cent of sales and 25 per cento in Italia; a 36.5 kWh "
            "battery, 403 km of range, 88 tCO2e and 17 MW. It sold 100,000 vehicles.")
    assert figures(text) == ["2023", "20%", "25 per cent", "25 per cento", "36.5 kWh", "403 km",
                             "88 tCO2e", "17 MW"]


def test_years_stand_alone():
    text = "GB/T 29490-2013, ISO45001-2018, FY2023, 1850 and 2045 are no years; 1990 is."
    assert figures(text) == ["1990"]


def test_name_key_merges_case_whitespace_and_apostrophes():
    assert name_key("LEAPMOTOR") == name_key("Leapmotor") == "leapmotor"
    assert name_key("People’s  Republic\nof China") == name_key("people's republic of china")
    assert name_key("Università") == "università"


def _check_mentions(text: str, mentions: list[Mention]) -> None:
    ends = 0
    for m in mentions:
        assert m.kind in ("name", "figure")
        assert 0 <= m.start < m.end <= len(text)
        assert m.start >= ends, "overlap or unsorted"
        ends = m.end
        assert m.text == " ".join(text[m.start:m.end].split())
        assert not m.text.endswith(("'s", "’s"))


def test_offsets_match_the_text_and_never_overlap_on_the_seeds():
    for path in sorted((ROOT / "corpus").glob("00*.txt")):
        text = path.read_text(encoding="utf-8")
        _check_mentions(text, extract_mentions(text, "en"))
        _check_mentions(text, extract_mentions(text, "it"))


def test_offsets_on_random_slices():
    text = (ROOT / "corpus" / "004_902272254a36adef.txt").read_text(encoding="utf-8")
    rng = random.Random(7)
    for _ in range(200):
        start = rng.randrange(len(text))
        piece = text[start:start + rng.randrange(1, 1500)]
        _check_mentions(piece, extract_mentions(piece, rng.choice(["en", "it", "fr"])))


def _bench():
    spec = importlib.util.spec_from_file_location("names_quality",
                                                  ROOT / "bench" / "names_quality.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _pooled(documents: list[dict]) -> tuple[float, float]:
    correct = sum(d["correct"] for d in documents)
    return (correct / sum(d["extracted"] for d in documents),
            correct / sum(d["gold"] for d in documents))


@pytest.mark.parametrize("whole", [False, True], ids=["per-passage", "whole-document"])
def test_precision_and_recall_on_the_news_seeds(whole):
    """The press release, the news articles and the encyclopedia article (000-003)."""
    documents = [d for d in _bench().measure(whole=whole)["documents"]
                 if not d["file"].startswith("004_")]
    precision, recall = _pooled(documents)
    assert precision >= 0.9 and recall >= 0.8, (precision, recall)


# The ESG report (004, two thirds of the gold names) is written in Title Case throughout:
# policy titles, internal bodies, honours and technical terms that the labelling rules do
# not count as names but capitalisation cannot always tell from names. Measured overall
# (micro): per passage P 0.712 R 0.905, whole document P 0.904 R 0.896
# (bench/names_quality.py); the floors sit just under.
FLOOR = {False: (0.70, 0.89), True: (0.90, 0.89)}


@pytest.mark.parametrize("whole", [False, True], ids=["per-passage", "whole-document"])
def test_precision_and_recall_on_all_seeds_do_not_regress(whole):
    overall = _bench().measure(whole=whole)["overall"]
    assert overall["precision"] >= FLOOR[whole][0] and overall["recall"] >= FLOOR[whole][1], overall


@pytest.mark.parametrize("whole", [
    pytest.param(False, id="per-passage", marks=pytest.mark.xfail(
        strict=True, reason="a passage alone shows too little of the ESG report (004): see FLOOR")),
    pytest.param(True, id="whole-document")])
def test_precision_and_recall_on_all_seeds_meet_the_target(whole):
    """Whole documents are how indexing calls the extractor (ingest/prepare.py)."""
    overall = _bench().measure(whole=whole)["overall"]
    assert overall["precision"] >= 0.9 and overall["recall"] >= 0.8, overall


# The held-out check: eight NTREX news articles labelled before the rules were tuned on the
# seeds (tests/ingest/heldout_names.toml). Measured P 0.851 R 0.830 (0.850 and 0.824 before).
NTREX_FLOOR = (0.84, 0.82)


def test_precision_and_recall_on_the_held_out_ntrex_articles_do_not_regress():
    overall = _bench().measure_ntrex()
    if overall is None:
        pytest.skip("the NTREX texts (../shared/eval/ntrex_en_it) are not on this machine")
    overall = overall["overall"]
    assert (overall["precision"] >= NTREX_FLOOR[0]
            and overall["recall"] >= NTREX_FLOOR[1]), overall


def test_the_common_word_list_is_package_data():
    from importlib import resources

    import tomllib

    words = resources.files("indexer.ingest").joinpath("common_words.txt")
    assert words.is_file()
    lines = words.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("#") and "ability" in lines and "abbastanza" in lines
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "common_words.txt" in config["tool"]["setuptools"]["package-data"]["indexer.ingest"]


PIECES = ["dell'", "L'", "l’", "'", "’", "Dell'Europa", ":", "\n", "\n\n", "\t", " | ", "S.p.A.",
          "Inc.", "(", ")", "[", "€", "%", "1,5", "2023", "100.000", "A", "The", "Il", "**",
          "-", "–", "/", "&", ".", ",", "Zhu", "Jiangming", "of", "di", "e", "and", "BOARD",
          "Leapmotor", "c'è", "II", "CP7", "3S-Lab", "Co.", "Ltd", "x", "é", "«", "“", "…",
          "Banca", "d'Italia", "ESG", "(ESG)", "Report", "in", "June", "giugno", "  "]


@settings(max_examples=400, deadline=None)
@given(pieces=st.lists(st.sampled_from(PIECES), max_size=40),
       glue=st.sampled_from(["", " "]), language=st.sampled_from(["en", "it", "de"]))
def test_any_arrangement_of_tricky_pieces_gives_well_formed_mentions(pieces, glue, language):
    """Headings, elisions, brackets and separators in any order never break the extractor:
    it runs over every document of an archive, and a failure costs that document's names."""
    text = glue.join(pieces)
    mentions = extract_mentions(text, language)
    end = 0
    for m in mentions:
        assert end <= m.start < m.end <= len(text) and m.kind in ("name", "figure")
        assert " ".join(text[m.start:m.end].split()).startswith(m.text[:1])
        end = m.end

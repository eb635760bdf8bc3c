"""Names and figures (indexer/ingest/names.py): the rules one by one, and precision and
recall against the hand-labelled seed documents (tests/ingest/seed_names.toml)."""
import importlib.util
import random
from pathlib import Path

import pytest

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
# not count as names but capitalisation cannot tell from names. Measured overall (micro):
# per passage P 0.66 R 0.89, whole document P 0.79 R 0.87 (bench/names_quality.py).
FLOOR = {False: (0.64, 0.86), True: (0.78, 0.85)}


@pytest.mark.parametrize("whole", [False, True], ids=["per-passage", "whole-document"])
def test_precision_and_recall_on_all_seeds_do_not_regress(whole):
    overall = _bench().measure(whole=whole)["overall"]
    assert overall["precision"] >= FLOOR[whole][0] and overall["recall"] >= FLOOR[whole][1], overall


@pytest.mark.xfail(strict=True, reason="target not met on the ESG report (004): see FLOOR")
@pytest.mark.parametrize("whole", [False, True], ids=["per-passage", "whole-document"])
def test_precision_and_recall_on_all_seeds_meet_the_target(whole):
    overall = _bench().measure(whole=whole)["overall"]
    assert overall["precision"] >= 0.9 and overall["recall"] >= 0.8, overall

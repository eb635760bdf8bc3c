"""Cleaning, language tags and passages of the seed documents."""
import unicodedata

import pytest

from indexer.ingest.cleaning import assemble, clean
from indexer.ingest.language import LanguageDetector
from indexer.ingest.passages import split_passages
from tests.conftest import SEED_CORPUS

ESG = SEED_CORPUS / "004_902272254a36adef.txt"
WIKI = SEED_CORPUS / "002_9183598e463385ba.txt"


@pytest.fixture(scope="module")
def esg_blocks():
    return clean(ESG.read_text(encoding="utf-8"), is_html=False)


def test_esg_report_markup_is_cleaned(esg_blocks):
    raw = ESG.read_text(encoding="utf-8")
    assert "<ul" in raw and "**" in raw and "<i>" in raw and "\t" in raw  # the debris is there
    text = assemble(esg_blocks)
    for debris in ("<ul", "<li", "</i>", "<i>", "<hr", "**", "\t", "list-style-type"):
        assert debris not in text, debris
    # the words inside the markup survive, table cells stay apart
    assert "Measures for Employee Reward and Punishment Management" in text
    assert "Brand vision | Become a respected world-class intelligent EV company" in text
    assert "3 non-executive directors" in text
    # an <http://…> autolink is a URL, not a tag to drop
    assert "http://www.leapmotor.com" in text


def test_paragraph_breaks_and_nfc(esg_blocks):
    text = assemble(esg_blocks)
    assert "\n\n" in text and "\n\n\n" not in text
    assert unicodedata.is_normalized("NFC", text)
    assert all("  " not in b.text for b in esg_blocks)


def test_empty_wiki_headings_are_dropped():
    blocks = clean(WIKI.read_text(encoding="utf-8"), is_html=False)
    headings = [b.text for b in blocks if b.kind == "heading"]
    assert "History" in headings and "Stellantis" in headings
    for empty in ("Products", "Current models", "Upcoming models", "Sales"):
        assert empty not in headings
    assert "==" not in assemble(blocks)


def test_html_cleaning_drops_scripts_styles_comments():
    blocks = clean("<html><head><style>p{}</style><script>alert(1)</script></head><body>"
                   "<h2>Heading</h2><p>First <b>para</b>.</p><!-- hidden --><p>Second.</p>"
                   "</body></html>", is_html=True)
    assert [(b.kind, b.text) for b in blocks] == [
        ("heading", "Heading"), ("paragraph", "First para."), ("paragraph", "Second.")]


def test_esg_passages_keep_sections_and_offsets(esg_blocks):
    text = assemble(esg_blocks)
    spans = split_passages(esg_blocks, 80, 250)
    energy = [s for s in spans if s.section.endswith("3.2.3 Energy Use")]
    assert energy and energy[0].section == "3.2 Implementing Green Production › 3.2.3 Energy Use"
    assert "energy" in text[energy[0].start:energy[0].end].lower()
    assert all(s.words <= 250 for s in spans)
    sizes = sorted(s.words for s in spans)
    assert sizes[len(sizes) // 2] >= 80  # the median passage is a proper passage
    for s in spans:
        assert len(text[s.start:s.end].split()) == s.words


def test_seed_languages(config):
    from indexer.index.reader import IndexHandle
    store = IndexHandle(config).get().store
    langs = {p.stem: store.document(p.stem).language for p in SEED_CORPUS.glob("*.txt")}
    assert langs == {"000_bd7e62b69b614585": "en", "001_c78aecbcbfb51514": "it",
                     "002_9183598e463385ba": "en", "003_49f755cca01dd2c7": "en",
                     "004_902272254a36adef": "en"}
    assert {p.language for p in store.passages_of("001_c78aecbcbfb51514")} == {"it"}


@pytest.mark.parametrize("text", ["Leapmotor C11", "Zhu Jiangming", "C10 SUV", "è", "OK!",
                                  "Leapmotor International SpA, Amsterdam"])
def test_short_or_mixed_text_is_never_tagged_outside_configured(text):
    detector = LanguageDetector(["en", "it"], "en")
    assert detector.detect(text, fallback="it") in ("en", "it")
    assert detector.detect(text) == detector.detect(text)  # deterministic

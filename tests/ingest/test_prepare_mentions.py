"""Preparing a document finds its names and figures once, over the whole text, and gives
each passage those inside it; a failing extractor costs the names, never the document."""
from indexer.ingest import prepare as prepare_module
from indexer.ingest.language import LanguageDetector
from indexer.ingest.prepare import PreparedDocument, prepare
from indexer.models import SourceDocument

DETECTOR = LanguageDetector(["en", "it"], "en")
PARAGRAPHS = [
    f"In {2000 + i}, the carmaker said that Zhu Jiangming met Carlos Tavares in Hangzhou to "
    f"discuss a joint venture worth €{i + 1}.5 billion. Analysts at Morgan Stanley expected "
    f"the plant in Zaragoza to build {i + 2}00,000 cars a year, up {i + 10}% on the plan. "
    + "The talks went on for several days and covered batteries and software. " * 6
    for i in range(6)]


def _prepared(text: str) -> PreparedDocument:
    doc = prepare(SourceDocument("d", "d.txt", text, False), DETECTOR, 80, 250)
    assert isinstance(doc, PreparedDocument)
    return doc


def test_each_passage_has_the_names_inside_it_with_document_offsets():
    doc = _prepared("\n\n".join(PARAGRAPHS))
    assert len(doc.passages) > 1
    names = set()
    for part in doc.passages:
        for m in part.mentions:
            assert part.start <= m.start < m.end <= part.end
            assert " ".join(doc.text[m.start:m.end].split()).startswith(m.text)
            names.add((m.kind, m.text))
    assert {("name", "Zhu Jiangming"), ("name", "Carlos Tavares"), ("name", "Hangzhou"),
            ("name", "Morgan Stanley"), ("figure", "2003")} <= names
    assert all(p.mentions for p in doc.passages)


def test_a_failing_name_extractor_loses_no_document(monkeypatch):
    def broken(text, language):
        raise IndexError("string index out of range")

    monkeypatch.setattr(prepare_module, "extract_mentions", broken)
    doc = _prepared("\n\n".join(PARAGRAPHS))
    assert doc.passages and not any(p.mentions for p in doc.passages)
    assert "names and figures not extracted: IndexError" in doc.source.warning

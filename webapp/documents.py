"""A document laid out for reading: headings and passages, with query terms marked."""
from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup, escape

from indexer.index.keyword.whoosh_index import KeywordIndex
from indexer.models import Document, Passage


@dataclass
class Segment:
    kind: str  # "heading" | "passage"
    html: Markup
    passage: Passage | None = None


def _paragraphs_html(text: str, lang: str, terms) -> Markup:
    parts = []
    for para in text.split("\n\n"):
        marked = KeywordIndex.highlight(para, lang, terms, whole=True) if terms else ""
        parts.append(f"<p>{marked or escape(para)}</p>")
    return Markup("".join(parts))


def segments(doc: Document, passages: list[Passage], terms) -> list[Segment]:
    """The document in reading order; text between passages is headings."""
    out: list[Segment] = []
    cursor = 0
    for p in passages:
        for line in doc.text[cursor:p.start].split("\n\n"):
            if line.strip():
                out.append(Segment("heading", escape(line.strip())))
        out.append(Segment("passage", _paragraphs_html(p.text, p.language, terms), p))
        cursor = p.end
    for line in doc.text[cursor:].split("\n\n"):
        if line.strip():
            out.append(Segment("heading", escape(line.strip())))
    return out

"""A document laid out for reading: headings and passages, with query terms marked and
the names it mentions linked to a search for them."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from flask import url_for
from markupsafe import Markup, escape

from indexer.index.keyword.whoosh_index import KeywordIndex
from indexer.ingest.names import Mention, name_key
from indexer.models import Document, Passage

DOCUMENT_NAMES = 30  # names listed at the top of a document page, most mentioned first


@dataclass
class Segment:
    kind: str  # "heading" | "passage"
    html: Markup
    passage: Passage | None = None


def name_search(name: str) -> str:
    """The search page for passages mentioning `name`."""
    return url_for("views.search", q=f'name:"{name.replace(chr(34), "")}"')


def _terms_html(text: str, lang: str, terms) -> Markup:
    marked = KeywordIndex.highlight(text, lang, terms, whole=True) if terms and text else ""
    return Markup(marked) if marked else escape(text)


def _marked(text: str, offset: int, lang: str, terms, names: list[Mention]) -> Markup:
    """`text` (at `offset` in the document) with query terms marked and names linked."""
    out, cursor = [], 0
    for m in names:
        start, end = m.start - offset, m.end - offset
        if start < cursor or end > len(text):
            continue
        out.append(_terms_html(text[cursor:start], lang, terms))
        out.append(Markup('<a class="name" href="{}">{}</a>').format(
            name_search(m.text), _terms_html(text[start:end], lang, terms)))
        cursor = end
    out.append(_terms_html(text[cursor:], lang, terms))
    return Markup("").join(out)


def _paragraphs_html(passage: Passage, terms, names: list[Mention]) -> Markup:
    parts, offset = [], passage.start
    for para in passage.text.split("\n\n"):
        inside = [m for m in names if offset <= m.start and m.end <= offset + len(para)]
        parts.append(Markup("<p>{}</p>").format(_marked(para, offset, passage.language, terms,
                                                        inside)))
        offset += len(para) + 2
    return Markup("").join(parts)


def segments(doc: Document, passages: list[Passage], terms,
             mentions: list[Mention] = ()) -> list[Segment]:
    """The document in reading order; text between passages is headings."""
    names = [m for m in mentions if m.kind == "name"]
    out: list[Segment] = []
    cursor = 0
    for p in passages:
        for line in doc.text[cursor:p.start].split("\n\n"):
            if line.strip():
                out.append(Segment("heading", escape(line.strip())))
        inside = [m for m in names if p.start <= m.start and m.end <= p.end]
        out.append(Segment("passage", _paragraphs_html(p, terms, inside), p))
        cursor = p.end
    for line in doc.text[cursor:].split("\n\n"):
        if line.strip():
            out.append(Segment("heading", escape(line.strip())))
    return out


def top_names(mentions: list[Mention]) -> list[tuple[str, int]]:
    """The document's most mentioned names (display form of the first mention) and counts."""
    counts, labels = Counter(), {}
    for m in mentions:
        if m.kind == "name":
            key = name_key(m.text)
            counts[key] += 1
            labels.setdefault(key, m.text)
    return [(labels[key], n) for key, n in counts.most_common(DOCUMENT_NAMES)]

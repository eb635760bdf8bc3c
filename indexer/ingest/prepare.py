"""One source document made ready to index: cleaned, hashed, language-tagged, split, and
the names and figures of each passage found.

This is the stateless part of indexing (it needs no index), so it runs wherever the
build does it: in the build process, or as tasks on a Dask cluster's workers
(`indexer.index.cluster`). What it gives back is all the build needs to write the
document and its passages, in the same form either way.
"""
from __future__ import annotations

import hashlib
from bisect import bisect_right
from dataclasses import dataclass, field, replace

from ..models import Skipped, SourceDocument
from .cleaning import assemble, clean, html_title
from .language import LanguageDetector
from .evidence import evidence_of
from .names import Mention, extract_mentions
from .passages import split_passages


@dataclass
class PreparedPassage:
    start: int  # character offsets in the cleaned text
    end: int
    section: str
    language: str
    mentions: list[Mention] = field(default_factory=list)  # offsets in the document's text


@dataclass
class PreparedDocument:
    source: SourceDocument  # without its raw content, which is not needed any more
    title: str
    text: str
    content_hash: str
    language: str
    passages: list[PreparedPassage]
    evidence: frozenset[str] = frozenset()  # for story grouping (index/stories.py)


def text_hash(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def opening_words(title: str, text: str) -> bool:
    """Whether `title` is only the first words of `text` (a title made up by `_title`)."""
    head = " ".join(title.removesuffix(" …").split())
    return bool(head) and " ".join(text.split()).startswith(head)


def _title(src: SourceDocument, blocks) -> str:
    if src.title:
        return src.title
    if src.is_html:
        found = html_title(src.raw)
        if found:
            return found
    first = blocks[0].text if blocks else ""
    words = first.split()
    return " ".join(words[:14]) + (" …" if len(words) > 14 else "")


def _assign(mentions: list[Mention], passages: list[PreparedPassage]) -> None:
    """Give each passage the mentions inside it. Names are found in the whole document
    at once: one passage alone shows too little of it (a footnote spelling out an
    acronym, the same word in lower case elsewhere): on the seed documents precision
    was 0.71 a passage at a time, 0.90 a document at a time (bench/names_quality.py)."""
    starts = [p.start for p in passages]
    for m in mentions:
        i = bisect_right(starts, m.start) - 1
        if i >= 0 and m.end <= passages[i].end:
            passages[i].mentions.append(m)


def prepare(src: SourceDocument, detector: LanguageDetector, min_words: int,
            max_words: int) -> PreparedDocument | Skipped:
    """`src` cleaned and split; Skipped if no text is left, or if preparing it failed
    (one broken document must not stop a build)."""
    try:
        blocks = clean(src.raw, src.is_html)
        text = assemble(blocks)
        if not text.strip():
            return Skipped(src.origin, "no text left after cleaning")
        language = detector.detect(text)
        spans = split_passages(blocks, min_words, max_words)
        passages = [PreparedPassage(
            span.start, span.end, span.section,
            language if len(spans) == 1
            else detector.detect(text[span.start:span.end], fallback=language))
            for span in spans]
        try:
            _assign(extract_mentions(text, language), passages)
        except Exception as exc:  # names are an extra: index the document without them
            note = f"names and figures not extracted: {exc!r}"
            src = replace(src, warning=f"{src.warning}; {note}" if src.warning else note)
        title = _title(src, blocks)
        return PreparedDocument(replace(src, raw=""), title, text,
                                text_hash(" ".join(text.split()).lower()), language, passages,
                                evidence_of(f"{title}\n\n{text}"))
    except Exception as exc:
        return Skipped(src.origin, f"failed to index: {exc!r}")


def prepare_all(items, detector: LanguageDetector, min_words: int, max_words: int):
    """`prepare` of each SourceDocument among `items`; Skipped records pass through."""
    for item in items:
        yield prepare(item, detector, min_words, max_words) if isinstance(
            item, SourceDocument) else item

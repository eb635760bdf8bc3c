"""The records that flow through indexing and come back out of search."""
from __future__ import annotations

from dataclasses import dataclass, field

KINDS = ("news", "press-release", "encyclopedia", "disclosure")  # what a document's kind may be


@dataclass
class SourceDocument:
    """One article as read from the corpus, before cleaning."""

    doc_id: str
    origin: str  # file path, with ":line" for JSONL records
    raw: str
    is_html: bool
    title: str = ""
    source: str = ""
    kind: str = ""
    published: str = ""  # ISO 8601, possibly partial: 2024, 2024-04, 2024-04-29
    url: str = ""
    warning: str = ""  # indexed, but not entirely (e.g. cut at [corpus] max_document_mb)


@dataclass
class Skipped:
    """An input that was not indexed, and why."""

    origin: str
    reason: str


@dataclass
class Block:
    """A heading or a paragraph of a cleaned document, with its span in the text."""

    kind: str  # "heading" | "paragraph"
    text: str
    level: int = 0
    start: int = 0
    end: int = 0


@dataclass
class Document:
    doc_id: str
    title: str
    source: str
    kind: str
    published: str
    url: str
    language: str
    text: str
    origin: str
    content_hash: str
    story_id: str = ""  # the story the document belongs to (index/stories.py); "" before grouping
    story_role: str = ""  # "first", "republication" or "translation" within its story


@dataclass
class Passage:
    passage_id: str
    doc_id: str
    ordinal: int
    section: str  # heading path, "3.2 Implementing Green Production › 3.2.3 Energy Use"
    start: int  # character offsets in the cleaned document text
    end: int
    language: str
    text: str
    text_hash: str = ""
    row: int = -1  # row in the vector file
    # names and figures in the passage (ingest/names.py Mention), offsets in the document's text
    mentions: list = field(default_factory=list)


@dataclass
class Filters:
    languages: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    date_from: str = ""  # ISO date, inclusive
    date_to: str = ""
    names: list[str] = field(default_factory=list)  # any of these names (ingest/names.py)
    figures: list[str] = field(default_factory=list)  # any of these figures

    def is_empty(self) -> bool:
        return not (self.languages or self.kinds or self.sources or self.date_from or self.date_to
                    or self.names or self.figures)

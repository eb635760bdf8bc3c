"""Translating a document page by page: a window of passages at a time.

A 200 KB report is hundreds of passages; translating a window of
`[translation] document_window` passages (one batch per language) keeps each
page to well under a second, with links to the previous and next windows.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from markupsafe import Markup

from indexer.models import Passage
from indexer.search.translated_snippets import marked
from indexer.translate.interface import TranslationError, Translator, title_names


@dataclass
class TranslatedWindow:
    target: str
    start: int  # ordinals [start, end) of the passages this page translates
    end: int
    total: int
    size: int
    html: dict[int, Markup] = field(default_factory=dict)  # ordinal -> translated paragraphs
    notice: str = ""

    @property
    def prev_from(self) -> int | None:
        return max(0, self.start - self.size) if self.start > 0 else None

    @property
    def next_from(self) -> int | None:
        return self.end if self.end < self.total else None


def window_start(requested: int | None, hit: int | None, size: int) -> int:
    """Where the window begins: as asked, else a little before the search hit, else the top."""
    if requested is not None:
        return max(0, requested)
    if hit is not None:
        return max(0, hit - size // 3)
    return 0


def translate_window(translator: Translator, passages: list[Passage], target: str, start: int,
                     size: int, terms: dict[str, frozenset[str]], title: str = "") -> TranslatedWindow:
    """Translate the window of passages from `start`; the names in the document's `title`
    stay as written (as on the result page)."""
    total = max((p.ordinal for p in passages), default=-1) + 1
    start = min(start, max(0, total - 1))
    window = TranslatedWindow(target, start, min(total, start + size), total, size)
    groups = defaultdict(list)
    for p in passages:
        if window.start <= p.ordinal < window.end and p.language != target:
            groups[p.language].append(p)
    if groups and not translator.available:
        window.notice = f"Machine translation is unavailable: {translator.unavailable_reason}."
        return window
    for source, group in groups.items():
        try:
            texts = translator.translate([p.text for p in group], source, target,
                                          names=title_names(title))
        except TranslationError as exc:
            window.notice = f"Machine translation is unavailable: {exc}."
            continue
        for p, text in zip(group, texts):
            window.html[p.ordinal] = Markup("".join(
                f"<p>{marked(para, target, terms)}</p>" for para in text.split("\n\n")
                if para.strip()))
    return window

"""Splitting a cleaned document into passages that keep their section heading path.

Paragraphs under one heading are gathered until a passage has at least
`min_words`; a passage never passes `max_words` and never crosses a heading. A
paragraph longer than `max_words` is cut at sentence ends (and a sentence longer
than that, such as a table row, at word boundaries). Every passage is an exact
slice `text[start:end]` of the cleaned document, so a hit can be cited and shown
in place.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from ..models import Block

SECTION_SEPARATOR = " › "
_SENTENCE_BOUNDARY = re.compile(
    r"\s*\n\s*\n\s*|(?<=[.!?…;])[\"”»)]?\s+(?=[\"“«(]?[A-Z0-9À-ÖØ-Þ])")
_WORD = re.compile(r"\S+")


@dataclass
class Span:
    start: int
    end: int
    section: str
    words: int


def split_sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) offsets of the sentences of `text`."""
    spans, start = [], 0
    for m in _SENTENCE_BOUNDARY.finditer(text):
        spans.append((start, m.start()))
        start = m.end()
    if start < len(text):
        spans.append((start, len(text)))
    return [(s, e) for s, e in spans if text[s:e].strip()]


def _word_chunks(text: str, offset: int, max_words: int) -> list[tuple[int, int, int]]:
    words = [(m.start(), m.end()) for m in _WORD.finditer(text)]
    return [(offset + words[i][0], offset + words[min(i + max_words, len(words)) - 1][1],
             min(max_words, len(words) - i)) for i in range(0, len(words), max_words)]


def _pieces(block: Block, max_words: int) -> list[tuple[int, int, int]]:
    """(start, end, words) pieces of a paragraph, each at most max_words long."""
    words = len(block.text.split())
    if words <= max_words:
        return [(block.start, block.end, words)]
    pieces: list[tuple[int, int, int]] = []
    for s, e in split_sentences(block.text):
        sentence = block.text[s:e]
        n = len(sentence.split())
        if n > max_words:
            pieces.extend(_word_chunks(sentence, block.start + s, max_words))
        elif pieces and pieces[-1][2] + n <= max_words and pieces[-1][2] < max_words // 2:
            pieces[-1] = (pieces[-1][0], block.start + e, pieces[-1][2] + n)
        else:
            pieces.append((block.start + s, block.start + e, n))
    return pieces


def split_passages(blocks: list[Block], min_words: int, max_words: int) -> list[Span]:
    spans: list[Span] = []
    path: list[tuple[int, str]] = []
    current: Span | None = None

    def flush():
        nonlocal current
        if current is None:
            return
        prev = spans[-1] if spans else None
        if (prev and current.words < min_words and prev.section == current.section
                and prev.words + current.words <= max_words):
            prev.end, prev.words = current.end, prev.words + current.words
        else:
            spans.append(current)
        current = None

    for block in blocks:
        if block.kind == "heading":
            flush()
            path = [(lvl, t) for lvl, t in path if lvl < block.level] + [(block.level, block.text)]
            continue
        section = SECTION_SEPARATOR.join(t for _, t in path)
        for start, end, words in _pieces(block, max_words):
            if current is not None and (current.words >= min_words
                                        or current.words + words > max_words):
                flush()
            if current is None:
                current = Span(start, end, section, words)
            else:
                current.end, current.words = end, current.words + words
    flush()
    return spans

"""Snippets: the part of a passage worth showing, as safe HTML.

Every snippet is escaped text with only <mark> added by us, so a document
containing `<script>` shows the characters, never runs them.
"""
from __future__ import annotations

import html
import re

import numpy as np
from markupsafe import escape

from ..index.embedders import Embedder
from ..index.keyword.whoosh_index import KeywordIndex
from ..ingest.passages import split_sentences
from ..models import Passage

MAX_SENTENCES = 24  # sentences per passage considered for a semantic snippet
_MARK = re.compile(r"<mark>(.*?)</mark>", re.DOTALL)


def snippet_runs(snippet_html: str) -> list[tuple[str, bool]]:
    """(text, matched) runs of a snippet made here (escaped text + <mark>)."""
    runs, pos = [], 0
    for m in _MARK.finditer(snippet_html):
        if m.start() > pos:
            runs.append((html.unescape(snippet_html[pos:m.start()]), False))
        runs.append((html.unescape(m.group(1)), True))
        pos = m.end()
    if pos < len(snippet_html):
        runs.append((html.unescape(snippet_html[pos:]), False))
    return [(text, matched) for text, matched in runs if text]


def marked_text(runs: list[tuple[str, bool]], start: str = "[[", end: str = "]]") -> str:
    """A snippet as plain text, matched terms between `start` and `end` ([[like this]])."""
    return "".join(f"{start}{text}{end}" if matched else text for text, matched in runs)


def truncate(text: str, max_chars: int) -> str:
    if len(text) <= max_chars:
        return text
    cut = text.rfind(" ", 0, max_chars)
    return text[:cut if cut > max_chars // 2 else max_chars].rstrip() + " …"


def plain_snippet(text: str, max_chars: int) -> str:
    return str(escape(truncate(" ".join(text.split()), max_chars)))


def best_sentences(passages: list[Passage], query_vector: np.ndarray | None,
                   embedder: Embedder | None) -> dict[str, str]:
    """For each passage, its sentence closest in meaning to the query (one batch for all)."""
    if query_vector is None or embedder is None or not passages:
        return {}
    owners, sentences = [], []
    for p in passages:
        for s, e in split_sentences(p.text)[:MAX_SENTENCES]:
            owners.append(p.passage_id)
            sentences.append(p.text[s:e])
    if not sentences:
        return {}
    scores = embedder.encode(sentences) @ np.asarray(query_vector, dtype=np.float32)
    best: dict[str, tuple[float, str]] = {}
    for owner, sentence, score in zip(owners, sentences, scores):
        if owner not in best or score > best[owner][0]:
            best[owner] = (float(score), sentence)
    return {pid: sentence for pid, (_, sentence) in best.items()}


def make_snippet(passage: Passage, terms: dict[str, frozenset[str]], best_sentence: str | None,
                 max_chars: int, fragments: int) -> str:
    """The closest sentence for a semantic-only hit (`best_sentence`), else keyword fragments."""
    if best_sentence:
        sentence = truncate(" ".join(best_sentence.split()), int(max_chars * 1.5))
        marked = KeywordIndex.highlight(sentence, passage.language, terms, whole=True)
        return marked or str(escape(sentence))
    html = KeywordIndex.highlight(passage.text, passage.language, terms, max_chars, fragments)
    return html or plain_snippet(passage.text, max_chars)

"""Snippets: the part of a passage worth showing, as safe HTML.

Every snippet is escaped text with only <mark> added by us, so a document
containing `<script>` shows the characters, never runs them.
"""
from __future__ import annotations

import html
import math
import re

import numpy as np
from markupsafe import escape

from ..index.embedders import Embedder
from ..index.keyword.analyzers import analyze
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


def sentences_of(text: str) -> list[str]:
    """The sentences of a passage a semantic snippet chooses from (the first MAX_SENTENCES)."""
    return [text[s:e] for s, e in split_sentences(text)[:MAX_SENTENCES]]


def matched_terms(sentences: list[str], lang: str, termset: frozenset[str]) -> list[set[str]]:
    """Per sentence, the query's analysed terms it holds (as the highlighter would mark them)."""
    if not termset:
        return [set() for _ in sentences]
    return [set(analyze(lang, s)) & termset for s in sentences]


def semantic_sentences(passages: list[Passage], terms: dict[str, frozenset[str]],
                       query_vector: np.ndarray | None,
                       embedder: Embedder | None) -> dict[str, str]:
    """For each semantic-only hit, the sentence to show: the one holding the most of the
    query's terms when any sentence holds one (no encoder call), else the one closest in
    meaning to the query (its sentences embedded now, as `best_sentences`).

    `terms` are the analysed terms of the query by language, its translation's included
    (`Ranking.terms`). On NTREX sentences the terms choose the right sentence as often as
    embedding does where the passage holds a query term, and embedding is kept for hits
    that share no word with the query (most semantic-only hits): docs/search-quality.md,
    section 7, `bench/snippet_choice.py`.
    """
    chosen = term_sentences(passages, terms, only_matched=True)
    rest = [p for p in passages if p.passage_id not in chosen]
    return chosen | best_sentences(rest, query_vector, embedder)


def term_sentences(passages: list[Passage], terms: dict[str, frozenset[str]],
                   only_matched: bool = False) -> dict[str, str]:
    """For each passage, its sentence that holds the most of the query's terms, each term
    weighted by its rarity among the page's sentences; the first sentence when none does
    (left out with `only_matched`). Ties go to the earlier sentence."""
    split = [(p, sentences_of(p.text)) for p in passages]
    found = [(p, sentences, matched_terms(sentences, p.language,
                                          terms.get(p.language, frozenset())))
             for p, sentences in split if sentences]
    weight = rarity_weights([m for _, _, per in found for m in per])
    out = {}
    for p, sentences, per_sentence in found:
        if only_matched and not any(per_sentence):
            continue
        scores = [sum(weight[t] for t in m) for m in per_sentence]
        best = max(range(len(sentences)), key=lambda i: (scores[i], -i))
        out[p.passage_id] = sentences[best]
    return out


def rarity_weights(per_sentence: list[set[str]]) -> dict[str, float]:
    """term -> log(1 + n / df): n the sentences counted, df those holding the term."""
    df: dict[str, int] = {}
    for m in per_sentence:
        for t in m:
            df[t] = df.get(t, 0) + 1
    n = len(per_sentence)
    return {t: math.log(1.0 + n / d) for t, d in df.items()}


def best_sentences(passages: list[Passage], query_vector: np.ndarray | None,
                   embedder: Embedder | None) -> dict[str, str]:
    """For each passage, its sentence closest in meaning to the query (one batch for all)."""
    if query_vector is None or embedder is None or not passages:
        return {}
    owners, sentences = [], []
    for p in passages:
        for sentence in sentences_of(p.text):
            owners.append(p.passage_id)
            sentences.append(sentence)
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

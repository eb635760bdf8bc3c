"""What a keyword index gives its callers, whatever engine holds it.

A keyword index is opened on a generation's `keyword/` folder and offers
`writer()` (add passages and delete documents, commit at exit), `search(tree, filters, limit, also)`
(the best `limit` passages as `KeywordResult`, with facet counts over all
matches on request), `matches(...)` (every match, best
first, as `KeywordMatches`), `terms_of(...)` and `highlight(...)` (the analysed
terms a query matched, and a passage's text with exactly those forms in <mark>).
Query trees are written over the virtual fields `title`, `section` and `body`;
the engine maps them onto each language's own fields and analyzers.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from whoosh import query as wq  # query trees are Whoosh query nodes, whatever the engine

FACET_FIELDS = ("language", "kind", "source")  # what search results are faceted by


@dataclass
class KeywordHit:
    row: int  # the passage's row in the store and the vector file
    score: float


@dataclass
class KeywordResult:
    hits: list[KeywordHit]
    total: int
    terms: dict[str, frozenset[str]]  # analyzed query terms by language, for highlighting
    # when asked for: {facet field: {value: count}} over every match, not only `hits`
    facets: dict[str, dict[str, int]] | None = None


@dataclass
class KeywordMatches:
    total: int
    terms: dict[str, frozenset[str]]
    hits: Iterator[KeywordHit]


def negations(tree: wq.Query) -> list[wq.Query]:
    """Every subquery that `tree` excludes (under NOT or the right side of ANDNOT): what a
    translated query must still exclude."""
    if isinstance(tree, wq.Not):
        return [tree.query]
    if isinstance(tree, wq.AndNot):
        return negations(tree.a) + [tree.b]
    return [n for child in tree.children() for n in negations(child)]

"""What a keyword index gives its callers, whatever engine holds it.

A keyword index is opened on a generation's `keyword/` folder and offers
`writer()` (add passages and delete documents, commit at exit), `search(tree, filters, limit, also)`
(the best `limit` passages as `KeywordResult`, with facet counts over all
matches on request), `matches(...)` (every match, best
first, as `KeywordMatches`), `terms_of(...)` and `highlight(...)` (the analysed
terms a query matched, and a passage's text with exactly those forms in <mark>).
Query trees are written over the virtual fields `title`, `section` and `body`;
the engine maps them onto each language's own fields and analyzers. The virtual fields
`name` and `figure` look up the names and figures a passage mentions (ingest/names.py),
each indexed whole as one term, its `name_key`, in every language; a filter on names
or figures admits passages mentioning any of them.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from whoosh import query as wq  # query trees are Whoosh query nodes, whatever the engine

from ...ingest.names import name_key
from ...models import Filters

FACET_FIELDS = ("language", "kind", "source")  # what the engines count (facets=True)
MENTION_FIELDS = {"name": "names", "figure": "figures"}  # virtual field -> index field
MAX_PREFIX_EXPANSIONS = 64  # the most frequent terms a `veic*` stands for
MAX_PREFIX_SCAN = 20000  # terms looked at to find them


def mention_keys(node: wq.Query, expand) -> tuple[list[str], list[str]]:
    """The keys a `name:`/`figure:` leaf looks up, and the words to highlight for it.

    `name:"Zhu Jiangming"` is one key, highlighted word by word; `name:leap*` is the
    MAX_PREFIX_EXPANSIONS keys starting so that most passages mention (`expand(field,
    prefix, limit)` gives (key, passages) pairs), of which only the words starting with
    the prefix are highlighted, not every word of every name found.
    """
    field = MENTION_FIELDS[node.fieldname]
    if isinstance(node, wq.Prefix):
        prefix = name_key(node.text)
        found = sorted(expand(field, prefix, MAX_PREFIX_SCAN), key=lambda kv: (-kv[1], kv[0]))
        keys = [key for key, _ in found[:MAX_PREFIX_EXPANSIONS]]
        return keys, sorted({w for key in keys for w in key.split() if w.startswith(prefix)})
    words = node.words if isinstance(node, wq.Phrase) else [node.text]
    key = name_key(" ".join(words))
    return ([key], key.split()) if key else ([], [])


def mention_filters(filters: Filters) -> dict[str, list[str]]:
    """The index field and keys of each names / figures filter."""
    return {field: [name_key(v) for v in values]
            for field, values in (("names", filters.names), ("figures", filters.figures))
            if values}


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

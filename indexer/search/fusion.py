"""Fusing the keyword and semantic ranked lists into one.

`rrf`: reciprocal rank fusion, score = sum 1 / (k + rank) (Cormack et al. 2009).
`weighted`: a convex combination of min-max normalised scores,
w * keyword + (1 - w) * semantic, which can beat RRF once w is tuned.
Either way, `factors` can scale one retriever's contribution for some passages
(search uses it to trust keyword hits in another language than the query less).
"""
from __future__ import annotations

from dataclasses import dataclass, field

RETRIEVERS = ("keyword", "semantic")


@dataclass(slots=True)  # a search makes up to a thousand
class Fused:
    row: int  # the passage's (index/row_facts.py)
    score: float
    ranks: dict[str, int] = field(default_factory=dict)  # 1-based rank in each retriever
    scores: dict[str, float] = field(default_factory=dict)

    @property
    def matched_by(self) -> str:
        found = [r for r in RETRIEVERS if r in self.ranks]
        return "both" if len(found) == 2 else found[0]


Ranked = list[tuple[int, float]]  # (row, score), best first


def _collect(lists: dict[str, Ranked]) -> dict[int, Fused]:
    fused: dict[int, Fused] = {}
    for retriever, hits in lists.items():
        for rank, (row, score) in enumerate(hits, 1):
            item = fused.setdefault(row, Fused(row, 0.0))
            item.ranks[retriever] = rank
            item.scores[retriever] = score
    return fused


def _ordered(fused: dict[int, Fused]) -> list[Fused]:
    # Ties broken by best single rank, then row, so the order is deterministic.
    return sorted(fused.values(),
                  key=lambda f: (-f.score, min(f.ranks.values()), f.row))


Factors = dict[str, dict[int, float]]  # retriever -> row -> multiplier (default 1)


def _factor(factors: Factors | None, retriever: str, row: int) -> float:
    return factors.get(retriever, {}).get(row, 1.0) if factors else 1.0


def rrf(lists: dict[str, Ranked], k: int = 60,
        factors: Factors | None = None) -> list[Fused]:
    fused = _collect(lists)
    for item in fused.values():
        item.score = sum(_factor(factors, r, item.row) / (k + rank)
                         for r, rank in item.ranks.items())
    return _ordered(fused)


def weighted(lists: dict[str, Ranked], keyword_weight: float = 0.5,
             factors: Factors | None = None) -> list[Fused]:
    fused = _collect(lists)
    weights = {"keyword": keyword_weight, "semantic": 1.0 - keyword_weight}
    for retriever, hits in lists.items():
        if not hits:
            continue
        scores = [s for _, s in hits]
        lo, hi = min(scores), max(scores)
        for row, score in hits:
            norm = (score - lo) / (hi - lo) if hi > lo else 1.0
            fused[row].score += weights[retriever] * norm * _factor(factors, retriever, row)
    return _ordered(fused)


def single(hits: Ranked, retriever: str, start: int = 1) -> list[Fused]:
    """One list, nothing to fuse: each hit keeps its retriever's own score (BM25, cosine).

    `start` is the rank of the first hit, for a long list handled a window at a time.
    """
    return [Fused(row, score, {retriever: rank}, {retriever: score})
            for rank, (row, score) in enumerate(hits, start)]


def fuse(lists: dict[str, Ranked], method: str, rrf_k: int = 60,
         keyword_weight: float = 0.5, factors: Factors | None = None) -> list[Fused]:
    """One ranking from the retrievers' lists; a single list is returned as it is."""
    if len(lists) == 1:
        (retriever, hits), = lists.items()
        return single(hits, retriever)
    if method == "rrf":
        return rrf(lists, rrf_k, factors)
    if method == "weighted":
        return weighted(lists, keyword_weight, factors)
    raise ValueError(f"unknown fusion method {method!r}")

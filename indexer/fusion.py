"""Fusing the keyword and semantic ranked lists into one.

`rrf`: reciprocal rank fusion, score = sum 1 / (k + rank) (Cormack et al. 2009).
`weighted`: a convex combination of min-max normalised scores,
w * keyword + (1 - w) * semantic, which can beat RRF once w is tuned.
"""
from __future__ import annotations

from dataclasses import dataclass, field

RETRIEVERS = ("keyword", "semantic")


@dataclass
class Fused:
    passage_id: str
    score: float
    ranks: dict[str, int] = field(default_factory=dict)  # 1-based rank in each retriever
    scores: dict[str, float] = field(default_factory=dict)

    @property
    def matched_by(self) -> str:
        found = [r for r in RETRIEVERS if r in self.ranks]
        return "both" if len(found) == 2 else found[0]


def _collect(lists: dict[str, list[tuple[str, float]]]) -> dict[str, Fused]:
    fused: dict[str, Fused] = {}
    for retriever, hits in lists.items():
        for rank, (pid, score) in enumerate(hits, 1):
            item = fused.setdefault(pid, Fused(pid, 0.0))
            item.ranks[retriever] = rank
            item.scores[retriever] = score
    return fused


def _ordered(fused: dict[str, Fused]) -> list[Fused]:
    # Ties broken by best single rank, then id, so the order is deterministic.
    return sorted(fused.values(),
                  key=lambda f: (-f.score, min(f.ranks.values()), f.passage_id))


def rrf(lists: dict[str, list[tuple[str, float]]], k: int = 60) -> list[Fused]:
    fused = _collect(lists)
    for item in fused.values():
        item.score = sum(1.0 / (k + rank) for rank in item.ranks.values())
    return _ordered(fused)


def weighted(lists: dict[str, list[tuple[str, float]]], keyword_weight: float = 0.5) -> list[Fused]:
    fused = _collect(lists)
    weights = {"keyword": keyword_weight, "semantic": 1.0 - keyword_weight}
    for retriever, hits in lists.items():
        if not hits:
            continue
        scores = [s for _, s in hits]
        lo, hi = min(scores), max(scores)
        for pid, score in hits:
            norm = (score - lo) / (hi - lo) if hi > lo else 1.0
            fused[pid].score += weights[retriever] * norm
    return _ordered(fused)


def fuse(lists: dict[str, list[tuple[str, float]]], method: str, rrf_k: int = 60,
         keyword_weight: float = 0.5) -> list[Fused]:
    if method == "rrf":
        return rrf(lists, rrf_k)
    if method == "weighted":
        return weighted(lists, keyword_weight)
    raise ValueError(f"unknown fusion method {method!r}")


def lone_list_score(method: str, retriever: str, rank: int, score: float, best: float,
                    worst: float, rrf_k: int = 60, keyword_weight: float = 0.5) -> float:
    """What `fuse` gives the rank-th item when `retriever` is the only list.

    Lets a list too long to hold (every keyword match, for an export) be scored
    while it streams: RRF needs only the rank, min-max only the list's best and worst.
    """
    if method == "rrf":
        return 1.0 / (rrf_k + rank)
    if method == "weighted":
        weight = keyword_weight if retriever == "keyword" else 1.0 - keyword_weight
        return weight * ((score - worst) / (best - worst) if best > worst else 1.0)
    raise ValueError(f"unknown fusion method {method!r}")

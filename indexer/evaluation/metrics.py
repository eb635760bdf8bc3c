"""Ranking-quality metrics for one query: a ranked list of ids against the relevant ids.

The ranked list is the engine's own order (fusion already breaks score ties
deterministically), so every metric sees a strict order. Ids that appear more
than once (several passages of one document) count once, at their best rank:
call `first_occurrences` before scoring. Relevance is binary, as in every
collection under ../shared/eval.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Sequence


def first_occurrences(ids: Iterable[str]) -> list[str]:
    """The ids in order, each kept only where it first appears."""
    seen: set[str] = set()
    out = []
    for item in ids:
        if item not in seen:
            seen.add(item)
            out.append(item)
    return out


def recall_at(ranked: Sequence[str], relevant: set[str] | frozenset[str], k: int) -> float:
    """Share of the relevant ids found in the first k results (0 when none is relevant)."""
    if not relevant:
        return 0.0
    return len(relevant.intersection(ranked[:k])) / len(relevant)


def reciprocal_rank(ranked: Sequence[str], relevant: set[str] | frozenset[str], k: int) -> float:
    """1 / rank of the first relevant result within the first k, else 0 (MRR@k per query)."""
    for rank, item in enumerate(ranked[:k], 1):
        if item in relevant:
            return 1.0 / rank
    return 0.0


def ndcg_at(ranked: Sequence[str], relevant: set[str] | frozenset[str], k: int) -> float:
    """Binary-gain nDCG@k: DCG with a 1/log2(rank + 1) discount over the ideal DCG."""
    if not relevant:
        return 0.0
    dcg = sum(1.0 / math.log2(rank + 1)
              for rank, item in enumerate(ranked[:k], 1) if item in relevant)
    ideal = sum(1.0 / math.log2(rank + 1) for rank in range(1, min(len(relevant), k) + 1))
    return dcg / ideal


def top1(ranked: Sequence[str], relevant: set[str] | frozenset[str]) -> float:
    """1 when the first result is relevant (top-1 accuracy per query)."""
    return 1.0 if ranked and ranked[0] in relevant else 0.0


def mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else 0.0

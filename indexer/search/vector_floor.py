"""Which semantic hits are real matches: a floor under the cosine, set per query.

A fixed floor fits no query well: the encoder gives some queries high cosines to
everything and others low ones, and a query no passage answers (`zzzqqq`) still has a
nearest passage. So each query is measured against text of the index's shape that
means nothing: a fixed, seeded set of made-up-word passages. A passage is a match when
it resembles the query by `[search] semantic_null_margin` more than the best of those
does, and never under `[search] semantic_min_score`.

Measured with bench/semantic_floor.py (docs/search-quality.md): against the old fixed
0.2, semantic Recall@10 stays or rises on all ten evaluation sets, and the share of
made-up queries still answered falls from up to 77% (Tatoeba's short sentences) to at
most 10% (none on the seed corpus).
"""
from __future__ import annotations

import random
import string

import numpy as np

NULL_SEED = 11
NULL_PASSAGES = 32  # made-up passages the floor is measured against
NULL_WORDS = (20, 150)  # words in each, the span of real passages' lengths


def made_up_words(count: int, rng: random.Random) -> list[str]:
    """`count` seeded made-up words of 3-10 letters (qbrtx, lwoe, ...)."""
    return ["".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(3, 10)))
            for _ in range(count)]


def null_passages() -> list[str]:
    """The fixed set of meaningless passages (the same on every run)."""
    rng = random.Random(NULL_SEED)
    return [" ".join(made_up_words(rng.randint(*NULL_WORDS), rng))
            for _ in range(NULL_PASSAGES)]


class SemanticFloor:
    """The floor of one embedder's vector space; `null` embeds the meaningless passages."""

    def __init__(self, null: np.ndarray, margin: float, minimum: float):
        self.null, self.margin, self.minimum = np.asarray(null, dtype=np.float32), margin, minimum

    @classmethod
    def of(cls, embedder, margin: float, minimum: float) -> "SemanticFloor":
        return cls(embedder.encode(null_passages()), margin, minimum)

    def __call__(self, query: np.ndarray) -> float:
        """The lowest cosine a passage may have to `query` and still be its match."""
        return max(self.minimum, float((self.null @ query).max()) + self.margin)

"""The embedding index: float32 rows in one memory-mapped file, searched exactly.

Row i belongs to the passage whose `row` is i in the store. Vectors are unit
length, so a matrix-vector product gives cosine similarities. Filters become a
boolean mask over rows built from small per-row category codes.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..dates import filter_span
from ..models import Filters

SCAN_ROWS = 65536  # rows per block when scoring, to bound temporary memory


class VectorWriter:
    """Appends rows to a new vector file, or after the `count` rows of a copied one."""

    def __init__(self, path: Path, dim: int, count: int = 0):
        self.path, self.dim, self.count = path, dim, count
        self._fh = open(path, "ab" if count else "wb")

    def append(self, vectors: np.ndarray) -> range:
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if vectors.ndim != 2 or vectors.shape[1] != self.dim:
            raise ValueError(f"expected (n, {self.dim}) vectors, got {vectors.shape}")
        self._fh.write(vectors.tobytes())
        rows = range(self.count, self.count + len(vectors))
        self.count += len(vectors)
        return rows

    def close(self):
        self._fh.flush()
        self._fh.close()


def open_vectors(path: Path, dim: int, count: int) -> np.ndarray:
    expected = count * dim * 4
    actual = path.stat().st_size
    if actual != expected:
        raise ValueError(f"{path.name} has {actual} bytes, expected {expected}")
    if count == 0:
        return np.zeros((0, dim), dtype=np.float32)
    return np.memmap(path, dtype=np.float32, mode="r", shape=(count, dim))


@dataclass
class Category:
    values: list[str]
    codes: np.ndarray

    @classmethod
    def of(cls, column: np.ndarray) -> "Category":
        values, codes = np.unique(column.astype(str), return_inverse=True)
        return cls(list(values), codes.astype(np.int32))

    def mask(self, wanted: list[str]) -> np.ndarray:
        idx = [self.values.index(v) for v in wanted if v in self.values]
        return np.isin(self.codes, idx)


class VectorIndex:
    def __init__(self, vectors: np.ndarray, facets: dict[str, np.ndarray]):
        self.vectors = vectors
        self.categories = {k: Category.of(facets[k]) for k in ("language", "kind", "source")}
        self.date_start, self.date_end = facets["date_start"], facets["date_end"]
        # rows of passages removed or replaced by `newsdesk add`/`remove` (None: there are none)
        self.alive = None if facets["alive"].all() else facets["alive"]

    def __len__(self):
        return len(self.vectors)

    def mask(self, filters: Filters) -> np.ndarray | None:
        if filters.is_empty():
            return self.alive
        mask = np.ones(len(self.vectors), dtype=bool) if self.alive is None else self.alive.copy()
        for name, wanted in (("language", filters.languages), ("kind", filters.kinds),
                             ("source", filters.sources)):
            if wanted:
                mask &= self.categories[name].mask(wanted)
        bounds = filter_span(filters.date_from, filters.date_to)
        if bounds:  # the rule of dates.span_in_range, on whole arrays
            mask &= (self.date_start >= bounds[0]) & (self.date_end <= bounds[1])
        return mask

    def scores(self, query: np.ndarray) -> np.ndarray:
        query = np.asarray(query, dtype=np.float32).reshape(-1)
        out = np.empty(len(self.vectors), dtype=np.float32)
        for start in range(0, len(self.vectors), SCAN_ROWS):
            block = self.vectors[start:start + SCAN_ROWS]
            out[start:start + len(block)] = block @ query
        return out

    def search(self, query: np.ndarray, k: int, filters: Filters,
               min_score: float = -1.0) -> list[tuple[int, float]]:
        """The k most similar rows (row, cosine) passing the filters and min_score."""
        if len(self.vectors) == 0 or k <= 0:
            return []
        scores = self.scores(query)
        mask = self.mask(filters)
        if mask is not None:
            scores[~mask] = -np.inf
        scores[scores < min_score] = -np.inf
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(int(r), float(scores[r])) for r in top if np.isfinite(scores[r])]

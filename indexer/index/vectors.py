"""The embedding index: float32 rows in one memory-mapped file, and an HNSW graph of them.

Row i belongs to the passage whose `row` is i in the store. Vectors are unit
length, so a matrix-vector product gives cosine similarities. Filters become a
boolean mask over rows (row_facts.py).

Below `[index] ann_min_rows` rows a search scans every row exactly. From there it
asks the graph (ann.py) for the nearest rows and keeps those passing the mask, with the
cosines the graph's 8-bit codes give (within 0.0011 of the exact ones on 105k real
embeddings). That way a search never reads `vectors.f32`, 2 GB at a million passages:
re-scoring reads candidates all over the file, and at 105k passages 200 searches had
mapped all of it into the server's memory. `[index] ann_rescore` re-scores them exactly
instead: there, the top 10 rows held 98.8% of the exact scan's top 10, against 98.2%
with the codes' cosines (recall@100 the same: the same candidates). A selective filter,
whose passing rows cost less to scan than the candidates it would need, is still
scanned exactly over those rows.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ..models import Filters
from . import ann
from .ann import AnnIndex
from .row_facts import RowFacts

SCAN_ROWS = 65536  # rows per block when scoring, to bound temporary memory
GATHER_ROWS = 8192  # rows per block when scoring scattered rows (copied out of the map)
# A graph search for n candidates costs about as much as scanning EXACT_PER_CANDIDATE * n
# rows exactly (bench/vector_index.py): past that, the rows passing the mask are scanned.
EXACT_PER_CANDIDATE = 32
MAX_CANDIDATES = 16384  # the most candidates asked of the graph in one search


class VectorWriter:
    """Appends rows to a new vector file, or after the `count` rows of a copied one."""

    def __init__(self, path: Path, dim: int, count: int = 0):
        self.path, self.dim, self.count, self.start = path, dim, count, count
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
        """Finish the file and make its HNSW graph cover every row (ann.build)."""
        self._fh.flush()
        self._fh.close()
        ann.build(self.path, self.dim, self.count, start=self.start)


def open_vectors(path: Path, dim: int, count: int) -> np.ndarray:
    expected = count * dim * 4
    actual = path.stat().st_size
    if actual != expected:
        raise ValueError(f"{path.name} has {actual} bytes, expected {expected}")
    if count == 0:
        return np.zeros((0, dim), dtype=np.float32)
    return np.memmap(path, dtype=np.float32, mode="r", shape=(count, dim))


class VectorIndex:
    def __init__(self, vectors: np.ndarray, facts: RowFacts, ann: AnnIndex | None = None,
                 ann_min_rows: int = 0, ann_ef: int = 768, ann_rescore: bool = False):
        self.vectors, self.facts = vectors, facts
        self.ann, self.ann_min_rows, self.ann_ef = ann, ann_min_rows, ann_ef
        self.ann_rescore = ann_rescore

    def __len__(self):
        return len(self.vectors)

    def scores(self, query: np.ndarray) -> np.ndarray:
        query = np.asarray(query, dtype=np.float32).reshape(-1)
        out = np.empty(len(self.vectors), dtype=np.float32)
        for start in range(0, len(self.vectors), SCAN_ROWS):
            block = self.vectors[start:start + SCAN_ROWS]
            out[start:start + len(block)] = block @ query
        return out

    def rescore(self, query: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """Exact scores of some rows (sorted ascending, for locality in the file)."""
        query = np.asarray(query, dtype=np.float32).reshape(-1)
        out = np.empty(len(rows), dtype=np.float32)
        for start in range(0, len(rows), GATHER_ROWS):
            chunk = rows[start:start + GATHER_ROWS]
            out[start:start + len(chunk)] = self.vectors[chunk] @ query
        return out

    def uses_ann(self) -> bool:
        return self.ann is not None and len(self.vectors) >= self.ann_min_rows

    def search(self, query: np.ndarray, k: int, filters: Filters,
               min_score: float = -1.0) -> list[tuple[int, float]]:
        """The k most similar rows (row, cosine) passing the filters and min_score.

        With the graph: its nearest candidates to the query, unfiltered, are filtered by
        the mask (filters and dead rows), asking for more until k pass. The passing rows
        among the true nearest n are the true nearest passing rows, so the answer is exact
        up to the graph's own recall, however the filter correlates with the query's
        neighbourhood (a graph search restricted to passing rows is not: it strands in
        regions where nothing passes). When the candidates needed would cost more than
        scanning the passing rows, those are scanned exactly.
        """
        if len(self.vectors) == 0 or k <= 0:
            return []
        mask = self.facts.mask(filters)
        if not self.uses_ann():
            return self.exact(query, k, mask, min_score)
        total = len(self.vectors)
        passing = total if mask is None else int(np.count_nonzero(mask))
        if passing == 0:
            return []
        wanted = k if mask is None else int(k * total / passing * 1.25) + 16
        while True:
            wanted = min(wanted, total)
            if (passing <= self.ann_min_rows or wanted > MAX_CANDIDATES
                    or wanted * EXACT_PER_CANDIDATE > passing):
                return self.exact_passing(query, k, mask, passing, min_score)
            rows, scores = self.ann.search(query, wanted, max(self.ann_ef, 2 * wanted))
            if mask is not None:
                found, passes = len(rows), mask[rows]
                rows, scores = rows[passes], scores[passes]
                if len(rows) < k and found == wanted < total:
                    wanted *= 4  # too few pass near the query: look further
                    continue
                if len(rows) < k and found < wanted:  # the graph gave out: scan instead
                    return self.exact_passing(query, k, mask, passing, min_score)
            order = np.argsort(rows)  # equal scores ranked by row, as the exact scan ranks
            rows, scores = rows[order], scores[order]
            if self.ann_rescore:
                scores = self.rescore(query, rows)
            return self.ranked(rows, scores, k, min_score)

    def exact(self, query: np.ndarray, k: int, mask: np.ndarray | None,
              min_score: float) -> list[tuple[int, float]]:
        """Every row scored: the exact answer."""
        scores = self.scores(query)
        if mask is not None:
            scores[~mask] = -np.inf
        return self.ranked(np.arange(len(scores)), scores, k, min_score)

    def exact_passing(self, query: np.ndarray, k: int, mask: np.ndarray | None, passing: int,
                      min_score: float) -> list[tuple[int, float]]:
        """The exact answer, scoring only the `passing` rows of the mask when they are few
        (scattered rows cost more per row than a scan of all of them in blocks)."""
        if mask is None or passing * 4 > len(self.vectors):
            return self.exact(query, k, mask, min_score)
        rows = np.flatnonzero(mask)
        return self.ranked(rows, self.rescore(query, rows), k, min_score)

    @staticmethod
    def ranked(rows: np.ndarray, scores: np.ndarray, k: int,
               min_score: float) -> list[tuple[int, float]]:
        """The k best (row, score) at or above min_score, best first."""
        scores = np.where(scores < min_score, -np.inf, scores)
        k = min(k, len(scores))
        if k == 0:
            return []
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(int(rows[i]), float(scores[i])) for i in top if np.isfinite(scores[i])]

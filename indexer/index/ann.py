"""Approximate nearest neighbours: a faiss HNSW graph beside the vector file.

`vectors.hnsw` (faiss `IndexHNSWSQ`: M = 32 links per node, efConstruction = 128, inner
product, vectors stored as 8 bits a dimension, each dimension's range learnt from the
first rows) holds row i of `vectors.f32` as its id i. On 105k real embeddings 8 bits
kept float16's recall@100 (0.978 against 0.980 at efSearch 768, the same 0.996 at
top-1000) in 60% of its file (79 against 130 MB): the codes are what a search touches
at random, so they are what must stay in memory at a million rows. A graph written with
float16 codes (before) is read and extended as it is. `VectorWriter.close` calls
`build`, so the graph covers every row of the file; for a copied generation (`newsdesk
add`/`remove`) the copied graph is extended with the new rows only (HNSW takes
insertions), and rebuilt if it does not match the file or has outgrown the ranges of
its codes (`_ranges_outgrown`).

Served memory-mapped (faiss's IO_FLAG_MMAP_IFC: the codes stay in the page cache,
shared by every thread and process; the graph's links are read into memory,
about 300 bytes per row). A search returns candidate rows with the cosines their codes
give; the caller (vectors.py) filters them, and re-scores them against `vectors.f32`
only if asked to (`[index] ann_rescore`). faiss is imported on first use.

The file is one of the generation's files, so the manifest's checksums cover it: a
damaged or missing graph makes the index unavailable (rebuild), like any other file.
A generation written before the graph existed (its manifest does not list one) is
searched by the exact scan, with a warning.
"""
from __future__ import annotations

import logging
import os
from pathlib import Path

import numpy as np

log = logging.getLogger("newsdesk")

ANN_NAME = "vectors.hnsw"
M = 32  # 16 needed twice the efSearch for recall@100 0.97 on real embeddings
EF_CONSTRUCTION = 128
ADD_ROWS = 65536  # rows per faiss add() call when building, to bound temporary memory
TRAIN_ROWS = 65536  # rows, evenly spread, the 8-bit codes' ranges are learnt from


def _faiss():
    import faiss
    return faiss


def ann_path(vectors_path: Path) -> Path:
    return vectors_path.with_name(ANN_NAME)


def _new_index(dim: int):
    faiss = _faiss()
    index = faiss.IndexHNSWSQ(dim, faiss.ScalarQuantizer.QT_8bit, M, faiss.METRIC_INNER_PRODUCT)
    index.hnsw.efConstruction = EF_CONSTRUCTION
    return index


def build(vectors_path: Path, dim: int, count: int, start: int = 0) -> None:
    """Make the graph beside `vectors_path` cover its `count` rows. `start` > 0: the file's
    first `start` rows were copied with a graph covering them, which is extended."""
    faiss = _faiss()
    path = ann_path(vectors_path)
    index = None
    if start and path.exists():
        try:
            index = faiss.read_index(str(path))
        except RuntimeError as exc:
            log.warning("%s could not be read (%s); building it again", path, exc)
        if index is not None and (index.ntotal != start or index.d != dim):
            log.warning("%s covers %d rows of %d; building it again", path, index.ntotal, start)
            index = None
        if index is not None and index.ntotal == count:
            return  # nothing appended (`newsdesk remove`): the copied graph is complete
        if index is not None and _ranges_outgrown(index, start, count):
            index = None
    if index is None:
        index, start = _new_index(dim), 0
    if count > start:
        vectors = np.memmap(vectors_path, dtype=np.float32, mode="r", shape=(count, dim))
        if not index.is_trained:  # a new graph, or one written while there were no rows
            step = max(1, (count - start) // TRAIN_ROWS)
            index.train(np.ascontiguousarray(vectors[start:count:step][:TRAIN_ROWS]))
        for first in range(start, count, ADD_ROWS):
            index.add(np.ascontiguousarray(vectors[first:first + ADD_ROWS]))
        del vectors
    tmp = path.with_name(path.name + ".tmp")
    faiss.write_index(index, str(tmp))
    os.replace(tmp, path)


def _ranges_outgrown(index, start: int, count: int) -> bool:
    """Whether an 8-bit graph learnt its codes' ranges from too few rows for `count`: from
    under TRAIN_ROWS, now doubled. Built again then (a cost that doubles as the archive
    does, so it adds up to about one build of TRAIN_ROWS rows), the ranges of a small
    first archive do not clip what an archive grown a hundredfold by `add` holds."""
    faiss = _faiss()
    storage = faiss.downcast_index(index.storage)
    return (getattr(storage, "sq", None) is not None
            and storage.sq.qtype == faiss.ScalarQuantizer.QT_8bit
            and start < TRAIN_ROWS and count >= 2 * start)


class AnnIndex:
    """A built graph, memory-mapped for searching."""

    def __init__(self, index, path: Path):
        self.index, self.path = index, path

    @classmethod
    def open(cls, vectors_path: Path, dim: int, rows: int) -> "AnnIndex | None":
        """The graph of a vector file of `rows` rows; None if there is none (a generation
        written before it existed: searches scan exactly). A graph that does not match
        the file raises ValueError: the index is damaged."""
        path = ann_path(vectors_path)
        if not path.exists():
            if rows:
                log.warning("%s is missing: vector search scans every row exactly (slower) "
                            "until the next `newsdesk index --full`", path)
            return None
        faiss = _faiss()
        try:
            index = faiss.read_index(str(path), faiss.IO_FLAG_MMAP_IFC | faiss.IO_FLAG_READ_ONLY)
        except RuntimeError as exc:
            raise ValueError(f"{path.name} is unreadable ({str(exc).splitlines()[0]})") from None
        if index.ntotal != rows or index.d != dim:
            raise ValueError(f"{path.name} has {index.ntotal} rows of {index.d} dimensions, "
                             f"the vectors {rows} of {dim}")
        return cls(index, path)

    def search(self, query: np.ndarray, k: int, ef: int) -> tuple[np.ndarray, np.ndarray]:
        """Up to k rows near `query`, best first, and their cosines as the codes give them;
        `ef` (at least k): the candidate list."""
        faiss = _faiss()
        params = faiss.SearchParametersHNSW()
        params.efSearch = max(ef, k)
        scores, ids = self.index.search(np.asarray(query, dtype=np.float32).reshape(1, -1), k,
                                        params=params)
        found = ids[0] >= 0
        return ids[0][found], scores[0][found]

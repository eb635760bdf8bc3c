"""Approximate nearest neighbours: a faiss HNSW graph beside the vector file.

`vectors.hnsw` (faiss `IndexHNSWSQ`: M = 32 links per node, efConstruction = 128, inner
product, vectors stored as float16: the same recall as float32 at half the size) holds
row i of `vectors.f32` as its id i. `VectorWriter.close` calls `build`, so the graph
covers every row of the file; for a copied generation (`newsdesk add`/`remove`) the
copied graph is extended with the new rows only (HNSW takes insertions), and rebuilt if
it does not match the file.

Served memory-mapped (faiss's IO_FLAG_MMAP_IFC: the float16 codes stay in the page
cache, shared by every thread and process; the graph's links are read into memory,
about 300 bytes per row). A search returns candidate rows only; the caller
(vectors.py) filters them and re-scores them exactly against `vectors.f32`. faiss is
imported on first use.

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


def _faiss():
    import faiss
    return faiss


def ann_path(vectors_path: Path) -> Path:
    return vectors_path.with_name(ANN_NAME)


def _new_index(dim: int):
    faiss = _faiss()
    index = faiss.IndexHNSWSQ(dim, faiss.ScalarQuantizer.QT_fp16, M, faiss.METRIC_INNER_PRODUCT)
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
    if index is None:
        index, start = _new_index(dim), 0
    if count:
        vectors = np.memmap(vectors_path, dtype=np.float32, mode="r", shape=(count, dim))
        for first in range(start, count, ADD_ROWS):
            index.add(np.ascontiguousarray(vectors[first:first + ADD_ROWS]))
        del vectors
    tmp = path.with_name(path.name + ".tmp")
    faiss.write_index(index, str(tmp))
    os.replace(tmp, path)


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

    def search(self, query: np.ndarray, k: int, ef: int) -> np.ndarray:
        """Up to k rows near `query`, best first; `ef` (at least k): the candidate list."""
        faiss = _faiss()
        params = faiss.SearchParametersHNSW()
        params.efSearch = max(ef, k)
        _, ids = self.index.search(np.asarray(query, dtype=np.float32).reshape(1, -1), k,
                                   params=params)
        ids = ids[0]
        return ids[ids >= 0]

"""Opening the live index generation for searching, and following rebuilds.

`IndexHandle.get()` is cheap to call on every request: it reads the CURRENT
pointer and opens a newer generation when a build has published one. Requests
already running keep the generation they started with.
"""
from __future__ import annotations

import gc
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from ..config import Config
from . import generations
from .ann import AnnIndex
from .keyword.engines import engine_of, open_keyword_index
from .keyword.word_forms import load_word_forms
from .row_facts import RowFacts
from .store import Store
from .vectors import VectorIndex, open_vectors


@dataclass
class Index:
    """One complete, immutable index generation."""

    path: Path
    manifest: dict
    store: Store
    keyword: object  # the engine's index (keyword/interface.py says what it offers)
    vectors: VectorIndex

    @property
    def facts(self) -> RowFacts:
        """What search knows of each passage, by row (row_facts.py)."""
        return self.vectors.facts

    @classmethod
    def open(cls, path: Path, config: Config) -> "Index":
        """Open and check a generation; IndexUnavailable (saying to rebuild) if it is damaged."""
        manifest = generations.read_manifest(path)
        try:
            generations.verify(path, manifest)
            store = Store(path / "store.sqlite")
            keyword = open_keyword_index(engine_of(manifest), path / "keyword",
                                         manifest["languages"],
                                         title_boost=config.search.title_boost,
                                         section_boost=config.search.section_boost)
            if keyword.doc_count() != manifest["passages"]:
                raise ValueError(f"the keyword index has {keyword.doc_count()} passages, "
                                 f"the manifest {manifest['passages']}")
            load_word_forms(path)
            rows, dim = generations.vector_rows(manifest), int(manifest["dim"])
            vectors = VectorIndex(open_vectors(path / "vectors.f32", dim, rows),
                                  store.row_facts(rows),
                                  ann=AnnIndex.open(path / "vectors.f32", dim, rows),
                                  ann_min_rows=config.index.ann_min_rows,
                                  ann_ef=config.index.ann_ef_search,
                                  ann_rescore=config.index.ann_rescore)
        except generations.IndexUnavailable:
            raise
        except Exception as exc:  # SQLite, Whoosh and numpy fail on damaged files in many ways
            raise generations.IndexUnavailable(
                f"The index at {path} is damaged ({type(exc).__name__}: {exc}). Rebuild it "
                f"with: newsdesk index --full") from None
        return cls(path, manifest, store, keyword, vectors)

    @property
    def generation(self) -> str:
        return self.path.name


YOUNG_OBJECTS = 10_000  # the cyclic collector's first threshold while searching


def settle_garbage_collector() -> None:
    """Keep CPython's cyclic garbage collector off the search path.

    What a generation loads lives as long as it: frozen, full collections no longer walk
    it. And a search frees nearly all it makes by reference counting but makes thousands
    of objects, so the default first threshold (700) ran a young collection every few
    searches and a full one every dozen or so. At 10k passages, in 200 keyword searches,
    12 full passes took ~50 ms each (p95 40 ms); frozen ~10 ms each; with this threshold
    too there was none (p95 30 ms). Cycles are still collected, after 10,000 objects.
    """
    gc.freeze()
    threshold, *older = gc.get_threshold()
    if threshold and threshold < YOUNG_OBJECTS:
        gc.set_threshold(YOUNG_OBJECTS, *older)


class IndexHandle:
    """The live generation of an index folder, reopened when CURRENT changes.

    A generation that fails to open is not retried for RETRY_SECONDS: opening
    checks every file, and every request would otherwise repeat that. Requests that
    arrive while a new generation is being opened are answered from the previous one.
    """

    RETRY_SECONDS = 10.0

    def __init__(self, config: Config):
        self.config = config
        self.root = config.index_path
        self._lock = threading.Lock()
        self._index: Index | None = None
        self._failure: tuple[str | None, float, Exception] | None = None

    def get(self) -> Index:
        name = generations.current_name(self.root)
        index = self._index
        if index is not None and index.generation == name:
            return index
        # While one thread opens (and checks) a new generation, the others keep answering
        # from the one they have rather than wait.
        if not self._lock.acquire(blocking=index is None):
            return index
        try:
            if self._index is not None and self._index.generation == name:
                return self._index
            failure = self._failure
            if (failure is not None and failure[0] == name
                    and time.monotonic() - failure[1] < self.RETRY_SECONDS):
                raise generations.IndexUnavailable(str(failure[2]))
            try:
                self._index = Index.open(generations.current_dir(self.root), self.config)
            except generations.IndexUnavailable as exc:
                self._failure = (name, time.monotonic(), exc)
                raise
            self._failure = None
            settle_garbage_collector()
            return self._index
        finally:
            self._lock.release()

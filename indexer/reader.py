"""Opening the live index generation for searching, and following rebuilds.

`IndexHandle.get()` is cheap to call on every request: it reads the CURRENT
pointer and opens a newer generation when a build has published one. Requests
already running keep the generation they started with.
"""
from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path

from whoosh.index import EmptyIndexError

from . import generations
from .config import Config
from .keyword_index import KeywordIndex
from .store import Store
from .vectors import VectorIndex, open_vectors


@dataclass
class Index:
    """One complete, immutable index generation."""

    path: Path
    manifest: dict
    store: Store
    keyword: KeywordIndex
    vectors: VectorIndex

    @classmethod
    def open(cls, path: Path, config: Config) -> "Index":
        manifest = generations.read_manifest(path)
        try:
            store = Store(path / "store.sqlite")
            keyword = KeywordIndex.open(path / "keyword", manifest["languages"],
                                        title_boost=config.search.title_boost,
                                        section_boost=config.search.section_boost)
            vectors = VectorIndex(
                open_vectors(path / "vectors.f32", manifest["dim"], manifest["passages"]),
                store.passage_facets())
        except (OSError, ValueError, KeyError, sqlite3.Error, EmptyIndexError) as exc:
            raise generations.IndexUnavailable(
                f"The index at {path} is damaged ({exc}). Rebuild it with: "
                f"newsdesk index --full") from None
        return cls(path, manifest, store, keyword, vectors)

    @property
    def generation(self) -> str:
        return self.path.name


class IndexHandle:
    """The live generation of an index folder, reopened when CURRENT changes."""

    def __init__(self, config: Config):
        self.config = config
        self.root = config.index_path
        self._lock = threading.Lock()
        self._index: Index | None = None

    def get(self) -> Index:
        name = generations.current_name(self.root)
        index = self._index
        if index is not None and index.generation == name:
            return index
        with self._lock:
            if self._index is None or self._index.generation != name:
                self._index = Index.open(generations.current_dir(self.root), self.config)
            return self._index

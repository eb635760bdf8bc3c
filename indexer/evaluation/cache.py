"""What evaluation keeps between runs: embeddings by text, and built indexes by settings.

Embedding is the slow part (about 10 ms a passage or query here), and most tuning
runs change only search settings, so vectors are stored on disk by the SHA-1 of
the embedded text, one file per namespace (a corpus, or a set's queries), and an
index is reused when its corpus files, index settings, embedder and indexing code
are all unchanged.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from pathlib import Path

import numpy as np

from ..config import Config
from ..index import generations
from ..index.build import settings_fingerprint

# The code that decides what an index contains: every module of the ingest and index
# stages and the shared ones they import (a change to any of them invalidates it)
INDEXING_CODE = ("ingest", "index", "config.py", "dates.py", "models.py")
_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "newsdesk-eval"


def _text_key(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


class VectorStore:
    """text -> unit vector, kept in one .npz file (keys and a float32 matrix)."""

    def __init__(self, path: Path):
        self.path = path
        self._rows: dict[str, np.ndarray] = {}
        self._dirty = False
        if path.exists():
            try:
                with np.load(path) as data:
                    self._rows = dict(zip(data["keys"].tolist(), data["vectors"]))
            except (OSError, ValueError, KeyError):
                self._rows = {}  # a damaged cache is only a slower run

    def __len__(self):
        return len(self._rows)

    def get(self, text: str) -> np.ndarray | None:
        return self._rows.get(_text_key(text))

    def put(self, text: str, vector: np.ndarray):
        self._rows[_text_key(text)] = np.asarray(vector, dtype=np.float32)
        self._dirty = True

    def save(self):
        if not self._dirty or not self._rows:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        keys = list(self._rows)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, suffix=".npz")
        with os.fdopen(fd, "wb") as fh:
            np.savez(fh, keys=np.array(keys), vectors=np.stack([self._rows[k] for k in keys]))
        os.replace(tmp, self.path)
        self._dirty = False


class CachingEmbedder:
    """Wraps an embedder (same name and vector space); texts seen before are not re-embedded."""

    def __init__(self, inner, store: VectorStore):
        self.inner, self.store = inner, store
        self.name, self.dim = inner.name, inner.dim
        self.computed = 0

    def encode(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        missing: dict[str, list[int]] = {}
        for i, text in enumerate(texts):
            cached = self.store.get(text)
            if cached is None:
                missing.setdefault(text, []).append(i)
            else:
                out[i] = cached
        if missing:
            unique = list(missing)
            vectors = self.inner.encode(unique)
            self.computed += len(unique)
            for text, vector in zip(unique, vectors):
                self.store.put(text, vector)
                out[missing[text]] = vector
        return out


def vector_store(cache_dir: Path, embedder_name: str, namespace: str) -> VectorStore:
    return VectorStore(cache_dir / "vectors" / _UNSAFE.sub("_", embedder_name)
                       / f"{_UNSAFE.sub('_', namespace)}.npz")


def indexing_sources() -> list[Path]:
    """The source files of INDEXING_CODE."""
    package = Path(__file__).resolve().parent.parent
    paths = (package / name for name in INDEXING_CODE)
    return [f for path in paths for f in (sorted(path.rglob("*.py")) if path.is_dir() else [path])]


def _code_hash() -> str:
    digest = hashlib.sha1()
    for path in indexing_sources():
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def index_fingerprint(config: Config, embedder_name: str, corpus_key: str,
                      corpus_files: list[Path]) -> str:
    files = []
    for path in corpus_files:
        st = path.stat()
        files.append([str(path.resolve()), st.st_size, st.st_mtime_ns])
    basis = {"corpus": corpus_key, "files": files, "code": _code_hash(),
             "settings": settings_fingerprint(config, embedder_name)}
    return hashlib.sha1(json.dumps(basis, sort_keys=True).encode()).hexdigest()[:16]


def index_dir(cache_dir: Path, corpus_key: str, fingerprint: str) -> Path:
    return cache_dir / "indexes" / f"{corpus_key}-{fingerprint}"


def has_index(path: Path) -> bool:
    try:
        generations.current_dir(path / "index")
        return True
    except generations.IndexUnavailable:
        return False

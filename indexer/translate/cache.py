"""Every translation ever made, on disk (SQLite), keyed by engine, languages and text hash,
and `CachedTranslator`, which puts that cache in front of any backend.

The engine key names the backend, its version and settings (e.g. the pivot, and the
Apertium backend's own `REVISION`), so changing any of them never serves a stale
translation; the names kept as written in a text are part of what it is stored under.
One connection shared under a lock: lookups are a single indexed SELECT per batch, far
below the cost of translating.
"""
from __future__ import annotations

import hashlib
import sqlite3
import threading
from collections.abc import Collection
from pathlib import Path

from ..config import ConfigError
from .interface import TranslationError, Translator

SCHEMA = """
CREATE TABLE IF NOT EXISTS translations (
    engine TEXT NOT NULL, source TEXT NOT NULL, target TEXT NOT NULL, hash TEXT NOT NULL,
    translation TEXT NOT NULL,
    PRIMARY KEY (engine, source, target, hash)
) WITHOUT ROWID;
"""
MAX_VARIABLES = 500  # per SELECT ... IN (...)


def cache_text(text: str, names: Collection[str]) -> str:
    """What a translation is stored under: the text, and the names in it that are kept as
    written (they change its translation; names it does not contain do not)."""
    return "\0".join([text, *sorted(n for n in names if n in text)])


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class TranslationCache:
    def __init__(self, path: Path):
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(path, check_same_thread=False, timeout=10)
            self._db.executescript("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;" + SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise ConfigError(f"[translation] cache_path {path} cannot be used: {exc}") from None
        self._lock = threading.Lock()

    def get_many(self, engine: str, source: str, target: str,
                 texts: list[str]) -> dict[str, str]:
        """{text: translation} for the texts already translated."""
        by_hash = {text_hash(t): t for t in texts}
        hashes = list(by_hash)
        found: dict[str, str] = {}
        with self._lock:
            for i in range(0, len(hashes), MAX_VARIABLES):
                chunk = hashes[i:i + MAX_VARIABLES]
                rows = self._db.execute(
                    "SELECT hash, translation FROM translations WHERE engine = ? AND source = ? "
                    f"AND target = ? AND hash IN ({','.join('?' * len(chunk))})",
                    (engine, source, target, *chunk)).fetchall()
                found.update((by_hash[h], tr) for h, tr in rows)
        return found

    def put_many(self, engine: str, source: str, target: str, translations: dict[str, str]):
        with self._lock, self._db:
            self._db.executemany(
                "INSERT OR REPLACE INTO translations VALUES (?, ?, ?, ?, ?)",
                [(engine, source, target, text_hash(t), tr) for t, tr in translations.items()])


class CachedTranslator(Translator):
    """Any backend plus the on-disk cache: only texts never seen before reach the backend,
    and they go in one batch."""

    def __init__(self, backend: Translator, cache):
        self.backend = backend
        self.cache = cache
        self.name = backend.name
        self.key = backend.key
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    @property
    def available(self) -> bool:
        return self.backend.available

    @property
    def unavailable_reason(self) -> str:
        return self.backend.unavailable_reason

    def supports(self, source: str, target: str) -> bool:
        return self.backend.supports(source, target)

    def translate(self, texts: list[str], source: str, target: str,
                  names: Collection[str] = ()) -> list[str]:
        if source == target:
            return list(texts)
        keys = {text: cache_text(text, names) for text in texts}
        found = self.cache.get_many(self.key, source, target, list(dict.fromkeys(keys.values())))
        missing = list(dict.fromkeys(t for t in texts if keys[t] not in found))
        if missing:
            fresh = self.backend.translate(missing, source, target, names=names)
            if len(fresh) != len(missing):
                raise TranslationError(f"{self.name} returned {len(fresh)} texts "
                                       f"for {len(missing)}")
            translations = {keys[t]: tr for t, tr in zip(missing, fresh)}
            self.cache.put_many(self.key, source, target, translations)
            found.update(translations)
        with self._lock:
            self.misses += len(missing)
            self.hits += len(texts) - len(missing)
        return [found[keys[t]] for t in texts]

    def close(self):
        self.backend.close()

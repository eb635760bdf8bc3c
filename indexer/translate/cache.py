"""Every translation ever made, on disk (SQLite), keyed by engine, languages and text hash.

The engine key names the backend, its version and settings (e.g. the pivot), so
changing any of them never serves a stale translation. One connection shared
under a lock: lookups are a single indexed SELECT per batch, far below the cost
of translating.
"""
from __future__ import annotations

import hashlib
import sqlite3
import threading
from pathlib import Path

from .config import ConfigError

SCHEMA = """
CREATE TABLE IF NOT EXISTS translations (
    engine TEXT NOT NULL, source TEXT NOT NULL, target TEXT NOT NULL, hash TEXT NOT NULL,
    translation TEXT NOT NULL,
    PRIMARY KEY (engine, source, target, hash)
) WITHOUT ROWID;
"""
MAX_VARIABLES = 500  # per SELECT ... IN (...)


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

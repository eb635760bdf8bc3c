"""Machine translation behind one small interface, so callers never name an engine.

Contract: `Translator.translate(texts, source, target)` takes a batch of plain-text
strings and two ISO 639-1 codes and returns one plain-text translation per text,
in order (paragraph breaks kept). It raises `TranslatorUnavailable` when the
engine is missing or lacks the direction, and `TranslationError` when a call
fails; callers show the original text and say why. A backend also has a `name`
(shown to readers next to every translation), a `key` (what the cache is keyed
by: engine, version, settings) and `available`/`unavailable_reason`.

Backends: `apertium` (indexer/apertium.py) and `none`. A new backend (a neural
model, say) is one more class here and one more `backend` value in config.toml.
"""
from __future__ import annotations

import logging
import threading
from abc import ABC, abstractmethod

from .config import Config

log = logging.getLogger("newsdesk")


class TranslationError(RuntimeError):
    """A translation call failed (the engine crashed, timed out or answered short)."""


class TranslatorUnavailable(TranslationError):
    """The engine is not installed, turned off, or lacks this language direction."""


class Translator(ABC):
    name: str = ""
    key: str = ""

    @property
    @abstractmethod
    def available(self) -> bool:
        """Whether the engine can run at all here."""

    @property
    def unavailable_reason(self) -> str:
        return "" if self.available else f"{self.name or 'translation'} is unavailable"

    @abstractmethod
    def supports(self, source: str, target: str) -> bool:
        """Whether source -> target can be translated."""

    @abstractmethod
    def translate(self, texts: list[str], source: str, target: str) -> list[str]:
        """One translation per text, same order; see the module docstring for the contract."""

    def close(self):
        """Stop engine processes or free models; they come back on the next call."""


class NoTranslator(Translator):
    """The `none` backend: translation is turned off."""

    name = "none"
    key = "none"

    def __init__(self, reason: str = "machine translation is turned off ([translation] backend "
                                     "= \"none\")"):
        self._reason = reason

    @property
    def available(self) -> bool:
        return False

    @property
    def unavailable_reason(self) -> str:
        return self._reason

    def supports(self, source: str, target: str) -> bool:
        return False

    def translate(self, texts: list[str], source: str, target: str) -> list[str]:
        raise TranslatorUnavailable(self._reason)


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

    def translate(self, texts: list[str], source: str, target: str) -> list[str]:
        if source == target:
            return list(texts)
        found = self.cache.get_many(self.key, source, target, texts)
        missing = list(dict.fromkeys(t for t in texts if t not in found))
        if missing:
            fresh = self.backend.translate(missing, source, target)
            if len(fresh) != len(missing):
                raise TranslationError(f"{self.name} returned {len(fresh)} texts "
                                       f"for {len(missing)}")
            self.cache.put_many(self.key, source, target, dict(zip(missing, fresh)))
            found.update(zip(missing, fresh))
        with self._lock:
            self.misses += len(missing)
            self.hits += len(texts) - len(missing)
        return [found[t] for t in texts]

    def close(self):
        self.backend.close()


def load_translator(config: Config) -> Translator:
    """The backend named in [translation], wrapped in the disk cache when one is configured."""
    from .translation_cache import TranslationCache
    cfg = config.translation
    if cfg.backend == "none":
        return NoTranslator()
    from .apertium import ApertiumTranslator
    backend = ApertiumTranslator(pivot=cfg.pivot, timeout=cfg.timeout_seconds)
    if not backend.available:
        log.warning("translation unavailable: %s", backend.unavailable_reason)
    if not cfg.cache_path:
        return backend
    return CachedTranslator(backend, TranslationCache(config.resolve(cfg.cache_path)))

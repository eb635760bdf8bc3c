"""Which class serves each `[translation] backend` value, and the translator the app uses.

The registry lives beside the interface, not in it, so backends import the interface
and nothing imports back.
"""
from __future__ import annotations

import logging

from ..config import Config
from .apertium import ApertiumTranslator
from .cache import CachedTranslator, TranslationCache
from .interface import NoTranslator, Translator

log = logging.getLogger("newsdesk")


def _apertium(config: Config) -> Translator:
    cfg = config.translation
    return ApertiumTranslator(pivot=cfg.pivot, timeout=cfg.timeout_seconds)


BACKENDS = {"apertium": _apertium}


def load_translator(config: Config) -> Translator:
    """The backend named in [translation], wrapped in the disk cache when one is configured."""
    cfg = config.translation
    if cfg.backend == "none":
        return NoTranslator()
    backend = BACKENDS[cfg.backend](config)
    if not backend.available:
        log.warning("translation unavailable: %s", backend.unavailable_reason)
    if not cfg.cache_path:
        return backend
    return CachedTranslator(backend, TranslationCache(config.resolve(cfg.cache_path)))

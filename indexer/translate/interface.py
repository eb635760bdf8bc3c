"""Machine translation behind one small interface, so callers never name an engine.

Contract: `Translator.translate(texts, source, target, names=())` takes a batch of
plain-text strings and two ISO 639-1 codes and returns one plain-text translation per
text, in order (paragraph breaks kept). `names` are words that are names in these
texts (`title_names` of their documents' titles): they stay as written wherever they
do not start a sentence, as do words that look like product names (`C11`, `C-More`).
A word the engine cannot translate comes out as in the source; a pivot language's
word that cannot be traced back to the source is marked, `*word`, never shown bare.
It raises `TranslatorUnavailable` when the
engine is missing or lacks the direction, and `TranslationError` when a call
fails; callers show the original text and say why. A backend also has a `name`
(shown to readers next to every translation), a `key` (what the cache is keyed
by: engine, version, settings) and `available`/`unavailable_reason`.

Backends: `apertium` (apertium.py) and `none` (here); `backends.py` maps each
`[translation] backend` value to its class, so this module never imports a backend.
A new backend (a neural model, say) is one more module and one more entry there.
"""
from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Collection

_EDGE_PUNCTUATION = re.compile(r"^\W+|\W+$")


def title_names(*titles: str) -> frozenset[str]:
    """The capitalised words of titles (without the punctuation around them): the names
    of a document, for `translate(..., names=...)`."""
    words = (_EDGE_PUNCTUATION.sub("", token) for title in titles for token in title.split())
    return frozenset(word for word in words if word[:1].isupper())


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
    def translate(self, texts: list[str], source: str, target: str,
                  names: Collection[str] = ()) -> list[str]:
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

    def translate(self, texts: list[str], source: str, target: str,
                  names: Collection[str] = ()) -> list[str]:
        raise TranslatorUnavailable(self._reason)

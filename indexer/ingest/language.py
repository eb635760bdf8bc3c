"""Language tags from langdetect, restricted to the configured languages and seeded.

Only the configured profiles are loaded, so a short or mixed passage can only be
tagged with one of them (never Romanian or Catalan), and the fixed seed makes the
same text get the same tag on every run.
"""
from __future__ import annotations

import os
import re
import threading

from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory
from langdetect.lang_detect_exception import LangDetectException

_LETTERS = re.compile(r"[^\W\d_]", re.UNICODE)


class LanguageDetector:
    def __init__(self, languages: list[str], default: str, seed: int = 0,
                 min_letters: int = 20, min_confidence: float = 0.75, sample_chars: int = 1200):
        self.languages = list(languages)
        self.default = default
        self.min_letters = min_letters
        self.min_confidence = min_confidence
        self.sample_chars = sample_chars
        self._lock = threading.Lock()
        self._factory = DetectorFactory()
        self._factory.set_seed(seed)
        if len(self.languages) >= 2:
            profiles = []
            for lang in self.languages:
                path = os.path.join(PROFILES_DIRECTORY, lang)
                if not os.path.exists(path):
                    raise ValueError(f"langdetect has no profile for language {lang!r}")
                with open(path, encoding="utf-8") as fh:
                    profiles.append(fh.read())
            self._factory.load_json_profile(profiles)

    def _sample(self, text: str) -> str:
        """At most sample_chars, from the start and the middle of a long text.

        langdetect's cost grows with the text; a thousand characters decide the
        language as well as the whole text does, and the middle keeps a long
        document's body from being judged by its front matter alone.
        """
        if len(text) <= self.sample_chars:
            return text
        half = self.sample_chars // 2
        middle = len(text) // 2
        return text[:half] + "\n" + text[middle:middle + half]

    def detect(self, text: str, fallback: str | None = None) -> str:
        """The text's language; `fallback` (else the default) when too short or unsure."""
        fallback = fallback or self.default
        if len(self.languages) < 2:
            return self.languages[0]
        sample = self._sample(text)
        if len(_LETTERS.findall(sample)) < self.min_letters:
            return fallback
        try:
            with self._lock:  # the factory's shared state is not thread-safe
                detector = self._factory.create()
                detector.append(sample)
                probabilities = detector.get_probabilities()
        except LangDetectException:
            return fallback
        best = probabilities[0] if probabilities else None
        if best is None or best.prob < self.min_confidence:
            return fallback
        return best.lang

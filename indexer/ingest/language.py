"""Language tags from langdetect, restricted to the configured languages and seeded.

Only the configured profiles are loaded, so a short or mixed passage can only be
tagged with one of them (never Romanian or Catalan), and the fixed seed makes the
same text get the same tag on every run.
"""
from __future__ import annotations

import os
import re
import threading

from langdetect.detector import Detector
from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory
from langdetect.lang_detect_exception import LangDetectException
from langdetect.utils.ngram import NGram

_LETTERS = re.compile(r"[^\W\d_]", re.UNICODE)
_SPACES = re.compile(" {2,}")
WORDS_KEPT = 200_000  # distinct words whose n-grams a LanguageDetector keeps


class _Detector(Detector):
    """langdetect's Detector with its per-character loops replaced: the same n-grams in
    the same order, so the same probabilities (a test compares them).

    N-grams never span a space (langdetect's buffer restarts at one), so a text's
    n-grams are its words' in turn, and a word gives the same ones wherever it stands:
    each distinct word is worked out once (`words`, kept by the LanguageDetector) and the
    text is normalised with str.translate. Extraction was 70% of langdetect's time and
    langdetect half of what a build does besides embedding.
    """

    NORMAL: dict[int, str] = {}  # code point -> NGram.normalize(character)

    def __init__(self, factory, words: dict[tuple[str, bool], list[str]]):
        super().__init__(factory)
        self.words = words

    def append(self, text: str) -> None:
        """As Detector.append: URLs and e-mails out, runs of spaces made one."""
        text = NGram.normalize_vi(self.MAIL_RE.sub(" ", self.URL_RE.sub(" ", text)))
        self.text += _SPACES.sub(" ", text[:self.max_text_length])

    def _extract_ngrams(self) -> list[str]:
        normal = self.NORMAL
        for code in {ord(ch) for ch in set(self.text)} - normal.keys():
            normal[code] = NGram.normalize(chr(code))
        words = self.text.translate(normal).split(" ")
        out, last = [], len(words) - 1
        for i, word in enumerate(words):
            if word:  # followed by a space unless it ends the text
                key = (word, i < last)
                found = self.words.get(key)
                if found is None:
                    if len(self.words) > WORDS_KEPT:
                        self.words.clear()
                    found = self.words[key] = self._ngrams(word + " " * (i < last))
                out += found
        return out

    def _ngrams(self, text: str) -> list[str]:
        """Detector._extract_ngrams (NGram.add_char inlined) of normalised text that
        starts a word."""
        known, out = self.word_lang_prob_map, []
        grams, capital = " ", False
        for ch in text:
            last = grams[-1]
            if last == " ":
                grams, capital = " ", False
                if ch == " ":
                    continue
            elif len(grams) >= NGram.N_GRAM:
                grams = grams[1:]
            grams += ch
            if ch.isupper():
                if last.isupper():
                    capital = True
            else:
                capital = False
            if capital:
                continue
            if ch != " " and ch in known:
                out.append(ch)
            if len(grams) > 1:
                if grams[-2:] in known:
                    out.append(grams[-2:])
                if len(grams) > 2 and grams in known:
                    out.append(grams)
        return out


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
        self._words: dict[tuple[str, bool], list[str]] = {}  # see _Detector
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
                detector = _Detector(self._factory, self._words)
                detector.append(sample)
                probabilities = detector.get_probabilities()
        except LangDetectException:
            return fallback
        best = probabilities[0] if probabilities else None
        if best is None or best.prob < self.min_confidence:
            return fallback
        return best.lang

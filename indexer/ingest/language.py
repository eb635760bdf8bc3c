"""Language tags from langdetect, restricted to the configured languages and seeded.

Only the configured profiles are loaded, so a short or mixed passage can only be
tagged with one of them (never Romanian or Catalan), and the fixed seed makes the
same text get the same tag on every run.
"""
from __future__ import annotations

import os
import re
import threading
from itertools import chain

from langdetect.detector import Detector
from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory
from langdetect.lang_detect_exception import ErrorCode, LangDetectException
from langdetect.utils.ngram import NGram

_SPACES = re.compile(" {2,}")
_LATIN = re.compile("[A-z]")  # langdetect's 'A' <= ch <= 'z'
_NOT_LATIN = re.compile("[\u0300-\U0010ffff]")
WORDS_KEPT = 200_000  # distinct words whose n-grams a LanguageDetector keeps


class _Detector(Detector):
    """langdetect's Detector with its per-character and per-draw loops replaced: the same
    n-grams in the same order and the same random draws, so the same probabilities (a
    test compares them).

    N-grams never span a space (langdetect's buffer restarts at one), so a text's
    n-grams are its words' in turn, and a word followed by a space gives the same ones
    wherever it stands: each distinct one is worked out once (`words`, kept by the
    LanguageDetector, holds its n-grams as their rows of language probabilities) and the
    text is normalised with str.translate. The trials draw n-grams as random.choice does
    (getrandbits, retried past the end) without its calls per draw. Language tagging
    was a third of what a build does besides embedding.
    """

    NORMAL: dict[int, str] = {}  # code point -> NGram.normalize(character)

    def __init__(self, factory, words: dict[str, list[list[float]]]):
        super().__init__(factory)
        self.words = words

    def append(self, text: str) -> None:
        """As Detector.append: URLs and e-mails out, runs of spaces made one."""
        text = NGram.normalize_vi(self.MAIL_RE.sub(" ", self.URL_RE.sub(" ", text)))
        self.text += _SPACES.sub(" ", text[:self.max_text_length])

    def cleaning_text(self) -> None:
        """As Detector.cleaning_text: Latin letters out of a text mostly in another script
        (langdetect counts every character from U+0300 on as another script's)."""
        if _NOT_LATIN.search(self.text) and (len(_LATIN.findall(self.text)) * 2
                                             < len(_NOT_LATIN.findall(self.text))):
            self.text = _LATIN.sub("", self.text)

    def _detect_block(self) -> None:
        """As Detector._detect_block: `n_trial` random walks over the text's n-grams."""
        self.cleaning_text()
        features = self._features()
        if not features:
            raise LangDetectException(ErrorCode.CantDetectError, "No features in text.")
        count, bits = len(features), len(features).bit_length()
        draw, languages = self.random.getrandbits, range(len(self.langlist))
        self.langprob = [0.0] * len(self.langlist)
        self.random.seed(self.seed)
        for _ in range(self.n_trial):
            prob = self._init_probability()
            weight = (self.alpha + self.random.gauss(0.0, 1.0) * self.ALPHA_WIDTH) / self.BASE_FREQ
            i = 0
            while True:
                row = draw(bits)  # random.choice(ngrams), as Random._randbelow draws it
                while row >= count:
                    row = draw(bits)
                word_prob = features[row]
                for j in languages:
                    prob[j] *= weight + word_prob[j]
                if i % 5 == 0 and (self._normalize_prob(prob) > self.CONV_THRESHOLD
                                   or i >= self.ITERATION_LIMIT):
                    break
                i += 1
            for j in languages:
                self.langprob[j] += prob[j] / self.n_trial

    def _features(self) -> list[list[float]]:
        """The text's known n-grams in order (Detector._extract_ngrams), each as its row
        of language probabilities."""
        normal = self.NORMAL
        for code in {ord(ch) for ch in set(self.text)} - normal.keys():
            normal[code] = NGram.normalize(chr(code))
        words = self.text.translate(normal).split(" ")
        last = words.pop()  # the one word not followed by a space
        found = list(map(self.words.get, words))
        if None in found:
            if len(self.words) > WORDS_KEPT:
                self.words.clear()
            for i, word in enumerate(words):
                if found[i] is None:
                    found[i] = self.words[word] = self._rows(word + " ")
        found.append(self._rows(last))
        return list(chain.from_iterable(found))

    def _rows(self, text: str) -> list[list[float]]:
        table = self.word_lang_prob_map
        return [table[gram] for gram in self._ngrams(text)]

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
        # matches from the start of a text with at least min_letters letters, reading no further
        self._enough_letters = re.compile(r"(?:[\W\d_]*+[^\W\d_]){%d}" % min_letters)
        self.min_confidence = min_confidence
        self.sample_chars = sample_chars
        self._lock = threading.Lock()
        self._factory = DetectorFactory()
        self._words: dict[str, list[list[float]]] = {}  # see _Detector
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
        if not self._enough_letters.match(sample):
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

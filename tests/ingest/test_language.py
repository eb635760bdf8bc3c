"""Language tagging: newsdesk's faster langdetect Detector (`language._Detector`) must give
exactly langdetect's own probabilities, on real passages of both languages and on any
text (accents, capitals, other scripts, URLs, e-mails, runs of spaces and punctuation)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st
from langdetect.detector import Detector
from langdetect.lang_detect_exception import LangDetectException

from indexer.ingest.language import LanguageDetector, _Detector

CORPUS = Path(__file__).resolve().parents[2] / "corpus"
ALPHABET = list("aeiouAEIOU  xyzXYZKW.,-'’àèìòùÀÈ\u0219\u021b\u06cc\u1ea1\u3042\u30a2\u4e00"
                "\uac00 1234\n\t") + ["http://x.it/a?b=1 ", " ab@cd.ef ", "OPEC ", "Dell'"]


@pytest.fixture(scope="module")
def detector():
    return LanguageDetector(["en", "it"], "en")


def probabilities(detector: Detector, text: str):
    detector.append(text)
    try:
        return [(p.lang, p.prob) for p in detector.get_probabilities()]
    except LangDetectException as exc:
        return exc.code


def both(tagger: LanguageDetector, text: str):
    sample = tagger._sample(text)
    return (probabilities(Detector(tagger._factory), sample),
            probabilities(_Detector(tagger._factory, tagger._words), sample))


def test_the_same_probabilities_on_real_passages(detector):
    paragraphs = [p for f in sorted(CORPUS.glob("*.txt")) for p in f.read_text().split("\n\n")]
    texts = [p for p in paragraphs if p.strip()][:300]
    assert len(texts) > 50
    for text in texts:
        ours, theirs = both(detector, text)
        assert ours == theirs, text[:80]
    assert {detector.detect(t) for t in texts} == {"en", "it"}


@settings(max_examples=300, deadline=None)
@given(pieces=st.lists(st.sampled_from(ALPHABET), max_size=200))
def test_the_same_probabilities_on_any_text(detector, pieces):
    ours, theirs = both(detector, "".join(pieces))
    assert ours == theirs


@settings(max_examples=300, deadline=None)
@given(pieces=st.lists(st.sampled_from(ALPHABET + ["_", "9", "²", "ǅ"]), max_size=40),
       min_letters=st.integers(0, 25))
def test_too_few_letters_is_counted_as_before(pieces, min_letters):
    """`detect` reads no further than the min_letters-th letter: it is too short exactly
    when it has fewer letters (not digits, not "_") than that."""
    text = "".join(pieces)
    tagger = LanguageDetector(["en", "it"], "en", min_letters=min_letters)
    assert bool(tagger._enough_letters.match(text)) == (
        len(re.findall(r"[^\W\d_]", text)) >= min_letters)

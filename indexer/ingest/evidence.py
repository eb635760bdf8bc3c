"""A document's evidence for story grouping (index/stories.py): what two documents that
tell one story share besides their meaning. Language-independent facts (numbers, codes,
capitalised words) link a translation; fingerprints of whole sentences link a
republication. Made while preparing a document (prepare.py), stored with it, so an
`add` can compare new documents with the archive's."""
from __future__ import annotations

import hashlib
import re

_NUMBER = re.compile(r"(?<![\w.,])\d+(?:[.,]\d+)*(?!\w)")
_CODE = re.compile(r"\b(?=[^\W_]*\d)(?=[^\W_]*[^\W\d_])[^\W_]+\b")  # C11, G7, CO2, 5G
_ORDINAL = re.compile(r"^\d+(?:st|nd|rd|th)$", re.IGNORECASE)
_WORD = re.compile(r"[^\W\d_]{2,}")
_OPENERS = " \t\"'«“‘(["  # may stand between a sentence's end and its first word
_ENDS = ".!?:;…\n"
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+|\n+")
_TOKEN = re.compile(r"\w+")
SENTENCE_MARK = "~"  # starts the evidence keys that are sentence fingerprints
SENTENCE_WORDS = 6  # shorter sentences ("He declined to comment.") are too common to tell


def evidence_of(text: str) -> frozenset[str]:
    """What two documents telling one story share. In any language (facts): numbers
    ("1,000,000", "1.000.000" -> "1000000"; "3.5", "3,5" -> "3.5"; one-digit integers left
    out, too common), codes mixing letters and digits ("C11", "CO2"), and capitalised words
    that do not start a sentence (names), lowercased. In one language: a fingerprint of
    each sentence of 6+ words ("~" + 12 hex digits), which republications share. Pass the
    title and the body."""
    keys = {n for m in _NUMBER.finditer(text) if (n := _number(m.group()))}
    keys.update(m.group().lower() for m in _CODE.finditer(text)
                if not _ORDINAL.match(m.group()))
    keys.update(m.group().lower() for m in _WORD.finditer(text)
                if m.group()[0].isupper() and not _starts_sentence(text, m.start()))
    keys.update(_fingerprints(text))
    return frozenset(keys)


def _fingerprints(text: str) -> set[str]:
    out = set()
    for sentence in _SENTENCE_END.split(text):
        words = _TOKEN.findall(sentence.lower())
        if len(words) >= SENTENCE_WORDS:
            digest = hashlib.blake2b(" ".join(words).encode(), digest_size=6).hexdigest()
            out.add(SENTENCE_MARK + digest)
    return out


def _number(token: str) -> str:
    """A number's key: separators followed by three digits group thousands (English
    commas, Italian dots), any other last separator is the decimal point."""
    parts = re.split(r"[.,]", token)
    if len(parts) > 1 and len(parts[-1]) != 3:
        whole, fraction = "".join(parts[:-1]).lstrip("0") or "0", parts[-1].rstrip("0")
        return f"{whole}.{fraction}" if fraction else whole
    digits = "".join(parts).lstrip("0")
    return digits if len(digits) > 1 else ""


def _starts_sentence(text: str, at: int) -> bool:
    before = text[max(0, at - 12):at].rstrip(_OPENERS)
    return not before or before[-1] in _ENDS

"""What keyword analysis made of each word, kept with a generation (`word_forms.json`).

Highlighting analyses every word of a hit's passage, and Whoosh's Snowball stems a
word in 5-10 µs of Python, so a searching process that had not met a page's words yet
spent a good part of a keyword search stemming them: at 105k, 200 questions in a fresh
process after one hybrid pass, keyword p95 8.9 and 9.1 ms without this file, 7.8 and
7.4 with it (p99 11.0 and 11.6, 9.4 and 9.0). A build has analysed every word of the
archive already: it saves the forms it kept (`analyzers.OnePass.forms`, up to
STEM_CACHE a language, the most recently seen), and opening the generation loads them.

Only an optimisation: forms are a pure function of the word and the language's
analysis chain, so they are loaded only where the chain's signature is the one saved,
and a missing or unreadable file just leaves words to be stemmed when met.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

from .analyzers import one_pass

FILE = "word_forms.json"


def save_word_forms(gen: Path, languages: list[str]) -> None:
    """Write the forms this process keeps for `languages` into the generation `gen`
    (a new file, renamed into place: the live generation's copy may be a hard link)."""
    saved = {}
    for lang in languages:
        fast = one_pass(lang)
        if fast is not None and fast.forms:
            saved[lang] = {"analyzer": fast.signature, "forms": dict(fast.forms)}
    if not saved:
        return
    tmp = gen / f".{FILE}.tmp"
    tmp.write_text(json.dumps({"languages": saved}, ensure_ascii=False,
                              separators=(",", ":")), encoding="utf-8")
    os.replace(tmp, gen / FILE)


def load_word_forms(gen: Path) -> int:
    """Keep the forms saved with generation `gen` in this process; how many were read."""
    try:
        saved = json.loads((gen / FILE).read_text(encoding="utf-8"))["languages"]
        loaded = 0
        for lang, entry in saved.items():
            fast = one_pass(lang)
            if fast is None or entry.get("analyzer") != fast.signature:
                continue  # another analysis chain (another version): its forms may differ
            forms = {word: (form, offset, stopped)
                     for word, (form, offset, stopped) in entry["forms"].items()}
            fast.add_forms(forms)
            loaded += len(forms)
        return loaded
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return 0

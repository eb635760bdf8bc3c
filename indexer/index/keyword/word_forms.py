"""What keyword analysis made of each word, kept with a generation (`word_forms.*.tsv`).

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

import os
from pathlib import Path

from .analyzers import one_pass

PREFIX = "word_forms."  # word_forms.<language>.tsv
SUFFIX = ".tsv"


def save_word_forms(gen: Path, languages: list[str]) -> None:
    """Write the forms this process keeps for `languages` into the generation `gen`, a
    file per language: the chain's signature, then a line per word (word, form, the
    characters an elided article takes, stopped). Words and forms never hold white
    space. Each file is new, renamed into place (a copied generation's may be a link)."""
    for lang in languages:
        fast = one_pass(lang)
        if fast is None or not fast.forms:
            continue
        path = gen / f"{PREFIX}{lang}{SUFFIX}"
        tmp = path.with_name(f".{path.name}.tmp")
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(f"#analyzer\t{fast.signature}\n")
            fh.writelines(f"{word}\t{form}\t{offset}\t{int(stopped)}\n"
                          for word, (form, offset, stopped) in list(fast.forms.items()))
        os.replace(tmp, path)


def load_word_forms(gen: Path) -> int:
    """Keep the forms saved with generation `gen` in this process; how many were read."""
    loaded = 0
    for path in sorted(gen.glob(f"{PREFIX}*{SUFFIX}")):
        fast = one_pass(path.name[len(PREFIX):-len(SUFFIX)])
        if fast is not None:
            loaded += _load(path, fast)
    return loaded


def _load(path: Path, fast) -> int:
    """One language's file, line by line (no parsed copy of it all in memory at once),
    each distinct form kept once; nothing if the chain differs or the file is damaged."""
    forms: dict[str, tuple[str, int, bool]] = {}
    shared: dict[str, str] = {}
    try:
        with open(path, encoding="utf-8") as fh:
            if fh.readline() != f"#analyzer\t{fast.signature}\n":
                return 0  # another analysis chain (another version): its forms may differ
            for line in fh:
                word, form, offset, stopped = line.rstrip("\n").split("\t")
                forms[word] = (shared.setdefault(form, form), int(offset), stopped == "1")
    except (OSError, ValueError):
        return 0
    fast.add_forms(forms)
    return len(forms)

"""Per-language Whoosh analysis chains (tokenizer | filter | filter).

English: words, lowercase, English stop words, Snowball (Porter2) stemming.
Italian: words that keep an elided article attached (`dell'auto`), lowercase,
elision removal (`dell'auto` -> `auto`), Italian stop words, Snowball stemming
(`veicoli` and `veicolo` both -> `veicol`). Other languages get Whoosh's
LanguageAnalyzer where it has one.
"""
from __future__ import annotations

from functools import lru_cache

from whoosh.analysis import (Filter, LanguageAnalyzer, LowercaseFilter, RegexTokenizer,
                             StandardAnalyzer, StemFilter, StopFilter)
from whoosh.lang import has_stemmer

ITALIAN_ELISIONS = frozenset(
    "l d c m t s v n un dell dall nell sull all coll quest quell bell sant tutt anch dov "
    "com cos senz nessun qualcun ciascun gl grand buon mezz".split())
_APOSTROPHES = "'’"


class ElisionFilter(Filter):
    """Strips an elided article or preposition from the front of a token: l'uomo -> uomo."""

    def __init__(self, elisions=ITALIAN_ELISIONS):
        self.elisions = elisions

    def __call__(self, tokens):
        for t in tokens:
            text = t.text.replace("’", "'")
            head, sep, rest = text.partition("'")
            if sep and rest and head in self.elisions:
                if getattr(t, "chars", False):
                    t.startchar += len(head) + 1
                text = rest
            t.text = text
            yield t


WORD_PATTERN = r"\w+(?:['’]\w+)*"


@lru_cache(maxsize=None)
def analyzer_for(lang: str):
    """The analyzer used for fields (and queries) in language `lang`."""
    if lang == "en":
        return (RegexTokenizer() | LowercaseFilter() | StopFilter(lang="en")
                | StemFilter(lang="en", cachesize=50000))
    if lang == "it":
        return (RegexTokenizer(WORD_PATTERN) | LowercaseFilter() | ElisionFilter()
                | StopFilter(lang="it") | StemFilter(lang="it", cachesize=50000))
    if has_stemmer(lang):
        return LanguageAnalyzer(lang)
    return StandardAnalyzer()


def query_word_analyzer():
    """Splits a raw query into lowercased words; each language analyzes them later."""
    return RegexTokenizer(WORD_PATTERN) | LowercaseFilter()


def analyze(lang: str, text: str) -> list[str]:
    return [t.text for t in analyzer_for(lang)(text)]

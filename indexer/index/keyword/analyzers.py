"""Per-language Whoosh analysis chains (tokenizer | filter | filter).

English: words, lowercase, English stop words, Snowball (Porter2) stemming.
Italian: words that keep an elided article attached (`dell'auto`), lowercase,
elision removal (`dell'auto` -> `auto`), Italian stop words, Snowball stemming
(`veicoli` and `veicolo` both -> `veicol`). Other languages get Whoosh's
LanguageAnalyzer where it has one.
"""
from __future__ import annotations

import hashlib
import itertools
import re
from functools import lru_cache

import whoosh
from whoosh.analysis import (Filter, LanguageAnalyzer, LowercaseFilter, RegexTokenizer,
                             StandardAnalyzer, StemFilter, StopFilter, Token)
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
# Whoosh's default RegexTokenizer pattern, its group made non-capturing (findall gives words)
ENGLISH_WORD_PATTERN = r"[\w\*]+(?:\.?[\w\*]+)*"


@lru_cache(maxsize=None)
def analyzer_for(lang: str):
    """The analyzer used for fields (and queries) in language `lang`."""
    if lang == "en":
        return (RegexTokenizer(ENGLISH_WORD_PATTERN) | LowercaseFilter() | StopFilter(lang="en")
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
    """The terms the language's chain makes of `text` (stop words dropped), in order."""
    fast = one_pass(lang)
    if fast is not None:
        return fast.terms(text)
    return [t.text for t in analyzer_for(lang)(text)]


# One pass: the chains above as one loop (what highlighting, indexing and queries run)

STEM_CACHE = 200_000  # words whose forms are kept, per language (the newer half when full)


class OnePass:
    """A tokenizer | lowercase | [elision] | stop | stem chain as one loop, giving the
    tokens the chain gives (stop words kept and marked, as highlighting asks)."""

    SHAPES = ((RegexTokenizer, LowercaseFilter, StopFilter, StemFilter),
              (RegexTokenizer, LowercaseFilter, ElisionFilter, StopFilter, StemFilter))

    def __init__(self, chain):
        tokenizer, *filters = chain.items
        self.pattern = tokenizer.expression
        self.elisions = next((f.elisions for f in filters if isinstance(f, ElisionFilter)),
                             None)
        stop = next(f for f in filters if isinstance(f, StopFilter))
        self.stops, self.min, self.max = stop.stops, stop.min, stop.max
        stem = next(f for f in filters if isinstance(f, StemFilter))
        self.stem, self.ignore = _stemmer(stem), stem.ignore
        # lowercased word -> (analysed form, chars an elided article takes, stopped);
        # GIL-atomic dict operations
        self.forms: dict[str, tuple[str, int, bool]] = {}
        # what the forms depend on, so forms saved by another process are used only if equal
        self.signature = hashlib.sha256(repr((
            self.pattern.pattern, sorted(self.elisions or ()), sorted(self.stops), self.min,
            self.max, getattr(self.stem, "__module__", ""), getattr(self.stem, "__qualname__",
                                                                    repr(self.stem)),
            sorted(self.ignore), whoosh.versionstring())).encode()).hexdigest()[:16]

    @classmethod
    def fits(cls, chain) -> bool:
        return tuple(type(item) for item in getattr(chain, "items", ())) in cls.SHAPES

    def form(self, word: str) -> tuple[str, int, bool]:
        """What the chain makes of one lowercased word (kept: words repeat)."""
        found = self.forms.get(word)
        if found is not None:
            return found
        text, offset = word, 0
        if self.elisions is not None and ("'" in word or "’" in word):
            text = text.replace("’", "'")
            head, sep, rest = text.partition("'")
            if sep and rest and head in self.elisions:
                offset, text = len(head) + 1, rest
        stopped = not (len(text) >= self.min and (self.max is None or len(text) <= self.max)
                       and text not in self.stops)
        if not (stopped or text in self.ignore):
            text = self.stem(text)
        found = self.forms[word] = (text, offset, stopped)
        if len(self.forms) > STEM_CACHE:
            self.trim()
        return found

    def add_forms(self, forms: dict[str, tuple[str, int, bool]]) -> None:
        """Keep forms made elsewhere (another process's `forms`, by the same chain)."""
        self.forms.update(forms)
        if len(self.forms) > STEM_CACHE:
            self.trim()

    def trim(self) -> None:
        """Drop the older half of the kept forms: the words in use come back at once."""
        for word in list(itertools.islice(self.forms, len(self.forms) // 2)):
            self.forms.pop(word, None)  # another thread may be trimming too

    def tokens(self, value: str, termset: frozenset[str]):
        """The tokens of `value`, each marked `matched` if its analysed form is in termset."""
        t = Token(positions=False, chars=True, removestops=False)
        t.boost = 1.0
        for match in self.pattern.finditer(value):
            t.text, offset, t.stopped = self.form(match.group(0).lower())
            t.startchar, t.endchar = match.start() + offset, match.end()
            t.matched = t.text in termset
            yield t

    def _forms(self, matches) -> list[tuple[str, int, bool]]:
        """`form` of each matched word, the kept ones looked up without a call."""
        get, form = self.forms.get, self.form
        return [get(w) or form(w) for w in map(str.lower, map(re.Match.group, matches))]

    def terms(self, value: str) -> list[str]:
        """The analysed forms of the words that are not stop words, as the chain gives them
        (what indexing and queries need: ~10x faster than the chain's generators).

        Lowercasing first finds the same words, lowercased, wherever every character
        lowercases to one (a word character to a word character: a test checks all of
        Unicode) by itself. A text with one that does not ("İ" becomes two; "Σ" becomes
        "ς" or "σ" by what follows it, in the text or in the word) is read word by word."""
        lowered = value.lower()
        if len(lowered) != len(value) or "Σ" in value or self.pattern.groups:
            forms = self._forms(self.pattern.finditer(value))
        else:
            get, form = self.forms.get, self.form
            forms = [get(w) or form(w) for w in self.pattern.findall(lowered)]
        return [text for text, _, stopped in forms if not stopped]

    def spans(self, value: str) -> tuple[list[tuple[int, int]], list[str]]:
        """Each token's (start, end) and analysed form, as `tokens` gives them."""
        matches = list(self.pattern.finditer(value))
        forms = self._forms(matches)
        spans = list(map(re.Match.span, matches))
        if self.elisions is not None and ("'" in value or "’" in value):
            spans = [(start + f[1], end) for (start, end), f in zip(spans, forms)]
        return spans, [f[0] for f in forms]


def _stemmer(stem: StemFilter):
    """The filter's stemming function, without its cache (OnePass keeps a plainer one)."""
    if stem.lang:
        from whoosh.lang import stemmer_for_language
        return stemmer_for_language(stem.lang)
    return stem.stemfn


@lru_cache(maxsize=None)
def one_pass(lang: str) -> OnePass | None:
    chain = analyzer_for(lang)
    return OnePass(chain) if OnePass.fits(chain) else None

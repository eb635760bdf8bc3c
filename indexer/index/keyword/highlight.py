"""Highlighting, the same for every keyword engine: a text's best fragments with exactly
the analysed forms a query matched in <mark>, everything else escaped.

It re-analyses the text with the language's own analyzer (Whoosh's highlighter does the
work), so it needs no index: a term counts as matched if its analysed form is one the
engine reported for the query. The analyzer's chain runs as one loop (`OnePass`): as a
chain of generators it took 60% of a keyword search's time, highlighting a page's
passages.
"""
from __future__ import annotations

from functools import lru_cache

from markupsafe import escape
from whoosh import highlight as wh
from whoosh.analysis import (LowercaseFilter, RegexTokenizer, StemFilter, StopFilter, Token)

from .analyzers import ElisionFilter, analyzer_for

STEM_CACHE = 200_000  # words whose stems are kept, per language


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
        self.stems: dict[str, str] = {}  # word -> stem (GIL-atomic dict operations)

    @classmethod
    def fits(cls, chain) -> bool:
        return tuple(type(item) for item in getattr(chain, "items", ())) in cls.SHAPES

    def tokens(self, value: str, termset: frozenset[str]):
        """The tokens of `value`, each marked `matched` if its analysed form is in termset."""
        t = Token(positions=False, chars=True, removestops=False)
        t.boost = 1.0
        stops, low, high, ignore = self.stops, self.min, self.max, self.ignore
        stems, stem = self.stems, self.stem
        elisions = self.elisions if ("'" in value or "’" in value) else None
        for match in self.pattern.finditer(value):
            text, t.startchar, t.endchar = match.group(0).lower(), match.start(), match.end()
            if elisions is not None:
                text = text.replace("’", "'")
                head, sep, rest = text.partition("'")
                if sep and rest and head in elisions:
                    t.startchar += len(head) + 1
                    text = rest
            t.stopped = not (len(text) >= low and (high is None or len(text) <= high)
                             and text not in stops)
            if not (t.stopped or text in ignore):
                stemmed = stems.get(text)
                if stemmed is None:
                    if len(stems) > STEM_CACHE:
                        stems.clear()
                    stemmed = stems[text] = stem(text)
                text = stemmed
            t.text = text
            t.matched = text in termset
            yield t


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


def matched_tokens(text: str, lang: str, termset: frozenset[str]):
    """`text`'s tokens as the language's analyzer gives them, marked `matched`."""
    fast = one_pass(lang)
    if fast is not None:
        return fast.tokens(text, termset)
    return wh.set_matched_filter(analyzer_for(lang)(text, chars=True, mode="query",
                                                    removestops=False), termset)


class MarkFormatter(wh.Formatter):
    """Escapes all text and wraps matched terms in <mark>; ellipses at cut edges."""

    between = " "

    def _text(self, text):
        return str(escape(text))

    def format_token(self, text, token, replace=False):
        return f"<mark>{escape(wh.get_text(text, token, replace))}</mark>"

    def format_fragment(self, fragment, replace=False):
        body = super().format_fragment(fragment, replace)
        head = "… " if fragment.startchar > 0 else ""
        tail = " …" if fragment.endchar < len(fragment.text) else ""
        return head + " ".join(body.split()) + tail

    def format(self, fragments, replace=False):
        """Fragments joined by one ellipsis (each fragment brings its own at a cut)."""
        return super().format(fragments, replace).replace(" … … ", " … ")


def highlight(text: str, lang: str, terms: dict[str, frozenset[str]], max_chars: int = 220,
              fragments: int = 2, whole: bool = False) -> str:
    """HTML: the best fragments of `text` with query terms in <mark>, all else escaped.

    Returns '' when no term occurs in the text.
    """
    termset = terms.get(lang)
    if not termset or not text:
        return ""
    fragmenter = (wh.WholeFragmenter(charlimit=None) if whole
                  else wh.ContextFragmenter(maxchars=max_chars, surround=max_chars // 3))
    # whoosh.highlight.highlight(), with the tokens analysed in one pass
    found = fragmenter.fragment_tokens(text, matched_tokens(text, lang, termset))
    best = wh.top_fragments(found, 1 if whole else fragments, wh.BasicFragmentScorer(),
                            wh.FIRST if whole else wh.SCORE)
    return MarkFormatter()(text, best)

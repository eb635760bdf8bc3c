"""Highlighting, the same for every keyword engine: a text's best fragments with exactly
the analysed forms a query matched in <mark>, everything else escaped.

It re-analyses the text with the language's own analyzer (Whoosh's highlighter does the
work), so it needs no index: a term counts as matched if its analysed form is one the
engine reported for the query.
"""
from __future__ import annotations

from markupsafe import escape
from whoosh import highlight as wh

from .analyzers import analyzer_for


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
    return wh.highlight(text, termset, analyzer_for(lang), fragmenter, MarkFormatter(),
                        top=1 if whole else fragments, order=wh.SCORE if not whole else wh.FIRST)

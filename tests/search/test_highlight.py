"""Highlighting, indexing and queries analyse each text in one pass (`OnePass`) instead of
Whoosh's chain of generators: it must give exactly the chain's tokens and terms, and
exactly the HTML Whoosh's own highlight() gives, on real passages of both languages and
on awkward text."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st
from whoosh import highlight as wh

from indexer.index.keyword.analyzers import analyze, analyzer_for, one_pass
from indexer.index.keyword.highlight import MarkFormatter, highlight

CORPUS = Path(__file__).resolve().parents[2] / "corpus"
AWKWARD = ["L’OPEC dell'auto d'Italia, nell’anno 3.141 big-time under_score l' 'x ' ...",
           "Ünïcödé ŞEHİR İstanbul straße ﬁne THE a I — «citazione» e’ po’",
           "", "   ", "Leapmotor C11 C-More 2024-04 the of and il di che"]


def texts() -> list[str]:
    paragraphs = [p for f in sorted(CORPUS.glob("*.txt")) for p in f.read_text().split("\n\n")]
    return [p for p in paragraphs if p.strip()][:400] + AWKWARD


def whoosh_highlight(text, lang, terms, max_chars=220, fragments=2, whole=False):
    """The highlighting before OnePass: Whoosh's highlight() with the analyzer chain."""
    termset = terms.get(lang)
    if not termset or not text:
        return ""
    fragmenter = (wh.WholeFragmenter(charlimit=None) if whole
                  else wh.ContextFragmenter(maxchars=max_chars, surround=max_chars // 3))
    return wh.highlight(text, termset, analyzer_for(lang), fragmenter, MarkFormatter(),
                        top=1 if whole else fragments, order=wh.SCORE if not whole else wh.FIRST)


@pytest.mark.parametrize("lang", ["en", "it"])
def test_one_pass_gives_the_chains_tokens(lang):
    fast = one_pass(lang)
    assert fast is not None
    for text in texts():
        chain = [(t.text, t.stopped, t.startchar, t.endchar)
                 for t in analyzer_for(lang)(text, chars=True, mode="query", removestops=False)]
        ours = [(t.text, t.stopped, t.startchar, t.endchar)
                for t in fast.tokens(text, frozenset())]
        assert ours == chain, text[:80]


def chain_terms(lang: str, text: str) -> list[str]:
    return [t.text for t in analyzer_for(lang)(text)]


@pytest.mark.parametrize("lang", ["en", "it"])
def test_one_pass_gives_the_chains_terms(lang):
    for text in texts():
        assert analyze(lang, text) == chain_terms(lang, text), text[:80]


@settings(max_examples=300, deadline=None)
@given(text=st.text(alphabet=st.sampled_from(list("aeioulrtnsdTL’' .,\n-Èàé1*_İẞΣς\u212aǅ\u0307")),
                    max_size=200),
       lang=st.sampled_from(["en", "it"]))
def test_any_text_gives_the_chains_terms(text, lang):
    assert analyze(lang, text) == chain_terms(lang, text)


def test_lowercasing_keeps_word_characters_words():
    """What lets OnePass.terms lowercase a whole text before finding its words: a
    character that lowercases to one character is a word character exactly when that one
    is (İ, which lowercases to two, and Σ, whose lowercase depends on what follows it, make
    OnePass read a text word by word)."""
    word = re.compile(r"\w")
    changed = [c for c in map(chr, range(0x110000))
               if len(c.lower()) == 1 and bool(word.match(c)) != bool(word.match(c.lower()))]
    assert changed == []


@pytest.mark.parametrize("lang", ["en", "it"])
@pytest.mark.parametrize("whole", [False, True])
def test_the_same_html_as_whooshs_highlighter(lang, whole):
    queries = ["leapmotor vehicles", "veicoli elettrici", "emissions energy", "the",
               "produzione milione", "c11 c-more", "dell'auto"]
    for text in texts():
        for q in queries:
            terms = {lang: frozenset(analyze(lang, q))}
            assert (highlight(text, lang, terms, whole=whole)
                    == whoosh_highlight(text, lang, terms, whole=whole)), (q, text[:80])


@settings(max_examples=200, deadline=None)
@given(text=st.text(alphabet=st.sampled_from(list("aeioulrtn’' .,\n-Èàé1")), max_size=300),
       lang=st.sampled_from(["en", "it"]))
def test_any_text_highlights_as_before(text, lang):
    words = analyze(lang, text)[:3]
    terms = {lang: frozenset(words)}
    assert highlight(text, lang, terms) == whoosh_highlight(text, lang, terms)

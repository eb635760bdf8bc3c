"""Fusion with per-passage factors, and hybrid search trusting other-language keyword hits less."""
from __future__ import annotations

import dataclasses

import pytest

from indexer.index.reader import IndexHandle
from indexer.models import Filters
from indexer.search.fusion import fuse
from indexer.search.query_translation import QueryTranslation
from indexer.search.searcher import Searcher

LISTS = {"keyword": [("a", 10.0), ("b", 6.0), ("c", 2.0)],
         "semantic": [("c", 0.9), ("a", 0.5), ("d", 0.4)]}


def test_rrf_factor_scales_one_retrievers_share():
    plain = {f.row: f.score for f in fuse(LISTS, "rrf", rrf_k=10)}
    assert plain["a"] == pytest.approx(1 / 11 + 1 / 12)
    damped = {f.row: f.score
              for f in fuse(LISTS, "rrf", rrf_k=10, factors={"keyword": {"a": 0.25}})}
    assert damped["a"] == pytest.approx(0.25 / 11 + 1 / 12)
    assert damped["b"] == plain["b"] and damped["c"] == plain["c"]


def test_weighted_factor_hand_computed():
    # keyword min-max: a 1, b 0.5, c 0; semantic: c 1, a 0.2, d 0.
    fused = fuse(LISTS, "weighted", keyword_weight=0.5, factors={"keyword": {"a": 0.25, "b": 0.0}})
    scores = {f.row: f.score for f in fused}
    assert scores["a"] == pytest.approx(0.5 * 1.0 * 0.25 + 0.5 * 0.2)
    assert scores["b"] == pytest.approx(0.0)
    assert scores["c"] == pytest.approx(0.5)
    assert [f.row for f in fused][0] == "c"
    assert fused[0].ranks == {"keyword": 3, "semantic": 1}


def test_hybrid_damps_keyword_hits_in_another_language(config, embedder):
    searcher = Searcher(config, IndexHandle(config), embedder)
    index = searcher.handle.get()
    query = "Leapmotor ha prodotto centomila veicoli elettrici"
    parsed = searcher.reader.parse(query)
    assert searcher.detector.detect(parsed.semantic_text, fallback="und") == "it"
    keyword = searcher.rank(index, query, "keyword", Filters(), 50).fused
    hits = [(f.row, f.scores["keyword"]) for f in keyword]
    factors = searcher.language_factors(index, parsed, hits, QueryTranslation())
    languages = {row: p.language for row, p in index.store.passages_by_row(
        [row for row, _ in hits]).items()}
    damped = set(factors["keyword"])
    assert damped and damped == {pid for pid, lang in languages.items() if lang != "it"}
    assert set(factors["keyword"].values()) == {config.search.other_language_keyword_factor}
    # Too short to tell the language: nothing is damped. Factor 1: the feature is off.
    short = searcher.reader.parse("Leapmotor")
    assert searcher.language_factors(index, short, hits, QueryTranslation()) is None
    off = dataclasses.replace(config, search=dataclasses.replace(
        config.search, other_language_keyword_factor=1.0, translated_keyword_factor=1.0))
    assert Searcher(off, IndexHandle(off), embedder).language_factors(
        index, parsed, hits, QueryTranslation()) is None
    # Hits in a language the query was translated into get the translated factor.
    translated = QueryTranslation(source="it", searched={"en": ["vehicles"]})
    weights = searcher.language_factors(index, parsed, hits, translated)["keyword"]
    assert set(weights) == damped
    assert set(weights.values()) == {config.search.translated_keyword_factor}

"""Conformance: the tantivy and Whoosh keyword engines give the same hits, totals, facet
counts and highlighted terms for the same queries and filters on the seed corpus."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from indexer.config import load_config
from indexer.index.build import build_index
from indexer.index.keyword.analyzers import analyze
from indexer.index.reader import IndexHandle
from indexer.ingest.names import name_key
from indexer.models import Filters
from indexer.search.searcher import Searcher
from indexer.translate.backends import load_translator
from tests.conftest import write_config

ENGINES = ("tantivy", "whoosh")
QUERIES = [
    "veicoli", "vehicles", "Leapmotor", "leapmotor vehicles", '"electric vehicles"',
    '"Average Training Hours of Senior Management Employees"', "veic*", "emission*",
    "Stellantis AND Leapmotor", "Stellantis OR Zaragoza", "Leapmotor NOT Stellantis",
    "(electric OR elettrici) AND battery", "title:Leapmotor", "section:Appendix",
    "section:energy", "dell'auto", "l'azienda", "Questo traguardo", "C11", "T03",
    "energia AND NOT carbone", "zzzqqq", "greenhouse gas", "produzione",
    "name:Stellantis", 'name:"Zhu Jiangming"', "name:leap*", "name:Stellantis AND batteries",
    "Leapmotor NOT name:Stellantis", "figure:2023", 'name:"No Such Name"',
]
FILTERS = [
    Filters(),
    Filters(languages=["it"]),
    Filters(languages=["en"], kinds=["disclosure"]),
    Filters(date_from="2024-01-01"),
    Filters(date_from="2025", date_to="2025"),
    Filters(date_to="2022-06-15"),
    Filters(kinds=["news", "press-release"], date_from="2023-06"),
    Filters(names=["Stellantis"]),
    Filters(names=["Zhu Jiangming", "Stellantis"], languages=["en"]),
    Filters(figures=["2023"]),
]


@pytest.fixture(scope="module")
def engines(tmp_path_factory, corpus_dir, embedder):
    """The same corpus indexed by each engine: {engine: (index, searcher)}."""
    out = {}
    for engine in ENGINES:
        tmp = tmp_path_factory.mktemp(engine)
        cfg = load_config(write_config(tmp, [corpus_dir], index={"keyword_engine": engine}))
        build_index(cfg, embedder=embedder, progress=False)
        index = IndexHandle(cfg).get()
        assert index.manifest["keyword_engine"] == engine
        assert type(index.keyword).engine == engine
        out[engine] = (index, Searcher(cfg, IndexHandle(cfg), embedder, load_translator(cfg)))
    return out


def _outcome(index, searcher, query, filters, also, facets=True):
    parsed = searcher.reader.parse(query)
    found = index.keyword.search(parsed.tree, filters, 1000, also=also, facets=facets)
    return {"hits": {h.row for h in found.hits}, "total": found.total,
            "terms": found.terms,
            "facets": {f: {v: n for v, n in c.items() if n} for f, c in found.facets.items()}}


@pytest.mark.parametrize("query", QUERIES)
def test_same_hits_totals_facets_and_terms(engines, query):
    for filters in FILTERS:
        seen = {e: _outcome(*engines[e], query, filters, None) for e in ENGINES}
        assert seen["tantivy"] == seen["whoosh"], (query, filters)


@pytest.mark.parametrize("query", ["veicoli elettrici", "electric vehicles NOT batteries",
                                   '"electric vehicles"', "stabilimento"])
def test_same_hits_with_the_translated_query(engines, query):
    _, searcher = engines["whoosh"]
    parsed = searcher.reader.parse(query)
    also = searcher.query_translation(parsed, True).trees(0.5)
    assert also, "the query was not translated"
    seen = {e: _outcome(*engines[e], query, Filters(), also) for e in ENGINES}
    assert seen["tantivy"] == seen["whoosh"]
    assert seen["tantivy"]["total"] > 0


def test_tantivy_searches_the_languages_at_once_with_the_same_outcome(engines, monkeypatch):
    """The other languages' searches run in the index's thread pool, and the merged hits,
    in order with their scores, and the totals are those of one search after the other."""
    index, searcher = engines["tantivy"]
    keyword = index.keyword
    pool = ThreadPoolExecutor(2)
    submitted = []
    monkeypatch.setattr(pool, "submit", lambda *a: submitted.append(a) or
                        ThreadPoolExecutor.submit(pool, *a))

    def outcome(tree, filters, together):
        monkeypatch.setattr(keyword, "_pool", pool if together else None)
        found = keyword.search(tree, filters, 1000)
        return [(h.row, h.score) for h in found.hits], found.total, found.terms

    for query in QUERIES:
        tree = searcher.reader.parse(query).tree
        for filters in FILTERS:
            assert outcome(tree, filters, True) == outcome(tree, filters, False), (query, filters)
    assert submitted  # the pool searched
    pool.shutdown()


@pytest.mark.parametrize("query", ["Leapmotor", "veicoli", "emissions"])
def test_same_matches_streamed_best_first(engines, query):
    seen = {}
    for engine in ENGINES:
        index, searcher = engines[engine]
        matches = index.keyword.matches(searcher.reader.parse(query).tree, Filters())
        hits = list(matches.hits)
        assert matches.total == len(hits) > 0
        assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
        seen[engine] = {h.row for h in hits}
    assert seen["tantivy"] == seen["whoosh"]


def test_similar_ranking(engines):
    """Scores differ (the engines' BM25 IDF formulas do), but the best hits agree."""
    overlaps = []
    for query in ("Leapmotor electric vehicles Europe", "greenhouse gas emissions",
                  "veicoli elettrici", "training hours employees"):
        tops = []
        for engine in ENGINES:
            index, searcher = engines[engine]
            found = index.keyword.search(searcher.reader.parse(query).tree, Filters(), 10)
            tops.append([h.row for h in found.hits])
        assert tops[0][0] == tops[1][0], query
        overlaps.append(len(set(tops[0]) & set(tops[1])) / 10)
    assert sum(overlaps) / len(overlaps) >= 0.7, overlaps


@pytest.mark.parametrize("engine", ENGINES)
def test_a_name_finds_exactly_the_passages_naming_it(engines, engine):
    """`name:` and a name filter find the passages whose extracted names include it,
    however the name is cased, and highlight its words."""
    index, searcher = engines[engine]
    naming = index.facts.mentions["name"]
    for name in ("Zhu Jiangming", "Stellantis"):
        expected = set(np.flatnonzero(naming.mask([name_key(name)], len(index.facts))).tolist())
        assert expected, name
        for query in (f'name:"{name}"', f'name:"{name.upper()}"'):
            found = index.keyword.search(searcher.reader.parse(query).tree, Filters(), 1000)
            assert {h.row for h in found.hits} == expected, query
            assert found.terms["en"] >= set(analyze("en", name))
        filtered = index.keyword.search(searcher.reader.parse("Leapmotor").tree,
                                        Filters(names=[name]), 1000)
        assert filtered.hits and {h.row for h in filtered.hits} <= expected
    prefixed = index.keyword.search(searcher.reader.parse("name:stell*").tree, Filters(), 1000)
    assert {h.row for h in prefixed.hits} >= expected
    assert all(t.startswith("stell") for t in prefixed.terms["en"])

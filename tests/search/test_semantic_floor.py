"""The semantic floor is set per query against meaningless passages: made-up queries find
nothing in any mode, while real matches a fixed 0.2 floor dropped are kept (the eval
numbers are in docs/search-quality.md; bench/semantic_floor.py measures the trade)."""
import random

import numpy as np
import pytest

from indexer.models import Filters
from indexer.search.searcher import SearchRequest
from indexer.search.vector_floor import SemanticFloor, made_up_words, null_passages

MADE_UP = ["zzzqqq", "qbrtx lwoe", "asdf qwer", "lorem ipsum"] + [
    " ".join(made_up_words(n, random.Random(seed))) for seed, n in ((1, 1), (2, 2), (3, 3))]


@pytest.fixture(scope="module")
def searcher(app):
    return app.extensions["newsdesk"]


def search(searcher, query, mode="semantic"):
    return searcher.search(SearchRequest(query, mode, Filters(), 1, 50, xlang=False,
                                         group="passage"))


@pytest.mark.parametrize("query", MADE_UP)
@pytest.mark.parametrize("mode", ["semantic", "hybrid"])
def test_a_made_up_query_finds_nothing(searcher, query, mode):
    r = search(searcher, query, mode)
    assert not r.hits and r.total == 0, [(h.score, h.text[:40]) for h in r.hits]


def test_real_matches_under_the_old_fixed_floor_are_kept(searcher):
    """An Italian query's English EV passages score 0.15-0.2: the old floor dropped them."""
    hits = search(searcher, "veicoli elettrici").hits
    kept = [h for h in hits if h.score < 0.2]
    assert any("electric vehicle" in h.text.lower() for h in kept), [h.score for h in hits]


def test_the_floor_is_set_per_query(searcher, embedder):
    floor = searcher.semantic_floor
    made_up, real = (floor(embedder.encode([q])[0]) for q in ("zzzqqq", "electric vehicle sales"))
    assert made_up > 0.3 and real < 0.2
    index = searcher.handle.get()
    best = float(np.max(np.asarray(index.vectors.vectors) @ embedder.encode(["zzzqqq"])[0]))
    assert best < made_up  # its nearest passage is no match


def test_the_meaningless_passages_are_fixed_and_shaped_like_passages(embedder):
    assert null_passages() == null_passages()
    assert all(20 <= len(p.split()) <= 150 for p in null_passages())
    floor = SemanticFloor.of(embedder, margin=0.05, minimum=0.3)
    assert floor(embedder.encode(["electric vehicle sales"])[0]) == 0.3  # never under minimum

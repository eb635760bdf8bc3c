"""Repeated searches are answered from the cache of recent responses, never across index
generations, and a failed translation is not kept."""
from indexer.config import load_config
from indexer.index.build import build_index
from indexer.index.reader import IndexHandle
from indexer.models import Filters
from indexer.search.searcher import SearchRequest, Searcher

from conftest import write_config


def test_a_repeated_request_is_served_from_the_cache_until_the_index_changes(tmp_path,
                                                                             embedder):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "one.txt").write_text("The harbour authority opened a ferry terminal in Genoa.")
    cfg = load_config(write_config(tmp_path, [corpus]))
    build_index(cfg, embedder=embedder, progress=False)
    searcher = Searcher(cfg, IndexHandle(cfg), embedder)
    request = SearchRequest("ferry", "hybrid", Filters(), xlang=False)
    first = searcher.search(request)
    again = searcher.search(SearchRequest("ferry", "hybrid", Filters(), xlang=False))
    assert again.hits is first.hits and again.total == first.total == 1
    assert searcher.search(SearchRequest("ferry", "keyword", xlang=False)).hits is not first.hits
    (corpus / "two.txt").write_text("Ferry services resumed after the storm.")
    build_index(cfg, embedder=embedder, progress=False)
    after = searcher.search(request)
    assert after.generation != first.generation and after.total == 2


def test_the_cache_can_be_turned_off(tmp_path, embedder):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "one.txt").write_text("The harbour authority opened a ferry terminal in Genoa.")
    cfg = load_config(write_config(tmp_path, [corpus], search={"result_cache": 0}))
    build_index(cfg, embedder=embedder, progress=False)
    searcher = Searcher(cfg, IndexHandle(cfg), embedder)
    request = SearchRequest("ferry", "keyword", xlang=False)
    assert searcher.search(request).hits is not searcher.search(request).hits

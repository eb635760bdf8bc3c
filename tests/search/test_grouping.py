"""The result set over the real seed index: one result per document by default (its best
passage first, the others counted and listed), every passage on request, pages of
documents that are slices of one list, counts in the grouping's unit, and a query of
only stop words refused with a notice."""
import pytest

from indexer.models import Filters
from indexer.search.searcher import MORE_SHOWN, SearchRequest

MODES = ("keyword", "semantic", "hybrid")


@pytest.fixture(scope="module")
def searcher(app):
    return app.extensions["newsdesk"]


def search(searcher, mode="keyword", group="document", page=1, per_page=100, sort="relevance",
           q="leapmotor", **filters):
    return searcher.search(SearchRequest(q, mode, Filters(**filters), page, per_page,
                                         xlang=False, sort=sort, group=group))


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("sort", ["relevance", "newest"])
def test_one_result_per_document_is_its_best_passage(searcher, mode, sort):
    documents = search(searcher, mode, sort=sort)
    passages = search(searcher, mode, "passage", sort=sort, per_page=100)
    everything = [h for p in range(1, passages.pages + 1)
                  for h in search(searcher, mode, "passage", page=p, sort=sort).hits]
    assert documents.group == "document" and passages.group == "passage"
    doc_ids = [h.doc_id for h in documents.hits]
    assert len(doc_ids) == len(set(doc_ids)) == documents.total == documents.total_documents
    assert doc_ids == list(dict.fromkeys(h.doc_id for h in everything))  # where the best stands
    assert len(everything) == passages.total == documents.total_passages
    for hit in documents.hits:
        own = [h for h in everything if h.doc_id == hit.doc_id]
        assert hit.passage_id == own[0].passage_id and hit.passages == len(own)
        assert [(m.passage_id, m.rank) for m in hit.more] == [
            (h.passage_id, h.rank) for h in own[1:1 + MORE_SHOWN]]
    assert [h.rank for h in documents.hits] == list(range(1, len(documents.hits) + 1))
    assert documents.total_documents == passages.total_documents


def test_the_default_is_one_result_per_document(searcher):
    r = searcher.search(SearchRequest("leapmotor", "keyword"))
    report = next(h for h in r.hits if h.doc_id == "004_902272254a36adef")
    assert r.group == "document" and report.passages > 100 and len(report.more) == MORE_SHOWN
    assert r.total == r.total_documents == 6 < r.total_passages


@pytest.mark.parametrize("mode", MODES)
def test_pages_of_documents_are_slices_of_one_list(searcher, mode):
    whole = [h.doc_id for h in search(searcher, mode, per_page=6).hits]
    pages = [h.doc_id for page in (1, 2, 3) for h in search(searcher, mode, page=page,
                                                              per_page=2).hits]
    assert pages == whole and len(whole) == search(searcher, mode).total


def test_facets_count_documents_or_passages_as_the_results_do(searcher):
    for group in ("document", "passage"):
        r = search(searcher, group=group)
        for value, count in r.facets["language"]:
            assert count == search(searcher, group=group, languages=[value]).total
    documents, passages = (dict(search(searcher, group=g).facets["kind"])
                           for g in ("document", "passage"))
    assert documents["disclosure"] == 1 < passages["disclosure"]


@pytest.mark.parametrize("query", ["the of and", "il di che", '"of the"', "title:the"])
@pytest.mark.parametrize("mode", MODES)
def test_a_query_of_stop_words_says_so(searcher, query, mode):
    r = search(searcher, mode, q=query)
    assert r.total == r.total_passages == 0 and not r.hits
    assert "only common words" in r.notice and "add a word" in r.notice, r.notice


def test_stop_words_beside_a_real_word_are_searched(searcher):
    r = search(searcher, q="the leapmotor of")
    assert r.total and "common words" not in r.notice


@pytest.mark.parametrize("query", ["C-More", "IT", "iPhone", "C11"])
@pytest.mark.parametrize("mode", MODES)
def test_a_name_made_of_stop_words_is_still_searched(searcher, query, mode):
    """`C-More` (c + more) and `IT` are names, not common words: they are searched."""
    assert "common words" not in search(searcher, mode, q=query).notice
    assert search(searcher, mode, q=f"Leapmotor {query}").hits

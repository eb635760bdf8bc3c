"""Property-based fuzzing of the query box, filters and paging through the real Flask app.

Whatever arrives in the query string: no 500, no traceback, a bounded time per
request, and limits that are reported rather than silently applied. The 150
examples per test are derandomized so the suite is repeatable; `FUZZ_EXAMPLES=1500`
explores more, with fresh randomness each run.
"""
from __future__ import annotations

import os
import time
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, event, example, given, settings, strategies as st

from indexer.config import SearchConfig
from indexer.search.query import QueryReader

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "0"))
fuzz_settings = settings(max_examples=EXAMPLES or 150, derandomize=not EXAMPLES, deadline=None,
                         database=None, suppress_health_check=[
                             HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
SECONDS_PER_REQUEST = 5.0  # generous for a shared 2-core machine; a runaway scan takes minutes

WORDS = ["leapmotor", "veicoli", "energy", "emissioni", "stellantis", "the", "di", "è",
         "l'uomo", "C++", "e-mail", "2023", "ünïcödé", "日本", "🚗", "<script>", "&amp;",
         "alert(1)", "javascript:x", "%00", "\\", "'", "`", "${x}", "{{7*7}}"]
SYNTAX = ["AND", "OR", "NOT", "(", ")", '"', "*", "?", "title:", "section:", "body:", "veic*",
          "a*", "*a", "***", "le?pmotor", "~", "^2", "+", "-", ":", "[a TO z]", "{", "}"]
tokens = st.one_of(st.sampled_from(WORDS + SYNTAX), st.text(max_size=12))
queries = st.one_of(
    st.text(max_size=300),
    st.lists(tokens, max_size=40).map(" ".join),
    st.lists(tokens, max_size=12).map("".join),
    st.tuples(st.sampled_from(WORDS + SYNTAX), st.integers(1, 3000)).map(
        lambda t: " ".join([t[0]] * t[1])),
)
values = st.one_of(st.text(max_size=30), st.sampled_from(
    ["en", "it", "EN", "xx", "", " ", "news", "disclosure", "Wikipedia", "a,b,c",
     "Leapmotor", "2024", "2024-04", "2024-04-31", "2024-13", "0000", "9999-12-31",
     "1e9", "-1", "0", "1000000", "99999999999999999999", "NaN", "1.5", " 3 ", "٣"]))
wild_params = st.fixed_dictionaries({"q": queries}, optional={
    "mode": st.one_of(st.sampled_from(["hybrid", "keyword", "semantic", "HYBRID", "x"]),
                      st.text(max_size=10)),
    "lang": st.lists(values, max_size=4), "kind": st.lists(values, max_size=4),
    "source": st.lists(values, max_size=25), "date_from": values, "date_to": values,
    "page": values, "per_page": values, "p": values,
})
dates = st.one_of(st.dates().map(lambda d: d.isoformat()), st.integers(1990, 2030).map(str))
valid_params = st.fixed_dictionaries({
    "q": st.lists(st.sampled_from(WORDS[:8] + ["AND", "OR", "NOT", "title:leapmotor",
                                              '"electric vehicles"', "veic*", "(", ")"]),
                  min_size=1, max_size=8).map(" ".join),
}, optional={
    "mode": st.sampled_from(["hybrid", "keyword", "semantic"]),
    "lang": st.lists(st.sampled_from(["en", "it"]), max_size=2),
    "kind": st.lists(st.sampled_from(["news", "press-release", "encyclopedia", "disclosure"]),
                     max_size=2),
    "source": st.lists(st.sampled_from(["Wikipedia", "Leapmotor", "nobody"]), max_size=2),
    "date_from": dates, "page": st.integers(1, 120).map(str),
    "per_page": st.integers(1, 100).map(str),
})
params = st.one_of(valid_params, wild_params)
DOC_IDS = ["000_bd7e62b69b614585", "001_c78aecbcbfb51514", "004_902272254a36adef", "hostile"]


def _get(client, path: str, query: dict):
    started = time.perf_counter()
    response = client.get(path, query_string=query)
    return response, time.perf_counter() - started


def _check(response, seconds: float, query: dict, allowed=(200, 400)) -> None:
    assert response.status_code in allowed, (response.status_code, query)
    event(f"status {response.status_code}")
    body = response.get_data(as_text=True)
    assert "Traceback" not in body and 'File "' not in body, query
    assert seconds < SECONDS_PER_REQUEST, (seconds, query)


@fuzz_settings
@given(query=params)
@example(query={"q": "NOT NOT leapmotor"})  # crashed Whoosh's parser (found by this test)
@example(query={"q": "NOT\\AND🚗leapmotor("})  # so did operators glued to a word
def test_api_search_never_fails(client, query):
    response, seconds = _get(client, "/api/search", query)
    _check(response, seconds, query)
    body = response.get_json()
    if response.status_code == 400:
        assert body["error"]
    else:
        event("with hits" if body["hits"] else "no hits")
        assert len(body["hits"]) <= body["per_page"] <= 100
        assert all(h["rank"] <= 1000 for h in body["hits"])


@fuzz_settings
@given(query=params)
def test_search_page_never_fails(client, query):
    response, seconds = _get(client, "/", query)
    _check(response, seconds, query)
    assert response.mimetype == "text/html"


@fuzz_settings
@given(doc_id=st.one_of(st.sampled_from(DOC_IDS), st.text(max_size=80)), query=params)
def test_document_pages_never_fail(client, doc_id, query):
    quoted = quote(doc_id, safe="")
    for path in (f"/doc/{quoted}", f"/api/documents/{quoted}"):
        response, seconds = _get(client, path, query)
        _check(response, seconds, query, allowed=(200, 308, 404))
        if response.status_code == 200:
            assert doc_id in DOC_IDS


# -- the limits, one by one: each is applied and said -------------------------------------

def _api(client, **query):
    response, seconds = _get(client, "/api/search", query)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert seconds < SECONDS_PER_REQUEST
    return response.get_json()


def test_a_10000_character_query_is_cut_with_a_notice(client):
    body = _api(client, q="leapmotor veicoli " * 560)
    assert "cut to its first 1000 characters" in body["notice"]
    assert len(body["query"]) <= 1000


def test_huge_or_lists_are_cut_to_the_term_limit(client):
    body = _api(client, q=" OR ".join(f"word{i}" for i in range(400)), mode="keyword")
    assert "searched for the first 32" in body["notice"]


@pytest.mark.parametrize("query", ["*", "***", "*a*", "a*", "le*", "*motor", "l*motor"])
def test_wildcards_that_would_scan_the_vocabulary_are_refused(client, query):
    body = _api(client, q=query, mode="keyword")
    assert "Wildcards need at least 3 letters" in body["notice"], query


def test_question_marks_are_punctuation_not_wildcards(client):
    plain = _api(client, q="leapmotor", mode="keyword")
    for query in ("leapmotor?", "?leapmotor", "leap?otor leapmotor"):
        body = _api(client, q=query, mode="keyword")
        assert body["total"] == plain["total"], query


def test_prefix_search_is_capped(client):
    body = _api(client, q="lea*", mode="keyword")
    assert body["total"] > 0 and not body["notice"]


def test_deep_paging_is_capped_with_a_notice(client):
    body = _api(client, q="leapmotor", mode="keyword", page="1000000", per_page="100")
    assert "up to number 1000" in body["notice"]
    assert body["page"] * body["per_page"] <= 1000


def test_only_negations_do_not_match_everything(client):
    body = _api(client, q="NOT leapmotor", mode="keyword")
    assert body["total"] == 0 and "NOT only excludes" in body["notice"]


def test_deeply_nested_parentheses(client):
    for q in ("(" * 500 + "leapmotor" + ")" * 500, "(" * 999, '"' * 999,
              "title:(" * 300 + "x"):
        _api(client, q=q, mode="keyword")


def test_a_parser_crash_falls_back_to_the_plain_words(monkeypatch):
    reader = QueryReader(SearchConfig())
    real, calls = reader._parser.parse, []

    def crash_once(text):
        calls.append(text)
        if len(calls) == 1:
            raise IndexError("list index out of range")
        return real(text)

    monkeypatch.setattr(reader._parser, "parse", crash_once)
    parsed = reader.parse("leapmotor AND (veicoli OR energia)")
    assert "Could not read the query syntax" in parsed.notices[0]
    assert calls[1] == "leapmotor veicoli energia" and not parsed.empty

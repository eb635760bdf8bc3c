"""Filters that filter: random combinations of language, kind, source, names and date
range (full and partial dates, open ends) over a real index of documents dated by year, by
month, by day and undated. In every mode each hit satisfies the filter, the total is
the number of hits reachable by paging, facet counts are the hits they stand for (a
facet's counts with its own filter left out: each is the total of picking that value
alone), timeline bars count what following them finds, and in keyword mode the total
is the number of matching passages."""
from __future__ import annotations

import datetime
import json
from collections import Counter
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, assume, given, settings, strategies as st

from indexer.config import load_config
from indexer.dates import date_span, filter_span, span_in_range
from indexer.index.build import build_index
from indexer.index.reader import IndexHandle
from indexer.models import Filters
from indexer.search.facets import FILTER_FIELDS
from indexer.search.searcher import SearchRequest, Searcher
from indexer.search.validation import InvalidParameter, check_filters

from conftest import write_config

DATES = ["", "2022-06", "2022-06-15", "2023", "2023-02", "2023-02-28", "2024", "2024-02",
         "2024-02-29", "2024-12-31", "2025", "2025-01"]
KINDS = ["news", "press-release", "disclosure"]
SOURCES = ["Corriere", "Reuters", "Il Sole"]
PEOPLE = ["Giulia Rossi", "Marco Bianchi", "Anna Verdi", "Luca Neri", "Sara Gialli"]
MODES = ("keyword", "semantic", "hybrid")
EN = ("The harbour authority approved the zefiro wind project after a long public hearing, "
      "and the regional council said the turbines would be installed next spring.")
IT = ("L'autorità portuale ha approvato il progetto eolico zefiro dopo una lunga udienza "
      "pubblica, e il consiglio regionale ha detto che le turbine saranno installate.")


def _people(i: int) -> list[str]:
    """Who article i names: one or two of PEOPLE."""
    return sorted({PEOPLE[i % 5], PEOPLE[i % 3]})


def _article(i: int) -> dict:
    text, lang = (EN, "en") if i % 2 == 0 else (IT, "it")
    said = " and ".join(_people(i)) + (" welcomed it." if lang == "en" else " hanno commentato.")
    return {"id": f"a{i}", "title": f"Zefiro {lang} report {i}", "text": f"{text} {said} Item {i}.",
            "date": DATES[i % len(DATES)], "kind": KINDS[i % len(KINDS)],
            "source": SOURCES[(i // 2) % len(SOURCES)]}


@pytest.fixture(scope="module")
def dated(tmp_path_factory, embedder):
    """A searcher over 36 short articles, each one passage, with every kind of date."""
    tmp = tmp_path_factory.mktemp("dated")
    dump = tmp / "news.jsonl"
    dump.write_text("\n".join(json.dumps(_article(i), ensure_ascii=False) for i in range(36)))
    config = load_config(write_config(tmp, [dump]))
    build_index(config, embedder=embedder, progress=False)
    searcher = Searcher(config, IndexHandle(config), embedder)
    index = searcher.handle.get()
    passages = {p.passage_id: p for p in
                index.store.passages_by_row(range(len(index.vectors))).values()}
    docs = index.store.documents(sorted({p.doc_id for p in passages.values()}))
    assert len(docs) == 36 and {d.published for d in docs.values()} == set(DATES)
    return config, searcher, passages, docs


def _matches(filters: Filters, passage, doc) -> bool:
    bounds = filter_span(filters.date_from, filters.date_to)
    return ((not filters.languages or passage.language in filters.languages)
            and (not filters.names or set(filters.names) & set(_people(int(doc.doc_id[1:]))))
            and (not filters.kinds or doc.kind in filters.kinds)
            and (not filters.sources or doc.source in filters.sources)
            and (bounds is None or span_in_range(date_span(doc.published), bounds)))


partial_dates = st.one_of(
    st.just(""),
    st.integers(2021, 2026).map(str),
    st.tuples(st.integers(2021, 2026), st.integers(1, 12)).map(lambda ym: f"{ym[0]}-{ym[1]:02d}"),
    st.dates(datetime.date(2021, 1, 1), datetime.date(2026, 12, 31)).map(datetime.date.isoformat))
filter_sets = st.builds(
    Filters,
    languages=st.lists(st.sampled_from(["en", "it"]), unique=True, max_size=2),
    kinds=st.lists(st.sampled_from(KINDS + ["encyclopedia"]), unique=True, max_size=2),
    sources=st.lists(st.sampled_from(SOURCES + ["Nobody"]), unique=True, max_size=2),
    names=st.lists(st.sampled_from(PEOPLE + ["Nobody Here"]), unique=True, max_size=2),
    date_from=partial_dates, date_to=partial_dates)


def _checked(config, filters: Filters) -> Filters:
    try:
        return check_filters(filters, config)
    except InvalidParameter:
        assume(False)


def _search(searcher, mode: str, filters: Filters, group: str = "document"):
    return searcher.search(SearchRequest("zefiro", mode, filters, 1, 100, xlang=False,
                                         group=group))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(filters=filter_sets)
def test_every_mode_honours_random_filters(dated, filters):
    config, searcher, passages, docs = dated
    filters = _checked(config, filters)
    expected = {p.passage_id for p in passages.values()
                if _matches(filters, p, docs[p.doc_id])}
    for mode in MODES:
        r = _search(searcher, mode, filters)
        for hit in r.hits:
            assert _matches(filters, passages[hit.passage_id], docs[hit.doc_id]), \
                (mode, filters, hit.published, hit.language, hit.kind, hit.source)
        assert r.total == len(r.hits) == r.total_documents, (mode, filters, r.total, len(r.hits))
        for hit in r.hits:
            assert hit.names == _people(int(hit.doc_id[1:])), hit.names
        for facet, field in FILTER_FIELDS.items():
            picked = getattr(filters, field)  # a picked facet also counts the other values
            counted = Counter(v for h in r.hits for v in _values(h, facet)
                              if not picked or v in picked)
            shown = {v: n for v, n in r.facets[facet] if not picked or v in picked}
            assert shown == dict(counted), (mode, facet, r.facets[facet])
        if mode == "keyword":
            assert {h.passage_id for h in r.hits} == expected, (filters, r.total, len(expected))


def _values(hit, facet: str) -> list[str]:
    """The hit's values of a facet: one, or the names (figures) it mentions."""
    if facet in ("name", "figure"):
        return hit.names if facet == "name" else hit.figures
    return [getattr(hit, facet)]


FACET_VALUES = {"language": ["en", "it"], "kind": KINDS + ["encyclopedia"],
                "source": SOURCES + ["Nobody"], "name": PEOPLE + ["Nobody Here"]}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(filters=filter_sets, mode=st.sampled_from(MODES),
       group=st.sampled_from(["document", "passage"]), facet=st.sampled_from(list(FACET_VALUES)))
def test_a_facet_count_is_the_total_of_picking_that_value(dated, filters, mode, group, facet):
    """Whether or not the facet has values picked, the count shown for each value (0 when
    not shown) is the number of hits with that value alone picked, the other filters kept."""
    config, searcher, _, _ = dated
    filters = _checked(config, filters)
    counts = dict(_search(searcher, mode, filters, group).facets[facet])
    for value in FACET_VALUES[facet]:
        alone = _search(searcher, mode, replace(filters, **{FILTER_FIELDS[facet]: [value]}),
                        group)
        assert counts.get(value, 0) == alone.total, (mode, group, facet, value, filters)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(filters=filter_sets, mode=st.sampled_from(MODES))
def test_timeline_bars_count_what_following_them_finds(dated, filters, mode):
    config, searcher, _, _ = dated
    filters = _checked(config, filters)
    r = _search(searcher, mode, filters)
    timeline = r.timeline
    dated_hits = [h for h in r.hits if h.published]
    assert timeline.undated == len(r.hits) - len(dated_hits)
    assert sum(b.count for b in timeline.bars) + timeline.imprecise == len(dated_hits)
    for bar in (b for b in timeline.bars if b.count):
        size = len(bar.period)  # the bar's range lies in its period
        assert bar.date_from[:size] == bar.date_to[:size] == bar.period, bar
        followed = _search(searcher, mode, replace(filters, date_from=bar.date_from,
                                                   date_to=bar.date_to))
        assert followed.total == bar.count, (mode, filters, bar)
        assert all(h.published.startswith(bar.period) for h in followed.hits), bar


@pytest.mark.parametrize("date_from, date_to, dated_inside", [
    ("2024-01-01", "", {"2024", "2024-02", "2024-02-29", "2024-12-31", "2025", "2025-01"}),
    ("2025-01-01", "2025-12-31", {"2025", "2025-01"}),
    ("", "2022-06-15", {"2022-06-15"}),  # June 2022 is not wholly before the 15th
    ("2024-02", "2024-02", {"2024-02", "2024-02-29"}),
    ("2023", "2023", {"2023", "2023-02", "2023-02-28"}),
])
def test_partial_dates_match_only_when_wholly_inside(dated, date_from, date_to, dated_inside):
    _, searcher, _, _ = dated
    for mode in ("keyword", "semantic", "hybrid"):
        r = searcher.search(SearchRequest("zefiro", mode, Filters(date_from=date_from,
                                                                  date_to=date_to), 1, 100,
                                          xlang=False))
        assert {h.published for h in r.hits} <= dated_inside, (mode, date_from, date_to)
        if mode == "keyword":
            assert {h.published for h in r.hits} == dated_inside


@pytest.mark.parametrize("mode", ["keyword", "semantic", "hybrid"])
def test_newest_and_oldest_first_order_the_whole_result_set(dated, mode):
    _, searcher, _, docs = dated
    relevance = searcher.search(SearchRequest("zefiro", mode, Filters(), 1, 100, xlang=False))
    for sort, newest in (("newest", True), ("oldest", False)):
        r = searcher.search(SearchRequest("zefiro", mode, Filters(), 1, 100, xlang=False,
                                          sort=sort))
        assert r.total == relevance.total and {h.passage_id for h in r.hits} == {
            h.passage_id for h in relevance.hits}
        spans = [date_span(docs[h.doc_id].published) for h in r.hits]
        dated_spans = [s for s in spans if s[0]]
        assert spans == dated_spans + [(0, 0)] * (len(spans) - len(dated_spans))  # undated last
        keys = [-last if newest else first for first, last in dated_spans]
        assert keys == sorted(keys), (sort, [docs[h.doc_id].published for h in r.hits])
    if mode == "keyword":  # small pages of a sorted search are slices of one order
        first = searcher.search(SearchRequest("zefiro", mode, Filters(), 1, 5, xlang=False,
                                              sort="newest"))
        second = searcher.search(SearchRequest("zefiro", mode, Filters(), 2, 5, xlang=False,
                                               sort="newest"))
        whole = searcher.search(SearchRequest("zefiro", mode, Filters(), 1, 10, xlang=False,
                                              sort="newest"))
        assert [h.passage_id for h in first.hits + second.hits] == [
            h.passage_id for h in whole.hits]

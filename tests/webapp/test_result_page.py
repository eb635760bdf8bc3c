"""The result page and its JSON twin over the real seed index: one result per document with
"N more passages" (no JavaScript needed), every passage on request, multi-select facets
whose other values keep their counts, the timeline, the stop-word notice, and search box
examples that find something."""
from __future__ import annotations

import html
import re

import pytest
from bs4 import BeautifulSoup
from flask import url_for
from werkzeug.datastructures import MultiDict

from webapp.views import EXAMPLE_QUERIES, _url_with

REPORT = "004_902272254a36adef"  # the ESG report: hundreds of passages about Leapmotor
DATED = {"000_bd7e62b69b614585": "2022-06", "001_c78aecbcbfb51514": "2025",
         "003_49f755cca01dd2c7": "2023-09", REPORT: "2024-04"}  # the others are undated


def page(client, **params) -> BeautifulSoup:
    r = client.get("/", query_string=params)
    assert r.status_code == 200, r.get_data(as_text=True)
    return BeautifulSoup(r.get_data(as_text=True), "html.parser")


def api(client, **params) -> dict:
    r = client.get("/api/search", query_string=params)
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def doc_ids(soup: BeautifulSoup) -> list[str]:
    return [re.match(r"/doc/([^?]+)", li.h3.a["href"]).group(1)
            for li in soup.select("ol.hits > li.hit")]


def facet(soup: BeautifulSoup, name: str) -> dict[str, tuple[int, bool]]:
    """A facet's shown values: label -> (count, picked)."""
    section = next(s for s in soup.select("section.facet") if s.h2.get_text() == name)
    return {li.a.get_text(): (int(li.select_one(".count").get_text()),
                              "active" in li.a.get("class", [])) for li in section.select("li")}


def test_one_result_per_document_with_its_other_passages(client):
    soup = page(client, q="leapmotor", mode="keyword")
    ids = doc_ids(soup)
    assert len(ids) == len(set(ids)) == 6
    summary = " ".join(soup.select_one("p.summary").get_text().split())
    body = api(client, q="leapmotor", mode="keyword")
    assert f"6 documents · {body['total_passages']} passages matched" in summary
    report = soup.select("ol.hits > li.hit")[ids.index(REPORT)]
    more = report.select_one("details.more")
    passages = next(h for h in body["hits"] if h["doc_id"] == REPORT)["passages"]
    assert more.summary.get_text(strip=True) == f"{passages - 1} more passages in this document"
    links = more.select("ol.more-passages > li > a")
    assert len(links) == 3 and all(a["href"].startswith(f"/doc/{REPORT}?") for a in links)
    assert more.select("ol.more-passages mark")  # their snippets, terms marked
    assert more.select_one("p.all-passages a")["href"].startswith(f"/doc/{REPORT}?q=leapmotor")


def test_every_passage_on_request(client):
    soup = page(client, q="leapmotor", mode="keyword", group="passage", per_page=20)
    ids = doc_ids(soup)
    assert len(ids) == 20 and len(set(ids)) < 20 and not soup.select("details.more")
    assert soup.select_one("select[name=group] option[selected]")["value"] == "passage"
    body = api(client, q="leapmotor", mode="keyword", group="passage", per_page=20)
    assert body["group"] == "passage" and body["total"] == body["total_passages"] > 200
    assert [h["doc_id"] for h in body["hits"]] == ids and "more" not in body["hits"][0]


def test_the_api_groups_by_document_with_both_totals(client):
    body = api(client, q="leapmotor", mode="keyword", per_page=3)
    assert body["group"] == "document" and body["total"] == body["total_documents"] == 6
    assert body["total_passages"] > 200 and len(body["hits"]) == 3
    report = next(h for h in api(client, q="leapmotor", mode="keyword")["hits"]
                  if h["doc_id"] == REPORT)
    assert report["passages"] > 200 and len(report["more"]) == 3
    assert set(report["more"][0]) == {"rank", "score", "language", "section", "passage_id",
                                      "text", "snippet", "matched_by", "ranks", "names",
                                      "figures"}


@pytest.mark.parametrize("group", ["foo", "documents", "passages"])
def test_a_bad_grouping_is_a_helpful_400(client, group):
    r = client.get("/", query_string={"q": "leapmotor", "group": group})
    assert r.status_code == 400 and "group: must be one of document, passage" in r.get_data(
        as_text=True)
    r = client.get("/api/search", query_string={"q": "leapmotor", "group": group})
    assert r.status_code == 400 and r.get_json()["error"] == (
        "group: must be one of document, passage")


def test_facet_values_are_alternatives_and_keep_their_counts(client):
    everything = facet(page(client, q="leapmotor", mode="keyword"), "Kind")
    news = page(client, q="leapmotor", mode="keyword", kind="news")
    kinds = facet(news, "Kind")
    assert {k: n for k, (n, _) in kinds.items()} == {k: n for k, (n, _) in everything.items()}
    assert kinds["news"] == (3, True) and kinds["disclosure"] == (1, False)
    assert len(doc_ids(news)) == 3
    link = next(li.a["href"] for li in news.select("section.facet li")
                if li.a.get_text() == "disclosure")
    both = BeautifulSoup(client.get(html.unescape(link)).get_data(as_text=True), "html.parser")
    assert sorted(doc_ids(both)) == sorted(doc_ids(news) + [REPORT])  # OR within a facet
    assert facet(both, "Kind")["disclosure"] == (1, True)
    italian = page(client, q="leapmotor", mode="keyword", kind="news", lang="it")
    assert doc_ids(italian) == ["001_c78aecbcbfb51514"]  # AND across facets
    assert facet(italian, "Language") == {"English": (2, False), "Italiano": (1, True)}
    assert facet(italian, "Kind") == {"news": (1, True)}  # the Italian documents' kinds


def test_api_facets_multi_select_with_counts(client):
    body = api(client, q="leapmotor", mode="keyword", kind=["news", "disclosure"], lang="en")
    assert {h["doc_id"] for h in body["hits"]} == {"003_49f755cca01dd2c7", REPORT, "hostile"}
    counts = {name: {v["value"]: v["count"] for v in values}
              for name, values in body["facets"].items()}
    assert counts["kind"] == {"news": 2, "disclosure": 1, "encyclopedia": 1, "press-release": 1}
    assert counts["language"] == {"en": 3, "it": 1}
    for kind, count in counts["kind"].items():
        assert api(client, q="leapmotor", mode="keyword", kind=kind, lang="en")["total"] == count
    passages = api(client, q="leapmotor", mode="keyword", kind="news", group="passage")
    per_passage = {v["value"]: v["count"] for v in passages["facets"]["kind"]}
    assert per_passage["disclosure"] == api(client, q="leapmotor", mode="keyword",
                                            kind="disclosure", group="passage")["total"] > 200


def timeline_bars(soup: BeautifulSoup) -> dict[str, tuple[int, str]]:
    """period -> (count, link) of each bar."""
    return {a["data-period"]: (int(a["data-count"]), html.unescape(a["href"]))
            for a in soup.select("figure.timeline svg a.bar")}


def test_timeline_of_years_with_undated_documents_in_words(client):
    soup = page(client, q="leapmotor", mode="keyword")
    bars = timeline_bars(soup)
    assert {p: n for p, (n, _) in bars.items()} == {"2022": 1, "2023": 1, "2024": 1, "2025": 1}
    for period, (count, link) in bars.items():
        assert f"date_from={period}&date_to={period}" in link and "q=leapmotor" in link
        assert soup.select_one(f'a.bar[data-period="{period}"] title').get_text() == \
            f"{period}: 1 document"
    caption = soup.select_one("figure.timeline figcaption").get_text(" ", strip=True)
    assert "per year" in caption and "2 undated documents are not shown" in caption
    timeline = api(client, q="leapmotor", mode="keyword")["timeline"]
    assert timeline["unit"] == "year" and timeline["undated"] == 2
    assert [(b["period"], b["count"], b["date_from"], b["date_to"])
            for b in timeline["bars"]] == [(y, 1, y, y) for y in ("2022", "2023", "2024", "2025")]


def test_a_short_span_gets_month_bars_whose_links_find_their_documents(client):
    soup = page(client, q="leapmotor", mode="keyword", date_from="2022", date_to="2024")
    bars = timeline_bars(soup)
    assert {p: n for p, (n, _) in bars.items()} == {"2022-06": 1, "2023-09": 1, "2024-04": 1}
    assert "per month" in soup.select_one("figure.timeline figcaption").get_text()
    for period, (count, link) in bars.items():
        followed = BeautifulSoup(client.get(link).get_data(as_text=True), "html.parser")
        assert [DATED[d] for d in doc_ids(followed)] == [period]
        assert followed.select_one("input[name=date_from]")["value"] == period


@pytest.mark.parametrize("query", ["the of and", "il di che"])
def test_a_stop_word_query_says_so_on_the_page(client, query):
    soup = page(client, q=query)
    notice = soup.select_one("p.notice").get_text()
    assert "only common words" in notice and not doc_ids(soup)


def test_search_box_examples_find_something_in_the_shipped_corpus(client):
    placeholder = page(client).select_one("input[name=q]")["placeholder"]
    assert placeholder == "e.g. " + ", ".join(EXAMPLE_QUERIES)
    for query in EXAMPLE_QUERIES:
        for mode in ("keyword", "hybrid"):
            assert api(client, q=query, mode=mode)["total"], (query, mode)


@pytest.mark.parametrize("changes", [{"page": None}, {"page": 3}, {"lang": ["it"], "page": None},
                                     {"xlang": "0"}, {"source": [], "page": None},
                                     {"q": None, "lang": None, "page": None, "mode": None}])
def test_page_links_are_the_urls_url_for_builds(app, changes):
    """The result page builds its links from its URL once (`_url_with`), not by routing
    each: they must be exactly what url_for gives, awkward characters included."""
    args = MultiDict([("q", 'title:stellantis "a b" é&=/?#+%'), ("lang", "en"), ("lang", "it"),
                      ("page", "2"), ("mode", "hybrid"), ("source", "ANSA & co")])
    with app.test_request_context("/"):
        params = MultiDict(args)
        for key, value in changes.items():
            params.poplist(key)
            for v in (value if isinstance(value, list) else [] if value is None else [value]):
                params.add(key, v)
        assert (_url_with(url_for("views.search"), args, **changes)
                == url_for("views.search", **params.to_dict(flat=False)))

"""A hostile corpus is shown as text everywhere: results, document pages, facets, errors.

Checked twice: statically (the served HTML holds no script, no event handler, no
javascript: URL and no tag the templates do not write) and in real headless
Chromium (no payload runs, even with the Content-Security-Policy switched off, and
with it on the pages cause no CSP violation at all).
"""
from __future__ import annotations

import re
import threading
from urllib.parse import urlencode

import pytest
import requests
from bs4 import BeautifulSoup

from indexer.config import load_config
from indexer.index.build import build_index

from browser import visit
from conftest import ROOT, write_config
from hostile import DOC_IDS, INJECTED_QUERY, TOPIC, hostile_urls, write_hostile_corpus

# The tags the templates write (and <mark>, which highlighting adds to escaped text).
TEMPLATE_TAGS = {m.lower() for t in (ROOT / "webapp" / "templates").glob("*.html")
                 for m in re.findall(r"<([A-Za-z][A-Za-z0-9]*)", t.read_text())} | {"mark", "p"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "data", "srcset", "poster"}


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory, embedder):
    from waitress import create_server

    from webapp import create_app
    tmp = tmp_path_factory.mktemp("hostile")
    cfg = load_config(write_config(tmp, [write_hostile_corpus(tmp / "corpus")]))
    report = build_index(cfg, embedder=embedder, progress=False)
    assert report.documents == len(DOC_IDS), report.summary()
    app = create_app(cfg, embedder=embedder)
    server = create_server(app, host="127.0.0.1", port=0, threads=4)
    threading.Thread(target=server.run, daemon=True).start()
    yield f"http://127.0.0.1:{server.effective_port}"
    server.close()


@pytest.fixture(scope="module")
def pages(hostile_server):
    out = {}
    for url in hostile_urls():
        r = requests.get(hostile_server + url, timeout=60)
        assert r.status_code in (200, 400, 404), (url, r.status_code)
        assert r.headers["Content-Type"].startswith("text/html"), url
        out[url] = r
    return out


def test_templates_write_no_script_and_no_inline_style():
    assert TEMPLATE_TAGS.isdisjoint({"script", "style", "iframe", "object", "embed", "img"})
    for template in (ROOT / "webapp" / "templates").glob("*.html"):
        text = template.read_text().lower()
        assert not re.search(r"\son[a-z]+\s*=|\sstyle\s*=|javascript:", text), template.name


def test_hostile_documents_are_found(pages):
    results = pages[f"/?q={TOPIC}&mode=keyword"].text
    for doc_id in DOC_IDS:
        assert f"/doc/{doc_id}?" in results, doc_id


def test_no_markup_from_the_corpus_reaches_the_page(pages):
    for url, r in pages.items():
        soup = BeautifulSoup(r.text, "html.parser")
        tags = {t.name for t in soup.find_all(True)}
        assert tags <= TEMPLATE_TAGS, (url, tags - TEMPLATE_TAGS)
        for tag in soup.find_all(True):
            for name, value in tag.attrs.items():
                assert not name.lower().startswith("on"), (url, tag.name, name)
                assert name.lower() != "style", (url, tag.name)  # CSP forbids inline style
                if name.lower() in URL_ATTRIBUTES:
                    scheme = "".join(str(value).split()).lower()
                    assert not scheme.startswith(("javascript:", "data:", "vbscript:")), url
        assert soup.find("link", rel="stylesheet")["href"] == "/static/style.css"


def test_hostile_text_is_shown_literally(pages):
    results = BeautifulSoup(pages[f"/?q={TOPIC}&mode=keyword"].text, "html.parser").get_text()
    for text in ("<script>window.__pwned='manifest title'</script>Title \"quoted\" & 'single'",
                 "\"><script>window.__pwned='jsonl title'; document.title='PWNED'</script>",
                 "Evil Source", "</a><script>window.__pwned='jsonl source'</script>",
                 "Harmless <i>italic</i> & ampersand title", "Wire & Co <Ltd>"):
        assert text in results, text
    fields = BeautifulSoup(pages[f"/doc/manifest-fields?q={TOPIC}&p=0"].text, "html.parser")
    assert "<svg onload=\"window.__pwned='wiki heading'\">" in fields.get_text()
    doc = BeautifulSoup(pages[f"/doc/page?q={TOPIC}&p=0"].text, "html.parser")
    assert doc.h1.get_text() == "</title><script>window.__pwned='title entity'</script> Harbour"
    assert "<img src=x onerror=\"window.__pwned='h2 entity'\"> Timetable" in doc.get_text()
    assert '&amp; that "nothing" is agreed <yet>' not in doc.get_text()  # decoded once only
    assert 'that "nothing" is agreed <yet>' in doc.get_text()


def test_document_url_only_links_to_http(pages):
    for doc_id in ("manifest-fields", "jsonl-hostile"):
        soup = BeautifulSoup(pages[f"/doc/{doc_id}?q={TOPIC}&p=0"].text, "html.parser")
        assert not soup.find("a", string="original"), doc_id


def test_injected_query_is_echoed_as_text(pages):
    soup = BeautifulSoup(pages["/?" + urlencode({"q": INJECTED_QUERY})].text, "html.parser")
    assert soup.find("input", attrs={"name": "q"})["value"] == INJECTED_QUERY
    assert INJECTED_QUERY in soup.title.get_text()


def test_security_headers_on_every_kind_of_response(hostile_server):
    for path in ("/", f"/?q={TOPIC}", "/doc/page", "/doc/missing", "/api/search?q=x",
                 "/api/search?q=x&page=zero", "/static/style.css", "/no/such/page"):
        r = requests.get(hostile_server + path, timeout=60)
        h = r.headers
        csp = dict(part.strip().split(" ", 1) for part in h["Content-Security-Policy"].split(";"))
        assert csp["default-src"] == "'none'" and csp["script-src"] == "'none'", path
        assert csp["style-src"] == "'self'" and csp["frame-ancestors"] == "'none'", path
        assert "unsafe" not in h["Content-Security-Policy"], path
        assert h["X-Content-Type-Options"] == "nosniff", path
        assert h["X-Frame-Options"] == "DENY" and h["Referrer-Policy"] == "no-referrer", path
        assert h["Cross-Origin-Opener-Policy"] == "same-origin", path
        if not path.startswith("/static/"):
            assert h["Cache-Control"] == "no-store", path
        assert "Werkzeug" not in h.get("Server", "") and "Python" not in h.get("Server", "")


def test_no_payload_runs_in_chromium_even_without_csp(browser, hostile_server):
    for url in hostile_urls():
        with visit(browser, hostile_server + url, bypass_csp=True) as (page, problems):
            assert page.evaluate("window.__pwned") is None, url
            assert page.title() != "PWNED" and page.title().endswith("newsdesk"), url
            assert page.evaluate("document.scripts.length") == 0, url
            for element in page.query_selector_all("a, p, h1, h2, h3, li, span, mark"):
                element.dispatch_event("mouseover")
            assert page.evaluate("window.__pwned") is None, url
            assert not [p for p in problems if "dialog" in p or "page error" in p], url


def test_pages_cause_no_csp_violation_in_chromium(browser, hostile_server):
    for url in hostile_urls():
        with visit(browser, hostile_server + url) as (page, problems):
            assert page.evaluate("window.__pwned") is None, url
            styled = page.evaluate("getComputedStyle(document.querySelector('header.top'))"
                                   ".backgroundColor")
            assert styled == "rgb(18, 38, 58)", url  # the stylesheet loaded under the CSP
            # (an error page's own 4xx status is logged as a console error too)
            assert [p for p in problems if "responded with a status of 4" not in p] == [], url

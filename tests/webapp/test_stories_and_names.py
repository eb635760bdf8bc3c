"""Stories and names end to end, on real news: NTREX English articles and their human
Italian translations, a republished copy, and the seed corpus, indexed with the real
embedder. The same story is grouped across languages and outlets (in the index, on the
result page, on the document page, in the API and in exports, and when `newsdesk add`
brings a new version of it), and the names facet, `name:` searches and name filters
agree with each other, in the server and in a real browser."""
from __future__ import annotations

import csv
import io
import json
import shutil
import threading
from pathlib import Path

import pytest
import requests

from browser import visit
from conftest import SEED_CORPUS, write_config
from indexer.config import load_config
from indexer.index.build import build_index
from indexer.index.reader import IndexHandle
from indexer.index.update import add_to_index

NTREX = Path(__file__).resolve().parents[3] / "shared" / "eval" / "ntrex_en_it"
# (NTREX id, English outlet and date, Italian outlet and date or None: no translation)
ARTICLES = [
    ("bbc.381790", "BBC", "2018-09-28", "Corriere della Sera", "2018-09-30"),
    ("upi.176266", "UPI", "2018-09-30", "La Stampa", "2018-09-30"),
    ("guardian.221754", "The Guardian", "2018-09-29", None, None),
    ("telegraph.405401", "The Telegraph", "2018-09-27", None, None),
    ("cnbc.com.6790", "CNBC", "2018-09-30", None, None),
]
REPUBLISHED = "guardian.221754"  # copied by another outlet, retitled, one sentence dropped
LATE_TRANSLATION = "telegraph.405401"  # its Italian version arrives with `newsdesk add`

pytestmark = pytest.mark.skipif(not NTREX.is_dir(), reason="shared NTREX data not present")


def _ntrex(lang: str) -> dict[str, dict]:
    lines = (NTREX / f"docs_{lang}.jsonl").read_text(encoding="utf-8").splitlines()
    return {d["id"]: d for d in map(json.loads, lines)}


def _record(doc: dict, doc_id: str, source: str, date: str) -> str:
    return json.dumps({"id": doc_id, "title": doc["title"], "text": doc["text"],
                       "source": source, "date": date}, ensure_ascii=False)


def _republished(doc: dict) -> dict:
    sentences = doc["text"].split(". ")
    return {"title": "Supermarket chain to open beauty counters",
            "text": ". ".join(sentences[:3] + sentences[4:])}


@pytest.fixture(scope="module")
def site(tmp_path_factory, embedder):
    """(config, base URL) of a web app over the story corpus, served by waitress."""
    tmp = tmp_path_factory.mktemp("stories")
    en, it = _ntrex("en"), _ntrex("it")
    corpus = tmp / "corpus"
    shutil.copytree(SEED_CORPUS, corpus)
    lines = []
    for nid, source, date, it_source, it_date in ARTICLES:
        lines.append(_record(en[nid], f"en-{nid}", source, date))
        if it_source:
            lines.append(_record(it[nid], f"it-{nid}", it_source, it_date))
    lines.append(_record(_republished(en[REPUBLISHED]), f"copy-{REPUBLISHED}", "Reuters",
                         "2018-10-01"))
    (corpus / "wire.jsonl").write_text("\n".join(lines), encoding="utf-8")
    config = load_config(write_config(tmp, [corpus]))
    build_index(config, embedder=embedder, progress=False)
    late = tmp / "late.jsonl"
    late.write_text(_record(it[LATE_TRANSLATION], f"it-{LATE_TRANSLATION}", "Il Post",
                            "2018-09-28"), encoding="utf-8")
    from waitress import create_server
    from webapp import create_app
    server = create_server(create_app(config, embedder=embedder), host="127.0.0.1", port=0,
                           threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield config, f"http://127.0.0.1:{server.effective_port}", late, embedder
    server.close()


def _documents(config) -> dict:
    store = IndexHandle(config).get().store
    return store.documents(sorted(set(store.passage_doc_ids().values())))


def test_translations_and_republications_share_a_story_and_nothing_else_does(site):
    config, *_ = site
    docs = _documents(config)
    story = {doc_id: d.story_id for doc_id, d in docs.items()}
    for nid, _, _, it_source, _ in ARTICLES:
        if it_source:
            assert story[f"en-{nid}"] == story[f"it-{nid}"], nid
    assert story[f"copy-{REPUBLISHED}"] == story[f"en-{REPUBLISHED}"]
    groups = {}
    for doc_id, sid in story.items():
        groups.setdefault(sid, set()).add(doc_id)
    together = sorted(sorted(g) for g in groups.values() if len(g) > 1)
    assert together == [
        ["copy-guardian.221754", "en-guardian.221754"],
        ["en-bbc.381790", "it-bbc.381790"],
        ["en-upi.176266", "it-upi.176266"],
    ], together  # the seeds, the unrelated articles and their neighbours stay alone
    # roles: relative to the first published (a same-day tie: the first indexed)
    assert docs["en-bbc.381790"].story_role == "first"
    assert docs["it-bbc.381790"].story_role == "translation"
    assert docs[f"copy-{REPUBLISHED}"].story_role == "republication"
    assert docs["en-upi.176266"].story_role == "first"
    assert docs["it-upi.176266"].story_role == "translation"


def test_the_result_page_lists_who_else_reported_it(site):
    _, base, *_ = site
    page = requests.get(base + "/", params={"q": "Welsh Assembly", "mode": "hybrid"}).text
    assert 'class="story-member"' in page
    assert "Corriere della Sera</a>" in page and "(IT, 2 days later" in page
    # the Italian document is listed under the English one, not as a hit of its own
    assert page.count('href="/doc/it-bbc.381790') == 1
    every = requests.get(base + "/", params={"q": "Welsh Assembly", "mode": "hybrid",
                                             "stories": "all"}).text
    assert 'class="story-member"' not in every
    assert 'href="/doc/it-bbc.381790' in every.split('<ol class="hits"')[1]


def test_api_and_exports_carry_the_story(site):
    config, base, *_ = site
    found = requests.get(base + "/api/search", params={"q": "shark lobster", "mode": "hybrid"}
                         ).json()
    first = found["hits"][0]
    assert first["doc_id"] in ("en-upi.176266", "it-upi.176266")
    assert first["story_id"] and [m["doc_id"] for m in first["story"]] == [
        ({"en-upi.176266", "it-upi.176266"} - {first["doc_id"]}).pop()]
    doc = requests.get(base + "/api/documents/it-upi.176266").json()
    assert doc["story_id"] == first["story_id"] and doc["story_role"] == "translation"
    assert [m["doc_id"] for m in doc["story"]] == ["en-upi.176266"]
    assert first["story_others"] == doc["story_others"] == 1
    assert any(m["kind"] == "name" for m in doc["mentions"])
    exported = requests.get(base + "/api/export", params={"q": "shark lobster",
                                                          "mode": "keyword", "format": "csv"})
    rows = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert rows and all(r["story_id"] == first["story_id"] for r in rows
                        if r["doc_id"].endswith("upi.176266"))
    assert any("California" in r["names"].split("; ") for r in rows)


def test_name_search_filter_and_facet_agree(site):
    _, base, *_ = site
    facet = requests.get(base + "/api/search", params={"q": "Leapmotor", "mode": "keyword",
                                                      "per_page": 100}).json()
    names = dict((f["value"], f["count"]) for f in facet["facets"]["name"])
    assert "Stellantis" in names
    for name in ("Stellantis", "Zhu Jiangming"):
        count = names.get(name, 0)
        picked = requests.get(base + "/api/search", params={
            "q": "Leapmotor", "mode": "keyword", "name": name, "per_page": 100}).json()
        assert picked["total"] == count and count > 0, name
        assert all(name in h["names"] or any(name in m["names"] for m in h["more"])
                   for h in picked["hits"])
        searched = requests.get(base + "/api/search", params={
            "q": f'name:"{name}"', "mode": "keyword", "per_page": 100,
            "group": "passage"}).json()
        assert searched["total"] > 0 and all(name in h["names"] for h in searched["hits"])


def test_adding_a_translation_later_joins_its_story(site):
    config, _, late, embedder = site
    before = _documents(config)[f"en-{LATE_TRANSLATION}"]
    add_to_index(config, [late], embedder=embedder, progress=False)
    after = _documents(config)
    assert after[f"it-{LATE_TRANSLATION}"].story_id == before.story_id
    assert after[f"en-{LATE_TRANSLATION}"].story_id == before.story_id
    # the translation is dated a day later than the original: the original stays first
    assert after[f"en-{LATE_TRANSLATION}"].story_role == "first"
    assert after[f"it-{LATE_TRANSLATION}"].story_role == "translation"


def test_in_a_browser_a_story_link_and_the_names_facet(browser, site):
    _, base, *_ = site
    with visit(browser, base + "/?q=Welsh+Assembly&mode=hybrid") as (page, problems):
        hit = page.locator("ol.hits > li.hit").filter(has=page.locator(".story-member")).first
        hit.locator("a.story-member").first.click()
        page.wait_for_url("**/doc/it-bbc.381790**")
        listed = page.locator("section.story a.story-member")
        assert listed.count() == 1 and "muppets" in listed.inner_text()
        listed.click()
        page.wait_for_url("**/doc/en-bbc.381790**")
        assert page.locator("section.story a.story-member").count() == 1
        # names in the text link to a search for them
        assert page.locator("section.passage a.name").count() > 0

        page.goto(base + "/?q=Leapmotor&mode=keyword")
        entry = page.locator("section.facet-name li").filter(has_text="Stellantis").first
        count = int(entry.locator(".count").inner_text())
        entry.locator("a").click()
        page.wait_for_url("**name=Stellantis**")
        assert page.locator("section.facet-name a.active").inner_text() == "Stellantis"
        assert page.locator("ol.hits > li.hit").count() == count
        assert not problems

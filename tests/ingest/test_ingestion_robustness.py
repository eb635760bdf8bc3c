"""Indexing a corpus of bad files: every bad item is reported (file, line, reason) and
skipped, every good item is indexed once (one with an unreadable date undated, with a
warning), and nothing hangs, crashes or turns to mojibake.

The corpus is written by the tests themselves; the index is built with the real
reader, cleaner, embedder and keyword index.
"""
from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from indexer.config import load_config
from indexer.index.build import build_index
from indexer.index.reader import IndexHandle
from indexer.models import Filters
from indexer.search.query import QueryReader

from conftest import ROOT, write_config

ITALIAN = ("Il consiglio comunale di Perugia ha approvato ieri la riforma della viabilità. "
           "«È una novità attesa da anni», ha dichiarato l’assessore, perché la città "
           "è congestionata e la qualità dell’aria è peggiorata. Più autobus, più piste "
           "ciclabili e un investimento di 12 milioni di € entro l’estate: così la società "
           "dei trasporti potrà finalmente rinnovare la flotta. Già a settembre arriveranno "
           "i primi veicoli elettrici, con una capacità di trenta passeggeri ciascuno.")
ACCENTED = ["viabilità", "novità", "perché", "città", "è", "qualità", "Più", "società",
            "Già", "capacità", "€", "«È", "l’assessore"]

BROKEN_HTML = """<html><head><title>Broken page about lighthouses
<body><h1>Lighthouse keepers<p>The last <b>lighthouse keeper of <i>Cornwall retired
<div>in 1998, after <a href="x>forty years</a> of service <p>Unclosed paragraphs <ul><li>and
lists <li>still hold text about the quarrystone tower <td>with a stray cell
<p>A lone a<b and 3 < 4 comparison survive as text"""

HOSTILE_HTML = """<!doctype html><html><head><title>Harbour dredging plan</title>
<script>document.title = "pwnedscriptword"; window.__pwned = true;</script>
<style>.x { color: red } stylesheetword { display: none }</style></head>
<body><!-- commentword: do not index -->
<h1>Harbour dredging plan</h1>
<p>The port authority will dredge the harbour channel to eleven metres next spring.</p>
<img src="x" onerror="alert('onerrorword')"><p onclick="alert('onclickword')">Fishermen
asked for compensation during the works.</p>
<script type="text/javascript">var inlinescriptword = 1;</script>
<noscript>noscriptword</noscript><template>templateword</template>
<svg><script>svgscriptword()</script></svg><iframe src="javascript:alert(1)">iframeword</iframe>
<p>Works start in <a href="javascript:alert('hrefword')">March</a>.</p></body></html>"""

JSONL_LINES = [
    json.dumps({"id": "good-1", "title": "Wind farm approved", "date": "2024-03-02",
                "source": "Gazette", "text": "The regional council approved an offshore wind "
                "farm of forty turbines off the coast, the largest windmill project so far."}),
    json.dumps({"id": "good-2", "title": "Nuovo ospedale", "date": "2024-03-05",
                "text": "La giunta ha presentato il progetto del nuovo ospedale cittadino, "
                "con trecento posti letto e un pronto soccorso pediatrico."}),
    '{"id": "broken", "title": "Cut short", "text": "this line is not valid JSON',
    "",
    json.dumps({"id": "good-3", "title": "Title with \ud800 a lone surrogate\u0007",
                "text": "Librarians catalogued the monastery archive of illuminated "
                "manuscripts over three winters."}),
    "[" * 100_000 + "]" * 100_000,
    json.dumps(["not", "an", "object"]),
    json.dumps({"id": "no-text", "title": "Only a title"}),
    json.dumps({"id": "bad-date", "title": "When?", "date": "the day after tomorrow",
                "text": "Some text that would be fine if the date were readable."}),
    json.dumps({"id": "good-4", "title": "Bridge reopens", "html": "<p>The old stone "
                "<b>bridge</b> reopened to pedestrians after the flood repairs.</p>"}),
]
JSONL_BAD = {3: "invalid JSON", 6: "nested too deeply", 7: "not a JSON object",
             8: "no 'text' or 'html' field"}
PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
                    "0000000d4944415478da63f8ffff3f0005fe02fea7d6a4a60000000049454e44ae426082")
BIG_MB = 50
BIG_LIMIT_MB = 0.25


def big_text(target: int) -> str:
    """About `target` characters of varied prose (seeded), with a marker word at each end.

    It holds what made cleaning quadratic before: stray "<" and tags in plain text (both
    the stray-tag check and html.parser rescanned the rest of the text for each) and a
    2 MB hard-wrapped paragraph with no sentence end (its lines were joined one string
    copy at a time).
    """
    rng = random.Random(7)
    words = (ROOT / "corpus" / "004_902272254a36adef.txt").read_text().split()
    words = [w for w in words if w.isalpha()]
    sentences = [" ".join(rng.choice(words) for _ in range(rng.randint(8, 30))).capitalize() + "."
                 for _ in range(4000)]
    sentences += [f"Output<target in plant {i}, emissions < {i} tonnes, <b>up</b> <ul class=x"
                  for i in range(40)]
    paragraphs = ["\n".join(textwrap.wrap(" ".join(rng.sample(sentences, 6)), 72))
                  for _ in range(600)]
    block = "\n\n".join(paragraphs)
    run_on = "\n".join(textwrap.wrap(
        " ".join(rng.choice(words).lower() for _ in range(300_000)), 72))
    out = ["Zebrastartmarker appears at the very beginning of this enormous file.\n\n",
           "A log with no full stops follows.\n\n" + run_on + "\n\n"]
    size = sum(map(len, out))
    part = 0
    while size < target:
        part += 1
        chunk = f"Part {part}\n\n{block}\n\n"
        out.append(chunk)
        size += len(chunk)
    out.append("Zebraendmarker appears only at the very end.\n")
    return "".join(out)


def make_bad_corpus(folder: Path) -> dict[str, Path]:
    folder.mkdir()
    files = {}

    def put(name: str, data: bytes | str) -> Path:
        path = folder / name
        path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
        files[name] = path
        return path

    put("empty.txt", b"")
    put("blank.md", b"  \n\n \t \n")
    put("image.png", PNG)
    put("image-named-text.txt", PNG)
    put("italiano-cp1252.txt", ("Riforma della viabilità a Perugia\n\n" + ITALIAN).encode("cp1252"))
    put("italiano-latin1.txt", ("Riforma a Perugia, versione Latin-1\n\n"
                                + ITALIAN.replace("€", "euro").replace("«", '"')
                                .replace("»", '"').replace("’", "'") + " Unica frase latina.")
        .encode("latin-1"))
    put("italiano-utf16.txt", ("Notizia da Blocco Note\n\nLa biblioteca comunale di Gubbio "
                               "riaprirà lunedì: orari più lunghi e novità per i più piccoli. "
                               "Ci sarà anche una sala studio.").encode("utf-16"))
    put("italiano-utf8-copy.txt", "Riforma della viabilità a Perugia\n\n" + ITALIAN)
    put("broken.html", BROKEN_HTML)
    put("hostile.html", HOSTILE_HTML)
    put("news.jsonl", "\n".join(JSONL_LINES) + "\n")
    put("article.txt", "Beekeepers report record honey\n\nBeekeepers in the valley reported a "
                       "record honey harvest this summer, crediting a wet spring and wildflowers.")
    put("copy-of-article.txt", (folder / "article.txt").read_bytes())
    put("big.txt", big_text(BIG_MB * 1_000_000))
    os.symlink(folder / "no-such-target.txt", folder / "dangling.txt")
    os.mkfifo(folder / "pipe.txt")
    put("zz-vanishes.txt", "This file is deleted after the indexer listed the folder.")
    return files


class VanishingEmbedder:
    """The real embedder; its first call deletes a file the reader has listed but not read."""

    def __init__(self, real, victim: Path):
        self.real, self.victim = real, victim
        self.name, self.dim = real.name, real.dim

    def encode(self, texts):
        if self.victim.exists():
            self.victim.unlink()
        return self.real.encode(texts)


@pytest.fixture(scope="module")
def built(tmp_path_factory, embedder):
    tmp = tmp_path_factory.mktemp("bad-corpus")
    files = make_bad_corpus(tmp / "corpus")
    cfg = load_config(write_config(tmp, [tmp / "corpus"], index={"batch_size": 4},
                                   corpus={"max_document_mb": BIG_LIMIT_MB}))
    report = build_index(cfg, embedder=VanishingEmbedder(embedder, files["zz-vanishes.txt"]),
                         progress=False)
    index = IndexHandle(cfg).get()
    return cfg, files, report, index


def reasons(report) -> dict[str, str]:
    return {s.origin: s.reason for s in report.skipped}


def doc_ids(index) -> set[str]:
    return {row[0] for row in index.store._db.execute("SELECT doc_id FROM documents")}


def keyword_hits(index, cfg, query: str) -> list[str]:
    tree = QueryReader(cfg.search).parse(query).tree
    rows = [h.row for h in index.keyword.search(tree, Filters(), 50).hits]
    passages = index.store.passages_by_row(rows)
    return [passages[r].passage_id for r in rows]


def test_every_bad_file_is_reported_with_a_reason(built):
    _, files, report, _ = built
    why = reasons(report)
    expected = {
        "empty.txt": "empty file", "blank.md": "empty file",
        "image.png": "unsupported file type .png",
        "image-named-text.txt": "binary file",
        "dangling.txt": "unreadable: No such file or directory",
        "pipe.txt": "not a regular file",
        "zz-vanishes.txt": "unreadable: No such file or directory",
        "copy-of-article.txt": "duplicate of article",
        "italiano-utf8-copy.txt": "duplicate of italiano-cp1252",
    }
    folder = files["empty.txt"].parent
    for name, reason in expected.items():
        assert reason in why.get(str(folder / name), ""), (name, why)


def test_bad_jsonl_lines_are_reported_with_file_and_line(built):
    _, files, report, index = built
    why = reasons(report)
    path = files["news.jsonl"]
    for line, reason in JSONL_BAD.items():
        assert reason in why.get(f"{path}:{line}", ""), (line, why)
    reported_lines = {int(o.rsplit(":", 1)[1]) for o in why if o.startswith(f"{path}:")}
    assert reported_lines == set(JSONL_BAD)
    assert {"good-1", "good-2", "good-3", "good-4", "bad-date"} <= doc_ids(index)
    assert index.store.document("bad-date").published == ""
    warning = {w.origin: w.reason for w in report.warnings}[f"{path}:9"]
    assert "date = 'the day after tomorrow' is not a date" in warning


def test_every_good_item_is_indexed_once(built):
    _, files, report, index = built
    ids = doc_ids(index)
    assert ids == {"italiano-cp1252", "italiano-latin1", "italiano-utf16", "broken", "hostile",
                   "article", "big", "good-1", "good-2", "good-3", "good-4", "bad-date"}
    assert report.documents == len(ids)
    assert report.duplicates == 2
    # each skipped origin is reported once, and nothing is both indexed and skipped
    origins = [s.origin for s in report.skipped]
    assert len(origins) == len(set(origins))
    indexed = {index.store.document(d).origin for d in ids}
    assert not indexed & set(origins)


def test_legacy_encodings_decode_without_mojibake(built):
    cfg, _, _, index = built
    for doc_id in ("italiano-cp1252", "italiano-latin1"):
        text = index.store.document(doc_id).text
        for word in ACCENTED if doc_id.endswith("cp1252") else ["viabilità", "perché", "città"]:
            assert word in text, (doc_id, word)
        assert "Ã" not in text and "\ufffd" not in text
    assert "riaprirà lunedì" in index.store.document("italiano-utf16").text
    assert keyword_hits(index, cfg, "viabilità")
    assert index.store.document("italiano-cp1252").language == "it"


def test_broken_html_keeps_its_text(built):
    cfg, _, _, index = built
    doc = index.store.document("broken")
    for words in ("lighthouse keeper of Cornwall", "forty years", "quarrystone tower",
                  "a<b and 3 < 4"):
        assert words in doc.text, words
    assert "<p>" not in doc.text and "<li>" not in doc.text
    assert keyword_hits(index, cfg, "quarrystone")


def test_scripts_styles_comments_and_attributes_are_not_indexed(built):
    cfg, _, _, index = built
    doc = index.store.document("hostile")
    assert "dredge the harbour channel" in doc.text and "compensation" in doc.text
    assert doc.title == "Harbour dredging plan"
    for word in ("pwnedscriptword", "stylesheetword", "commentword", "onerrorword",
                 "onclickword", "inlinescriptword", "noscriptword", "templateword",
                 "svgscriptword", "iframeword", "hrefword", "javascript", "__pwned"):
        assert word not in doc.text.lower(), word
        assert not keyword_hits(index, cfg, word), word


def test_big_file_is_cut_at_the_limit_and_reported(built):
    cfg, files, report, index = built
    doc = index.store.document("big")
    assert doc.text.startswith("Zebrastartmarker")
    assert len(doc.text) < 1.1 * BIG_LIMIT_MB * 2**20  # (cleaning may add paragraph breaks)
    assert keyword_hits(index, cfg, "zebrastartmarker")
    assert not keyword_hits(index, cfg, "zebraendmarker")
    warning = {w.origin: w.reason for w in report.warnings}[str(files["big.txt"])]
    size = files["big.txt"].stat().st_size / 2**20
    assert f"indexed only the first {BIG_LIMIT_MB:.1f} MB of {size:.1f} MB" in warning
    assert "max_document_mb" in warning
    assert "warning" in report.summary() and "max_document_mb" in report.summary()


def test_metadata_is_cleaned_of_control_characters(built):
    _, _, _, index = built
    assert index.store.document("good-3").title == "Title with a lone surrogate"


def test_oversized_jsonl_record_is_skipped_not_loaded(tmp_path, embedder):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    huge = json.dumps({"id": "huge", "text": "word " * 300_000})
    small = json.dumps({"id": "small", "text": "A perfectly ordinary short news item."})
    after = json.dumps({"id": "after", "text": "Another short item, after the huge one."})
    (corpus / "dump.jsonl").write_text(f"{small}\n{huge}\n{after}\n")
    cfg = load_config(write_config(tmp_path, [corpus], corpus={"max_document_mb": 1}))
    report = build_index(cfg, embedder=embedder, progress=False)
    assert "record larger than 1 MB" in reasons(report)[f"{corpus / 'dump.jsonl'}:2"]
    assert report.documents == 2


def test_fifo_given_as_a_path_does_not_hang(tmp_path, embedder):
    os.mkfifo(tmp_path / "feed.jsonl")
    cfg = load_config(write_config(tmp_path, [tmp_path / "feed.jsonl"]))
    report = build_index(cfg, embedder=embedder, progress=False,
                         allow_shrink=True)  # nothing to index: only the skip is checked
    assert reasons(report) == {str(tmp_path / "feed.jsonl"): "not a regular file or folder"}


CLEAN_BIG = """
import resource, sys, time
sys.path[:0] = [{root!r}, {root!r} + "/tests/ingest", {root!r} + "/tests"]
from test_ingestion_robustness import big_text
from indexer.ingest.cleaning import assemble, clean
from indexer.ingest.passages import split_passages
text = big_text({size})
html = "<html><body>" + "".join(f"<p>Paragraph {{i}} of a very long page.</p>"
                                for i in range(100_000)) + "<p>" + "A line<br>" * 50_000 + "</p>"
started = time.perf_counter()
blocks = clean(text, is_html=False)
spans = split_passages(blocks, 80, 250)
html_blocks = clean(html, is_html=True)
seconds = time.perf_counter() - started
assert assemble(blocks).startswith("Zebrastartmarker")
assert assemble(blocks).rstrip().endswith("very end.")
print(len(text), len(spans), len(html_blocks), round(seconds, 1),
      resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)
"""


def test_cleaning_and_splitting_huge_files_stay_linear_and_bounded():
    """50 MB of text, and an HTML page of 150,000 paragraphs and lines, in a child process.

    Bounds are generous (a shared 2-core machine): they catch quadratic behaviour
    (minutes to hours before the fixes) and runaway memory, not small regressions.
    """
    code = CLEAN_BIG.format(root=str(ROOT), size=BIG_MB * 1_000_000)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=300, check=True).stdout.split()
    chars, passages, html_blocks, seconds, peak_mb = map(float, out)
    assert chars >= BIG_MB * 1_000_000
    assert passages > chars / 6 / 250  # every word ended up in some passage
    assert html_blocks == 100_000 + 50_000
    assert seconds < 240
    assert peak_mb < 2500

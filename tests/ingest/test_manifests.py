"""Manifests and metadata: every unusable value is reported, and the document is still
indexed with what is valid (an unreadable date leaves it undated, an unknown kind gives it
the default kind); an entry that cannot describe any file is reported against its manifest.
"""
from __future__ import annotations

import json
from pathlib import Path

from indexer.config import load_config
from indexer.index.build import build_index, report_json
from indexer.index.reader import IndexHandle
from indexer.ingest.sources import read_corpus
from indexer.models import KINDS, Skipped, SourceDocument

from conftest import write_config

TEXTS = {
    "harbour.txt": "The port authority will dredge the harbour channel to eleven metres.",
    "ferry.txt": "Ferry crossings to the islands resume on Monday after the strike.",
    "bridge.md": "# Bridge\n\nThe old stone bridge reopened to pedestrians after the flood.",
}


def make_folder(folder: Path, manifest: str | bytes, names=tuple(TEXTS)) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        (folder / name).write_text(TEXTS[name], encoding="utf-8")
    data = manifest.encode("utf-8") if isinstance(manifest, str) else manifest
    (folder / "manifest.toml").write_bytes(data)
    return folder


def read(paths: list[Path]) -> tuple[dict[str, SourceDocument], list[Skipped]]:
    docs, skipped = {}, []
    for item in read_corpus(paths):
        if isinstance(item, Skipped):
            skipped.append(item)
        else:
            docs[Path(item.origin).name] = item
    return docs, skipped


def test_unreadable_date_is_indexed_undated_and_reported(tmp_path):
    folder = make_folder(tmp_path, '[[document]]\nfile = "harbour.txt"\ntitle = "Dredging"\n'
                                   'published = "March 2025"\n')
    docs, skipped = read([folder])
    doc = docs["harbour.txt"]
    assert (doc.title, doc.published) == ("Dredging", "")
    assert str(folder / "manifest.toml") in doc.warning and "'harbour.txt'" in doc.warning
    assert "published = 'March 2025' is not a date" in doc.warning
    assert "indexed undated" in doc.warning
    assert skipped == [] and docs.keys() == set(TEXTS)


def test_every_invalid_value_of_an_entry_is_reported_not_only_the_first(tmp_path):
    folder = make_folder(tmp_path, """
[[document]]
file = "harbour.txt"
title = 42
source = "Port Gazette"
kind = "blog"
published = "2024-13-40"
url = ["https://example.org"]
date = "2024-01-02"

[[document]]
file = "ferry.txt"
kind = "Press-Release"
published = 2024-04-29

[[document]]
file = "bridge.md"
published = 2023
""")
    docs, skipped = read([folder])
    doc = docs["harbour.txt"]
    assert (doc.title, doc.source, doc.kind, doc.published, doc.url) == (
        "", "Port Gazette", "", "", "")  # the build gives the default kind
    problems = doc.warning.split(": ", 1)[1].split("; ")
    assert len(problems) == 5, problems
    for expected in ("title = 42 is not text", "kind = 'blog' is not one of",
                     "published = '2024-13-40' is not a date",
                     "url = ['https://example.org'] is not text", "unknown key 'date'"):
        assert any(p.startswith(expected) for p in problems), (expected, problems)
    assert ", ".join(KINDS) in doc.warning and "default kind" in doc.warning
    # valid values, a TOML date and a bare year included, pass without a word
    assert (docs["ferry.txt"].kind, docs["ferry.txt"].published) == ("press-release",
                                                                     "2024-04-29")
    assert docs["bridge.md"].published == "2023"
    assert docs["ferry.txt"].warning == docs["bridge.md"].warning == ""
    assert skipped == []


def test_unknown_kind_gets_the_default_kind_and_is_reported(tmp_path):
    folder = make_folder(tmp_path, '[[document]]\nfile = "ferry.txt"\nkind = "opinion"\n')
    doc = read([folder])[0]["ferry.txt"]
    assert doc.kind == ""
    assert "kind = 'opinion' is not one of news, press-release, encyclopedia, disclosure" in (
        doc.warning)


def test_entry_naming_a_missing_file_is_reported_once(tmp_path):
    folder = make_folder(tmp_path, '[[document]]\nfile = "gone.txt"\ntitle = "Lost"\n'
                                   '[[document]]\nfile = "harbour.txt"\ntitle = "Dredging"\n')
    docs, skipped = read([folder])
    assert [(s.origin, "'gone.txt'" in s.reason) for s in skipped] == [
        (str(folder / "manifest.toml"), True)]
    assert "no file" in skipped[0].reason
    assert docs["harbour.txt"].title == "Dredging" and not docs["harbour.txt"].warning


def test_manifest_is_checked_even_if_no_file_is_read(tmp_path):
    folder = make_folder(tmp_path / "scans", '[[document]]\nfile = "gone.txt"\n', names=())
    (folder / "scan.pdf").write_bytes(b"%PDF-1.7\n")
    skipped = read([tmp_path])[1]
    assert {(Path(s.origin).name, "gone.txt" in s.reason) for s in skipped} == {
        ("manifest.toml", True), ("scan.pdf", False)}


def test_entries_that_describe_no_file_are_each_reported(tmp_path):
    folder = make_folder(tmp_path, """
[[documents]]
file = "ferry.txt"

[[document]]
title = "No file key"

[[document]]
file = 7

[[document]]
file = "harbour.txt"
title = "First entry"

[[document]]
file = "harbour.txt"
title = "Second entry"

[[document]]
file = "../harbour.txt"
""")
    docs, skipped = read([folder])
    assert {s.origin for s in skipped} == {str(folder / "manifest.toml")}
    reasons = [s.reason for s in skipped]
    assert len(reasons) == 5, reasons
    for expected in ("unknown key 'documents'", "entry 1 (title 'No file key'): no 'file' key",
                     "entry 2: file = 7 is not a file name",
                     "entry 4 is a second entry for 'harbour.txt' (the first is entry 3)",
                     "entry 5: no file '../harbour.txt'"):
        assert any(r.startswith(expected) for r in reasons), (expected, reasons)
    assert docs["harbour.txt"].title == "First entry"
    assert docs["ferry.txt"].title == ""


def test_unreadable_manifest_is_reported_and_its_files_still_indexed(tmp_path):
    folder = make_folder(tmp_path, b'[[document]]\nfile = "harbour.txt"\ntitle = "Caf\xe9"\n')
    docs, skipped = read([folder])
    assert docs.keys() == set(TEXTS)
    assert [(s.origin, s.reason.startswith("manifest not used")) for s in skipped] == [
        (str(folder / "manifest.toml"), True)]


def test_jsonl_unreadable_date_and_unknown_kind_are_indexed_and_reported(tmp_path):
    dump = tmp_path / "wire.jsonl"
    dump.write_text("\n".join(json.dumps(r) for r in [
        {"id": "w1", "text": TEXTS["harbour.txt"], "date": "the day after tomorrow"},
        {"id": "w2", "text": TEXTS["ferry.txt"], "published": "Spring 2024", "kind": "Blog"},
        {"id": "w3", "text": TEXTS["bridge.md"], "date": "2024-05-06", "kind": "News"},
    ]) + "\n", encoding="utf-8")
    docs, skipped = read([dump])
    assert skipped == []
    w1, w2, w3 = (docs[f"wire.jsonl:{n}"] for n in (1, 2, 3))
    assert w1.published == "" and w1.warning.startswith(
        "date = 'the day after tomorrow' is not a date")
    assert (w2.published, w2.kind) == ("", "")
    assert "published = 'Spring 2024' is not a date" in w2.warning
    assert "kind = 'Blog' is not one of" in w2.warning and "; " in w2.warning
    assert (w3.published, w3.kind, w3.warning) == ("2024-05-06", "news", "")


def test_build_indexes_them_and_reports_the_warnings(tmp_path, embedder):
    folder = make_folder(tmp_path / "corpus", """
[[document]]
file = "harbour.txt"
title = "Dredging"
kind = "blog"
published = "March 2025"

[[document]]
file = "gone.txt"
""")
    (folder / "wire.jsonl").write_text(json.dumps(
        {"id": "w1", "title": "Wind farm", "date": "soon", "text": "The council approved an "
         "offshore wind farm of forty turbines off the coast."}) + "\n", encoding="utf-8")
    cfg = load_config(write_config(tmp_path, [folder]))
    report = build_index(cfg, embedder=embedder, progress=False)
    assert report.documents == 4
    doc = IndexHandle(cfg).get().store.document("harbour")
    assert (doc.title, doc.kind, doc.published) == ("Dredging", "news", "")
    warnings = {w.origin: w.reason for w in report.warnings}
    assert warnings.keys() == {str(folder / "harbour.txt"), f"{folder / 'wire.jsonl'}:1"}
    summary = report.summary()
    assert f"warning {folder / 'harbour.txt'}: {folder / 'manifest.toml'} entry for " \
           f"'harbour.txt': kind = 'blog'" in summary
    assert "published = 'March 2025' is not a date" in summary
    assert f"skipped {folder / 'manifest.toml'}: entry 2: no file 'gone.txt'" in summary
    listed = json.loads(report_json(report))
    assert {w["origin"] for w in listed["warnings"]} == warnings.keys()
    assert "date = 'soon' is not a date" in warnings[f"{folder / 'wire.jsonl'}:1"]

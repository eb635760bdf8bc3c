"""Export benchmark: rows per second and peak memory exporting 50k+ hits in each format.

The index is built with the project's own `build_index` from the SQuAD passages in
../shared/eval (2,067 English + 2,007 Italian Wikipedia paragraphs), repeated as
"copies" that differ in title, source, kind, date and a heading, until the query
has enough keyword hits. The first copy is embedded for real; the later copies
have the same passage text, so the build reuses those vectors instead of
re-embedding (the build's normal cache of unchanged passages). The index is kept
in --workdir and reused by later runs.

Each export runs in a fresh child process so its memory is its own: the numbers
are the export's wall time, rows/s, the rise of peak resident memory over what
the process held before the export (sampled every 20 ms, split into heap and
file-backed pages: the index files Whoosh maps and reads), and, with
--tracemalloc, the peak of Python allocations during the export.

    python bench/export_bench.py                 # build once (minutes), then measure
    python bench/export_bench.py --formats csv --tracemalloc
"""
from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
from pathlib import Path

from benchlib import ROOT  # noqa: E402

EVAL = ROOT.parent / "shared" / "eval"
SETS = ("squad_en_retrieval", "squad_it_retrieval")
KINDS = ("news", "press-release", "encyclopedia", "disclosure")
SOURCES = ("Bench Wire", "Agenzia Prova", "Daily Sample", "Gazzetta di Test", "Ledger")
# Common words of both languages (OR): 3,850 of the 4,229 passages of one copy match.
DEFAULT_QUERY = ("also including one state used time first many year new two work stato parte "
                 "primo essere molto fine alcuni grande anni dopo")


def _rss_kb() -> dict[str, int]:
    """Resident memory now: anonymous (heap) and file-backed (mapped index files), in KiB."""
    with open("/proc/self/status") as fh:
        fields = dict(line.split(":", 1) for line in fh if line.startswith("Rss"))
    return {k: int(v.split()[0]) for k, v in fields.items()}


class RssSampler(threading.Thread):
    """Peak anonymous and file-backed RSS, sampled every 20 ms while an export runs."""

    def __init__(self):
        super().__init__(daemon=True)
        self.peak = _rss_kb()
        self.done = threading.Event()

    def run(self):
        while not self.done.wait(0.02):
            now = _rss_kb()
            self.peak = {k: max(v, now[k]) for k, v in self.peak.items()}

    def stop(self) -> dict[str, int]:
        self.done.set()
        self.join()
        return self.peak


def write_copy(workdir: Path, k: int) -> Path:
    path = workdir / "corpus" / f"copy-{k:03d}.jsonl"
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with open(tmp, "w", encoding="utf-8") as out:
        n = 0
        for name in SETS:
            with open(EVAL / name / "passages.jsonl", encoding="utf-8") as fh:
                for line in fh:
                    p = json.loads(line)
                    n += 1
                    out.write(json.dumps({
                        "id": f"c{k}-{p['id']}", "title": f"{p['title']} · copy {k}",
                        "text": f"== Copy {k} ==\n\n{p['text']}",
                        "source": SOURCES[(n + k) % len(SOURCES)], "kind": KINDS[n % 4],
                        "date": f"{2015 + (n + k) % 10}-{1 + n % 12:02d}-{1 + k % 28:02d}",
                    }, ensure_ascii=False) + "\n")
    tmp.rename(path)
    return path


def config_for(workdir: Path):
    from indexer.config import load_config
    path = workdir / "config.toml"
    path.write_text('[corpus]\npaths = ["corpus"]\n[index]\npath = "index"\n'
                    'writer_limit_mb = 128\n', encoding="utf-8")
    return load_config(path)


def prepare(workdir: Path, query: str, min_hits: int) -> dict:
    """Build (or reuse) an index in which `query` has at least `min_hits` keyword hits."""
    from indexer.index.build import build_index
    from indexer.index.embedders import load_embedder
    from indexer.index.reader import IndexHandle
    from indexer.models import Filters
    from indexer.search.searcher import Searcher

    marker = workdir / "built.json"
    if marker.exists():
        built = json.loads(marker.read_text())
        if built["query"] == query and built["hits"] >= min_hits:
            return built
    config = config_for(workdir)
    embedder = load_embedder(config.embedder)
    started = time.perf_counter()
    first = build_index(config, paths=[write_copy(workdir, 0)], embedder=embedder,
                        progress=False)
    searcher = Searcher(config, IndexHandle(config), embedder)
    index = searcher.handle.get()
    per_copy = index.keyword.matches(searcher.reader.parse(query).tree, Filters()).total
    copies = max(1, math.ceil(min_hits / per_copy))
    print(f"copy 0: {first.passages} passages, {first.embeddings_computed} embedded, "
          f"{first.seconds:.0f} s; {per_copy} hits per copy -> {copies} copies", flush=True)
    paths = [write_copy(workdir, k) for k in range(copies)]
    full = build_index(config, paths=paths, full=True, embedder=embedder, progress=True)
    index = searcher.handle.get()
    hits = index.keyword.matches(searcher.reader.parse(query).tree, Filters()).total
    built = {"query": query, "copies": copies, "documents": full.documents,
             "passages": full.passages, "hits": hits,
             "embeddings_reused": full.embeddings_reused,
             "build_seconds": round(time.perf_counter() - started, 1)}
    marker.write_text(json.dumps(built))
    return built


def measure(workdir: Path, fmt: str, query: str, mode: str, limit: int | None,
            use_tracemalloc: bool) -> dict:
    """One export, in this (fresh) process."""
    from indexer.export.plan import export_stream, plan_export
    from indexer.export.rows import RowBuilder
    from indexer.index.embedders import load_embedder
    from indexer.index.reader import IndexHandle
    from indexer.models import Filters
    from indexer.search.searcher import Searcher, SearchRequest

    config = config_for(workdir)
    searcher = Searcher(config, IndexHandle(config), load_embedder(config.embedder))
    # As in the app, where the page's search came first: the index's own per-searcher
    # structures (Whoosh's field-length arrays, ~57 MB here) are loaded before the export.
    searcher.search(SearchRequest(query, mode))
    before = _rss_kb()
    sampler = RssSampler()
    sampler.start()
    if use_tracemalloc:
        tracemalloc.start()
    started = time.perf_counter()
    plan = plan_export(searcher, query, mode, Filters(), limit=limit, max_rows=10_000_000)
    planned = time.perf_counter() - started
    size = 0
    with tempfile.TemporaryFile(dir=workdir) as out:
        for chunk in export_stream(plan, fmt, RowBuilder("http://127.0.0.1:8080/")):
            size += len(chunk)
            out.write(chunk)
    seconds = time.perf_counter() - started
    traced = tracemalloc.get_traced_memory()[1] if use_tracemalloc else None
    peak = sampler.stop()
    return {"format": fmt, "mode": mode, "rows": plan.rows, "seconds": round(seconds, 1),
            "rank_seconds": round(planned, 2), "rows_per_s": round(plan.rows / seconds),
            "mb": round(size / 1e6, 1), "rss_before_mb": round(before["RssAnon"] / 1024),
            "anon_rise_mb": round((peak["RssAnon"] - before["RssAnon"]) / 1024, 1),
            "file_rise_mb": round((peak["RssFile"] - before["RssFile"]) / 1024, 1),
            "traced_peak_mb": round(traced / 1e6, 1) if use_tracemalloc else None}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workdir", type=Path,
                        default=Path(tempfile.gettempdir()) / "newsdesk-export-bench")
    parser.add_argument("--query", default=DEFAULT_QUERY)
    parser.add_argument("--min-hits", type=int, default=50_000)
    parser.add_argument("--formats", nargs="+", default=["csv", "jsonl", "xlsx"])
    parser.add_argument("--mode", default="keyword", choices=["keyword", "hybrid", "semantic"])
    parser.add_argument("--limit", type=int, help="export only the first N hits")
    parser.add_argument("--tracemalloc", action="store_true",
                        help="also trace Python allocations (slower)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    if args.child:
        print(json.dumps(measure(args.workdir, args.child, args.query, args.mode, args.limit,
                                 args.tracemalloc)))
        return 0
    args.workdir.mkdir(parents=True, exist_ok=True)
    built = prepare(args.workdir, args.query, args.min_hits)
    print(f"index: {built['documents']:,} documents, {built['passages']:,} passages "
          f"({built['copies']} copies; built in {built['build_seconds']} s); query "
          f"{args.query!r} has {built['hits']:,} keyword hits", flush=True)
    print(f"{'format':6} {'mode':8} {'rows':>7} {'rank s':>7} {'total s':>8} {'rows/s':>7} "
          f"{'file MB':>7} {'heap RSS rise MB':>16} {'mapped RSS rise MB':>18} "
          f"{'traced peak MB':>14}")
    for fmt in args.formats:
        cmd = [sys.executable, __file__, "--child", fmt, "--workdir", str(args.workdir),
               "--query", args.query, "--mode", args.mode]
        cmd += ["--limit", str(args.limit)] if args.limit else []
        cmd += ["--tracemalloc"] if args.tracemalloc else []
        done = subprocess.run(cmd, capture_output=True, text=True, check=True)
        r = json.loads(done.stdout.strip().splitlines()[-1])
        traced = "" if r["traced_peak_mb"] is None else r["traced_peak_mb"]
        print(f"{r['format']:6} {r['mode']:8} {r['rows']:>7,} {r['rank_seconds']:>7} "
              f"{r['seconds']:>8} {r['rows_per_s']:>7,} {r['mb']:>7} {r['anon_rise_mb']:>16} "
              f"{r['file_rise_mb']:>18} {traced:>14}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark: the keyword engines side by side (tantivy, Whoosh) on a generated archive.

Grows an EN/IT news archive with ../shared/bench/make_corpus.py (real sentences, nested
sizes), runs it once through the real ingest pipeline (cleaning, language tagging,
passages; embeddings left out: they do not depend on the engine), then for each engine,
in a fresh process each:

    builds the keyword index of every passage (seconds, passages/s, peak RSS, disk)
    searches 200 real questions (100 SQuAD, 100 SQuAD-it) for the top 10 with facet
    counts and highlighted snippets, plus a broad query and a prefix query

and prints p50 / p95 / p99 per query type.

Run: python bench/keyword_engines.py [--words 15000000] [--work DIR] [--engines tantivy,whoosh]
"""
from __future__ import annotations

import argparse
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
from benchlib import ROOT, SHARED, percentile, questions  # noqa: E402

from indexer.config import load_config  # noqa: E402
from indexer.index.build import build_index  # noqa: E402
from indexer.index.keyword.engines import create_keyword_index, open_keyword_index  # noqa: E402
from indexer.index.keyword.highlight import highlight  # noqa: E402
from indexer.models import Filters, Passage  # noqa: E402
from indexer.search.query import QueryReader  # noqa: E402

LANGUAGES = ["en", "it"]
BROAD = "anno OR year"  # words in a large share of the archive (stop words are not searched)
PREFIX = "stat*"


class UnusedEmbedder:
    """Zero vectors: this benchmark measures the keyword index only."""

    name, dim = "none", 8

    def encode(self, texts):
        return np.zeros((len(texts), self.dim), dtype=np.float32)


def prepare(work: Path, words: int) -> Path:
    """The archive's store.sqlite (documents and passages, as `newsdesk index` makes them)."""
    corpus = work / f"corpus-{words}"
    if not corpus.is_dir():
        subprocess.run([sys.executable, str(SHARED / "bench" / "make_corpus.py"), str(corpus),
                        "--words", str(words)], check=True)
    config_path = work / f"config-{words}.toml"
    config_path.write_text(f'[corpus]\npaths = ["{corpus}"]\n[index]\npath = '
                           f'"{work / f"index-{words}"}"\n')
    config = load_config(config_path)
    report = build_index(config, embedder=UnusedEmbedder(), progress=False)
    if not report.up_to_date:
        print(f"prepared {report.documents} documents, {report.passages} passages "
              f"in {report.seconds:.0f} s")
    gen = config.index_path / (config.index_path / "CURRENT").read_text().strip()
    return gen / "store.sqlite"


def _passages(store: Path):
    db = sqlite3.connect(f"file:{store}?mode=ro", uri=True)
    for row in db.execute(
            'SELECT p.row, p.passage_id, p.doc_id, p.ordinal, p.section, p.start, p."end", '
            "p.language, p.text, d.title, d.kind, d.source, d.published FROM passages p "
            "JOIN documents d USING (doc_id) ORDER BY p.row"):
        yield Passage(*row[1:9], row=row[0]), row[9:]
    db.close()


def _disk(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def build(engine: str, store: Path, out: Path) -> dict:
    shutil.rmtree(out, ignore_errors=True)
    started = time.perf_counter()
    index = create_keyword_index(engine, out, LANGUAGES)
    count = 0
    with index.writer(256, 1) as writer:
        for passage, (title, kind, source, published) in _passages(store):
            writer.add(passage, title, kind, source, published)
            count += 1
    seconds = time.perf_counter() - started
    return {"passages": count, "seconds": seconds, "disk_mb": _disk(out) / 2**20,
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def search(engine: str, out: Path, questions: list[str]) -> dict:
    config = load_config(ROOT / "config.toml")
    reader = QueryReader(config.search, LANGUAGES)
    index = open_keyword_index(engine, out, LANGUAGES)
    db = sqlite3.connect(f"file:{out.parent / 'store.sqlite'}?mode=ro", uri=True)

    def one(query: str) -> float:
        started = time.perf_counter()
        found = index.search(reader.parse(query).tree, Filters(), 10, facets=True)
        rows = [h.row for h in found.hits]
        marks = ",".join("?" * len(rows))
        for text, lang in db.execute(f"SELECT text, language FROM passages WHERE row IN "
                                     f"({marks})", rows):
            highlight(text, lang, found.terms)
        return (time.perf_counter() - started) * 1000

    for q in questions[:10]:  # warm caches
        one(q)
    timings = {"questions": [one(q) for q in questions],
               "broad": [one(BROAD) for _ in range(20)],
               "prefix": [one(PREFIX) for _ in range(20)]}
    total = index.search(reader.parse(BROAD).tree, Filters(), 1).total
    return {"timings": timings, "broad_total": total,
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--words", type=int, default=15_000_000)
    parser.add_argument("--work", type=Path, help="work folder (default: a temporary one)")
    parser.add_argument("--engines", default="tantivy,whoosh")
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="newsdesk-kw-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    store = prepare(work, args.words)
    asked = questions(args.queries)
    print(f"| engine | passages | build s | passages/s | build peak RSS MB | disk MB | "
          f"questions p50/p95/p99 ms | broad p50/p95 ms | prefix p50/p95 ms | search RSS MB |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for engine in args.engines.split(","):
        out = store.parent / f"keyword-bench-{engine}"
        with ProcessPoolExecutor(1) as pool:
            built = pool.submit(build, engine, store, out).result()
        with ProcessPoolExecutor(1) as pool:
            searched = pool.submit(search, engine, out, asked).result()
        t = searched["timings"]

        def pct(values, ps=(50, 95)):
            return " / ".join(f"{percentile(values, p):.1f}" for p in ps)

        print(f"| {engine} | {built['passages']:,} | {built['seconds']:.1f} | "
              f"{built['passages'] / built['seconds']:,.0f} | {built['peak_rss_mb']:.0f} | "
              f"{built['disk_mb']:.0f} | {pct(t['questions'], (50, 95, 99))} | "
              f"{pct(t['broad'])} | {pct(t['prefix'])} | {searched['peak_rss_mb']:.0f} |",
              flush=True)
        shutil.rmtree(out, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark: indexing throughput and query latency on the shared eval passages.

Indexes the SQuAD (English + Italian) passages and NTREX articles from
../shared/eval with the project's own pipeline, then runs 300 real questions
(150 English, 150 Italian) in keyword, semantic and hybrid mode through the same
Searcher the web app uses (snippets included), and prints:

    indexing seconds per 1k passages (embedding and keyword index included)
    p50 / p95 query latency per mode

Run: python bench/bench.py [--eval-dir ../shared/eval] [--work DIR] [--queries 300]
"""
from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from benchlib import ROOT, percentile, read_jsonl  # noqa: E402

from indexer.config import load_config  # noqa: E402
from indexer.index.build import build_index  # noqa: E402
from indexer.index.embedders import load_embedder  # noqa: E402
from indexer.index.reader import IndexHandle  # noqa: E402
from indexer.models import Filters  # noqa: E402
from indexer.search.searcher import Searcher, SearchRequest  # noqa: E402


def write_corpus(eval_dir: Path, corpus: Path) -> int:
    """The eval passages as a JSONL news dump (one record per passage/article)."""
    corpus.mkdir(parents=True, exist_ok=True)
    count = 0
    for name, files in (("squad_en", ["squad_en_retrieval/passages.jsonl"]),
                        ("squad_it", ["squad_it_retrieval/passages.jsonl"]),
                        ("ntrex", ["ntrex_en_it/docs_en.jsonl", "ntrex_en_it/docs_it.jsonl"])):
        with open(corpus / f"{name}.jsonl", "w", encoding="utf-8") as out:
            for n, file in enumerate(files):
                for record in read_jsonl(eval_dir / file):
                    rid = f"{record['id']}-{n}" if name == "ntrex" else record["id"]
                    out.write(json.dumps({"id": rid, "title": record.get("title", ""),
                                          "text": record["text"], "kind": "news",
                                          "source": name}) + "\n")
                    count += 1
    return count



def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--eval-dir", type=Path, default=ROOT.parent / "shared" / "eval")
    parser.add_argument("--work", type=Path, help="work folder (default: a temporary one)")
    parser.add_argument("--queries", type=int, default=300)
    args = parser.parse_args()

    work = args.work or Path(tempfile.mkdtemp(prefix="newsdesk-bench-"))
    corpus = work / "corpus"
    records = write_corpus(args.eval_dir, corpus)
    config_path = work / "config.toml"
    config_path.write_text(f'[corpus]\npaths = ["{corpus}"]\n[index]\npath = "{work / "index"}"\n')
    config = load_config(config_path)
    embedder = load_embedder(config.embedder)
    embedder.encode(["warm-up"])

    report = build_index(config, full=True, embedder=embedder, progress=False)
    per_1k = report.seconds / report.passages * 1000
    print(f"indexed {report.documents} documents ({records} records) as {report.passages} "
          f"passages in {report.seconds:.1f} s: {per_1k:.1f} s per 1k passages")

    rng = random.Random(13)
    questions = []
    for folder in ("squad_en_retrieval", "squad_it_retrieval"):
        sample = read_jsonl(args.eval_dir / folder / "queries_sample.jsonl")
        questions += [q["query"] for q in rng.sample(sample, min(len(sample), args.queries // 2))]

    print(f"{len(questions)} queries per mode (English + Italian SQuAD questions), "
          f"10 hits with snippets each")
    for mode in ("keyword", "semantic", "hybrid"):
        searcher = Searcher(config, IndexHandle(config), embedder)  # fresh query-vector cache
        latencies = []
        for q in questions:
            started = time.perf_counter()
            searcher.search(SearchRequest(q, mode, Filters(), 1, 10))
            latencies.append((time.perf_counter() - started) * 1000)
        print(f"{mode:>8}: p50 {statistics.median(latencies):6.1f} ms   "
              f"p95 {percentile(latencies, 95):6.1f} ms   max {max(latencies):6.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Vector search, exact scan against the HNSW graph (indexer/index/ann.py): build time, file
size, p50/p95 query ms at top-k, recall@k against the exact scan, with and without a
language filter.

Real embeddings: an index of the bench corpus (`../shared/bench/make_corpus.py --words
N`) built with the project's own pipeline under --work (reused when it is there; 4.5M
words are about 31k passages, some 13 minutes on this machine), queried with 100 English
and 100 Italian SQuAD questions. Synthetic (--synthetic N): N clustered 512-d unit
vectors, for speed at sizes too costly to embed; their recall says little about real
embeddings. --sizes: the exact scan's latency over the first n rows, for choosing
`[index] ann_min_rows`.

    python3 bench/vector_index.py                               # real, 4.5M words
    python3 bench/vector_index.py --synthetic 200000 --sizes 10000,25000,50000,100000,200000
"""
from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from benchlib import ROOT, built_index, percentile, read_jsonl

from indexer.index import ann
from indexer.index.ann import AnnIndex
from indexer.index.embedders import load_embedder
from indexer.index.reader import Index
from indexer.index.row_facts import RowFacts
from indexer.index import vectors as vectors_module
from indexer.index.vectors import VectorIndex, open_vectors
from indexer.models import Filters


def real_index(work: Path, words: int) -> tuple[Path, object]:
    """The generation of the bench corpus's index under `work` (built if missing), and config."""
    corpus = work / "corpus"
    if not corpus.exists():
        subprocess.run([sys.executable, str(ROOT.parent / "shared" / "bench" / "make_corpus.py"),
                        "--words", str(words), str(corpus)], check=True)
    return built_index(work, "corpus")


def time_build(vectors_path: Path, dim: int, rows: int, extend: int, work: Path) -> dict:
    """Seconds and bytes of a graph over `rows` rows (left in work/full/), and seconds to
    extend one over rows - extend rows by the last `extend` (what `newsdesk add` does)."""
    out = {}
    for name, count, start in (("full", rows, 0), ("base", rows - extend, 0),
                               ("extend", rows, rows - extend)):
        folder = work / ("full" if name == "full" else "incremental")
        folder.mkdir(parents=True, exist_ok=True)
        link = folder / "vectors.f32"
        if not link.is_symlink():
            link.symlink_to(vectors_path.resolve())
        started = time.perf_counter()
        ann.build(link, dim, count, start=start)
        out[name] = time.perf_counter() - started
        out[name + "_bytes"] = ann.ann_path(link).stat().st_size
    shutil.rmtree(work / "incremental")
    return out


def measure(exact: VectorIndex, approx: VectorIndex, queries: np.ndarray, k: int,
            filters: Filters) -> dict:
    lat_e, lat_a, recalls = [], [], []
    for q in queries:
        started = time.perf_counter()
        want = exact.search(q, k, filters)
        lat_e.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        got = approx.search(q, k, filters)
        lat_a.append((time.perf_counter() - started) * 1000)
        if want:
            recalls.append(len({r for r, _ in got} & {r for r, _ in want}) / len(want))
    return {"exact": (statistics.median(lat_e), percentile(lat_e, 95)),
            "ann": (statistics.median(lat_a), percentile(lat_a, 95)),
            "recall": statistics.mean(recalls), "worst": min(recalls)}


def report(name: str, exact: VectorIndex, approx: VectorIndex, queries: np.ndarray,
           ks: list[int], filters: dict[str, Filters]):
    for k in ks:
        for label, f in filters.items():
            m = measure(exact, approx, queries, k, f)
            print(f"{name:>10} top-{k:<4} {label:>9}: exact p50 {m['exact'][0]:6.2f} p95 "
                  f"{m['exact'][1]:6.2f} ms | ann p50 {m['ann'][0]:5.2f} p95 {m['ann'][1]:5.2f} ms"
                  f" | recall@{k} {m['recall']:.4f} (worst query {m['worst']:.2f})")


def exact_sizes(vectors: np.ndarray, queries: np.ndarray, sizes: list[int], k: int):
    """The exact scan's latency over the first n rows (no filter)."""
    facets_of = lambda n: {"doc_id": np.full(n, "", object),
                           "language": np.full(n, "en", object), "kind": np.full(n, "", object),
                           "source": np.full(n, "", object), "date_start": np.zeros(n, np.int64),
                           "date_end": np.zeros(n, np.int64), "alive": np.ones(n, bool)}
    for n in sizes:
        if n > len(vectors):
            continue
        index = VectorIndex(vectors[:n], RowFacts(facets_of(n)))
        lat = []
        for q in queries:
            started = time.perf_counter()
            index.search(q, k, Filters())
            lat.append((time.perf_counter() - started) * 1000)
        print(f"exact scan {n:>8} rows, top-{k}: p50 {statistics.median(lat):6.2f} ms   "
              f"p95 {percentile(lat, 95):6.2f} ms")


def synthetic(n: int, dim: int, seed: int, centers: int = 2000, noise: float = 0.3) -> np.ndarray:
    """n unit vectors around `centers` fixed random centres (the same for every seed)."""
    c = np.random.default_rng(0).standard_normal((centers, dim)).astype(np.float32)
    rng = np.random.default_rng(seed)
    out = np.empty((n, dim), dtype=np.float32)
    for start in range(0, n, 65536):
        m = min(65536, n - start)
        x = (c[rng.integers(0, centers, m)]
             + rng.standard_normal((m, dim)).astype(np.float32) * noise)
        out[start:start + m] = x / np.linalg.norm(x, axis=1, keepdims=True)
    return out


def with_ann(vectors_path: Path, vectors: np.ndarray, facts: RowFacts, ef: int) -> VectorIndex:
    return VectorIndex(vectors, facts, ann=AnnIndex.open(vectors_path, vectors.shape[1],
                                                          len(vectors)),
                       ann_min_rows=0, ann_ef=ef)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--eval-dir", type=Path, default=ROOT.parent / "shared" / "eval")
    parser.add_argument("--work", type=Path, default=ROOT / "data" / "bench-vectors")
    parser.add_argument("--words", type=int, default=4_500_000)
    parser.add_argument("--synthetic", type=int, default=0, help="rows of synthetic vectors")
    parser.add_argument("--sizes", default="", help="exact-scan sizes, e.g. 10000,50000")
    parser.add_argument("--k", default="100", help="hits asked for, e.g. 100,1000")
    parser.add_argument("--ef", default="128", help="efSearch values, e.g. 64,128,256")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--graph-always", action="store_true",
                        help="filtered searches ask the graph even where vectors.py would scan "
                             "the passing rows (EXACT_PER_CANDIDATE = 0), to measure its recall")
    parser.add_argument("--extend", type=int, default=1000,
                        help="rows appended to time extending a graph")
    args = parser.parse_args()
    ks = [int(x) for x in args.k.split(",")]
    efs = [int(x) for x in args.ef.split(",")]
    sizes = [int(x) for x in args.sizes.split(",") if x]
    if args.graph_always:
        vectors_module.EXACT_PER_CANDIDATE = 0
    print(f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '')!r}, "
          f"{os.cpu_count()} cores")

    if args.synthetic:
        work = args.work / f"synthetic-{args.synthetic}"
        work.mkdir(parents=True, exist_ok=True)
        path = work / "vectors.f32"
        if not path.exists() or path.stat().st_size != args.synthetic * 512 * 4:
            synthetic(args.synthetic, 512, seed=1).tofile(path)
        vectors = open_vectors(path, 512, args.synthetic)
        queries = synthetic(args.queries, 512, seed=2)  # other points near the same centres
        rng = np.random.default_rng(2)
        n = args.synthetic
        facts = RowFacts({"doc_id": np.full(n, "", object),
                          "language": rng.choice(["en", "it"], n, p=[0.7, 0.3]).astype(object),
                          "kind": np.full(n, "news", object), "source": np.full(n, "", object),
                          "date_start": np.zeros(n, np.int64), "date_end": np.zeros(n, np.int64),
                          "alive": np.ones(n, bool)})
        name = f"synth {n // 1000}k"
    else:
        gen, config = real_index(args.work, args.words)
        index = Index.open(gen, config)
        path, vectors = gen / "vectors.f32", index.vectors.vectors
        rows = len(vectors)
        facts = index.facts
        languages = facts.categories["language"]
        langs = {l: int(languages.mask([l]).sum()) for l in ("en", "it")}
        print(f"real embeddings: {rows} passages of the bench corpus ({langs})")
        embedder = load_embedder(config.embedder)
        rng = random.Random(13)
        texts = []
        for folder in ("squad_en_retrieval", "squad_it_retrieval"):
            sample = read_jsonl(args.eval_dir / folder / "queries_sample.jsonl")
            texts += [q["query"] for q in rng.sample(sample, min(len(sample), args.queries // 2))]
        queries = embedder.encode(texts)
        name = f"real {rows // 1000}k"
        n = rows

    builds = time_build(path, vectors.shape[1], n, args.extend, args.work / f"ann-{n}")
    print(f"{name}: HNSW build {builds['full']:.1f} s ({n / builds['full']:.0f} rows/s), "
          f"{builds['full_bytes'] / 2**20:.1f} MiB (vectors.f32 {path.stat().st_size / 2**20:.1f}"
          f" MiB); extending a graph of {n - args.extend} rows by {args.extend}: "
          f"{builds['extend']:.2f} s")
    path = args.work / f"ann-{n}" / "full" / "vectors.f32"
    exact = VectorIndex(vectors, facts)
    filters = {"no filter": Filters(), "lang=it": Filters(languages=["it"]),
               "lang=en": Filters(languages=["en"])}
    for ef in efs:
        report(f"{name} ef={ef}", exact, with_ann(path, vectors, facts, ef), queries, ks, filters)
    if sizes:
        exact_sizes(vectors, queries, sizes, ks[0])
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())

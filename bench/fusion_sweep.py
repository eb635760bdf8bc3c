"""Sweep fusion settings over the evaluation sets without re-running the retrievers.

Each query is ranked once by `Searcher.rank` in keyword mode and once in semantic
mode (deep lists, no score floor); every fusion variant then re-fuses those two
lists with `indexer.search.fusion.fuse`, the function `Searcher.rank` itself calls, after
cutting each list to the variant's candidate depth and score floor. Prints
Recall@10 and MRR@10 per set and variant, best variants first.

    PYTHONPATH=. python bench/fusion_sweep.py --sample 500
    PYTHONPATH=. python bench/fusion_sweep.py --sets squad_en,xling_it2en --sample 300 \
        --variant rrf:60 --variant weighted:0.3

Tune on a sample, then confirm the chosen setting on the full sets with `newsdesk eval`.
"""
from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from pathlib import Path

from indexer.config import load_config, with_overrides
from indexer.evaluation.cache import CachingEmbedder, default_cache_dir, vector_store
from indexer.evaluation.command import DEFAULT_DATA, parse_overrides
from indexer.evaluation.datasets import sample, select
from indexer.evaluation.metrics import first_occurrences, mean, recall_at, reciprocal_rank
from indexer.evaluation.runner import prepare_corpus
from indexer.index.embedders import load_embedder
from indexer.index.reader import IndexHandle
from indexer.models import Filters
from indexer.search.fusion import fuse
from indexer.search.searcher import UNDETERMINED, Searcher

DEPTH = 200
DEFAULT_VARIANTS = (
    ["rrf:%d" % k for k in (5, 10, 20, 30, 60, 100)]
    + ["weighted:%.2f" % w for w in (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7)]
)


@dataclasses.dataclass
class Collected:
    relevant: frozenset
    language: str  # detected language of the query, as hybrid search detects it
    keyword: list  # (row, score, passage language)
    semantic: list


def collect(eval_set, data, config, embedder, cache_dir, n, log) -> tuple[list[Collected], dict]:
    prepared = prepare_corpus(eval_set.corpus, data, config, embedder, cache_dir, log)
    cfg = dataclasses.replace(prepared.config, search=dataclasses.replace(
        prepared.config.search, semantic_min_score=-1.0))
    store = vector_store(cache_dir, embedder.name, f"queries-{eval_set.name}")
    caching = CachingEmbedder(embedder, store)
    searcher = Searcher(cfg, IndexHandle(cfg), caching)
    queries = sample(eval_set.load_queries(data), n)
    caching.encode(sorted({searcher.reader.parse(q.text).semantic_text for q in queries} - {""}))
    store.save()
    index = prepared.index
    facts = index.facts
    doc_of = {row: facts.doc_id(row) for row in range(len(facts)) if facts.alive[row]}
    out = []
    for q in queries:
        lists = {}
        for mode in ("keyword", "semantic"):
            ranking = searcher.rank(index, q.text, mode, Filters(), DEPTH)
            lists[mode] = [(f.row, f.scores[mode], facts.language(f.row))
                           for f in ranking.fused]
        language = searcher.detector.detect(searcher.reader.parse(q.text).semantic_text,
                                            fallback=UNDETERMINED)
        out.append(Collected(q.relevant, language, lists["keyword"], lists["semantic"]))
    return out, doc_of


def score(collected: list[Collected], doc_of: dict, variant: str, candidates: int,
          min_score: float, other_language: float) -> tuple[float, float]:
    method, _, param = variant.partition(":")
    recalls, rrs = [], []
    for c in collected:
        sem = [(pid, s) for pid, s, _ in c.semantic if s >= min_score][:candidates]
        kw = [(pid, s, lang) for pid, s, lang in c.keyword][:candidates]
        lists = {}
        if method in ("rrf", "weighted"):
            lists = {"keyword": [(p, s) for p, s, _ in kw], "semantic": sem}
            factors = None
            if other_language != 1.0 and c.language != UNDETERMINED:
                factors = {"keyword": {p: other_language for p, _, lang in kw
                                       if lang != c.language}}
            fused = fuse(lists, method, int(param) if method == "rrf" else 60,
                         float(param) if method == "weighted" else 0.5, factors)
            ranked = [f.row for f in fused]
        elif method == "keyword":
            ranked = [p for p, _, _ in kw]
        else:
            ranked = [p for p, _ in sem]
        docs = first_occurrences(doc_of[p] for p in ranked)
        recalls.append(recall_at(docs, c.relevant, 10))
        rrs.append(reciprocal_rank(docs, c.relevant, 10))
    return mean(recalls), mean(rrs)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--sets", default="")
    ap.add_argument("--sample", type=int, default=500)
    ap.add_argument("--variant", action="append", default=[])
    ap.add_argument("--candidates", default="100", help="comma-separated depths")
    ap.add_argument("--min-score", default="0.2", help="comma-separated semantic floors")
    ap.add_argument("--other-language", default="1.0",
                    help="comma-separated factors for keyword hits in another language")
    ap.add_argument("--set", dest="overrides", action="append", default=[])
    ap.add_argument("--config")
    args = ap.parse_args(argv)
    config = with_overrides(load_config(args.config), parse_overrides(args.overrides))
    embedder = load_embedder(config.embedder)
    cache_dir = default_cache_dir()
    variants = ["keyword", "semantic"] + (args.variant or list(DEFAULT_VARIANTS))
    depths = [int(x) for x in args.candidates.split(",")]
    floors = [float(x) for x in args.min_score.split(",")]
    factors = [float(x) for x in args.other_language.split(",")]

    def log(line):
        print(line, file=sys.stderr, flush=True)

    table: dict[tuple, dict[str, tuple[float, float]]] = {}
    names = []
    for eval_set in select([s for s in args.sets.split(",") if s] or None):
        started = time.perf_counter()
        collected, doc_of = collect(eval_set, args.data, config, embedder, cache_dir,
                                    args.sample, log)
        log(f"{eval_set.name}: {len(collected)} queries collected in "
            f"{time.perf_counter() - started:.0f} s")
        names.append(eval_set.name)
        for variant in variants:
            for depth in depths:
                for floor in floors:
                    for factor in factors if variant[:3] in ("rrf", "wei") else [1.0]:
                        key = (variant, depth, floor, factor)
                        table.setdefault(key, {})[eval_set.name] = score(
                            collected, doc_of, variant, depth, floor, factor)
    print("| variant | candidates | min score | other-lang | "
          + " | ".join(names) + " | mean R@10 |")
    print("|---|---:|---:|---:|" + "---:|" * (len(names) + 1))
    rows = sorted(table.items(), key=lambda kv: -mean([r for r, _ in kv[1].values()]))
    for (variant, depth, floor, factor), res in rows:
        cells = " | ".join(f"{res[n][0]:.3f} / {res[n][1]:.3f}" for n in names)
        print(f"| {variant} | {depth} | {floor} | {factor} | {cells} | "
              f"{mean([r for r, _ in res.values()]):.3f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())

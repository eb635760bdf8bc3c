"""Running evaluation sets through the project's own indexing and search code.

Each corpus is written as a JSONL dump and indexed by `build_index` with the
effective configuration (so cleaning, language tagging, passages, analyzers and
the embedder are production's), and every query is ranked by `Searcher.rank`,
exactly as the web app ranks it before paging. A hit is a passage; it counts
for the evaluation id of its document, once, at its best rank.
"""
from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..config import Config
from ..index import generations
from ..index.build import build_index
from ..index.reader import Index, IndexHandle
from ..models import Filters
from ..search.searcher import Searcher
from ..translate.interface import Translator
from .cache import CachingEmbedder, has_index, index_dir, index_fingerprint, vector_store
from .datasets import Corpus, EvalSet, Query, sample
from .metrics import first_occurrences, mean, ndcg_at, recall_at, reciprocal_rank, top1

MODES = ("keyword", "semantic", "hybrid")
CUTOFF = 10


@dataclass
class ModeResult:
    mode: str
    queries: int
    recall: float  # Recall@10
    mrr: float  # MRR@10
    ndcg: float  # nDCG@10
    top1: float  # accuracy of the first result
    recall_depth: float  # recall over all fused candidates
    seconds: float

    @property
    def ms_per_query(self) -> float:
        return 1000 * self.seconds / self.queries if self.queries else 0.0


@dataclass
class SetResult:
    name: str
    description: str
    corpus: str
    cross_language: bool
    queries: int
    corpus_records: int
    unindexed: int  # corpus records the pipeline skipped (their queries can only miss)
    passages: int
    index_cached: bool
    index_seconds: float
    embed_seconds: float  # embedding the queries that were not cached yet
    modes: dict[str, ModeResult] = field(default_factory=dict)


@dataclass
class PreparedCorpus:
    index: Index
    config: Config
    records: int
    unindexed: int
    cached: bool
    seconds: float


def _corpus_config(config: Config, root: Path) -> Config:
    return dataclasses.replace(
        config,
        corpus=dataclasses.replace(config.corpus, paths=[str(root / "corpus")]),
        index=dataclasses.replace(config.index, path=str(root / "index")))


def prepare_corpus(corpus: Corpus, data: Path, config: Config, embedder, cache_dir: Path,
                   log: Callable[[str], None]) -> PreparedCorpus:
    """The corpus indexed with `config` (built now, or taken from the cache)."""
    started = time.perf_counter()
    records = corpus.load(data)
    fingerprint = index_fingerprint(config, embedder.name, corpus.key,
                                    [data / f for f in corpus.files])
    root = index_dir(cache_dir, corpus.key, fingerprint)
    cfg = _corpus_config(config, root)
    cached = has_index(root)
    if not cached:
        log(f"indexing {corpus.key}: {len(records)} records -> {root}")
        (root / "corpus").mkdir(parents=True, exist_ok=True)
        with open(root / "corpus" / "passages.jsonl", "w", encoding="utf-8") as fh:
            for r in records:
                row = {"id": r.id, "text": r.text} | ({"title": r.title} if r.title else {})
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
        store = vector_store(cache_dir, embedder.name, f"corpus-{corpus.key}")
        report = build_index(cfg, embedder=CachingEmbedder(embedder, store), full=True,
                             progress=False)
        store.save()
        log(f"  {report.passages} passages ({dict(report.passage_languages)}), "
            f"{report.embeddings_computed} embedded, {len(report.skipped)} skipped, "
            f"{report.seconds:.1f} s")
    index = Index.open(generations.current_dir(cfg.index_path), cfg)
    indexed = set(index.store.passage_doc_ids().values())
    unindexed = sum(1 for r in records if r.id not in indexed)
    return PreparedCorpus(index, cfg, len(records), unindexed, cached,
                          time.perf_counter() - started)


def _embed_queries(searcher: Searcher, queries: list[Query]) -> None:
    """Embeds, in batches, every query text not cached yet (rank() then finds them)."""
    texts = {searcher.reader.parse(q.text).semantic_text for q in queries}
    texts.discard("")
    searcher.embedder.encode(sorted(texts))


def run_mode(searcher: Searcher, index: Index, queries: list[Query], mode: str,
             doc_of: Callable[[int], str], depth: int) -> ModeResult:
    started = time.perf_counter()
    recalls, rrs, ndcgs, firsts, deep = [], [], [], [], []
    for q in queries:
        ranking = searcher.rank(index, q.text, mode, Filters(), depth)
        ranked = first_occurrences(doc_of(f.row) for f in ranking.fused)
        recalls.append(recall_at(ranked, q.relevant, CUTOFF))
        rrs.append(reciprocal_rank(ranked, q.relevant, CUTOFF))
        ndcgs.append(ndcg_at(ranked, q.relevant, CUTOFF))
        firsts.append(top1(ranked, q.relevant))
        deep.append(recall_at(ranked, q.relevant, len(ranked)))
    return ModeResult(mode, len(queries), mean(recalls), mean(rrs), mean(ndcgs), mean(firsts),
                      mean(deep), time.perf_counter() - started)


def run_set(eval_set: EvalSet, prepared: PreparedCorpus, data: Path, embedder, cache_dir: Path,
            modes: list[str], sample_size: int | None, log: Callable[[str], None],
            translator: Translator | None = None) -> SetResult:
    queries = sample(eval_set.load_queries(data), sample_size)
    store = vector_store(cache_dir, embedder.name, f"queries-{eval_set.name}")
    caching = CachingEmbedder(embedder, store)
    searcher = Searcher(prepared.config, IndexHandle(prepared.config), caching, translator)
    index = prepared.index
    started = time.perf_counter()
    if {"semantic", "hybrid"} & set(modes):
        _embed_queries(searcher, queries)
        store.save()
    result = SetResult(
        eval_set.name, eval_set.description, eval_set.corpus.key, eval_set.cross_language,
        len(queries), prepared.records, prepared.unindexed,
        len(index.vectors), prepared.cached, prepared.seconds,
        time.perf_counter() - started)
    if caching.computed:
        log(f"  embedded {caching.computed} new queries in {result.embed_seconds:.1f} s")
    for mode in modes:
        res = run_mode(searcher, index, queries, mode, index.facts.doc_id,
                       prepared.config.search.candidates)
        result.modes[mode] = res
        log(f"  {eval_set.name:14s} {mode:8s} R@10 {res.recall:.3f}  MRR@10 {res.mrr:.3f}  "
            f"nDCG@10 {res.ndcg:.3f}  top-1 {res.top1:.3f}  ({res.queries} q, "
            f"{res.seconds:.1f} s)")
    return result


def run_sets(sets: list[EvalSet], data: Path, config: Config, embedder, cache_dir: Path,
             modes: list[str], sample_size: int | None, log: Callable[[str], None],
             translator: Translator | None = None) -> list[SetResult]:
    """`translator` enables cross-language keywords ([translation] query_translation)."""
    prepared: dict[str, PreparedCorpus] = {}
    results = []
    for eval_set in sets:
        key = eval_set.corpus.key
        if key not in prepared:
            prepared[key] = prepare_corpus(eval_set.corpus, data, config, embedder, cache_dir, log)
        results.append(run_set(eval_set, prepared[key], data, embedder, cache_dir, modes,
                               sample_size, log, translator))
    for p in prepared.values():
        p.index.keyword.close()
        p.index.store.close()
    return results

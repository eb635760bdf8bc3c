"""Cross-language keywords on SQuAD: Recall@10 and MRR@10 with and without query translation.

Italian questions are searched over the English SQuAD paragraphs and English
questions over the Italian ones (../shared/eval/squad_xling), plus each
language's own questions over its own paragraphs as a control, in keyword and
hybrid mode, with `xlang` off and on, through `Searcher.rank` as the web app
ranks. Also prints how often the query's language was read correctly and what
translating a query costs.

Run: python bench/xling_query_translation.py [--sample 300] [--work DIR]
     [--index-en DIR --index-it DIR]   (folders of already built indexes to reuse)
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from benchlib import ROOT, read_jsonl  # noqa: E402

from indexer import generations  # noqa: E402
from indexer.config import load_config  # noqa: E402
from indexer.index.build import build_index  # noqa: E402
from indexer.index.embedders import load_embedder  # noqa: E402
from indexer.index.reader import Index, IndexHandle  # noqa: E402
from indexer.models import Filters  # noqa: E402
from indexer.search.searcher import Searcher  # noqa: E402
from indexer.translate.backends import load_translator  # noqa: E402

K = 10
SETS = [  # name, queries file, corpus, query language
    ("it->en", "squad_xling/queries_it2en.jsonl", "en", "it"),
    ("en->it", "squad_xling/queries_en2it.jsonl", "it", "en"),
    ("it->it", "squad_it_retrieval/queries_sample.jsonl", "it", "it"),
    ("en->en", "squad_en_retrieval/queries_sample.jsonl", "en", "en"),
]
CORPORA = {"en": "squad_en_retrieval/passages.jsonl", "it": "squad_it_retrieval/passages.jsonl"}



def sample(rows: list, n: int) -> list:
    if len(rows) <= n:
        return rows
    return [rows[i] for i in sorted(random.Random(13).sample(range(len(rows)), n))]


def index_config(work: Path, lang: str, eval_dir: Path, reuse: Path | None, boost: float):
    """A config whose index holds one SQuAD corpus (reused if given, else built)."""
    folder = work / lang
    folder.mkdir(parents=True, exist_ok=True)
    index_path = reuse or folder / "index"
    (folder / "config.toml").write_text(
        f'[corpus]\npaths = ["{eval_dir / CORPORA[lang]}"]\n[index]\npath = "{index_path}"\n'
        f'[translation]\ncache_path = "{work / "translations.sqlite"}"\nquery_boost = {boost}\n')
    return load_config(folder / "config.toml")


def metrics(ranked: list[str], relevant: set[str]) -> tuple[float, float]:
    seen: list[str] = []
    for doc in ranked:
        if doc not in seen:
            seen.append(doc)
        if len(seen) == K:
            break
    recall = len(relevant & set(seen)) / len(relevant)
    rr = next((1 / (i + 1) for i, d in enumerate(seen) if d in relevant), 0.0)
    return recall, rr


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--eval-dir", type=Path, default=ROOT.parent / "shared" / "eval")
    parser.add_argument("--work", type=Path)
    parser.add_argument("--sample", type=int, default=300)
    parser.add_argument("--index-en", type=Path)
    parser.add_argument("--index-it", type=Path)
    parser.add_argument("--modes", default="keyword,hybrid")
    parser.add_argument("--query-boost", type=float, default=0.5,
                        help="[translation] query_boost: weight of the translated words")
    parser.add_argument("--sets", default=",".join(s[0] for s in SETS))
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="newsdesk-xling-"))
    embedder = load_embedder(load_config().embedder)
    configs = {"en": index_config(work, "en", args.eval_dir, args.index_en, args.query_boost),
               "it": index_config(work, "it", args.eval_dir, args.index_it, args.query_boost)}
    for lang, cfg in configs.items():
        if not generations.current_name(cfg.index_path):
            report = build_index(cfg, embedder=embedder, progress=False)
            print(f"indexed squad_{lang}: {report.passages} passages in {report.seconds:.0f} s")
    translator = load_translator(configs["en"])
    if not translator.available:
        print(f"translation unavailable: {translator.unavailable_reason}")
        return 1

    print(f"{'set':<8}{'mode':<9}{'xlang':<7}{'R@10':>7}{'MRR@10':>8}   queries")
    for name, file, corpus, qlang in (s for s in SETS if s[0] in args.sets.split(",")):
        cfg = configs[corpus]
        index = Index.open(generations.current_dir(cfg.index_path), cfg)
        searcher = Searcher(cfg, IndexHandle(cfg), embedder, translator)
        queries = sample(read_jsonl(args.eval_dir / file), args.sample)
        guessed, seconds = [], []
        for q in queries:
            started = time.perf_counter()
            guess = searcher.query_translator.translate(searcher.reader.parse(q["query"]))
            seconds.append(time.perf_counter() - started)
            guessed.append(guess.source == qlang)
        for mode in args.modes.split(","):
            for xlang in (False, True):
                scores = []
                for q in queries:
                    ranking = searcher.rank(index, q["query"], mode, Filters(),
                                            cfg.search.candidates, xlang=xlang)
                    top = [f.row for f in ranking.fused[:5 * K]]
                    scores.append(metrics([index.facts.doc_id(r) for r in top],
                                          set(q["relevant"])))
                print(f"{name:<8}{mode:<9}{'on' if xlang else 'off':<7}"
                      f"{statistics.mean(s[0] for s in scores):>7.3f}"
                      f"{statistics.mean(s[1] for s in scores):>8.3f}   {len(queries)}")
        print(f"{name:<8}query language read correctly: {statistics.mean(guessed):.1%}; "
              f"translating a query (first time, both directions): "
              f"median {statistics.median(seconds) * 1000:.0f} ms")
        index.keyword.close()
    translator.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

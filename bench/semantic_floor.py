"""How a semantic score floor trades real matches against nonsense answers.

For each evaluation set (the `newsdesk eval` indexes and caches, production's code):
the cosine of every sample query to its relevant passage when that passage is in the
semantic top 10, and, for seeded made-up queries (which no passage answers), their
best cosine in each corpus and in the seed corpus (build it first: `newsdesk index`).
Then, for fixed floors and for the product's floor (`indexer/search/vector_floor.py`:
the query's best cosine to meaningless passages, plus a margin) and, for comparison,
the same measured on each hit's passage instead of the query, the share of real top-10
matches kept (semantic Recall@10 under that floor) and of made-up queries answered.

    python3 bench/semantic_floor.py [--sample 300] [--nonsense 200]
"""
from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from indexer.config import load_config  # noqa: E402
from indexer.evaluation.cache import CachingEmbedder, default_cache_dir, vector_store  # noqa: E402
from indexer.evaluation.datasets import sample, select  # noqa: E402
from indexer.evaluation.runner import prepare_corpus  # noqa: E402
from indexer.index import generations  # noqa: E402
from indexer.index.embedders import load_embedder  # noqa: E402
from indexer.index.reader import Index  # noqa: E402
from indexer.search.vector_floor import made_up_words, null_passages  # noqa: E402

FIXED = (0.0, 0.1, 0.15, 0.2, 0.25)
MARGINS = (0.0, 0.05, 0.1, 0.15)


def nonsense_queries(n: int) -> list[str]:
    """Seeded queries of 1-3 made-up words (another seed than the floor's own passages),
    and a few typed ones."""
    rng = random.Random(7)
    out = ["zzzqqq", "asdf qwer", "xq7 vv", "lorem ipsum", "aaaa", "qwerty"]
    while len(out) < n:
        out.append(" ".join(made_up_words(rng.randint(1, 3), rng)))
    return out


def measures(vectors: np.ndarray, query: np.ndarray, null: np.ndarray,
             rows: np.ndarray | None = None):
    """Per row: the cosine, its excess over the query's best cosine to the meaningless
    passages `null`, and its excess over the row's own best cosine to them."""
    block = vectors if rows is None else vectors[rows]
    scores = block @ query
    return scores, scores - float((null @ query).max()), scores - (block @ null.T).max(axis=1)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sample", type=int, default=300)
    ap.add_argument("--nonsense", type=int, default=200)
    ap.add_argument("--sets", help="comma-separated evaluation sets (default: all)")
    args = ap.parse_args()
    config = load_config(ROOT / "config.toml")
    data, cache_dir = Path(config.source).parent.parent / "shared" / "eval", default_cache_dir()
    embedder = load_embedder(config.embedder)
    nonsense = nonsense_queries(args.nonsense)
    nonsense_store = vector_store(cache_dir, embedder.name, "queries-nonsense")
    nonsense_vectors = CachingEmbedder(embedder, nonsense_store).encode(nonsense)
    nonsense_store.save()
    null = embedder.encode(null_passages())
    real: dict[str, list[tuple[float, float, float]]] = {}  # set -> (gold score, mean, std)
    noise: dict[str, list[tuple[float, float, float]]] = {}  # corpus -> (best, mean, std)
    for eval_set in select(args.sets.split(",") if args.sets else None):
        prepared = prepare_corpus(eval_set.corpus, data, config, embedder, cache_dir, print)
        index = prepared.index
        vectors = np.asarray(index.vectors.vectors)
        row_doc = _row_docs(index)
        queries = sample(eval_set.load_queries(data), args.sample)
        store = vector_store(cache_dir, embedder.name, f"queries-{eval_set.name}")
        qvecs = CachingEmbedder(embedder, store).encode([q.text for q in queries])
        store.save()
        found = []
        for q, qv in zip(queries, qvecs):
            scores = vectors @ qv
            top = np.argsort(-scores)
            docs, gold = [], None
            for r in top:
                doc = row_doc.get(int(r))
                if doc is None or doc in docs:
                    continue
                docs.append(doc)
                if doc in q.relevant:
                    gold = tuple(float(m[0]) for m in measures(vectors, qv, null, np.array([r])))
                    break
                if len(docs) == 10:
                    break
            if gold is not None:
                found.append(gold)
        real[eval_set.name] = found + [None] * (len(queries) - len(found))
        if eval_set.corpus.key not in noise:
            noise[eval_set.corpus.key] = [tuple(float(m.max()) for m in measures(vectors, v, null))
                                          for v in nonsense_vectors]
    seed = Index.open(generations.current_dir(config.index_path), config)
    seed_vectors = np.asarray(seed.vectors.vectors)
    noise["seed corpus"] = [tuple(float(m.max()) for m in measures(seed_vectors, v, null))
                            for v in nonsense_vectors]
    report(real, noise)


def _row_docs(index: Index) -> dict[int, str]:
    passages = index.store.passages_by_row(list(range(len(index.vectors))))
    return {row: p.doc_id for row, p in passages.items()}


def report(real, noise) -> None:
    rules = [(f"fixed {t:.2f}", lambda s, q, p, t=t: s >= t) for t in FIXED]
    rules += [(f"query's null + {m:.2f}", lambda s, q, p, m=m: q >= m) for m in MARGINS]
    rules += [(f"passage's null + {m:.2f}", lambda s, q, p, m=m: p >= m) for m in MARGINS]
    names = list(real) + [f"nonsense: {k}" for k in noise]
    print("\nsemantic Recall@10 kept under each floor (real sets), and share of nonsense "
          "queries still answered")
    print(f"| floor | {' | '.join(names)} |")
    print("|---" * (len(names) + 1) + "|")
    for label, keep in rules:
        cells = [f"{sum(1 for x in rows if x and keep(*x)) / len(rows):.3f}"
                 for rows in real.values()]
        cells += [f"{sum(1 for x in rows if keep(*x)) / len(rows):.3f}" for rows in noise.values()]
        print(f"| {label} | {' | '.join(cells)} |")


if __name__ == "__main__":
    main()

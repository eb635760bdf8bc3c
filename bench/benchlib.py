"""What the benchmark scripts share: the project on sys.path, JSONL reading, percentiles,
the benchmark questions."""
from __future__ import annotations

import json
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def read_jsonl(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def percentile(values: list[float], p: float) -> float:
    """The nearest-rank p-th percentile (NaN for no values)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def questions(count: int) -> list[str]:
    """`count` seeded real questions, half SQuAD English, half SQuAD-it."""
    rng = random.Random(13)
    out = []
    for folder in ("squad_en_retrieval", "squad_it_retrieval"):
        sample = read_jsonl(SHARED / "eval" / folder / "queries_sample.jsonl")
        out += [q["query"] for q in rng.sample(sample, min(len(sample), count // 2))]
    return out

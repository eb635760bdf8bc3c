"""What the benchmark scripts share: the project on sys.path, JSONL reading, percentiles,
the benchmark questions."""
from __future__ import annotations

import json
import random
import sys
import time
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


def built_index(work: Path, corpus: str, settings: str = "") -> tuple[Path, object]:
    """The live generation of the index of `work/corpus` in `work/index` (built, with
    progress shown, if missing; `settings`: more config.toml lines), and its config."""
    from indexer.config import load_config
    from indexer.index import generations
    from indexer.index.build import build_index
    config_path = work / "config.toml"
    if not config_path.exists():
        config_path.write_text(f'[corpus]\npaths = ["{corpus}"]\n[index]\npath = "index"\n'
                               + settings)
    config = load_config(config_path)
    if generations.current_name(config.index_path) is None:
        started = time.perf_counter()
        report = build_index(config, progress=True)
        print(f"built the index: {report.documents} documents, {report.passages} passages "
              f"in {time.perf_counter() - started:.0f} s")
    return generations.current_dir(config.index_path), config

"""What names, figures and stories add to indexing: one archive built by a baseline
revision (default: the last commit before them) and by this checkout, back to back.

    python3 bench/index_cost.py [--words 1500000] [--baseline 7159b20] [--repeats 1]
                                [--work /tmp/index-cost]

Makes the archive with ../shared/bench/make_corpus.py and a git worktree of the
baseline, then times, each in a fresh child process running that revision's own
`build_index(full=True)`:

  baseline build     from scratch into a new folder, embedding every passage
  baseline rebuild   again over its own generation: every embedding reused, so it times
                     the rest (cleaning, tagging, splitting, the store, the keyword index)
  current rebuild    this checkout over the baseline's generation, embeddings reused
                     (format 3's are readable): the rest, plus names, figures, evidence
                     and story grouping
  current build      this checkout from scratch into a new folder, embedding every passage

and prints, per repeat (the four runs again, back to back), seconds, passages/s,
documents, the story step's own seconds (from the build report), and the current/baseline
ratio of the rebuilds and of the builds, then the medians of the ratios. Both builds use
the shipped settings ([embedder] workers = one per core).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from benchlib import ROOT, SHARED

BUILD = """
import json, sys, time
from indexer.config import load_config
from indexer.index.build import build_index, report_json
import indexer
assert indexer.__file__.startswith(sys.argv[2]), indexer.__file__
started = time.perf_counter()
report = build_index(load_config(sys.argv[1]), full=True, progress=False)
print(json.dumps({"wall": time.perf_counter() - started, **json.loads(report_json(report))}))
"""


def write_config(path: Path, corpus: Path, index: Path) -> Path:
    path.write_text(f"[corpus]\npaths = [{json.dumps(str(corpus))}]\n"
                    f"[index]\npath = {json.dumps(str(index))}\nmax_shrink = 1.0\n")
    return path


def build(code: Path, config: Path) -> dict:
    """One `build_index(full=True)` by the code under `code`, in a child process."""
    env = dict(os.environ, PYTHONPATH=str(code), HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    out = subprocess.run([sys.executable, "-c", BUILD, str(config), str(code / "indexer")],
                         env=env, cwd=code, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def line(name: str, r: dict) -> str:
    return (f"| {name} | {r['wall']:.1f} | {r['passages'] / r['wall']:.1f} | {r['documents']:,} "
            f"| {r['passages']:,} | {r['embeddings_computed']:,} | "
            f"{r.get('story_seconds', 0):.2f} | {r.get('stories', '–')} |")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--words", type=int, default=1500000)
    ap.add_argument("--baseline", default="7159b20")
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--work", type=Path, default=Path("/tmp/index-cost"))
    args = ap.parse_args()
    work = args.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    corpus = work / f"corpus-{args.words}"
    if not (corpus / ".done").exists():
        subprocess.run([sys.executable, str(SHARED / "bench" / "make_corpus.py"),
                        "--words", str(args.words), str(corpus)], check=True)
        (corpus / ".done").touch()
    baseline = work / "baseline"
    if not baseline.exists():
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(baseline),
                        args.baseline], check=True, capture_output=True)
    shared_index = write_config(work / "baseline.toml", corpus, work / "index-baseline")
    fresh_index = write_config(work / "current.toml", corpus, work / "index-current")
    print(f"{time.strftime('%Y-%m-%d')}, `--words {args.words}`, baseline {args.baseline}\n")
    ratios = []
    for repeat in range(1, args.repeats + 1):
        for folder in ("index-baseline", "index-current"):
            shutil.rmtree(work / folder, ignore_errors=True)
        runs = {}
        for name, code, config in (("baseline build", baseline, shared_index),
                                   ("baseline rebuild", baseline, shared_index),
                                   ("current rebuild", ROOT, shared_index),
                                   ("current build", ROOT, fresh_index)):
            runs[name] = build(code, config)
            print(f"{name}: {runs[name]['wall']:.1f} s", file=sys.stderr, flush=True)
        print(f"repeat {repeat} (load average after it {os.getloadavg()[0]:.2f})\n")
        print("| run | s | passages/s | documents | passages | embedded | stories s "
              "| stories of 2+ |")
        print("|---|---|---|---|---|---|---|---|")
        for name, r in runs.items():
            print(line(name, r))
        ratios.append((runs["current rebuild"]["wall"] / runs["baseline rebuild"]["wall"],
                       runs["current build"]["wall"] / runs["baseline build"]["wall"]))
        print(f"\ncurrent / baseline: rest of a build (embeddings reused) {ratios[-1][0]:.3f}, "
              f"whole build from scratch {ratios[-1][1]:.3f}\n", flush=True)
    rest, whole = (statistics.median(r[i] for r in ratios) for i in (0, 1))
    print(f"median of {len(ratios)}: rest {rest:.3f}, whole build {whole:.3f}")


if __name__ == "__main__":
    main()

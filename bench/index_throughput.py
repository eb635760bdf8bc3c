"""Indexing throughput against the encoder's own rate: does `[embedder] workers` make a
build as fast as the encoder on all cores?

    python3 bench/index_throughput.py [--words 600000] [--repeats 3] [--workers 1,p1,2]

Makes (once, reused) an archive with ../shared/bench/make_corpus.py, collects the texts
the encoder reads for its passages (a build with a free encoder, which also gives the
rate of everything else a build does), then per repeat, back to back, each in a fresh
process:

  encoder 1 core    the embedder alone (one BLAS thread) on those texts, in batches of
                    [index] batch_size: passages/s
  encoder N cores   the same texts through the worker pool alone (N = cores): passages/s
  build workers=W   `build_index(full=True)` of the archive: passages/s, CPU seconds
                    (build process and its workers), the share of time it waited for
                    the encoder, peak RSS of the process tree ("pN": a pool of N
                    workers beside the build process, whatever the cores)

  build free=S      (`--free names,names+language`) the same build with workers = cores
                    and the stages S made free: names and figures found none, language
                    tags all "en", no evidence, nothing written to the keyword index.
                    Not a real index: the bound a build would reach if those stages
                    cost nothing

and prints each repeat and the medians, with each build's rate as a share of the
encoder's rate on one core x cores, of the pool's measured rate, and of the ceiling:
cores / (encoder time + the rest of a build's time) a passage. On a shared machine
only the ratios within one repeat mean much; the load average is printed with them.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from benchlib import ROOT

MAKE_CORPUS = ROOT.parent / "shared" / "bench" / "make_corpus.py"


# ---------- measured in a child process (one per measurement) ----------

def _tree_rss_mb(pid: int) -> float:
    """Resident memory of `pid` and its child processes, in MB (Linux /proc)."""
    total = 0
    pids = [pid]
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    pids.append(int(entry.name))
            except (OSError, ValueError, IndexError):
                pass
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


class PeakRss:
    def __init__(self):
        self.peak = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, _tree_rss_mb(os.getpid()))
            time.sleep(0.2)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def _config(corpus: Path, index: Path, workers: int):
    from indexer.config import Config, with_overrides
    return with_overrides(Config(base_dir=index.parent), {
        "corpus": {"paths": [str(corpus)]}, "index": {"path": str(index)},
        "embedder": {"workers": workers}})


def _cpu() -> float:
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def child_texts(corpus: Path, out: Path) -> dict:
    """Build with a free encoder: the texts it is given, and the rate of the rest."""
    import numpy as np

    from indexer.index.build import build_index

    class Recorder:
        name, dim = "recorder", 512

        def __init__(self):
            self.texts: list[str] = []

        def encode(self, texts):
            self.texts.extend(texts)
            vectors = np.zeros((len(texts), self.dim), dtype=np.float32)
            vectors[:, 0] = 1
            return vectors

    recorder = Recorder()
    with tempfile.TemporaryDirectory() as tmp:
        cpu, started = _cpu(), time.perf_counter()
        report = build_index(_config(corpus, Path(tmp) / "index", 1), embedder=recorder,
                             progress=False, full=True)
        seconds, cpu = time.perf_counter() - started, _cpu() - cpu
    out.write_text(json.dumps(recorder.texts))
    return {"passages": report.passages, "texts": len(recorder.texts), "seconds": seconds,
            "cpu": cpu}


def child_encode(texts_path: Path, workers: int) -> dict:
    """The encoder alone: in-process (1), or in a pool of `workers` processes."""
    from indexer.config import EmbedderConfig, IndexConfig
    from indexer.index.embed_pool import PoolEncoder
    from indexer.index.embedders import load_embedder
    texts = json.loads(texts_path.read_text())
    batch = IndexConfig().batch_size
    embedder = load_embedder(EmbedderConfig(), bulk=True)  # as a build's workers load it
    batches = [texts[i:i + batch] for i in range(0, len(texts), batch)]
    if workers == 1:
        embedder.encode(texts[:batch])  # warm up
        cpu, started = time.process_time(), time.perf_counter()
        for b in batches:
            embedder.encode(b)
    else:
        pool = PoolEncoder(embedder, embedder.config, workers)
        pool.submitted = 1 << 60  # no in-process batches: the workers alone
        pool.submit(texts[:batch]).result()  # starts the pool; then wait for every worker
        seen, deadline = set(), time.monotonic() + 120  # to have loaded the model
        while len(seen) < workers and time.monotonic() < deadline:
            seen.add(pool._executor.submit(os.getpid).result())
            time.sleep(0.01)
        started = time.perf_counter()
        jobs = [pool.submit(b) for b in batches]
        for job in jobs:
            job.result()
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu if workers == 1 else None
    if workers != 1:
        pool.close()
    return {"passages": len(texts), "seconds": seconds, "cpu": cpu}


FREE_STAGES = ("names", "language", "evidence", "keyword")


def make_free(stages: list[str]) -> None:
    """Replace each of `stages` (from FREE_STAGES) by a no-op in this process (keyword:
    the tantivy writer's, the default engine's)."""
    from indexer.index.keyword.tantivy_index import TantivyWriter
    from indexer.ingest import prepare
    for stage in stages:
        if stage == "names":
            prepare.extract_mentions = lambda text, language: []
        elif stage == "language":
            prepare.LanguageDetector.detect = lambda self, text, fallback=None: "en"
        elif stage == "evidence":
            prepare.evidence_of = lambda text: frozenset()
        elif stage == "keyword":
            TantivyWriter.add = lambda self, *args: None
        else:
            raise ValueError(f"no stage {stage!r} to make free")


def child_build(corpus: Path, workers: str, free: str = "") -> dict:
    """`build_index` with [embedder] workers = `workers`; "pN": a pool of N worker
    processes whatever the cores (p1: one worker beside the main process); `free`: the
    stages ("+"-joined) made free."""
    from indexer.index import build
    from indexer.index.build import build_index
    make_free([s for s in free.split("+") if s])
    if workers.startswith("p"):
        from indexer.index.embed_pool import PoolEncoder
        count = int(workers[1:])
        build.encoder_for = lambda embedder, spec: PoolEncoder(embedder, embedder.config, count)
        workers = workers[1:]
    from indexer.index import embed_pool
    waited = [0.0]  # how long the build waited for the encoder: ~0 means it is the bottleneck
    result = embed_pool._Job.result

    def timed(job):
        started = time.perf_counter()
        try:
            return result(job)
        finally:
            waited[0] += time.perf_counter() - started
    embed_pool._Job.result = timed
    with tempfile.TemporaryDirectory() as tmp, PeakRss() as rss:
        cpu, started = _cpu(), time.perf_counter()
        report = build_index(_config(corpus, Path(tmp) / "index", int(workers)), progress=False,
                             full=True)
        seconds = time.perf_counter() - started
    return {"passages": report.passages, "computed": report.embeddings_computed,
            "seconds": seconds, "cpu": _cpu() - cpu, "peak_rss_mb": rss.peak,
            "waited": waited[0]}


# ---------- the driver ----------

def run_child(*args: str) -> dict:
    done = subprocess.run([sys.executable, __file__, "--child", *args], capture_output=True,
                          text=True, cwd=ROOT)
    if done.returncode:
        sys.exit(f"child {args} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def load() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--words", type=int, default=600_000, help="archive size for make_corpus.py")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--workers", default="1,2", help="builds to time, by [embedder] workers")
    ap.add_argument("--free", default="", help="more builds with workers = cores, each with "
                    "these stages made free: comma-separated, stages joined by +, from "
                    + ", ".join(FREE_STAGES))
    ap.add_argument("--work", type=Path, default=ROOT / "data" / "bench-throughput")
    ap.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        mode, *rest = args.child
        if mode == "texts":
            result = child_texts(Path(rest[0]), Path(rest[1]))
        elif mode == "encode":
            result = child_encode(Path(rest[0]), int(rest[1]))
        else:
            result = child_build(Path(rest[0]), *rest[1:])
        print(json.dumps(result))
        return

    from indexer.config import EmbedderConfig
    from indexer.index.embed_pool import worker_count
    cores = worker_count(EmbedderConfig())
    corpus = args.work / f"corpus-{args.words}"
    if not corpus.exists():
        subprocess.run([sys.executable, str(MAKE_CORPUS), "--words", str(args.words),
                        str(corpus)], check=True)
    texts_path = args.work / f"texts-{args.words}.json"
    blas = {k: os.environ[k] for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE") if k in os.environ}
    workers = args.workers.split(",")
    made_free = [f for f in args.free.split(",") if f]
    unknown = {s for f in made_free for s in f.split("+")} - set(FREE_STAGES)
    if unknown:
        ap.error(f"--free: no stage {', '.join(sorted(unknown))}; "
                 f"stages: {', '.join(FREE_STAGES)}")
    rows, n = [], 0
    for r in range(args.repeats):
        before = load()
        free = run_child("texts", str(corpus), str(texts_path))
        n = free["passages"]
        if r == 0:
            print(f"archive: {corpus} ({n} passages, {free['texts']} embedded), {cores} cores, "
                  f"{'OPENBLAS ' + str(blas) if blas else 'no OPENBLAS_CORETYPE/L2_SIZE'}")
        one = run_child("encode", str(texts_path), "1")
        pool = run_child("encode", str(texts_path), str(cores))
        row = {"free": n / free["seconds"], "free_cpu": free["cpu"] / n,
               "enc1": one["passages"] / one["seconds"], "enc_cpu": one["cpu"] / n,
               "enc1_cpu": one["passages"] / one["cpu"],
               "encN": pool["passages"] / pool["seconds"]}
        # every core busy: each passage costs the encoder's time and the rest of a build's
        row["ceiling"] = cores / (1 / row["enc1"] + 1 / row["free"])
        row["ceiling_cpu"] = cores / (row["enc_cpu"] + row["free_cpu"])  # on idle cores
        for w in workers:
            b = run_child("build", str(corpus), w)
            procs = min(int(w.lstrip("p")), cores)
            row[f"build{w}"] = rate = b["passages"] / b["seconds"]
            row[f"cpu{w}"], row[f"rss{w}"] = b["cpu"], b["peak_rss_mb"]
            row[f"wait{w}"] = b["waited"] / b["seconds"]
            row[f"overhead{w}"] = b["cpu"] / (n * (row["enc_cpu"] + row["free_cpu"])) - 1
            row[f"ratio{w}"] = rate / (row["enc1"] * procs)
            row[f"pool{w}"] = rate / (row["enc1"] if procs == 1 else row["encN"])
            row[f"ceil{w}"] = rate / row["ceiling"]
        for f in made_free:
            b = run_child("build", str(corpus), str(cores), f)
            row[f"free:{f}"] = rate = b["passages"] / b["seconds"]
            row[f"freepool:{f}"] = rate / row["encN"]
        rows.append(row)
        print(f"repeat {r + 1} (load {before} -> {load()}): free-encoder build {row['free']:.0f}/s; "
              f"encoder {row['enc1']:.0f}/s on 1 core ({row['enc1_cpu']:.0f} per CPU s), "
              f"{row['encN']:.0f}/s in {cores} workers; ceiling {row['ceiling']:.0f}/s; " +
              "; ".join(f"workers={w}: {row[f'build{w}']:.0f}/s, {row[f'ratio{w}']:.0%} of "
                        f"encoder x procs, {row[f'pool{w}']:.0%} of the measured encoder, "
                        f"{row[f'ceil{w}']:.0%} of the ceiling, {row[f'cpu{w}']:.0f} CPU s "
                        f"({row[f'overhead{w}']:+.0%}), waited {row[f'wait{w}']:.0%}, "
                        f"{row[f'rss{w}']:.0f} MB" for w in workers) +
              "".join(f"; free {f}: {row[f'free:{f}']:.0f}/s, {row[f'freepool:{f}']:.0%} of "
                      f"the measured encoder" for f in made_free), flush=True)

    def med(key):
        return statistics.median(r[key] for r in rows)

    print(f"\nmedians over {len(rows)} repeats, {n} passages, {cores} cores:")
    print("| measured | passages/s | share |")
    print("|---|---|---|")
    print(f"| the rest of a build alone (free encoder, 1 process) | {med('free'):.0f} | |")
    print(f"| encoder alone, 1 core | {med('enc1'):.0f} | {med('enc1_cpu'):.0f} per CPU second |")
    print(f"| encoder alone x {cores} cores | {med('enc1') * cores:.0f} | computed |")
    print(f"| encoder alone in {cores} worker processes | {med('encN'):.0f} | "
          f"{med('encN') / (med('enc1') * cores):.0%} of x {cores} |")
    print(f"| ceiling: {cores} cores busy, encoder + rest | {med('ceiling'):.0f} | "
          f"{med('ceiling') / (med('enc1') * cores):.0%} of x {cores} |")
    print(f"| the same from CPU seconds ({1000 * med('enc_cpu'):.1f} ms encoder + "
          f"{1000 * med('free_cpu'):.1f} ms rest per passage) | {med('ceiling_cpu'):.0f} | "
          f"{med('enc_cpu') / (med('enc_cpu') + med('free_cpu')):.0%} of x {cores} |")
    for w in workers:
        procs = min(int(w.lstrip("p")), cores)
        label = f"a pool of {w[1:]} beside the main process" if w.startswith("p") else w
        print(f"| build, workers = {label} | {med(f'build{w}'):.0f} | {med(f'ratio{w}'):.0%} of "
              f"encoder x {procs}, {med(f'pool{w}'):.0%} of the measured encoder, "
              f"{med(f'ceil{w}'):.0%} of the ceiling; {med(f'cpu{w}'):.0f} CPU s "
              f"({med(f'overhead{w}'):+.0%} over encoder + rest), waited for the encoder "
              f"{med(f'wait{w}'):.0%} of the time, "
              f"peak RSS {med(f'rss{w}'):.0f} MB |")
    for f in made_free:
        print(f"| build, workers = {cores}, {f} made free (a bound, not an index) | "
              f"{med(f'free:{f}'):.0f} | {med(f'freepool:{f}'):.0%} of the measured encoder |")

if __name__ == "__main__":
    main()

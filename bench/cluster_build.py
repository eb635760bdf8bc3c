"""Building on a Dask cluster against building locally, on one archive.

    python3 bench/cluster_build.py [--words 1500000] [--work data/bench-cluster]

Makes (once, reused) an archive with ../shared/bench/make_corpus.py (1.5M words is
~10k passages), then builds it from scratch (a fresh index folder each time, so no
embedding is reused), each build a `newsdesk index --json` process:

  local w=1      everything in the build process
  local w=2      embedding in 2 worker processes ([embedder] workers)
  cluster 1      on a Dask scheduler with 1 one-thread worker (all on 127.0.0.1)
  cluster 2      the same with 2 workers

and prints per build: seconds, passages/s, the build process's own CPU seconds (what
the driver costs per passage, which bounds a cluster's speed however many workers it
has; for local w=2 with its worker processes), the speed-up over `local w=1` and over `cluster 1` per worker (efficiency), and
the cluster's overhead: a no-op task's round trip, and the bytes each task moves.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

from benchlib import ROOT

MAKE_CORPUS = ROOT.parent / "shared" / "bench" / "make_corpus.py"
ENV = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    """A scheduler and `workers` one-thread workers, each a process group of its own."""

    def __init__(self, folder: Path, workers: int):
        port = _free_port()
        self.address = f"tcp://127.0.0.1:{port}"
        folder.mkdir(parents=True, exist_ok=True)
        self.procs = [self._start(folder, "scheduler", [
            "scheduler", "--host", "127.0.0.1", "--port", str(port),
            "--dashboard-address", "127.0.0.1:0", "--no-show"])]
        self.procs += [self._start(folder, f"worker{i}", [
            "worker", self.address, "--host", "127.0.0.1", "--nthreads", "1", "--no-dashboard",
            "--local-directory", str(folder / f"w{i}")]) for i in range(workers)]
        from distributed import Client
        with Client(self.address, timeout=30) as client:
            client.wait_for_workers(workers, timeout=120)
            # a no-op task's round trip (submit, run on a worker, result back), one at a time
            times = []
            for i in range(200):
                started = time.perf_counter()
                client.submit(int, i, pure=False).result()
                times.append(time.perf_counter() - started)
            self.round_trip_ms = statistics.median(times) * 1000

    @staticmethod
    def _start(folder: Path, name: str, args: list[str]) -> subprocess.Popen:
        return subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_" + args[0],
                                 *args[1:]], cwd=folder, env=ENV,
                                stdout=open(folder / f"{name}.log", "w"),
                                stderr=subprocess.STDOUT, start_new_session=True)

    def stop(self) -> None:
        for proc in reversed(self.procs):
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(timeout=30)


def build(work: Path, corpus: Path, name: str, workers: int, scheduler: str = "") -> dict:
    folder = work / name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    config = folder / "config.toml"
    config.write_text(f'[corpus]\npaths = ["{corpus}"]\n[index]\npath = "{folder / "index"}"\n'
                      f'[embedder]\nworkers = {workers}\n')
    args = [sys.executable, "-m", "indexer.cli", "--config", str(config), "index", "--quiet",
            "--json"] + (["--scheduler", scheduler] if scheduler else [])
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(args, cwd=ROOT, env=ENV, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode:
        sys.exit(f"{name} failed:\n{done.stderr}")
    report = json.loads(done.stdout)
    shutil.rmtree(folder / "index", ignore_errors=True)
    # the build process and the local embedding workers it waited for (not Dask's workers)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return {"name": name, "seconds": seconds, "passages": report["passages"],
            "documents": report["documents"], "cpu": cpu}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--words", type=int, default=1_500_000)
    ap.add_argument("--work", type=Path, default=ROOT / "data" / "bench-cluster")
    args = ap.parse_args(argv)
    work = args.work.resolve()
    corpus = work / f"corpus-{args.words}"
    if not corpus.exists():
        subprocess.run([sys.executable, str(MAKE_CORPUS), str(corpus), "--words",
                        str(args.words)], check=True)
    from indexer.config import ClusterConfig, IndexConfig
    runs = [build(work, corpus, "local w=1", 1), build(work, corpus, "local w=2", 2)]
    round_trips = []
    for workers in (1, 2):
        cluster = Cluster(work / f"dask-{workers}", workers)
        round_trips.append(cluster.round_trip_ms)
        try:
            runs.append(build(work, corpus, f"cluster {workers}", 0, cluster.address))
        finally:
            cluster.stop()
    local1, cluster1 = runs[0], runs[2]
    passages, documents = local1["passages"], local1["documents"]
    tasks = (passages / IndexConfig().batch_size
             + documents / ClusterConfig().batch_documents)
    print(f"{passages} passages, {documents} documents, {args.words} words; "
          f"load average {os.getloadavg()[0]:.2f}")
    print(f"{'build':<12}{'seconds':>9}{'passages/s':>12}{'build CPU s':>14}"
          f"{'x local w=1':>13}{'per worker vs cluster 1':>25}")
    for run in runs:
        rate = run["passages"] / run["seconds"]
        workers = int(run["name"].split()[-1]) if run["name"].startswith("cluster") else None
        efficiency = (f"{cluster1['seconds'] / run['seconds'] / workers:.2f}" if workers
                      else "")
        print(f"{run['name']:<12}{run['seconds']:>9.1f}{rate:>12.1f}{run['cpu']:>14.1f}"
              f"{local1['seconds'] / run['seconds']:>13.2f}{efficiency:>25}")
    text_bytes = sum(p.stat().st_size for p in corpus.rglob("*") if p.is_file())
    print(f"cluster overhead: a no-op task's round trip {statistics.median(round_trips):.2f} ms; "
          f"{tasks:.0f} tasks ({IndexConfig().batch_size} passages to embed or "
          f"{ClusterConfig().batch_documents} documents to prepare each), "
          f"{text_bytes / documents * ClusterConfig().batch_documents / 1024:.0f} KB of "
          f"text out and back per preparing task, "
          f"{IndexConfig().batch_size * 512 * 4 / 1024:.0f} KB of vectors back per embedding "
          f"task")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Building on a Dask cluster: a real scheduler and two one-thread workers, each its own
process on 127.0.0.1, stopped by the process group each test started. A cluster build
writes exactly what a local build writes, survives a killed worker, fails cleanly when
the scheduler goes away (the live index kept), and reuses embeddings both ways; the
local path never imports Dask."""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest

from indexer.cli import main
from indexer.config import load_config
from indexer.index import generations
from indexer.index.build import build_index
from indexer.index.reader import IndexHandle
from indexer.models import Filters
from indexer.search.query import QueryReader

from conftest import ROOT, SEED_CORPUS, write_config
from test_embed_workers import snapshot, write_corpus

pytest.importorskip("distributed")

ENV = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
       "PYTHONPATH": str(ROOT)}
QUERIES = ["Leapmotor", "veicoli elettrici", '"electric vehicles"', "emission*",
           "Stellantis AND NOT Zaragoza", "title:report", "produzione"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _stop(proc: subprocess.Popen) -> None:
    """End a process this test started, and its group (it leads one), by its PID."""
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=15)
        except ProcessLookupError:
            pass


class Cluster:
    def __init__(self, folder: Path, workers: int):
        self.folder, self.port = folder, _free_port()
        self.address = f"tcp://127.0.0.1:{self.port}"
        folder.mkdir(parents=True, exist_ok=True)
        self.scheduler = self._start("scheduler", [
            "scheduler", "--host", "127.0.0.1", "--port", str(self.port),
            "--dashboard-address", "127.0.0.1:0", "--no-show"])
        # no nanny: the PID is the worker's own, and a killed worker stays dead
        self.workers = [self._start(f"worker{i}", [
            "worker", self.address, "--host", "127.0.0.1", "--nthreads", "1", "--no-nanny",
            "--no-dashboard", "--local-directory", str(folder / f"w{i}")])
            for i in range(workers)]
        from distributed import Client
        with Client(self.address, timeout=30) as client:
            client.wait_for_workers(workers, timeout=60)

    def _start(self, name: str, args: list[str]) -> subprocess.Popen:
        log = open(self.folder / f"{name}.log", "w")
        return subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_" + args[0],
                                 *args[1:]], cwd=self.folder, env=ENV, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)

    def executed(self) -> list[int]:
        """How many tasks each live worker has run."""
        from distributed import Client
        with Client(self.address, timeout=30) as client:
            return sorted(client.run(lambda dask_worker: dask_worker.state.executed_count)
                          .values())

    def stop(self) -> None:
        for proc in self.workers + [self.scheduler]:
            _stop(proc)


@contextmanager
def dask_cluster(folder: Path, workers: int = 2):
    cluster = None
    try:
        cluster = Cluster(folder, workers)
        yield cluster
    finally:
        if cluster is not None:
            cluster.stop()


def _config(folder: Path, corpus: Path, **cluster):
    folder.mkdir(parents=True, exist_ok=True)
    return load_config(write_config(folder, [corpus], cluster=cluster) if cluster
                       else write_config(folder, [corpus]))


def keyword_hits(cfg) -> dict:
    index = IndexHandle(cfg).get()
    reader = QueryReader(cfg.search, cfg.corpus.languages)
    out = {q: sorted((h.row, round(h.score, 4)) for h in
                     index.keyword.search(reader.parse(q).tree, Filters(), 1000).hits)
           for q in QUERIES}
    return out


def normalised(snap, base: Path):
    passages, documents, vectors, manifest = snap
    documents = [tuple(str(v).replace(str(base), "BASE") for v in d) for d in documents]
    return passages, documents, vectors, manifest


@pytest.fixture(scope="module")
def archive(tmp_path_factory, embedder):
    """The seed corpus and ~2,800 generated passages, with a local build of them."""
    base = tmp_path_factory.mktemp("cluster")
    corpus = write_corpus(base / "corpus", 800)
    local = _config(base / "local", corpus)
    report = build_index(local, embedder=embedder, progress=False)
    assert report.passages > 2500
    return base, corpus, local, normalised(snapshot(local), base / "local"), keyword_hits(local)


def _same_as_local(cfg, folder: Path, archive) -> None:
    *_, local_snap, local_hits = archive
    passages, documents, vectors, manifest = normalised(snapshot(cfg), folder)
    lp, ld, lv, lm = local_snap
    assert passages == lp  # rows, passage ids, sections, offsets, languages, texts
    assert documents == ld
    assert vectors.shape == lv.shape and np.allclose(vectors, lv, atol=1e-5)
    assert manifest["passage_languages"] == lm["passage_languages"]
    assert keyword_hits(cfg) == local_hits
    assert any(local_hits.values())


def test_cluster_build_equals_local_and_reuses_embeddings_both_ways(tmp_path, archive,
                                                                    embedder, capsys):
    base, corpus, *_ = archive
    folder = base / "on-cluster"
    with dask_cluster(tmp_path / "dask") as cluster:
        cfg = _config(folder, corpus)
        assert main(["--config", str(cfg.source), "index", "--quiet", "--json",
                     "--scheduler", cluster.address]) == 0
        report = json.loads(capsys.readouterr().out)
        assert report["embeddings_computed"] == report["passages"] and report["skipped"] == []
        _same_as_local(cfg, folder, archive)
        executed = cluster.executed()
        assert len(executed) == 2 and min(executed) > 5, executed  # both workers took part

        # a local rebuild reuses every embedding the cluster made ...
        again = build_index(cfg, full=True, embedder=embedder, progress=False)
        assert again.embeddings_computed == 0 and again.embeddings_reused == again.passages
        _same_as_local(cfg, folder, archive)
        # ... and a cluster rebuild ([cluster] scheduler in the config) those of a local one
        cfg = _config(folder, corpus, scheduler=cluster.address)
        again = build_index(cfg, full=True, progress=False)
        assert again.embeddings_computed == 0 and again.embeddings_reused == again.passages

        # `newsdesk add` on the cluster: a new dump is prepared and embedded there
        extra = tmp_path / "extra.jsonl"
        extra.write_text(json.dumps({"id": "extra-1", "title": "Porto di Genova",
                                     "text": "Il porto di Genova ha movimentato più container "
                                             "nel 2024, ha detto l'autorità portuale. " * 5})
                         + "\n", encoding="utf-8")
        added = json.loads(_run_cli(["--config", str(cfg.source), "add", str(extra), "--quiet",
                                     "--json"], capsys))
        assert added["indexed"] == 1 and added["embeddings_computed"] == added[
            "indexed_passages"] >= 1
        assert IndexHandle(cfg).get().store.document("extra-1").language == "it"


def _run_cli(args, capsys) -> str:
    assert main(args) == 0, capsys.readouterr().err
    return capsys.readouterr().out


def _wait_until_embedding(cfg, build: threading.Thread, dim: int) -> None:
    """Until the build (running) has written its first few batches of vectors."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and build.is_alive():
        vectors = [p for p in cfg.index_path.glob("tmp-*/vectors.f32")
                   if p.stat().st_size > 128 * dim * 4]
        if vectors:
            return
        time.sleep(0.02)
    raise AssertionError("the build finished (or never started embedding) before the kill")


def test_a_killed_worker_has_its_tasks_recomputed_and_the_build_completes(tmp_path, archive,
                                                                         embedder):
    base, corpus, *_ = archive
    folder = base / "killed-worker"
    with dask_cluster(tmp_path / "dask") as cluster:
        cfg = _config(folder, corpus, scheduler=cluster.address)
        result = {}
        build = threading.Thread(target=lambda: result.update(
            report=build_index(cfg, progress=False)))
        build.start()
        _wait_until_embedding(cfg, build, embedder.dim)
        assert build.is_alive()
        victim = cluster.workers[0]
        os.kill(victim.pid, signal.SIGKILL)
        build.join(timeout=300)
        assert not build.is_alive(), "the build hangs after a worker died"
        assert victim.wait(timeout=10) == -signal.SIGKILL
        assert cluster.workers[1].poll() is None  # the other worker did the rest
    assert result["report"].passages == archive[3][0].__len__()
    _same_as_local(cfg, folder, archive)


def test_the_scheduler_going_away_fails_the_build_and_keeps_the_live_index(tmp_path, archive,
                                                                           embedder, capsys):
    base, corpus, *_ = archive
    folder = tmp_path / "scheduler-gone"
    live_cfg = _config(folder, SEED_CORPUS)
    first = build_index(live_cfg, embedder=embedder, progress=False)
    manifest_before = (live_cfg.index_path / first.generation / "manifest.json").read_text()
    with dask_cluster(tmp_path / "dask") as cluster:
        cfg = _config(folder, corpus, scheduler=cluster.address, timeout_seconds=30.0)
        result = {}
        build = threading.Thread(target=lambda: result.update(
            rc=main(["--config", str(cfg.source), "index", "--quiet"])))
        build.start()
        _wait_until_embedding(cfg, build, embedder.dim)
        os.killpg(cluster.scheduler.pid, signal.SIGKILL)
        stopped = time.monotonic()
        build.join(timeout=60)
        assert not build.is_alive(), "the build hangs after the scheduler went away"
        assert time.monotonic() - stopped < 30  # it noticed, rather than timing out
    err = capsys.readouterr().err
    assert result["rc"] != 0
    assert f"the build on the Dask cluster at {cluster.address} stopped" in err
    assert "connection to the scheduler was lost" in err and "live index is unchanged" in err
    assert "Traceback" not in err
    assert generations.current_name(cfg.index_path) == first.generation
    assert (cfg.index_path / first.generation / "manifest.json").read_text() == manifest_before


def test_each_way_a_client_sees_its_scheduler_go_says_the_connection_was_lost():
    """Which of these the client raises depends on when the scheduler went (the test above
    meets one at random): each is told as the lost connection, not as a failed task."""
    import asyncio

    from distributed.client import FutureCancelledError
    from distributed.comm.core import CommClosedError

    from indexer.index.cluster import ClusterWork
    work = object.__new__(ClusterWork)  # only the message: no cluster to connect to
    work.address, work.timeout = "tcp://127.0.0.1:8786", 5.0
    for exc in (FutureCancelledError("key", "scheduler-connection-lost"),
                asyncio.CancelledError(),
                CommClosedError("in <TCP (closed) ConnectionPool.gather local=tcp://127.0.0.1:"
                                "40000 remote=tcp://127.0.0.1:8786>: ConnectionResetError: "
                                "[Errno 104] Connection reset by peer")):
        message = work._stopped(exc, "preparing documents")
        assert "the connection to the scheduler was lost" in message, message
        assert "a task failed" not in message
    assert "a task failed: ValueError" in work._stopped(ValueError("bad"), "embedding")


def test_an_unreachable_scheduler_is_a_clear_error_for_index_and_add(tmp_path, capsys):
    cfg = _config(tmp_path, SEED_CORPUS, timeout_seconds=2.0)
    nobody = f"tcp://127.0.0.1:{_free_port()}"
    for args in (["index"], ["add", str(SEED_CORPUS)]):
        started = time.monotonic()
        rc = main(["--config", str(cfg.source), *args, "--quiet", "--scheduler", nobody])
        err = capsys.readouterr().err
        assert rc != 0 and time.monotonic() - started < 30
        assert f"cannot reach the Dask scheduler at {nobody}" in err, err
        assert "Traceback" not in err
    assert generations.current_name(cfg.index_path) is None


def test_a_local_build_does_not_import_dask(tmp_path):
    cfg = _config(tmp_path, SEED_CORPUS)
    code = ("import sys\nfrom indexer.cli import main\n"
            f"assert main(['--config', {str(cfg.source)!r}, 'index', '--quiet']) == 0\n"
            "loaded = [m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed')]\n"
            "assert not loaded, loaded\n")
    done = subprocess.run([sys.executable, "-c", code], env=ENV, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert generations.current_name(cfg.index_path)

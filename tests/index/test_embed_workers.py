"""`[embedder] workers`: a build embeds in worker processes and writes exactly what an
in-process build writes; a worker that dies fails the build cleanly, the live index
kept, and no process outlives a build."""
from __future__ import annotations

import json
import os
import random
import shutil
import signal
import sqlite3
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from indexer.cli import main
from indexer.config import ConfigError, EmbedderConfig, load_config
from indexer.index import embed_pool, generations
from indexer.index.build import build_index
from indexer.index.embed_pool import InlineEncoder, PoolEncoder, encoder_for, worker_count
from indexer.index.store import Store
from indexer.index.vectors import open_vectors

from conftest import SEED_CORPUS, write_config


def _sentences() -> list[str]:
    text = " ".join(p.read_text(encoding="utf-8") for p in sorted(SEED_CORPUS.glob("*.txt")))
    return [s.strip() + "." for s in text.replace("\n", " ").split(". ") if len(s.split()) > 6]


def write_corpus(folder: Path, articles: int, seed: int = 7) -> Path:
    """The seed corpus, plus `articles` generated ones (a JSONL dump) of three ~100-word
    paragraphs of seed sentences, shuffled: English, Italian and mixed passages."""
    shutil.copytree(SEED_CORPUS, folder)
    rng, sentences = random.Random(seed), _sentences()
    with open(folder / "generated.jsonl", "w", encoding="utf-8") as fh:
        for i in range(articles):
            paragraphs = []
            for _ in range(3):
                words, para = 0, []
                while words < 100:
                    para.append(rng.choice(sentences))
                    words += len(para[-1].split())
                paragraphs.append(" ".join(para))
            fh.write(json.dumps({"id": f"gen-{i}", "title": f"Generated report {i}",
                                 "date": f"2024-{1 + i % 12:02d}",
                                 "text": "\n\n".join(paragraphs)}) + "\n")
    return folder


def config_in(folder: Path, corpus: Path, workers: int):
    """A config indexing `corpus` into folder/index, embedding in `workers` processes."""
    folder.mkdir(parents=True, exist_ok=True)
    return load_config(write_config(folder, [corpus], embedder={"workers": workers}))


def _children(pid: int) -> dict[int, str]:
    """{pid: command line} of the processes whose parent is `pid`, from /proc."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found[int(entry.name)] = (entry / "cmdline").read_bytes().replace(b"\0", b" ")\
                    .decode(errors="replace")
        except (OSError, ValueError, IndexError):
            continue  # gone meanwhile
    return found


def embedding_workers() -> set[int]:
    """PIDs of this process's embedding workers (spawned interpreters; not the resource
    tracker multiprocessing also starts)."""
    return {pid for pid, cmd in _children(os.getpid()).items() if "spawn_main" in cmd}


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


class WorkerWatch:
    """Records, while running, every embedding worker this process has."""

    def __init__(self):
        self.seen: set[int] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            self.seen |= embedding_workers()
            time.sleep(0.05)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def snapshot(cfg):
    """Everything a build wrote that must not depend on how it embedded."""
    gen = generations.current_dir(cfg.index_path)
    manifest = generations.read_manifest(gen)
    db = sqlite3.connect(gen / "store.sqlite")
    passages = db.execute("SELECT * FROM passages ORDER BY row").fetchall()
    documents = db.execute("SELECT * FROM documents ORDER BY doc_id").fetchall()
    db.close()
    vectors = np.array(open_vectors(gen / "vectors.f32", manifest["dim"],
                                    generations.vector_rows(manifest)))
    return passages, documents, vectors, manifest


@pytest.fixture()
def small_pool(monkeypatch):
    """Worker processes from the second batch on, so a small corpus goes through them."""
    monkeypatch.setattr(embed_pool, "INLINE_PASSAGES", 64)


def test_two_workers_write_exactly_what_one_writes(tmp_path, embedder, small_pool):
    corpus = write_corpus(tmp_path / "corpus", 20)
    one, two = config_in(tmp_path / "one", corpus, 1), config_in(tmp_path / "two", corpus, 2)
    report_one = build_index(one, embedder=embedder, progress=False)
    with WorkerWatch() as watch:
        report_two = build_index(two, embedder=embedder, progress=False)
    assert len(watch.seen) == 2, "the 2-worker build did not embed in 2 processes"
    assert report_two.embeddings_computed == report_one.embeddings_computed > 300
    assert (report_two.documents, report_two.passages) == (report_one.documents,
                                                          report_one.passages)

    p1, d1, v1, m1 = snapshot(one)
    p2, d2, v2, m2 = snapshot(two)
    assert p2 == p1  # rows, passage ids, sections, offsets, languages, texts: all the same
    assert d2 == d1
    assert v2.shape == v1.shape and np.allclose(v2, v1, atol=1e-5)
    assert m2["passage_languages"] == m1["passage_languages"] and len(m1["passage_languages"]) == 2

    # the workers were stopped and reaped with the build: none is left, not even a zombie
    assert not embedding_workers()
    assert not any(alive(pid) for pid in watch.seen)


def test_reuse_and_replacement_with_workers_match_in_process(tmp_path, embedder, small_pool):
    """A rebuild that reuses most embeddings, a changed file and a removed one: the same
    rows either way."""
    snapshots = []
    for workers in (1, 2):
        base = tmp_path / f"w{workers}"
        corpus = write_corpus(base / "corpus", 12)
        cfg = config_in(base, corpus, workers)
        build_index(cfg, embedder=embedder, progress=False)
        (corpus / "000_bd7e62b69b614585.txt").unlink()
        dump = corpus / "generated.jsonl"
        lines = dump.read_text().splitlines()
        dump.write_text("\n".join([json.dumps({**json.loads(lines[0]), "text": "Changed. "
                                               + json.loads(lines[0])["text"]})] + lines[1:])
                        + "\n")
        report = build_index(cfg, embedder=embedder, progress=False)
        assert report.embeddings_reused > report.embeddings_computed > 0
        passages, documents, vectors, _ = snapshot(cfg)
        documents = [tuple(str(v).replace(str(base), "BASE") for v in d) for d in documents]
        snapshots.append(((passages, documents, vectors), report.embeddings_reused,
                          report.embeddings_computed))
    (p1, d1, v1), *counts1 = snapshots[0]
    (p2, d2, v2), *counts2 = snapshots[1]
    assert (p2, d2, counts2) == (p1, d1, counts1)
    assert np.allclose(v2, v1, atol=1e-5)


def test_a_killed_worker_fails_the_build_and_the_live_index_stays(tmp_path, embedder,
                                                                  small_pool, capsys):
    seed_only = write_corpus(tmp_path / "seed", 0)
    live_cfg = config_in(tmp_path / "run", seed_only, 1)
    first = build_index(live_cfg, embedder=embedder, progress=False)  # the live index
    manifest_before = (live_cfg.index_path / first.generation / "manifest.json").read_text()
    # then a big archive, far more than is embedded before the kill, in 2 workers
    cfg = config_in(tmp_path / "run", write_corpus(tmp_path / "corpus", 400), 2)
    cfg_path = cfg.source

    result = {}
    build = threading.Thread(target=lambda: result.update(
        rc=main(["--config", str(cfg_path), "index", "--full", "--quiet"])))
    with WorkerWatch() as watch:
        build.start()
        deadline, victim = time.monotonic() + 120, None
        while time.monotonic() < deadline and build.is_alive():
            vectors = [p for p in cfg.index_path.glob("tmp-*/vectors.f32") if p.stat().st_size]
            workers = embedding_workers()
            # past the first (in-process) batch, one a worker embedded has been written
            if vectors and len(workers) == 2 and vectors[0].stat().st_size > 64 * embedder.dim * 4:
                victim = min(workers)
                break
            time.sleep(0.02)
        assert victim and build.is_alive(), "the build finished before a worker could be killed"
        os.kill(victim, signal.SIGKILL)
        build.join(timeout=60)
    assert not build.is_alive(), "the build hangs after its worker died"

    err = capsys.readouterr().err
    assert result["rc"] == 2
    assert "embedding worker process stopped unexpectedly" in err
    assert f"pid {victim}, killed by SIGKILL" in err and "live index is unchanged" in err
    assert generations.current_name(cfg.index_path) == first.generation
    assert (cfg.index_path / first.generation / "manifest.json").read_text() == manifest_before
    live = generations.current_dir(cfg.index_path)
    generations.verify(live, generations.read_manifest(live))
    store = Store(live / "store.sqlite")
    assert store.document("gen-0") is None  # nothing of the failed build is served
    store.close()
    assert not embedding_workers() and not any(alive(pid) for pid in watch.seen)

    # the next build runs normally (and clears the dead build's folder)
    report = build_index(config_in(tmp_path / "run", seed_only, 2), embedder=embedder,
                         progress=False, full=True)
    assert report.documents == first.documents
    assert not list(cfg.index_path.glob("tmp-*"))


def test_workers_setting(tmp_path, embedder):
    assert EmbedderConfig().workers == 0
    cores = len(os.sched_getaffinity(0))
    assert worker_count(EmbedderConfig()) == cores
    assert worker_count(EmbedderConfig(workers=3)) == 3
    with pytest.raises(ConfigError, match="workers"):
        load_config(write_config(tmp_path, [], embedder={"workers": -1}))

    assert isinstance(encoder_for(embedder, EmbedderConfig(workers=1)), InlineEncoder)
    pooled = encoder_for(embedder, EmbedderConfig(workers=2))
    assert isinstance(pooled, PoolEncoder) and pooled.max_inflight == 4

    class Wrapped:  # an embedder the workers could not load again (a cache, a test double)
        name, dim = embedder.name, embedder.dim

        def encode(self, texts):
            return embedder.encode(texts)

    assert isinstance(encoder_for(Wrapped(), EmbedderConfig(workers=2)), InlineEncoder)
    # nothing starts until a build has more than INLINE_PASSAGES texts to embed
    vectors = pooled.submit(["A short text about ports.", "Un testo sul porto."]).result()
    assert vectors.shape == (2, embedder.dim) and not embedding_workers()
    pooled.close()

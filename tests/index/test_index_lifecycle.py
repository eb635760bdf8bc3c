"""Index generations under stress: a build killed halfway, a rebuild while the live
server answers searches, and index files that are damaged or from another version."""
from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from indexer.config import load_config
from indexer.index import generations
from indexer.index.build import build_index
from indexer.index.reader import Index, IndexHandle
from indexer.search.searcher import Searcher, SearchRequest

from conftest import ROOT, SEED_CORPUS, write_config

CLI = [sys.executable, "-m", "indexer.cli"]
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


def add_articles(folder: Path, count: int, marker: str = "", seed: int = 1) -> None:
    """`count` generated English articles of ~250 words (the first one holds `marker`)."""
    rng = random.Random(seed)
    words = [w for w in (SEED_CORPUS / "004_902272254a36adef.txt").read_text().split()
             if w.isalpha()]
    for i in range(count):
        body = " ".join(rng.choice(words) for _ in range(250))
        extra = f" {marker} was reported here." if marker and i == 0 else ""
        (folder / f"gen-{seed}-{i:04d}.txt").write_text(
            f"Report {seed}-{i}\n\n{body.capitalize()}.{extra}\n")


def seed_copy(folder: Path) -> Path:
    shutil.copytree(SEED_CORPUS, folder)
    return folder


def keyword_total(cfg, embedder, query: str) -> int:
    return Searcher(cfg, IndexHandle(cfg), embedder).search(
        SearchRequest(query, "keyword")).total


def test_build_killed_halfway_leaves_the_previous_index_served(tmp_path, embedder):
    corpus = seed_copy(tmp_path / "corpus")
    cfg_path = write_config(tmp_path, [corpus])
    cfg = load_config(cfg_path)
    first = build_index(cfg, embedder=embedder, progress=False).generation
    manifest_before = (cfg.index_path / first / "manifest.json").read_text()
    add_articles(corpus, 250, marker="Wombatmarker")

    proc = subprocess.Popen(CLI + ["--config", str(cfg_path), "index", "--quiet"], env=ENV,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:  # halfway: vectors are being written
        builds = list(cfg.index_path.glob("tmp-*"))
        if builds and (builds[0] / "vectors.f32").exists() and \
                (builds[0] / "vectors.f32").stat().st_size > 0:
            break
        assert proc.poll() is None, proc.stderr.read().decode()
        time.sleep(0.05)
    assert proc.poll() is None, "the build finished before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    proc.stderr.close()

    assert generations.current_name(cfg.index_path) == first
    assert (cfg.index_path / first / "manifest.json").read_text() == manifest_before
    assert list(cfg.index_path.glob("tmp-*")), "the killed build left its folder"
    Index.open(cfg.index_path / first, cfg)  # every file checks out
    assert keyword_total(cfg, embedder, "leapmotor") > 0
    assert keyword_total(cfg, embedder, "wombatmarker") == 0

    from webapp import create_app
    client = create_app(cfg, embedder=embedder).test_client()
    r = client.get("/api/search?q=veicoli&mode=keyword")
    assert r.status_code == 200 and r.get_json()["hits"]

    # The lock died with the process: the next build runs, and cleans up after the dead one.
    report = build_index(cfg, embedder=embedder, progress=False)
    assert report.generation != first and report.documents == 5 + 250
    assert not list(cfg.index_path.glob("tmp-*"))
    assert client.get("/api/search?q=wombatmarker&mode=keyword").get_json()["total"] == 1


def test_live_server_follows_rebuilds_without_a_failed_request(tmp_path, embedder):
    from waitress import create_server

    from webapp import create_app
    corpus = seed_copy(tmp_path / "corpus")
    add_articles(corpus, 20, seed=2)
    cfg_path = write_config(tmp_path, [corpus])
    cfg = load_config(cfg_path)
    build_index(cfg, embedder=embedder, progress=False)
    server = create_server(create_app(cfg, embedder=embedder), host="127.0.0.1", port=0,
                           threads=8)
    threading.Thread(target=server.run, daemon=True).start()
    base = f"http://127.0.0.1:{server.effective_port}"

    stop = threading.Event()
    failures: list[str] = []
    counts = {"requests": 0}
    urls = [("/api/search", {"q": "leapmotor veicoli", "mode": "hybrid"}),
            ("/api/search", {"q": "sustainability", "mode": "keyword", "page": "2"}),
            ("/api/documents/001_c78aecbcbfb51514", {}),
            ("/", {"q": "emissions", "mode": "semantic"}),
            ("/doc/004_902272254a36adef", {"q": "energy", "p": "3"})]

    def hammer(worker: int):
        session = requests.Session()
        i = worker
        while not stop.is_set():
            path, params = urls[i % len(urls)]
            i += 1
            try:
                r = session.get(base + path, params=params, timeout=60)
                if r.status_code != 200:
                    failures.append(f"{path} {r.status_code} {r.text[:200]}")
                elif path.startswith("/api/"):
                    r.json()
            except Exception as exc:  # any failure at all is what this test looks for
                failures.append(f"{path} {exc!r}")
            counts["requests"] += 1

    try:
        with ThreadPoolExecutor(8) as pool:
            try:  # stop the workers on failure too, or leaving `with` waits for them
                workers = [pool.submit(hammer, w) for w in range(8)]
                generations_seen = []
                for round_ in range(2):  # the second rebuild also prunes the first generation
                    marker = f"Quokkamarker{round_}"
                    add_articles(corpus, 30, marker=marker, seed=10 + round_)
                    done = subprocess.run(CLI + ["--config", str(cfg_path), "index", "--quiet"],
                                          env=ENV, capture_output=True, text=True, timeout=300)
                    assert done.returncode == 0, done.stderr
                    deadline = time.monotonic() + 30
                    while time.monotonic() < deadline:
                        found = requests.get(f"{base}/api/search", timeout=60, params={
                            "q": marker.lower(), "mode": "keyword"}).json()
                        if found["total"] == 1:
                            break
                        time.sleep(0.2)
                    assert found["total"] == 1, f"the server did not pick up rebuild {round_}"
                    generations_seen.append(generations.current_name(cfg.index_path))
                time.sleep(1)
                stop.set()
                for w in workers:
                    w.result()
            finally:
                stop.set()
    finally:
        stop.set()
        server.close()
    assert len(set(generations_seen)) == 2
    assert counts["requests"] > 50
    assert failures == []


# -- damaged or incompatible index files ------------------------------------------------

def _scramble(path: Path, middle: int | None = None) -> None:
    """Flip the bits of a file, or of `middle` bytes at its middle."""
    data = bytearray(path.read_bytes())
    start, end = (0, len(data)) if middle is None else (len(data) // 2, len(data) // 2 + middle)
    for i in range(start, end):
        data[i] ^= 0x5A
    path.write_bytes(bytes(data))


def _manifest(gen: Path, **changes) -> None:
    manifest = json.loads((gen / "manifest.json").read_text())
    manifest.update(changes)
    (gen / "manifest.json").write_text(json.dumps(manifest))


def _segment(gen: Path) -> Path:
    """The keyword index's largest data file (whichever engine wrote it)."""
    return max((p for p in (gen / "keyword").rglob("*") if p.is_file()),
               key=lambda p: p.stat().st_size)


def _keyword_meta(gen: Path) -> list[Path]:
    """The keyword index's table of contents: Whoosh's *.toc, tantivy's meta.json."""
    return [*(gen / "keyword").rglob("*.toc"), *(gen / "keyword").rglob("meta.json")]


DAMAGE = {
    "sqlite garbage": lambda g: _scramble(g / "store.sqlite"),
    "sqlite page in the middle": lambda g: _scramble(g / "store.sqlite", 4096),
    "sqlite truncated": lambda g: os.truncate(g / "store.sqlite", 8192),
    "keyword segment garbage": lambda g: _scramble(_segment(g)),
    "keyword segment bytes in the middle": lambda g: _scramble(_segment(g), 512),
    "keyword segment missing": lambda g: _segment(g).unlink(),
    "keyword table of contents garbage": lambda g: [_scramble(p) for p in _keyword_meta(g)],
    "vectors truncated": lambda g: os.truncate(g / "vectors.f32", 4096),
    "vectors flipped bytes": lambda g: _scramble(g / "vectors.f32", 64),
    "manifest not json": lambda g: (g / "manifest.json").write_text("{oops"),
    "manifest from another version": lambda g: _manifest(g, format_version=99),
    "generation folder missing": lambda g: shutil.rmtree(g),
}


@pytest.fixture(scope="module")
def pristine(tmp_path_factory, embedder):
    tmp = tmp_path_factory.mktemp("pristine")
    corpus = seed_copy(tmp / "corpus")
    (corpus / "004_902272254a36adef.txt").unlink()  # (the long report: quicker rebuilds)
    cfg = load_config(write_config(tmp, [corpus]))
    build_index(cfg, embedder=embedder, progress=False)
    return cfg.index_path, corpus


@pytest.fixture(params=sorted(DAMAGE))
def damaged(request, tmp_path, pristine):
    index, corpus = pristine
    shutil.copytree(index, tmp_path / "index")
    cfg_path = write_config(tmp_path, [corpus])  # same corpus: only the damage differs
    cfg = load_config(cfg_path)
    DAMAGE[request.param](generations.current_dir(cfg.index_path)
                          if request.param != "generation folder missing"
                          else cfg.index_path / generations.current_name(cfg.index_path))
    return request.param, cfg_path, cfg


def test_damaged_index_says_to_rebuild_in_the_web_app(damaged, embedder):
    from webapp import create_app
    kind, _, cfg = damaged
    client = create_app(cfg, embedder=embedder).test_client()
    api = client.get("/api/search?q=leapmotor")
    assert api.status_code == 503, kind
    assert api.headers["Content-Type"].startswith("application/json")
    message = api.get_json()["error"]
    assert "Rebuild it with: newsdesk index --full" in message
    assert str(cfg.index_path) not in message  # the server's absolute paths stay private
    for url in ("/?q=leapmotor", "/doc/001_c78aecbcbfb51514", "/api/documents/x"):
        page = client.get(url)
        assert page.status_code == 503, (kind, url)
        assert b"Rebuild it with: newsdesk index --full" in page.data
        assert b"Traceback" not in page.data


def test_damaged_index_says_to_rebuild_on_the_command_line(damaged):
    kind, cfg_path, _ = damaged
    done = subprocess.run(CLI + ["--config", str(cfg_path), "search", "leapmotor"], env=ENV,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, (kind, done.stderr)
    assert "Rebuild it with: newsdesk index --full" in done.stderr
    assert "Traceback" not in done.stderr and not done.stdout


def test_plain_index_command_rebuilds_a_damaged_index(damaged, embedder):
    kind, _, cfg = damaged
    report = build_index(cfg, embedder=embedder, progress=False)
    assert not report.up_to_date, kind
    assert keyword_total(cfg, embedder, "veicoli") > 0


def test_rebuild_after_an_upgrade_reuses_every_embedding(tmp_path, pristine, embedder):
    """An index of the previous format cannot be searched, but its embeddings are still
    good: the rebuild the message asks for must not re-embed a newsroom's archive."""
    index, corpus = pristine
    shutil.copytree(index, tmp_path / "index")
    cfg = load_config(write_config(tmp_path, [corpus]))
    old = generations.current_dir(cfg.index_path)
    _manifest(old, format_version=2)
    with pytest.raises(generations.IndexUnavailable, match="format version 2"):
        Index.open(old, cfg)
    report = build_index(cfg, embedder=embedder, progress=False)
    assert report.embeddings_computed == 0 and report.embeddings_reused == report.passages > 0
    assert keyword_total(cfg, embedder, "veicoli") > 0


def test_missing_index_says_how_to_build_one(tmp_path, embedder):
    from webapp import create_app
    cfg = load_config(write_config(tmp_path, [SEED_CORPUS]))
    r = create_app(cfg, embedder=embedder).test_client().get("/api/search?q=x")
    assert r.status_code == 503
    assert "Build one with: newsdesk index" in r.get_json()["error"]


def test_rebuilds_in_the_same_second_get_their_own_generations(tmp_path, embedder):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "one.txt").write_text("A short note about tides and harbours.")
    cfg = load_config(write_config(tmp_path, [corpus], index={"keep_generations": 5}))
    names = [build_index(cfg, embedder=embedder, full=True, progress=False).generation
             for _ in range(3)]
    assert len(set(names)) == 3
    assert sorted(names) == names  # names sort in build order (pruning relies on it)
    assert {p.name for p in cfg.index_path.glob("gen-*")} == set(names)


def test_requests_during_the_opening_of_a_new_generation_get_the_previous_one(
        tmp_path, embedder, monkeypatch):
    """Opening checks every file (seconds at a million passages): meanwhile the other
    threads answer from the generation they have, and then all move to the new one."""
    import threading
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "one.txt").write_text("A short note about tides and harbours.")
    cfg = load_config(write_config(tmp_path, [corpus]))
    build_index(cfg, embedder=embedder, progress=False)
    handle = IndexHandle(cfg)
    first = handle.get()
    (corpus / "two.txt").write_text("Ferries were cancelled as the storm hit the coast.")
    second_name = build_index(cfg, embedder=embedder, progress=False).generation
    opening, release = threading.Event(), threading.Event()
    real_open = Index.open

    def slow_open(path, config):
        opening.set()
        release.wait(30)
        return real_open(path, config)

    monkeypatch.setattr(Index, "open", staticmethod(slow_open))
    opener = threading.Thread(target=handle.get)
    opener.start()
    assert opening.wait(30)
    assert handle.get() is first  # not blocked behind the opening thread
    release.set()
    opener.join(30)
    assert handle.get().generation == second_name

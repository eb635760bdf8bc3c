"""A plain (not editable) `pip install .` into a fresh venv, used in an empty folder:
`newsdesk init`, `index`, `add`, `status`, `serve` work and nothing is written into
the source checkout."""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from conftest import ROOT

# offline, and without the checkout on the path: only the installed copy may be used
ENV = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "NEWSDESK_CONFIG")}
ENV.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")


def _tracked_copy(dest: Path) -> Path:
    """The checkout's committed and staged files, so the build writes nothing into it."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others",
                             "--exclude-standard"], cwd=ROOT, capture_output=True, check=True)
    for name in filter(None, listed.stdout.decode().split("\0")):
        src, target = ROOT / name, dest / name
        if not (src.exists() or src.is_symlink()):
            continue  # deleted in the work tree
        target.parent.mkdir(parents=True, exist_ok=True)
        if src.is_symlink():
            target.symlink_to(os.readlink(src))
        else:
            shutil.copy2(src, target)
    return dest


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """bin/ of a new venv holding a non-editable install of the project (dependencies
    come from the system site-packages: no network here)."""
    tmp = tmp_path_factory.mktemp("install")
    source = _tracked_copy(tmp / "source")
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)],
                   check=True)
    subprocess.run([str(venv / "bin" / "pip"), "install", "--quiet", "--no-deps", str(source)],
                   check=True, env=ENV, cwd=tmp)
    shutil.rmtree(source)  # the install must not depend on its source
    return venv / "bin"


def run(bin_dir: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(bin_dir / "newsdesk"), *args], cwd=cwd, env=ENV,
                          capture_output=True, text=True, timeout=300)


def test_installed_copy_is_the_one_run(installed, tmp_path):
    found = subprocess.run([str(installed / "python"), "-c",
                            "import indexer, webapp; print(indexer.__file__, webapp.__file__)"],
                           cwd=tmp_path, env=ENV, capture_output=True, text=True, check=True)
    assert str(ROOT) not in found.stdout and "site-packages" in found.stdout


def test_init_index_add_status_serve_in_an_empty_folder(installed, tmp_path):
    before = sorted(p.name for p in ROOT.iterdir())
    work = tmp_path / "newsroom"
    work.mkdir()
    assert run(installed, work, "init").returncode == 0
    (work / "corpus" / "ferry.txt").write_text(
        "The harbour authority opened a new ferry terminal in Genoa on Monday.\n")
    done = run(installed, work, "index", "--quiet")
    assert done.returncode == 0, done.stderr
    assert "Indexed 1 documents" in done.stdout
    (tmp_path / "week.txt").write_text("Il porto di Genova ha registrato più container.\n")
    assert run(installed, work, "add", "--quiet", str(tmp_path / "week.txt")).returncode == 0
    status = run(installed, work, "status")
    assert f"config:      {work / 'config.toml'}" in status.stdout
    assert "documents:   2 (en 1, it 1)" in status.stdout and str(work / "data") in status.stdout

    port = _free_port()
    server = subprocess.Popen([str(installed / "newsdesk"), "serve", "--port", str(port)],
                              cwd=work, env=ENV, start_new_session=True,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                reply = requests.get(f"http://127.0.0.1:{port}/api/search",
                                     params={"q": "ferry", "mode": "keyword"}, timeout=30)
                break
            except requests.ConnectionError:
                assert server.poll() is None, server.stdout.read().decode()
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.5)
        assert reply.status_code == 200
        assert [h["doc_id"] for h in reply.json()["hits"]] == ["ferry"]
        page = requests.get(f"http://127.0.0.1:{port}/", params={"q": "porto"}, timeout=30)
        assert page.status_code == 200 and "week" in page.text
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    assert sorted(p.name for p in ROOT.iterdir()) == before  # nothing new in the checkout

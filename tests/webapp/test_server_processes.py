"""`newsdesk serve` with `[server] processes = 2`: gunicorn workers, each with its own app
over the same index, answer on one port, and stopping the master stops them."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from indexer.config import ConfigError, load_config

from conftest import ROOT, write_config


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _children(pid: int) -> list[int]:
    """The processes whose parent is `pid`."""
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.append(int(stat.parent.name))
    return out


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_two_processes_serve_one_port_and_stop_together(tmp_path, config, corpus_dir):
    port = _free_port()
    path = write_config(tmp_path, [corpus_dir], index={"path": str(config.index_path)},
                        server={"processes": 2, "threads": 2, "port": port},
                        translation={"backend": "none"})
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    server = subprocess.Popen([sys.executable, "-m", "indexer.cli", "--config", str(path),
                               "serve"], env=env, start_new_session=True,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                first = requests.get(base + "/api/search", params={"q": "Leapmotor"}, timeout=60)
                break
            except requests.ConnectionError:
                assert server.poll() is None, server.stdout.read().decode()
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.5)
        assert first.status_code == 200 and first.json()["hits"]
        workers = _children(server.pid)
        assert len(workers) == 2, workers

        def get(n: int) -> tuple[int, list[str]]:
            reply = requests.get(base + "/api/search",
                                 params={"q": ["Leapmotor", "veicoli elettrici"][n % 2]},
                                 headers={"Connection": "close"}, timeout=60)
            return reply.status_code, [h["doc_id"] for h in reply.json()["hits"]]

        with ThreadPoolExecutor(8) as pool:
            replies = list(pool.map(get, range(24)))
        assert {status for status, _ in replies} == {200}
        # every worker gives the same answer to the same query
        assert len({tuple(ids) for n, (_, ids) in enumerate(replies) if n % 2 == 0}) == 1
        assert len({tuple(ids) for n, (_, ids) in enumerate(replies) if n % 2 == 1}) == 1

        server.send_signal(signal.SIGTERM)  # the master only: it stops its workers
        server.wait(timeout=60)
        deadline = time.monotonic() + 30
        while any(_alive(w) for w in workers) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not any(_alive(w) for w in workers), "a worker outlived the master"
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=30)


def test_processes_must_be_at_least_one(tmp_path, corpus_dir):
    path = write_config(tmp_path, [corpus_dir], server={"processes": 0})
    with pytest.raises(ConfigError, match="processes must be at least 1"):
        load_config(path)

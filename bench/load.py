"""Load benchmark: the real WSGI server (waitress, via `newsdesk serve`) on loopback,
hammered by concurrent clients mixing search, document and export requests.

    python bench/load.py --config config.toml --clients 24 --requests 3000 --seconds 120

The index named by the config must be built (`newsdesk index`). The run stops at
--requests or --seconds, whichever comes first, and prints requests/s, latency
percentiles (overall and per kind) and the error count (anything but 2xx, or no
answer; a 503 with Retry-After, the server turning work away while busy, is counted
apart and not timed). Export requests are included only if the server has the export route
(--export-path; checked with one request first). Only loopback addresses are used.
If the config's [access] is on, pass --token or --user/--password.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

import requests
from benchlib import ROOT, percentile, questions  # noqa: E402

HOST = "127.0.0.1"
QUERIES = [
    "veicoli elettrici", "electric vehicles", "leapmotor", '"energy use"', "title:stellantis",
    "emissioni di carbonio", "battery supply chain", "batter*", "stellantis NOT opel",
    "governance AND sustainability", "chi ha fondato l'azienda?", "who founded the company",
    "production milestone", "produzione in Cina", "university", "storia della città",
    "river flood", "the first world war", "fiume", "guerra", "diritti umani", "climate change",
]
MODES = ["hybrid", "hybrid", "keyword", "semantic"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def load_queries(path: str | None) -> list[str]:
    if not path:
        return QUERIES
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    if path.endswith(".jsonl"):
        return [json.loads(line)["query"] for line in lines if line.strip()]
    return [line.strip() for line in lines if line.strip()]



class Server:
    """`newsdesk serve` in a child process, on a free loopback port."""

    def __init__(self, config: str | None, port: int):
        cmd = [sys.executable, "-m", "indexer.cli"] + (["--config", config] if config else [])
        cmd += ["serve", "--host", HOST, "--port", str(port)]
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(
            [str(ROOT), os.environ.get("PYTHONPATH", "")])}
        # Its log goes to a file: an unread pipe fills up and blocks the server's logging.
        self.log = tempfile.TemporaryFile("w+")
        self.proc = subprocess.Popen(cmd, env=env, stdout=self.log, stderr=subprocess.STDOUT,
                                     text=True)
        self.base = f"http://{HOST}:{port}"

    def log_tail(self, lines: int = 20) -> str:
        self.log.seek(0)
        return "".join(self.log.readlines()[-lines:])

    def wait_ready(self, timeout: float = 180) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"the server exited:\n{self.log_tail()}")
            try:
                requests.get(self.base + "/static/style.css", timeout=2)
                return
            except requests.ConnectionError:
                time.sleep(0.3)
        raise SystemExit("the server did not start in time")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()


class Mix:
    """Picks the next request: (kind, path, params)."""

    def __init__(self, weights: dict[str, int], queries: list[str], doc_ids: list[str],
                 export_path: str, rng: random.Random):
        self.kinds = [k for k, w in weights.items() for _ in range(w)]
        self.queries, self.doc_ids, self.export_path, self.rng = queries, doc_ids, export_path, rng

    def next(self) -> tuple[str, str, dict]:
        kind = self.rng.choice(self.kinds)
        q = self.rng.choice(self.queries)
        if kind == "search":
            params = {"q": q, "mode": self.rng.choice(MODES)}
            if self.rng.random() < 0.2:
                params["page"] = str(self.rng.randint(2, 5))
            if self.rng.random() < 0.2:
                params["lang"] = self.rng.choice(["en", "it"])
            return kind, self.rng.choice(["/api/search", "/"]), params
        if kind == "document":
            doc_id = self.rng.choice(self.doc_ids)
            if self.rng.random() < 0.5:
                return kind, f"/api/documents/{doc_id}", {}
            return kind, f"/doc/{doc_id}", {"q": q}
        path, _, query = self.export_path.partition("?")
        params = dict(p.split("=", 1) for p in query.split("&") if "=" in p)
        return kind, path, {k: v.replace("{q}", q) for k, v in params.items()}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--config", help="config.toml of a built index (default: the project's)")
    ap.add_argument("--clients", type=int, default=24)
    ap.add_argument("--requests", type=int, default=3000, help="stop after this many")
    ap.add_argument("--seconds", type=float, default=120, help="stop after this long")
    ap.add_argument("--mix", default="search=6,document=3,export=1",
                    help="request kinds and weights")
    ap.add_argument("--export-path", default="/api/export?q={q}&format=csv",
                    help="export URL, {q} replaced by a query")
    ap.add_argument("--queries", help="queries: .jsonl with a 'query' field, or one per line")
    ap.add_argument("--questions", type=int, default=0,
                    help="instead, this many real questions (half SQuAD, half SQuAD-it)")
    ap.add_argument("--token", default=os.environ.get("NEWSDESK_TOKEN"))
    ap.add_argument("--user")
    ap.add_argument("--password", default=os.environ.get("NEWSDESK_PASSWORD"))
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--json", action="store_true", help="print the results as JSON")
    args = ap.parse_args(argv)

    weights = {k: int(w) for k, w in (part.split("=") for part in args.mix.split(","))}
    auth_headers = {"Authorization": f"Bearer {args.token}"} if args.token else {}
    auth = (args.user, args.password) if args.user else None
    queries = questions(args.questions) if args.questions else load_queries(args.queries)

    server = Server(args.config, free_port())
    try:
        server.wait_ready()
        session = requests.Session()
        session.headers.update(auth_headers)
        session.auth = auth
        probe = session.get(server.base + "/api/search", params={"q": queries[0]}, timeout=120)
        if probe.status_code != 200:
            raise SystemExit(f"search answers {probe.status_code}: {probe.text[:300]}")
        doc_ids = sorted({h["doc_id"] for q in queries[:20] for h in session.get(
            server.base + "/api/search", params={"q": q, "mode": "keyword", "per_page": 50},
            timeout=120).json()["hits"]})
        notes = []
        if weights.get("export"):
            path = Mix({"export": 1}, queries, doc_ids, args.export_path, random.Random(0)).next()
            r = session.get(server.base + path[1], params=path[2], timeout=120)
            if r.status_code != 200:
                notes.append(f"export left out: {args.export_path} answered {r.status_code}")
                weights.pop("export")
        result = run(server.base, args, weights, queries, doc_ids, auth_headers, auth)
        result["notes"] = notes
        result["doc_ids_sampled"] = len(doc_ids)
        result["server_log_tail"] = server.log_tail(5)
    finally:
        server.stop()
    print(json.dumps(result, indent=2) if args.json else report(result))
    return 0 if result["errors"] == 0 else 1


def run(base: str, args, weights: dict[str, int], queries: list[str], doc_ids: list[str],
        headers: dict, auth) -> dict:
    latencies: dict[str, list[float]] = defaultdict(list)
    errors: list[str] = []
    refused: dict[str, int] = defaultdict(int)
    issued = [0]
    lock = threading.Lock()
    deadline = time.monotonic() + args.seconds

    def client(n: int):
        session = requests.Session()
        session.headers.update(headers)
        session.auth = auth
        mix = Mix(weights, queries, doc_ids, args.export_path, random.Random(args.seed + n))
        while time.monotonic() < deadline:
            with lock:
                if issued[0] >= args.requests:
                    return
                issued[0] += 1
            kind, path, params = mix.next()
            started = time.perf_counter()
            try:
                r = session.get(base + path, params=params, timeout=120)
                _ = r.content
                ok = 200 <= r.status_code < 300
                busy = r.status_code == 503 and "Retry-After" in r.headers
                problem = f"{kind} {path} -> {r.status_code}"
            except requests.RequestException as exc:
                ok, busy, problem = False, False, f"{kind} {path} -> {exc!r}"
            seconds = time.perf_counter() - started
            with lock:
                if busy:  # the server's back-pressure (e.g. [export] concurrent), not a failure
                    refused[kind] += 1
                    continue
                latencies[kind].append(seconds)
                if not ok:
                    errors.append(problem)

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(n,)) for n in range(args.clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    every = [s for values in latencies.values() for s in values]

    def summary(values):
        return {"requests": len(values), "p50_ms": round(percentile(values, 50) * 1000, 1),
                "p95_ms": round(percentile(values, 95) * 1000, 1),
                "p99_ms": round(percentile(values, 99) * 1000, 1),
                "mean_ms": round(statistics.fmean(values) * 1000, 1) if values else None}

    return {"clients": args.clients, "seconds": round(elapsed, 1),
            "requests_per_second": round(len(every) / elapsed, 1), **summary(every),
            "errors": len(errors), "first_errors": errors[:10], "refused": dict(refused),
            "by_kind": {k: summary(v) for k, v in sorted(latencies.items())}}


def report(r: dict) -> str:
    lines = [f"{r['requests']} requests from {r['clients']} clients in {r['seconds']} s: "
             f"{r['requests_per_second']} requests/s, {r['errors']} errors",
             f"latency ms: p50 {r['p50_ms']}  p95 {r['p95_ms']}  p99 {r['p99_ms']}",
             f"{'kind':10s} {'requests':>8s} {'p50':>8s} {'p95':>8s} {'p99':>8s}"]
    for kind, s in r["by_kind"].items():
        lines.append(f"{kind:10s} {s['requests']:8d} {s['p50_ms']:8.1f} {s['p95_ms']:8.1f} "
                     f"{s['p99_ms']:8.1f}")
    lines += [f"refused (503, Retry-After: try later): {n} {kind}"
              for kind, n in r["refused"].items()]
    lines += [f"note: {n}" for n in r["notes"]] + [f"error: {e}" for e in r["first_errors"]]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())

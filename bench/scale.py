"""Scale benchmark: the whole pipeline at 10k, 100k (and 1M) passages, both keyword engines.

Archives are grown with ../shared/bench/make_corpus.py (`--words 1500000 / 15000000 /
150000000` is about 10k / 100k / 1M passages; the sizes nest). For each size, smallest
first, and each engine, the archive is indexed into one index folder with
`newsdesk index`'s own code in a child process, so that:

- the first build of a size embeds only the passages the smaller size did not have
  (embeddings of unchanged passages are reused, as in production), and is reported as
  "build" with the passages it embedded;
- the other engine's build of the same size reuses every embedding: it measures
  cleaning, language tagging, passage splitting, the store and the keyword index.

Then, in another child process (so that its memory is the search's alone), 200 real
questions (100 SQuAD English, 100 SQuAD-it) are searched in keyword, semantic and
hybrid mode through the web app's `Searcher` with the default settings (query
translation on, its cache warmed by one pass first; query embeddings not cached), plus
broad and prefix queries; and, with `--http`, the same over HTTP against `newsdesk
serve`. Prints a Markdown table and writes results.json into the work folder.

    python3 bench/scale.py --sizes 1500000,15000000 [--engines tantivy,whoosh] [--http]
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

from benchlib import ROOT, SHARED, percentile, questions  # noqa: E402

MODES = ("keyword", "semantic", "hybrid")
BROAD = (("broad", "year", "hybrid"), ("broad", "anno", "keyword"),
         ("prefix", "elett*", "keyword"))
PARTS = ("store.sqlite", "keyword", "vectors.f32", "vectors.hnsw")


def write_config(work: Path, corpus: Path, engine: str) -> Path:
    """A config for this engine: the shipped defaults, this archive, one index folder."""
    path = work / f"config-{engine}.toml"
    path.write_text(
        f'[corpus]\npaths = [{json.dumps(str(corpus))}]\n'
        f'[index]\npath = {json.dumps(str(work / "index"))}\n'
        f'keyword_engine = "{engine}"\nmax_shrink = 1.0\n'
        # every search measured is a fresh one: no cached results, and the query's and
        # its snippet sentences' embeddings are part of its cost
        f'[search]\nresult_cache = 0\nrecent_vectors = 0\n'
        f'[translation]\ncache_path = {json.dumps(str(work / "translations.sqlite"))}\n')
    return path


def make_corpus(work: Path, words: int) -> Path:
    corpus = work / f"corpus-{words}"
    if not (corpus / ".done").exists():
        subprocess.run([sys.executable, str(SHARED / "bench" / "make_corpus.py"),
                        "--words", str(words), str(corpus)], check=True)
        (corpus / ".done").touch()
    return corpus


def child(command: str, config: Path, *extra: str) -> dict:
    """Run this script's `command` in a fresh process; its last output line is JSON."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1",
           "TRANSFORMERS_OFFLINE": "1"}
    out = subprocess.run([sys.executable, __file__, command, str(config), *extra], env=env,
                         check=True, stdout=subprocess.PIPE, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_rss_mb(pid: int | str = "self", part: str = "VmRSS") -> float:
    """A process's resident memory now; `part` "RssAnon": only its own (heap), not the
    pages of mapped files (the vectors, the graph), which the page cache can drop."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(part + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def do_build(config_path: str) -> dict:
    from indexer.config import load_config
    from indexer.index.build import build_index
    config = load_config(config_path)
    started = time.perf_counter()
    report = build_index(config, progress=False)
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "passages": report.passages, "documents": report.documents,
            "embedded": report.embeddings_computed, "reused": report.embeddings_reused,
            "peak_rss_mb": peak_rss_mb(),
            **report.finishing()}  # where a large build's tail goes


def timings(values: list[float]) -> dict:
    return {f"p{p}": percentile(values, p) * 1000 for p in (50, 95, 99)}


def do_search(config_path: str, count: str) -> dict:
    from indexer.config import load_config
    from indexer.index import generations
    from indexer.models import Filters
    from indexer.search.command import make_searcher
    from indexer.search.searcher import SearchRequest
    config = load_config(config_path)
    searcher = make_searcher(config)
    qs = questions(int(count))
    gen = generations.current_dir(config.index_path)
    disk = {part: sum(f.stat().st_size for f in ([gen / part] if (gen / part).is_file()
                                                  else (gen / part).rglob("*")) if f.is_file())
            / 2**20 for part in PARTS if (gen / part).exists()}

    def run(query: str, mode: str) -> float:
        started = time.perf_counter()
        searcher.search(SearchRequest(query, mode, Filters()))
        return time.perf_counter() - started

    for q in qs:  # warm: the query translations' cache, the index's pages
        run(q, "hybrid")
    out = {"disk_mb": disk, "modes": {}}
    for mode in MODES:
        out["modes"][mode] = timings([run(q, mode) for q in qs])
    for kind, query, mode in BROAD:
        out["modes"][f"{kind} `{query}` ({mode})"] = timings([run(query, mode)
                                                             for _ in range(20)])
    out["rss_mb"], out["anon_mb"] = current_rss_mb(), current_rss_mb(part="RssAnon")
    return out


def http(config: Path, count: int) -> dict:
    import requests
    from load import Server, free_port
    server = Server(str(config), free_port())
    try:
        server.wait_ready()
        qs = questions(count)
        session = requests.Session()

        def get(query: str, mode: str) -> float:
            started = time.perf_counter()
            session.get(server.base + "/api/search", params={"q": query, "mode": mode},
                        timeout=120).raise_for_status()
            return time.perf_counter() - started

        for q in qs:
            get(q, "hybrid")
        out = {mode: timings([get(q, mode) for q in qs]) for mode in MODES}
        out["server_rss_mb"] = current_rss_mb(server.proc.pid)
        out["server_anon_mb"] = current_rss_mb(server.proc.pid, "RssAnon")
        return out
    finally:
        server.stop()


def table(results: list[dict]) -> str:
    head = ("| passages | engine | build (embedded) | passages/s | build peak RSS | "
            "disk: store / keyword / vectors / graph (MB) | keyword p50/p95/p99 | "
            "semantic p50/p95/p99 | hybrid p50/p95/p99 | search RSS |")
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    for r in results:
        b, s = r["build"], r["search"]
        disk = " / ".join(f"{s['disk_mb'].get(p, 0):.0f}" for p in PARTS)
        modes = ["/".join(f"{s['modes'][m][f'p{p}']:.0f}" for p in (50, 95, 99)) for m in MODES]
        lines.append(f"| {b['passages']:,} | {r['engine']} | {b['seconds']:.0f} s "
                     f"({b['embedded']:,}) | {b['passages'] / b['seconds']:.0f} | "
                     f"{b['peak_rss_mb']:.0f} MB | {disk} | {' | '.join(modes)} | "
                     f"{s['rss_mb']:.0f} MB (own {s.get('anon_mb', float('nan')):.0f}) |")
    extra = [f"- {r['build']['passages']:,} {r['engine']}: " + ", ".join(
        f"{k} p50/p95 {v['p50']:.0f}/{v['p95']:.0f} ms"
        for k, v in r["search"]["modes"].items() if k not in MODES)
        + ("; HTTP " + ", ".join(f"{m} p50/p95/p99 {r['http'][m]['p50']:.0f}/"
                                 f"{r['http'][m]['p95']:.0f}/{r['http'][m]['p99']:.0f} ms"
                                 for m in MODES)
           + f", server RSS {r['http']['server_rss_mb']:.0f} MB (own "
           f"{r['http'].get('server_anon_mb', float('nan')):.0f} MB)" if r.get("http") else "")
        for r in results]
    return "\n".join(lines + [""] + extra)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1500000,15000000",
                        help="make_corpus.py --words per size, smallest first")
    parser.add_argument("--engines", default="tantivy,whoosh")
    parser.add_argument("--work", type=Path, default=ROOT / "data" / "bench-scale")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--http", action="store_true", help="also measure over HTTP")
    args = parser.parse_args()
    args.work = args.work.resolve()  # the configs written there name absolute paths
    args.work.mkdir(parents=True, exist_ok=True)
    results = []
    for words in sorted(int(w) for w in args.sizes.split(",")):
        corpus = make_corpus(args.work, words)
        for engine in args.engines.split(","):
            config = write_config(args.work, corpus, engine)
            print(f"{words:,} words, {engine}: building", file=sys.stderr, flush=True)
            result = {"words": words, "engine": engine, "build": child("_build", config)}
            print(f"  {result['build']}", file=sys.stderr, flush=True)
            result["search"] = child("_search", config, str(args.queries))
            if args.http:
                result["http"] = http(config, args.queries)
            results.append(result)
            (args.work / "results.json").write_text(json.dumps(results, indent=2))
            print(table(results[-1:]), file=sys.stderr, flush=True)
    print(table(results))
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "_build":
        print(json.dumps(do_build(sys.argv[2])))
    elif len(sys.argv) > 1 and sys.argv[1] == "_search":
        print(json.dumps(do_search(sys.argv[2], sys.argv[3])))
    else:
        sys.exit(main())

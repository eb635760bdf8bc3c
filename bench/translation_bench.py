"""Benchmark: the extra latency of translating a 10-hit results page.

Indexes the NTREX news articles of ../shared/eval (123 English + 123 Italian) with
the project's pipeline, then runs headline queries in keyword mode restricted to
the other language (Italian headlines for an English reader and the reverse), so
each page holds 10 hits to translate. Per query it times the same search

    without translation                       (baseline)
    with translation, cache empty             (warm Apertium pipeline, every snippet new)
    with translation, again                   (every snippet in the cache)

and prints p50/p95 of the extra milliseconds over the baseline, then the same for
cross-language keywords (the query translated both ways to read its language).
For scale it also times Apertium run as a command, one process per page.

Run: python bench/translation_bench.py [--eval-dir ../shared/eval] [--work DIR] [--queries 100]
"""
from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchlib import ROOT, percentile, read_jsonl  # noqa: E402

from indexer.config import load_config  # noqa: E402
from indexer.index.build import build_index  # noqa: E402
from indexer.index.embedders import load_embedder  # noqa: E402
from indexer.index.reader import IndexHandle  # noqa: E402
from indexer.models import Filters  # noqa: E402
from indexer.search.searcher import Searcher, SearchRequest  # noqa: E402
from indexer.search.translated_snippets import snippet_text  # noqa: E402
from indexer.translate.backends import load_translator  # noqa: E402


def summary(label: str, values: list[float]) -> str:
    return (f"{label:<44} p50 {statistics.median(values):7.1f} ms   "
            f"p95 {percentile(values, 95):7.1f} ms   max {max(values):7.1f} ms")


def timed(searcher: Searcher, request: SearchRequest):
    started = time.perf_counter()
    response = searcher.search(request)
    return (time.perf_counter() - started) * 1000, response


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--eval-dir", type=Path, default=ROOT.parent / "shared" / "eval")
    parser.add_argument("--work", type=Path, help="work folder (default: a temporary one; "
                                                  "reusing one skips re-indexing)")
    parser.add_argument("--queries", type=int, default=100, help="per reader language")
    parser.add_argument("--pivot", default="spa")
    args = parser.parse_args()

    work = args.work or Path(tempfile.mkdtemp(prefix="newsdesk-translation-bench-"))
    corpus = work / "corpus"
    corpus.mkdir(parents=True, exist_ok=True)
    ntrex = args.eval_dir / "ntrex_en_it"
    with open(corpus / "ntrex.jsonl", "w", encoding="utf-8") as out:
        for lang in ("en", "it"):
            for r in read_jsonl(ntrex / f"docs_{lang}.jsonl"):
                out.write(json.dumps({"id": f"{r['id']}-{lang}", "title": r.get("title", ""),
                                      "text": r["text"], "kind": "news"}) + "\n")
    cache = work / "translations.sqlite"
    for leftover in work.glob("translations.sqlite*"):
        leftover.unlink()
    (work / "config.toml").write_text(
        f'[corpus]\npaths = ["{corpus}"]\n[index]\npath = "{work / "index"}"\n'
        f'[translation]\ncache_path = "{cache}"\npivot = "{args.pivot}"\n')
    config = load_config(work / "config.toml")
    embedder = load_embedder(config.embedder)
    report = build_index(config, embedder=embedder, progress=False)
    print(f"index: {report.documents} NTREX articles, {report.passages} passages "
          f"({'reused' if report.up_to_date else f'built in {report.seconds:.0f} s'})")

    translator = load_translator(config)
    if not translator.available:
        print(f"translation unavailable: {translator.unavailable_reason}")
        return 1
    searcher = Searcher(config, IndexHandle(config), embedder, translator)
    for source, target in (("it", "en"), ("en", "it")):  # start both pipelines off the clock
        translator.backend.translate(["Pronto."], source, target)

    rng = random.Random(13)
    plans = []  # (headline, hit language, reader language)
    for lang, reader in (("it", "en"), ("en", "it")):
        heads = read_jsonl(ntrex / f"queries_headline_{lang}.jsonl")
        plans += [(q["query"], lang, reader) for q in rng.sample(heads, min(args.queries,
                                                                            len(heads)))]

    rows = {k: [] for k in ("base", "miss", "hit", "texts")}
    for query, lang, reader in plans:
        request = SearchRequest(query, "keyword", Filters(languages=[lang]), 1, 10, xlang=False)
        base, _ = timed(searcher, request)
        base = min(base, timed(searcher, request)[0])  # the searcher's own caches are warm
        request.translate = reader
        miss, response = timed(searcher, request)
        hit, again = timed(searcher, request)
        assert [h.translation for h in again.hits] == [h.translation for h in response.hits]
        rows["base"].append(base)
        rows["miss"].append(miss - base)
        rows["hit"].append(hit - base)
        rows["texts"].append(sum(1 for h in response.hits if h.translation))
    print(f"{len(plans)} pages of 10 hits in the other language "
          f"({statistics.mean(rows['texts']):.1f} translated snippets per page on average)")
    print(summary("search without translation", rows["base"]))
    print(summary("extra: translated page, cache miss", rows["miss"]))
    print(summary("extra: translated page, cache hit", rows["hit"]))

    xmiss, xhit = [], []
    for query, lang, _ in plans:
        plain = SearchRequest(query, "keyword", Filters(), 1, 10, xlang=False)
        base = min(timed(searcher, plain)[0], timed(searcher, plain)[0])
        crossed = SearchRequest(query, "keyword", Filters(), 1, 10, xlang=True)
        xmiss.append(timed(searcher, crossed)[0] - base)
        xhit.append(timed(searcher, crossed)[0] - base)
    print(summary("extra: cross-language keywords, cache miss", xmiss))
    print(summary("extra: cross-language keywords, cache hit", xhit))

    # For scale: Apertium as a command, the page's snippets joined into one input.
    per_page = []
    for query, lang, reader in plans[:5]:
        response = searcher.search(SearchRequest(query, "keyword", Filters(languages=[lang]),
                                                 1, 10, xlang=False))
        text = "\n".join(" ".join(snippet_text(h.snippet).split()) for h in response.hits)
        codes = {"en": "eng", "it": "ita"}
        command = (f"apertium -u {codes[lang]}-{args.pivot} | "
                   f"apertium -u {args.pivot}-{codes[reader]}")
        started = time.perf_counter()
        subprocess.run(["bash", "-c", command], input=text, capture_output=True, text=True,
                       check=True)
        per_page.append((time.perf_counter() - started) * 1000)
    print(summary("for scale: apertium command, 1 run per page", per_page))
    print(f"cache: {cache} ({translator.cache.path.stat().st_size // 1024} KiB)")
    translator.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

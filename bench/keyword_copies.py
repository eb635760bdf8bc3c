"""Keyword search over an archive's passages copied N times: the keyword engine at N times
the size, without embedding N times the passages.

    python3 bench/keyword_copies.py --config /path/config.toml --copies 10 --work /tmp/kw10

`--config` names a built archive (tantivy; e.g. one of bench/scale.py's). Its passages
are written `--copies` times into a new tantivy index in `--work` (kept: a second run
reuses it), each copy under the same row and a suffixed document id, so the archive's
store, row facts and vectors answer for every hit. Prints, over 200 real questions:

- the engine alone (the per-language tantivy queries a keyword search runs, top 1,000
  with the count), languages one after the other and at the same time, for the archive
  and for its copies;
- whole keyword searches through the web app's `Searcher` (its result cache off), its
  keyword index the archive's, then the copies', both after a hybrid and a keyword pass
  over the archive (query translations and word forms warm: the copies' hits are the
  archive's passages, so warming only before the copies would favour them).

The copies hold N times the postings of every term, as an archive N times larger would
for common words. What they do not reproduce: the new words of a larger archive, and
distinct passages in a search's 1,000 candidates (each passage now comes N times, so a
page groups fewer documents; the Python work per candidate is the same).
"""
from __future__ import annotations

import argparse
import sqlite3
import time
from collections import defaultdict
from pathlib import Path
from types import SimpleNamespace

from benchlib import percentile, questions

LANGUAGES_TOGETHER = ("one after the other", "at the same time")


def build_copies(store: Path, out: Path, languages: list[str], copies: int) -> None:
    from indexer.index.keyword.tantivy_index import TantivyIndex
    db = sqlite3.connect(store)
    docs = {row[0]: row[1:] for row in db.execute(
        "SELECT doc_id, title, kind, source, published FROM documents")}
    mentions = defaultdict(list)
    for row, kind, text in db.execute("SELECT row, kind, text FROM mentions"):
        mentions[row].append(SimpleNamespace(kind=kind, text=text))
    passages = db.execute("SELECT row, doc_id, section, language, text FROM passages").fetchall()
    started = time.perf_counter()
    with TantivyIndex.create(out, languages).writer(1024, 2) as writer:
        for copy in range(copies):
            for row, doc_id, section, language, text in passages:
                title, kind, source, published = docs[doc_id]
                writer.add(SimpleNamespace(language=language, row=row, doc_id=f"{doc_id}#{copy}",
                                           section=section, text=text,
                                           mentions=mentions.get(row, ())),
                           title, kind, source, published)
    print(f"wrote {copies} x {len(passages):,} passages in {time.perf_counter() - started:.0f} s")


def timings(values: list[float]) -> str:
    return "/".join(f"{percentile(values, p) * 1000:.1f}" for p in (50, 95, 99))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", required=True)
    parser.add_argument("--copies", type=int, default=10)
    parser.add_argument("--work", required=True, type=Path)
    parser.add_argument("--questions", type=int, default=200)
    args = parser.parse_args()

    from indexer.config import load_config
    from indexer.index import generations
    from indexer.index.keyword.tantivy_index import TantivyIndex
    from indexer.models import Filters
    from indexer.search.command import make_searcher
    from indexer.search.searcher import SearchRequest

    config = load_config(args.config)
    config.search.result_cache = 0
    searcher = make_searcher(config)
    index = searcher.handle.get()
    archive = index.keyword
    if archive.engine != "tantivy":
        raise SystemExit("--config must name an archive indexed with tantivy")
    if not (args.work / archive.languages[0] / "meta.json").exists():
        build_copies(generations.current_dir(config.index_path) / "store.sqlite", args.work,
                     archive.languages, args.copies)
    copies = TantivyIndex.open(args.work, archive.languages)
    qs = questions(args.questions)
    print(f"{archive.doc_count():,} passages; copies {copies.doc_count():,}; "
          f"{len(qs)} questions; p50/p95/p99 ms")

    queries = []
    for q in qs:
        parsed = searcher.reader.parse(q)
        also = searcher.query_translation(parsed, None).trees(config.translation.query_boost)
        queries.append(archive._queries(parsed.tree, Filters(), also)[0])
    for name, engine in (("archive", archive), ("copies", copies)):
        pool = engine._pool
        for together in LANGUAGES_TOGETHER:
            engine._pool = pool if together == LANGUAGES_TOGETHER[1] else None
            spent = []
            for per_language in queries:
                started = time.perf_counter()
                engine._each_language(lambda lang, q: engine._hits(lang, q, 1000), per_language)
                spent.append(time.perf_counter() - started)
            print(f"engine, {name}, languages {together}: {timings(spent)}")
        engine._pool = pool

    def run(query: str, mode: str) -> float:
        started = time.perf_counter()
        searcher.search(SearchRequest(query, mode, Filters()))
        return time.perf_counter() - started

    for mode in ("hybrid", "keyword"):
        for q in qs:
            run(q, mode)
    for name, engine in (("archive", archive), ("copies", copies)):
        index.keyword = engine
        print(f"keyword search, {name}: {timings([run(q, 'keyword') for q in qs])}")
    index.keyword = archive


if __name__ == "__main__":
    main()

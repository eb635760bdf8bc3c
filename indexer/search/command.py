"""`newsdesk search`, and the filter options and searcher that the export commands share."""
from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict

from ..models import Filters
from .snippets import marked_text, snippet_runs

TERMINAL_MARKS = ("\x1b[1;7m", "\x1b[0m")  # matched terms in bold reverse video


def filters_from_args(args) -> Filters:
    return Filters(languages=args.lang or [], kinds=args.kind or [], sources=args.source or [],
                   date_from=args.date_from or "", date_to=args.date_to or "",
                   names=args.name or [], figures=args.figure or [])


def add_filter_options(p: argparse.ArgumentParser):
    p.add_argument("--lang", action="append", help="language code (repeatable)")
    p.add_argument("--kind", action="append", help="news, press-release, encyclopedia, disclosure")
    p.add_argument("--source", action="append", help="exact source name (repeatable)")
    p.add_argument("--from", dest="date_from", help="published on or after (YYYY[-MM[-DD]])")
    p.add_argument("--to", dest="date_to", help="published on or before (YYYY[-MM[-DD]])")
    p.add_argument("--name", action="append", help="mentions this name (repeatable: any)")
    p.add_argument("--figure", action="append", help="mentions this figure (repeatable: any)")


def make_searcher(config):
    """The web app's searcher: the live index, the configured embedder and translator."""
    from ..index.embedders import load_embedder
    from ..index.reader import IndexHandle
    from ..translate.backends import load_translator
    from .searcher import Searcher
    return Searcher(config, IndexHandle(config), load_embedder(config.embedder),
                    load_translator(config))


def cmd_search(args, config) -> int:
    from .searcher import SearchRequest
    from .validation import check_filters
    filters = check_filters(filters_from_args(args), config)
    response = make_searcher(config).search(SearchRequest(
        args.query, args.mode or config.search.default_mode, filters, args.page, args.per_page,
        xlang=False if args.no_xlang else None, group=args.group))
    if args.json:
        print(json.dumps({"query": response.query, "mode": response.mode,
                          "group": response.group, "total": response.total,
                          "total_documents": response.total_documents,
                          "total_passages": response.total_passages, "notice": response.notice,
                          "hits": [asdict(h) for h in response.hits]}, ensure_ascii=False,
                         indent=2))
        return 0
    if response.notice:
        print(f"note: {response.notice}")
    for lang, text in response.also_searched.items():
        print(f"also searched ({lang}, machine translation): {text}")
    print(f"{response.total_documents} documents, {response.total_passages} passages "
          f"({response.mode}, {response.seconds * 1000:.0f} ms)")
    marks = TERMINAL_MARKS if sys.stdout.isatty() else ("[[", "]]")
    for h in response.hits:
        section = f" › {h.section}" if h.section else ""
        print(f"{h.rank:3d}. [{h.language}] {h.title} — {h.source or 'unknown source'}, "
              f"{h.published or 'undated'} ({h.matched_by}){section}")
        print(f"     {' '.join(marked_text(snippet_runs(h.snippet), *marks).split())}")
    return 0


def add_parser(sub) -> None:
    p = sub.add_parser("search", help="search from the command line")
    p.add_argument("query")
    p.add_argument("--mode", choices=["hybrid", "keyword", "semantic"])
    p.add_argument("--page", type=int, default=1)
    p.add_argument("--per-page", type=int, default=10)
    p.add_argument("--group", choices=["document", "passage"], default="document",
                   help="one result per document (default) or every passage")
    p.add_argument("--json", action="store_true")
    p.add_argument("--no-xlang", action="store_true",
                   help="do not also search the query translated into the other language(s)")
    add_filter_options(p)
    p.set_defaults(func=cmd_search)

"""`newsdesk export` and `newsdesk batch`: the web app's downloads, written to a file.

The file is written under a temporary name and renamed when complete, so an
interrupted export never leaves a file that looks whole.
"""
from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

from ..search.command import add_filter_options, filters_from_args, make_searcher
from ..search.validation import check_filters, check_int, check_mode
from .formats import FORMATS


def _format(args) -> str:
    if args.format:
        return args.format
    suffix = Path(args.output).suffix.lower().lstrip(".")
    return suffix if suffix in FORMATS else "csv"


def _write(chunks, output: str, fmt: str) -> None:
    if output == "-":
        if fmt == "xlsx":
            raise ValueError("an XLSX export needs a file name (-o FILE.xlsx)")
        for chunk in chunks:
            sys.stdout.buffer.write(chunk)
        sys.stdout.buffer.flush()
        return
    target = Path(output)
    try:
        fd, partial = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial",
                                       dir=target.parent)
    except OSError as exc:
        raise ValueError(f"cannot write {output}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            for chunk in chunks:
                fh.write(chunk)
        os.replace(partial, target)
    except BaseException:
        os.unlink(partial)
        raise


def _builder(args, config, searcher):
    from ..search.validation import InvalidParameter
    from .rows import RowBuilder
    target = (args.translate or "").lower()
    if target and target not in config.corpus.languages:
        raise InvalidParameter("--translate", f"must be one of {', '.join(config.corpus.languages)}")
    translator = searcher.translator
    if target and not translator.available:
        print(f"note: snippets not translated: {translator.unavailable_reason}", file=sys.stderr)
        target = ""
    return RowBuilder(base_url=args.base_url
                      or f"http://{config.server.host}:{config.server.port}/",
                      target_language=target, translate=translator.translate if target else None)


def cmd_export(args, config) -> int:
    from .plan import check_limit, export_stream, plan_export, row_cap
    started = time.perf_counter()
    fmt = _format(args)
    searcher = make_searcher(config)
    cap = row_cap(searcher, fmt)
    plan = plan_export(searcher, args.query, check_mode(args.mode, config),
                       check_filters(filters_from_args(args), config), check_limit(args.limit, cap), cap)
    for notice in plan.notices:
        print(f"note: {notice}", file=sys.stderr)
    _write(export_stream(plan, fmt, _builder(args, config, searcher)), args.output, fmt)
    cut = f"the first {plan.rows:,} of {plan.total:,} hits (truncated)" if plan.truncated \
        else f"all {plan.total:,} hits"
    print(f"Exported {cut} ({plan.mode}) as {fmt} to {args.output} in "
          f"{time.perf_counter() - started:.1f} s", file=sys.stderr)
    return 0


def cmd_batch(args, config) -> int:
    from .batch import BatchPlan, read_queries
    from .plan import export_stream
    started = time.perf_counter()
    fmt = _format(args)
    try:
        data = Path(args.file).read_bytes()
    except OSError as exc:
        raise ValueError(f"cannot read {args.file}: {exc.strerror or exc}") from None
    cfg = config.export
    queries = read_queries(data, cfg.batch_max_queries, config.search.max_query_chars)
    searcher = make_searcher(config)
    plan = BatchPlan(searcher, queries, check_mode(args.mode, config),
                     check_filters(filters_from_args(args), config),
                     check_int("top", args.top, cfg.batch_top, 1, cfg.batch_max_top))
    _write(export_stream(plan, fmt, _builder(args, config, searcher)), args.output, fmt)
    empty = sum(1 for q in plan.per_query if not q["rows"])
    print(f"Ran {len(queries)} queries ({plan.mode}, top {plan.top}; {empty} without hits) "
          f"as {fmt} to {args.output} in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return 0


def add_parser(sub) -> None:
    """The `export` and `batch` subcommands."""
    def common(p):
        p.add_argument("-o", "--output", required=True,
                       help="file to write ('-' for standard output, CSV and JSONL only)")
        p.add_argument("--format", choices=FORMATS,
                       help="default: from the output file's extension, else csv")
        p.add_argument("--mode", choices=["hybrid", "keyword", "semantic"])
        p.add_argument("--translate", metavar="LANG",
                       help="add each snippet's machine translation into LANG (en, it)")
        p.add_argument("--base-url", help="web app address for the permalinks "
                                          "(default: [server] host and port)")
        add_filter_options(p)

    p = sub.add_parser("export", help="export every hit of a search to CSV, JSONL or XLSX")
    p.add_argument("query")
    p.add_argument("--limit", type=int, help="only the first N hits (the export says it is "
                                             "truncated); needed past [export] max_rows")
    common(p)
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("batch", help="run a list of queries, export the top K hits of each")
    p.add_argument("file", help="one query per line, or a CSV file with a 'query' column")
    p.add_argument("--top", type=int, help="hits per query (default: [export] batch_top)")
    common(p)
    p.set_defaults(func=cmd_batch)

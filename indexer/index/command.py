"""`newsdesk index`: build the index from the corpus."""
from __future__ import annotations

import sys
from pathlib import Path


def cmd_index(args, config) -> int:
    from .build import build_index, report_json
    report = build_index(config, paths=args.paths or None, full=args.full,
                         allow_shrink=args.allow_shrink,
                         progress=not args.quiet and sys.stderr.isatty())
    print(report_json(report) if args.json else report.summary())
    return 0


def add_parser(sub) -> None:
    p = sub.add_parser("index", help="build the index from the corpus")
    p.add_argument("paths", nargs="*", type=Path, help="folders/files to index instead of "
                                                        "[corpus] paths")
    p.add_argument("--full", action="store_true", help="rebuild even if nothing changed")
    p.add_argument("--allow-shrink", action="store_true",
                   help="publish the new index even if it is empty or drops more than "
                        "[index] max_shrink of the live one's documents")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.set_defaults(func=cmd_index)

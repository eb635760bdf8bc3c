"""The `newsdesk` command: index, search, serve, export, batch, eval, translate-eval."""
from __future__ import annotations

import argparse
import getpass
import ipaddress
import json
import os
import secrets
import sys
from dataclasses import asdict
from pathlib import Path

from .config import ConfigError, load_config
from .export_cli import add_commands as add_export_commands
from .generations import BuildLocked, IndexUnavailable
from .models import Filters
from .translation import TranslationError


def _filters(args) -> Filters:
    return Filters(languages=args.lang or [], kinds=args.kind or [], sources=args.source or [],
                   date_from=args.date_from or "", date_to=args.date_to or "")


def _add_filter_options(p: argparse.ArgumentParser):
    p.add_argument("--lang", action="append", help="language code (repeatable)")
    p.add_argument("--kind", action="append", help="news, press-release, encyclopedia, disclosure")
    p.add_argument("--source", action="append", help="exact source name (repeatable)")
    p.add_argument("--from", dest="date_from", help="published on or after (YYYY[-MM[-DD]])")
    p.add_argument("--to", dest="date_to", help="published on or before (YYYY[-MM[-DD]])")


def cmd_index(args, config) -> int:
    from .build import build_index, report_json
    report = build_index(config, paths=args.paths or None, full=args.full,
                         progress=not args.quiet and sys.stderr.isatty())
    print(report_json(report) if args.json else report.summary())
    return 0


def _searcher(config):
    from .embedders import load_embedder
    from .reader import IndexHandle
    from .search import Searcher
    from .translation import load_translator
    return Searcher(config, IndexHandle(config), load_embedder(config.embedder),
                    load_translator(config))


def cmd_search(args, config) -> int:
    from .search import SearchRequest
    from .validation import check_filters
    filters = check_filters(_filters(args), config)
    response = _searcher(config).search(SearchRequest(
        args.query, args.mode or config.search.default_mode, filters, args.page, args.per_page,
        xlang=False if args.no_xlang else None))
    if args.json:
        print(json.dumps({"query": response.query, "mode": response.mode,
                          "total": response.total, "notice": response.notice,
                          "hits": [asdict(h) for h in response.hits]}, ensure_ascii=False,
                         indent=2))
        return 0
    if response.notice:
        print(f"note: {response.notice}")
    for lang, text in response.also_searched.items():
        print(f"also searched ({lang}, machine translation): {text}")
    print(f"{response.total} hits ({response.mode}, {response.seconds * 1000:.0f} ms)")
    for h in response.hits:
        section = f" › {h.section}" if h.section else ""
        print(f"{h.rank:3d}. [{h.language}] {h.title} — {h.source or 'unknown source'}, "
              f"{h.published or 'undated'} ({h.matched_by}){section}")
        print(f"     {' '.join(h.text.split())[:200]}")
    return 0


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def cmd_serve(args, config) -> int:
    from waitress import serve

    from webapp import create_app
    host = args.host or config.server.host
    port = args.port or config.server.port
    if not _is_loopback(host) and not config.access.enabled and not args.allow_open:
        raise ValueError(f"refusing to serve on {host} with no [access] users or tokens: "
                         f"anyone on the network could read the index. Add them (see "
                         f"config.toml), or pass --allow-open if that is really intended.")
    app = create_app(config)
    print(f"newsdesk: serving http://{host}:{port}/ (Ctrl-C to stop)", flush=True)
    serve(app, host=host, port=port, threads=config.server.threads, ident="newsdesk")
    return 0


def cmd_translate_eval(args, config) -> int:
    from .translation_eval import as_json, evaluate, table
    path = (Path(args.tsv) if args.tsv
            else config.resolve("../shared/eval/ntrex_en_it/sentences.tsv"))
    scores = evaluate(path, args.pivot or ["spa", "cat"], sample=args.sample)
    print(json.dumps(as_json(scores), indent=2) if args.json else table(scores))
    return 0


def cmd_hash_secret(args, config) -> int:
    """Print the hash of a password (or of a new random token) for config.toml's [access]."""
    from werkzeug.security import generate_password_hash
    if args.new_token:
        secret = secrets.token_urlsafe(32)
        print(f"token (give it to the client, it is not stored): {secret}")
    elif sys.stdin.isatty():
        secret = getpass.getpass("secret: ")
        if secret != getpass.getpass("again: "):
            raise ValueError("the two entries differ")
    else:
        secret = sys.stdin.readline().rstrip("\n")
    if len(secret) < 8:
        raise ValueError("use at least 8 characters")
    print(f'hash (for config.toml): "{generate_password_hash(secret)}"')
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="newsdesk", description=__doc__)
    parser.add_argument("--config", help="config file (default: $NEWSDESK_CONFIG or config.toml)")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("index", help="build the index from the corpus")
    p.add_argument("paths", nargs="*", type=Path, help="folders/files to index instead of "
                                                        "[corpus] paths")
    p.add_argument("--full", action="store_true", help="rebuild even if nothing changed")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.set_defaults(func=cmd_index)

    p = sub.add_parser("search", help="search from the command line")
    p.add_argument("query")
    p.add_argument("--mode", choices=["hybrid", "keyword", "semantic"])
    p.add_argument("--page", type=int, default=1)
    p.add_argument("--per-page", type=int, default=10)
    p.add_argument("--json", action="store_true")
    p.add_argument("--no-xlang", action="store_true",
                   help="do not also search the query translated into the other language(s)")
    _add_filter_options(p)
    p.set_defaults(func=cmd_search)

    add_export_commands(sub, _add_filter_options, _filters, _searcher)

    p = sub.add_parser("serve", help="serve the web app")
    p.add_argument("--host")
    p.add_argument("--port", type=int)
    p.add_argument("--allow-open", action="store_true",
                   help="serve beyond loopback even with no [access] users or tokens")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("translate-eval", help="translation quality (chrF, BLEU) and speed, "
                                              "per direction and Apertium pivot")
    p.add_argument("--tsv", help="aligned sentences with en and it columns (default: "
                                 "../shared/eval/ntrex_en_it/sentences.tsv)")
    p.add_argument("--pivot", action="append", choices=["spa", "cat"],
                   help="pivot language (repeatable; default: both)")
    p.add_argument("--sample", type=int, default=0, help="score a seeded sample of N sentences")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_translate_eval)

    from .evaluation.command import add_parser as add_eval_parser
    add_eval_parser(sub)

    p = sub.add_parser("hash-secret", help="hash a password or token for config.toml [access]")
    p.add_argument("--new-token", action="store_true", help="make a random token and hash it")
    p.set_defaults(func=cmd_hash_secret)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        config = load_config(args.config)
        return args.func(args, config)
    except (ConfigError, IndexUnavailable, BuildLocked, ValueError, TranslationError,
            FileNotFoundError) as exc:
        print(f"newsdesk: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # output piped into `head` and the like: stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())

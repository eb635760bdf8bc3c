"""The `newsdesk` command: init, index, add, remove, status, search, serve, export, batch,
eval, translate-eval.

Each stage's package owns its subcommand (`index/command.py`, `search/command.py`,
...); this module puts them under one parser and runs the one asked for. `serve` and
`hash-secret` belong to the web app and its `[access]` settings.
"""
from __future__ import annotations

import argparse
import getpass
import ipaddress
import os
import secrets
import sys
from importlib import resources
from pathlib import Path

from .config import CONFIG_NAME, ConfigError, load_config
from .evaluation import command as evaluation_command
from .export import command as export_command
from .index import command as index_command
from .index.generations import BuildLocked, IndexUnavailable
from .search import command as search_command
from .translate import command as translate_command
from .translate.interface import TranslationError


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def cmd_serve(args, config) -> int:
    from webapp.server import serve
    host = args.host or config.server.host
    port = args.port or config.server.port
    if not _is_loopback(host) and not config.access.enabled and not args.allow_open:
        raise ValueError(f"refusing to serve on {host} with no [access] users or tokens: "
                         f"anyone on the network could read the index. Add them (see "
                         f"config.toml), or pass --allow-open if that is really intended.")
    processes = (f" in {config.server.processes} processes"
                 if config.server.processes > 1 else "")
    print(f"newsdesk: serving http://{host}:{port}/{processes} (Ctrl-C to stop)", flush=True)
    serve(config, host, port)
    return 0


def cmd_init(args, config) -> int:
    """Write the commented config.toml and an empty corpus/ folder into a folder."""
    folder = Path(args.folder).absolute()
    target = folder / CONFIG_NAME
    if target.exists():
        raise ValueError(f"{target} exists already; nothing was changed")
    folder.mkdir(parents=True, exist_ok=True)
    target.write_text((resources.files("indexer") / CONFIG_NAME).read_text(encoding="utf-8"),
                      encoding="utf-8")
    (folder / "corpus").mkdir(exist_ok=True)
    print(f"Wrote {target} and {folder / 'corpus'}/.\nPut .txt, .md, .html files or .jsonl "
          f"dumps in corpus/ (or list other folders in [corpus] paths), then run "
          f"`newsdesk index` and `newsdesk serve` in {folder}.")
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
    parser.add_argument("--config", help="config file (default: $NEWSDESK_CONFIG, else "
                                         "./config.toml, else the built-in defaults)")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("init", help="write a commented config.toml and a corpus/ folder here")
    p.add_argument("folder", nargs="?", default=".", help="where (default: this folder)")
    p.set_defaults(func=cmd_init, needs_config=False)

    for add_parser in (index_command.add_parser, search_command.add_parser,
                       export_command.add_parser):
        add_parser(sub)

    p = sub.add_parser("serve", help="serve the web app")
    p.add_argument("--host")
    p.add_argument("--port", type=int)
    p.add_argument("--allow-open", action="store_true",
                   help="serve beyond loopback even with no [access] users or tokens")
    p.set_defaults(func=cmd_serve)

    translate_command.add_parser(sub)
    evaluation_command.add_parser(sub)

    p = sub.add_parser("hash-secret", help="hash a password or token for config.toml [access]")
    p.add_argument("--new-token", action="store_true", help="make a random token and hash it")
    p.set_defaults(func=cmd_hash_secret)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        config = load_config(args.config) if getattr(args, "needs_config", True) else None
        if config is not None and config.source is None:
            print(f"newsdesk: no --config, $NEWSDESK_CONFIG or ./{CONFIG_NAME}: using the "
                  f"defaults in {config.base_dir} (`newsdesk init` writes a config file)",
                  file=sys.stderr)
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

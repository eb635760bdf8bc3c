"""The `newsdesk eval` subcommand: options, the run, and the files it writes."""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from ..config import Config, ConfigError, with_overrides
from .cache import default_cache_dir
from .datasets import SETS, select
from .report import PROJECT_ROOT, Run, effective_settings, git_commit, to_json, to_markdown
from .runner import MODES, run_sets

DEFAULT_DATA = PROJECT_ROOT.parent / "shared" / "eval"
DEFAULT_OUT = PROJECT_ROOT / "data" / "eval"


def _csv(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


def _modes(value: str) -> list[str]:
    modes = _csv(value)
    bad = [m for m in modes if m not in MODES]
    if bad or not modes:
        raise argparse.ArgumentTypeError(f"modes are {', '.join(MODES)}")
    return modes


def _positive(value: str) -> int:
    n = int(value)
    if n < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return n


def parse_overrides(items: list[str]) -> dict[str, dict]:
    """`section.key=value` strings -> {section: {key: value}}; values are JSON when they
    parse as JSON (numbers, true/false, lists), else plain strings."""
    out: dict[str, dict] = {}
    for item in items:
        name, sep, raw = item.partition("=")
        section, dot, key = name.strip().partition(".")
        if not sep or not dot or not section or not key:
            raise ConfigError(f"--set {item!r}: expected section.key=value, "
                              f"e.g. search.rrf_k=30")
        try:
            value = json.loads(raw)
        except ValueError:
            value = raw
        out.setdefault(section, {})[key] = value
    return out


def add_parser(sub) -> None:
    p = sub.add_parser("eval", help="measure retrieval quality on the labelled sets",
                       description="Index each evaluation set with this configuration and "
                                   "report Recall@10, MRR@10, nDCG@10 and top-1 accuracy "
                                   "per set and search mode.")
    p.add_argument("--data", type=Path, default=DEFAULT_DATA,
                   help=f"folder of the evaluation sets (default: {DEFAULT_DATA})")
    p.add_argument("--sets", type=_csv, default=None,
                   help=f"comma-separated sets (default: all): {', '.join(SETS)}")
    p.add_argument("--modes", type=_modes, default=list(MODES),
                   help="comma-separated modes (default: keyword,semantic,hybrid)")
    p.add_argument("--sample", type=_positive, default=None,
                   help="evaluate N queries per set, chosen by the data README's seeded rule")
    p.add_argument("--set", dest="overrides", action="append", default=[],
                   metavar="SECTION.KEY=VALUE",
                   help="override a setting for this run, e.g. search.fusion=weighted "
                        "(repeatable)")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT,
                   help=f"folder for the Markdown and JSON reports (default: {DEFAULT_OUT})")
    p.add_argument("--cache", type=Path, default=None,
                   help="folder for cached indexes and embeddings "
                        "(default: $XDG_CACHE_HOME/newsdesk-eval)")
    p.add_argument("--quiet", action="store_true", help="print only the final table")
    p.set_defaults(func=cmd_eval)


def cmd_eval(args, config: Config) -> int:
    from ..index.embedders import load_embedder
    from ..translate.backends import load_translator

    started = time.perf_counter()
    date, commit = time.strftime("%Y-%m-%d %H:%M:%S %z"), git_commit()
    config = with_overrides(config, parse_overrides(args.overrides))
    sets = select(args.sets)
    data = args.data.expanduser().resolve()
    if not data.is_dir():
        raise ConfigError(f"evaluation data folder not found: {data} (use --data)")
    cache_dir = (args.cache or default_cache_dir()).expanduser().resolve()

    def log(line: str):
        if not args.quiet:
            print(line, file=sys.stderr, flush=True)

    embedder = load_embedder(config.embedder, bulk=True)  # embeds the sets' corpora
    translator = load_translator(config)
    results = run_sets(sets, data, config, embedder, cache_dir, args.modes, args.sample, log,
                       translator)
    translator.close()
    run = Run(results, effective_settings(config, embedder.name), args.overrides, args.sample,
              str(data), time.perf_counter() - started, date, commit)
    markdown = to_markdown(run)
    out = args.out.expanduser().resolve()
    out.mkdir(parents=True, exist_ok=True)
    stem = out / f"eval-{time.strftime('%Y%m%d-%H%M%S')}"
    stem.with_suffix(".md").write_text(markdown, encoding="utf-8")
    stem.with_suffix(".json").write_text(
        json.dumps(to_json(run), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(markdown)
    print(f"Wrote {stem}.md and {stem}.json")
    return 0

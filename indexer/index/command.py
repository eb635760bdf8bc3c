"""`newsdesk index`, `add`, `remove` and `status`: build, change and describe the archive."""
from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

from . import archive, generations


def _print_report(report, as_json: bool) -> None:
    from .build import report_json
    print(report_json(report) if as_json else report.summary())


def _progress(args) -> bool:
    return not args.quiet and sys.stderr.isatty()


def _on_cluster(config, scheduler: str | None):
    """The config, building on the Dask cluster of `--scheduler` if given."""
    if not scheduler:
        return config
    return dataclasses.replace(config, cluster=dataclasses.replace(config.cluster,
                                                                   scheduler=scheduler))


def cmd_index(args, config) -> int:
    if args.paths:
        raise ValueError(f"newsdesk index takes no paths: it rebuilds the archive ([corpus] "
                         f"paths and what `newsdesk add` added). To add "
                         f"{' '.join(map(str, args.paths))} to it, run: newsdesk add "
                         f"{' '.join(map(str, args.paths))}")
    from .build import build_index
    config = _on_cluster(config, args.scheduler)
    report = build_index(config, full=args.full, allow_shrink=args.allow_shrink,
                         progress=_progress(args))
    _print_report(report, args.json)
    return 0


def cmd_add(args, config) -> int:
    from .update import add_to_index
    config = _on_cluster(config, args.scheduler)
    report = add_to_index(config, args.paths, allow_shrink=args.allow_shrink,
                          progress=_progress(args))
    _print_report(report, args.json)
    return 0


def cmd_remove(args, config) -> int:
    from .update import remove_from_index
    report = remove_from_index(config, args.targets, allow_shrink=args.allow_shrink)
    _print_report(report, args.json)
    return 0


def status(config) -> dict:
    """What `newsdesk status` shows: the config in use and the live index."""
    root = config.index_path
    out = {"config": str(config.source) if config.source else None,
           "corpus": [str(p) for p in config.corpus_paths], "index": str(root)}
    try:
        gen = generations.current_dir(root)
        manifest = generations.read_manifest(gen)
    except generations.IndexUnavailable as exc:
        return {**out, "live": None, "problem": str(exc)}
    record = archive.ArchiveRecord.of(manifest)
    return {**out, "live": gen.name, "created": manifest.get("created"),
            "updated": manifest.get("updated", manifest.get("created")),
            "documents": manifest["documents"], "passages": manifest["passages"],
            "doc_languages": manifest.get("doc_languages", {}),
            "passage_languages": manifest.get("passage_languages", {}),
            "embedder": manifest.get("embedder"),
            "added": record.added, "removed": record.removed}


def _status_text(info: dict) -> str:
    def per_language(counts: dict) -> str:
        return ", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "none"

    lines = [f"config:      {info['config'] or '(none found: defaults, relative to this folder)'}",
             f"corpus:      {', '.join(info['corpus'])}",
             f"index:       {info['index']}"]
    if info["live"] is None:
        return "\n".join(lines + [f"live:        none ({info['problem']})"])
    lines += [f"live:        {info['live']} (built {info['created']}, "
              f"changed {info['updated']})",
              f"documents:   {info['documents']} ({per_language(info['doc_languages'])})",
              f"passages:    {info['passages']} ({per_language(info['passage_languages'])})",
              f"embedder:    {info['embedder']}"]
    lines += [f"added:       {p}" for p in info["added"]]
    lines += [f"removed:     {t}" for t in info["removed"]]
    return "\n".join(lines)


def cmd_status(args, config) -> int:
    info = status(config)
    print(json.dumps(info, indent=2) if args.json else _status_text(info))
    return 0


def _common(p, shrink: bool = True) -> None:
    if shrink:
        p.add_argument("--allow-shrink", action="store_true",
                       help="publish even if the archive would be empty or lose more than "
                            "[index] max_shrink of the live one's documents")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")


def _scheduler(p) -> None:
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="prepare and embed documents on this Dask cluster (tcp://host:8786); "
                        "default: [cluster] scheduler, else this machine")


def add_parser(sub) -> None:
    p = sub.add_parser("index", help="(re)build the index of the archive: [corpus] paths and "
                                     "what `newsdesk add` added")
    p.add_argument("paths", nargs="*", type=Path, help=argparse.SUPPRESS)  # to say: use add
    p.add_argument("--full", action="store_true", help="rebuild even if nothing changed")
    _common(p)
    _scheduler(p)
    p.set_defaults(func=cmd_index)

    p = sub.add_parser("add", help="add files, folders or JSONL dumps to the live archive")
    p.add_argument("paths", nargs="+", type=Path)
    _common(p)
    _scheduler(p)
    p.set_defaults(func=cmd_add)

    p = sub.add_parser("remove", help="take documents out of the live archive")
    p.add_argument("targets", nargs="+", metavar="ID_OR_PATH",
                   help="a document id, or a file, folder or dump whose documents go")
    _common(p)
    p.set_defaults(func=cmd_remove)

    p = sub.add_parser("status", help="the config in use and what the live index holds")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_status)

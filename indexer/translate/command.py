"""`newsdesk translate-eval`: translation quality (chrF, BLEU) and speed per pivot."""
from __future__ import annotations

import json
from pathlib import Path


def cmd_translate_eval(args, config) -> int:
    from .evaluate import as_json, evaluate, table
    path = (Path(args.tsv) if args.tsv
            else config.resolve("../shared/eval/ntrex_en_it/sentences.tsv"))
    scores = evaluate(path, args.pivot or ["spa", "cat"], sample=args.sample)
    print(json.dumps(as_json(scores), indent=2) if args.json else table(scores))
    return 0


def add_parser(sub) -> None:
    p = sub.add_parser("translate-eval", help="translation quality (chrF, BLEU) and speed, "
                                              "per direction and Apertium pivot")
    p.add_argument("--tsv", help="aligned sentences with en and it columns (default: "
                                 "../shared/eval/ntrex_en_it/sentences.tsv)")
    p.add_argument("--pivot", action="append", choices=["spa", "cat"],
                   help="pivot language (repeatable; default: both)")
    p.add_argument("--sample", type=int, default=0, help="score a seeded sample of N sentences")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_translate_eval)

"""Quality and speed of the name extractor (`indexer/ingest/names.py`) on the hand-labelled
seed documents (`tests/ingest/seed_names.toml`, which says how they were labelled).

Each seed document is taken the way indexing takes it: cleaned, split into passages
(80-250 words, the defaults), names extracted passage by passage. Its distinct names
(by `name_key`) are compared with its gold names: precision, recall, the false
positives and the misses per document, and overall micro-averaged (counts pooled over
the documents). `--whole` measures extraction from each whole cleaned document in one
call instead (more context for the evidence rules: see the module's docstring). Speed:
milliseconds per 1,000 characters over the seed passages and over the whole documents,
the best of `--repeat` rounds.

A held-out check (`tests/ingest/heldout_names.toml`): eight NTREX news articles, four English
and four Italian, labelled by the same rules before the extractor was tuned on the seeds.
Their texts are read from ../shared/eval/ntrex_en_it/docs_{en,it}.jsonl (outside this
repository); where that folder is absent the check is skipped with a message.

    python3 bench/names_quality.py [--whole] [--repeat 5] [--show 30]
"""
from __future__ import annotations

import argparse
import json
import sys
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from indexer.ingest.cleaning import assemble, clean  # noqa: E402
from indexer.ingest.names import extract_mentions, name_key  # noqa: E402
from indexer.ingest.passages import split_passages  # noqa: E402

GOLD = ROOT / "tests" / "ingest" / "seed_names.toml"
CORPUS = ROOT / "corpus"
NTREX_GOLD = ROOT / "tests" / "ingest" / "heldout_names.toml"
NTREX_DOCS = ROOT.parent / "shared" / "eval" / "ntrex_en_it"


def _texts(raw: str, whole: bool) -> list[str]:
    """What the extractor is given for one document: its passages, or its whole cleaned text."""
    blocks = clean(raw, is_html=False)
    text = assemble(blocks)
    if whole:
        return [text]
    return [text[s.start:s.end] for s in split_passages(blocks, 80, 250)]


def _scores(tp: int, extracted: int, gold: int) -> tuple[float, float]:
    return tp / extracted if extracted else 1.0, tp / gold if gold else 1.0


def _score(documents_in: list[tuple[str, str, str, list[str]]], whole: bool) -> dict:
    """(label, language, raw text, gold names) per document -> per document and overall:
    gold and extracted counts, precision, recall, false positives and misses (display
    forms, sorted)."""
    documents, totals = [], [0, 0, 0]
    for label, language, raw, names in documents_in:
        gold = {name_key(g): g for g in names}
        found: dict[str, str] = {}
        for text in _texts(raw, whole):
            for m in extract_mentions(text, language):
                if m.kind == "name":
                    found.setdefault(name_key(m.text), m.text)
        tp = len(gold.keys() & found.keys())
        precision, recall = _scores(tp, len(found), len(gold))
        documents.append({
            "file": label, "gold": len(gold), "extracted": len(found), "correct": tp,
            "precision": precision, "recall": recall,
            "false_positives": sorted(found[k] for k in found.keys() - gold.keys()),
            "misses": sorted(gold[k] for k in gold.keys() - found.keys())})
        for i, n in enumerate((tp, len(found), len(gold))):
            totals[i] += n
    precision, recall = _scores(*totals)
    return {"documents": documents,
            "overall": {"correct": totals[0], "extracted": totals[1], "gold": totals[2],
                        "precision": precision, "recall": recall}}


def measure(whole: bool = False, gold_path: Path = GOLD, corpus: Path = CORPUS) -> dict:
    """The seed documents: see `_score`."""
    entries = tomllib.loads(gold_path.read_text(encoding="utf-8"))
    return _score([(name, entry["language"], (corpus / name).read_text(encoding="utf-8"),
                    entry["names"]) for name, entry in entries.items()], whole)


def ntrex_documents(gold_path: Path = NTREX_GOLD,
                    docs: Path = NTREX_DOCS) -> list[tuple[str, str, str, list[str]]] | None:
    """The labelled NTREX articles as (lang:id, language, body text, gold names), or None
    where the texts are not on this machine."""
    entries = tomllib.loads(gold_path.read_text(encoding="utf-8"))
    texts: dict[str, str] = {}
    for language in ("en", "it"):
        path = docs / f"docs_{language}.jsonl"
        if not path.is_file():
            return None
        with path.open(encoding="utf-8") as lines:
            for line in lines:
                if line.strip():
                    doc = json.loads(line)
                    texts[f"{language}:{doc['id']}"] = doc["text"]
    missing = [key for key in entries if key not in texts]
    if missing:
        raise KeyError(f"NTREX documents not found: {missing}")
    return [(key, key.split(":", 1)[0], texts[key], entry["names"])
            for key, entry in entries.items()]


def measure_ntrex(gold_path: Path = NTREX_GOLD, docs: Path = NTREX_DOCS) -> dict | None:
    """The held-out NTREX articles, each a whole cleaned text (see `_score`); None where
    their texts are absent."""
    documents = ntrex_documents(gold_path, docs)
    return None if documents is None else _score(documents, whole=True)


def speed(repeat: int = 5, whole: bool = False, corpus: Path = CORPUS,
          gold_path: Path = GOLD) -> dict:
    """Extraction time over the seed passages (or whole cleaned documents): the best of
    `repeat` rounds."""
    entries = tomllib.loads(gold_path.read_text(encoding="utf-8"))
    texts = [(text, entry["language"]) for name, entry in entries.items()
             for text in _texts((corpus / name).read_text(encoding="utf-8"), whole)]
    chars = sum(len(t) for t, _ in texts)
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        for text, language in texts:
            extract_mentions(text, language)
        best = min(best, time.perf_counter() - t0)
    return {"texts": len(texts), "chars": chars, "seconds": best,
            "ms_per_1000_chars": best * 1000 / (chars / 1000), "texts_per_s": len(texts) / best}


def _report(title: str, result: dict, show: int) -> None:
    print(title)
    print(f"{'document':<28} {'gold':>5} {'found':>6} {'right':>6} {'P':>6} {'R':>6}")
    for d in result["documents"]:
        print(f"{d['file']:<28} {d['gold']:>5} {d['extracted']:>6} {d['correct']:>6} "
              f"{d['precision']:>6.3f} {d['recall']:>6.3f}")
    o = result["overall"]
    print(f"{'overall (micro)':<28} {o['gold']:>5} {o['extracted']:>6} {o['correct']:>6} "
          f"{o['precision']:>6.3f} {o['recall']:>6.3f}")
    for d in result["documents"]:
        for label in ("false_positives", "misses"):
            items = d[label]
            if items and show:
                more = f" (+{len(items) - show} more)" if len(items) > show else ""
                print(f"\n{d['file']} {label.replace('_', ' ')} ({len(items)}){more}:")
                print("  " + " | ".join(items[:show]))
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--whole", action="store_true",
                        help="extract from each whole cleaned document, not per passage")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--show", type=int, default=30,
                        help="false positives and misses listed per document")
    args = parser.parse_args()
    _report(f"names per {'document' if args.whole else 'passage'}: {GOLD.relative_to(ROOT)}",
            measure(whole=args.whole), args.show)
    ntrex = measure_ntrex()
    if ntrex is None:
        print(f"held-out NTREX check skipped: {NTREX_DOCS} not found\n")
    else:
        _report(f"held-out, names per whole article: {NTREX_GOLD.relative_to(ROOT)}",
                ntrex, args.show)
    for whole, unit in ((False, "passages"), (True, "documents")):
        s = speed(args.repeat, whole)
        print(f"speed, {unit}: {s['texts']} {unit}, {s['chars']:,} chars in "
              f"{s['seconds'] * 1000:.1f} ms = {s['ms_per_1000_chars']:.3f} ms per 1,000 chars, "
              f"{s['texts_per_s']:,.0f} {unit}/s")


if __name__ == "__main__":
    main()

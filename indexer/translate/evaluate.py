"""Translation quality and speed: NTREX news sentences translated both ways, scored with
sacrebleu (chrF and BLEU against the human translation).

Each pivot gets its own uncached Apertium translator, started (and warmed with one
sentence) before the clock starts, so throughput is steady-state translation only.
"""
from __future__ import annotations

import csv
import random
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from .apertium import ApertiumTranslator
from .interface import TranslatorUnavailable

BATCH = 64  # sentences per call, about a page of snippets' worth of text


@dataclass
class DirectionScore:
    pivot: str
    source: str
    target: str
    sentences: int
    chrf: float
    bleu: float
    seconds: float
    sentences_per_second: float
    words_per_second: float


def read_pairs(path: Path, sample: int = 0, seed: int = 13) -> list[dict[str, str]]:
    """Rows of an aligned TSV with `en` and `it` columns (optionally a seeded sample)."""
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))
    if not rows or not {"en", "it"} <= set(rows[0]):
        raise ValueError(f"{path}: expected a TSV with en and it columns")
    if sample and sample < len(rows):
        rows = [rows[i] for i in sorted(random.Random(seed).sample(range(len(rows)), sample))]
    return rows


def score_direction(translator: ApertiumTranslator, rows: list[dict[str, str]], source: str,
                    target: str) -> DirectionScore:
    import sacrebleu
    sources = [r[source] for r in rows]
    translator.translate(sources[:1], source, target)  # start the pipeline off the clock
    started = time.perf_counter()
    hypotheses: list[str] = []
    for i in range(0, len(sources), BATCH):
        hypotheses += translator.translate(sources[i:i + BATCH], source, target)
    seconds = time.perf_counter() - started
    references = [[r[target] for r in rows]]
    words = sum(len(s.split()) for s in sources)
    return DirectionScore(
        pivot=translator.pivot, source=source, target=target, sentences=len(rows),
        chrf=round(sacrebleu.corpus_chrf(hypotheses, references).score, 2),
        bleu=round(sacrebleu.corpus_bleu(hypotheses, references).score, 2),
        seconds=round(seconds, 2), sentences_per_second=round(len(rows) / seconds, 1),
        words_per_second=round(words / seconds, 1))


def evaluate(path: Path, pivots: list[str], sample: int = 0,
             timeout: float = 120.0) -> list[DirectionScore]:
    rows = read_pairs(path, sample)
    scores = []
    for pivot in pivots:
        translator = ApertiumTranslator(pivot=pivot, timeout=timeout)
        if not translator.available:
            raise TranslatorUnavailable(translator.unavailable_reason)
        try:
            for source, target in (("en", "it"), ("it", "en")):
                scores.append(score_direction(translator, rows, source, target))
        finally:
            translator.close()
    return scores


def table(scores: list[DirectionScore]) -> str:
    lines = [f"{'pivot':<6}{'direction':<10}{'sentences':>10}{'chrF':>8}{'BLEU':>8}"
             f"{'seconds':>9}{'sent/s':>9}{'words/s':>9}"]
    for s in scores:
        lines.append(f"{s.pivot:<6}{s.source + '->' + s.target:<10}{s.sentences:>10}"
                     f"{s.chrf:>8.2f}{s.bleu:>8.2f}{s.seconds:>9.2f}"
                     f"{s.sentences_per_second:>9.1f}{s.words_per_second:>9.1f}")
    return "\n".join(lines)


def as_json(scores: list[DirectionScore]) -> list[dict]:
    return [asdict(s) for s in scores]

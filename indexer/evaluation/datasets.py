"""The evaluation sets under ../shared/eval, read into passages and labelled queries.

A set pairs a corpus (the passages to index) with queries whose `relevant` ids
are corpus ids. Several sets share a corpus (SQuAD English paragraphs serve
both `squad_en` and the Italian-question `xling_it2en`), so corpora are keyed
and indexed once per run.
"""
from __future__ import annotations

import csv
import json
import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

SAMPLE_SEED = 13  # the README's rule: random.seed(13); sorted(random.sample(range(n), N))


class EvalDataError(ValueError):
    """Evaluation data that is missing or malformed, with the file and the reason."""


@dataclass(frozen=True)
class Record:
    id: str
    title: str
    text: str


@dataclass(frozen=True)
class Query:
    id: str
    text: str
    relevant: frozenset[str]


@dataclass(frozen=True)
class Corpus:
    key: str  # names the cached index
    files: tuple[str, ...]  # relative to the data folder, for the cache fingerprint
    load: Callable[[Path], list[Record]]


@dataclass(frozen=True)
class EvalSet:
    name: str
    description: str
    corpus: Corpus
    load_queries: Callable[[Path], list[Query]]
    cross_language: bool


def _jsonl(path: Path) -> list[dict]:
    try:
        with open(path, encoding="utf-8") as fh:
            rows = [json.loads(line) for line in fh if line.strip()]
    except FileNotFoundError:
        raise EvalDataError(f"missing evaluation file {path}") from None
    except (OSError, ValueError) as exc:
        raise EvalDataError(f"cannot read {path}: {exc}") from None
    if not all(isinstance(r, dict) for r in rows):
        raise EvalDataError(f"{path}: every line must be a JSON object")
    return rows


def _tsv(path: Path) -> list[dict]:
    try:
        with open(path, encoding="utf-8", newline="") as fh:
            return list(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))
    except FileNotFoundError:
        raise EvalDataError(f"missing evaluation file {path}") from None
    except (OSError, csv.Error) as exc:
        raise EvalDataError(f"cannot read {path}: {exc}") from None


def _field(row: dict, name: str, path: Path):
    value = row.get(name)
    if value is None:
        raise EvalDataError(f"{path}: a row has no {name!r} field")
    return value


def _passages(rel: str, keep_title: bool) -> Callable[[Path], list[Record]]:
    def load(data: Path) -> list[Record]:
        path = data / rel
        # Wikipedia titles come as URL slugs (Super_Bowl_50): the underscores are spaces.
        return [Record(str(_field(r, "id", path)),
                       str(r.get("title") or "").replace("_", " ") if keep_title else "",
                       str(_field(r, "text", path)))
                for r in _jsonl(path)]
    return load


def _queries(rel: str) -> Callable[[Path], list[Query]]:
    def load(data: Path) -> list[Query]:
        path = data / rel
        return [Query(str(_field(r, "id", path)), str(_field(r, "query", path)),
                      frozenset(map(str, _field(r, "relevant", path))))
                for r in _jsonl(path)]
    return load


TATOEBA = "tatoeba_en_it.tsv"


def _tatoeba_sentences(lang: str) -> Callable[[Path], list[Record]]:
    def load(data: Path) -> list[Record]:
        path = data / TATOEBA
        return [Record(_field(r, "id", path), "", _field(r, lang, path)) for r in _tsv(path)]
    return load


def _tatoeba_queries(lang: str) -> Callable[[Path], list[Query]]:
    def load(data: Path) -> list[Query]:
        path = data / TATOEBA
        return [Query(f"{_field(r, 'id', path)}-{lang}", _field(r, lang, path),
                      frozenset([r["id"]])) for r in _tsv(path)]
    return load


SQUAD_EN = Corpus("squad_en", ("squad_en_retrieval/passages.jsonl",),
                  _passages("squad_en_retrieval/passages.jsonl", keep_title=True))
SQUAD_IT = Corpus("squad_it", ("squad_it_retrieval/passages.jsonl",),
                  _passages("squad_it_retrieval/passages.jsonl", keep_title=True))
TATOEBA_EN = Corpus("tatoeba_en", (TATOEBA,), _tatoeba_sentences("en"))
TATOEBA_IT = Corpus("tatoeba_it", (TATOEBA,), _tatoeba_sentences("it"))
# Headline -> article body: the headline is the query, so the body is indexed without it.
NTREX_EN = Corpus("ntrex_en", ("ntrex_en_it/docs_en.jsonl",),
                  _passages("ntrex_en_it/docs_en.jsonl", keep_title=False))
NTREX_IT = Corpus("ntrex_it", ("ntrex_en_it/docs_it.jsonl",),
                  _passages("ntrex_en_it/docs_it.jsonl", keep_title=False))

SETS: dict[str, EvalSet] = {s.name: s for s in [
    EvalSet("squad_en", "SQuAD v1.1 dev: English question -> English paragraph", SQUAD_EN,
            _queries("squad_en_retrieval/queries.jsonl"), False),
    EvalSet("squad_it", "SQuAD-it test: Italian question -> Italian paragraph", SQUAD_IT,
            _queries("squad_it_retrieval/queries.jsonl"), False),
    EvalSet("xling_it2en", "Italian question -> English paragraph (SQuAD)", SQUAD_EN,
            _queries("squad_xling/queries_it2en.jsonl"), True),
    EvalSet("xling_en2it", "English question -> Italian paragraph (SQuAD-it)", SQUAD_IT,
            _queries("squad_xling/queries_en2it.jsonl"), True),
    EvalSet("tatoeba_en2it", "Tatoeba: English sentence -> its Italian translation", TATOEBA_IT,
            _tatoeba_queries("en"), True),
    EvalSet("tatoeba_it2en", "Tatoeba: Italian sentence -> its English translation", TATOEBA_EN,
            _tatoeba_queries("it"), True),
    EvalSet("ntrex_en2en", "NTREX: English headline -> English article body", NTREX_EN,
            _queries("ntrex_en_it/queries_headline_en.jsonl"), False),
    EvalSet("ntrex_it2it", "NTREX: Italian headline -> Italian article body", NTREX_IT,
            _queries("ntrex_en_it/queries_headline_it.jsonl"), False),
    EvalSet("ntrex_en2it", "NTREX: English headline -> Italian article body", NTREX_IT,
            _queries("ntrex_en_it/queries_headline_en.jsonl"), True),
    EvalSet("ntrex_it2en", "NTREX: Italian headline -> English article body", NTREX_EN,
            _queries("ntrex_en_it/queries_headline_it.jsonl"), True),
]}


def sample(queries: list[Query], n: int | None) -> list[Query]:
    """`n` queries chosen by the README's seeded rule (its queries_sample.jsonl files are
    exactly this rule with n=300), or all of them when n is None or not smaller."""
    if n is None or n >= len(queries):
        return list(queries)
    picked = sorted(random.Random(SAMPLE_SEED).sample(range(len(queries)), n))
    return [queries[i] for i in picked]


def select(names: list[str] | None) -> list[EvalSet]:
    """Sets by name, in the given order (all of them when none is named)."""
    if not names:
        return list(SETS.values())
    unknown = [n for n in names if n not in SETS]
    if unknown:
        raise EvalDataError(f"unknown evaluation set(s): {', '.join(unknown)}; "
                            f"choose from {', '.join(SETS)}")
    return [SETS[n] for n in dict.fromkeys(names)]

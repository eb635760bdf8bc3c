"""Stories (indexer/index/stories.py): precision and recall of grouping documents that tell
the same story, the features its thresholds come from, and its cost at 10k and 100k
documents. Prints the numbers and writes them to bench/stories_report.md.

The archive, built once under --work with the project's own `build_index` (real
multilingual USE embeddings) and reused by later runs:
- NTREX: 123 English news articles and their human Italian translations (true
  cross-language pairs), the translation 0-3 days after the article, all within two
  weeks, as they were published (so dates do not tell NTREX stories apart); some undated.
  NTREX holds several outlets' reports of some events (EVENTS): pairs of those are not
  scored either way;
- edited copies (near-duplicates) of every NTREX article, English and Italian, and of the
  seed documents in corpus/ (000-003 whole; 004, the ESG report, as its numbered sections),
  at edit strengths 10/20/30/50%: that share of the sentences dropped and as many sentences
  of unrelated articles inserted, that share of the paragraphs moved, the headline replaced;
- unrelated articles: `make_corpus.py --words N` (random draws of real sentences), each cut
  to its first 1-3 paragraphs so that 3k of them and the rest make ~9k passages (the
  build takes ~2 minutes here).

Grouping is scored per scenario on subsets of that one archive (a scenario holds the
unrelated articles, the NTREX pairs, the seeds and the copies of one edit strength), so a
copy is judged against its original, not rescued by a milder copy of the same article.
The cost at 10k and 100k documents is measured on synthetic archives made from the real
document vectors (`synthetic`): building 100k real documents is too slow here.

    python3 bench/stories.py [--work /tmp/stories-bench] [--no-timing]
"""
from __future__ import annotations

import argparse
import json
import os
import random
import re
import sqlite3
import subprocess
import sys
import time
import tomllib
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from benchlib import ROOT, SHARED, built_index, read_jsonl

from indexer.index import generations
from indexer.index.stories import (LinkRule, StoryDoc, candidate_pairs, days_between,
                                   document_vectors, group_stories)
from indexer.ingest.evidence import evidence_of

STRENGTHS = (0.1, 0.2, 0.3, 0.5)
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-ZÀ-Ý\"'«(“‘])")
SECTION = re.compile(r"^(\d\.\d(?:\.\d)?) (.+)$")
# NTREX articles of one event from different outlets (judged by hand from the titles of
# the pairs over cosine 0.7): whether they are one story is a matter of taste, so pairs
# between them are not scored either way (how many were merged is reported)
EVENTS = [
    ["rt.com.91337", "reuters.218932"],  # Macedonia's name referendum
    ["cnbc.com.6769", "reuters.218861"],  # North Korea's foreign minister at the UN
    ["euronews-en.153835", "reuters.218863", "reuters.218865", "euronews-en.153797",
     "nytimes.184837", "nytimes.184860"],  # the Sulawesi earthquake and tsunami
    ["abcnews.306815", "newsweek.51338"],  # hurricane Rosa
    ["cbsnews.248387", "reuters.218909"],  # arrest over Wayde Sims' death
    ["bbc.381746", "scotsman.133791"],  # Livingston 1-0 Rangers
    ["independent.226301", "reuters.218923"],  # Ryder Cup, Europe lead 10-6
    ["newsweek.51300", "abcnews.306755"],  # Elizabeth Warren's "hard look"
]
SEED_DATES = {"000": "2022-06", "001": "2025", "002": "", "003": "2023-09", "004": "2024-04"}


# ---------------------------------------------------------------- the archive

@dataclass
class Article:
    doc_id: str
    title: str
    text: str
    date: str  # ISO day, month or year; "" undated
    source: str
    group: str  # documents of one group tell one story
    strength: float = 0.0  # edit strength of a copy; 0 for an original or a translation
    changed: float = 0.0  # share of its sentences a copy had replaced (at least one)

    def record(self) -> dict:
        return {"id": self.doc_id, "title": self.title, "text": self.text, "date": self.date,
                "source": self.source}


def sentences(text: str) -> list[str]:
    return [s.strip() for s in SENTENCE_END.split(text) if s.strip()]


def paragraphs(text: str) -> list[list[str]]:
    """A text's paragraphs as lists of sentences; a text of one paragraph is cut into
    paragraphs of three sentences (so that reordering has something to move)."""
    paras = [sentences(p) for p in re.split(r"\n\s*\n|\n", text) if p.strip()]
    if len(paras) == 1:
        flat = paras[0]
        paras = [flat[i:i + 3] for i in range(0, len(flat), 3)]
    return paras


def edited(article: Article, strength: float, filler: list[str], rng: random.Random,
           suffix: str) -> Article:
    """A republication: `strength` of the sentences dropped and as many unrelated ones
    inserted, `strength` of the paragraphs moved, a headline taken from the body."""
    paras = paragraphs(article.text)
    slots = [(p, s) for p, para in enumerate(paras) for s in range(len(para))]
    changes = max(1, round(strength * len(slots)))
    dropped = set(rng.sample(slots, min(changes, len(slots) - 1)))
    paras = [[s for j, s in enumerate(para) if (p, j) not in dropped]
             for p, para in enumerate(paras)]
    kept = [s for para in paras for s in para]
    for _ in range(changes):
        para = paras[rng.randrange(len(paras))]
        para.insert(rng.randint(0, len(para)), rng.choice(filler))
    paras = [p for p in paras if p]
    for _ in range(round(strength * len(paras))):
        paras.insert(rng.randint(0, len(paras) - 1), paras.pop(rng.randrange(len(paras))))
    headline = " ".join(rng.choice(kept[1:] or kept).split()[:10]).rstrip(".,;:")
    return Article(f"{article.doc_id}-{suffix}", headline, "\n\n".join(" ".join(p) for p in paras),
                   shifted(article.date, rng), "Wire copy", article.group, strength,
                   changes / len(slots))


def shifted(date: str, rng: random.Random, days: int = 14, undated: float = 0.1) -> str:
    """A date up to `days` after `date` (kept at its precision), or undated by chance."""
    if not date or rng.random() < undated:
        return ""
    if len(date) < 10:
        return date
    return str(np.datetime64(date) + np.timedelta64(rng.randint(0, days), "D"))


def ntrex_articles(rng: random.Random) -> list[Article]:
    """NTREX pairs, dated as published: all within two weeks (newstest2019 is news of late
    September 2018), the translation 0-3 days after the article; 15% of pairs undated,
    10% of translations undated."""
    en = read_jsonl(SHARED / "eval" / "ntrex_en_it" / "docs_en.jsonl")
    it = {d["id"]: d for d in read_jsonl(SHARED / "eval" / "ntrex_en_it" / "docs_it.jsonl")}
    out = []
    for d in en:
        day = np.datetime64("2018-09-24") + np.timedelta64(rng.randrange(14), "D")
        date = "" if rng.random() < 0.15 else str(day)
        group = f"ntrex:{d['id']}"
        out.append(Article(f"ntrex-en-{d['id']}", d["title"], d["text"], date, "NTREX", group))
        t = it[d["id"]]
        out.append(Article(f"ntrex-it-{d['id']}", t["title"], t["text"],
                           shifted(date, rng, days=3), "NTREX", group))
    return out


def seed_articles() -> list[Article]:
    """The seed documents 000-003, and the numbered sections of 004 (the ESG report) of at
    least 120 words, each cut to 500 words."""
    manifest = {m["file"]: m for m in tomllib.loads(
        (ROOT / "corpus" / "manifest.toml").read_text())["document"]}
    out = []
    for path in sorted((ROOT / "corpus").glob("*.txt")):
        key, meta = path.name[:3], manifest[path.name]
        text = path.read_text(encoding="utf-8")
        if key != "004":
            out.append(Article(f"seed-{key}", meta["title"], text, SEED_DATES[key],
                               meta["source"], f"seed:{key}"))
            continue
        for number, title, body in report_sections(text):
            words = body.split()
            if len(words) >= 120:
                section = number.replace(".", "-")
                out.append(Article(f"seed-004-{section}", title, cut_words(body, 500),
                                   SEED_DATES[key], meta["source"], f"seed:004:{section}"))
    return out


def report_sections(text: str) -> list[tuple[str, str, str]]:
    """(number, heading, body) of each numbered section (1.1, 2.1.3, ...) of the report."""
    out, current = [], None
    for line in text.splitlines():
        m = SECTION.match(line.strip())
        if m and len(line) < 90:
            current = [m.group(1), m.group(2), []]
            out.append(current)
        elif current is not None and line.strip():
            current[2].append(line.strip())
    return [(n, t, "\n\n".join(body)) for n, t, body in out]


def cut_words(text: str, words: int) -> str:
    """The text's first paragraphs, up to about `words` words."""
    kept, count = [], 0
    for para in text.split("\n\n"):
        if count >= words:
            break
        kept.append(para)
        count += len(para.split())
    return "\n\n".join(kept)


def bench_articles(corpus: Path, rng: random.Random) -> tuple[list[Article], dict[str, list[str]]]:
    """The unrelated articles, each cut to its first 1-3 paragraphs, and the sentences of
    the paragraphs cut off (per language), which edits insert."""
    out, filler = [], {"en": [], "it": []}
    for path in sorted(corpus.glob("news-*.jsonl")):
        for d in read_jsonl(path):
            paras = d["text"].split("\n\n")
            keep = rng.randint(1, 3)
            lang = "it" if "/it/" in d["url"] else "en"
            filler[lang] += [s for p in paras[keep:] for s in sentences(p)]
            out.append(Article(d["id"], d["title"], "\n\n".join(paras[:keep]), d["date"],
                               d["source"], f"bench:{d['id']}"))
    return out, filler


def make_archive(work: Path, words: int) -> list[Article]:
    """Every article of the bench archive, written as JSONL dumps under work/archive (once)."""
    labels = work / "labels.json"
    if labels.exists():
        return [Article(**a) for a in json.loads(labels.read_text())]
    corpus = work / "make_corpus"
    if not corpus.exists():
        subprocess.run([sys.executable, str(SHARED / "bench" / "make_corpus.py"), "--words",
                        str(words), str(corpus)], check=True)
    rng = random.Random(2024)
    unrelated, filler = bench_articles(corpus, rng)
    labelled = ntrex_articles(rng) + seed_articles()
    copies = []
    for strength in STRENGTHS:
        for article in labelled:
            lang = "it" if "-it-" in article.doc_id or article.doc_id == "seed-001" else "en"
            copies.append(edited(article, strength, filler[lang], rng,
                                 f"e{round(strength * 100)}"))
    articles = unrelated + labelled + copies
    archive = work / "archive"
    archive.mkdir(parents=True, exist_ok=True)
    # read in this order: an original before its copies, as the build keeps the first
    for name, part in (("1-labelled", labelled), ("2-copies", copies), ("3-unrelated", unrelated)):
        with open(archive / f"{name}.jsonl", "w", encoding="utf-8") as fh:
            for a in part:
                fh.write(json.dumps(a.record(), ensure_ascii=False) + "\n")
    labels.write_text(json.dumps([a.__dict__ for a in articles], ensure_ascii=False))
    return articles


# ---------------------------------------------------------------- reading the index

@dataclass
class Archive:
    docs: list[StoryDoc]
    vectors: np.ndarray  # document vectors, row i = docs[i]
    articles: list[Article]  # row i = docs[i]
    evidence_seconds: float  # evidence_of over every document


def load_archive(gen: Path, articles: list[Article]) -> Archive:
    """The indexed documents as group_stories sees them, with their labels."""
    manifest = json.loads((gen / "manifest.json").read_text())
    db = sqlite3.connect(f"file:{gen / 'store.sqlite'}?mode=ro", uri=True)
    rows = db.execute("SELECT doc_id, language, source, date_start, date_end, title, text "
                      "FROM documents ORDER BY rowid").fetchall()
    code = {r[0]: n for n, r in enumerate(rows)}
    count = generations.vector_rows(manifest)
    doc_of_row = np.full(count, -1, dtype=np.int64)
    for row, doc_id in db.execute("SELECT row, doc_id FROM passages"):
        doc_of_row[row] = code[doc_id]
    db.close()
    passages = np.memmap(gen / "vectors.f32", dtype=np.float32, mode="r",
                         shape=(count, manifest["dim"]))
    vectors = document_vectors(passages, doc_of_row, len(rows))
    started = time.perf_counter()
    evidence = [evidence_of(f"{title}\n\n{text}") for *_, title, text in rows]
    seconds = time.perf_counter() - started
    docs = [StoryDoc(doc_id, language, source, first or 0, ev, last or 0)
            for (doc_id, language, source, first, last, _, _), ev in zip(rows, evidence)]
    by_id = {a.doc_id: a for a in articles}
    return Archive(docs, vectors, [by_id[d.doc_id] for d in docs], seconds)


def subset(archive: Archive, keep) -> Archive:
    rows = [i for i, a in enumerate(archive.articles) if keep(a)]
    return Archive([archive.docs[i] for i in rows], archive.vectors[rows],
                   [archive.articles[i] for i in rows], 0.0)


def scenarios(archive: Archive) -> dict[str, Archive]:
    """'translations': the unrelated articles, NTREX in both languages and the seeds;
    'edits s': the same with the copies of edit strength s; 'all': every document."""
    out = {"translations": subset(archive, lambda a: a.strength == 0)}
    for s in STRENGTHS:
        out[f"edits {s:.0%}"] = subset(archive, lambda a, s=s: a.strength in (0, s))
    out["all"] = archive
    return out


# ---------------------------------------------------------------- scoring

def labelled(a: Article) -> bool:
    return not a.group.startswith("bench:")


_EVENT = {f"ntrex:{doc}": n for n, event in enumerate(EVENTS) for doc in event}


def same_event(a: Article, b: Article) -> bool:
    """Two NTREX stories of one event (EVENTS): not scored."""
    return a.group != b.group and _EVENT.get(a.group, -1) == _EVENT.get(b.group, -2)


def pair_kind(archive: Archive, i: int, j: int) -> str:
    """What a pair of one group is: 'translation' (original and translation), 'copy s'
    (an original and its own copy), 'copy s x-lang' (a copy and the original's
    translation), or 'other' (two copies)."""
    a, b = archive.articles[i], archive.articles[j]
    cross = archive.docs[i].language != archive.docs[j].language
    if a.strength and b.strength:
        return "other"
    s = max(a.strength, b.strength)
    if not s:
        return "translation" if cross else "other"
    return f"copy {s:.0%}" + (" x-lang" if cross else "")


def story_pairs(archive: Archive, stories: dict) -> set[tuple[int, int]]:
    index = {d.doc_id: n for n, d in enumerate(archive.docs)}
    members: dict[str, list[int]] = {}
    for doc_id, story in stories.items():
        members.setdefault(story.story_id, []).append(index[doc_id])
    return {(min(x, y), max(x, y)) for m in members.values()
            for k, x in enumerate(m) for y in m[k + 1:]}


def true_pairs(archive: Archive) -> set[tuple[int, int]]:
    groups: dict[str, list[int]] = {}
    for n, a in enumerate(archive.articles):
        groups.setdefault(a.group, []).append(n)
    return {(x, y) for m in groups.values() for k, x in enumerate(m) for y in m[k + 1:]}


def score(archive: Archive, stories: dict) -> dict:
    """Precision over predicted pairs touching a labelled document and over all of them;
    recall per pair kind; the largest story."""
    predicted, truth = story_pairs(archive, stories), true_pairs(archive)
    arts = archive.articles
    events = {p for p in predicted if same_event(arts[p[0]], arts[p[1]])}
    predicted -= events
    touching = {p for p in predicted if labelled(arts[p[0]]) or labelled(arts[p[1]])}
    out = {"P labelled": _share(touching & truth, touching),
           "P archive": _share(predicted & truth, predicted),
           "false pairs": len(predicted - truth),
           "false among unrelated": sum(1 for p in predicted - truth if p not in touching),
           "same-event pairs merged": len(events)}
    kinds: dict[str, set] = {}
    for p in truth:
        kinds.setdefault(pair_kind(archive, *p), set()).add(p)
    for kind, pairs in sorted(kinds.items()):
        if kind != "other":
            out[f"R {kind}"] = _share(pairs & predicted, pairs)
            out[f"n {kind}"] = len(pairs)
    out["R all"] = _share(truth & predicted, truth)
    sizes: dict[str, int] = {}
    for story in stories.values():
        sizes[story.story_id] = sizes.get(story.story_id, 0) + 1
    out["largest story"] = max(sizes.values())
    return out


def _share(part: set, whole: set) -> float:
    return len(part) / len(whole) if whole else float("nan")


# ---------------------------------------------------------------- features

QUANTILES = (0, 1, 5, 50, 95, 100)


def pair_features(archive: Archive, i: int, j: int, rule: LinkRule) -> dict:
    """What the link rule looks at for one pair: cosine, the republication evidence (share
    of the shorter one's sentences both have), the translation score (cosine +
    fact_weight x the facts' Jaccard; 0 under min_facts shared facts), the days apart."""
    a, b = archive.docs[i], archive.docs[j]
    cosine = float(archive.vectors[i] @ archive.vectors[j])
    fewest = min(len(a.sentences), len(b.sentences))
    facts = len(a.facts & b.facts)
    jaccard = facts / len(a.facts | b.facts) if facts else 0.0
    return {"cos": cosine, "cross": a.language != b.language,
            "share": len(a.sentences & b.sentences) / fewest if fewest else 0.0,
            "score": cosine + rule.fact_weight * jaccard if facts >= rule.min_facts else 0.0,
            "days": days_between(a, b) if a.day and b.day else None}


def feature_rows(archive: Archive, rule: LinkRule, neighbours: int = 20,
                 floor: float = 0.5) -> list[dict]:
    """Features of every true pair, and of every false pair among each document's
    `neighbours` nearest (exact) at or above `floor` that the date rule lets through."""
    truth = true_pairs(archive)
    out = [{"kind": pair_kind(archive, *p), **pair_features(archive, *p, rule)} for p in truth]
    wide = replace(rule, neighbours=neighbours, floor=floor)
    i, j, _ = candidate_pairs(archive.vectors, wide, list(range(len(archive.docs))))
    for p in zip(i.tolist(), j.tolist()):
        a, b = archive.articles[p[0]], archive.articles[p[1]]
        if p in truth or same_event(a, b):
            continue
        f = pair_features(archive, *p, rule)
        if f["days"] is not None and f["days"] > rule.max_days:
            continue
        kind = "false " + ("x-lang" if f["cross"] else "same-lang")
        out.append({"kind": kind + (" labelled" if labelled(a) and labelled(b) else ""), **f})
    return out


def feature_table(rows: list[dict]) -> list[str]:
    """Markdown: per pair kind, quantiles of cosine, and of the evidence its language pair
    is judged by (sentence share in one language, translation score across two)."""
    kinds: dict[str, list[dict]] = {}
    for r in rows:
        kinds.setdefault(r["kind"], []).append(r)
    head = "/".join(f"p{q}" for q in QUANTILES)
    out = [f"| pair kind | pairs | cosine {head} | evidence | evidence {head} |",
           "|---|---|---|---|---|"]
    for kind in sorted(kinds, key=lambda k: (k.startswith("false"), k)):
        for cross in (False, True):
            part = [r for r in kinds[kind] if r["cross"] == cross]
            if not part or kind == "other":
                continue
            measure = "score" if cross else "share"
            out.append(f"| {kind}{' (x-lang)' if cross and 'x-lang' not in kind else ''} | "
                       f"{len(part)} | {_quantiles([r['cos'] for r in part])} | "
                       f"{'translation score' if cross else 'sentence share'} | "
                       f"{_quantiles([r[measure] for r in part])} |")
    return out


def _quantiles(values: list[float]) -> str:
    return " / ".join(f"{np.percentile(values, q):.3f}" for q in QUANTILES)


def run(archive: Archive, rule: LinkRule = LinkRule(), previous: dict | None = None,
        new: list[int] | None = None) -> dict:
    """Score of a grouping, full or (`new`) incremental, with its seconds and stories."""
    started = time.perf_counter()
    stories = group_stories(archive.docs, archive.vectors, previous, new, rule=rule)
    seconds = time.perf_counter() - started
    return {**score(archive, stories), "seconds": seconds, "stories": stories}


BANDS = ((0.0, 0.15), (0.15, 0.25), (0.25, 0.35), (0.35, 0.45), (0.45, 0.7))


def recall_by_change(archive: Archive, stories: dict) -> dict[tuple, tuple[int, int]]:
    """(copies, copies in their original's story) per band of the share of sentences
    actually replaced (short documents have at least one replaced, whatever the strength)."""
    out = {band: [0, 0] for band in BANDS}
    for a in archive.articles:
        if a.strength:
            original = a.doc_id.rsplit("-e", 1)[0]
            band = next(b for b in BANDS if b[0] <= a.changed < b[1])
            out[band][0] += 1
            out[band][1] += stories[a.doc_id].story_id == stories[original].story_id
    return {band: tuple(v) for band, v in out.items()}


# ---------------------------------------------------------------- threshold sweep

SWEEP = {  # each threshold varied alone around the defaults
    "floor": [0.5, 0.55, 0.6, 0.65, 0.7],
    "max_days": [7, 30, 90, 10**6],
    "copy_sentences": [1, 2, 3],
    "copy_share": [0.3, 0.4, 0.5, 0.6],
    "fact_weight": [0.0, 0.25, 0.5, 0.75],
    "translation": [0.8, 0.85, 0.875, 0.9, 0.925, 0.95],
    "min_facts": [1, 2, 3, 5],
    "coherence": [-1.0, 0.5, 0.6, 0.7],
}
SWEPT = ("translations", "edits 10%", "edits 20%", "edits 30%", "edits 50%")


def sweep(runs: dict[str, Archive]) -> list[tuple[str, dict[str, dict]]]:
    """(setting, {scenario: score}) for each value of each swept threshold."""
    out = []
    for name, values in SWEEP.items():
        for value in values:
            rule = replace(LinkRule(), **{name: value})
            out.append((f"{name} = {value}", {s: run(runs[s], rule) for s in SWEPT}))
    return out


# ---------------------------------------------------------------- cost at scale

def synthetic(archive: Archive, n: int, seed: int, copies: float = 0.1,
              base: tuple[list[StoryDoc], np.ndarray] | None = None) -> tuple[list[StoryDoc], np.ndarray]:
    """n documents resampled from the real ones: a real document's vector plus noise
    (cosine ~0.9 to it, ~0.8 between two resamples of one document: every document has
    its 10 neighbours over the floor, the most work for the link rule), its language,
    date and evidence made unique to the new document (so resamples share nothing), and
    `copies` of them republications of an earlier one (base's, or this set's): its
    vector within cosine ~0.98, its evidence, its date plus 0-3 days."""
    rng = np.random.default_rng(seed)
    real = rng.integers(0, len(archive.docs), n)
    dim = archive.vectors.shape[1]
    noise = rng.standard_normal((n, dim)).astype(np.float32) / np.sqrt(dim)
    vectors = archive.vectors[real] + 0.48 * noise
    docs = []
    pool_docs, pool_vectors = base if base else ([], np.zeros((0, dim), np.float32))
    for k, r in enumerate(real):
        src = archive.docs[r]
        earlier = len(pool_docs) + k
        if earlier and rng.random() < copies:
            m = int(rng.integers(0, earlier))
            orig = pool_docs[m] if m < len(pool_docs) else docs[m - len(pool_docs)]
            v = pool_vectors[m] if m < len(pool_docs) else vectors[m - len(pool_docs)]
            vectors[k] = v + 0.2 * noise[k]
            day = orig.day and int(str(np.datetime64(_iso(orig.day)) + int(rng.integers(0, 4))
                                       ).replace("-", ""))
            docs.append(StoryDoc(f"syn-{seed}-{k}", orig.language, "", day, orig.evidence))
        else:
            evidence = frozenset(f"{key}#{seed}-{k}" for key in src.evidence)
            docs.append(StoryDoc(f"syn-{seed}-{k}", src.language, src.source, src.day, evidence))
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return docs, vectors


def _iso(day: int) -> str:
    return f"{day // 10000:04d}-{day // 100 % 100:02d}-{day % 100:02d}"


def timing(archive: Archive, sizes: list[int], added: int = 1000) -> list[dict]:
    """Seconds of a full grouping of n synthetic documents and of its candidate search
    alone (HNSW build and queries), the graph's recall of the exact candidate pairs, and
    seconds of an incremental grouping adding `added` documents to them and of its exact
    search alone."""
    out = []
    for n in sizes:
        docs, vectors = synthetic(archive, n, seed=1)
        started = time.perf_counter()
        i, j, _ = candidate_pairs(vectors)
        search = time.perf_counter() - started
        recall = ann_recall(vectors, set(zip(i.tolist(), j.tolist())))
        started = time.perf_counter()
        stories = group_stories(docs, vectors)
        full = time.perf_counter() - started
        previous = {doc_id: s.story_id for doc_id, s in stories.items()}
        new_docs, new_vectors = synthetic(archive, added, seed=2, base=(docs, vectors))
        everything = np.vstack([vectors, new_vectors])
        started = time.perf_counter()
        candidate_pairs(everything, LinkRule(), list(range(n, n + added)))
        exact = time.perf_counter() - started
        started = time.perf_counter()
        group_stories(docs + new_docs, everything, previous, list(range(n, n + added)))
        incremental = time.perf_counter() - started
        out.append({"documents": n, "full": full, "search": search, "incremental": incremental,
                    "exact": exact, "added": added, "recall": recall,
                    "stories": len(set(previous.values()))})
    return out


def ann_recall(vectors: np.ndarray, found: set[tuple[int, int]], queries: int = 1000) -> float:
    """Share of the exact candidate pairs of `queries` random documents (LinkRule's
    neighbours and floor) among the pairs the HNSW graph `found`."""
    rows = np.random.default_rng(3).choice(len(vectors), min(queries, len(vectors)), replace=False)
    i, j, _ = candidate_pairs(vectors, LinkRule(), rows.tolist())
    exact = set(zip(i.tolist(), j.tolist()))
    return len(exact & found) / len(exact) if exact else float("nan")


# ---------------------------------------------------------------- report

def scenario_table(results: dict[str, dict]) -> list[str]:
    out = ["| scenario | docs | P labelled | P archive | false pairs (among unrelated) | "
           "same-event pairs merged | recall | largest story | seconds |",
           "|---|---|---|---|---|---|---|---|---|"]
    for name, (docs, r) in results.items():
        recalls = ", ".join(f"{k[2:]} {v:.3f} ({r['n ' + k[2:]]})" for k, v in r.items()
                            if k.startswith("R ") and k != "R all")
        out.append(f"| {name} | {docs} | {r['P labelled']:.3f} | {r['P archive']:.3f} | "
                   f"{r['false pairs']} ({r['false among unrelated']}) | "
                   f"{r['same-event pairs merged']} | all {r['R all']:.3f}: {recalls} | "
                   f"{r['largest story']} | {r['seconds']:.2f} |")
    return out


def sweep_table(rows: list[tuple[str, dict[str, dict]]]) -> list[str]:
    out = ["| setting | " + " | ".join(SWEPT) + " |", "|---" * (len(SWEPT) + 1) + "|"]
    for setting, by in rows:
        out.append(f"| {setting} | " + " | ".join(
            f"{r['P labelled']:.3f} / {r['P archive']:.3f} / {r['R all']:.3f}"
            for r in by.values()) + " |")
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--work", type=Path, default=Path("/tmp/stories-bench"))
    parser.add_argument("--words", type=int, default=3_000_000,
                        help="make_corpus.py words (its articles are cut to 1-3 paragraphs)")
    parser.add_argument("--sizes", default="10000,100000", help="synthetic archive sizes")
    parser.add_argument("--added", type=int, default=1000)
    parser.add_argument("--no-timing", action="store_true")
    parser.add_argument("--no-sweep", action="store_true")
    parser.add_argument("--report", type=Path, default=ROOT / "bench" / "stories_report.md")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    articles = make_archive(args.work, args.words)
    gen = built_index(args.work, "archive", "[embedder]\nworkers = 1\n")[0]
    archive = load_archive(gen, articles)
    manifest = json.loads((gen / "manifest.json").read_text())
    rule = LinkRule()
    kinds: dict[str, int] = {}
    for a in archive.articles:
        key = f"copies {a.strength:.0%}" if a.strength else a.group.split(":")[0]
        kinds[key] = kinds.get(key, 0) + 1
    lines = ["# Stories: grouping benchmark", "",
             "Written by `python3 bench/stories.py` (see its docstring for the archive and the "
             "scenarios).", "",
             f"Archive: {len(archive.docs)} documents ({manifest['doc_languages']}), "
             f"{manifest['passages']} passages, built with `build_index` (real USE "
             f"embeddings); {', '.join(f'{k} {v}' for k, v in sorted(kinds.items()))}. "
             f"`evidence_of` over all of them: {archive.evidence_seconds:.2f} s "
             f"({archive.evidence_seconds / len(archive.docs) * 1000:.2f} s per 1k documents).",
             "", "NTREX: 123 English articles and their Italian translations, dated within "
             "two weeks (15% undated). Seeds: corpus/000-003 and the 38 numbered sections of "
             "004 (the ESG report) of 120+ words, cut to 500. Copies: of every NTREX article "
             "(both languages) and seed at each edit strength. Unrelated: `make_corpus.py "
             f"--words {args.words}` articles cut to their first 1-3 paragraphs.",
             "", f"Rule: `{rule}`", "",
             "## Pair features", "",
             "True pairs: every pair of one story. False pairs: each document's 20 nearest "
             "(exact, cosine >= 0.5), dated within `max_days` or undated, not of one story "
             "(NTREX pairs of one event, `EVENTS`, left out); 'labelled': both documents "
             "NTREX, seeds or copies. Evidence: the share of the shorter document's "
             "sentences both have (one language), the translation score (two languages).", ""]
    lines += feature_table(feature_rows(archive, rule))
    runs = scenarios(archive)
    results = {name: (len(sub.docs), run(sub, rule)) for name, sub in runs.items()}
    results["all, no date rule"] = (len(archive.docs),
                                    run(archive, replace(rule, max_days=10**6)))
    results["translations, no date rule"] = (len(runs["translations"].docs), run(
        runs["translations"], replace(rule, max_days=10**6)))
    results["all, exact candidates"] = (len(archive.docs), run(
        archive, rule, {}, list(range(len(archive.docs)))))
    previous = {d: s.story_id for d, s in results["translations"][1]["stories"].items()}
    notes = []
    for strength in STRENGTHS:  # copies added to the grouped translations scenario
        sub = runs[f"edits {strength:.0%}"]
        new = [i for i, a in enumerate(sub.articles) if a.strength]
        result = run(sub, rule, previous, new)
        results[f"edits {strength:.0%}, copies added incrementally"] = (len(sub.docs), result)
        kept = sum(result["stories"][d].story_id == s for d, s in previous.items())
        notes.append(f"Copies of {strength:.0%} added incrementally: {kept} of "
                     f"{len(previous)} documents grouped before kept their story id.")
    lines += ["", "## Grouping (pairs = documents put in one story)", "",
              "P labelled: over predicted pairs with a labelled document; P archive: over "
              "all predicted pairs (pairs of unrelated articles are false).", ""]
    lines += scenario_table(results)
    lines += [""] + notes
    lines += ["", "## Copies by the share of sentences actually replaced", "",
              "| replaced | copies | in their original's story |", "|---|---|---|"]
    bands: dict[tuple, list[int]] = {band: [0, 0] for band in BANDS}
    for s in STRENGTHS:
        name = f"edits {s:.0%}"
        for band, (n, hit) in recall_by_change(runs[name], results[name][1]["stories"]).items():
            bands[band][0] += n
            bands[band][1] += hit
    lines += [f"| {lo:.0%}-{hi:.0%} | {n} | {hit / n:.3f} |" for (lo, hi), (n, hit)
              in bands.items() if n]
    if not args.no_sweep:
        lines += ["", "## Each threshold varied alone (P labelled / P archive / recall)", ""]
        lines += sweep_table(sweep(runs))
    if not args.no_timing:
        sizes = [int(x) for x in args.sizes.split(",") if x]
        lines += ["", f"## Cost ({os.cpu_count()} shared cores)", "",
                  f"Real archive, {len(archive.docs)} documents, full grouping: "
                  f"{results['all'][1]['seconds']:.2f} s.", "",
                  "Synthetic archives: real document vectors resampled with noise (see "
                  "`synthetic`), 10% republications planted.", "",
                  "| documents | full grouping s | of which HNSW build + search s | per 1k docs s"
                  f" | HNSW recall of exact candidates | +{args.added} incremental s | of which "
                  "exact search s | stories |",
                  "|---|---|---|---|---|---|---|---|"]
        for t in timing(archive, sizes, args.added):
            lines.append(f"| {t['documents']} | {t['full']:.2f} | {t['search']:.2f} | "
                         f"{t['full'] / t['documents'] * 1000:.3f} | {t['recall']:.4f} | "
                         f"{t['incremental']:.2f} | {t['exact']:.2f} | {t['stories']} |")
    text = "\n".join(lines) + "\n"
    print(text)
    args.report.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())

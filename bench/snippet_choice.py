"""Which sentence a semantic-only hit shows: embedding every sentence at query time
(the former way) against signals that need no encoder call at query time.

1. Ground truth (NTREX, 123 news articles with aligned English/Italian sentences): a
   query made from one sentence (its first 8 words, or up to 6 of its content words
   shuffled), searched against the indexed passage (production's `newsdesk eval` index)
   that holds that sentence (same language) or its aligned translation (cross-language,
   where hits are semantic-only). The right answer is that sentence. Only passages of 2
   or more sentences count.
2. Real semantic-only hits: SQuAD / SQuAD-it questions (the sample of each set), hybrid
   search with the web app's default query translation, the first page's hits not found
   by keywords: how often each method picks the sentence embedding picks, and the CPU
   each takes per 10 such hits.

Methods: `embed` (every sentence embedded at query time), `int8` / `pca128-f16` (the
same sentence vectors as if stored at index time, compressed), `first` (the first
sentence), `terms*` (the query's analysed terms, its translation's included, as
`Ranking.terms` gives them: count of distinct terms, weighted by rarity among the
page's sentences (production's `term_sentences`), or by corpus IDF), `terms-notr`
(the same without query translation).

    python3 bench/snippet_choice.py [--sample 300] [--squad 100]
"""
from __future__ import annotations

import argparse
import csv
import dataclasses
import math
import random
import re
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

import benchlib  # noqa: F401  (the project on sys.path)
from benchlib import ROOT
from indexer.config import load_config
from indexer.evaluation.cache import CachingEmbedder, default_cache_dir, vector_store
from indexer.evaluation.datasets import NTREX_EN, NTREX_IT, sample, select
from indexer.evaluation.runner import prepare_corpus
from indexer.index.embedders import load_embedder
from indexer.index.keyword.analyzers import ITALIAN_ELISIONS, analyze, query_word_analyzer
from indexer.index.reader import IndexHandle
from indexer.models import Filters, Passage
from indexer.search.searcher import Searcher
from indexer.search.snippets import (best_sentences, matched_terms, semantic_sentences,
                                     sentences_of, term_sentences)
from indexer.translate.backends import load_translator

PREFIX_WORDS, CONTENT_WORDS = 8, 6
_WORDS = query_word_analyzer()
_SYNTAX = re.compile(r"[\"“”«»()*?:\[\]{}^~+\-]|\b(AND|OR|NOT)\b")


@dataclass
class Case:
    kind: str  # e.g. "it->en prefix"
    query: str
    passage: Passage
    sentences: list[str]
    gold: int  # index of the right sentence
    terms: dict[str, frozenset[str]]  # with the query's translation
    terms_notr: dict[str, frozenset[str]]  # without


def clean_query(text: str) -> str:
    return " ".join(_SYNTAX.sub(" ", text).split())


def make_queries(sentence: str, lang: str, rng: random.Random) -> dict[str, str]:
    words = clean_query(sentence).split()
    content = [w for w in words if analyze(lang, w)]
    rng.shuffle(content)
    return {"prefix": " ".join(words[:PREFIX_WORDS]),
            "content": " ".join(content[:CONTENT_WORDS])}


def locate(passages: list[Passage], sentence: str) -> tuple[Passage, list[str], int] | None:
    """The passage holding `sentence`, its candidate sentences and the one that is it."""
    needle = " ".join(sentence.split())
    for p in passages:
        text = " ".join(p.text.split())
        at = text.find(needle)
        if at < 0:
            continue
        sentences = sentences_of(p.text)
        # the candidate that overlaps the sentence most (offsets on normalised text)
        pos, best, best_overlap = 0, -1, 0
        for i, s in enumerate(sentences):
            s_norm = " ".join(s.split())
            start = text.find(s_norm, pos)
            if start < 0:
                continue
            pos = start + len(s_norm)
            overlap = min(pos, at + len(needle)) - max(start, at)
            if overlap > best_overlap:
                best, best_overlap = i, overlap
        return (p, sentences, best) if best >= 0 else None
    return None


def ntrex_cases(config, embedder, data: Path, cache_dir: Path, translator, n: int,
                log) -> tuple[list[Case], dict]:
    prepared = {lang: prepare_corpus(corpus, data, config, embedder, cache_dir, log)
                for lang, corpus in (("en", NTREX_EN), ("it", NTREX_IT))}
    by_doc: dict[str, dict[str, list[Passage]]] = {}
    searchers = {}
    for lang, prep in prepared.items():
        index = prep.index
        rows = index.store.passages_by_row(list(range(len(index.vectors))))
        doc_of = index.store.passage_doc_ids()
        docs: dict[str, list[Passage]] = defaultdict(list)
        for p in rows.values():
            docs[doc_of[p.passage_id]].append(p)
        by_doc[lang] = docs
        searchers[lang] = Searcher(prep.config, IndexHandle(prep.config), embedder, translator)
    with open(data / "ntrex_en_it" / "sentences.tsv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))
    rng = random.Random(13)
    raw = []  # (kind, query, passage, sentences, gold, target language)
    missing = Counter()
    for source, target in (("en", "en"), ("it", "it"), ("it", "en"), ("en", "it")):
        cands = []
        for r in rows:
            found = locate(by_doc[target].get(r["doc_id"], []), r[target])
            if found is None:
                missing[target] += 1
            elif len(found[1]) >= 2:
                cands.append((r, found))
        picked = sorted(rng.sample(range(len(cands)), min(n, len(cands))))
        for i in picked:
            r, (p, sentences, gold) = cands[i]
            for style, q in make_queries(r[source], source, rng).items():
                if q:
                    raw.append((f"{source}->{target} {style}", q, p, sentences, gold, target))
    cases = []
    for kind, q, p, sentences, gold, target in raw:
        s = searchers[target]
        index = prepared[target].index
        parsed = s.reader.parse(q)
        if parsed.empty or parsed.tree is None:
            continue
        tr = s.query_translation(parsed, True)
        terms = index.keyword.terms_of(parsed.tree, tr.trees(config.translation.query_boost))
        cases.append(Case(kind, q, p, sentences, gold, terms, index.keyword.terms_of(parsed.tree)))
    corpus_stats = {lang: corpus_df(prep.index) for lang, prep in prepared.items()}
    return cases, {"missing": missing, "df": corpus_stats}


def corpus_df(index) -> tuple[int, Counter]:
    """Passages and document frequency of each analysed term (for the IDF variant)."""
    rows = index.store.passages_by_row(list(range(len(index.vectors))))
    df = Counter()
    for p in rows.values():
        df.update(set(analyze(p.language, p.text)))
    return len(rows), df


# --- choosers: each takes a page of cases (one query's hits) and returns indices ---------

class Vectors:
    """Sentence vectors (cached by text) and their compressed forms."""

    def __init__(self, embedder, store, all_sentences: list[str]):
        self.caching = CachingEmbedder(embedder, store)
        texts = sorted(set(all_sentences))
        mat = self.caching.encode(texts)
        self.row = {t: i for i, t in enumerate(texts)}
        self.f32 = mat
        scale = np.abs(mat).max(axis=1, keepdims=True) / 127.0
        self.i8 = np.round(mat / scale).astype(np.int8)
        self.i8_scale = scale[:, 0]
        mean = mat.mean(axis=0)
        _, _, vt = np.linalg.svd(mat - mean, full_matrices=False)
        self.pca, self.mean = vt[:128], mean
        self.p16 = ((mat - mean) @ vt[:128].T).astype(np.float16)

    def pick(self, sentences: list[str], q: np.ndarray, how: str) -> int:
        rows = [self.row[s] for s in sentences]
        if how == "embed":
            scores = self.f32[rows] @ q
        elif how == "int8":
            scores = (self.i8[rows].astype(np.float32) * self.i8_scale[rows, None]) @ q
        else:
            qp = (q - self.mean) @ self.pca.T
            block = self.p16[rows].astype(np.float32)
            scores = block @ qp / np.maximum(np.linalg.norm(block, axis=1), 1e-9)
        return int(np.argmax(scores))


class Words:
    """Vectors of single content words (unstemmed, stop words dropped), as a table built
    at index time would hold them: a sentence is scored by how close its words come to
    the query's words (maxsim) or by its mean word vector against the query vector."""

    def __init__(self, embedder, store, texts_by_lang: dict[str, list[str]]):
        self.caching = CachingEmbedder(embedder, store)
        self.row: dict[str, int] = {}
        self.mat = np.zeros((0, 512), np.float32)
        for lang, texts in texts_by_lang.items():
            self.ensure(texts, lang)

    def ensure(self, texts: list[str], lang: str) -> None:
        new = sorted({w for t in texts for w in content_words(t, lang)} - self.row.keys())
        if new:
            base = len(self.row)
            self.row.update((w, base + i) for i, w in enumerate(new))
            self.mat = np.vstack([self.mat, self.caching.encode(new)])

    def vectors(self, text: str, lang: str) -> np.ndarray:
        rows = [self.row[w] for w in content_words(text, lang) if w in self.row]
        return self.mat[rows]

    def pick(self, sentences, lang, query, qlang, qvec, how) -> int:
        qw = self.vectors(query, qlang)
        scores = []
        for s in sentences:
            sw = self.vectors(s, lang)
            if not len(sw) or not len(qw):
                scores.append(-1.0)
            elif how == "maxsim":
                scores.append(float((qw @ sw.T).max(axis=1).sum()))
            else:
                m = sw.mean(axis=0)
                scores.append(float(m @ qvec / max(1e-9, np.linalg.norm(m))))
        return max(range(len(sentences)), key=lambda i: (scores[i], -i))


def content_words(text: str, lang: str) -> list[str]:
    out = []
    for t in _WORDS(text):
        w = t.text
        head, sep, rest = w.replace("’", "'").partition("'")
        if sep and rest and head in ITALIAN_ELISIONS:
            w = rest
        if all(analyze(lg, w) for lg in (lang.split("+"))):
            out.append(w)
    return out


def lexical_pick(sentences: list[str], lang: str, termset: frozenset[str], weight) -> int:
    per = matched_terms(sentences, lang, termset)
    scores = [sum(weight(t) for t in m) for m in per]
    return max(range(len(sentences)), key=lambda i: (scores[i], -i))


def ground_truth(cases: list[Case], vectors: Vectors, qvec: dict[str, np.ndarray],
                 df: dict, words: Words) -> dict[str, dict[str, float]]:
    no_term = {id(c) for c in cases if not any(matched_terms(
        c.sentences, c.passage.language, c.terms.get(c.passage.language, frozenset())))}
    methods = {
        "words-maxsim": lambda c: words.pick(c.sentences, c.passage.language, c.query, "en+it",
                                             qvec[c.query], "maxsim"),
        "words-mean": lambda c: words.pick(c.sentences, c.passage.language, c.query, "en+it",
                                           qvec[c.query], "mean"),
        "embed": lambda c: vectors.pick(c.sentences, qvec[c.query], "embed"),
        "int8": lambda c: vectors.pick(c.sentences, qvec[c.query], "int8"),
        "pca128-f16": lambda c: vectors.pick(c.sentences, qvec[c.query], "pca"),
        "first": lambda c: 0,
        "terms-count": lambda c: lexical_pick(c.sentences, c.passage.language,
                                              c.terms.get(c.passage.language, frozenset()),
                                              lambda t: 1.0),
        "terms-idf": lambda c: lexical_pick(
            c.sentences, c.passage.language, c.terms.get(c.passage.language, frozenset()),
            lambda t, n=df[c.passage.language][0], d=df[c.passage.language][1]:
            math.log(1 + n / (1 + d[t]))),
        "terms-rarity": lambda c: c.sentences.index(
            term_sentences([c.passage], c.terms)[c.passage.passage_id]),
        "terms, else embed (shipped)": lambda c: (
            vectors.pick(c.sentences, qvec[c.query], "embed") if id(c) in no_term
            else c.sentences.index(term_sentences([c.passage], c.terms)[c.passage.passage_id])),
        "terms-notr": lambda c: c.sentences.index(
            term_sentences([c.passage], c.terms_notr)[c.passage.passage_id]),
    }
    out: dict[str, dict[str, float]] = defaultdict(dict)
    kinds = list(dict.fromkeys(c.kind for c in cases))
    for name, choose in methods.items():
        for kind in kinds + ["all", "cross-language", "a query term in passage",
                             "no query term in passage"]:
            subset = [c for c in cases if kind == "all" or c.kind == kind
                      or (kind == "cross-language" and c.kind[:2] != c.kind[4:6])
                      or (kind.startswith("no query") and id(c) in no_term)
                      or (kind.startswith("a query") and id(c) not in no_term)]
            out[name][kind] = sum(choose(c) == c.gold for c in subset) / max(1, len(subset))
            out["(queries)"][kind] = len(subset)
            out["(chance)"][kind] = sum(1 / len(c.sentences) for c in subset) / max(1, len(subset))
    return out


def real_hits(config, embedder, data: Path, cache_dir: Path, translator, n: int, log):
    """Agreement with embedding on SQuAD's first-page semantic-only hits, and CPU per page."""
    rows = []
    cpu = {"embed": 0.0, "terms": 0.0, "words": 0.0, "shipped": 0.0}
    wstore = vector_store(cache_dir, embedder.name, "snippet-words")
    words = Words(embedder, wstore, {})
    hits_total = 0
    prepared = {}
    for eval_set in select(["squad_en", "squad_it", "xling_it2en", "xling_en2it"]):
        key = eval_set.corpus.key
        if key not in prepared:
            prepared[key] = prepare_corpus(eval_set.corpus, data, config, embedder, cache_dir, log)
        prep = prepared[key]
        store = vector_store(cache_dir, embedder.name, f"queries-{eval_set.name}")
        searcher = Searcher(prep.config, IndexHandle(prep.config),
                            CachingEmbedder(embedder, store), translator)
        agree = Counter()
        for q in sample(eval_set.load_queries(data), n):
            ranking = searcher.rank(prep.index, q.text, "hybrid", Filters(),
                                    prep.config.search.candidates)
            window = [f.row for f in ranking.fused[:10] if "keyword" not in f.ranks]
            if not window or ranking.query_vector is None:
                continue
            passages = list(prep.index.store.passages_by_row(window).values())
            started = time.process_time()
            embedded = best_sentences(passages, ranking.query_vector, embedder)
            cpu["embed"] += time.process_time() - started
            started = time.process_time()
            chosen = term_sentences(passages, ranking.terms)
            cpu["terms"] += time.process_time() - started
            started = time.process_time()
            shipped = semantic_sentences(passages, ranking.terms, ranking.query_vector, embedder)
            cpu["shipped"] += time.process_time() - started
            for p in passages:
                words.ensure([p.text], p.language)
            words.ensure([q.text], "en+it")
            started = time.process_time()
            maxsim = {p.passage_id: sentences_of(p.text)[words.pick(
                sentences_of(p.text), p.language, q.text, "en+it", ranking.query_vector,
                "maxsim")] for p in passages if sentences_of(p.text)}
            cpu["words"] += time.process_time() - started
            hits_total += len(passages)
            for p in passages:
                multi = len(sentences_of(p.text)) >= 2
                first = sentences_of(p.text)[0] if multi else None
                agree["hits"] += 1
                agree["multi"] += multi
                if multi:
                    agree["terms"] += chosen[p.passage_id] == embedded[p.passage_id]
                    agree["first"] += first == embedded[p.passage_id]
                    agree["words"] += maxsim[p.passage_id] == embedded[p.passage_id]
                    agree["shipped"] += shipped[p.passage_id] == embedded[p.passage_id]
                    per = matched_terms(sentences_of(p.text), p.language,
                                        ranking.terms.get(p.language, frozenset()))
                    agree["no term"] += not any(per)
        store.save()
        wstore.save()
        rows.append((eval_set.name, agree))
        log(f"  {eval_set.name}: {dict(agree)}")
    per_page = {k: 1000 * v / max(1, hits_total) * 10 for k, v in cpu.items()}
    for p in prepared.values():
        p.index.keyword.close()
        p.index.store.close()
    return rows, per_page


def index_cost(embedder, data: Path) -> dict[str, float]:
    """Encoder CPU per passage for the passage itself and for its sentences (what storing
    sentence vectors would add at index time), on 200 SQuAD paragraphs."""
    rows = benchlib.read_jsonl(data / "squad_en_retrieval" / "passages.jsonl")[:200]
    texts = [r["text"] for r in rows]
    sentences = [s for t in texts for s in sentences_of(t)]
    embedder.encode(texts[:8])
    out = {"sentences per passage": len(sentences) / len(texts)}
    for name, batch in (("passage ms", texts), ("its sentences ms", sentences)):
        started = time.process_time()
        embedder.encode(batch)
        out[name] = 1000 * (time.process_time() - started) / len(texts)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sample", type=int, default=300, help="NTREX sentences per direction")
    ap.add_argument("--squad", type=int, default=100, help="questions per SQuAD set")
    args = ap.parse_args()
    config = load_config(ROOT / "config.toml")
    # no translation cache: the bench's thousands of made-up queries stay out of the app's
    config = dataclasses.replace(config, translation=dataclasses.replace(
        config.translation, cache_path=""))
    data, cache_dir = ROOT.parent / "shared" / "eval", default_cache_dir()
    embedder = load_embedder(config.embedder)
    translator = load_translator(config)
    log = print

    cases, info = ntrex_cases(config, embedder, data, cache_dir, translator, args.sample, log)
    store = vector_store(cache_dir, embedder.name, "snippet-sentences-ntrex")
    vectors = Vectors(embedder, store, [s for c in cases for s in c.sentences])
    store.save()
    queries = sorted({c.query for c in cases})
    qvec = dict(zip(queries, embedder.encode(queries)))
    wstore = vector_store(cache_dir, embedder.name, "snippet-words")
    by_lang = defaultdict(list)
    for c in cases:
        by_lang[c.passage.language] += c.sentences
        by_lang["en+it"].append(c.query)
    words = Words(embedder, wstore, by_lang)
    wstore.save()
    truth = ground_truth(cases, vectors, qvec, info["df"], words)
    kinds = list(truth["(queries)"])
    print(f"\nNTREX ground truth: share of queries whose right sentence is chosen "
          f"(sentences not found in a passage: {dict(info['missing'])})")
    print(f"| method | {' | '.join(kinds)} |")
    print("|---" * (len(kinds) + 1) + "|")
    for name, row in truth.items():
        fmt = (lambda v: f"{int(v)}") if name == "(queries)" else (lambda v: f"{v:.3f}")
        print(f"| {name} | {' | '.join(fmt(row[k]) for k in kinds)} |")

    rows, per_page = real_hits(config, embedder, data, cache_dir, translator, args.squad, log)
    print("\nSQuAD first-page semantic-only hits (hybrid, query translation on): agreement "
          "with embedding, on hits of 2+ sentences")
    print("| set | hits | of 2+ sentences | terms, else embed (shipped) = embed | words-maxsim = embed | terms = embed | first = embed | no query term in any sentence |")
    print("|---|---|---|---|---|---|---|---|")
    for name, a in rows:
        m = max(1, a["multi"])
        print(f"| {name} | {a['hits']} | {a['multi']} | {a['shipped'] / m:.3f} | {a['words'] / m:.3f} | {a['terms'] / m:.3f} | "
              f"{a['first'] / m:.3f} | {a['no term'] / m:.3f} |")
    print(f"\nCPU per page of 10 semantic-only hits: embed {per_page['embed']:.1f} ms, "
          f"terms, else embed (shipped) {per_page['shipped']:.1f} ms, "
          f"terms {per_page['terms']:.1f} ms, words-maxsim {per_page['words']:.1f} ms "
          f"(word vectors looked up)")
    cost = index_cost(embedder, data)
    print("index time of storing sentence vectors: " + ", ".join(
        f"{k} {v:.1f}" for k, v in cost.items()))


if __name__ == "__main__":
    main()

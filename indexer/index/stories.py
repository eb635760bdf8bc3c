"""Stories: documents that tell the same story, grouped at index time.

A story is a document with its republications (the same text, edited: sentences
dropped or added, a new headline, paragraphs moved) and its translations or close
retellings in another language. Evidence (`ingest/evidence.py`): the names and numbers two
documents share (facts, in any language) and the sentences they share (fingerprints, in
one language); besides, the multilingual document vector (the normalised mean of its
passages' USE vectors) and the dates.

How (`group_stories`):
1. Candidates. A full build asks a faiss HNSW graph of the document vectors for each
   document's `neighbours` nearest; an incremental one searches all documents exactly
   for each new one (`faiss.knn`: the change against the archive, never all pairs).
2. Links (`LinkRule.links`). Cosine at least `floor`; dated (both) at most `max_days`
   apart; then in one language a republication: at least `copy_sentences` sentences
   shared, and `copy_share` of the sentences of the document with fewer; in two
   languages a translation: cosine + `fact_weight` x Jaccard of their facts at least
   `translation`, with at least `min_facts` facts shared. Two articles in one language
   that share no sentences are never linked: they are two reports, even of one event.
3. Stories. Links are merged best first (highest cosine) by union-find. Against
   chaining (A like B, B like C, A unlike C) two stories merge only if their mean
   vectors are at least `coherence` alike: a drifting series (a daily report, each day
   like the last) stops growing once its ends part.
4. Roles. A story's first document is its earliest dated one (undated last, ties by the
   order of `docs`); the others are republications (the first's language) or
   translations (another language).

Story ids are "s:" + the first document's id when the story was made, and are kept: an
incremental run merging stories keeps the id of the story whose earliest document comes
first, and a full run given `previous` reuses the previous ids of its stories' members.

Thresholds, from bench/stories.py (its report: bench/stories_report.md): a real index
(build_index, USE) of 4,508 documents, 9,296 passages: 123 NTREX articles with their
human Italian translations, copies of them and of the seed documents with 10/20/30/50%
of the sentences replaced by other articles' (and paragraphs moved, headline changed),
3,068 unrelated articles; false pairs are each document's 20 nearest, dated within 30
days, not of one story.
- copy_sentences 2, copy_share 0.4: true copies up to 30% edits share >= 0.43 of the
  shorter one's sentences (p1 0.50), false pairs <= 0.50 (p95 0.17; among labelled
  documents <= 0.25). With copy_share 0.5 recall falls to 0.977 with the 30% copies,
  0.505 with the 50% ones.
- fact_weight 0.5, translation 0.9: the translation score of the 123 NTREX pairs is
  >= 0.919 (p1 0.949), of false cross-language pairs <= 0.894 (two reports of the 2018
  Ryder Cup a day apart; unrelated articles <= 0.77). Cosine alone does not separate them
  (translations from 0.705, false pairs up to 0.808); weight 0.75, or a threshold of
  0.875, merges such same-topic stories (precision 0.82-0.96); 0.925 loses a translation.
- min_facts 3: the fewest facts a translation pair shares; 5 loses 4% of them.
- floor 0.6: 0.55 merged a false pair (precision 0.985 with the 10% copies), 0.5 more
  (0.984 on translations); 0.65 loses copies (0.986 of the 10% ones, 0.81 at 50%).
- max_days 30: copies and translations came 0-14 days after their original; without
  the date rule 3 pairs of unrelated articles were merged (precision 0.976 in the
  translations scenario). 30 leaves room for later republications: the window is a
  judgement, not a measurement.
- coherence 0.5: no effect on the bench (no drifting series in it); the unit tests'
  drifting series is split by it; 0.6 and 0.7 lose copies (0.7: 0.94 of the 30% ones).
With these: precision 1.000 in every scenario, over pairs with a labelled document and
over the whole archive; recall 1.000 of translations; of copies 0.992 at 10% edits,
1.000 at 20%, 0.985 at 30%, 0.877 at 50%; the same adding the copies incrementally (0.872
at 50%). Grouping costs 0.10-0.13 s per 1k documents at 10k, 0.21-0.30 s at 100k (14-16
s of it the HNSW graph); adding 1k documents to 100k takes 2.3-3.3 s, 1.3-2.5 s of it the
exact search (4 runs, 2 cores shared with other work).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from ..dates import day_ordinal
from ..ingest.evidence import SENTENCE_MARK

ROLE_FIRST, ROLE_REPUBLICATION, ROLE_TRANSLATION = "first", "republication", "translation"
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 64
HNSW_EF_SEARCH = 64
ROW_BLOCK = 65536  # passage rows summed at a time by document_vectors
KNN_BLOCK = 4096  # new documents searched at a time in an incremental run


@dataclass
class StoryDoc:
    doc_id: str
    language: str  # "en" / "it"
    source: str  # outlet, may be ""
    day: int  # first day of its date (YYYYMMDD, dates.date_span()[0]); 0: undated
    # evidence_of(title + body), or as the store keeps it, tab-joined: then it is parsed
    # only if the document is compared (an `add` compares few of the archive's)
    evidence: frozenset[str] | str
    last_day: int = 0  # last day of its date (date_span()[1]); 0: the same as `day`

    @cached_property
    def facts(self) -> frozenset[str]:
        """Its names and numbers (evidence without the sentence fingerprints)."""
        return frozenset(k for k in self.evidence_set if not k.startswith(SENTENCE_MARK))

    @cached_property
    def sentences(self) -> frozenset[str]:
        return self.evidence_set - self.facts

    @cached_property
    def evidence_set(self) -> frozenset[str]:
        if isinstance(self.evidence, frozenset):
            return self.evidence
        return frozenset(self.evidence.split("\t")) - {""}


@dataclass
class Story:
    story_id: str
    role: str  # "first" | "republication" | "translation"


@dataclass(frozen=True)
class LinkRule:
    """When two documents tell the same story; the defaults are measured (module docstring)."""

    neighbours: int = 10  # nearest documents asked per document
    floor: float = 0.6  # least cosine of a linked pair
    max_days: int = 30  # dated further apart than this: never linked
    # one language: a republication, sharing this many sentences (fingerprints of
    # sentences of 6+ words) and this share of the sentences of the one with fewer
    copy_sentences: int = 2
    copy_share: float = 0.4
    # two languages: a translation, whose cosine + fact_weight x the Jaccard of their facts
    # (names, numbers) reaches `translation`, sharing at least min_facts facts
    fact_weight: float = 0.5
    translation: float = 0.9
    min_facts: int = 3
    coherence: float = 0.5  # least cosine between the mean vectors of two merging stories

    def links(self, a: StoryDoc, b: StoryDoc, cosine: float) -> bool:
        if cosine < self.floor:
            return False
        if a.day and b.day and days_between(a, b) > self.max_days:
            return False
        if a.language == b.language:
            return self.republication(a, b)
        return self.translated(a, b, cosine)

    def republication(self, a: StoryDoc, b: StoryDoc) -> bool:
        shared = len(a.sentences & b.sentences)
        fewest = min(len(a.sentences), len(b.sentences))
        return shared >= self.copy_sentences and shared >= self.copy_share * fewest

    def translated(self, a: StoryDoc, b: StoryDoc, cosine: float) -> bool:
        shared = len(a.facts & b.facts)
        if shared < self.min_facts:
            return False
        return cosine + self.fact_weight * shared / len(a.facts | b.facts) >= self.translation


DEFAULT_RULE = LinkRule()


def days_between(a: StoryDoc, b: StoryDoc) -> int:
    """Days between two dated documents' dates; 0 when their periods overlap (a document
    dated only "2024-06" is as near as can be to one of 2024-06-20)."""
    a_last, b_last = a.last_day or a.day, b.last_day or b.day
    return max(0, day_ordinal(b.day) - day_ordinal(a_last),
               day_ordinal(a.day) - day_ordinal(b_last))


# ---------------------------------------------------------------- vectors

def document_vectors(passage_vectors: np.ndarray, doc_of_row: np.ndarray, docs: int) -> np.ndarray:
    """docs x dim float32: each document's passages' vectors averaged and normalised
    (rows whose document code is -1 ignored; a document without passages stays zero, so
    it links to nothing). Reads `passage_vectors` (a memory map may do) block by block."""
    out = np.zeros((docs, passage_vectors.shape[1]), dtype=np.float32)
    for start in range(0, len(doc_of_row), ROW_BLOCK):
        codes = np.asarray(doc_of_row[start:start + ROW_BLOCK])
        rows = np.flatnonzero(codes >= 0)
        if not len(rows):
            continue
        rows = rows[np.argsort(codes[rows], kind="stable")]
        block = np.asarray(passage_vectors[start:start + len(codes)])
        owners, firsts = np.unique(codes[rows], return_index=True)
        out[owners] += np.add.reduceat(block[rows], firsts, axis=0)
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    np.divide(out, norms, out=out, where=norms > 0)
    return out


def save_document_vectors(path: Path, doc_ids: list[str], vectors: np.ndarray) -> None:
    """Each document's vector, as one .npz file kept with the index, so that an `add`
    sums only the new documents' (summing every passage's vector took 0.8 s of an `add`
    at 105k passages, and grows with the archive)."""
    with open(path, "wb") as fh:
        np.savez(fh, doc_ids=np.frombuffer(json.dumps(doc_ids).encode(), dtype=np.uint8),
                 vectors=np.ascontiguousarray(vectors, dtype=np.float32))


def load_document_vectors(path: Path) -> tuple[dict[str, int], np.ndarray]:
    """(doc_id -> row, vectors) as saved. OSError, EOFError, ValueError or KeyError if it
    cannot be read."""
    with np.load(path, allow_pickle=False) as data:
        doc_ids, vectors = json.loads(data["doc_ids"].tobytes()), data["vectors"]
    if len(doc_ids) != len(vectors):
        raise ValueError(f"{path}: {len(doc_ids)} documents but {len(vectors)} vectors")
    return {doc_id: row for row, doc_id in enumerate(doc_ids)}, vectors


# ---------------------------------------------------------------- candidates

def candidate_pairs(vectors: np.ndarray, rule: LinkRule = DEFAULT_RULE,
                    rows: list[int] | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(i, j, cosine) of the candidate pairs, i < j, each once, best first: every
    document's `rule.neighbours` nearest through an HNSW graph, or (`rows`) those of the
    given documents by exact search, at or above `rule.floor`."""
    import faiss  # imported here: only builds group stories

    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    k = min(rule.neighbours + 1, len(vectors))  # +1: a document finds itself
    if rows is None:
        queries = np.arange(len(vectors))
        scores, found = _hnsw_neighbours(faiss, vectors, k)
    else:
        queries = np.asarray(rows, dtype=np.int64)
        blocks = [faiss.knn(vectors[queries[start:start + KNN_BLOCK]], vectors, k,
                            metric=faiss.METRIC_INNER_PRODUCT)
                  for start in range(0, len(queries), KNN_BLOCK)]
        scores = np.vstack([s for s, _ in blocks] or [np.empty((0, k), np.float32)])
        found = np.vstack([f for _, f in blocks] or [np.empty((0, k), np.int64)])
    i = np.repeat(queries, found.shape[1])
    j, cos = found.ravel(), scores.ravel()
    keep = (j >= 0) & (j != i) & (cos >= rule.floor)
    i, j, cos = np.minimum(i[keep], j[keep]), np.maximum(i[keep], j[keep]), cos[keep]
    _, first = np.unique(i * len(vectors) + j, return_index=True)
    order = first[np.argsort(-cos[first], kind="stable")]
    return i[order], j[order], cos[order]


def _hnsw_neighbours(faiss, vectors: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    index = faiss.IndexHNSWFlat(vectors.shape[1], HNSW_M, faiss.METRIC_INNER_PRODUCT)
    index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
    index.add(vectors)
    index.hnsw.efSearch = max(HNSW_EF_SEARCH, k)
    return index.search(vectors, k)


# ---------------------------------------------------------------- grouping

class _Forest:
    """Union-find over documents; each multi-document root keeps its members' vector sum."""

    def __init__(self, vectors: np.ndarray):
        self.vectors = vectors
        self.parent = list(range(len(vectors)))
        self.sums: dict[int, np.ndarray] = {}

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def roots(self) -> np.ndarray:
        return np.fromiter((self.find(i) for i in range(len(self.parent))), np.int64,
                           len(self.parent))

    def total(self, root: int) -> np.ndarray:
        return self.sums.get(root, self.vectors[root])

    def coherent(self, a: int, b: int, floor: float) -> bool:
        """Whether the mean vectors of the stories rooted at a and b are within `floor`."""
        x, y = self.total(a), self.total(b)
        norms = float(np.linalg.norm(x) * np.linalg.norm(y))
        return norms > 0 and float(x @ y) / norms >= floor

    def union(self, a: int, b: int) -> None:
        total = self.total(a) + self.total(b)
        self.sums.pop(b, None)
        self.parent[b], self.sums[a] = a, total

    def join(self, labels: list[str | None]) -> None:
        """Put the documents with one label in one story as they are (a previous run
        grouped them); None: none."""
        groups: dict[str, list[int]] = {}
        for i, label in enumerate(labels):
            if label is not None:
                groups.setdefault(label, []).append(i)
        for members in groups.values():
            if len(members) > 1:
                for m in members[1:]:
                    self.parent[m] = members[0]
                self.sums[members[0]] = self.vectors[members].sum(axis=0)


def group_stories(docs: list[StoryDoc], vectors: np.ndarray,
                  previous: dict[str, str] | None = None, new: list[int] | None = None,
                  rule: LinkRule = DEFAULT_RULE) -> dict[str, Story]:
    """The story and role of every document, by doc_id. `vectors[i]` is docs[i]'s
    (document_vectors). Full build: `new` None, every document linked through the HNSW
    graph; `previous` (doc_id -> story id), if given, only keeps story ids. Incremental:
    `new` = indices of the added documents; the others keep their grouping in `previous`
    (one absent from it counts as new), the new ones are linked to all by exact search,
    and stories a new document joins merge, keeping the earlier story's id."""
    if len(docs) != len(vectors):
        raise ValueError(f"{len(docs)} documents but {len(vectors)} vectors")
    previous = previous or {}
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    forest = _Forest(vectors)
    kept = [previous.get(d.doc_id) for d in docs]
    if new is None:
        pairs = candidate_pairs(vectors, rule) if len(docs) > 1 else ((), (), ())
    else:
        added = set(new)
        kept = [None if i in added else k for i, k in enumerate(kept)]
        forest.join(kept)
        fresh = [i for i, k in enumerate(kept) if k is None]
        pairs = candidate_pairs(vectors, rule, fresh) if fresh else ((), (), ())
    for i, j, cosine in zip(*pairs):
        a, b = forest.find(int(i)), forest.find(int(j))
        if a != b and rule.links(docs[i], docs[j], float(cosine)) and forest.coherent(
                a, b, rule.coherence):
            forest.union(a, b)
    return _stories(docs, forest.roots(), kept)


def _stories(docs: list[StoryDoc], roots: np.ndarray, kept: list[str | None]) -> dict[str, Story]:
    """Stories from each document's root: members in first order (earliest day, undated
    last, then input order), stories in the order of their first members, ids by
    `_story_id`, roles against the first member."""
    n = len(docs)
    if not n:
        return {}
    days = np.fromiter((d.day for d in docs), np.int64, n)
    rank = np.empty(n, np.int64)
    rank[np.lexsort((np.arange(n), days, days == 0))] = np.arange(n)
    story_rank = np.full(n, n, np.int64)
    np.minimum.at(story_rank, roots, rank)  # a story's rank: its first member's
    order = np.lexsort((rank, story_rank[roots]))
    ends = [*(np.flatnonzero(np.diff(roots[order])) + 1).tolist(), n]
    order = order.tolist()
    taken = {k for k in kept if k is not None}
    claimed: set[str] = set()
    out = {}
    for start, end in zip([0, *ends[:-1]], ends):
        group = order[start:end]
        story_id = _story_id(docs, group, kept, taken, claimed)
        first = docs[group[0]]
        out[first.doc_id] = Story(story_id, ROLE_FIRST)
        for i in group[1:]:
            role = ROLE_REPUBLICATION if docs[i].language == first.language else ROLE_TRANSLATION
            out[docs[i].doc_id] = Story(story_id, role)
    return out


def _story_id(docs: list[StoryDoc], group: list[int], kept: list[str | None],
              taken: set[str], claimed: set[str]) -> str:
    """The kept id of the group's earliest member that has one not claimed by an earlier
    group (the earlier story's, when stories merged), else "s:" + its first document's id
    (with "~n" appended should another story have it)."""
    story_id = next((kept[i] for i in group if kept[i] is not None and kept[i] not in claimed),
                    None)
    if story_id is None:
        base = story_id = f"s:{docs[group[0]].doc_id}"
        n = 1
        while story_id in taken or story_id in claimed:
            n += 1
            story_id = f"{base}~{n}"
    claimed.add(story_id)
    return story_id

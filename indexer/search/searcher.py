"""Search: keyword, semantic and hybrid retrieval over the live index generation."""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field, replace

import numpy as np

from ..config import Config
from ..dates import date_span, day_difference
from ..index.embedders import Embedder
from ..index.keyword.interface import FACET_FIELDS
from ..index.row_facts import MENTION_KINDS
from ..index.reader import Index, IndexHandle
from ..ingest.language import LanguageDetector
from ..models import Filters
from ..translate.interface import NoTranslator, Translator
from .facets import facet_counts, picked, without
from .fusion import Factors, Fused, Ranked, fuse
from .grouping import Group
from .query import ParsedQuery, QueryReader
from .query_translation import QueryTranslation, QueryTranslator
from .recent_vectors import RecentVectors
from .result_cache import ResultCache
from .resultset import ResultSet
from .snippets import make_snippet, semantic_sentences
from .timeline import Timeline, timeline
from .translated_snippets import translate_hits
from .vector_floor import SemanticFloor

FACETS = FACET_FIELDS + MENTION_KINDS  # language, kind, source, name, figure: in this order
UNDETERMINED = "und"  # a query too short or too mixed to tell its language
MORE_SHOWN = 3  # a document's other matching passages shown under its best one
STORY_SHOWN = 8  # a story's other documents listed under its best hit


@dataclass
class SearchRequest:
    query: str
    mode: str = "hybrid"
    filters: Filters = field(default_factory=Filters)
    page: int = 1
    per_page: int = 10
    xlang: bool | None = None  # also search the translated query; None: [translation] default
    translate: str = ""  # language to translate hits into ("" = none)
    sort: str = "relevance"  # or "newest" / "oldest" first (undated documents last)
    group: str = "document"  # one result per document, or "passage": every passage
    # grouped by document: "group" lists a story's other documents under its best one
    # (the web app's default), "all" shows each document on its own
    stories: str = "all"


@dataclass
class StoryMember:
    """Another document of a hit's story: who else reported it, when, in what language."""

    doc_id: str
    title: str
    source: str
    language: str
    published: str
    role: str
    days_after: int | None  # its first day less the hit's (None: either is undated)


@dataclass
class Hit:
    rank: int
    score: float
    doc_id: str
    title: str
    source: str
    kind: str
    published: str
    language: str
    section: str
    passage_id: str
    ordinal: int
    text: str
    snippet: str  # HTML: escaped text with <mark> around matched terms
    matched_by: str
    ranks: dict[str, int]
    translation: dict[str, str] | None = None  # {"lang", "text", "snippet"} when translated
    names: list[str] = field(default_factory=list)  # mentioned in the passage (ingest/names.py)
    figures: list[str] = field(default_factory=list)
    story_id: str = ""  # the document's story (index/stories.py)
    story_role: str = ""
    # grouped by story: the story's other documents, first published first (up to
    # STORY_SHOWN of them), and how many there are
    story: list[StoryMember] = field(default_factory=list)
    story_others: int = 0
    passages: int = 1  # grouped by document: the document's matching passages
    more: list[Hit] = field(default_factory=list)  # grouped: the next best, up to MORE_SHOWN


@dataclass
class SearchResponse:
    query: str
    mode: str
    total: int  # what the grouping pages over: documents, or passages with group=passage
    page: int
    per_page: int
    notices: list[str]
    hits: list[Hit]
    facets: dict[str, list[tuple[str, int]]]
    generation: str
    seconds: float = 0.0
    also_searched: dict[str, str] = field(default_factory=dict)  # language -> translated query
    translation_notice: str = ""  # why hits were not translated, when they were asked to be
    group: str = "document"
    stories: str = "all"  # grouped by document: "group" (stories under their best) or "all"
    total_documents: int = 0  # among the passages ranked (up to [search] max_results)
    total_passages: int = 0  # that match: keyword mode counts every one, others rank them
    timeline: Timeline = field(default_factory=Timeline)  # matching documents per period

    @property
    def notice(self) -> str:
        return " ".join(self.notices)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


@dataclass
class Ranking:
    """Every candidate of a search, best first, before paging and snippets."""

    parsed: ParsedQuery
    fused: list[Fused]
    terms: dict[str, frozenset[str]]
    query_vector: np.ndarray | None
    keyword_total: int
    notices: list[str]
    translation: QueryTranslation = field(default_factory=QueryTranslation)


class Searcher:
    def __init__(self, config: Config, handle: IndexHandle, embedder: Embedder,
                 translator: Translator | None = None):
        self.config = config
        self.handle = handle
        self.embedder = embedder
        self.reader = QueryReader(config.search, config.corpus.languages)
        self.translator = translator or NoTranslator()
        self.query_translator = QueryTranslator(
            self.translator, config.corpus.languages, config.corpus.default_language,
            config.search.max_query_terms)
        # Queries are short: 10 letters were enough to tell en/it apart in 97-99% of the
        # Tatoeba sentences and SQuAD questions, 20 (the passage setting) in 67-73%.
        self.detector = LanguageDetector(config.corpus.languages, config.corpus.default_language,
                                         min_letters=10)
        self.recent = RecentVectors(embedder, config.search.recent_vectors)
        self._floor: SemanticFloor | None = None  # made on the first semantic search
        self.results = ResultCache(config.search.result_cache)
        self._lock = threading.Lock()

    def semantic_floor(self, vector: np.ndarray) -> float:
        """The least cosine of a semantic hit for this query vector (`vector_floor`)."""
        if self._floor is None:
            cfg = self.config.search
            floor = SemanticFloor.of(self.embedder, cfg.semantic_null_margin,
                                     cfg.semantic_min_score)
            with self._lock:
                self._floor = self._floor or floor
        return self._floor(vector)

    def query_vector(self, text: str) -> np.ndarray:
        """The query's embedding (recent ones are kept: users re-page and refine)."""
        return self.recent.encode([text])[0]

    def query_translation(self, parsed: ParsedQuery, xlang: bool | None) -> QueryTranslation:
        """The query in the other languages, if cross-language keywords are on (None: config)."""
        if xlang is None:
            xlang = self.config.translation.query_translation
        return self.query_translator.translate(parsed) if xlang else QueryTranslation()

    def rank(self, index: Index, query: str | ParsedQuery, mode: str, filters: Filters,
             depth: int, xlang: bool | None = None,
             translation: QueryTranslation | None = None) -> Ranking:
        """Candidates from each retriever (up to `depth`), fused.

        `xlang`: also search the keywords translated into the other languages (None: the
        [translation] query_translation setting); `translation`: that translation, when
        already made for the same query.
        """
        cfg = self.config.search
        parsed = query if isinstance(query, ParsedQuery) else self.reader.parse(query)
        notices = list(parsed.notices)
        if parsed.empty:
            return Ranking(parsed, [], {}, None, 0, notices)
        if translation is None:
            translation = self.query_translation(parsed, xlang)
        notices += [translation.notice] if translation.notice else []
        also = translation.trees(self.config.translation.query_boost)
        lists: dict[str, Ranked] = {}
        if mode in ("hybrid", "keyword"):
            keyword = index.keyword.search(parsed.tree, filters, depth, also=also)
            terms, keyword_total = keyword.terms, keyword.total
            lists["keyword"] = [(h.row, h.score) for h in keyword.hits]
        else:  # semantic: the terms are still wanted, to highlight them in snippets
            terms, keyword_total = index.keyword.terms_of(parsed.tree, also), 0
        vector = None
        if mode in ("hybrid", "semantic") and parsed.semantic_text:
            vector = self.query_vector(parsed.semantic_text)
            lists["semantic"] = index.vectors.search(vector, depth, filters,
                                                     self.semantic_floor(vector))
        factors = (self.language_factors(index, parsed, lists["keyword"], translation)
                   if len(lists) == 2 else None)
        fused = fuse(lists, cfg.fusion, cfg.rrf_k, cfg.keyword_weight, factors)
        return Ranking(parsed, fused, terms, vector, keyword_total, notices, translation)

    def language_factors(self, index: Index, parsed: ParsedQuery,
                         keyword_hits: Ranked,
                         translation: QueryTranslation) -> Factors | None:
        """Weights, in hybrid fusion, of keyword hits in another language than the query's.

        A hit in a language the query was translated into matched a machine translation
        (`translated_keyword_factor`); one in any other language matched only names,
        numbers and look-alike words (`other_language_keyword_factor`).
        """
        cfg = self.config.search
        other, translated = cfg.other_language_keyword_factor, cfg.translated_keyword_factor
        if (other == translated == 1.0) or not keyword_hits or len(self.config.corpus.languages) < 2:
            return None
        lang = translation.source or self.detector.detect(parsed.semantic_text,
                                                          fallback=UNDETERMINED)
        if lang == UNDETERMINED:
            return None
        factors = {}
        for row, _ in keyword_hits:
            language = index.facts.language(row)
            if language != lang:
                factor = translated if language in translation.searched else other
                if factor != 1.0:
                    factors[row] = factor
        return {"keyword": factors}

    def search(self, request: SearchRequest) -> SearchResponse:
        """The page of results asked for; a repeated request is answered from the cache
        of recent responses (`[search] result_cache`) while the index is unchanged."""
        started = time.perf_counter()
        index = self.handle.get()
        key = self.results.key(index.generation, request)
        cached = self.results.get(key)
        if cached is not None:
            return replace(cached, seconds=time.perf_counter() - started)
        response = self.run(index, request, started)
        if not response.translation_notice:  # a failed translation is tried again
            self.results.put(key, response)
        return response

    def run(self, index: Index, request: SearchRequest, started: float) -> SearchResponse:
        cfg = self.config.search
        page, per_page = request.page, request.per_page
        notices: list[str] = []
        if page * per_page > cfg.max_results:
            page = max(1, cfg.max_results // per_page)
            notices.append(f"Results are shown up to number {cfg.max_results}; refine the "
                           f"query or use export for more.")
        ranking = self.rank(index, request.query, request.mode, request.filters,
                            self.depth(request.mode), xlang=request.xlang)
        results = self.result_set(index, ranking.fused[:cfg.max_results], request.sort)
        notices = ranking.notices + self.cut_notice(ranking) + notices
        total, hits = self.page(index, ranking, results, request.group, page, per_page,
                                request.stories)
        translation_notice = (translate_hits(self.translator, hits, request.translate,
                                             ranking.terms) if request.translate else "")
        return SearchResponse(
            query=ranking.parsed.text, mode=request.mode, total=total, page=page,
            per_page=per_page, notices=notices, hits=hits,
            facets=self.facets(index, request, ranking, results), generation=index.generation,
            seconds=time.perf_counter() - started, also_searched=ranking.translation.texts,
            translation_notice=translation_notice, group=request.group, stories=request.stories,
            total_documents=len(results.groups),
            total_passages=(ranking.keyword_total if request.mode == "keyword"
                            else len(results.ranked)),
            timeline=timeline(results.document_spans(), request.filters.date_from,
                              request.filters.date_to))

    def depth(self, mode: str) -> int:
        """Candidates each retriever gives a page's search.

        A fused ranking depends on its lists' depth, so hybrid always fuses the same
        `candidates`; keyword and semantic rank up to `max_results`. Either way every page,
        in every sort and grouping, is a slice of one list.
        """
        cfg = self.config.search
        return cfg.candidates if mode == "hybrid" else cfg.max_results

    def page(self, index: Index, ranking: Ranking, results: ResultSet, group: str, page: int,
             per_page: int, stories: str = "all") -> tuple[int, list[Hit]]:
        """What the grouping pages over (documents, documents less those of a story shown
        above, or passages) and the page's hits."""
        start = (page - 1) * per_page
        if group == "document":
            groups = results.stories if stories == "group" else results.groups
            hits = self.document_hits(index, ranking, groups, results, start, per_page)
            if stories == "group":
                self.add_stories(index, hits)
            return len(groups), hits
        window = results.ranked[start:start + per_page]
        return len(results.ranked), self.hits(index, ranking, window, start + 1)

    def result_set(self, index: Index, ranked: list[Fused], sort: str) -> ResultSet:
        """Ranked passages in the order asked for (search and export share it)."""
        if sort != "relevance":
            ranked = self.by_date(index, ranked, newest=sort == "newest")
        return ResultSet.of(index.facts, ranked)

    def cut_notice(self, ranking: Ranking) -> list[str]:
        """Says so when more passages match than a search ranks (keyword mode counts them)."""
        limit = self.config.search.max_results
        if ranking.keyword_total <= limit or len(ranking.fused) < limit:
            return []
        return [f"{ranking.keyword_total:,} passages match; the {limit:,} most relevant are "
                f"shown and counted here (export has them all)."]

    def facets(self, index: Index, request: SearchRequest, ranking: Ranking,
               results: ResultSet) -> dict[str, list[tuple[str, int]]]:
        """Each facet's values with their counts, taken with every filter but its own."""
        out = {}
        for name in FACETS:
            counted = results
            if picked(request.filters, name):
                others = self.rank(index, ranking.parsed, request.mode,
                                   without(request.filters, name), self.depth(request.mode),
                                   translation=ranking.translation)
                counted = self.result_set(
                    index, others.fused[:self.config.search.max_results], "relevance")
            out[name] = facet_counts(counted, name, request.group == "document")
        return out

    def document_hits(self, index: Index, ranking: Ranking, groups: list[Group],
                      results: ResultSet, start: int, count: int) -> list[Hit]:
        """Hits for documents start+1..start+count: each its best passage, with the number of
        its matching passages and the next best of them (`more`, without semantic sentences:
        embedding each one's sentences would cost more than the page)."""
        groups = groups[start:start + count]
        best = self.records(index, ranking, [g.best for g in groups])
        others = [f for g in groups for f in g.passages[1:1 + MORE_SHOWN]]
        more = self.records(index, ranking, others, meaning=False)
        position = results.positions(list(more))
        hits = []
        for rank, group in enumerate(groups, start + 1):
            hit = best.get(group.best.row)
            if hit is None:
                continue
            hit.rank, hit.passages = rank, len(group.passages)
            shown = [f.row for f in group.passages[1:1 + MORE_SHOWN] if f.row in more]
            for row in shown:
                more[row].rank = position[row]
            hit.more = [more[row] for row in shown]
            hits.append(hit)
        return hits

    def hits(self, index: Index, ranking: Ranking, window: list[Fused],
             start_rank: int = 1, meaning: bool = True) -> list[Hit]:
        """Full hit records, with snippets, for a slice of a ranking (`records`), ranked
        from `start_rank`."""
        records = self.records(index, ranking, window, meaning)
        hits = []
        for rank, item in enumerate(window, start_rank):
            hit = records.get(item.row)
            if hit is not None:
                hit.rank = rank
                hits.append(hit)
        return hits

    def records(self, index: Index, ranking: Ranking, window: list[Fused],
                meaning: bool = True) -> dict[int, Hit]:
        """Hits by row, with snippets, for some passages of a ranking (unranked: 0).

        `meaning`: a hit found only by meaning shows its sentence with the most query
        terms, or, sharing none, its sentence closest in meaning to the query (otherwise
        its keyword fragments, or its start)."""
        cfg = self.config.search
        passages = index.store.passages_by_row([f.row for f in window])
        docs = index.store.documents(sorted({p.doc_id for p in passages.values()}))
        semantic_only = [passages[f.row] for f in window
                         if meaning and f.row in passages and "keyword" not in f.ranks]
        sentences = semantic_sentences(semantic_only, ranking.terms, ranking.query_vector,
                                       self.recent)
        hits = {}
        for item in window:
            passage = passages.get(item.row)
            doc = docs.get(passage.doc_id) if passage else None
            if passage is None or doc is None:
                continue
            snippet = make_snippet(passage, ranking.terms, sentences.get(passage.passage_id),
                                   cfg.snippet_chars, cfg.snippet_fragments)
            hits[item.row] = Hit(
                rank=0, score=round(item.score, 6), doc_id=doc.doc_id,
                title=doc.title, source=doc.source, kind=doc.kind, published=doc.published,
                language=passage.language, section=passage.section,
                passage_id=passage.passage_id, ordinal=passage.ordinal, text=passage.text,
                snippet=snippet, matched_by=item.matched_by, ranks=dict(item.ranks),
                names=index.facts.mentions["name"].labels_of(item.row),
                figures=index.facts.mentions["figure"].labels_of(item.row),
                story_id=doc.story_id, story_role=doc.story_role)
        return hits

    @staticmethod
    def add_stories(index: Index, hits: list[Hit]) -> None:
        """Each hit's story: the other documents telling it (`StoryMember`)."""
        for hit in hits:
            others, hit.story_others = index.store.story_others(hit.story_id, hit.doc_id,
                                                                STORY_SHOWN)
            first = date_span(hit.published)[0]
            hit.story = [StoryMember(d.doc_id, d.title, d.source, d.language, d.published,
                                     d.story_role, day_difference(date_span(d.published)[0], first))
                         for d in others]

    @staticmethod
    def by_date(index: Index, fused: list[Fused], newest: bool) -> list[Fused]:
        """The hits by their document's date (newest: by last day, descending; oldest: by
        first day, ascending), undated last, relevance breaking ties."""
        facts = index.facts

        def key(item: tuple[int, Fused]):
            rank, hit = item
            first, last = int(facts.date_start[hit.row]), int(facts.date_end[hit.row])
            return (first == 0, -last if newest else first, rank)

        return [hit for _, hit in sorted(enumerate(fused), key=key)]

"""The keyword index on tantivy (the default engine; see interface.py for the contract).

One tantivy index per language (`keyword/en/`, `keyword/it/`, ...), so BM25's document
frequencies and average field lengths are each language's own: a minority language is
not scored as if its passages were all too long (what `LanguageBM25F` does for Whoosh).
Text is analysed in Python by the same chains as the Whoosh engine (`analyzers.py`,
Italian elision included) and indexed pre-tokenized, so both engines hold the same terms
and a query's leaves become exact term and phrase queries: no tokenizer is registered
in the index, so nothing has to be re-registered when it is opened.

A query tree over the virtual fields (title, section, body) is turned into one tantivy
query per language; the languages' hits are merged by score. The languages are searched
at the same time (tantivy releases the GIL): over a million passages (bench/
keyword_copies.py) that took the engine's part of a keyword search from 14 to 9 ms at
p95 on 2 cores.
"""
from __future__ import annotations

import heapq
import itertools
import os
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from operator import attrgetter
from pathlib import Path

import tantivy
from tantivy import Occur, Query
from whoosh import query as wq

from ...dates import date_span, filter_span
from ...ingest.names import name_key
from ...models import Filters
from .analyzers import analyze
from .highlight import highlight
from .interface import (FACET_FIELDS, MAX_PREFIX_EXPANSIONS, MENTION_FIELDS, KeywordHit,
                        KeywordMatches, KeywordResult, mention_filters, mention_keys, negations)

MATCH_PAGE = 500  # hits fetched at a time when streaming every match
MAX_FACET_VALUES = 10000
TEXT_FIELDS = ("title", "section", "body")


def _schema() -> tantivy.Schema:
    sb = tantivy.SchemaBuilder()
    sb.add_integer_field("row", fast=True)  # the passage's row: what a hit returns
    sb.add_text_field("doc_id", tokenizer_name="raw")
    sb.add_text_field("kind", fast=True, tokenizer_name="raw")
    sb.add_text_field("source", fast=True, tokenizer_name="raw")
    sb.add_integer_field("date_start", indexed=True, fast=True)
    sb.add_integer_field("date_end", indexed=True, fast=True)
    for name in TEXT_FIELDS:
        sb.add_text_field(name, tokenizer_name="whitespace", index_option="position")
    for name in MENTION_FIELDS.values():  # each name or figure one term: its name_key
        sb.add_text_field(name, tokenizer_name="raw")
    return sb.build()


def _tokens(lang: str, text: str) -> tantivy.PreTokenizedString:
    terms = analyze(lang, text)
    return tantivy.PreTokenizedString(" ".join(terms), [
        tantivy.Token(term, position, 0, 0) for position, term in enumerate(terms)])


def _boolean(clauses: list[tuple[Occur, Query]]) -> Query:
    return clauses[0][1] if len(clauses) == 1 and clauses[0][0] == Occur.Should else \
        Query.boolean_query(clauses)


class TantivyWriter:
    """Adds passages to their language's index and deletes documents from all of them."""

    def __init__(self, writers: dict[str, tantivy.IndexWriter]):
        self._writers = writers

    def add(self, passage, title: str, kind: str, source: str, published: str):
        lang = passage.language
        first, last = date_span(published)
        doc = tantivy.Document()
        for mention_kind, field in MENTION_FIELDS.items():
            for key in sorted({name_key(m.text) for m in passage.mentions
                               if m.kind == mention_kind}):
                doc.add_text(field, key)
        doc.add_integer("row", passage.row)
        doc.add_text("doc_id", passage.doc_id)
        doc.add_text("kind", kind or "")
        doc.add_text("source", source or "")
        doc.add_integer("date_start", first)
        doc.add_integer("date_end", last)
        for name, text in (("title", title), ("section", passage.section),
                           ("body", passage.text)):
            doc.add_pre_tokenized_text(name, _tokens(lang, text or ""))
        self._writers[lang].add_document(doc)

    def delete_document(self, doc_id: str):
        for writer in self._writers.values():
            writer.delete_documents_by_term("doc_id", doc_id)


class _Compiler:
    """A virtual-field query tree -> one language's tantivy query, collecting the analysed
    terms it looks for (not those under NOT) for highlighting."""

    def __init__(self, index: "TantivyIndex", lang: str):
        self.index, self.lang = index, lang
        self.schema = index.schemas[lang]
        self.searcher = index.searchers[lang]
        self.terms: set[str] = set()

    def compile(self, node: wq.Query, collect: bool = True) -> Query | None:
        """The query, or None if it can match nothing."""
        if isinstance(node, (wq.Term, wq.Phrase, wq.Prefix)):
            q = self._leaf(node, collect)
        elif isinstance(node, wq.And):
            q = self._and(node.subqueries, collect)
        elif isinstance(node, wq.Or):
            kids = [self._positive(c, collect) for c in node.subqueries]
            kids = [k for k in kids if k is not None]
            q = _boolean([(Occur.Should, k) for k in kids]) if kids else None
        elif isinstance(node, wq.AndNot):
            a, b = self.compile(node.a, collect), self.compile(node.b, False)
            q = a if a is None or b is None else Query.boolean_query(
                [(Occur.Must, a), (Occur.MustNot, b)])
        elif isinstance(node, wq.Not):
            q = self._positive(node, collect)
        elif isinstance(node, wq.Every):
            q = Query.all_query()
        elif isinstance(node, type(wq.NullQuery)):
            q = None
        else:
            raise TypeError(f"no tantivy form for query node {type(node).__name__}")
        boost = getattr(node, "boost", 1.0)
        return Query.boost_query(q, boost) if q is not None and boost != 1.0 else q

    def _positive(self, node: wq.Query, collect: bool) -> Query | None:
        """A node that may stand alone: a bare NOT matches every passage without it."""
        if not isinstance(node, wq.Not):
            return self.compile(node, collect)
        excluded = self.compile(node.query, False)
        return Query.all_query() if excluded is None else Query.boolean_query(
            [(Occur.Must, Query.all_query()), (Occur.MustNot, excluded)])

    def _and(self, children: list[wq.Query], collect: bool) -> Query | None:
        clauses = []
        for child in children:
            if isinstance(child, wq.Not):
                excluded = self.compile(child.query, False)
                if excluded is not None:
                    clauses.append((Occur.MustNot, excluded))
                continue
            q = self.compile(child, collect)
            if q is None:
                return None  # one part can match nothing: so can the whole
            clauses.append((Occur.Must, q))
        if not any(occur == Occur.Must for occur, _ in clauses):
            clauses.append((Occur.Must, Query.all_query()))
        return Query.boolean_query(clauses)

    def _mention(self, node: wq.Query, collect: bool) -> Query | None:
        """A `name:` or `figure:` leaf (interface.mention_keys)."""
        keys, words = mention_keys(node, self.index.expand_mentions)
        if collect:
            self.terms.update(t for word in words for t in analyze(self.lang, word))
        field = MENTION_FIELDS[node.fieldname]
        queries = [(Occur.Should, Query.term_query(self.schema, field, k)) for k in keys]
        return _boolean(queries) if queries else None

    def _leaf(self, node: wq.Query, collect: bool) -> Query | None:
        if node.fieldname in MENTION_FIELDS:
            return self._mention(node, collect)
        clauses = []
        if not isinstance(node, wq.Prefix):  # the same analysis for every field
            words = node.words if isinstance(node, wq.Phrase) else [node.text]
            terms = analyze(self.lang, " ".join(words))
        for field, boost in self.index.targets(node.fieldname):
            if isinstance(node, wq.Prefix):
                found = self.searcher.terms_with_prefix(field, node.text.lower(),
                                                        limit=MAX_PREFIX_EXPANSIONS)
                terms = sorted(term for term, _ in found)
                queries = [Query.term_query(self.schema, field, t) for t in terms]
            else:
                if len(terms) == 1:
                    queries = [Query.term_query(self.schema, field, terms[0])]
                elif terms:  # Whoosh's slop 1 is tantivy's 0: the words side by side
                    slop = node.slop if isinstance(node, wq.Phrase) else 1
                    queries = [Query.phrase_query(self.schema, field, terms, max(0, slop - 1))]
                else:
                    queries = []
            if collect:
                self.terms.update(terms)
            clauses += [(Occur.Should, q if boost == 1.0 else Query.boost_query(q, boost))
                        for q in queries]
        return _boolean(clauses) if clauses else None


class TantivyIndex:
    engine = "tantivy"
    highlight = staticmethod(highlight)

    def __init__(self, path: Path, languages: list[str], title_boost: float = 1.0,
                 section_boost: float = 1.5):
        self.path = path
        self.languages = list(languages)
        self.title_boost, self.section_boost = title_boost, section_boost
        self.indexes = {lang: tantivy.Index(_schema(), path=str(path / lang), reuse=True)
                        for lang in self.languages}
        self.schemas = {lang: ix.schema for lang, ix in self.indexes.items()}
        self.searchers: dict[str, tantivy.Searcher] = {}
        cores = os.cpu_count() or 1
        # searches every language but the first (its threads start at the first search)
        self._pool = (ThreadPoolExecutor(cores, thread_name_prefix="tantivy-search")
                      if cores > 1 and len(self.languages) > 1 else None)
        self._open_searchers()

    def _open_searchers(self):
        """One searcher per language, shared by all threads (tantivy's are thread-safe)."""
        for lang, ix in self.indexes.items():
            ix.reload()
            self.searchers[lang] = ix.searcher()

    # -- building ---------------------------------------------------------------
    @classmethod
    def create(cls, path: Path, languages: list[str]) -> "TantivyIndex":
        for lang in languages:
            (path / lang).mkdir(parents=True, exist_ok=True)
        return cls(path, languages)

    @classmethod
    def open(cls, path: Path, languages: list[str], **boosts) -> "TantivyIndex":
        missing = [lang for lang in languages if not (path / lang / "meta.json").is_file()]
        if missing:
            raise FileNotFoundError(f"no tantivy index for {', '.join(missing)} in {path}")
        return cls(path, languages, **boosts)

    @contextmanager
    def writer(self, limitmb: int = 256, procs: int = 1):
        """Yields a `TantivyWriter`; commits every language's index at exit."""
        heap = max(15, limitmb // max(1, len(self.indexes))) * 1_000_000
        writers = {lang: ix.writer(heap, max(1, procs)) for lang, ix in self.indexes.items()}
        try:
            yield TantivyWriter(writers)
        except BaseException:
            for writer in writers.values():
                writer.rollback()
            raise
        for writer in writers.values():
            writer.commit()
            writer.wait_merging_threads()
        self._open_searchers()

    # -- searching --------------------------------------------------------------
    def targets(self, field: str) -> list[tuple[str, float]]:
        """(index field, boost) for a virtual field."""
        if field == "body":
            return [("body", 1.0), ("title", self.title_boost), ("section", self.section_boost)]
        return [(field, 1.0)]

    def expand_mentions(self, field: str, prefix: str, limit: int) -> list[tuple[str, int]]:
        """(key, passages) of the names (figures) starting with `prefix`, in all languages."""
        found = Counter()
        for searcher in self.searchers.values():
            found.update(dict(searcher.terms_with_prefix(field, prefix, limit=limit)))
        return list(found.items())

    def doc_count(self) -> int:
        return sum(s.num_docs for s in self.searchers.values())

    def _filter_clauses(self, lang: str, filters: Filters) -> list[tuple[Occur, Query]]:
        schema, clauses = self.schemas[lang], []
        for field, values in (("kind", filters.kinds), ("source", filters.sources)):
            if values:
                clauses.append((Occur.Must, Query.term_set_query(schema, field, list(values))))
        for field, keys in mention_filters(filters).items():
            clauses.append((Occur.Must, Query.term_set_query(schema, field, keys)))
        bounds = filter_span(filters.date_from, filters.date_to)
        if bounds:  # the rule of dates.span_in_range: the document's whole period inside
            for field in ("date_start", "date_end"):
                clauses.append((Occur.Must, Query.range_query(
                    schema, field, tantivy.FieldType.Integer, bounds[0], bounds[1])))
        return clauses

    def _queries(self, tree: wq.Query, filters: Filters | None,
                 also: dict[str, wq.Query] | None) -> tuple[dict[str, Query], dict]:
        """The tantivy query of each language to search (filters applied), and the
        analysed terms by language."""
        languages = [lang for lang in self.languages
                     if filters is None or not filters.languages or lang in filters.languages]
        queries, terms = {}, {}
        excluded_by_query = negations(tree)
        for lang in self.languages:
            compiler = _Compiler(self, lang)
            parts = [compiler.compile(tree)]
            if also and lang in also:
                translated = compiler.compile(also[lang])
                excluded = [compiler.compile(n, False) for n in excluded_by_query]
                excluded = [(Occur.MustNot, e) for e in excluded if e is not None]
                if translated is not None and excluded:
                    translated = Query.boolean_query([(Occur.Must, translated), *excluded])
                parts.append(translated)
            parts = [p for p in parts if p is not None]
            if compiler.terms:
                terms[lang] = frozenset(compiler.terms)
            if not parts or lang not in languages:
                continue
            q = _boolean([(Occur.Should, p) for p in parts])
            extra = self._filter_clauses(lang, filters) if filters is not None else []
            queries[lang] = Query.boolean_query([(Occur.Must, q), *extra]) if extra else q
        return queries, terms

    def terms_of(self, tree: wq.Query, also: dict[str, wq.Query] | None = None
                 ) -> dict[str, frozenset[str]]:
        return self._queries(tree, None, also)[1]

    def _hits(self, lang: str, query: Query, limit: int, offset: int = 0):
        searcher = self.searchers[lang]
        result = searcher.search(query, limit, count=True, offset=offset)
        rows = searcher.fast_field_values("row", [address for _, address in result.hits])
        return result.count, [KeywordHit(row, score) for (score, _), row in zip(result.hits, rows)]

    def _facets(self, queries: dict[str, Query], counts: dict[str, int]) -> dict:
        out = {"language": {lang: n for lang, n in counts.items() if n}}
        for name in FACET_FIELDS:
            if name == "language":
                continue
            total = Counter()
            for lang, query in queries.items():
                if not counts[lang]:
                    continue
                agg = self.searchers[lang].aggregate(query, {name: {"terms": {
                    "field": name, "size": MAX_FACET_VALUES}}})
                total.update({b["key"]: b["doc_count"] for b in agg[name]["buckets"]})
            out[name] = dict(total)
        return out

    def _each_language(self, search: Callable[[str, Query], object],
                       queries: dict[str, Query]) -> dict[str, object]:
        """search(lang, query) for every language, the others in the pool while this thread
        does the first (tantivy searches without the GIL)."""
        items = list(queries.items())
        if len(items) < 2 or self._pool is None:
            return {lang: search(lang, q) for lang, q in items}
        others = [(lang, self._pool.submit(search, lang, q)) for lang, q in items[1:]]
        (lang, q), *_ = items
        out = {lang: search(lang, q)}
        out.update((lang, future.result()) for lang, future in others)
        return out

    def search(self, tree: wq.Query, filters: Filters, limit: int,
               also: dict[str, wq.Query] | None = None, facets: bool = False) -> KeywordResult:
        """`also`: translations of the query by language, each searched in that language only.
        `facets`: also count FACET_FIELDS' values over every match."""
        queries, terms = self._queries(tree, filters, also)
        counts, hits = {}, []
        found = self._each_language(lambda lang, q: self._hits(lang, q, max(1, limit)), queries)
        for lang in queries:  # in the languages' order, so equal scores keep theirs
            counts[lang], lang_hits = found[lang]
            hits += lang_hits
        if len(queries) > 1:  # each language's best first; a stable sort keeps ties in order
            hits.sort(key=attrgetter("score"), reverse=True)
        del hits[limit:]
        counted = self._facets(queries, counts) if facets else None
        return KeywordResult(hits, sum(counts.values()), terms, counted)

    def _stream(self, lang: str, query: Query, order: int) -> Iterator[tuple]:
        for offset in itertools.count(0, MATCH_PAGE):
            _, hits = self._hits(lang, query, MATCH_PAGE, offset)
            yield from ((-hit.score, order, offset + rank, hit.row)
                        for rank, hit in enumerate(hits))
            if len(hits) < MATCH_PAGE:
                return

    def matches(self, tree: wq.Query, filters: Filters,
                also: dict[str, wq.Query] | None = None) -> KeywordMatches:
        """Every matching passage, best first, fetched a page at a time as it is read."""
        queries, terms = self._queries(tree, filters, also)
        total = sum(self._each_language(
            lambda lang, q: self.searchers[lang].search(q, 1, count=True).count,
            queries).values())
        streams = [self._stream(lang, q, order) for order, (lang, q) in enumerate(queries.items())]
        return KeywordMatches(total, terms, (KeywordHit(row, -neg) for neg, _, _, row
                                             in heapq.merge(*streams)))

    def close(self):
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None
        self.searchers.clear()

"""The keyword index on Whoosh: writing, searching and highlighting (see interface.py).

Each passage is written to the fields of its own language (`body_en`, `body_it`,
...), each with that language's analyzer; a query word is analyzed once per
language and looked up in each language's fields, so `veicoli` finds `veicolo`
in Italian passages and `vehicles` finds `vehicle` in English ones.
"""
from __future__ import annotations

import math
import threading
import itertools
from collections import defaultdict
from contextlib import contextmanager
from pathlib import Path

from whoosh import index as windex, query as wq, scoring, sorting
from whoosh.analysis import RegexTokenizer
from whoosh.fields import ID, NUMERIC, STORED, TEXT, Schema
from whoosh.idsets import BitSet

from ...dates import date_span, filter_span
from ...ingest.names import name_key
from ...models import Filters
from .analyzers import analyze, analyzer_for
from .highlight import highlight
from .interface import (FACET_FIELDS, MAX_PREFIX_EXPANSIONS, MAX_PREFIX_SCAN, MENTION_FIELDS,
                        KeywordHit, KeywordMatches, KeywordResult, mention_filters, mention_keys,
                        negations)



def _schema(languages: list[str]) -> Schema:
    fields = dict(
        passage_id=ID(unique=True),
        row=STORED,
        doc_id=ID(stored=True),
        language=ID, kind=ID, source=ID,
        # signed: Whoosh's unsigned 32-bit ranges miss or admit documents at some bounds
        date_start=NUMERIC(int, bits=32, signed=True),
        date_end=NUMERIC(int, bits=32, signed=True),
        # each name or figure one term, its name_key (keys are tab-separated when written)
        **{field: TEXT(analyzer=RegexTokenizer(r"[^\t]+"), phrase=False)
           for field in MENTION_FIELDS.values()},
    )
    for lang in languages:
        analyzer = analyzer_for(lang)
        fields[f"title_{lang}"] = TEXT(analyzer=analyzer, phrase=True)
        fields[f"section_{lang}"] = TEXT(analyzer=analyzer, phrase=True)
        fields[f"body_{lang}"] = TEXT(analyzer=analyzer, phrase=True)
    return Schema(**fields)


class LanguageBM25F(scoring.BM25F):
    """BM25F with each language's fields scored against that language's passages only.

    Whoosh takes a field's average length and a term's IDF over *all* documents, so
    in a corpus that is 2% Italian the Italian fields look nearly empty on average and
    every Italian passage is penalised as if it were fifty times too long. Per-language
    statistics leave a one-language corpus scored exactly as before.
    """

    def scorer(self, searcher, fieldname, text, qf=1):
        scorer = super().scorer(searcher, fieldname, text, qf)
        if isinstance(scorer, scoring.BM25FScorer) and "_" in fieldname:
            parent = searcher.get_parent()
            docs = parent.doc_frequency("language", fieldname.rsplit("_", 1)[1])
            if docs:
                scorer.avgfl = parent.field_length(fieldname) / docs or 1
                scorer.idf = math.log(docs / (parent.doc_frequency(fieldname, text) + 1)) + 1
        return scorer


class MentionTerm(wq.Term):
    """A name's (figure's) key, with the words to highlight for it."""

    def __init__(self, fieldname: str, key: str, highlight: list[str]):
        super().__init__(fieldname, key)
        self.highlight = highlight


class KeywordWriter:
    def __init__(self, writer):
        self._writer = writer

    def add(self, passage, title: str, kind: str, source: str, published: str):
        lang = passage.language
        first, last = date_span(published)
        mentions = {field: "\t".join(sorted({name_key(m.text) for m in passage.mentions
                                              if m.kind == mention_kind}))
                    for mention_kind, field in MENTION_FIELDS.items()}
        self._writer.add_document(
            passage_id=passage.passage_id, row=passage.row, doc_id=passage.doc_id, language=lang,
            kind=kind, source=source, date_start=first, date_end=last, **mentions,
            **{f"title_{lang}": title, f"section_{lang}": passage.section,
               f"body_{lang}": passage.text})

    def delete_document(self, doc_id: str):
        """Delete every passage of a document (to remove or replace it)."""
        self._writer.delete_by_term("doc_id", doc_id)


class KeywordIndex:
    engine = "whoosh"

    def __init__(self, ix, languages: list[str], title_boost: float = 1.0,
                 section_boost: float = 1.5):
        self._ix = ix
        self.languages = list(languages)
        self.title_boost = title_boost
        self.section_boost = section_boost
        self._local = threading.local()

    # -- building ---------------------------------------------------------------
    @classmethod
    def create(cls, path: Path, languages: list[str]) -> "KeywordIndex":
        path.mkdir(parents=True, exist_ok=True)
        return cls(windex.create_in(str(path), _schema(languages)), languages)

    @classmethod
    def open(cls, path: Path, languages: list[str], **boosts) -> "KeywordIndex":
        return cls(windex.open_dir(str(path)), languages, **boosts)

    @contextmanager
    def writer(self, limitmb: int = 256, procs: int = 1):
        """Yields a `KeywordWriter` (add passages, delete documents); commits at exit."""
        kwargs = {"limitmb": limitmb}
        if procs > 1:
            kwargs.update(procs=procs, multisegment=True)
        writer = self._ix.writer(**kwargs)
        try:
            yield KeywordWriter(writer)
        except BaseException:
            writer.cancel()
            raise
        writer.commit()

    # -- searching --------------------------------------------------------------
    def _searcher(self):
        """One Whoosh searcher per thread: they are not safe to share."""
        searcher = getattr(self._local, "searcher", None)
        if searcher is None:
            searcher = self._local.searcher = self._ix.searcher(weighting=LanguageBM25F())
        return searcher

    def _targets(self, field: str, languages: list[str] | None = None
                 ) -> list[tuple[str, str, float]]:
        """(index field, language, boost) for a virtual field."""
        out = []
        for lang in languages or self.languages:
            if field == "body":
                out += [(f"body_{lang}", lang, 1.0), (f"title_{lang}", lang, self.title_boost),
                        (f"section_{lang}", lang, self.section_boost)]
            else:
                out.append((f"{field}_{lang}", lang, 1.0))
        return out

    def _expand_prefix(self, field: str, prefix: str) -> list[str]:
        reader = self._searcher().reader()
        found = []
        for i, term in enumerate(reader.expand_prefix(field, prefix)):
            if i >= MAX_PREFIX_SCAN:
                break
            text = term.decode("utf-8") if isinstance(term, bytes) else term
            found.append((reader.doc_frequency(field, text), text))
        found.sort(reverse=True)
        return [text for _, text in found[:MAX_PREFIX_EXPANSIONS]]

    def _mention(self, q: wq.Query) -> wq.Query:
        """A `name:` or `figure:` leaf (interface.mention_keys)."""
        keys, words = mention_keys(q, self._mention_terms)
        field = MENTION_FIELDS[q.fieldname]
        return wq.Or([MentionTerm(field, k, words) for k in keys]) if keys else wq.NullQuery

    def _mention_terms(self, field: str, prefix: str, limit: int) -> list[tuple[str, int]]:
        reader = self._searcher().reader()
        keys = (k.decode("utf-8") if isinstance(k, bytes) else k
                for k in itertools.islice(reader.expand_prefix(field, prefix), limit))
        return [(key, reader.doc_frequency(field, key)) for key in keys]

    def _leaf(self, q: wq.Query, languages: list[str] | None = None) -> wq.Query:
        if q.fieldname in MENTION_FIELDS:
            return self._mention(q)
        clauses = []
        for field, lang, boost in self._targets(q.fieldname, languages):
            if isinstance(q, wq.Prefix):
                terms = self._expand_prefix(field, q.text.lower())
                clauses += [wq.Term(field, t, boost=boost) for t in terms]
                continue
            words = q.words if isinstance(q, wq.Phrase) else [q.text]
            tokens = [t.text for t in analyzer_for(lang)(" ".join(words))]
            if len(tokens) == 1:
                clauses.append(wq.Term(field, tokens[0], boost=boost))
            elif tokens:
                slop = q.slop if isinstance(q, wq.Phrase) else 1
                clauses.append(wq.Phrase(field, tokens, slop=slop, boost=boost))
        return wq.Or(clauses) if clauses else wq.NullQuery

    def concrete(self, tree: wq.Query, languages: list[str] | None = None) -> wq.Query:
        """A query over the virtual fields title/section/body -> one over real fields
        (of all languages, or only of `languages`)."""
        if isinstance(tree, (wq.Term, wq.Phrase, wq.Prefix)):
            return self._leaf(tree, languages)
        return tree.apply(lambda child: self.concrete(child, languages))

    def _with_translations(self, tree: wq.Query, also: dict[str, wq.Query] | None) -> wq.Query:
        """The query, OR each translation of it searched in its own language's fields only.

        What the original query excludes (NOT) stays excluded from the translations' matches.
        """
        q = self.concrete(tree)
        extra = [self.concrete(t, [lang]) for lang, t in (also or {}).items()
                 if lang in self.languages]
        if not extra:
            return q.normalize()
        negated = negations(q)
        translated = wq.Or(extra)
        if negated:
            translated = wq.AndNot(translated, wq.Or(negated))
        return wq.Or([q, translated]).normalize()

    def query_terms(self, q: wq.Query) -> dict[str, frozenset[str]]:
        """Analyzed terms by language, leaving out what sits under NOT; a name's or figure's
        words count as words of every language."""
        terms = defaultdict(set)

        def walk(node):
            if isinstance(node, wq.Not):
                return
            if isinstance(node, wq.AndNot):
                walk(node.a)
                return
            if isinstance(node, MentionTerm):
                for lang in self.languages:
                    terms[lang].update(t for w in node.highlight for t in analyze(lang, w))
            elif isinstance(node, wq.Term):
                terms[node.fieldname.rsplit("_", 1)[-1]].add(node.text)
            elif isinstance(node, wq.Phrase):
                terms[node.fieldname.rsplit("_", 1)[-1]].update(node.words)
            for child in node.children():
                walk(child)

        walk(q)
        return {lang: frozenset(v) for lang, v in terms.items()}

    @staticmethod
    def filter_query(filters: Filters) -> wq.Query | None:
        parts = []
        for field, values in (("language", filters.languages), ("kind", filters.kinds),
                              ("source", filters.sources)):
            if values:
                parts.append(wq.Or([wq.Term(field, v) for v in values]))
        for field, keys in mention_filters(filters).items():
            parts.append(wq.Or([wq.Term(field, k) for k in keys]))
        bounds = filter_span(filters.date_from, filters.date_to)
        if bounds:  # the rule of dates.span_in_range: the document's whole period inside
            parts += [wq.NumericRange("date_start", *bounds), wq.NumericRange("date_end", *bounds)]
        return wq.And(parts) if parts else None

    def _allowed(self, filters: Filters) -> BitSet | None:
        """The passages the filters admit, as a document set (None: no filter).

        Computed here rather than handed to Whoosh as a query: Whoosh treats a filter
        that admits nothing as no filter when it counts matches, so a search whose
        filter excluded everything reported every match in its total.
        """
        fq = self.filter_query(filters)
        if fq is None:
            return None
        searcher = self._searcher()
        return BitSet(searcher.docs_for_query(fq), size=searcher.doc_count_all())

    def doc_count(self) -> int:
        return self._searcher().doc_count()

    def terms_of(self, tree: wq.Query, also: dict[str, wq.Query] | None = None
                 ) -> dict[str, frozenset[str]]:
        return self.query_terms(self._with_translations(tree, also))

    def search(self, tree: wq.Query, filters: Filters, limit: int,
               also: dict[str, wq.Query] | None = None, facets: bool = False) -> KeywordResult:
        """`also`: translations of the query by language, each searched in that language only.
        `facets`: also count FACET_FIELDS' values over every match."""
        q = self._with_translations(tree, also)
        terms = self.query_terms(q)
        allowed = self._allowed(filters)
        if q is wq.NullQuery or allowed is not None and not allowed:
            return KeywordResult([], 0, terms, {f: {} for f in FACET_FIELDS} if facets else None)
        grouped = dict(groupedby=list(FACET_FIELDS), maptype=sorting.Count) if facets else {}
        results = self._searcher().search(q, limit=limit, filter=allowed, **grouped)
        hits = [KeywordHit(hit["row"], float(hit.score)) for hit in results]
        counts = ({f: {value or "": n for value, n in results.groups(f).items()}
                   for f in FACET_FIELDS} if facets else None)
        return KeywordResult(hits, len(results), terms, counts)

    def matches(self, tree: wq.Query, filters: Filters,
                also: dict[str, wq.Query] | None = None) -> KeywordMatches:
        """Every matching passage, best first, with the count and score range known up front.

        Whoosh keeps only (score, document number) per match; stored fields are read
        as the hits are iterated. `also` as in `search`.
        """
        q = self._with_translations(tree, also)
        terms = self.query_terms(q)
        allowed = self._allowed(filters)
        if q is wq.NullQuery or allowed is not None and not allowed:
            return KeywordMatches(0, terms, iter(()))
        results = self._searcher().search(q, limit=None, filter=allowed)
        return KeywordMatches(len(results), terms,
                              (KeywordHit(hit["row"], float(hit.score)) for hit in results))

    highlight = staticmethod(highlight)

    def close(self):
        searcher = getattr(self._local, "searcher", None)
        if searcher is not None:
            searcher.close()
        self._ix.close()

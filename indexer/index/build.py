"""`newsdesk index`: corpus -> cleaned documents -> passages -> keyword + vector index.

Streams documents one at a time and writes passages in batches, so memory stays
flat whatever the archive's size. Embeddings of passages whose text did not
change are copied from the previous generation instead of recomputed (embedding
is by far the slowest step), and a corpus whose files and settings are unchanged
is not rebuilt at all. Embedding runs in `[embedder] workers` processes (embed_pool.py)
while the next documents are read; batches are written in the order they were read.
With `[cluster] scheduler`, documents are prepared and embedded on a Dask cluster
instead (cluster.py), and written here in the same order.
"""
from __future__ import annotations

import json
import shutil
import sqlite3
import time
from collections import Counter, deque
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from tqdm import tqdm

from ..config import Config
from ..ingest.language import LanguageDetector
from ..ingest.prepare import PreparedDocument, opening_words, prepare_all, text_hash
from ..ingest.sources import read_corpus, source_signature
from ..models import Document, Passage, Skipped
from . import archive, generations
from .archive import ArchiveRecord
from .embed_pool import EmbeddingFailed, build_embedder, encoder_for
from .embedders import Embedder
from .keyword.engines import create_keyword_index, engine_of, open_keyword_index
from .keyword.word_forms import load_word_forms, save_word_forms
from .stories import (StoryDoc, document_vectors, group_stories, load_document_vectors,
                      save_document_vectors)
from .store import Store, StoreWriter
from .vectors import VectorWriter, open_vectors

DEFAULT_KIND = "news"
DOCUMENT_VECTORS = "document-vectors.npz"  # stories.save_document_vectors


class ShrinkRefused(ValueError):
    """A build not published because it would empty the index or drop too much of it."""


@dataclass
class BuildReport:
    """What a build, an `add` or a `remove` did. `documents`, `passages` and the language
    counts describe the archive as published; the rest, this run."""

    operation: str = "index"  # "index" | "add" | "remove"
    generation: str = ""
    up_to_date: bool = False
    documents: int = 0
    passages: int = 0
    doc_languages: Counter = field(default_factory=Counter)
    passage_languages: Counter = field(default_factory=Counter)
    indexed: int = 0  # documents read and indexed in this run
    indexed_passages: int = 0
    replaced: int = 0  # documents re-added with changed content (the old version taken out)
    unchanged: int = 0  # documents re-added as they were (kept, nothing done)
    removed: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    warnings: list[Skipped] = field(default_factory=list)  # indexed, but not entirely
    duplicates: int = 0
    embeddings_reused: int = 0
    embeddings_computed: int = 0
    stories: int = 0  # stories of two or more documents in the archive
    storied_documents: int = 0  # documents in them
    # of `seconds`, after the last passage was written: committing the keyword index, the
    # vector graph (ann.py), grouping documents into stories, the store's indexes and
    # mentions files
    commit_seconds: float = 0.0
    graph_seconds: float = 0.0
    story_seconds: float = 0.0
    store_seconds: float = 0.0
    seconds: float = 0.0

    def finishing(self) -> dict[str, float]:
        """The seconds of each step after the last passage, by field name."""
        return {f"{step}_seconds": getattr(self, f"{step}_seconds")
                for step in ("commit", "graph", "story", "store")}

    def summary(self) -> str:
        if self.up_to_date:
            return f"Index is up to date ({self.generation}); nothing to do. ({self.seconds:.1f} s)"
        langs = ", ".join(f"{k} {v}" for k, v in sorted(self.doc_languages.items()))
        plangs = ", ".join(f"{k} {v}" for k, v in sorted(self.passage_languages.items()))
        archive = (f"{self.documents} documents ({langs or 'none'}) as {self.passages} passages "
                   f"({plangs or 'none'})")
        if self.operation == "index":
            lines = [f"Indexed {archive} in {self.seconds:.1f} s."]
        elif self.operation == "add":
            lines = [f"Added {self.indexed} documents ({self.indexed_passages} passages), "
                     f"{self.replaced} of them replacing an earlier version; {self.unchanged} "
                     f"unchanged, kept as they were. ({self.seconds:.1f} s)",
                     f"The archive now holds {archive}."]
        else:
            lines = [f"Removed {self.removed} documents. ({self.seconds:.1f} s)",
                     f"The archive now holds {archive}."]
        if self.stories:
            lines.append(f"Stories: {self.storied_documents} documents in {self.stories} "
                         f"stories told by two or more.")
        if sum(self.finishing().values()) >= 1:
            lines.append(f"After the last passage: the keyword index committed in "
                         f"{self.commit_seconds:.1f} s, the vector graph {self.graph_seconds:.1f} "
                         f"s, stories {self.story_seconds:.1f} s, the store's indexes and names "
                         f"{self.store_seconds:.1f} s.")
        if self.operation != "remove":
            lines += [f"Embeddings: {self.embeddings_computed} computed, "
                      f"{self.embeddings_reused} reused.",
                      f"Skipped {len(self.skipped)} item(s), {self.duplicates} of them duplicates."]
        lines += [f"  skipped {s.origin}: {s.reason}" for s in self.skipped]
        lines += [f"  warning {s.origin}: {s.reason}" for s in self.warnings]
        lines.append(f"Live generation: {self.generation}")
        return "\n".join(lines)


def settings_fingerprint(config: Config, embedder_name: str) -> dict:
    return {
        "format_version": generations.FORMAT_VERSION,
        "languages": config.corpus.languages,
        "default_language": config.corpus.default_language,
        "max_document_mb": config.corpus.max_document_mb,
        "passage_words": [config.index.passage_min_words, config.index.passage_max_words],
        "embedder": embedder_name,
        "embedding_context": config.embedder.context,
        "keyword_engine": config.index.keyword_engine,
    }


class _EmbeddingCache:
    """Vectors of the previous generation, by passage text hash. `verified`: the caller
    checked the live generation's files already (an `add` has, before copying it)."""

    def __init__(self, root: Path, embedder_name: str, verified: bool = False):
        self.rows: dict[str, int] = {}
        self.vectors = None
        try:
            gen = generations.current_dir(root)
            manifest = generations.read_manifest(gen, generations.EMBEDDINGS_READABLE)
            if manifest.get("embedder") != embedder_name:
                return
            if not verified:  # never copy vectors out of a damaged index
                generations.verify(gen, manifest)
            store = Store(gen / "store.sqlite")
            self.rows = store.embedding_rows()
            store.close()
            self.vectors = open_vectors(gen / "vectors.f32", manifest["dim"],
                                        generations.vector_rows(manifest))
        except (generations.IndexUnavailable, OSError, ValueError, KeyError, TypeError,
                sqlite3.Error):
            self.rows, self.vectors = {}, None

    def get(self, text_hash: str):
        row = self.rows.get(text_hash)
        return None if row is None or self.vectors is None else np.array(self.vectors[row])


class Builder:
    """Writes documents into a build folder: a new index, or (`live`, the manifest of the
    generation copied into it) changes to a copy of the live one."""

    def __init__(self, config: Config, build_dir: Path, report: BuildReport,
                 embedder: Embedder | None = None, live: dict | None = None):
        self.config, self.embedder, self.report = config, embedder, report
        self.detector = LanguageDetector(config.corpus.languages, config.corpus.default_language)
        self.store = StoreWriter(build_dir / "store.sqlite", existing=live is not None)
        dim = embedder.dim if embedder else live["dim"]
        self.vectors = VectorWriter(build_dir / "vectors.f32", dim,
                                    generations.vector_rows(live) if live else 0)
        self.document_vectors_path = build_dir / DOCUMENT_VECTORS
        self.build_dir = build_dir
        self.languages = live["languages"] if live else config.corpus.languages
        self.keyword_index = (
            open_keyword_index(engine_of(live), build_dir / "keyword", self.languages) if live
            else create_keyword_index(config.index.keyword_engine, build_dir / "keyword",
                                      self.languages))
        if live:  # the copy's word forms, so that those saved at the end are all of them
            load_word_forms(build_dir)
        self.cache = (_EmbeddingCache(config.index_path, embedder.name, verified=live is not None)
                      if embedder else None)
        # with [cluster] scheduler, documents are prepared and embedded on a Dask cluster
        self.cluster = None
        if embedder and config.cluster.scheduler:
            from .cluster import ClusterWork  # Dask is imported only for cluster builds
            self.cluster = ClusterWork(config.cluster, embedder)
        # else embedded in-process, or in [embedder] workers processes (started when needed)
        self.encoder = (self.cluster.encoder() if self.cluster
                        else encoder_for(embedder, config.embedder) if embedder else None)
        self.keyword = None  # the KeywordWriter, while `writing()`
        self.pending: list[tuple[Passage, Document]] = []
        # batches submitted to the encoder and not yet written, oldest first:
        # (passages with their documents, vectors of reused ones, rows to embed, job)
        self.inflight: deque = deque()

    @contextmanager
    def writing(self):
        """Open the keyword writer; at a clean exit flush, write every batch still
        embedding, commit, and count the archive. Embedding workers stop either way."""
        try:
            with self.keyword_index.writer(self.config.index.writer_limit_mb,
                                           self.config.index.writer_procs) as self.keyword:
                yield self
                self.flush()
                self.drain(0)
                started = time.perf_counter()
            self.report.commit_seconds = time.perf_counter() - started  # the writer's exit
        finally:
            if self.encoder is not None:
                self.encoder.close()
            if self.cluster is not None:
                self.cluster.close()
        report = self.report
        started = time.perf_counter()
        self.vectors.close()
        report.graph_seconds = time.perf_counter() - started
        save_word_forms(self.build_dir, self.languages)
        self.link_stories()
        started = time.perf_counter()
        docs, passages = self.store.language_counts()
        self.store.close(self.vectors.count)
        report.store_seconds = time.perf_counter() - started
        report.doc_languages, report.passage_languages = Counter(docs), Counter(passages)
        report.documents, report.passages = sum(docs.values()), sum(passages.values())

    def link_stories(self) -> None:
        """Group the archive's documents into stories (stories.py): every document in a
        build from scratch; in an `add`, the new ones against all (the others keep theirs,
        and only the documents whose story or role changed are written)."""
        started = time.perf_counter()
        docs = [StoryDoc(doc_id, lang, source, first, evidence, last)
                for doc_id, lang, source, first, last, evidence in self.store.story_documents()]
        if not docs:
            return
        grouped = self.store.stories()
        new = [i for i, d in enumerate(docs) if d.doc_id not in grouped]
        vectors = self.document_vectors(docs, new)
        stories = group_stories(docs, vectors, {d: s for d, (s, _) in grouped.items()} or None,
                                new if grouped else None)
        self.store.set_stories({doc_id: (s.story_id, s.role) for doc_id, s in stories.items()
                                if grouped.get(doc_id) != (s.story_id, s.role)})
        save_document_vectors(self.document_vectors_path, [d.doc_id for d in docs], vectors)
        sizes = Counter(s.story_id for s in stories.values())
        self.report.stories = sum(n > 1 for n in sizes.values())
        self.report.storied_documents = sum(n for n in sizes.values() if n > 1)
        self.report.story_seconds = time.perf_counter() - started

    def document_vectors(self, docs: list[StoryDoc], new: list[int]) -> np.ndarray:
        """Each document's vector: summed from its passages' for the `new` ones (and all,
        in a build from scratch); the others' as the live generation kept them."""
        try:
            kept, kept_vectors = load_document_vectors(self.document_vectors_path)
        except (OSError, EOFError, ValueError, KeyError):  # none yet, or unreadable: sum all
            kept, kept_vectors = {}, None
        fresh = set(new)
        summed = [i for i, d in enumerate(docs) if i in fresh or d.doc_id not in kept]
        position = {docs[i].doc_id: n for n, i in enumerate(summed)}
        doc_of_row = np.full(self.vectors.count, -1, dtype=np.int64)
        for row, doc_id in self.store.document_rows(
                None if len(summed) == len(docs) else list(position)):
            doc_of_row[row] = position[doc_id]
        out = np.empty((len(docs), self.vectors.dim), dtype=np.float32)
        out[summed] = document_vectors(open_vectors(self.vectors.path, self.vectors.dim,
                                                    self.vectors.count), doc_of_row, len(summed))
        if len(summed) < len(docs):
            old = np.setdiff1d(np.arange(len(docs)), summed)
            out[old] = kept_vectors[[kept[docs[i].doc_id] for i in old.tolist()]]
        return out

    def accept(self, prepared: PreparedDocument) -> None:
        """Write a prepared document and queue its passages for embedding, unless it is
        indexed already as it is or is a duplicate (a changed one replaces its old version)."""
        src, content_hash = prepared.source, prepared.content_hash
        earlier = self.store.find("origin", src.origin)  # this file or record, indexed before
        if earlier and earlier[2] == content_hash:
            self.report.unchanged += 1
            return
        same = self.store.find("content_hash", content_hash)
        if same:
            self.report.duplicates += 1
            self.report.skipped.append(Skipped(src.origin, f"duplicate of {same[0]}"))
            return
        if earlier:
            self.remove(earlier[0])
            self.report.replaced += 1
        doc_id = src.doc_id
        if self.store.find("doc_id", doc_id):
            doc_id = f"{doc_id}-{text_hash(src.origin)[:8]}"
        text = prepared.text
        doc = Document(doc_id=doc_id, title=prepared.title, source=src.source,
                       kind=src.kind or DEFAULT_KIND, published=src.published, url=src.url,
                       language=prepared.language, text=text, origin=src.origin,
                       content_hash=content_hash)
        self.store.add_document(doc, prepared.evidence)
        for n, part in enumerate(prepared.passages):
            passage = Passage(f"{doc_id}.p{n}", doc_id, n, part.section, part.start, part.end,
                              part.language, text[part.start:part.end], mentions=part.mentions)
            passage.text_hash = text_hash(self.embedding_text(passage, doc))
            self.pending.append((passage, doc))
        self.report.indexed += 1
        self.report.indexed_passages += len(prepared.passages)
        if src.warning:
            self.report.warnings.append(Skipped(src.origin, src.warning))
        if len(self.pending) >= self.config.index.batch_size:
            self.flush()

    def remove(self, doc_id: str) -> None:
        """Take a document out of the store and the keyword index (its vector rows stay,
        unused: the reader masks rows with no passage)."""
        if any(d.doc_id == doc_id for batch in self.inflight for _, d in batch[0]):
            self.drain(0)  # write its passages first, as an in-process build would have
        self.store.delete_document(doc_id)
        self.keyword.delete_document(doc_id)
        self.pending = [(p, d) for p, d in self.pending if d.doc_id != doc_id]

    def embedding_text(self, passage: Passage, doc: Document) -> str:
        """What the encoder reads for a passage: its context (title, section path, as
        configured) and its text. Its hash keys embedding reuse, so a retitled document
        is embedded again."""
        context = {"title": doc.title, "section": passage.section}
        if opening_words(doc.title, passage.text):
            context["title"] = ""  # a title made of the passage's own first words adds nothing
        parts = [context[name] for name in self.config.embedder.context if context[name]]
        return "\n".join(parts + [passage.text])

    def flush(self) -> None:
        """Submit the pending passages for embedding (the reused vectors copied), then
        write what has finished embedding."""
        if not self.pending:
            return
        vectors = np.zeros((len(self.pending), self.vectors.dim), dtype=np.float32)
        missing = []
        for i, (p, _) in enumerate(self.pending):
            cached = self.cache.get(p.text_hash)
            if cached is None:
                missing.append(i)
            else:
                vectors[i] = cached
        job = (self.encoder.submit([self.embedding_text(*self.pending[i]) for i in missing])
               if missing else None)
        self.inflight.append((self.pending, vectors, missing, job))
        self.pending = []
        self.drain(self.encoder.max_inflight)

    def drain(self, keep: int) -> None:
        """Write embedded batches in the order they were submitted: every finished one at
        the head of the queue, and (waiting for them) all but the last `keep`."""
        while self.inflight and (len(self.inflight) > keep or self.inflight[0][3] is None
                                 or self.inflight[0][3].done()):
            pending, vectors, missing, job = self.inflight.popleft()
            if missing:
                vectors[missing] = job.result()
            passages = [p for p, _ in pending]
            self.report.embeddings_computed += len(missing)
            self.report.embeddings_reused += len(passages) - len(missing)
            for passage, row in zip(passages, self.vectors.append(vectors)):
                passage.row = row
            self.store.add_passages(passages)
            for passage, doc in pending:
                self.keyword.add(passage, doc.title, doc.kind, doc.source, doc.published)

    def read(self, paths: list[Path], record: ArchiveRecord, progress: bool) -> None:
        """Index every document under `paths` but those the archive record removed,
        prepared here or (`[cluster] scheduler`) on the cluster, in reading order."""
        bar = tqdm(unit="doc", desc="indexing", disable=not progress, mininterval=1.0)
        max_bytes = int(self.config.corpus.max_document_mb * 2**20)
        items = (item for item in read_corpus(paths, max_bytes)
                 if not record.is_removed(item.origin))
        words = self.config.index.passage_min_words, self.config.index.passage_max_words
        prepared = (self.cluster.prepare_all(items, self.config.corpus, *words) if self.cluster
                    else prepare_all(items, self.detector, *words))
        for item in prepared:
            if isinstance(item, Skipped):
                self.report.skipped.append(item)
                continue
            try:
                self.accept(item)
            except EmbeddingFailed:  # a worker process or the cluster failed: no document's
                raise
            except Exception as exc:  # one broken document must not stop the build
                self.report.skipped.append(Skipped(item.source.origin,
                                                   f"failed to index: {exc!r}"))
            bar.update(1)
            bar.set_postfix(docs=self.report.indexed, passages=self.report.indexed_passages,
                            refresh=False)
        bar.close()


def _shrink_refusal(root: Path, report: BuildReport, max_shrink: float) -> str | None:
    """Why a build of `report.documents` must not replace the live index (None: it may).

    An empty build, or one losing over `max_shrink` of the live documents, is almost
    always a mistyped or unmounted path, and publishing it would blank every search.
    """
    try:
        live = generations.read_manifest(generations.current_dir(root)).get("documents", 0)
    except generations.IndexUnavailable:  # no usable live index: nothing to protect
        live = 0
    new = report.documents
    if new and live - new <= max_shrink * live:
        return None
    why = "none left" if not new else f"over [index] max_shrink = {max_shrink:.0%} lost"
    if report.skipped:
        why += f"; skipped {report.skipped[0].origin}: {report.skipped[0].reason}"
    kept = "The live index is kept" if live else "Nothing was published"
    return (f"refusing to publish an index of {new} documents: the live index has {live} "
            f"({why}). {kept}. Check the paths, or pass --allow-shrink to publish it anyway.")


def archive_signature(paths: list[Path], record: ArchiveRecord) -> str:
    """Changes whenever a file of the archive or the record of additions/removals does."""
    return text_hash(source_signature(paths) + record.fingerprint())


@dataclass
class Publication:
    """What a finished build folder becomes the live generation with."""

    signature: str
    settings: dict
    embedder: str
    dim: int
    languages: list[str]
    keyword_engine: str
    record: ArchiveRecord
    created: str = ""  # when the archive was last built from scratch (default: now)


def publish_build(config: Config, build_dir: Path, report: BuildReport, pub: Publication,
                  vector_rows: int, allow_shrink: bool, started: float) -> None:
    """Refuse (ShrinkRefused, the build folder removed) or publish a finished build."""
    root = config.index_path
    refusal = None if allow_shrink else _shrink_refusal(root, report, config.index.max_shrink)
    if refusal:
        shutil.rmtree(build_dir, ignore_errors=True)
        raise ShrinkRefused(refusal)
    report.seconds = time.perf_counter() - started
    now = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    manifest = {
        "format_version": generations.FORMAT_VERSION,
        "created": pub.created or now, "updated": now,
        "signature": pub.signature, "settings": pub.settings,
        "embedder": pub.embedder, "dim": pub.dim, "languages": pub.languages,
        "keyword_engine": pub.keyword_engine,
        "documents": report.documents, "passages": report.passages, "vector_rows": vector_rows,
        "doc_languages": dict(report.doc_languages),
        "passage_languages": dict(report.passage_languages),
        "archive": pub.record.as_dict(),
        "last_run": {"operation": report.operation, "skipped": len(report.skipped),
                     "seconds": round(report.seconds, 2)},
    }
    gen = generations.publish(root, build_dir, manifest, config.index.keep_generations)
    report.generation = gen.name


def build_index(config: Config, paths: list[Path] | None = None, full: bool = False,
                embedder: Embedder | None = None, progress: bool = True,
                allow_shrink: bool = False) -> BuildReport:
    """Build a new index generation of the archive: the config's corpus, plus the paths
    `newsdesk add` added, less what `newsdesk remove` removed. Given `paths`, of exactly
    those (an archive with no additions or removals).

    Raises ShrinkRefused, keeping the live index, if the build holds no documents or
    drops more than `[index] max_shrink` of the live ones, unless `allow_shrink`.
    """
    root = config.index_path
    with generations.build_lock(root):
        record = ArchiveRecord() if paths else archive.live_record(root)
        paths = [Path(p) for p in paths] if paths else record.paths(config.corpus_paths)
        embedder = embedder or build_embedder(config.embedder)
        return rebuild(config, paths, record, embedder, full=full, progress=progress,
                       allow_shrink=allow_shrink)


def rebuild(config: Config, paths: list[Path], record: ArchiveRecord, embedder: Embedder,
            full: bool, progress: bool, allow_shrink: bool, operation: str = "index"
            ) -> BuildReport:
    """`build_index`'s work, with the build lock held."""
    started = time.perf_counter()
    root = config.index_path
    report = BuildReport(operation=operation)
    signature = archive_signature(paths, record)
    settings = settings_fingerprint(config, embedder.name)
    previous = generations.current_name(root)
    if previous and not full:
        try:
            manifest = generations.read_manifest(root / previous)
            if manifest.get("signature") == signature and manifest.get("settings") == settings:
                generations.verify(root / previous, manifest)  # a damaged one is rebuilt
                report.up_to_date, report.generation = True, previous
                report.documents = manifest.get("documents", 0)
                report.passages = manifest.get("passages", 0)
                report.doc_languages = Counter(manifest.get("doc_languages", {}))
                report.passage_languages = Counter(manifest.get("passage_languages", {}))
                report.seconds = time.perf_counter() - started
                return report
        except generations.IndexUnavailable:
            pass
    generations.remove_abandoned_builds(root)
    build_dir = generations.new_build_dir(root)
    builder = Builder(config, build_dir, report, embedder)
    with builder.writing():
        builder.read(paths, record, progress)
    pub = Publication(signature, settings, embedder.name, embedder.dim, config.corpus.languages,
                      config.index.keyword_engine, record)
    publish_build(config, build_dir, report, pub, builder.vectors.count, allow_shrink, started)
    return report


def report_json(report: BuildReport) -> str:
    return json.dumps({
        "operation": report.operation,
        "generation": report.generation, "up_to_date": report.up_to_date,
        "documents": report.documents, "passages": report.passages,
        "indexed": report.indexed, "indexed_passages": report.indexed_passages,
        "replaced": report.replaced, "unchanged": report.unchanged, "removed": report.removed,
        "doc_languages": dict(report.doc_languages),
        "passage_languages": dict(report.passage_languages),
        "skipped": [{"origin": s.origin, "reason": s.reason} for s in report.skipped],
        "warnings": [{"origin": s.origin, "reason": s.reason} for s in report.warnings],
        "duplicates": report.duplicates, "embeddings_reused": report.embeddings_reused,
        "embeddings_computed": report.embeddings_computed, "stories": report.stories,
        "storied_documents": report.storied_documents,
        **{name: round(seconds, 2) for name, seconds in report.finishing().items()},
        "seconds": round(report.seconds, 2),
    }, indent=2)

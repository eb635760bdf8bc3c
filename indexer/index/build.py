"""`newsdesk index`: corpus -> cleaned documents -> passages -> keyword + vector index.

Streams documents one at a time and writes passages in batches, so memory stays
flat whatever the archive's size. Embeddings of passages whose text did not
change are copied from the previous generation instead of recomputed (embedding
is by far the slowest step), and a corpus whose files and settings are unchanged
is not rebuilt at all.
"""
from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from tqdm import tqdm

from ..config import Config
from ..ingest.cleaning import assemble, clean, html_title
from ..ingest.language import LanguageDetector
from ..ingest.passages import split_passages
from ..ingest.sources import read_corpus, source_signature
from ..models import Document, Passage, Skipped, SourceDocument
from . import generations
from .embedders import Embedder, load_embedder
from .keyword.whoosh_index import KeywordIndex
from .store import Store, StoreWriter
from .vectors import VectorWriter, open_vectors

DEFAULT_KIND = "news"


class ShrinkRefused(ValueError):
    """A build not published because it would empty the index or drop too much of it."""


@dataclass
class BuildReport:
    generation: str = ""
    up_to_date: bool = False
    documents: int = 0
    passages: int = 0
    doc_languages: Counter = field(default_factory=Counter)
    passage_languages: Counter = field(default_factory=Counter)
    skipped: list[Skipped] = field(default_factory=list)
    warnings: list[Skipped] = field(default_factory=list)  # indexed, but not entirely
    duplicates: int = 0
    embeddings_reused: int = 0
    embeddings_computed: int = 0
    seconds: float = 0.0

    def summary(self) -> str:
        if self.up_to_date:
            return f"Index is up to date ({self.generation}); nothing to do. ({self.seconds:.1f} s)"
        langs = ", ".join(f"{k} {v}" for k, v in sorted(self.doc_languages.items()))
        plangs = ", ".join(f"{k} {v}" for k, v in sorted(self.passage_languages.items()))
        lines = [
            f"Indexed {self.documents} documents ({langs or 'none'}) as {self.passages} passages "
            f"({plangs or 'none'}) in {self.seconds:.1f} s.",
            f"Embeddings: {self.embeddings_computed} computed, {self.embeddings_reused} reused.",
            f"Skipped {len(self.skipped)} item(s), {self.duplicates} of them duplicates.",
        ]
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
    }


def _hash(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def _title(src: SourceDocument, blocks) -> str:
    if src.title:
        return src.title
    if src.is_html:
        found = html_title(src.raw)
        if found:
            return found
    first = blocks[0].text if blocks else ""
    words = first.split()
    return " ".join(words[:14]) + (" …" if len(words) > 14 else "")


def _opening_words(title: str, text: str) -> bool:
    """Whether `title` is only the first words of `text` (a title made up by `_title`)."""
    head = " ".join(title.removesuffix(" …").split())
    return bool(head) and " ".join(text.split()).startswith(head)


class _EmbeddingCache:
    """Vectors of the previous generation, by passage text hash."""

    def __init__(self, root: Path, embedder_name: str):
        self.rows: dict[str, int] = {}
        self.vectors = None
        try:
            gen = generations.current_dir(root)
            manifest = generations.read_manifest(gen)
            if manifest.get("embedder") != embedder_name:
                return
            generations.verify(gen, manifest)  # never copy vectors out of a damaged index
            store = Store(gen / "store.sqlite")
            self.rows = store.embedding_rows()
            store.close()
            self.vectors = open_vectors(gen / "vectors.f32", manifest["dim"], manifest["passages"])
        except (generations.IndexUnavailable, OSError, ValueError, KeyError, TypeError,
                sqlite3.Error):
            self.rows, self.vectors = {}, None

    def get(self, text_hash: str):
        row = self.rows.get(text_hash)
        return None if row is None or self.vectors is None else np.array(self.vectors[row])


class _Builder:
    def __init__(self, config: Config, build_dir: Path, embedder: Embedder, report: BuildReport):
        self.config, self.embedder, self.report = config, embedder, report
        self.detector = LanguageDetector(config.corpus.languages, config.corpus.default_language)
        self.store = StoreWriter(build_dir / "store.sqlite")
        self.vectors = VectorWriter(build_dir / "vectors.f32", embedder.dim)
        self.keyword = KeywordIndex.create(build_dir / "keyword", config.corpus.languages)
        self.cache = _EmbeddingCache(config.index_path, embedder.name)
        self.pending: list[tuple[Passage, Document]] = []
        self.seen_hashes: dict[str, str] = {}
        self.seen_ids: set[str] = set()

    def add(self, src: SourceDocument, add_keyword) -> None:
        blocks = clean(src.raw, src.is_html)
        text = assemble(blocks)
        if not text.strip():
            self.report.skipped.append(Skipped(src.origin, "no text left after cleaning"))
            return
        content_hash = _hash(" ".join(text.split()).lower())
        if content_hash in self.seen_hashes:
            self.report.duplicates += 1
            self.report.skipped.append(
                Skipped(src.origin, f"duplicate of {self.seen_hashes[content_hash]}"))
            return
        doc_id = src.doc_id
        if doc_id in self.seen_ids:
            doc_id = f"{doc_id}-{_hash(src.origin)[:8]}"
        self.seen_ids.add(doc_id)
        self.seen_hashes[content_hash] = doc_id
        language = self.detector.detect(text)
        doc = Document(doc_id=doc_id, title=_title(src, blocks), source=src.source,
                       kind=src.kind or DEFAULT_KIND, published=src.published, url=src.url,
                       language=language, text=text, origin=src.origin,
                       content_hash=content_hash)
        self.store.add_document(doc)
        spans = split_passages(blocks, self.config.index.passage_min_words,
                               self.config.index.passage_max_words)
        for n, span in enumerate(spans):
            ptext = text[span.start:span.end]
            plang = language if len(spans) == 1 else self.detector.detect(ptext, fallback=language)
            passage = Passage(f"{doc_id}.p{n}", doc_id, n, span.section, span.start, span.end,
                              plang, ptext)
            passage.text_hash = _hash(self.embedding_text(passage, doc))
            self.pending.append((passage, doc))
            self.report.passage_languages[plang] += 1
        self.report.documents += 1
        self.report.doc_languages[language] += 1
        if src.warning:
            self.report.warnings.append(Skipped(src.origin, src.warning))
        if len(self.pending) >= self.config.index.batch_size:
            self.flush(add_keyword)

    def embedding_text(self, passage: Passage, doc: Document) -> str:
        """What the encoder reads for a passage: its context (title, section path, as
        configured) and its text. Its hash keys embedding reuse, so a retitled document
        is embedded again."""
        context = {"title": doc.title, "section": passage.section}
        if _opening_words(doc.title, passage.text):
            context["title"] = ""  # a title made of the passage's own first words adds nothing
        parts = [context[name] for name in self.config.embedder.context if context[name]]
        return "\n".join(parts + [passage.text])

    def flush(self, add_keyword) -> None:
        if not self.pending:
            return
        passages = [p for p, _ in self.pending]
        vectors = np.zeros((len(passages), self.embedder.dim), dtype=np.float32)
        missing = []
        for i, p in enumerate(passages):
            cached = self.cache.get(p.text_hash)
            if cached is None:
                missing.append(i)
            else:
                vectors[i] = cached
        if missing:
            vectors[missing] = self.embedder.encode(
                [self.embedding_text(*self.pending[i]) for i in missing])
        self.report.embeddings_computed += len(missing)
        self.report.embeddings_reused += len(passages) - len(missing)
        for passage, row in zip(passages, self.vectors.append(vectors)):
            passage.row = row
        self.store.add_passages(passages)
        for passage, doc in self.pending:
            add_keyword(passage, doc.title, doc.kind, doc.source, doc.published)
        self.report.passages += len(passages)
        self.pending = []

    def close(self):
        self.store.close()
        self.vectors.close()


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


def build_index(config: Config, paths: list[Path] | None = None, full: bool = False,
                embedder: Embedder | None = None, progress: bool = True,
                allow_shrink: bool = False) -> BuildReport:
    """Build a new index generation from `paths` (default: the config's corpus).

    Raises ShrinkRefused, keeping the live index, if the build holds no documents or
    drops more than `[index] max_shrink` of the live ones, unless `allow_shrink`.
    """
    started = time.perf_counter()
    paths = [Path(p) for p in (paths or config.corpus_paths)]
    root = config.index_path
    report = BuildReport()
    with generations.build_lock(root):
        embedder = embedder or load_embedder(config.embedder)
        signature = source_signature(paths)
        settings = settings_fingerprint(config, embedder.name)
        previous = generations.current_name(root)
        if previous and not full:
            try:
                manifest = generations.read_manifest(root / previous)
                if (manifest.get("signature") == signature
                        and manifest.get("settings") == settings):
                    generations.verify(root / previous, manifest)  # a damaged one is rebuilt
                    report.up_to_date, report.generation = True, previous
                    report.seconds = time.perf_counter() - started
                    return report
            except generations.IndexUnavailable:
                pass
        generations.remove_abandoned_builds(root)
        build_dir = generations.new_build_dir(root)
        builder = _Builder(config, build_dir, embedder, report)
        with builder.keyword.writer(config.index.writer_limit_mb,
                                    config.index.writer_procs) as add_keyword:
            bar = tqdm(unit="doc", desc="indexing", disable=not progress, mininterval=1.0)
            max_bytes = int(config.corpus.max_document_mb * 2**20)
            for item in read_corpus(paths, max_bytes):
                if isinstance(item, Skipped):
                    report.skipped.append(item)
                    continue
                try:
                    builder.add(item, add_keyword)
                except Exception as exc:  # one broken document must not stop the build
                    report.skipped.append(Skipped(item.origin, f"failed to index: {exc!r}"))
                bar.update(1)
                bar.set_postfix(docs=report.documents, passages=report.passages, refresh=False)
            builder.flush(add_keyword)
            bar.close()
        builder.close()
        refusal = None if allow_shrink else _shrink_refusal(root, report,
                                                             config.index.max_shrink)
        if refusal:
            shutil.rmtree(build_dir, ignore_errors=True)
            raise ShrinkRefused(refusal)
        report.seconds = time.perf_counter() - started
        manifest = {
            "format_version": generations.FORMAT_VERSION,
            "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "signature": signature, "settings": settings,
            "embedder": embedder.name, "dim": embedder.dim,
            "languages": config.corpus.languages,
            "documents": report.documents, "passages": report.passages,
            "doc_languages": dict(report.doc_languages),
            "passage_languages": dict(report.passage_languages),
            "skipped": len(report.skipped), "seconds": round(report.seconds, 2),
        }
        gen = generations.publish(root, build_dir, manifest, config.index.keep_generations)
        report.generation = gen.name
        return report


def report_json(report: BuildReport) -> str:
    return json.dumps({
        "generation": report.generation, "up_to_date": report.up_to_date,
        "documents": report.documents, "passages": report.passages,
        "doc_languages": dict(report.doc_languages),
        "passage_languages": dict(report.passage_languages),
        "skipped": [{"origin": s.origin, "reason": s.reason} for s in report.skipped],
        "warnings": [{"origin": s.origin, "reason": s.reason} for s in report.warnings],
        "duplicates": report.duplicates, "embeddings_reused": report.embeddings_reused,
        "embeddings_computed": report.embeddings_computed, "seconds": round(report.seconds, 2),
    }, indent=2)

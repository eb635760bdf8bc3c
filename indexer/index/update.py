"""`newsdesk add` and `newsdesk remove`: change the live archive without rebuilding it.

Both copy the live generation into a build folder, change the copy (add documents,
replace re-added ones whose content changed, take documents out), record what they
did in the manifest's archive record, and publish the copy like any build: atomic,
refused by the shrink guard, the live index untouched until the new one is complete.
Indexing costs only the change. Of the copy, the keyword index's large files are hard
links: both engines write a segment file once and never change it (new segments,
deletion files and metadata written by rename are new files), so the copy shares them
with the live generation; the store and the vector files, which a change writes into,
are copied.
"""
from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

from ..config import Config
from . import archive, generations
from .archive import ArchiveRecord, covers
from .build import (Builder, BuildReport, Publication, archive_signature, publish_build,
                    rebuild, settings_fingerprint)
from .embed_pool import build_embedder
from .embedders import Embedder
from .keyword.engines import engine_of


def _live(root: Path) -> tuple[Path, dict]:
    """The live generation and its manifest, checked; IndexUnavailable if there is none."""
    gen = generations.current_dir(root)
    manifest = generations.read_manifest(gen)
    generations.verify(gen, manifest)
    return gen, manifest


LINK_MIN_BYTES = 65536  # smaller keyword files (metadata, locks) are copied


def _link_or_copy(src: str, dst: str) -> None:
    """Hard-link a keyword index segment file; copy anything else."""
    path = Path(src)
    if ("keyword" in path.parts and path.stat().st_size >= LINK_MIN_BYTES
            and path.suffix not in (".json", ".lock", ".toc")):
        try:
            os.link(src, dst)
            return
        except OSError:  # another file system, or links not allowed: copy
            pass
    shutil.copy2(src, dst)


def _copy_live(root: Path, gen: Path) -> Path:
    build_dir = generations.new_build_dir(root)
    shutil.copytree(gen, build_dir, dirs_exist_ok=True, copy_function=_link_or_copy,
                    ignore=lambda folder, names: [generations.MANIFEST] if folder == str(gen)
                    else [])
    return build_dir


def _next_signature(config: Config, manifest: dict, record: ArchiveRecord,
                    new_record: ArchiveRecord) -> str:
    """The new generation's signature: up to date with the new archive if the live one
    was up to date with the old; else empty, so the next `newsdesk index` rebuilds."""
    if manifest.get("signature") != archive_signature(record.paths(config.corpus_paths), record):
        return ""
    return archive_signature(new_record.paths(config.corpus_paths), new_record)


def _publication(manifest: dict, signature: str, record: ArchiveRecord) -> Publication:
    return Publication(signature, manifest["settings"], manifest["embedder"], manifest["dim"],
                       manifest["languages"], engine_of(manifest), record,
                       created=manifest.get("created", ""))


def add_to_index(config: Config, paths: list[Path], embedder: Embedder | None = None,
                 progress: bool = True, allow_shrink: bool = False) -> BuildReport:
    """Add files, folders or dumps to the live archive, and remember them for rebuilds.

    A document already in the archive (same file, or same JSONL line) is kept if its
    text is unchanged and replaced if it changed. With no usable live index, or one
    built with other settings, the whole archive is built instead.
    """
    paths = [Path(os.path.abspath(p)) for p in paths]
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise FileNotFoundError(f"nothing added: {', '.join(missing)} does not exist")
    started = time.perf_counter()
    root = config.index_path
    with generations.build_lock(root):
        record = archive.live_record(root)
        new_record = record.with_added(paths)
        embedder = embedder or build_embedder(config.embedder)
        try:
            gen, manifest = _live(root)
        except generations.IndexUnavailable:
            manifest = None
        if manifest is None or manifest.get("settings") != settings_fingerprint(config,
                                                                               embedder.name):
            return rebuild(config, new_record.paths(config.corpus_paths), new_record, embedder,
                           full=True, progress=progress, allow_shrink=allow_shrink,
                           operation="add")
        report = BuildReport(operation="add")
        build_dir = _copy_live(root, gen)
        builder = Builder(config, build_dir, report, embedder, live=manifest)
        with builder.writing():
            builder.read(paths, new_record, progress)
        signature = _next_signature(config, manifest, record, new_record)
        publish_build(config, build_dir, report, _publication(manifest, signature, new_record),
                      builder.vectors.count, allow_shrink, started)
        return report


def _matching(builder: Builder, target: str) -> tuple[str, list[str]] | None:
    """(origin to record, doc ids) of what `target` names: a document id, or a file, folder
    or JSONL dump whose documents are in the archive. None if it names nothing."""
    found = builder.store.find("doc_id", target)
    if found:
        return found[1], [found[0]]
    for form in dict.fromkeys([os.path.abspath(target), os.path.realpath(target)]):
        doc_ids = [d for d, origin in builder.store.documents_under(form) if covers(form, origin)]
        if doc_ids:
            return form, doc_ids
    return None


def remove_from_index(config: Config, targets: list[str],
                      allow_shrink: bool = False) -> BuildReport:
    """Take documents out of the live archive, by id or by path, and remember it, so a
    rebuild does not bring them back. Nothing changes if any target names nothing."""
    started = time.perf_counter()
    root = config.index_path
    with generations.build_lock(root):
        gen, manifest = _live(root)
        record = archive.live_record(root)
        report = BuildReport(operation="remove")
        build_dir = _copy_live(root, gen)
        builder = Builder(config, build_dir, report, live=manifest)
        origins, unmatched = [], []
        try:
            with builder.writing():
                for target in targets:
                    match = _matching(builder, target)
                    if match is None:
                        unmatched.append(target)
                        continue
                    origins.append(match[0])
                    for doc_id in match[1]:
                        builder.remove(doc_id)
                        report.removed += 1
                if unmatched:
                    raise FileNotFoundError(
                        f"nothing removed: no document has the id or path "
                        f"{', '.join(unmatched)} (see `newsdesk status` and the document "
                        f"page for ids)")
        except BaseException:
            shutil.rmtree(build_dir, ignore_errors=True)
            raise
        new_record = record.with_removed(origins)
        signature = _next_signature(config, manifest, record, new_record)
        publish_build(config, build_dir, report, _publication(manifest, signature, new_record),
                      builder.vectors.count, allow_shrink, started)
        return report

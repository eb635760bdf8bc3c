"""Reading a corpus: folders of .txt/.md/.html files and .jsonl news dumps.

Everything streams: files are visited one at a time and JSONL dumps line by line,
so an archive of millions of articles never sits in memory. Anything unreadable is
yielded as `Skipped` with the reason, and reading goes on.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import tomllib
from collections.abc import Iterator
from pathlib import Path

from charset_normalizer import from_bytes

from .dates import normalize_date
from .models import Skipped, SourceDocument

TEXT_SUFFIXES = {".txt", ".md"}
HTML_SUFFIXES = {".html", ".htm"}
JSONL_SUFFIXES = {".jsonl"}
MANIFEST = "manifest.toml"
META_FIELDS = ("title", "source", "kind", "published", "url")
_SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")


def iter_files(paths: list[Path]) -> Iterator[Path | Skipped]:
    """Every indexable file under the given paths, in a stable order."""
    for root in paths:
        if root.is_file():
            yield root
            continue
        if not root.is_dir():
            yield Skipped(str(root), "path does not exist")
            continue
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            for name in sorted(filenames):
                path = Path(dirpath) / name
                if name.startswith(".") or name == MANIFEST:
                    continue
                if path.suffix.lower() in TEXT_SUFFIXES | HTML_SUFFIXES | JSONL_SUFFIXES:
                    yield path
                else:
                    yield Skipped(str(path), f"unsupported file type {path.suffix or '(none)'}")


def source_signature(paths: list[Path]) -> str:
    """A hash of every file's path, size and modification time (and the manifests').

    Cheap to compute over a large archive; if it matches the last build, nothing
    needs re-indexing.
    """
    digest = hashlib.sha256()
    for item in iter_files(paths):
        if isinstance(item, Skipped):
            digest.update(f"skip:{item.origin}\n".encode())
            continue
        for path in (item, item.parent / MANIFEST):
            try:
                st = path.stat()
                digest.update(f"{path}:{st.st_size}:{st.st_mtime_ns}\n".encode())
            except OSError:
                digest.update(f"{path}:missing\n".encode())
    return digest.hexdigest()


def decode_bytes(data: bytes) -> str:
    """Bytes to text: UTF-8 if valid, else the detected encoding. Raises ValueError."""
    if not data.strip():
        raise ValueError("empty file")
    if b"\x00" in data[:8192]:
        raise ValueError("binary file (contains NUL bytes)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    best = from_bytes(data[:1_000_000]).best()
    if best is None:
        raise ValueError("binary or undecodable file")
    try:
        return data.decode(best.encoding)
    except (UnicodeDecodeError, LookupError):
        raise ValueError(f"cannot decode as {best.encoding}") from None


class _Manifests:
    """Per-folder `manifest.toml` metadata, read once per folder."""

    def __init__(self):
        self._cache: dict[Path, dict[str, dict]] = {}
        self.problems: list[Skipped] = []

    def lookup(self, path: Path) -> dict:
        folder = path.parent
        if folder not in self._cache:
            self._cache[folder] = self._read(folder / MANIFEST)
        return self._cache[folder].get(path.name, {})

    def _read(self, manifest: Path) -> dict[str, dict]:
        if not manifest.exists():
            return {}
        try:
            with open(manifest, "rb") as fh:
                entries = tomllib.load(fh).get("document", [])
            return {e["file"]: e for e in entries if isinstance(e, dict) and "file" in e}
        except (OSError, tomllib.TOMLDecodeError, TypeError) as exc:
            self.problems.append(Skipped(str(manifest), f"manifest not used: {exc}"))
            return {}


def _metadata(values: dict) -> dict:
    meta = {k: str(values.get(k) or "").strip() for k in META_FIELDS}
    meta["kind"] = meta["kind"].lower()
    meta["published"] = normalize_date(meta["published"])  # ValueError -> caller skips
    return meta


def _file_doc_id(path: Path) -> str:
    stem = path.stem
    if _SAFE_ID.match(stem):
        return stem
    return "doc-" + hashlib.sha1(str(path).encode()).hexdigest()[:16]


def read_file(path: Path, manifests: _Manifests) -> Iterator[SourceDocument | Skipped]:
    if path.suffix.lower() in JSONL_SUFFIXES:
        yield from read_jsonl(path)
        return
    try:
        raw = decode_bytes(path.read_bytes())
    except OSError as exc:
        yield Skipped(str(path), f"unreadable: {exc.strerror or exc}")
        return
    except ValueError as exc:
        yield Skipped(str(path), str(exc))
        return
    try:
        meta = _metadata(manifests.lookup(path))
    except ValueError as exc:
        yield Skipped(str(path), f"bad manifest entry: {exc}")
        return
    yield SourceDocument(
        doc_id=_file_doc_id(path), origin=str(path), raw=raw,
        is_html=path.suffix.lower() in HTML_SUFFIXES, **meta)


def _jsonl_doc_id(path: Path, lineno: int, record: dict) -> str:
    given = str(record.get("id") or "")
    if _SAFE_ID.match(given):
        return given
    basis = given or str(record.get("url") or "") or f"{path}:{lineno}"
    return f"{_file_doc_id(path)}-{hashlib.sha1(basis.encode()).hexdigest()[:12]}"


def read_jsonl(path: Path) -> Iterator[SourceDocument | Skipped]:
    """One article per line: title, text or html, optional date, source, url, kind, id."""
    try:
        fh = open(path, "rb")
    except OSError as exc:
        yield Skipped(str(path), f"unreadable: {exc.strerror or exc}")
        return
    with fh:
        for lineno, line in enumerate(fh, 1):
            origin = f"{path}:{lineno}"
            if not line.strip():
                continue
            try:
                record = json.loads(decode_bytes(line))
            except (ValueError, UnicodeDecodeError) as exc:
                yield Skipped(origin, f"invalid JSON: {exc}")
                continue
            if not isinstance(record, dict):
                yield Skipped(origin, "not a JSON object")
                continue
            text, html = record.get("text"), record.get("html")
            body = text if isinstance(text, str) and text.strip() else html
            if not isinstance(body, str) or not body.strip():
                yield Skipped(origin, "no 'text' or 'html' field")
                continue
            values = dict(record)
            values["published"] = record.get("date") or record.get("published") or ""
            try:
                meta = _metadata(values)
            except ValueError as exc:
                yield Skipped(origin, str(exc))
                continue
            yield SourceDocument(
                doc_id=_jsonl_doc_id(path, lineno, record), origin=origin, raw=body,
                is_html=body is html, **meta)


def read_corpus(paths: list[Path]) -> Iterator[SourceDocument | Skipped]:
    """Every document (or reason for skipping) under the given paths."""
    manifests = _Manifests()
    for item in iter_files(paths):
        if isinstance(item, Skipped):
            yield item
        else:
            yield from read_file(item, manifests)
        while manifests.problems:
            yield manifests.problems.pop(0)

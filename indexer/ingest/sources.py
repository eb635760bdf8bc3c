"""Reading a corpus: folders of .txt/.md/.html files and .jsonl news dumps.

Everything streams: files are visited one at a time and JSONL dumps line by line,
so an archive of millions of articles never sits in memory. Anything unreadable is
yielded as `Skipped` with the reason, and reading goes on.
"""
from __future__ import annotations

import codecs
import hashlib
import json
import os
import re
import stat
import tomllib
from collections.abc import Iterator
from pathlib import Path

from charset_normalizer import from_bytes

from ..dates import normalize_date
from ..models import Skipped, SourceDocument
from .cleaning import normalize_text

TEXT_SUFFIXES = {".txt", ".md"}
HTML_SUFFIXES = {".html", ".htm"}
JSONL_SUFFIXES = {".jsonl"}
MANIFEST = "manifest.toml"
META_FIELDS = ("title", "source", "kind", "published", "url")
_SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")
_BOMS = [(codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
         (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
         (codecs.BOM_UTF16_BE, "utf-16")]
DEFAULT_MAX_BYTES = 64 << 20


SUPPORTED_SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES | JSONL_SUFFIXES


def _supported(path: Path) -> Path | Skipped:
    """The file, or why it is skipped: one rule for files named directly and files in folders."""
    if path.suffix.lower() in SUPPORTED_SUFFIXES:
        return path
    return Skipped(str(path), f"unsupported file type {path.suffix or '(none)'} (supported: "
                              f"{', '.join(sorted(SUPPORTED_SUFFIXES))})")


def iter_files(paths: list[Path]) -> Iterator[Path | Skipped]:
    """Every indexable file under the given paths, in a stable order."""
    for root in paths:
        if root.is_file():
            yield _supported(root)
            continue
        if not root.is_dir():
            reason = "not a regular file or folder" if root.exists() else "path does not exist"
            yield Skipped(str(root), reason)
            continue
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            for name in sorted(filenames):
                path = Path(dirpath) / name
                if name.startswith(".") or name == MANIFEST:
                    continue
                yield _supported(path)


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
    """Bytes to text: by BOM, else UTF-8 if valid, else the detected encoding. Raises ValueError.

    Among the encodings charset_normalizer finds equally plausible it often picks
    an exotic one (cp1006, cp1250, even UTF-16 for a short Latin-1 word), which
    turns Italian accents into mojibake. Windows-1252, the usual legacy encoding of
    English and Italian text (a superset of Latin-1's printable range), wins any tie.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError:
                raise ValueError(f"invalid {encoding} text after its byte order mark") from None
            if not text.strip():
                raise ValueError("empty file")
            return text
    if not data.strip():
        raise ValueError("empty file")
    if b"\x00" in data[:8192]:
        raise ValueError("binary file (contains NUL bytes)")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    results = from_bytes(data[:1_000_000])
    best = results.best()
    if best is None:
        raise ValueError("binary or undecodable file")
    encoding = best.encoding
    if any(m.chaos <= best.chaos and "cp1252" in m.could_be_from_charset for m in results):
        encoding = "cp1252"
    try:
        return data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        raise ValueError(f"cannot decode as {encoding}") from None


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
        if not manifest.is_file():
            return {}
        try:
            with open(manifest, "rb") as fh:
                entries = tomllib.load(fh).get("document", [])
            return {e["file"]: e for e in entries if isinstance(e, dict) and "file" in e}
        except (OSError, tomllib.TOMLDecodeError, TypeError) as exc:
            self.problems.append(Skipped(str(manifest), f"manifest not used: {exc}"))
            return {}


def _metadata(values: dict) -> dict:
    # One line each, without control characters or lone surrogates (which SQLite refuses).
    meta = {k: " ".join(normalize_text(str(values.get(k) or "")).split()) for k in META_FIELDS}
    meta["kind"] = meta["kind"].lower()
    meta["published"] = normalize_date(meta["published"])  # ValueError -> caller skips
    return meta


def _file_doc_id(path: Path) -> str:
    stem = path.stem
    if _SAFE_ID.match(stem):
        return stem
    return "doc-" + hashlib.sha1(str(path).encode()).hexdigest()[:16]


def _read_limited(path: Path, max_bytes: int) -> tuple[bytes, int]:
    """The file's bytes (at most max_bytes, cut at a line end) and its full size.

    Opened without blocking and checked with fstat, so a FIFO or device that turns
    up in the corpus is refused instead of hanging the build.
    """
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    with os.fdopen(fd, "rb") as fh:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise ValueError("not a regular file")
        data = fh.read(max_bytes + 1)
    if len(data) <= max_bytes:
        return data, len(data)
    cut = data.rfind(b"\n", 0, max_bytes)
    if cut < max_bytes // 2:
        cut = max_bytes
        while cut > 0 and data[cut] & 0xC0 == 0x80:  # not inside a UTF-8 character
            cut -= 1
    return data[:cut], max(st.st_size, len(data))


def _truncation(read: int, size: int) -> str:
    if size <= read:
        return ""
    return (f"indexed only the first {read / 2**20:.1f} MB of {size / 2**20:.1f} MB; raise "
            f"[corpus] max_document_mb to index all of it")


def read_file(path: Path, manifests: _Manifests,
              max_bytes: int = DEFAULT_MAX_BYTES) -> Iterator[SourceDocument | Skipped]:
    if path.suffix.lower() in JSONL_SUFFIXES:
        yield from read_jsonl(path, max_bytes)
        return
    try:
        data, size = _read_limited(path, max_bytes)
        raw = decode_bytes(data)
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
        is_html=path.suffix.lower() in HTML_SUFFIXES, warning=_truncation(len(data), size), **meta)


def _jsonl_doc_id(path: Path, lineno: int, record: dict) -> str:
    given = str(record.get("id") or "")
    if _SAFE_ID.match(given):
        return given
    basis = given or str(record.get("url") or "") or f"{path}:{lineno}"
    return f"{_file_doc_id(path)}-{hashlib.sha1(basis.encode()).hexdigest()[:12]}"


def _lines(fh, max_bytes: int) -> Iterator[bytes | None]:
    """The file's lines; None for a line longer than max_bytes (read past, never held)."""
    while True:
        line = fh.readline(max_bytes + 1)
        if not line:
            return
        if len(line) <= max_bytes or line.endswith(b"\n"):
            yield line
            continue
        while line and not line.endswith(b"\n"):
            line = fh.readline(1 << 20)
        yield None


def read_jsonl(path: Path,
               max_bytes: int = DEFAULT_MAX_BYTES) -> Iterator[SourceDocument | Skipped]:
    """One article per line: title, text or html, optional date, source, url, kind, id."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        fh = os.fdopen(fd, "rb")
    except OSError as exc:
        yield Skipped(str(path), f"unreadable: {exc.strerror or exc}")
        return
    with fh:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            yield Skipped(str(path), "not a regular file")
            return
        for lineno, line in enumerate(_lines(fh, max_bytes), 1):
            origin = f"{path}:{lineno}"
            if line is None:
                yield Skipped(origin, f"record larger than {max_bytes / 2**20:g} MB "
                                      f"([corpus] max_document_mb)")
                continue
            if not line.strip():
                continue
            try:
                record = json.loads(decode_bytes(line))
            except (ValueError, UnicodeDecodeError) as exc:
                yield Skipped(origin, f"invalid JSON: {exc}")
                continue
            except RecursionError:
                yield Skipped(origin, "invalid JSON: nested too deeply")
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


def read_corpus(paths: list[Path],
                max_bytes: int = DEFAULT_MAX_BYTES) -> Iterator[SourceDocument | Skipped]:
    """Every document (or reason for skipping) under the given paths.

    A file larger than `max_bytes` is read up to that size (its SourceDocument.warning
    says so); a JSONL record larger than that is skipped.
    """
    manifests = _Manifests()
    for item in iter_files(paths):
        if isinstance(item, Skipped):
            yield item
        else:
            yield from read_file(item, manifests, max_bytes)
        while manifests.problems:
            yield manifests.problems.pop(0)

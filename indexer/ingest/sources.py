"""Reading a corpus: folders of .txt/.md/.html files and .jsonl news dumps.

Everything streams: files are visited one at a time and JSONL dumps line by line,
so an archive of millions of articles never sits in memory. Anything unreadable is
yielded as `Skipped` with the reason, and reading goes on. A metadata value that cannot
be used (an unreadable date, an unknown kind) is left out and reported in the document's
`warning`; the document is still indexed.
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
from datetime import date
from pathlib import Path

from charset_normalizer import from_bytes

from ..dates import normalize_date
from ..models import KINDS, Skipped, SourceDocument
from .cleaning import normalize_text

TEXT_SUFFIXES = {".txt", ".md"}
HTML_SUFFIXES = {".html", ".htm"}
JSONL_SUFFIXES = {".jsonl"}
MANIFEST = "manifest.toml"
META_FIELDS = ("title", "source", "kind", "published", "url")
MANIFEST_KEYS = ("file", *META_FIELDS)
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


def iter_files(paths: list[Path], manifests: bool = False) -> Iterator[Path | Skipped]:
    """Every indexable file under the given paths, in a stable order; with `manifests`,
    also each folder's manifest.toml (in its place in that order)."""
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
                if name == MANIFEST and manifests:
                    yield path
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
    """Per-folder `manifest.toml` metadata, read and checked once per folder.

    What cannot describe any document (a broken manifest, an entry without a file or
    naming a file that is not there, a second entry for one file) goes to `problems`;
    an entry's unusable values go to its document's warning.
    """

    def __init__(self):
        self._cache: dict[Path, dict[str, tuple[dict, str]]] = {}
        self.problems: list[Skipped] = []

    def lookup(self, path: Path) -> tuple[dict, str]:
        """The file's metadata fields and what its manifest entry got wrong ("" if nothing)."""
        return self.check(path.parent).get(path.name, (_NO_METADATA, ""))

    def check(self, folder: Path) -> dict[str, tuple[dict, str]]:
        if folder not in self._cache:
            self._cache[folder] = self._read(folder / MANIFEST)
        return self._cache[folder]

    def _read(self, manifest: Path) -> dict[str, tuple[dict, str]]:
        if not manifest.is_file():
            return {}
        try:
            with open(manifest, "rb") as fh:
                data = tomllib.load(fh)
        except (OSError, ValueError) as exc:  # ValueError: bad TOML or not UTF-8
            self._report(manifest, f"manifest not used: {exc}")
            return {}
        found: dict[str, tuple[dict, str]] = {}
        first: dict[str, int] = {}
        for n, entry in self._entries(manifest, data):
            name = self._file_name(manifest, n, entry)
            if name in first:
                self._report(manifest, f"entry {n} is a second entry for {name!r} (the first "
                                       f"is entry {first[name]}), not used")
            elif name:
                first[name] = n
                found[name] = _manifest_metadata(manifest, name, entry)
        return found

    def _entries(self, manifest: Path, data: dict) -> Iterator[tuple[int, dict]]:
        """The manifest's [[document]] tables, numbered from 1; anything else is reported."""
        for key in sorted(data.keys() - {"document"}):
            self._report(manifest, f"unknown key {key!r} ignored (a manifest holds "
                                   f"[[document]] tables)")
        entries = data.get("document", [])
        if not isinstance(entries, list):
            self._report(manifest, "manifest not used: 'document' must be [[document]] tables")
            return
        for n, entry in enumerate(entries, 1):
            if isinstance(entry, dict):
                yield n, entry
            else:
                self._report(manifest, f"entry {n} is not a [[document]] table, not used")

    def _file_name(self, manifest: Path, n: int, entry: dict) -> str:
        """The file the entry describes, or "" (reported) if it names none in the folder."""
        name = entry.get("file")
        if not isinstance(name, str) or not name.strip():
            title = entry.get("title")
            about = f" (title {title!r})" if isinstance(title, str) else ""
            why = f"file = {name!r} is not a file name" if "file" in entry else "no 'file' key"
            self._report(manifest, f"entry {n}{about}: {why}, not used")
            return ""
        if Path(name).name != name or not (manifest.parent / name).is_file():
            self._report(manifest, f"entry {n}: no file {name!r} in the manifest's folder, "
                                   f"not used")
            return ""
        if Path(name).suffix.lower() in JSONL_SUFFIXES:
            self._report(manifest, f"entry {n}: {name!r} is a JSONL dump (its records carry "
                                   f"their own metadata), not used")
            return ""
        return name

    def _report(self, manifest: Path, reason: str) -> None:
        self.problems.append(Skipped(str(manifest), reason))


_NO_METADATA = dict.fromkeys(META_FIELDS, "")
_DATE_FORMS = "(use YYYY, YYYY-MM or YYYY-MM-DD)"


def _one_line(text: str) -> str:
    # Without control characters or lone surrogates (which SQLite refuses).
    return " ".join(normalize_text(text).split())


def _text(name: str, value, problems: list[str]) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return _one_line(value)
    problems.append(f"{name} = {value!r} is not text, ignored")
    return ""


def _kind(value, problems: list[str]) -> str:
    """The kind, lowercased; "" (the default kind) for an unknown one, reported."""
    kind = _text("kind", value, problems).lower()
    if kind and kind not in KINDS:
        problems.append(f"kind = {value!r} is not one of {', '.join(KINDS)}, "
                        f"indexed with the default kind")
        return ""
    return kind


def _date(name: str, value, problems: list[str]) -> str:
    """The date as partial ISO 8601; "" (undated) for an unreadable one, reported.

    A TOML date or a bare year (`published = 2024`) counts as written.
    """
    if isinstance(value, date) or (isinstance(value, int) and not isinstance(value, bool)):
        value = str(value)
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            return normalize_date(_one_line(value))
        except ValueError:
            pass
    problems.append(f"{name} = {value!r} is not a date {_DATE_FORMS}, indexed undated")
    return ""


def _metadata(values: dict, date_key: str = "published") -> tuple[dict, list[str]]:
    """The metadata fields of a manifest entry or JSONL record, and its unusable values."""
    problems: list[str] = []
    meta = {name: _text(name, values.get(name), problems) for name in ("title", "source", "url")}
    meta["kind"] = _kind(values.get("kind"), problems)
    meta["published"] = _date(date_key, values.get(date_key), problems)
    return meta, problems


def _manifest_metadata(manifest: Path, name: str, entry: dict) -> tuple[dict, str]:
    """An entry's metadata fields, and its document's warning about the unusable ones."""
    meta, problems = _metadata(entry)
    problems += [f"unknown key {key!r} ignored (known: {', '.join(MANIFEST_KEYS)})"
                 for key in entry if key not in MANIFEST_KEYS]
    if not problems:
        return meta, ""
    return meta, f"{manifest} entry for {name!r}: " + "; ".join(problems)


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
    meta, manifest_warning = manifests.lookup(path)
    warning = "; ".join(w for w in (manifest_warning, _truncation(len(data), size)) if w)
    yield SourceDocument(
        doc_id=_file_doc_id(path), origin=str(path), raw=raw,
        is_html=path.suffix.lower() in HTML_SUFFIXES, warning=warning, **meta)


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
            meta, problems = _metadata(record, "date" if record.get("date") else "published")
            yield SourceDocument(
                doc_id=_jsonl_doc_id(path, lineno, record), origin=origin, raw=body,
                is_html=body is html, warning="; ".join(problems), **meta)


def read_corpus(paths: list[Path],
                max_bytes: int = DEFAULT_MAX_BYTES) -> Iterator[SourceDocument | Skipped]:
    """Every document (or reason for skipping) under the given paths.

    A file larger than `max_bytes` is read up to that size (its SourceDocument.warning
    says so); a JSONL record larger than that is skipped. Each folder's manifest is
    checked when the walk reaches it (or earlier, by the first file it describes), so its
    problems are reported even if no file is read.
    """
    manifests = _Manifests()
    for item in iter_files(paths, manifests=True):
        if isinstance(item, Skipped):
            yield item
        elif item.name == MANIFEST:
            manifests.check(item.parent)
        else:
            yield from read_file(item, manifests, max_bytes)
        while manifests.problems:
            yield manifests.problems.pop(0)

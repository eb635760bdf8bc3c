"""Index generations on disk, swapped atomically.

    data/index/CURRENT            name of the live generation (replaced with os.replace)
    data/index/gen-<time>-<pid>/  a complete index: manifest.json, store.sqlite,
                                  vectors.f32, keyword/
    data/index/tmp-<time>-<pid>/  a build in progress; never read, removed if abandoned

A build writes a tmp- folder, renames it to gen- once everything is on disk, then
points CURRENT at it. A build killed at any moment leaves CURRENT, and the
generation it names, untouched.

The manifest records the size and CRC-32 of every file of its generation, so a
file damaged or replaced later is caught when the generation is opened, with a
message saying to rebuild, instead of failing somewhere inside a search.
"""
from __future__ import annotations

import fcntl
import json
import os
import shutil
import time
import zlib
from contextlib import contextmanager
from pathlib import Path

# 2: documents' dates as first and last day; 3: keyword hits give rows; 4: names, figures
# and stories
FORMAT_VERSION = 4
# Versions whose store rows and vector file a build can still reuse embeddings from, so an
# upgrade's rebuild re-embeds nothing (3 and 4 left passages and vectors as they were).
EMBEDDINGS_READABLE = (2, 3, 4)
CURRENT = "CURRENT"
MANIFEST = "manifest.json"


class IndexUnavailable(RuntimeError):
    """The index is missing, corrupt or from another version: the message says what to do."""


class BuildLocked(RuntimeError):
    pass


def current_name(root: Path) -> str | None:
    try:
        name = (root / CURRENT).read_text().strip()
    except FileNotFoundError:
        return None
    return name or None


def current_dir(root: Path) -> Path:
    name = current_name(root)
    if name is None:
        raise IndexUnavailable(f"No index at {root}. Build one with: newsdesk index")
    path = root / name
    if not path.is_dir():
        raise IndexUnavailable(f"The index at {root} names generation {name!r}, which is missing. "
                          f"Rebuild it with: newsdesk index --full")
    return path


def read_manifest(gen: Path, versions: tuple[int, ...] = (FORMAT_VERSION,)) -> dict:
    """The generation's manifest, if it is of one of `versions`."""
    try:
        manifest = json.loads((gen / MANIFEST).read_text())
    except (OSError, ValueError) as exc:
        raise IndexUnavailable(f"The index at {gen} is unreadable ({exc}). "
                          f"Rebuild it with: newsdesk index --full") from None
    if not isinstance(manifest, dict):
        raise IndexUnavailable(f"The index at {gen} has a damaged {MANIFEST}. "
                               f"Rebuild it with: newsdesk index --full")
    version = manifest.get("format_version")
    if version not in versions:
        raise IndexUnavailable(f"The index at {gen} has format version {version}, this newsdesk reads "
                          f"version {FORMAT_VERSION}. Rebuild it with: newsdesk index --full")
    return manifest


def vector_rows(manifest: dict) -> int:
    """Rows in the vector file: every passage ever appended, removed ones included."""
    return int(manifest.get("vector_rows", manifest["passages"]))


def file_checksums(gen: Path) -> dict[str, list[int]]:
    """[size, CRC-32] of every file of a generation but its manifest, by relative path."""
    out = {}
    for path in sorted(p for p in gen.rglob("*") if p.is_file() and p.name != MANIFEST):
        crc = 0
        with open(path, "rb") as fh:
            while chunk := fh.read(1 << 20):
                crc = zlib.crc32(chunk, crc)
        out[path.relative_to(gen).as_posix()] = [path.stat().st_size, crc]
    return out


def verify(gen: Path, manifest: dict) -> None:
    """Raise IndexUnavailable unless every file the manifest lists is there, unchanged."""
    expected = manifest.get("files")
    if expected is None:
        return
    actual = file_checksums(gen)
    for name, size_crc in expected.items():
        if name not in actual:
            problem = f"{name} is missing"
        elif actual[name] != size_crc:
            problem = f"{name} has changed since it was built"
        else:
            continue
        raise IndexUnavailable(f"The index at {gen} is damaged ({problem}). "
                               f"Rebuild it with: newsdesk index --full")


def new_build_dir(root: Path) -> Path:
    """A fresh tmp-<time>-<pid> folder; microseconds keep two builds in one second apart."""
    now = time.time()
    stamp = time.strftime("%Y%m%dT%H%M%S", time.localtime(now)) + f".{int(now * 1e6) % 10**6:06d}"
    path = root / f"tmp-{stamp}-{os.getpid()}"
    path.mkdir(parents=True)
    return path


def publish(root: Path, build_dir: Path, manifest: dict, keep: int) -> Path:
    """Make a finished build the live generation, then prune old ones."""
    manifest = {**manifest, "files": file_checksums(build_dir)}
    (build_dir / MANIFEST).write_text(json.dumps(manifest, indent=2))
    gen = root / build_dir.name.replace("tmp-", "gen-", 1)
    os.replace(build_dir, gen)
    tmp = root / f".{CURRENT}.{os.getpid()}"
    with open(tmp, "w") as fh:
        fh.write(gen.name)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, root / CURRENT)
    gens = sorted((p for p in root.glob("gen-*") if p.name != gen.name), key=lambda p: p.name)
    for old in gens[:max(0, len(gens) - keep)]:
        shutil.rmtree(old, ignore_errors=True)
    return gen


def remove_abandoned_builds(root: Path):
    for path in root.glob("tmp-*"):
        shutil.rmtree(path, ignore_errors=True)


@contextmanager
def build_lock(root: Path):
    """One build at a time per index folder."""
    root.mkdir(parents=True, exist_ok=True)
    with open(root / ".lock", "w") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BuildLocked(f"another index build is running on {root}") from None
        yield

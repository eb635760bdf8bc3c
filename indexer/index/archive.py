"""What the archive holds beyond `[corpus] paths`: paths added and documents removed.

`newsdesk add PATH` and `newsdesk remove TARGET` change the live index, and record
what they did in its manifest (`"archive"`), so that the next plain `newsdesk index`
rebuilds the same archive instead of dropping the additions or bringing removed
documents back. The record travels with each generation, so it changes atomically
with the index it describes.
"""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from . import generations


@dataclass
class ArchiveRecord:
    added: list[str] = field(default_factory=list)  # absolute paths given to `newsdesk add`
    removed: list[str] = field(default_factory=list)  # origins (a file, a folder, a JSONL line)

    @classmethod
    def of(cls, manifest: dict) -> "ArchiveRecord":
        record = manifest.get("archive") or {}
        return cls(list(record.get("added", [])), list(record.get("removed", [])))

    def as_dict(self) -> dict:
        return {"added": self.added, "removed": self.removed}

    def paths(self, corpus_paths: list[Path]) -> list[Path]:
        """Everything a rebuild reads: the configured corpus, then the added paths."""
        known = {str(p) for p in corpus_paths}
        return list(corpus_paths) + [Path(p) for p in self.added if p not in known]

    def is_removed(self, origin: str) -> bool:
        return any(covers(target, origin) for target in self.removed)

    def with_added(self, paths: list[Path]) -> "ArchiveRecord":
        """Record `paths` as added; a removal under one of them is undone (it is added back)."""
        new = [str(p) for p in paths]
        added = self.added + [p for p in new if p not in self.added]
        removed = [r for r in self.removed if not any(covers(p, r) for p in new)]
        return ArchiveRecord(added, removed)

    def with_removed(self, targets: list[str]) -> "ArchiveRecord":
        """Record origins as removed; an added path that is removed whole is forgotten."""
        added = [p for p in self.added if p not in targets]
        removed = self.removed + [t for t in targets if t not in self.removed and t not in
                                  self.added]
        return ArchiveRecord(added, removed)

    def fingerprint(self) -> str:
        return hashlib.sha1(json.dumps(self.as_dict(), sort_keys=True).encode()).hexdigest()


def covers(target: str, origin: str) -> bool:
    """Whether removing `target` (a file, a folder or a JSONL line) removes `origin`."""
    if origin == target:
        return True
    if origin.startswith(target + ":"):  # a record of a JSONL dump
        return origin[len(target) + 1:].isdigit()
    return origin.startswith(target.rstrip(os.sep) + os.sep)  # a file under a folder


def live_record(root: Path) -> ArchiveRecord:
    """The record of the newest generation whose manifest can be read at all.

    Read without checking the format version, so a rebuild after an upgrade (whose
    old index cannot be opened) still knows what was added and removed.
    """
    names = [generations.current_name(root)] + sorted(
        (p.name for p in root.glob("gen-*")), reverse=True)
    for name in filter(None, names):
        try:
            manifest = json.loads((root / name / generations.MANIFEST).read_text())
        except (OSError, ValueError):
            continue
        if isinstance(manifest, dict):
            return ArchiveRecord.of(manifest)
    return ArchiveRecord()

"""The keyword engines by name (`[index] keyword_engine`), and opening the right one."""
from __future__ import annotations

from pathlib import Path

from .tantivy_index import TantivyIndex
from .whoosh_index import KeywordIndex as WhooshIndex

ENGINES = {"tantivy": TantivyIndex, "whoosh": WhooshIndex}
DEFAULT_ENGINE = "tantivy"
LEGACY_ENGINE = "whoosh"  # what a generation whose manifest names no engine was built with


def create_keyword_index(engine: str, path: Path, languages: list[str]):
    return ENGINES[engine].create(path, languages)


def open_keyword_index(engine: str, path: Path, languages: list[str], **boosts):
    return ENGINES[engine].open(path, languages, **boosts)


def engine_of(manifest: dict) -> str:
    return manifest.get("keyword_engine", LEGACY_ENGINE)

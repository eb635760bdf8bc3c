"""Settings: `config.toml` read into typed sections.

Every section is a dataclass whose defaults match the shipped `config.toml`, so a
config file only needs the keys it changes. Relative paths are resolved against
the config file's folder.

Which file: `--config`, else `$NEWSDESK_CONFIG`, else `config.toml` in the current
folder, else none (the defaults, relative to the current folder). The package's own
copy (`indexer/config.toml`, the commented template `newsdesk init` writes) is never
read as settings, so an installed newsdesk never writes into its source checkout.
"""
from __future__ import annotations

import dataclasses
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

CONFIG_NAME = "config.toml"


class ConfigError(ValueError):
    """A config file that cannot be used, with a message saying why."""


@dataclass
class CorpusConfig:
    paths: list[str] = field(default_factory=lambda: ["corpus"])
    languages: list[str] = field(default_factory=lambda: ["en", "it"])
    default_language: str = "en"
    max_document_mb: float = 64.0


@dataclass
class IndexConfig:
    path: str = "data/index"
    keyword_engine: str = "tantivy"
    passage_min_words: int = 80
    passage_max_words: int = 250
    batch_size: int = 64
    writer_limit_mb: int = 256
    writer_procs: int = 1
    keep_generations: int = 1
    max_shrink: float = 0.5
    ann_min_rows: int = 50_000  # vector rows from which search uses the HNSW graph
    ann_ef_search: int = 768  # HNSW candidate list per search (at least 2 x the hits asked)
    ann_rescore: bool = False  # re-score the graph's candidates against vectors.f32


@dataclass
class EmbedderConfig:
    name: str = "use-multilingual"
    model: str = ""
    threads: int = 1
    batch_size: int = 32
    # processes a build embeds in, one BLAS thread each; 0: one per core; 1: in-process
    workers: int = 0
    # what a passage is embedded with besides its text: the document title and/or the
    # section heading path, as a reader sees them above the passage
    context: list[str] = field(default_factory=lambda: ["title", "section"])


@dataclass
class ClusterConfig:
    scheduler: str = ""  # a Dask scheduler's address; empty: build on this machine
    batch_documents: int = 32
    inflight: int = 0  # batches of each kind out at once; 0: two per worker thread
    timeout_seconds: float = 120.0


@dataclass
class SearchConfig:
    default_mode: str = "hybrid"
    fusion: str = "weighted"
    rrf_k: int = 60
    keyword_weight: float = 0.5
    candidates: int = 100
    semantic_min_score: float = 0.05
    semantic_null_margin: float = 0.05
    other_language_keyword_factor: float = 0.25
    translated_keyword_factor: float = 0.5
    result_cache: int = 256
    recent_vectors: int = 16384
    default_operator: str = "or"
    title_boost: float = 1.0
    section_boost: float = 1.5
    per_page: int = 10
    max_per_page: int = 100
    max_results: int = 1000
    max_query_chars: int = 1000
    max_query_terms: int = 32
    min_prefix_chars: int = 3
    max_wildcards: int = 4
    snippet_fragments: int = 2
    snippet_chars: int = 220


@dataclass
class ServerConfig:
    host: str = "127.0.0.1"
    port: int = 8080
    threads: int = 8  # per process
    processes: int = 1  # more than 1: gunicorn worker processes (webapp/server.py)


@dataclass
class TranslationConfig:
    backend: str = "apertium"
    reader_language: str = "en"
    pivot: str = "spa"
    query_translation: bool = True
    query_boost: float = 0.5
    cache_path: str = "data/translations.sqlite"
    timeout_seconds: float = 20.0
    document_window: int = 6


@dataclass
class ExportConfig:
    max_rows: int = 100_000
    depth: int = 1000
    batch_rows: int = 200
    batch_max_queries: int = 200
    batch_top: int = 10
    batch_max_top: int = 100
    concurrent: int = 2
    wait_seconds: float = 0.0


@dataclass
class AccessConfig:
    """Who may use the web app: HTTP basic-auth users and bearer tokens, as hashes only."""

    users: dict = field(default_factory=dict)  # name -> Werkzeug password hash
    token_hashes: list = field(default_factory=list)

    @property
    def enabled(self) -> bool:
        return bool(self.users or self.token_hashes)


@dataclass
class Config:
    corpus: CorpusConfig = field(default_factory=CorpusConfig)
    index: IndexConfig = field(default_factory=IndexConfig)
    embedder: EmbedderConfig = field(default_factory=EmbedderConfig)
    cluster: ClusterConfig = field(default_factory=ClusterConfig)
    search: SearchConfig = field(default_factory=SearchConfig)
    server: ServerConfig = field(default_factory=ServerConfig)
    translation: TranslationConfig = field(default_factory=TranslationConfig)
    export: ExportConfig = field(default_factory=ExportConfig)
    access: AccessConfig = field(default_factory=AccessConfig)
    base_dir: Path = field(default_factory=Path.cwd)
    source: Path | None = None  # the config file read; None: defaults only

    def resolve(self, path: str | os.PathLike) -> Path:
        """A path from the config, relative to the config file's folder."""
        p = Path(path).expanduser()
        return p if p.is_absolute() else (self.base_dir / p)

    @property
    def index_path(self) -> Path:
        return self.resolve(self.index.path)

    @property
    def corpus_paths(self) -> list[Path]:
        return [self.resolve(p) for p in self.corpus.paths]


_SECTIONS = {
    "corpus": CorpusConfig,
    "index": IndexConfig,
    "embedder": EmbedderConfig,
    "cluster": ClusterConfig,
    "search": SearchConfig,
    "server": ServerConfig,
    "translation": TranslationConfig,
    "export": ExportConfig,
    "access": AccessConfig,
}
_HASH = re.compile(r"^(scrypt|pbkdf2):[\w:]+\$[^$]+\$[0-9a-f]+$")


def _section(cls, values: dict, name: str):
    known = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise ConfigError(f"[{name}] has unknown key(s): {', '.join(unknown)}")
    defaults = cls()
    for key, value in values.items():
        expected = type(getattr(defaults, key))
        if expected is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
            raise ConfigError(
                f"[{name}] {key} must be {expected.__name__}, got {value!r}")
    return cls(**values)


def validate(config: Config) -> Config:
    s = config.search
    if s.default_mode not in ("hybrid", "keyword", "semantic"):
        raise ConfigError("[search] default_mode must be hybrid, keyword or semantic")
    if s.fusion not in ("rrf", "weighted"):
        raise ConfigError("[search] fusion must be rrf or weighted")
    if s.default_operator not in ("or", "and"):
        raise ConfigError("[search] default_operator must be or or and")
    if not 0.0 <= s.keyword_weight <= 1.0:
        raise ConfigError("[search] keyword_weight must be between 0 and 1")
    for key in ("other_language_keyword_factor", "translated_keyword_factor"):
        if not 0.0 <= getattr(s, key) <= 1.0:
            raise ConfigError(f"[search] {key} must be between 0 and 1")
    if not config.corpus.languages:
        raise ConfigError("[corpus] languages must name at least one language")
    if config.corpus.default_language not in config.corpus.languages:
        raise ConfigError("[corpus] default_language must be one of languages")
    if config.corpus.max_document_mb <= 0:
        raise ConfigError("[corpus] max_document_mb must be positive")
    for name, value in [*config.access.users.items(), *(
            ("token_hashes", v) for v in config.access.token_hashes)]:
        if not isinstance(value, str) or not _HASH.match(value):
            raise ConfigError(f"[access] {name} must be a password hash made by `newsdesk "
                              f"hash-secret`, never the secret itself")
    if config.embedder.workers < 0:
        raise ConfigError("[embedder] workers must be 0 (one per core) or more")
    if set(config.embedder.context) - {"title", "section"}:
        raise ConfigError('[embedder] context lists only "title" and "section"')
    if config.index.passage_min_words > config.index.passage_max_words:
        raise ConfigError("[index] passage_min_words must not exceed passage_max_words")
    if config.index.keyword_engine not in ("tantivy", "whoosh"):
        raise ConfigError('[index] keyword_engine must be "tantivy" or "whoosh"')
    if not 0.0 <= config.index.max_shrink <= 1.0:
        raise ConfigError("[index] max_shrink must be between 0 and 1")
    t = config.translation
    if t.backend not in ("apertium", "none"):
        raise ConfigError("[translation] backend must be apertium or none")
    if t.reader_language and t.reader_language not in config.corpus.languages:
        raise ConfigError("[translation] reader_language must be \"\" or one of [corpus] languages")
    if t.timeout_seconds <= 0 or t.document_window < 1 or t.query_boost <= 0:
        raise ConfigError("[translation] timeout_seconds, document_window and query_boost "
                          "must be positive")
    e = config.export
    if min(e.max_rows, e.depth, e.batch_rows, e.batch_max_queries, e.batch_top) < 1:
        raise ConfigError("[export] max_rows, depth, batch_rows, batch_max_queries and "
                          "batch_top must be at least 1")
    if not e.batch_top <= e.batch_max_top:
        raise ConfigError("[export] batch_top must not exceed batch_max_top")
    if e.concurrent < 1 or e.wait_seconds < 0:
        raise ConfigError("[export] concurrent must be at least 1 and wait_seconds not negative")
    c = config.cluster
    if c.batch_documents < 1 or c.inflight < 0 or c.timeout_seconds <= 0:
        raise ConfigError("[cluster] batch_documents must be at least 1, inflight 0 (two per "
                          "worker thread) or more, timeout_seconds positive")
    if s.recent_vectors < 0:
        raise ConfigError("[search] recent_vectors must not be negative")
    if config.server.threads < 1 or config.server.processes < 1:
        raise ConfigError("[server] threads and processes must be at least 1")
    return config


def with_overrides(config: Config, overrides: dict[str, dict]) -> Config:
    """A copy of `config` with some keys replaced, {section: {key: value}}, checked like a file."""
    sections = {}
    for name, cls in _SECTIONS.items():
        current = dataclasses.asdict(getattr(config, name))
        changes = overrides.get(name, {})
        sections[name] = _section(cls, {**current, **changes}, name)
    unknown = sorted(set(overrides) - set(_SECTIONS))
    if unknown:
        raise ConfigError(f"unknown section(s): {', '.join(unknown)}")
    return validate(Config(base_dir=config.base_dir, source=config.source, **sections))


def find_config(path: str | os.PathLike | None = None) -> Path | None:
    """The config file to read: `path`, $NEWSDESK_CONFIG, ./config.toml, or None (defaults)."""
    chosen = path or os.environ.get("NEWSDESK_CONFIG")
    if chosen:
        return Path(chosen).expanduser().absolute()
    local = Path.cwd() / CONFIG_NAME
    return local if local.is_file() else None


def load_config(path: str | os.PathLike | None = None) -> Config:
    """Read the config file `find_config` picks; the defaults if there is none."""
    found = find_config(path)
    if found is None:
        return validate(Config(base_dir=Path.cwd()))
    try:
        with open(found, "rb") as fh:
            raw = tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"config file not found: {found}") from None
    except IsADirectoryError:
        raise ConfigError(f"config file is a folder: {found}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{found}: {exc}") from None
    unknown = sorted(set(raw) - set(_SECTIONS))
    if unknown:
        raise ConfigError(f"{found}: unknown section(s): {', '.join(unknown)}")
    sections = {name: _section(cls, raw.get(name, {}), name) for name, cls in _SECTIONS.items()}
    return validate(Config(base_dir=found.parent, source=found, **sections))

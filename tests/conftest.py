"""Shared fixtures: a real index of the seed corpus (plus hostile documents) built once
per test session with the real embedder, a Flask app over it, and a real WSGI
server on a free loopback port."""
from __future__ import annotations

import json
import os
import shutil
import threading
from pathlib import Path

import pytest

from indexer.config import load_config
from indexer.index.build import build_index
from indexer.index.embedders import load_embedder

from browser import browser  # noqa: F401  (the session-wide Chromium fixture)

ROOT = Path(__file__).resolve().parent.parent
SEED_CORPUS = ROOT / "corpus"

HOSTILE_HTML = """<!doctype html><html><head><title>Code sample &lt;b&gt;bold&lt;/b&gt; page</title>
<script>window.__pwned = true;</script><style>body{display:none}</style></head>
<body><h1>Leapmotor web security notes</h1>
<p>Researchers showed how &lt;script&gt;window.__pwned=1&lt;/script&gt; could be injected into
a Leapmotor dealer page. The quarantined snippet &lt;img src=x onerror=alert(1)&gt; stays text.</p>
<!-- a comment that must not be indexed: secretcommentword -->
<p onclick="alert(2)">Dealers in Europe patched the vulnerability within a week, the company said.</p>
</body></html>"""


# the keyword engine the tests' indexes use (default: the product's default);
# `NEWSDESK_TEST_KEYWORD_ENGINE=whoosh python3 -m pytest` runs the whole suite on Whoosh
TEST_ENGINE = os.environ.get("NEWSDESK_TEST_KEYWORD_ENGINE")


def write_config(tmp: Path, corpus_paths: list[Path], **sections) -> Path:
    """A config.toml in `tmp` indexing `corpus_paths` into tmp/index; extra keys per section."""
    data: dict[str, dict] = {"corpus": {"paths": [str(p) for p in corpus_paths]},
                             "index": {"path": str(tmp / "index")}}
    if TEST_ENGINE:
        data["index"]["keyword_engine"] = TEST_ENGINE
    for section, values in sections.items():
        data.setdefault(section, {}).update(values)
    text = "\n".join(f"[{s}]\n" + "\n".join(f"{k} = {json.dumps(v)}" for k, v in vals.items())
                     for s, vals in data.items())
    path = tmp / "config.toml"
    path.write_text(text + "\n")
    return path


@pytest.fixture(scope="session")
def embedder():
    from indexer.config import EmbedderConfig
    return load_embedder(EmbedderConfig())


@pytest.fixture(scope="session")
def corpus_dir(tmp_path_factory) -> Path:
    """The seed corpus plus a hostile HTML page."""
    path = tmp_path_factory.mktemp("corpus")
    for item in SEED_CORPUS.iterdir():
        shutil.copy(item, path / item.name)
    (path / "hostile.html").write_text(HOSTILE_HTML, encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def config(tmp_path_factory, corpus_dir, embedder):
    """Config of a session-wide index of `corpus_dir`, already built."""
    tmp = tmp_path_factory.mktemp("seed-index")
    cfg = load_config(write_config(tmp, [corpus_dir]))
    build_index(cfg, embedder=embedder, progress=False)
    return cfg


@pytest.fixture(scope="session")
def app(config, embedder):
    from webapp import create_app
    return create_app(config, embedder=embedder)


@pytest.fixture()
def client(app):
    return app.test_client()


@pytest.fixture(scope="session")
def live_server(app):
    """Base URL of the app served by waitress on a free loopback port."""
    from waitress import create_server
    server = create_server(app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.effective_port}"
    server.close()

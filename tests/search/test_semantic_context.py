"""Passages are embedded with what a reader sees above them (the document's title and
the section path), so a semantic query that names the subject finds a passage whose own
text never does."""
from __future__ import annotations

import json

import pytest

from indexer.config import load_config
from indexer.index.build import build_index
from indexer.index.reader import IndexHandle
from indexer.models import Filters
from indexer.search.searcher import SearchRequest, Searcher

from conftest import write_config

ARTICLES = [
    {"id": "wind", "title": "Offshore wind farm approved off Sicily", "date": "2025-03",
     "text": "The regional council voted on Tuesday after months of hearings. Fishermen in "
             "Trapani had objected to the cables crossing their grounds, while the investors "
             "promised three hundred local jobs and a new maintenance harbour."},
    {"id": "bank", "title": "Bank raises rates again", "date": "2025-02",
     "text": "The central bank raised its main rate by a quarter point, citing persistent "
             "inflation in services and a tight labour market."},
    {"id": "match", "title": "Late goal settles the derby", "date": "2025-01",
     "text": "A header in stoppage time gave the home side the win in a derby that had "
             "been goalless for most of the evening."},
]


@pytest.fixture(scope="module")
def searchers(tmp_path_factory, embedder):
    """A searcher over the same three articles with and without context in the embedding."""
    out = {}
    for name, context in (("context", ["title", "section"]), ("text-only", [])):
        tmp = tmp_path_factory.mktemp(name)
        dump = tmp / "news.jsonl"
        dump.write_text("\n".join(json.dumps(a) for a in ARTICLES))
        config = load_config(write_config(tmp, [dump], embedder={"context": context}))
        build_index(config, embedder=embedder, progress=False)
        out[name] = Searcher(config, IndexHandle(config), embedder)
    return out


def _semantic(searcher, query):
    return searcher.search(SearchRequest(query, "semantic", Filters(), 1, 10, xlang=False))


def test_title_makes_a_passage_findable_by_its_subject(searchers):
    with_context = _semantic(searchers["context"], "wind farm Sicily")
    assert with_context.hits and with_context.hits[0].doc_id == "wind"
    text_only = _semantic(searchers["text-only"], "wind farm Sicily")
    assert with_context.hits[0].score > (text_only.hits[0].score if text_only.hits
                                         and text_only.hits[0].doc_id == "wind" else 0) + 0.1


def test_a_changed_context_setting_re_embeds(tmp_path, embedder):
    dump = tmp_path / "news.jsonl"
    dump.write_text("\n".join(json.dumps(a) for a in ARTICLES))
    first = build_index(load_config(write_config(tmp_path, [dump])), embedder=embedder,
                        progress=False)
    again = build_index(load_config(write_config(tmp_path, [dump], embedder={"context": []})),
                        embedder=embedder, progress=False)
    assert first.embeddings_computed == 3 and again.embeddings_computed == 3

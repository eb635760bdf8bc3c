"""A build that would empty the index, or drop too much of it, is refused: a mistyped
path must not replace the live index with nothing."""
import pytest

from indexer.cli import main
from indexer.config import ConfigError, load_config
from indexer.index import generations
from indexer.index.build import ShrinkRefused, build_index
from indexer.index.reader import IndexHandle
from indexer.search.searcher import Searcher, SearchRequest
from tests.conftest import write_config

ARTICLES = {
    "harbour.txt": "The harbour authority opened a new ferry terminal on Monday.",
    "tides.txt": "Spring tides flooded the old quay twice this week, officials said.",
    "porto.txt": "Il porto di Genova ha registrato un aumento dei container quest'anno.",
    "fishing.txt": "Fishing boats stayed ashore as the storm reached the northern coast.",
}


@pytest.fixture()
def built(tmp_path, embedder):
    """A config over a four-document corpus, and its live generation, already built."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name, text in ARTICLES.items():
        (corpus / name).write_text(text + "\n")
    cfg_path = write_config(tmp_path, [corpus])
    cfg = load_config(cfg_path)
    build_index(cfg, embedder=embedder, progress=False)
    return cfg_path, cfg, corpus, generations.current_dir(cfg.index_path)


def live_documents(cfg) -> int:
    return generations.read_manifest(generations.current_dir(cfg.index_path))["documents"]


def test_cli_index_of_a_missing_corpus_folder_keeps_the_live_index(built, embedder, capsys):
    """[corpus] paths naming a folder that is gone (a typo, an unmounted disk)."""
    _, cfg, corpus, live = built
    cfg_path = write_config(corpus.parent, [corpus.parent / "no-such-folder"])
    assert main(["--config", str(cfg_path), "index", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "newsdesk: " in err and "0 documents" in err and "has 4" in err
    assert "--allow-shrink" in err and "Traceback" not in err
    assert generations.current_dir(cfg.index_path) == live
    assert not list(cfg.index_path.glob("tmp-*"))
    assert [p.name for p in cfg.index_path.glob("gen-*")] == [live.name]
    hits = Searcher(cfg, IndexHandle(cfg), embedder).search(SearchRequest("ferry", "keyword"))
    assert hits.total == 1


def test_cli_index_and_add_of_a_mistyped_path_change_nothing(built, capsys):
    cfg_path, cfg, _, live = built
    assert main(["--config", str(cfg_path), "index", "--quiet", "/no/such/folder"]) == 2
    assert "newsdesk add /no/such/folder" in capsys.readouterr().err
    assert main(["--config", str(cfg_path), "add", "--quiet", "/no/such/folder"]) == 2
    err = capsys.readouterr().err
    assert "nothing added" in err and "/no/such/folder does not exist" in err
    assert generations.current_dir(cfg.index_path) == live and live_documents(cfg) == 4


def test_first_build_with_no_documents_is_refused(tmp_path, embedder):
    cfg = load_config(write_config(tmp_path, [tmp_path / "typo"]))
    with pytest.raises(ShrinkRefused, match="0 documents"):
        build_index(cfg, embedder=embedder, progress=False)
    assert generations.current_name(cfg.index_path) is None
    assert not list(cfg.index_path.glob("tmp-*")) and not list(cfg.index_path.glob("gen-*"))


def test_dropping_three_of_four_documents_is_refused(built, embedder):
    _, cfg, corpus, live = built
    for name in ("tides.txt", "porto.txt", "fishing.txt"):
        (corpus / name).unlink()
    with pytest.raises(ShrinkRefused, match="1 documents.*has 4"):
        build_index(cfg, embedder=embedder, progress=False)
    assert generations.current_dir(cfg.index_path) == live and live_documents(cfg) == 4
    assert not list(cfg.index_path.glob("tmp-*"))


def test_dropping_one_of_four_documents_is_allowed(built, embedder):
    _, cfg, corpus, live = built
    (corpus / "fishing.txt").unlink()
    report = build_index(cfg, embedder=embedder, progress=False)
    assert report.documents == 3 and report.generation != live.name
    assert live_documents(cfg) == 3


def test_allow_shrink_publishes_the_smaller_index(built, embedder):
    _, cfg, corpus, live = built
    report = build_index(cfg, paths=[corpus / "harbour.txt"], embedder=embedder,
                         progress=False, allow_shrink=True)
    assert report.generation != live.name and live_documents(cfg) == 1


@pytest.mark.parametrize("value", [1.5, -0.1])
def test_max_shrink_out_of_range_is_a_config_error(tmp_path, value):
    with pytest.raises(ConfigError, match="max_shrink must be between 0 and 1"):
        load_config(write_config(tmp_path, [tmp_path], index={"max_shrink": value}))

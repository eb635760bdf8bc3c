"""Which config file `newsdesk` reads, and `newsdesk init`."""
import dataclasses

import pytest

from indexer.cli import main
from indexer.config import Config, ConfigError, load_config
from tests.conftest import ROOT


@pytest.fixture()
def elsewhere(tmp_path, monkeypatch):
    """An empty working folder, with no $NEWSDESK_CONFIG."""
    monkeypatch.delenv("NEWSDESK_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def settings(config: Config) -> dict:
    return {f.name: getattr(config, f.name) for f in dataclasses.fields(config)
            if f.name not in ("base_dir", "source")}


def test_no_config_file_means_the_defaults_relative_to_the_working_folder(elsewhere):
    config = load_config()
    assert config.source is None and config.base_dir == elsewhere
    assert config.index_path == elsewhere / "data" / "index"
    assert config.corpus_paths == [elsewhere / "corpus"]
    assert settings(config) == settings(Config())


def test_the_config_in_the_working_folder_is_found(elsewhere):
    (elsewhere / "config.toml").write_text('[index]\npath = "idx"\n')
    config = load_config()
    assert config.source == elsewhere / "config.toml"
    assert config.index_path == elsewhere / "idx"


def test_the_environment_beats_the_working_folder_and_config_beats_both(elsewhere,
                                                                       monkeypatch):
    (elsewhere / "config.toml").write_text('[index]\npath = "here"\n')
    (elsewhere / "env").mkdir()
    (elsewhere / "env" / "settings.toml").write_text('[index]\npath = "from-env"\n')
    (elsewhere / "given.toml").write_text('[index]\npath = "given"\n')
    monkeypatch.setenv("NEWSDESK_CONFIG", str(elsewhere / "env" / "settings.toml"))
    assert load_config().index_path == elsewhere / "env" / "from-env"
    assert load_config(elsewhere / "given.toml").index_path == elsewhere / "given"
    monkeypatch.setenv("NEWSDESK_CONFIG", str(elsewhere / "missing.toml"))
    with pytest.raises(ConfigError, match="not found.*missing.toml"):
        load_config()


def test_the_package_copy_is_never_read_as_settings(elsewhere):
    """Run outside the checkout, newsdesk must not pick up (and write next to) the
    checkout's config.toml."""
    config = load_config()
    assert config.source is None
    assert ROOT not in config.index_path.parents


def test_init_writes_the_shipped_commented_config_and_a_corpus_folder(elsewhere, capsys):
    assert main(["init"]) == 0
    written = (elsewhere / "config.toml").read_text()
    assert written == (ROOT / "config.toml").read_text() and written.count("\n#") > 20
    assert (elsewhere / "corpus").is_dir() and not list((elsewhere / "corpus").iterdir())
    config = load_config()
    assert config.source == elsewhere / "config.toml"
    assert settings(config) == settings(Config())  # the shipped file states the defaults
    assert "newsdesk index" in capsys.readouterr().out
    assert main(["init"]) == 2  # never overwrites
    assert "exists already" in capsys.readouterr().err
    assert (elsewhere / "config.toml").read_text() == written


def test_status_without_an_index_says_so(elsewhere, capsys):
    assert main(["status"]) == 0
    captured = capsys.readouterr()
    assert "(none found: defaults" in captured.out and "No index at" in captured.out
    assert "newsdesk init" in captured.err

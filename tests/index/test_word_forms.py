"""A generation keeps what keyword analysis made of its archive's words (word_forms.py),
so a fresh searching process does not stem them again; what it loads must be exactly
what analysing each word gives."""
import pytest

from indexer.config import load_config
from indexer.index import generations
from indexer.index.build import build_index
from indexer.index.keyword import analyzers, word_forms
from indexer.index.keyword.analyzers import OnePass, analyzer_for, one_pass
from indexer.index.reader import Index
from indexer.index.update import add_to_index
from tests.conftest import write_config

LANGUAGES = ("en", "it")
CORPUS = {
    "harbour.txt": "The harbour authority opened new ferry terminals in Genoa on Monday.",
    "porto.txt": "Il porto di Genova ha registrato un aumento dell'attività quest'anno.",
}


@pytest.fixture()
def forgetful():
    """Each language's kept forms emptied, as in a fresh process; restored afterwards."""
    kept = {lang: dict(one_pass(lang).forms) for lang in LANGUAGES}

    def forget():
        for lang in LANGUAGES:
            one_pass(lang).forms.clear()
    forget()
    yield forget
    for lang, forms in kept.items():
        one_pass(lang).forms.clear()
        one_pass(lang).forms.update(forms)


@pytest.fixture()
def built(tmp_path, embedder, forgetful):
    """A two-language archive built on tantivy (whose indexing analyses in one pass)."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name, text in CORPUS.items():
        (corpus / name).write_text(text + "\n")
    cfg = load_config(write_config(tmp_path, [corpus], index={"keyword_engine": "tantivy"}))
    build_index(cfg, embedder=embedder, progress=False)
    return cfg


def current(cfg):
    return generations.current_dir(cfg.index_path)


def analysed_afresh(lang: str, word: str):
    return OnePass(analyzer_for(lang)).form(word)


def test_opening_a_generation_loads_the_forms_its_build_made(built, forgetful):
    forgetful()
    Index.open(current(built), built)
    for lang, words in (("en", {"harbour", "terminals", "the"}),
                        ("it", {"porto", "dell'attività", "quest'anno", "di"})):
        forms = one_pass(lang).forms
        assert words <= set(forms)
        assert {w: forms[w] for w in forms} == {w: analysed_afresh(lang, w) for w in forms}
    assert one_pass("it").forms["dell'attività"][1] == len("dell'")  # the elision's offset


def test_forms_of_another_analysis_chain_or_a_damaged_file_are_not_loaded(built, forgetful):
    gen = current(built)
    english, italian = gen / "word_forms.en.tsv", gen / "word_forms.it.tsv"
    italian_words = len(italian.read_text().splitlines()) - 1
    first, rest = english.read_text().split("\n", 1)
    english.write_text("#analyzer\tanother chain\n" + rest)
    forgetful()
    assert word_forms.load_word_forms(gen) == italian_words
    assert not one_pass("en").forms and len(one_pass("it").forms) == italian_words
    good = italian.read_text()
    for damaged in ("", good + "word\tform\n", good + "word\tform\tx\t0\n"):
        italian.write_text(damaged)
        forgetful()
        assert word_forms.load_word_forms(gen) == 0
        assert not one_pass("it").forms


def test_add_keeps_the_live_forms_and_saves_the_new_documents(built, embedder, tmp_path,
                                                             forgetful):
    weekly = tmp_path / "weekly"
    weekly.mkdir()
    (weekly / "storm.txt").write_text("Fishing boats stayed ashore as the storm arrived.\n")
    forgetful()  # `newsdesk add` runs in a process of its own
    add_to_index(built, [weekly], embedder=embedder, progress=False)
    forgetful()
    word_forms.load_word_forms(current(built))
    assert {"harbour", "fishing", "ashore"} <= set(one_pass("en").forms)
    assert "porto" in one_pass("it").forms


def test_a_full_cache_keeps_its_newer_half(monkeypatch):
    monkeypatch.setattr(analyzers, "STEM_CACHE", 10)
    fast = OnePass(analyzer_for("en"))
    words = [f"word{i}" for i in range(11)]
    for word in words:
        fast.form(word)
    assert list(fast.forms) == words[5:]
    fast.add_forms({w: analysed_afresh("en", w) for w in ("alpha", "beta", "gamma")})
    assert list(fast.forms) == words[5:] + ["alpha", "beta", "gamma"]
    fast.add_forms({w: analysed_afresh("en", w) for w in ("delta", "epsilon")})
    assert list(fast.forms) == words[10:] + ["alpha", "beta", "gamma", "delta", "epsilon"]

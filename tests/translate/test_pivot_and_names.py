"""What the pivot must not leave behind, and what must not be translated at all: the real
Apertium through Spanish (eng-spa + spa-ita), no mocks."""
from __future__ import annotations

import shutil
from types import SimpleNamespace

import pytest

from indexer.search.translated_snippets import translate_hits
from indexer.translate.apertium import ApertiumTranslator
from indexer.translate.cache import CachedTranslator, TranslationCache
from indexer.translate.interface import title_names
from indexer.translate.stream import Line, is_name

requires_apertium = pytest.mark.skipif(
    shutil.which("apertium") is None,
    reason="the apertium binary is not installed (apt install apertium apertium-eng-spa "
           "apertium-spa-ita)")

NAMES_EN = "Leapmotor showed the C-More and the Leapmotor C11 in Europe."
NAMES_IT = "La Leapmotor C11 e la C-More hanno raggiunto un traguardo produttivo."


@pytest.fixture(scope="module")
def apertium():
    translator = ApertiumTranslator(pivot="spa")
    yield translator
    translator.close()


@requires_apertium
def test_a_word_the_second_leg_cannot_translate_comes_back_in_the_source_language(apertium):
    # eng-spa makes "milestone" "hito", which spa-ita does not know
    italian = apertium.translate(["The company celebrated a production milestone."],
                                 "en", "it")[0]
    assert "hito" not in italian.lower() and "milestone" in italian, italian
    assert "produzione" in italian  # the rest is still translated
    # ita-spa makes "consulente" "consultor", which spa-eng does not know
    english = apertium.translate(["Coinvolgete un consulente finanziario."], "it", "en")[0]
    assert "consultor" not in english and "consulente" in english, english


@requires_apertium
def test_product_names_stay_as_written_both_ways(apertium):
    italian = apertium.translate([NAMES_EN], "en", "it")[0]
    english = apertium.translate([NAMES_IT], "it", "en")[0]
    for out in (italian, english):
        assert "C-More" in out and "Leapmotor C11" in out, out
    assert "Europa" in italian and "achieved" in english  # the sentences around them are not


@requires_apertium
def test_names_from_the_title_stay_as_written_in_the_snippet(apertium):
    hit = SimpleNamespace(language="en", title="Smart #1 first drive: the small SUV",
                          snippet="The new Smart is small and cheap.", translation=None)
    assert translate_hits(apertium, [hit], "it", {}) == ""
    assert "Smart" in hit.translation["text"] and "economico" in hit.translation["text"]
    # without the title, "smart" is an English word like any other
    assert "Smart" not in apertium.translate([hit.snippet], "en", "it")[0]


@requires_apertium
def test_names_from_the_title_stay_as_written_on_the_document_page(apertium):
    from indexer.models import Passage
    from webapp.document_translation import translate_window
    text = "The new Smart is small and cheap."
    passage = Passage("d.p0", "d", 0, "", 0, len(text), "en", text)
    window = translate_window(apertium, [passage], "it", 0, 6, {},
                              title="Smart #1 first drive: the small SUV")
    assert "Smart" in window.html[0] and "economico" in window.html[0], window.html


@requires_apertium
def test_the_cache_serves_no_translation_made_before_this_revision(apertium, tmp_path):
    cache = TranslationCache(tmp_path / "translations.sqlite")
    text = "The company celebrated a production milestone."
    before = f"apertium-{apertium._version()}:spa"  # the key before this revision
    cache.put_many(before, "en", "it", {text: "L'impresa ha celebrato un hito di produzione."})
    cached = CachedTranslator(apertium, cache)
    assert "hito" not in cached.translate([text], "en", "it")[0]
    # the names kept are part of what a translation is stored under
    snippet = "The new Smart is small."
    with_names = cached.translate([snippet], "en", "it", names={"Smart"})[0]
    assert "Smart" in with_names and cached.translate([snippet], "en", "it")[0] != with_names


@pytest.mark.parametrize("word, name", [
    ("C11", True), ("C-More", True), ("ID.3", True), ("5G", True), ("iPhone", True),
    ("McLaren", True), ("Mercedes-Benz", True), ("milestone", False), ("Europe", False),
    ("2023", False), ("29th", False), ("10km", False), ("pro-Western", False), ("EU", False)])
def test_what_looks_like_a_product_name(word, name):
    assert is_name(word) is name


def test_title_names_are_kept_only_where_they_do_not_start_a_sentence():
    names = title_names("Smart #1: the small SUV")
    assert names == {"Smart", "SUV"}
    line = Line.read("Smart cars. The new Smart (2024) is here.", names)
    assert list(line.names.values()) == ["Smart"] and 4 in line.names

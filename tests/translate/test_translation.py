"""Machine translation with the real Apertium: the backend, the cache, translated hits and
documents in the web app, and cross-language keywords. Only the test of a missing
Apertium runs without it installed."""
from __future__ import annotations

import json
import os
import re
import shutil
import signal

import pytest

from indexer.config import ConfigError, load_config
from indexer.search.query import QueryReader
from indexer.search.query_translation import QueryTranslator
from indexer.translate.apertium import ApertiumTranslator
from indexer.translate.cache import CachedTranslator, TranslationCache
from indexer.translate.interface import NoTranslator, Translator

from conftest import write_config

IT_DOC = "001_c78aecbcbfb51514"
ESG_DOC = "004_902272254a36adef"
ENGINE = "Machine translation (Apertium via Spanish)"

requires_apertium = pytest.mark.skipif(
    shutil.which("apertium") is None,
    reason="the apertium binary is not installed (apt install apertium apertium-eng-spa "
           "apertium-spa-ita)")


class CountingTranslator(Translator):
    """The real backend, counting the calls and texts that reach it."""

    def __init__(self, backend: Translator):
        self.backend = backend
        self.name, self.key = backend.name, backend.key
        self.calls = self.texts = 0

    @property
    def available(self):
        return self.backend.available

    def supports(self, source, target):
        return self.backend.supports(source, target)

    def translate(self, texts, source, target, names=()):
        self.calls += 1
        self.texts += len(texts)
        return self.backend.translate(texts, source, target, names)


@pytest.fixture(scope="module")
def apertium():
    translator = ApertiumTranslator(pivot="spa")
    yield translator
    translator.close()


def _app(config, embedder, translator):
    from webapp import create_app
    return create_app(config, embedder=embedder, translator=translator)


@requires_apertium
def test_known_italian_sentence_becomes_english(apertium):
    out = apertium.translate(["Il governo ha approvato la legge sul clima.",
                              "", "Le emissioni sono diminuite.\n\nLa produzione è aumentata."],
                             "it", "en")
    assert len(out) == 3 and out[1] == ""
    words = out[0].lower()
    assert all(w in words for w in ("government", "approved", "law", "climate")), out[0]
    first, second = out[2].split("\n\n")  # paragraph breaks survive
    assert "emissions" in first.lower() and "production" in second.lower()
    english = apertium.translate(["The government approved the law."], "en", "it")[0].lower()
    assert "governo" in english and "legge" in english


@requires_apertium
def test_reserved_characters_come_back_as_text(apertium):
    text = "Il codice <script>alert(1)</script> usa [parentesi] e ^segni$ come a\\b o x/y @z {w}."
    out = apertium.translate([text], "it", "en")[0]
    for piece in ("<script>", "alert(1)", "</script>", "[", "]", "\\", "/", "@", "{", "}"):
        assert piece in out, (piece, out)


@requires_apertium
def test_one_long_lived_pipeline_per_direction_restarts_after_a_crash():
    translator = ApertiumTranslator(pivot="spa")
    try:
        for i in range(3):
            translator.translate([f"Pagina {i}: il mercato è cresciuto."] * 10, "it", "en")
        pipeline = translator._directions[("it", "en")].chain
        assert pipeline.starts == 1  # ten texts, three pages: one process chain
        os.killpg(pipeline._proc.pid, signal.SIGKILL)
        out = translator.translate(["Il mercato è cresciuto."], "it", "en")[0]
        assert "market" in out.lower() and pipeline.starts == 2
    finally:
        translator.close()


@requires_apertium
def test_cache_serves_the_second_request_and_survives_a_restart(config, embedder, apertium,
                                                                 tmp_path):
    counting = CountingTranslator(apertium)
    cache_file = tmp_path / "translations.sqlite"
    client = _app(config, embedder, CachedTranslator(counting, TranslationCache(cache_file))
                  ).test_client()
    url = "/api/search?q=veicoli&mode=keyword&xlang=0&translate=en"
    first = client.get(url).get_json()
    assert counting.calls == 1  # the whole page in one batch
    assert counting.texts >= len(first["hits"])
    second = client.get(url).get_json()
    assert counting.calls == 1  # nothing reached Apertium
    assert [h["translation"] for h in second["hits"]] == [h["translation"] for h in first["hits"]]
    restarted = CachedTranslator(counting, TranslationCache(cache_file))
    again = _app(config, embedder, restarted).test_client().get(url).get_json()
    assert counting.calls == 1 and restarted.hits > 0 and restarted.misses == 0
    assert [h["translation"] for h in again["hits"]] == [h["translation"] for h in first["hits"]]


@requires_apertium
def test_italian_hits_carry_english_translations(client):
    body = client.get("/api/search?q=veicoli&mode=keyword&translate=en&per_page=20").get_json()
    assert body["translation"] == {"lang": "en", "engine": "Apertium via Spanish", "notice": ""}
    italian = [h for h in body["hits"] if h["language"] == "it"]
    assert italian and all(h["translation"]["lang"] == "en" for h in italian)
    assert all(h["translation"] is None for h in body["hits"] if h["language"] == "en")
    joined = " ".join(h["translation"]["text"] for h in italian).lower()
    assert "vehicle" in joined and "veicol" not in joined
    # the query's English translation ("vehicles") is marked in the translated snippets
    assert any("<mark>vehicle" in h["translation"]["snippet"].lower() for h in italian)

    page = client.get("/?q=veicoli&mode=keyword").get_data(as_text=True)  # default reader: en
    assert ENGINE in page and 'class="translation" lang="en"' in page


@requires_apertium
def test_reader_language_is_remembered_across_pages(app):
    client = app.test_client()
    first = client.get("/?q=leapmotor+vehicles&mode=keyword&translate=it")
    assert "newsdesk_translate=it" in first.headers["Set-Cookie"]
    later = client.get("/?q=leapmotor+vehicles&mode=keyword&group=passage&page=2").get_data(as_text=True)
    assert 'class="translation" lang="it"' in later and '<option value="it" selected>' in later
    client.get("/?q=leapmotor&translate=none")
    off = client.get("/?q=veicoli&mode=keyword").get_data(as_text=True)
    assert 'class="translation"' not in off


@requires_apertium
def test_script_in_a_document_stays_escaped_in_its_translation(client):
    body = client.get("/api/search?q=injected+dealer+page&mode=keyword&translate=it").get_json()
    hostile = next(h for h in body["hits"] if h["doc_id"] == "hostile")
    # Apertium translates the tag's words too (<script> -> <sceneggiatura>); the markup
    # comes back as text and is escaped after translation.
    assert "</" in hostile["translation"]["text"] and "pwned" in hostile["translation"]["text"]
    translated = hostile["translation"]["snippet"]
    assert "&lt;/" in translated and "&gt;" in translated
    assert re.sub(r"</?mark>", "", translated).count("<") == 0
    page = client.get("/doc/hostile?translate=it").get_data(as_text=True)
    translations = re.findall(r'<div class="translation" lang="it">(.*?)</div>', page, re.S)
    assert translations and "&lt;/" in "".join(translations)
    allowed = r'</?mark>|</?p>|<p class="mt-label">'
    assert re.sub(allowed, "", "".join(translations)).count("<") == 0


@requires_apertium
def test_english_query_finds_italian_article_by_keywords_alone(client):
    url = "/api/search?q=growth+speed&mode=keyword&per_page=50"
    without = client.get(url + "&xlang=0").get_json()
    assert IT_DOC not in {h["doc_id"] for h in without["hits"]} and without["also_searched"] == []
    with_it = client.get(url + "&xlang=1").get_json()
    found = [h for h in with_it["hits"] if h["doc_id"] == IT_DOC]
    assert found and found[0]["ranks"].keys() == {"keyword"}
    assert with_it["also_searched"][0]["lang"] == "it"
    assert "velocità" in with_it["also_searched"][0]["text"].lower()
    page = client.get("/?q=growth+speed&mode=keyword").get_data(as_text=True)
    assert "Also searched" in page and "xlang=0" in page


@requires_apertium
def test_a_quoted_phrase_stays_exact_in_translation(client):
    phrase = '"Average Training Hours of Senior Management Employees"'
    body = client.get("/api/search", query_string={"q": phrase, "mode": "keyword",
                                                   "per_page": 50, "xlang": 1}).get_json()
    # the phrase is translated whole and searched as a phrase, which no Italian passage has
    assert body["hits"] and {h["language"] for h in body["hits"]} == {"en"}
    assert [a["text"][0] + a["text"][-1] for a in body["also_searched"]] == ['""']
    assert all("Average Training Hours of Senior Management Employees".lower()
               in " ".join(h["text"].split()).lower() for h in body["hits"])
    # the words outside the phrase are still translated and searched
    mixed = client.get("/api/search", query_string={"q": phrase + " growth speed",
                                                    "mode": "keyword", "xlang": 1}).get_json()
    assert mixed["also_searched"] and "average" not in mixed["also_searched"][0]["text"].lower()


@requires_apertium
def test_query_language_is_read_from_the_translator(apertium, config):
    qt = QueryTranslator(apertium, ["en", "it"], "en")
    reader = QueryReader(config.search)
    english = qt.translate(reader.parse('"electric vehicles" AND title:production NOT opel'))
    # a quoted phrase is translated whole and searched as a phrase, not as loose words
    assert english.source == "en" and ["veicoli", "elettrici"] in english.phrases["it"]
    assert "veicoli" not in english.searched["it"]
    assert "opel" not in " ".join(english.searched["it"])  # NOT-ed words are not searched
    italian = qt.translate(reader.parse("veicoli elettrici"))
    assert italian.source == "it" and "vehicles" in italian.searched["en"]
    assert qt.translate(reader.parse("Leapmotor 2023")).searched == {}  # nothing to translate


@requires_apertium
def test_document_translation_is_paged(client, config):
    start = client.get(f"/doc/{ESG_DOC}?q=energy&p=40").get_data(as_text=True)
    assert "Translate into" not in start  # an English report for an English reader
    italian = client.get(f"/doc/{IT_DOC}?p=2").get_data(as_text=True)
    assert "Translate into English" in italian and 'class="translation"' not in italian
    size = config.translation.document_window
    page = client.get(f"/doc/{ESG_DOC}?translate=it&from=10").get_data(as_text=True)
    assert page.count('class="translation" lang="it"') == size
    assert f"from={10 + size}" in page and f"from={10 - size}" in page
    assert f"of passages 11–{10 + size}" in page


def test_search_works_and_says_so_when_apertium_is_missing(config, embedder, monkeypatch,
                                                           tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))  # no apertium, lt-proc or bash on the path
    from indexer.translate.backends import load_translator
    translator = load_translator(config)
    assert not translator.available and "not installed" in translator.unavailable_reason
    client = _app(config, embedder, translator).test_client()
    page = client.get("/?q=veicoli&mode=keyword&translate=en")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and IT_DOC in text
    assert "Machine translation is unavailable" in text and 'class="translation"' not in text
    body = client.get("/api/search?q=veicoli&mode=keyword&translate=en").get_json()
    assert body["hits"] and all(h["translation"] is None for h in body["hits"])
    assert "not installed" in body["translation"]["notice"] and body["also_searched"] == []
    doc = client.get(f"/doc/{IT_DOC}?translate=en")
    assert doc.status_code == 200 and "Machine translation is unavailable" in doc.get_data(
        as_text=True)


def test_none_backend_and_bad_settings(config, embedder, tmp_path):
    client = _app(config, embedder, NoTranslator()).test_client()
    assert client.get("/?q=veicoli&mode=keyword").status_code == 200
    for params in ("translate=fr", "xlang=maybe"):
        r = client.get(f"/api/search?q=veicoli&{params}")
        assert r.status_code == 400 and r.get_json()["error"]
    for bad in ({"backend": "google"}, {"reader_language": "fr"}, {"query_boost": 0}):
        with pytest.raises(ConfigError):
            load_config(write_config(tmp_path, [], translation=bad))


SENTENCES = [
    ("The government approved the new law.", "Il governo ha approvato la nuova legge."),
    ("The company sold more cars this year.", "L'azienda ha venduto più automobili quest'anno."),
    ("Emissions fell by ten percent.", "Le emissioni sono diminuite del dieci per cento."),
    ("The factory opened in Spain.", "La fabbrica ha aperto in Spagna."),
    ("Prices are rising in Europe.", "I prezzi stanno salendo in Europa."),
]


@requires_apertium
def test_translate_eval_reports_quality_per_direction(tmp_path, capsys):
    from indexer.cli import main
    tsv = tmp_path / "sentences.tsv"
    tsv.write_text("id\ten\tit\n" + "".join(f"s{i}\t{en}\t{it}\n"
                                           for i, (en, it) in enumerate(SENTENCES)))
    assert main(["translate-eval", "--tsv", str(tsv), "--pivot", "spa", "--json"]) == 0
    scores = json.loads(capsys.readouterr().out)
    assert {(s["source"], s["target"]) for s in scores} == {("en", "it"), ("it", "en")}
    assert all(s["chrf"] > 40 and s["sentences"] == len(SENTENCES) for s in scores), scores
    assert main(["translate-eval", "--tsv", str(tmp_path / "missing.tsv")]) == 2

"""Cross-language keywords: the query's plain words translated into the other languages.

Only `ParsedQuery.semantic_text` is translated (the words, without phrases'
quotes, operators, fields or NOT-ed words), and each translation is searched as
an OR of its words in its own language's fields, so the target language's
analyzer stems it. Words the translation only copied (names, numbers, unknown
words) are dropped, since the original query already looks for them in every language.

The query's language is not given, and two or three words are too few for a
language detector, so the translator itself decides: the query is translated
from each configured language, and the source whose translation copies the
fewest words unchanged is the one the translator understood. Ties go to
langdetect (on long queries) or the configured default language.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field

from whoosh import query as wq

from ..index.keyword.analyzers import query_word_analyzer
from ..ingest.language import LanguageDetector
from ..translate.interface import TranslationError, Translator
from .query import ParsedQuery

log = logging.getLogger("newsdesk")


def words(text: str) -> list[str]:
    return [t.text for t in query_word_analyzer()(text)]


@dataclass
class QueryTranslation:
    source: str = ""  # the language the query was read as
    texts: dict[str, str] = field(default_factory=dict)  # target language -> translation
    searched: dict[str, list[str]] = field(default_factory=dict)  # target -> words searched
    notice: str = ""

    def trees(self, boost: float = 1.0) -> dict[str, wq.Query]:
        """Per target language, an OR of the searched words over the virtual `body` field,
        weighted by `boost` against the query's own words."""
        return {lang: wq.Or([wq.Term("body", w) for w in ws], boost=boost)
                for lang, ws in self.searched.items() if ws}


class QueryTranslator:
    def __init__(self, translator: Translator, languages: list[str], default_language: str,
                 max_terms: int = 32):
        self.translator = translator
        self.languages = list(languages)
        self.default_language = default_language
        self.max_terms = max_terms
        self.detector = LanguageDetector(self.languages, default_language)

    def _all_directions(self, text: str) -> dict[tuple[str, str], str]:
        out = {}
        for source in self.languages:
            for target in self.languages:
                if source != target and self.translator.supports(source, target):
                    out[(source, target)] = self.translator.translate([text], source, target)[0]
        return out

    def _source(self, text: str, translations: dict[tuple[str, str], str]) -> str:
        original = set(words(text))
        copied: dict[str, float] = {}
        for (source, _), translated in translations.items():
            share = len(original & set(words(translated))) / max(1, len(original))
            copied[source] = max(copied.get(source, 0.0), share)
        best = min(copied.values())
        candidates = [lang for lang, share in copied.items() if share == best]
        if len(candidates) == 1:
            return candidates[0]
        guess = self.detector.detect(text, fallback=self.default_language)
        return guess if guess in candidates else candidates[0]

    def translate(self, parsed: ParsedQuery) -> QueryTranslation:
        """The query's words in the other languages; empty (with a notice) when it cannot be."""
        text = parsed.semantic_text
        if parsed.empty or not text or not self.translator.available:
            return QueryTranslation()
        try:
            translations = self._all_directions(text)
        except TranslationError as exc:
            log.warning("query translation failed: %s", exc)
            return QueryTranslation(notice=f"The query could not be translated ({exc}).")
        if not translations:
            return QueryTranslation()
        source = self._source(text, translations)
        original = set(words(text))
        result = QueryTranslation(source=source)
        for (src, target), translated in translations.items():
            if src != source:
                continue
            new = list(dict.fromkeys(w for w in words(translated) if w not in original))
            if new:
                result.texts[target] = translated
                result.searched[target] = new[:self.max_terms]
        return result

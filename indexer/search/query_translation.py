"""Cross-language keywords: the query's plain words translated into the other languages.

Only the query's words are translated (`ParsedQuery.translatable_text`, without
operators, fields or NOT-ed words) and its quoted phrases, each on its own
(`ParsedQuery.phrases`): a phrase's translation is searched as a phrase, never as
loose words, so a quoted phrase stays exact in every language. The translated words
are searched as an OR in their own language's fields, so the target language's
analyzer stems them. Words (and phrases) the translation only copied (names, numbers,
unknown words) are dropped, since the original query already looks for them in every
language.

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
    phrases: dict[str, list[list[str]]] = field(default_factory=dict)  # target -> phrases
    notice: str = ""

    def trees(self, boost: float = 1.0) -> dict[str, wq.Query]:
        """Per target language, an OR of the searched words and phrases over the virtual
        `body` field, weighted by `boost` against the query's own words."""
        out = {}
        for lang in self.searched.keys() | self.phrases.keys():
            clauses = ([wq.Term("body", w) for w in self.searched.get(lang, [])]
                       + [wq.Phrase("body", ws) for ws in self.phrases.get(lang, [])])
            if clauses:
                out[lang] = wq.Or(clauses, boost=boost)
        return out


class QueryTranslator:
    def __init__(self, translator: Translator, languages: list[str], default_language: str,
                 max_terms: int = 32):
        self.translator = translator
        self.languages = list(languages)
        self.default_language = default_language
        self.max_terms = max_terms
        self.detector = LanguageDetector(self.languages, default_language)

    def _all_directions(self, texts: list[str]) -> dict[tuple[str, str], list[str]]:
        out = {}
        for source in self.languages:
            for target in self.languages:
                if source != target and self.translator.supports(source, target):
                    out[(source, target)] = self.translator.translate(texts, source, target)
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
        """The query's words and phrases in the other languages; empty (with a notice) when
        it cannot be."""
        loose, phrases = parsed.translatable_text, parsed.phrases
        pieces = ([loose] if loose else []) + phrases
        if parsed.empty or not pieces or not self.translator.available:
            return QueryTranslation()
        try:
            translations = self._all_directions(pieces)
        except TranslationError as exc:
            log.warning("query translation failed: %s", exc)
            return QueryTranslation(notice=f"The query could not be translated ({exc}).")
        if not translations:
            return QueryTranslation()
        text = " ".join(pieces)
        source = self._source(text, {k: " ".join(v) for k, v in translations.items()})
        original = set(words(text))
        result = QueryTranslation(source=source)
        for (src, target), translated in translations.items():
            if src != source:
                continue
            loose_tr, phrases_tr = (translated[0], translated[1:]) if loose else ("", translated)
            new = list(dict.fromkeys(w for w in words(loose_tr) if w not in original))
            new_phrases = [words(tr) for tr, orig in zip(phrases_tr, phrases)
                           if words(tr) and words(tr) != words(orig)]
            if new or new_phrases:
                result.texts[target] = " ".join(
                    ([loose_tr] if new else []) + [f'"{" ".join(ws)}"' for ws in new_phrases])
                result.searched[target] = new[:self.max_terms]
                result.phrases[target] = new_phrases
        return result

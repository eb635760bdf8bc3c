"""A hit's snippet in the reader's language, as safe HTML.

The snippet's plain text is translated (all hits of a page in one batch per
source language), then escaped, then the query terms of the target language
(the query's own words and its translations) are wrapped in <mark>: markup in a
document, such as `<script>`, can only ever come out as text.
"""
from __future__ import annotations

import html
import logging
import re
from collections import defaultdict

from markupsafe import escape

from ..index.keyword.whoosh_index import KeywordIndex
from ..translate.interface import TranslationError, Translator, title_names

log = logging.getLogger("newsdesk")

_MARK = re.compile(r"</?mark>")
_ELLIPSIS = re.compile(r"(\s*…\s*)")


def snippet_text(snippet_html: str) -> str:
    """Plain text of a snippet built by `make_snippet` (escaped text plus <mark> tags)."""
    return html.unescape(_MARK.sub("", snippet_html))


def marked(text: str, lang: str, terms: dict[str, frozenset[str]]) -> str:
    return KeywordIndex.highlight(text, lang, terms, whole=True) or str(escape(text))


def translate_hits(translator: Translator, hits: list, target: str,
                   terms: dict[str, frozenset[str]]) -> str:
    """Sets `hit.translation` = {"lang", "text", "snippet"} on each hit in another language.

    Returns '' when done, else a sentence for the reader saying why hits are untranslated.
    """
    groups = defaultdict(list)
    for hit in hits:
        if hit.language != target:
            groups[hit.language].append(hit)
    if not groups:
        return ""
    if not translator.available:
        return f"Machine translation is unavailable: {translator.unavailable_reason}."
    problems = []
    for source, group in groups.items():
        if not translator.supports(source, target):
            problems.append(f"{translator.name} cannot translate {source} into {target}")
            continue
        # Fragments are translated apart, so an ellipsis never glues two of them together.
        layouts = [_ELLIPSIS.split(snippet_text(h.snippet)) for h in group]
        texts = [piece for pieces in layouts for piece in pieces[0::2] if piece.strip()]
        names = title_names(*(h.title for h in group))
        try:
            translated = iter(translator.translate(texts, source, target, names=names))
        except TranslationError as exc:
            log.warning("snippet translation failed: %s", exc)
            problems.append(f"{translator.name} failed ({exc})")
            continue
        for hit, pieces in zip(group, layouts):
            text = "".join(next(translated) if i % 2 == 0 and piece.strip() else piece
                           for i, piece in enumerate(pieces)).strip()
            hit.translation = {"lang": target, "text": text,
                               "snippet": marked(text, target, terms)}
    return f"Machine translation is unavailable: {'; '.join(problems)}." if problems else ""

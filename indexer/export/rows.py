"""Export rows: a search hit as the flat record written to CSV, JSONL and XLSX.

Snippets become plain text with the matched terms marked `[[like this]]`, a
form that survives any spreadsheet; the same runs are kept so XLSX can show
them in bold instead. A translation callable (the `Translator` contract: texts,
source language, target language -> texts) can fill the translated-snippet
columns; without one they stay empty.
"""
from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING
from urllib.parse import quote, urlencode

from ..search.snippets import marked_text, snippet_runs
from ..translate.interface import TranslationError

if TYPE_CHECKING:
    from ..search.searcher import Hit

log = logging.getLogger("newsdesk")

COLUMNS = ("query", "rank", "score", "matched_by", "doc_id", "passage_id", "title", "source",
           "kind", "published", "language", "section", "text", "snippet", "names", "figures",
           "story_id",
           "translated_snippet", "translation_language", "permalink", "exported_at")
NUMERIC_COLUMNS = frozenset({"rank", "score"})
NO_HIT = "none"  # matched_by of the row standing for a batch query without hits

Translate = Callable[[list[str], str, str], list[str]]

def export_time() -> str:
    """Now, as ISO 8601 in UTC to the second."""
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


@dataclass
class ExportRow:
    values: dict[str, str | int | float | None]  # keyed by COLUMNS
    snippet_runs: list[tuple[str, bool]] = field(default_factory=list)


@dataclass
class RowBuilder:
    """Turns batches of hits into rows; one builder per export (one export time)."""

    base_url: str  # the web app's root, e.g. "http://127.0.0.1:8080/"
    exported_at: str = field(default_factory=export_time)
    translate: Translate | None = None
    target_language: str = ""

    def permalink(self, query: str, hit: Hit) -> str:
        """The document page scrolled to the passage, with the query's terms highlighted."""
        params = urlencode({"q": query, "p": hit.ordinal})
        return (f"{self.base_url.rstrip('/')}/doc/{quote(hit.doc_id, safe='')}?{params}"
                f"#p{hit.ordinal}")

    def rows(self, query: str, hits: list[Hit]) -> list[ExportRow]:
        rows = []
        for hit in hits:
            runs = snippet_runs(hit.snippet)
            rows.append(ExportRow({
                "query": query, "rank": hit.rank, "score": hit.score,
                "matched_by": hit.matched_by, "doc_id": hit.doc_id,
                "passage_id": hit.passage_id, "title": hit.title, "source": hit.source,
                "kind": hit.kind, "published": hit.published, "language": hit.language,
                "section": hit.section, "text": hit.text, "snippet": marked_text(runs),
                "names": "; ".join(hit.names), "figures": "; ".join(hit.figures),
                "story_id": hit.story_id,
                "translated_snippet": "", "translation_language": "",
                "permalink": self.permalink(query, hit), "exported_at": self.exported_at,
            }, runs))
        self._translate(rows)
        return rows

    def no_hit_row(self, query: str) -> ExportRow:
        values: dict[str, str | int | float | None] = {c: "" for c in COLUMNS}
        values.update(query=query, rank=None, score=None, matched_by=NO_HIT,
                      exported_at=self.exported_at)
        return ExportRow(values)

    def _translate(self, rows: list[ExportRow]) -> None:
        """One call per source language for the rows not already in the target language."""
        if self.translate is None or not self.target_language:
            return
        by_language: dict[str, list[ExportRow]] = defaultdict(list)
        for row in rows:
            if row.values["language"] != self.target_language:
                by_language[str(row.values["language"])].append(row)
        for language, group in by_language.items():
            plain = ["".join(text for text, _ in row.snippet_runs) for row in group]
            try:
                translations = self.translate(plain, language, self.target_language)
            except TranslationError as exc:  # the rows still go out, untranslated
                log.warning("export: no %s->%s translation: %s", language,
                            self.target_language, exc)
                continue
            for row, translated in zip(group, translations):
                row.values["translated_snippet"] = translated
                row.values["translation_language"] = self.target_language

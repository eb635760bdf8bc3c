"""Batch search: many queries in, one export out (the top K hits of each).

A query list is a text file with one query per line, or a CSV file whose header
row has a `query` column (comma, semicolon or tab separated). Each query is
ranked as the search page ranks it, so its rows are the first K results the page
would show; a query without hits still gets a row (matched_by "none").
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field

from ..models import Filters
from ..search.searcher import Searcher
from ..search.validation import InvalidParameter
from .rows import ExportRow, RowBuilder

DELIMITERS = (",", ";", "\t")


def _csv_queries(text: str) -> list[str] | None:
    """The `query` column if the first line is a CSV header naming one, else None."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    for delimiter in DELIMITERS:
        header = next(csv.reader([first], delimiter=delimiter), [])
        names = [name.strip().lower() for name in header]
        if "query" in names:
            column = names.index("query")
            rows = [row for row in csv.reader(io.StringIO(text), delimiter=delimiter)
                    if any(cell.strip() for cell in row)]
            return [row[column] if column < len(row) else "" for row in rows[1:]]
    return None


def read_queries(data: bytes, max_queries: int, max_chars: int) -> list[str]:
    """The queries of an uploaded or given file; InvalidParameter says what is wrong with it."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidParameter("queries", "the file must be UTF-8 text") from None
    try:
        found = _csv_queries(text)
    except csv.Error as exc:
        raise InvalidParameter("queries", f"the CSV file cannot be read: {exc}") from None
    queries = [q.strip() for q in (text.splitlines() if found is None else found) if q.strip()]
    if not queries:
        raise InvalidParameter("queries", "no queries found: give one per line, or a CSV "
                                          "file with a 'query' column")
    if len(queries) > max_queries:
        raise InvalidParameter("queries", f"{len(queries)} queries; a batch takes at most "
                                          f"{max_queries}")
    for n, query in enumerate(queries, 1):
        if len(query) > max_chars:
            raise InvalidParameter("queries", f"query {n} is longer than {max_chars} characters")
    return queries


@dataclass
class BatchPlan:
    """The top `top` hits of each query, ranked one query at a time while being written."""

    searcher: Searcher
    queries: list[str]
    mode: str
    filters: Filters
    top: int
    xlang: bool | None = None  # cross-language keywords, as in Searcher.rank
    per_query: list[dict] = field(default_factory=list)  # filled in while streaming

    def __post_init__(self):
        max_rows = self.searcher.config.export.max_rows
        if len(self.queries) * self.top > max_rows:
            raise InvalidParameter("top", f"{len(self.queries)} queries × top {self.top} could "
                                          f"give more than the {max_rows:,} rows an export holds")
        self.index = self.searcher.handle.get()  # one generation for the whole batch

    def header(self) -> dict:
        return {"queries": len(self.queries), "top": self.top, "mode": self.mode,
                "filters": asdict(self.filters), "max_rows": len(self.queries) * self.top,
                "generation": self.index.generation}

    def row_batches(self, builder: RowBuilder) -> Iterator[list[ExportRow]]:
        depth = max(self.searcher.config.search.candidates, self.top)
        for query in self.queries:
            ranking = self.searcher.rank(self.index, query, self.mode, self.filters, depth,
                                         xlang=self.xlang)
            hits = self.searcher.hits(self.index, ranking, ranking.fused[:self.top])
            total = ranking.keyword_total if self.mode == "keyword" else len(ranking.fused)
            self.per_query.append({"query": query, "rows": len(hits), "total": total,
                                   "notices": ranking.notices})
            yield builder.rows(query, hits) if hits else [builder.no_hit_row(query)]

    def summary(self, written: int) -> dict:
        return {**self.header(), "rows": written, "truncated": False,
                "per_query": self.per_query}

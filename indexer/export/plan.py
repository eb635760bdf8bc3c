"""Exporting every hit of a search, in batches, so that memory stays flat.

What "every hit" means depends on the mode:
- keyword: every passage the query matches (Whoosh counts them exactly), streamed
  from the keyword index best first, scored as the search page scores them;
- hybrid and semantic: the whole fused candidate list when each retriever
  contributes up to `[export] depth` candidates (the page uses `[search] candidates`).

Rows are passages, best first, unless sorted by date (`sort`, as on the page) or
grouped (`group=document`: one row per document, its best passage).

The ranking is done before anything is written, so the row count is known up
front: a search with more hits than `[export] max_rows` is refused with a
message (`ExportTooLarge`) unless the caller asks for the first `limit` rows, in
which case the export says it is truncated. Hits are then fetched and
snippeted `[export] batch_rows` at a time while the file is written.
"""
from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field

from ..index.reader import Index
from ..models import Filters
from ..search.fusion import single
from ..search.searcher import Hit, Ranking, Searcher
from ..search.validation import InvalidParameter, check_int
from .formats import FORMATS, export_chunks
from .rows import ExportRow, RowBuilder

XLSX_MAX_ROWS = 1_048_575  # a worksheet's 1,048,576 rows, less the header


class ExportTooLarge(ValueError):
    """A search with more hits than an export may hold."""

    def __init__(self, total: int, max_rows: int, group: str = "passage"):
        super().__init__(
            f"This search matches {total:,} {group}s; an export holds at most {max_rows:,} "
            f"rows. Narrow it with filters or a more specific query, or ask for the first "
            f"{max_rows:,} with limit={max_rows} (the export then says it is truncated).")
        self.total = total
        self.max_rows = max_rows


def check_format(fmt: str | None) -> str:
    fmt = (fmt or "csv").strip().lower()
    if fmt not in FORMATS:
        raise InvalidParameter("format", f"must be one of {', '.join(FORMATS)}")
    return fmt


def row_cap(searcher: Searcher, fmt: str) -> int:
    cap = searcher.config.export.max_rows
    return min(cap, XLSX_MAX_ROWS) if fmt == "xlsx" else cap


def check_limit(value, cap: int) -> int | None:
    """The `limit` parameter: the first N rows of a larger search, or None for all of them."""
    if value in (None, ""):
        return None
    return check_int("limit", value, cap, 1, cap)


@dataclass
class ExportPlan:
    """A ranked search ready to be written: counts known, hits fetched lazily."""

    query: str
    mode: str
    filters: Filters
    sort: str
    group: str
    total: int  # hits the search has (passages, or documents), as defined per mode above
    rows: int  # hits that will be written
    max_rows: int
    generation: str
    notices: list[str]
    batches: Iterator[list[Hit]] = field(repr=False)

    @property
    def truncated(self) -> bool:
        return self.rows < self.total

    def header(self) -> dict:
        """What is known before the first row: the request, the counts and the limit."""
        return {"query": self.query, "mode": self.mode, "filters": asdict(self.filters),
                "sort": self.sort, "group": self.group, "total": self.total, "rows": self.rows,
                "truncated": self.truncated, "max_rows": self.max_rows,
                "generation": self.generation, "notices": self.notices}

    def row_batches(self, builder: RowBuilder) -> Iterator[list[ExportRow]]:
        for hits in self.batches:
            yield builder.rows(self.query, hits)

    def summary(self, written: int) -> dict:
        """The header with the rows actually written (the JSONL trailer, the XLSX sheet)."""
        return {**self.header(), "rows": written, "truncated": written < self.total}


def _keyword_windows(searcher: Searcher, index: Index, ranking: Ranking, matches,
                     rows: int, batch: int) -> Iterator[list[Hit]]:
    hits = itertools.islice(matches.hits, rows)
    start = 1
    while chunk := list(itertools.islice(hits, batch)):
        window = single([(h.row, h.score) for h in chunk], "keyword", start)
        yield searcher.hits(index, ranking, window, start_rank=start)
        start += len(chunk)


def _fused_windows(searcher: Searcher, index: Index, ranking: Ranking, rows: int,
                   batch: int) -> Iterator[list[Hit]]:
    for start in range(0, rows, batch):
        window = ranking.fused[start:min(start + batch, rows)]
        yield searcher.hits(index, ranking, window, start_rank=start + 1)


def plan_export(searcher: Searcher, query: str, mode: str, filters: Filters,
                limit: int | None = None, max_rows: int | None = None,
                xlang: bool | None = None, sort: str = "relevance",
                group: str = "passage") -> ExportPlan:
    """Rank `query` for export; raises ExportTooLarge when it has more hits than allowed.

    `xlang` as in `Searcher.rank`, so an export holds the hits the page showed. A keyword
    search in relevance order, one row per passage, is streamed from the keyword index;
    any other order or grouping needs every match's id first.
    """
    cfg = searcher.config.export
    max_rows = max_rows or cfg.max_rows
    index = searcher.handle.get()  # this generation serves the whole export
    parsed = searcher.reader.parse(query)
    keyword = mode == "keyword" and not parsed.empty
    streamed = keyword and sort == "relevance" and group == "passage"
    if keyword:
        translation = searcher.query_translation(parsed, xlang)
        also = translation.trees(searcher.config.translation.query_boost)
        matches = index.keyword.matches(parsed.tree, filters, also=also)
        notices = list(parsed.notices) + ([translation.notice] if translation.notice else [])
        ranking = Ranking(parsed, [], matches.terms, None, matches.total, notices, translation)
        if not streamed:
            ranking.fused = single([(h.row, h.score) for h in matches.hits], "keyword")
    else:
        ranking = searcher.rank(index, parsed, mode, filters, cfg.depth, xlang=xlang)
    if not streamed:
        results = searcher.result_set(index, ranking.fused, sort)
        ranking.fused = ([g.best for g in results.groups] if group == "document"
                         else results.ranked)
    total = matches.total if streamed else len(ranking.fused)
    if limit is None and total > max_rows:
        raise ExportTooLarge(total, max_rows, group)
    rows = min(total, limit or total, max_rows)
    if streamed:
        batches = _keyword_windows(searcher, index, ranking, matches, rows, cfg.batch_rows)
    else:
        batches = _fused_windows(searcher, index, ranking, rows, cfg.batch_rows)
    return ExportPlan(parsed.text, mode, filters, sort, group, total, rows, max_rows,
                      index.generation, ranking.notices, batches)


def export_stream(plan, fmt: str, builder: RowBuilder) -> Iterator[bytes]:
    """The export file's bytes, made as they are sent; `plan` is an ExportPlan or a BatchPlan."""
    def summary(written: int) -> dict:
        return {**plan.summary(written), "format": fmt, "exported_at": builder.exported_at}
    return export_chunks(fmt, plan.row_batches(builder), summary)

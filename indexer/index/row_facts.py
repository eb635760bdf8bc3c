"""What search needs to know of every passage, held in memory by the passage's row.

A passage's row is its row in the vector file and in the store; the keyword engines
return rows too. For each row: its document, its language, its document's kind and
source, the document's first and last day, and whether the passage is still in the
index (`alive`: not removed or replaced by `newsdesk add` / `remove` since the row was
written). Strings are kept once, as small integer codes per row, so a million passages
take about 20 MB, and filtering, grouping by document, facets and the timeline are
array operations over the rows of a search, not store queries.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..dates import filter_span
from ..models import Filters

CATEGORIES = ("language", "kind", "source")


@dataclass
class Category:
    values: list[str]
    codes: np.ndarray  # int32 per row: an index into values

    @classmethod
    def of(cls, column) -> "Category":
        """Codes in order of first appearance; a missing value (None) is ""."""
        seen: dict[str, int] = {}
        codes = np.fromiter((seen.setdefault(v or "", len(seen)) for v in column),
                            dtype=np.int32, count=len(column))
        return cls(list(seen), codes)

    def mask(self, wanted: list[str]) -> np.ndarray:
        idx = [self.values.index(v) for v in wanted if v in self.values]
        return np.isin(self.codes, idx)

    def value(self, row: int) -> str:
        return self.values[self.codes[row]]


class RowFacts:
    def __init__(self, columns: dict[str, np.ndarray]):
        """From per-row columns: doc_id, language, kind, source, date_start, date_end and
        alive ("" and 0 in rows no passage has)."""
        self.categories = {k: Category.of(columns[k]) for k in CATEGORIES}
        doc = Category.of(columns["doc_id"])
        self.doc_ids, self.doc = doc.values, doc.codes
        self.date_start = np.asarray(columns["date_start"], dtype=np.int64)
        self.date_end = np.asarray(columns["date_end"], dtype=np.int64)
        self.alive = np.asarray(columns["alive"], dtype=bool)
        self.all_alive = bool(self.alive.all())

    def __len__(self):
        return len(self.alive)

    def mask(self, filters: Filters) -> np.ndarray | None:
        """The rows passing `filters` (None: every row, none being dead)."""
        if filters.is_empty():
            return None if self.all_alive else self.alive
        mask = self.alive.copy()
        for name, wanted in (("language", filters.languages), ("kind", filters.kinds),
                             ("source", filters.sources)):
            if wanted:
                mask &= self.categories[name].mask(wanted)
        bounds = filter_span(filters.date_from, filters.date_to)
        if bounds:  # the rule of dates.span_in_range, on whole arrays
            mask &= (self.date_start >= bounds[0]) & (self.date_end <= bounds[1])
        return mask

    def is_alive(self, row: int) -> bool:
        """Whether `row` is a passage of the index now."""
        return 0 <= row < len(self.alive) and bool(self.alive[row])

    def doc_id(self, row: int) -> str:
        return self.doc_ids[self.doc[row]]

    def language(self, row: int) -> str:
        return self.categories["language"].value(row)

"""A search's ranked passages, with what grouping, facets and the timeline need of each
(their rows' facts, index/row_facts.py)."""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from ..index.row_facts import RowFacts
from .fusion import Fused
from .grouping import Group, by_document


@dataclass
class ResultSet:
    """Ranked passages (those still in the index), best first."""

    ranked: list[Fused]
    facts: RowFacts

    @classmethod
    def of(cls, facts: RowFacts, ranked: list[Fused]) -> "ResultSet":
        rows = np.fromiter((f.row for f in ranked), dtype=np.int64, count=len(ranked))
        alive = facts.are_alive(rows)
        if alive.all():
            results = cls(ranked, facts)
        else:
            results = cls([ranked[i] for i in np.flatnonzero(alive).tolist()], facts)
            rows = rows[alive]
        results.rows = rows  # the cached property, already known
        return results

    @cached_property
    def rows(self) -> np.ndarray:
        return np.fromiter((f.row for f in self.ranked), dtype=np.int64, count=len(self.ranked))

    def positions(self, rows: list[int]) -> dict[int, int]:
        """Each of `rows`' place (from 1) in the ranking."""
        at = np.flatnonzero(np.isin(self.rows, rows))
        return dict(zip(self.rows[at].tolist(), (at + 1).tolist()))

    @cached_property
    def docs(self) -> np.ndarray:
        """The document (its code in `facts`) of each ranked passage."""
        return self.facts.doc[self.rows]

    @cached_property
    def groups(self) -> list[Group]:
        return by_document(self.ranked, self.docs.tolist())

    @cached_property
    def stories(self) -> list[Group]:
        """The document groups less those whose story has a better-ranked document: a
        story stands where its best document stands (its others are listed under it)."""
        story = self.facts.story
        seen, out = set(), []
        for group in self.groups:
            code = int(story.codes[group.best.row])
            if not story.values[code] or code not in seen:
                seen.add(code)
                out.append(group)
        return out

    def document_spans(self) -> list[tuple[int, int]]:
        """The date span of each matching document."""
        best = np.fromiter((g.best.row for g in self.groups), dtype=np.int64,
                           count=len(self.groups))
        return list(zip(self.facts.date_start[best].tolist(), self.facts.date_end[best].tolist()))

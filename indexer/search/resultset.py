"""A search's ranked passages with what grouping, facets and the timeline need of each."""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from ..index.store import Store
from .fusion import Fused
from .grouping import Group, by_document


@dataclass(frozen=True)
class PassageFacts:
    doc_id: str
    language: str  # the passage's; the other facets are its document's
    kind: str
    source: str
    span: tuple[int, int]  # the document's first and last day (YYYYMMDD); (0, 0) undated


def passage_facts(store: Store, passage_ids: list[str]) -> dict[str, PassageFacts]:
    return {pid: PassageFacts(doc_id, language, kind, source, (first or 0, last or 0))
            for pid, doc_id, language, kind, source, first, last
            in store.passage_facts(passage_ids)}


@dataclass
class ResultSet:
    """Ranked passages (those the store knows), best first, with their facts."""

    ranked: list[Fused]
    facts: dict[str, PassageFacts]

    @classmethod
    def of(cls, store: Store, ranked: list[Fused]) -> "ResultSet":
        facts = passage_facts(store, [f.passage_id for f in ranked])
        return cls([f for f in ranked if f.passage_id in facts], facts)

    @cached_property
    def groups(self) -> list[Group]:
        return by_document(self.ranked, {pid: f.doc_id for pid, f in self.facts.items()})

    def document_spans(self) -> list[tuple[int, int]]:
        """The date span of each matching document."""
        return [self.facts[g.best.passage_id].span for g in self.groups]

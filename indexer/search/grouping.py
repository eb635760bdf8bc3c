"""One result per document: a ranked passage list grouped by the document of each passage.

Grouping is applied to the whole ranked list (up to `[search] max_results` passages)
before paging, so pages of documents are slices of one list; a document stands where
its best passage stands, that is its highest-ranked passage in the current sort.
"""
from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field

from .fusion import Fused


@dataclass
class Group:
    doc: Hashable  # the document (its id, or its code in the index's row facts)
    passages: list[Fused] = field(default_factory=list)  # its matching passages, best first

    @property
    def best(self) -> Fused:
        return self.passages[0]


def by_document(ranked: list[Fused], docs: Sequence[Hashable]) -> list[Group]:
    """The documents of `ranked` (`docs[i]` is the document of `ranked[i]`), in the order
    of their best passages."""
    groups: dict[Hashable, Group] = {}
    for item, doc in zip(ranked, docs):
        group = groups.get(doc)
        if group is None:
            group = groups[doc] = Group(doc)
        group.passages.append(item)
    return list(groups.values())

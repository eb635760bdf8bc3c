"""One result per document: a ranked passage list grouped by the document of each passage.

Grouping is applied to the whole ranked list (up to `[search] max_results` passages)
before paging, so pages of documents are slices of one list; a document stands where
its best passage stands, that is its highest-ranked passage in the current sort.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from .fusion import Fused


@dataclass
class Group:
    doc_id: str
    passages: list[Fused] = field(default_factory=list)  # its matching passages, best first

    @property
    def best(self) -> Fused:
        return self.passages[0]


def by_document(ranked: list[Fused], doc_of: Mapping[str, str]) -> list[Group]:
    """The documents of `ranked`, in the order of their best passages; a passage whose
    document is unknown is left out."""
    groups: dict[str, Group] = {}
    for item in ranked:
        doc_id = doc_of.get(item.passage_id)
        if doc_id is not None:
            groups.setdefault(doc_id, Group(doc_id)).passages.append(item)
    return list(groups.values())

"""Facet counts: how many results have each language, kind and source.

Within a facet the picked values are alternatives (OR); facets combine with AND. So a
facet's counts are taken over the results of every filter except its own (as Datashare
and Aleph do): after one value is picked, the others still show what picking them too
would add, and each count is the total that filtering on that value alone would give.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import replace

from ..models import Filters
from .resultset import ResultSet

FILTER_FIELDS = {"language": "languages", "kind": "kinds", "source": "sources"}  # facet -> Filters


def picked(filters: Filters, facet: str) -> list[str]:
    return getattr(filters, FILTER_FIELDS[facet])


def without(filters: Filters, facet: str) -> Filters:
    """The filters less the facet's own."""
    return replace(filters, **{FILTER_FIELDS[facet]: []})


def facet_counts(results: ResultSet, facet: str, by_document: bool) -> list[tuple[str, int]]:
    """Results per value of `facet`, most first: documents (one with matching passages in
    two languages counts once in each) or passages."""
    counted: set = set()
    counts: Counter[str] = Counter()
    for item in results.ranked:
        fact = results.facts[item.passage_id]
        value = getattr(fact, facet) or ""
        key = (fact.doc_id, value) if by_document else item.passage_id
        if key not in counted:
            counted.add(key)
            counts[value] += 1
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))

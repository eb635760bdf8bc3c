"""Facet counts: how many results have each language, kind and source.

Within a facet the picked values are alternatives (OR); facets combine with AND. So a
facet's counts are taken over the results of every filter except its own (as Datashare
and Aleph do): after one value is picked, the others still show what picking them too
would add, and each count is the total that filtering on that value alone would give.
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np

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
    category = results.facts.categories[facet]
    codes = category.codes[results.rows].astype(np.int64)
    if by_document:  # each (document, value) pair once
        codes = np.unique(results.docs.astype(np.int64) * len(category.values) + codes)
        codes %= len(category.values)
    counts = np.bincount(codes, minlength=len(category.values))
    return sorted(((category.values[i], int(n)) for i, n in enumerate(counts) if n),
                  key=lambda kv: (-kv[1], kv[0]))

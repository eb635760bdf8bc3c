"""Facet counts: how many results have each language, kind and source, and mention each
name and figure (the top MENTION_VALUES of those).

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

FILTER_FIELDS = {"language": "languages", "kind": "kinds", "source": "sources",
                 "name": "names", "figure": "figures"}  # facet -> Filters
MENTION_VALUES = 20  # names (figures) shown in their facet: the most mentioned


def picked(filters: Filters, facet: str) -> list[str]:
    return getattr(filters, FILTER_FIELDS[facet])


def without(filters: Filters, facet: str) -> Filters:
    """The filters less the facet's own."""
    return replace(filters, **{FILTER_FIELDS[facet]: []})


def facet_counts(results: ResultSet, facet: str, by_document: bool) -> list[tuple[str, int]]:
    """Results per value of `facet`, most first: documents (one with matching passages in
    two languages counts once in each) or passages. A name or figure counts the results
    that mention it; only the MENTION_VALUES most mentioned are given."""
    if facet in results.facts.mentions:
        mentions = results.facts.mentions[facet]
        owner, codes = mentions.of_rows(results.rows)
        counted = _count(codes, results.docs[owner], len(mentions.labels), by_document)
        return _ranked(mentions.labels, counted)[:MENTION_VALUES]
    category = results.facts.categories[facet]
    counted = _count(category.codes[results.rows], results.docs, len(category.values),
                     by_document)
    return _ranked(category.values, counted)


def _count(codes: np.ndarray, docs: np.ndarray, values: int, by_document: bool) -> np.ndarray:
    """How many results have each code (`docs`: each result's document)."""
    codes = codes.astype(np.int64)
    if by_document:  # each (document, value) pair once
        codes = np.unique(docs.astype(np.int64) * values + codes) % values
    return np.bincount(codes, minlength=values)


def _ranked(labels: list[str], counts: np.ndarray) -> list[tuple[str, int]]:
    return sorted(((labels[i], int(counts[i])) for i in np.flatnonzero(counts)),
                  key=lambda kv: (-kv[1], kv[0]))

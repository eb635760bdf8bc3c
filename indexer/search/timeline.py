"""The timeline above the results: matching documents per month or per year.

A document is counted in a bar when the whole period its date names lies inside the
bar's month or year, the rule of a date filter (`dates.span_in_range`). A bar's date
range is its period, cut to the search's own date range where that starts or ends
inside it, so following it finds exactly the documents the bar counts. Undated
documents, and those dated less precisely than the bars (only a year, among month
bars), are counted apart.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from ..dates import date_span, filter_span

MAX_MONTHS = 36  # a matching span up to this many months can get month bars, a longer one years
MAX_BARS = 240  # past this many periods only those with documents are drawn


@dataclass
class Bar:
    period: str  # "2024" or "2024-04"
    count: int
    date_from: str  # the filter that finds the documents counted: the period, or the part
    date_to: str  # of it inside the search's date range


@dataclass
class Timeline:
    unit: str = ""  # "month" or "year"; "" when no document is dated
    bars: list[Bar] = field(default_factory=list)
    undated: int = 0
    imprecise: int = 0  # dated, but less precisely than a bar (only a year, among months)

    @property
    def peak(self) -> int:
        return max((bar.count for bar in self.bars), default=0)


def _month_number(day: int) -> int:
    """YYYYMMDD -> months since year 0, so that spans can be measured in months."""
    return day // 10000 * 12 + day // 100 % 100 - 1


def _period(month_number: int, unit: str) -> str:
    year, month = divmod(month_number, 12)
    return f"{year:04d}" if unit == "year" else f"{year:04d}-{month + 1:02d}"


def _first_month(period: str) -> int:
    """'2024' or '2024-04' -> its first month, counted as by _month_number."""
    year, _, month = period.partition("-")
    return int(year) * 12 + int(month or 1) - 1


def _periods(first: str, last: str, unit: str) -> list[str]:
    """Every period from `first` to `last`, gaps included."""
    step = 12 if unit == "year" else 1
    return [_period(n, unit) for n in range(_first_month(first), _first_month(last) + 1, step)]


def _bar(period: str, count: int, date_from: str, date_to: str) -> Bar:
    """The bar of `period`, its range cut to the search's (`date_from`..`date_to`)."""
    first, last = date_span(period)
    bounds = filter_span(date_from, date_to) or (first, last)
    return Bar(period, count, period if first >= bounds[0] else date_from,
               period if last <= bounds[1] else date_to)


def _counts(dated: np.ndarray, unit: str) -> Counter[str]:
    """Documents per period, of those whose whole span (a row of `dated`) lies in one
    period of `unit`: its first and last day in the same month or year."""
    step = 12 if unit == "year" else 1
    first, last = _month_number(dated[:, 0]) // step, _month_number(dated[:, 1]) // step
    periods, counts = np.unique(first[first == last], return_counts=True)
    return Counter({_period(p * step, unit): int(n) for p, n in zip(periods.tolist(), counts)})


def timeline(spans: list[tuple[int, int]], date_from: str = "", date_to: str = "") -> Timeline:
    """Bars for documents with these date spans (first, last day as YYYYMMDD; 0 undated),
    found with this date filter (ISO dates, '' for an open end).

    Month bars when the dated documents span at most MAX_MONTHS months and most of them
    name a month (a year alone fits no month bar); year bars otherwise."""
    spans = np.asarray(spans, dtype=np.int64).reshape(-1, 2)
    dated = spans[spans[:, 0] != 0]
    if not len(dated):
        return Timeline(undated=len(spans))
    months = _month_number(int(dated[:, 1].max())) - _month_number(int(dated[:, 0].min())) + 1
    unit, counts = "month", _counts(dated, "month")
    if months > MAX_MONTHS or sum(counts.values()) * 2 <= len(dated):
        unit, counts = "year", _counts(dated, "year")
    bars = ([_bar(p, counts[p], date_from, date_to)
             for p in _periods(min(counts), max(counts), unit)] if counts else [])
    if len(bars) > MAX_BARS:
        bars = [bar for bar in bars if bar.count]
    return Timeline(unit, bars, len(spans) - len(dated), len(dated) - sum(counts.values()))

"""Publication dates: partial ISO 8601 (2024, 2024-04, 2024-04-29) and the range rule."""
from __future__ import annotations

import calendar
from functools import lru_cache
import re
from datetime import date
from email.utils import parsedate_to_datetime

_ISO = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?(?:[T ].*)?$")


def normalize_date(value: str) -> str:
    """'2024-4-29T10:00Z' -> '2024-04-29'; keeps the precision given. Raises ValueError."""
    value = (value or "").strip()
    if not value:
        return ""
    m = _ISO.match(value)
    if m:
        year, month, day = m.group(1), m.group(2), m.group(3)
        if day:
            return date(int(year), int(month), int(day)).isoformat()
        if month:
            if not 1 <= int(month) <= 12:
                raise ValueError(f"invalid month in date {value!r}")
            return f"{year}-{int(month):02d}"
        return year
    try:  # RFC 2822, as in RSS feeds: "Tue, 28 Jun 2022 10:00:00 +0800"
        return parsedate_to_datetime(value).date().isoformat()
    except (TypeError, ValueError, IndexError):
        raise ValueError(f"unrecognised date {value!r} (use YYYY, YYYY-MM or YYYY-MM-DD)") from None


MIN_DAY, MAX_DAY = 10101, 99991231  # day keys of 0001-01-01 and 9999-12-31


def _day(d: date) -> int:
    return d.year * 10000 + d.month * 100 + d.day


@lru_cache(maxsize=65536)  # searches ask for the same few thousand dates again and again
def date_span(iso: str) -> tuple[int, int]:
    """The first and last day (as YYYYMMDD integers) that a partial date covers.

    '2024' -> (20240101, 20241231), '2024-02' -> (20240201, 20240229),
    '2024-02-10' -> (20240210, 20240210); no date -> (0, 0).
    """
    if not iso:
        return 0, 0
    parts = [int(p) for p in iso.split("-")]
    if len(parts) == 3:
        first = last = date(*parts)
    elif len(parts) == 2:
        first = date(parts[0], parts[1], 1)
        last = first.replace(day=calendar.monthrange(parts[0], parts[1])[1])
    else:
        first, last = date(parts[0], 1, 1), date(parts[0], 12, 31)
    return _day(first), _day(last)


def filter_span(date_from: str, date_to: str) -> tuple[int, int] | None:
    """The days a date filter admits: from the first day of `date_from` to the last day
    of `date_to` (an open end admits everything on that side); None without a date filter."""
    if not date_from and not date_to:
        return None
    return (date_span(date_from)[0] if date_from else MIN_DAY,
            date_span(date_to)[1] if date_to else MAX_DAY)


def span_in_range(span: tuple[int, int], bounds: tuple[int, int]) -> bool:
    """The one rule every engine applies: a document matches a date filter when the whole
    period its date names lies inside the filter's range (a document dated only '2024'
    matches 2024-01-01..2024-12-31 but not 2024-03..2024-05); an undated one never does."""
    first, last = span
    return first > 0 and bounds[0] <= first and last <= bounds[1]


@lru_cache(maxsize=65536)  # story grouping compares the dates of every linked pair
def day_ordinal(day: int) -> int:
    """A YYYYMMDD day key as a count of days (date.toordinal), for differences."""
    return date(day // 10000, day // 100 % 100, day % 100).toordinal()


def day_difference(day: int, since: int) -> int | None:
    """Days from the day key `since` to `day` (None if either is 0, undated)."""
    return day_ordinal(day) - day_ordinal(since) if day and since else None

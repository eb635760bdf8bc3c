"""Publication dates: partial ISO 8601 (2024, 2024-04, 2024-04-29) and range keys."""
from __future__ import annotations

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


def date_key(iso: str, upper: bool = False) -> int:
    """An integer YYYYMMDD for range filters; missing parts are 00 (or 99 for an upper bound).

    A document dated only '2024' gets 20240000, so it falls inside 2024..2024 but not
    inside 2024-03..2024-05: its precision does not say it belongs there.
    """
    if not iso:
        return 0
    parts = iso.split("-")
    filler = 99 if upper else 0
    year = int(parts[0])
    month = int(parts[1]) if len(parts) > 1 else filler
    day = int(parts[2]) if len(parts) > 2 else filler
    return year * 10000 + month * 100 + day

"""Checking search parameters from any front end (web form, API, command line).

Each check raises `InvalidParameter` with a message meant for the person who
typed the value.
"""
from __future__ import annotations

from ..config import Config
from ..dates import filter_span, normalize_date
from ..models import Filters

MODES = ("hybrid", "keyword", "semantic")
MAX_FILTER_VALUES = 20
MAX_FILTER_CHARS = 200


class InvalidParameter(ValueError):
    def __init__(self, name: str, message: str):
        super().__init__(f"{name}: {message}")
        self.name = name
        self.message = message


def check_mode(mode: str | None, config: Config) -> str:
    mode = (mode or config.search.default_mode).strip().lower()
    if mode not in MODES:
        raise InvalidParameter("mode", f"must be one of {', '.join(MODES)}")
    return mode


SORTS = ("relevance", "newest", "oldest")


def check_sort(sort: str | None) -> str:
    sort = (sort or "relevance").strip().lower()
    if sort not in SORTS:
        raise InvalidParameter("sort", f"must be one of {', '.join(SORTS)}")
    return sort


GROUPS = ("document", "passage")  # one result per document (the default), or every passage


def check_group(group: str | None, default: str = GROUPS[0]) -> str:
    group = (group or default).strip().lower()
    if group not in GROUPS:
        raise InvalidParameter("group", f"must be one of {', '.join(GROUPS)}")
    return group


STORIES = ("group", "all")  # a story's documents under its best one, or each on its own


def check_stories(stories: str | None) -> str:
    stories = (stories or STORIES[0]).strip().lower()
    if stories not in STORIES:
        raise InvalidParameter("stories", f"must be one of {', '.join(STORIES)}")
    return stories


def check_int(name: str, value, default: int, lo: int, hi: int) -> int:
    if value in (None, ""):
        return default
    try:
        number = int(str(value).strip())
    except ValueError:
        raise InvalidParameter(name, f"must be a whole number, got {str(value)[:40]!r}") from None
    if not lo <= number <= hi:
        raise InvalidParameter(name, f"must be between {lo} and {hi}")
    return number


def check_filters(filters: Filters, config: Config) -> Filters:
    for name, values in (("lang", filters.languages), ("kind", filters.kinds),
                         ("source", filters.sources), ("name", filters.names),
                         ("figure", filters.figures)):
        if len(values) > MAX_FILTER_VALUES:
            raise InvalidParameter(name, f"at most {MAX_FILTER_VALUES} values")
        if any(len(v) > MAX_FILTER_CHARS for v in values):
            raise InvalidParameter(name, f"values are at most {MAX_FILTER_CHARS} characters")
    languages = [v.strip().lower() for v in filters.languages if v.strip()]
    unknown = [v for v in languages if v not in config.corpus.languages]
    if unknown:
        raise InvalidParameter("lang", f"unknown language {unknown[0]!r}; this index has "
                                       f"{', '.join(config.corpus.languages)}")
    dates = {}
    for name, value in (("date_from", filters.date_from), ("date_to", filters.date_to)):
        try:
            dates[name] = normalize_date(value)
        except ValueError as exc:
            raise InvalidParameter(name, str(exc)) from None
    bounds = filter_span(dates["date_from"], dates["date_to"])
    if bounds and bounds[0] > bounds[1]:
        raise InvalidParameter("date_from", "is after date_to")
    return Filters(languages=languages,
                   kinds=[v.strip().lower() for v in filters.kinds if v.strip()],
                   sources=[v.strip() for v in filters.sources if v.strip()],
                   date_from=dates["date_from"], date_to=dates["date_to"],
                   names=[v.strip() for v in filters.names if v.strip()],
                   figures=[v.strip() for v in filters.figures if v.strip()])

"""Query-string parameters -> a checked SearchRequest (shared by the HTML page and the API)."""
from __future__ import annotations

from werkzeug.datastructures import MultiDict

from indexer.config import Config
from indexer.models import Filters
from indexer.search.searcher import SearchRequest
from indexer.search.validation import (InvalidParameter, check_filters, check_group, check_int,
                                       check_mode, check_sort, check_stories)

from .reader_prefs import check_translate, check_xlang

MAX_QUERY_PARAM_CHARS = 20000


def _values(args: MultiDict, name: str) -> list[str]:
    """Repeated (?lang=en&lang=it) or comma-separated (?lang=en,it) values."""
    out = []
    for raw in args.getlist(name):
        out.extend(v.strip() for v in raw.split(",") if v.strip())
    return out


def search_request(args: MultiDict, config: Config) -> SearchRequest:
    query = args.get("q", "")
    if len(query) > MAX_QUERY_PARAM_CHARS:
        raise InvalidParameter("q", f"is longer than {MAX_QUERY_PARAM_CHARS} characters")
    s = config.search
    filters = check_filters(Filters(
        languages=_values(args, "lang"), kinds=_values(args, "kind"),
        sources=args.getlist("source"), date_from=args.get("date_from", ""),
        date_to=args.get("date_to", ""), names=args.getlist("name"),
        figures=args.getlist("figure")), config)
    return SearchRequest(
        query=query, mode=check_mode(args.get("mode"), config), filters=filters,
        page=check_int("page", args.get("page"), 1, 1, 1_000_000),
        per_page=check_int("per_page", args.get("per_page"), s.per_page, 1, s.max_per_page),
        xlang=check_xlang(args.getlist("xlang")),
        translate=check_translate(args.get("translate"), config),
        sort=check_sort(args.get("sort")), group=check_group(args.get("group")),
        stories=check_stories(args.get("stories")))

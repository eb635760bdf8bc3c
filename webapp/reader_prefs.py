"""The reader's translation choices: parsed from the query string, remembered in a cookie.

`translate=en|it|none` picks the language hits are translated into; a choice made
on a page is stored in a cookie, so later pages (and the document view) keep it
without any JavaScript. `xlang=0|1` turns cross-language keywords off or on for
one request; a form sends a hidden `xlang=0` before the checkbox's `xlang=1`, so
the last value wins.
"""
from __future__ import annotations

from flask import Request, after_this_request

from indexer.config import Config
from indexer.search.validation import InvalidParameter

COOKIE = "newsdesk_translate"
COOKIE_MAX_AGE = 365 * 24 * 3600
OFF = ("", "none", "off")
_TRUE = ("1", "true", "on", "yes")
_FALSE = ("0", "false", "off", "no")


def check_translate(value: str | None, config: Config) -> str:
    """A target language code, or '' for no translation."""
    value = (value or "").strip().lower()
    if value in OFF:
        return ""
    if value not in config.corpus.languages:
        raise InvalidParameter("translate", f"must be one of {', '.join(config.corpus.languages)}"
                                            f" or none")
    return value


def check_xlang(values: list[str]) -> bool | None:
    """The last xlang value as a switch; None when absent (the configured default applies)."""
    if not values:
        return None
    value = values[-1].strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise InvalidParameter("xlang", "must be 0 or 1")


def reader_language(request: Request, config: Config) -> str:
    """The language a reader wants hits in: ?translate=, else the cookie, else the config.

    An explicit choice is remembered in the cookie for the pages that follow.
    """
    if "translate" in request.args:
        choice = check_translate(request.args.get("translate"), config)

        @after_this_request
        def remember(response):
            response.set_cookie(COOKIE, choice or "none", max_age=COOKIE_MAX_AGE,
                                httponly=True, samesite="Lax")
            return response

        return choice
    cookie = request.cookies.get(COOKIE)
    if cookie is None:
        return config.translation.reader_language
    try:
        return check_translate(cookie, config)
    except InvalidParameter:  # a stale or tampered cookie is ignored, not an error
        return config.translation.reader_language

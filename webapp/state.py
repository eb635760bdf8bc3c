"""Access to the app's searcher from request handlers."""
from __future__ import annotations

from flask import current_app

from indexer.search.searcher import Searcher


def searcher() -> Searcher:
    return current_app.extensions["newsdesk"]

"""Errors as pages or JSON, never a traceback: bad input is 400, a missing index 503."""
from __future__ import annotations

import logging

from flask import current_app, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from indexer.index.generations import IndexUnavailable
from indexer.search.validation import InvalidParameter

log = logging.getLogger("newsdesk")


def _respond(status: int, message: str):
    if request.path.startswith("/api/"):
        return jsonify({"error": message, "status": status}), status
    return render_template("error.html", status=status, message=message), status


def register(app):
    @app.errorhandler(InvalidParameter)
    def invalid(exc: InvalidParameter):
        return _respond(400, str(exc))

    @app.errorhandler(IndexUnavailable)
    def unavailable(exc: IndexUnavailable):
        log.error("index unavailable: %s", exc)
        root = str(current_app.extensions["newsdesk"].config.index_path)  # kept private
        message = str(exc).replace(root + "/", "").replace(root, "the index folder")
        return _respond(503, message)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        body, status = _respond(exc.code or 500, exc.description or exc.name)
        retry = [v for k, v in exc.get_headers() if k == "Retry-After"]
        return body, status, {"Retry-After": retry[0]} if retry else {}

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        return _respond(500, "Something went wrong on the server; it has been logged.")

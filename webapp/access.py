"""Optional access control for a shared deployment: basic-auth users and bearer tokens.

Checked in an app-wide `before_request`, so every route is covered (pages, API,
static files, exports, and routes added later) and an unknown URL answers 401, not
404. Passwords and tokens are stored as Werkzeug hashes (scrypt); checking one takes
~0.2 s of CPU, so a credential that passed is remembered, keyed by its SHA-256, and
hash checks run one at a time, so a flood of wrong guesses cannot take every core.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import logging
import threading
from collections import OrderedDict

from flask import Flask, jsonify, render_template, request
from werkzeug.security import check_password_hash, generate_password_hash

from indexer.config import AccessConfig

log = logging.getLogger("newsdesk")

REALM = "newsdesk"
MAX_REMEMBERED = 1024


class Gate:
    """Decides whether an Authorization header opens the app."""

    def __init__(self, config: AccessConfig):
        self.users = dict(config.users)
        self.token_hashes = list(config.token_hashes)
        self._passed: OrderedDict[bytes, str] = OrderedDict()
        self._lock = threading.Lock()
        self._hashing = threading.Lock()
        self._dummy_hash: str | None = None

    @property
    def enabled(self) -> bool:
        return bool(self.users or self.token_hashes)

    def _remembered(self, key: bytes) -> str | None:
        with self._lock:
            who = self._passed.get(key)
            if who is not None:
                self._passed.move_to_end(key)
            return who

    def _remember(self, key: bytes, who: str) -> None:
        with self._lock:
            self._passed[key] = who
            while len(self._passed) > MAX_REMEMBERED:
                self._passed.popitem(last=False)

    def identify(self, header: str | None) -> str | None:
        """The user (or "token") an Authorization header proves, else None."""
        if not header or len(header) > 4096:
            return None
        key = hashlib.sha256(header.encode("utf-8", "surrogatepass")).digest()
        who = self._remembered(key)
        if who is not None:
            return who
        scheme, _, value = header.partition(" ")
        scheme, value = scheme.lower(), value.strip()
        with self._hashing:
            if scheme == "bearer" and value:
                who = "token" if any(check_password_hash(h, value)
                                     for h in self.token_hashes) else None
            elif scheme == "basic":
                who = self._basic(value)
        if who is not None:
            self._remember(key, who)
        return who

    def _basic(self, value: str) -> str | None:
        try:
            decoded = base64.b64decode(value, validate=True).decode("utf-8")
        except (binascii.Error, ValueError):
            return None
        name, sep, password = decoded.partition(":")
        stored = self.users.get(name) if sep else None
        if stored is None:  # still hash, so a wrong name takes as long as a wrong password
            check_password_hash(self._dummy(), password)
            return None
        return name if check_password_hash(stored, password) else None

    def _dummy(self) -> str:
        if self._dummy_hash is None:
            self._dummy_hash = generate_password_hash("not a password")
        return self._dummy_hash


def _refuse():
    message = "Sign in to use this newsdesk."
    if request.path.startswith("/api/"):
        response = jsonify({"error": message, "status": 401})
    else:
        response = render_template("error.html", status=401, message=message)
    challenges = []
    if request.path.startswith("/api/"):
        challenges.append(f'Bearer realm="{REALM}"')
    challenges.append(f'Basic realm="{REALM}", charset="UTF-8"')
    return response, 401, {"WWW-Authenticate": ", ".join(challenges)}


def register(app: Flask, config: AccessConfig) -> None:
    gate = Gate(config)
    app.extensions["newsdesk.access"] = gate
    if not gate.enabled:
        return

    @app.before_request
    def require_credentials():
        if gate.identify(request.headers.get("Authorization")) is None:
            if request.headers.get("Authorization"):
                log.warning("refused credentials from %s for %s", request.remote_addr,
                            request.path)
            return _refuse()
        return None

"""At most `[export] concurrent` downloads are generated at once.

Exporting a whole result set of a 100k-passage archive is about a minute of CPU. With
every server thread exporting, searches queued behind them: the load benchmark fell
from 36.8 to 1.1 requests/s with one export in ten requests. An export beyond the limit
waits up to `[export] wait_seconds` for a slot (default 0: a waiting export holds a
server thread too), then is refused with 503 and a Retry-After header, and the other
threads stay free for searching and reading.
"""
from __future__ import annotations

import threading
from typing import Callable, Iterable, Iterator

from flask import Response, current_app
from werkzeug.exceptions import ServiceUnavailable


class ExportSlots:
    def __init__(self, concurrent: int, wait_seconds: float):
        self._free = threading.BoundedSemaphore(concurrent)
        self.wait_seconds = wait_seconds

    def serve(self, make: Callable[[], Response]) -> Response:
        """The streamed response `make` builds, holding a slot until it has been generated,
        closed or abandoned (whichever comes first), or until `make` fails."""
        if not self._free.acquire(timeout=self.wait_seconds):
            raise ServiceUnavailable(
                "Other exports are being prepared; try again in a minute.",
                retry_after=60)
        release = _Once(self._free.release)
        try:
            response = make()
        except BaseException:
            release()
            raise
        response.response = _releasing(response.response, release)
        response.call_on_close(release)  # a response closed before it was iterated
        return response


class _Once:
    def __init__(self, action: Callable[[], None]):
        self._action, self._lock, self._done = action, threading.Lock(), False

    def __call__(self) -> None:
        with self._lock:
            if self._done:
                return
            self._done = True
        self._action()


def _releasing(chunks: Iterable[bytes], release: Callable[[], None]) -> Iterator[bytes]:
    try:
        yield from chunks
    finally:
        release()


def export_slots() -> ExportSlots:
    return current_app.extensions["newsdesk_exports"]

"""Recent search responses, kept per index generation.

A newsroom repeats itself: the same story is searched by many desks, a reader pages back
and forth, a filter is toggled on and off. A response depends only on the request and
the index generation (a new generation is a new key, so nothing stale is served), and
is never changed after it is made, so threads share it.
"""
from __future__ import annotations

import json
import threading
from collections import OrderedDict
from dataclasses import asdict
from typing import Any


class ResultCache:
    def __init__(self, size: int):
        self.size = size
        self._items: OrderedDict[tuple[str, str], Any] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def key(generation: str, request) -> tuple[str, str]:
        return generation, json.dumps(asdict(request), sort_keys=True, default=str)

    def get(self, key: tuple[str, str]):
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: tuple[str, str], value) -> None:
        if self.size <= 0:
            return
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

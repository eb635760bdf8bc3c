"""Recently embedded texts, kept in memory so a search does not embed them again.

Queries are re-paged and refined, and the same hits come back for many searches of the
same story: the sentences a semantic-only hit chooses its snippet from are embedded at
query time (`snippets.best_sentences`), which was about half of a search's CPU under
load. A vector depends only on its text and the embedder, so the cache never goes stale
when the index changes.
"""
from __future__ import annotations

import threading
from collections import OrderedDict

import numpy as np

from ..index.embedders import Embedder


class RecentVectors:
    """An embedder (same name and vector space) that remembers its last `size` texts."""

    def __init__(self, inner: Embedder, size: int):
        self.inner, self.size = inner, size
        self.name, self.dim = inner.name, inner.dim
        self._items: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def encode(self, texts: list[str]) -> np.ndarray:
        """Rows for `texts`, the unseen ones embedded in one batch."""
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        missing: dict[str, list[int]] = {}
        with self._lock:
            for i, text in enumerate(texts):
                vector = self._items.get(text)
                if vector is None:
                    missing.setdefault(text, []).append(i)
                else:
                    self._items.move_to_end(text)
                    out[i] = vector
        if missing:
            vectors = self.inner.encode(list(missing))
            for positions, vector in zip(missing.values(), vectors):
                out[positions] = vector
            with self._lock:
                for text, vector in zip(missing, vectors):
                    self._items[text] = vector.copy()  # not a view pinning the batch
                while len(self._items) > self.size:
                    self._items.popitem(last=False)
        return out

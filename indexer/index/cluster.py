"""Building on a Dask cluster (`[cluster] scheduler`, `newsdesk index --scheduler`).

The build process still reads the archive and writes the index (store, keyword index,
vectors), exactly as a local build does; the cluster's workers do the CPU-heavy,
stateless stages: preparing documents (cleaning, language tagging, passage splitting:
`ingest.prepare`) and embedding the passages whose embedding is not reused from the
live index. The build ships each batch of documents' text to the cluster (no shared
storage needed) and takes the results back in the order it submitted them, with at
most `[cluster] inflight` batches of each kind out at once, so memory stays bounded and
the index (passage ids, rows, vectors) is the one a local build makes, whatever the
number of workers.

Each worker loads the encoder once, when the build registers `EncoderPlugin` with it
(or when it joins later), and keeps it for every task. A worker that dies has its tasks
recomputed by Dask on the others. A build that cannot go on (the scheduler gone, no
result for `[cluster] timeout_seconds`, a task failing) raises `ClusterFailed`: nothing
is published and the live index stays as it was.
"""
from __future__ import annotations

import asyncio
import ctypes
import logging
import threading
from collections import deque
from dataclasses import replace
from functools import lru_cache

import numpy as np
from distributed import Client, WorkerPlugin
from distributed.client import FutureCancelledError
from distributed.comm.core import CommClosedError
from distributed.scheduler import KilledWorker

from ..config import ClusterConfig, CorpusConfig, EmbedderConfig
from ..ingest.language import LanguageDetector
from ..ingest.prepare import prepare_all
from .embed_pool import EmbeddingFailed, limit_threads

PLUGIN_NAME = "newsdesk-encoder"


class ClusterFailed(EmbeddingFailed):
    """The cluster could not finish a build's work: the build stops, nothing is published."""


class ClusterWork:
    """The build's connection to the cluster, open for one build (`close()` after)."""

    def __init__(self, config: ClusterConfig, embedder):
        spec = getattr(embedder, "config", None)
        if not isinstance(spec, EmbedderConfig):
            raise ValueError("a cluster build needs the embedder configured in [embedder] "
                             "(its workers load it from there)")
        self.config, self.address, self.spec = config, config.scheduler, spec
        self.timeout = config.timeout_seconds
        try:
            self.client = Client(self.address, timeout=self.timeout, set_as_default=False)
        except (OSError, asyncio.TimeoutError) as exc:
            raise ClusterFailed(f"cannot reach the Dask scheduler at {self.address}: {exc}. "
                                f"Nothing was built; the live index is unchanged") from exc
        try:
            self.client.wait_for_workers(1, timeout=self.timeout)
            self.client.register_plugin(EncoderPlugin(spec, embedder.name), name=PLUGIN_NAME)
        except (Exception, asyncio.CancelledError) as exc:
            self.close()
            raise ClusterFailed(self._stopped(exc, "starting the build's encoder on the "
                                                   "workers")) from exc
        threads = sum(self.client.nthreads().values())
        self.inflight = config.inflight or max(2, 2 * threads)

    def prepare_all(self, items, corpus: CorpusConfig, min_words: int, max_words: int):
        """Like `ingest.prepare.prepare_all`, batch by batch on the cluster, in order."""
        settings = (tuple(corpus.languages), corpus.default_language, min_words, max_words)
        out: deque = deque()
        batch: list = []
        for item in items:
            batch.append(item)
            if len(batch) >= self.config.batch_documents:
                out.append(self.submit(_prepare_batch, batch, settings))
                batch = []
            while out and (len(out) > self.inflight or out[0].done()):
                yield from self.result(out.popleft(), "preparing documents")
        if batch:
            out.append(self.submit(_prepare_batch, batch, settings))
        while out:
            yield from self.result(out.popleft(), "preparing documents")

    def encoder(self) -> "ClusterEncoder":
        return ClusterEncoder(self)

    def submit(self, func, *args):
        try:
            return self.client.submit(func, *args, pure=False)
        except Exception as exc:  # the client already closed after losing the scheduler
            raise ClusterFailed(self._stopped(exc, "submitting work")) from exc

    def result(self, future, doing: str):
        try:
            return future.result(timeout=self.timeout)
        except (Exception, asyncio.CancelledError) as exc:
            raise ClusterFailed(self._stopped(exc, doing)) from exc

    def _stopped(self, exc: BaseException, doing: str) -> str:
        # a lost scheduler cancels the client's futures, or closes the comm a result
        # was being fetched on (CommClosedError), whichever the client sees first
        if isinstance(exc, (FutureCancelledError, asyncio.CancelledError, CommClosedError)):
            why = "the connection to the scheduler was lost"
        elif isinstance(exc, (asyncio.TimeoutError, TimeoutError)):
            why = (f"no answer within [cluster] timeout_seconds = {self.timeout:g} s (is the "
                   f"scheduler up, with workers?)")
        elif isinstance(exc, KilledWorker):
            why = f"a task was lost with the workers running it, too many times ({exc})"
        else:
            why = f"a task failed: {exc!r}"
        return (f"the build on the Dask cluster at {self.address} stopped while {doing}: "
                f"{why}. Nothing was published; the live index is unchanged")

    def close(self) -> None:
        # after a lost scheduler, closing logs the failed reconnection: the build says why
        log = logging.getLogger("distributed.client")
        level = log.level
        log.setLevel(logging.CRITICAL)
        try:
            self.client.close(timeout=min(self.timeout, 10))
        except Exception:  # already gone with the scheduler
            pass
        finally:
            log.setLevel(level)


class _ClusterJob:
    """A batch of passages out on the cluster for embedding (as `embed_pool`'s jobs)."""

    def __init__(self, work: ClusterWork, future):
        self._work, self._future = work, future

    def done(self) -> bool:
        return self._future.done()

    def result(self) -> np.ndarray:
        return self._work.result(self._future, "embedding passages")


class ClusterEncoder:
    """`embed_pool`'s encoder interface, embedding on the cluster's workers."""

    def __init__(self, work: ClusterWork):
        self._work = work
        self.max_inflight = work.inflight

    def submit(self, texts: list[str]) -> _ClusterJob:
        return _ClusterJob(self._work, self._work.submit(_embed, list(texts), self._work.spec))

    def close(self) -> None:
        pass  # the connection closes with the ClusterWork


# ---- on the workers ----

_LOADED: dict[str, object] = {}
_LOADING = threading.Lock()


def _embedder(spec: EmbedderConfig):
    """The embedder of `spec`, loaded once per worker process (one BLAS thread per task)."""
    key = repr(spec)
    with _LOADING:
        if key not in _LOADED:
            limit_threads()
            from .embedders import load_embedder
            _LOADED[key] = load_embedder(replace(spec, threads=1), bulk=True)
        return _LOADED[key]


def _malloc_for_numpy() -> None:
    """Keep the heap's large blocks for reuse in this worker process (glibc only).

    Dask's nanny starts workers with MALLOC_TRIM_THRESHOLD_=65536, which also turns off
    glibc's adaptive mmap threshold: every array over 128 KB the encoder makes is then
    mapped and unmapped afresh. Measured here, 640 passages embedded in a worker took
    2.55 s that way and 1.83 s with these limits (1.70 s in a plain process).
    """
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:  # not glibc: nothing to change
        return
    libc.mallopt(_M_MMAP_THRESHOLD, 64 * 2**20)
    libc.mallopt(_M_TRIM_THRESHOLD, 128 * 2**20)


_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # glibc's mallopt parameters


class EncoderPlugin(WorkerPlugin):
    """Loads the build's encoder on each worker as it joins, and checks it is the build's
    own (a worker with another version of the model would give other vectors)."""

    def __init__(self, spec: EmbedderConfig, name: str):
        self.spec, self.name = spec, name

    def setup(self, worker) -> None:
        _malloc_for_numpy()
        loaded = _embedder(self.spec)
        if loaded.name != self.name:
            raise RuntimeError(f"this worker's encoder is {loaded.name}, the build's "
                               f"{self.name}: install the same newsdesk on every worker")


def _embed(texts: list[str], spec: EmbedderConfig) -> np.ndarray:
    return np.ascontiguousarray(_embedder(spec).encode(texts), dtype=np.float32)


@lru_cache(maxsize=None)
def _detector(languages: tuple[str, ...], default: str) -> LanguageDetector:
    return LanguageDetector(list(languages), default)


def _prepare_batch(items: list, settings: tuple) -> list:
    languages, default, min_words, max_words = settings
    return list(prepare_all(items, _detector(languages, default), min_words, max_words))

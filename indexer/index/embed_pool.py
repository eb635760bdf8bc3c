"""Embedding off the main process: `[embedder] workers` processes, one BLAS thread each.

A build submits each batch of passage texts with `submit()` and gets a job back; it
keeps cleaning, tagging and splitting the next documents while the batch embeds, and
writes the batches in the order it submitted them (`job.result()`), so the store rows,
passage ids and vectors are those of an in-process build. At most `max_inflight`
batches are out at once: the build waits for the oldest one beyond that, which bounds
memory and holds the reader back when the encoder is the slower side.

Each worker is a fresh interpreter (the "spawn" start method: never a fork of a process
that already runs threads), ignores Ctrl-C (the build stops it), loads the embedder
once from the config the build's own embedder was loaded with, and exits if the build
process dies. A worker that crashes fails the build with `EmbeddingFailed`; the other
workers are stopped and nothing is published, so the live index stays as it was.

Small jobs stay in-process: the first `INLINE_PASSAGES` texts of a build are embedded
here, and worker processes start only once a build has more than that to embed
(a `newsdesk add` of a few files, or the test suite's seed corpus, starts none).
With `workers = 1` everything is embedded in-process, as before workers existed.
"""
from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import os
import signal
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import replace

import numpy as np

from ..config import EmbedderConfig

# texts a build embeds in-process before it starts worker processes. Starting them (an
# interpreter and the model each, ~1.5 s here; ~0.9 s more since each imports torch and
# times oneDNN's products, see embedders.UseMultilingual) paid off from ~300 passages on
# when measured; 512 keeps small builds (a `newsdesk add` of a few files, the seed
# corpus's 275) in-process.
INLINE_PASSAGES = 512
INFLIGHT_PER_WORKER = 2
_THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                     "NUMEXPR_NUM_THREADS", "VECLIB_MAXIMUM_THREADS")


class EmbeddingFailed(ValueError):
    """Embedding in a worker process failed (the worker crashed or raised): the build stops."""


def worker_count(config: EmbedderConfig) -> int:
    """How many processes embed: `[embedder] workers`, or (0) one per usable core."""
    if config.workers > 0:
        return config.workers
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # no sched_getaffinity on this platform
        return max(1, os.cpu_count() or 1)


class _Done:
    """A batch already embedded (in-process, or nothing to embed)."""

    def __init__(self, vectors: np.ndarray):
        self._vectors = vectors

    def done(self) -> bool:
        return True

    def result(self) -> np.ndarray:
        return self._vectors


class InlineEncoder:
    """Embeds in this process, at submit: the path of `workers = 1`, and of embedders
    that cannot be re-created in a worker (one passed in by a caller, a cache wrapper)."""

    max_inflight = 0
    workers = 1

    def __init__(self, embedder):
        self.embedder = embedder

    def submit(self, texts: list[str]) -> _Done:
        return _Done(self.embedder.encode(texts))

    def close(self) -> None:
        pass


class _Job:
    """A batch out in the worker pool."""

    def __init__(self, pool: "PoolEncoder", future):
        self._pool, self._future = pool, future

    def done(self) -> bool:
        return self._future.done()

    def result(self) -> np.ndarray:
        try:
            return self._future.result()
        except BrokenProcessPool as exc:
            raise self._pool.failure() from exc
        except Exception as exc:  # raised by the embedder inside a worker
            raise EmbeddingFailed(f"embedding failed in a worker process: {exc!r}; the "
                                  f"build was stopped, the live index is unchanged") from exc


class PoolEncoder:
    """Embeds in `workers` processes, each loading the embedder from `spec`; the first
    `INLINE_PASSAGES` texts in this process with `embedder` (loaded from the same spec)."""

    def __init__(self, embedder, spec: EmbedderConfig, workers: int):
        self.embedder, self.spec, self.workers = embedder, spec, workers
        self.max_inflight = INFLIGHT_PER_WORKER * workers
        self.submitted = 0
        self._executor: ProcessPoolExecutor | None = None
        self._processes: dict = {}  # pid -> multiprocessing.Process, for failure messages

    def submit(self, texts: list[str]):
        self.submitted += len(texts)
        if self._executor is None and self.submitted <= INLINE_PASSAGES:
            return _Done(self.embedder.encode(texts))
        if self._executor is None:
            self._executor = ProcessPoolExecutor(
                self.workers, mp_context=multiprocessing.get_context("spawn"),
                initializer=_start_worker, initargs=(self.spec,))
        try:
            future = self._executor.submit(_encode, list(texts))
        except BrokenProcessPool as exc:
            raise self.failure() from exc
        self._processes.update(getattr(self._executor, "_processes", None) or {})
        return _Job(self, future)

    def failure(self) -> EmbeddingFailed:
        """The error a crashed worker stops the build with, naming it where it can."""
        crashed = [f"pid {p.pid}, {_exit_reason(p.exitcode)}" for p in self._processes.values()
                   if p.exitcode not in (None, 0, -signal.SIGTERM)]
        which = f" ({'; '.join(crashed)})" if crashed else ""
        return EmbeddingFailed(f"an embedding worker process stopped unexpectedly{which}: "
                               f"the build was stopped and nothing was published; the live "
                               f"index is unchanged")

    def close(self) -> None:
        """Stop the workers (at the end of a build, or when it failed) and wait for them."""
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None


def build_embedder(spec: EmbedderConfig):
    """The embedder a build loads in its own process: a bulk one (see
    embedders.UseMultilingual) where it embeds the whole archive (`workers = 1`); beside
    worker processes it embeds at most INLINE_PASSAGES texts, for which loading torch
    (~1 s and ~200 MB) does not pay."""
    from .embedders import load_embedder
    return load_embedder(spec, bulk=worker_count(spec) == 1)


def encoder_for(embedder, spec: EmbedderConfig):
    """How a build embeds with `embedder`: in `[embedder] workers` processes when the
    embedder can be loaded again in each of them (it was made by `load_embedder`),
    else in-process."""
    workers = worker_count(spec)
    source = getattr(embedder, "config", None)
    if workers <= 1 or not isinstance(source, EmbedderConfig):
        return InlineEncoder(embedder)
    return PoolEncoder(embedder, source, workers)


def _exit_reason(exitcode: int) -> str:
    if exitcode < 0:
        try:
            return f"killed by {signal.Signals(-exitcode).name}"
        except ValueError:
            return f"killed by signal {-exitcode}"
    return f"exit status {exitcode}"


# ---- in the worker processes ----

_EMBEDDER = None
_LIMITS = None


def _exit_with_parent(sentinel) -> None:
    multiprocessing.connection.wait([sentinel])
    os._exit(1)  # the build process is gone: nobody will read what this one makes


def limit_threads() -> None:
    """One BLAS / OpenMP thread in this process: a worker embeds one batch per core."""
    global _LIMITS
    for name in _THREAD_VARIABLES:  # read by libraries not imported yet (torch)
        os.environ[name] = "1"
    try:  # and for BLAS already loaded with numpy
        from threadpoolctl import threadpool_limits
        _LIMITS = threadpool_limits(1)
    except ImportError:
        pass


def _start_worker(spec: EmbedderConfig) -> None:
    global _EMBEDDER
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the build, which stops us
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(target=_exit_with_parent, args=(parent.sentinel,), daemon=True,
                         name="exit-with-parent").start()
    limit_threads()
    from .embedders import load_embedder
    _EMBEDDER = load_embedder(replace(spec, threads=1), bulk=True)


def _encode(texts: list[str]) -> np.ndarray:
    return np.ascontiguousarray(_EMBEDDER.encode(texts), dtype=np.float32)

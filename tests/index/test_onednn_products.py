"""A build's encoder may multiply its per-token matrices in oneDNN (OneDnnMatrix) rather
than numpy's BLAS: the products, and so the vectors, must be numpy's to float rounding,
and an embedder of queries must stay on numpy without importing torch."""
import subprocess
import sys

import numpy as np
import pytest

from indexer.config import EmbedderConfig
from indexer.index import embedders
from indexer.index.embed_pool import build_embedder, worker_count
from indexer.index.embedders import OneDnnMatrix, UseMultilingual
from tests.index.test_use_tokenizer import seed_paragraphs


@pytest.fixture(scope="module")
def plain():
    return UseMultilingual(threads=1)


@pytest.mark.parametrize("count", [1, 7, 8, 9, 31, 200, 385])
def test_products_are_numpys_whatever_the_row_count(plain, count):
    """Rows are padded to a multiple of PAD_ROWS inside: the caller gets its own rows."""
    rng = np.random.default_rng(count)
    for matrix in [plain._model.proj_W, *plain._model.w1, *plain._model.w2]:
        rows = rng.standard_normal((count, matrix.shape[0]), dtype=np.float32)
        product = rows @ OneDnnMatrix(matrix)
        assert product.shape == (count, matrix.shape[1]) and product.dtype == np.float32
        expected = rows @ matrix
        assert np.abs(product - expected).max() <= 1e-5 * np.abs(expected).max()


def test_a_column_slice_multiplies_as_numpy_does(plain):
    """The encoder multiplies a view of the first 512 columns of a wider array."""
    wide = np.random.default_rng(1).standard_normal((50, 1280), dtype=np.float32)
    rows = wide[:, :512]
    assert not rows.flags.c_contiguous
    assert np.allclose(rows @ OneDnnMatrix(plain._model.proj_W), rows @ plain._model.proj_W,
                       rtol=1e-5, atol=1e-4)


def test_vectors_with_onednn_are_numpys(plain):
    passages = seed_paragraphs()[:60] + ["", "ω😀 dell’OPEC", "x " * 400]
    fast = UseMultilingual(threads=1)
    fast._use_onednn()
    assert isinstance(fast._model.w2[0], OneDnnMatrix)
    ours, theirs = fast.encode(passages), plain.encode(passages)
    assert np.abs(ours - theirs).max() < 2e-6
    assert np.allclose(np.linalg.norm(ours, axis=1), 1, atol=1e-6)


@pytest.mark.parametrize("speedup, chosen", [(1.1, False), (1.5, True), (0.6, False)])
def test_a_bulk_embedder_takes_onednn_only_where_it_measured_faster(monkeypatch, speedup,
                                                                   chosen):
    monkeypatch.setattr(embedders, "onednn_speedup", lambda matrix, limits: speedup)
    embedder = UseMultilingual(threads=1, bulk=True)
    assert embedder.onednn is chosen
    assert isinstance(embedder._model.proj_W, OneDnnMatrix) is chosen


def test_the_timing_compares_both_products():
    matrix = np.random.default_rng(2).standard_normal((256, 64), dtype=np.float32)
    assert embedders.onednn_speedup(matrix, repeats=3) > 0


def test_an_embedder_of_queries_never_imports_torch():
    """The web app's process: torch would cost it ~180 MB and a second at start."""
    code = ("import sys\n"
            "from indexer.config import EmbedderConfig\n"
            "from indexer.index.embedders import load_embedder\n"
            "embedder = load_embedder(EmbedderConfig())\n"
            "embedder.encode(['una domanda', 'a question'] * 40)\n"
            "assert not embedder.onednn\n"
            "print('torch' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "False"


@pytest.mark.parametrize("workers, bulk", [(1, True), (2, False), (0, None)])
def test_a_build_loads_a_bulk_embedder_only_where_it_embeds_everything(monkeypatch, workers,
                                                                      bulk):
    """Beside worker processes the build's own embedder embeds the first 512 texts only:
    a `newsdesk add` of an article should not pay torch's import for them."""
    monkeypatch.setattr(embedders, "onednn_speedup", lambda matrix, limits: 1.5)
    embedder = build_embedder(EmbedderConfig(workers=workers))
    assert embedder.onednn is (worker_count(EmbedderConfig(workers=workers)) == 1
                               if bulk is None else bulk)

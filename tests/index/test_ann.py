"""The HNSW graph beside the vector file (indexer/index/ann.py): recall against the exact
scan, filters and dead rows honoured, incremental extension, damage.

Real faiss, real vectors: clustered random unit vectors, and the seed corpus's own
embeddings. The ANN path is forced with `ann_min_rows = 0`.
"""
import json
import logging
import shutil
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from indexer.config import load_config
from indexer.dates import date_span
from indexer.index import ann, generations, vectors as vectors_module
from indexer.index.ann import AnnIndex
from indexer.index.build import build_index
from indexer.index.reader import Index
from indexer.index.row_facts import RowFacts
from indexer.index.update import add_to_index, remove_from_index
from indexer.index.vectors import VectorIndex, VectorWriter, open_vectors
from indexer.models import Filters
from tests.conftest import write_config

DIM, ROWS, K = 64, 6000, 100
DATES = ["2019", "2020-05", "2021-02-11", "2022", "2023-07", "2024-03-30", ""]


def clustered(n, seed, labels=False, topics=6, subtopics=25, noise=0.35):
    """Unit vectors around subtopic centres grouped in topics (fixed for every seed), so
    similarities fall off gradually as in real embeddings; and each one's subtopic."""
    fixed = np.random.default_rng(0)
    topic = fixed.standard_normal((topics, DIM)).astype(np.float32)
    centres = (topic[np.arange(topics * subtopics) // subtopics]
               + fixed.standard_normal((topics * subtopics, DIM)).astype(np.float32) * 0.7)
    rng = np.random.default_rng(seed)
    which = rng.integers(0, len(centres), n)
    x = centres[which] + rng.standard_normal((n, DIM)).astype(np.float32) * noise
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    return (x, which) if labels else x


def facets(n, seed, dead=0.05):
    rng = np.random.default_rng(seed)
    spans = [date_span(d) if d else (0, 0) for d in DATES]
    picked = rng.integers(0, len(DATES), n)
    return {"doc_id": np.array([f"d{i}" for i in range(n)], dtype=object),
            "language": rng.choice(["en", "it"], n, p=[0.6, 0.4]).astype(object),
            "kind": rng.choice(["news", "press-release"], n, p=[0.8, 0.2]).astype(object),
            "source": rng.choice(["ansa", "reuters", ""], n).astype(object),
            "date_start": np.array([spans[i][0] for i in picked], np.int64),
            "date_end": np.array([spans[i][1] for i in picked], np.int64),
            "alive": rng.random(n) >= dead}


def write(folder: Path, vectors, count=0) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    writer = VectorWriter(folder / "vectors.f32", DIM, count)
    writer.append(vectors)
    writer.close()
    return folder / "vectors.f32"


def opened(path: Path, rows: int, fac, min_rows=0, ef=128, rescore=True):
    """The graph's answers re-scored exactly unless `rescore` is False, so that most tests
    compare its rows with the exact scan's and near-ties do not swap (the scores its
    codes give are tested on their own)."""
    return VectorIndex(open_vectors(path, DIM, rows), RowFacts(fac), ann=AnnIndex.open(path, DIM, rows),
                       ann_min_rows=min_rows, ann_ef=ef, ann_rescore=rescore)


def exact_of(index: VectorIndex) -> VectorIndex:
    return VectorIndex(index.vectors, RowFacts(FACETS))


FACETS = facets(ROWS, 1001)  # independent of the vectors
QUERIES = clustered(40, 99)


@pytest.fixture(scope="module", autouse=True)
def graph_for_every_filter():
    """At these sizes scanning the passing rows is cheaper than asking the graph for
    candidates, so vectors.py would scan; the tests want the graph's answers."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(vectors_module, "EXACT_PER_CANDIDATE", 0)
        yield


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """An ANN index of ROWS clustered vectors (5% of them dead rows), and its exact twin."""
    path = write(tmp_path_factory.mktemp("ann"), clustered(ROWS, 1))
    index = opened(path, ROWS, FACETS)
    calls = []
    search = index.ann.search
    index.ann.search = lambda *a, **kw: calls.append(1) or search(*a, **kw)
    return index, exact_of(index), calls


def recall(got, want):
    want = {r for r, _ in want}
    return len({r for r, _ in got} & want) / len(want) if want else 1.0


def test_the_writer_builds_a_graph_of_every_row(built):
    index, _, _ = built
    assert index.ann.index.ntotal == ROWS
    assert ann.ann_path(Path(index.vectors.filename)).exists()


def test_recall_at_100_against_the_exact_scan(built):
    index, exact, calls = built
    before = len(calls)
    recalls = [recall(index.search(q, K, Filters()), exact.search(q, K, Filters()))
               for q in QUERIES]
    assert len(calls) - before == len(QUERIES)  # the graph answered, not the exact scan
    assert np.mean(recalls) >= 0.97, recalls


@pytest.mark.parametrize("rescore, error", [(False, 0.01), (True, 1e-5)])
def test_scores_are_close_to_the_exact_scans_and_min_score_holds(built, rescore, error):
    """The graph's codes give each cosine to within `error`; re-scored, it is exact."""
    index, _, _ = built
    index = VectorIndex(index.vectors, index.facts, ann=index.ann, ann_rescore=rescore)
    vectors = np.asarray(index.vectors)
    errors = []
    for q in QUERIES[:10]:
        hits = index.search(q, K, Filters(), min_score=0.5)
        scores = [s for _, s in hits]
        assert scores == sorted(scores, reverse=True)
        assert all(s >= 0.5 for s in scores)
        errors += [abs(score - float(vectors[row] @ q)) for row, score in hits]
    assert len(errors) > K and max(errors) <= error


class Unreadable:
    """A vector file of `rows` rows that fails any read."""

    def __init__(self, rows):
        self.rows = rows

    def __len__(self):
        return self.rows

    def __getitem__(self, key):
        raise AssertionError("the vector file was read")


def test_the_graph_answers_without_reading_the_vector_file(built):
    """What keeps a million passages' 2 GB of float32 rows out of the server's memory."""
    index, exact, _ = built
    graph_only = VectorIndex(Unreadable(ROWS), index.facts, ann=index.ann)
    for q in QUERIES[:10]:
        got = graph_only.search(q, K, Filters(languages=["it"]))
        assert recall(got, exact.search(q, K, Filters(languages=["it"]))) >= 0.9
    rescoring = VectorIndex(Unreadable(ROWS), index.facts, ann=index.ann, ann_rescore=True)
    with pytest.raises(AssertionError, match="was read"):
        rescoring.search(QUERIES[0], K, Filters())


def test_dead_rows_never_come_back(built):
    index, _, _ = built
    dead = set(np.flatnonzero(~FACETS["alive"]))
    # queries that are dead rows themselves: their nearest neighbour would be their own row
    for row in sorted(dead)[:20]:
        hits = index.search(np.asarray(index.vectors[row]), K, Filters())
        assert len(hits) == K and not dead & {r for r, _ in hits}


filters_strategy = st.builds(
    Filters,
    languages=st.sampled_from([[], ["en"], ["it"], ["en", "it"]]),
    kinds=st.sampled_from([[], [], ["news"], ["press-release"]]),
    sources=st.sampled_from([[], [], [], ["ansa"], ["ansa", "reuters"]]),
    date_from=st.sampled_from(["", "", "2020", "2021-06"]),
    date_to=st.sampled_from(["", "", "2023", "2024-12-31"]),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(filters=filters_strategy, q=st.integers(0, len(QUERIES) - 1),
       k=st.sampled_from([1, 10, 100, 500]))
def test_filters_are_honoured_without_losing_hits(built, filters, q, k):
    index, exact, _ = built
    got, want = index.search(QUERIES[q], k, filters), exact.search(QUERIES[q], k, filters)
    mask = exact.facts.mask(filters)
    assert all(mask[r] for r, _ in got)  # every hit passes the filters and is alive
    assert len(got) == len(want)  # as many hits as the exact scan: none lost to filtering
    assert recall(got, want) >= 0.9


def test_a_language_filter_keeps_recall(built):
    index, exact, calls = built
    before = len(calls)
    for lang in ("en", "it"):
        f = Filters(languages=[lang])
        recalls = [recall(index.search(q, K, f), exact.search(q, K, f)) for q in QUERIES]
        assert np.mean(recalls) >= 0.97, (lang, recalls)
    assert len(calls) - before == 2 * len(QUERIES)


def test_a_filter_that_excludes_the_querys_neighbourhood_loses_nothing(tmp_path):
    """Dates follow topics, as in news: a date filter can exclude every row near the query.
    The graph's unfiltered candidates then run out of passing rows; the search looks
    further or scans, and still returns the exact scan's hits."""
    vectors, which = clustered(ROWS, 1, labels=True)
    fac = facets(ROWS, 1001, dead=0)
    spans = [date_span(d) for d in DATES[:-1]]
    fac["date_start"] = np.array([spans[w % len(spans)][0] for w in which], np.int64)
    fac["date_end"] = np.array([spans[w % len(spans)][1] for w in which], np.int64)
    index = opened(write(tmp_path, vectors), ROWS, fac)
    exact = VectorIndex(index.vectors, RowFacts(fac))
    f = Filters(date_to="2021")  # 3 of 6 years: about half the rows, whole subtopics
    excluded = 0
    for q, w in zip(*clustered(40, 99, labels=True)):
        excluded += spans[w % len(spans)][1] > date_span("2021")[1]
        for k in (10, 100):
            got, want = index.search(q, k, f), exact.search(q, k, f)
            assert len(got) == len(want) and recall(got, want) >= 0.95
    assert excluded >= 10  # queries whose own subtopic the filter excludes


def test_a_selective_filter_is_scanned_exactly(built, monkeypatch):
    monkeypatch.setattr(vectors_module, "EXACT_PER_CANDIDATE", 32)  # the product's setting
    index, exact, calls = built
    f = Filters(kinds=["press-release"], languages=["it"])  # about 8% of the rows
    before = len(calls)
    for q in QUERIES[:10]:
        got, want = index.search(q, K, f), exact.search(q, K, f)
        assert [r for r, _ in got] == [r for r, _ in want]
        assert [s for _, s in got] == pytest.approx([s for _, s in want], abs=1e-6)
    assert len(calls) == before


def test_below_the_threshold_the_exact_scan_answers(built):
    index, exact, _ = built
    below = VectorIndex(index.vectors, RowFacts(FACETS), ann=index.ann, ann_min_rows=ROWS + 1)
    assert not below.uses_ann()
    for q in QUERIES[:5]:
        assert below.search(q, K, Filters(languages=["it"])) == exact.search(
            q, K, Filters(languages=["it"]))


def test_appending_extends_the_copied_graph(tmp_path, monkeypatch, built):
    """`newsdesk add`: the generation is copied, rows appended, the graph extended with the
    new rows only, and the results match a fresh build's within recall."""
    vectors = clustered(ROWS, 1)
    live = write(tmp_path / "live", vectors[:4000])
    copy = tmp_path / "copy"
    shutil.copytree(live.parent, copy)
    new_graphs = []
    real_new = ann._new_index
    monkeypatch.setattr(ann, "_new_index", lambda dim: new_graphs.append(dim) or real_new(dim))
    write(copy, vectors[4000:], count=4000)
    assert new_graphs == []  # extended, not rebuilt
    extended = opened(copy / "vectors.f32", ROWS, FACETS)
    assert extended.ann.index.ntotal == ROWS
    fresh, exact = built[0], built[1]
    for f in (Filters(), Filters(languages=["it"])):
        r_ext = [recall(extended.search(q, K, f), exact.search(q, K, f)) for q in QUERIES]
        r_new = [recall(fresh.search(q, K, f), exact.search(q, K, f)) for q in QUERIES]
        assert np.mean(r_ext) >= 0.97 and abs(np.mean(r_ext) - np.mean(r_new)) < 0.02
    # the rows appended are found: each is its own nearest neighbour
    for row in range(4000, ROWS, 400):
        if FACETS["alive"][row]:
            assert extended.search(vectors[row], 1, Filters())[0][0] == row


def test_a_close_without_new_rows_keeps_the_graph(tmp_path):
    """`newsdesk remove` appends nothing: the copied graph is kept as it is."""
    path = write(tmp_path, clustered(500, 3))
    before = ann.ann_path(path).read_bytes()
    VectorWriter(path, DIM, 500).close()
    assert ann.ann_path(path).read_bytes() == before


def test_a_graph_that_does_not_match_is_rebuilt_on_append(tmp_path, caplog):
    path = write(tmp_path, clustered(500, 3))
    shutil.copy(ann.ann_path(write(tmp_path / "other", clustered(300, 4))), ann.ann_path(path))
    with caplog.at_level(logging.WARNING, logger="newsdesk"):
        write(tmp_path, clustered(100, 5), count=500)
    assert "building it again" in caplog.text
    assert AnnIndex.open(path, DIM, 600).index.ntotal == 600


def test_a_damaged_or_mismatched_graph_is_refused_when_opened(tmp_path):
    path = write(tmp_path, clustered(500, 3))
    with pytest.raises(ValueError, match="500 rows"):
        AnnIndex.open(path, DIM, 400)
    ann.ann_path(path).write_bytes(b"not a faiss index" * 10)
    with pytest.raises(ValueError, match="unreadable"):
        AnnIndex.open(path, DIM, 500)


# --- whole generations: the seed corpus's real embeddings, the manifest's checks ---

def copy_generation(config, tmp_path) -> Path:
    gen = generations.current_dir(config.index_path)
    copy = tmp_path / gen.name
    shutil.copytree(gen, copy)
    return copy


def forced(config, rescore=False):
    config.index.ann_min_rows = 0
    config.index.ann_rescore = rescore
    return config


@pytest.mark.parametrize("rescore", [True, False], ids=["rescored", "graph scores"])
def test_seed_corpus_embeddings_through_the_graph(config, embedder, tmp_path, rescore):
    """Re-scored, the graph gives the exact scan's hits; with the cosines of its 8-bit
    codes (the default), nearly the same, each within 0.002 of its exact cosine."""
    cfg = forced(load_config(config.source), rescore)
    index = Index.open(copy_generation(config, tmp_path), cfg)
    vectors = index.vectors
    assert vectors.uses_ann() and vectors.ann.index.ntotal == len(vectors)
    assert vectors.ann_rescore == rescore
    assert "vectors.hnsw" in index.manifest["files"]
    exact = VectorIndex(vectors.vectors, index.store.row_facts(len(vectors)))
    queries = embedder.encode(["electric vehicles sales in Europe", "veicoli elettrici",
                               "carbon emissions reduction targets", "bilancio di sostenibilità",
                               "who founded the company"])
    for f in (Filters(), Filters(languages=["it"]), Filters(languages=["en"]),
              Filters(date_from="2024")):
        for q in queries:
            got, want = vectors.search(q, 20, f, 0.2), exact.search(q, 20, f, 0.2)
            if rescore:
                assert [r for r, _ in got] == [r for r, _ in want]
                assert [s for _, s in got] == pytest.approx([s for _, s in want], abs=1e-6)
                continue
            cosine = dict(exact.search(q, len(vectors), f))
            assert all(abs(s - cosine[r]) <= 0.002 for r, s in got)
            assert recall(got, want) >= 0.9


def test_a_damaged_graph_makes_the_index_unavailable(config, tmp_path):
    gen = copy_generation(config, tmp_path)
    graph = gen / "vectors.hnsw"
    data = bytearray(graph.read_bytes())
    data[len(data) // 2] ^= 0xFF
    graph.write_bytes(bytes(data))
    with pytest.raises(generations.IndexUnavailable, match="vectors.hnsw has changed"):
        Index.open(gen, config)
    graph.unlink()
    with pytest.raises(generations.IndexUnavailable, match="vectors.hnsw is missing"):
        Index.open(gen, config)


def test_a_generation_from_before_the_graph_scans_exactly(config, embedder, tmp_path, caplog):
    """A generation whose manifest does not list the graph (written before it existed)
    opens with a warning and answers by the exact scan."""
    gen = copy_generation(config, tmp_path)
    (gen / "vectors.hnsw").unlink()
    manifest = json.loads((gen / "manifest.json").read_text())
    del manifest["files"]["vectors.hnsw"]
    (gen / "manifest.json").write_text(json.dumps(manifest))
    with caplog.at_level(logging.WARNING, logger="newsdesk"):
        index = Index.open(gen, forced(load_config(config.source)))
    assert "vectors.hnsw is missing" in caplog.text
    assert index.vectors.ann is None and not index.vectors.uses_ann()
    q = embedder.encode(["electric vehicles"])[0]
    assert index.vectors.search(q, 10, Filters())


def test_add_and_remove_keep_the_graph_complete(tmp_path, embedder):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text("The harbour authority opened a new ferry terminal in Genoa.\n")
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "b.txt").write_text("Mount Etna erupted overnight, closing Catania airport.\n")
    cfg = forced(load_config(write_config(tmp_path, [corpus])))
    build_index(cfg, embedder=embedder, progress=False)
    add_to_index(cfg, [extra], embedder=embedder, progress=False)
    index = Index.open(generations.current_dir(cfg.index_path), cfg)
    assert index.vectors.ann.index.ntotal == len(index.vectors) == 2
    rows = index.vectors.search(embedder.encode(["volcano eruption"])[0], 1, Filters())
    assert index.store.passages_by_row([rows[0][0]])[rows[0][0]].doc_id.startswith("b")
    remove_from_index(cfg, [str(extra / "b.txt")])
    index = Index.open(generations.current_dir(cfg.index_path), cfg)
    assert index.vectors.ann.index.ntotal == 2  # the row stays, masked as dead
    hits = index.vectors.search(embedder.encode(["volcano eruption"])[0], 5, Filters())
    assert [r for r, _ in hits] == [r for r in range(2) if index.facts.alive[r]]


def test_a_graph_begun_small_learns_its_ranges_again_as_it_grows(tmp_path, monkeypatch, built):
    """An archive begun with a few documents and grown by `add`: the 8-bit codes' ranges
    learnt from its first rows are learnt again once the rows have doubled, so recall
    holds; a graph of many rows is only extended."""
    vectors = clustered(ROWS, 1)
    path = write(tmp_path, vectors[:8])
    new_graphs = []
    real_new = ann._new_index
    monkeypatch.setattr(ann, "_new_index", lambda dim: new_graphs.append(dim) or real_new(dim))
    write(tmp_path, vectors[8:12], count=8)
    assert new_graphs == []  # 8 -> 12 rows: extended
    write(tmp_path, vectors[12:], count=12)
    assert new_graphs == [DIM]  # 12 -> 6000: built again
    grown, exact = opened(path, ROWS, FACETS), built[1]
    recalls = [recall(grown.search(q, K, Filters()), exact.search(q, K, Filters()))
               for q in QUERIES]
    # (extended with the ranges of its first 8 rows, it found 0.83)
    assert np.mean(recalls) >= 0.97, np.mean(recalls)

"""`newsdesk eval`: metric functions against hand-computed values, the seeded sampling
rule, setting overrides, and one end-to-end run through the real pipeline."""
from __future__ import annotations

import json
import math

import pytest

from indexer.cli import main
from indexer.config import ConfigError, load_config, with_overrides
from indexer.evaluation.command import DEFAULT_DATA, parse_overrides
from indexer.evaluation.datasets import SETS, Query, sample
from indexer.evaluation.metrics import first_occurrences, ndcg_at, recall_at, reciprocal_rank, top1

from conftest import write_config

RANKED = ["a", "b", "c", "d", "e"]


def test_recall_counts_relevant_within_cutoff():
    assert recall_at(RANKED, {"c"}, 2) == 0.0
    assert recall_at(RANKED, {"c"}, 3) == 1.0
    assert recall_at(RANKED, {"a", "z"}, 10) == 0.5  # z is never retrieved
    assert recall_at(RANKED, {"b", "d"}, 3) == 0.5
    assert recall_at([], {"a"}, 10) == 0.0


def test_reciprocal_rank_is_first_relevant_only():
    assert reciprocal_rank(RANKED, {"c"}, 10) == pytest.approx(1 / 3)
    assert reciprocal_rank(RANKED, {"e", "b"}, 10) == pytest.approx(1 / 2)
    assert reciprocal_rank(RANKED, {"e"}, 4) == 0.0  # beyond the cutoff
    assert reciprocal_rank(RANKED, {"z"}, 10) == 0.0


def test_ndcg_hand_computed():
    # One relevant at rank 3: (1 / log2 4) / 1 = 0.5.
    assert ndcg_at(RANKED, {"c"}, 10) == pytest.approx(0.5)
    # Relevant at ranks 1 and 3 out of two: (1 + 1/2) / (1 + 1/log2 3).
    assert ndcg_at(RANKED, {"a", "c"}, 10) == pytest.approx(1.5 / (1 + 1 / math.log2(3)))
    assert ndcg_at(RANKED, {"a", "c"}, 10) == pytest.approx(0.919720, abs=1e-6)
    # Equally relevant items at the top in either order are both ideal (tied gains).
    assert ndcg_at(["b", "a", "c"], {"a", "b"}, 10) == pytest.approx(1.0)
    assert ndcg_at(["a", "b", "c"], {"a", "b"}, 10) == pytest.approx(1.0)
    # The ideal DCG is cut at k too: three relevant, k = 2, both top slots relevant -> 1.
    assert ndcg_at(["a", "b"], {"a", "b", "c"}, 2) == pytest.approx(1.0)
    assert ndcg_at(RANKED, {"z"}, 10) == 0.0
    assert ndcg_at(RANKED, {"e"}, 4) == 0.0


def test_top1_and_no_relevant_at_all():
    assert top1(RANKED, {"a"}) == 1.0
    assert top1(RANKED, {"b"}) == 0.0
    assert top1([], {"a"}) == 0.0
    for metric in (lambda r, s: recall_at(r, s, 10), lambda r, s: ndcg_at(r, s, 10)):
        assert metric(RANKED, set()) == 0.0


def test_passages_of_one_document_count_once_at_their_best_rank():
    hits = ["d1", "d2", "d1", "d3", "d2", "d4"]
    ranked = first_occurrences(hits)
    assert ranked == ["d1", "d2", "d3", "d4"]
    assert recall_at(ranked, {"d4"}, 4) == 1.0  # the repeats did not push d4 out
    assert recall_at(hits, {"d4"}, 4) == 0.0
    assert reciprocal_rank(ranked, {"d3"}, 10) == pytest.approx(1 / 3)


def test_sample_is_seeded_sorted_and_stable():
    queries = [Query(str(i), f"q{i}", frozenset({str(i)})) for i in range(50)]
    picked = sample(queries, 10)
    assert len(picked) == 10 and len({q.id for q in picked}) == 10
    assert [int(q.id) for q in picked] == sorted(int(q.id) for q in picked)
    assert picked == sample(queries, 10)
    assert sample(queries, 500) == queries and sample(queries, None) == queries


@pytest.mark.skipif(not (DEFAULT_DATA / "squad_en_retrieval").is_dir(),
                    reason="shared evaluation data not present")
def test_sample_rule_reproduces_the_data_readme_sample_files():
    for name, folder in (("squad_en", "squad_en_retrieval"), ("squad_it", "squad_it_retrieval")):
        given = [json.loads(line)["id"]
                 for line in open(DEFAULT_DATA / folder / "queries_sample.jsonl")]
        assert [q.id for q in sample(SETS[name].load_queries(DEFAULT_DATA), 300)] == given


def test_overrides_are_typed_and_checked():
    base = load_config()
    changed = with_overrides(base, parse_overrides(
        ["search.fusion=weighted", "search.keyword_weight=0.3", "index.passage_max_words=120"]))
    assert changed.search.fusion == "weighted" and changed.search.keyword_weight == 0.3
    assert changed.index.passage_max_words == 120
    assert base.search.fusion == load_config().search.fusion  # the original is untouched
    with pytest.raises(ConfigError, match="unknown key"):
        with_overrides(base, parse_overrides(["search.nonsense=1"]))
    with pytest.raises(ConfigError, match="must be int"):
        with_overrides(base, parse_overrides(["search.rrf_k=soon"]))
    with pytest.raises(ConfigError, match="fusion must be"):
        with_overrides(base, parse_overrides(["search.fusion=max"]))
    with pytest.raises(ConfigError, match="section.key=value"):
        parse_overrides(["rrf_k=3"])


PAIRS = [
    ("The cat is sleeping on the sofa.", "Il gatto dorme sul divano."),
    ("I bought fresh bread this morning.", "Stamattina ho comprato il pane fresco."),
    ("The train to Milan is late again.", "Il treno per Milano è di nuovo in ritardo."),
    ("My sister works in a hospital.", "Mia sorella lavora in un ospedale."),
    ("It is raining heavily in Rome.", "Piove molto forte a Roma."),
    ("We will go to the beach tomorrow.", "Domani andremo al mare."),
    ("The museum closes at six.", "Il museo chiude alle sei."),
    ("He forgot his keys at home.", "Ha dimenticato le chiavi a casa."),
    ("The government raised taxes on fuel.", "Il governo ha aumentato le tasse sul carburante."),
    ("Children love playing football.", "I bambini adorano giocare a calcio."),
    ("The doctor told me to rest.", "Il medico mi ha detto di riposare."),
    ("Where is the nearest pharmacy?", "Dov'è la farmacia più vicina?"),
    ("The company hired two hundred workers.", "L'azienda ha assunto duecento operai."),
    ("I don't like cold coffee.", "Non mi piace il caffè freddo."),
    ("The river flooded the village.", "Il fiume ha inondato il paese."),
    ("She is reading a book about history.", "Sta leggendo un libro di storia."),
    ("The election results surprised everyone.", "I risultati delle elezioni hanno "
                                                 "sorpreso tutti."),
    ("Our flight was cancelled because of the storm.", "Il nostro volo è stato cancellato "
                                                       "a causa della tempesta."),
    ("The bank lowered interest rates.", "La banca ha abbassato i tassi di interesse."),
    ("My phone battery is dead.", "La batteria del mio telefono è scarica."),
    ("The police arrested the thief.", "La polizia ha arrestato il ladro."),
    ("They are building a new bridge.", "Stanno costruendo un nuovo ponte."),
    ("Wine is produced in this valley.", "In questa valle si produce vino."),
    ("The teacher gave us homework.", "L'insegnante ci ha dato i compiti."),
    ("The stock market fell sharply today.", "Oggi la borsa è crollata."),
]


def test_eval_sample_runs_end_to_end(tmp_path):
    data = tmp_path / "eval"
    data.mkdir()
    with open(data / "tatoeba_en_it.tsv", "w", encoding="utf-8") as fh:
        fh.write("id\ten\tit\n")
        for i, (en, it) in enumerate(PAIRS):
            fh.write(f"tat-{i:04d}\t{en}\t{it}\n")
    config = write_config(tmp_path, [tmp_path / "unused"])
    args = ["--config", str(config), "eval", "--data", str(data), "--sets", "tatoeba_en2it",
            "--sample", "20", "--out", str(tmp_path / "out"), "--cache", str(tmp_path / "cache"),
            "--quiet"]
    assert main(args) == 0
    reports = sorted((tmp_path / "out").glob("eval-*.json"))
    assert len(reports) == 1 and reports[0].with_suffix(".md").exists()
    report = json.loads(reports[0].read_text())
    assert report["sample"] == 20 and report["commit"]
    assert report["settings"]["search"]["fusion"] in ("rrf", "weighted")
    (result,) = report["sets"]
    assert result["name"] == "tatoeba_en2it" and result["queries"] == 20
    assert result["corpus_records"] == len(PAIRS) and result["unindexed"] == 0
    assert set(result["modes"]) == {"keyword", "semantic", "hybrid"}
    for mode in result["modes"].values():
        assert mode["queries"] == 20
        assert 0.0 <= mode["top1"] <= mode["recall"] <= mode["recall_depth"] <= 1.0
    # Translations among 25 sentences: chance would put ~40% in the top 10.
    assert result["modes"]["semantic"]["recall"] >= 0.9
    assert result["modes"]["semantic"]["top1"] >= 0.8
    markdown = reports[0].with_suffix(".md").read_text()
    assert "| tatoeba_en2it | hybrid | 20 |" in markdown

    # A second run reuses the cached index and embeddings and gives the same numbers.
    assert main(args) == 0
    again = json.loads(sorted((tmp_path / "out").glob("eval-*.json"))[-1].read_text())
    assert again["sets"][0]["index_cached"] is True
    assert again["sets"][0]["modes"]["hybrid"]["recall"] == result["modes"]["hybrid"]["recall"]


def test_eval_rejects_unknown_sets_and_missing_data(tmp_path, capsys):
    config = str(write_config(tmp_path, [tmp_path]))
    assert main(["--config", config, "eval", "--sets", "nope", "--data", str(tmp_path)]) == 2
    assert "unknown evaluation set" in capsys.readouterr().err
    assert main(["--config", config, "eval", "--data", str(tmp_path / "missing")]) == 2
    assert "not found" in capsys.readouterr().err


def test_a_cached_index_depends_on_every_module_a_build_runs():
    """A cached eval index is reused while its code hash holds: that hash must cover every
    indexer module a build imports (ingest/prepare.py was once left out of it)."""
    import subprocess
    import sys
    from pathlib import Path

    from indexer.evaluation.cache import indexing_sources
    script = ("import sys, indexer.index.build, indexer.index.update; print('\\n'.join("
              "m.__file__ for n, m in sys.modules.items() if n.startswith('indexer.')))")
    imported = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                              check=True, cwd=Path(__file__).resolve().parents[2]).stdout.split()
    assert len(imported) > 20
    root = Path(__file__).resolve().parents[2] / "indexer"
    missing = {Path(f).resolve() for f in imported} - {p.resolve() for p in indexing_sources()}
    assert missing <= {root / "__init__.py"}

"""`newsdesk add`, `remove` and `status`: the archive grows and shrinks in place, every
change is atomic, and a later plain `newsdesk index` rebuilds the same archive."""
import json

import pytest

from indexer.cli import main
from indexer.config import load_config
from indexer.index import generations
from indexer.index.build import ShrinkRefused, build_index
from indexer.index.reader import IndexHandle
from indexer.index.update import add_to_index, remove_from_index
from indexer.models import Filters
from indexer.search.searcher import Searcher, SearchRequest
from tests.conftest import write_config

CORPUS = {
    "harbour.txt": "The harbour authority opened a new ferry terminal in Genoa on Monday.",
    "tides.txt": "Spring tides flooded the old quay in Naples twice this week, officials said.",
}
WEEKLY = {  # this week's dump, added to the archive
    "porto.txt": "Il porto di Genova ha registrato un aumento dei container quest'anno.",
    "storm.txt": "Fishing boats stayed ashore as the storm reached the northern coast.",
}
WIRE = [{"id": "wire-7", "title": "Volcano", "date": "2025-03",
         "text": "Mount Etna erupted overnight, closing Catania airport for six hours."}]


def write_files(folder, files):
    folder.mkdir(exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text + "\n")
    return folder


@pytest.fixture()
def archive(tmp_path, embedder):
    """A built two-document corpus, and this week's folder and dump (not yet added)."""
    corpus = write_files(tmp_path / "corpus", CORPUS)
    weekly = write_files(tmp_path / "weekly", WEEKLY)
    dump = tmp_path / "wire.jsonl"
    dump.write_text("".join(json.dumps(r) + "\n" for r in WIRE))
    cfg_path = write_config(tmp_path, [corpus])
    cfg = load_config(cfg_path)
    build_index(cfg, embedder=embedder, progress=False)
    return cfg, cfg_path, corpus, weekly, dump


def doc_ids(cfg, embedder, query, mode):
    searcher = Searcher(cfg, IndexHandle(cfg), embedder)
    return {h.doc_id for h in searcher.search(SearchRequest(query, mode, per_page=50)).hits}


def manifest(cfg):
    return generations.read_manifest(generations.current_dir(cfg.index_path))


def test_add_appends_to_the_live_archive_and_embeds_only_the_new(archive, embedder):
    cfg, _, _, weekly, dump = archive
    report = add_to_index(cfg, [weekly, dump], embedder=embedder, progress=False)
    assert (report.indexed, report.documents) == (3, 5)
    assert report.embeddings_computed == 3 and report.doc_languages == {"en": 4, "it": 1}
    assert "Added 3 documents" in report.summary() and "now holds 5 documents" in report.summary()
    assert doc_ids(cfg, embedder, "ferry", "keyword") == {"harbour"}  # the archive is kept
    assert doc_ids(cfg, embedder, "Etna eruption", "keyword") == {"wire-7"}
    assert "storm" in doc_ids(cfg, embedder, "storm fishing boats", "semantic")
    assert manifest(cfg)["archive"]["added"] == [str(weekly), str(dump)]


def test_a_plain_rebuild_keeps_what_was_added(archive, embedder):
    cfg, _, corpus, weekly, dump = archive
    add_to_index(cfg, [weekly, dump], embedder=embedder, progress=False)
    assert build_index(cfg, embedder=embedder, progress=False).up_to_date  # nothing changed
    (corpus / "new.txt").write_text("The ferry company ordered two electric boats.\n")
    report = build_index(cfg, embedder=embedder, progress=False)
    assert report.documents == 6 and report.embeddings_computed == 1
    full = build_index(cfg, embedder=embedder, progress=False, full=True)
    assert full.documents == 6 and full.embeddings_computed == 0
    assert doc_ids(cfg, embedder, "Etna", "keyword") == {"wire-7"}


def test_re_adding_keeps_unchanged_documents_and_replaces_changed_ones(archive, embedder):
    cfg, _, _, weekly, _ = archive
    add_to_index(cfg, [weekly], embedder=embedder, progress=False)
    again = add_to_index(cfg, [weekly], embedder=embedder, progress=False)
    assert (again.indexed, again.unchanged, again.documents) == (0, 2, 4)
    (weekly / "storm.txt").write_text("Lifeboats rescued two sailors off Sardinia at dawn.\n")
    changed = add_to_index(cfg, [weekly], embedder=embedder, progress=False)
    assert (changed.replaced, changed.unchanged, changed.documents) == (1, 1, 4)
    assert doc_ids(cfg, embedder, "lifeboats", "keyword") == {"storm"}
    assert doc_ids(cfg, embedder, "fishing", "keyword") == set()
    # the old version's vector stays in the file, unused: semantic search never returns it
    semantic = Searcher(cfg, IndexHandle(cfg), embedder).search(
        SearchRequest("fishing boats ashore storm coast", "semantic", per_page=50))
    assert [h.text for h in semantic.hits if h.doc_id == "storm"] == [
        "Lifeboats rescued two sailors off Sardinia at dawn."]
    assert manifest(cfg)["vector_rows"] == 5 and manifest(cfg)["passages"] == 4
    index = IndexHandle(cfg).get()
    rows = [r for r, _ in index.vectors.search(embedder.encode(["storm"])[0], 10, Filters())]
    assert sorted(rows) == sorted(p.row for p in index.store.passages_by_row(range(5)).values())


def test_remove_by_id_and_by_path_is_remembered_by_rebuilds(archive, embedder):
    cfg, _, corpus, weekly, dump = archive
    add_to_index(cfg, [weekly, dump], embedder=embedder, progress=False)
    report = remove_from_index(cfg, ["wire-7", str(corpus / "tides.txt")])
    assert (report.removed, report.documents) == (2, 3)
    for mode in ("keyword", "semantic", "hybrid"):
        found = doc_ids(cfg, embedder, "Etna volcano Catania tides Naples quay", mode)
        assert not found & {"wire-7", "tides"}, mode
    assert IndexHandle(cfg).get().store.document("tides") is None
    record = manifest(cfg)["archive"]
    assert record["removed"] == [f"{dump}:1", str(corpus / "tides.txt")]
    full = build_index(cfg, embedder=embedder, progress=False, full=True)
    assert full.documents == 3 and doc_ids(cfg, embedder, "Naples", "keyword") == set()
    # adding the file again takes back its removal
    add_to_index(cfg, [corpus / "tides.txt"], embedder=embedder, progress=False)
    assert doc_ids(cfg, embedder, "Naples", "keyword") == {"tides"}


def test_removing_an_added_folder_forgets_it(archive, embedder):
    cfg, _, _, weekly, _ = archive
    add_to_index(cfg, [weekly], embedder=embedder, progress=False)
    assert remove_from_index(cfg, [str(weekly)]).removed == 2
    assert manifest(cfg)["archive"] == {"added": [], "removed": []}
    assert build_index(cfg, embedder=embedder, progress=False, full=True).documents == 2


def test_remove_of_something_not_in_the_archive_changes_nothing(archive, capsys):
    cfg, cfg_path, corpus, _, _ = archive
    live = generations.current_dir(cfg.index_path)
    assert main(["--config", str(cfg_path), "remove", "harbour", "no-such-doc"]) == 2
    assert "no-such-doc" in capsys.readouterr().err
    assert generations.current_dir(cfg.index_path) == live and manifest(cfg)["documents"] == 2
    assert not list(cfg.index_path.glob("tmp-*"))


def test_removing_most_of_the_archive_needs_allow_shrink(archive):
    cfg, _, corpus, _, _ = archive
    with pytest.raises(ShrinkRefused, match="0 documents.*has 2"):
        remove_from_index(cfg, [str(corpus)])
    assert manifest(cfg)["documents"] == 2
    assert remove_from_index(cfg, ["harbour", "tides"], allow_shrink=True).documents == 0


def test_status_shows_config_index_and_archive(archive, embedder, capsys):
    cfg, cfg_path, corpus, weekly, _ = archive
    add_to_index(cfg, [weekly], embedder=embedder, progress=False)
    remove_from_index(cfg, ["harbour"])
    assert main(["--config", str(cfg_path), "status"]) == 0
    out = capsys.readouterr().out
    gen = generations.current_name(cfg.index_path)
    for expected in (f"config:      {cfg_path}", f"index:       {cfg.index_path}",
                     f"live:        {gen}", "documents:   3 (en 2, it 1)",
                     "passages:    3 (en 2, it 1)", f"added:       {weekly}",
                     f"removed:     {corpus / 'harbour.txt'}"):
        assert expected in out, (expected, out)
    assert main(["--config", str(cfg_path), "status", "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["live"] == gen and info["doc_languages"] == {"en": 2, "it": 1}
    assert info["created"] <= info["updated"]


def test_add_and_remove_share_keyword_segments_and_leave_the_old_generation_intact(
        archive, embedder, monkeypatch):
    """The copy hard-links keyword segment files; a change must never write into them."""
    import indexer.index.update as update
    monkeypatch.setattr(update, "LINK_MIN_BYTES", 0)  # the test archive's files are small
    cfg, _, _, weekly, dump = archive
    for change in (lambda: add_to_index(cfg, [weekly, dump], embedder=embedder, progress=False),
                   lambda: remove_from_index(cfg, ["harbour", "wire-7"])):
        old = generations.current_dir(cfg.index_path)
        old_manifest = generations.read_manifest(old)
        inodes = {f.stat().st_ino for f in (old / "keyword").rglob("*") if f.is_file()}
        change()
        new = generations.current_dir(cfg.index_path)
        assert new != old
        shared = [f for f in (new / "keyword").rglob("*")
                  if f.is_file() and f.stat().st_ino in inodes]
        assert shared, "no keyword file was linked"
        generations.verify(old, old_manifest)  # every file of the old generation unchanged
    assert doc_ids(cfg, embedder, "ferry OR Etna", "keyword") == set()
    assert doc_ids(cfg, embedder, "storm", "keyword") == {"storm"}


def test_add_and_remove_leave_the_mentions_a_build_would_read_from_the_store(archive,
                                                                             embedder):
    """The names and figures files are changed, not rebuilt: they must still say what the
    changed store says, a display form moving on when its first mention is removed."""
    import sqlite3

    from indexer.index.row_facts import MENTION_KINDS, Mentions
    from indexer.index.store import mentions_path, stored_mentions

    cfg, _, corpus, weekly, dump = archive
    (weekly / "genoa.txt").write_text("GENOA port workers met the Genoa Port Authority in "
                                      "2025, asking for 5% more.\n")
    add_to_index(cfg, [weekly, dump], embedder=embedder, progress=False)
    (weekly / "storm.txt").write_text("Lifeboats rescued two sailors off Sardinia near Genoa.\n")
    add_to_index(cfg, [weekly], embedder=embedder, progress=False)  # replaces storm.txt
    remove_from_index(cfg, ["harbour"])  # the first "Genoa"
    gen = generations.current_dir(cfg.index_path)
    rows = manifest(cfg)["vector_rows"]
    with sqlite3.connect(f"file:{gen / 'store.sqlite'}?mode=ro", uri=True) as db:
        for kind in MENTION_KINDS:
            live, stored = Mentions.load(mentions_path(gen / "store.sqlite", kind)), \
                stored_mentions(db, rows, kind)
            assert [live.labels_of(r) for r in range(rows)] == \
                [stored.labels_of(r) for r in range(rows)], kind
            assert {k: live.labels[c] for k, c in live.keys.items()} == \
                {k: stored.labels[c] for k, c in stored.keys.items()}, kind
    names = Mentions.load(mentions_path(gen / "store.sqlite", "name"))
    assert names.labels[names.keys["genoa"]] == "GENOA" and "naples" in names.keys


def test_add_sums_only_the_new_documents_vectors_and_keeps_the_others(archive, embedder,
                                                                      monkeypatch):
    """Story grouping's document vectors are kept with the index: an `add` sums only the
    new documents' passages, and the kept vectors are those a full sum gives."""
    import numpy as np

    import indexer.index.build as build
    from indexer.index.stories import load_document_vectors
    from indexer.index.store import Store
    from indexer.index.vectors import open_vectors

    cfg, _, _, weekly, dump = archive
    summed = []
    real = build.document_vectors
    monkeypatch.setattr(build, "document_vectors", lambda vectors, doc_of_row, docs: (
        summed.append(int((doc_of_row >= 0).sum())) or real(vectors, doc_of_row, docs)))
    add_to_index(cfg, [weekly, dump], embedder=embedder, progress=False)
    (weekly / "storm.txt").write_text("Lifeboats rescued two sailors off Sardinia at dawn.\n")
    add_to_index(cfg, [weekly], embedder=embedder, progress=False)  # storm.txt replaced
    remove_from_index(cfg, ["harbour"])
    assert summed == [3, 1, 0]  # the passages of the documents each change wrote
    gen = generations.current_dir(cfg.index_path)
    kept, vectors = load_document_vectors(gen / build.DOCUMENT_VECTORS)
    store = Store(gen / "store.sqlite")
    doc_ids = ["tides", "porto", "storm", "wire-7"]
    assert sorted(kept) == sorted(doc_ids)
    rows = manifest(cfg)["vector_rows"]
    doc_of_row = np.full(rows, -1)
    for doc_id in doc_ids:
        for p in store.passages_of(doc_id):
            doc_of_row[p.row] = doc_ids.index(doc_id)
    expected = real(open_vectors(gen / "vectors.f32", embedder.dim, rows), doc_of_row,
                    len(doc_ids))
    assert np.allclose(vectors[[kept[d] for d in doc_ids]], expected, atol=1e-6)


def joined_row_facts(db, rows):
    """What Store.row_facts read before, with one join: every fact once a passage."""
    import numpy as np

    from indexer.index.row_facts import RowFacts
    columns = {name: np.full(rows, "", dtype=object)
               for name in ("doc_id", "language", "kind", "source", "story")}
    columns |= {"date_start": np.zeros(rows, np.int64), "date_end": np.zeros(rows, np.int64),
                "alive": np.zeros(rows, dtype=bool)}
    for row, *values in db.execute(
            "SELECT p.row, p.doc_id, p.language, d.kind, d.source, d.story_id, d.date_start, "
            "d.date_end FROM passages p JOIN documents d USING (doc_id)"):
        for name, value in zip(("doc_id", "language", "kind", "source", "story", "date_start",
                                "date_end"), values):
            columns[name][row] = value or (0 if name.startswith("date") else "")
        columns["alive"][row] = True
    return RowFacts(columns)


def test_row_facts_read_by_document_equal_those_of_a_join(archive, embedder):
    """Row facts are read as documents and passages and spread by array: the same codes,
    values (in order of first appearance) and dates as a join gave, with dead rows."""
    import sqlite3

    from indexer.index.row_facts import CATEGORIES
    from indexer.index.store import Store

    cfg, _, _, weekly, dump = archive
    (weekly / "sailors.txt").write_text("Lifeboats rescued two sailors off Sardinia.\n\n"
                                        + "The coast guard thanked the fishermen. " * 60 + "\n")
    add_to_index(cfg, [weekly, dump], embedder=embedder, progress=False)
    (weekly / "storm.txt").write_text("The storm reached Corsica on Sunday night.\n")
    add_to_index(cfg, [weekly], embedder=embedder, progress=False)  # replaces storm.txt
    remove_from_index(cfg, ["harbour"])
    gen = generations.current_dir(cfg.index_path)
    rows = manifest(cfg)["vector_rows"]
    store = Store(gen / "store.sqlite")
    ours = store.row_facts(rows)
    store.close()
    with sqlite3.connect(f"file:{gen / 'store.sqlite'}?mode=ro", uri=True) as db:
        joined = joined_row_facts(db, rows)
    assert not ours.all_alive and len({ours.doc_id(r) for r in range(rows)}) > 3
    assert ours.doc_ids == joined.doc_ids and ours.doc.tolist() == joined.doc.tolist()
    for name in CATEGORIES:
        assert ours.categories[name].values == joined.categories[name].values, name
        assert ours.categories[name].codes.tolist() == joined.categories[name].codes.tolist()
    assert (ours.story.values, ours.story.codes.tolist()) == \
        (joined.story.values, joined.story.codes.tolist())
    for name in ("date_start", "date_end", "alive"):
        assert getattr(ours, name).tolist() == getattr(joined, name).tolist(), name

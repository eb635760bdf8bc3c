"""`newsdesk add` / `remove` change the mentions files (row_facts.Mentions) at the cost of
the change, and must leave exactly what reading the changed store would give."""
import random

import numpy as np
import pytest

from indexer.index.row_facts import Mentions


def from_store(rows: int, stored: list[tuple[int, str, str]]) -> Mentions:
    """What a build reads from the store's mentions (in insertion order): each key's first
    display form, the distinct (row, key) pairs by row."""
    labels, pairs = {}, {}
    for row, key, text in stored:
        labels.setdefault(key, text)
    for row, key, _ in sorted(stored, key=lambda m: m[0]):
        pairs.setdefault((row, key), None)
    return Mentions.of(rows, dict(sorted(labels.items())), list(pairs))


def observable(m: Mentions, rows: int):
    """Everything search sees: each row's labels in order, each key's label and rows."""
    return ([m.labels_of(r) for r in range(rows)],
            {key: (m.labels[code], np.flatnonzero(m.mask([key], rows)).tolist())
             for key, code in m.keys.items()})


def random_mentions(rng, first_row, rows, keys):
    out = []
    for row in range(first_row, rows):
        for _ in range(rng.randrange(4)):
            key = rng.choice(keys)
            out.append((row, key, rng.choice([key.upper(), key.title(), key])))
    return out


@pytest.mark.parametrize("seed", range(40))
def test_changed_mentions_equal_those_read_from_the_changed_store(seed):
    rng = random.Random(seed)
    keys = [f"name {i}" for i in range(rng.randrange(1, 12))]
    rows = rng.randrange(0, 30)
    stored = random_mentions(rng, 0, rows, keys)
    live = from_store(rows, stored)
    # a change: documents (runs of rows) taken out, new rows written, some of them taken
    # out again in the same change (a re-added file replaced twice)
    new_rows = rows + rng.randrange(0, 10)
    added = random_mentions(rng, rows, new_rows, keys + ["new name"])
    removed = sorted(rng.sample(range(new_rows), rng.randrange(0, new_rows + 1)))
    gone = set(removed)
    left = [m for m in stored + added if m[0] not in gone]
    expected = from_store(new_rows, left)

    def first_text(row, key):
        assert row < rows and row not in gone, "asked for a row not in the live store"
        return next(text for r, k, text in stored if (r, k) == (row, key))

    changed = live.changed(new_rows, np.asarray(removed, dtype=np.int64), added, first_text)
    assert observable(changed, new_rows) == observable(expected, new_rows)
    assert set(changed.keys) == {k for _, k, _ in left}  # keys no longer mentioned dropped
    assert changed.starts[-1] == len(changed.codes) == len(changed.entry_rows)


def test_a_key_whose_first_mention_is_removed_takes_the_next_display_form():
    live = from_store(3, [(0, "genoa", "GENOA"), (1, "genoa", "Genoa"), (2, "genoa", "genoa")])
    asked = []

    def first_text(row, key):
        asked.append((row, key))
        return {1: "Genoa", 2: "genoa"}[row]

    changed = live.changed(3, np.asarray([0]), [], first_text)
    assert changed.labels == ["Genoa"] and asked == [(1, "genoa")]
    # nothing asked when the first mention stays
    asked.clear()
    assert live.changed(3, np.asarray([2]), [], first_text).labels == ["GENOA"] and not asked

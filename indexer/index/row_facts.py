"""What search needs to know of every passage, held in memory by the passage's row.

A passage's row is its row in the vector file and in the store; the keyword engines
return rows too. For each row: its document, its language, its document's kind and
source, the document's first and last day, its story (index/stories.py), and whether
the passage is still in the index (`alive`: not removed or replaced by `newsdesk add` /
`remove` since the row was written). Strings are kept once, as small integer codes per
row, so a million passages take about 20 MB, and filtering, grouping by document, facets
and the timeline are array operations over the rows of a search, not store queries. The
names and figures a passage mentions (ingest/names.py) are kept the same way, as many
codes per row (`Mentions`), for the Names and Figures facets and filters; a build writes
them to `mentions-name.npz` / `mentions-figure.npz` (about 10 a passage: reading them
from the store took 0.4 s at 9k passages, so a minute at a million), which search loads
as they are.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from itertools import islice
from pathlib import Path

import numpy as np

from ..dates import filter_span
from ..ingest.names import name_key
from ..models import Filters

CATEGORIES = ("language", "kind", "source")
MENTION_KINDS = ("name", "figure")  # ingest/names.py Mention.kind
MENTIONS_CHUNK = 65536  # (row, key) pairs read at a time


@dataclass
class Category:
    values: list[str]
    codes: np.ndarray  # int32 per row: an index into values

    @classmethod
    def of(cls, column) -> "Category":
        """Codes in order of first appearance; a missing value (None) is ""."""
        seen: dict[str, int] = {}
        codes = np.fromiter((seen.setdefault(v or "", len(seen)) for v in column),
                            dtype=np.int32, count=len(column))
        return cls(list(seen), codes)

    @classmethod
    def coded(cls, values: list[str], codes: np.ndarray) -> "Category":
        """From `codes` into distinct `values`, numbered as `of` numbers them (in order of
        first appearance; values no row has are left out)."""
        used, first = np.unique(codes, return_index=True)
        order = used[np.argsort(first)]
        renumber = np.zeros(len(values), dtype=np.int32)
        renumber[order] = np.arange(len(order), dtype=np.int32)
        return cls([values[c] for c in order.tolist()], renumber[codes])

    def mask(self, wanted: list[str]) -> np.ndarray:
        idx = [self.values.index(v) for v in wanted if v in self.values]
        return np.isin(self.codes, idx)

    def value(self, row: int) -> str:
        return self.values[self.codes[row]]

    @cached_property
    def label_order(self) -> np.ndarray:
        return sorted_places(self.values)


@dataclass
class Mentions:
    """One kind of mention (names, or figures) of every row, each distinct key once per
    row: row r mentions `codes[starts[r]:starts[r + 1]]`, indexes into `keys`."""

    keys: dict[str, int]  # name_key -> code
    labels: list[str]  # each code's display form (its first mention's)
    starts: np.ndarray  # int64, one more than there are rows
    codes: np.ndarray  # int32
    entry_rows: np.ndarray  # int64: the row of each code in `codes`

    @classmethod
    def of(cls, rows: int, labels: dict[str, str], mentions) -> "Mentions":
        """From each key's display form and the distinct (row, key) pairs in order of row,
        taken a chunk at a time into arrays (the 10.1M names of a million passages: reading
        them into Python lists first peaked at 582 MB, a chunk at a time at 289)."""
        keys = {key: code for code, key in enumerate(labels)}
        entry_rows, codes, pairs = [np.zeros(0, np.int64)], [np.zeros(0, np.int32)], iter(mentions)
        while chunk := list(islice(pairs, MENTIONS_CHUNK)):
            entry_rows.append(np.fromiter((row for row, _ in chunk), np.int64, len(chunk)))
            codes.append(np.fromiter((keys[key] for _, key in chunk), np.int32, len(chunk)))
        entry_rows = np.concatenate(entry_rows)
        starts = np.zeros(rows + 1, dtype=np.int64)
        starts[1:] = np.cumsum(np.bincount(entry_rows, minlength=rows)[:rows])
        return cls(keys, list(labels.values()), starts, np.concatenate(codes), entry_rows)

    def changed(self, rows: int, removed: np.ndarray, added: list[tuple[int, str, str]],
                first_text) -> "Mentions":
        """These mentions after `newsdesk add` / `remove`, as `of` would make them from the
        changed store, at the cost of the change: the entries of the `removed` rows dropped,
        the `added` (row, key, text) mentions (rows past this one's, in order) appended,
        keys mentioned nowhere any more dropped. A key keeps its display form unless the row
        of its first mention was removed: then it takes its first remaining mention's,
        `first_text(row, key)` for a row of this one."""
        keep = ~np.isin(self.entry_rows, removed)
        old_rows, old_codes = self.entry_rows[keep], self.codes[keep]
        old_keys = list(self.keys)
        # only the codes of removed entries can lose their first mention, or all of them;
        # entries are in order of row, so a code's first entry is its first mention's row
        touched = np.unique(self.codes[~keep])
        before = np.isin(self.codes, touched)
        after = before & keep
        codes_before, first_before = np.unique(self.codes[before], return_index=True)
        codes_after, first_after = np.unique(self.codes[after], return_index=True)
        was_first = self.entry_rows[before][first_before[np.searchsorted(codes_before,
                                                                          codes_after)]]
        now_first = self.entry_rows[after][first_after]
        codes_left = np.setdiff1d(np.arange(len(old_keys)), np.setdiff1d(touched, codes_after))
        labels = {old_keys[c]: self.labels[c] for c in codes_left.tolist()}
        moved = was_first != now_first
        for code, row in zip(codes_after[moved].tolist(), now_first[moved].tolist()):
            labels[old_keys[code]] = first_text(row, old_keys[code])
        gone = set(removed.tolist())
        new_pairs = {}  # (row, key), in order
        for row, key, text in added:
            if row not in gone:
                labels.setdefault(key, text)
                new_pairs.setdefault((row, key), None)
        keys = {key: code for code, key in enumerate(labels)}
        remap = np.full(len(old_keys), -1, dtype=np.int32)
        remap[codes_left] = np.arange(len(codes_left), dtype=np.int32)
        entry_rows = np.concatenate([old_rows, np.fromiter(
            (r for r, _ in new_pairs), dtype=np.int64, count=len(new_pairs))])
        codes = np.concatenate([remap[old_codes], np.fromiter(
            (keys[k] for _, k in new_pairs), dtype=np.int32, count=len(new_pairs))])
        starts = np.zeros(rows + 1, dtype=np.int64)
        starts[1:] = np.cumsum(np.bincount(entry_rows, minlength=rows)[:rows])
        return Mentions(keys, list(labels.values()), starts, codes, entry_rows)

    def mask(self, keys: list[str], rows: int) -> np.ndarray:
        """The rows mentioning any of `keys`."""
        wanted = [self.keys[k] for k in keys if k in self.keys]
        mask = np.zeros(rows, dtype=bool)
        mask[self.entry_rows[np.isin(self.codes, wanted)]] = True
        return mask

    def of_rows(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(position in `rows`, code) of every mention of the given rows."""
        first, lengths = self.starts[rows], self.starts[rows + 1] - self.starts[rows]
        owner = np.repeat(np.arange(len(rows)), lengths)
        offsets = np.arange(int(lengths.sum())) - np.repeat(np.cumsum(lengths) - lengths, lengths)
        return owner, self.codes[np.repeat(first, lengths) + offsets]

    @cached_property
    def label_order(self) -> np.ndarray:
        return sorted_places(self.labels)

    def labels_of(self, row: int) -> list[str]:
        return [self.labels[c] for c in self.codes[self.starts[row]:self.starts[row + 1]]]

    def save(self, path: Path) -> None:
        """As one .npz file; display forms (never holding a newline) joined by newlines."""
        with open(path, "wb") as fh:
            np.savez(fh, starts=self.starts, codes=self.codes, entry_rows=self.entry_rows,
                     keys=np.frombuffer("\n".join(self.keys).encode(), dtype=np.uint8),
                     labels=np.frombuffer("\n".join(self.labels).encode(), dtype=np.uint8))

    @classmethod
    def load(cls, path: Path) -> "Mentions":
        with np.load(path, allow_pickle=False) as data:
            keys, labels = (data[name].tobytes().decode() for name in ("keys", "labels"))
            labels = labels.split("\n") if labels else []
            return cls({key: code for code, key in enumerate(keys.split("\n") if keys else [])},
                       labels, data["starts"], data["codes"], data["entry_rows"])


def _category(column) -> Category:
    return column if isinstance(column, Category) else Category.of(column)


def sorted_places(labels: list[str]) -> np.ndarray:
    """Each label's place in sorted order, to break ties between counts by label."""
    places = np.empty(len(labels), dtype=np.int64)
    places[sorted(range(len(labels)), key=labels.__getitem__)] = np.arange(len(labels))
    return places


class RowFacts:
    def __init__(self, columns: dict[str, np.ndarray],
                 mentions: dict[str, Mentions] | None = None):
        """From per-row columns: doc_id, language, kind, source, date_start, date_end, story
        and alive ("" and 0 in rows no passage has; the text columns as values, or coded
        already as Categories), and each MENTION_KINDS' mentions."""
        self.categories = {k: _category(columns[k]) for k in CATEGORIES}
        doc = _category(columns["doc_id"])
        self.doc_ids, self.doc = doc.values, doc.codes
        self.date_start = np.asarray(columns["date_start"], dtype=np.int64)
        self.date_end = np.asarray(columns["date_end"], dtype=np.int64)
        self.story = _category(columns.get("story", [""] * len(columns["alive"])))
        self.alive = np.asarray(columns["alive"], dtype=bool)
        self.all_alive = bool(self.alive.all())
        self.mentions = mentions or {kind: Mentions.of(len(self.alive), {}, ())
                                     for kind in MENTION_KINDS}

    def __len__(self):
        return len(self.alive)

    def mask(self, filters: Filters) -> np.ndarray | None:
        """The rows passing `filters` (None: every row, none being dead)."""
        if filters.is_empty():
            return None if self.all_alive else self.alive
        mask = self.alive.copy()
        for name, wanted in (("language", filters.languages), ("kind", filters.kinds),
                             ("source", filters.sources)):
            if wanted:
                mask &= self.categories[name].mask(wanted)
        for kind, wanted in (("name", filters.names), ("figure", filters.figures)):
            if wanted:
                mask &= self.mentions[kind].mask([name_key(v) for v in wanted], len(mask))
        bounds = filter_span(filters.date_from, filters.date_to)
        if bounds:  # the rule of dates.span_in_range, on whole arrays
            mask &= (self.date_start >= bounds[0]) & (self.date_end <= bounds[1])
        return mask

    def are_alive(self, rows: np.ndarray) -> np.ndarray:
        """Whether each of `rows` is a passage of the index now."""
        inside = (rows >= 0) & (rows < len(self.alive))
        return inside & self.alive[np.where(inside, rows, 0)]

    def doc_id(self, row: int) -> str:
        return self.doc_ids[self.doc[row]]

    def language(self, row: int) -> str:
        return self.categories["language"].value(row)

"""The document store: SQLite, one file per index generation.

It holds what the indexes do not: cleaned document text and metadata (with each
document's story), passage text, sections and offsets, each passage's row in the vector
file, and the names and figures mentioned in each passage (`mentions`, offsets in the
document's text).
"""
from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from itertools import chain
from pathlib import Path

import numpy as np

from ..dates import date_span
from ..ingest.names import Mention, name_key
from ..models import Document, Passage
from .row_facts import MENTION_KINDS, Category, Mentions, RowFacts

SCHEMA = """
CREATE TABLE documents (
    doc_id TEXT PRIMARY KEY, title TEXT, source TEXT, kind TEXT, published TEXT,
    date_start INTEGER, date_end INTEGER, url TEXT, language TEXT, text TEXT, origin TEXT, content_hash TEXT,
    story_id TEXT DEFAULT '', story_role TEXT DEFAULT '', evidence TEXT DEFAULT ''
);
CREATE TABLE passages (
    row INTEGER PRIMARY KEY, passage_id TEXT UNIQUE, doc_id TEXT, ordinal INTEGER,
    section TEXT, start INTEGER, "end" INTEGER, language TEXT, text TEXT, text_hash TEXT
);
CREATE TABLE mentions (
    row INTEGER, doc_id TEXT, start INTEGER, "end" INTEGER, kind TEXT, text TEXT, key TEXT
);
"""
# Documents are looked up by origin and content while building (replacing a re-added
# file, spotting duplicates), so these exist from the start; the passages' indexes are
# made once at the end, which is faster than keeping them up to date row by row.
DOCUMENT_INDEXES = """
CREATE INDEX IF NOT EXISTS documents_origin ON documents (origin);
CREATE INDEX IF NOT EXISTS documents_hash ON documents (content_hash);
CREATE INDEX IF NOT EXISTS documents_story ON documents (story_id);
"""
PASSAGE_INDEXES = """
CREATE INDEX IF NOT EXISTS passages_doc ON passages (doc_id, ordinal);
CREATE INDEX IF NOT EXISTS passages_hash ON passages (text_hash);
CREATE INDEX IF NOT EXISTS mentions_doc ON mentions (doc_id);
CREATE INDEX IF NOT EXISTS mentions_row ON mentions (row);
"""
_PASSAGE_COLUMNS = 'row, passage_id, doc_id, ordinal, section, start, "end", language, text, text_hash'
_DOC_COLUMNS = ("doc_id, title, source, kind, published, url, language, text, origin, content_hash, "
                "story_id, story_role")


def _passage(row) -> Passage:
    r, pid, doc_id, ordinal, section, start, end, lang, text, text_hash = row
    return Passage(pid, doc_id, ordinal, section, start, end, lang, text, text_hash, r)


def _where_in(db: sqlite3.Connection, sql: str, values: list) -> Iterator[tuple]:
    """Rows of `sql` (ending in "IN ({marks})") for many values, 500 at a time."""
    for i in range(0, len(values), 500):
        chunk = list(values[i:i + 500])
        yield from db.execute(sql.format(marks=",".join("?" * len(chunk))), chunk)


def mentions_path(store_path: Path, kind: str) -> Path:
    """The file of one kind's mentions per row, beside the store (row_facts.Mentions)."""
    return store_path.with_name(f"mentions-{kind}.npz")


def stored_mentions(db: sqlite3.Connection, rows: int, kind: str) -> Mentions:
    """One kind's mentions of the vector file's `rows`, read from a store."""
    labels = {key: text for key, text, _ in db.execute(  # first display form
        "SELECT key, text, min(rowid) FROM mentions WHERE kind = ? GROUP BY key", (kind,))}
    pairs = db.execute("SELECT DISTINCT row, key FROM mentions WHERE kind = ? ORDER BY row",
                       (kind,))
    return Mentions.of(rows, labels, pairs)


class StoreWriter:
    """Writes a new store, or (`existing=True`) changes a copy of a live one."""

    def __init__(self, path: Path, existing: bool = False):
        self.path = path
        self._db = sqlite3.connect(path)
        # of a change to a live store, what `close` updates its mentions files with:
        # the rows taken out, and the (row, kind, key, text) of the mentions added
        self._removed_rows: list[int] = []
        self._added_mentions: list[tuple[int, str, str, str]] | None = [] if existing else None
        self._db.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;"
                               + ("" if existing else SCHEMA) + DOCUMENT_INDEXES)

    def find(self, column: str, value: str) -> tuple[str, str, str] | None:
        """(doc_id, origin, content_hash) of a document with this origin or content_hash."""
        assert column in ("origin", "content_hash", "doc_id")
        return self._db.execute(f"SELECT doc_id, origin, content_hash FROM documents "
                                f"WHERE {column} = ? LIMIT 1", (value,)).fetchone()

    def documents_under(self, target: str) -> list[tuple[str, str]]:
        """(doc_id, origin) of the documents whose origin is `target` or starts with it."""
        return self._db.execute("SELECT doc_id, origin FROM documents WHERE substr(origin, 1, ?)"
                                " = ?", (len(target), target)).fetchall()

    def delete_document(self, doc_id: str) -> int:
        """Take a document and its passages out; the number of passages removed."""
        self._removed_rows += [row for row, in self._db.execute(
            "SELECT row FROM passages WHERE doc_id = ?", (doc_id,))]
        self._db.execute("DELETE FROM documents WHERE doc_id = ?", (doc_id,))
        self._db.execute("DELETE FROM mentions WHERE doc_id = ?", (doc_id,))
        return self._db.execute("DELETE FROM passages WHERE doc_id = ?", (doc_id,)).rowcount

    def language_counts(self) -> tuple[dict[str, int], dict[str, int]]:
        """Documents and passages per language, as stored now."""
        return tuple(dict(self._db.execute(f"SELECT language, count(*) FROM {table} "
                                           f"GROUP BY language ORDER BY language"))
                     for table in ("documents", "passages"))

    def add_document(self, doc: Document, evidence: frozenset[str] = frozenset()):
        """`evidence`: what story grouping compares besides meaning (ingest/evidence.py)."""
        self._db.execute(
            f"INSERT INTO documents (evidence, date_start, date_end, {_DOC_COLUMNS}) "
            "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            ("\t".join(sorted(evidence)), *date_span(doc.published), doc.doc_id, doc.title,
             doc.source, doc.kind, doc.published, doc.url, doc.language, doc.text, doc.origin,
             doc.content_hash, doc.story_id, doc.story_role))

    def add_passages(self, passages: list[Passage]):
        self._db.executemany(
            f"INSERT INTO passages ({_PASSAGE_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?)",
            [(p.row, p.passage_id, p.doc_id, p.ordinal, p.section, p.start, p.end, p.language,
              p.text, p.text_hash) for p in passages])
        mentions = [(p.row, p.doc_id, m.start, m.end, m.kind, m.text, name_key(m.text))
                    for p in passages for m in p.mentions]
        self._db.executemany('INSERT INTO mentions (row, doc_id, start, "end", kind, text, key)'
                             " VALUES (?,?,?,?,?,?,?)", mentions)
        if self._added_mentions is not None:
            self._added_mentions += [(row, kind, key, text)
                                     for row, _, _, _, kind, text, key in mentions]

    def story_documents(self) -> list[tuple[str, str, str, int, int, str]]:
        """(doc_id, language, source, first day, last day, evidence tab-joined) of every
        document, in the order they were written (story grouping's input)."""
        return self._db.execute("SELECT doc_id, language, source, date_start, date_end, "
                                "evidence FROM documents ORDER BY rowid").fetchall()

    def stories(self) -> dict[str, tuple[str, str]]:
        """doc_id -> (story_id, story_role) of the documents already grouped into stories."""
        return {doc_id: (story, role) for doc_id, story, role in self._db.execute(
            "SELECT doc_id, story_id, story_role FROM documents WHERE story_id != ''")}

    def document_rows(self, doc_ids: list[str] | None = None) -> list[tuple[int, str]]:
        """(vector row, doc_id) of every passage, or of the given documents'."""
        if doc_ids is None:
            return self._db.execute("SELECT row, doc_id FROM passages").fetchall()
        return list(_where_in(self._db, "SELECT row, doc_id FROM passages WHERE doc_id IN "
                              "({marks})", doc_ids))

    def set_stories(self, stories: dict[str, tuple[str, str]]) -> None:
        """Each document's (story_id, story_role)."""
        self._db.executemany("UPDATE documents SET story_id = ?, story_role = ? WHERE doc_id = ?",
                             [(sid, role, doc_id) for doc_id, (sid, role) in stories.items()])

    def close(self, rows: int):
        """Finish the store, and write each kind's mentions of the vector file's `rows`:
        from the store, or for a change to a live store, by changing the live files."""
        self._db.executescript(PASSAGE_INDEXES)
        self._db.commit()
        for kind in MENTION_KINDS:
            path = mentions_path(self.path, kind)
            if self._added_mentions is None:
                mentions = stored_mentions(self._db, rows, kind)
            else:
                removed = np.asarray(self._removed_rows, dtype=np.int64)
                added = [(row, key, text) for row, k, key, text in self._added_mentions
                         if k == kind]
                mentions = Mentions.load(path).changed(
                    rows, removed, added, lambda row, key: self._first_text(row, kind, key))
            mentions.save(path)
        self._db.close()

    def _first_text(self, row: int, kind: str, key: str) -> str:
        """The display form of a passage's first mention of `key`."""
        return self._db.execute("SELECT text FROM mentions WHERE row = ? AND kind = ? AND "
                                "key = ? ORDER BY rowid LIMIT 1", (row, kind, key)).fetchone()[0]


class Store:
    """Read-only access; one SQLite connection per thread."""

    def __init__(self, path: Path):
        self.path = path
        if not path.exists():
            raise FileNotFoundError(path)
        self._local = threading.local()

    @property
    def _db(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(f"file:{self.path}?mode=ro&immutable=1", uri=True)
            self._local.db = db
        return db

    def document(self, doc_id: str) -> Document | None:
        row = self._db.execute(f"SELECT {_DOC_COLUMNS} FROM documents WHERE doc_id = ?",
                               (doc_id,)).fetchone()
        return Document(*row) if row else None

    def documents(self, doc_ids: list[str], with_text: bool = False) -> dict[str, Document]:
        """Documents by id; their `text` is '' unless asked for (it can be megabytes)."""
        columns = _DOC_COLUMNS if with_text else _DOC_COLUMNS.replace("text,", "'' AS text,")
        sql = f"SELECT {columns} FROM documents WHERE doc_id IN ({{marks}})"
        return {row[0]: Document(*row) for row in _where_in(self._db, sql, doc_ids)}

    def passages_by_id(self, passage_ids: list[str]) -> dict[str, Passage]:
        sql = f"SELECT {_PASSAGE_COLUMNS} FROM passages WHERE passage_id IN ({{marks}})"
        return {row[1]: _passage(row) for row in _where_in(self._db, sql, passage_ids)}

    def passages_by_row(self, rows: list[int]) -> dict[int, Passage]:
        sql = f"SELECT {_PASSAGE_COLUMNS} FROM passages WHERE row IN ({{marks}})"
        return {row[0]: _passage(row) for row in _where_in(self._db, sql, [int(r) for r in rows])}

    def passages_of(self, doc_id: str) -> list[Passage]:
        return [_passage(r) for r in self._db.execute(
            f"SELECT {_PASSAGE_COLUMNS} FROM passages WHERE doc_id = ? ORDER BY ordinal", (doc_id,))]

    def mentions_of(self, doc_id: str) -> list[Mention]:
        """The names and figures of a document, by position (offsets in its text)."""
        return [Mention(*r) for r in self._db.execute(
            'SELECT start, "end", text, kind FROM mentions WHERE doc_id = ? '
            "ORDER BY start", (doc_id,))]

    def story_others(self, story_id: str, doc_id: str, limit: int
                     ) -> tuple[list[Document], int]:
        """Up to `limit` documents of a story other than `doc_id` (without their text),
        first published first, and how many there are."""
        if not story_id:
            return [], 0
        columns = _DOC_COLUMNS.replace("text,", "'' AS text,")
        where = "FROM documents WHERE story_id = ? AND doc_id != ?"
        docs = [Document(*row) for row in self._db.execute(
            f"SELECT {columns} {where} ORDER BY date_start = 0, date_start, rowid LIMIT ?",
            (story_id, doc_id, limit))]
        if len(docs) < limit:
            return docs, len(docs)
        return docs, self._db.execute(f"SELECT count(*) {where}",
                                      (story_id, doc_id)).fetchone()[0]

    def passage_doc_ids(self) -> dict[str, str]:
        """passage id -> document id, for every passage (evaluation maps hits to documents)."""
        return dict(self._db.execute("SELECT passage_id, doc_id FROM passages"))

    def embedding_rows(self) -> dict[str, int]:
        """text hash -> vector row, to reuse embeddings of unchanged passages."""
        return dict(self._db.execute("SELECT text_hash, row FROM passages"))

    def row_facts(self, rows: int) -> RowFacts:
        """What search knows of each of the vector file's `rows` (row_facts.py). Each
        document's facts are read once and given to its passages' rows as arrays: a join
        in SQL read them once a passage (4.5-5.3 s at a million passages, against 2.6-3.4)."""
        documents = self._db.execute("SELECT doc_id, kind, source, date_start, date_end, "
                                     "story_id FROM documents").fetchall()
        number = {doc[0]: n for n, doc in enumerate(documents)}
        none = np.zeros(0, dtype=np.int64)
        at, doc, language = [none], [none], []
        cursor = self._db.execute("SELECT row, doc_id, language FROM passages")
        while chunk := cursor.fetchmany(65536):
            passage_rows, doc_ids, passage_languages = zip(*chunk)
            at.append(np.fromiter(passage_rows, np.int64, len(passage_rows)))
            doc.append(np.fromiter(map(number.__getitem__, doc_ids), np.int64, len(doc_ids)))
            language.append(passage_languages)
        at, doc = np.concatenate(at), np.concatenate(doc)

        def per_row(values: np.ndarray, blank) -> np.ndarray:  # `blank` where no passage is
            out = np.full(rows, blank, dtype=values.dtype)
            out[at] = values
            return out

        def category(values, of_documents: bool = True) -> Category:
            """Values of each document (or each passage) as a Category of every row."""
            found = Category.of([*values, ""])  # "": the rows no passage has
            codes = found.codes[:-1][doc] if of_documents else found.codes[:-1]
            return Category.coded(found.values, per_row(codes, found.codes[-1]))

        doc_ids, kinds, sources, starts, ends, stories = zip(*documents) if documents \
            else [()] * 6
        columns = {
            "doc_id": category(doc_ids),
            "language": category(chain.from_iterable(language), of_documents=False),
            "kind": category(kinds), "source": category(sources), "story": category(stories),
            "date_start": per_row(np.asarray([v or 0 for v in starts], np.int64)[doc], 0),
            "date_end": per_row(np.asarray([v or 0 for v in ends], np.int64)[doc], 0),
            "alive": per_row(np.ones(len(at), dtype=bool), False)}
        return RowFacts(columns, {kind: Mentions.load(mentions_path(self.path, kind))
                                  for kind in MENTION_KINDS})

    def close(self):
        db = getattr(self._local, "db", None)
        if db is not None:
            db.close()

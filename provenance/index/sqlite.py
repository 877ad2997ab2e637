"""The embedded index: one SQLite file, safe for concurrent readers and writers.

Tables: ``meta`` (parameters, the document-frequency sketch), ``docs`` (one row
per document: metadata and zlib-compressed original text) and ``bands``
(``(band key, document)`` pairs, a ``WITHOUT ROWID`` B-tree, so a look-up reads
only the pages of the keys asked for; the index is never loaded whole).

The database runs in WAL mode: any number of ``check`` runs read while one
``index`` run writes; writers take the write lock up front (``BEGIN
IMMEDIATE``) and wait for each other.  Each :meth:`SqliteIndex.put` is one
transaction, so an interrupted run leaves the index as it was before it.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Iterable

import numpy as np

from ..fingerprint import FingerprintParams
from ..model import Document
from .base import (SKETCH_WIDTH, IndexProblem, check_params, metadata_from_json, metadata_json, pack_text,
                   params_record, sketch_slots, unpack_text)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value BLOB);
CREATE TABLE IF NOT EXISTS docs (
    n INTEGER PRIMARY KEY, id TEXT UNIQUE NOT NULL, path TEXT NOT NULL, sha256 TEXT NOT NULL,
    offset INTEGER NOT NULL, format TEXT NOT NULL, chars INTEGER NOT NULL, metadata TEXT NOT NULL,
    text BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS bands (key INTEGER NOT NULL, doc INTEGER NOT NULL, PRIMARY KEY (key, doc)) WITHOUT ROWID;
"""


class SqliteIndex:
    """An index in a SQLite file.

    Args:
        path: The database file.
        params: This run's fingerprint parameters (must match the stored ones).
        create: Create the file when missing (else :class:`IndexProblem`).
    """

    def __init__(self, path: str | Path, params: FingerprintParams, create: bool = False) -> None:
        self.location = str(path)
        p = Path(path)
        if not p.exists():
            if not create:
                raise IndexProblem(f"no index at {path}: build one with `provenance index --index {path} FOLDER`")
            p.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.db = sqlite3.connect(str(p), timeout=60, isolation_level=None)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.execute("PRAGMA busy_timeout=60000")
            row = self._meta("params")
        except sqlite3.DatabaseError as err:
            raise IndexProblem(f"{path} is not a provenance index ({err})") from None
        if row is None:
            if not create:
                raise IndexProblem(f"{path} is not a provenance index: build one with `provenance index --index {path} FOLDER`")
            self.db.execute("BEGIN IMMEDIATE")
            try:
                for stmt in _SCHEMA.split(";"):
                    if stmt.strip():
                        self.db.execute(stmt)
                if self._meta("params") is None:
                    self.db.execute("INSERT INTO meta VALUES ('params', ?)", (json.dumps(params_record(params)),))
                    self.db.execute("INSERT INTO meta VALUES ('sketch', ?)", (np.zeros(SKETCH_WIDTH, np.uint16).tobytes(),))
                self.db.execute("COMMIT")
            except BaseException:
                self.db.execute("ROLLBACK") if self.db.in_transaction else None
                raise
            row = self._meta("params")
        check_params(json.loads(row), params, self.location)
        self.params = params

    def _meta(self, key: str):
        try:
            r = self.db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        except sqlite3.OperationalError as err:
            if "no such table" in str(err):
                return None
            raise
        return None if r is None else r[0]

    # -- reading -----------------------------------------------------------------
    def sha256_of(self, doc_id: str) -> str | None:
        r = self.db.execute("SELECT sha256 FROM docs WHERE id=?", (doc_id,)).fetchone()
        return None if r is None else r[0]

    def ids(self) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT id FROM docs ORDER BY id")]

    def paths(self) -> dict[str, str]:
        return dict(self.db.execute("SELECT id, path FROM docs"))

    def count(self) -> int:
        return int(self.db.execute("SELECT count(*) FROM docs").fetchone()[0])

    def get(self, doc_id: str) -> Document:
        r = self.db.execute("SELECT id, path, sha256, offset, format, metadata, text FROM docs WHERE id=?",
                            (doc_id,)).fetchone()
        if r is None:
            raise KeyError(doc_id)
        return Document(r[0], r[1], unpack_text(r[6]), r[3], r[2], r[4], metadata_from_json(r[5]))

    def candidates(self, band_keys: np.ndarray) -> dict[str, int]:
        keys = np.unique(np.asarray(band_keys, dtype=np.int64).ravel())
        if keys.size == 0:
            return {}
        out: dict[str, int] = {}
        step = 900
        for lo in range(0, keys.size, step):
            chunk = keys[lo : lo + step].tolist()
            q = ("SELECT d.id, count(*) FROM bands b JOIN docs d ON d.n = b.doc WHERE b.key IN (%s) GROUP BY d.id"
                 % ",".join("?" * len(chunk)))
            for doc_id, n in self.db.execute(q, chunk):
                out[doc_id] = out.get(doc_id, 0) + int(n)
        return out

    def frequencies(self, shingles: np.ndarray) -> np.ndarray:
        if getattr(self, "_sketch", None) is None:
            self._sketch = np.frombuffer(self._meta("sketch"), dtype=np.uint16)  # read once; writes reset it
        sketch = self._sketch
        return sketch[np.asarray(shingles, dtype=np.uint32) % np.uint32(SKETCH_WIDTH)].astype(np.int64)

    # -- writing -----------------------------------------------------------------
    def put(self, items: Iterable[tuple[Document, np.ndarray, np.ndarray]]) -> None:
        items = list(items)
        self._sketch = None
        if not items:
            return
        self.db.execute("BEGIN IMMEDIATE")
        try:
            sketch = np.frombuffer(self._meta("sketch"), dtype=np.uint16).copy()
            for doc, keys, shingles in items:
                old = self.db.execute("SELECT n FROM docs WHERE id=?", (doc.id,)).fetchone()
                if old is not None:
                    raise IndexProblem(f"{doc.id} is already in the index; remove it first")
                cur = self.db.execute(
                    "INSERT INTO docs (id, path, sha256, offset, format, chars, metadata, text) VALUES (?,?,?,?,?,?,?,?)",
                    (doc.id, doc.path, doc.sha256, doc.offset, doc.format, doc.chars,
                     metadata_json(doc.metadata), pack_text(doc.text)))
                n = cur.lastrowid
                uk = np.unique(np.asarray(keys, dtype=np.int64).ravel())
                self.db.executemany("INSERT OR IGNORE INTO bands VALUES (?, ?)", ((k, n) for k in uk.tolist()))
                slots = sketch_slots(shingles)
                sketch[slots] = np.minimum(sketch[slots].astype(np.int32) + 1, 65535).astype(np.uint16)
            self.db.execute("UPDATE meta SET value=? WHERE key='sketch'", (sketch.tobytes(),))
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise

    def remove(self, items: Iterable[tuple[str, np.ndarray, np.ndarray]]) -> None:
        items = list(items)
        self._sketch = None
        if not items:
            return
        self.db.execute("BEGIN IMMEDIATE")
        try:
            sketch = np.frombuffer(self._meta("sketch"), dtype=np.uint16).copy()
            for doc_id, keys, shingles in items:
                r = self.db.execute("SELECT n FROM docs WHERE id=?", (doc_id,)).fetchone()
                if r is None:
                    continue
                n = r[0]
                uk = np.unique(np.asarray(keys, dtype=np.int64).ravel())
                self.db.executemany("DELETE FROM bands WHERE key=? AND doc=?", ((k, n) for k in uk.tolist()))
                self.db.execute("DELETE FROM docs WHERE n=?", (n,))
                slots = sketch_slots(shingles)
                sketch[slots] = np.maximum(sketch[slots].astype(np.int32) - 1, 0).astype(np.uint16)
            self.db.execute("UPDATE meta SET value=? WHERE key='sketch'", (sketch.tobytes(),))
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> "SqliteIndex":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

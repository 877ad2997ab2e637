"""The embedded index: one SQLite file, safe for concurrent readers and writers.

Tables: ``meta`` (parameters, the document count), ``sketch`` (the document-frequency sketch in
rows of :data:`SKETCH_CHUNK` counters, so a check reads only the rows of the
counters it asks for), ``docs`` (one row per document: metadata and compressed
original text; numbers are never reused) and the band postings, written in bulk
as sorted runs (:mod:`.postings`), so a look-up reads only the buckets of the
keys asked for and the index is never loaded whole.

The database runs in WAL mode: any number of ``check`` runs read while one
``index`` run writes; writers take the write lock up front (``BEGIN
IMMEDIATE``) and wait for each other, and a query reads inside one read
transaction, so it sees every table as of one moment.  Each
:meth:`SqliteIndex.put` and each merge is one transaction, so an interrupted
run leaves the index as it was after its last complete batch.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Iterable

import numpy as np

from ..arrays import unique
from ..fingerprint import FingerprintParams
from ..model import Document
from . import postings
from .base import (SKETCH_WIDTH, Entry, IndexProblem, check_params, metadata_from_json, params_record, unpack_text,
                   weigh_collisions)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value BLOB);
CREATE TABLE IF NOT EXISTS docs (
    n INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT UNIQUE NOT NULL, path TEXT NOT NULL, sha256 TEXT NOT NULL,
    offset INTEGER NOT NULL, format TEXT NOT NULL, chars INTEGER NOT NULL, metadata TEXT NOT NULL,
    text BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS sketch (chunk INTEGER PRIMARY KEY, counts BLOB NOT NULL);
""" + postings.SCHEMA

SKETCH_CHUNK = 1024
"""Counters per row of the ``sketch`` table (2 KiB, stored inline in a page).  A check of a 30-paragraph document
against the 1M-paragraph index asks for ~1,100 counters, ~1,000 rows; reading the whole 8 MiB sketch, one blob
in format 2, took it ~17 ms in a fresh process (measured, load average 2)."""
_CHUNKS = SKETCH_WIDTH // SKETCH_CHUNK


class SqliteIndex:
    """An index in a SQLite file.

    Args:
        path: The database file.
        params: This run's fingerprint parameters (must match the stored ones).
        create: Create the file when missing (else :class:`IndexProblem`).
    """

    tombstones = True
    """Removing a document leaves its postings, dropped at the next merge: :meth:`remove` needs no band keys."""

    def __init__(self, path: str | Path, params: FingerprintParams, create: bool = False) -> None:
        self.location = str(path)
        self._counts: np.ndarray | None = None  # the sketch as far as read (rows in ``_have``); writes reset it
        self._have: np.ndarray | None = None
        p = Path(path)
        if not p.exists():
            if not create:
                raise IndexProblem(f"no index at {path}: build one with `provenance index --index {path} FOLDER`")
            p.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.db = self._connect()
            self.db.execute("PRAGMA busy_timeout=60000")
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.execute("PRAGMA journal_size_limit=67108864")  # the WAL shrinks back after a large batch
            # no mmap_size: mapping the file made look-ups ~30 % faster, but the kernel maps 16 pages around
            # each one touched, and a check's resident memory grew from 75 MB to 340 MB (measured)
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
                self.db.execute("COMMIT")
            except BaseException:
                self.db.execute("ROLLBACK") if self.db.in_transaction else None
                raise
            row = self._meta("params")
        check_params(json.loads(row), params, self.location)
        self.params = params

    def _connect(self) -> sqlite3.Connection:
        # usable from the one writer thread of an index run (never from two threads at once)
        return sqlite3.connect(self.location, timeout=60, isolation_level=None, check_same_thread=False)

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

    def sha256s(self) -> dict[str, str]:
        """Every stored document's file hash, by id."""
        return dict(self.db.execute("SELECT id, sha256 FROM docs"))

    def ids(self) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT id FROM docs ORDER BY id")]

    def paths(self) -> dict[str, str]:
        return dict(self.db.execute("SELECT id, path FROM docs"))

    def count(self) -> int:
        """Stored documents: the count kept in ``meta`` (``docs``), or counted when an older index has none."""
        kept = self._meta("docs")
        if kept is not None:
            return int(kept)
        return int(self.db.execute("SELECT count(*) FROM docs").fetchone()[0])

    def _keep_count(self, delta: int) -> None:
        """Add ``delta`` to the document count in ``meta`` (inside the caller's write transaction).

        An index written before the count was kept gets it here, counted (after the change it holds):
        then :meth:`count` no longer counts the ``docs`` rows (~10 ms on the 1M-paragraph index).
        """
        if self._meta("docs") is None:
            n = int(self.db.execute("SELECT count(*) FROM docs").fetchone()[0])
            self.db.execute("INSERT INTO meta VALUES ('docs', ?)", (n,))
        elif delta:
            self.db.execute("UPDATE meta SET value = value + ? WHERE key='docs'", (delta,))

    def get(self, doc_id: str) -> Document:
        r = self.db.execute("SELECT id, path, sha256, offset, format, metadata, text FROM docs WHERE id=?",
                            (doc_id,)).fetchone()
        if r is None:
            raise KeyError(doc_id)
        return Document(r[0], r[1], unpack_text(r[6]), r[3], r[2], r[4], metadata_from_json(r[5]))

    def candidates(self, band_keys: np.ndarray, min_count: int = 1, limit: int | None = None,
                   min_distinctive: int = 0) -> dict[str, float]:
        keys = unique(postings.short_keys(np.asarray(band_keys, dtype=np.int64).ravel()))
        if keys.size == 0:
            return {}
        self.db.execute("BEGIN")  # one snapshot for the runs, their postings and the documents
        try:
            nums, scores = weigh_collisions(*postings.lookup(self.db, keys), min_count, min_distinctive)
            order = np.argsort(-scores, kind="stable")
            nums, scores = nums[order].tolist(), scores[order].tolist()
            out: dict[str, float] = {}
            step = 30000 if limit is None else max(2 * limit, 64)
            for lo in range(0, len(nums), step):  # best first, until ``limit`` live ones and their ties
                if limit is not None and len(out) >= limit and scores[lo] < min(out.values()):
                    break
                part = nums[lo : lo + step]
                by_num = dict(zip(part, scores[lo : lo + step]))
                q = "SELECT n, id FROM docs WHERE n IN (%s)" % ",".join("?" * len(part))
                for n, doc_id in self.db.execute(q, part):  # numbers of removed documents are not found
                    out[doc_id] = by_num[n]
        finally:
            self.db.execute("COMMIT")
        if limit is not None and len(out) > limit:
            last = sorted(out.values(), reverse=True)[limit - 1]
            out = {d: s for d, s in out.items() if s >= last}
        return out

    def frequencies(self, shingles: np.ndarray) -> np.ndarray:
        """Sketch counts of ``shingles``; only the sketch rows holding them are read (and kept for later calls).

        Rows are read when first needed, each as committed then: during a concurrent index run a later
        call may see a newer row than an earlier one (the counts are estimates either way).
        """
        slots = np.asarray(shingles, dtype=np.uint32) % np.uint32(SKETCH_WIDTH)
        if self._counts is None:
            self._counts = np.zeros(SKETCH_WIDTH, np.uint16)  # pages of rows never read stay untouched
            self._have = np.zeros(_CHUNKS, bool)
        rows = unique(slots // np.uint32(SKETCH_CHUNK))
        missing = rows[~self._have[rows]].tolist()
        for lo in range(0, len(missing), postings._MAX_PARAMS):
            part = missing[lo : lo + postings._MAX_PARAMS]
            q = "SELECT chunk, counts FROM sketch WHERE chunk IN (%s)" % ",".join("?" * len(part))
            rows = self.db.execute(q, part).fetchall()  # a row never written holds no counts: stays 0
            if not rows:
                continue
            chunks, blobs = zip(*rows)
            counts = np.frombuffer(b"".join(blobs), dtype=np.uint16)
            if counts.size == len(rows) * SKETCH_CHUNK:  # every row full: all copied in one step
                self._counts.reshape(_CHUNKS, SKETCH_CHUNK)[list(chunks)] = counts.reshape(len(rows), SKETCH_CHUNK)
            else:
                for c, blob in rows:
                    self._counts[c * SKETCH_CHUNK : (c + 1) * SKETCH_CHUNK] = np.frombuffer(blob, dtype=np.uint16)
        self._have[missing] = True
        return self._counts[slots].astype(np.int64)

    # -- writing -----------------------------------------------------------------
    def put(self, entries: Iterable[Entry]) -> None:
        """Add documents as one transaction: their rows, one run of their postings, the sketch counts."""
        entries = list(entries)
        self._counts = self._have = None
        if not entries:
            return
        self.db.execute("BEGIN IMMEDIATE")
        try:
            counts = np.zeros(SKETCH_WIDTH, np.int32)
            nums = np.zeros(len(entries), np.uint32)
            for k, e in enumerate(entries):
                if self.db.execute("SELECT 1 FROM docs WHERE id=?", (e.id,)).fetchone() is not None:
                    raise IndexProblem(f"{e.id} is already in the index; remove it first")
                cur = self.db.execute(
                    "INSERT INTO docs (id, path, sha256, offset, format, chars, metadata, text) VALUES (?,?,?,?,?,?,?,?)",
                    (e.id, e.path, e.sha256, e.offset, e.format, e.chars, e.metadata, e.text))
                nums[k] = cur.lastrowid
                counts[e.slots] += 1  # slots are distinct within a document
            postings.write(self.db, *postings.gather([postings.short_keys(e.keys) for e in entries], nums))
            self._add_to_sketch(counts)
            self._keep_count(len(entries))
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise

    def _add_to_sketch(self, delta: np.ndarray) -> None:
        """Add ``delta`` (one count per counter) to the sketch: the rows it changes are rewritten."""
        delta = delta.reshape(_CHUNKS, SKETCH_CHUNK)
        changed = np.flatnonzero(delta.any(axis=1))
        if changed.size == 0:
            return
        sketch = np.zeros((_CHUNKS, SKETCH_CHUNK), np.int32)
        for c, counts in self.db.execute("SELECT chunk, counts FROM sketch"):
            sketch[c] = np.frombuffer(counts, dtype=np.uint16)
        sketch[changed] += delta[changed]
        np.clip(sketch, 0, 65535, out=sketch)
        rows = sketch[changed].astype(np.uint16)
        self.db.executemany("INSERT OR REPLACE INTO sketch VALUES (?, ?)",
                            ((c, rows[k].tobytes()) for k, c in enumerate(changed.tolist())))

    def remove(self, items: Iterable[tuple[str, np.ndarray, np.ndarray]]) -> None:
        """Remove documents: ``(id, band keys, shingle hashes)``; their postings stay until the next merge drops them."""
        from .base import sketch_slots

        items = list(items)
        self._counts = self._have = None
        if not items:
            return
        self.db.execute("BEGIN IMMEDIATE")
        try:
            counts = np.zeros(SKETCH_WIDTH, np.int32)
            removed = 0
            for doc_id, _keys, shingles in items:
                if self.db.execute("DELETE FROM docs WHERE id=?", (doc_id,)).rowcount:
                    counts[sketch_slots(shingles)] -= 1
                    removed += 1
            self._add_to_sketch(counts)
            self._keep_count(-removed)
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise

    def compact(self) -> None:
        """Merge runs (:func:`.postings.plan_merge`) until no size class holds too many; one transaction per merge."""
        while True:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                self._keep_count(0)  # an index from before the kept count gets it at its next index run
                plan = postings.plan_merge(postings.runs(self.db))
                if plan:
                    reader = self._connect()
                    try:
                        postings.merge(self.db, plan, self._dead(), reader)
                    finally:
                        reader.close()
                self.db.execute("COMMIT")
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
            if not plan:
                return

    def _dead(self) -> np.ndarray:
        """Numbers of removed documents, ascending: every number ever given (never reused) not in ``docs``."""
        top = self.db.execute("SELECT seq FROM sqlite_sequence WHERE name='docs'").fetchone()
        live = np.fromiter((r[0] for r in self.db.execute("SELECT n FROM docs")), dtype=np.int64)
        given = np.ones((top[0] if top else 0) + 1, dtype=bool)
        given[0] = False
        given[live] = False
        return np.flatnonzero(given).astype(np.uint32)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> "SqliteIndex":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

"""The embedded index: one SQLite file and a folder of immutable files beside it, safe for concurrent readers and writers.

Tables: ``meta`` (parameters, the document count, the name of the sketch's file), ``docs`` (one
row per document: metadata and compressed original text; numbers are never reused) and
``runs``, the manifest of the band postings.  The postings are written in bulk as sorted runs,
one file each in the folder ``<index>-files`` (:mod:`.postings`), so a look-up reads only the
buckets of the keys asked for and the index is never loaded whole.  The document-frequency
sketch is one file there too (``sketch-*.bin``, 8 MiB of ``uint16`` counters), written anew
by each transaction that changes it and read through a memory map: a check touches the ~1,000
pages of the counters it asks for, never more than the 8 MiB.  Both kinds of file are never
changed once written: a new one is renamed into place before the transaction naming it
commits, and the ones it replaced are unlinked after; a reader keeps reading a file it has
open, and one that finds a listed file gone starts again (:class:`.postings.Gone`).

The database runs in WAL mode: any number of ``check`` runs read while one
``index`` run writes; writers take the write lock up front (``BEGIN
IMMEDIATE``) and wait for each other, and a query reads inside one read
transaction, so it sees every table as of one moment.  Each
:meth:`SqliteIndex.put` and each merge is one transaction, so an interrupted
run leaves the index as it was after its last complete batch.
"""

from __future__ import annotations

import json
import mmap
import os
import secrets
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
""" + postings.SCHEMA

_MAX_PARAMS = 30000  # below SQLite's limit on host parameters (32766)
_RETRIES = 50
"""Read transactions a look-up starts again when merges keep removing the run files it was about to open."""


def files_of(location: str | Path) -> Path:
    """The folder of the run and sketch files of the index at ``location``."""
    return Path(str(location) + "-files")


def delete_index(location: str | Path) -> None:
    """Delete the index at ``location``: the database, its WAL files and the files this index wrote beside it."""
    for suffix in ("", "-wal", "-shm"):
        Path(str(location) + suffix).unlink(missing_ok=True)
    folder = files_of(location)
    if folder.is_dir():
        for e in folder.iterdir():
            if e.is_file() and e.name.endswith((".bin", ".tmp")):
                e.unlink(missing_ok=True)
        try:
            folder.rmdir()
        except OSError:  # something else was put there: left alone
            pass


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
        self.folder = files_of(path)
        self._sketch: tuple | None = None  # (mmap, counts) of the sketch file as first read; writes reset it
        self._runs: dict[str, postings.RunFile] = {}  # run files open since an earlier look-up
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
                self.folder.mkdir(exist_ok=True)
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
        found = self._lookup(keys)  # inside a read transaction, committed below
        try:
            nums, scores = weigh_collisions(*found, min_count, min_distinctive)
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

    def _lookup(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """:func:`.postings.lookup` in a read transaction left open for the caller, started again when a run
        file its snapshot lists was removed by a merge that committed meanwhile."""
        for _ in range(_RETRIES):
            self.db.execute("BEGIN")
            try:
                return postings.lookup(self.db, keys, self.folder, self._runs)
            except postings.Gone:
                self.db.execute("COMMIT")
            except BaseException:
                self.db.execute("COMMIT")
                raise
        raise IndexProblem(f"{self.location}: merges kept removing the run files under the look-up; try again")

    def frequencies(self, shingles: np.ndarray) -> np.ndarray:
        """Sketch counts of ``shingles``, from the sketch file as committed when first asked (kept for later calls).

        During a concurrent index run a later check may see a newer sketch than this one (the counts are
        estimates either way).  Only the pages of the counters asked for are read.
        """
        slots = np.asarray(shingles, dtype=np.uint32) % np.uint32(SKETCH_WIDTH)
        if self._sketch is None:
            self._sketch = self._open_sketch()
        counts = self._sketch[1]
        if counts is None:  # nothing indexed yet
            return np.zeros(slots.shape, np.int64)
        return counts[slots].astype(np.int64)

    def _open_sketch(self) -> tuple:
        """``(mmap, counts)`` of the sketch file ``meta`` names now (``(None, None)`` when there is none yet)."""
        for _ in range(_RETRIES):
            name = self._meta("sketch")
            if name is None:
                return None, None
            try:
                with open(self.folder / name, "rb") as fh:
                    m = mmap.mmap(fh.fileno(), 0, prot=mmap.PROT_READ)
            except FileNotFoundError:  # replaced by a write that committed since: read the new name
                continue
            return m, np.frombuffer(m, dtype="<u2", count=SKETCH_WIDTH)
        raise IndexProblem(f"{self.location}: the sketch file kept being replaced while opening it; try again")

    def _drop_sketch(self) -> None:
        if self._sketch is not None:
            m, _ = self._sketch
            self._sketch = None
            if m is not None:
                try:
                    m.close()
                except BufferError:  # counts still referenced somewhere: unmapped when they go
                    pass

    # -- writing -----------------------------------------------------------------
    def put(self, entries: Iterable[Entry]) -> None:
        """Add documents as one transaction: their rows, one run of their postings, the sketch counts."""
        entries = list(entries)
        self._drop_sketch()
        if not entries:
            return
        self.db.execute("BEGIN IMMEDIATE")
        run = sketch = None
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
            run = postings.write(self.db, *postings.gather([postings.short_keys(e.keys) for e in entries], nums),
                                 self.folder)
            sketch = self._add_to_sketch(counts)
            self._keep_count(len(entries))
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            postings.remove_files(self.folder, [run.file if run else "", sketch[0] if sketch else ""])  # never listed
            raise
        if sketch is not None:
            postings.remove_files(self.folder, [sketch[1] or ""])

    def _add_to_sketch(self, delta: np.ndarray) -> tuple[str, str | None] | None:
        """Add ``delta`` (one count per counter) to the sketch, written as a new file named in ``meta`` (inside the
        caller's write transaction): ``(new file, file it replaces)``, or ``None`` when nothing changed."""
        if not delta.any():
            return None
        old = self._meta("sketch")
        sketch = np.zeros(SKETCH_WIDTH, np.int32)
        if old is not None:
            sketch += np.fromfile(self.folder / old, dtype="<u2", count=SKETCH_WIDTH)
        sketch += delta
        np.clip(sketch, 0, 65535, out=sketch)
        name = f"sketch-{secrets.token_hex(8)}.bin"
        tmp = self.folder / f".{name}.tmp"
        with open(tmp, "wb") as fh:
            fh.write(sketch.astype("<u2").tobytes())
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.folder / name)
        self.db.execute("INSERT OR REPLACE INTO meta VALUES ('sketch', ?)", (name,))
        return name, old

    def remove(self, items: Iterable[tuple[str, np.ndarray, np.ndarray]]) -> None:
        """Remove documents: ``(id, band keys, shingle hashes)``; their postings stay until the next merge drops them."""
        from .base import sketch_slots

        items = list(items)
        self._drop_sketch()
        if not items:
            return
        self.db.execute("BEGIN IMMEDIATE")
        sketch = None
        try:
            counts = np.zeros(SKETCH_WIDTH, np.int32)
            removed = 0
            for doc_id, _keys, shingles in items:
                if self.db.execute("DELETE FROM docs WHERE id=?", (doc_id,)).rowcount:
                    counts[sketch_slots(shingles)] -= 1
                    removed += 1
            sketch = self._add_to_sketch(counts)
            self._keep_count(-removed)
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            postings.remove_files(self.folder, [sketch[0] if sketch else ""])
            raise
        if sketch is not None:
            postings.remove_files(self.folder, [sketch[1] or ""])

    def compact(self) -> None:
        """Merge runs (:func:`.postings.plan_merge`) until no size class holds too many; one transaction per merge."""
        swept = False
        while True:
            self.db.execute("BEGIN IMMEDIATE")
            new = None
            try:
                self._keep_count(0)  # an index from before the kept count gets it at its next index run
                if not swept:  # files of writers that died before committing them
                    postings.sweep(self.folder, self._listed_files())
                    swept = True
                plan = postings.plan_merge(postings.runs(self.db))
                if plan:
                    new = postings.merge(self.db, plan, self._dead(), self.folder)
                self.db.execute("COMMIT")
            except BaseException:
                self.db.execute("ROLLBACK")
                if new is not None:
                    postings.remove_files(self.folder, [new.file])
                raise
            if not plan:
                return
            postings.remove_files(self.folder, [r.file for r in plan])  # readers that have them open keep reading

    def _listed_files(self) -> set[str]:
        """Names of the files the committed index lists (inside a transaction)."""
        return {r.file for r in postings.runs(self.db)} | {self._meta("sketch") or ""}

    def _dead(self) -> np.ndarray:
        """Numbers of removed documents, ascending: every number ever given (never reused) not in ``docs``."""
        top = self.db.execute("SELECT seq FROM sqlite_sequence WHERE name='docs'").fetchone()
        live = np.fromiter((r[0] for r in self.db.execute("SELECT n FROM docs")), dtype=np.int64)
        given = np.ones((top[0] if top else 0) + 1, dtype=bool)
        given[0] = False
        given[live] = False
        return np.flatnonzero(given).astype(np.uint32)

    def close(self) -> None:
        for f in self._runs.values():
            f.close()
        self._runs.clear()
        self._drop_sketch()
        self.db.close()

    def __enter__(self) -> "SqliteIndex":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

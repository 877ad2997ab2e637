"""Band-key postings in bulk: sorted runs of ``(key, document)`` pairs, stored as blobs per key bucket.

An index of a million paragraphs holds ~80 million postings (one per distinct
band key of a document).  One SQLite row each costs microseconds per insert
and a B-tree as large as the data; here a batch of documents becomes one
*run*: its postings sorted by key, cut into buckets by the key's top bits, one
row per bucket holding two packed arrays (a million paragraphs: ~600,000 rows).  A look-up of a few thousand keys
reads one row per key and run (a few MB however large the index), and runs are
merged (:func:`merge`) so a query never meets many of them.

Tables (inside the caller's transactions; see :mod:`.sqlite`)::

    runs(run INTEGER PRIMARY KEY AUTOINCREMENT, bits, postings)
    postings(id INTEGER PRIMARY KEY, rems BLOB, docs BLOB)      -- id = run << 32 | bucket

A plain rowid table, not ``WITHOUT ROWID``: its rows hold up to ~4 KB inline
(an index B-tree spills rows over ~1 KB to overflow pages), and a look-up by
integer key is SQLite's fastest path (measured: 20–30 % faster per key here).

Keys are cut to their top :data:`KEY_BITS` bits (a false collision between two
48-bit keys among 100 million postings has odds of ~1 in 3 million per query
key).  A run of ``P`` postings has ``2**bits`` buckets, ``bits`` chosen so a
bucket holds at most :data:`BUCKET_POSTINGS` postings on average; a posting's
bucket is its key's top ``bits`` bits and ``rems`` keeps the remaining
``KEY_BITS - bits`` bits (``uint32``, or ``uint64`` in runs of fewer than 2**16
buckets), ascending, with the ``uint32`` document numbers beside them in
``docs``.

Deleted documents keep their postings until the next merge drops them: a
look-up returns document numbers, and numbers no longer in the ``docs`` table
are filtered out by the caller (numbers are never reused).
"""

from __future__ import annotations

import math
import sqlite3
from dataclasses import dataclass
from typing import Iterator, Sequence

import numpy as np

from ..arrays import unique

KEY_BITS = 48
BUCKET_POSTINGS = 256
"""Postings per bucket, at most on average (a row of ≤ 2 KB): a query reads about this many per key and
run, ~3–6 MB for a 30-paragraph document; halving it doubles the rows to write and merge but saves no
look-ups (measured)."""
_MAX_BITS = 32
MERGE_FANOUT = 4
"""Runs of one size class that trigger a merge (size classes grow by this factor)."""
SMALL_RUN = 4096
"""Postings of the smallest size class (about one document of fifty paragraphs)."""
_CHUNK_BITS = 8
"""A merge proceeds in ``2**_CHUNK_BITS`` key ranges, so its memory is a fraction of the runs'."""

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (run INTEGER PRIMARY KEY AUTOINCREMENT, bits INTEGER NOT NULL, postings INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS postings (id INTEGER PRIMARY KEY, rems BLOB NOT NULL, docs BLOB NOT NULL);
"""


@dataclass(frozen=True)
class Run:
    """One sorted run: its id, its bucket bits and how many postings it holds."""

    run: int
    bits: int
    postings: int

    @property
    def shift(self) -> int:
        return KEY_BITS - self.bits

    @property
    def rem_dtype(self) -> type:
        return np.uint32 if self.shift <= 32 else np.uint64


def short_keys(band_keys: np.ndarray) -> np.ndarray:
    """The stored form of band keys: their top :data:`KEY_BITS` bits, ``uint64``."""
    return np.asarray(band_keys).view(np.uint64) >> np.uint64(64 - KEY_BITS)


def run_bits(postings: int) -> int:
    """Bucket bits for a run of ``postings``: about :data:`BUCKET_POSTINGS` or fewer postings a bucket."""
    return min(_MAX_BITS, max(0, math.ceil(math.log2(max(postings / BUCKET_POSTINGS, 1)))))


def runs(db: sqlite3.Connection) -> list[Run]:
    return [Run(*r) for r in db.execute("SELECT run, bits, postings FROM runs ORDER BY run")]


def _row_id(run: int, bucket: int = 0) -> int:
    return (run << _MAX_BITS) | bucket


def _rows(run: Run, keys: np.ndarray, docs: np.ndarray) -> Iterator[tuple[int, bytes, bytes]]:
    """``(id, rems, docs)`` rows of sorted postings."""
    if keys.size == 0:
        return iter(())
    shift = np.uint64(run.shift)
    buckets = keys >> shift
    cut = np.flatnonzero(buckets[1:] != buckets[:-1]) + 1
    starts = np.concatenate(([0], cut))
    ends = np.concatenate((cut, [keys.size]))
    w = np.dtype(run.rem_dtype).itemsize
    rems = (keys & np.uint64((1 << run.shift) - 1)).astype(run.rem_dtype).tobytes()
    dbytes = np.ascontiguousarray(docs, dtype=np.uint32).tobytes()
    base = _row_id(run.run)
    return ((base | b, rems[lo * w : hi * w], dbytes[lo * 4 : hi * 4])
            for b, lo, hi in zip(buckets[starts].tolist(), starts.tolist(), ends.tolist()))


def write(db: sqlite3.Connection, keys: np.ndarray, docs: np.ndarray) -> Run | None:
    """Store postings as a new run (inside the caller's write transaction).

    Args:
        keys: Short keys (:func:`short_keys`), ascending.
        docs: Document number of each posting.
    """
    if keys.size == 0:
        return None
    bits = run_bits(keys.size)
    cur = db.execute("INSERT INTO runs (bits, postings) VALUES (?, ?)", (bits, int(keys.size)))
    run = Run(int(cur.lastrowid), bits, int(keys.size))
    db.executemany("INSERT INTO postings VALUES (?, ?, ?)", _rows(run, keys, docs))
    return run


def sort_postings(keys: np.ndarray, docs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Postings ordered by key (documents in their given order within a key)."""
    order = np.argsort(keys, kind="stable")
    return keys[order], docs[order]


def gather(per_doc: Sequence[np.ndarray], nums: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The postings of documents ``nums`` (short keys of each), ordered by key then document.

    With fewer than 2**16 documents the key and the document's position share one
    ``uint64`` (48 + 16 bits), and one plain sort orders them (several times
    faster than an argsort).
    """
    sizes = [k.size for k in per_doc]
    keys = np.concatenate(per_doc) if per_doc else np.zeros(0, np.uint64)
    if len(per_doc) > 1 << (64 - KEY_BITS):
        return sort_postings(keys, np.repeat(nums, sizes).astype(np.uint32))
    packed = (keys << np.uint64(64 - KEY_BITS)) | np.repeat(np.arange(len(per_doc), dtype=np.uint64), sizes)
    packed.sort()
    return packed >> np.uint64(64 - KEY_BITS), nums[(packed & np.uint64((1 << (64 - KEY_BITS)) - 1)).astype(np.int64)]


def _decode(run: Run, rows: Sequence[tuple[int, bytes, bytes]]) -> tuple[np.ndarray, np.ndarray]:
    """Short keys and document numbers of ``(id, rems, docs)`` rows."""
    if not rows:
        return np.zeros(0, np.uint64), np.zeros(0, np.uint32)
    ids, rem_blobs, doc_blobs = zip(*rows)  # columns, without a Python loop per row
    rems = np.frombuffer(b"".join(rem_blobs), dtype=run.rem_dtype)
    docs = np.frombuffer(b"".join(doc_blobs), dtype=np.uint32)
    counts = np.fromiter(map(len, doc_blobs), dtype=np.int64, count=len(rows)) // 4
    buckets = np.array(ids, dtype=np.int64).astype(np.uint64) & np.uint64((1 << _MAX_BITS) - 1)
    keys = np.repeat(buckets << np.uint64(run.shift), counts)
    keys |= rems
    return keys, docs


_MAX_PARAMS = 30000  # below SQLite's limit on host parameters (32766)


def lookup(db: sqlite3.Connection, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every posting whose key is in ``keys`` (short keys, unique, ascending): ``(keys, document numbers)``.

    One posting per (key, document) stored; call inside a read transaction so
    all runs are seen as of one moment.
    """
    out_k, out_d = [], []
    for run in runs(db):
        buckets = unique(keys >> np.uint64(run.shift))
        if buckets.size >= (1 << run.bits):
            rows = _range(db, run, 0, 1 << run.bits)
        else:
            rows = []
            ids = (buckets | np.uint64(_row_id(run.run))).tolist()
            for lo in range(0, len(ids), _MAX_PARAMS):
                part = ids[lo : lo + _MAX_PARAMS]
                rows += db.execute("SELECT id, rems, docs FROM postings WHERE id IN (%s) ORDER BY id"
                                   % ",".join("?" * len(part)), part).fetchall()
        got, docs = _decode(run, rows)  # ascending: rows in bucket order, each sorted
        if got.size:
            lo = np.searchsorted(got, keys, side="left")
            n = np.searchsorted(got, keys, side="right") - lo
            at = np.repeat(lo, n) + (np.arange(int(n.sum())) - np.repeat(np.cumsum(n) - n, n))
            out_k.append(got[at])
            out_d.append(docs[at])
    if not out_k:
        return np.zeros(0, np.uint64), np.zeros(0, np.uint32)
    return np.concatenate(out_k), np.concatenate(out_d)


def _range(db: sqlite3.Connection, run: Run, b0: int, b1: int) -> list:
    """The rows of buckets ``[b0, b1)`` of ``run``, in bucket order."""
    return db.execute("SELECT id, rems, docs FROM postings WHERE id >= ? AND id < ? ORDER BY id",
                      (_row_id(run.run, b0), _row_id(run.run, b1))).fetchall()


def _drop_range(db: sqlite3.Connection, run: Run, b0: int, b1: int) -> None:
    db.execute("DELETE FROM postings WHERE id >= ? AND id < ?", (_row_id(run.run, b0), _row_id(run.run, b1)))


def size_class(postings: int) -> int:
    """Size class of a run: runs within a factor :data:`MERGE_FANOUT` of each other share one."""
    return max(0, int(math.log(max(postings, 1) / SMALL_RUN, MERGE_FANOUT)))


def plan_merge(all_runs: Sequence[Run]) -> list[Run]:
    """The runs to merge next, or none: every run of the smallest class holding ``MERGE_FANOUT`` runs, and all smaller.

    Each posting is thus rewritten about once per size class it passes
    through, and an index holds fewer than ``MERGE_FANOUT`` runs of each class.
    """
    by_class: dict[int, int] = {}
    for r in all_runs:
        c = size_class(r.postings)
        by_class[c] = by_class.get(c, 0) + 1
    full = [c for c, n in by_class.items() if n >= MERGE_FANOUT]
    if not full:
        return []
    top = min(full)
    return [r for r in all_runs if size_class(r.postings) <= top]


def merge(db: sqlite3.Connection, parts: Sequence[Run], dead: np.ndarray,
          reader: sqlite3.Connection | None = None) -> Run | None:
    """Merge ``parts`` into one new run, dropping postings of the documents in ``dead`` (inside a write transaction).

    Works through the key space in ``2**8`` ranges; within each, the rows of
    the old runs are read, merged and written to the new run, then deleted, so
    the pages they free hold the next range and the file grows by one range at
    most.

    Args:
        db: The connection holding the write transaction.
        parts: The runs to merge.
        dead: Numbers of removed documents, ascending (usually few).
        reader: A second connection to the same database (WAL mode, opened with
            ``check_same_thread=False``), not in a transaction: a thread then reads, merges and encodes the next range
            while ``db`` writes this one (it sees the runs as committed, before
            this transaction deletes anything).  About a third faster on two cores.
    """
    if not parts:
        return None
    total = sum(r.postings for r in parts)
    bits = run_bits(total)
    cur = db.execute("INSERT INTO runs (bits, postings) VALUES (?, 0)", (bits,))
    new = Run(int(cur.lastrowid), bits, 0)
    chunk_bits = min(_CHUNK_BITS, bits)  # a bucket of the new run never spans two ranges (its bits ≥ every part's)
    small = [r for r in parts if r.bits < chunk_bits]
    large = [r for r in parts if r.bits >= chunk_bits]
    src = reader if reader is not None else db
    if reader is not None:
        reader.execute("BEGIN")
    try:
        whole = [_decode(r, _range(src, r, 0, 1 << r.bits)) for r in small]
        ranges = [(c << (KEY_BITS - chunk_bits), (c + 1) << (KEY_BITS - chunk_bits)) for c in range(1 << chunk_bits)]

        def merged(span: tuple[int, int]) -> tuple[list, int]:
            return _merged_range(src, new, whole, large, dead, *span)

        written = 0
        if reader is None:
            results = map(merged, ranges)
        else:
            from concurrent.futures import ThreadPoolExecutor

            pool = ThreadPoolExecutor(1)
            results = _prefetch(pool, merged, ranges)
        for (lo, hi), (rows, n) in zip(ranges, results):
            for r in large:
                _drop_range(db, r, lo >> r.shift, hi >> r.shift)
            db.executemany("INSERT INTO postings VALUES (?, ?, ?)", rows)
            written += n
        if reader is not None:
            pool.shutdown()
    finally:
        if reader is not None:
            reader.execute("COMMIT")
    for r in small:
        _drop_range(db, r, 0, 1 << r.bits)
    ids = [r.run for r in parts]
    db.execute("DELETE FROM runs WHERE run IN (%s)" % ",".join("?" * len(ids)), ids)
    if written == 0:
        db.execute("DELETE FROM runs WHERE run=?", (new.run,))
        return None
    db.execute("UPDATE runs SET postings=? WHERE run=?", (written, new.run))
    return Run(new.run, bits, written)


def _prefetch(pool, fn, items):
    """``map(fn, items)`` computed one item ahead in ``pool``."""
    it = iter(items)
    nxt = next(it, None)
    fut = pool.submit(fn, nxt) if nxt is not None else None
    while fut is not None:
        nxt = next(it, None)
        following = pool.submit(fn, nxt) if nxt is not None else None
        yield fut.result()
        fut = following


def _merged_range(src: sqlite3.Connection, new: Run, whole: Sequence[tuple[np.ndarray, np.ndarray]],
                  large: Sequence[Run], dead: np.ndarray, lo: int, hi: int) -> tuple[list, int]:
    """The rows of ``new`` for short keys ``[lo, hi)``: the parts' postings there, merged, the dead dropped."""
    keys, docs = [], []
    for k, d in whole:
        a, b = np.searchsorted(k, [lo, hi])
        keys.append(k[a:b])
        docs.append(d[a:b])
    for r in large:
        k, d = _decode(r, _range(src, r, lo >> r.shift, hi >> r.shift))
        keys.append(k)
        docs.append(d)
    k, d = np.concatenate(keys), np.concatenate(docs)
    if dead.size:
        drop = dead[np.searchsorted(dead, d).clip(0, dead.size - 1)] == d
        k, d = k[~drop], d[~drop]
    k, d = sort_postings(k, d)
    return list(_rows(new, k, d)), int(k.size)

"""Band-key postings in bulk: sorted runs of ``(key, document)`` pairs, each run one immutable file.

An index of a million paragraphs holds ~80 million postings (one per distinct
band key of a document).  One SQLite row each costs microseconds per insert
and a B-tree as large as the data; here a batch of documents becomes one
*run*: its postings sorted by key, cut into buckets by the key's top bits, and
written once to a file of its own beside the database.  SQLite keeps only the
manifest, inside the caller's transactions::

    runs(run INTEGER PRIMARY KEY AUTOINCREMENT, bits, postings, file)

A run file (little-endian) is a 64-byte header, the postings as packed records
``(rem, doc)`` in key order, the bucket offsets (``2**bits + 1`` cumulative
posting counts, so bucket ``b`` is records ``offsets[b] .. offsets[b+1]``), then
one 128-bit filter per bucket: two bits set per key it holds (:func:`_filter_bits`).
A look-up of a few thousand keys reads the offsets and filters it needs through a
read-only memory map (40 MB at most at 75 million postings: what the kernel maps
around each page touched stays small) and then, with one ``pread`` each, only
the buckets whose filter admits one of its keys (~36 postings, ~300 bytes;
adjacent buckets in one read).  Measured on the 1M-paragraph index: a pread costs
~2.5 µs, a row of SQLite ~6 µs (its B-tree pages, 1.3 GB of them, did not stay
in its page cache); of a 30-paragraph check's 4,270 keys only ~260 are stored at
all, and the filters (~19 % false positives with ~36 keys a bucket) leave ~1,000
reads of ~4,270.  The postings themselves are never memory-mapped: a check
touching 4,000 random pages of one would map ~64 KB around each, 250 MB of
resident memory.

Keys are cut to their top :data:`KEY_BITS` bits (a false collision between two
48-bit keys among 100 million postings has odds of ~1 in 3 million per query
key).  A run of ``P`` postings has ``2**bits`` buckets, ``bits`` chosen so a
bucket holds at most :data:`BUCKET_POSTINGS` postings on average; a posting's
bucket is its key's top ``bits`` bits and ``rem`` keeps the remaining
``KEY_BITS - bits`` bits (``uint32``, or ``uint64`` in runs of fewer than 2**16
buckets), beside the ``uint32`` document number.

Concurrency: a run file is written under a temporary name and renamed into
place (after ``fsync``) before the transaction that lists it commits; files of
runs a merge replaced are unlinked after the merge commits.  A reader opens the
files its snapshot lists at the start of its read transaction; an open file
stays readable after it is unlinked, and a reader that finds a listed file gone
(a merge committed and deleted it in between) starts its transaction again and
sees the merged run (:class:`Gone`).  Files no committed run lists (a writer
that died between writing and committing) are removed by :func:`sweep`, which
runs inside a write transaction.

Deleted documents keep their postings until the next merge drops them: a
look-up returns document numbers, and numbers no longer in the ``docs`` table
are filtered out by the caller (numbers are never reused).
"""

from __future__ import annotations

import math
import mmap
import os
import secrets
import sqlite3
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Sequence

import numpy as np

from ..arrays import ranges, unique
from .base import IndexProblem

KEY_BITS = 48
BUCKET_POSTINGS = 64
"""Postings per bucket, at most on average (~36 in the 1M-paragraph index's one run, ~300 bytes): a query reads one
bucket per key and run; the offsets table costs 4 bytes a bucket (8 MB at 75 million postings)."""
_MAX_BITS = 32
MERGE_FANOUT = 4
"""Runs of one size class that trigger a merge (size classes grow by this factor)."""
SMALL_RUN = 4096
"""Postings of the smallest size class (about one document of fifty paragraphs)."""
_CHUNK_BITS = 8
"""A merge proceeds in ``2**_CHUNK_BITS`` key ranges, so its memory is a fraction of the runs'."""
_MAGIC = b"PRVRUN02"
_HEADER = struct.Struct("<8sIIQQQ")  # magic, bits, rem itemsize, postings, byte offsets of the offsets and the filters
_HEADER_SIZE = 64

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (run INTEGER PRIMARY KEY AUTOINCREMENT, bits INTEGER NOT NULL,
                                 postings INTEGER NOT NULL, file TEXT NOT NULL);
"""


class Gone(Exception):
    """A run file the reader's snapshot lists was removed by a merge since: start the read transaction again."""


@dataclass(frozen=True)
class Run:
    """One sorted run: its id, its bucket bits, how many postings it holds and its file's name."""

    run: int
    bits: int
    postings: int
    file: str = ""

    @property
    def shift(self) -> int:
        return KEY_BITS - self.bits

    @property
    def rem_dtype(self) -> type:
        return np.uint32 if self.shift <= 32 else np.uint64

    @property
    def records(self) -> np.dtype:
        """The packed ``(rem, doc)`` record of this run's postings."""
        return np.dtype([("rem", np.dtype(self.rem_dtype).newbyteorder("<")), ("doc", "<u4")])


def short_keys(band_keys: np.ndarray) -> np.ndarray:
    """The stored form of band keys: their top :data:`KEY_BITS` bits, ``uint64``."""
    return np.asarray(band_keys).view(np.uint64) >> np.uint64(64 - KEY_BITS)


def run_bits(postings: int) -> int:
    """Bucket bits for a run of ``postings``: about :data:`BUCKET_POSTINGS` or fewer postings a bucket."""
    return min(_MAX_BITS, max(0, math.ceil(math.log2(max(postings / BUCKET_POSTINGS, 1)))))


def runs(db: sqlite3.Connection) -> list[Run]:
    return [Run(*r) for r in db.execute("SELECT run, bits, postings, file FROM runs ORDER BY run")]


# -- files -------------------------------------------------------------------------------------

def _offsets_dtype(postings: int) -> np.dtype:
    return np.dtype("<u4") if postings < 1 << 32 else np.dtype("<u8")


def _filter_bits(rems: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The two bits of each key in its bucket's 128-bit filter: ``(low word, high word)`` of each, ``uint64``.

    The bits are the remainder's low 7 and next 7 bits (keys are hashes: uniform); a bucket's filter is
    the OR of its keys', so a key whose two bits are not both set is not in the bucket.
    """
    rems = rems.astype(np.uint64)
    one = np.uint64(1)
    lo, hi = np.zeros(rems.size, np.uint64), np.zeros(rems.size, np.uint64)
    for h in (rems & np.uint64(127), (rems >> np.uint64(7)) & np.uint64(127)):
        bit = one << (h & np.uint64(63))
        low = h < 64
        lo |= np.where(low, bit, np.uint64(0))
        hi |= np.where(low, np.uint64(0), bit)
    return lo, hi


class RunFile:
    """An open run file: its descriptor, and its bucket offsets through a read-only memory map."""

    def __init__(self, folder: Path, run: Run) -> None:
        self.run = run
        try:
            self.fd = os.open(str(Path(folder) / run.file), os.O_RDONLY)
        except FileNotFoundError:
            raise Gone(run.file) from None
        try:
            head = os.pread(self.fd, _HEADER.size, 0)
            magic, bits, rem_size, n, at, filters_at = _HEADER.unpack(head)
            if magic != _MAGIC or bits != run.bits or n != run.postings or rem_size != run.records["rem"].itemsize:
                raise IndexProblem(f"the run file {Path(folder) / run.file} is not the one its index lists (from "
                                   "another build?): rebuild the index with `provenance index --rebuild`")
            self._map = mmap.mmap(self.fd, 0, prot=mmap.PROT_READ)
            self.offsets = np.frombuffer(self._map, dtype=_offsets_dtype(n), count=(1 << bits) + 1, offset=at)
            self.filters = np.frombuffer(self._map, dtype="<u8", count=2 << bits, offset=filters_at).reshape(-1, 2)
        except BaseException:
            os.close(self.fd)
            raise

    def read(self, lo: int, hi: int) -> np.ndarray:
        """Records ``lo .. hi`` (posting positions)."""
        size = self.run.records.itemsize
        return np.frombuffer(os.pread(self.fd, (hi - lo) * size, _HEADER_SIZE + lo * size), dtype=self.run.records)

    def buckets(self, b0: int, b1: int) -> tuple[np.ndarray, np.ndarray]:
        """Short keys and document numbers of buckets ``b0 .. b1``, ascending."""
        off = self.offsets[b0 : b1 + 1].astype(np.int64)
        rec = self.read(int(off[0]), int(off[-1]))
        keys = np.repeat(np.arange(b0, b1, dtype=np.uint64) << np.uint64(self.run.shift), np.diff(off))
        keys |= rec["rem"]
        return keys, rec["doc"]

    def admits(self, keys: np.ndarray) -> np.ndarray:
        """Whether each of ``keys`` (short keys) may be in this run: its two bits are set in its bucket's filter."""
        buckets = (keys >> np.uint64(self.run.shift)).astype(np.int64)
        lo, hi = _filter_bits(keys & np.uint64((1 << self.run.shift) - 1))
        f = self.filters[buckets]
        want_lo, want_hi = f[:, 0] & lo, f[:, 1] & hi
        return (want_lo == lo) & (want_hi == hi)

    def close(self) -> None:
        self.offsets = self.filters = None
        try:
            self._map.close()
        except BufferError:  # a view of the offsets still alive somewhere: the map goes with it
            pass
        os.close(self.fd)


class _Writer:
    """A run file being written, posting ranges in key order, under a temporary name until :meth:`finish`."""

    def __init__(self, folder: Path, bits: int) -> None:
        self.folder = Path(folder)
        self.name = f"run-{secrets.token_hex(8)}.bin"
        self.tmp = self.folder / f".{self.name}.tmp"
        self.proto = Run(0, bits, 0)
        self.counts = np.zeros(1 << bits, np.int64)
        self.filters = np.zeros((1 << bits, 2), np.uint64)
        self.n = 0
        self.f = open(self.tmp, "wb")
        self.f.write(b"\0" * _HEADER_SIZE)

    def add(self, keys: np.ndarray, docs: np.ndarray) -> None:
        """Append postings (ascending, after every key added before), a million at a time (bounded temporaries)."""
        step = 1 << 20
        for lo in range(0, keys.size, step):
            self._add(keys[lo : lo + step], docs[lo : lo + step])

    def _add(self, keys: np.ndarray, docs: np.ndarray) -> None:
        run = self.proto
        buckets = (keys >> np.uint64(run.shift)).astype(np.int64)
        b0 = int(buckets[0])
        c = np.bincount(buckets - b0)
        self.counts[b0 : b0 + c.size] += c
        rems = keys & np.uint64((1 << run.shift) - 1)
        starts = np.flatnonzero(np.concatenate(([True], buckets[1:] != buckets[:-1])))
        for word, bits in enumerate(_filter_bits(rems)):
            self.filters[buckets[starts], word] |= np.bitwise_or.reduceat(bits, starts)
        rec = np.empty(keys.size, dtype=run.records)
        rec["rem"] = rems
        rec["doc"] = docs
        self.f.write(rec.tobytes())
        self.n += int(keys.size)

    def finish(self) -> str:
        """Write the offsets and the header, make the file durable and give it its name."""
        offsets = np.zeros(self.counts.size + 1, dtype=_offsets_dtype(self.n))
        offsets[1:] = np.cumsum(self.counts)
        at = _HEADER_SIZE + self.n * self.proto.records.itemsize
        self.f.write(offsets.tobytes())
        filters_at = at + offsets.nbytes
        pad = -filters_at % 8
        self.f.write(b"\0" * pad)
        self.f.write(self.filters.astype("<u8").tobytes())
        self.f.seek(0)
        self.f.write(_HEADER.pack(_MAGIC, self.proto.bits, self.proto.records["rem"].itemsize, self.n, at,
                                  filters_at + pad))
        self.f.flush()
        os.fsync(self.f.fileno())
        self.f.close()
        os.replace(self.tmp, self.folder / self.name)
        return self.name

    def abandon(self) -> None:
        self.f.close()
        self.tmp.unlink(missing_ok=True)


def remove_files(folder: Path, names: Sequence[str]) -> None:
    """Unlink run files (after the transaction that stopped listing them committed)."""
    for name in names:
        if name:
            (Path(folder) / name).unlink(missing_ok=True)


def sweep(folder: Path, keep: set[str]) -> None:
    """Remove every file in ``folder`` but ``keep`` (inside a write transaction: no other writer is writing one)."""
    try:
        entries = list(os.scandir(folder))
    except FileNotFoundError:
        return
    for e in entries:
        if e.name not in keep and e.is_file():
            Path(e.path).unlink(missing_ok=True)


# -- writing -----------------------------------------------------------------------------------

def write(db: sqlite3.Connection, keys: np.ndarray, docs: np.ndarray, folder: Path) -> Run | None:
    """Store postings as a new run (inside the caller's write transaction).

    Args:
        keys: Short keys (:func:`short_keys`), ascending.
        docs: Document number of each posting.
        folder: Where the index keeps its run files.
    """
    if keys.size == 0:
        return None
    bits = run_bits(keys.size)
    w = _Writer(folder, bits)
    try:
        w.add(keys, np.asarray(docs, dtype=np.uint32))
        name = w.finish()
    except BaseException:
        w.abandon()
        raise
    cur = db.execute("INSERT INTO runs (bits, postings, file) VALUES (?, ?, ?)", (bits, int(keys.size), name))
    return Run(int(cur.lastrowid), bits, int(keys.size), name)


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


# -- reading -----------------------------------------------------------------------------------

_WHOLE_BYTES_PER_RANGE = 4096
"""A run is read whole when that is fewer bytes than this many per range its buckets would need read."""


def open_runs(db: sqlite3.Connection, folder: Path, cache: dict[str, RunFile] | None = None) -> list[RunFile]:
    """The files of the runs ``db``'s transaction sees, opened (from ``cache`` when already open there).

    Raises:
        Gone: A listed file was removed meanwhile (call again in a new transaction).
    """
    listed = runs(db)
    out = []
    for run in listed:
        f = cache.get(run.file) if cache is not None else None
        if f is None or f.run != run:
            f = RunFile(folder, run)
            if cache is not None:
                cache[run.file] = f
        out.append(f)
    if cache is not None:
        for name in [n for n in cache if n not in {r.file for r in listed}]:
            cache.pop(name).close()
    return out


def lookup(db: sqlite3.Connection, keys: np.ndarray, folder: Path,
           cache: dict[str, RunFile] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Every posting whose key is in ``keys`` (short keys, unique, ascending): ``(keys, document numbers)``.

    One posting per (key, document) stored; call inside a read transaction so
    all runs are seen as of one moment.

    Args:
        cache: Run files open since an earlier look-up (see :func:`open_runs`); without one, the files are
            closed before returning.

    Raises:
        Gone: As :func:`open_runs`.
    """
    if cache is None:
        cache = {}
        try:
            return lookup(db, keys, folder, cache)
        finally:
            for f in cache.values():
                f.close()
    files = open_runs(db, folder, cache)
    out_k, out_d = [], []
    for f in files:
        run = f.run
        if run.postings == 0:
            continue
        buckets = unique(keys[f.admits(keys)] >> np.uint64(run.shift)).astype(np.int64)
        lo = f.offsets[buckets].astype(np.int64)
        hi = f.offsets[buckets + 1].astype(np.int64)
        n = hi - lo
        full = n > 0
        buckets, lo, hi, n = buckets[full], lo[full], hi[full], n[full]
        if buckets.size == 0:
            continue
        # adjacent buckets in one read
        cut = np.flatnonzero(lo[1:] != hi[:-1]) + 1
        starts, ends = lo[np.concatenate(([0], cut))], hi[np.concatenate((cut, [lo.size])) - 1]
        size = run.records.itemsize
        if run.postings * size <= starts.size * _WHOLE_BYTES_PER_RANGE:
            got, docs = f.buckets(0, 1 << run.bits)
        else:
            fd, base, pread = f.fd, _HEADER_SIZE, os.pread
            blob = b"".join([pread(fd, (b - a) * size, base + a * size)
                             for a, b in zip(starts.tolist(), ends.tolist())])
            rec = np.frombuffer(blob, dtype=run.records)
            got = np.repeat(buckets.astype(np.uint64) << np.uint64(run.shift), n)
            got |= rec["rem"]
            docs = rec["doc"]
        # ascending: buckets in order, each sorted
        a = np.searchsorted(got, keys, side="left")
        m = np.searchsorted(got, keys, side="right") - a
        at = ranges(a, m)
        out_k.append(got[at])
        out_d.append(docs[at])
    if not out_k:
        return np.zeros(0, np.uint64), np.zeros(0, np.uint32)
    return np.concatenate(out_k), np.concatenate(out_d).astype(np.uint32)


# -- merging -----------------------------------------------------------------------------------

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


_THREADED_MERGE = 1 << 20
"""Postings from which a merge reads and merges the next key range in a thread while this one is written."""


def merge(db: sqlite3.Connection, parts: Sequence[Run], dead: np.ndarray, folder: Path) -> Run | None:
    """Merge ``parts`` into one new run, dropping postings of the documents in ``dead`` (inside a write transaction).

    Works through the key space in ``2**8`` ranges (a thread reads and merges
    the next range while this one is written, for large merges), so memory is
    a fraction of the runs'.  The parts' files are left in place: the caller
    removes them (:func:`remove_files`) once the transaction has committed.

    Args:
        db: The connection holding the write transaction.
        parts: The runs to merge.
        dead: Numbers of removed documents, ascending (usually few).
        folder: Where the index keeps its run files.
    """
    if not parts:
        return None
    total = sum(r.postings for r in parts)
    bits = run_bits(total)
    chunk_bits = min(_CHUNK_BITS, bits)  # a bucket of the new run never spans two ranges (its bits ≥ every part's)
    files: list[RunFile] = []
    w = None
    try:
        for r in parts:
            files.append(RunFile(folder, r))
        w = _Writer(folder, bits)
        small = [f for f in files if f.run.bits < chunk_bits]
        large = [f for f in files if f.run.bits >= chunk_bits]
        whole = [f.buckets(0, 1 << f.run.bits) for f in small]
        ranges = [(c << (KEY_BITS - chunk_bits), (c + 1) << (KEY_BITS - chunk_bits)) for c in range(1 << chunk_bits)]

        def merged(span: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
            return _merged_range(whole, large, dead, *span)

        if total < _THREADED_MERGE:
            for span in ranges:
                w.add(*merged(span))
        else:
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(1) as pool:
                for k, d in _prefetch(pool, merged, ranges):
                    w.add(k, d)
        written = w.n
        name = w.finish() if written else None
        if name is None:
            w.abandon()
    except BaseException:
        if w is not None:
            w.abandon()
        raise
    finally:
        for f in files:
            f.close()
    ids = [r.run for r in parts]
    db.execute("DELETE FROM runs WHERE run IN (%s)" % ",".join("?" * len(ids)), ids)
    if name is None:
        return None
    cur = db.execute("INSERT INTO runs (bits, postings, file) VALUES (?, ?, ?)", (bits, written, name))
    return Run(int(cur.lastrowid), bits, written, name)


def _prefetch(pool, fn, items) -> Iterator:
    """``map(fn, items)`` computed one item ahead in ``pool``."""
    it = iter(items)
    nxt = next(it, None)
    fut = pool.submit(fn, nxt) if nxt is not None else None
    while fut is not None:
        nxt = next(it, None)
        following = pool.submit(fn, nxt) if nxt is not None else None
        yield fut.result()
        fut = following


def _merged_range(whole: Sequence[tuple[np.ndarray, np.ndarray]], large: Sequence[RunFile], dead: np.ndarray,
                  lo: int, hi: int) -> tuple[np.ndarray, np.ndarray]:
    """The parts' postings with short keys ``[lo, hi)``, merged, the dead dropped."""
    keys, docs = [], []
    for k, d in whole:
        a, b = np.searchsorted(k, [lo, hi])
        keys.append(k[a:b])
        docs.append(d[a:b])
    for f in large:
        k, d = f.buckets(lo >> f.run.shift, hi >> f.run.shift)
        keys.append(k)
        docs.append(d)
    k, d = np.concatenate(keys), np.concatenate(docs)
    if dead.size:
        drop = dead[np.searchsorted(dead, d).clip(0, dead.size - 1)] == d
        k, d = k[~drop], d[~drop]
    return sort_postings(k, d)

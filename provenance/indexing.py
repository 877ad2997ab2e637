"""Keeping an index up to date with a set of documents, and querying it with new ones.

Re-indexing is incremental: a document whose file hash is unchanged is
skipped, a changed one is replaced, and with ``prune`` documents whose file
has gone are dropped.  Files are read and fingerprinted in one process per
core (:func:`index_files`); what the index stores of each document (an
:class:`~provenance.index.base.Entry`) comes back to this process, which
writes it in batches of about a hundred thousand paragraphs, each batch one
transaction, and compacts the index at the end.
"""

from __future__ import annotations

import os
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator, Sequence, TypeVar

import numpy as np

from .config import Config
from .fingerprint import band_keys
from .index import Index
from .index.base import Entry, make_entry
from .model import Document, Pair, Problem
from .pipeline import Prepared, Progress, compare_each, file_documents, list_files, prepare

T = TypeVar("T")
R = TypeVar("R")

BATCH_KEYS = 5_000_000
"""Band keys per write batch (about 60,000 paragraphs; one batch is written while the next fills): bounds this
process's memory, and makes a million paragraphs about seventeen runs to merge."""
BATCH_TEXT = 128 << 20
"""Text bytes per write batch (as packed in an entry: uncompressed)."""
BATCH_DOCS = 65_536
"""Documents per write batch."""


@dataclass(frozen=True)
class IndexReport:
    added: int
    updated: int
    unchanged: int
    removed: int


def entry_of(p: Prepared, config: Config) -> Entry:
    """What the index stores for a prepared document.

    Only every other window is stored: those tile the text without overlap, and
    a query still slides its windows at half a window, so a copied passage
    always meets a stored window offset by at most a quarter window.  This
    halves the index.
    """
    fpp = config.fingerprint
    return make_entry(p.doc, band_keys(p.fp.signatures[::2], fpp.bands, fpp.rows), p.shingle_set)


def _remove(index: Index, doc_ids: Sequence[str], config: Config) -> None:
    """Remove stored documents, recomputing from their stored text what they added.

    That is their sketch counts and, for an index that deletes postings one by
    one (Redis), their band keys; the SQLite index leaves postings as
    tombstones and needs no keys.
    """
    if not doc_ids:
        return
    keys_needed = not getattr(index, "tombstones", False)
    items = []
    for doc_id in doc_ids:
        p = prepare(index.get(doc_id), config, signatures=keys_needed)
        keys = entry_of(p, config).keys.view(np.int64) if keys_needed else np.zeros(0, np.int64)
        items.append((doc_id, keys, p.shingle_set))
    index.remove(items)


class _Writer:
    """Collects entries and writes them to the index in batches bounded in keys, text and documents.

    A full batch is written by a background thread while the next one fills
    (SQLite and numpy release the GIL for most of the work): this process keeps
    taking the workers' results instead of making them wait through each
    commit.  One batch is written at a time, and nothing else may use the index
    until :meth:`wait` (or :meth:`close`) returns.
    """

    def __init__(self, index: Index) -> None:
        self.index = index
        self.batch: list[Entry] = []
        self.keys = self.text = 0
        self._pool = None
        self._pending = None

    def add(self, e: Entry) -> None:
        self.batch.append(e)
        self.keys += e.keys.size
        self.text += len(e.text)
        if self.keys >= BATCH_KEYS or self.text >= BATCH_TEXT or len(self.batch) >= BATCH_DOCS:
            self.flush()

    def flush(self) -> None:
        """Hand the batch to the writing thread (after the previous one is written)."""
        if self.batch:
            from concurrent.futures import ThreadPoolExecutor

            self.wait()
            if self._pool is None:
                self._pool = ThreadPoolExecutor(1, thread_name_prefix="provenance-writer")
            self._pending = self._pool.submit(self.index.put, self.batch)
        self.batch, self.keys, self.text = [], 0, 0

    def wait(self) -> None:
        """Until the batch being written is written; its error, if any, is raised here."""
        if self._pending is not None:
            pending, self._pending = self._pending, None
            pending.result()

    def close(self) -> None:
        """Write what is left and stop the thread (also when an error or an interrupt stops the run)."""
        try:
            self.flush()
        finally:
            try:
                self.wait()
            finally:
                if self._pool is not None:
                    self._pool.shutdown()
                    self._pool = None


def _parallel(fn: Callable[[T], R], items: Sequence[T], workers: int | None, chunk: int) -> Iterator[R]:
    """``map(fn, items)`` in order, in forked worker processes when there are many items.

    At most a few chunks per worker are in flight, so results never pile up in
    memory while this process writes.
    """
    import multiprocessing as mp  # here, not at the top: a check never starts workers
    from concurrent.futures import ProcessPoolExecutor

    workers = workers or os.cpu_count() or 1
    if workers < 2 or len(items) <= chunk or "fork" not in mp.get_all_start_methods():
        yield from map(fn, items)
        return
    chunks = [items[k : k + chunk] for k in range(0, len(items), chunk)]
    with ProcessPoolExecutor(workers, mp_context=mp.get_context("fork")) as pool:
        pending: deque = deque()
        it = iter(chunks)
        for c in it:
            pending.append(pool.submit(_map_chunk, fn, c))
            if len(pending) >= 6 * workers:
                break
        while pending:
            yield from pending.popleft().result()
            nxt = next(it, None)
            if nxt is not None:
                pending.append(pool.submit(_map_chunk, fn, nxt))


def _map_chunk(fn: Callable[[T], R], items: Sequence[T]) -> list[R]:
    return [fn(x) for x in items]


_JOB: tuple = ()  # (root, config, known sha256 by id) for the forked workers of index_files


@dataclass(frozen=True)
class _FileResult:
    ids: tuple[str, ...]
    entries: tuple[Entry, ...]
    replaced: tuple[str, ...]
    problem: Problem | None = None


def _index_one_file(path: Path) -> _FileResult:
    """Read one file; the entries of its new or changed documents (run in a worker)."""
    from .read import ReadError

    root, config, known = _JOB
    seen: list[str] = []

    def changed(doc_id: str, sha: str) -> bool:
        seen.append(doc_id)
        return known.get(doc_id) != sha

    try:
        docs = file_documents(path, root, config, keep=changed)
    except ReadError as err:
        return _FileResult((), (), (), Problem(str(path), err.reason))
    entries = tuple(entry_of(prepare(d, config), config) for d in docs)
    return _FileResult(tuple(seen), entries, tuple(d.id for d in docs if d.id in known))


def index_files(index: Index, paths: Sequence[str | os.PathLike], config: Config = Config(), prune: bool = False,
                exclude: Sequence[str] = (), problems: list[Problem] | None = None,
                progress: Progress | None = None, workers: int | None = None) -> IndexReport:
    """Index every supported file under ``paths``: read, fingerprint and write them in a stream.

    Files are read, hashed and fingerprinted in one process per core; an
    unchanged file costs a read and a hash.  Memory stays bounded by a batch,
    whatever the number of files.

    Args:
        index: Where to write.
        paths: Files and folders.
        config: Fingerprint and segmentation options.
        prune: Also drop documents whose file has gone.
        exclude: Globs of file names or relative paths to leave out.
        problems: Receives one :class:`~provenance.model.Problem` per unreadable file.
        progress: ``callback(stage, done, total)``.
        workers: Processes to use (default: one per core).
    """
    global _JOB
    root, files = list_files(paths, exclude)
    known = index.sha256s()
    added = updated = unchanged = 0
    seen: set[str] = set()
    writer = _Writer(index)
    _JOB = (root, config, known)
    try:
        for n, res in enumerate(_parallel(_index_one_file, files, workers, 8)):
            if progress and n % 64 == 0:
                progress("index", n, len(files))
            if res.problem is not None:
                if problems is not None:
                    problems.append(res.problem)
                continue
            seen.update(res.ids)
            unchanged += len(res.ids) - len(res.entries)
            updated += len(res.replaced)
            added += len(res.entries) - len(res.replaced)
            if res.replaced:
                writer.flush()
                writer.wait()
                _remove(index, res.replaced, config)
            for e in res.entries:
                writer.add(e)
    finally:
        _JOB = ()
        writer.close()
    removed = _finish(index, seen if prune else None, config, progress, len(files))
    return IndexReport(added, updated, unchanged, removed)


def _finish(index: Index, seen: set[str] | None, config: Config, progress: Progress | None, total: int) -> int:
    """End an index run: with ``seen``, drop stored documents not seen whose file is gone; merge runs.

    Returns:
        How many documents were dropped.
    """
    removed = 0
    if seen is not None:
        gone = [i for i, p in index.paths().items() if i not in seen and not Path(p).exists()]
        _remove(index, gone, config)
        removed = len(gone)
    index.compact()
    if progress:
        progress("index", total, total)
    return removed


_CONFIG: tuple = ()


def _entry_of_doc(doc: Document) -> Entry:
    return entry_of(prepare(doc, _CONFIG[0]), _CONFIG[0])


def index_documents(index: Index, docs: Sequence[Document], config: Config = Config(), prune_roots: Sequence[str] = (),
                    progress: Progress | None = None, workers: int | None = None) -> IndexReport:
    """Add new and changed documents (already read) to ``index``; with ``prune_roots``, drop those whose file is gone."""
    global _CONFIG
    added = updated = unchanged = 0
    todo, replace = [], []
    for d in docs:
        known = index.sha256_of(d.id)
        if known == d.sha256:
            unchanged += 1
            continue
        if known is not None:
            replace.append(d.id)
            updated += 1
        else:
            added += 1
        todo.append(d)
    _remove(index, replace, config)
    writer = _Writer(index)
    _CONFIG = (config,)
    try:
        for n, e in enumerate(_parallel(_entry_of_doc, todo, workers, 16)):
            if progress and n % 64 == 0:
                progress("index", n, len(todo))
            writer.add(e)
    finally:
        _CONFIG = ()
        writer.close()
    removed = _finish(index, {d.id for d in docs} if prune_roots else None, config, progress, len(todo))
    return IndexReport(added, updated, unchanged, removed)


def query(index: Index, doc: Document, config: Config = Config(), min_collisions: int = 3,
          max_candidates: int = 100, min_distinctive: int = 3) -> list[Pair]:
    """Pairs of ``doc`` with stored documents it shares text with (``doc`` is side a).

    Candidates are the stored documents whose windows collide with ``doc``'s in
    at least ``min_collisions`` bands (one or two collisions are what a shared
    stock phrase gives; a copied passage of fifty characters gives dozens),
    ``min_distinctive`` of them in keys held by few stored documents
    (:data:`~provenance.index.base.DISTINCTIVE_DF`), the ``max_candidates``
    with the most distinctive collisions first (each band key weighted by how
    few stored documents hold it: :func:`~provenance.index.base.weigh_collisions`).

    Only candidates with distinctive collisions are aligned: on a large index
    nearly every document shares some stock sentence with a new one, and the
    ones whose keys are all held by many documents (stock language) or that
    collide once by chance were, measured on the 1M-paragraph speed corpus,
    five sixths of the alignment work and none of the planted copies.  On an
    index of at most ``DISTINCTIVE_DF`` documents every key is distinctive, and
    the filter is ``min_collisions`` alone.  ``max_candidates`` only bounds the
    work on a pathological document: a new document made of one paragraph from
    each of forty sources has forty candidates, and each must be aligned for its
    total share to be right (it was 30, which left ten of them out).
    """
    p = prepare(doc, config)
    fpp = config.fingerprint
    keys = band_keys(p.fp.signatures, fpp.bands, fpp.rows)
    found = index.candidates(keys, min_collisions, limit=max_candidates + 1,  # + 1: doc itself may be stored
                             min_distinctive=min_distinctive)
    ranked = sorted(((s, i) for i, s in found.items() if i != doc.id), key=lambda t: (-t[0], t[1]))
    ranked = [i for _, i in ranked][:max_candidates]
    def stored() -> Iterator[Prepared]:
        for other_id in ranked:
            try:
                doc = index.get(other_id)
            except KeyError:  # removed by a concurrent index run since the look-up
                continue
            yield prepare(doc, config, signatures=False)

    return [pair for pair in compare_each(p, stored(), _IndexStats(index), config) if pair is not None]


class _IndexStats:
    """Document frequencies answered by the index's sketch, shaped like :class:`ShingleStats`."""

    def __init__(self, index: Index) -> None:
        self.index = index
        self.n_docs = index.count()

    def frequency(self, h):
        return self.index.frequencies(h)


__all__ = ["IndexReport", "entry_of", "index_documents", "index_files", "query"]

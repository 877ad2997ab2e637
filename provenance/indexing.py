"""Keeping an index up to date with a set of documents, and querying it with new ones.

Re-indexing is incremental: a document whose file hash is unchanged is
skipped, a changed one is replaced, and with ``prune`` documents whose file
has gone are dropped.  Documents are written in batches, each batch one
transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from .config import Config
from .fingerprint import band_keys
from .index import Index
from .model import Document, Pair
from .pipeline import Prepared, Progress, compare, prepare, prepare_all


@dataclass(frozen=True)
class IndexReport:
    added: int
    updated: int
    unchanged: int
    removed: int


def _entry(p: Prepared, config: Config):
    """What the index stores for a document.

    Only every other window is stored: those tile the text without overlap, and
    a query still slides its windows at half a window, so a copied passage
    always meets a stored window offset by at most a quarter window.  This
    halves the index.
    """
    fpp = config.fingerprint
    return p.doc, band_keys(p.fp.signatures[::2], fpp.bands, fpp.rows), p.shingle_set


def _forget(index: Index, doc_ids: Sequence[str], config: Config) -> None:
    """Remove stored documents, recomputing what they put from their stored text."""
    items = []
    for doc_id in doc_ids:
        old = prepare(index.get(doc_id), config)
        d, keys, sh = _entry(old, config)
        items.append((doc_id, keys, sh))
    index.remove(items)


def index_documents(index: Index, docs: Sequence[Document], config: Config = Config(), prune_roots: Sequence[str] = (),
                    batch: int = 256, progress: Progress | None = None) -> IndexReport:
    """Add new and changed documents to ``index``; with ``prune_roots``, drop those whose file is gone."""
    added = updated = unchanged = removed = 0
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
    _forget(index, replace, config)
    for lo in range(0, len(todo), batch):
        if progress:
            progress("index", lo, len(todo))
        part = prepare_all(todo[lo : lo + batch], config)
        index.put([_entry(p, config) for p in part])
    if prune_roots:
        seen = {d.id for d in docs}
        gone = [i for i, p in index.paths().items() if i not in seen and not Path(p).exists()]
        _forget(index, gone, config)
        removed = len(gone)
    if progress:
        progress("index", len(todo), len(todo))
    return IndexReport(added, updated, unchanged, removed)


def query(index: Index, doc: Document, config: Config = Config(), min_collisions: int = 3,
          max_candidates: int = 30) -> list[Pair]:
    """Pairs of ``doc`` with stored documents it shares text with (``doc`` is side a).

    Candidates are the stored documents whose windows collide with ``doc``'s in
    at least ``min_collisions`` bands (one or two collisions are what a shared
    stock phrase gives; a copied passage of fifty characters gives dozens), the
    ``max_candidates`` with most collisions first.
    """
    p = prepare(doc, config)
    fpp = config.fingerprint
    keys = band_keys(p.fp.signatures, fpp.bands, fpp.rows)
    found = index.candidates(keys)
    ranked = sorted((n, i) for i, n in found.items() if n >= min_collisions and i != doc.id)
    ranked = [i for n, i in sorted(ranked, key=lambda t: (-t[0], t[1]))][:max_candidates]
    stats = _IndexStats(index)
    pairs = []
    for other_id in ranked:
        other = prepare(index.get(other_id), config, signatures=False)
        pair = compare(p, other, stats, config)
        if pair is not None:
            pairs.append(pair)
    return pairs


class _IndexStats:
    """Document frequencies answered by the index's sketch, shaped like :class:`ShingleStats`."""

    def __init__(self, index: Index) -> None:
        self.index = index
        self.n_docs = index.count()

    def frequency(self, h):
        return self.index.frequencies(h)

"""Candidate document pairs: which pairs are worth aligning.

Two sources, both computed with sorting in numpy rather than pairwise loops:

* **LSH**: windows whose MinHash signatures agree on a whole band collide;
  the documents owning two colliding windows are a candidate pair.  This finds
  lightly and moderately revised copies (window Jaccard ≥ ~0.3).
* **Rare shared shingles**: two documents sharing several shingles that occur
  in few documents of the corpus.  This catches short verbatim passages and
  stock phrases (needed to *report* boilerplate-only pairs as such).

Both skip keys shared by very many documents (a bucket or a shingle of stock
language), which would otherwise make the number of pairs quadratic.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .arrays import unique


@dataclass(frozen=True)
class CandidateParams:
    max_bucket: int = 64
    """An LSH bucket with more documents than this pairs each of them with only
    this many others (a different, deterministic sample in every bucket)..."""
    partners: int = 64
    """...and each document keeps the partners it collides with most often, at
    least this many of them, so a template copied by hundreds of documents
    still links every copy to its closest relatives without aligning all
    pairs."""
    max_df: int = 60
    """Shingles in more documents than this make no pairs..."""
    max_df_share: float = 0.1
    """...nor those in more than this share of the documents (but at least 8 documents are allowed)."""
    min_shared: int = 6
    """Rare shingles two documents must share to be a pair."""


def _sampled_pairs(mat: np.ndarray, group_keys: np.ndarray, per_member: int) -> np.ndarray:
    """Pairs in large groups: each member with ``per_member`` others, in an order shuffled by the key."""
    g, d = mat.shape
    salt = (group_keys.astype(np.uint64) % np.uint64(1 << 61)).astype(np.uint64)
    with np.errstate(over="ignore"):
        rank = (mat.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)) ^ salt[:, None]
    order = np.argsort(rank, axis=1)
    shuffled = np.take_along_axis(mat, order, axis=1)
    half = max(per_member // 2, 1)
    rows = []
    for off in range(1, half + 1):
        rows.append(np.stack((shuffled.ravel(), np.roll(shuffled, -off, axis=1).ravel()), axis=1))
    pairs = np.concatenate(rows)
    return np.sort(pairs, axis=1)


def _pairs_from_groups(keys: np.ndarray, owners: np.ndarray, max_group: int, sample: bool = False) -> np.ndarray:
    """Owner pairs ``(a < b)`` that share a key, as rows; duplicates kept (for counting).

    Groups larger than ``max_group`` give no pairs, or with ``sample`` a sample of them.
    """
    if keys.size == 0:
        return np.zeros((0, 2), np.int64)
    order = np.lexsort((owners, keys))
    keys, owners = keys[order], owners[order]
    # one entry per (key, owner)
    first = np.ones(keys.size, bool)
    first[1:] = (keys[1:] != keys[:-1]) | (owners[1:] != owners[:-1])
    keys, owners = keys[first], owners[first]
    starts = np.nonzero(np.concatenate(([True], keys[1:] != keys[:-1])))[0]
    sizes = np.diff(np.concatenate((starts, [keys.size])))
    out = []
    for d in np.unique(sizes):
        d = int(d)
        if d < 2:
            continue
        g = starts[sizes == d]
        mat = owners[g[:, None] + np.arange(d)[None, :]]
        if d <= max_group:
            iu, ju = np.triu_indices(d, 1)
            out.append(np.stack((mat[:, iu].ravel(), mat[:, ju].ravel()), axis=1))
        elif sample:
            out.append(_sampled_pairs(mat, keys[g], max_group))
    if not out:
        return np.zeros((0, 2), np.int64)
    return np.concatenate(out)


def lsh_pairs(band_keys: list[np.ndarray], p: CandidateParams) -> set[tuple[int, int]]:
    """Document pairs with at least one colliding window band.

    Args:
        band_keys: Per document, its ``(windows, bands)`` band keys.
    """
    keys = [k.ravel() for k in band_keys]
    owners = [np.full(k.size, d, np.int64) for d, k in enumerate(keys)]
    if not keys:
        return set()
    pairs = _pairs_from_groups(np.concatenate(keys), np.concatenate(owners), p.max_bucket, sample=True)
    if pairs.size == 0:
        return set()
    n = len(keys)
    codes, counts = np.unique(pairs[:, 0] * n + pairs[:, 1], return_counts=True)
    a, b = codes // n, codes % n
    keep = _top_partners(a, counts, p.partners) | _top_partners(b, counts, p.partners)
    return {(int(x), int(y)) for x, y in zip(a[keep], b[keep])}


def _top_partners(doc: np.ndarray, score: np.ndarray, k: int) -> np.ndarray:
    """Mask of the pairs that are among ``doc``'s ``k`` best by ``score`` (ties broken by position)."""
    order = np.lexsort((-score, doc))
    d = doc[order]
    start = np.concatenate(([0], np.nonzero(d[1:] != d[:-1])[0] + 1))
    rank = np.arange(d.size) - np.repeat(start, np.diff(np.concatenate((start, [d.size]))))
    mask = np.zeros(doc.size, bool)
    mask[order[rank < k]] = True
    return mask


@dataclass(frozen=True)
class ShingleStats:
    """Document frequency of every shingle hash in the corpus."""

    hashes: np.ndarray  # sorted unique hashes
    df: np.ndarray      # documents containing each
    n_docs: int

    def frequency(self, h: np.ndarray) -> np.ndarray:
        idx = np.searchsorted(self.hashes, h).clip(0, max(self.hashes.size - 1, 0))
        hit = self.hashes[idx] == h if self.hashes.size else np.zeros(h.size, bool)
        return np.where(hit, self.df[idx] if self.hashes.size else 0, 0)


def shingle_stats(per_doc: list[np.ndarray]) -> ShingleStats:
    """Document frequencies from each document's shingle hashes."""
    uniq = [unique(h) for h in per_doc]
    if not uniq:
        return ShingleStats(np.zeros(0, np.uint32), np.zeros(0, np.int64), 0)
    allh = np.concatenate(uniq)
    hashes, df = np.unique(allh, return_counts=True)
    return ShingleStats(hashes, df.astype(np.int64), len(per_doc))


def rare_shingle_pairs(per_doc: list[np.ndarray], p: CandidateParams) -> set[tuple[int, int]]:
    """Document pairs sharing at least ``min_shared`` shingles found in at most ``max_df`` documents."""
    uniq = [unique(h) for h in per_doc]
    if len(uniq) < 2:
        return set()
    keys = np.concatenate(uniq)
    owners = np.concatenate([np.full(u.size, d, np.int64) for d, u in enumerate(uniq)])
    cap = min(p.max_df, max(8, int(np.ceil(p.max_df_share * len(uniq)))))
    pairs = _pairs_from_groups(keys, owners, cap)
    if pairs.size == 0:
        return set()
    n = len(uniq)
    code = pairs[:, 0] * n + pairs[:, 1]
    codes, counts = np.unique(code, return_counts=True)
    good = codes[counts >= p.min_shared]
    return {(int(c // n), int(c % n)) for c in good}

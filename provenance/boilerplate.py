"""Stock language or copying: judged from document frequencies, with a template family counted once.

A shared passage is *stock language* when the shingles it is made of are
common in the corpus: found in at least ``max(min_df, df_share × documents)``
documents (see :class:`~provenance.config.BoilerplateParams`).  Thresholds
follow the corpus size; there is no list of phrases.

Raw document frequency cannot tell a formula every town writes (属地管理、分级负责)
from a sentence of a model plan that twenty towns copied: both are in twenty
documents.  What differs is *who* holds them.  The formula is held by
documents that do not copy each other; the model sentence by documents that
do.  So, for a pair already known to copy (a first judgement by raw
frequency), a shingle's frequency is counted again without the pair's *common
relatives*, the documents that copy both of them: text the family shares is
then rare, and is copying; stock language stays common, because documents
outside the family hold it too.

Example:
    >>> import numpy as np
    >>> from provenance.candidates import shingle_stats
    >>> stats = shingle_stats([np.array([1, 2]), np.array([1, 2]), np.array([1, 2]), np.array([2])])
    >>> frequency(stats, np.array([1, 2]))                      # both in 3 or 4 documents
    array([3, 4])
    >>> frequency(stats, np.array([1, 2]), [np.array([1, 2])])   # one relative of the pair holds both
    array([2, 3])

Note:
    The pair's own two documents are always counted: a shingle held by the pair
    and nobody else has frequency 2.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol

import numpy as np

from .arrays import isin_sorted, ranges
from .config import BoilerplateParams


class Frequencies(Protocol):
    """Document frequencies of shingle hashes: a :class:`~provenance.candidates.ShingleStats` or an index's sketch."""

    n_docs: int

    def frequency(self, h: np.ndarray) -> np.ndarray: ...


def common_thresholds(stats: Frequencies, params: BoilerplateParams) -> tuple[int, int]:
    """Document frequencies from which a shingle is common, and nearly universal, in this corpus."""
    return (max(params.min_df, int(np.ceil(params.df_share * stats.n_docs))),
            max(params.min_df, params.min_universal_df, int(np.ceil(params.universal_share * stats.n_docs))))


class Holders:
    """Which documents hold each shingle of a corpus (one sorted posting list per shingle), to count a
    family's holders of many shingles at once instead of looking each shingle up in every member.

    Example:
        >>> import numpy as np
        >>> h = Holders([np.array([1, 2]), np.array([1, 2]), np.array([1]), np.array([3])])
        >>> h.count(np.array([1, 2, 3, 4]), [1, 2]).tolist()     # documents 1 and 2 hold 1; 1 holds 2
        [2, 1, 0, 0]
    """

    def __init__(self, per_doc: Sequence[np.ndarray]):
        """``per_doc``: each document's distinct shingle hashes, ascending."""
        keys = np.concatenate(per_doc) if len(per_doc) else np.zeros(0, np.uint32)
        docs = np.concatenate([np.full(s.size, d, np.int32) for d, s in enumerate(per_doc)]) if len(per_doc) \
            else np.zeros(0, np.int32)
        order = np.argsort(keys, kind="stable")  # documents stay ascending within a shingle
        keys = keys[order]
        self.docs = docs[order]
        first = np.ones(keys.size, bool)
        np.not_equal(keys[1:], keys[:-1], out=first[1:])
        self.hashes = keys[first]
        self.starts = np.append(np.flatnonzero(first), keys.size)
        self.n_docs = len(per_doc)
        self._bitsets()

    def _bitsets(self) -> None:
        """Holders of the common shingles as bit sets, one row of 64-bit words per shingle.

        Counting a shingle's holders among a family walks its posting list, and
        in a corpus of licences a passage's shingles are held by hundreds of
        documents each: for shingles held by more than an eighth of the corpus
        (and more than 64 documents) one AND and a popcount over ``n_docs / 64``
        words replace the walk.  At most ``8 * postings / n_docs`` shingles
        qualify, so the bit sets take at most a quarter of the posting lists'
        memory.
        """
        df = np.diff(self.starts)
        common = np.flatnonzero(df > max(64, self.n_docs // 8))
        self.row = np.full(self.hashes.size, -1, np.int32)
        self.row[common] = np.arange(common.size)
        self.words = (self.n_docs + 63) // 64
        self.bits = np.zeros((common.size, self.words), np.uint64)
        if common.size:
            n = df[common]
            at = ranges(self.starts[common], n)
            d = self.docs[at].astype(np.int64)
            np.bitwise_or.at(self.bits, (np.repeat(np.arange(common.size), n), d >> 6),
                             np.left_shift(np.uint64(1), (d & 63).astype(np.uint64)))

    def count(self, shingles: np.ndarray, docs: Iterable[int]) -> np.ndarray:
        """How many of ``docs`` hold each of ``shingles``."""
        mask = np.zeros(self.n_docs, bool)
        mask[list(docs)] = True
        if self.hashes.size == 0 or shingles.size == 0:
            return np.zeros(shingles.shape, np.int64)
        k = np.minimum(np.searchsorted(self.hashes, shingles), self.hashes.size - 1)
        hit = self.hashes[k] == shingles
        row = np.where(hit, self.row[k], -1)
        by_bits = row >= 0
        walk = hit & ~by_bits
        lo = np.where(walk, self.starts[k], 0)
        n = np.where(walk, self.starts[k + 1] - self.starts[k], 0)
        at = ranges(lo, n)
        out = np.bincount(np.repeat(np.arange(shingles.size), n), weights=mask[self.docs[at]],
                          minlength=shingles.size).astype(np.int64)
        if by_bits.any():
            packed = np.zeros(self.words * 64, bool)
            packed[: self.n_docs] = mask
            family = np.packbits(packed, bitorder="little").view("<u8")  # bit d&63 of word d>>6: document d
            out[by_bits] = np.bitwise_count(self.bits[row[by_bits]] & family).sum(axis=1)
        return out


class Family:
    """A pair's common relatives, as document ids of a :class:`Holders`: what :func:`frequency` does not count."""

    def __init__(self, holders: Holders, docs: Sequence[int]):
        self.holders, self.docs = holders, list(docs)

    def count(self, shingles: np.ndarray) -> np.ndarray:
        return self.holders.count(shingles, self.docs)


def frequency(stats: Frequencies, shingles: np.ndarray, relatives: Sequence[np.ndarray] | Family = ()) -> np.ndarray:
    """Document frequency of each shingle, not counting the pair's relatives.

    Args:
        relatives: The relatives' sorted shingle sets, or a :class:`Family`
            (the same count, for a large family much faster).
    """
    df = np.asarray(stats.frequency(shingles), dtype=np.int64)
    if isinstance(relatives, Family):
        return df - relatives.count(shingles)
    for rel in relatives:
        df = df - isin_sorted(shingles, rel)
    return df


def stock_shares(stats: Frequencies, passages: Sequence[tuple[np.ndarray, int]], params: BoilerplateParams,
                 relatives: Sequence[np.ndarray] | Family = ()) -> list[float]:
    """Share of each passage's shared shingles that make it stock language.

    A passage whose exact matches weigh less than ``long_passage`` counts its
    common shingles; a longer one only its nearly universal ones (a long
    passage shared by a tenth of a corpus is a template family, not a formula).

    Args:
        passages: Per passage, the hashes of the shingles it shares with the
            other document and the weight of its exact matches.
        relatives: Sorted shingle sets of documents not to count (the pair's common relatives), or a :class:`Family`.
    """
    if not passages:
        return []
    low, high = common_thresholds(stats, params)
    sizes = [h.size for h, _ in passages]
    df = frequency(stats, np.concatenate([h for h, _ in passages]), relatives)
    out, at = [], 0
    for (h, matched), n in zip(passages, sizes):
        part = df[at : at + n]
        at += n
        # count / n: the value .mean() gives (an exact sum, one rounded division), without its per-call set-up
        out.append(int(np.count_nonzero(part >= (low if matched < params.long_passage else high))) / n if n else 0.0)
    return out


def relatives(pairs: Iterable[tuple[int, int]]) -> dict[int, set[int]]:
    """For every document, the documents it is a copy pair with."""
    out: dict[int, set[int]] = {}
    for i, j in pairs:
        out.setdefault(i, set()).add(j)
        out.setdefault(j, set()).add(i)
    return out


def common_relatives(rel: dict[int, set[int]], i: int, j: int) -> list[int]:
    """The documents that copy both ``i`` and ``j`` (their family, as far as the pairs show it)."""
    return sorted((rel.get(i, set()) & rel.get(j, set())) - {i, j})


__all__ = ["Family", "Frequencies", "Holders", "common_relatives", "common_thresholds", "frequency", "relatives", "stock_shares"]

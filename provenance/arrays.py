"""Array helpers faster than numpy's general ones at the sizes the engine works with.

numpy ≥ 2.3 answers a plain ``np.unique`` with a hash table, which for the
arrays here (a few thousand to a few hundred thousand integers) is 5–20×
slower than sorting and keeping the first of each run; :func:`unique` does
that.  Same result as ``np.unique(a)``: the distinct values, ascending.
:func:`ranks` and :func:`ranges` expand runs (posting lists, groups of equal
hashes) without a Python loop.  :func:`isin_sorted`, :class:`Members` and
:func:`member` are ``np.isin`` against a sorted set, by binary search and, for
many needles, a bitmap first.
"""

from __future__ import annotations

import numpy as np


def ranks(counts: np.ndarray) -> np.ndarray:
    """``0 .. n-1`` for each ``n`` in ``counts``, concatenated.

    Example:
        >>> ranks(np.array([2, 0, 3])).tolist()
        [0, 1, 0, 1, 2]
    """
    return np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)


def ranges(starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """``s .. s+n-1`` for each ``s, n`` of ``starts, counts``, concatenated.

    Example:
        >>> ranges(np.array([5, 9, 1]), np.array([2, 0, 3])).tolist()
        [5, 6, 1, 2, 3]
    """
    # repeat(starts) + ranks(counts), with the two repeats made one
    return np.repeat(starts - np.cumsum(counts) + counts, counts) + np.arange(int(counts.sum()))


def unique(a: np.ndarray) -> np.ndarray:
    """The distinct values of ``a`` (flattened), ascending: ``np.unique(a)`` by sorting.

    Example:
        >>> unique(np.array([3, 1, 3, 2])).tolist()
        [1, 2, 3]
    """
    s = np.sort(np.asarray(a).ravel())
    if s.size < 2:
        return s
    keep = np.empty(s.size, dtype=bool)
    keep[0] = True
    np.not_equal(s[1:], s[:-1], out=keep[1:])
    return s[keep]


def isin_sorted(values: np.ndarray, sorted_set: np.ndarray) -> np.ndarray:
    """``np.isin(values, sorted_set)`` for a sorted array of distinct values: one binary search each.

    Example:
        >>> isin_sorted(np.array([3, 4, 7]), np.array([1, 3, 7])).tolist()
        [True, False, True]
    """
    values = np.asarray(values)
    if sorted_set.size == 0:
        return np.zeros(values.shape, bool)
    # np.minimum, not .clip: the same for an index never negative, without clip's per-call checks (~4 µs)
    return sorted_set[np.minimum(np.searchsorted(sorted_set, values), sorted_set.size - 1)] == values


class Members:
    """Membership in a sorted, distinct set of hash values, asked of many arrays: ``Members(b)(a)``.

    A bitmap of ``b``'s low bits, made once, rules out most of ``a`` at once; only the rest
    is binary-searched (unsorted needles make ``np.searchsorted`` slow).

    Example:
        >>> Members(np.array([5, 9, 70000], np.uint32))(np.array([9, 4, 70000, 5 + 65536], np.uint32)).tolist()
        [True, False, True, False]
    """

    def __init__(self, sorted_b: np.ndarray) -> None:
        self.b = sorted_b
        bits = 16 if sorted_b.size < 2048 else 20
        self.mask = np.uint32((1 << bits) - 1)
        self.table = np.zeros(1 << bits, dtype=bool)
        self.table[sorted_b.astype(np.uint32) & self.mask] = True

    def maybe(self, a: np.ndarray) -> np.ndarray:
        """Where ``a`` may hold a member (every member, and a few others: those sharing its low bits)."""
        return self.table[a.astype(np.uint32) & self.mask]

    def __call__(self, a: np.ndarray) -> np.ndarray:
        out = np.zeros(a.shape, dtype=bool)
        if self.b.size == 0 or a.size == 0:
            return out
        maybe = np.flatnonzero(self.maybe(a))
        out[maybe[isin_sorted(a[maybe], self.b)]] = True
        return out


def member(a: np.ndarray, sorted_b: np.ndarray) -> np.ndarray:
    """``np.isin(a, sorted_b)`` for hash values ``a`` and a sorted, distinct ``sorted_b``, the faster way for the sizes."""
    if sorted_b.size == 0 or a.size == 0:
        return np.zeros(a.shape, dtype=bool)
    if a.size < 1024:  # few needles: the bitmap would cost more than it saves
        return isin_sorted(a, sorted_b)
    return Members(sorted_b)(a)

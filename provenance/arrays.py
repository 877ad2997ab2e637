"""Array helpers faster than numpy's general ones at the sizes the engine works with.

numpy ≥ 2.3 answers a plain ``np.unique`` with a hash table, which for the
arrays here (a few thousand to a few hundred thousand integers) is 5–20×
slower than sorting and keeping the first of each run; :func:`unique` does
that.  Same result as ``np.unique(a)``: the distinct values, ascending.
:func:`ranks` and :func:`ranges` expand runs (posting lists, groups of equal
hashes) without a Python loop.
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
    return np.repeat(starts, counts) + ranks(counts)


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

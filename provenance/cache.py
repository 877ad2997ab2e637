"""Arrays computed once per machine and kept in the user's cache folder.

The normalizer's per-code-point tables take a few hundred milliseconds to
build (NFKC and OpenCC over the whole plane) and the MinHash permutations need
``numpy.random`` (~10 ms to import); a ``provenance check`` that loads them from
a plain ``.npy`` file instead starts its first query that much sooner.  The file
name holds everything the array depends on; a cache that cannot be read or
written is simply rebuilt in memory.
"""

from __future__ import annotations

import os
from typing import Callable

import numpy as np


def cache_dir() -> str:
    """``$XDG_CACHE_HOME/provenance`` (``~/.cache/provenance`` by default)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "provenance")


def cached_array(name: str, build: Callable[[], np.ndarray]) -> np.ndarray:
    """The array cached as ``NAME.npy``, or ``build()`` (then cached) when there is none.

    Args:
        name: File name without suffix; it must change whenever ``build``'s result would.
        build: Computes the array.
    """
    path = os.path.join(cache_dir(), name + ".npy")
    try:
        return np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError):
        pass
    arr = np.asarray(build())
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        tmp = f"{path}.{os.getpid()}.tmp.npy"
        np.save(tmp, arr, allow_pickle=False)
        os.replace(tmp, path)
    except OSError:
        pass
    return arr


__all__ = ["cache_dir", "cached_array"]

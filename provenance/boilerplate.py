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

from .config import BoilerplateParams


class Frequencies(Protocol):
    """Document frequencies of shingle hashes: a :class:`~provenance.candidates.ShingleStats` or an index's sketch."""

    n_docs: int

    def frequency(self, h: np.ndarray) -> np.ndarray: ...


def common_thresholds(stats: Frequencies, params: BoilerplateParams) -> tuple[int, int]:
    """Document frequencies from which a shingle is common, and nearly universal, in this corpus."""
    return (max(params.min_df, int(np.ceil(params.df_share * stats.n_docs))),
            max(params.min_df, int(np.ceil(params.universal_share * stats.n_docs))))


def member(sorted_set: np.ndarray, h: np.ndarray) -> np.ndarray:
    """Whether each hash of ``h`` is in ``sorted_set`` (sorted, unique)."""
    if sorted_set.size == 0:
        return np.zeros(h.shape, bool)
    k = np.minimum(np.searchsorted(sorted_set, h), sorted_set.size - 1)
    return sorted_set[k] == h


def frequency(stats: Frequencies, shingles: np.ndarray, relatives: Sequence[np.ndarray] = ()) -> np.ndarray:
    """Document frequency of each shingle, not counting the documents whose sorted shingle sets are ``relatives``."""
    df = np.asarray(stats.frequency(shingles), dtype=np.int64)
    for rel in relatives:
        df = df - member(rel, shingles)
    return df


def stock_shares(stats: Frequencies, passages: Sequence[tuple[np.ndarray, int]], params: BoilerplateParams,
                 relatives: Sequence[np.ndarray] = ()) -> list[float]:
    """Share of each passage's shared shingles that make it stock language.

    A passage whose exact matches weigh less than ``long_passage`` counts its
    common shingles; a longer one only its nearly universal ones (a long
    passage shared by a tenth of a corpus is a template family, not a formula).

    Args:
        passages: Per passage, the hashes of the shingles it shares with the
            other document and the weight of its exact matches.
        relatives: Sorted shingle sets of documents not to count (the pair's common relatives).
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
        out.append(float((part >= (low if matched < params.long_passage else high)).mean()) if n else 0.0)
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


__all__ = ["Frequencies", "common_relatives", "common_thresholds", "frequency", "member", "relatives", "stock_shares"]

"""Sets of half-open character spans: merging, measuring, subtracting.

Coverage, shares and family members are all unions of spans on one document's
text; every module that needs one uses these functions, so "how much of this
text is covered" has one definition.

Example:
    >>> merge_spans([(5, 9), (0, 3), (2, 4), (9, 10)])
    ((0, 4), (5, 10))
    >>> union_length([(0, 10), (5, 15), (20, 25)])
    20
    >>> minus([(0, 10), (20, 30)], [(5, 22)])
    [(0, 5), (22, 30)]
"""

from __future__ import annotations

from typing import Iterable, Sequence

Span = tuple[int, int]
"""Half-open character offsets ``(start, end)``."""


def merge_spans(spans: Iterable[Span], touching: bool = True) -> tuple[Span, ...]:
    """Sort spans and merge the overlapping ones (and the touching ones, unless ``touching`` is false).

    Empty spans are dropped.

    Example:
        >>> merge_spans([(0, 3), (3, 5)]), merge_spans([(0, 3), (3, 5)], touching=False)
        (((0, 5),), ((0, 3), (3, 5)))
    """
    out: list[list[int]] = []
    for a, b in sorted(spans):
        if b <= a:
            continue
        if out and (a <= out[-1][1] if touching else a < out[-1][1]):
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return tuple((a, b) for a, b in out)


def union_length(spans: Iterable[Span]) -> int:
    """Characters covered by ``spans``, overlaps counted once."""
    return sum(b - a for a, b in merge_spans(spans))


def minus(spans: Sequence[Span], taken: Sequence[Span]) -> list[Span]:
    """``spans`` without ``taken`` (both merged and sorted, as :func:`merge_spans` returns them)."""
    out, j = [], 0
    for a, b in spans:
        while j < len(taken) and taken[j][1] <= a:
            j += 1
        k, cur = j, a
        while k < len(taken) and taken[k][0] < b:
            if taken[k][0] > cur:
                out.append((cur, taken[k][0]))
            cur = max(cur, taken[k][1])
            k += 1
        if cur < b:
            out.append((cur, b))
    return out

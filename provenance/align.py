"""Alignment: the exact shared passages of two documents.

Given two documents' units and shingle hashes, alignment

1. *seeds*: finds every shingle the two share (a hash join in numpy), ignoring
   shingles repeated many times inside one document;
2. *segments*: merges seeds on one diagonal into maximal exact matches;
3. *chains*: links segments in order on both sides across small gaps (a word
   substituted, a clause dropped, a name swapped) into one passage, so a
   lightly revised copy comes out as one passage, not as a dozen fragments;
4. *extends* each passage unit by unit while the two sides still agree, and
   *verifies* it with ``rapidfuzz.distance.Indel`` on the unit sequences, which
   gives the matching blocks and the similarity reported with each passage;
   a passage is split where the two sides part and trimmed of chance matches
   at its ends;
5. *merges* pieces that continue each other (a chain that lost its way in a
   cluster of edits leaves two) into one passage, verified again as a whole;
6. makes the passages *one-to-one*: a unit of either document belongs to at
   most one passage, so repeated formulas do not give a second, shifted
   alignment of text already aligned.

All lengths (gaps, skews, runs) are weights: a character of a script written
without spaces weighs 1, a word 2.  Everything is in unit indices here;
:mod:`provenance.pipeline` turns them into character spans of the original
texts.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass
from functools import cached_property
from itertools import count, takewhile
from typing import Iterable

import numpy as np
from rapidfuzz.distance import Indel

from .arrays import isin_sorted, ranges, ranks
from .normalize import WORD_FLAG

Block = tuple[int, int, int, int]
"""Aligned unit ranges ``(i0, i1, j0, j1)``: ``a[i0:i1]`` against ``b[j0:j1]``."""


@dataclass(frozen=True)
class AlignParams:
    """Tuning of the aligner, in weight units (a character 1, a word 2).

    Attributes:
        min_weight: Shortest passage reported (shorter shared strings are noise).
        max_gap: Largest unmatched stretch bridged inside one passage.
        gap_ratio: A longer gap is bridged when it is at most this share of the
            matched length so far.
        max_skew: Largest difference between the two sides' gaps (an insertion on one side).
        min_similarity: Passages less similar than this are dropped.
        min_gap_similarity: Two pieces more than ``max_gap`` apart are merged only
            when the stretch between them is at least this similar (unrelated
            text of the same length scores at most ~0.27, a stretch of a copy
            with a third of it edited ~0.6).
        repeat_weight: Two passages overlapping on one side only both stay when
            each holds at least this much exactly matched weight (a paragraph
            one document holds twice); shorter ones give way to the stronger.
        min_run: A passage must contain one exact match at least this long.
        repeat_cap: Shingles occurring more often than this in one document are not seeds.
    """

    min_weight: int = 12
    max_gap: int = 24
    gap_ratio: float = 0.25
    max_skew: int = 24
    min_similarity: float = 0.6
    min_gap_similarity: float = 0.4
    repeat_weight: int = 100
    min_run: int = 8
    repeat_cap: int = 16


@dataclass(frozen=True)
class RawPassage:
    """A passage in unit indices: ``a[i0:i1]`` aligned with ``b[j0:j1]``."""

    i0: int
    i1: int
    j0: int
    j1: int
    matched: int
    similarity: float


def _runs(sorted_values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The distinct values of a sorted array, where each one's run starts, and how long it is."""
    first = np.flatnonzero(np.concatenate(([True], sorted_values[1:] != sorted_values[:-1])))
    return sorted_values[first], first, np.diff(np.concatenate((first, [sorted_values.size])))


@dataclass(frozen=True)
class HashRuns:
    """A document's shingle starts grouped by hash: :func:`hash_runs`.

    Attributes:
        order: The positions where a shingle starts, ordered by hash (ties by position).
        values: The distinct hashes, ascending.
        starts: Where each one's run begins in ``order``.
        counts: How long it is.
    """

    order: np.ndarray
    values: np.ndarray
    starts: np.ndarray
    counts: np.ndarray

    @cached_property
    def _slots(self) -> np.ndarray:
        """Per value of a hash's low 16 bits: where the one distinct hash with them is in ``values``, -1 when
        none has them, -2 when several do (a table of 64 K small integers: it stays in the processor's cache)."""
        low = (self.values & 0xFFFF).astype(np.intp)
        table = np.full(1 << 16, -1, np.int16 if self.values.size < 1 << 15 else np.int32)
        table[low] = np.arange(low.size)
        table[np.bincount(low, minlength=1 << 16) > 1] = -2
        return table

    def found(self, h: np.ndarray, valid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The positions ``p`` where ``valid`` and ``h[p]`` is one of ``values`` (ascending), and where in ``values``.

        ``np.searchsorted`` of unsorted needles, several times faster: the low bits rule out most
        positions at once and point the others at their one candidate; only hashes sharing their low
        bits with several values are binary-searched.
        """
        v = self.values
        if v.size == 0:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        t = np.take(self._slots, h & 0xFFFF)
        pos = np.flatnonzero((t != -1) & valid)
        at = t[pos].astype(np.int64)
        several = np.flatnonzero(at == -2)
        if several.size:
            at[several] = np.minimum(np.searchsorted(v, h[pos[several]]), v.size - 1)
        same = v[at] == h[pos]
        return pos[same], at[same]

    def within(self, sorted_set: np.ndarray) -> "HashRuns":
        """Only the runs of the hashes in ``sorted_set`` (sorted, distinct)."""
        if self.values.size == 0:
            return self
        keep = isin_sorted(self.values, sorted_set)
        if keep.all():
            return self
        counts = self.counts[keep]
        starts = np.concatenate(([0], np.cumsum(counts)[:-1])).astype(self.starts.dtype)
        return HashRuns(self.order[np.repeat(keep, self.counts)], self.values[keep], starts, counts)


def hash_runs(h: np.ndarray, valid: np.ndarray) -> HashRuns:
    """The shingle starts ``valid`` of hashes ``h`` grouped by hash (what :func:`seeds` joins on)."""
    order, ordered = _stable_order(h, np.flatnonzero(valid))
    if order.size == 0:
        empty = np.zeros(0, np.int64)
        return HashRuns(order, ordered, empty, empty)
    return HashRuns(order, *_runs(ordered))


def seeds(ha: np.ndarray, va: np.ndarray, hb: np.ndarray, vb: np.ndarray, repeat_cap: int,
          runs_a: HashRuns | None = None, runs_b: HashRuns | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Positions ``(i, j)`` where a's shingle at ``i`` equals b's shingle at ``j``.

    Every pair of positions of a shingle found in both, unless it occurs more than ``repeat_cap``
    times in either: then its k-th position in a is paired with its k-th in b only.  In no particular order (:func:`segments` orders them).  Both sides are sorted
    once and joined run by run: no hash tables (``np.unique`` and ``np.isin`` build one in numpy ≥
    2.3, several times slower at these sizes).  ``runs_a``, ``runs_b``: :func:`hash_runs` of a side,
    when already made (one document checked against many: its side is sorted once).
    """
    ra = runs_a if runs_a is not None else hash_runs(ha, va)
    rb = runs_b if runs_b is not None else hash_runs(hb, vb)
    if ra.order.size == 0 or rb.order.size == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    oa, ua, sa, ca = ra.order, ra.values, ra.starts, ra.counts
    ob, ub, sb, cb = rb.order, rb.values, rb.starts, rb.counts
    at = np.searchsorted(ub, ua).clip(0, ub.size - 1)
    shared = ub[at] == ua
    few = (ca <= repeat_cap) & (cb[at] <= repeat_cap)
    both = np.flatnonzero(shared & few)
    # each a-position of a shared shingle, then each b-position of the same shingle
    na, nb, b0 = ca[both], cb[at[both]], sb[at[both]]
    a_idx = ranges(sa[both], na)
    per = np.repeat(nb, na)
    i = np.repeat(oa[a_idx], per)
    start = np.repeat(np.repeat(b0, na), per)
    j = ob[start + ranks(per)]
    # a shingle repeated more often: its k-th occurrence in a with its k-th in b only, so two copies of
    # a text made of one formula repeated many times still align, without the square number of seeds
    many = np.flatnonzero(shared & ~few)
    if many.size:
        m = np.minimum(ca[many], cb[at[many]])
        r = ranks(m)
        i = np.concatenate((i, oa[np.repeat(sa[many], m) + r]))
        j = np.concatenate((j, ob[np.repeat(sb[at[many]], m) + r]))
    return i.astype(np.int64), j.astype(np.int64)


def seeds_within(runs_a: HashRuns, hb: np.ndarray, vb: np.ndarray,
                 repeat_cap: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`seeds` with a's side grouped (``runs_a``) and b's hashes looked up in it instead of grouped too.

    The same seeds, ordered by ``j`` then ``i`` (what :func:`segments` with ``by_b=True`` orders
    with a radix sort), and b's distinct hashes that a has, ascending.  No sort of b's side: one
    document checked against many stored ones looks each stored one's shingles up in its own.
    """
    empty = np.zeros(0, np.int64)
    ua = runs_a.values
    jb, r = runs_a.found(hb, vb)
    if jb.size == 0:
        return empty, empty, ua[:0]
    cb = np.bincount(r, minlength=ua.size)
    ca = runs_a.counts
    start, n = runs_a.starts[r].astype(np.int64), ca[r].astype(np.int64)
    many = np.flatnonzero(((ca > repeat_cap) | (cb > repeat_cap))[r])
    if many.size:
        # a shingle repeated more often: the k-th b position of its run (positions ascending) with the k-th in a
        rm = r[many]
        o = np.argsort(rm, kind="stable")
        k = np.empty(rm.size, np.int64)
        k[o] = ranks(_runs(rm[o])[2])
        start[many] += k
        n[many] = k < ca[rm]
    return runs_a.order[ranges(start, n)].astype(np.int64), np.repeat(jb, n), ua[cb > 0]


def _stable_order(h: np.ndarray, pos: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``pos`` ordered by ``h[pos]`` (ties in position order), and ``h`` at them: a stable argsort.

    Hashes of at most 32 bits and their positions are packed into one ``uint64`` and sorted plainly (several times
    faster than numpy's stable argsort, a timsort, at these sizes); other hashes take the argsort.
    """
    v = h[pos]
    if v.dtype.kind == "u" and v.dtype.itemsize <= 4 and (pos.size == 0 or int(pos[-1]) < 1 << 32):
        key = (v.astype(np.uint64) << np.uint64(32)) | pos.astype(np.uint64)  # pos ascending (flatnonzero)
        key.sort()
        return (key & np.uint64(0xFFFFFFFF)).astype(pos.dtype), (key >> np.uint64(32)).astype(v.dtype)
    order = np.argsort(v, kind="stable")
    return pos[order], v[order]


def segments(i: np.ndarray, j: np.ndarray, k_a: np.ndarray, ordered: bool = True, by_b: bool = False) -> np.ndarray:
    """Merge seeds on one diagonal into exact matches: rows ``(i0, i1, j0, j1)``, by ``i0`` then ``j0``.

    With ``ordered=False`` the rows come by diagonal instead (:func:`align` orders only those
    :func:`near_anchors` keeps).  ``by_b``: the seeds come ordered by ``j`` then ``i``
    (:func:`seeds_within`), so on each diagonal already by ``i``, and a stable sort by diagonal alone
    orders them (numpy's radix sort when the diagonals span fewer than 65,536 values: several times
    faster than sorting 64-bit keys).
    """
    if i.size == 0:
        return np.zeros((0, 4), np.int64)
    i0, i1, d = _diagonal_runs(i, j, k_a, by_b)
    out = np.stack((i0, i1, i0 + d, i1 + d), axis=1)
    return _by_start(out) if ordered else out


def _diagonal_runs(i: np.ndarray, j: np.ndarray, k_a: np.ndarray, by_b: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`segments` as columns, by diagonal: each one's start and end on a, and its diagonal ``j - i``."""
    d = j - i
    lo = int(d.min())
    if by_b and int(d.max()) - lo < 1 << 16:
        o = np.argsort((d - lo).astype(np.uint16), kind="stable")
        i, d = i[o], d[o]
    else:
        key = np.sort(((d - lo) << 32) | i)  # by diagonal, then position: one sort of one int64 key
        i, d = key & 0xFFFFFFFF, (key >> 32) + lo
    end = i + k_a[i]
    brk = np.ones(i.size, dtype=bool)
    brk[1:] = (d[1:] != d[:-1]) | (i[1:] > end[:-1])
    starts = np.nonzero(brk)[0]
    return i[starts], np.maximum.reduceat(end, starts), d[starts]


def _by_start(segs: np.ndarray) -> np.ndarray:
    """Segment rows ordered by ``i0`` then ``j0`` (distinct per segment)."""
    return segs[np.argsort((segs[:, 0] << 32) | segs[:, 2])]


def near_anchors(segs: np.ndarray, seg_w: np.ndarray, p: AlignParams) -> np.ndarray:
    """Keep anchor segments (at least ``min_run``) and the short ones close to an anchor on both sides.

    A passage needs one anchor, and a short segment can only join a passage
    within a gap's reach of it; dropping the rest first keeps chaining linear
    in practice even between long documents full of stock phrases.  The
    segments may come in any order; those kept are returned by ``i0`` then ``j0``.
    """
    anchor = seg_w >= p.min_run
    if not anchor.any():
        return segs[:0]
    a = _by_start(segs[anchor])
    reach = 4 * max(p.max_gap, p.max_skew)
    a_i, a_j = np.ascontiguousarray(a[:, 0]), np.ascontiguousarray(a[:, 2])
    s_i, s_j = np.ascontiguousarray(segs[:, 0]), np.ascontiguousarray(segs[:, 2])
    pos = np.searchsorted(a_i, s_i)
    keep = anchor.copy()
    # the anchors just before and at each segment's start (clipped: an end's neighbour is checked twice)
    for c in (np.maximum(pos - 1, 0), np.minimum(pos, a_i.size - 1)):
        keep |= (np.abs(a_i[c] - s_i) <= reach) & (np.abs(a_j[c] - s_j) <= reach)
    return _by_start(segs[keep])


def near_segments(i: np.ndarray, j: np.ndarray, k_a: np.ndarray, cum_a: np.ndarray, p: AlignParams) -> np.ndarray:
    """``near_anchors(segments(i, j, k_a, by_b=True), ...)`` in one pass over columns: the same rows.

    The seeds come as :func:`seeds_within` gives them (by ``j`` then ``i``).  Only the segments kept
    are put together as rows: most of them (single seeds of stock phrases far from any anchor) never are.
    """
    if i.size == 0:
        return np.zeros((0, 4), np.int64)
    i0, i1, d = _diagonal_runs(i, j, k_a, by_b=True)
    j0 = i0 + d
    anchor = cum_a[i1] - cum_a[i0] >= p.min_run
    if not anchor.any():
        return np.zeros((0, 4), np.int64)
    key = (i0 << 32) | j0  # by start on a, then on b: distinct per segment
    a = np.sort(key[anchor])
    a_i, a_j = a >> 32, a & 0xFFFFFFFF
    reach = 4 * max(p.max_gap, p.max_skew)
    pos = np.searchsorted(a_i, i0)
    keep = anchor
    for c in (np.maximum(pos - 1, 0), np.minimum(pos, a_i.size - 1)):
        keep |= (np.abs(a_i[c] - i0) <= reach) & (np.abs(a_j[c] - j0) <= reach)
    at = np.flatnonzero(keep)
    at = at[np.argsort(key[at])]
    i0, i1, d = i0[at], i1[at], d[at]
    return np.stack((i0, i1, i0 + d, i1 + d), axis=1)


def unit_weights(ids: np.ndarray) -> np.ndarray:
    """Weight of each unit id: 2 for a word (``WORD_FLAG`` set), 1 for a character."""
    w = ((ids & WORD_FLAG) != 0).astype(np.int64)
    w += 1
    return w


def _cum(weights: np.ndarray) -> np.ndarray:
    out = np.zeros(weights.shape[0] + 1, np.int64)
    np.cumsum(weights, dtype=np.int64, out=out[1:])
    return out


def _link(prev: Block, seg: Block, cum_a: np.ndarray, cum_b: np.ndarray, limit: int, p: AlignParams) -> int | None:
    """Cost of continuing a chain ending in ``prev`` with ``seg`` (gaps in weight), or ``None`` when it cannot."""
    i0, i1, j0, j1 = seg
    if i1 <= prev[1] or j1 <= prev[3]:
        return None
    ga = int(cum_a[i0] - cum_a[prev[1]])
    gb = int(cum_b[j0] - cum_b[prev[3]])
    if ga < -8 or gb < -8 or ga > limit or gb > limit or abs(ga - gb) > p.max_skew:
        return None
    return max(ga, 0) + max(gb, 0) + abs(ga - gb)


def chain(segs: np.ndarray, cum_a: np.ndarray, cum_b: np.ndarray, p: AlignParams) -> list[list[Block]]:
    """Greedy co-linear chaining of exact segments into passages.

    Segments come in order on side a; each joins the open chain it continues
    most cheaply (:func:`_link`).  Gaps and skew are weights on both sides (a word 2, a
    character 1), like every length in :class:`AlignParams`.
    """
    return _chain(segs, cum_a, cum_b, p)[0]


def _chain(segs: np.ndarray, cum_a: np.ndarray, cum_b: np.ndarray,
           p: AlignParams) -> tuple[list[list[Block]], list[int], list[int]]:
    """:func:`chain`, with each chain's matched weight and its longest block's weight.

    The same rules as :func:`_link`, on plain integers: every cumulative weight
    it needs is at a segment's end, looked up for all segments at once (numpy
    scalars cost several times more per operation).
    """
    chains: list[list[Block]] = []
    active: list[int] = []
    matched: list[int] = []
    longest: list[int] = []
    limits: list[int] = []  # per chain: the largest gap it may still bridge (from its matched weight)
    # per chain, its last block's i1 and j1 and the cumulative weights there
    end_i: list[int] = []
    end_j: list[int] = []
    end_wa: list[int] = []
    end_wb: list[int] = []
    rows = segs.tolist()
    wa0, wa1 = cum_a[segs[:, 0]].tolist(), cum_a[segs[:, 1]].tolist()
    wb0, wb1 = cum_b[segs[:, 2]].tolist(), cum_b[segs[:, 3]].tolist()
    max_gap, ratio, max_skew = p.max_gap, p.gap_ratio, p.max_skew
    for k, (i0, i1, j0, j1) in enumerate(rows):
        a0, b0 = wa0[k], wb0[k]
        best, best_cost = -1, None
        still = []
        for c in active:
            ga = a0 - end_wa[c]
            limit = limits[c]
            if ga > limit:
                continue  # too far behind: will never accept anything again
            still.append(c)
            if i1 <= end_i[c] or j1 <= end_j[c]:
                continue
            gb = b0 - end_wb[c]
            skew = ga - gb if ga >= gb else gb - ga
            if ga < -8 or gb < -8 or gb > limit or skew > max_skew:
                continue
            cost = (ga if ga > 0 else 0) + (gb if gb > 0 else 0) + skew
            if best_cost is None or cost < best_cost:
                best, best_cost = c, cost
        active = still
        a1 = wa1[k]
        if best >= 0:
            ti1 = end_i[best]
            ni0, nj0 = max(i0, ti1), max(j0, end_j[best])
            chains[best].append((ni0, i1, nj0, j1))
            run = a1 - (a0 if i0 >= ti1 else end_wa[best])  # cum_a[i1] - cum_a[ni0]
            matched[best] += run
            if run > longest[best]:
                longest[best] = run
            limits[best] = max(max_gap, int(ratio * matched[best]))
            end_i[best], end_j[best], end_wa[best], end_wb[best] = i1, j1, a1, wb1[k]
        else:
            chains.append([(i0, i1, j0, j1)])
            matched.append(a1 - a0)
            longest.append(a1 - a0)
            limits.append(max(max_gap, int(ratio * (a1 - a0))))
            end_i.append(i1)
            end_j.append(j1)
            end_wa.append(a1)
            end_wb.append(wb1[k])
            active.append(len(chains) - 1)
    return chains, matched, longest


def _extend(ida: np.ndarray, idb: np.ndarray, i0: int, i1: int, j0: int, j1: int) -> tuple[int, int, int, int]:
    while i0 > 0 and j0 > 0 and ida[i0 - 1] == idb[j0 - 1]:
        i0 -= 1
        j0 -= 1
    na, nb = ida.shape[0], idb.shape[0]
    while i1 < na and j1 < nb and ida[i1] == idb[j1]:
        i1 += 1
        j1 += 1
    return i0, i1, j0, j1


@dataclass(frozen=True)
class _Ctx:
    """What every step after chaining needs: both unit streams, cumulative weights, tuning."""

    ida: np.ndarray
    idb: np.ndarray
    cum_a: np.ndarray
    cum_b: np.ndarray
    p: AlignParams


def align(ida: np.ndarray, ha: np.ndarray, va: np.ndarray, ka: np.ndarray, wa: np.ndarray,
          idb: np.ndarray, hb: np.ndarray, vb: np.ndarray,
          p: AlignParams = AlignParams(), runs_a: HashRuns | None = None,
          runs_b: HashRuns | None = None, found: tuple[np.ndarray, np.ndarray] | None = None) -> list[RawPassage]:
    """All passages shared by documents a and b.

    Args:
        ida, idb: Unit ids of a and b.
        ha, hb: Shingle hash at each unit; ``va``, ``vb`` where a shingle starts.
        ka: Shingle size at each unit of a; ``wa`` weight of each unit of a.
        p: Tuning.
        runs_a, runs_b: :func:`hash_runs` of ``(ha, va)`` and ``(hb, vb)``, when already made.
        found: The seeds ``(i, j)`` ordered by ``j`` then ``i``, when already found (:func:`seeds_within`).

    Returns:
        Passages sorted by position in a.  No two overlap on either side: every
        character of a and of b belongs to at most one passage.
    """
    i, j = found if found is not None else seeds(ha, va, hb, vb, p.repeat_cap, runs_a, runs_b)
    if i.size == 0:
        return []
    cum_a, cum_b = _cum(wa), _cum(unit_weights(idb))
    if found is not None:
        segs = near_segments(i, j, ka, cum_a, p)
    else:
        segs = segments(i, j, ka, ordered=False)  # near_anchors orders the few it keeps
        segs = near_anchors(segs, cum_a[segs[:, 1]] - cum_a[segs[:, 0]], p)
    ctx = _Ctx(ida, idb, cum_a, cum_b, p)
    out: list[RawPassage] = []
    for ch, matched, longest in zip(*_chain(segs, cum_a, cum_b, p)):
        if matched < p.min_weight or longest < p.min_run:
            continue
        out.extend(_verify(ctx, *_extend(ida, idb, ch[0][0], ch[-1][1], ch[0][2], ch[-1][3])))
    out = merge_adjacent(ctx, out)
    out = one_to_one(ctx, out)
    return sorted(merge_adjacent(ctx, out), key=lambda r: (r.i0, r.j0))


def verify(ida: np.ndarray, idb: np.ndarray, cum: np.ndarray, i0: int, i1: int, j0: int, j1: int,
           p: AlignParams) -> list[RawPassage]:
    """Check ``a[i0:i1]`` against ``b[j0:j1]`` with rapidfuzz's opcodes; split it where the two sides really part.

    The opcodes give the exactly matching blocks directly.  A stretch where one
    side has more than ``max_skew`` extra weight (a clause only one side has),
    or both sides differ for more than ``max_gap`` (a sentence rewritten), ends
    a passage: chaining through short chance matches must not make one passage
    of two.  Each piece runs from its first to its last matching block.

    Args:
        cum: Cumulative weights of a's units (``cum[k]`` = weight of ``a[:k]``).
    """
    return _verify(_Ctx(ida, idb, cum, _cum(unit_weights(idb)), p), i0, i1, j0, j1)


def _verify(ctx: _Ctx, i0: int, i1: int, j0: int, j1: int) -> list[RawPassage]:
    return [r for piece in _split(ctx, _blocks(ctx, i0, i1, j0, j1)) if (r := _finish(ctx, piece))]


def _blocks(ctx: _Ctx, i0: int, i1: int, j0: int, j1: int) -> list[Block]:
    """The exactly matching blocks of ``a[i0:i1]`` and ``b[j0:j1]`` (Indel opcodes), in unit indices."""
    ops = Indel.opcodes(ctx.ida[i0:i1].tolist(), ctx.idb[j0:j1].tolist())
    return [(i0 + o.src_start, i0 + o.src_end, j0 + o.dest_start, j0 + o.dest_end) for o in ops if o.tag == "equal"]


def _gaps(ctx: _Ctx, x: Block, y: Block) -> tuple[int, int]:
    """Weight between the end of ``x`` and the start of ``y`` on each side (negative: they overlap)."""
    return int(ctx.cum_a[y[0]] - ctx.cum_a[x[1]]), int(ctx.cum_b[y[2]] - ctx.cum_b[x[3]])


def _parted(ctx: _Ctx, ga: int, gb: int) -> bool:
    """Whether gaps this large mean the two sides parted (two passages, not one)."""
    return abs(ga - gb) > ctx.p.max_skew or max(ga, gb) > ctx.p.max_gap


def _split(ctx: _Ctx, blocks: list[Block]) -> list[list[Block]]:
    """Cut the matching blocks of a stretch where the two sides part: one list of blocks per passage."""
    pieces: list[list[Block]] = [[]]
    for b in blocks:
        if pieces[-1] and _parted(ctx, *_gaps(ctx, pieces[-1][-1], b)):
            pieces.append([])
        pieces[-1].append(b)
    return [x for x in pieces if x]


def _finish(ctx: _Ctx, blocks: list[Block]) -> RawPassage | None:
    """A passage from its matching blocks, or ``None`` when too short, too thin or too dissimilar."""
    p, cum = ctx.p, ctx.cum_a
    blocks = _trim(ctx, blocks)
    if not blocks:
        return None
    runs = [int(cum[e] - cum[s]) for s, e, _, _ in blocks]
    if sum(runs) < p.min_weight or max(runs) < p.min_run:
        return None
    i0, i1, j0, j1 = blocks[0][0], blocks[-1][1], blocks[0][2], blocks[-1][3]
    sim = Indel.normalized_similarity(ctx.ida[i0:i1].tolist(), ctx.idb[j0:j1].tolist())
    if sim < p.min_similarity:
        return None
    return RawPassage(i0, i1, j0, j1, sum(runs), round(float(sim), 4))


def _trim(ctx: _Ctx, blocks: list[Block]) -> list[Block]:
    """Drop short matching blocks at either end that are farther from the rest than they are long.

    A chance match of a few characters (a shared word just before the copied
    sentence starts) must not pull the passage's start away from the copy.
    Lengths and distances are weights (a word 2, a character 1), the larger
    side's gap counting.
    """
    weight = lambda b: int(ctx.cum_a[b[1]] - ctx.cum_a[b[0]])
    while len(blocks) > 1 and weight(blocks[0]) < ctx.p.min_run and max(_gaps(ctx, blocks[0], blocks[1])) > weight(blocks[0]):
        blocks = blocks[1:]
    while len(blocks) > 1 and weight(blocks[-1]) < ctx.p.min_run and max(_gaps(ctx, blocks[-2], blocks[-1])) > weight(blocks[-1]):
        blocks = blocks[:-1]
    return blocks


def _colinear(ctx: _Ctx, r: RawPassage, q: RawPassage) -> bool:
    """``q`` may continue ``r``: later on both sides (overlap allowed), on nearly the same diagonal, and close.

    The stretch between them may hold matches that neither kept (an end
    trimmed, a chain that stopped short), so it may be up to two gaps long,
    provided it is itself similar (``min_gap_similarity``): a heavily edited
    stretch, not a sentence rewritten whose chance matches (``the``,
    ``software``) would let the union verify.  Verifying the union decides.
    """
    if q.i1 <= r.i1 or q.j1 <= r.j1 or q.i0 < r.i0 or q.j0 < r.j0:
        return False
    ga, gb = _gaps(ctx, (r.i0, r.i1, r.j0, r.j1), (q.i0, q.i1, q.j0, q.j1))
    if abs(ga - gb) > ctx.p.max_skew or max(ga, gb) > 2 * ctx.p.max_gap:
        return False
    if max(ga, gb) <= ctx.p.max_gap:
        return True
    between = Indel.normalized_similarity(ctx.ida[r.i1 : q.i0].tolist(), ctx.idb[r.j1 : q.j0].tolist())
    return between >= ctx.p.min_gap_similarity  # an edited stretch, not a sentence rewritten


def merge_adjacent(ctx: _Ctx, ps: list[RawPassage]) -> list[RawPassage]:
    """Merge pieces that continue each other into one passage, verified again as a whole.

    Two pieces of one copied passage come out of chaining separately when a
    chain lost its way in a cluster of edits; here a piece that continues an
    earlier one (:func:`_colinear`) is merged with it when the union verifies
    as a single passage: the latest earlier piece that does, taken in order of
    position in a.

    Two licence texts can give hundreds of pieces (a formula repeated in every
    section); then the earlier pieces that could continue are found with one
    vectorised test of :func:`_colinear`'s conditions on positions and gaps
    instead of a call per piece, and only those are tried (the same ones, so
    the same result).
    """
    order = sorted(ps, key=lambda r: (r.i0, r.j0, -r.i1))
    if len(order) <= _FEW_PIECES:
        return _merge_few(ctx, order)
    p, n = ctx.p, 0
    pos = np.zeros((len(order), 4), np.int64)  # i0, i1, j0, j1 of out[k]
    ends = np.zeros((len(order), 2), np.int64)  # cumulative weights at i1 and at j1 of out[k]
    out: list[RawPassage] = []
    for q in order:
        qa, qb = ctx.cum_a[q.i0], ctx.cum_b[q.j0]
        ga, gb = qa - ends[:n, 0], qb - ends[:n, 1]
        may = ((pos[:n, 1] < q.i1) & (pos[:n, 3] < q.j1) & (pos[:n, 0] <= q.i0) & (pos[:n, 2] <= q.j0)
               & (np.abs(ga - gb) <= p.max_skew) & (np.maximum(ga, gb) <= 2 * p.max_gap))
        k = _merge_into(ctx, out, q, np.flatnonzero(may)[::-1].tolist())
        if k is None:
            k, n = n, n + 1
            out.append(q)
        r = out[k]
        pos[k] = (r.i0, r.i1, r.j0, r.j1)
        ends[k] = (ctx.cum_a[r.i1], ctx.cum_b[r.j1])
    return out


def _merge_into(ctx: _Ctx, out: list[RawPassage], q: RawPassage, ks: Iterable[int]) -> int | None:
    """Merge ``q`` into the first ``out[k]``, ``k`` from ``ks``, that it continues as one verified passage.

    Returns:
        That ``k`` (``out[k]`` is now the union), or ``None`` when no piece takes ``q``.
    """
    for k in ks:
        r = out[k]
        if not _colinear(ctx, r, q):
            continue
        u = _verify(ctx, r.i0, q.i1, r.j0, q.j1)
        if len(u) == 1 and u[0].matched >= max(r.matched, q.matched):
            out[k] = u[0]
            return k
    return None


_FEW_PIECES = 64
"""Up to this many pieces :func:`merge_adjacent` tries every earlier piece in turn (cheaper than numpy's set-up)."""


def _merge_few(ctx: _Ctx, order: list[RawPassage]) -> list[RawPassage]:
    """:func:`merge_adjacent` for a few pieces, already in order: earlier pieces tried in turn, latest first."""
    out: list[RawPassage] = []
    reach: list[int] = []  # reach[k]: the largest i1 of out[0..k]; where it lies too far behind q, no r can continue
    far = 2 * ctx.p.max_gap
    for q in order:
        # latest first, until every earlier piece ends more than two gaps before q (_colinear would refuse)
        ks = takewhile(lambda k: ctx.cum_a[q.i0] - ctx.cum_a[reach[k]] <= far, range(len(out) - 1, -1, -1))
        k = _merge_into(ctx, out, q, ks)
        if k is None:
            out.append(q)
            reach.append(max(reach[-1], q.i1) if reach else q.i1)
        else:
            for m in range(k, len(reach)):
                reach[m] = max(reach[m], out[k].i1)
    return out


def one_to_one(ctx: _Ctx, ps: list[RawPassage]) -> list[RawPassage]:
    """Every unit of a and of b in at most one passage: the stronger passage keeps what two claim.

    Text repeated inside a document (a formula, a list of similar items) gives
    extra alignments that overlap the real one on one side or both.  Passages
    are taken by decreasing matched weight; a weaker one that clashes with a
    taken one (:func:`_clash`) loses the parts of its matching blocks inside
    the taken passage's span on either side, is cut where such a span lies
    between two of its blocks, and what is left is judged again as passages of
    its own.
    """
    rank = lambda r: (-r.matched, -r.similarity, r.i0, r.j0)
    seq = count()  # ties keep their order of arrival, as a stable sort would
    todo = [(rank(r), next(seq), r) for r in sorted(ps, key=rank)]
    kept: list[RawPassage] = []
    while todo:
        q = heapq.heappop(todo)[2]
        hit = [r for r in kept if _clash(ctx, r, q)]
        if not hit:
            kept.append(q)
            continue
        ra = [(r.i0, r.i1) for r in hit if r.i0 < q.i1 and q.i0 < r.i1]
        rb = [(r.j0, r.j1) for r in hit if r.j0 < q.j1 and q.j0 < r.j1]
        for group in _outside(_blocks(ctx, q.i0, q.i1, q.j0, q.j1), ra, rb):
            for piece in _split(ctx, group):
                if (x := _finish(ctx, piece)) and x != q:
                    heapq.heappush(todo, (rank(x), next(seq), x))
    return kept


def _clash(ctx: _Ctx, r: RawPassage, q: RawPassage) -> bool:
    """Whether ``q`` claims units that ``r`` holds.

    Two long passages that overlap on one side only, their other sides apart,
    by at least half the shorter one's span, are not a clash: one document
    holds the paragraph twice (a compilation repeating its model text), and
    each copy is a passage.  A passage that only starts inside another (a
    chain that came in through a chance phrase) is a clash.
    """
    on_a, on_b = r.i0 < q.i1 and q.i0 < r.i1, r.j0 < q.j1 and q.j0 < r.j1
    if on_a != on_b and min(q.matched, r.matched) >= ctx.p.repeat_weight:
        x0, x1, y0, y1 = (r.i0, r.i1, q.i0, q.i1) if on_a else (r.j0, r.j1, q.j0, q.j1)
        if 2 * (min(x1, y1) - max(x0, y0)) >= min(x1 - x0, y1 - y0):
            return False  # the same paragraph, aligned with two places of the other document
    return on_a or on_b


def _outside(blocks: list[Block], ra: list[tuple[int, int]], rb: list[tuple[int, int]]) -> list[list[Block]]:
    """The parts of matching blocks outside every range of ``ra`` (side a) and ``rb`` (side b), in groups
    that no range cuts through: a new group starts wherever a range lies between two parts."""
    parts = []
    for s, e, t, u in blocks:
        n = e - s
        cuts = sorted(c for c in [(max(lo - s, 0), min(hi - s, n)) for lo, hi in ra] +
                      [(max(lo - t, 0), min(hi - t, n)) for lo, hi in rb] if c[0] < c[1])
        pos = 0
        for lo, hi in cuts:
            if lo > pos:
                parts.append((s + pos, s + lo, t + pos, t + lo))
            pos = max(pos, hi)
        if pos < n:
            parts.append((s + pos, e, t + pos, u))
    groups: list[list[Block]] = []
    for x in parts:
        if groups and not any(groups[-1][-1][1] < hi and lo < x[0] for lo, hi in ra) and \
                not any(groups[-1][-1][3] < hi and lo < x[2] for lo, hi in rb):
            groups[-1].append(x)
        else:
            groups.append([x])
    return groups

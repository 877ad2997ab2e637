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
   gives the similarity reported with each passage.

Everything is in unit indices here; :mod:`provenance.pipeline` turns them into
character spans of the original texts.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from rapidfuzz.distance import Indel


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
        min_run: A passage must contain one exact match at least this long.
        repeat_cap: Shingles occurring more often than this in one document are not seeds.
    """

    min_weight: int = 12
    max_gap: int = 24
    gap_ratio: float = 0.25
    max_skew: int = 24
    min_similarity: float = 0.6
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


def seeds(ha: np.ndarray, va: np.ndarray, hb: np.ndarray, vb: np.ndarray, repeat_cap: int) -> tuple[np.ndarray, np.ndarray]:
    """Positions ``(i, j)`` where a's shingle at ``i`` equals b's shingle at ``j``."""
    pa = np.nonzero(va)[0]
    pb = np.nonzero(vb)[0]
    if pa.size == 0 or pb.size == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    xa, xb = ha[pa], hb[pb]
    common = np.intersect1d(xa, xb, assume_unique=False)
    if common.size == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    ua, ca = np.unique(xa, return_counts=True)
    ub, cb = np.unique(xb, return_counts=True)
    ok = common[(ca[np.searchsorted(ua, common)] <= repeat_cap) & (cb[np.searchsorted(ub, common)] <= repeat_cap)]
    sel_a = pa[np.isin(xa, ok)]
    order_b = np.argsort(hb[pb], kind="stable")
    sorted_b = hb[pb][order_b]
    keys = ha[sel_a]
    lo = np.searchsorted(sorted_b, keys, side="left")
    hi = np.searchsorted(sorted_b, keys, side="right")
    counts = hi - lo
    i = np.repeat(sel_a, counts)
    offs = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
    j = pb[order_b[np.repeat(lo, counts) + offs]]
    return i.astype(np.int64), j.astype(np.int64)


def segments(i: np.ndarray, j: np.ndarray, k_a: np.ndarray) -> np.ndarray:
    """Merge seeds on one diagonal into exact matches: rows ``(i0, i1, j0, j1)``."""
    if i.size == 0:
        return np.zeros((0, 4), np.int64)
    d = j - i
    order = np.lexsort((i, d))
    i, d = i[order], d[order]
    end = i + k_a[i]
    brk = np.ones(i.size, dtype=bool)
    brk[1:] = (d[1:] != d[:-1]) | (i[1:] > end[:-1])
    starts = np.nonzero(brk)[0]
    ends_max = np.maximum.reduceat(end, starts)
    seg_i0 = i[starts]
    seg_i1 = ends_max
    seg_d = d[starts]
    out = np.stack((seg_i0, seg_i1, seg_i0 + seg_d, seg_i1 + seg_d), axis=1)
    return out[np.lexsort((out[:, 2], out[:, 0]))]


def near_anchors(segs: np.ndarray, seg_w: np.ndarray, p: AlignParams) -> np.ndarray:
    """Keep anchor segments (at least ``min_run``) and the short ones close to an anchor on both sides.

    A passage needs one anchor, and a short segment can only join a passage
    within a gap's reach of it; dropping the rest first keeps chaining linear
    in practice even between long documents full of stock phrases.
    """
    anchor = seg_w >= p.min_run
    if not anchor.any():
        return segs[:0]
    a = segs[anchor]
    reach = 4 * max(p.max_gap, p.max_skew)
    order = np.argsort(a[:, 0], kind="stable")
    a_i, a_j = a[order, 0], a[order, 2]
    pos = np.searchsorted(a_i, segs[:, 0])
    keep = anchor.copy()
    for cand in (pos - 1, pos):
        ok = (cand >= 0) & (cand < a_i.size)
        c = cand.clip(0, a_i.size - 1)
        close = ok & (np.abs(a_i[c] - segs[:, 0]) <= reach) & (np.abs(a_j[c] - segs[:, 2]) <= reach)
        keep |= close
    return segs[keep]


def chain(segs: np.ndarray, weights_a: np.ndarray, p: AlignParams) -> list[list[tuple[int, int, int, int]]]:
    """Greedy co-linear chaining of exact segments into passages."""
    cum = np.concatenate(([0], np.cumsum(weights_a)))
    chains: list[list[tuple[int, int, int, int]]] = []
    active: list[int] = []
    matched: list[int] = []
    for i0, i1, j0, j1 in segs.tolist():
        best, best_cost = -1, None
        still = []
        for c in active:
            ci1 = chains[c][-1][1]
            cj1 = chains[c][-1][3]
            limit = max(p.max_gap, int(p.gap_ratio * matched[c]))
            if i0 - ci1 > limit:
                continue  # too far behind: will never accept anything again
            still.append(c)
            ga, gb = i0 - ci1, j0 - cj1
            if ga < -8 or gb < -8 or gb > limit or abs(ga - gb) > p.max_skew:
                continue
            if i1 <= ci1 or j1 <= cj1:
                continue
            cost = max(ga, 0) + max(gb, 0) + abs(ga - gb)
            if best_cost is None or cost < best_cost:
                best, best_cost = c, cost
        active = still
        if best >= 0:
            last = chains[best][-1]
            ni0, nj0 = max(i0, last[1]), max(j0, last[3])
            chains[best].append((ni0, i1, nj0, j1))
            matched[best] += int(cum[i1] - cum[ni0])
        else:
            chains.append([(i0, i1, j0, j1)])
            matched.append(int(cum[i1] - cum[i0]))
            active.append(len(chains) - 1)
    return chains


def _extend(ida: np.ndarray, idb: np.ndarray, i0: int, i1: int, j0: int, j1: int) -> tuple[int, int, int, int]:
    while i0 > 0 and j0 > 0 and ida[i0 - 1] == idb[j0 - 1]:
        i0 -= 1
        j0 -= 1
    na, nb = ida.shape[0], idb.shape[0]
    while i1 < na and j1 < nb and ida[i1] == idb[j1]:
        i1 += 1
        j1 += 1
    return i0, i1, j0, j1


def align(ida: np.ndarray, ha: np.ndarray, va: np.ndarray, ka: np.ndarray, wa: np.ndarray,
          idb: np.ndarray, hb: np.ndarray, vb: np.ndarray,
          p: AlignParams = AlignParams()) -> list[RawPassage]:
    """All passages shared by documents a and b.

    Args:
        ida, idb: Unit ids of a and b.
        ha, hb: Shingle hash at each unit; ``va``, ``vb`` where a shingle starts.
        ka: Shingle size at each unit of a; ``wa`` weight of each unit of a.
        p: Tuning.

    Returns:
        Passages sorted by position in a; overlapping duplicates removed.
    """
    i, j = seeds(ha, va, hb, vb, p.repeat_cap)
    if i.size == 0:
        return []
    segs = segments(i, j, ka)
    cum = np.concatenate(([0], np.cumsum(wa)))
    segs = near_anchors(segs, cum[segs[:, 1]] - cum[segs[:, 0]], p)
    out: list[RawPassage] = []
    for ch in chain(segs, wa, p):
        runs = [int(cum[b] - cum[a]) for a, b, _, _ in ch]
        if sum(runs) < p.min_weight or max(runs) < p.min_run:
            continue
        i0, i1, j0, j1 = _extend(ida, idb, ch[0][0], ch[-1][1], ch[0][2], ch[-1][3])
        out.extend(verify(ida, idb, cum, i0, i1, j0, j1, p))
    return _drop_contained(out)


def verify(ida: np.ndarray, idb: np.ndarray, cum: np.ndarray, i0: int, i1: int, j0: int, j1: int,
           p: AlignParams) -> list[RawPassage]:
    """Check a chained passage with rapidfuzz's opcodes; split it where the two sides really part.

    The opcodes give the exactly matching blocks directly.  A stretch where one
    side has more than ``max_skew`` extra weight (a clause only one side has),
    or both sides differ for more than ``max_gap`` (a sentence rewritten), ends
    a passage: chaining through short chance matches must not make one passage
    of two.  Each piece runs from its first to its last matching block.
    """
    a, b = ida[i0:i1].tolist(), idb[j0:j1].tolist()
    pieces: list[list[tuple[int, int, int, int]]] = [[]]
    gap_a = gap_b = 0
    for op in Indel.opcodes(a, b):
        if op.tag == "equal":
            if pieces[-1] and (abs(gap_a - gap_b) > p.max_skew or max(gap_a, gap_b) > p.max_gap):
                pieces.append([])
            pieces[-1].append((i0 + op.src_start, i0 + op.src_end, j0 + op.dest_start, j0 + op.dest_end))
            gap_a = gap_b = 0
        else:
            gap_a += int(cum[i0 + op.src_end] - cum[i0 + op.src_start])
            gap_b += 2 * (op.dest_end - op.dest_start) if _wordy(idb, j0 + op.dest_start) else op.dest_end - op.dest_start
    out = []
    for blocks in pieces:
        blocks = _trim(blocks, cum, p)
        if not blocks:
            continue
        runs = [int(cum[e] - cum[s]) for s, e, _, _ in blocks]
        if sum(runs) < p.min_weight or max(runs) < p.min_run:
            continue
        pi0, pi1, pj0, pj1 = blocks[0][0], blocks[-1][1], blocks[0][2], blocks[-1][3]
        sim = Indel.normalized_similarity(ida[pi0:pi1].tolist(), idb[pj0:pj1].tolist())
        if sim >= p.min_similarity:
            out.append(RawPassage(pi0, pi1, pj0, pj1, sum(runs), round(float(sim), 4)))
    return out


def _trim(blocks: list[tuple[int, int, int, int]], cum: np.ndarray, p: AlignParams) -> list[tuple[int, int, int, int]]:
    """Drop short matching blocks at either end that are farther from the rest than they are long.

    A chance match of a few characters (a shared word just before the copied
    sentence starts) must not pull the passage's start away from the copy.
    """
    def weight(b):
        return int(cum[b[1]] - cum[b[0]])

    while len(blocks) > 1 and weight(blocks[0]) < p.min_run and \
            max(blocks[1][0] - blocks[0][1], blocks[1][2] - blocks[0][3]) > weight(blocks[0]):
        blocks = blocks[1:]
    while len(blocks) > 1 and weight(blocks[-1]) < p.min_run and \
            max(blocks[-1][0] - blocks[-2][1], blocks[-1][2] - blocks[-2][3]) > weight(blocks[-1]):
        blocks = blocks[:-1]
    return blocks


def _wordy(ids: np.ndarray, k: int) -> bool:
    return k < ids.shape[0] and bool(ids[k] & 0x8000_0000)


def _drop_contained(ps: list[RawPassage]) -> list[RawPassage]:
    """Remove passages lying inside a longer one on both sides."""
    ps = sorted(ps, key=lambda r: (-(r.i1 - r.i0), r.i0, r.j0))
    kept: list[RawPassage] = []
    for r in ps:
        if any(k.i0 <= r.i0 and r.i1 <= k.i1 and k.j0 <= r.j0 and r.j1 <= k.j1 for k in kept):
            continue
        kept.append(r)
    return sorted(kept, key=lambda r: (r.i0, r.j0))

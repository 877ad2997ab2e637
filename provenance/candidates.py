"""Candidate document pairs: which pairs are worth aligning.

Two sources, both computed with sorting in numpy rather than pairwise loops:

* **LSH**: windows whose MinHash signatures agree on a whole band collide;
  the documents owning two colliding windows are a candidate pair.  This finds
  lightly and moderately revised copies (window Jaccard ≥ ~0.3).
* **Rare shared shingles**: two documents sharing several shingles that occur
  in few documents of the corpus.  This catches short verbatim passages and
  stock phrases (needed to *report* boilerplate-only pairs as such).

Both skip keys shared by very many documents (a bucket or a shingle of stock
language), which would otherwise make the number of pairs quadratic.  What that
leaves out inside a large family, the copies found say: two documents that copied
the same stretch of a third are a candidate pair of the next round
(:func:`relative_pairs`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .arrays import ranges, unique


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
    min_run: int = 12
    """A candidate pair is aligned first when some of its shared rare shingles form a run of at least this
    weight (a character 1, a word 2) in one place of both documents: stretches ``run_gap`` apart at most, on
    diagonals ``run_skew`` apart at most.  A copied passage weighs ``min_copy_passage`` (30) or more, and up
    to half of its shingles may be common; on simulated corpora the copies found by rare shingles alone had
    runs of 13 and more, except members of a family too large for its text to be rare (runs of 8 and 9)."""
    run_gap: int = 24
    run_skew: int = 24
    min_collisions: int = 2
    """An LSH pair is aligned first when its windows collide in at least this many band keys, or its rare
    shingles form a run of ``min_run``.  A pair that meets only in oversized buckets (stock text held by very
    many documents, each bucket a different sample of pairs) mostly collides once; a copy collides in many
    windows and bands (on simulated corpora: at least 3 for the copies without a rare run)."""
    min_shared_text: int = 60
    """...or when the two share at least this many distinct shingles that are not nearly universal
    (``universal_share``): a large family's text is too common to be rare, and its members' sampled LSH
    buckets may make them collide once only, yet they share whole paragraphs; scattered stock phrases and
    the stock paragraphs every document has do not come to that many (on simulated corpora, pairs that are
    no copy shared at most 80, 99.7 % of them fewer than 60)."""
    relative_overlap: int = 50
    """Characters of a third document two documents must both have copied to be a candidate pair after
    the first round (:func:`relative_pairs`): the shortest copied passage the engine is asked to find."""
    relative_rounds: int = 4
    """Rounds of such pairs at most (each round's copies propose the next round's pairs)."""
    relative_budget: float = 0.25
    """Pairs those rounds align, at most, as a share of the pairs the first round aligned (but at least
    ``align_all``); the pairs that copied the longest common stretch go first, the others are counted
    as unverified.  On simulated corpora the rounds added 14 % (2,000 documents); on 830 licence files,
    where hundreds of files hold the same GPL text, they would add 170 % and take 7.6 GB."""
    align_all: int = 10_000
    """While a corpus has at most this many candidate pairs, every one is aligned; above, only the pairs that
    show a passage (``min_run``, ``min_collisions``, ``min_shared_text``) are, and the others (scattered
    stock phrases, one shared stock window) are counted as not verified instead."""


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


def lsh_evidence(band_keys: list[np.ndarray], p: CandidateParams) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Document pairs with at least one colliding window band, and how many band keys they collide in.

    Args:
        band_keys: Per document, its ``(windows, bands)`` band keys.

    Returns:
        ``(a, b, collisions)``: one row per pair (``a < b``), ordered by ``(a, b)``.
    """
    empty = np.zeros(0, np.int64)
    keys = [k.ravel() for k in band_keys]
    if not keys:
        return empty, empty, empty
    owners = [np.full(k.size, d, np.int64) for d, k in enumerate(keys)]
    pairs = _pairs_from_groups(np.concatenate(keys), np.concatenate(owners), p.max_bucket, sample=True)
    if pairs.size == 0:
        return empty, empty, empty
    n = len(keys)
    codes, counts = np.unique(pairs[:, 0] * n + pairs[:, 1], return_counts=True)
    a, b = codes // n, codes % n
    keep = _top_partners(a, counts, p.partners) | _top_partners(b, counts, p.partners)
    return a[keep], b[keep], counts[keep]


def lsh_pairs(band_keys: list[np.ndarray], p: CandidateParams) -> set[tuple[int, int]]:
    """Document pairs with at least one colliding window band (:func:`lsh_evidence` without the counts)."""
    a, b, _ = lsh_evidence(band_keys, p)
    return set(zip(a.tolist(), b.tolist()))


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


@dataclass(frozen=True)
class ShinglePlaces:
    """A document's distinct shingles and where each first occurs, in weights (a character 1, a word 2).

    Attributes:
        hashes: Distinct shingle hashes, ascending.
        start, end: Weight of the document before the shingle's first occurrence, and up to its end.
    """

    hashes: np.ndarray
    start: np.ndarray
    end: np.ndarray


def shingle_places(shingles: np.ndarray, valid: np.ndarray, ks: np.ndarray, weights: np.ndarray) -> ShinglePlaces:
    """The :class:`ShinglePlaces` of a document from its shingle hash, validity and size at every unit."""
    pos = np.flatnonzero(valid)
    order = np.argsort(shingles[pos], kind="stable")
    h = shingles[pos][order]
    first = np.ones(h.size, bool)
    np.not_equal(h[1:], h[:-1], out=first[1:])
    pos = pos[order][first]
    cum = np.concatenate(([0], np.cumsum(weights, dtype=np.int64)))
    end = np.minimum(pos + ks[pos], weights.size)
    return ShinglePlaces(h[first], cum[pos].astype(np.int32), cum[end].astype(np.int32))


@dataclass(frozen=True)
class RareEvidence:
    """Document pairs sharing rare shingles, with how much they share and how it lies.

    Attributes:
        a, b: The pair's documents (``a < b``), one row per pair, ordered by ``(a, b)``.
        shared: Rare shingles the two share.
        run: Weight of the longest run of them in one place (see :attr:`CandidateParams.min_run`).
    """

    a: np.ndarray
    b: np.ndarray
    shared: np.ndarray
    run: np.ndarray

    def pairs(self, mask: np.ndarray | None = None) -> set[tuple[int, int]]:
        a, b = (self.a, self.b) if mask is None else (self.a[mask], self.b[mask])
        return set(zip(a.tolist(), b.tolist()))


def rare_max_df(n_docs: int, p: CandidateParams) -> int:
    """Document frequency up to which a shingle is rare enough to pair documents."""
    return min(p.max_df, max(8, int(np.ceil(p.max_df_share * n_docs))))


def rare_shingle_evidence(places: list[ShinglePlaces], p: CandidateParams) -> RareEvidence:
    """Document pairs sharing at least ``min_shared`` rare shingles, with the longest run they form.

    One row per (rare shingle, pair of documents holding it) is built, as for
    :func:`rare_shingle_pairs`, carrying where the shingle sits in both
    documents; sorted by pair and place in ``a``, consecutive shingles are one
    run while they are at most ``run_gap`` apart in ``a`` and their diagonals
    (place in ``b`` minus place in ``a``) at most ``run_skew`` apart.  A run's
    weight is the part of ``a`` its shingles cover.  Scattered stock phrases
    give many shared shingles but short runs; a copied passage gives a long
    one.

    Example:
        >>> import numpy as np
        >>> run = lambda *starts: ShinglePlaces(np.arange(len(starts)), np.array(starts), np.array(starts) + 4)
        >>> ev = rare_shingle_evidence([run(0, 1, 2, 3, 4, 5), run(10, 11, 12, 13, 14, 15),
        ...                             run(0, 40, 80, 120, 160, 200)], CandidateParams())
        >>> list(zip(ev.a.tolist(), ev.b.tolist(), ev.shared.tolist(), ev.run.tolist()))
        [(0, 1, 6, 9), (0, 2, 6, 4), (1, 2, 6, 4)]
    """
    n = len(places)
    empty = np.zeros(0, np.int64)
    if n < 2:
        return RareEvidence(empty, empty, empty, empty)
    keys = np.concatenate([x.hashes for x in places])
    owners = np.concatenate([np.full(x.hashes.size, d, np.int64) for d, x in enumerate(places)])
    s0 = np.concatenate([x.start for x in places]).astype(np.int32)
    s1 = np.concatenate([x.end for x in places]).astype(np.int32)
    order = np.lexsort((owners, keys))
    keys, owners, s0, s1 = keys[order], owners[order], s0[order], s1[order]
    starts = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1])))
    sizes = np.diff(np.concatenate((starts, [keys.size])))
    cap = rare_max_df(n, p)
    codes, a0, a1, b0 = [], [], [], []
    for d in np.unique(sizes[(sizes >= 2) & (sizes <= cap)]).tolist():
        g = starts[sizes == d]
        iu, ju = np.triu_indices(d, 1)
        ia = (g[:, None] + iu[None, :]).ravel()
        ib = (g[:, None] + ju[None, :]).ravel()
        codes.append(owners[ia] * n + owners[ib])
        a0.append(s0[ia])
        a1.append(s1[ia])
        b0.append(s0[ib])
    if not codes:
        return RareEvidence(empty, empty, empty, empty)
    code = np.concatenate(codes)
    del codes
    # pairs sharing too few rare shingles go first: most rows belong to them
    uniq, inverse, counts = np.unique(code, return_inverse=True, return_counts=True)
    keep = counts[inverse] >= p.min_shared
    code = code[keep]
    a0, a1, b0 = (np.concatenate(x)[keep] for x in (a0, a1, b0))
    order = np.lexsort((a0, code))
    code, a0, a1, b0 = code[order], a0[order], a1[order], b0[order]
    if code.size == 0:
        return RareEvidence(empty, empty, empty, empty)
    new_pair = np.concatenate(([True], code[1:] != code[:-1]))
    diag = b0.astype(np.int64) - a0
    prev_end = np.concatenate(([0], a1[:-1]))
    brk = new_pair.copy()
    brk[1:] |= (a0[1:] > prev_end[1:] + p.run_gap) | (np.abs(diag[1:] - diag[:-1]) > p.run_skew)
    cover = np.where(brk, a1 - a0, np.clip(a1 - prev_end, 0, a1 - a0)).astype(np.int64)
    run_id = np.cumsum(brk) - 1
    run_weight = np.bincount(run_id, weights=cover).astype(np.int64)
    pair_id = np.cumsum(new_pair) - 1
    best = np.zeros(int(pair_id[-1]) + 1, np.int64)
    np.maximum.at(best, pair_id[brk], run_weight)
    pc = code[new_pair]
    return RareEvidence(pc // n, pc % n, np.bincount(pair_id), best)


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


def relative_pairs(covered: dict[int, list[tuple[int, list[tuple[int, int]]]]], min_overlap: int,
                   block: int = 25) -> dict[tuple[int, int], int]:
    """Pairs of documents that copied the same stretch of a third one: candidates the first search may miss.

    A template copied by hundreds of documents is too common for its shingles to be rare and fills
    LSH buckets past ``max_bucket``, so each copy is first paired with a sample of the others only
    (``partners``).  The copy pairs found say more: two documents that each share the same stretch
    of a third with it (both copied it, or it copied one and was copied by the other) hold that
    stretch both, and are a candidate pair.

    Args:
        covered: Per document, its copy partners and the spans (in its text) of the passages it
            shares with each.
        min_overlap: Characters of the third document two partners must both cover.
        block: Coverage is compared in blocks of this many characters (a block counts when a span
            holds it whole), so overlaps are found a block short at most.

    Returns:
        Pairs ``(a, b)`` with ``a < b``, each with the most blocks of one third document both cover.

    Example:
        >>> relative_pairs({0: [(1, [(0, 100)]), (2, [(50, 200)]), (3, [(300, 400)])]}, 50)
        {(1, 2): 2}
    """
    need = max(1, min_overlap // block - 1)
    out: dict[tuple[int, int], int] = {}
    for partners in covered.values():
        if len(partners) < 2:
            continue
        who = np.array([q for q, _ in partners], np.int64)
        spans = [(r, s, e) for r, (_, ss) in enumerate(partners) for s, e in ss]
        rows = np.array([r for r, _, _ in spans], np.int64)
        first = -(-np.array([s for _, s, _ in spans], np.int64) // block)  # blocks a span holds whole
        last = np.array([e for _, _, e in spans], np.int64) // block
        n = np.maximum(last - first, 0)
        if not n.any():
            continue
        m = np.zeros((len(partners), int(last.max()) + 1), np.float32)
        m[np.repeat(rows, n), ranges(first, n)] = 1.0
        shared = m @ m.T
        a, b = np.nonzero(np.triu(shared >= need, 1))
        qa, qb = who[a], who[b]
        for key, n in zip(zip(np.minimum(qa, qb).tolist(), np.maximum(qa, qb).tolist()), shared[a, b].tolist()):
            if n > out.get(key, 0):
                out[key] = int(n)
    return out

"""Shingles, windows and MinHash signatures, vectorised with numpy.

Shingles are n-grams of units (see :mod:`provenance.normalize`): ``k_char``
consecutive characters where a paragraph is written without spaces (Chinese),
``k_word`` consecutive words where it is written with spaces; the choice is made
per paragraph, so a bilingual document gets both.

The text is cut into overlapping *windows* of about ``window`` weight units (a
character weighs 1, a word 2) at a stride of half a window; each window gets a
MinHash signature over the shingles starting inside it.  Windows, not whole
paragraphs, are what the LSH index compares: a copied passage of fifty
characters inside an otherwise original paragraph still dominates some window.

Signatures are bit-identical to ``datasketch.MinHash(num_perm, seed,
hashfunc=int, scheme="affine32")`` fed the same shingle hashes (the tests use
datasketch as the oracle), so they can be wrapped in ``datasketch.LeanMinHash``
and stored by datasketch's own storage back-ends.

Note:
    ``num_perm``, ``seed``, the shingle sizes and the window size are recorded
    in the index; an index built with other values is refused, because its
    signatures cannot be compared with new ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from .arrays import unique
from .normalize import WORD_FLAG, Units, fmix64

_C1, _C2 = np.uint32(0x85EBCA6B), np.uint32(0xC2B2AE35)


@dataclass(frozen=True)
class FingerprintParams:
    """Everything that must match for two signatures to be comparable.

    The defaults were chosen by measured recall (``benchmarks/``): windows of 64
    weight units, 4-character / 3-word shingles, and 21 bands of 3 rows, which
    collide with probability ≈ 0.9 at window Jaccard 0.5 (a paragraph with one
    character in ten edited) and ≈ 0.002 at 0.05 (two unrelated windows sharing
    a stock phrase).  Only ``bands × rows`` permutations are used, so
    ``num_perm`` is 64, not datasketch's default 128.
    """

    num_perm: int = 64
    seed: int = 1
    k_char: int = 4
    k_word: int = 3
    window: int = 64
    bands: int = 21
    rows: int = 3
    t2s: bool = True

    def __post_init__(self) -> None:
        if self.bands * self.rows > self.num_perm:
            raise ValueError("bands * rows must not exceed num_perm")


@dataclass(frozen=True)
class Fingerprints:
    """Shingles and window signatures of one document.

    Attributes:
        shingles: ``uint32`` hash of the shingle starting at each unit (only the
            first ``len(units) - k + 1``-ish positions have one; see ``valid``).
        valid: Which unit positions start a full shingle.
        win_starts: First unit of each window.
        win_ends: One past the last unit of each window.
        signatures: ``(windows, num_perm)`` ``uint32`` MinHash values.
    """

    shingles: np.ndarray
    valid: np.ndarray
    win_starts: np.ndarray
    win_ends: np.ndarray
    signatures: np.ndarray


@lru_cache(maxsize=4)
def permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The affine32 permutation parameters datasketch draws for ``(num_perm, seed)``.

    Drawn once per machine and cached (:mod:`provenance.cache`): importing
    ``numpy.random`` costs a check about 10 ms.
    """
    from .cache import cached_array

    def draw() -> np.ndarray:
        gen = np.random.RandomState(seed)
        a = gen.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
        b = gen.randint(0, 1 << 32, num_perm, dtype=np.uint32)
        return np.stack((a, b))

    ab = cached_array(f"permutations-affine32-{num_perm}-{seed}", draw)
    return ab[0], ab[1]


def fmix32(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finalizer, as datasketch applies before permuting."""
    h = h ^ (h >> np.uint32(16))
    h = h * _C1
    h = h ^ (h >> np.uint32(13))
    h = h * _C2
    return h ^ (h >> np.uint32(16))


SHINGLE_HASH_VERSION = 2
"""Version of :func:`shingle_hashes` (2: multiply-add-shift); recorded in the index, which refuses others."""

MAX_SHINGLE = 8
"""Largest supported shingle size."""


@lru_cache(maxsize=1)
def _multipliers() -> np.ndarray:
    """Odd 64-bit multipliers: row ``k`` holds the shingle size's ``k`` multipliers and its additive constant.

    Drawn once per machine and cached like :func:`permutations` (no ``numpy.random`` import on a check).
    """
    from .cache import cached_array

    def draw() -> np.ndarray:
        gen = np.random.RandomState(0x5EED)
        return gen.randint(0, 1 << 62, size=(MAX_SHINGLE + 1, MAX_SHINGLE + 1), dtype=np.int64).astype(np.uint64) * np.uint64(2) + np.uint64(1)

    return cached_array(f"shingle-multipliers-v{SHINGLE_HASH_VERSION}", draw)


def shingle_hashes(units: Units, k_per_unit: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Hash of the shingle starting at every unit.

    A shingle of ``k`` unit ids ``x_0 … x_{k-1}`` (each < 2³²) hashes to the high
    32 bits of ``c + Σ a_j·x_j mod 2⁶⁴`` with random odd 64-bit ``a_j`` and ``c``
    chosen per ``k``: Dietzfelbinger's multiply-add-shift scheme, a universal
    hash family for vectors (M. Thorup, "High speed hashing for integers and
    strings", 2015, §3.5).  It takes ``2k`` vectorised passes over the units;
    MinHash then mixes the value with MurmurHash3's finalizer as datasketch does.

    Args:
        units: The unit stream.
        k_per_unit: Shingle size to use at each position (per paragraph).

    Returns:
        ``(hashes, valid)``: ``uint32`` hashes and a mask of positions where a full
        shingle of the requested size fits.
    """
    n = len(units)
    ids = units.ids.astype(np.uint64)
    if n and int(k_per_unit.min()) == int(k_per_unit.max()):  # mostly one size: no sort to find it
        sizes = k_per_unit[:1]
    else:
        sizes = unique(k_per_unit)
    out = np.zeros(n, dtype=np.uint32)
    valid = np.zeros(n, dtype=bool)
    for k in sizes:
        k = int(k)
        if n < k:
            continue
        if not 1 <= k <= MAX_SHINGLE:
            raise ValueError(f"shingle size {k} is not supported (1–{MAX_SHINGLE})")
        m = n - k + 1
        mult = _multipliers()[k]
        with np.errstate(over="ignore"):
            h = ids[:m] * mult[0]
            h += mult[k]
            term = np.empty(m, np.uint64)  # one buffer for every term: no temporary array per term
            for j in range(1, k):
                np.multiply(ids[j : m + j], mult[j], out=term)
                h += term
        h >>= np.uint64(32)  # below 2**32: stored into the uint32 hashes as they are
        if sizes.size == 1:
            out[:m] = h
            valid[:m] = True
        else:
            sel = np.nonzero(k_per_unit[:m] == k)[0]
            out[sel] = h[sel]
            valid[sel] = True
    return out, valid


def shingle_sizes(units: Units, paragraph_of_unit: np.ndarray, params: FingerprintParams) -> np.ndarray:
    """Per unit, the shingle size of its paragraph: ``k_word`` where words are the majority."""
    if len(units) == 0:
        return np.zeros(0, dtype=np.int32)
    words = units.is_word.astype(np.int64)
    n_par = int(paragraph_of_unit.max()) + 1
    word_count = np.bincount(paragraph_of_unit, weights=words, minlength=n_par)
    total = np.bincount(paragraph_of_unit, minlength=n_par)
    wordy = word_count * 2 > total
    return np.where(wordy[paragraph_of_unit], params.k_word, params.k_char).astype(np.int32)


def windows(units: Units, valid: np.ndarray, window: int) -> tuple[np.ndarray, np.ndarray]:
    """Half-overlapping windows of about ``window`` weight units.

    Returns:
        ``(starts, ends)`` unit indices; every window holds at least one valid shingle.
    """
    n = len(units)
    if n == 0 or not valid.any():
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    cum = np.concatenate(([0], np.cumsum(units.weights())))
    half = max(window // 2, 1)
    marks = np.arange(0, int(cum[-1]), half)
    block_starts = unique(np.searchsorted(cum, marks, side="left").clip(0, n - 1))
    block_ends = np.concatenate((block_starts[1:], [n]))
    if block_starts.size == 1:
        starts, ends = block_starts, block_ends
    else:
        starts, ends = block_starts[:-1], block_ends[1:]
    cum_valid = np.concatenate(([0], np.cumsum(valid)))
    keep = cum_valid[ends] > cum_valid[starts]
    return starts[keep], ends[keep]


PADDED_BLOCK_LIMIT = 96
"""Blocks of at most this many shingles take the padded path of :func:`block_minima`."""
PERMUTATION_GROUP = 16
"""Permutations applied together on the padded path (16 × 32 × 2,048 hashes: a 4 MB buffer)."""


def signatures(shingles: np.ndarray, valid: np.ndarray, starts: np.ndarray, ends: np.ndarray,
               num_perm: int, seed: int, batch: int = 1 << 14) -> np.ndarray:
    """MinHash of each window ``[starts[w], ends[w])`` over the valid shingles in it.

    The windows' distinct boundaries cut the shingles into *blocks*; the minimum
    of every permutation over every block comes from :func:`block_minima`, and a
    window is the minimum of its blocks (two, for half-overlapping windows).
    """
    a, b = permutations(num_perm, seed)
    m = starts.shape[0]
    out = np.full((m, num_perm), np.uint32(0xFFFFFFFF), dtype=np.uint32)
    if m == 0:
        return out
    bounds = unique(np.concatenate((starts, ends)))
    pos = np.nonzero(valid)[0]
    blk = np.searchsorted(bounds, pos, side="right") - 1
    # Shingles before the first or after the last boundary are in no window.
    inside = (blk >= 0) & (blk < bounds.shape[0] - 1)
    pos, blk = pos[inside], blk[inside]
    block_min = block_minima(fmix32(shingles[pos]), blk, bounds.shape[0], a, b, batch)
    first = np.searchsorted(bounds, starts)
    last = np.searchsorted(bounds, ends)
    out[:] = block_min[first]
    for d in range(1, int((last - first).max())):
        idx = np.minimum(first + d, last - 1)
        np.minimum(out, block_min[idx], out=out)
    return out


def block_minima(hv: np.ndarray, blk: np.ndarray, n_blocks: int, a: np.ndarray, b: np.ndarray,
                 batch: int = 1 << 14) -> np.ndarray:
    """``(n_blocks, num_perm)`` minima of the permuted hashes ``(a·hv + b) mod 2³²`` per block.

    ``blk`` gives each hash's block, ascending.  Short blocks (half-windows: at most
    ~33 shingles) are padded to a common length ``L`` by repeating their last hash
    (a repeat never changes a minimum) and laid out as an ``(L, blocks)`` matrix, so
    the permutation is one ``(num_perm, L, blocks)`` multiply and add, and the
    minimum a reduction over the middle axis: every numpy pass runs over long
    contiguous rows.  Long blocks (one signature per paragraph) use
    ``np.minimum.reduceat`` over batches of ``batch`` hashes instead, where
    per-segment overhead is small.  Measured in ``benchmarks/bench_speed.py``.
    """
    num_perm = a.shape[0]
    block_min = np.full((n_blocks, num_perm), np.uint32(0xFFFFFFFF), dtype=np.uint32)
    if hv.shape[0] == 0:
        return block_min
    counts = np.bincount(blk, minlength=n_blocks)
    longest = int(counts.max())
    if longest <= PADDED_BLOCK_LIMIT:
        used = np.nonzero(counts)[0]
        c = counts[used]
        first = np.cumsum(c) - c
        idx = first[None, :] + np.minimum(np.arange(longest)[:, None], (c - 1)[None, :])
        padded = hv[idx]  # (L, blocks)
        group = min(PERMUTATION_GROUP, num_perm)
        chunk = max(256, (1 << 20) // (group * longest))
        buf = np.empty((group, longest, min(chunk, used.shape[0])), dtype=np.uint32)
        for p0 in range(0, num_perm, group):
            a3, b3 = a[p0 : p0 + group, None, None], b[p0 : p0 + group, None, None]
            for lo in range(0, used.shape[0], chunk):
                h = padded[:, lo : lo + chunk]
                t = buf[: a3.shape[0], :, : h.shape[1]]
                np.multiply(a3, h[None], out=t)
                np.add(t, b3, out=t)
                block_min[used[lo : lo + chunk], p0 : p0 + group] = np.minimum.reduce(t, axis=1).T
        return block_min
    a_col, b_col = a[:, None], b[:, None]
    buf = np.empty((num_perm, min(batch, hv.shape[0])), dtype=np.uint32)
    for lo in range(0, hv.shape[0], batch):
        bb = blk[lo : lo + batch]
        phv = buf[:, : bb.shape[0]]
        np.multiply(a_col, hv[None, lo : lo + batch], out=phv)
        np.add(phv, b_col, out=phv)
        seg_starts = np.concatenate(([0], np.nonzero(np.diff(bb))[0] + 1))
        mins = np.minimum.reduceat(phv, seg_starts, axis=1).T
        ub = bb[seg_starts]
        if lo:
            mins[0] = np.minimum(mins[0], block_min[ub[0]])  # a block may straddle two batches
        block_min[ub] = mins
    return block_min


def band_keys(sigs: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """One signed 64-bit key per (window, band): a hash of the band's ``rows`` values and its index."""
    m = sigs.shape[0]
    if m == 0:
        return np.zeros((0, bands), dtype=np.int64)
    v = sigs[:, : bands * rows].astype(np.uint64).reshape(m, bands, rows)
    with np.errstate(over="ignore"):
        h = np.broadcast_to(np.arange(bands, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15), (m, bands)).copy()
        for r in range(rows):
            h = fmix64(h ^ v[:, :, r] ^ (np.uint64(r + 1) << np.uint64(40)))
    return h.view(np.int64)


def fingerprint(units: Units, ks: np.ndarray, params: FingerprintParams) -> Fingerprints:
    """Shingles, windows and signatures of one document's units.

    Args:
        units: The unit stream.
        ks: Shingle size at each unit (see :func:`shingle_sizes`).
        params: Window size and permutations.
    """
    sh, valid = shingle_hashes(units, ks)
    ws, we = windows(units, valid, params.window)
    sigs = signatures(sh, valid, ws, we, params.num_perm, params.seed)
    return Fingerprints(sh, valid, ws, we, sigs)


__all__ = [
    "FingerprintParams",
    "Fingerprints",
    "WORD_FLAG",
    "band_keys",
    "block_minima",
    "fingerprint",
    "permutations",
    "SHINGLE_HASH_VERSION",
    "shingle_hashes",
    "signatures",
    "windows",
]

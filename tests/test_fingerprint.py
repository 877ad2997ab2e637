"""Fingerprints: bit-identical to datasketch, windows cover the text, bands are stable."""

from __future__ import annotations

import numpy as np
import pytest
from datasketch import LeanMinHash, MinHash

from provenance.fingerprint import FingerprintParams, band_keys, fingerprint, shingle_hashes, signatures
from provenance.normalize import normalize

from .conftest import SAMPLES


@pytest.mark.parametrize("path", SAMPLES[:3], ids=lambda p: p.name[:3])
def test_every_window_signature_equals_datasketch(path):
    text = path.read_text(encoding="utf-8")
    u = normalize(text)
    params = FingerprintParams()
    fp = fingerprint(u, np.full(len(u), params.k_char), params)
    assert fp.signatures.shape[0] > 3
    for w in range(fp.signatures.shape[0]):
        s, e = int(fp.win_starts[w]), int(fp.win_ends[w])
        sh = [int(h) for h, v in zip(fp.shingles[s:e], fp.valid[s:e]) if v]
        m = MinHash(num_perm=params.num_perm, seed=params.seed, hashfunc=lambda x: x)
        m.update_batch(sh)
        assert np.array_equal(m.hashvalues, fp.signatures[w]), f"window {w}"


def test_signature_wraps_as_leanminhash_and_estimates_jaccard():
    a = normalize("为提高信访维稳工作的应急处理和协调能力迅速妥善处置突发性大规模或异常性上访事件")
    b = normalize("为提高信访维稳工作的应急处理和协调能力迅速妥善处置突发性大规模或异常性群众上访事件")
    ka = np.full(len(a), 5)
    kb = np.full(len(b), 5)
    ha, va = shingle_hashes(a, ka)
    hb, vb = shingle_hashes(b, kb)
    sa = signatures(ha, va, np.array([0]), np.array([len(a)]), 128, 1)[0]
    sb = signatures(hb, vb, np.array([0]), np.array([len(b)]), 128, 1)[0]
    la = LeanMinHash(seed=1, hashvalues=sa, scheme="affine32")
    lb = LeanMinHash(seed=1, hashvalues=sb, scheme="affine32")
    true = len(set(ha[va]) & set(hb[vb])) / len(set(ha[va]) | set(hb[vb]))
    assert abs(la.jaccard(lb) - true) < 0.15


def test_windows_overlap_by_half_and_cover_every_shingle():
    text = "甲乙丙丁戊己庚辛壬癸" * 40
    u = normalize(text)
    fp = fingerprint(u, np.full(len(u), 4), FingerprintParams(window=64))
    starts, ends = fp.win_starts, fp.win_ends
    assert starts[0] == 0 and ends[-1] == len(u)
    assert np.all(starts[1:] < ends[:-1])  # consecutive windows overlap
    assert np.all(np.diff(starts) == 32)


def test_band_keys_are_deterministic_and_band_specific():
    sig = np.arange(128, dtype=np.uint32).reshape(1, 128)
    k1 = band_keys(sig, 42, 3)
    k2 = band_keys(sig.copy(), 42, 3)
    assert k1.shape == (1, 42) and k1.dtype == np.int64
    assert np.array_equal(k1, k2)
    assert len(set(k1[0].tolist())) == 42


def test_params_refuse_more_bands_than_permutations():
    with pytest.raises(ValueError):
        FingerprintParams(num_perm=64, bands=42, rows=3)


def test_word_shingles_for_english_paragraphs():
    from provenance.fingerprint import shingle_sizes

    u = normalize("Permission is hereby granted free of charge to any person")
    ks = shingle_sizes(u, np.zeros(len(u), dtype=np.int64), FingerprintParams())
    assert set(ks.tolist()) == {3}


def _units_of(ids: np.ndarray):
    from provenance.normalize import Units

    n = ids.size
    return Units(ids.astype(np.uint32), np.arange(n, dtype=np.int32), np.arange(1, n + 1, dtype=np.int32))


def test_shingle_hash_depends_only_on_the_shingle_and_its_size():
    rng = np.random.default_rng(3)
    a = rng.integers(0x4E00, 0x9FFF, 400)
    b = np.concatenate((rng.integers(0x4E00, 0x9FFF, 37), a[100:160], rng.integers(0x4E00, 0x9FFF, 20)))
    for k in (1, 3, 5, 7):
        ha, va = shingle_hashes(_units_of(a), np.full(a.size, k, np.int32))
        hb, vb = shingle_hashes(_units_of(b), np.full(b.size, k, np.int32))
        assert va.sum() == a.size - k + 1 and vb.sum() == b.size - k + 1
        # the shared stretch a[100:160] gives the same hashes wherever it stands
        np.testing.assert_array_equal(ha[100 : 160 - k + 1], hb[37 : 97 - k + 1])
    h4, _ = shingle_hashes(_units_of(a), np.full(a.size, 4, np.int32))
    h5, _ = shingle_hashes(_units_of(a), np.full(a.size, 5, np.int32))
    assert np.mean(h4[:-4] == h5[:-4]) < 0.01  # sizes hash apart


def test_distinct_shingles_rarely_collide():
    # 300,000 random 5-grams of Han characters: a 32-bit hash should collide
    # about n^2 / 2^33 ~ 10 times; a weak mixing of the characters far more.
    rng = np.random.default_rng(11)
    ids = rng.integers(0x4E00, 0x4E00 + 3000, 300_004)
    h, valid = shingle_hashes(_units_of(ids), np.full(ids.size, 5, np.int32))
    grams = np.lib.stride_tricks.sliding_window_view(ids, 5)[: valid.sum()]
    distinct_grams = np.unique(grams, axis=0).shape[0]
    distinct_hashes = np.unique(h[valid]).size
    assert distinct_grams - distinct_hashes < 40
    # the bits are balanced
    bits = (h[valid][:, None] >> np.arange(32, dtype=np.uint32)) & 1
    assert np.all(np.abs(bits.mean(axis=0) - 0.5) < 0.01)


def test_mixed_shingle_sizes_per_position():
    ids = np.arange(0x4E00, 0x4E00 + 20)
    ks = np.array([4] * 10 + [3] * 10, np.int32)
    h, valid = shingle_hashes(_units_of(ids), ks)
    h4, _ = shingle_hashes(_units_of(ids), np.full(20, 4, np.int32))
    h3, _ = shingle_hashes(_units_of(ids), np.full(20, 3, np.int32))
    np.testing.assert_array_equal(h[:10], h4[:10])
    np.testing.assert_array_equal(h[10:18], h3[10:18])
    assert valid[:18].all() and not valid[18:].any()


@pytest.mark.parametrize("num_perm", [64, 128, 200])
@pytest.mark.parametrize("span", [(10, 40), (150, 400)], ids=["short blocks", "long blocks"])
def test_signatures_of_arbitrary_spans_equal_datasketch(num_perm, span):
    # Both paths of block_minima (padded short blocks; reduceat over long ones),
    # with invalid positions, spans that share boundaries or leave gaps, and
    # shingles outside every span.
    rng = np.random.default_rng(num_perm + span[0])
    n = 5000
    shingles = rng.integers(0, 1 << 32, n, dtype=np.uint64).astype(np.uint32)
    valid = rng.random(n) > 0.1
    valid[2000:2100] = False  # a stretch without shingles
    starts, ends, pos = [], [], int(rng.integers(0, 50))
    while pos < n - span[1]:
        length = int(rng.integers(*span))
        starts.append(pos)
        ends.append(pos + length)
        pos += int(rng.integers(1, length + 30))  # overlapping or apart
    starts, ends = np.array(starts), np.array(ends)
    sigs = signatures(shingles, valid, starts, ends, num_perm, seed=1)
    for w, (s, e) in enumerate(zip(starts.tolist(), ends.tolist())):
        m = MinHash(num_perm=num_perm, seed=1, hashfunc=lambda x: x)
        m.update_batch([int(h) for h, v in zip(shingles[s:e], valid[s:e]) if v])
        assert np.array_equal(m.hashvalues, sigs[w]), f"span {w} [{s}, {e})"


def test_shingle_size_follows_each_lines_script_when_words_are_few():
    from provenance.config import Config
    from provenance.fingerprint import shingle_sizes
    from provenance.pipeline import unit_shingle_sizes

    text = "关于第2024号文件的通知\n\n" + "属地管理分级负责" * 20 + "\nThe council shall publish the plan\n" + "统一领导" * 30
    u = normalize(text)
    ks = unit_shingle_sizes(text, u, Config())
    assert 8 * int(u.is_word.sum()) <= len(u)  # the few-words path
    english = (u.starts >= text.index("The")) & (u.starts < text.index("统一"))
    assert set(ks[english].tolist()) == {3} and set(ks[~english].tolist()) == {4}
    line = np.searchsorted(np.array([i for i, c in enumerate(text) if c == "\n"]), u.starts)
    assert ks.tolist() == shingle_sizes(u, line, FingerprintParams()).tolist()

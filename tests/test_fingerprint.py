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

"""Comparing two prepared documents: restricting alignment to shared shingles changes nothing but the time."""

from __future__ import annotations

import random

import numpy as np

from provenance.align import align
from provenance.config import Config
from provenance.model import Document
from provenance.pipeline import prepare, shared_valid

from .conftest import SAMPLES


def _pairs():
    texts = [p.read_text(encoding="utf-8") for p in SAMPLES]
    rng = random.Random(4)
    out = [(a, b) for a in texts for b in texts]
    for _ in range(20):  # edited copies with repeats: a shingle seen more than repeat_cap times on one side
        a = rng.choice(texts)
        cut = rng.randrange(len(a) // 2)
        b = rng.choice(texts)[:500] + a[cut : cut + 800].replace("，", "、") + "应急管理" * rng.randint(0, 30)
        out.append((a, b))
    out.append(("The quick brown fox jumps over the lazy dog. " * 3, "the quick brown fox jumped over a lazy dog " * 20))
    return out


def test_aligning_on_shared_shingles_only_gives_the_same_passages():
    config = Config()
    for ta, tb in _pairs():
        x, y = prepare(Document("a", "a", ta), config), prepare(Document("b", "b", tb), config)
        full = align(x.units.ids, x.shingles, x.valid, x.ks, x.units.weights(), y.units.ids, y.shingles, y.valid,
                     config.align)
        va, vb = shared_valid(x, y)
        fast = align(x.units.ids, x.shingles, va, x.ks, x.units.weights(), y.units.ids, y.shingles, vb, config.align)
        assert fast == full
        assert np.array_equal(x.distinct_shingles, np.unique(x.shingle_set))


def test_membership_equals_isin():
    from provenance.arrays import member as _member

    rng = np.random.default_rng(2)
    for n_b in (0, 1, 50, 3000, 9000):
        b = np.unique(rng.integers(0, 2**32, n_b, dtype=np.uint64).astype(np.uint32))
        a = np.concatenate([rng.integers(0, 2**32, 5000, dtype=np.uint64).astype(np.uint32), b[: n_b // 2]])
        rng.shuffle(a)
        assert np.array_equal(_member(a, b), np.isin(a, b))


def test_comparing_one_document_with_many_gives_the_pairs_of_each_comparison():
    from provenance.pipeline import compare, compare_each

    class Stats:  # document frequencies, as an index's sketch would give them
        n_docs = 40

        def frequency(self, h):
            return (np.asarray(h, dtype=np.int64) % 7) * 3

    config = Config()
    pairs = _pairs()
    texts = sorted({t for ab in pairs for t in ab}) + ["", "短", "一二三四五六七八九十" * 3]
    docs = [prepare(Document(f"d{k}", f"d{k}", t), config) for k, t in enumerate(texts)]
    for x in docs[:4] + docs[-3:]:
        for stats in (None, Stats()):
            assert list(compare_each(x, docs, stats, config)) == [compare(x, y, stats, config) for y in docs]

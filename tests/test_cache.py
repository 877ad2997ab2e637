"""Arrays cached on disk: built once, then read back; an unreadable file is rebuilt."""

from __future__ import annotations

import numpy as np

from provenance.cache import cached_array


def test_an_array_is_built_once_then_read_from_the_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    calls = []

    def build():
        calls.append(1)
        return np.arange(5, dtype=np.uint32)

    first = cached_array("demo-v1", build)
    again = cached_array("demo-v1", build)
    assert calls == [1]
    assert again.dtype == np.uint32 and again.tolist() == first.tolist() == [0, 1, 2, 3, 4]
    (tmp_path / "provenance" / "demo-v1.npy").write_bytes(b"not an array")
    assert cached_array("demo-v1", build).tolist() == [0, 1, 2, 3, 4]
    assert calls == [1, 1]


def test_the_cached_permutations_are_the_ones_drawn(tmp_path, monkeypatch):
    from provenance import fingerprint

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    fingerprint.permutations.cache_clear()
    try:
        a, b = fingerprint.permutations(16, 7)
        fingerprint.permutations.cache_clear()
        a2, b2 = fingerprint.permutations(16, 7)  # from the file this time
        gen = np.random.RandomState(7)
        assert a2.tolist() == a.tolist() == (gen.randint(0, 1 << 31, 16, dtype=np.uint32) * 2 + 1).tolist()
        assert b2.tolist() == b.tolist() == gen.randint(0, 1 << 32, 16, dtype=np.uint32).tolist()
    finally:
        fingerprint.permutations.cache_clear()

"""Band postings in bulk runs: look-ups equal a brute-force join, merges keep every live posting, tombstones go;
run files are immutable, and a reader whose snapshot lists a file a merge removed is told to start again."""

from __future__ import annotations

import sqlite3

import numpy as np
import pytest

from provenance.index import postings
from provenance.index.postings import KEY_BITS, Run, gather, lookup, merge, plan_merge, run_bits, short_keys, write


@pytest.fixture()
def db(tmp_path):
    con = sqlite3.connect(str(tmp_path / "p.sqlite"), isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.executescript(postings.SCHEMA)
    yield con
    con.close()


@pytest.fixture()
def folder(tmp_path):
    f = tmp_path / "p.sqlite-files"
    f.mkdir()
    return f


def _random_docs(rng, n_docs: int, per_doc: int, pool: np.ndarray | None = None) -> list[np.ndarray]:
    """Per document, distinct short keys; with ``pool``, half of them drawn from it (keys shared between documents)."""
    out = []
    for _ in range(n_docs):
        own = rng.integers(0, 1 << KEY_BITS, per_doc, dtype=np.uint64)
        if pool is not None:
            own[: per_doc // 2] = rng.choice(pool, per_doc // 2)
        out.append(np.unique(own))
    return out


def _brute(per_doc: dict[int, np.ndarray], query: np.ndarray) -> dict[int, int]:
    return {n: int(np.isin(k, query).sum()) for n, k in per_doc.items() if np.isin(k, query).any()}


def _counts(docs: np.ndarray) -> dict[int, int]:
    u, c = np.unique(docs, return_counts=True)
    return dict(zip(u.tolist(), c.tolist()))


def _put(db, folder, per_doc: dict[int, np.ndarray]) -> Run:
    nums = np.array(sorted(per_doc), dtype=np.uint32)
    db.execute("BEGIN")
    run = write(db, *gather([per_doc[int(n)] for n in nums], nums), folder)
    db.execute("COMMIT")
    return run


def _lookup(db, folder, keys):
    db.execute("BEGIN")
    try:
        return lookup(db, keys, folder)
    finally:
        db.execute("COMMIT")


def test_short_keys_are_the_top_bits_of_the_signed_band_keys():
    keys = np.array([-1, 0, 1 << 62, -(1 << 63)], dtype=np.int64)
    assert short_keys(keys).tolist() == [(1 << KEY_BITS) - 1, 0, 1 << (KEY_BITS - 2), 1 << (KEY_BITS - 1)]


def test_gather_orders_by_key_then_document():
    k = [np.array([5, 9], np.uint64), np.array([1, 5], np.uint64), np.array([5], np.uint64)]
    keys, docs = gather(k, np.array([30, 10, 20], np.uint32))
    assert keys.tolist() == [1, 5, 5, 5, 9]
    assert docs.tolist() == [10, 30, 10, 20, 30]


@pytest.mark.parametrize("n_docs,per_doc", [(1, 5), (3, 400), (40, 2000)])
def test_lookup_equals_a_brute_force_join(db, folder, n_docs, per_doc):
    rng = np.random.default_rng(n_docs)
    pool = rng.integers(0, 1 << KEY_BITS, 50, dtype=np.uint64)
    per_doc = dict(zip(range(1, n_docs + 1), _random_docs(rng, n_docs, per_doc, pool)))
    run = _put(db, folder, per_doc)
    assert run.bits == run_bits(sum(k.size for k in per_doc.values()))
    query = np.unique(np.concatenate([pool[:20], per_doc[1][-3:], rng.integers(0, 1 << KEY_BITS, 500, dtype=np.uint64)]))
    assert _counts(_lookup(db, folder, query)[1]) == _brute(per_doc, query)
    k, d = _lookup(db, folder, query)
    assert all(np.isin(k[d == n], per_doc[int(n)]).all() for n in np.unique(d))


@pytest.mark.parametrize("threaded", [False, True])
def test_merge_keeps_live_postings_and_drops_removed_documents(db, folder, monkeypatch, threaded):
    rng = np.random.default_rng(7)
    pool = rng.integers(0, 1 << KEY_BITS, 80, dtype=np.uint64)
    everything: dict[int, np.ndarray] = {}
    n = 1
    for size in (1, 2, 30, 5, 200):  # runs of very different sizes: bits from 0 to ~11
        part = dict(zip(range(n, n + size), _random_docs(rng, size, 300, pool)))
        everything.update(part)
        _put(db, folder, part)
        n += size
    assert len(postings.runs(db)) == 5
    dead = {2, 7, 40, 100}
    live = np.array(sorted(set(everything) - dead), dtype=np.uint32)
    dead_nums = np.array(sorted(dead), dtype=np.uint32)
    query = np.unique(np.concatenate([pool, rng.choice(np.concatenate(list(everything.values())), 300)]))
    before = _counts(_lookup(db, folder, query)[1])
    if threaded:  # the next key range read and merged in a thread while this one is written
        monkeypatch.setattr(postings, "_THREADED_MERGE", 0)
    old = postings.runs(db)
    db.execute("BEGIN")
    new = merge(db, old, dead_nums, folder)
    db.execute("COMMIT")
    assert postings.runs(db) == [new]
    assert new.postings == sum(everything[int(d)].size for d in live)
    after = _counts(_lookup(db, folder, query)[1])
    assert after == {d: c for d, c in before.items() if d not in dead}
    assert after == _brute({d: everything[d] for d in live.tolist()}, query)
    # the parts' files stay until the caller removes them, after the commit
    assert {p.name for p in folder.iterdir()} == {r.file for r in old} | {new.file}
    postings.remove_files(folder, [r.file for r in old])
    assert [p.name for p in folder.iterdir()] == [new.file]


def test_merging_nothing_but_removed_documents_leaves_no_run(db, folder):
    run = _put(db, folder, {1: np.array([1, 2, 3], np.uint64)})
    db.execute("BEGIN")
    assert merge(db, postings.runs(db), np.array([1], np.uint32), folder) is None
    db.execute("COMMIT")
    assert postings.runs(db) == [] and [p.name for p in folder.iterdir()] == [run.file]  # no new file


def test_merge_plan_is_size_tiered():
    small = [Run(i, 5, 4000) for i in range(1, 4)]
    assert plan_merge(small) == []  # three of a class: not yet
    four = small + [Run(4, 5, 4000)]
    assert plan_merge(four) == four
    big = Run(9, 20, 80_000_000)
    assert plan_merge([big, *small]) == []
    assert plan_merge([big, *four]) == four  # the big run is left alone
    many_mid = [Run(10 + i, 16, 8_000_000) for i in range(10)]
    assert plan_merge([big, *many_mid, *small]) == [*many_mid, *small]


def test_collisions_are_weighted_by_how_few_documents_hold_each_key():
    from provenance.index.base import weigh_collisions

    keys = np.array([7, 7, 7, 9, 5, 5], np.uint64)
    docs = np.array([1, 2, 3, 1, 1, 2], np.uint32)
    nums, scores = weigh_collisions(keys, docs)
    assert nums.tolist() == [1, 2, 3]
    assert scores.tolist() == pytest.approx([1 / 3 + 1 + 1 / 2, 1 / 3 + 1 / 2, 1 / 3])
    nums, _ = weigh_collisions(keys, docs, min_count=2)
    assert nums.tolist() == [1, 2]
    # distinctive keys: held by at most ``distinctive_df`` documents (here 2: keys 9 and 5, not 7)
    nums, _ = weigh_collisions(keys, docs, min_distinctive=2, distinctive_df=2)
    assert nums.tolist() == [1]
    nums, _ = weigh_collisions(keys, docs, min_distinctive=1, distinctive_df=2)
    assert nums.tolist() == [1, 2]
    # a family: documents 1 and 2 share FAMILY_KEYS keys held by both (none distinctive at df 1), 3 one fewer
    from provenance.index.base import FAMILY_KEYS

    fam = np.arange(100, 100 + FAMILY_KEYS, dtype=np.uint64)
    keys = np.concatenate([fam, fam, fam[1:]])
    docs = np.repeat(np.array([1, 2, 3], np.uint32), [FAMILY_KEYS, FAMILY_KEYS, FAMILY_KEYS - 1])
    nums, _ = weigh_collisions(keys, docs, min_distinctive=1, distinctive_df=1)
    assert nums.tolist() == [1, 2]


def test_run_bits_keep_buckets_small():
    assert run_bits(1) == 0
    assert run_bits(postings.BUCKET_POSTINGS * 1024) == 10
    assert run_bits(80_000_000) == 21  # ~38 postings a bucket


@pytest.mark.parametrize("whole", [False, True])
@pytest.mark.parametrize("bucket,bits,rem", [(64, 12, np.uint64), (1, 18, np.uint32)])
def test_lookup_by_bucket_reads_and_by_whole_run_agree_with_brute_force(db, folder, monkeypatch, whole, bucket, bits,
                                                                       rem):
    # read bucket by bucket (one pread per range of adjacent buckets), or the run whole; 64- and 32-bit remainders
    monkeypatch.setattr(postings, "_WHOLE_BYTES_PER_RANGE", 1 << 40 if whole else 0)
    monkeypatch.setattr(postings, "BUCKET_POSTINGS", bucket)
    rng = np.random.default_rng(11)
    pool = rng.integers(0, 1 << KEY_BITS, 200, dtype=np.uint64)
    per_doc = dict(zip(range(1, 101), _random_docs(rng, 100, 3000, pool)))
    run = _put(db, folder, per_doc)
    assert run.bits == bits and run.rem_dtype is rem
    every = np.concatenate(list(per_doc.values()))
    # stored keys, absent keys, keys at the edges of the key space, and runs of adjacent buckets
    near = np.unique(np.sort(every)[:50])
    query = np.unique(np.concatenate([pool[:50], rng.choice(every, 400), near, near + np.uint64(1),
                                      rng.integers(0, 1 << KEY_BITS, 400, dtype=np.uint64),
                                      np.array([0, (1 << KEY_BITS) - 1], np.uint64)]))
    k, d = _lookup(db, folder, query)
    assert _counts(d) == _brute(per_doc, query)
    pairs = set(zip(k.tolist(), d.tolist()))
    assert pairs == {(int(x), n) for n, ks in per_doc.items() for x in ks[np.isin(ks, query)].tolist()}


def test_a_run_file_holds_its_postings_in_key_order_with_bucket_offsets(db, folder):
    rng = np.random.default_rng(3)
    per_doc = dict(zip(range(1, 21), _random_docs(rng, 20, 500)))
    run = _put(db, folder, per_doc)
    f = postings.RunFile(folder, run)
    try:
        keys, docs = f.buckets(0, 1 << run.bits)
        want_k, want_d = gather([per_doc[n] for n in sorted(per_doc)], np.array(sorted(per_doc), np.uint32))
        assert keys.tolist() == want_k.tolist() and docs.tolist() == want_d.tolist()
        assert f.offsets[-1] == run.postings and (np.diff(f.offsets.astype(np.int64)) >= 0).all()
        # the bucket filters admit every stored key, and turn away most others (~36 keys in 128 bits, two each)
        assert f.admits(keys).all()
        absent = rng.integers(0, 1 << KEY_BITS, 20000, dtype=np.uint64)
        absent = absent[~np.isin(absent, keys)]
        assert f.admits(absent).mean() < 0.35
    finally:
        f.close()


def test_a_reader_keeps_its_snapshot_and_is_told_to_start_again_when_a_merge_removed_its_files(db, folder, tmp_path):
    rng = np.random.default_rng(5)
    a = dict(zip(range(1, 4), _random_docs(rng, 3, 200)))
    b = dict(zip(range(4, 7), _random_docs(rng, 3, 200)))
    _put(db, folder, a)
    _put(db, folder, b)
    query = np.unique(np.concatenate([a[1][:30], b[5][:30]]))
    want = _brute({**a, **b}, query)
    reader = sqlite3.connect(str(tmp_path / "p.sqlite"), isolation_level=None)
    late = sqlite3.connect(str(tmp_path / "p.sqlite"), isolation_level=None)
    try:
        cache: dict = {}
        reader.execute("BEGIN")
        assert _counts(lookup(reader, query, folder, cache)[1]) == want  # files opened, snapshot taken
        late.execute("BEGIN")
        assert len(postings.runs(late)) == 2  # a snapshot taken, files not yet opened
        # a merge (dropping document 5) commits and removes the two files
        old = postings.runs(db)
        db.execute("BEGIN")
        merge(db, old, np.array([5], np.uint32), folder)
        db.execute("COMMIT")
        postings.remove_files(folder, [r.file for r in old])
        # the reader with the files open still answers from its snapshot
        assert _counts(lookup(reader, query, folder, cache)[1]) == want
        reader.execute("COMMIT")
        # the one that had not opened them is told to start again, and then sees the merged run
        with pytest.raises(postings.Gone):
            lookup(late, query, folder)
        late.execute("COMMIT")
        late.execute("BEGIN")
        assert _counts(lookup(late, query, folder)[1]) == {n: c for n, c in want.items() if n != 5}
        late.execute("COMMIT")
        # the cache drops files no longer listed
        reader.execute("BEGIN")
        lookup(reader, query, folder, cache)
        reader.execute("COMMIT")
        assert sorted(cache) == [r.file for r in postings.runs(db)]
    finally:
        for f in cache.values():
            f.close()
        reader.close()
        late.close()


def test_sweep_removes_only_files_no_run_lists(folder):
    for name in ("run-a.bin", "run-b.bin", ".run-c.bin.tmp", "sketch-d.bin"):
        (folder / name).write_bytes(b"x")
    postings.sweep(folder, {"run-a.bin", "sketch-d.bin"})
    assert sorted(p.name for p in folder.iterdir()) == ["run-a.bin", "sketch-d.bin"]


@pytest.mark.parametrize("text", ["属地管理、分级负责\n第二条", "plain ASCII text, mostly\n", "", "混合 mixed 𠀀 text"])
def test_texts_are_stored_raw_or_compressed_and_read_back_the_same(text):
    from provenance.index.base import compressed_text, pack_text, unpack_text

    raw, packed = pack_text(text, compress=False), pack_text(text)
    assert raw[:1] in (b"u", b"w") and packed[:1] in (b"8", b"6")
    assert unpack_text(raw) == unpack_text(packed) == unpack_text(compressed_text(raw)) == text
    assert compressed_text(packed) == packed and compressed_text(raw) == packed
    if text.startswith("属"):  # Chinese: UTF-16, as encoded
        assert raw == b"w" + text.encode("utf-16-le")


def test_a_run_file_that_is_not_the_listed_one_is_refused_with_the_rebuild_message(db, folder):
    from provenance.index.base import IndexProblem

    run = _put(db, folder, {1: np.array([1, 2, 3], np.uint64)})
    path = folder / run.file
    path.write_bytes(b"PRVRUN01" + path.read_bytes()[8:])  # an older layout
    with pytest.raises(IndexProblem, match="--rebuild"):
        _lookup(db, folder, np.array([2], np.uint64))

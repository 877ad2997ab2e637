"""The index: SQLite and a real Redis server, incremental updates, refusals, concurrency."""

from __future__ import annotations

import hashlib
import json
import multiprocessing as mp
import shutil
import socket
import sqlite3
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest

from provenance.config import Config
from provenance.fingerprint import FingerprintParams
from provenance.index import IndexMismatch, IndexProblem, open_index
from provenance.indexing import index_documents, query
from provenance.model import Document

from .conftest import SAMPLES


def _doc(path: Path, text: str | None = None, doc_id: str | None = None) -> Document:
    text = path.read_text(encoding="utf-8") if text is None else text
    return Document(doc_id or path.name, str(path), text, 0, hashlib.sha256(text.encode()).hexdigest())


@pytest.fixture()
def docs():
    return [_doc(p) for p in SAMPLES]


def _check_index_behaviour(location: str, docs):
    config = Config()
    by = {d.id[:3]: d for d in docs}
    first = [by["000"], by["001"], by["002"], by["004"]]
    with open_index(location, config.fingerprint, create=True) as idx:
        rep = index_documents(idx, first, config)
        assert (rep.added, rep.updated, rep.unchanged) == (4, 0, 0)
        rep = index_documents(idx, first, config)
        assert (rep.added, rep.updated, rep.unchanged) == (0, 0, 4)
        assert idx.count() == 4
        stored = idx.get(by["000"].id)
        assert stored.text == by["000"].text and stored.sha256 == by["000"].sha256
        # 003 copies model text held by 001: the query finds it, with passages
        pairs = query(idx, by["003"], config)
        found = {p.b[:3]: p for p in pairs}
        assert "001" in found and found["001"].kind == "copy"
        assert "002" not in found
        # a changed document replaces the old one and its band keys
        changed = _doc(Path(by["002"].path), by["002"].text + "\n新增一段本地内容。", by["002"].id)
        rep = index_documents(idx, [changed], config)
        assert (rep.added, rep.updated) == (0, 1)
        assert idx.get(changed.id).text.endswith("新增一段本地内容。")
        assert idx.count() == 4


def test_sqlite_index_is_incremental_and_answers_queries(tmp_path, docs):
    _check_index_behaviour(str(tmp_path / "i.sqlite"), docs)


def test_sqlite_refuses_other_parameters_with_a_clear_message(tmp_path, docs):
    loc = str(tmp_path / "i.sqlite")
    with open_index(loc, FingerprintParams(), create=True) as idx:
        index_documents(idx, docs[:1], Config())
    with pytest.raises(IndexMismatch) as err:
        open_index(loc, FingerprintParams(k_char=5))
    assert "k_char=4 (this run: 5)" in str(err.value)
    assert "provenance index --rebuild" in str(err.value)


def test_missing_and_foreign_files_are_not_indexes(tmp_path):
    with pytest.raises(IndexProblem, match="no index at .*provenance index --index"):
        open_index(str(tmp_path / "none.sqlite"), FingerprintParams())
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"this is not a database at all" * 100)
    with pytest.raises(IndexProblem, match="not a provenance index"):
        open_index(str(junk), FingerprintParams())


def test_prune_drops_documents_whose_file_is_gone(tmp_path, docs):
    folder = tmp_path / "plans"
    folder.mkdir()
    local = []
    for d in docs[:3]:
        p = folder / d.id
        p.write_text(d.text, encoding="utf-8")
        local.append(_doc(p))
    loc = str(tmp_path / "i.sqlite")
    with open_index(loc, FingerprintParams(), create=True) as idx:
        index_documents(idx, local, Config())
        (folder / local[0].id).unlink()
        rep = index_documents(idx, local[1:], Config(), prune_roots=[str(folder)])
        assert rep.removed == 1
        assert idx.ids() == sorted(d.id for d in local[1:])


def test_a_failed_write_leaves_the_index_as_it_was(tmp_path, docs):
    loc = str(tmp_path / "i.sqlite")
    config = Config()
    with open_index(loc, config.fingerprint, create=True) as idx:
        index_documents(idx, docs[:2], config)
        # the second document of this batch collides with a stored id: the whole batch rolls back
        from provenance.indexing import entry_of
        from provenance.pipeline import prepare

        batch = [entry_of(prepare(docs[2], config), config), entry_of(prepare(docs[0], config), config)]
        with pytest.raises(IndexProblem):
            idx.put(batch)
        assert idx.ids() == sorted(d.id for d in docs[:2])


def _reader(loc: str, text: str, out):
    from provenance.config import Config
    from provenance.index import open_index
    from provenance.indexing import query
    from provenance.model import Document

    seen = []
    with open_index(loc, Config().fingerprint) as idx:
        for _ in range(12):  # runs are written and merged meanwhile: every answer must be complete
            pairs = query(idx, Document("new.txt", "new.txt", text, 0, "x"), Config())
            seen.append(sorted(p.b for p in pairs if p.kind == "copy"))
    out.put(seen)


def test_concurrent_checks_while_an_index_run_writes(tmp_path, docs):
    loc = str(tmp_path / "i.sqlite")
    config = Config()
    by = {d.id[:3]: d for d in docs}
    with open_index(loc, config.fingerprint, create=True) as idx:
        index_documents(idx, [by["001"]], config)
    ctx = mp.get_context("spawn")
    out = ctx.Queue()
    readers = [ctx.Process(target=_reader, args=(loc, by["003"].text, out)) for _ in range(2)]
    for r in readers:
        r.start()
    with open_index(loc, config.fingerprint) as idx:  # a writer at the same time: one run per call, merges
        for k in range(9):
            extra = _doc(Path(by["000"].path), by["000"].text + f"\n附件{k}", f"extra{k}.txt")
            index_documents(idx, [extra], config)
            if k == 4:
                index_documents(idx, [extra], config, prune_roots=["."])  # nothing to prune; compacts again
    for r in readers:
        r.join(120)
        assert r.exitcode == 0
    for answers in [out.get(timeout=5) for _ in readers]:
        assert answers == [[by["001"].id]] * 12
    with open_index(loc, config.fingerprint) as idx:
        assert idx.count() == 10
        assert idx.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert len(idx.db.execute("SELECT run FROM runs").fetchall()) < 4  # merged as it went
        listed = {r[0] for r in idx.db.execute("SELECT file FROM runs")} | {idx._meta("sketch")}
        assert {p.name for p in idx.folder.iterdir()} == listed  # no file left behind by merges or replaced sketches


def test_an_index_of_an_older_format_is_refused_with_the_rebuild_message(tmp_path):
    import json
    import sqlite3

    from provenance.index.base import params_record

    loc = tmp_path / "old.sqlite"
    db = sqlite3.connect(str(loc))
    db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value BLOB)")
    db.execute("CREATE TABLE bands (key INTEGER NOT NULL, doc INTEGER NOT NULL, PRIMARY KEY (key, doc)) WITHOUT ROWID")
    db.execute("INSERT INTO meta VALUES ('params', ?)", (json.dumps({**params_record(FingerprintParams()), "format": 1}),))
    db.commit()
    db.close()
    with pytest.raises(IndexMismatch) as err:
        open_index(str(loc), FingerprintParams())
    assert "format=1 (this run: 4)" in str(err.value)
    assert f"provenance index --rebuild --index {loc}" in str(err.value)


def test_an_index_from_before_the_shingle_hash_change_is_refused(tmp_path, docs):
    from provenance.index.base import params_record

    loc = tmp_path / "v1.sqlite"
    with open_index(str(loc), FingerprintParams(), create=True) as idx:
        index_documents(idx, docs[:1], Config())
    old = {k: v for k, v in params_record(FingerprintParams()).items() if k != "shingle_hash"}
    db = sqlite3.connect(str(loc))
    db.execute("UPDATE meta SET value = ? WHERE key = 'params'", (json.dumps(old),))
    db.commit()
    db.close()
    with pytest.raises(IndexMismatch) as err:
        open_index(str(loc), FingerprintParams())
    assert "shingle_hash=None (this run: 2)" in str(err.value)


def test_removed_documents_are_never_candidates_and_merges_drop_their_postings(tmp_path, docs):
    from provenance.fingerprint import band_keys
    from provenance.pipeline import prepare

    config = Config()
    fpp = config.fingerprint
    by = {d.id[:3]: d for d in docs}
    loc = str(tmp_path / "i.sqlite")
    with open_index(loc, fpp, create=True) as idx:
        for d in docs:
            index_documents(idx, [d], config)  # one run each, merged four at a time
        stored = idx.db.execute("SELECT sum(postings) FROM runs").fetchone()[0]
        keys = band_keys(prepare(by["001"], config).fp.signatures, fpp.bands, fpp.rows)
        assert by["001"].id in idx.candidates(keys, 3)
        gone = Path(tmp_path / "gone.txt")
        moved = _doc(gone, by["001"].text, by["001"].id)
        Path(moved.path).write_text(moved.text, encoding="utf-8")
        idx.db.execute("UPDATE docs SET path=? WHERE id=?", (str(gone), by["001"].id))
        gone.unlink()
        rep = index_documents(idx, [d for d in docs if d.id != by["001"].id], config, prune_roots=[str(tmp_path)])
        assert rep.removed == 1
        assert by["001"].id not in idx.candidates(keys, 1)
        assert by["001"].id not in idx.ids()
        # merging every run drops exactly the removed document's postings
        from provenance.index import postings
        from provenance.indexing import entry_of

        own = np.unique(postings.short_keys(entry_of(prepare(by["001"], config), config).keys)).size
        dead = idx._dead()
        assert dead.size == 1
        idx.db.execute("BEGIN IMMEDIATE")
        merged = postings.merge(idx.db, postings.runs(idx.db), dead, idx.folder)
        idx.db.execute("COMMIT")
        assert postings.runs(idx.db) == [merged]
        assert merged.postings == stored - own
        assert idx.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        query_keys = band_keys(prepare(by["003"], config).fp.signatures, fpp.bands, fpp.rows)
        found = idx.candidates(query_keys, 3)
        assert by["003"].id in found and by["001"].id not in found


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture()
def redis_url(tmp_path):
    server = shutil.which("redis-server")
    if server is None:
        print("redis-server is not installed (.ci/run installs it): skipping the Redis index test")
        pytest.skip("redis-server not installed")
    port = _free_port()
    proc = subprocess.Popen([server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                             "--dir", str(tmp_path)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        import redis

        r = redis.Redis(port=port)
        for _ in range(100):
            try:
                r.ping()
                break
            except redis.exceptions.ConnectionError:
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0?prefix=test"
    finally:
        proc.terminate()
        proc.wait(10)


def test_redis_index_behaves_like_sqlite(redis_url, docs):
    _check_index_behaviour(redis_url, docs)
    with pytest.raises(IndexMismatch):
        open_index(redis_url, FingerprintParams(window=32))


def test_redis_index_stores_buckets_in_datasketch_storage(redis_url, docs):
    from datasketch.storage import unordered_storage

    with open_index(redis_url, FingerprintParams(), create=True) as idx:
        index_documents(idx, docs[:1], Config())
        conf = idx.buckets.config
    buckets = unordered_storage(conf, name=b"test:bands")
    assert len(buckets.keys()) > 10
    some = next(iter(buckets.keys()))
    assert buckets.get(some) == {docs[0].id.encode()}


def test_unreachable_redis_says_so():
    with pytest.raises(IndexProblem, match="cannot reach the Redis index"):
        open_index(f"redis://127.0.0.1:{_free_port()}/0", FingerprintParams())


def test_candidates_limit_keeps_the_best_and_their_ties(tmp_path, docs):
    from provenance.fingerprint import band_keys
    from provenance.pipeline import prepare

    config = Config()
    fpp = config.fingerprint
    with open_index(str(tmp_path / "i.sqlite"), fpp, create=True) as idx:
        index_documents(idx, docs, config)
        keys = band_keys(prepare(docs[3], config).fp.signatures, fpp.bands, fpp.rows)
        every = idx.candidates(keys, 1)
        best = sorted(every.values(), reverse=True)
        two = idx.candidates(keys, 1, limit=2)
        assert set(two) == {d for d, s in every.items() if s >= best[1]}
        assert all(two[d] == every[d] for d in two)


def _han(rng: np.random.Generator, n: int) -> str:
    """``n`` random common Han characters and a full stop: text no two documents share by chance."""
    return "".join(chr(0x4E00 + int(c)) for c in rng.integers(0, 3000, n)) + "。"


def _plain(doc_id: str, text: str) -> Document:
    return Document(doc_id, doc_id, text, 0, hashlib.sha256(text.encode()).hexdigest())


def test_a_document_assembled_from_many_minor_sources_finds_every_one(tmp_path):
    """Forty sources give a paragraph each (2-3 % of the new document each): all forty are copy pairs.

    Seventy other documents hold the same three stock sentences as the new one, each between paragraphs
    of their own: they rank below the sources and must not take their place.
    """
    rng = np.random.default_rng(5)
    stock = [_han(rng, 60) for _ in range(3)]
    sources = [_plain(f"src/{k:02d}.txt", "通知\n\n" + "\n\n".join(_han(rng, 200) for _ in range(6)))
               for k in range(40)]
    others = [_plain(f"other/{k:02d}.txt", "通知\n\n" + "\n\n".join(x for s in stock for x in (_han(rng, 150), s)))
              for k in range(70)]
    taken = []
    for k, src in enumerate(sources):
        para = src.text.split("\n\n")[1 + k % 6]
        taken.append("".join("的" if n % 30 == 29 else c for n, c in enumerate(para)))  # lightly edited
    parts = taken[:10] + stock[:1] + taken[10:20] + stock[1:2] + taken[20:30] + stock[2:] + taken[30:]
    new = _plain("new.txt", "关于做好工作的通知\n\n" + "\n\n".join(parts + [_han(rng, 200)]))
    config = Config()
    with open_index(str(tmp_path / "i.sqlite"), config.fingerprint, create=True) as idx:
        index_documents(idx, sources + others, config)
        pairs = query(idx, new, config)
    copies = {p.b for p in pairs if p.kind == "copy"}
    assert copies == {s.id for s in sources}
    assert all(0.015 < p.coverage_a < 0.05 for p in pairs if p.kind == "copy")


def test_the_sketch_counts_documents_per_shingle_and_forgets_removed_ones(tmp_path, docs):
    from provenance.candidates import shingle_stats
    from provenance.pipeline import prepare

    config = Config()
    sets = [prepare(d, config).shingle_set for d in docs]
    true = shingle_stats(sets)
    asked = np.concatenate(sets)
    loc = str(tmp_path / "i.sqlite")
    with open_index(loc, config.fingerprint, create=True) as idx:
        index_documents(idx, docs, config)
    with open_index(loc, config.fingerprint) as idx:
        est = idx.frequencies(asked)
        halves = np.concatenate([idx.frequencies(asked[: asked.size // 2]), idx.frequencies(asked[asked.size // 2 :])])
        folder = idx.folder
    assert est.dtype == np.int64 and halves.tolist() == est.tolist()
    exact = true.frequency(asked)
    assert (est >= exact).all() and (est == exact).mean() > 0.99  # count-min: never under, rarely over here
    from provenance.indexing import _remove

    sketches = lambda: sorted(p.name for p in folder.glob("sketch-*"))  # noqa: E731
    before = sketches()
    with open_index(loc, config.fingerprint) as idx:
        _remove(idx, [docs[0].id], config)
    with open_index(loc, config.fingerprint) as idx:
        after = idx.frequencies(sets[0])
    left = shingle_stats(sets[1:]).frequency(sets[0])
    assert (after >= left).all() and (after == left).mean() > 0.99
    assert len(before) == 1 and len(sketches()) == 1 and sketches() != before  # written anew, the old one gone


def test_a_paragraph_a_template_family_holds_finds_its_holders(tmp_path):
    """Thirty stored documents hold one model paragraph (more than DISTINCTIVE_DF): copying it still finds them."""
    from provenance.index.base import DISTINCTIVE_DF, FAMILY_DF

    rng = np.random.default_rng(11)
    model = _han(rng, 220)
    family = [_plain(f"town/{k:02d}.txt", "实施方案\n\n" + "\n\n".join([_han(rng, 200), model, _han(rng, 200)]))
              for k in range(30)]
    assert DISTINCTIVE_DF < len(family) <= FAMILY_DF
    alone = [_plain(f"alone/{k:02d}.txt", "通知\n\n" + "\n\n".join(_han(rng, 200) for _ in range(3))) for k in range(20)]
    edited = "".join("的" if n % 40 == 39 else c for n, c in enumerate(model))
    new = _plain("new.txt", "关于做好工作的通知\n\n" + "\n\n".join([_han(rng, 200), edited, _han(rng, 200)]))
    config = Config()
    with open_index(str(tmp_path / "i.sqlite"), config.fingerprint, create=True) as idx:
        index_documents(idx, family + alone, config)
        pairs = query(idx, new, config)
    assert {p.b for p in pairs if p.kind == "copy"} == {d.id for d in family}


def test_the_document_count_is_kept_in_meta_and_added_to_older_indexes(tmp_path, docs):
    loc = str(tmp_path / "i.sqlite")
    config = Config()
    counted = lambda: sqlite3.connect(loc).execute("SELECT count(*) FROM docs").fetchone()[0]
    kept = lambda: sqlite3.connect(loc).execute("SELECT value FROM meta WHERE key='docs'").fetchone()
    with open_index(loc, config.fingerprint, create=True) as idx:
        index_documents(idx, docs[:3], config)
        assert idx.count() == counted() == 3 and kept() == (3,)
        changed = _doc(Path(docs[0].path), docs[0].text + "\n新增一段本地内容。", docs[0].id)
        index_documents(idx, [changed, *docs[3:]], config)  # one replaced, the rest added
        assert idx.count() == counted() == len(docs) and kept() == (len(docs),)
        from provenance.indexing import _remove

        _remove(idx, [docs[1].id], config)
        idx.remove([("not-stored", np.zeros(0, np.int64), np.zeros(0, np.uint32))])  # nothing removed: no change
        assert idx.count() == counted() == len(docs) - 1 and kept() == (len(docs) - 1,)
    # an index written before the count was kept: counted until its next index run stores the count
    db = sqlite3.connect(loc)
    db.execute("DELETE FROM meta WHERE key='docs'")
    db.commit()
    db.close()
    with open_index(loc, config.fingerprint) as idx:
        assert idx.count() == len(docs) - 1 and kept() is None
        rep = index_documents(idx, [d for d in docs if d.id != docs[1].id], config)
        assert rep.added == 0 and kept() == (len(docs) - 1,) and idx.count() == len(docs) - 1


def test_a_check_whose_run_files_a_merge_removed_starts_its_read_again(tmp_path, docs, monkeypatch):
    """The snapshot a look-up took lists run files that a merge committing just then removes: it starts again."""
    from provenance.fingerprint import band_keys
    from provenance.index import postings
    from provenance.pipeline import prepare

    config = Config()
    fpp = config.fingerprint
    by = {d.id[:3]: d for d in docs}
    loc = str(tmp_path / "i.sqlite")
    with open_index(loc, fpp, create=True) as idx:
        for d in docs[:3]:
            index_documents(idx, [d], config)
        monkeypatch.setattr(postings, "plan_merge", lambda runs: [])
        index_documents(idx, [docs[3]], config)  # four runs, not merged yet
        assert len(postings.runs(idx.db)) == 4
        monkeypatch.undo()
    keys = band_keys(prepare(by["001"], config).fp.signatures, fpp.bands, fpp.rows)
    reader = open_index(loc, fpp)
    try:
        want = reader.candidates(keys, 3)
        reader.close()
        reader = open_index(loc, fpp)
        real_runs, calls = postings.runs, []

        def runs_then_a_merge(db):
            listed = real_runs(db)
            if db is not reader.db:  # the writer's own calls
                return listed
            if not calls:  # the reader's snapshot lists four runs; a merge commits and removes their files
                with open_index(loc, fpp) as writer:
                    writer.compact()
            calls.append(len(listed))
            return listed

        monkeypatch.setattr(postings, "runs", runs_then_a_merge)
        got = reader.candidates(keys, 3)
    finally:
        reader.close()
    assert calls == [4, 1]  # the first snapshot's files were gone: started again, saw the merged run
    assert got == want and by["001"].id in got
    with open_index(loc, fpp) as idx:
        assert [p.name for p in idx.folder.iterdir() if p.name.startswith("run-")] == [r.file for r in real_runs(idx.db)]

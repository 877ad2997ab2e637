"""The index: SQLite and a real Redis server, incremental updates, refusals, concurrency."""

from __future__ import annotations

import hashlib
import multiprocessing as mp
import shutil
import socket
import subprocess
import time
from pathlib import Path

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
        from provenance.indexing import _entry
        from provenance.pipeline import prepare

        batch = [_entry(prepare(docs[2], config), config), _entry(prepare(docs[0], config), config)]
        with pytest.raises(IndexProblem):
            idx.put(batch)
        assert idx.ids() == sorted(d.id for d in docs[:2])


def _reader(loc: str, text: str, out):
    from provenance.config import Config
    from provenance.index import open_index
    from provenance.indexing import query
    from provenance.model import Document

    n = 0
    with open_index(loc, Config().fingerprint) as idx:
        for _ in range(5):
            pairs = query(idx, Document("new.txt", "new.txt", text, 0, "x"), Config())
            n = max(n, sum(p.kind == "copy" for p in pairs))
    out.put(n)


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
    with open_index(loc, config.fingerprint) as idx:  # a writer at the same time
        for k in range(6):
            extra = _doc(Path(by["000"].path), by["000"].text + f"\n附件{k}", f"extra{k}.txt")
            index_documents(idx, [extra], config)
    for r in readers:
        r.join(120)
        assert r.exitcode == 0
    assert [out.get(timeout=5) for _ in readers] == [1, 1]
    with open_index(loc, config.fingerprint) as idx:
        assert idx.count() == 7
        assert idx.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


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

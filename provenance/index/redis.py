"""A shared index in Redis, with band buckets kept by datasketch's own Redis storage.

The band buckets are a ``datasketch.storage`` unordered (set) storage, the same
container ``datasketch.MinHashLSH`` uses for its hash tables, so the layout is
the one datasketch users know; documents, parameters and the frequency sketch
live beside it under the same key prefix.  Several machines (CI runners) can
share one index this way.

Location syntax: ``redis://host:port/db?prefix=NAME`` (prefix defaults to
``provenance``).
"""

from __future__ import annotations

import json
from typing import Iterable
from urllib.parse import parse_qs, urlparse

import numpy as np

from ..fingerprint import FingerprintParams
from ..model import Document
from .base import (DISTINCTIVE_DF, FAMILY_DF, FAMILY_KEYS, SKETCH_WIDTH, Entry, IndexProblem, check_params,
                   compressed_text, metadata_from_json, params_record, sketch_slots, unpack_text)


class RedisIndex:
    """An index in a Redis server.

    Args:
        url: ``redis://host:port/db?prefix=NAME``.
        params: This run's fingerprint parameters (must match the stored ones).
        create: Initialise an empty index when none exists under the prefix.
    """

    def __init__(self, url: str, params: FingerprintParams, create: bool = False) -> None:
        import redis
        from datasketch.storage import unordered_storage

        self.location = url
        u = urlparse(url)
        prefix = parse_qs(u.query).get("prefix", ["provenance"])[0]
        self.prefix = prefix
        conf = {"host": u.hostname or "localhost", "port": u.port or 6379,
                "db": int((u.path or "/0").strip("/") or 0)}
        self.r = redis.Redis(**conf)
        try:
            self.r.ping()
        except redis.exceptions.RedisError as err:
            raise IndexProblem(f"cannot reach the Redis index at {url}: {err}") from None
        self.k_meta, self.k_docs, self.k_sketch = f"{prefix}:meta", f"{prefix}:docs", f"{prefix}:sketch"
        self.buckets = unordered_storage({"type": "redis", "redis": conf}, name=f"{prefix}:bands".encode())
        stored = self.r.hget(self.k_meta, "params")
        if stored is None:
            if not create:
                raise IndexProblem(f"no index at {url}: build one with `provenance index --index '{url}' FOLDER`")
            self.r.hsetnx(self.k_meta, "params", json.dumps(params_record(params)))
            self.r.setnx(self.k_sketch, np.zeros(SKETCH_WIDTH, np.uint16).tobytes())
            stored = self.r.hget(self.k_meta, "params")
        check_params(json.loads(stored), params, url)
        self.params = params

    @staticmethod
    def _key(k: int) -> bytes:
        return int(k).to_bytes(8, "big", signed=True)

    def sha256_of(self, doc_id: str) -> str | None:
        raw = self.r.hget(self.k_docs, doc_id)
        return None if raw is None else json.loads(raw)["sha256"]

    def ids(self) -> list[str]:
        return sorted(k.decode() for k in self.r.hkeys(self.k_docs))

    def paths(self) -> dict[str, str]:
        return {k.decode(): json.loads(v)["path"] for k, v in self.r.hgetall(self.k_docs).items()}

    def count(self) -> int:
        return int(self.r.hlen(self.k_docs))

    def get(self, doc_id: str) -> Document:
        raw = self.r.hget(self.k_docs, doc_id)
        if raw is None:
            raise KeyError(doc_id)
        d = json.loads(raw)
        text = unpack_text(self.r.hget(self.k_docs + ":text", doc_id))
        return Document(doc_id, d["path"], text, d["offset"], d["sha256"], d["format"], metadata_from_json(d["metadata"]))

    def candidates(self, band_keys: np.ndarray, min_count: int = 1, limit: int | None = None,
                   min_distinctive: int = 0) -> dict[str, float]:
        keys = [self._key(k) for k in np.unique(np.asarray(band_keys, dtype=np.int64).ravel()).tolist()]
        count: dict[str, int] = {}
        distinctive: dict[str, int] = {}
        family: dict[str, int] = {}
        score: dict[str, float] = {}
        if not keys:
            return score
        for members in self.buckets.getmany(*keys):  # weighted and counted as base.weigh_collisions does
            rare, shared = len(members) <= DISTINCTIVE_DF, len(members) <= max(FAMILY_DF, DISTINCTIVE_DF)
            for m in members:
                doc_id = m.decode()
                count[doc_id] = count.get(doc_id, 0) + 1
                distinctive[doc_id] = distinctive.get(doc_id, 0) + rare
                family[doc_id] = family.get(doc_id, 0) + shared
                score[doc_id] = score.get(doc_id, 0.0) + 1.0 / len(members)
        out = {d: s for d, s in score.items() if count[d] >= min_count
               and (distinctive[d] >= min_distinctive or (min_distinctive > 0 and family[d] >= FAMILY_KEYS))}
        if limit is not None and len(out) > limit:
            last = sorted(out.values(), reverse=True)[limit - 1]
            out = {d: s for d, s in out.items() if s >= last}
        return out

    def frequencies(self, shingles: np.ndarray) -> np.ndarray:
        if getattr(self, "_sketch", None) is None:
            self._sketch = np.frombuffer(self.r.get(self.k_sketch), dtype=np.uint16)  # read once; writes reset it
        sketch = self._sketch
        return sketch[np.asarray(shingles, dtype=np.uint32) % np.uint32(SKETCH_WIDTH)].astype(np.int64)

    def _update_sketch(self, slot_lists: list[np.ndarray], delta: int) -> None:
        """Read-modify-write the sketch under WATCH, retrying when another writer raced us."""
        import redis

        while True:
            with self.r.pipeline() as pipe:
                try:
                    pipe.watch(self.k_sketch)
                    sketch = np.frombuffer(pipe.get(self.k_sketch), dtype=np.uint16).astype(np.int32)
                    for slots in slot_lists:
                        sketch[slots] += delta
                    pipe.multi()
                    pipe.set(self.k_sketch, np.clip(sketch, 0, 65535).astype(np.uint16).tobytes())
                    pipe.execute()
                    return
                except redis.WatchError:
                    continue

    def put(self, entries: Iterable[Entry]) -> None:
        entries = list(entries)
        self._sketch = None
        for e in entries:
            if self.r.hexists(self.k_docs, e.id):
                raise IndexProblem(f"{e.id} is already in the index; remove it first")
        for e in entries:
            for k in e.keys.view(np.int64).tolist():
                self.buckets.insert(self._key(k), e.id.encode(), buffer=True)
            self.buckets.empty_buffer()
            rec = {"path": e.path, "sha256": e.sha256, "offset": e.offset, "format": e.format,
                   "chars": e.chars, "metadata": e.metadata}
            pipe = self.r.pipeline(transaction=True)
            pipe.hset(self.k_docs + ":text", e.id, compressed_text(e.text))
            pipe.hset(self.k_docs, e.id, json.dumps(rec, ensure_ascii=False))
            pipe.execute()
        self._update_sketch([e.slots for e in entries], +1)

    def remove(self, items: Iterable[tuple[str, np.ndarray, np.ndarray]]) -> None:
        items = [it for it in items if self.r.hexists(self.k_docs, it[0])]
        self._sketch = None
        for doc_id, keys, _ in items:
            pipe = self.r.pipeline(transaction=True)
            pipe.hdel(self.k_docs, doc_id)
            pipe.hdel(self.k_docs + ":text", doc_id)
            pipe.execute()
            for k in np.unique(np.asarray(keys, dtype=np.int64).ravel()).tolist():
                self.buckets.remove_val(self._key(k), doc_id.encode())
        if items:
            self._update_sketch([sketch_slots(s) for _, _, s in items], -1)

    def compact(self) -> None:
        """Nothing to do: Redis keeps one set per band key."""

    def sha256s(self) -> dict[str, str]:
        """Every stored document's file hash, by id."""
        return {k.decode(): json.loads(v)["sha256"] for k, v in self.r.hgetall(self.k_docs).items()}

    def close(self) -> None:
        self.r.close()

    def __enter__(self) -> "RedisIndex":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


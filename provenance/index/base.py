"""What every index stores and answers, whatever its storage.

An index keeps, per document, its metadata and compressed original text (so
passages can be aligned and quoted without the original file), the LSH band
keys of its windows (to find candidates), and adds its shingles to a
count-min sketch of document frequencies (to recognise stock language).
What is written for one document is an :class:`Entry`, made by
:func:`make_entry` (in worker processes when many documents are indexed).

Note:
    An index is only valid for the fingerprint parameters and normalizer
    version it was built with; both are recorded at creation and every later
    open compares them (:class:`IndexMismatch`).
"""

from __future__ import annotations

import json
import zlib
from dataclasses import asdict, dataclass
from typing import Iterable, Protocol

import numpy as np

from ..arrays import unique
from ..fingerprint import SHINGLE_HASH_VERSION, FingerprintParams
from ..model import Document, Metadata, Placeholder
from ..normalize import NORMALIZER_VERSION

FORMAT_VERSION = 4
"""Version of the stored layout (2: band postings in bulk runs, text codec byte; 3: the SQLite index keeps its
sketch in rows of 1,024 counters; 4: its runs and its sketch are files beside the database, SQLite keeps their
manifest, and texts are stored uncompressed); older indexes are refused."""
SKETCH_WIDTH = 1 << 22
"""Counters in the document-frequency sketch (uint16, 8 MiB)."""


class IndexProblem(Exception):
    """The index cannot be used; the message says what to run."""


class IndexMismatch(IndexProblem):
    """The index was built with other parameters than this run's."""


def params_record(params: FingerprintParams) -> dict:
    return {"format": FORMAT_VERSION, "normalizer": NORMALIZER_VERSION, "shingle_hash": SHINGLE_HASH_VERSION,
            **asdict(params)}


def check_params(stored: dict, params: FingerprintParams, where: str) -> None:
    want = params_record(params)
    diff = sorted(k for k in set(stored) | set(want) if stored.get(k) != want.get(k))
    if diff:
        detail = ", ".join(f"{k}={stored.get(k)!r} (this run: {want.get(k)!r})" for k in diff)
        raise IndexMismatch(
            f"{where} was built with other parameters: {detail}; "
            f"rebuild it with `provenance index --rebuild --index {where} PATH...` or use the same options"
        )


_CODECS = {b"8": "utf-8", b"6": "utf-16-le"}  # zlib-compressed
_RAW = {b"u": "utf-8", b"w": "utf-16-le"}  # as encoded
_COMPRESSED_TAG = {b"u": b"8", b"w": b"6"}


def pack_text(text: str, compress: bool = True) -> bytes:
    """A document's text for storage: one codec byte, then the encoded text, zlib-compressed at its fastest level
    unless ``compress`` is false.

    Chinese text is stored as UTF-16 (two bytes a character instead of three,
    and it compresses better); text that is mostly ASCII as UTF-8.  Level 1
    compresses 2–3× faster than zlib's default and the result is ~10 % larger.
    """
    raw = text.encode("utf-8", "surrogatepass")
    tag = b"u"
    if len(raw) > 2 * len(text):
        raw, tag = text.encode("utf-16-le", "surrogatepass"), b"w"
    return _COMPRESSED_TAG[tag] + zlib.compress(raw, 1) if compress else tag + raw


def compressed_text(blob: bytes) -> bytes:
    """A packed text (:func:`pack_text`), compressed if it was not."""
    tag = bytes(blob[:1])
    return _COMPRESSED_TAG[tag] + zlib.compress(bytes(blob[1:]), 1) if tag in _RAW else blob


def unpack_text(blob: bytes) -> str:
    tag = bytes(blob[:1])
    if tag in _RAW:
        return str(blob[1:], _RAW[tag], "surrogatepass")
    return zlib.decompress(blob[1:]).decode(_CODECS[tag], "surrogatepass")


def metadata_json(m: Metadata) -> str:
    d = asdict(m)
    d["placeholders"] = [[p.text, list(p.span)] for p in m.placeholders]
    return json.dumps(d, ensure_ascii=False, sort_keys=True)


def metadata_from_json(s: str) -> Metadata:
    d = json.loads(s)
    d["placeholders"] = tuple(Placeholder(t, (a, b)) for t, (a, b) in d.get("placeholders", []))
    return Metadata(**d)


def sketch_slots(shingles: np.ndarray) -> np.ndarray:
    """Counter positions for a document's distinct shingles (distinct positions: each counts once per document)."""
    return unique(np.asarray(shingles, dtype=np.uint32) % np.uint32(SKETCH_WIDTH))


@dataclass(frozen=True)
class Entry:
    """What an index stores for one document, ready to write.

    Attributes:
        id, path, sha256, offset, format, chars: As in :class:`~provenance.model.Document`.
        metadata: The metadata as JSON (:func:`metadata_json`).
        text: The original text, packed (:func:`pack_text`) uncompressed: the SQLite index stores it so (a check
            reads its ~20 candidates' texts without inflating them: ~3 ms of a 30-paragraph check at 1M paragraphs,
            for ~210 more bytes a paragraph on disk); Redis compresses it (:func:`compressed_text`).
        keys: The distinct band keys of its windows, ``uint64``, ascending.
        slots: The distinct sketch counters its shingles fall into, ``uint32``.
    """

    id: str
    path: str
    sha256: str
    offset: int
    format: str
    chars: int
    metadata: str
    text: bytes
    keys: np.ndarray
    slots: np.ndarray


def make_entry(doc: Document, band_keys: np.ndarray, shingles: np.ndarray) -> Entry:
    """The :class:`Entry` of ``doc``, given its windows' band keys and its shingle hashes."""
    return Entry(doc.id, doc.path, doc.sha256, doc.offset, doc.format, doc.chars, metadata_json(doc.metadata),
                 pack_text(doc.text, compress=False), unique(np.asarray(band_keys, dtype=np.int64).view(np.uint64)),
                 sketch_slots(shingles))


def entry_document(e: Entry) -> Document:
    """The document an entry was made from."""
    return Document(e.id, e.path, unpack_text(e.text), e.offset, e.sha256, e.format, metadata_from_json(e.metadata))


DISTINCTIVE_DF = 16
"""A band key held by at most this many stored documents is *distinctive*: a window those documents share
with the query, rather than stock language (held by hundreds) or the odd chance collision.

Measured on the 1M-paragraph speed corpus (20,000 documents): of the ~3,000 documents colliding with the
30-paragraph query in three or more keys, the five holding a planted copy collide in 9–27 distinctive keys,
every other one in at most two (chance collisions of one band; the stock sentences the generator spreads
over hundreds of documents have keys held by more); with 32 instead of 16, three more documents pass,
with 64, forty-one more.  Up to this many documents holding one copied passage (a template family) each
keep the evidence a single holder would have, which the ``1 / df`` score divides among them."""


FAMILY_DF = 64
"""A band key held by at most this many stored documents can be a passage a template family shares; a
document colliding in :data:`FAMILY_KEYS` or more of them is a candidate even without distinctive keys.

A paragraph that 17 to 64 stored documents hold (a model text and the plans that copied it) gives each of them
its ~10–25 colliding keys, none distinctive.  Measured on the 1M-paragraph speed corpus: besides the five
planted copies, no document collides in six or more keys held by at most 64 documents (six do with 128,
over four hundred with 256: the stock sentences)."""
FAMILY_KEYS = 6


def weigh_collisions(keys: np.ndarray, docs: np.ndarray, min_count: int = 1, min_distinctive: int = 0,
                     distinctive_df: int = DISTINCTIVE_DF) -> tuple[np.ndarray, np.ndarray]:
    """Score the documents a query collides with: each shared band key counts ``1 / (documents holding it)``.

    A key held by two thousand stored documents is a window of stock language
    (a sentence every plan repeats); one held by one or two is a passage those
    documents share with the query.  Ranking by raw collision counts puts the
    documents sharing most stock text first (measured on the 1M-paragraph speed
    corpus: the planted copies ranked 1, 8, 208, 215 and 681 of ~3,000); by
    this score they rank first to fifth.

    Args:
        keys: The band key of every collision (one per stored key and document).
        docs: The document of each.
        min_count: Documents with fewer collisions are left out.
        min_distinctive: Documents with fewer collisions in distinctive keys (held by at most
            ``distinctive_df`` documents, :data:`DISTINCTIVE_DF`) are left out too, unless they
            collide in at least :data:`FAMILY_KEYS` keys held by at most :data:`FAMILY_DF`.

    Returns:
        ``(documents, scores)``, documents ascending.
    """
    if keys.size == 0:
        return np.zeros(0, docs.dtype), np.zeros(0)
    order = np.argsort(keys, kind="stable")
    k = keys[order]
    first = np.concatenate(([True], k[1:] != k[:-1]))
    group = np.cumsum(first) - 1
    df = np.bincount(group)
    weight = (1.0 / df)[group]
    distinctive = (df <= distinctive_df)[group]
    family = (df <= max(FAMILY_DF, distinctive_df))[group]
    d = docs[order]
    order = np.argsort(d, kind="stable")
    d, weight, distinctive, family = d[order], weight[order], distinctive[order], family[order]
    start = np.flatnonzero(np.concatenate(([True], d[1:] != d[:-1])))
    counts = np.diff(np.concatenate((start, [d.size])))
    scores = np.add.reduceat(weight, start)
    keep = counts >= min_count
    if min_distinctive > 0:
        keep &= ((np.add.reduceat(distinctive.astype(np.int64), start) >= min_distinctive)
                 | (np.add.reduceat(family.astype(np.int64), start) >= FAMILY_KEYS))
    return d[start][keep], scores[keep]


class Index(Protocol):
    """The operations the pipeline needs from an index."""

    location: str

    def sha256_of(self, doc_id: str) -> str | None: ...

    def ids(self) -> list[str]: ...

    def put(self, entries: Iterable[Entry]) -> None:
        """Add documents (none may be stored already), atomically."""

    def remove(self, items: Iterable[tuple[str, np.ndarray, np.ndarray]]) -> None:
        """Remove documents: ``(id, band keys, shingle hashes)`` as they were put."""

    def candidates(self, band_keys: np.ndarray, min_count: int = 1, limit: int | None = None,
                   min_distinctive: int = 0) -> dict[str, float]:
        """Stored documents sharing at least ``min_count`` distinct band keys, with their :func:`weigh_collisions` score.

        With ``min_distinctive``, only those sharing at least that many keys held by at most
        :data:`DISTINCTIVE_DF` stored documents, or :data:`FAMILY_KEYS` held by at most :data:`FAMILY_DF`;
        with ``limit``, only the ``limit`` best (and any tied with the last of them).
        """

    def get(self, doc_id: str) -> Document: ...

    def frequencies(self, shingles: np.ndarray) -> np.ndarray:
        """Estimated number of stored documents containing each shingle (never an underestimate)."""

    def count(self) -> int: ...

    def compact(self) -> None:
        """Reorganise what :meth:`put` wrote so queries stay fast (called at the end of an index run)."""

    def close(self) -> None: ...

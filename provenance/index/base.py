"""What every index stores and answers, whatever its storage.

An index keeps, per document, its metadata and compressed original text (so
passages can be aligned and quoted without the original file), the LSH band
keys of its windows (to find candidates), and adds its shingles to a
count-min sketch of document frequencies (to recognise stock language).

Note:
    An index is only valid for the fingerprint parameters and normalizer
    version it was built with; both are recorded at creation and every later
    open compares them (:class:`IndexMismatch`).
"""

from __future__ import annotations

import json
import zlib
from dataclasses import asdict
from typing import Iterable, Protocol

import numpy as np

from ..fingerprint import FingerprintParams
from ..model import Document, Metadata, Placeholder
from ..normalize import NORMALIZER_VERSION

FORMAT_VERSION = 1
SKETCH_WIDTH = 1 << 22
"""Counters in the document-frequency sketch (uint16, 8 MiB)."""


class IndexProblem(Exception):
    """The index cannot be used; the message says what to run."""


class IndexMismatch(IndexProblem):
    """The index was built with other parameters than this run's."""


def params_record(params: FingerprintParams) -> dict:
    return {"format": FORMAT_VERSION, "normalizer": NORMALIZER_VERSION, **asdict(params)}


def check_params(stored: dict, params: FingerprintParams, where: str) -> None:
    want = params_record(params)
    diff = sorted(k for k in set(stored) | set(want) if stored.get(k) != want.get(k))
    if diff:
        detail = ", ".join(f"{k}={stored.get(k)!r} (this run: {want.get(k)!r})" for k in diff)
        raise IndexMismatch(
            f"{where} was built with other parameters: {detail}; "
            f"rebuild it with `provenance index --rebuild --index {where} PATH...` or use the same options"
        )


def pack_text(text: str) -> bytes:
    return zlib.compress(text.encode("utf-8"), 6)


def unpack_text(blob: bytes) -> str:
    return zlib.decompress(blob).decode("utf-8")


def metadata_json(m: Metadata) -> str:
    d = asdict(m)
    d["placeholders"] = [[p.text, list(p.span)] for p in m.placeholders]
    return json.dumps(d, ensure_ascii=False, sort_keys=True)


def metadata_from_json(s: str) -> Metadata:
    d = json.loads(s)
    d["placeholders"] = tuple(Placeholder(t, (a, b)) for t, (a, b) in d.get("placeholders", []))
    return Metadata(**d)


def sketch_slots(shingles: np.ndarray) -> np.ndarray:
    """Counter positions for a document's distinct shingles."""
    return np.unique(shingles.astype(np.uint32)) % np.uint32(SKETCH_WIDTH)


class Index(Protocol):
    """The operations the pipeline needs from an index."""

    location: str

    def sha256_of(self, doc_id: str) -> str | None: ...

    def ids(self) -> list[str]: ...

    def put(self, items: Iterable[tuple[Document, np.ndarray, np.ndarray]]) -> None:
        """Add or replace documents: ``(document, band keys, shingle hashes)`` each, atomically."""

    def remove(self, items: Iterable[tuple[str, np.ndarray, np.ndarray]]) -> None:
        """Remove documents: ``(id, band keys, shingle hashes)`` as they were put."""

    def candidates(self, band_keys: np.ndarray) -> dict[str, int]:
        """Stored documents with colliding windows, and how many band collisions each."""

    def get(self, doc_id: str) -> Document: ...

    def frequencies(self, shingles: np.ndarray) -> np.ndarray:
        """Estimated number of stored documents containing each shingle (never an underestimate)."""

    def count(self) -> int: ...

    def close(self) -> None: ...

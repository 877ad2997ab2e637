"""Where fingerprints are kept between runs, chosen by one location string.

A path means the embedded SQLite index (:mod:`.sqlite`); a ``redis://`` URL the
shared Redis index (:mod:`.redis`), which keeps its band buckets in datasketch's
Redis storage.  Both answer the same :class:`~.base.Index` protocol.
"""

from __future__ import annotations

from ..fingerprint import FingerprintParams
from .base import Index, IndexMismatch, IndexProblem

DEFAULT_LOCATION = ".provenance/index.sqlite"


def open_index(location: str, params: FingerprintParams, create: bool = False) -> Index:
    """Open (or with ``create`` make) the index at ``location``.

    Raises:
        IndexProblem: Missing, unreachable or not an index (message says what to run).
        IndexMismatch: Built with other fingerprint parameters.
    """
    if location.startswith(("redis://", "rediss://", "unix://")):
        from .redis import RedisIndex

        return RedisIndex(location, params, create)
    from .sqlite import SqliteIndex

    return SqliteIndex(location, params, create)


__all__ = ["DEFAULT_LOCATION", "Index", "IndexMismatch", "IndexProblem", "open_index"]

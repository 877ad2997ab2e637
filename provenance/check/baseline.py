"""The baseline: accepted existing copies, so an old collection can adopt the gate.

``provenance check --write-baseline`` records, for every checked file that
exceeds a limit, the share it takes from each source and in total.  Later
checks call such a copy ``baselined`` instead of failing it, unless it grew by
more than the policy's ``baseline_tolerance``; a copy from a source the
baseline does not list fails as usual.

A file is recognised by its path, or by the hash of its bytes when it was moved
or renamed unchanged.  Editing a baselined file keeps its entry (the path still
matches): only a larger share fails it.

The file is deterministic JSON (same findings, same bytes), sorted by path and
source, meant to be committed and reviewed::

    {
      "schema": "provenance-baseline/1",
      "files": [
        {
          "path": "plans/乙镇计划.txt",
          "sha256": "9f2c…",
          "total_share": 0.71,
          "sources": {"plans/甲镇计划.txt": 0.64}
        }
      ]
    }

Shares are fractions (0..1) of the checked file's characters, rounded to four
decimals; ``sources`` omits allowed templates (they never fail anyway).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from .findings import Finding

SCHEMA = "provenance-baseline/1"


def _key(path: str) -> str:
    p = path.replace("\\", "/")
    while p.startswith("./"):
        p = p[2:]
    return p


@dataclass(frozen=True)
class BaselineEntry:
    """The accepted copies of one file: its total share and its share from each source."""

    path: str
    sha256: str
    total_share: float
    sources: tuple[tuple[str, float], ...] = ()


@dataclass(frozen=True)
class Baseline:
    """All accepted copies, looked up by path or, for a moved file, by content hash."""

    entries: tuple[BaselineEntry, ...] = ()
    _by_path: dict[str, BaselineEntry] = field(init=False, repr=False, compare=False)
    _by_hash: dict[str, BaselineEntry] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_path", {_key(e.path): e for e in self.entries})
        by_hash: dict[str, BaselineEntry] = {}
        for e in self.entries:
            if e.sha256:
                by_hash.setdefault(e.sha256, e)
        object.__setattr__(self, "_by_hash", by_hash)

    def entry(self, path: str, sha256: str = "") -> BaselineEntry | None:
        """The entry for a file: same path first, else same bytes."""
        found = self._by_path.get(_key(path))
        if found is None and sha256:
            found = self._by_hash.get(sha256)
        return found

    def accepted(self, path: str, sha256: str, source: str | None) -> float | None:
        """The accepted share of ``path`` from ``source`` (``None``: in total), or ``None`` if not accepted."""
        e = self.entry(path, sha256)
        if e is None:
            return None
        if source is None:
            return e.total_share
        return dict(e.sources).get(source)

    def __len__(self) -> int:
        return len(self.entries)


def entries_for(findings: Iterable[Finding]) -> list[BaselineEntry]:
    """Baseline entries for the findings that exceed a limit (``fail`` or ``baselined``)."""
    out = []
    for f in findings:
        if f.verdict not in ("fail", "baselined"):
            continue
        shares = sorted((s.source, round(s.share, 4)) for s in f.sources if not s.allowed_template and s.share > 0)
        out.append(BaselineEntry(_key(f.path), f.sha256, round(f.total_share, 4), tuple(shares)))
    return out


def to_json(baseline: Baseline) -> str:
    """The baseline file's text: sorted, two-space indented, UTF-8 (not escaped), final newline."""
    files = [{"path": e.path, "sha256": e.sha256, "total_share": e.total_share, "sources": dict(sorted(e.sources))}
             for e in sorted(baseline.entries, key=lambda e: (e.path, e.sha256))]
    return json.dumps({"schema": SCHEMA, "files": files}, ensure_ascii=False, indent=2) + "\n"


def write_baseline(findings: Iterable[Finding], path: str | os.PathLike,
                   previous: Baseline | None = None) -> Baseline:
    """Record the findings' copies as accepted, atomically replacing ``path``.

    Args:
        findings: The findings of a check run; those over a limit are recorded.
        path: The baseline file to write.
        previous: A baseline whose entries for files *not* checked in this run
            are kept (a partial run updates the baseline instead of shrinking it).

    Returns:
        The baseline written.
    """
    import tempfile

    findings = list(findings)
    entries = entries_for(findings)
    if previous is not None:
        checked = {_key(f.path) for f in findings}
        entries += [e for e in previous.entries if _key(e.path) not in checked]
    baseline = Baseline(tuple(sorted(entries, key=lambda e: (e.path, e.sha256))))
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=target.name + ".", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(to_json(baseline))
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return baseline


def _share(value: object, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise ValueError(f"{where}: a share must be a number between 0 and 1, got {value!r}")
    return float(value)


def load_baseline(path: str | os.PathLike) -> Baseline:
    """Read a baseline file.

    Raises:
        ValueError: Missing file (the message says how to create it) or not a
            baseline (one line).
    """
    p = Path(path)
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ValueError(f"{p}: baseline file not found; create it with `provenance check --write-baseline`") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ValueError(f"{p}: not a provenance baseline: {' '.join(str(err).split())}") from None
    if not isinstance(data, dict) or data.get("schema") != SCHEMA or not isinstance(data.get("files"), list):
        raise ValueError(f"{p}: not a provenance baseline (expected \"schema\": \"{SCHEMA}\" and a \"files\" list)")
    entries = []
    for n, item in enumerate(data["files"]):
        where = f"{p}: files[{n}]"
        if not isinstance(item, dict) or not isinstance(item.get("path"), str) \
                or not isinstance(item.get("sources", {}), dict):
            raise ValueError(f"{where}: expected an object with \"path\" and \"sources\"")
        sources = tuple(sorted((str(k), _share(v, where)) for k, v in item.get("sources", {}).items()))
        entries.append(BaselineEntry(item["path"], str(item.get("sha256", "")),
                                     _share(item.get("total_share", 0.0), where), sources))
    return Baseline(tuple(sorted(entries, key=lambda e: (e.path, e.sha256))))


__all__ = ["SCHEMA", "Baseline", "BaselineEntry", "entries_for", "load_baseline", "to_json", "write_baseline"]

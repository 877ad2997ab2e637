"""The check policy: limits, allowed templates, baseline; where it is read from; the verdict.

The policy lives in the collection's ``pyproject.toml`` under ``[tool.provenance]``
or in a ``provenance.toml`` (top-level keys), found by searching from the checked
folder upward to the repository root; command-line options override it::

    [tool.provenance]
    max_share_per_source = 0.3          # or "30%"
    max_total_share = "60%"
    ignore_boilerplate = true
    allowed_templates = ["templates/", "models/*范本*.docx"]
    baseline = "provenance-baseline.json"
    baseline_tolerance = 0.02

Keys may also be written with dashes (``max-share-per-source``).  An unknown key
or a bad value is a :class:`ValueError` with a one-line message naming the file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields, replace
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping, Sequence

from ..spans import union_length
from .findings import Finding, SourceShare, Violation, pct

if TYPE_CHECKING:
    from .baseline import Baseline

CONFIG_FILES = ("provenance.toml", "pyproject.toml")
"""Looked for in this order in each folder; the first that has a policy wins."""


@dataclass(frozen=True)
class Policy:
    """When a checked document fails.

    The defaults suit collections of administrative texts, where quoting is
    normal and wholesale copying is not:

    * ``max_share_per_source = 0.5``: a local plan routinely repeats a fifth to
      a third of its parent document (goals, measures, legal bases), which is
      how such texts are meant to be written; once more than half of a
      document is one other document's text it is that document with names
      changed, the case the gate exists for.
    * ``max_total_share = 0.8``: a text assembled from several sources with
      less than a fifth of its own is a compilation, not a new document, even
      when no single source passes the per-source limit.
    * ``ignore_boilerplate = True``: stock language every document in the
      collection uses (headers, closing formulas) is not copying.
    * ``baseline_tolerance = 0.02``: an accepted copy may drift by two points
      (a longer index, an edited sentence) before it counts as having grown.

    Attributes:
        max_share_per_source: Fail when more than this share (0..1) of the
            document comes from one source.
        max_total_share: Fail when more than this share comes from all counted
            sources together (overlaps counted once).
        ignore_boilerplate: Sources sharing only boilerplate do not count.
        allowed_templates: Official model texts documents are expected to
            follow: folders (``templates/``), files or globs (``**/*范本*``),
            matched like ``.gitignore`` lines against source ids.  Their use is
            reported, never failed, and does not count towards the total.
        baseline: Baseline file of accepted existing copies (relative paths in a
            config file are resolved against the file's folder).
        baseline_tolerance: How much (0..1) a baselined share may grow.
        config: The file the policy was read from (not a key), for messages.
    """

    max_share_per_source: float = 0.5
    max_total_share: float = 0.8
    ignore_boilerplate: bool = True
    allowed_templates: tuple[str, ...] = ()
    baseline: str | None = None
    baseline_tolerance: float = 0.02
    config: str | None = None

    def is_template(self, source: str) -> bool:
        """The source is one of the allowed templates.

        Example:
            >>> Policy(allowed_templates=("templates/",)).is_template("templates/县级/范本.docx")
            True
        """
        return matches_any(source, self.allowed_templates)


KEYS = tuple(f.name for f in fields(Policy) if f.name != "config")
_SHARES = ("max_share_per_source", "max_total_share", "baseline_tolerance")


# --------------------------------------------------------------------------- matching

@lru_cache(maxsize=256)
def _glob_regex(pattern: str) -> re.Pattern[str]:
    """A ``.gitignore``-style line as a regex on a posix path (the path or anything below it)."""
    anchored = pattern.startswith("/") or "/" in pattern.rstrip("/")
    body = pattern.strip("/")
    out, i = [], 0
    while i < len(body):
        c = body[i]
        if body.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
            continue
        if body.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        if c == "*":
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "[" and "]" in body[i + 2:]:
            j = body.index("]", i + 2)
            cls = body[i + 1:j]
            out.append("[" + ("^" + cls[1:] if cls.startswith("!") else cls) + "]")
            i = j + 1
            continue
        else:
            out.append(re.escape(c))
        i += 1
    prefix = "" if anchored else "(?:.*/)?"
    return re.compile(prefix + "".join(out) + "(?:/.*)?")


def matches_any(source: str, patterns: Sequence[str]) -> bool:
    """``source`` (a posix id, ``#N`` part suffix ignored) matches one of the patterns.

    A pattern without a slash matches a file or folder name at any depth; one
    with a slash is anchored at the index root; ``*`` and ``?`` stay within a
    folder, ``**`` crosses folders; a matching folder covers all it holds.

    Example:
        >>> matches_any("plans/models/范本一.txt#2", ["models"])
        True
        >>> matches_any("plans/县/计划.txt", ["/models/", "*.docx"])
        False
    """
    from .findings import source_file

    path = source_file(source).replace("\\", "/")
    while path.startswith("./"):
        path = path[2:]
    for pat in patterns:
        pat = pat.replace("\\", "/")
        while pat.startswith("./"):
            pat = pat[2:]
        if pat.strip("/") and _glob_regex(pat).fullmatch(path):
            return True
    return False


# --------------------------------------------------------------------------- loading

def _read_toml(path: Path) -> dict[str, Any]:
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib  # type: ignore[no-redef]
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as err:
        raise ValueError(f"{path}: cannot read the policy: {' '.join(str(err).split())}") from None


def find_config(start_dir: Path) -> tuple[Path, dict[str, Any]] | None:
    """The nearest policy table at or above ``start_dir``, up to the repository root.

    A ``pyproject.toml`` without ``[tool.provenance]`` is passed over; a
    ``provenance.toml`` always counts (an empty one means the defaults).  The
    search stops at the folder holding ``.git``, or at the filesystem root.

    Returns:
        ``(file, table)``, or ``None`` when no file is found.
    """
    d = Path(start_dir).resolve()
    if d.is_file():
        d = d.parent
    while True:
        for name in CONFIG_FILES:
            path = d / name
            if not path.is_file():
                continue
            data = _read_toml(path)
            tool = data.get("tool", {})
            table = tool.get("provenance") if isinstance(tool, dict) else None
            if name == "provenance.toml" and table is None:
                table = data
            if table is not None:
                if not isinstance(table, dict):
                    raise ValueError(f"{path}: [tool.provenance] must be a table")
                return path, table
        if (d / ".git").exists() or d.parent == d:
            return None
        d = d.parent


def _share(key: str, value: Any, where: str) -> float:
    v = value
    if isinstance(v, str) and v.strip().endswith("%"):
        try:
            v = float(v.strip()[:-1]) / 100
        except ValueError:
            pass
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0 <= v <= 1:
        raise ValueError(f"{where}: {key} must be a share between 0 and 1 or a percentage "
                         f"like \"30%\", got {value!r}")
    return float(v)


def _value(key: str, value: Any, where: str, base: Path | None) -> Any:
    if key in _SHARES:
        return _share(key, value, where)
    if key == "ignore_boilerplate":
        if not isinstance(value, bool):
            raise ValueError(f"{where}: ignore_boilerplate must be true or false, got {value!r}")
        return value
    if key == "allowed_templates":
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, (list, tuple)) or not all(isinstance(x, str) for x in items):
            raise ValueError(f"{where}: allowed_templates must be a path, a glob or a list of them, got {value!r}")
        return tuple(items)
    if key == "baseline":
        if not isinstance(value, str):
            raise ValueError(f"{where}: baseline must be a file path, got {value!r}")
        if not value:
            return None
        return str(base / value) if base is not None and not Path(value).is_absolute() else value
    raise AssertionError(key)  # pragma: no cover


def _apply(policy: Policy, table: Mapping[str, Any], where: str, base: Path | None) -> Policy:
    changes = {}
    for raw, value in table.items():
        key = str(raw).replace("-", "_")
        if key not in KEYS:
            raise ValueError(f"{where}: unknown key {raw!r} (known: {', '.join(KEYS)})")
        if value is None:  # an option left unset on the command line
            continue
        changes[key] = _value(key, value, where, base)
    return replace(policy, **changes)


def load_policy(start_dir: Path | str, overrides: Mapping[str, Any] | None = None) -> Policy:
    """Read the policy for a check run from config files and command-line overrides.

    Args:
        start_dir: Where to start looking (the checked folder or the current one).
        overrides: Policy keys from the command line; they win over the file.
            ``None`` values are ignored (options not given); ``baseline=""``
            switches the baseline off.  Relative paths stay relative to the
            current folder.

    Returns:
        The policy, with ``config`` naming the file it came from.

    Raises:
        ValueError: Unreadable file, unknown key or bad value (one line).

    Example:
        >>> load_policy(".", {"max_share_per_source": "30%"}).max_share_per_source  # doctest: +SKIP
        0.3
    """
    policy = Policy()
    found = find_config(Path(start_dir))
    if found is not None:
        path, table = found
        where = f"{path} [tool.provenance]" if path.name == "pyproject.toml" else str(path)
        policy = replace(_apply(policy, table, where, path.parent), config=str(path))
    return _apply(policy, overrides or {}, "policy option", None)


# --------------------------------------------------------------------------- verdict

def _accepted(baseline: Baseline | None, path: str, sha256: str, source: str | None) -> float | None:
    return baseline.accepted(path, sha256, source) if baseline is not None else None


def _settle(v: Violation, accepted: float | None, policy: Policy) -> Violation:
    """Mark a violation baselined when the baseline accepted it and it did not grow."""
    if accepted is None:
        return v
    if v.share <= accepted + policy.baseline_tolerance:
        return replace(v, status="baselined", accepted=accepted,
                       message=f"{v.message}; accepted in the baseline at {pct(accepted)}")
    return replace(v, accepted=accepted, message=f"{v.message}; grew from {pct(accepted)} in the baseline "
                                                   f"(tolerance {pct(policy.baseline_tolerance)})")


def judge(path: str, chars: int, sources: Sequence[SourceShare], policy: Policy,
          baseline: Baseline | None = None, *, sha256: str = "", error: str | None = None) -> Finding:
    """Apply the policy and the baseline to what the engine measured for one file.

    Args:
        path: The checked file, relative to the repository root when possible.
        chars: Characters of its text.
        sources: Its share with each source (any order).
        policy: The limits and allowed templates.
        baseline: Accepted existing copies, or ``None``.
        sha256: Hash of the file's bytes (recognises a moved file in the baseline).
        error: Why the file could not be read; gives an ``"error"`` finding.

    Returns:
        The finding: ``fail`` when a limit is exceeded and not accepted by the
        baseline, ``baselined`` when every exceeded limit is accepted,
        ``allowed`` when it shares text with an allowed template and is within
        the limits otherwise, else ``pass``.

    Example:
        >>> from provenance.check.findings import source_share
        >>> s = source_share("plans/a.txt", "甲" * 100, [((0, 62), (0, 62))])
        >>> judge("plans/b.txt", 100, [s], Policy(max_share_per_source=0.3)).reasons
        ('62% copied from plans/a.txt (limit 30%)',)
    """
    if error is not None:
        return Finding(path, chars, tuple(sources), 0.0, "error", (error,), error, sha256)
    marked = [s if s.allowed_template or not policy.is_template(s.source) else replace(s, allowed_template=True)
              for s in sources]
    marked.sort(key=lambda s: (-s.share, -s.shared_chars, s.source))
    def counts(s: SourceShare) -> bool:
        return not s.allowed_template and not (s.boilerplate and policy.ignore_boilerplate)

    counted = [s for s in marked if counts(s)]
    if all(s.spans or not s.shared_chars for s in counted):
        covered = union_length(span for s in counted for span in s.spans)
    else:  # a source without spans: count its characters in full (never under-counts)
        covered = min(chars, sum(s.shared_chars for s in counted))
    total = round(covered / max(chars, 1), 4)

    violations: list[Violation] = []
    limit = policy.max_share_per_source
    for s in marked:
        if s.share <= limit:
            continue
        if s.allowed_template:
            violations.append(Violation("source", s.share, limit, s.source, "allowed",
                                        message=f"{pct(s.share, limit)} taken from the allowed template "
                                                f"{s.source} (limit {pct(limit)} does not apply)"))
        elif counts(s):
            v = Violation("source", s.share, limit, s.source,
                          message=f"{pct(s.share, limit)} copied from {s.source} (limit {pct(limit)})")
            violations.append(_settle(v, _accepted(baseline, path, sha256, s.source), policy))
    if total > policy.max_total_share and counted:
        n = len(counted)
        v = Violation("total", total, policy.max_total_share, counted[0].source,
                      message=f"{pct(total, policy.max_total_share)} copied in total from {n} "
                              f"source{'s' if n != 1 else ''} (limit {pct(policy.max_total_share)})")
        violations.append(_settle(v, _accepted(baseline, path, sha256, None), policy))

    order = {"fail": 0, "baselined": 1, "allowed": 2}
    violations.sort(key=lambda v: order[v.status])
    reasons = [v.message for v in violations]
    statuses = {v.status for v in violations}
    templates = [s for s in marked if s.allowed_template and s.shared_chars > 0]
    if "fail" in statuses:
        verdict = "fail"
    elif "baselined" in statuses:
        verdict = "baselined"
    elif templates:
        verdict = "allowed"
        if "allowed" not in statuses:
            reasons += [f"follows the allowed template {s.source} ({pct(s.share)})" for s in templates]
    else:
        verdict = "pass"
    return Finding(path, chars, tuple(marked), total, verdict, tuple(reasons), None, sha256, tuple(violations))


__all__ = ["CONFIG_FILES", "KEYS", "Policy", "find_config", "judge", "load_policy", "matches_any"]

"""SARIF 2.1.0 output for code-scanning services (GitHub code scanning and others).

One run, tool ``provenance``, four rules with stable ids:

=======  ==========================  =======  ======================================
id       name                        level    result for
=======  ==========================  =======  ======================================
PROV001  copied-from-single-source   error    one source above ``max_share_per_source``
PROV002  copied-total                error    all sources above ``max_total_share``
PROV003  unreadable-file             error    a file the readers cannot read
PROV004  allowed-template-use        note     text shared with an allowed template
=======  ==========================  =======  ======================================

Every result has a location: the checked file (a relative URI with forward
slashes) and ``region.startLine``, the line where the longest shared passage
starts (for ``.docx``/``.pdf``/``.html``, a line of the extracted text that
``provenance text FILE`` prints).  The source copied from is a related location,
with the passage's character offsets in it.  A copy the baseline accepts is
still reported, with ``baselineState: "unchanged"``, level ``warning`` and an
external, accepted suppression, so code scanning shows it as dismissed.

``partialFingerprints["provenance/v1"]`` hashes rule, file and source only, so
a result keeps its identity when lines move or shares change.

The output is validated in the tests against the official OASIS schema
(``tests/data/ci/sarif-schema-2.1.0.json``).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path, PurePosixPath
from typing import Any, Sequence
from urllib.parse import quote

from ..check.findings import Finding, SourceShare, Violation, describe, pct, source_file

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
VERSION = "2.1.0"

RULES: tuple[dict[str, Any], ...] = (
    {
        "id": "PROV001",
        "name": "copied-from-single-source",
        "shortDescription": {"text": "Document copies too much from one source"},
        "fullDescription": {"text": "More of the document than the policy's max_share_per_source lies inside "
                                    "passages shared with a single indexed document."},
        "help": {"text": "Rewrite or cite the copied passages, or declare the source an allowed template "
                         "(allowed_templates) if documents are meant to follow it."},
        "defaultConfiguration": {"level": "error"},
        "properties": {"tags": ["provenance", "copy"]},
    },
    {
        "id": "PROV002",
        "name": "copied-total",
        "shortDescription": {"text": "Document copies too much in total"},
        "fullDescription": {"text": "More of the document than the policy's max_total_share lies inside passages "
                                    "shared with indexed documents, overlaps counted once."},
        "help": {"text": "The document is assembled from other documents; write more of it anew."},
        "defaultConfiguration": {"level": "error"},
        "properties": {"tags": ["provenance", "copy"]},
    },
    {
        "id": "PROV003",
        "name": "unreadable-file",
        "shortDescription": {"text": "Document cannot be read"},
        "fullDescription": {"text": "The file could not be read (corrupt, encrypted, empty or without a text "
                                    "layer), so it could not be checked."},
        "help": {"text": "Save the document again in a supported format (.txt, .md, .docx, .pdf with text, .html)."},
        "defaultConfiguration": {"level": "error"},
        "properties": {"tags": ["provenance", "input"]},
    },
    {
        "id": "PROV004",
        "name": "allowed-template-use",
        "shortDescription": {"text": "Document follows an allowed template"},
        "fullDescription": {"text": "The document shares text with an official model text listed in "
                                    "allowed_templates. This is reported, never failed."},
        "help": {"text": "No action needed: documents are expected to follow their templates."},
        "defaultConfiguration": {"level": "note"},
        "properties": {"tags": ["provenance", "template"]},
    },
)
_INDEX = {r["id"]: n for n, r in enumerate(RULES)}


def artifact_uri(path: str, root: str | Path | None = None) -> str:
    """A relative URI with forward slashes, percent-encoded (RFC 3986).

    A ``#N`` part suffix is dropped (it is not part of the file name); an
    absolute path under ``root`` is made relative to it, any other absolute
    path becomes a ``file://`` URI.

    Example:
        >>> artifact_uri("plans\\\\乙镇 计划.txt")
        'plans/%E4%B9%99%E9%95%87%20%E8%AE%A1%E5%88%92.txt'
    """
    p = source_file(path).replace("\\", "/")
    if root is not None and Path(p).is_absolute():
        try:
            p = Path(p).resolve().relative_to(Path(root).resolve()).as_posix()
        except ValueError:
            pass
    if Path(p).is_absolute() or PurePosixPath(p).is_absolute():
        return Path(p).resolve().as_uri()
    while p.startswith("./"):
        p = p[2:]
    return quote(p, safe="/")


def information_uri() -> str | None:
    """The project's home page from the installed package's metadata, if it declares one."""
    from importlib import metadata

    try:
        meta = metadata.metadata("provenance")
    except metadata.PackageNotFoundError:
        return None
    for entry in meta.get_all("Project-URL") or ():
        label, _, url = entry.partition(",")
        if label.strip().lower() in ("homepage", "home", "documentation", "source", "repository"):
            return url.strip()
    home = meta.get("Home-page")
    return home if home and home.upper() != "UNKNOWN" else None


def fingerprint(rule: str, path: str, source: str | None) -> str:
    """The stable identity of a result: rule, file and source, not lines or shares."""
    key = "\0".join((rule, path.replace("\\", "/"), source or ""))
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


def _location(uri: str, line: int) -> dict[str, Any]:
    return {"physicalLocation": {"artifactLocation": {"uri": uri}, "region": {"startLine": max(line, 1)}}}


def _related(shares: Sequence[SourceShare], root: str | Path | None) -> list[dict[str, Any]]:
    """The sources as related locations; the passage's offsets when the source is a whole file."""
    out = []
    for n, s in enumerate(shares, start=1):
        physical: dict[str, Any] = {"artifactLocation": {"uri": artifact_uri(s.source, root)}}
        a, b = s.longest[1]
        if source_file(s.source) == s.source and b > a:  # a part's offsets are not the file's
            physical["region"] = {"charOffset": a, "charLength": b - a}
        out.append({"id": n, "physicalLocation": physical,
                    "message": {"text": f"{pct(s.share)} of the document comes from {s.source}"}})
    return out


def _result(rule: str, level: str, message: str, f: Finding, share: SourceShare | None,
            related: Sequence[SourceShare], root: str | Path | None, source: str | None) -> dict[str, Any]:
    uri = artifact_uri(f.path, root)
    loc = _location(uri, share.line if share is not None else 1)
    result: dict[str, Any] = {"ruleId": rule, "ruleIndex": _INDEX[rule], "level": level,
                              "message": {"text": message}, "locations": [loc]}
    if related:
        result["relatedLocations"] = _related(related, root)
    result["partialFingerprints"] = {"provenance/v1": fingerprint(rule, f.path, source)}
    return result


def _violation(f: Finding, v: Violation, root: str | Path | None) -> dict[str, Any]:
    share = f.share_of(v.source) if v.source else None
    if v.rule == "total":
        related = [s for s in f.sources if not s.allowed_template and not s.boilerplate][:10]
    else:
        related = [share] if share is not None else []
    if v.status == "allowed":
        rule, level = "PROV004", "note"
    else:
        rule, level = ("PROV001" if v.rule == "source" else "PROV002"), ("error" if v.status == "fail" else "warning")
    result = _result(rule, level, describe(f, v), f, share, related, root, v.source if v.rule == "source" else None)
    if v.status == "baselined":
        result["baselineState"] = "unchanged"
        result["suppressions"] = [{"kind": "external", "status": "accepted",
                                   "justification": f"accepted in the baseline at {pct(v.accepted or 0.0)}"}]
    elif v.accepted is not None:
        result["baselineState"] = "updated"
    return result


def results(f: Finding, root: str | Path | None = None) -> list[dict[str, Any]]:
    """The SARIF results for one finding (none for a plain pass)."""
    if f.verdict == "error":
        return [_result("PROV003", "error", f.error or "cannot be read", f, None, (), root, None)]
    out = [_violation(f, v, root) for v in f.violations]
    excused = {v.source for v in f.violations if v.status == "allowed"}
    for s in f.sources:
        if s.allowed_template and s.shared_chars and s.source not in excused:
            out.append(_result("PROV004", "note", f"{pct(s.share)} follows the allowed template {s.source}",
                               f, s, [s], root, s.source))
    return out


def to_sarif(findings: Sequence[Finding], *, root: str | Path | None = None, tool_version: str | None = None,
             info_uri: str | None = None) -> dict[str, Any]:
    """The SARIF log as a dict.

    Args:
        findings: The check's findings.
        root: Repository root, to make absolute paths relative.
        tool_version: Defaults to ``provenance.__version__``.
        info_uri: The tool's home page; defaults to the package metadata's, if any.
    """
    from .. import __version__

    driver: dict[str, Any] = {"name": "provenance", "version": tool_version or __version__}
    uri = info_uri if info_uri is not None else information_uri()
    if uri:
        driver["informationUri"] = uri
    driver["rules"] = [dict(r) for r in RULES]
    run = {"tool": {"driver": driver},
           "columnKind": "unicodeCodePoints",
           "results": [r for f in findings for r in results(f, root)]}
    return {"$schema": SCHEMA_URI, "version": VERSION, "runs": [run]}


def render(findings: Sequence[Finding], **opts: Any) -> str:
    """The SARIF log as deterministic JSON text (options as for :func:`to_sarif`)."""
    return json.dumps(to_sarif(findings, **opts), ensure_ascii=False, indent=2) + "\n"


__all__ = ["RULES", "artifact_uri", "fingerprint", "information_uri", "render", "results", "to_sarif"]

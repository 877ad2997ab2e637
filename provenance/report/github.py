"""GitHub Actions output: workflow commands that annotate files, and a job summary.

:func:`render` prints one workflow command per thing worth a reviewer's eye::

    ::error file=plans/乙镇.txt,line=3,title=Copied from plans/甲镇.txt::62% copied from …

* ``::error`` — a limit exceeded (the job fails), or a file that cannot be read;
* ``::warning`` — an exceeded limit the baseline accepts, or an allowed template
  taken over beyond the per-source limit: excused, but notable;
* ``::notice`` (``notices=True``) — an allowed template followed, or the
  largest source of a document that passed.

Values are escaped as the runner expects: in the message ``%``, ``\\r`` and
``\\n`` become ``%25``, ``%0D`` and ``%0A``; in properties (``file``,
``title``) also ``:`` and ``,`` become ``%3A`` and ``%2C``.

:func:`step_summary` returns a Markdown table for ``$GITHUB_STEP_SUMMARY``
(the caller appends it to that file when the variable is set).
"""

from __future__ import annotations

from typing import Sequence

from ..check.findings import Finding, Violation, describe, excerpt, pct

_LEVEL = {"fail": "error", "baselined": "warning", "allowed": "warning"}
_ORDER = {"fail": 0, "error": 1, "baselined": 2, "allowed": 3, "pass": 4}
_MARK = {"fail": "❌ fail", "error": "⚠️ error", "baselined": "☑️ baselined", "allowed": "📄 allowed",
         "pass": "✅ pass"}


def escape_data(value: str) -> str:
    """Escape a workflow command's message.

    Example:
        >>> escape_data("100%\\n完成")
        '100%25%0A完成'
    """
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(value: str) -> str:
    """Escape a workflow command's property value (``file``, ``title``).

    Example:
        >>> escape_property("a,b: 50%")
        'a%2Cb%3A 50%25'
    """
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


def command(level: str, message: str, **props: object) -> str:
    """One workflow command line, e.g. ``::error file=a.txt,line=3,title=T::message``."""
    head = ",".join(f"{k}={escape_property(str(v))}" for k, v in props.items() if v is not None)
    return f"::{level} {head}::{escape_data(message)}" if head else f"::{level}::{escape_data(message)}"


def _title(v: Violation) -> str:
    if v.status == "baselined":
        return f"Accepted copy from {v.source}" if v.rule == "source" else "Accepted copy (total)"
    if v.status == "allowed":
        return f"Allowed template {v.source}"
    return f"Copied from {v.source}" if v.rule == "source" else "Copied from several sources"


def _line(f: Finding, source: str | None) -> int:
    s = f.share_of(source) if source else None
    return s.line if s is not None else 1


def annotations(f: Finding, notices: bool = True, quote: int = 80) -> list[str]:
    """The workflow commands for one finding."""
    if f.verdict == "error":
        return [command("error", f.error or "cannot be read", file=f.path, line=1, title="Unreadable document")]
    out = [command(_LEVEL[v.status], describe(f, v, quote), file=f.path, line=_line(f, v.source), title=_title(v))
           for v in f.violations]
    if notices:
        excused = {v.source for v in f.violations if v.status == "allowed"}
        for s in f.sources:
            if s.allowed_template and s.shared_chars and s.source not in excused:
                out.append(command("notice", f"{pct(s.share)} follows the allowed template {s.source}",
                                   file=f.path, line=s.line, title=f"Allowed template {s.source}"))
        if f.verdict == "pass":
            s = next((s for s in f.sources if not s.boilerplate and not s.allowed_template and s.shared_chars), None)
            if s is not None:
                msg = f"{pct(s.share)} shared with {s.source}, within the limits"
                if s.longest[2]:
                    msg += f"; longest shared passage: “{excerpt(s.longest[2], quote)}”"
                out.append(command("notice", msg, file=f.path, line=s.line, title=f"Shares text with {s.source}"))
    return out


def render(findings: Sequence[Finding], *, notices: bool = True, quote: int = 80) -> str:
    """Workflow commands for all findings, one per line.

    Args:
        findings: The check's findings.
        notices: Also emit ``::notice`` lines (allowed templates, largest source of a pass).
        quote: Longest quoted passage, in characters.
    """
    lines = [line for f in findings for line in annotations(f, notices, quote)]
    return "".join(line + "\n" for line in lines)


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell: one line, Markdown and HTML characters escaped."""
    flat = " ".join(text.split())
    for ch in "\\`*_[]<>|~#":
        flat = flat.replace(ch, "\\" + ch)
    return flat


def counts(findings: Sequence[Finding]) -> dict[str, int]:
    """How many findings have each verdict, in severity order."""
    out = dict.fromkeys(_ORDER, 0)
    for f in findings:
        out[f.verdict] += 1
    return out


def step_summary(findings: Sequence[Finding], quote: int = 60) -> str:
    """A Markdown job summary: counts, then one table row per checked file, failures first.

    Example:
        >>> print(step_summary([]).splitlines()[2])
        No document checked.
    """
    n = counts(findings)
    words = {"fail": "failed", "error": "unreadable", "baselined": "baselined", "allowed": "allowed",
             "pass": "passed"}
    parts = [f"**{n[k]} {w}**" if k in ("fail", "error") and n[k] else f"{n[k]} {w}"
             for k, w in words.items() if n[k] or k == "fail"]
    out = ["## provenance check", ""]
    if not findings:
        return "\n".join(out + ["No document checked.", ""])
    out += [", ".join(parts) + f" of {len(findings)} checked file{'s' if len(findings) != 1 else ''}.", "",
            "| File | Verdict | Copied in total | Largest source | Why |",
            "| --- | --- | ---: | --- | --- |"]
    for f in sorted(findings, key=lambda f: _ORDER[f.verdict]):
        largest = next((s for s in f.sources if not s.allowed_template), f.sources[0] if f.sources else None)
        src = f"{_cell(largest.source)} ({pct(largest.share)})" if largest else "—"
        if f.verdict == "error":
            why = _cell(f.error or "cannot be read")
        elif f.violations:
            why = "<br>".join(_cell(describe(f, v, quote)) for v in f.violations)
        else:
            why = "<br>".join(_cell(r) for r in f.reasons) or "—"
        total = "—" if f.verdict == "error" else pct(f.total_share)
        out.append(f"| {_cell(f.path)} | {_MARK[f.verdict]} | {total} | {src} | {why} |")
    return "\n".join(out) + "\n"


__all__ = ["annotations", "command", "counts", "escape_data", "escape_property", "render", "step_summary"]

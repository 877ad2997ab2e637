"""What ``provenance check`` says about one checked file: its sources, shares and verdict.

The engine measures, for a checked document, how much of it lies inside passages
shared with each indexed source (:class:`SourceShare`, built with
:func:`source_share`); :func:`provenance.check.policy.judge` then applies the
policy and the baseline and returns a :class:`Finding`, which every CI format
(``github``, ``sarif``, ``junit``) renders.

Shares are fractions of the *checked* document's characters (0..1), counted on
the original text, so "62%" means 62% of the characters a reader sees in the file
lie inside passages copied from that source.

Example:
    >>> text = "第一条 为了加强管理。\\n第二条 本办法适用于全镇。\\n"
    >>> s = source_share("models/a.txt", text, [((12, 25), (40, 53))])
    >>> s.shared_chars, s.line, s.longest[2]
    (13, 2, '第二条 本办法适用于全镇。')
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal, Sequence

from ..spans import merge_spans

Span = tuple[int, int]
"""Half-open character offsets ``(start, end)`` into a document's original text."""

Verdict = Literal["pass", "fail", "error", "baselined", "allowed"]

_BREAK = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True)
class SourceShare:
    """How much of the checked document comes from one indexed source.

    Attributes:
        source: Id (path relative to the index root) of the document copied from.
        shared_chars: Characters of the checked document inside passages from it.
        share: ``shared_chars`` / characters of the checked document (0..1).
        boilerplate: Only stock language is shared (the engine's ``kind == "boilerplate"``).
        allowed_template: The source is an official model text documents may follow.
        longest: The longest shared passage: ``(doc span, source span, quoted text)``,
            the text being the checked document's original characters.
        line: 1-based line of the checked file where the longest passage starts.
        spans: The checked document's spans shared with this source, merged and
            sorted; :func:`~provenance.check.policy.judge` unions them across
            sources for the total share.
    """

    source: str
    shared_chars: int
    share: float
    boilerplate: bool
    allowed_template: bool
    longest: tuple[Span, Span, str]
    line: int
    spans: tuple[Span, ...] = ()


@dataclass(frozen=True)
class Violation:
    """One limit a document exceeds, with what the policy and the baseline made of it.

    Attributes:
        rule: ``"source"`` (one source above ``max_share_per_source``) or
            ``"total"`` (all sources together above ``max_total_share``).
        share: The measured share (0..1).
        limit: The policy's limit it exceeds.
        source: The source for ``"source"``; the largest contributor for ``"total"``.
        status: ``"fail"``; ``"baselined"`` (an accepted existing copy that did
            not grow); ``"allowed"`` (the source is an allowed template).
        accepted: The share recorded in the baseline, when there is one.
        message: One line for humans, e.g. ``"62% copied from plans/a.txt (limit 50%)"``.
    """

    rule: Literal["source", "total"]
    share: float
    limit: float
    source: str | None = None
    status: Literal["fail", "baselined", "allowed"] = "fail"
    accepted: float | None = None
    message: str = ""


@dataclass(frozen=True)
class Finding:
    """The verdict on one checked file.

    Attributes:
        path: The checked file, relative to the repository root when possible.
        chars: Characters of its text.
        sources: What it shares with each source, most copied first.
        total_share: Union of the copied spans of the sources that count under
            the policy (not allowed templates, not ignored boilerplate) / ``chars``.
        verdict: ``"pass"``, ``"fail"``, ``"error"`` (unreadable), ``"baselined"``
            (over a limit but accepted in the baseline) or ``"allowed"`` (follows
            an allowed template, within the limits otherwise).
        reasons: One line per violation or note, failures first.
        error: Why the file could not be read, for ``"error"``.
        sha256: Hash of the file's bytes (the baseline recognises moved files by it).
        violations: The structured form of the limits exceeded.
    """

    path: str
    chars: int
    sources: tuple[SourceShare, ...]
    total_share: float
    verdict: Verdict
    reasons: tuple[str, ...]
    error: str | None = None
    sha256: str = ""
    violations: tuple[Violation, ...] = ()

    @property
    def failed(self) -> bool:
        """The finding fails the check (exit code 1)."""
        return self.verdict == "fail"

    def share_of(self, source: str) -> SourceShare | None:
        """The :class:`SourceShare` for ``source``, if the document shares text with it."""
        return next((s for s in self.sources if s.source == source), None)


def line_at(text: str, offset: int) -> int:
    """1-based line number of character ``offset`` (``\\r\\n``, ``\\r`` and ``\\n`` each end a line).

    Example:
        >>> line_at("甲\\r\\n乙\\n丙", 5)
        3
    """
    return 1 + sum(1 for _ in _BREAK.finditer(text, 0, max(0, min(offset, len(text)))))


def source_share(source: str, text: str, passages: Sequence[tuple[Span, Span]], *,
                 boilerplate: bool = False, allowed_template: bool = False,
                 first_line: int = 1) -> SourceShare:
    """Summarise the passages the checked document shares with one source.

    Args:
        source: The source's id in the index.
        text: The checked document's original text (spans index into it).
        passages: ``(doc span, source span)`` of every shared passage; from a
            :class:`~provenance.model.Pair` this is ``(p.a_span, p.b_span)`` when
            the checked document is ``a``.
        boilerplate: Only stock language is shared.
        allowed_template: The source is an allowed template.
        first_line: Line of the file where ``text`` starts (a compilation's
            part starts further down; ``line_at(file_text, doc.offset)``).

    Returns:
        The share, with the longest passage quoted and its line.
    """
    spans = merge_spans(d for d, _ in passages)
    shared = sum(b - a for a, b in spans)
    if passages:
        doc_span, src_span = max(passages, key=lambda p: (p[0][1] - p[0][0], -p[0][0]))
        longest = (tuple(doc_span), tuple(src_span), text[doc_span[0]:doc_span[1]])
        line = first_line - 1 + line_at(text, doc_span[0])
    else:
        longest, line = ((0, 0), (0, 0), ""), first_line
    return SourceShare(source, shared, round(shared / max(len(text), 1), 4), boilerplate,
                       allowed_template, longest, line, spans)


def pct(share: float, limit: float | None = None) -> str:
    """A share as a percentage, precise enough never to read as equal to ``limit``.

    Example:
        >>> pct(0.62), pct(0.5004, 0.5), pct(0.0004)
        ('62%', '50.04%', '<1%')
    """
    if 0 < share < 0.005:
        return "<1%"
    for digits in (0, 1, 2):
        text = f"{share * 100:.{digits}f}"
        if limit is None or float(text) != round(limit * 100, digits):
            break
    return text + "%"


def excerpt(text: str, limit: int = 80) -> str:
    """The passage on one line, whitespace collapsed, cut to ``limit`` characters with ``…``.

    Example:
        >>> excerpt("第一条\\n  为了加强管理，制定本办法。", 10)
        '第一条 为了加强管…'
    """
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: max(limit - 1, 0)] + "…"


def describe(finding: Finding, violation: Violation, quote: int = 80) -> str:
    """One line on a violation: the reason, the main sources for a total, the longest passage quoted.

    Example:
        >>> s = source_share("plans/a.txt", "第二条 本办法适用于全镇。", [((0, 13), (5, 18))])
        >>> v = Violation("source", 1.0, 0.5, "plans/a.txt", message="100% copied from plans/a.txt (limit 50%)")
        >>> describe(Finding("b.txt", 13, (s,), 1.0, "fail", (v.message,), violations=(v,)), v)
        '100% copied from plans/a.txt (limit 50%); longest shared passage, line 1: “第二条 本办法适用于全镇。”'
    """
    text = violation.message
    if violation.rule == "total":
        top = [s for s in finding.sources if not s.allowed_template and not s.boilerplate] or \
              [s for s in finding.sources if not s.allowed_template]
        text += ": " + ", ".join(f"{pct(s.share)} from {s.source}" for s in top[:3]) + (", …" if len(top) > 3 else "")
    s = finding.share_of(violation.source) if violation.source else None
    if s is not None and s.longest[2]:
        text += f"; longest shared passage, line {s.line}: “{excerpt(s.longest[2], quote)}”"
    return text


def source_file(source: str) -> str:
    """The file of a source id: ``"plans/a.txt#2"`` (a compilation's part) → ``"plans/a.txt"``."""
    head, sep, tail = source.rpartition("#")
    return head if sep and tail.isdigit() else source


__all__ = ["Finding", "SourceShare", "Span", "Verdict", "Violation", "describe", "excerpt", "line_at",
           "pct", "source_file", "source_share"]

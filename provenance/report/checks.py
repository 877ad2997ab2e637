"""Human and JSON renderings of ``provenance check`` findings (the CI formats are beside: sarif, github, junit)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Sequence

from ..check.findings import Finding, excerpt, pct

if TYPE_CHECKING:  # rich is imported by render_text only: the JSON rendering of a check does without it
    from rich.console import Console

_STYLE = {"fail": "bold red", "error": "bold red", "baselined": "yellow", "allowed": "cyan", "pass": "green"}


def render_text(findings: Sequence[Finding], console: Console, quote: int = 120) -> None:
    """Per document: the verdict, each source with its share, and the longest shared passage quoted."""
    from rich.markup import escape

    for f in findings:
        console.print(f"[{_STYLE[f.verdict]}]{f.verdict.upper():9s}[/] {escape(f.path)}"
                      + (f"  ({pct(f.total_share)} copied in total)" if f.sources else ""))
        if f.error:
            console.print(f"          cannot read: {escape(f.error)}")
        for reason in f.reasons:
            if reason != f.error:
                console.print(f"          {escape(reason)}")
        for s in f.sources[:5]:
            tag = " (boilerplate only)" if s.boilerplate else " (allowed template)" if s.allowed_template else ""
            console.print(f"          {pct(s.share):>5s} from {escape(s.source)}{tag}, line {s.line}:")
            console.print(f"                “{escape(excerpt(s.longest[2], quote))}”", style="dim")
    n_fail = sum(f.verdict in ("fail", "error") for f in findings)
    console.print(f"{len(findings)} checked, {n_fail} failed")


def to_dict(findings: Sequence[Finding]) -> dict:
    return {
        "schema": "provenance-check/1",
        "findings": [
            {
                "path": f.path, "chars": f.chars, "sha256": f.sha256, "verdict": f.verdict,
                "total_share": f.total_share, "reasons": list(f.reasons), "error": f.error,
                "sources": [
                    {"source": s.source, "share": s.share, "shared_chars": s.shared_chars,
                     "boilerplate": s.boilerplate, "allowed_template": s.allowed_template, "line": s.line,
                     "spans": [list(x) for x in s.spans],
                     "longest": {"span": list(s.longest[0]), "source_span": list(s.longest[1]), "text": s.longest[2]}}
                    for s in f.sources
                ],
            }
            for f in findings
        ],
    }


def render_json(findings: Sequence[Finding]) -> str:
    return json.dumps(to_dict(findings), ensure_ascii=False, indent=2) + "\n"

"""JUnit XML output, the test-report format GitLab, Jenkins and most CI servers read.

One ``<testsuite name="provenance check">`` (inside ``<testsuites>``) with one
``<testcase>`` per checked file, named after the file:

* ``fail`` → a ``<failure>`` whose ``type`` is the SARIF rule id
  (``PROV001`` one source, ``PROV002`` in total) and whose text lists every
  exceeded limit with the longest shared passage quoted;
* ``error`` → an ``<error type="PROV003">`` with the reader's message;
* ``pass``, ``baselined``, ``allowed`` → a passing test case whose
  ``<system-out>`` says what was accepted or followed.

Characters XML 1.0 cannot carry (form feeds from PDFs, other control
characters) are dropped from all text, so the file always parses.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Sequence

from ..check.findings import Finding, describe, pct

_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def xml_text(text: str) -> str:
    """``text`` without the characters XML 1.0 forbids.

    Example:
        >>> xml_text("第一页\\f第二页")
        '第一页第二页'
    """
    return _ILLEGAL.sub("", text)


def _testcase(f: Finding, classname: str, quote: int) -> ET.Element:
    case = ET.Element("testcase", {"classname": classname, "name": xml_text(f.path), "file": xml_text(f.path)})
    if f.verdict == "error":
        err = ET.SubElement(case, "error", {"type": "PROV003", "message": xml_text(f.error or "cannot be read")})
        err.text = xml_text(f"{f.path}: {f.error or 'cannot be read'}")
        return case
    failing = [v for v in f.violations if v.status == "fail"]
    if failing:
        rule = "PROV001" if failing[0].rule == "source" else "PROV002"
        fail = ET.SubElement(case, "failure", {"type": rule, "message": xml_text("; ".join(v.message for v in failing))})
        fail.text = xml_text("\n".join(describe(f, v, quote) for v in f.violations) + "\n")
        return case
    notes = [describe(f, v, quote) for v in f.violations] or list(f.reasons)
    if f.verdict == "pass" and f.sources:
        s = f.sources[0]
        notes.append(f"largest source: {s.source} ({pct(s.share)}), total copied {pct(f.total_share)}")
    if notes:
        ET.SubElement(case, "system-out").text = xml_text("\n".join(notes) + "\n")
    return case


def render(findings: Sequence[Finding], *, name: str = "provenance check", classname: str = "provenance.check",
           quote: int = 200) -> str:
    """The JUnit XML report, UTF-8, with an XML declaration.

    Args:
        findings: The check's findings.
        name: Name of the test suite.
        classname: ``classname`` of every test case (GitLab shows it as the suite).
        quote: Longest quoted passage, in characters.
    """
    failures = sum(f.verdict == "fail" for f in findings)
    errors = sum(f.verdict == "error" for f in findings)
    counts = {"tests": str(len(findings)), "failures": str(failures), "errors": str(errors), "skipped": "0"}
    root = ET.Element("testsuites", {"name": name, **counts})
    suite = ET.SubElement(root, "testsuite", {"name": name, **counts})
    for f in findings:
        suite.append(_testcase(f, classname, quote))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


__all__ = ["render", "xml_text"]

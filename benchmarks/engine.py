"""Run the engine and read its ``provenance/1`` report at file level; shared runner helpers.

The runners only rely on the JSON contract: ``documents[].id`` (path relative
to the scanned folder, ``file#N`` for a part of a compilation, with its
``offset`` in the file), ``pairs[].passages[].a_span/b_span``, ``pairs[].kind``,
``lineage.nodes`` (``hypothetical``) and ``lineage.edges``.  :func:`file_level`
folds parts back into their files so spans index the written ``.txt`` files.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from metrics import Case, pair_key

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
RESULTS = HERE / "results"


def run_engine(paths: list[str | Path], how: Literal["library", "cli"] = "library") -> tuple[dict, float]:
    """Scan ``paths`` with the engine; returns the ``provenance/1`` object and the wall time in seconds."""
    t0 = time.perf_counter()
    if how == "library":
        if str(REPO) not in sys.path:
            sys.path.insert(0, str(REPO))
        from provenance.pipeline import scan
        from provenance.report import render_json

        report = json.loads(render_json(scan([str(p) for p in paths])))
    else:
        cmd = [sys.executable, "-c", "from provenance.cli import main; main()", "scan",
               *[str(p) for p in paths], "--format", "json"]
        env = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
        if proc.returncode not in (0, 1):
            raise RuntimeError(f"provenance scan failed ({proc.returncode}): {proc.stderr.strip()[-500:]}")
        report = json.loads(proc.stdout)
    return report, time.perf_counter() - t0


@dataclass
class FileReport:
    """The engine's findings with parts folded into files."""

    docs: dict[str, dict]
    copy_pairs: set[tuple[str, str]] = field(default_factory=set)
    boilerplate_pairs: set[tuple[str, str]] = field(default_factory=set)
    passages: dict[tuple[str, str], list[Case]] = field(default_factory=dict)
    shared: dict[tuple[str, str], dict[str, int]] = field(default_factory=dict)
    edges: list[tuple[str, str, float]] = field(default_factory=list)
    hypothetical: set[str] = field(default_factory=set)
    families: list[set[str]] = field(default_factory=list)
    dates: dict[str, str | None] = field(default_factory=dict)

    def detections(self, exclude: set[tuple[str, str]] = frozenset()) -> list[Case]:
        """Passages of the pairs called copies (PAN detections)."""
        return [c for k in sorted(self.copy_pairs) if k not in exclude for c in self.passages.get(k, ())]


def file_of(doc_id: str) -> str:
    return doc_id.split("#", 1)[0]


def file_level(report: dict) -> FileReport:
    """Fold ``file#N`` parts into files and shift their spans by the part's offset."""
    offsets = {d["id"]: int(d.get("offset", 0) or 0) for d in report.get("documents", [])}
    out = FileReport(docs={})
    for d in report.get("documents", []):
        f = file_of(d["id"])
        out.docs.setdefault(f, d)
        if d.get("date"):
            out.dates.setdefault(f, d["date"])
    for p in report.get("pairs", []):
        a, b = file_of(p["a"]), file_of(p["b"])
        if a == b:
            continue
        key = pair_key(a, b)
        is_copy = p.get("kind", "copy") == "copy"
        (out.copy_pairs if is_copy else out.boilerplate_pairs).add(key)
        oa, ob = offsets.get(p["a"], 0), offsets.get(p["b"], 0)
        cases = out.passages.setdefault(key, [])
        for q in p.get("passages", []):
            if not is_copy or q.get("kind", "copy") != "copy":
                continue  # stock language is never a detection of copying
            cases.append(Case.make(a, (q["a_span"][0] + oa, q["a_span"][1] + oa),
                                   b, (q["b_span"][0] + ob, q["b_span"][1] + ob)))
        sh = out.shared.setdefault(key, {})
        sh[a] = sh.get(a, 0) + int(p.get("shared_chars_a", 0))
        sh[b] = sh.get(b, 0) + int(p.get("shared_chars_b", 0))
    out.boilerplate_pairs -= out.copy_pairs
    lineage = report.get("lineage") or {}
    out.hypothetical = {n["id"] for n in lineage.get("nodes", []) if n.get("hypothetical")}
    keep = lambda x: x if x in out.hypothetical else file_of(x)
    for e in lineage.get("edges", []):
        p, c = keep(e["parent"]), keep(e["child"])
        if p != c:
            out.edges.append((p, c, float(e.get("confidence", 0.0))))
    for fam in report.get("families", []):
        out.families.append({file_of(m["doc"]) for m in fam.get("members", [])})
    return out


def machine() -> dict:
    """Where and on what the benchmark ran."""
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True,
                                text=True, check=False).stdout.strip() or None
    except OSError:
        commit = None
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"python": platform.python_version(), "platform": platform.platform(), "cpu": cpu,
            "cores": os.cpu_count(), "commit": commit}


def write_results(name: str, payload: dict) -> Path:
    """Write ``benchmarks/results/NAME.json``."""
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps({"machine": machine(), **payload}, ensure_ascii=False, indent=2) + "\n",
                    encoding="utf-8")
    return path


def print_table(title: str, columns: list[str], rows: list[list]) -> None:
    """A rich table when rich is there, plain text otherwise."""
    fmt = lambda v: f"{v:.3f}" if isinstance(v, float) else ("" if v is None else str(v))
    try:
        from rich.console import Console
        from rich.table import Table
    except ImportError:
        print(title)
        print(" | ".join(columns))
        for r in rows:
            print(" | ".join(fmt(v) for v in r))
        return
    table = Table(title=title)
    for c in columns:
        table.add_column(c)
    for r in rows:
        table.add_row(*(fmt(v) for v in r))
    Console(width=max(100, len(columns) * 14)).print(table)

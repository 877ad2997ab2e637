"""Scan at scale: time, peak memory, candidate pairs and pair accuracy of ``scan`` on simulated corpora.

Usage::

    python benchmarks/bench_scan.py --sizes 500,1000,2000 --langs zh
    python benchmarks/bench_scan.py --sizes 1000 --langs zh,en --work /tmp/scan   # keep the corpora
    python benchmarks/bench_scan.py --smoke

Each corpus is a lineage corpus of ``simulate.py`` (seed 1 by default), made
once in ``--work`` and reused.  Each scan runs in a fresh process (the library
call ``scan``, as ``provenance scan`` does), which reports the time of every
stage, its own peak RSS and the largest peak RSS of its worker processes (forked
workers share the parent's pages, so the two must not be added up).  The report
is scored against the truth: copy-pair precision and recall, and how many pairs
the scan called boilerplate.  The load average is recorded before and after
each scan (other jobs share the machine).  Writes ``benchmarks/results/scan[-smoke].json``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from engine import REPO, file_level, print_table, write_results
from scoring import score_lineage
from sim_truth import load_truth
from simulate import simulate

CHILD = r"""
import json, resource, sys, time
sys.path.insert(0, sys.argv[3])
from provenance import pipeline
from provenance.families import build_families
from provenance.lineage import build_lineage
from provenance.model import ScanResult
from provenance.report import render_json

marks, t0 = {}, time.perf_counter()
def progress(stage, done, total):
    now = time.perf_counter() - t0
    m = marks.setdefault(stage, {"first": now, "total": total})
    m["last"], m["total"] = now, total
def mark(stage, since):
    now = time.perf_counter() - t0
    marks[stage] = {"first": since, "last": now}
    return now
problems = []
docs = pipeline.load_documents([sys.argv[1]], problems=problems)
t = mark("read", 0.0)
prepared = pipeline.prepare_all(docs)
t = mark("prepare", t)
search = getattr(pipeline, "search_pairs", None)  # an older engine has only find_pairs
found = search(prepared, progress=progress) if search else pipeline.find_pairs(prepared, progress=progress)
t = mark("pairs", t)
pairs = getattr(found, "pairs", found)
counts = getattr(found, "candidates", None)
families = build_families(docs, pairs)
t = mark("families", t)
lineage = build_lineage(docs, pairs, families)
t = mark("lineage", t)
extra = {"candidates": counts} if counts is not None else {}
result = ScanResult(tuple(docs), tuple(pairs), tuple(families), lineage, tuple(problems), **extra)
text = render_json(result)
wall = mark("render", t)
open(sys.argv[2], "w", encoding="utf-8").write(text)
rss = lambda who: resource.getrusage(who).ru_maxrss // 1024
print(json.dumps({"wall": wall, "stages": marks,
                  "rss_main_mb": rss(resource.RUSAGE_SELF), "rss_worker_mb": rss(resource.RUSAGE_CHILDREN)}))
"""


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def scan_once(docs: Path, report_path: Path) -> dict:
    before = load()
    proc = subprocess.run([sys.executable, "-c", CHILD, str(docs), str(report_path), str(REPO)],
                          capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"scan failed: {proc.stderr.strip()[-800:]}")
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    out["load_before"], out["load_after"] = before, load()
    return out


def run(sizes: list[int], langs: list[str], seed: int, work: Path) -> dict:
    results: dict = {"seed": seed, "runs": []}
    for lang in langs:
        for n in sizes:
            corpus = work / f"lineage-{lang}-{n}-s{seed}"
            if not (corpus / "truth.json").exists():
                simulate(corpus, n, seed, lang)
            report_path = work / f"report-{lang}-{n}-s{seed}.json"
            stats = scan_once(corpus / "docs", report_path)
            report = json.loads(report_path.read_text(encoding="utf-8"))
            rep = file_level(report)
            score = score_lineage(load_truth(corpus), rep)
            results["runs"].append({
                "corpus": corpus.name, "lang": lang, "documents": n, **stats,
                "reported_pairs": len(report["pairs"]),
                "copy_pairs": len(rep.copy_pairs), "boilerplate_pairs": len(rep.boilerplate_pairs),
                "candidates": report.get("candidates"),
                "pairs": score["pairs"], "true_pairs": score["true_pairs"],
            })
            print(json.dumps(results["runs"][-1]), file=sys.stderr, flush=True)
    return results


def _secs(stages: dict, name: str) -> float | None:
    m = stages.get(name)
    return round(m["last"] - m["first"], 1) if m else None


def table(results: dict) -> None:
    cols = ["corpus", "wall s", "prepare", "align", "pairs", "families", "lineage", "candidates", "aligned", "unverified",
            "copy", "boilerplate", "pair P", "pair R", "main MB", "worker MB", "load"]
    rows = []
    for r in results["runs"]:
        st = r["stages"]
        c = r.get("candidates") or {}
        aligned = c.get("aligned", st.get("align", {}).get("total"))
        rows.append([r["corpus"], round(r["wall"], 1), _secs(st, "prepare"), _secs(st, "align"), _secs(st, "pairs"),
                     _secs(st, "families"), _secs(st, "lineage"), c.get("pairs", aligned), aligned, c.get("unverified"),
                     r["copy_pairs"], r["boilerplate_pairs"], r["pairs"]["precision"], r["pairs"]["recall"],
                     r["rss_main_mb"], r["rss_worker_mb"], f"{r['load_before']} → {r['load_after']}"])
    print_table(f"scan at scale (seed {results['seed']}; seconds per stage, 'pairs' includes 'align')", cols, rows)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="500,1000,2000", help="documents per corpus, comma-separated")
    ap.add_argument("--langs", default="zh")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--work", help="keep the corpora and reports in this folder (default: a temporary one)")
    ap.add_argument("--output", default=None, help="results name in benchmarks/results (default scan[-smoke])")
    ap.add_argument("--smoke", action="store_true", help="CI size: one 100-document Chinese corpus")
    args = ap.parse_args(argv)
    sizes = [100] if args.smoke else [int(x) for x in args.sizes.split(",") if x.strip()]
    langs = ["zh"] if args.smoke else [x.strip() for x in args.langs.split(",") if x.strip()]
    t = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(args.work) if args.work else Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        results = run(sizes, langs, args.seed, work)
    table(results)
    path = write_results(args.output or ("scan-smoke" if args.smoke else "scan"), results)
    print(f"wrote {path} ({time.perf_counter() - t:.0f} s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

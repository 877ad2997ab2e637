"""Real text without gold labels: what `provenance scan` does on two real corpora, and how fast.

Corpora:

- ``zh-regulations``: ``../shared/corpora/zh-regulations`` (70 Chinese local
  regulations in two title families, file names ``<province>_<title>(<date>).md``;
  the corpus README is excluded from the scan);
- ``debian-copyright``: the ``/usr/share/doc/*/copyright`` files of this
  machine (English licence and copyright statements of the installed Debian
  packages; copied into a temporary folder as ``<package>.txt``).

Usage::

    python benchmarks/bench_real.py [--corpora zh-regulations,debian-copyright] [--debian-max 0]

Each corpus is scanned once through the CLI (``provenance scan DIR --format
json``) in a subprocess: wall time and the peak RSS of the scan's processes
(``RUSAGE_CHILDREN``).  There are no gold labels, so the checks are ones a
reader can verify from the file names:

- copy pairs between the two title families (a 文明行为 regulation copying an
  大气污染 one would be suspicious; the README names the one known kind);
- lineage edges between two documents whose file names carry dates: share that
  point from the older to the newer file-name date (amendments make the file
  name a later date than the text's own, so a few disagreements are expected);
- the date read from the text against the file-name date (same day / text
  earlier / text later / no date read);
- city regulations whose province's regulation of the same title is in the
  corpus: share whose ``copied.sources`` or lineage parent names the province.

Results go to ``benchmarks/results/real.json``.
"""

from __future__ import annotations

import argparse
import json
import re

import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

from engine import print_table, write_results  # noqa: E402

ZH = REPO.parent / "shared" / "corpora" / "zh-regulations"
_NAME = re.compile(r"^(?P<province>[^_]+)_(?P<body>.+?)(?:\((?P<date>\d{4}-\d{2}-\d{2})\))?\.md$")


def _load() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in __import__("os").getloadavg())
    except OSError:
        return ""


def scan(folder: Path, exclude: list[str]) -> tuple[dict, dict]:
    """``provenance scan FOLDER --format json`` in a subprocess: the report and its cost."""
    args = ["scan", str(folder), "--format", "json"]
    for pattern in exclude:
        args += ["--exclude", pattern]
    with tempfile.TemporaryDirectory() as tmp:
        out, rss = Path(tmp) / "report.json", Path(tmp) / "rss"
        # a wrapper process per scan, so RUSAGE_CHILDREN (the largest process of the scan and its
        # workers) covers this scan only
        cmd = [sys.executable, "-c", _WRAPPER, str(rss), sys.executable, "-c",
               "from provenance.cli import main; main()", *args, "--output", str(out)]
        before = _load()
        t0 = time.perf_counter()
        done = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO, check=False)
        wall = time.perf_counter() - t0
        if done.returncode != 0:
            raise SystemExit(f"scan of {folder} failed ({done.returncode}): {done.stderr[-2000:]}")
        report = json.loads(out.read_text(encoding="utf-8"))
        peak_mb = int(rss.read_text()) / 1024
    return report, {"wall_s": round(wall, 1), "peak_rss_mb": round(peak_mb), "load_before": before,
                    "load_after": _load(), "cmd": "provenance " + " ".join(args)}


_WRAPPER = """
import resource, subprocess, sys
rc = subprocess.run(sys.argv[2:]).returncode
open(sys.argv[1], "w").write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))
sys.exit(rc)
"""


def summary(report: dict) -> dict:
    """Counts every corpus gets."""
    nodes = report["lineage"]["nodes"]
    hyp = {n["id"] for n in nodes if n.get("hypothetical")}
    edges = report["lineage"]["edges"]
    kinds = [p["kind"] for p in report["pairs"]]
    return {"documents": len(report["documents"]), "copy_pairs": kinds.count("copy"),
            "boilerplate_pairs": kinds.count("boilerplate"), "families": len(report["families"]),
            "lineage_edges": len(edges), "hypothetical_templates": len(hyp),
            "edges_from_templates": sum(e["parent"] in hyp for e in edges),
            "candidates": report.get("candidates"), "problems": len(report.get("problems", []))}


def _meta(doc_id: str) -> dict | None:
    folder, _, name = doc_id.rpartition("/")
    m = _NAME.match(name)
    if not m:
        return None
    body = m.group("body")
    province = m.group("province")
    return {"title": folder, "province": province, "date": m.group("date"),
            "is_province": body.startswith(province) and body[len(province)] in "省市自"}


def zh_checks(report: dict) -> dict:
    """The file-name checks of the module docstring."""
    meta = {d["id"]: _meta(d["id"]) for d in report["documents"]}
    cross = [(p["a"], p["b"]) for p in report["pairs"] if p["kind"] == "copy"
             and meta.get(p["a"]) and meta.get(p["b"]) and meta[p["a"]]["title"] != meta[p["b"]]["title"]]
    dated = older = 0
    for e in report["lineage"]["edges"]:
        a, b = meta.get(e["parent"]), meta.get(e["child"])
        if a and b and a["date"] and b["date"] and a["date"] != b["date"]:
            dated += 1
            older += a["date"] < b["date"]
    dates = {"same": 0, "text earlier": 0, "text later": 0, "no text date": 0, "no file date": 0}
    for d in report["documents"]:
        m = meta.get(d["id"])
        if not m:
            continue
        if not m["date"]:
            dates["no file date"] += 1
        elif not d.get("date"):
            dates["no text date"] += 1
        else:
            dates["same" if d["date"] == m["date"] else "text earlier" if d["date"] < m["date"] else "text later"] += 1
    parent = {e["child"]: e["parent"] for e in report["lineage"]["edges"]}
    province_of = {(m["title"], m["province"]): i for i, m in meta.items() if m and m["is_province"]}
    cities = names_province = parent_province = 0
    for d in report["documents"]:
        m = meta.get(d["id"])
        prov = m and not m["is_province"] and province_of.get((m["title"], m["province"]))
        if not prov:
            continue
        cities += 1
        sources = {s["doc"] for s in (d.get("copied") or {}).get("sources", [])}
        names_province += prov in sources
        parent_province += parent.get(d["id"]) == prov
    return {"cross_title_copy_pairs": len(cross), "cross_title_examples": cross[:5],
            "dated_edges": dated, "dated_edges_older_to_newer": older, "text_vs_file_date": dates,
            "cities_with_province_in_corpus": cities, "cities_naming_province_as_source": names_province,
            "cities_with_province_as_parent": parent_province}


def debian_folder(work: Path, limit: int) -> Path:
    """``/usr/share/doc/*/copyright`` copied to ``WORK/debian-copyright/<package>.txt``."""
    out = work / "debian-copyright"
    out.mkdir(parents=True, exist_ok=True)
    files = sorted(p for p in Path("/usr/share/doc").glob("*/copyright") if p.is_file())
    if limit:
        files = files[:limit]
    for p in files:
        shutil.copyfile(p, out / f"{p.parent.name}.txt")
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpora", default="zh-regulations,debian-copyright")
    ap.add_argument("--debian-max", type=int, default=0, help="at most this many copyright files (0: all)")
    ap.add_argument("--work", help="keep the copied files here (default: a temporary folder)")
    args = ap.parse_args(argv)
    work = Path(args.work) if args.work else Path(tempfile.mkdtemp(prefix="provenance-real-"))
    results: dict = {}
    for name in args.corpora.split(","):
        if name == "zh-regulations":
            if not ZH.is_dir():
                print(f"skipped zh-regulations: {ZH} not found", file=sys.stderr)
                continue
            report, cost = scan(ZH, ["README.md"])
            results[name] = {**cost, **summary(report), **zh_checks(report)}
        elif name == "debian-copyright":
            folder = debian_folder(work, args.debian_max)
            n = len(list(folder.iterdir()))
            if not n:
                print("skipped debian-copyright: no /usr/share/doc/*/copyright files here", file=sys.stderr)
                continue
            report, cost = scan(folder, [])
            results[name] = {**cost, **summary(report)}
        else:
            raise SystemExit(f"unknown corpus {name!r}")
    cols = ["corpus", "docs", "wall s", "peak MB", "copy", "boilerplate", "families", "edges", "from templates"]
    rows = [[k, r["documents"], r["wall_s"], r["peak_rss_mb"], r["copy_pairs"], r["boilerplate_pairs"],
             r["families"], r["lineage_edges"], r["edges_from_templates"]] for k, r in results.items()]
    print_table("provenance scan on real text", cols, rows)
    zh = results.get("zh-regulations")
    if zh:
        print(f"zh-regulations: cross-title copy pairs {zh['cross_title_copy_pairs']}; dated document→document "
              f"edges older→newer {zh['dated_edges_older_to_newer']}/{zh['dated_edges']}; text date vs file "
              f"name {zh['text_vs_file_date']}; cities naming their province's regulation as a source "
              f"{zh['cities_naming_province_as_source']}/{zh['cities_with_province_in_corpus']}, as lineage "
              f"parent {zh['cities_with_province_as_parent']}")
    path = write_results("real", {"corpora": results})
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

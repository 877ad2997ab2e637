"""The verdicts of ``fixtures/GOLD.md`` on the five sample plans, checked one by one.

Usage::

    python benchmarks/bench_seeds.py [--engine library|cli] [--smoke]

Scans a copy of ``fixtures/00*.txt`` and checks: the four copied pairs are
found as copies, with their passages (each GOLD passage must be at least half
covered by the pair's reported passages, on the side named); the stock-phrase
pairs are never called copies; the unrelated pairs share nothing; and the
lineage a careful reader draws (dates, 000 later than 004, no direct edge
between two towns that only share a model).  Prints a table, writes
``benchmarks/results/seeds.json``; exits 1 when a GOLD verdict fails.
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from engine import REPO, FileReport, file_level, print_table, run_engine, write_results
from metrics import best_parents, pair_key

COPIES = [("000", "001"), ("001", "003"), ("001", "004"), ("000", "002")]
BOILERPLATE = [("000", "003"), ("000", "004"), ("001", "002")]
UNRELATED = [("002", "003"), ("002", "004"), ("003", "004")]
PASSAGES = [  # (pair, side, text as it reads in that file, whitespace ignored)
    (("000", "001"), "000", "立即召开信访维稳领导小组会议"),
    (("000", "001"), "000", "立即将上访情况和接访情况向"),
    (("000", "001"), "000", "坚决劝阻集体赴京"),
    (("000", "001"), "000", "一旦发现群众越级上访苗头"),
    (("001", "003"), "003", "坚持宜散不宜聚、宜解不宜结、宜快不宜慢、宜缓不宜激的原则"),
    (("001", "004"), "004", "事态控制:制定现场应急方案"),
    (("001", "004"), "004", "教育引导:了解上访人员提出的主要问题"),
    (("001", "004"), "004", "协调联络:通知上访人员"),
    (("001", "004"), "004", "才可离开现场"),
    (("000", "002"), "000", "为提高信访维稳工作的应急处理和协调能力，迅速妥善处置突发性、大规模或异常性"),
    (("000", "002"), "002", "为提高信访维稳工作的应急处理和协调能力，迅速妥善处置突发性、大规模或异常性"),
]
DATES = {"000": "2023-02-22", "004": "2021-06-24"}


def _covered(span: tuple[int, int], spans: list[tuple[int, int]]) -> float:
    covered = set()
    for a, b in spans:
        covered.update(range(max(a, span[0]), min(b, span[1])))
    return len(covered) / max(1, span[1] - span[0])


def check(rep: FileReport, names: dict[str, str], texts: dict[str, str]) -> list[dict]:
    """Every GOLD verdict as ``{group, check, expected, got, ok}``."""
    out = []
    key = lambda x, y: pair_key(names[x], names[y])

    def verdict(k):
        return "copy" if k in rep.copy_pairs else "boilerplate" if k in rep.boilerplate_pairs else "none"

    for x, y in COPIES:
        got = verdict(key(x, y))
        out.append({"group": "gold", "check": f"{x}–{y} copied", "expected": "copy", "got": got, "ok": got == "copy"})
    for x, y in BOILERPLATE:
        got = verdict(key(x, y))
        out.append({"group": "gold", "check": f"{x}–{y} stock phrases only", "expected": "boilerplate or none",
                    "got": got, "ok": got != "copy"})
    for x, y in UNRELATED:
        got = verdict(key(x, y))
        out.append({"group": "gold", "check": f"{x}–{y} unrelated", "expected": "none", "got": got,
                    "ok": got == "none"})
    for (x, y), side, snippet in PASSAGES:
        pattern = r"\s*".join(re.escape(c) for c in snippet)
        m = re.search(pattern, texts[side])
        k = key(x, y)
        spans = [c.a_span if c.a == names[side] else c.b_span for c in rep.passages.get(k, [])
                 if k in rep.copy_pairs]
        share = _covered((m.start(), m.end()), spans) if m else 0.0
        out.append({"group": "gold", "check": f"{x}–{y} passage in {side}: {snippet[:14]}…",
                    "expected": "covered ≥ 50%", "got": f"{share:.0%}", "ok": share >= 0.5})
    for short, date in DATES.items():
        got = rep.dates.get(names[short])
        out.append({"group": "lineage", "check": f"date of {short}", "expected": date, "got": got, "ok": got == date})
    if not rep.edges:
        out.append({"group": "lineage", "check": "lineage edges", "expected": "some", "got": "none", "ok": None})
        return out
    towns = {names[s] for s in ("000", "003", "004")}
    direct = [(p, c) for p, c, _ in rep.edges if p in towns and c in towns]
    wrong = [(p, c) for p, c in direct if {p, c} == {names["000"], names["004"]} and p != names["004"]]
    out.append({"group": "lineage", "check": "no edge from 000 (2023) to 004 (2021)", "expected": "none",
                "got": str(wrong or "none"), "ok": not wrong})
    e34 = [(p, c) for p, c in direct if {p, c} == {names["003"], names["004"]}]
    out.append({"group": "lineage", "check": "003 and 004 not linked directly", "expected": "no edge",
                "got": str(e34 or "no edge"), "ok": not e34})
    best = best_parents(rep.edges)
    for s in ("003", "004"):
        p = best.get(names[s])
        ok = p is not None and (p in rep.hypothetical or p == names["001"])
        out.append({"group": "lineage", "check": f"{s} descends from 001's models", "expected": "001 or inferred template",
                    "got": str(p), "ok": ok})
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--engine", choices=("library", "cli"), default="library")
    ap.add_argument("--smoke", action="store_true", help="same run (it is already small); for CI symmetry")
    args = ap.parse_args(argv)
    files = sorted((REPO / "fixtures").glob("00*.txt"))
    names = {f.name[:3]: f.name for f in files}
    texts = {f.name[:3]: f.read_text(encoding="utf-8") for f in files}
    with tempfile.TemporaryDirectory() as tmp:
        for f in files:
            shutil.copy(f, tmp)
        report, secs = run_engine([tmp], args.engine)  # type: ignore[arg-type]
    checks = check(file_level(report), names, texts)
    rows = [[c["group"], c["check"], c["expected"], c["got"], {True: "ok", False: "FAIL", None: "n/a"}[c["ok"]]]
            for c in checks]
    print_table("GOLD.md verdicts on the sample plans", ["group", "check", "expected", "got", "verdict"], rows)
    gold = [c for c in checks if c["group"] == "gold"]
    passed = sum(c["ok"] for c in gold)
    lineage = [c for c in checks if c["group"] == "lineage"]
    print(f"gold: {passed}/{len(gold)} verdicts; lineage: {sum(c['ok'] is True for c in lineage)}/{len(lineage)}; "
          f"{secs:.2f} s")
    write_results("seeds-smoke" if args.smoke else "seeds",
                  {"seconds": round(secs, 2), "gold_passed": passed, "gold_total": len(gold), "checks": checks})
    return 0 if passed == len(gold) else 1


if __name__ == "__main__":
    raise SystemExit(main())

"""Lineage accuracy over several simulated corpora: true parents, inferred templates, direction.

Usage::

    python benchmarks/bench_lineage.py                          # seeds 2,3,4 x zh,en, 300 documents
    python benchmarks/bench_lineage.py --seeds 5,6 --docs 500 --langs en
    python benchmarks/bench_lineage.py --smoke                  # CI size

One seed says little about a lineage method: families differ a lot in size
and history.  This runner simulates a lineage corpus per (seed, language),
scans it once (the scan is cached in ``--work`` as ``scan.pkl``, so a change to
the lineage stage alone is re-measured in seconds), builds the lineage, scores
it (:func:`scoring.score_lineage`) and prints one row per corpus and the mean.
``--errors`` also prints :mod:`lineage_errors`' classes summed over the corpora.
Results go to ``benchmarks/results/lineage[-smoke].json``.
"""

from __future__ import annotations

import argparse
import json
import pickle
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(REPO))

from engine import file_level, print_table, write_results  # noqa: E402
from scoring import score_lineage  # noqa: E402
from sim_truth import load_truth  # noqa: E402
from simulate import simulate  # noqa: E402


def corpus(work: Path, docs: int, seed: int, lang: str):
    """The simulated corpus and its scan (both cached under ``work``)."""
    from provenance.pipeline import scan

    d = work / f"lineage-{lang}-{docs}-s{seed}"
    if not (d / "truth.json").exists():
        simulate(d, docs, seed, lang)
    cache = d / "scan.pkl"
    if cache.exists():
        return d, pickle.loads(cache.read_bytes())
    result = scan([str(d / "docs")])
    cache.write_bytes(pickle.dumps(result))
    return d, result


def measure(d: Path, result) -> tuple[dict, dict, float]:
    """Score a fresh lineage of a cached scan; returns (scores, report, seconds of the lineage stage)."""
    from provenance.lineage import build_lineage
    from provenance.report import render_json

    t0 = time.perf_counter()
    lineage = build_lineage(result.documents, result.pairs, result.families)
    secs = time.perf_counter() - t0
    report = json.loads(render_json(type(result)(result.documents, result.pairs, result.families, lineage,
                                                 result.problems)))
    return score_lineage(load_truth(d), file_level(report)), report, secs


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", default="2,3,4")
    ap.add_argument("--langs", default="zh,en")
    ap.add_argument("--docs", type=int, default=300)
    ap.add_argument("--work", help="keep corpora and scans here (default: a temporary folder)")
    ap.add_argument("--errors", action="store_true", help="also count the error classes of lineage_errors.py")
    ap.add_argument("--smoke", action="store_true", help="CI size: one seed, 40 documents per language")
    args = ap.parse_args(argv)
    seeds = [1] if args.smoke else [int(s) for s in args.seeds.split(",") if s.strip()]
    docs = 40 if args.smoke else args.docs
    langs = [x.strip() for x in args.langs.split(",") if x.strip()]
    runs, classes = [], Counter()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(args.work) if args.work else Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        for seed in seeds:
            for lang in langs:
                d, result = corpus(work, docs, seed, lang)
                s, report, secs = measure(d, result)
                runs.append({"corpus": d.name, "lang": lang, "seed": seed, "documents": s["documents"],
                             "lineage": s["lineage"], "decidable": s["lineage_decidable"], "direction": s["direction"], "dated_edges": s["dated_edges"], "ari_lineage": s["ari_lineage"],
                             "lineage_seconds": round(secs, 2)})
                if args.errors:
                    rep = d / "report.json"
                    rep.write_text(json.dumps(report, ensure_ascii=False), encoding="utf-8")
                    out = subprocess.run([sys.executable, str(HERE / "lineage_errors.py"), str(d), "--report", str(rep)],
                                         capture_output=True, text=True, check=True).stdout
                    for line in out.splitlines():
                        n, _, cls = line.strip().partition("  ")
                        if n.isdigit() and cls:
                            classes[cls.strip()] += int(n)
    get = lambda r, *k: (r[k[0]] or {}).get(k[1]) if r[k[0]] else None  # noqa: E731
    rows = [[r["corpus"], r["documents"], get(r, "lineage", "parent_accuracy"), get(r, "lineage", "hypothetical_recovery"),
             get(r, "lineage", "spurious_hypothetical"), get(r, "lineage", "root_accuracy"),
             get(r, "direction", "accuracy"), r["ari_lineage"], get(r, "decidable", "parent_accuracy"),
             get(r, "decidable", "hypothetical_recovery"), get(r, "dated_edges", "read_forward"),
             get(r, "dated_edges", "true_forward"), r["lineage_seconds"]] for r in runs]
    mean = lambda i: statistics.mean(x[i] for x in rows if x[i] is not None)  # noqa: E731
    rows.append(["mean", sum(x[1] for x in rows), mean(2), mean(3), None, mean(5), mean(6), mean(7), mean(8), mean(9),
                 mean(10), mean(11), None])
    print_table("Lineage on simulated corpora", ["corpus", "docs", "parents", "hyp rec", "spurious hyp", "roots",
                                                  "direction", "ARI", "parents*", "hyp rec*", "dated→ read",
                                                  "dated→ true", "lineage s"], rows)
    print("targets: parents >= 0.90, hypothetical templates recovered >= 0.80, every dated edge older -> newer")
    print("direction: edges between a true ancestor and descendant pointing down; dated→: edges whose two ends "
          "carry a read date, pointing older → newer by the read dates and by the true dates")
    print("* decidable: a parent no text can tell from the true one counts as right (a verbatim copy that added "
          "nothing stands for its source); only unseen models no document repeats verbatim must be recovered")
    if classes:
        print("\nerror classes (documents):")
        for cls, n in classes.most_common():
            print(f"{n:6}  {cls}")
    path = write_results("lineage-smoke" if args.smoke else "lineage",
                         {"seeds": seeds, "docs": docs, "langs": langs, "runs": runs,
                          "mean": {"parent_accuracy": rows[-1][2], "hypothetical_recovery": rows[-1][3],
                                   "direction": rows[-1][6], "decidable_parent_accuracy": rows[-1][8],
                                   "decidable_hypothetical_recovery": rows[-1][9],
                                   "dated_edges_forward_read": rows[-1][10], "dated_edges_forward_true": rows[-1][11]}, "error_classes": dict(classes)})
    print(f"wrote {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Accuracy on simulated corpora: copy pairs, passages, families, lineage (Chinese and English).

Usage::

    python benchmarks/bench_accuracy.py                 # 300 documents per language, seed 1
    python benchmarks/bench_accuracy.py --docs 2000 --seed 7 --langs zh
    python benchmarks/bench_accuracy.py --smoke         # CI size, < 60 s

For each language it simulates a lineage corpus (``simulate.py``) and two
PAN-style corpora (verbatim insertions, and lightly obfuscated ones), scans each
with the engine, scores the report against the ground truth, prints a table and
writes ``benchmarks/results/accuracy[-smoke].json``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from engine import file_level, print_table, run_engine, write_results
from scoring import score_lineage, score_plagiarism, score_sources
from sim_plagiarism import simulate_plagiarism
from sim_truth import load_truth
from simulate import simulate

TARGETS = {"plagdet_verbatim": 0.95, "pair_recall_light": 0.90, "parent_accuracy": 0.90}


def run(langs: list[str], docs: int, plag_docs: int, seed: int, work: Path, how: str) -> dict:
    results: dict = {"docs": docs, "plagiarism_docs": plag_docs, "seed": seed, "runs": []}
    for lang in langs:
        lin_dir = work / f"lineage-{lang}"
        simulate(lin_dir, docs, seed, lang)
        report, secs = run_engine([lin_dir / "docs"], how)  # type: ignore[arg-type]
        score = score_lineage(load_truth(lin_dir), file_level(report))
        results["runs"].append({"corpus": f"lineage-{lang}", "lang": lang, "seconds": round(secs, 2), **score})
        for name, obf in (("verbatim", 0.0), ("obfuscated", 1.0)):
            d = work / f"plagiarism-{name}-{lang}"
            simulate_plagiarism(d, plag_docs, seed, lang, obf)
            report, secs = run_engine([d / "docs"], how)  # type: ignore[arg-type]
            score = score_plagiarism(load_truth(d), file_level(report))
            results["runs"].append({"corpus": f"plagiarism-{name}-{lang}", "lang": lang,
                                    "seconds": round(secs, 2), **score,
                                    "sources": score_sources(load_truth(d), report)})
    return results


def _get(d: dict | None, *path):
    for k in path:
        if d is None:
            return None
        d = d.get(k)
    return d


def table(results: dict) -> None:
    cols = ["corpus", "docs", "pair P", "pair R", "R light", "R heavy", "char P", "char R", "gran", "plagdet",
            "ARI", "parents", "hyp rec", "direction", "s"]
    rows = []
    for r in results["runs"]:
        rows.append([r["corpus"], r["documents"], _get(r, "pairs", "precision"), _get(r, "pairs", "recall"),
                     _get(r, "parent_link_recall", "verbatim+light"), _get(r, "parent_link_recall", "heavy"),
                     _get(r, "passages", "precision"), _get(r, "passages", "recall"),
                     _get(r, "passages", "granularity"), _get(r, "passages", "plagdet"),
                     r.get("ari_lineage") if r.get("ari_lineage") is not None else r.get("ari_pairs"),
                     _get(r, "lineage", "parent_accuracy"), _get(r, "lineage", "hypothetical_recovery"),
                     _get(r, "direction", "accuracy"), r["seconds"]])
    print_table(f"Accuracy on simulated corpora (seed {results['seed']})", cols, rows)
    src = [[r["corpus"], r["sources"]["suspicious"], r["sources"]["links"], r["sources"]["precision"],
            r["sources"]["recall"], r["sources"]["exact_documents"], r["sources"]["off_task_credits"]]
           for r in results["runs"] if "sources" in r]
    if src:
        print_table("Where the copied text comes from (documents[].copied.sources of suspicious documents)",
                    ["corpus", "suspicious", "true links", "P", "R", "exact docs", "off-task"], src)
    print("targets: plagdet >= 0.95 on verbatim insertions; pair recall >= 0.90 on light revisions "
          "(R light: parent links of verbatim/light copies); true parents >= 0.90")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--docs", type=int, default=300, help="documents per lineage corpus")
    ap.add_argument("--plagiarism-docs", type=int, default=100, help="documents per PAN-style corpus")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--langs", default="zh,en")
    ap.add_argument("--engine", choices=("library", "cli"), default="library")
    ap.add_argument("--work", help="keep the corpora in this folder (default: a temporary one)")
    ap.add_argument("--smoke", action="store_true", help="CI size: 30 + 12 documents per language")
    args = ap.parse_args(argv)
    docs, plag = (30, 12) if args.smoke else (args.docs, args.plagiarism_docs)
    langs = [x.strip() for x in args.langs.split(",") if x.strip()]
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(args.work) if args.work else Path(tmp)
        results = run(langs, docs, plag, args.seed, work, args.engine)
    results["targets"] = TARGETS
    table(results)
    path = write_results("accuracy-smoke" if args.smoke else "accuracy", results)
    print(f"wrote {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

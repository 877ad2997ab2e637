"""Why the lineage gets a parent wrong: one line per document whose predicted parent is not its true one.

Run from the repository root on a simulated corpus (``simulate.py`` output)::

    python benchmarks/lineage_errors.py /tmp/sim [--report report.json]

Each wrong document is classed by how its predicted parent relates to it in
the truth (sibling, grandparent, own child, cousin, unrelated, a hypothetical
node for a real parent, a real document for an unseen model, no parent), with
its revision level, whether the true pair was found as a copy, and the dates.
A wrong parent that no text can tell from the true one (``sim_truth.decidable_parents``:
a verbatim copy that added nothing stands for its source) is marked ``[text cannot tell]``.
A summary counts the classes.  A diagnostic for developers, not a benchmark.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from engine import file_level, run_engine  # noqa: E402
from metrics import ancestors, best_parents, match_hypotheticals, pair_key  # noqa: E402
from sim_truth import decidable_parents, load_truth, parents  # noqa: E402


def relation(doc: str, pred: str, tp: dict) -> str:
    """How ``pred`` relates to ``doc`` in the true tree."""
    if pred in ancestors(doc, tp):
        return "ancestor"
    if doc in ancestors(pred, tp):
        return "descendant"
    if tp.get(pred) is not None and tp.get(pred) == tp.get(doc):
        return "sibling"
    if ancestors(doc, tp) & ancestors(pred, tp):
        return "cousin"
    return "unrelated"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("corpus")
    ap.add_argument("--report", help="a provenance/1 JSON of this corpus (else the engine is run)")
    ap.add_argument("--all", action="store_true", help="list every document, not only wrong ones")
    args = ap.parse_args()
    truth = load_truth(args.corpus)
    if args.report:
        report = json.loads(Path(args.report).read_text(encoding="utf-8"))
    else:
        report, _ = run_engine([Path(args.corpus) / "docs"])
    rep = file_level(report)
    tp = parents(truth)
    pred = best_parents(rep.edges)
    match = match_hypotheticals(pred, rep.hypothetical, tp)
    info = {d["id"]: d for d in truth["documents"]}
    acceptable, _ = decidable_parents(truth)
    classes: Counter[str] = Counter()
    for doc in sorted(tp):
        t, p = tp[doc], pred.get(doc)
        if t is None:
            ok = p is None
            cls = "root ok" if ok else f"root given parent ({relation(doc, p, tp) if p in tp else 'hypothetical'})"
        elif t.startswith("model:"):
            ok = p in rep.hypothetical and match.get(p) == t
            if ok:
                cls = "unseen model ok"
            elif p is None:
                cls = "unseen model: no parent"
            elif p in rep.hypothetical:
                cls = "unseen model: unmatched hypothetical" if p not in match else "unseen model: other hypothetical"
            else:
                cls = f"unseen model: real parent ({relation(doc, p, tp)})"
        else:
            ok = p == t
            if ok:
                cls = "ok"
            elif p is None:
                cls = "no parent"
            elif p in rep.hypothetical:
                cls = "hypothetical instead of real"
            else:
                cls = f"wrong real parent ({relation(doc, p, tp)})"
        if not ok and doc in acceptable:
            q = match.get(p) if p in rep.hypothetical else p
            if (p not in rep.hypothetical or q is not None) and q in acceptable[doc]:
                cls += " [text cannot tell]"
        classes[cls] += 1
        if ok and not args.all:
            continue
        d = info[doc]
        found = t is not None and not t.startswith("model:") and pair_key(doc, t) in rep.copy_pairs
        pd = info.get(p, {}).get("date") if p else None
        print(f"{doc:28} {cls:45} true={t} ({info.get(t, {}).get('date')}) pred={p} ({pd}) "
              f"date={d['date']} rev={d['revision']} pair_found={found} fam={d['family']}")
    print()
    for cls, n in classes.most_common():
        print(f"{n:5}  {cls}")


if __name__ == "__main__":
    main()

"""Score an engine report against simulator ground truth (pure functions used by the runners).

:func:`score_lineage` scores a lineage corpus: copy pairs (all, and parent
links by revision level), passages (PAN measures over every true pair's
shared runs), family clustering (ARI), lineage parents, hypothetical
templates and direction.  :func:`score_plagiarism` scores a ``--plagiarism``
corpus with the PAN measures.

Predicted document clusters are the connected components of the copy pairs
(``ari_pairs``) and of the lineage edges, hypothetical nodes included
(``ari_lineage``); every true original is its own family.
"""

from __future__ import annotations

from dataclasses import asdict

from engine import FileReport, file_of
from metrics import (
    adjusted_rand_index,
    components,
    decidable_scores,
    dated_edge_order,
    direction_accuracy,
    lineage_scores,
    pair_key,
    pair_scores,
    pan_scores,
)
from sim_truth import decidable_parents, family_labels, pair_cases, parents, plagiarism_cases, truth_pairs


def _ari(truth: dict, links) -> float:
    labels = family_labels(truth)
    ids = sorted(labels)
    comp = components(ids, links)
    return adjusted_rand_index([labels[i] for i in ids], [comp[i] for i in ids])


def score_lineage(truth: dict, rep: FileReport) -> dict:
    """All accuracy measures of one lineage corpus."""
    true, ambiguous = truth_pairs(truth)
    pairs = pair_scores(rep.copy_pairs, true, ambiguous)
    docs = {d["id"]: d for d in truth["documents"]}
    by_level: dict[str, list[int]] = {}
    for d in truth["documents"]:
        if d["parent"] in docs and pair_key(d["id"], d["parent"]) in true:
            hit = pair_key(d["id"], d["parent"]) in rep.copy_pairs
            for level in (d["revision"], "verbatim+light" if d["revision"] in ("verbatim", "light") else None):
                if level:
                    by_level.setdefault(level, [0, 0])
                    by_level[level][0] += hit
                    by_level[level][1] += 1
    parent_recall = {k: (v[0] / v[1] if v[1] else None) for k, v in sorted(by_level.items())}
    cases = pair_cases(truth, true)
    pan = pan_scores(cases, rep.detections(exclude=ambiguous))
    truth_parent = parents(truth)
    lin = lineage_scores(truth_parent, rep.edges, rep.hypothetical)
    dates = {d["id"]: d["date"] for d in truth["documents"]}
    direction = direction_accuracy([(p, c) for p, c, _ in rep.edges], truth_parent, dates, rep.hypothetical)
    order = dated_edge_order([(p, c) for p, c, _ in rep.edges], rep.dates, dates, rep.hypothetical)
    unrelated_as_boilerplate = len(rep.boilerplate_pairs - true - ambiguous)
    lin_d = asdict(lin)
    lin_d.pop("matching")
    acceptable, only_hyp = decidable_parents(truth)
    decidable = decidable_scores(acceptable, only_hyp, truth_parent, rep.edges, rep.hypothetical)
    return {
        "documents": len(docs), "true_pairs": len(true), "ambiguous_pairs": len(ambiguous),
        "pairs": asdict(pairs), "parent_link_recall": parent_recall,
        "passages": asdict(pan),
        "ari_pairs": _ari(truth, rep.copy_pairs),
        "ari_lineage": _ari(truth, [(p, c) for p, c, _ in rep.edges]) if rep.edges else None,
        "lineage": lin_d if rep.edges else None,
        "lineage_decidable": asdict(decidable) if rep.edges else None,
        "direction": asdict(direction) if rep.edges else None,
        "dated_edges": asdict(order) if rep.edges else None,
        "unrelated_pairs_called_boilerplate": unrelated_as_boilerplate,
    }


def score_plagiarism(truth: dict, rep: FileReport) -> dict:
    """PAN measures and pair scores of a ``--plagiarism`` corpus."""
    cases = plagiarism_cases(truth)
    # PAN's setting: detections are passages of a suspicious document taken from a source
    # document; two suspicious documents that took the same source passage do share it,
    # but that is not a case of the task, so such pairs are left out on both sides.
    role = {d["id"]: d.get("role") for d in truth["documents"]}
    off_task = {k for k in rep.copy_pairs if role.get(k[0]) == role.get(k[1])}
    pan = pan_scores(cases, rep.detections(exclude=off_task))
    true = {(c.a, c.b) for c in cases}
    return {"documents": len(truth["documents"]), "cases": len(cases), "passages": asdict(pan),
            "pairs": asdict(pair_scores(rep.copy_pairs - off_task, true))}


def score_sources(truth: dict, report: dict) -> dict:
    """Do the suspicious documents of a ``--plagiarism`` corpus name their true sources?

    Reads ``documents[].copied.sources`` of the report (the attribution stage).
    A link is (suspicious document, source document); credits to another
    suspicious document (two that took the same source passage) are off the task,
    as in :func:`score_plagiarism`, and counted apart.
    """
    role = {d["id"]: d.get("role") for d in truth["documents"]}
    true: dict[str, set[str]] = {d: set() for d, r in role.items() if r != "source"}
    for c in truth["cases"]:
        true.setdefault(c["target"], set()).add(c["source"])
    found: dict[str, set[str]] = {d: set() for d in true}
    off_task = 0
    for d in report.get("documents", []):
        doc = file_of(d["id"])
        if doc not in true:
            continue
        for c in (d.get("copied") or {}).get("sources", []):
            src = file_of(c["doc"])
            if role.get(src) == "source":
                found[doc].add(src)
            else:
                off_task += 1
    tp = sum(len(found[d] & true[d]) for d in true)
    n_found = sum(len(v) for v in found.values())
    n_true = sum(len(v) for v in true.values())
    exact = sum(found[d] == true[d] for d in true)
    return {"suspicious": len(true), "links": n_true,
            "precision": round(tp / n_found, 4) if n_found else None,
            "recall": round(tp / n_true, 4) if n_true else None,
            "exact_documents": round(exact / len(true), 4) if true else None,
            "off_task_credits": off_task}


def truth_as_report(truth: dict) -> dict:
    """A ``provenance/1`` report that says exactly what the truth says (to test the scoring itself)."""
    true, _ = truth_pairs(truth)
    by_pair: dict[tuple[str, str], list] = {}
    for c in pair_cases(truth, true):
        by_pair.setdefault((c.a, c.b), []).append({"a_span": list(c.a_span), "b_span": list(c.b_span),
                                                    "similarity": 1.0})
    pairs = [{"a": a, "b": b, "kind": "copy", "passages": ps, "shared_chars_a": 0, "shared_chars_b": 0}
             for (a, b), ps in sorted(by_pair.items())]
    nodes = [{"id": d["id"], "hypothetical": False} for d in truth["documents"]]
    nodes += [{"id": "H-" + m["id"], "hypothetical": True} for m in truth.get("models", []) if not m["published"]]
    edges = [{"parent": ("H-" + d["parent"]) if d["parent"].startswith("model:") else d["parent"],
              "child": d["id"], "confidence": 1.0, "evidence": []}
             for d in truth["documents"] if d["parent"] is not None]
    docs = [{"id": d["id"], "offset": 0, "date": d["date"]} for d in truth["documents"]]
    return {"schema": "provenance/1", "documents": docs, "pairs": pairs, "families": [],
            "lineage": {"nodes": nodes, "edges": edges}}

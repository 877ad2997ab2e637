"""The ``provenance/1`` JSON report: a stable contract other tools read.

The object written here is validated in the tests against both the shared
contract (``provenance-1.schema.json``) and this project's stricter schema
(``provenance/schema/provenance-1.strict.schema.json``).  Output is
deterministic: the same input gives byte-identical JSON.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import Any, TextIO

from ..attribution import Attribution, attribute
from ..model import Document, Family, Lineage, Pair, ScanResult

SCHEMA = "provenance/1"


def document_dict(d: Document, copied: Attribution | None = None) -> dict[str, Any]:
    m = d.metadata
    out = {
        "id": d.id,
        "path": d.path,
        "chars": d.chars,
        "offset": d.offset,
        "date": m.date,
        "title": m.title,
        "template": m.template,
        "placeholders": [{"text": p.text, "span": list(p.span)} for p in m.placeholders],
        "issuer": m.issuer,
        "doc_number": m.doc_number,
        "sha256": d.sha256,
    }
    if copied is not None:
        out["copied"] = copied_dict(copied)
    return out


def copied_dict(a: Attribution) -> dict[str, Any]:
    return {
        "share": a.share,
        "chars": a.chars,
        "sources": [
            {"doc": c.source, "chars": c.chars, "share": c.share, "relation": c.relation,
             "hypothetical": c.hypothetical, **({"via": list(c.via)} if c.via else {})}
            for c in a.sources
        ],
        "other_chars": a.other_chars,
        "copied_by": a.copied_by,
    }


def pair_dict(p: Pair) -> dict[str, Any]:
    return {
        "a": p.a,
        "b": p.b,
        "coverage_a": p.coverage_a,
        "coverage_b": p.coverage_b,
        "shared_chars_a": p.shared_chars_a,
        "shared_chars_b": p.shared_chars_b,
        "kind": p.kind,
        "passages": [
            {
                "a_span": list(q.a_span),
                "b_span": list(q.b_span),
                "similarity": q.similarity,
                "matched": q.matched,
                "boilerplate": q.boilerplate,
                "kind": q.kind,
            }
            for q in p.passages
        ],
    }


def family_dict(f: Family) -> dict[str, Any]:
    return {
        "id": f.id,
        "model_text": f.model_text,
        "closest": f.closest,
        "members": [{"doc": m.doc, "span": list(m.span), "distance": m.distance} for m in f.members],
    }


def lineage_dict(lin: Lineage) -> dict[str, Any]:
    return {
        "nodes": [{"id": n.id, "hypothetical": n.hypothetical, **({"label": n.label} if n.label else {})} for n in lin.nodes],
        "edges": [
            {"parent": e.parent, "child": e.child, "confidence": e.confidence, "evidence": list(e.evidence)}
            for e in lin.edges
        ],
        "notes": list(lin.notes),
    }


def _fields(result: ScanResult) -> list[tuple[str, Any]]:
    """The report's top-level fields in contract order; ``pairs`` as an iterator of pair dicts.

    The pairs hold nearly all of a big report (1.4 million passages for 776
    licence files), so :func:`write_json` builds their dicts one at a time.
    """
    copied = attribute(result.documents, result.pairs, result.lineage)
    out: list[tuple[str, Any]] = [
        ("schema", SCHEMA),
        ("documents", [document_dict(d, copied[d.id]) for d in result.documents]),
        ("pairs", map(pair_dict, result.pairs)),
        ("families", [family_dict(f) for f in result.families]),
        ("lineage", lineage_dict(result.lineage)),
        ("problems", [{"path": p.path, "reason": p.reason} for p in result.problems]),
    ]
    if result.candidates is not None:
        c = result.candidates
        out.append(("candidates", {"pairs": c.pairs, "aligned": c.aligned, "unverified": c.unverified}))
    return out


def to_dict(result: ScanResult) -> dict[str, Any]:
    """The ``provenance/1`` object for a scan result.

    ``candidates`` (when the result has the counts) says how many candidate
    pairs there were, how many were aligned, and how many were left
    unverified: neither aligned nor in ``pairs``.
    """
    return {key: list(value) if isinstance(value, Iterator) else value for key, value in _fields(result)}


def _dumps(value: Any, level: int) -> str:
    """``value`` as ``json.dumps(..., indent=2)`` writes it at nesting ``level`` (encoded strings hold no newline)."""
    return json.dumps(value, ensure_ascii=False, indent=2).replace("\n", "\n" + "  " * level)


def write_json(result: ScanResult, out: TextIO) -> None:
    """Write :func:`render_json`'s text to ``out``, piece by piece.

    The same characters as ``json.dumps(to_dict(result), ensure_ascii=False,
    indent=2) + "\n"``, without holding the whole text, nor every pair's dict,
    in memory at once.
    """
    out.write("{")
    for n, (key, value) in enumerate(_fields(result)):
        out.write(("," if n else "") + "\n  " + json.dumps(key, ensure_ascii=False) + ": ")
        if not isinstance(value, Iterator):
            out.write(_dumps(value, 1))
            continue
        first = True
        for item in value:
            out.write(("[" if first else ",") + "\n    " + _dumps(item, 2))
            first = False
        out.write("[]" if first else "\n  ]")
    out.write("\n}\n")


def render_json(result: ScanResult) -> str:
    """Serialise a scan result (sorted keys are not used: field order is part of the contract)."""
    buffer = io.StringIO()
    write_json(result, buffer)
    return buffer.getvalue()

"""Read a simulator ``truth.json`` and derive what the metrics compare against.

Two documents truly share copied text where they share sentence *origins*
(the simulator records one ``[start, end, origin]`` triple per sentence).  A
pair is a true copy pair when the shared text reaches ``min_chars`` on the
shorter side; pairs sharing less are *ambiguous* (neither demanded nor
penalised).  The true passages of any pair are the maximal runs of sentences
that follow each other in both documents.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

from metrics import Case, pair_key

MIN_CHARS = {"zh": 50, "en": 150}


def load_truth(path: str | Path) -> dict:
    """``truth.json`` as a dict (``path`` may be the file or the simulation folder)."""
    p = Path(path)
    if p.is_dir():
        p = p / "truth.json"
    return json.loads(p.read_text(encoding="utf-8"))


def triples(doc: dict) -> list[tuple[int, int, int]]:
    """A truth document's ``(start, end, origin)`` per sentence."""
    o = doc["origins"]
    return [(o[i], o[i + 1], o[i + 2]) for i in range(0, len(o), 3)]


def shared_chars(truth: dict) -> dict[tuple[str, str], tuple[int, int]]:
    """Characters of copied text every pair shares: ``{(a, b): (chars in a, chars in b)}`` with ``a < b``."""
    posting: dict[int, list[tuple[str, int]]] = defaultdict(list)
    for d in truth["documents"]:
        seen: dict[int, int] = {}
        for s, e, o in triples(d):
            seen[o] = seen.get(o, 0) + (e - s)
        for o, n in seen.items():
            posting[o].append((d["id"], n))
    acc: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for docs in posting.values():
        if len(docs) < 2:
            continue
        docs.sort()
        for i in range(len(docs)):
            a, na = docs[i]
            for j in range(i + 1, len(docs)):
                b, nb = docs[j]
                v = acc[(a, b)]
                v[0] += na
                v[1] += nb
    return {k: (v[0], v[1]) for k, v in acc.items()}


def truth_pairs(truth: dict, min_chars: int | None = None) -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
    """True copy pairs and ambiguous pairs (some shared text, below ``min_chars`` on the shorter side)."""
    lim = MIN_CHARS[truth["lang"]] if min_chars is None else min_chars
    true, ambiguous = set(), set()
    for k, (na, nb) in shared_chars(truth).items():
        (true if min(na, nb) >= lim else ambiguous).add(k)
    return true, ambiguous


def origin_runs(a: list[int], b: list[int]) -> list[tuple[int, int, int, int]]:
    """Maximal runs of ``b``'s sentence origins that follow each other in ``a`` too.

    Returns:
        ``(j0, j1, i0, i1)`` inclusive sentence indices in ``a`` and ``b``.
    """
    index: dict[int, int] = {}
    for j, o in enumerate(a):
        index.setdefault(o, j)
    out = []
    cur: list[int] | None = None
    prev = None
    for i, o in enumerate(b):
        j = index.get(o)
        if j is None:
            prev = None
            continue
        if cur is not None and prev is not None and j == prev + 1:
            cur[1], cur[3] = j, i
        else:
            if cur is not None:
                out.append(cur)
            cur = [j, j, i, i]
        prev = j
    if cur is not None:
        out.append(cur)
    return [tuple(c) for c in out]


def runs(a: list[tuple[int, int, int]], b: list[tuple[int, int, int]]) -> list[tuple[int, int, int, int]]:
    """Maximal runs of ``b``'s sentences that follow each other in ``a`` too: ``(a0, a1, b0, b1)`` spans."""
    found = origin_runs([o for _, _, o in a], [o for _, _, o in b])
    return [(a[j0][0], a[j1][1], b[i0][0], b[i1][1]) for j0, j1, i0, i1 in found]


def pair_cases(truth: dict, pairs: set[tuple[str, str]]) -> list[Case]:
    """The true passages (PAN cases) of the given pairs."""
    docs = {d["id"]: triples(d) for d in truth["documents"]}
    out = []
    for a, b in sorted(pairs):
        for a0, a1, b0, b1 in runs(docs[a], docs[b]):
            out.append(Case.make(a, (a0, a1), b, (b0, b1)))
    return out


def plagiarism_cases(truth: dict) -> list[Case]:
    """The inserted passages of a ``--plagiarism`` corpus as cases."""
    return [Case.make(c["source"], c["source_span"], c["target"], c["target_span"]) for c in truth["cases"]]


def parents(truth: dict) -> dict[str, str | None]:
    """Every real document's true parent (document id, ``model:K`` or None)."""
    return {d["id"]: d["parent"] for d in truth["documents"]}


def family_labels(truth: dict) -> dict[str, str]:
    """True family of every document; an original is its own family."""
    return {d["id"]: (f"family:{d['family']}" if d["family"] is not None else f"original:{d['id']}")
            for d in truth["documents"]}


def _plain(doc: dict) -> bool:
    """A verbatim copy with no text of its own: its source's text with its own names filled in."""
    return doc.get("revision") == "verbatim" and not {e["op"] for e in doc.get("edits", ())} & {"insert_local", "borrow"}


def text_twins(truth: dict) -> dict[str, str]:
    """Each document's and unseen model's *text class*: the source that a chain of plain verbatim copies repeats.

    A verbatim copy that inserted and borrowed nothing holds exactly its source's
    text with its own names: no text can tell it from its source, so both get the
    same class (the id at the top of the chain, a document or ``model:K``).
    """
    parent = parents(truth)
    docs = {d["id"]: d for d in truth["documents"]}
    out: dict[str, str] = {}
    for m in truth.get("models", []):
        if not m["published"]:
            out[m["id"]] = m["id"]

    def top(x: str) -> str:
        seen = set()
        while x in docs and _plain(docs[x]) and parent[x] is not None and x not in seen:
            seen.add(x)
            x = parent[x]
        return x

    for x in docs:
        out[x] = top(x)
    return out


def decidable_parents(truth: dict) -> tuple[dict[str, set[str | None]], set[str]]:
    """What text can decide about each document's parent, and which unseen models only a hypothetical node can show.

    A document's acceptable parents are its true parent and, unless it kept its true
    parent's name (a leak the text does show), every *text twin* of that parent
    (:func:`text_twins`) that is older than it: an unseen model (matched by a
    hypothetical node) or a published document.  No parent (a root) is acceptable
    when no published twin is older and the document is itself a twin of its unseen
    model, or is that model's only copy in the corpus (nothing witnesses the model).

    Returns:
        ``(acceptable, models)``: per document with a true parent, the set of
        acceptable parents (ids, ``model:K``, ``None`` for a root); and the unseen
        models with two or more copies none of which is their plain verbatim copy
        (models that exist *only* as a hypothetical node).
    """
    parent = parents(truth)
    docs = {d["id"]: d for d in truth["documents"]}
    twin = text_twins(truth)
    members: dict[str, set[str]] = defaultdict(set)
    for x, c in twin.items():
        members[c].add(x)
    children: dict[str, list[str]] = defaultdict(list)
    for x, t in parent.items():
        if t is not None:
            children[t].append(x)
    acceptable: dict[str, set[str | None]] = {}
    for x, t in parent.items():
        if t is None:
            continue
        ok: set[str | None] = {t}
        kept = any(e["op"] == "kept_name" for e in docs[x].get("edits", ()))
        if not kept:
            for y in members[twin.get(t, t)] - {x}:
                if y.startswith("model:") or docs[y]["date"] < docs[x]["date"]:
                    ok.add(y)
        older_doc = any(y is not None and not y.startswith("model:") for y in ok)
        if t.startswith("model:") and not older_doc and (twin[x] == t or children[t] == [x]):
            ok.add(None)
        acceptable[x] = ok
    models = {m["id"] for m in truth.get("models", []) if not m["published"] and len(children[m["id"]]) >= 2
              and members[m["id"]] == {m["id"]}}
    return acceptable, models


__all__ = ["MIN_CHARS", "decidable_parents", "family_labels", "load_truth", "pair_cases", "pair_key", "parents", "plagiarism_cases",
           "runs", "shared_chars", "text_twins", "triples", "truth_pairs"]

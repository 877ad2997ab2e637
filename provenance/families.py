"""Template families: one model passage and all its variants across the corpus.

Every aligned passage of a copying pair is two *occurrences*, ``(document, span)``.
Occurrences linked by a passage belong together, and so do occurrences in the
same document that overlap by at least half of the shorter one (the same
paragraph aligned with several documents).  Union-find over these links gives
the families.  Passages that are mostly stock language
(``Passage.boilerplate >= 0.5``) and pairs of kind ``"boilerplate"`` take no part.

For each family, the occurrences of one document that overlap are merged into
one member; the *model text* is the medoid, the member whose text is closest
to all the others (total normalized Indel distance over the texts with
whitespace and punctuation removed; large families are compared with a fixed
sample).  Branch and bound finds it without computing every distance, with the
same result as computing them all.  Each member's ``distance`` is its
normalized Indel distance to the model (``0`` for the model itself), and
``closest`` is the document holding the model version.  Ids ``F1``, ``F2``…
follow size (members, then characters), then the first member, so the same
input always gives the same families.

Example:
    >>> from provenance.model import Document, Pair, Passage
    >>> docs = [Document(f"{n}.txt", f"{n}.txt", t) for n, t in
    ...         [("a", "为提高应急处理能力，制定本预案。"), ("b", "为提高应急处理能力，特制定本预案。"),
    ...          ("c", "为提高应急处理能力，制定本预案。其他内容。")]]
    >>> pairs = [Pair("a.txt", "b.txt", 1, 1, 16, 17, "copy", (Passage((0, 16), (0, 17), 0.95),)),
    ...          Pair("a.txt", "c.txt", 1, 0.7, 16, 16, "copy", (Passage((0, 16), (0, 16), 1.0),))]
    >>> [(f.id, f.model_text, f.closest, len(f.members)) for f in build_families(docs, pairs)]
    [('F1', '为提高应急处理能力，制定本预案。', 'a.txt', 3)]
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections import defaultdict
from typing import Sequence

from rapidfuzz.distance import Indel

from .model import Document, Family, FamilyMember, Pair, Span
from .spans import merge_spans

__all__ = ["build_families", "comparable", "medoid"]

BOILERPLATE = 0.5
"""Passages with at least this share of stock language are left out."""

SAMPLE = 40
"""Families with more members are compared with this many of them (evenly spaced, deterministic)."""

_STRIP = re.compile(r"[\W_]+", re.UNICODE)


def comparable(text: str) -> str:
    """The text as compared: NFKC, case-folded, without whitespace and punctuation.

    Example:
        >>> comparable("属地管理、\\n分级 负责。")
        '属地管理分级负责'
    """
    return _STRIP.sub("", unicodedata.normalize("NFKC", text).casefold())


class _UnionFind:
    def __init__(self) -> None:
        self.up: list[int] = []

    def add(self) -> int:
        self.up.append(len(self.up))
        return len(self.up) - 1

    def find(self, a: int) -> int:
        while self.up[a] != a:
            self.up[a] = self.up[self.up[a]]
            a = self.up[a]
        return a

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.up[max(ra, rb)] = min(ra, rb)


def _link_overlaps(occ: list[tuple[str, Span]], uf: _UnionFind) -> None:
    """Union occurrences of one document that overlap by at least half of the shorter one."""
    by_doc: dict[str, list[int]] = defaultdict(list)
    for i, (doc, _) in enumerate(occ):
        by_doc[doc].append(i)
    for items in by_doc.values():
        items.sort(key=lambda i: (occ[i][1][0], -occ[i][1][1]))
        active: list[int] = []   # earlier spans still open, by end (equal ends: in order of arrival)
        ends: list[int] = []     # their ends
        prev = -1
        for i in items:
            a, b = occ[i][1]
            k = bisect_right(ends, a)
            del active[:k], ends[:k]
            if prev >= 0 and occ[prev][1] == (a, b) and b > a:
                # The same span as the occurrence before: it would join that one, directly or through
                # the same window of enclosing spans that one joined, and nothing else.
                uf.union(i, prev)
            else:
                for j in active[-64:]:   # the longest-reaching earlier spans; enough to chain a family
                    c, d = occ[j][1]
                    if (min(b, d) - max(a, c)) * 2 >= min(b - a, d - c):
                        uf.union(i, j)
            k = bisect_right(ends, b)
            active.insert(k, i)
            ends.insert(k, b)
            prev = i


def medoid(texts: Sequence[str], sample: int = SAMPLE) -> int:
    """Index of the text with the least total normalized Indel distance to the others.

    Args:
        texts: Comparable texts (see :func:`comparable`).
        sample: With more texts than this, each is compared with an evenly
            spaced sample of this many (deterministic).

    Returns:
        The index of the medoid; ties go to the earlier text.
    """
    return _medoid(texts, sample)[0]


def _pair(i: int, j: int) -> tuple[int, int]:
    """The key of an unordered pair of indices in the distances :func:`_medoid` computed."""
    return (i, j) if i < j else (j, i)


MARGIN = 1e-6
"""Branch and bound drops a candidate once its total provably exceeds the best total so far by this much."""


def _medoid(texts: Sequence[str], sample: int, margin: float = MARGIN) -> tuple[int, dict[tuple[int, int], float]]:
    """:func:`medoid` and the exact distances it computed, keyed ``(i, j)`` with ``i < j``.

    The result is the one of the plain rule: scan the texts in order, each
    text's cost is ``sum(d(i, j) for j in ref if j != i)`` and a text becomes
    the best when its cost is below the best cost by more than 1e-12.  Only
    fewer distances are computed:

    * ``d`` is symmetric, so each unordered pair is computed once;
    * branch and bound: a candidate is dropped as soon as the distances
      computed so far plus the lower bounds ``|la - lb| / (la + lb)`` of the
      rest exceed the best cost so far by ``margin`` (``score_cutoff`` lets
      rapidfuzz stop early too).  Candidates are tried in order of their
      lower bound, each one's cheapest distances first.

    Every candidate within ``margin`` of the least cost gets its exact cost,
    summed in the plain rule's order, and :func:`_plain_rule` picks among them
    the index the plain rule picks among all.
    """
    n = len(texts)
    if n <= 2:
        return 0, {}
    ref = list(range(n)) if n <= sample else [round(k * (n - 1) / (sample - 1)) for k in range(sample)]
    lens = [len(t) for t in texts]
    known: dict[tuple[int, int], float] = {}

    def bound(i: int, j: int) -> float:
        total = lens[i] + lens[j]
        return abs(lens[i] - lens[j]) / total if total else 0.0

    def cached(i: int, j: int) -> float | None:
        return known.get(_pair(i, j))

    bounds = {i: sum(bound(i, j) for j in ref if j != i) for i in range(n)}
    costs: dict[int, float] = {}
    best = float("inf")
    for i in sorted(range(n), key=lambda i: (bounds[i], i)):
        row = [j for j in ref if j != i]
        # cached distances cost nothing, then the shortest partners (Indel time grows with la * lb)
        todo = sorted(row, key=lambda j: (cached(i, j) is None, lens[j]))
        rest = bounds[i]       # lower bound of the distances still to compute
        partial = 0.0          # distances computed so far
        got: dict[int, float] = {}
        for j in todo:
            lo = bound(i, j)
            rest -= lo
            limit = best + margin - partial - rest   # the most d(i, j) may be with i still in the race
            if limit < lo:
                break
            d = cached(i, j)
            if d is None:
                d = Indel.normalized_distance(texts[i], texts[j], score_cutoff=min(1.0, limit))
                if d >= 1.0 and limit < 1.0:
                    break      # above the cutoff (a true distance of 1 is above it too)
                known[_pair(i, j)] = d
            got[j] = d
            partial += d
        else:
            costs[i] = sum(got[j] for j in row)   # the plain rule's order, so the same float
            best = min(best, costs[i])
    best_i = _plain_rule(costs, margin / 2)
    if best_i is None:   # a chain of near-ties as long as the margin: compute everything
        return _medoid(texts, sample, float("inf"))
    return best_i, known


def _plain_rule(costs: dict[int, float], reach: float) -> int | None:
    """The index the plain rule picks, given the costs of all candidates within ``2 * reach`` of the least.

    Candidates missing from ``costs`` must cost at least ``2 * reach`` more
    than the least one (``reach`` far above 1e-12).

    The plain rule scans all candidates in index order and takes one when its
    cost is below the best cost so far by more than 1e-12.  It is run here over
    the cluster of near-ties at the bottom only (sorted costs with gaps of at
    most 2e-12): the first candidate of the cluster always replaces the best,
    as all earlier ones cost more than 2e-12 above it, and no candidate outside
    the cluster can replace one of it.  ``None`` if the cluster reaches
    ``reach`` above the least cost (then candidates left out might belong to it).
    """
    low = sorted(costs.values())
    top = low[0]
    for c in low[1:]:
        if c - top > 2e-12:
            break
        top = c
    if top - low[0] >= reach:
        return None
    best, best_cost = 0, float("inf")
    for i in sorted(i for i, c in costs.items() if c <= top):
        if costs[i] < best_cost - 1e-12:
            best, best_cost = i, costs[i]
    return best


def build_families(documents: Sequence[Document], pairs: Sequence[Pair]) -> tuple[Family, ...]:
    """Cluster the aligned passages of a corpus into template families.

    Args:
        documents: The scanned documents (their texts give the members' texts).
        pairs: The pairs found; only ``kind == "copy"`` pairs and passages below
            half stock language are used.

    Returns:
        Families ordered by size, each with its members (document, span,
        distance to the model), model text and the document closest to it.
    """
    texts = {d.id: d.text for d in documents}
    occ: list[tuple[str, Span]] = []
    uf = _UnionFind()
    for pair in pairs:
        if pair.kind != "copy" or pair.a not in texts or pair.b not in texts:
            continue
        for p in pair.passages:
            if p.boilerplate >= BOILERPLATE:
                continue
            i, j = uf.add(), uf.add()
            occ += [(pair.a, tuple(p.a_span)), (pair.b, tuple(p.b_span))]
            uf.union(i, j)
    _link_overlaps(occ, uf)
    groups: dict[int, dict[str, list[Span]]] = defaultdict(lambda: defaultdict(list))
    for i, (doc, span) in enumerate(occ):
        groups[uf.find(i)][doc].append(span)
    raw = []
    for spans_by_doc in groups.values():
        members = sorted((doc, span) for doc, spans in spans_by_doc.items() for span in merge_spans(spans, touching=False))
        if len({doc for doc, _ in members}) < 2:
            continue
        raw.append(members)
    families = [_family(members, texts) for members in raw]
    families.sort(key=lambda f: (-len(f[1]), -f[2], f[1][0].doc, f[1][0].span))
    return tuple(Family(f"F{k}", model, tuple(ms), closest) for k, (model, ms, _, closest) in enumerate(families, 1))


def _family(members: list[tuple[str, Span]], texts: dict[str, str]) -> tuple[str, list[FamilyMember], int, str]:
    raw = [texts[doc][a:b] for doc, (a, b) in members]
    comp = [comparable(t) for t in raw]
    m, known = _medoid(comp, SAMPLE)

    def to_model(i: int) -> float:
        d = known.get(_pair(i, m))
        return Indel.normalized_distance(comp[i], comp[m]) if d is None else d

    out = [FamilyMember(doc, span, round(to_model(i), 4)) for i, (doc, span) in enumerate(members)]
    return raw[m].strip(), out, sum(b - a for _, (a, b) in members), members[m][0]

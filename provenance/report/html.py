"""The HTML report: one self-contained page showing what is copied, from where, and exactly which text.

:func:`render_html` turns a :class:`~provenance.model.ScanResult` into a single
UTF-8 page (CSS inline, no scripts, no external assets) that a journalist or a
supervisor can open in any browser, offline.  It holds

* a summary (documents, copied pairs, pairs sharing only stock phrases);
* the documents, each with the share of its text found in copy pairs;
* the pairs, most copied first;
* for every pair, its passages side by side, each in context, the shared text
  highlighted with its character offsets, the words that differ between the two
  versions marked inside it, and stock-language passages marked as such;
* the passage families and the lineage as nested lists (inferred templates marked).

Every highlighted passage is ``<mark data-doc=… data-start=… data-end=…>`` whose
text is exactly ``document.text[start:end]``: offsets are into the document's
text (for a part ``file#N`` of a compilation, add ``data-offset`` for the file).
Output is deterministic: the same result gives byte-identical HTML.

Example:
    >>> from provenance.pipeline import scan                      # doctest: +SKIP
    >>> html = render_html(scan(["fixtures"]))                   # doctest: +SKIP
    >>> open("report.html", "w", encoding="utf-8").write(html)   # doctest: +SKIP
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Sequence

import numpy as np
from jinja2 import Environment, PackageLoader
from markupsafe import Markup, escape
from rapidfuzz.distance import Indel

from ..attribution import attribute
from ..config import BoilerplateParams
from ..model import Document, Lineage, Pair, Passage, ScanResult, Span
from ..normalize import Units, normalize
from ..spans import union_length

CONTEXT = 80
"""Characters of context shown on each side of a passage."""

OPEN_LIMIT = 12
"""Only the first this many pairs and families are expanded when the page opens."""

MAX_PASSAGES = 4000
"""Passages shown side by side on one page (every pair is still listed in the pairs table)."""

MAX_BOILERPLATE = 200
"""Pairs sharing only stock phrases listed (their number grows with the square of the corpus)."""


@dataclass(frozen=True)
class Segment:
    """A run of passage text; ``differs`` when the other side has no counterpart for it."""

    text: str
    differs: bool


@dataclass(frozen=True)
class Side:
    """One document's side of a passage: the passage with its context."""

    doc: str
    start: int
    end: int
    offset: int
    before: str
    segments: tuple[Segment, ...]
    after: str
    clipped_before: bool
    clipped_after: bool


@dataclass(frozen=True)
class PassageView:
    left: Side
    right: Side
    passage: Passage
    boilerplate: bool


@dataclass(frozen=True)
class TreeItem:
    """A lineage node under its parent (``confidence`` and ``evidence`` of the edge that leads to it)."""

    id: str
    hypothetical: bool
    label: str | None
    document: Document | None
    confidence: float | None
    evidence: tuple[str, ...]
    repeated: bool
    children: tuple["TreeItem", ...]


def copied_shares(result: ScanResult) -> dict[str, float]:
    """Share of each document's text inside a passage of one of its copy pairs (the union over pairs).

    Boilerplate-only pairs do not count; stock passages inside a copy pair do,
    as they do in the pair's own coverage.
    """
    spans: dict[str, list[tuple[int, int]]] = {d.id: [] for d in result.documents}
    for p in result.pairs:
        if p.kind != "copy":
            continue
        for q in p.passages:
            spans.setdefault(p.a, []).append(q.a_span)
            spans.setdefault(p.b, []).append(q.b_span)
    return {d.id: union_length(spans[d.id]) / max(d.chars, 1) for d in result.documents}


def is_boilerplate(q: Passage, params: BoilerplateParams = BoilerplateParams()) -> bool:
    """The engine's verdict on one passage: stock language, not evidence of copying."""
    return q.kind == "boilerplate"


def diff_segments(a: str, b: str) -> tuple[tuple[Segment, ...], tuple[Segment, ...]]:
    """Split two aligned passages into runs both share and runs only one has.

    Compared on normalized units (the engine's view: a Han character or a word,
    whitespace and punctuation ignored), so a PDF line break or a full-width comma
    is never a difference; characters outside any unit count as shared.

    Example:
        >>> _, b = diff_segments("由镇党委书记任组长", "由村支部书记任组长")
        >>> [(s.text, s.differs) for s in b]
        [('由', False), ('村支部', True), ('书记任组长', False)]
    """
    return _diff(a, normalize(a), (0, len(a)), b, normalize(b), (0, len(b)))


def _diff(ta: str, ua: Units, sa: Span,
          tb: str, ub: Units, sb: Span) -> tuple[tuple[Segment, ...], tuple[Segment, ...]]:
    """:func:`diff_segments` of ``ta[sa]`` and ``tb[sb]``, given each whole text's units."""
    a0, a1 = _unit_range(ua, sa)
    b0, b1 = _unit_range(ub, sb)
    fa, fb = np.zeros(a1 - a0, dtype=bool), np.zeros(b1 - b0, dtype=bool)
    for op in Indel.opcodes(ua.ids[a0:a1].tolist(), ub.ids[b0:b1].tolist()):
        if op.tag != "equal":
            fa[op.src_start : op.src_end] = True
            fb[op.dest_start : op.dest_end] = True
    return (_runs(ta, sa, ua.starts[a0:a1][fa], ua.ends[a0:a1][fa]),
            _runs(tb, sb, ub.starts[b0:b1][fb], ub.ends[b0:b1][fb]))


def _unit_range(units: Units, span: Span) -> tuple[int, int]:
    """Indices of the units lying wholly inside ``span``."""
    i0 = int(np.searchsorted(units.starts, span[0], side="left"))
    i1 = int(np.searchsorted(units.ends, span[1], side="right"))
    return i0, max(i0, i1)


def _runs(text: str, span: Span, starts: np.ndarray, ends: np.ndarray) -> tuple[Segment, ...]:
    """Cut ``text[span]`` into runs inside and outside the given (differing) unit spans."""
    s, e = span
    n = e - s
    delta = np.zeros(n + 1, dtype=np.int32)
    np.add.at(delta, np.clip(starts - s, 0, n), 1)
    np.add.at(delta, np.clip(ends - s, 0, n), -1)
    mask = np.cumsum(delta[:n]) > 0
    bounds = [0, *(np.flatnonzero(mask[1:] != mask[:-1]) + 1).tolist(), n]
    return tuple(Segment(text[s + x : s + y], bool(mask[x])) for x, y in zip(bounds, bounds[1:]) if y > x)


def _side(doc: Document, span: Span, segments: tuple[Segment, ...], context: int) -> Side:
    s, e = span
    lo, hi = max(0, s - context), min(doc.chars, e + context)
    return Side(doc.id, s, e, doc.offset, doc.text[lo:s], segments, doc.text[e:hi], lo > 0, hi < doc.chars)


def passage_views(pair: Pair, docs: dict[str, Document], context: int = CONTEXT,
                  params: BoilerplateParams = BoilerplateParams(),
                  units: dict[str, Units] | None = None) -> tuple[PassageView, ...]:
    """The passages of a pair in reading order of document ``a``, ready to show side by side.

    Args:
        pair: The pair.
        docs: Documents by id.
        context: Characters of context on each side of a passage.
        params: Boilerplate thresholds, to mark stock passages.
        units: A cache of each document's normalized units, filled as needed.
    """
    units = {} if units is None else units
    da, db = docs[pair.a], docs[pair.b]
    for d in (da, db):
        if d.id not in units:
            units[d.id] = normalize(d.text)
    views = []
    for q in sorted(pair.passages, key=lambda q: (q.a_span, q.b_span)):
        sa, sb = _diff(da.text, units[da.id], q.a_span, db.text, units[db.id], q.b_span)
        views.append(PassageView(_side(da, q.a_span, sa, context), _side(db, q.b_span, sb, context),
                                 q, is_boilerplate(q, params)))
    return tuple(views)


def _evidence(items: Sequence[dict], limit: int = 3, width: int = 80) -> tuple[str, ...]:
    """Short one-line readings of an edge's evidence (its dicts have no fixed shape)."""
    out = []
    for item in items[:limit]:
        parts = []
        for k, v in item.items():
            if isinstance(v, (list, tuple)) and len(v) == 2 and all(isinstance(x, int) for x in v):
                v = f"[{v[0]}:{v[1]}]"
            elif isinstance(v, float):
                v = f"{v:.2f}"
            v = " ".join(str(v).split())
            parts.append(f"{k}: {v if len(v) <= width else v[: width - 1] + '…'}")
        out.append("; ".join(parts))
    if len(items) > limit:
        out.append(f"… and {len(items) - limit} more")
    return tuple(out)


def lineage_forest(lineage: Lineage, docs: dict[str, Document]) -> tuple[TreeItem, ...]:
    """The lineage as a forest: roots are nodes with no parent, children sorted by id.

    A node with several parents appears under each; its subtree is spelled out
    the first time only (later it is ``repeated``).  Cycles are cut the same way.
    Nodes without any edge are left out (see :func:`unlinked`).
    """
    nodes = {n.id: n for n in lineage.nodes}
    children: dict[str, list] = {}
    has_parent = set()
    for e in lineage.edges:
        children.setdefault(e.parent, []).append(e)
        has_parent.add(e.child)
    ids = sorted(set(nodes) | set(children) | has_parent)
    expanded: set[str] = set()

    def item(node_id: str, edge=None) -> TreeItem:
        node = nodes.get(node_id)
        repeated = node_id in expanded
        expanded.add(node_id)
        kids = () if repeated else tuple(
            item(e.child, e) for e in sorted(children.get(node_id, []), key=lambda e: (e.child, -e.confidence)))
        return TreeItem(node_id, bool(node and node.hypothetical), node.label if node else None, docs.get(node_id),
                        edge.confidence if edge else None, _evidence(edge.evidence) if edge else (),
                        repeated and bool(children.get(node_id)), kids)

    roots = [item(i) for i in ids if i not in has_parent and i in children]
    for i in ids:  # nodes reachable only through a cycle
        if i not in expanded and (i in children or i in has_parent):
            roots.append(item(i))
    return tuple(roots)


def unlinked(lineage: Lineage) -> tuple[str, ...]:
    """Nodes with no edge at all: documents the lineage links to nothing, sorted."""
    linked = {e.parent for e in lineage.edges} | {e.child for e in lineage.edges}
    return tuple(sorted(n.id for n in lineage.nodes if n.id not in linked))


def _pct(x: float) -> str:
    return f"{x * 100:.0f}%" if x >= 0.005 or x == 0 else "<1%"


def _verbatim(text: str) -> Markup:
    """Escape text and keep carriage returns, which an HTML parser would otherwise turn into line feeds."""
    return Markup(str(escape(text)).replace("\r", "&#13;"))


def _env() -> Environment:
    env = Environment(loader=PackageLoader("provenance.report", "templates"), autoescape=True,
                      trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.filters["pct"] = _pct
    env.filters["verbatim"] = _verbatim
    return env


def render_html(result: ScanResult, *, context: int = CONTEXT, max_passages: int = MAX_PASSAGES,
                max_boilerplate: int = MAX_BOILERPLATE, params: BoilerplateParams = BoilerplateParams()) -> str:
    """Render a scan result as one self-contained HTML page.

    Every copy pair is listed in the pairs table.  Pairs are shown passage by
    passage, most copied first, until ``max_passages`` passages are on the page;
    the page says how many pairs it leaves out.  Pairs sharing only stock phrases
    can be numerous (any two plans of one government share some): the first
    ``max_boilerplate`` are listed, after all copies.

    Args:
        result: What :func:`provenance.pipeline.scan` found.
        context: Characters of surrounding text shown on each side of a passage.
        max_passages: Passages shown side by side, over all pairs (the first pair
            is always shown whole).
        max_boilerplate: Boilerplate-only pairs listed.
        params: The boilerplate thresholds the scan used, to mark stock passages
            as the engine judged them.

    Returns:
        The page, UTF-8 text starting with ``<!DOCTYPE html>``.
    """
    docs = {d.id: d for d in result.documents}
    pairs = sorted(result.pairs, key=lambda p: (p.kind != "copy", -max(p.coverage_a, p.coverage_b), p.a, p.b))
    copies = [p for p in pairs if p.kind == "copy"]
    stock = pairs[len(copies):]
    numbered = list(enumerate(copies + stock[:max_boilerplate], start=1))
    units: dict[str, Units] = {}
    detailed = []
    budget = max_passages
    for n, p in numbered:
        if detailed and len(p.passages) > budget:
            break
        budget -= len(p.passages)
        views = passage_views(p, docs, context, params, units) if p.a in docs and p.b in docs else ()
        detailed.append((n, p, views))
    return _env().get_template("report.html.j2").render(
        result=result,
        docs=docs,
        anchors={d.id: f"doc-{n}" for n, d in enumerate(result.documents, start=1)},
        shares=copied_shares(result),
        copied=attribute(result.documents, result.pairs, result.lineage),
        partners=Counter(x for p in copies for x in {p.a, p.b}),
        n_copies=len(copies),
        n_boilerplate=len(stock),
        table=numbered,
        n_detailed=len(detailed),
        copy_items=[item for item in detailed if item[1].kind == "copy"],
        stock_items=[item for item in detailed if item[1].kind != "copy"],
        n_stock_listed=len(numbered) - len(copies),
        forest=lineage_forest(result.lineage, docs),
        unlinked=unlinked(result.lineage),
        open_limit=OPEN_LIMIT,
    )


__all__ = ["Segment", "Side", "PassageView", "TreeItem", "copied_shares", "diff_segments", "is_boilerplate",
           "lineage_forest", "passage_views", "render_html", "union_length", "unlinked"]

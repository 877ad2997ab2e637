"""The lineage as a terminal tree: ``provenance tree``.

Each document shows its issuing date and how much of its text it shares with
the documents it copies or is copied by; fill-in templates are flagged;
inferred templates that are not in the corpus are drawn as
``◇ inferred template F3 (not in corpus)``.  Roots come largest family first,
then by id; children by date, then id.  Documents the lineage links to nothing
are listed under *unrelated*, and the lineage notes (what could not be
decided) follow the tree.

Example:
    >>> import io
    >>> from rich.console import Console
    >>> from provenance.model import Document, Edge, Lineage, Metadata, Node, ScanResult
    >>> docs = (Document("a.txt", "a.txt", "…", metadata=Metadata(date="2021-06-24")),
    ...         Document("b.txt", "b.txt", "…", metadata=Metadata(date="2023-02-22")))
    >>> lin = Lineage((Node("a.txt"), Node("b.txt")), (Edge("a.txt", "b.txt", 0.9, ({"kind": "date"},)),))
    >>> console = Console(file=io.StringIO(), width=60, color_system=None)
    >>> render_tree(ScanResult(docs, (), (), lin), console)
    >>> print(console.file.getvalue().rstrip())
    lineage: 2 documents, 1 edge
    └── a.txt · 2021-06-24
        └── b.txt · 2023-02-22 · ← 0.90 date
"""

from __future__ import annotations

from collections import defaultdict
from typing import Iterable

from rich.console import Console
from rich.text import Text
from rich.tree import Tree

from ..attribution import BOILERPLATE, Attribution, attribute
from ..model import Document, Edge, Node, Pair, ScanResult
from ..spans import union_length

__all__ = ["copied_share", "forest", "render_tree"]



def copied_share(pairs: Iterable[Pair], documents: Iterable[Document]) -> dict[str, float]:
    """Share of each document's text that copying pairs share with other documents (stock language left out)."""
    spans: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for p in pairs:
        if p.kind != "copy":
            continue
        for q in p.passages:
            if q.boilerplate < BOILERPLATE:
                spans[p.a].append(tuple(q.a_span))
                spans[p.b].append(tuple(q.b_span))
    return {d.id: union_length(spans.get(d.id, ())) / max(1, d.chars) for d in documents}


def forest(nodes: Iterable[Node], edges: Iterable[Edge], dates: dict[str, str | None],
           copying: Iterable[str] = ()) -> tuple[list[str], dict[str, list[Edge]], list[str]]:
    """Roots, children per node (edges), and unrelated node ids, all in display order.

    A document in ``copying`` (it shares copied text) is a root even without an
    edge; only documents with neither edges nor copied text are unrelated.
    """
    nodes = list(nodes)
    kids: dict[str, list[Edge]] = defaultdict(list)
    has_parent = set()
    for e in edges:
        kids[e.parent].append(e)
        has_parent.add(e.child)
    for k in kids:
        kids[k].sort(key=lambda e: (dates.get(e.child) or "9999", e.child))

    def size(n: str, seen: frozenset = frozenset()) -> int:
        return 1 + sum(size(e.child, seen | {n}) for e in kids.get(n, ()) if e.child not in seen)

    linked = {n.id for n in nodes if n.id in kids or n.id in has_parent} | set(copying)
    roots = [n.id for n in nodes if n.id in linked and n.id not in has_parent]
    roots.sort(key=lambda r: (-size(r), r))
    unlinked = sorted(n.id for n in nodes if n.id not in linked)
    return roots, kids, unlinked


def _pct(x: float) -> str:
    return f"{x * 100:.0f}%" if x >= 0.005 or x == 0 else "<1%"


def _doc_label(doc: Document | None, node_id: str, share: float | None) -> Text:
    t = Text(node_id, style="bold")
    if doc is None:
        return t
    t.append(f" · {doc.metadata.date or 'undated'}", style="cyan" if doc.metadata.date else "dim")
    if share:
        t.append(f" · {_pct(share)} copied")
    if doc.metadata.template:
        t.append(" · fill-in template", style="yellow")
    return t


def _hyp_label(node: Node) -> Text:
    name = node.id.split(":", 1)[1] if ":" in node.id else node.id
    return Text(f"◇ inferred template {name} (not in corpus)", style="italic magenta")


def _edge_suffix(e: Edge) -> Text:
    kinds = ", ".join(dict.fromkeys(str(ev.get("kind", "?")) for ev in e.evidence))
    return Text(f" · ← {e.confidence:.2f}" + (f" {kinds}" if kinds else ""), style="dim")


def _also(a: Attribution | None, parent: str | None, limit: int = 2) -> Text | None:
    """Sources other than the drawn parent (a document assembled from several)."""
    if a is None:
        return None
    others = [c for c in a.sources if c.source != parent]
    if not others:
        return None
    names = ", ".join(f"{c.source} {_pct(c.share)}" for c in others[:limit])
    more = f" +{len(others) - limit}" if len(others) > limit else ""
    return Text(f" · also from {names}{more}", style="dim")


def render_tree(result: ScanResult, console: Console) -> None:
    """Print the lineage forest of a scan as a rich ``Tree``, then what was left undecided.

    Args:
        result: A scan result with its lineage.
        console: Where to print (pin ``width`` and ``color_system`` for stable output).
    """
    lin = result.lineage
    docs = {d.id: d for d in result.documents}
    nodes = list(lin.nodes) or [Node(d.id) for d in result.documents]
    by_id = {n.id: n for n in nodes}
    share = copied_share(result.pairs, result.documents)
    credits = attribute(result.documents, result.pairs, lin)
    dates = {d.id: d.metadata.date for d in result.documents}
    copying = {x for p in result.pairs if p.kind == "copy" for x in (p.a, p.b)}
    roots, kids, unlinked = forest(nodes, lin.edges, dates, copying)
    inferred = sum(n.hypothetical for n in nodes)
    head = f"lineage: {len(docs)} document{'s' * (len(docs) != 1)}, {len(lin.edges)} edge{'s' * (len(lin.edges) != 1)}"
    if inferred:
        head += f", {inferred} inferred template{'s' * (inferred != 1)}"
    tree = Tree(Text(head, style="bold"), guide_style="dim")

    def label(node_id: str, edge: Edge | None) -> Text:
        node = by_id.get(node_id, Node(node_id))
        t = _hyp_label(node) if node.hypothetical else _doc_label(docs.get(node_id), node_id, share.get(node_id))
        if edge is not None:
            t.append_text(_edge_suffix(edge))
        if not node.hypothetical and (also := _also(credits.get(node_id), edge.parent if edge else None)):
            t.append_text(also)
        return t

    def grow(branch: Tree, node_id: str, seen: set[str]) -> None:
        for e in kids.get(node_id, ()):
            if e.child in seen:
                continue
            sub = branch.add(label(e.child, e))
            grow(sub, e.child, seen | {e.child})

    for r in roots:
        grow(tree.add(label(r, None)), r, {r})
    if unlinked:
        other = tree.add(Text("unrelated (no copying found)", style="dim"))
        for u in unlinked:
            other.add(label(u, None))
    console.print(tree)
    for note in lin.notes:
        console.print(Text(f"note: {note}", style="yellow"))

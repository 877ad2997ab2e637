"""The lineage as a graph file: Graphviz DOT and Mermaid (``--format dot|mermaid``).

Both draw the same graph as ``provenance tree``: one node per document
(label: id, date, the start of its title), inferred templates dashed, one
arrow per lineage edge from parent to child labelled with its confidence.
Labels are always quoted, so CJK text, spaces and punctuation are safe; double
quotes inside them are escaped (``\\"`` in DOT, ``#quot;`` in Mermaid).

Example:
    >>> from provenance.model import Document, Edge, Lineage, Metadata, Node, ScanResult
    >>> docs = (Document("金元镇.txt", "x", "…", metadata=Metadata(date="2021-06-24")),)
    >>> lin = Lineage((Node("金元镇.txt"), Node("template:F1", True)), (Edge("template:F1", "金元镇.txt", 0.6),))
    >>> print(render_mermaid(ScanResult(docs, (), (), lin)))
    flowchart TD
      n0["金元镇.txt<br/>2021-06-24"]
      n1["inferred template F1<br/>(not in corpus)"]:::hypothetical
      n1 -.->|"0.60"| n0
      classDef hypothetical stroke-dasharray: 5 5,font-style: italic;
    <BLANKLINE>
"""

from __future__ import annotations

from ..model import Node, ScanResult

__all__ = ["render_dot", "render_mermaid"]

TITLE = 24
"""Characters of a document's title shown in its node."""


def _nodes(result: ScanResult) -> list[Node]:
    nodes = list(result.lineage.nodes)
    known = {n.id for n in nodes}
    return nodes + [Node(d.id) for d in result.documents if d.id not in known]


def _lines(result: ScanResult, node: Node) -> list[str]:
    """The label of a node, line by line (unescaped)."""
    if node.hypothetical:
        name = node.id.split(":", 1)[1] if ":" in node.id else node.id
        return [f"inferred template {name}", "(not in corpus)"]
    doc = next((d for d in result.documents if d.id == node.id), None)
    lines = [node.id]
    if doc is not None:
        meta = doc.metadata
        lines.append(meta.date or "undated")
        title = " ".join((meta.title or "").split())
        if title:
            lines.append(title if len(title) <= TITLE else title[: TITLE - 1] + "…")
        if meta.template:
            lines.append("fill-in template")
    return lines


def _dot_quote(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def render_dot(result: ScanResult) -> str:
    """The lineage as a Graphviz ``digraph`` (UTF-8; render with ``dot -Tsvg``).

    Example:
        >>> from provenance.model import Document, Edge, Lineage, Node, ScanResult
        >>> lin = Lineage((Node('a "1".txt'), Node("template:F2", True)), (Edge("template:F2", 'a "1".txt', 0.5),))
        >>> print(render_dot(ScanResult((), (), (), lin)))
        digraph lineage {
          graph [rankdir=TB, charset="UTF-8"];
          node [shape=box, fontname="Noto Sans CJK SC, sans-serif"];
          "a \\"1\\".txt" [label="a \\"1\\".txt"];
          "template:F2" [label="inferred template F2\\n(not in corpus)", style=dashed, fontcolor=gray30];
          "template:F2" -> "a \\"1\\".txt" [label="0.50", style=dashed];
        }
        <BLANKLINE>
    """
    out = ["digraph lineage {", '  graph [rankdir=TB, charset="UTF-8"];',
           '  node [shape=box, fontname="Noto Sans CJK SC, sans-serif"];']
    nodes = _nodes(result)
    hyp = {n.id for n in nodes if n.hypothetical}
    for n in nodes:
        style = ", style=dashed, fontcolor=gray30" if n.hypothetical else ""
        out.append(f"  {_dot_quote(n.id)} [label={_dot_quote(chr(10).join(_lines(result, n)))}{style}];")
    for e in result.lineage.edges:
        style = ", style=dashed" if e.parent in hyp else ""
        out.append(f"  {_dot_quote(e.parent)} -> {_dot_quote(e.child)} [label={_dot_quote(f'{e.confidence:.2f}')}{style}];")
    out.append("}")
    return "\n".join(out) + "\n"


def _mermaid_text(s: str) -> str:
    """Text safe inside a quoted Mermaid label (entity codes for quotes and angle brackets)."""
    return (s.replace("&", "#amp;").replace('"', "#quot;").replace("<", "#lt;").replace(">", "#gt;")
            .replace("\n", " "))


def render_mermaid(result: ScanResult) -> str:
    """The lineage as a Mermaid ``flowchart`` (paste into Markdown between ```` ```mermaid ```` fences).

    Node ids are ``n0``, ``n1``… in node order; the document id is the first
    line of each label.
    """
    nodes = _nodes(result)
    ids = {n.id: f"n{k}" for k, n in enumerate(nodes)}
    hyp = {n.id for n in nodes if n.hypothetical}
    out = ["flowchart TD"]
    for n in nodes:
        label = "<br/>".join(_mermaid_text(line) for line in _lines(result, n))
        out.append(f'  {ids[n.id]}["{label}"]' + (":::hypothetical" if n.hypothetical else ""))
    for e in result.lineage.edges:
        if e.parent not in ids or e.child not in ids:
            continue
        arrow = "-.->" if e.parent in hyp else "-->"
        out.append(f'  {ids[e.parent]} {arrow}|"{e.confidence:.2f}"| {ids[e.child]}')
    if hyp:
        out.append("  classDef hypothetical stroke-dasharray: 5 5,font-style: italic;")
    return "\n".join(out) + "\n"

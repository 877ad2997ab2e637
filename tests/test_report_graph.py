"""Rendering the lineage: the terminal tree (golden text), DOT and Mermaid (quoting, CJK, dashed templates)."""

from __future__ import annotations

import io

from rich.console import Console

from provenance.model import Document, Edge, Lineage, Metadata, Node, Pair, Passage, Placeholder, ScanResult
from provenance.report.graph import render_dot, render_mermaid
from provenance.report.tree import copied_share, forest, render_tree


def result() -> ScanResult:
    """Two towns under an inferred template, a dated copy chain, a fill-in template, an unrelated file."""
    text = "甲" * 100
    docs = (
        Document("金元镇.txt", "x", text, metadata=Metadata(title='关于印发"劝返预案"的通知', date="2021-06-24")),
        Document("昂素镇.txt", "x", text, metadata=Metadata(title="昂素镇信访维稳应急预案", date="2023-02-22")),
        Document("西岗镇.txt", "x", text, metadata=Metadata(title="西岗镇信访维稳应急预案")),
        Document("XX镇模板.txt", "x", text, metadata=Metadata(title="XX镇信访维稳工作应急处置预案",
                                                            placeholders=(Placeholder("XX镇", (0, 3)),
                                                                          Placeholder("×××", (10, 13))))),
        Document("other.txt", "x", text, metadata=Metadata(title="Snow Emergency Plan", date="2019-01-05")),
    )
    p = lambda a, b, n: Pair(a, b, n / 100, n / 100, n, n, "copy", (Passage((0, n), (0, n), 0.9),))  # noqa: E731
    pairs = (p("金元镇.txt", "昂素镇.txt", 40), p("金元镇.txt", "西岗镇.txt", 25), p("XX镇模板.txt", "西岗镇.txt", 10),
             Pair("other.txt", "西岗镇.txt", 0.1, 0.1, 10, 10, "boilerplate", (Passage((0, 10), (0, 10), 1.0, boilerplate=1.0),)))
    nodes = tuple(Node(d.id) for d in docs) + (Node("template:F2", True, "inferred template F2 (not in corpus)"),)
    edges = (
        Edge("template:F2", "金元镇.txt", 0.6, ({"kind": "shared_model", "favours": "template:F2"},)),
        Edge("template:F2", "西岗镇.txt", 0.6, ({"kind": "shared_model", "favours": "template:F2"},)),
        Edge("金元镇.txt", "昂素镇.txt", 0.97, ({"kind": "date", "favours": "金元镇.txt"},
                                                {"kind": "witnesses", "favours": "金元镇.txt"})),
    )
    notes = ("1 copying document(s) have no date (西岗镇.txt)",)
    return ScanResult(docs, pairs, (), Lineage(nodes, edges, notes))


GOLDEN_TREE = """\
lineage: 5 documents, 3 edges, 1 inferred template
├── ◇ inferred template F2 (not in corpus)
│   ├── 金元镇.txt · 2021-06-24 · 40% copied · ← 0.60 shared_model
│   │   └── 昂素镇.txt · 2023-02-22 · 40% copied · ← 0.97 date, witnesses
│   └── 西岗镇.txt · undated · 25% copied · ← 0.60 shared_model
├── XX镇模板.txt · undated · 10% copied · fill-in template
└── unrelated (no copying found)
    └── other.txt · 2019-01-05
note: 1 copying document(s) have no date (西岗镇.txt)
"""


def test_tree_golden_text():
    console = Console(width=80, color_system=None, record=True, file=io.StringIO())
    render_tree(result(), console)
    assert console.export_text() == GOLDEN_TREE


def test_tree_wraps_but_keeps_every_line_within_the_width():
    console = Console(width=40, color_system=None, record=True, file=io.StringIO())
    render_tree(result(), console)
    text = console.export_text()
    assert "◇ inferred template F2" in text and "unrelated" in text
    assert all(console.measure(line).maximum <= 40 for line in text.splitlines())


def test_tree_of_one_document_still_renders_and_says_why():
    doc = Document("only.txt", "only.txt", "一句话。")
    lin = Lineage((Node("only.txt"),), (), ("one document: nothing to compare, no lineage",))
    console = Console(width=80, color_system=None, record=True, file=io.StringIO())
    render_tree(ScanResult((doc,), (), (), lin), console)
    assert console.export_text() == (
        "lineage: 1 document, 0 edges\n"
        "└── unrelated (no copying found)\n"
        "    └── only.txt · undated\n"
        "note: one document: nothing to compare, no lineage\n"
    )


def test_forest_orders_roots_by_size_then_id_and_children_by_date():
    nodes = [Node(x) for x in "abcde"]
    edges = [Edge("b", "d", 1), Edge("b", "c", 1), Edge("a", "e", 1)]
    roots, kids, unlinked = forest(nodes, edges, {"c": "2022-01-01", "d": "2021-01-01"})
    assert roots == ["b", "a"] and [e.child for e in kids["b"]] == ["d", "c"] and unlinked == []


def test_copied_share_counts_copy_passages_once_and_skips_stock():
    r = result()
    share = copied_share(r.pairs, r.documents)
    assert share["金元镇.txt"] == 0.4 and share["西岗镇.txt"] == 0.25 and share["other.txt"] == 0.0


def test_dot_quotes_cjk_labels_escapes_quotes_and_dashes_templates():
    dot = render_dot(result())
    assert dot.startswith("digraph lineage {\n") and dot.endswith("}\n")
    assert '"金元镇.txt" [label="金元镇.txt\\n2021-06-24\\n关于印发\\"劝返预案\\"的通知"];' in dot
    assert '"template:F2" [label="inferred template F2\\n(not in corpus)", style=dashed, fontcolor=gray30];' in dot
    assert '"template:F2" -> "西岗镇.txt" [label="0.60", style=dashed];' in dot
    assert '"金元镇.txt" -> "昂素镇.txt" [label="0.97"];' in dot
    assert '"XX镇模板.txt" [label="XX镇模板.txt\\nundated\\nXX镇信访维稳工作应急处置预案\\nfill-in template"];' in dot
    assert '"other.txt"' in dot                                   # unrelated documents are drawn too
    body = [line for line in dot.splitlines()[3:-1]]
    assert all(line.count('"') % 2 == 0 for line in body)         # every label closed: no stray quote


def test_dot_escapes_backslashes_and_quotes_in_ids():
    lin = Lineage((Node('a\\b "c".txt'),), ())
    dot = render_dot(ScanResult((), (), (), lin))
    assert '"a\\\\b \\"c\\".txt" [label="a\\\\b \\"c\\".txt"];' in dot


def test_mermaid_uses_safe_ids_quoted_labels_and_entity_codes():
    mmd = render_mermaid(result())
    lines = mmd.splitlines()
    assert lines[0] == "flowchart TD"
    assert '  n0["金元镇.txt<br/>2021-06-24<br/>关于印发#quot;劝返预案#quot;的通知"]' in lines
    assert '  n5["inferred template F2<br/>(not in corpus)"]:::hypothetical' in lines
    assert '  n5 -.->|"0.60"| n0' in lines and '  n0 -->|"0.97"| n1' in lines
    assert lines[-1] == "  classDef hypothetical stroke-dasharray: 5 5,font-style: italic;"
    assert all(line.count('"') % 2 == 0 for line in lines)


def test_mermaid_escapes_angle_brackets_and_ampersands():
    lin = Lineage((Node("<x> & y.txt"),), ())
    assert '  n0["#lt;x#gt; #amp; y.txt"]' in render_mermaid(ScanResult((), (), (), lin)).splitlines()


def test_tree_names_the_other_sources_of_a_document_assembled_from_several():
    text = "乙" * 400
    docs = (Document("省.txt", "x", text, metadata=Metadata(date="2018-01-01")),
            Document("邻市.txt", "x", text, metadata=Metadata(date="2019-01-01")),
            Document("本市.txt", "x", text, metadata=Metadata(date="2020-01-01")))
    pairs = (Pair("省.txt", "本市.txt", 0.5, 0.5, 200, 200, "copy", (Passage((0, 200), (0, 200), 1.0),)),
             Pair("邻市.txt", "本市.txt", 0.3, 0.3, 120, 120, "copy", (Passage((0, 120), (250, 370), 1.0),)))
    lin = Lineage(tuple(Node(d.id) for d in docs), (Edge("省.txt", "本市.txt", 0.8, ({"kind": "date"},)),))
    console = Console(width=120, color_system=None, record=True, file=io.StringIO())
    render_tree(ScanResult(docs, pairs, (), lin), console)
    line = next(ln for ln in console.export_text().splitlines() if "本市.txt" in ln)
    assert line.endswith("80% copied · ← 0.80 date · also from 邻市.txt 30%"), line

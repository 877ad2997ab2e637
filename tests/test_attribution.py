"""Where a document's copied text comes from: several sources, none counted twice, direction respected."""

from __future__ import annotations

from provenance.attribution import MIN_CHARS, attribute
from provenance.model import Document, Edge, Lineage, Metadata, Node, Pair, Passage, Placeholder

from .conftest import short


def _doc(i: str, date: str | None = None, template: bool = False, n: int = 1000) -> Document:
    ph = (Placeholder("XX镇", (0, 3)), Placeholder("×××", (10, 13))) if template else ()
    return Document(i, i, "字" * n, metadata=Metadata(date=date, placeholders=ph))


def _pair(a: str, b: str, *spans: tuple[tuple[int, int], tuple[int, int]], boilerplate: float = 0.0) -> Pair:
    ps = tuple(Passage(sa, sb, 1.0, boilerplate=boilerplate) for sa, sb in spans)
    return Pair(a, b, 0.0, 0.0, 0, 0, "copy", ps)


def test_a_document_assembled_from_two_sources_credits_both_without_double_counting():
    docs = [_doc("city", "2020-05-01"), _doc("province", "2018-01-01"), _doc("neighbour", "2019-03-01")]
    pairs = [
        _pair("city", "province", ((0, 400), (100, 500))),
        # the neighbour holds part of the province's text again, and 200 characters of its own
        _pair("city", "neighbour", ((300, 400), (0, 100)), ((600, 800), (200, 400))),
    ]
    lin = Lineage(tuple(Node(d.id) for d in docs), (Edge("province", "city", 0.8),))
    a = attribute(docs, pairs, lin)["city"]
    assert [(c.source, c.chars, c.relation) for c in a.sources] == [("province", 400, "parent"), ("neighbour", 200, "earlier")]
    assert a.chars == 600 and a.share == 0.6 and a.other_chars == 0


def test_descendants_and_later_documents_are_not_sources_but_copiers():
    docs = [_doc("old", "2015-01-01"), _doc("mid", "2017-01-01"), _doc("new", "2019-01-01"), _doc("kid")]
    pairs = [_pair("mid", "old", ((0, 300), (0, 300))), _pair("mid", "new", ((0, 500), (0, 500))),
             _pair("mid", "kid", ((0, 100), (0, 100)))]
    leaked = ({"kind": "leaked_entity", "favours": "mid"},)
    lin = Lineage(tuple(Node(d.id) for d in docs), (Edge("mid", "kid", 0.7, leaked),))
    att = attribute(docs, pairs, lin)
    mid = att["mid"]
    assert [(c.source, c.relation) for c in mid.sources] == [("old", "earlier")]
    assert mid.copied_by == 2  # "new" is dated later, "kid" descends from mid (a leaked name says so)
    assert [(c.source, c.relation) for c in att["new"].sources] == [("mid", "earlier")]
    assert [(c.source, c.relation) for c in att["kid"].sources] == [("mid", "parent")]


def test_a_child_drawn_on_weak_evidence_only_is_still_a_source():
    # The forest hangs the three sources of a document assembled from them under it
    # (one parent each): nothing decisive says so, so they stay its sources.
    docs = [_doc("assembled"), _doc("s1"), _doc("s2"), _doc("s3")]
    pairs = [_pair("assembled", s, ((k * 300, k * 300 + 200), (0, 200))) for k, s in enumerate(("s1", "s2", "s3"))]
    weak = ({"kind": "witnesses", "favours": "assembled"}, {"kind": "containment", "favours": "assembled"})
    lin = Lineage(tuple(Node(d.id) for d in docs), tuple(Edge("assembled", s, 0.5, weak) for s in ("s1", "s2", "s3")))
    a = attribute(docs, pairs, lin)["assembled"]
    assert [(c.source, c.chars, c.relation) for c in a.sources] == [(s, 200, "undirected") for s in ("s1", "s2", "s3")]
    assert a.copied_by == 0


def test_relatives_under_an_inferred_template_are_one_source_the_template():
    docs = [_doc("a", "2020-01-01"), _doc("b", "2020-02-01"), _doc("c", "2020-03-01"), _doc("x", "2010-01-01")]
    pairs = [_pair("a", "b", ((0, 300), (0, 300))), _pair("a", "c", ((200, 500), (200, 500))),
             _pair("a", "x", ((900, 1000), (0, 100)))]
    lin = Lineage((Node("T1", hypothetical=True), *(Node(d.id) for d in docs)),
                  tuple(Edge("T1", i, 0.6) for i in "abc"))
    a = attribute(docs, pairs, lin)["a"]
    assert [(c.source, c.chars, c.relation, c.hypothetical, c.via) for c in a.sources] == [
        ("T1", 500, "template", True, ("b", "c")), ("x", 100, "earlier", False, ())]


def test_fill_in_templates_are_upstream_and_small_remainders_are_counted_not_listed():
    docs = [_doc("town", "2022-01-01"), _doc("form", template=True), _doc("other", "2021-01-01")]
    pairs = [_pair("town", "form", ((0, 200), (0, 200))),
             _pair("town", "other", ((150, 200 + MIN_CHARS - 1), (0, 89)))]
    att = attribute(docs, pairs, Lineage(tuple(Node(d.id) for d in docs)))
    town = att["town"]
    assert [(c.source, c.relation) for c in town.sources] == [("form", "fill-in")]
    assert town.other_chars == MIN_CHARS - 1 and town.chars == 200 + MIN_CHARS - 1
    assert att["form"].sources == () and att["form"].copied_by == 1


def test_stock_language_passages_are_not_copied_text():
    docs = [_doc("a", "2020-01-01"), _doc("b", "2019-01-01")]
    pairs = [_pair("a", "b", ((0, 500), (0, 500)), boilerplate=0.8)]
    a = attribute(docs, pairs, Lineage())["a"]
    assert a.chars == 0 and a.sources == ()


def test_the_sample_reads_as_gold_does(sample_scan):
    att = attribute(sample_scan.documents, sample_scan.pairs, sample_scan.lineage)
    by = {short(k) + (k[-2:] if "#" in k else ""): v for k, v in att.items()}
    assert [(short(c.source), c.relation) for c in by["000"].sources] == [("001", "parent"), ("002", "fill-in")]
    for d in ("003", "004"):
        assert [(short(c.source), c.relation) for c in by[d].sources] == [("001", "parent")]
    assert by["002"].sources == () and by["002"].copied_by == 1  # the fill-in template is upstream of 000
    assert by["001#1"].sources == () and by["001#1"].copied_by == 3
    for a in att.values():
        assert sum(c.chars for c in a.sources) + a.other_chars == a.chars


def test_the_module_example_runs():
    import doctest

    import provenance.attribution

    res = doctest.testmod(provenance.attribution)
    assert res.attempted > 0 and res.failed == 0


def test_scan_prints_where_the_copied_text_comes_from(samples_dir):
    from click.testing import CliRunner

    from provenance.cli import main

    res = CliRunner().invoke(main, ["scan", str(samples_dir)], catch_exceptions=False)
    lines = res.output.splitlines()
    start = lines.index(next(line for line in lines if line.startswith("where the copied text comes from")))
    rows = [line for line in lines[start + 3 :] if line[:3].isdigit()]
    assert [r[:3] for r in rows] == ["000", "004", "003"]  # most copied first
    assert "001_73402f074f5424ff.txt#1 14% (parent)" in rows[0] and "(fill-in)" in "\n".join(lines[start:])

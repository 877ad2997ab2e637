"""Direction evidence between two copying documents: each clue, and how orient() weighs them."""

from __future__ import annotations

from provenance.direction import Evidence, combine, orient, pair_evidence
from provenance.model import Document, Metadata, Pair, Passage, Placeholder
from provenance.placeholders import find_placeholders

BODY = "为提高信访维稳工作的应急处理和协调能力，迅速妥善处置突发性、大规模或异常性群众上访事件，制定本预案。"


def doc(doc_id: str, text: str, date: str | None = None, placeholders: bool = False) -> Document:
    ph = find_placeholders(text) if placeholders else ()
    return Document(doc_id, doc_id, text, metadata=Metadata(date=date, placeholders=ph))


def whole(a: Document, b: Document, similarity: float = 0.9) -> Pair:
    """A pair whose one passage covers both texts."""
    return Pair(a.id, b.id, 1.0, 1.0, len(a.text), len(b.text), "copy",
                (Passage((0, len(a.text)), (0, len(b.text)), similarity),))


def kinds(evidence) -> list[tuple[str, str]]:
    return [(e.kind, e.favours) for e in evidence]


def test_older_date_is_the_parent_whichever_order_the_pair_lists():
    a, b = doc("a", BODY, "2021-06-24"), doc("b", BODY, "2023-02-22")
    for pair in (whole(a, b), whole(b, a)):
        parent, child, conf, ev = orient(a, b, pair)
        assert (parent, child) == ("a", "b")
        assert ev[0] == Evidence("date", "a", 0.9, "2021-06-24 < 2023-02-22")
        assert conf >= 0.85


def test_same_or_missing_dates_give_no_date_evidence():
    assert pair_evidence(doc("a", BODY, "2021-06-24"), doc("b", BODY, "2021-06-24"), whole(doc("a", BODY), doc("b", BODY))) == []
    assert pair_evidence(doc("a", BODY), doc("b", BODY, "2021-06-24"), whole(doc("a", BODY), doc("b", BODY))) == []
    assert orient(doc("a", BODY), doc("b", BODY), whole(doc("a", BODY), doc("b", BODY)))[:2] == (None, None)


def test_fill_in_template_is_upstream_and_filled_blanks_are_listed():
    t = doc("t", "XX镇信访维稳预案。" + BODY + "由XX派出所负责现场处置。", placeholders=True)
    c = doc("c", "金元镇信访维稳预案。" + BODY + "由金元派出所负责现场处置。")
    parent, child, conf, ev = orient(c, t, whole(c, t))
    assert (parent, child) == ("t", "c")
    assert ("template", "t") in kinds(ev) and ("placeholder_filled", "t") in kinds(ev)
    filled = next(e for e in ev if e.kind == "placeholder_filled")
    assert "XX" in filled.detail and "金元" in filled.detail
    inside = next(e for e in ev if e.kind == "template")
    assert inside.weight == 0.6 and "inside the shared text" in inside.detail


def test_template_whose_blanks_lie_outside_the_shared_text_is_weak_evidence():
    t = doc("t", BODY + "\n组 长：\n副组长：\n五、预警", placeholders=True)
    c = doc("c", BODY + "\n组长：王大伟（党委书记）")
    pair = Pair("t", "c", 0.5, 0.5, len(BODY), len(BODY), "copy", (Passage((0, len(BODY)), (0, len(BODY)), 1.0),))
    ev = pair_evidence(t, c, pair)
    assert kinds(ev) == [("template", "t")]
    assert ev[0].weight < 0.3 and "none inside" in ev[0].detail


def test_leaked_place_names_point_to_the_document_they_belong_to():
    src = doc("src", "安化县平安办负责统筹。安化县各乡镇落实排查。安化县公安局配合处置。" + BODY)
    cp = doc("cp", "平乐县平安办负责统筹。安化县各乡镇落实排查。平乐县公安局配合处置。" + BODY)
    parent, child, conf, ev = orient(cp, src, whole(cp, src))
    assert (parent, child) == ("src", "cp")
    leak = next(e for e in ev if e.kind == "leaked_entity")
    assert "安化县" in leak.detail and leak.weight >= 0.85


def test_leaked_names_listed_as_common_are_ignored():
    src = doc("src", "安化县平安办负责统筹。安化县各乡镇落实排查。安化县公安局配合处置。" + BODY)
    cp = doc("cp", "平乐县平安办负责统筹。安化县各乡镇落实排查。平乐县公安局配合处置。" + BODY)
    assert "leaked_entity" not in [e.kind for e in pair_evidence(cp, src, whole(cp, src), common={"安化"})]


def test_containment_favours_the_document_mostly_covered_by_the_shared_text():
    model = doc("m", BODY * 2)
    copy = doc("c", "本镇补充说明若干事项，请各村认真执行。" * 3 + BODY * 2)
    n = len(BODY) * 2
    pair = Pair("m", "c", 1.0, 0.5, n, n, "copy", (Passage((0, n), (len(copy.text) - n, len(copy.text)), 1.0),))
    ev = pair_evidence(model, copy, pair)
    assert kinds(ev) == [("containment", "m")]
    assert 0 < ev[0].weight <= 0.3


def test_no_containment_reading_when_one_document_is_several_times_longer():
    small = doc("s", BODY)
    big = doc("b", "其他章节内容，与本预案无关。" * 40 + BODY)
    pair = Pair("s", "b", 1.0, 0.1, len(BODY), len(BODY), "copy",
                (Passage((0, len(BODY)), (len(big.text) - len(BODY), len(big.text)), 1.0),))
    assert pair_evidence(small, big, pair) == []


def test_boilerplate_passages_are_not_evidence_when_real_ones_exist():
    t = doc("t", "XX镇XX村信访维稳预案。" + BODY, placeholders=True)
    c = doc("c", "金元镇平安村信访维稳预案。" + BODY)
    n = len(t.text)
    pair = Pair("t", "c", 1.0, 1.0, n, n, "copy",
                (Passage((0, 12), (0, 13), 0.7, boilerplate=0.9), Passage((12, n), (13, len(c.text)), 1.0)))
    ev = pair_evidence(t, c, pair)
    assert ("template", "t") in kinds(ev)
    assert next(e for e in ev if e.kind == "template").weight < 0.3  # both blanks are in the stock passage


def test_combine_weighs_contradictory_clues():
    ev = [Evidence("date", "a", 0.9, ""), Evidence("leaked_entity", "b", 0.85, "")]
    winner, conf = combine(ev, "a", "b")
    assert winner == "a" and conf < 0.2
    assert combine([], "a", "b") == (None, 0.0)
    assert combine([Evidence("x", "a", 0.5, ""), Evidence("y", "b", 0.5, "")], "a", "b") == (None, 0.0)


def test_evidence_serialises_to_plain_dicts():
    e = Evidence("date", "a.txt", 0.9, "2021-06-24 < 2023-02-22")
    assert e.as_dict() == {"kind": "date", "favours": "a.txt", "weight": 0.9, "detail": "2021-06-24 < 2023-02-22"}

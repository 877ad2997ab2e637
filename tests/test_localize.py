"""Localisation: substitutions between aligned passages, named entities, leaked foreign names."""

from __future__ import annotations

from pathlib import Path

import pytest

from provenance.localize import Substitution, foreign_entities, is_localised, named_entities, substitutions

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def fixture(prefix: str) -> str:
    return next(FIXTURES.glob(f"{prefix}_*.txt")).read_text(encoding="utf-8")


def kinds(subs) -> list[tuple[str, str, str]]:
    return [(s.a, s.b, s.kind) for s in subs]


# --- substitutions -----------------------------------------------------------------------------

def test_place_name_swapped_is_widened_to_the_whole_name():
    subs = substitutions("安化县平安办", "平乐县平安办")
    assert subs == (Substitution(a="安化县", b="平乐县", kind="place", a_span=(0, 3), b_span=(0, 3)),)
    assert is_localised(subs)


def test_spans_are_offsets_into_the_documents():
    a_doc = "前言。由安化县平安办牵头。"
    b_doc = "序：由平乐县平安办牵头。"
    (s,) = substitutions(a_doc[3:], b_doc[2:], a_offset=3, b_offset=2)
    assert a_doc[s.a_span[0] : s.a_span[1]] == "安化县" and b_doc[s.b_span[0] : s.b_span[1]] == "平乐县"


def test_real_name_list_from_the_sample():
    """001 (篇一) and 004 share a leadership list; the town swapped the deputy's name."""
    a = fixture("001")
    b = fixture("004")
    a0 = a.index("副组长: 蒋克兵")
    b0 = b.index("副指挥长")
    a_text = a[a0 : a0 + len("副组长: 蒋克兵(副镇长)")]
    b_text = "副组长: " + b[b.index("周洪兵") : b.index("周洪兵") + 3] + "(副镇长)"
    (s,) = substitutions(a_text, b_text, a_offset=a0)
    assert (s.a, s.b, s.kind) == ("蒋克兵", "周洪兵", "person")
    assert a[s.a_span[0] : s.a_span[1]] == "蒋克兵"
    assert b0 > 0


def test_template_blank_filled_with_a_name():
    a = fixture("001")
    i = a.index("组长[xxx(党委副书记)")
    subs = substitutions(a[i : i + 13], "组  长：刘学臣  党委副书记", a_offset=i)
    assert kinds(subs) == [("xxx", "刘学臣", "person")]
    assert subs[0].a_span == (i + 3, i + 6)


def test_chained_places_and_bodies():
    assert kinds(substitutions("大英县金元镇人民政府负责", "安化县平安镇人民政府负责")) == [
        ("大英县金元镇", "安化县平安镇", "place")]
    assert kinds(substitutions("金元镇社会治理和应急管理办负责", "昂素镇综治办负责")) == [
        ("金元镇社会治理和应急管理办", "昂素镇综治办", "org")]


def test_dates_numbers_phones():
    subs = substitutions("于2021年6月24日前，联系电话：0838-1234567，值班24小时",
                         "于2023年2月22日前，联系电话：0838-7654321，值班12小时")
    assert kinds(subs) == [("2021年6月24日", "2023年2月22日", "date"), ("0838-1234567", "0838-7654321", "phone"),
                           ("24", "12", "number")]
    assert is_localised(subs)
    assert kinds(substitutions("第三条 坚持依法处置", "第四条 坚持依法处置")) == [("三", "四", "number")]
    assert kinds(substitutions("手机：13812345678", "手机：13912345678")) == [("13812345678", "13912345678", "phone")]


def test_person_in_title_context():
    assert kinds(substitutions("办公室主任由赵健同志兼任", "办公室主任由赵明同志兼任")) == [("赵健", "赵明", "person")]
    assert kinds(substitutions("成员：王大伟、李明、张强", "成员：王大伟、刘洋、张强")) == [("李明", "刘洋", "person")]


def test_changed_wording_is_not_localisation():
    subs = substitutions("坚持依法处置，确保稳定", "坚持分级处置，确保稳定")
    assert kinds(subs) == [("依法", "分级", "other")]
    assert not is_localised(subs)
    assert kinds(substitutions("应当及时纠正", "应当及时改正")) == [("纠", "改", "other")]
    assert kinds(substitutions("主要负责", "向镇负责")) == [("主要", "向镇", "other")]


def test_whitespace_punctuation_and_width_are_not_differences():
    assert substitutions("属地管理、分级负责，谁主管、谁负责", "属地管理,分级负责\n\n谁主管 谁负责") == ()
    assert substitutions("ＡＢＣ公司１２３", "ABC公司123") == ()


def test_english_substitutions():
    subs = substitutions("The Lincoln County Board shall meet on 22 February 2023 at the Court House.",
                         "The Adams County Board shall meet on 5 March 2021 at the Court House.")
    assert kinds(subs) == [("Lincoln County", "Adams County", "place"), ("22 February 2023", "5 March 2021", "date")]
    assert is_localised(subs)
    subs = substitutions("Contact Mr. John Smith at (555) 123-4567.", "Contact Mr. Bill Jones at (555) 987-6543.")
    assert kinds(subs) == [("John Smith", "Bill Jones", "person"), ("(555) 123-4567", "(555) 987-6543", "phone")]
    assert kinds(substitutions("The Lincoln County Board of Commissioners", "The Adams County Council")) == [
        ("Lincoln County Board of Commissioners", "Adams County Council", "org")]
    assert kinds(substitutions("under Resolution 2021-45 of the Council", "under Resolution 2023-12 of the Council")) == [
        ("2021-45", "2023-12", "number")]


def test_english_rewording_is_other():
    subs = substitutions("The council shall review the plan annually.", "The council shall approve the plan annually.")
    assert kinds(subs) == [("review", "approve", "other")]
    assert not is_localised(subs)


def test_is_localised_edge_cases():
    assert not is_localised(())  # identical passages: a copy, not a localisation
    noisy = substitutions("三、组织领导由安化县负责", "、组织领导由平乐县负责")
    assert is_localised(noisy)  # a dropped list numeral counts as a number
    mixed = substitutions("由安化县负责，及时处置", "由平乐县负责，立即处置")
    assert not is_localised(mixed)
    assert is_localised(mixed, tolerance=2)


# --- named entities ----------------------------------------------------------------------------

def test_named_entities_in_the_samples():
    names_004 = {(n, k) for n, _, k in named_entities(fixture("004"))}
    assert {("金元镇", "place"), ("大英县", "place"), ("中共大英县金元镇委员会", "org"),
            ("大英县金元镇人民政府", "org")} <= names_004
    names_000 = {n for n, _, _ in named_entities(fixture("000"))}
    assert {"昂素镇", "中共昂素镇委员会", "昂素镇人民政府"} <= names_000
    names_003 = {n for n, _, _ in named_entities(fixture("003"))}
    assert {"西岗镇", "枣庄市"} <= names_003


def test_named_entity_spans_and_boundaries():
    text = "为确保大成镇的社会稳定，根据区疾控中心要求，成立镇综治中心，加强农村和城市社区工作，大英县金元镇人民政府"
    found = named_entities(text)
    for name, (a, b), _ in found:
        assert text[a:b] == name
    names = [n for n, _, _ in found]
    assert "大成镇" in names and "大英县" in names and "金元镇" in names
    assert not any(n.startswith(("确保", "根据", "成立", "加强", "城市", "农村")) for n in names)


def test_no_stock_words_taken_for_names_in_001():
    names = {n for n, _, _ in named_entities(fixture("001"))}
    assert {"天生桥镇", "大成镇", "王家庄村"} <= names
    assert not names & {"根据区", "配合区", "成立镇", "同时镇", "副镇", "年省", "报市"}


def test_latin_entities():
    text = ("The Lincoln County Board of Commissioners met in the City of Springfield. "
            "Springfield City Council, the City Council of Salem and the Commune de Vence replied.")
    names = {(n, k) for n, _, k in named_entities(text)}
    assert {("Lincoln County Board of Commissioners", "org"), ("Lincoln County", "place"),
            ("City of Springfield", "place"), ("Springfield City Council", "org"),
            ("City Council of Salem", "org"), ("Commune de Vence", "place")} <= names
    assert not any(n.startswith(("The ", "County Board")) for n, _ in names)


# --- leaked foreign names ----------------------------------------------------------------------

def test_leaked_township_in_a_localised_copy_of_004():
    source = fixture("004")
    copy = source.replace("金元", "昂素")
    leak_at = copy.index("昂素派出所")
    copy = copy[:leak_at] + "金元" + copy[leak_at + 2 :]  # one occurrence the copyist forgot
    passages = [(0, len(copy))]
    leaks = foreign_entities(copy, passages, source)
    assert leaks and leaks[0][1][0] == leak_at
    assert all(copy[a:b] == name and "金元" in name for name, (a, b) in leaks)
    # outside the shared passages the name is the copy's own material, not a leak
    assert foreign_entities(copy, [(0, leak_at)], source) == []
    # a faithful localisation leaks nothing
    assert foreign_entities(source.replace("金元", "昂素"), passages, source) == []


def test_shared_provinces_and_ignored_names_are_not_leaks():
    source = "山东省安化县平安办负责。安化县各乡镇落实。安化县公安局配合。"
    copy = "山东省平乐县平安办负责。安化县各乡镇落实。平乐县公安局配合。"
    assert foreign_entities(copy, [(0, len(copy))], source) == [("安化县", (12, 15))]
    assert foreign_entities(copy, [(0, len(copy))], source, ignore={"安化县"}) == []


def test_latin_leak():
    source = "The Lincoln County Board shall coordinate. Lincoln County residents may call the Lincoln County Sheriff."
    copy = "The Adams County Board shall coordinate. Lincoln County residents may call the Adams County Sheriff."
    assert foreign_entities(copy, [(0, len(copy))], source) == [("Lincoln County", (41, 55))]


@pytest.mark.parametrize("prefix", ["000", "003", "004"])
def test_a_document_leaks_nothing_into_itself(prefix):
    text = fixture(prefix)
    assert foreign_entities(text, [(0, len(text))], text) == []


def test_docstring_examples():
    import doctest

    from provenance import entities, localize

    for module in (entities, localize):
        assert doctest.testmod(module).failed == 0, module.__name__


def test_template_blanks_filled():
    assert kinds(substitutions("由XX派出所负责", "由金元派出所负责")) == [("XX派出所", "金元派出所", "org")]
    assert kinds(substitutions("○○镇人民政府", "金元镇人民政府")) == [("○○镇", "金元镇", "place")]
    assert kinds(substitutions("由×××同志负责", "由赵健同志负责")) == [("×××", "赵健", "person")]

"""Metadata: issuing date, document number, title, issuer, placeholders (provenance.metadata, .dates, .placeholders)."""

from __future__ import annotations

from pathlib import Path

import pytest

from provenance.dates import find_dates, scan_dates
from provenance.metadata import extract_metadata, issue_date
from provenance.placeholders import find_placeholders

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
REGULATIONS = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "zh-regulations"


def fixture(prefix: str) -> str:
    return next(FIXTURES.glob(f"{prefix}_*.txt")).read_text(encoding="utf-8")


# --- the sample corpus -------------------------------------------------------------------------

def test_000_date_number_title_issuer():
    m = extract_metadata(fixture("000"))
    assert m.date == "2023-02-22"
    assert m.doc_number == "昂党政发〔2023〕4号"
    assert m.title == "中共昂素镇委员会 昂素镇人民政府关于做好信访维稳和突发事件应急处置工作预案的通知"
    assert m.issuer == "中共昂素镇委员会 昂素镇人民政府"
    assert not m.template and m.date_note is None


def test_004_glued_signature_date():
    text = fixture("004")
    m = extract_metadata(text)
    assert m.date == "2021-06-24"  # written "2021624" under the signature
    d, line, _ = issue_date(text)
    assert d.raw == "2021624" and text[d.span[0] : d.span[1]] == "2021624"
    assert m.issuer == "中共大英县金元镇委员会 大英县金元镇人民政府"
    assert m.title.startswith("中共大英县金元镇委员会 大英县金元镇人民政府 关于印发《庆祝建党100周年")
    assert not m.template


def test_003_title_over_three_lines_and_no_date():
    m = extract_metadata(fixture("003"))
    assert m.title == "中共西岗镇委员会西岗镇人民政府关于开展脱贫攻坚专项巡察工作的信访维稳应急预案"
    assert m.issuer == "中共西岗镇委员会 西岗镇人民政府"
    assert m.date is None and m.doc_number is None
    assert not m.template


def test_002_is_a_fill_in_template():
    text = fixture("002")
    m = extract_metadata(text)
    assert m.template
    assert m.title == "XX镇信访维稳工作应急处置预案"
    found = [p.text for p in m.placeholders]
    assert "XX镇" in found and "XX派出所" in found
    assert any(t.replace("\u2002", " ").startswith("组 长") for t in found)  # the empty 组 长： field
    assert "副组长：" in found
    for p in m.placeholders:
        assert text[p.span[0] : p.span[1]] == p.text


@pytest.mark.skipif(not REGULATIONS.is_dir(), reason="shared corpus not present")
def test_real_regulations_are_not_templates_and_are_dated():
    files = sorted(REGULATIONS.glob("*/*.md"))
    assert len(files) >= 60
    for f in files:
        m = extract_metadata(f.read_text(encoding="utf-8"))
        assert m.placeholders == (), (f.name, m.placeholders)
        assert m.date is not None, f.name
        assert m.title and m.title.endswith("条例"), f.name


@pytest.mark.skipif(not REGULATIONS.is_dir(), reason="shared corpus not present")
def test_regulation_dates_skip_effective_dates():
    beijing = extract_metadata(next(REGULATIONS.glob("*/北京_北京市文明行为促进条例*.md")).read_text(encoding="utf-8"))
    assert beijing.date == "2020-04-24"
    assert beijing.issuer == "北京市第十五届人民代表大会常务委员会"
    ningbo = next(REGULATIONS.glob("*/浙江_宁波市大气污染防治条例*.md")).read_text(encoding="utf-8")
    assert extract_metadata(ningbo).date == "2016-06-08"  # published; "2016年7月1日 施行" is not the issuing date


# --- dates -------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, iso", [
    ("2023 年 2 月 22 日", "2023-02-22"),
    ("2023年2月22日", "2023-02-22"),
    ("二〇二三年二月二十二日", "2023-02-22"),
    ("二零二一年十月一日", "2021-10-01"),
    ("二○二○年十二月三十一日", "2020-12-31"),
    ("２０２３年２月２２日", "2023-02-22"),
    ("2023-02-22", "2023-02-22"),
    ("2023.2.22", "2023-02-22"),
    ("2023/2/22", "2023-02-22"),
    ("22 February 2023", "2023-02-22"),
    ("February 22, 2023", "2023-02-22"),
    ("Feb. 22, 2023", "2023-02-22"),
    ("22nd day of February, 2023", "2023-02-22"),
    ("22. Februar 2023", "2023-02-22"),
    ("22 de febrero de 2023", "2023-02-22"),
    ("1er mars 2023", "2023-03-01"),
    ("22.02.2023", "2023-02-22"),
    ("2023년 2월 22일", "2023-02-22"),
])
def test_date_forms(text, iso):
    assert find_dates(f"签发 {text} 止") == [(iso, (3, 3 + len(text)))]


@pytest.mark.parametrize("text", [
    "2023年2月30日",  # no such day
    "2023-13-01",
    "1900年1月1日",  # implausible year
    "2999-01-01",
    "version 3.2 of 12",
    "电话 2021624 转",  # glued digits inside a sentence are never a date
])
def test_never_an_invalid_date(text):
    assert find_dates(text) == []


def test_glued_digits_only_when_one_reading():
    assert find_dates("落款\n  2021624\n") == [("2021-06-24", (5, 12))]
    assert find_dates("落款\n20210624\n") == [("2021-06-24", (3, 11))]
    seen = scan_dates("落款\n2021124\n")
    assert [(d.iso, d.note) for d in seen] == [(None, "ambiguous date '2021124'")]
    assert find_dates("落款\n202112\n") == []  # 2021-01-02, or December 2021?


def test_a_date_that_lost_its_day_mark_at_the_end_of_a_line():
    assert find_dates("梅青街道人民政府\n2014 年 8 月 31 \n") == [("2014-08-31", (9, 22))]
    assert find_dates("二〇一四年八月三十\n") == [("2014-08-30", (0, 9))]
    assert find_dates("截至2014年8月31\n2 人参加") == []  # the next line goes on with digits: not a date's end
    assert find_dates("共计2014年8月312\n") == []


def test_slash_dates_are_read_only_when_unambiguous():
    assert find_dates("13/02/2023") == [("2023-02-13", (0, 10))]
    assert find_dates("02/03/2023") == []


def test_ambiguous_issuing_date_gives_a_note_not_a_date():
    m = extract_metadata("关于做好工作的通知\n\n正文内容。\n\n某某镇人民政府\n2021124\n")
    assert m.date is None
    assert m.date_note == "ambiguous date '2021124'"


def test_dates_in_sentences_are_not_the_issuing_date():
    m = extract_metadata("关于做好工作的通知\n根据2020年1月1日会议精神，制定本方案。\n一、目标\n做好工作。\n")
    assert m.date is None
    assert "body" in m.date_note


def test_signature_date_beats_print_date_and_body_dates():
    text = ("关于做好工作的通知\n根据2020年1月1日会议精神，制定本方案。\n" + "正文。\n" * 20
            + "某县人民政府\n2023年3月1日\n某县政府办公室 2023年3月2日印发\n")
    assert extract_metadata(text).date == "2023-03-01"


def test_english_document():
    text = ("RESOLUTION NO. 2021-45\n\nA RESOLUTION OF THE\nCITY COUNCIL OF SPRINGFIELD\n\n"
            "WHEREAS, the City adopted a plan on March 3, 2019; and\n\n"
            "NOW, THEREFORE, BE IT RESOLVED by the City Council.\n\nSpringfield City Council\nFebruary 22, 2023\n")
    m = extract_metadata(text)
    assert m.doc_number == "RESOLUTION NO. 2021-45"
    assert m.title == "A RESOLUTION OF THE CITY COUNCIL OF SPRINGFIELD"
    assert m.date == "2023-02-22"
    assert m.issuer == "Springfield City Council"
    assert not m.template


def test_english_number_and_dated_signature():
    text = ("Emergency Response Plan for the County of Lincoln\nNo. 12/2023\n\nThe plan of 4 May 2015 is repealed.\n\n"
            "Lincoln County Board of Commissioners\nDated: 22 February 2023\n")
    m = extract_metadata(text)
    assert (m.title, m.doc_number, m.date) == ("Emergency Response Plan for the County of Lincoln", "No. 12/2023", "2023-02-22")
    assert m.issuer == "Lincoln County Board of Commissioners"


@pytest.mark.parametrize("signature, iso", [
    ("Adopted by the Fire Department of the Town of Clearport this 11th day of September, 2009.", "2009-09-11"),
    # the same formula cut by a PDF wrap, inside the date and before it
    ("Adopted by the Police Department of the Town of Springrige this 5th day\nof December, 2016.", "2016-12-05"),
    ("Adopted by the Fire Department of the Town of Deercreek this 6th day of\nSeptember, 2013.", "2013-09-06"),
    ("Given under my hand and seal, done at Springfield on 3 March 2021.", "2021-03-03"),
    ("本预案经镇党委会议研究通过，2021年6月24日", "2021-06-24"),
    # "this Nth day of Month, Year" signs the text by itself: a misspelt verb, or no verb at all
    ("Aopted by the Board of Selectmen of the Town of Eastfield this 12th day of February, 2017.", "2017-02-12"),
    ("In witness whereof I have set my hand this 3rd day of May, 2019.", "2019-05-03"),
    # a licence or standard is dated by its version line
    ("Version 2.0 du 2006-09-05.", "2006-09-05"),
    ("GNU GENERAL PUBLIC LICENSE Version 3, 29 June 2007", "2007-06-29"),
])
def test_signing_formula_ending_with_the_date(signature, iso):
    text = "Emergency plan\n\n" + "The office keeps the plan up to date.\n" * 8 + "\n" + signature + "\n"
    assert extract_metadata(text).date == iso


@pytest.mark.parametrize("last", [
    "The plan shall be reviewed again on 1 March 2024.",
    "The board meets again this 1 March 2024.",  # "this" without the "day of" formula
    "This plan replaces version 2 of 1 March 2024.",  # "version" inside a sentence
])
def test_a_sentence_ending_with_a_date_is_not_a_signature(last):
    text = "Emergency plan\n\n" + "The office keeps the plan.\n" * 8 + last + "\n"
    assert extract_metadata(text).date is None


def test_a_version_line_under_the_title_dates_a_licence():
    text = "CONTRAT DE LICENCE DE LOGICIEL LIBRE CeCILL\n\nVersion 2.1 du 2013-06-21\n\n" + "Article.\n" * 40
    assert extract_metadata(text).date == "2013-06-21"


def test_an_amended_regulation_is_dated_by_its_amendment():
    text = ("# 某市大气污染防治条例\n\n2001年5月19日 某市人民代表大会常务委员会第二十七次会议通过\n\n"
            "2001年6月15日 某省人民代表大会常务委员会批准2001年6月15日某市人民代表大会常务委员会公告公布施行"
            "根据2018年9月7日某市人民代表大会常务委员会《关于修改等十九件地方性法规的决定》修正\n\n"
            + "第一条 为了防治大气污染，制定本条例。\n" * 10 + "第三十条 本条例自2019年1月1日起施行。\n")
    assert extract_metadata(text).date == "2018-09-07"


def test_the_date_a_text_takes_effect_is_not_its_date():
    assert extract_metadata("Plan\n\nbody.\n" + "x.\n" * 10 + "Effective 3 February 2024\n").date is None
    text = "关于做好工作的通知\n" + "正文。\n" * 10 + "本办法自2024年3月1日起施行。\n某县人民政府\n2024年2月3日\n"
    assert extract_metadata(text).date == "2024-02-03"


def test_characters_of_numerals_that_make_no_numeral_are_an_invalid_date():
    (d,) = scan_dates("2023年1月四零十日")
    assert (d.iso, d.note) == (None, "invalid date '2023年1月四零十日'")


def test_month_name_with_a_lost_letter():
    assert find_dates("Dated: Agust 1, 2009") == [("2009-08-01", (7, 20))]
    assert find_dates("3 Decmber 2011")[0][0] == "2011-12-03"
    assert find_dates("Arch 3, 2011") == []   # five-letter names lose no letter: too many look-alikes


# --- document numbers --------------------------------------------------------------------------

@pytest.mark.parametrize("line, number", [
    ("昂党政发〔2023〕4 号", "昂党政发〔2023〕4号"),
    ("京政发[2022]12号", "京政发[2022]12号"),
    ("大英委办发（2021） 第 7 号", "大英委办发（2021）第7号"),
    ("国办函〔2019〕 105号   签发人：张三", "国办函〔2019〕105号"),
])
def test_chinese_document_numbers(line, number):
    assert extract_metadata(f"{line}\n\n关于某事的通知\n正文。").doc_number == number


def test_cited_numbers_in_the_body_are_not_the_documents_own():
    body = "关于某事的通知\n" + "正文。\n" * 12 + "根据《通知》（国办发〔2022〕12号）要求，做好工作。\n"
    assert extract_metadata(body).doc_number is None


# --- placeholders ------------------------------------------------------------------------------

@pytest.mark.parametrize("text, marker", [
    ("XX镇人民政府", "XX镇"),
    ("xx县信访局", "xx县"),
    ("由XX派出所负责", "XX派出所"),
    ("×××同志", "×××"),
    ("联系人：某某", "某某"),
    ("某镇负责", "某"),
    ("签名：＿＿＿＿", "＿＿＿＿"),
    ("Signed: ________", "________"),
    ("地点：【】", "【】"),
    ("地点：【 】", "【 】"),
    ("Dear [NAME],", "[NAME]"),
    ("Dear {name},", "{name}"),
    ("Dear <<first_name>>,", "<<first_name>>"),
    ("20-年工作计划", "20-年"),
    ("20XX年工作计划", "20XX年"),
    ("20__年工作计划", "20__年"),
    ("○○镇", "○○"),
    ("X月X日", "X"),
    ("the XXX County Board", "XXX"),
    ("The [Town] Council shall", "[Town]"),
    ("signed by [Name of Employer] on", "[Name of Employer]"),
    ("der [Name des Rechtsinhabers]", "[Name des Rechtsinhabers]"),
])
def test_placeholders_found(text, marker):
    found = find_placeholders(text)
    assert marker in [p.text for p in found]
    for p in found:
        assert text[p.span[0] : p.span[1]] == p.text


def test_empty_form_fields():
    form = "四、组织领导\n组 长：\n副组长：\n组 员：\n五、预警处置\n"
    assert [p.text for p in find_placeholders(form)] == ["组 长：", "副组长：", "组 员："]
    filled = "四、组织领导\n组长：\n张三 镇长\n副组长：李四\n"
    assert find_placeholders(filled) == ()


@pytest.mark.parametrize("text", [
    "Chapter XXX of the code; Article XII; size XXL; Xerox; Pope Pius XII",
    "面积为3××4米，长3×4米",
    "二〇〇〇年十月，二零二三年",
    "某些单位、某种情况、某一方面",
    "组长：张三\n副组长：李四、王五\n",
    "def __init__(self): pass",
    "The XX Corps advanced.",
    "§ 12 [Reserved]. § 13 [Repealed]. He said [sic] so [Emphasis added].",
    "as provided in [Section 5] and [Chapter II]; see note [A] and [1]",
    "released under the [MIT License](https://opensource.org/licenses/MIT)",
    "released under the [MIT License].\n\n[MIT License]: LICENSE.txt",
    "[Tatu continues] and [Read full license]",
])
def test_placeholders_not_fired_by_real_text(text):
    assert find_placeholders(text) == ()


def test_one_blank_left_in_a_filled_text_is_listed_but_not_a_template():
    # A copy that forgot to fill one blank ("XX镇" kept in one sentence) is a copy, not a form.
    filled = "金元镇信访维稳应急预案\n一、由XX镇派出所负责现场处置。\n二、金元镇人民政府统一指挥。"
    m = extract_metadata(filled)
    assert [p.text for p in m.placeholders] == ["XX镇"] and not m.template
    form = extract_metadata("XX镇信访维稳应急预案\n一、由XX镇派出所负责现场处置。\n组 长：\n")
    assert len(form.placeholders) >= 2 and form.template


def test_samples_other_than_002_and_001_have_no_placeholders():
    for prefix in ("000", "003", "004"):
        assert extract_metadata(fixture(prefix)).placeholders == (), prefix


def test_empty_and_tiny_documents():
    assert extract_metadata("").title is None
    m = extract_metadata("just one line")
    assert (m.title, m.date, m.issuer, m.doc_number, m.placeholders) == ("just one line", None, None, None, ())


def test_docstring_examples():
    import doctest

    from provenance import dates, metadata, placeholders

    for module in (dates, placeholders, metadata):
        assert doctest.testmod(module).failed == 0, module.__name__


def _random_texts(n: int = 400) -> list[str]:
    """Texts dense in the characters the date and placeholder patterns start with."""
    import random

    rng = random.Random(5)
    alphabet = list("XxＸｘ×＊○〇◯某＿_【】[]{}<>19202 .-/年月日号镇县某些aAkKſ\n：:组长Mayjunedécembre二〇十") + [
        "2023年2月22日", "20XX年", "19__年", "XX镇", "[NAME]", "{{name}}", "<<date>>", "22.02.2023", "3/4/2021",
        "February 22, 2023", "22nd day of March, 2021", "2021624", "3××4", "二〇〇〇年", "××镇"]
    return ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 80))) for _ in range(n)]


def test_placeholder_scan_from_start_characters_finds_what_a_full_scan_finds():
    from provenance.placeholders import _SIMPLE, _simple_matches

    texts = _random_texts() + [fixture(p) for p in ("000", "001", "002", "003", "004")]
    for text in texts:
        fast = [(m.group(0), m.span(), m.lastgroup) for m in _simple_matches(text)]
        assert fast == [(m.group(0), m.span(), m.lastgroup) for m in _SIMPLE.finditer(text)], text


def test_date_scan_skipping_patterns_that_cannot_match_finds_what_a_full_scan_finds(monkeypatch):
    import re

    from provenance import dates

    texts = (_random_texts() + [fixture(p) for p in ("000", "001", "002", "003", "004")] + _zh_date_texts()
             + _month_date_texts())
    fast = {t: dates.scan_dates(t) for t in texts}  # never raises, whatever the numerals
    assert len(fast) > 2000
    monkeypatch.setattr(dates, "_matches", lambda kind, pat, text: pat.finditer(text))
    assert fast == {t: dates.scan_dates(t) for t in fast}
    assert sum(len(v) for v in fast.values()) > 200


def test_month_names_in_letters_ignorecase_equates_are_read_not_a_crash():
    from provenance.dates import scan_dates

    # re.IGNORECASE lets ı and İ match i, ſ match s; the month table must read them too (it raised KeyError)
    got = [(d.iso, d.raw) for d in scan_dates("Aprıl 5, 2021; 1 ſeptember 2020; JULİ 3, 1999")]
    assert got == [("2021-04-05", "Aprıl 5, 2021"), ("2020-09-01", "1 ſeptember 2020"), ("1999-07-03", "JULİ 3, 1999")]


def _month_date_texts(n: int = 3000) -> list[str]:
    """Strings dense in near-misses of dates with month names: names glued to words, digits, dots, odd cases."""
    import random

    rng = random.Random(11)
    alphabet = list("0123456789 .,_\nxſKıİ") + ["May", "may", "JUNE", "Sept", "sept.", "ſeptember", "Agust", "März",
                                              "Aprıl", "JULİ", "auguſt",
                                              "décembre", "março", "mayo", "Mai", "March", "Dec", "2021", "20",
                                              " 5, ", "1st", "x", "é", "of"]
    return ["".join(rng.choice(alphabet) for _ in range(rng.randint(3, 40))) for _ in range(n)]


def _zh_date_texts(n: int = 3000) -> list[str]:
    """Strings dense in near-misses of Chinese dates: numerals, spaces, 年月日 in every order."""
    import random

    rng = random.Random(9)
    alphabet = list("0123456789〇零○Ｏ一二三四五六七八九十廿卅年년月월日号號일  \u3000\n，。") + ["2023", "二〇二三", " 年 ", "十二"]
    return ["".join(rng.choice(alphabet) for _ in range(rng.randint(5, 60))) for _ in range(n)]


def test_document_number_search_skipping_impossible_patterns_equals_a_full_search():
    import random

    from provenance.metadata import _DOCNUM_LATIN, _DOCNUM_ZH, _docnum

    rng = random.Random(3)
    pieces = ["昂党政发", "〔2023〕", "[2021]", "（2019）", "【2020】", " ", "4", "号", "第", "No.", "no 12/2023", "Resolution",
              "2021-45", "Decree", "n°", "abc", "镇", "\n", "(20", "19", "〔", "12"]
    lines = ["".join(rng.choice(pieces) for _ in range(rng.randint(1, 12))) for _ in range(3000)]
    for line in lines:
        want = _DOCNUM_ZH.search(line) or _DOCNUM_LATIN.search(line)
        got = _docnum(line)
        assert (got and (got.re.pattern, got.span())) == (want and (want.re.pattern, want.span())), line

"""Segmentation: PDF wraps repaired, sentences, compilation parts."""

from __future__ import annotations

from provenance.segment import compilation_parts, paragraphs, sentences, wrap_width

from .conftest import FIXTURES


def test_pdf_wrapped_plan_gets_its_paragraphs_back():
    text = (FIXTURES / "000_e5f11eb15ed4a1f8.txt").read_text(encoding="utf-8")
    assert wrap_width(text) in range(25, 32)
    paras = [text[a:b] for a, b in paragraphs(text)]
    opening = next(p for p in paras if p.startswith("为保证我镇的安全稳定"))
    assert opening.rstrip().endswith("特\n\n制定以下工作预案。")
    assert "一、指导思想" in paras


def test_unwrapped_text_keeps_one_paragraph_per_line():
    text = (FIXTURES / "002_ee44213a3b5d60ac.txt").read_text(encoding="utf-8")
    assert wrap_width(text) is None
    paras = [text[a:b] for a, b in paragraphs(text)]
    assert paras[0] == "XX镇信访维稳工作应急处置预案"
    assert paras[2] == "一、指导思想"


def test_english_prose_wrapped_in_blocks_is_joined():
    text = ("The licensee shall keep the notice in all copies of the software and in any\n"
            "documentation that accompanies it, unless agreed otherwise in writing.\n\n"
            "Section two follows.")
    paras = [text[a:b] for a, b in paragraphs(text)]
    assert len(paras) == 2
    assert paras[0].endswith("in writing.")


def test_sentences_split_on_chinese_and_latin_terminators():
    text = "第一句。第二句！Third one. Fourth?"
    assert [text[a:b] for a, b in sentences(text)] == ["第一句。", "第二句！", "Third one.", "Fourth?"]


def test_compilation_is_split_at_numbered_headings():
    text = (FIXTURES / "001_73402f074f5424ff.txt").read_text(encoding="utf-8")
    parts = compilation_parts(text)
    assert len(parts) == 5
    assert parts[0][0] == 0 and parts[-1][1] == len(text)
    for k, (a, b) in enumerate(parts[1:], start=2):
        assert text[a:b].lstrip().startswith("村委会信访应急预案篇" + "一二三四五"[k - 1])


def test_plain_documents_are_not_compilations():
    for name in ("000_e5f11eb15ed4a1f8.txt", "003_96955203d032fc3a.txt", "004_785db1e8b88976bb.txt"):
        assert compilation_parts((FIXTURES / name).read_text(encoding="utf-8")) == []


def test_english_parts():
    text = "Part 1\n" + "alpha " * 60 + "\nPart 2\n" + "beta " * 60
    assert len(compilation_parts(text)) == 2

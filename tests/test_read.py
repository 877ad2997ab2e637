"""Readers: golden fixtures in fixtures/formats/, encodings, iter_files, and every refusal."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from provenance.read import SUPPORTED_SUFFIXES, ReadError, iter_files, read_document
from provenance.read.charset import decode
from provenance.read.html import _body_text
from provenance.read.pdf import PAGE_BREAK

from .conftest import FIXTURES

FORMATS = FIXTURES / "formats"
BAD = FORMATS / "bad"


def sample(prefix: str) -> str:
    (path,) = FIXTURES.glob(f"{prefix}_*.txt")
    return path.read_text(encoding="utf-8")


def expected(name: str) -> str:
    return (FORMATS / f"{name}.expected.txt").read_bytes().decode("utf-8")


def squeeze(text: str) -> str:
    return "".join(text.split())


def reason(path: str | os.PathLike) -> str:
    """The ReadError reason for ``path``, checking the one-line message format on the way."""
    with pytest.raises(ReadError) as info:
        read_document(path)
    err = info.value
    assert str(err) == f"{path}: {err.reason}"
    assert "\n" not in str(err) and "Traceback" not in str(err)
    return err.reason


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


# --- golden fixtures -------------------------------------------------------------------

GOLDEN = [
    ("003_gbk.txt", "txt", "gb18030"),
    ("004_utf16.txt", "txt", "utf-16"),
    ("003_big5_traditional.txt", "txt", "big5hkscs"),
    ("english.txt", "txt", "utf-8"),
    ("004.docx", "docx", None),
    ("000.pdf", "pdf", None),
    ("partly_unmapped.pdf", "pdf", None),
    ("embedded_no_tounicode.pdf", "pdf", None),
    ("embedded_no_tounicode_latin.pdf", "pdf", None),
    ("mixed_fonts.pdf", "pdf", None),
    ("adobe_gb1_no_tounicode.pdf", "pdf", None),
    ("002.html", "html", "gb18030"),
]


@pytest.mark.parametrize("name, fmt, encoding", GOLDEN)
def test_golden_fixture(name, fmt, encoding):
    src = read_document(FORMATS / name)
    assert src.text == expected(name)
    assert (src.format, src.encoding) == (fmt, encoding)
    assert src.path == str(FORMATS / name)


def test_encoded_copies_decode_to_the_original_text():
    assert read_document(FORMATS / "003_gbk.txt").text == sample("003")
    assert read_document(FORMATS / "004_utf16.txt").text == sample("004")
    big5 = read_document(FORMATS / "003_big5_traditional.txt").text
    assert big5.startswith(" 中共西崗鎮委員會\n西崗鎮人民政府\n")
    assert len(big5) == len(sample("003"))  # converted character by character


def test_gbk_fixture_is_plain_gbk():
    assert (FORMATS / "003_gbk.txt").read_bytes().decode("gbk") == sample("003")


def test_pdf_text_is_000_with_pages_marked():
    text = read_document(FORMATS / "000.pdf").text
    assert squeeze(text.replace("\f", "")) == squeeze(sample("000"))
    assert text.count("\n\f\n") == 2 and "\r" not in text  # three pages
    assert text.startswith("昂党政发〔2023〕4 号\n中共昂素镇委员会 昂素镇人民政府关于\n")


def test_pdf_unmapped_glyphs_become_replacement_characters():
    lines = read_document(FORMATS / "partly_unmapped.pdf").text.split("\n")
    assert lines == ["Riverside County Emergency Response Plan", "1. Purpose: protect life first, then property.",
                     "\ufffd" * 6, "2. Principles: act early on the basis of forecasts."]


def plan_lines(prefix: str, n: int) -> list[str]:
    return [line.strip() for line in sample(prefix).splitlines() if line.strip()][:n]


def test_pdf_embedded_font_without_tounicode_is_read_through_its_cmap():
    text = read_document(FORMATS / "embedded_no_tounicode.pdf").text
    assert squeeze(text.replace("\f", "")) == squeeze("".join(plan_lines("003", 10)))
    assert text.count(PAGE_BREAK) == 1 and "\ufffd" not in text  # two pages, both recovered
    assert text.startswith("中共西岗镇委员会\n西岗镇人民政府\n关于开展脱贫攻坚专项巡察工作的信访维稳应急预案\n")


def test_pdf_embedded_latin_font_without_tounicode_keeps_its_words():
    text = read_document(FORMATS / "embedded_no_tounicode_latin.pdf").text
    source = (FORMATS / "english.txt").read_text(encoding="utf-8").split("\n\n")[:6]
    assert text.split() == " ".join(source).split()
    assert text.startswith("Riverside County Emergency Response Plan for Severe Weather\n1. Purpose\n")


def test_pdf_mixed_page_recovers_the_embedded_font_and_marks_the_rest():
    lines = read_document(FORMATS / "mixed_fonts.pdf").text.split("\n")
    assert lines == ["Riverside County Emergency Response Plan", plan_lines("003", 2)[1], "\ufffd" * 6,
                     "2. Principles: act early on the basis of forecasts."]


def test_pdf_standard_cid_ordering_without_tounicode_is_read_by_pdfium_alone(monkeypatch):
    import provenance.read.pdf_recover as recover

    monkeypatch.setattr(recover, "page_texts", lambda *args: pytest.fail("fallback used"))
    text = read_document(FORMATS / "adobe_gb1_no_tounicode.pdf").text
    assert squeeze(text) == squeeze("".join(plan_lines("003", 4)))


def test_pdf_fallback_is_used_only_for_pages_with_junk(monkeypatch):
    import provenance.read.pdf_recover as recover

    calls = []
    real = recover.page_texts
    monkeypatch.setattr(recover, "page_texts", lambda data, pages, count: calls.append((sorted(pages), count))
                        or real(data, pages, count))
    read_document(FORMATS / "000.pdf")
    assert calls == []
    read_document(FORMATS / "embedded_no_tounicode.pdf")
    assert calls == [([0, 1], 2)]


def test_pdf_clean_files_do_not_import_pdfminer():
    code = ("import sys; from provenance.read import read_document; "
            f"read_document({str(FORMATS / '000.pdf')!r}); print('pdfminer' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])})
    assert out.stdout == "False\n"


def test_pdf_fallback_failure_or_other_page_count_keeps_pdfium_text(monkeypatch):
    import provenance.read.pdf_recover as recover

    data = (FORMATS / "mixed_fonts.pdf").read_bytes()
    assert recover.page_texts(data, [0], 2) == {}
    assert recover.page_texts(b"%PDF-1.4 not really", [0], 1) == {}
    monkeypatch.setattr(recover, "_read_pages", lambda data, wanted: 1 / 0)
    lines = read_document(FORMATS / "mixed_fonts.pdf").text.split("\n")
    assert lines[0] == "Riverside County Emergency Response Plan" and set(lines[1]) == {"\ufffd"}
    # every glyph unmapped: the text layer is unusable, not missing
    why = reason(FORMATS / "embedded_no_tounicode.pdf")
    assert why == "text layer unusable (fonts without a Unicode map); run OCR first"


def test_html_keeps_the_article_and_drops_the_chrome():
    text = read_document(FORMATS / "002.html").text
    assert squeeze(text) == squeeze(sample("002"))
    for chrome in ("首页", "范文大全", "相关文章", "防汛抗旱应急预案范文", "版权所有", "ICP", "统计代码", "搜索", "您的位置"):
        assert chrome not in text
    assert text.splitlines()[:3] == ["XX镇信访维稳工作应急处置预案", sample("002").splitlines()[1], "一、指导思想"]


def test_docx_paragraphs_and_table_rows_in_document_order():
    lines = read_document(FORMATS / "004.docx").text.split("\n")
    start = lines.index("金元镇应急劝返工作指挥部")  # the merged header cell, written once
    assert lines[start - 1].startswith("成立我应急劝返工作指挥部")
    assert lines[start + 1] == "长:吴坤杜\t镇党委书记"
    assert lines[start + 10] == "便民服务中心(退役军人服务站)主任\t"
    assert lines[start + 11].startswith("责:指挥部负责")
    assert lines[0] == sample("004").splitlines()[0].strip()


# --- encodings -------------------------------------------------------------------------

ZH = "为提高信访维稳工作的应急处理和协调能力，迅速妥善处置突发性、大规模或异常性上访事件，特制定本预案。\n"
ZH_TW = "為提高信訪維穩工作的應急處理和協調能力，迅速妥善處置突發性、大規模或異常性上訪事件，特制定本預案。\n"


@pytest.mark.parametrize("data, text, codec", [
    ("\ufeff中文 plan\r\n".encode("utf-8"), "中文 plan\r\n", "utf-8-sig"),
    ("中文 plan\n".encode("utf-16"), "中文 plan\n", "utf-16"),
    ("中文 plan\n".encode("utf-32"), "中文 plan\n", "utf-32"),
    ("中共西岗镇委员会\n西岗镇人民政府\n".encode("utf-16-le"), "中共西岗镇委员会\n西岗镇人民政府\n", "utf-16-le"),
    ("Plan\nA policy\n".encode("utf-16-be"), "Plan\nA policy\n", "utf-16-be"),
    ((ZH * 2).replace("\n", "\r\n").encode("gbk"), (ZH * 2).replace("\n", "\r\n"), "gb18030"),
    ("中共西岗镇委员会".encode("gbk"), "中共西岗镇委员会", "gb18030"),
    (("䶮𠀀" + ZH).encode("gb18030"), "䶮𠀀" + ZH, "gb18030"),
    ((ZH_TW * 2).encode("big5"), ZH_TW * 2, "big5hkscs"),
    ("この計画は、洪水や猛暑などの災害に備えるためのものです。\n".encode("shift_jis"),
     "この計画は、洪水や猛暑などの災害に備えるためのものです。\n", "cp932"),
    ("이 계획은 홍수와 폭염에 대비하기 위한 것이다. 주민에게 신속히 알린다.".encode("cp949"),
     "이 계획은 홍수와 폭염에 대비하기 위한 것이다. 주민에게 신속히 알린다.", "cp949"),
    ("План действий в чрезвычайных ситуациях применяется ко всем отделам.".encode("cp1251"),
     "План действий в чрезвычайных ситуациях применяется ко всем отделам.", "cp1251"),
    ("Plain ASCII policy text.\n".encode("ascii"), "Plain ASCII policy text.\n", "utf-8"),
])
def test_decode(data, text, codec):
    assert decode("x.txt", data) == (text, codec)


def test_text_is_returned_unchanged_without_newline_conversion(tmp_path):
    raw = "第一行\r\n第二行\r第三行\n\t缩进\u3000全角空格 \n"
    src = read_document(write(tmp_path, "plan.md", raw.encode("gbk")))
    assert src.text == raw and src.format == "txt"


def test_suffixes_are_case_insensitive(tmp_path):
    assert read_document(write(tmp_path, "PLAN.TXT", b"hello")).text == "hello"
    assert read_document(write(tmp_path, "plan.text", b"hello")).text == "hello"


def test_html_declared_charset_is_used(tmp_path):
    text = "Администрация города обеспечивает информирование населения о чрезвычайных ситуациях."
    page = f'<html><head><meta charset="koi8-r"></head><body><article><p>{text}</p></article></body></html>'
    src = read_document(write(tmp_path, "ru.html", page.encode("koi8_r")))
    assert src.text == text and src.encoding == "koi8-r"


def test_html_lying_meta_loses_to_valid_utf8_and_xml_declaration_is_accepted(tmp_path):
    page = ('<?xml version="1.0" encoding="gb2312"?>\n<html><head><meta charset="gb2312"/></head>'
            f"<body><article><p>{ZH.strip()}</p></article></body></html>")
    src = read_document(write(tmp_path, "a.htm", page.encode("utf-8")))
    assert src.text == ZH.strip() and src.encoding == "utf-8"


def test_html_falls_back_to_body_text(tmp_path, monkeypatch):
    import provenance.read.html as html

    page = ("<html><body><nav>首页 | 范文</nav><header>站点</header><div><h1>标题</h1><p>第一段，"
            "<b>加粗</b>文字。</p><ul><li>甲</li><li>乙</li></ul></div><script>var x;</script>"
            "<footer>版权所有</footer></body></html>")
    monkeypatch.setattr(html, "_main_text", lambda markup: "")
    assert read_document(write(tmp_path, "p.html", page.encode("utf-8"))).text == "标题\n第一段，加粗文字。\n甲\n乙"
    assert _body_text("<html><body><script>x</script></body></html>") == ""


# --- docx built here -------------------------------------------------------------------

def test_docx_vertical_merge_and_empty_paragraphs(tmp_path):
    import docx

    document = docx.Document()
    document.add_paragraph("一、组织领导")
    document.add_paragraph("")
    table = document.add_table(rows=2, cols=3)
    table.cell(0, 0).merge(table.cell(1, 0)).text = "领导小组"
    for r, (name, post) in enumerate([("张三", "组长"), ("李四", "副组长")]):
        table.cell(r, 1).text, table.cell(r, 2).text = name, post
    document.add_paragraph("二、工作要求")
    path = tmp_path / "t.docx"
    document.save(path)
    src = read_document(path)
    assert src.text == "一、组织领导\n\n领导小组\t张三\t组长\n\t李四\t副组长\n二、工作要求"
    assert (src.format, src.encoding) == ("docx", None)


def test_docx_zip_without_a_document(tmp_path):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("hello.txt", "hi")
    assert reason(write(tmp_path, "x.docx", buf.getvalue())).startswith("not a valid .docx: There is no item named")


# --- refusals --------------------------------------------------------------------------

@pytest.mark.parametrize("name, why", [
    ("binary.txt", "binary file, not text"),
    ("corrupt.docx", "not a valid .docx: not a zip archive"),
    ("corrupt.pdf", "not a valid .pdf: Failed to load document (PDFium: Data format error)."),
    ("empty.txt", "empty file"),
    ("no_text_layer.pdf", "no text layer (scanned image?); run OCR first"),
    ("no_unicode_map.pdf", "text layer unusable (fonts without a Unicode map); run OCR first"),
])
def test_bad_fixture(name, why):
    assert reason(BAD / name) == why


@pytest.mark.parametrize("name, data, why", [
    ("nul.txt", b"text with a \x00 NUL byte in it", "binary file, not text"),
    ("controls.md", bytes(range(1, 32)) * 10, "binary file, not text"),
    ("high.txt", bytes(range(128, 256)), "cannot decode: not UTF-8 and no known encoding fits"),
    ("odd.txt", b"\xff\xfeA", "cannot decode: invalid utf-16 data at byte 2"),
    ("punct.txt", "  \n\t。，！……\n12345\n".encode("utf-8"), "no text"),
    ("bom.txt", b"\xef\xbb\xbf", "no text"),
    ("empty.html", b"", "empty file"),
    ("script.html", b"<html><body><script>var a = 1;</script></body></html>", "no text"),
    ("old.docx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512,
     "not a valid .docx: an old binary Word .doc or a password-protected file"),
    ("notes.rtf", b"{\\rtf1 hi}", "unsupported file type '.rtf' "
     "(supported: .docx, .htm, .html, .md, .pdf, .text, .txt)"),
    ("README", b"hi", "unsupported file type (no suffix) (supported: .docx, .htm, .html, .md, .pdf, .text, .txt)"),
])
def test_refused(tmp_path, name, data, why):
    assert reason(write(tmp_path, name, data)) == why


def test_missing_folder_and_unreadable(tmp_path):
    assert reason(tmp_path / "missing.txt") == "cannot read: No such file or directory"
    (tmp_path / "dir.txt").mkdir()
    assert reason(tmp_path / "dir.txt") == "cannot read: is a folder"
    locked = write(tmp_path, "locked.txt", b"secret")
    locked.chmod(0)
    try:
        if os.access(locked, os.R_OK):
            pytest.skip("running as root: permissions are not enforced")
        assert reason(locked) == "cannot read: Permission denied"
    finally:
        locked.chmod(0o644)


def test_unexpected_library_errors_become_read_errors(tmp_path, monkeypatch):
    import provenance.read.txt as txt

    def boom(path, data):
        raise RuntimeError("something odd\nwith a second line")

    monkeypatch.setattr(txt, "read", boom)
    assert reason(write(tmp_path, "a.txt", b"hello")) == "cannot read txt: something odd"


# --- iter_files ------------------------------------------------------------------------

def test_supported_suffixes():
    assert SUPPORTED_SUFFIXES == frozenset({".txt", ".md", ".text", ".docx", ".pdf", ".html", ".htm"})


def test_iter_files(tmp_path):
    root = tmp_path / "corpus"
    for rel in ["b.txt", "a.PDF", "sub/c.docx", "sub/deeper/d.htm", "sub-x.md", "image.png", ".hidden.txt",
                ".git/config.txt", "sub/.cache/e.txt", "~$lock.docx", "z/notes.text"]:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(b"x")
    extra = tmp_path / "extra.rtf"
    extra.write_bytes(b"x")
    files = iter_files([root, extra, root / "b.txt", tmp_path / "missing.txt"])
    rel = [p.relative_to(tmp_path).as_posix() for p in files]
    assert rel == ["corpus/a.PDF", "corpus/b.txt", "corpus/sub/c.docx", "corpus/sub/deeper/d.htm",
                   "corpus/sub-x.md", "corpus/z/notes.text", "extra.rtf", "missing.txt"]
    assert iter_files([str(root)]) == files[:6]  # strings work, and the order is stable
    assert iter_files([]) == []

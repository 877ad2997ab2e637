"""Normalization: units, spans back to the original, what is set aside."""

from __future__ import annotations

import numpy as np

from provenance.normalize import WORD_FLAG, normalize


def surface(text, units):
    return [text[a:b] for a, b in zip(units.starts.tolist(), units.ends.tolist())]


def chars(units):
    return "".join(chr(i) for i in units.ids.tolist() if not i & int(WORD_FLAG))


def test_cjk_characters_are_units_and_spans_point_at_the_original():
    t = "属地管理、\n分级 负责"
    u = normalize(t)
    assert chars(u) == "属地管理分级负责"
    assert u.span(4, 8) == (6, 11)
    assert t[6:11] == "分级 负责"


def test_width_punctuation_and_wraps_do_not_matter():
    a = normalize("坚持“属地管理，分级负责”的原则。ABC１２３")
    b = normalize("坚持\"属地管理,分级\n\n负责\"的原则.ａｂｃ123")
    assert np.array_equal(a.ids, b.ids)


def test_traditional_maps_to_simplified_only_when_asked():
    trad, simp = "維護社會穩定", "维护社会稳定"
    assert np.array_equal(normalize(trad).ids, normalize(simp).ids)
    assert not np.array_equal(normalize(trad, t2s=False).ids, normalize(simp, t2s=False).ids)


def test_words_are_units_in_space_separated_text():
    t = "The Licensee shall NOT redistribute the Software."
    u = normalize(t)
    assert surface(t, u) == ["The", "Licensee", "shall", "NOT", "redistribute", "the", "Software"]
    assert all(i & int(WORD_FLAG) for i in u.ids.tolist())
    # case-insensitive
    assert normalize("NOT").ids[0] == normalize("not").ids[0]


def test_hyphenated_line_wrap_is_joined():
    u = normalize("regu-\nlation")
    v = normalize("regulation")
    assert np.array_equal(u.ids, v.ids)
    assert u.span(0, 1) == (0, 12)


def test_list_markers_and_noise_lines_are_set_aside():
    a = normalize("一、指导思想\n（二）工作原则\n1. 第一项\n- 要点\n##paidbegin##\n本文来源：某网站\n- 3 -\n")
    assert chars(a) == "指导思想工作原则第一项要点"
    b = normalize("(a) First item\nSection 3. Scope\nPage 2 of 9\n")
    assert [w for w in surface("(a) First item\nSection 3. Scope\nPage 2 of 9\n", b)] == ["First", "item", "Scope"]


def test_mixed_language_keeps_both_kinds_of_unit():
    t = "依据GDPR第5条处理个人数据"
    u = normalize(t)
    assert "GDPR" in surface(t, u)
    assert chars(u).startswith("依据")


def test_empty_and_punctuation_only():
    assert len(normalize("")) == 0
    assert len(normalize("，。！？ \n\t")) == 0


def test_inline_markers_found_from_their_first_characters_equal_a_full_scan():
    import random

    import numpy as np

    from provenance.normalize import _INLINE_MARKER, _inline_markers

    rng = random.Random(6)
    alphabet = list("(（①⑳⑴⒇⒈⒛㈠㈩一二十百零〇)）abc \n") + ["（一）", "(三)", "（十二）", "(百零〇一)", "𠀀"]
    for _ in range(3000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 60)))
        cps = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
        assert [m.span() for m in _inline_markers(text, cps)] == [m.span() for m in _INLINE_MARKER.finditer(text)]


def test_first_nonblank_of_each_line_equals_a_search_of_every_nonblank_position():
    """Lines indented by none, a few or many blanks (more than are stepped over one by one), blank to the end."""
    import random

    from provenance import normalize as nz

    rng = random.Random(7)
    blank = nz._line_tables()[0]
    for _ in range(2000):
        lines = [rng.choice(["", " ", "\u3000" * rng.randint(1, 3), " \t" * rng.randint(0, 12)]) + rng.choice(["", "一、条", "x"])
                 for _ in range(rng.randint(1, 12))]
        text = "\n".join(lines)
        n = len(text)
        cps = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
        clipped = np.append(np.minimum(cps, 0xFFFF), 0)
        nl = np.nonzero(cps == 10)[0]
        starts = np.concatenate(([0], nl + 1))
        nonblank = np.append(np.nonzero(~blank[clipped[:n]])[0], n)
        assert nz._first_nonblank(clipped, starts, blank).tolist() == nonblank[np.searchsorted(nonblank, starts)].tolist()


def test_line_flag_table_is_built_once_then_read_from_the_cache(tmp_path, monkeypatch):
    import re

    from provenance import normalize as nz

    def clear():
        for f in (nz._flag_table, nz._line_tables, nz._inline_start_table):
            f.cache_clear()

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    clear()
    try:
        built = nz._flag_table()
        files = list((tmp_path / "provenance").glob("line-flags-*.npy"))
        assert len(files) == 1
        clear()
        assert np.array_equal(nz._flag_table(), built) and nz._flag_table().dtype == np.uint8
        blank, mark, letter, noise = nz._line_tables()
        inline = nz._inline_start_table()
        # each flag is exactly the per-code-point definition it replaces
        for cp in range(0x10000):
            if 0xD800 <= cp <= 0xDFFF:
                continue
            c = chr(cp)
            digit = re.match(r"\d", c) is not None
            assert blank[cp] == (c in " \t\u3000")
            assert mark[cp] == (c in nz._HAN_NUM + "(（-–—•·●○◆◇■□▪*+第§" or digit
                                or re.match(r"(?i:[sa§])", c) is not None)
            assert letter[cp] == (c.isascii() and c.isalpha())
            assert noise[cp] == (c in "#本文来原责编免版下-－—–_~第\r" or digit or re.match(r"(?i:[phw])", c) is not None)
            assert inline[cp] == (nz._INLINE_START.match(c) is not None)
    finally:
        clear()


def test_words_cut_one_by_one_in_mostly_chinese_text_equal_the_vector_passes(monkeypatch):
    """Up to ``_FEW_WORD_CHARS`` word characters the words are cut and hashed one by one: the same units."""
    import random

    from provenance import normalize as nz

    rng = random.Random(8)
    pieces = ["属地管理", "分级负责", "697", "GB/T 2260", "Ａｂｃ", "x", "re-\nport", "，", " ", "\n", "（一）", "第三条 ", "é", "𠀀"]
    for _ in range(1500):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 40)))
        few, _ = nz.normalize_lines(text)
        monkeypatch.setattr(nz, "_FEW_WORD_CHARS", -1)
        many, _ = nz.normalize_lines(text)
        monkeypatch.undo()
        for a, b in ((few.ids, many.ids), (few.starts, many.starts), (few.ends, many.ends)):
            assert a.dtype == b.dtype and a.tolist() == b.tolist(), text

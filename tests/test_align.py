"""Alignment: exact spans, one passage per copied passage, similarity."""

from __future__ import annotations

import random

import numpy as np

from provenance.align import AlignParams, align
from provenance.fingerprint import shingle_hashes
from provenance.normalize import normalize


def _run(a: str, b: str, k: int = 5, p: AlignParams = AlignParams()):
    ua, ub = normalize(a), normalize(b)
    ka, kb = np.full(len(ua), k), np.full(len(ub), k)
    ha, va = shingle_hashes(ua, ka)
    hb, vb = shingle_hashes(ub, kb)
    raws = align(ua.ids, ha, va, ka, ua.weights(), ub.ids, hb, vb, p)
    return [(a[slice(*ua.span(r.i0, r.i1))], b[slice(*ub.span(r.j0, r.j1))], r) for r in raws]


COPIED = "坚持宜散不宜聚、宜解不宜结、宜快不宜慢、宜缓不宜激的原则，讲究策略，注意方式，正确做好上访事件现场处理工作。"


def _filler(seed: int, n: int) -> str:
    rng = random.Random(seed)
    pool = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处理府研质"
    return "".join(rng.choice(pool) for _ in range(n))


def test_verbatim_passage_inside_original_text_is_found_exactly():
    a = _filler(1, 300) + COPIED + _filler(2, 300)
    b = _filler(3, 200) + COPIED + _filler(4, 200)
    found = _run(a, b)
    assert len(found) == 1
    sa, sb, r = found[0]
    assert sa == COPIED.rstrip("。") or sa == COPIED
    assert sb == sa
    assert r.similarity == 1.0


def test_lightly_revised_copy_is_one_passage():
    revised = COPIED.replace("宜缓不宜激", "宜疏不宜激").replace("讲究策略，", "").replace("正确", "认真")
    a = _filler(5, 200) + COPIED + _filler(6, 200)
    b = _filler(7, 150) + revised + _filler(8, 150)
    found = _run(a, b)
    assert len(found) == 1
    sa, sb, r = found[0]
    assert sa.startswith("坚持宜散不宜聚") and sb.startswith("坚持宜散不宜聚")
    assert 0.8 <= r.similarity < 1.0


def test_spans_cross_pdf_line_breaks_in_the_original():
    wrapped = "\n\n".join(COPIED[i : i + 13] for i in range(0, len(COPIED), 13))
    found = _run(_filler(9, 100) + wrapped, COPIED + _filler(10, 100))
    assert len(found) == 1
    assert found[0][0].replace("\n", "").startswith("坚持宜散不宜聚")
    assert found[0][2].similarity == 1.0


def test_unrelated_texts_share_nothing():
    assert _run(_filler(11, 500), _filler(12, 500)) == []


def test_reordered_sentences_give_one_passage_each():
    s1 = "立即召开信访维稳领导小组会议，通报上访情况和接访情况，分析研究可能出现的问题及对策。"
    s2 = "立即将上访情况和接访情况向县委县政府报告，同时组织力量赶赴现场做好劝返工作。"
    a = _filler(13, 100) + s1 + _filler(14, 80) + s2 + _filler(15, 100)
    b = _filler(16, 100) + s2 + _filler(17, 80) + s1 + _filler(18, 100)
    found = _run(a, b)
    texts = sorted(x[0] for x in found)
    assert len(found) == 2
    assert any(t.startswith("立即召开") for t in texts) and any(t.startswith("立即将") for t in texts)


def test_english_words():
    copied = ("Permission is hereby granted, free of charge, to any person obtaining a copy of this software "
              "and associated documentation files, to deal in the Software without restriction")
    a = "Preamble text about our project and its goals. " + copied + " Our own closing words here."
    b = "Another header that is different entirely. " + copied.replace("free of charge", "without fee") + " End."
    found = _run(a, b, k=3)
    assert len(found) == 1
    assert found[0][0].startswith("Permission is hereby granted")
    assert found[0][0].endswith("without restriction")

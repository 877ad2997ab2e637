"""Alignment: exact spans, one passage per copied passage, similarity."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

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


# ---------------------------------------------------------------- one copied passage, one passage

_REPO = Path(__file__).resolve().parent.parent
_PLAN = "".join((_REPO / "fixtures" / "003_96955203d032fc3a.txt").read_text(encoding="utf-8").split())
_KJV = (_REPO / "benchmarks" / "stock" / "en_kjv_law.txt").read_text(encoding="utf-8").split()
_MIT = ('Permission is hereby granted, free of charge, to any person obtaining a copy of this software and '
        'associated documentation files (the "Software"), to deal in the Software without restriction, including '
        'without limitation the rights to use, copy, modify, merge, publish, distribute, sublicense, and/or sell '
        'copies of the Software, and to permit persons to whom the Software is furnished to do so, subject to the '
        'following conditions:\n\nThe above copyright notice and this permission notice shall be included in all '
        'copies or substantial portions of the Software.\n\n')
_MIT_WARRANTY = ('THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING BUT '
                 'NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND '
                 'NONINFRINGEMENT.')
_SAAS = ('If your version of the Software supports interaction with it remotely through a computer network, the '
         'above copyright notice and this permission notice shall be accessible to all users.\n\n')


def _spans(a: str, b: str, k: int):
    ua, ub = normalize(a), normalize(b)
    ka, kb = np.full(len(ua), k), np.full(len(ub), k)
    ha, va = shingle_hashes(ua, ka)
    hb, vb = shingle_hashes(ub, kb)
    return [(ua.span(r.i0, r.i1), ub.span(r.j0, r.j1)) for r in align(ua.ids, ha, va, ka, ua.weights(),
                                                                        ub.ids, hb, vb)]


def _overlap(x, y) -> int:
    return max(0, min(x[1], y[1]) - max(x[0], y[0]))


def _no_overlaps(found) -> bool:
    return all(_overlap(p[s], q[s]) == 0 for n, p in enumerate(found) for q in found[n + 1:] for s in (0, 1))


def test_lightly_edited_chinese_copy_is_one_passage():
    """8 % of the characters substituted or dropped: still one passage (chaining used to leave two or three)."""
    pool = sorted(set(_PLAN))
    for seed in range(40):
        rng = random.Random(seed)
        start = rng.randrange(0, len(_PLAN) - 700)
        copy = _PLAN[start : start + 600]
        edited = "".join((rng.choice(pool) if rng.random() < 0.5 else "") if rng.random() < 0.08 else ch for ch in copy)
        fa, fb = _filler(100 + seed, 300), _filler(200 + seed, 300)
        a, b = fa + copy + fa[::-1], fb + edited + fb[::-1]
        found = _spans(a, b, 4)
        on_copy = [f for f in found if _overlap(f[0], (300, 900)) and _overlap(f[1], (300, 300 + len(edited)))]
        assert len(on_copy) == 1, (seed, found)
        assert _overlap(on_copy[0][0], (300, 900)) >= 0.95 * 600, (seed, found)
        assert _no_overlaps(found), (seed, found)


def _kjv_copy(seed: int, rate: float, words: int = 150):
    """KJV text with a share ``rate`` of its words edited (half substituted, a quarter dropped, a quarter
    followed by an inserted word), between unrelated KJV text; the passages found and the copy's spans."""
    vocab = sorted({w.lower().strip(".,;:") for w in _KJV})
    rng = random.Random(seed)
    s = rng.randrange(0, len(_KJV) - 3000)
    copy = _KJV[s : s + words]
    edited = []
    for w in copy:
        r = rng.random() / rate
        edited += [w] if r >= 1 else [rng.choice(vocab)] if r < 0.5 else [] if r < 0.75 else [w, rng.choice(vocab)]
    t1, t2 = rng.randrange(0, len(_KJV) - 400), rng.randrange(0, len(_KJV) - 400)
    before_a, before_b = " ".join(_KJV[t1 : t1 + 120]) + " ", " ".join(_KJV[t2 : t2 + 120]) + " "
    a = before_a + " ".join(copy) + " " + " ".join(_KJV[t1 + 120 : t1 + 240])
    b = before_b + " ".join(edited) + " " + " ".join(_KJV[t2 + 120 : t2 + 240])
    span_a = (len(before_a), len(before_a) + len(" ".join(copy)))
    span_b = (len(before_b), len(before_b) + len(" ".join(edited)))
    found = _spans(a, b, 3)
    return found, [f for f in found if _overlap(f[0], span_a) and _overlap(f[1], span_b)], span_a


def test_english_copy_with_word_edits_is_one_passage_that_stays_inside_it():
    """8 % of the words edited: one passage, covering the copy and ending where it ends."""
    for seed in range(40):
        found, on_copy, span_a = _kjv_copy(seed, 0.08)
        assert len(on_copy) == 1, (seed, found, span_a)
        (a0, a1), _ = on_copy[0]
        assert _overlap((a0, a1), span_a) >= 0.9 * (span_a[1] - span_a[0]), (seed, on_copy, span_a)
        assert a0 >= span_a[0] - 30 and a1 <= span_a[1] + 30, (seed, on_copy, span_a)
        assert _no_overlaps(found), (seed, found)


def test_heavily_edited_english_copy_is_still_one_passage():
    """A fifth of the words edited: the pieces chaining leaves are merged when their union verifies as one."""
    for seed in range(40):
        found, on_copy, span_a = _kjv_copy(seed, 0.2, words=120)
        assert len(on_copy) == 1, (seed, found, span_a)
        assert _no_overlaps(found), (seed, found)


def test_a_clause_only_one_side_has_stays_outside_the_passages():
    """MIT against the SaaS variant, which inserts a paragraph repeating MIT's words: it is in no passage."""
    a, b = _MIT + _MIT_WARRANTY, _MIT + _SAAS + _MIT_WARRANTY
    found = _spans(a, b, 3)
    inserted = (len(_MIT), len(_MIT) + len(_SAAS))
    assert len(found) == 2
    assert all(_overlap(f[1], inserted) <= 3 for f in found), found
    assert _no_overlaps(found)


def test_a_sentence_held_once_is_aligned_once():
    """b holds a sentence once, a twice: one passage, not one per occurrence."""
    s = "各村（社区）发现情况后，应立即向镇应急办报告，并同时报县有关部门。"
    a = _filler(30, 200) + s + _filler(31, 200) + s + _filler(32, 200)
    b = _filler(33, 200) + s + _filler(34, 200)
    found = _spans(a, b, 4)
    assert len(found) == 1


def test_a_paragraph_held_twice_is_reported_twice():
    """A compilation holding its model paragraph twice: the copy of it is shared with both occurrences."""
    a = _filler(40, 200) + COPIED * 3 + _filler(41, 300) + COPIED * 3 + _filler(42, 200)
    b = _filler(43, 200) + COPIED * 3 + _filler(44, 200)
    found = _spans(a, b, 4)
    assert len(found) == 2
    assert found[0][1] == found[1][1]


@pytest.mark.parametrize("line, times", [
    ("各单位要加强领导，落实责任，确保安全生产形势稳定。\n", 100),
    ("Each office shall keep the register open to the public at all times.\n", 80),
])
def test_two_copies_of_one_line_repeated_many_times_align_whole(line, times):
    """Every shingle occurs more often than ``repeat_cap``: seeds pair the k-th occurrences, one passage."""
    found = _run(line * times, line * times)
    assert len(found) == 1
    sa, sb, r = found[0]
    assert r.similarity == 1.0
    assert len(sa) >= len(line) * (times - 1) and sa == sb


def test_a_formula_repeated_in_one_document_only_gives_one_passage():
    """a repeats a sentence 30 times, b holds it three times: three passages at most, never a passage per pairing."""
    s = "各村（社区）发现情况后，应立即向镇应急办报告，并同时报县有关部门。"
    found = _run(_filler(50, 100) + s * 30 + _filler(51, 100), _filler(52, 100) + s * 3 + _filler(53, 100))
    assert len(found) == 1
    assert found[0][0] == found[0][1] and len(found[0][1]) >= 3 * len(s) - 1


def test_short_end_matches_are_weighed_as_words():
    """Three words after a four-word gap are farther from the passage than they are long: not part of it
    (counted in units, four words looked shorter than three)."""
    copied = "Permission is hereby granted to any person obtaining a copy of this software and associated files"
    a = copied + " alpha beta gamma delta of the land"
    b = copied + " one two three four of the land"
    (sa, sb), = _spans(a, b, 3)
    assert a[slice(*sa)] == copied and b[slice(*sb)] == copied


def test_a_passage_that_only_starts_inside_another_is_cut_back():
    """The SaaS paragraph repeats 'the above copyright notice and this permission notice shall be'; a chain
    entering the warranty through it overlaps the first passage on one side only, but is no repeat."""
    a = _MIT + _MIT_WARRANTY + " IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM."
    b = _MIT + _SAAS + _MIT_WARRANTY + " IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM."
    found = _spans(a, b, 3)
    assert _no_overlaps(found), found
    inserted = (len(_MIT), len(_MIT) + len(_SAAS))
    assert all(_overlap(f[1], inserted) <= 3 for f in found), found


_APACHE_11_VARIANT = """Redistribution and use in  source and binary forms, with or without
modification, are permitted  provided that the following conditions are met:

1. Redistributions of  source code must retain the above copyright notice,
   this list of conditions and the following disclaimer.

2. Redistributions in  binary form must reproduce the above copyright notice,
   this list of conditions and the following disclaimer in the documentation
   and/or other materials provided with the distribution.

3. The end-user documentation included with the redistribution, if any, must
   include the following acknowledgment:

   "This product includes software developed by

   Alternately, this acknowledgment may appear in the software itself, if
   and wherever such third-party acknowledgments normally appear.

4. The names   must not be used to endorse or promote products derived from
   this software without prior written permission.

5. Products derived from this software may not be called
   , nor may  appear in their name, without prior
   written permission of

 THIS SOFTWARE IS PROVIDED "AS IS" AND ANY EXPRESSED OR IMPLIED
 WARRANTIES, INCLUDING, BUT NOT LIMITED TO, THE IMPLIED
 WARRANTIES OF MERCHANTABILITY AND FITNESS FOR A PARTICULAR
 PURPOSE ARE DISCLAIMED.
"""
_BSD_ORIGINAL = """Redistribution and use in source and binary forms, with or without
modification, are permitted provided that the following conditions are met:

1. Redistributions of source code must retain the above copyright notice,
this list of conditions and the following disclaimer.

2. Redistributions in binary form must reproduce the above copyright notice,
this list of conditions and the following disclaimer in the documentation
and/or other materials provided with the distribution.

3. All advertising materials mentioning features or use of this software
must display the following acknowledgement: This product includes software
developed by the <organization>.

4. Neither the name of the <organization> nor the names of its contributors
may be used to endorse or promote products derived from this software
without specific prior written permission.

THIS SOFTWARE IS PROVIDED BY <COPYRIGHT HOLDER> ''AS IS'' AND ANY EXPRESS OR
IMPLIED WARRANTIES, INCLUDING, BUT NOT LIMITED TO, THE IMPLIED WARRANTIES OF
MERCHANTABILITY AND FITNESS FOR A PARTICULAR PURPOSE ARE DISCLAIMED.
"""


def test_a_rewritten_clause_between_two_copied_ones_is_not_bridged():
    """An Apache 1.1 variant (licensedcode-data rule apache-1.1_60) against BSD-original: clause 3 is
    rewritten, and its chance matches (the, software, acknowledgment) must not make one passage of the two
    copied stretches around it (the variant was attributed to BSD-original when it did)."""
    a, b = _APACHE_11_VARIANT, _BSD_ORIGINAL
    found = _spans(a, b, 3)
    only_apache = (a.index("Alternately"), a.index("4. The names"))  # the acknowledgment line itself is shared
    assert sum(_overlap(f[0], only_apache) for f in found) < 0.5 * (only_apache[1] - only_apache[0]), found


def test_merging_many_pieces_by_the_vectorised_test_equals_trying_each_earlier_piece(monkeypatch):
    import provenance.align as al

    rng = random.Random(21)
    words = "the licence software copyright notice permission holder any without warranty of to and in".split()
    formula = "provided that the above copyright notice and this permission notice appear in all copies"
    sizes = []
    merge = al.merge_adjacent
    monkeypatch.setattr(al, "merge_adjacent", lambda ctx, ps: sizes.append(len(ps)) or merge(ctx, ps))
    for seed in range(6):
        rng.seed(seed)
        parts = [" ".join(rng.choice(words) for _ in range(rng.randint(3, 30))) + " " + formula for _ in range(60)]
        a = ". ".join(parts)
        b = ". ".join(" ".join(w if rng.random() > 0.08 else rng.choice(words) for w in p.split()) for p in parts)
        monkeypatch.setattr(al, "_FEW_PIECES", 10**9)
        looped = [r for *_, r in _run(a, b, k=3)]
        monkeypatch.setattr(al, "_FEW_PIECES", 0)
        assert [r for *_, r in _run(a, b, k=3)] == looped and looped
    assert max(sizes) > 64  # the vectorised test had many pieces to choose from


@pytest.mark.parametrize("cap", [1, 3, 16])
def test_seeds_looked_up_in_one_side_are_the_seeds_of_both_grouped(cap):
    """``seeds_within`` (b looked up in a's groups) gives the same seeds as ``seeds``, ordered by j then i, the
    same segments through the radix sort, and b's distinct hashes shared with a: also with repeats over the cap."""
    from provenance.align import hash_runs, near_anchors, near_segments, seeds, seeds_within, segments

    rng = np.random.default_rng(cap)
    for _ in range(300):
        na, nb = rng.integers(0, 200, 2)
        vocab = int(rng.integers(1, 40))
        ha, hb = rng.integers(0, vocab, na).astype(np.uint32), rng.integers(0, vocab, nb).astype(np.uint32)
        va, vb = rng.random(na) < 0.9, rng.random(nb) < 0.9
        ra = hash_runs(ha, va)
        i0, j0 = seeds(ha, va, hb, vb, cap, ra)
        i1, j1, shared = seeds_within(ra, hb, vb, cap)
        got = list(zip(i1.tolist(), j1.tolist()))
        assert got == sorted(zip(i0.tolist(), j0.tolist()), key=lambda t: (t[1], t[0]))
        assert shared.tolist() == hash_runs(hb, vb).within(ra.values).values.tolist()
        ka = rng.integers(1, 5, na).astype(np.int32)
        segs = segments(i0, j0, ka, ordered=False)
        assert np.array_equal(segs, segments(i1, j1, ka, ordered=False, by_b=True))
        cum = np.concatenate(([0], np.cumsum(rng.integers(1, 3, na + 5))))  # ends may pass a's last unit here
        p = AlignParams(min_run=int(rng.integers(2, 9)), max_gap=int(rng.integers(1, 8)))
        near = near_anchors(segs, cum[segs[:, 1]] - cum[segs[:, 0]], p)
        assert np.array_equal(near, near_segments(i1, j1, ka, cum, p)) and near.dtype == near_segments(i1, j1, ka, cum, p).dtype


def test_finding_hashes_by_their_low_bits_is_a_binary_search():
    """``HashRuns.found``: hashes sharing their low 16 bits with none, one or several of the values."""
    from provenance.align import hash_runs

    rng = np.random.default_rng(5)
    for n in (0, 1, 50, 5000, 40000):
        h = (rng.integers(0, 1 << 8, n) << 16 | rng.integers(0, 1 << 9, n)).astype(np.uint32)  # many share low bits
        runs = hash_runs(h, np.ones(n, bool))
        needles = np.concatenate((h[: n // 2], (rng.integers(0, 1 << 8, 3000) << 16 | rng.integers(0, 1 << 10, 3000))
                                  .astype(np.uint32)))
        valid = rng.random(needles.size) < 0.9
        at = np.searchsorted(runs.values, needles).clip(0, max(runs.values.size - 1, 0))
        there = valid & (runs.values[at] == needles) if runs.values.size else np.zeros(needles.size, bool)
        pos, where = runs.found(needles, valid)
        assert pos.tolist() == np.flatnonzero(there).tolist() and where.tolist() == at[there].tolist()


def _chain_by_link(segs, cum_a, cum_b, p):
    """Chaining spelled out with ``_link`` over every chain so far (no open-chain bookkeeping): the reference."""
    from provenance.align import _link

    chains, matched, longest, limits = [], [], [], []
    for seg in map(tuple, segs.tolist()):
        i0, i1, j0, j1 = seg
        best, best_cost = -1, None
        for c, ch in enumerate(chains):
            cost = _link(ch[-1], seg, cum_a, cum_b, limits[c], p)
            if cost is not None and (best_cost is None or cost < best_cost):
                best, best_cost = c, cost
        if best < 0:
            w = int(cum_a[i1] - cum_a[i0])
            chains.append([seg]), matched.append(w), longest.append(w), limits.append(max(p.max_gap, int(p.gap_ratio * w)))
            continue
        prev = chains[best][-1]
        ni0, nj0 = max(i0, prev[1]), max(j0, prev[3])
        chains[best].append((ni0, i1, nj0, j1))
        run = int(cum_a[i1] - cum_a[ni0])
        matched[best] += run
        longest[best] = max(longest[best], run)
        limits[best] = max(p.max_gap, int(p.gap_ratio * matched[best]))
    return chains, matched, longest


def test_chaining_drops_chains_left_behind_as_the_rules_of_link_say():
    """``_chain`` (open chains, expiring from a heap) equals trying ``_link`` on every chain so far."""
    from provenance.align import _chain

    rng = np.random.default_rng(9)
    for _ in range(400):
        n = int(rng.integers(0, 120))
        i0 = np.sort(rng.integers(0, 600, n))
        j0 = rng.integers(0, 600, n)
        length = rng.integers(1, 12, n)
        segs = np.stack((i0, i0 + length, j0, j0 + length), axis=1).astype(np.int64)
        segs = segs[np.lexsort((segs[:, 2], segs[:, 0]))]
        cum_a = np.concatenate(([0], np.cumsum(rng.integers(1, 3, 620))))
        cum_b = np.concatenate(([0], np.cumsum(rng.integers(1, 3, 620))))
        p = AlignParams(max_gap=int(rng.integers(2, 30)), max_skew=int(rng.integers(2, 30)), gap_ratio=float(rng.random()))
        assert _chain(segs, cum_a, cum_b, p) == _chain_by_link(segs, cum_a, cum_b, p)

"""Stock language or copying: document frequencies with the pair's family counted once."""

from __future__ import annotations

import random

import numpy as np

from provenance.boilerplate import common_relatives, common_thresholds, frequency, relatives, stock_shares
from provenance.candidates import shingle_stats
from provenance.config import BoilerplateParams, Config
from provenance.model import Document
from provenance.pipeline import find_pairs, prepare

_POOL = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定"


def test_relatives_do_not_count_towards_document_frequency():
    stats = shingle_stats([np.array([1, 2, 3]), np.array([1, 2]), np.array([1, 2]), np.array([1]), np.array([3])])
    assert frequency(stats, np.array([1, 2, 3])).tolist() == [4, 3, 2]
    assert frequency(stats, np.array([1, 2, 3]), [np.array([1, 2]), np.array([1])]).tolist() == [2, 2, 2]


def test_long_passages_count_only_nearly_universal_shingles():
    params = BoilerplateParams()
    stats = shingle_stats([np.array([7])] * 6 + [np.array([8])] * 14)  # 7 in 6 of 20 documents
    low, high = common_thresholds(stats, params)
    assert (low, high) == (3, 5)
    short, long_ = stock_shares(stats, [(np.array([7]), 30), (np.array([7]), 80)], params)
    assert short == 1.0 and long_ == 1.0  # 6 documents: common, and nearly universal in a corpus of 20
    stats = shingle_stats([np.array([7])] * 4 + [np.array([8])] * 16)
    assert stock_shares(stats, [(np.array([7]), 30), (np.array([7]), 80)], params) == [1.0, 0.0]


def test_a_small_corpus_needs_five_documents_for_nearly_universal():
    stats = shingle_stats([np.array([7])] * 3 + [np.array([8])] * 7)  # 7 in 3 of 10 documents: over a quarter
    assert common_thresholds(stats, BoilerplateParams()) == (3, 5)
    assert stock_shares(stats, [(np.array([7]), 30), (np.array([7]), 80)], BoilerplateParams()) == [1.0, 0.0]


def test_three_of_ten_documents_sharing_one_long_passage_copy_it():
    """Three towns of ten took one paragraph of a model and nothing else: copying, not stock language."""
    shared = ("为提高信访维稳工作的应急处理和协调能力，迅速妥善处置突发性、大规模或异常性的群体性上访事件，"
              "维护社会稳定，保障人民群众生命财产安全，结合本镇实际情况，特制定本应急预案。")
    rng = random.Random(3)
    docs = [Document(f"d{k}.txt", f"d{k}.txt", _filler(rng, 300) + (shared if k < 3 else "") + _filler(rng, 900))
            for k in range(10)]
    config = Config()
    pairs = find_pairs([prepare(d, config) for d in docs], config, workers=1)
    assert sorted((p.a, p.b, p.kind) for p in pairs) == [
        ("d0.txt", "d1.txt", "copy"), ("d0.txt", "d2.txt", "copy"), ("d1.txt", "d2.txt", "copy")]


def test_common_relatives_are_those_paired_with_both():
    rel = relatives([(0, 1), (0, 2), (1, 2), (2, 3), (1, 4)])
    assert common_relatives(rel, 0, 1) == [2]
    assert common_relatives(rel, 2, 3) == []


def _filler(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(_POOL) for _ in range(n)) + "。"


def _corpus() -> tuple[list[Document], list[str], str]:
    """Six towns copy one model (a paragraph, which makes them copy pairs whatever the frequencies, and four
    short sentences, each between local text); six others are unrelated; all twelve use one formula."""
    model_long = ("为提高信访维稳工作的应急处理和协调能力，迅速妥善处置突发性、大规模或异常性的群众集体上访事件，"
                  "维护社会稳定，保障人民群众生命财产安全，结合本镇实际，特制定本应急预案，请各村认真组织实施，"
                  "各站所要密切配合，形成合力，确保一旦发生事件能够快速反应、妥善处置。")
    model_short = ["各村要建立健全矛盾纠纷排查调处机制，做到小事不出村、大事不出镇。",
                   "发现苗头性问题要及时报告，严禁瞒报、漏报、迟报，确保信息畅通无阻。",
                   "对无理取闹、扰乱社会秩序的人员，由派出所依法予以处置并通报所在单位。",
                   "事件处置结束后，领导小组要认真总结经验教训，形成书面材料上报县委。"]
    formula = "坚持属地管理、分级负责，谁主管、谁负责的原则，做到早发现、早报告、早处置。"
    rng = random.Random(7)
    docs = []
    for k in range(6):
        parts = [_filler(rng, 60), model_long, _filler(rng, 60), formula]
        for s in model_short:
            parts += [_filler(rng, 80), s]
        docs.append(Document(f"town{k}.txt", f"town{k}.txt", "".join(parts + [_filler(rng, 60)])))
    for k in range(6):
        docs.append(Document(f"other{k}.txt", f"other{k}.txt",
                             _filler(rng, 200) + formula + _filler(rng, 300)))
    return docs, model_short, formula


def test_sentences_a_family_shares_are_copying_and_a_formula_everyone_uses_is_not():
    docs, model_short, formula = _corpus()
    config = Config()
    pairs = find_pairs([prepare(d, config) for d in docs], config, workers=1)
    by_id = {d.id: d for d in docs}
    family = [p for p in pairs if p.a.startswith("town") and p.b.startswith("town")]
    assert len(family) == 15 and all(p.kind == "copy" for p in family)
    for p in family:
        text = by_id[p.a].text
        kinds = {text[slice(*q.a_span)]: q.kind for q in p.passages}
        for s in model_short:  # in six documents of twelve: common by raw frequency, but all six are the family
            found = [k for t, k in kinds.items() if s[2:-2] in t]
            assert found == ["copy"], (p.a, p.b, s, kinds)
        assert [k for t, k in kinds.items() if "属地管理" in t] == ["boilerplate"], (p.a, p.b, kinds)
    assert all(p.kind == "boilerplate" for p in pairs if p.a.startswith("other") or p.b.startswith("other"))


def test_a_family_counted_from_posting_lists_gives_the_frequencies_of_its_shingle_sets():
    from provenance.boilerplate import Family, Holders

    rng = np.random.default_rng(11)
    sets = [np.unique(rng.integers(0, 400, size=rng.integers(0, 120))) for _ in range(40)]
    stats = shingle_stats(sets)
    shingles = rng.integers(0, 450, size=300)  # some held by nobody
    family = [3, 7, 8, 21, 22, 30, 39]
    slow = frequency(stats, shingles, [sets[k] for k in family])
    fast = frequency(stats, shingles, Family(Holders(sets), family))
    assert fast.tolist() == slow.tolist()
    assert (fast < frequency(stats, shingles)).any()  # the family did hold some of them


def test_holders_of_common_shingles_counted_from_bit_sets_equal_the_posting_list_walk():
    from provenance.boilerplate import Holders

    rng = np.random.default_rng(12)
    for n_docs in (70, 200, 700):  # bit sets from 65 holders (70, 200 docs) or an eighth of the corpus (700)
        stock = lambda: np.flatnonzero(rng.random(20) < 0.97)  # shingles 0-19: held by nearly every document
        sets = [np.unique(np.concatenate((stock(), rng.integers(20, 2000, size=rng.integers(0, 200))))).astype(np.uint32)
                for _ in range(n_docs)]
        holders = Holders(sets)
        assert holders.bits.shape[0] > 0 and (holders.row < 0).any()  # both ways of counting are exercised
        held = [set(s.tolist()) for s in sets]
        for _ in range(10):
            family = sorted(set(rng.integers(0, n_docs, size=rng.integers(0, n_docs)).tolist()))
            shingles = rng.integers(0, 2100, size=300).astype(np.uint32)
            walk = [sum(int(s) in held[d] for d in family) for s in shingles]
            assert holders.count(shingles, family).tolist() == walk

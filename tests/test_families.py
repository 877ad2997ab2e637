"""Template families: union of linked and overlapping passage occurrences, medoid model text, distances."""

from __future__ import annotations

import random

from provenance.families import build_families, comparable, medoid
from provenance.model import Document, Pair, Passage

MODEL = "坚持宜散不宜聚、宜解不宜结、宜快不宜慢、宜缓不宜激的原则，讲究策略，注意方式。"
OPENING = "为提高信访维稳工作的应急处理和协调能力，迅速妥善处置突发性群众上访事件。"


def doc(doc_id: str, text: str) -> Document:
    return Document(doc_id, doc_id, text)


def passage(a: str, a_doc: str, b: str, b_doc: str, boilerplate: float = 0.0) -> Passage:
    """The passage of ``a`` inside ``a_doc`` aligned with ``b`` inside ``b_doc`` (located by text)."""
    i, j = a_doc.index(a), b_doc.index(b)
    return Passage((i, i + len(a)), (j, j + len(b)), 0.9, boilerplate=boilerplate)


def pair(x: Document, y: Document, *passages: Passage, kind: str = "copy") -> Pair:
    return Pair(x.id, y.id, 0.5, 0.5, 10, 10, kind, tuple(passages))


def corpus():
    """Three towns copy MODEL (one with a slip), two of them also share OPENING."""
    a = doc("a", "甲镇预案。" + MODEL + "其他内容一。" + OPENING)
    b = doc("b", "乙镇预案。" + MODEL.replace("注意方式", "注意方法") + "其他内容二。" + OPENING)
    c = doc("c", "丙镇预案。" + MODEL + "其他内容三。")
    bm = MODEL.replace("注意方式", "注意方法")
    pairs = [
        pair(a, b, passage(MODEL, a.text, bm, b.text), passage(OPENING, a.text, OPENING, b.text)),
        pair(b, c, passage(bm, b.text, MODEL, c.text)),
    ]
    return [a, b, c], pairs


def test_passages_linked_across_documents_form_families_with_a_medoid_model():
    docs, pairs = corpus()
    fams = build_families(docs, pairs)
    assert [f.id for f in fams] == ["F1", "F2"]
    big, small = fams
    assert sorted(m.doc for m in big.members) == ["a", "b", "c"]
    assert big.model_text == MODEL            # two readings against one: the unchanged text is the medoid
    assert big.closest == "a"
    dist = {m.doc: m.distance for m in big.members}
    assert dist["a"] == 0.0 and dist["c"] == 0.0 and 0 < dist["b"] < 0.1
    assert sorted(m.doc for m in small.members) == ["a", "b"] and small.model_text == OPENING


def test_member_spans_point_at_the_original_text():
    docs, pairs = corpus()
    texts = {d.id: d.text for d in docs}
    for f in build_families(docs, pairs):
        for m in f.members:
            assert comparable(texts[m.doc][m.span[0]:m.span[1]])[:6] == comparable(f.model_text)[:6]


def test_overlapping_occurrences_in_one_document_join_one_member():
    a = doc("a", MODEL)
    b = doc("b", "乙镇。" + MODEL)
    c = doc("c", "丙镇。" + MODEL)
    half = MODEL[:30]
    pairs = [pair(a, b, passage(MODEL, a.text, MODEL, b.text)),
             pair(a, c, Passage((0, 30), (3, 33), 1.0))]   # overlaps a's first occurrence by all of its length
    fams = build_families([a, b, c], pairs)
    assert len(fams) == 1
    members = {m.doc: m.span for m in fams[0].members}
    assert members == {"a": (0, len(MODEL)), "b": (3, 3 + len(MODEL)), "c": (3, 33)}
    assert half in fams[0].model_text or fams[0].model_text == MODEL


def test_barely_overlapping_occurrences_stay_apart():
    text = MODEL + OPENING
    a = doc("a", text)
    b = doc("b", "乙。" + MODEL)
    c = doc("c", "丙。" + OPENING)
    start = len(MODEL) - 3   # c's passage starts three characters inside the MODEL occurrence
    pairs = [pair(a, b, passage(MODEL, a.text, MODEL, b.text)),
             pair(a, c, Passage((start, len(text)), (2, 2 + len(OPENING)), 0.9))]
    assert len(build_families([a, b, c], pairs)) == 2


def test_boilerplate_passages_and_pairs_are_left_out():
    docs, pairs = corpus()
    a, b, c = docs
    stock = pair(a, c, passage("其他内容", a.text, "其他内容", c.text, boilerplate=0.9))
    only_stock = pair(b, c, passage(OPENING[:10], b.text, MODEL[:10], c.text), kind="boilerplate")
    assert build_families(docs, pairs + [stock, only_stock]) == build_families(docs, pairs)
    assert build_families(docs, [stock, only_stock]) == ()


def test_ids_and_order_do_not_depend_on_input_order():
    docs, pairs = corpus()
    first = build_families(docs, pairs)
    rng = random.Random(4)
    for _ in range(5):
        d, p = docs[:], pairs[:]
        rng.shuffle(d)
        rng.shuffle(p)
        assert build_families(d, p) == first


def test_medoid_samples_large_families_deterministically():
    texts = ["甲乙丙丁戊己庚辛"] * 30 + ["甲乙丙丁戊己庚壬"] * 30 + ["子丑寅卯辰巳午未"] * 5
    m = medoid(texts, sample=10)
    assert texts[m] in ("甲乙丙丁戊己庚辛", "甲乙丙丁戊己庚壬")
    assert medoid(texts, sample=10) == m
    assert medoid(["a"]) == 0 and medoid(["ab", "cd"]) == 0


def test_comparable_ignores_layout_width_and_case():
    assert comparable("Ａｂｃ，\n 属地 管理") == comparable("abc属地管理") == "abc属地管理"


def test_medoid_from_the_distance_matrix_is_the_text_with_least_total_distance():
    import random

    from rapidfuzz.distance import Indel

    from provenance.families import medoid

    rng = random.Random(3)
    for _ in range(200):
        base = "".join(rng.choice("abcdefg 的是在") for _ in range(rng.randint(0, 200)))
        texts = ["".join(c if rng.random() > 0.2 else rng.choice("xyz") for c in base) for _ in range(rng.randint(3, 50))]
        texts += texts[:2]  # ties go to the earlier text
        n, sample = len(texts), 8
        ref = list(range(n)) if n <= sample else [round(k * (n - 1) / (sample - 1)) for k in range(sample)]
        cost = [sum(Indel.normalized_distance(texts[i], texts[j]) for j in ref if j != i) for i in range(n)]
        expect = min(range(n), key=lambda i: (round(cost[i], 9), i))
        assert medoid(texts, sample) == expect or abs(cost[medoid(texts, sample)] - cost[expect]) < 1e-9


def plain_medoid(texts, sample):
    """The medoid rule as first written: every distance, candidates in order, ties within 1e-12 to the earlier."""
    from rapidfuzz.distance import Indel

    n = len(texts)
    if n <= 2:
        return 0
    ref = list(range(n)) if n <= sample else [round(k * (n - 1) / (sample - 1)) for k in range(sample)]
    best, best_cost = 0, float("inf")
    for i in range(n):
        cost = sum(Indel.normalized_distance(texts[i], texts[j]) for j in ref if j != i)
        if cost < best_cost - 1e-12:
            best, best_cost = i, cost
    return best


def random_family(rng):
    """Variants of one text of very different lengths (so length bounds prune), with exact duplicates (ties)."""
    base = "".join(rng.choice("abcdefg的是在") for _ in range(rng.randint(0, 300)))
    texts = []
    for _ in range(rng.randint(1, 70)):
        t = "".join(c if rng.random() > 0.15 else rng.choice("xyz") for c in base)
        a = rng.randint(0, len(t))
        texts.append(t[a:rng.randint(a, len(t))] if rng.random() < 0.4 else t)
    texts += [texts[k] for k in rng.sample(range(len(texts)), min(len(texts), rng.randint(0, 5)))]
    rng.shuffle(texts)
    return texts


def test_branch_and_bound_medoid_is_the_plain_rule_and_its_distances_are_exact():
    from rapidfuzz.distance import Indel

    from provenance.families import _medoid

    rng = random.Random(11)
    for _ in range(300):
        texts = random_family(rng)
        for sample in (8, 40):
            m, known = _medoid(texts, sample)
            assert m == plain_medoid(texts, sample)
            for (i, j), d in known.items():
                assert i < j and d == Indel.normalized_distance(texts[j], texts[i])


def test_medoid_without_pruning_is_the_plain_rule():
    from provenance.families import _medoid

    rng = random.Random(12)
    for _ in range(50):
        texts = random_family(rng)
        assert _medoid(texts, 8, margin=0.0)[0] == _medoid(texts, 8, margin=float("inf"))[0] == plain_medoid(texts, 8)


def test_plain_rule_from_the_bottom_cluster_matches_the_scan_over_all_costs():
    from provenance.families import _plain_rule

    def scan(costs):
        best, best_cost = 0, float("inf")
        for i, c in enumerate(costs):
            if c < best_cost - 1e-12:
                best, best_cost = i, c
        return best

    rng = random.Random(13)
    for _ in range(3000):
        # chains of near-ties: steps around the 1e-12 tie tolerance, where the scan's pick depends on the order
        level = rng.choice([0.0, 1.0, 20.0])
        costs = [level + rng.choice([0, 1, 2, 3, 4, 8]) * rng.choice([0.4e-12, 0.7e-12, 1.1e-12, 1.6e-12]) + rng.choice([0, 0, 1e-3, 1])
                 for _ in range(rng.randint(1, 30))]
        least = min(costs)
        reach = 0.25
        known = {i: c for i, c in enumerate(costs) if c < least + 2 * reach}   # the others may be left out
        assert _plain_rule(known, reach) == scan(costs)
    assert _plain_rule({0: 1.0, 1: 1.0 + 1.5e-12, 2: 1.0 + 3e-12}, 2e-12) is None   # the cluster reaches too far


def plain_link_overlaps(occ, uf):
    """Overlap links as first written: every occurrence tested against its window of open spans."""
    from collections import defaultdict

    by_doc = defaultdict(list)
    for i, (d, _) in enumerate(occ):
        by_doc[d].append(i)
    for items in by_doc.values():
        items.sort(key=lambda i: (occ[i][1][0], -occ[i][1][1]))
        active = []
        for i in items:
            s = occ[i][1]
            active = [j for j in active if occ[j][1][1] > s[0]]
            for j in active[-64:]:
                t = occ[j][1]
                if (min(s[1], t[1]) - max(s[0], t[0])) * 2 >= min(s[1] - s[0], t[1] - t[0]):
                    uf.union(i, j)
            active.append(i)
            active.sort(key=lambda j: occ[j][1][1])


def test_overlap_links_give_the_partition_of_testing_every_occurrence():
    from provenance.families import _link_overlaps, _UnionFind

    rng = random.Random(14)
    for _ in range(300):
        # a few paragraphs, each aligned many times (repeated spans), nested and empty spans, windows past 64
        spans = [(a, a + rng.choice([0, 1, 5, 40, 200])) for a in (rng.randint(0, 300) for _ in range(rng.randint(1, 12)))]
        occ = [(rng.choice("ab"), rng.choice(spans)) for _ in range(rng.randint(1, 200))]
        parts = []
        for link in (plain_link_overlaps, _link_overlaps):
            uf = _UnionFind()
            for _ in occ:
                uf.add()
            link(occ, uf)
            parts.append([uf.find(i) for i in range(len(occ))])
        assert parts[0] == parts[1]

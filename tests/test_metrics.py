"""Accuracy metrics (benchmarks/metrics.py) and truth derivation (benchmarks/sim_truth.py) on hand-made cases."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

from metrics import (
    Case,
    adjusted_rand_index,
    best_parents,
    components,
    dated_edge_order,
    decidable_scores,
    direction_accuracy,
    lineage_scores,
    match_hypotheticals,
    pair_scores,
    pan_scores,
)
from sim_truth import decidable_parents, pair_cases, parents, runs, shared_chars, text_twins, truth_pairs

# ---------------------------------------------------------------- pairs

def test_pair_scores_unordered_and_ignored():
    truth = [("a", "b"), ("c", "d"), ("e", "f")]
    pred = [("b", "a"), ("d", "c"), ("a", "c"), ("x", "y")]
    s = pair_scores(pred, truth)
    assert (s.tp, s.fp, s.fn) == (2, 2, 1)
    assert s.precision == 0.5 and s.recall == pytest.approx(2 / 3)
    assert s.f1 == pytest.approx(2 * 0.5 * (2 / 3) / (0.5 + 2 / 3))
    s = pair_scores(pred, truth, ignore=[("y", "x"), ("f", "e")])
    assert (s.tp, s.fp, s.fn) == (2, 1, 0)


def test_pair_scores_empty():
    s = pair_scores([], [])
    assert (s.precision, s.recall) == (1.0, 1.0)
    s = pair_scores([], [("a", "b")])
    assert (s.precision, s.recall, s.f1) == (1.0, 0.0, 0.0)


# ---------------------------------------------------------------- PAN

CASE = Case.make("susp", (0, 100), "src", (1000, 1100))


def test_case_make_orders_sides():
    assert CASE.a == "src" and CASE.a_span == (1000, 1100) and CASE.b_span == (0, 100)
    assert CASE.size == 200


def test_pan_perfect():
    s = pan_scores([CASE], [Case.make("src", (1000, 1100), "susp", (0, 100))])
    assert (s.precision, s.recall, s.granularity, s.plagdet) == (1.0, 1.0, 1.0, 1.0)


def test_pan_split_detection_costs_granularity():
    r1 = Case.make("susp", (0, 50), "src", (1000, 1050))
    r2 = Case.make("susp", (50, 100), "src", (1050, 1100))
    s = pan_scores([CASE], [r1, r2])
    assert s.precision == 1.0 and s.recall == 1.0 and s.granularity == 2.0
    assert s.plagdet == pytest.approx(1 / math.log2(3))


def test_pan_half_detected():
    s = pan_scores([CASE], [Case.make("susp", (0, 50), "src", (1000, 1050))])
    assert s.precision == 1.0 and s.recall == 0.5
    assert s.plagdet == pytest.approx(2 / 3)


def test_pan_overlong_detection():
    # 200 characters of susp detected where 100 were copied: |r| = 300, |r ∩ s| = 200
    s = pan_scores([CASE], [Case.make("susp", (0, 200), "src", (1000, 1100))])
    assert s.precision == pytest.approx(2 / 3) and s.recall == 1.0


def test_pan_needs_overlap_on_both_sides():
    s = pan_scores([CASE], [Case.make("susp", (0, 100), "src", (0, 100))])
    assert s.recall == 0.0 and s.precision == 0.0 and s.detected_cases == 0 and s.granularity == 1.0
    s = pan_scores([CASE], [Case.make("susp", (0, 100), "other", (1000, 1100))])
    assert s.recall == 0.0 and s.plagdet == 0.0


def test_pan_macro_average_and_false_detection():
    c2 = Case.make("s2", (0, 10), "src", (0, 10))
    false = Case.make("s3", (0, 100), "src", (500, 600))
    s = pan_scores([CASE, c2], [Case.make("susp", (0, 100), "src", (1000, 1100)), false])
    # precision: (1 + 0) / 2; recall: (1 + 0) / 2
    assert s.precision == 0.5 and s.recall == 0.5 and s.detected_cases == 1


def test_pan_overlapping_detections_are_unioned():
    r1 = Case.make("susp", (0, 60), "src", (1000, 1060))
    r2 = Case.make("susp", (40, 100), "src", (1040, 1100))
    s = pan_scores([CASE], [r1, r2])
    assert s.recall == 1.0 and s.precision == 1.0 and s.granularity == 2.0


def test_pan_empty():
    assert pan_scores([], []).plagdet == 1.0
    assert pan_scores([CASE], []).plagdet == 0.0


# ---------------------------------------------------------------- ARI (values from scikit-learn's documentation)

@pytest.mark.parametrize("true,pred,expected", [
    ([0, 0, 1, 1], [0, 0, 1, 1], 1.0),
    ([0, 0, 1, 1], [1, 1, 0, 0], 1.0),
    ([0, 0, 1, 2], [0, 0, 1, 1], 0.5714285714285714),
    ([0, 0, 1, 1], [0, 0, 1, 2], 0.5714285714285714),
    ([0, 0, 0, 0], [0, 1, 2, 3], 0.0),
    ([0, 0, 1, 1], [0, 1, 0, 1], -0.5),
    ([0, 1, 2, 3], [0, 1, 2, 3], 1.0),
    ([0, 0, 0, 1, 1, 1], [0, 0, 1, 1, 2, 2], 0.24242424242424243),
])
def test_adjusted_rand_index(true, pred, expected):
    assert adjusted_rand_index(true, pred) == pytest.approx(expected)
    assert adjusted_rand_index([f"l{x}" for x in true], [str(x) for x in pred]) == pytest.approx(expected)


def test_ari_length_mismatch():
    with pytest.raises(ValueError):
        adjusted_rand_index([0, 1], [0])


def test_components():
    comp = components(["a", "b", "c", "d", "e"], [("b", "c"), ("d", "c"), ("x", "e")])
    assert comp["b"] == comp["c"] == comp["d"] == "b"
    assert comp["a"] == "a" and comp["e"] == comp["x"] == "e"


# ---------------------------------------------------------------- lineage

TRUTH = {
    "m": None, "a": "m", "b": "m", "c": "a",           # published model m
    "d": "model:1", "e": "model:1", "f": "model:1",    # unpublished model 1
    "g": "model:2", "h": "model:2",                    # unpublished model 2
    "o": None,                                         # an original
}


def test_best_parents_takes_most_confident():
    assert best_parents([("x", "c", 0.4), ("y", "c", 0.9), ("z", "c", 0.9)]) == {"c": "y"}


def test_lineage_perfect():
    edges = [("m", "a", 1), ("m", "b", 1), ("a", "c", 1), ("H1", "d", 1), ("H1", "e", 1), ("H1", "f", 1),
             ("H2", "g", 1), ("H2", "h", 1)]
    s = lineage_scores(TRUTH, edges, {"H1", "H2"})
    assert s.parent_accuracy == 1.0 and s.with_parent == 8
    assert s.root_accuracy == 1.0 and s.roots == 2
    assert s.hypothetical_recovery == 1.0 and s.recoverable == 2 and s.spurious_hypothetical == 0
    assert s.matching == {"H1": "model:1", "H2": "model:2"}


def test_lineage_mostly_matching_hypothetical():
    # H1 holds d, e (2 of model:1's 3) and g (a child of model:2): still mostly model:1
    edges = [("m", "a", 1), ("b", "c", 1), ("H1", "d", 1), ("H1", "e", 1), ("H1", "g", 1), ("d", "f", 1),
             ("e", "h", 1), ("o", "m", 0.3)]
    s = lineage_scores(TRUTH, edges, {"H1"})
    assert s.matching == {"H1": "model:1"}
    # a, d, e correct; b has no parent; c, f, g, h wrong
    assert s.correct == 3 and s.parent_accuracy == 3 / 8
    assert s.roots_correct == 1  # m got a wrong parent, o is fine
    assert s.recovered == 1 and s.hypothetical_recovery == 0.5


def test_hypothetical_not_matched_when_split_or_mixed():
    pred = {"d": "H1", "e": "H2", "f": "H3"}
    # each node covers one third of model:1: below half, no match
    assert match_hypotheticals(pred, {"H1", "H2", "H3"}, TRUTH) == {}
    pred = {"d": "H1", "g": "H1"}
    # half of H1 is model:1, half model:2: not *more* than half
    assert match_hypotheticals(pred, {"H1"}, TRUTH) == {}


def test_direction_accuracy():
    edges = [("m", "a"), ("c", "a"), ("a", "b"), ("m", "c"), ("H", "d"), ("d", "e")]
    s = direction_accuracy(edges, TRUTH, hypothetical={"H"})
    # m→a right, c→a reversed, m→c right (grandparent); a→b and d→e are siblings
    assert (s.judged, s.correct, s.unrelated) == (3, 2, 2)
    dates = {"m": "2010-01-01", "a": "2011-01-01", "c": "2011-01-01", "b": None}
    s = direction_accuracy(edges, TRUTH, dates=dates, hypothetical={"H"})
    assert s.undated == 3 and (s.judged, s.correct) == (2, 2)



def test_dated_edge_order_by_read_and_by_true_dates():
    edges = [("a", "b"), ("b", "c"), ("c", "d"), ("H", "a"), ("e", "f")]
    read = {"a": "2010-01-01", "b": "2011-01-01", "c": "2012-01-01", "d": "2011-06-01", "e": "2013-01-01"}
    # c's date was misread: truly 2009, so b → c points forward by the read dates only
    true = {"a": "2010-01-01", "b": "2011-01-01", "c": "2009-01-01", "d": "2011-06-01", "e": "2013-01-01",
            "f": "2014-01-01"}
    s = dated_edge_order(edges, read, true, hypothetical={"H"})
    # judged: a→b, b→c, c→d (H is hypothetical; f carries no read date)
    assert s.dated == 3
    assert s.read_forward == pytest.approx(2 / 3) and s.true_forward == pytest.approx(2 / 3)
    assert dated_edge_order([], read, true).read_forward == 1.0


def _doc(doc_id, parent, date, revision="light", *ops):
    return {"id": doc_id, "parent": parent, "date": date, "revision": revision, "edits": [{"op": o} for o in ops]}


# v repeats unseen model 1 word for word (names apart); a, b copy model 1 too, c and k copy v (k kept v's
# town name); g, h copy unseen model 2; s is the only copy of unseen model 3; x repeats the published m, y copies x
DECIDE = {"lang": "zh", "models": [{"id": "model:1", "published": False}, {"id": "model:2", "published": False},
                                   {"id": "model:3", "published": False}, {"id": "m", "published": True}],
          "documents": [_doc("v", "model:1", "2010-02-01", "verbatim"), _doc("a", "model:1", "2010-05-01"),
                        _doc("b", "model:1", "2010-06-01", "heavy", "insert_local"),
                        _doc("c", "v", "2011-01-01"), _doc("k", "v", "2011-02-01", "light", "kept_name"),
                        _doc("g", "model:2", "2012-01-01"), _doc("h", "model:2", "2012-03-01"),
                        _doc("s", "model:3", "2013-01-01", "heavy"),
                        _doc("m", None, "2014-01-01", None), _doc("x", "m", "2014-06-01", "verbatim"),
                        _doc("y", "x", "2015-01-01"), _doc("z", "m", "2015-02-01", "verbatim", "insert_local")]}


def test_text_twins_follow_plain_verbatim_copies_only():
    twin = text_twins(DECIDE)
    assert twin["v"] == "model:1" and twin["x"] == "m"
    assert twin["a"] == "a" and twin["z"] == "z"          # a light copy, and a verbatim one that added a paragraph


def test_decidable_parents_accept_what_text_cannot_tell_apart():
    ok, only = decidable_parents(DECIDE)
    assert ok["a"] == ok["b"] == {"model:1", "v"}      # v holds model 1's text and is older
    assert ok["v"] == {"model:1", None}                 # v stands for the model it repeats
    assert ok["c"] == {"v", "model:1"}
    assert ok["k"] == {"v"}                              # k leaks v's name: the text does tell
    assert ok["g"] == ok["h"] == {"model:2"}
    assert ok["s"] == {"model:3", None}                  # no second copy witnesses model 3
    assert ok["x"] == {"m"} and ok["y"] == {"x", "m"}
    assert ok["z"] == {"m", "x"}                         # x repeats m and is older than z
    assert "m" not in ok
    assert only == {"model:2"}                           # model 1 is in the corpus as v, model 3 has one copy


def test_decidable_scores_against_strict_ones():
    # the answer the text allows: v as the model, its siblings under it, s a root, y under m
    edges = [("v", "a", 1), ("v", "b", 1), ("v", "c", 1), ("v", "k", 1), ("H", "g", 1), ("H", "h", 1),
             ("m", "y", 1), ("m", "z", 1)]
    truth_parent = parents(DECIDE)
    strict = lineage_scores(truth_parent, edges, {"H"})
    assert strict.correct == 5 and strict.with_parent == 11 and strict.hypothetical_recovery == 0.5
    ok, only = decidable_parents(DECIDE)
    s = decidable_scores(ok, only, truth_parent, edges, {"H"})
    assert s.with_parent == 11 and s.correct == 10      # only x (a root, its source m is older) is wrong
    assert s.recoverable == 1 and s.recovered == 1 and s.hypothetical_recovery == 1.0
    # a hypothetical node matched to no model is no root: s under a mixed node is wrong
    s = decidable_scores(ok, only, truth_parent, edges + [("H9", "s", 1), ("H9", "m", 1)], {"H", "H9"})
    assert s.correct == 9 and s.parent_accuracy == 9 / 11


# ---------------------------------------------------------------- truth derivation

def _truth():
    # origins: model sentences 0..4; x copies 0,1,2 and 4; y copies 2,3 and has its own 9; z is unrelated
    return {"lang": "zh", "documents": [
        {"id": "x", "origins": [0, 30, 0, 30, 60, 1, 61, 90, 2, 100, 140, 4]},
        {"id": "y", "origins": [5, 35, 2, 35, 80, 3, 90, 100, 9]},
        {"id": "z", "origins": [0, 200, 50]},
    ]}


def test_runs_follow_order_in_both():
    x = [(0, 30, 0), (30, 60, 1), (61, 90, 2), (100, 140, 4)]
    m = [(0, 10, 0), (10, 20, 1), (20, 30, 2), (30, 40, 3), (40, 50, 4)]
    assert runs(m, x) == [(0, 30, 0, 90), (40, 50, 100, 140)]
    # reordered copy: each sentence its own run
    assert runs(m, [(0, 5, 2), (5, 9, 1)]) == [(20, 30, 0, 5), (10, 20, 5, 9)]


def test_shared_chars_and_pairs():
    t = _truth()
    assert shared_chars(t) == {("x", "y"): (29, 30)}
    assert truth_pairs(t) == (set(), {("x", "y")})
    assert truth_pairs(t, min_chars=20) == ({("x", "y")}, set())
    cases = pair_cases(t, {("x", "y")})
    assert cases == [Case.make("x", (61, 90), "y", (5, 35))]


# ---------------------------------------------------------------- scoring a report against simulator truth

def test_scoring_a_perfect_report_gives_perfect_scores(tmp_path):
    from engine import file_level
    from scoring import score_lineage, truth_as_report
    from sim_truth import load_truth
    from simulate import simulate

    simulate(tmp_path, 40, seed=4, lang="zh")
    truth = load_truth(tmp_path)
    report = truth_as_report(truth)
    s = score_lineage(truth, file_level(report))
    assert s["pairs"]["precision"] == 1.0 and s["pairs"]["recall"] == 1.0
    assert s["passages"]["plagdet"] == 1.0
    assert s["lineage"]["parent_accuracy"] == 1.0 and s["lineage"]["root_accuracy"] == 1.0
    assert s["lineage"]["hypothetical_recovery"] == 1.0
    assert s["direction"]["accuracy"] == 1.0 and s["direction"]["judged"] > 0
    assert s["ari_lineage"] == 1.0
    assert s["lineage_decidable"]["parent_accuracy"] == 1.0
    assert s["lineage_decidable"]["hypothetical_recovery"] == 1.0
    # a report missing every other pair and the lineage scores lower, never higher
    report["pairs"] = report["pairs"][::2]
    report["lineage"] = {"nodes": [], "edges": []}
    worse = score_lineage(truth, file_level(report))
    assert worse["pairs"]["recall"] < 1.0 and worse["pairs"]["precision"] == 1.0
    assert worse["passages"]["recall"] < 1.0 and worse["lineage"] is None


def test_file_level_folds_compilation_parts():
    from engine import file_level

    report = {"documents": [{"id": "x.txt#1", "offset": 0}, {"id": "x.txt#2", "offset": 500}, {"id": "y.txt"}],
              "pairs": [{"a": "x.txt#2", "b": "y.txt", "kind": "copy", "shared_chars_a": 10, "shared_chars_b": 10,
                         "passages": [{"a_span": [5, 15], "b_span": [0, 10], "similarity": 1.0}]},
                        {"a": "x.txt#1", "b": "x.txt#2", "kind": "copy", "passages": []}],
              "families": [], "lineage": {"nodes": [{"id": "T1", "hypothetical": True}],
                                          "edges": [{"parent": "T1", "child": "x.txt#2", "confidence": 0.8}]}}
    rep = file_level(report)
    assert rep.copy_pairs == {("x.txt", "y.txt")}
    assert rep.passages[("x.txt", "y.txt")] == [Case.make("x.txt", (505, 515), "y.txt", (0, 10))]
    assert rep.edges == [("T1", "x.txt", 0.8)] and rep.hypothetical == {"T1"}

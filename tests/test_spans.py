"""Span sets: the one definition of "how much of this text is covered"."""

import random

from provenance.spans import merge_spans, minus, union_length


def covered(spans):
    return {i for a, b in spans for i in range(a, b)}


def test_merge_counts_overlaps_once_and_drops_empty_spans():
    assert merge_spans([(5, 9), (0, 3), (2, 4), (9, 10), (7, 7)]) == ((0, 4), (5, 10))
    assert union_length([(0, 10), (5, 15), (20, 25)]) == 20
    assert union_length([(5, 10), (0, 3), (2, 6), (20, 21)]) == 11
    assert union_length([]) == 0 and merge_spans([]) == ()


def test_touching_spans_stay_apart_when_asked():
    # families keep two adjacent passages of one document as two members
    assert merge_spans([(3, 5), (0, 3)], touching=False) == ((0, 3), (3, 5))
    assert merge_spans([(0, 4), (3, 5)], touching=False) == ((0, 5),)


def test_minus_removes_exactly_the_taken_characters():
    assert minus([(0, 10), (20, 30)], [(5, 22)]) == [(0, 5), (22, 30)]
    assert minus([(0, 10)], []) == [(0, 10)]
    assert minus([(0, 10)], [(0, 10)]) == []


def test_against_character_sets():
    rng = random.Random(7)
    for _ in range(300):
        spans = [(a, a + rng.randint(0, 12)) for a in (rng.randint(0, 60) for _ in range(rng.randint(0, 8)))]
        taken = [(a, a + rng.randint(0, 12)) for a in (rng.randint(0, 60) for _ in range(rng.randint(0, 8)))]
        merged = merge_spans(spans)
        assert covered(merged) == covered(spans) and union_length(spans) == len(covered(spans))
        assert all(b < c for (_, b), (c, _) in zip(merged, merged[1:]))  # sorted, apart
        assert covered(minus(merged, merge_spans(taken))) == covered(spans) - covered(taken)

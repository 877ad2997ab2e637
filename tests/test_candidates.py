"""Candidate pairs: runs of shared rare shingles, and which candidates a big corpus leaves unverified."""

from __future__ import annotations

import json
import random
from dataclasses import replace

import numpy as np
from click.testing import CliRunner
from rich.console import Console

from provenance.candidates import CandidateParams, rare_shingle_evidence, rare_shingle_pairs, shingle_places
from provenance.cli import main
from provenance.config import Config
from provenance.model import Document
from provenance.pipeline import candidate_pairs, prepare, scan, search_pairs
from provenance.report.json import to_dict
from provenance.report.text import render_scan

from .conftest import short

_POOL = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定"
PHRASES = ["属地管理分级负责", "谁主管谁负责", "早发现早报告", "确保信息畅通", "反应快速指挥高效", "依法依规处置"]
PASSAGE = "各村要建立健全矛盾纠纷排查调处机制做到小事不出村大事不出镇发现苗头性问题要及时报告严禁瞒报漏报迟报"


def _filler(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(_POOL) for _ in range(n)) + "。"


def _places(docs: list[Document]):
    prepared = [prepare(d) for d in docs]
    return [shingle_places(p.shingles, p.valid, p.ks, p.units.weights()) for p in prepared]


def test_a_copied_passage_is_one_long_run_and_scattered_phrases_are_short_runs():
    rng = random.Random(3)
    a = "".join(_filler(rng, 40) + ph for ph in PHRASES) + _filler(rng, 30) + PASSAGE + _filler(rng, 30)
    # b: the same phrases, in another order and elsewhere; c: the passage only, between other text
    b = "".join(_filler(rng, 55) + ph for ph in reversed(PHRASES)) + _filler(rng, 50)
    c = _filler(rng, 120) + PASSAGE + _filler(rng, 90)
    ev = rare_shingle_evidence(_places([Document("a", "a", a), Document("b", "b", b), Document("c", "c", c)]),
                               CandidateParams())
    got = {(x, y): (s, r) for x, y, s, r in zip(ev.a.tolist(), ev.b.tolist(), ev.shared.tolist(), ev.run.tolist())}
    assert set(got) == {(0, 1), (0, 2)}
    shared_ab, run_ab = got[(0, 1)]
    assert shared_ab >= 6 * 2 and run_ab < CandidateParams().min_run  # many shared shingles, no passage
    shared_ac, run_ac = got[(0, 2)]
    assert run_ac >= len(PASSAGE) - 4 and shared_ac >= len(PASSAGE) - 3  # one run along the whole passage
    # the same pairs as the plain join of rare shingles
    assert ev.pairs() == rare_shingle_pairs([np.asarray(p.hashes) for p in _places(
        [Document("a", "a", a), Document("b", "b", b), Document("c", "c", c)])], CandidateParams())


def test_a_name_inserted_into_a_copied_passage_does_not_cut_its_run():
    rng = random.Random(5)
    local = PASSAGE[:20] + "西岗镇" + PASSAGE[20:]  # an insertion shifts the diagonal by three
    a = _filler(rng, 50) + PASSAGE + _filler(rng, 50)
    b = _filler(rng, 200) + local + _filler(rng, 10)
    ev = rare_shingle_evidence(_places([Document("a", "a", a), Document("b", "b", b)]), CandidateParams())
    assert ev.run.tolist() == [len(PASSAGE)]  # one run over all of a's passage, across the insertion


def _config(align_all: int) -> Config:
    return replace(Config(), candidates=replace(CandidateParams(), align_all=align_all))


def test_small_corpus_aligns_every_candidate_so_boilerplate_pairs_are_reported(sample_scan):
    c = sample_scan.candidates
    assert c is not None and c.unverified == 0 and c.aligned == c.pairs
    kinds = {(short(p.a), short(p.b)): p.kind for p in sample_scan.pairs}
    for pair in (("000", "003"), ("000", "004"), ("001", "002")):
        assert kinds.get(pair) == "boilerplate", pair


def test_over_the_budget_scattered_pairs_are_counted_not_aligned_and_no_copy_is_lost(samples_dir, sample_scan):
    big = scan([str(samples_dir)], _config(0))
    c = big.candidates
    assert c.pairs == sample_scan.candidates.pairs
    assert c.unverified > 0 and c.aligned + c.unverified == c.pairs
    copies = lambda r: sorted((p.a, p.b, p.coverage_a, p.coverage_b) for p in r.pairs if p.kind == "copy")
    assert copies(big) == copies(sample_scan)
    # what was left unaligned would have given nothing: every pair is reported exactly as before,
    # the GOLD.md boilerplate-only pairs included
    assert big.pairs == sample_scan.pairs
    data = to_dict(big)
    assert data["candidates"] == {"pairs": c.pairs, "aligned": c.aligned, "unverified": c.unverified}
    console = Console(width=200, record=True, color_system=None)
    render_scan(big, console)
    assert f"{c.unverified} of {c.pairs} candidate pairs not verified" in console.export_text()


def test_candidate_pairs_count_what_search_pairs_aligns(samples_dir):
    from provenance.pipeline import load_documents, prepare_all

    prepared = prepare_all(load_documents([str(samples_dir)]), workers=1)
    todo, total, unverified = candidate_pairs(prepared, _config(0))
    found = search_pairs(prepared, _config(0), workers=1)
    assert (found.candidates.pairs, found.candidates.aligned, found.candidates.unverified) == (
        total, len(todo), len(unverified))  # no second-round pairs among these samples
    assert todo == sorted(set(todo)) and all(i < j for i, j in todo)


def test_scan_json_says_how_many_candidate_pairs_were_aligned(samples_dir):
    res = CliRunner().invoke(main, ["scan", str(samples_dir), "--format", "json"])
    assert res.exit_code == 0, res.stderr
    data = json.loads(res.stdout)
    assert data["candidates"]["unverified"] == 0
    assert data["candidates"]["aligned"] == data["candidates"]["pairs"] >= len(data["pairs"])


def test_lsh_evidence_counts_more_collisions_for_a_copy_than_for_one_shared_stock_paragraph():
    from provenance.candidates import lsh_evidence, lsh_pairs
    from provenance.fingerprint import band_keys

    rng = random.Random(9)
    stock = "".join(rng.choice(_POOL) for _ in range(70))  # one window-sized paragraph everyone has
    body = "".join(_filler(rng, 60) + "\n" for _ in range(8))
    docs = [Document("a", "a", body + stock), Document("b", "b", body.replace("的", "地", 2) + stock),
            Document("c", "c", "".join(_filler(rng, 60) + "\n" for _ in range(8)) + stock)]
    fpp = Config().fingerprint
    keys = [band_keys(prepare(d).fp.signatures, fpp.bands, fpp.rows) for d in docs]
    a, b, hits = lsh_evidence(keys, CandidateParams())
    got = dict(zip(zip(a.tolist(), b.tolist()), hits.tolist()))
    assert set(got) == lsh_pairs(keys, CandidateParams()) == {(0, 1), (0, 2), (1, 2)}
    assert got[(0, 1)] > 4 * max(got[(0, 2)], got[(1, 2)])  # the copy collides in most windows


def test_documents_that_copied_the_same_stretch_of_a_third_are_paired():
    from provenance.candidates import relative_pairs

    covered = {
        0: [(1, [(0, 100)]), (2, [(60, 300)]), (3, [(400, 500)]), (4, [(90, 130)])],
        5: [(1, [(0, 40)]), (3, [(10, 30)])],  # both cover 0..40 of document 5: shorter than 50 characters
    }
    # 1 and 2 both hold 60..100 of document 0 (40 characters: one whole block of 25, enough at the
    # default resolution for 50); 4 holds only 90..130, one block with 2 (100..125) and none whole with 1
    assert relative_pairs(covered, 50) == {(1, 2): 1, (2, 4): 1}  # with the blocks both cover
    assert relative_pairs(covered, 100) == {}  # 1 and 2 share at most two whole blocks of it
    assert relative_pairs({0: [(7, [(0, 500)])]}, 50) == {}  # one partner: nobody to pair


def test_a_family_too_large_for_the_candidate_caps_is_paired_through_its_copies():
    rng = random.Random(11)
    model = "".join(_filler(rng, 60) for _ in range(8))
    towns = ["东岗镇", "西河乡", "南山镇", "北湖乡", "中和镇", "上林乡", "下溪镇", "前进乡"]
    docs = [Document(f"d{k}.txt", f"d{k}.txt", _filler(rng, 80) + t + model + _filler(rng, 80))
            for k, t in enumerate(towns)]
    prepared = [prepare(d) for d in docs]
    # caps a family of eight overflows: big buckets sampled to one partner, shared shingles never rare
    tight = replace(Config(), candidates=replace(CandidateParams(), max_bucket=2, partners=1, max_df=1, min_shared=10**6))
    first, _, _ = candidate_pairs(prepared, tight)
    assert len(first) < 28  # the first round misses some of the 28 pairs
    found = search_pairs(prepared, tight, workers=1)
    assert sorted((p.a, p.b) for p in found.pairs if p.kind == "copy") == sorted(
        (f"d{i}.txt", f"d{j}.txt") for i in range(8) for j in range(i + 1, 8))
    c = found.candidates
    assert c.aligned == 28 and c.pairs == 28 and c.unverified == 0


def test_pairs_beyond_the_budget_of_the_further_rounds_are_counted_as_unverified():
    rng = random.Random(11)
    model = "".join(_filler(rng, 60) for _ in range(8))
    docs = [Document(f"d{k}.txt", f"d{k}.txt", _filler(rng, 80) + model + _filler(rng, 80)) for k in range(8)]
    prepared = [prepare(d) for d in docs]
    none = replace(Config(), candidates=replace(CandidateParams(), max_bucket=2, partners=1, max_df=1,
                                                min_shared=10**6, align_all=0, relative_budget=0.0))
    first, _, _ = candidate_pairs(prepared, none)
    found = search_pairs(prepared, none, workers=1)
    c = found.candidates
    assert c.aligned == len(first) < 28
    assert sorted((p.a, p.b) for p in found.pairs) == sorted((f"d{i}.txt", f"d{j}.txt") for i, j in first)
    assert c.unverified > 0 and c.pairs == c.aligned + c.unverified  # proposed, not aligned: counted

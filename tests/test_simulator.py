"""The lineage simulator (benchmarks/simulate.py): exact spans, history, determinism, PAN mode."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "benchmarks"
sys.path.insert(0, str(BENCH))

from sim_plagiarism import simulate_plagiarism
from sim_truth import load_truth, pair_cases, shared_chars, triples, truth_pairs
from simulate import simulate

_HALF_BACK = str.maketrans({",": "，", ";": "；", ":": "：", "(": "（", ")": "）", "!": "！", "?": "？"})


@pytest.fixture(scope="module", params=["zh", "en"])
def corpus(request, tmp_path_factory):
    out = tmp_path_factory.mktemp(f"sim_{request.param}")
    summary = simulate(out, 60, seed=3, lang=request.param)
    return out, load_truth(out), summary


def _text(out: Path, doc_id: str, truth: dict) -> str:
    if doc_id.startswith("model:"):
        model = next(m for m in truth["models"] if m["id"] == doc_id)
        return (out / model["path"]).read_text(encoding="utf-8")
    return (out / "docs" / doc_id).read_text(encoding="utf-8")


def _canon(text: str, names: list[str], lang: str) -> str:
    """Undo what legitimately differs between a copy and its source: names, wraps, page numbers, width.

    ``names`` are both documents' slot values; they are removed from both texts
    alike (a name may also occur in the stock text itself).
    """
    text = re.sub(r"\n(- \d+ -|Page \d+)\n", "\n", text)
    text = re.sub(r"\s+", "", text)
    table = _HALF_BACK if lang == "zh" else {}
    text = text.translate(table)
    for value in sorted({re.sub(r"\s+", "", v).translate(table) for v in names}, key=len, reverse=True):
        text = text.replace(value, "")
    return text


def test_sizes_and_kinds(corpus):
    out, truth, summary = corpus
    files = sorted(p.name for p in (out / "docs").iterdir())
    assert len(files) == 60 == len(truth["documents"]) == summary["documents"]
    assert files == sorted(d["id"] for d in truth["documents"])
    kinds = {d["kind"] for d in truth["documents"]}
    assert {"copy", "original"} <= kinds
    for d in truth["documents"]:
        if d["kind"] == "original":
            assert d["family"] is None and d["parent"] is None
        if d["kind"] == "model":
            assert d["parent"] is None and d["family"] is not None
        if d["kind"] == "copy":
            assert d["parent"] is not None and d["revision"] in ("verbatim", "light", "heavy")


def test_hidden_models_have_children(corpus):
    out, truth, _ = corpus
    hidden = [m for m in truth["models"] if not m["published"]]
    assert hidden, "seed 3 should give at least one unpublished model"
    for m in hidden:
        children = [d for d in truth["documents"] if d["parent"] == m["id"]]
        assert len(children) >= 1
        assert (out / m["path"]).is_file()
        assert not (out / "docs" / m["path"]).exists()


def test_children_are_later_than_parents(corpus):
    _, truth, _ = corpus
    dates = {d["id"]: d["date"] for d in truth["documents"]}
    dates.update({m["id"]: m["date"] for m in truth["models"]})
    for d in truth["documents"]:
        if d["parent"] is not None:
            assert d["date"] > dates[d["parent"]]


def test_date_written_in_signature_block(corpus):
    out, truth, _ = corpus
    zh_digits = "〇一二三四五六七八九"
    for d in truth["documents"]:
        if "bad" in d["channels"]:  # a bad conversion may have dropped a digit of the date, as in 004
            continue
        year = d["date"][:4]
        tail = (out / "docs" / d["id"]).read_text(encoding="utf-8")[-120:]
        assert year in tail or "".join(zh_digits[int(c)] for c in year) in tail, d["id"]


def test_origin_spans_are_exact_and_ordered(corpus):
    out, truth, _ = corpus
    for d in truth["documents"]:
        text = (out / "docs" / d["id"]).read_text(encoding="utf-8")
        assert len(text) == d["chars"]
        prev = 0
        for s, e, _ in triples(d):
            assert prev <= s < e <= len(text)
            assert text[s:e].strip() and not text[s].isspace()
            prev = e


def test_passages_slice_to_the_same_text(corpus):
    """Every unedited copied passage, sliced from both files, is the same text up to names and damage."""
    out, truth, _ = corpus
    lang = truth["lang"]
    meta = {m["id"]: m for m in truth["models"]} | {d["id"]: d for d in truth["documents"]}
    checked = 0
    for p in truth["passages"]:
        src, dst = meta[p["source"]], meta[p["target"]]
        if p["edited"] or "bad" in src.get("channels", ()) or "bad" in dst.get("channels", ()):
            continue
        a = _text(out, p["source"], truth)[slice(*p["source_span"])]
        b = _text(out, p["target"], truth)[slice(*p["target_span"])]
        names = [*src["names"].values(), *dst["names"].values()]
        assert _canon(a, names, lang) == _canon(b, names, lang), (p, a[:80], b[:80])
        checked += 1
    assert checked >= 20


def test_edited_passages_are_similar(corpus):
    from rapidfuzz.distance import Indel

    out, truth, _ = corpus
    for p in truth["passages"]:
        a = _text(out, p["source"], truth)[slice(*p["source_span"])]
        b = _text(out, p["target"], truth)[slice(*p["target_span"])]
        if p["sentences"] >= 2:
            assert Indel.normalized_similarity(a, b) > 0.4


def test_truth_pairs_include_every_parent_link(corpus):
    _, truth, _ = corpus
    true, ambiguous = truth_pairs(truth)
    shared = shared_chars(truth)
    docs = {d["id"] for d in truth["documents"]}
    for d in truth["documents"]:
        if d["parent"] in docs:
            key = tuple(sorted((d["id"], d["parent"])))
            assert key in true | ambiguous and key in shared
    originals = [d["id"] for d in truth["documents"] if d["kind"] == "original"]
    for o in originals:
        assert not any(o in k for k in true if not _borrowed(truth, k))
    cases = pair_cases(truth, true)
    assert {(c.a, c.b) for c in cases} == true


def _borrowed(truth: dict, key: tuple[str, str]) -> bool:
    docs = {d["id"]: d for d in truth["documents"]}
    return any(x in docs[y]["borrowed_from"] for x, y in (key, key[::-1]))


def test_deterministic(tmp_path):
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    simulate(a, 25, seed=11, lang="zh")
    simulate(b, 25, seed=11, lang="zh")
    simulate(c, 25, seed=12, lang="zh")
    assert (a / "truth.json").read_bytes() == (b / "truth.json").read_bytes()
    for f in (a / "docs").iterdir():
        assert f.read_bytes() == (b / "docs" / f.name).read_bytes()
    assert (a / "truth.json").read_bytes() != (c / "truth.json").read_bytes()


def test_pdf_channel_wraps_lines(tmp_path):
    simulate(tmp_path, 40, seed=5, lang="zh")
    truth = load_truth(tmp_path)
    pdf = [d for d in truth["documents"] if "pdf" in d["channels"]]
    assert pdf
    for d in pdf:
        lines = [ln for ln in (tmp_path / "docs" / d["id"]).read_text(encoding="utf-8").splitlines() if ln.strip()]
        body = lines[1:-3]
        assert max(len(ln.strip()) for ln in body) <= 35


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_plagiarism_cases(tmp_path, lang):
    summary = simulate_plagiarism(tmp_path, 20, seed=2, lang=lang, obfuscated=0.5)
    truth = json.loads((tmp_path / "truth.json").read_text(encoding="utf-8"))
    assert summary["cases"] == len(truth["cases"]) > 0
    lo, hi = (100, 1400) if lang == "zh" else (50, 700)
    kinds = set()
    for c in truth["cases"]:
        src = (tmp_path / "docs" / c["source"]).read_text(encoding="utf-8")[slice(*c["source_span"])]
        dst = (tmp_path / "docs" / c["target"]).read_text(encoding="utf-8")[slice(*c["target_span"])]
        n = len(src) if lang == "zh" else len(src.split())
        assert n == c["length"] and lo <= n <= hi or n < lo and c["length"] == n
        kinds.add(c["obfuscation"])
        if c["obfuscation"] == "none":
            assert src == dst
        else:
            assert src != dst
    assert kinds == {"none", "light"}
    assert all(c["source"].startswith("source-") and c["target"].startswith("suspicious-") for c in truth["cases"])


def test_same_seed_same_corpus_across_processes(tmp_path):
    """String hashing differs between processes; the corpus must not."""
    import os
    import subprocess
    import sys

    script = Path(__file__).resolve().parent.parent / "benchmarks" / "simulate.py"
    outs = []
    for h in ("1", "2"):
        out = tmp_path / f"run{h}"
        subprocess.run([sys.executable, str(script), str(out), "--docs", "20", "--seed", "3"], check=True,
                       capture_output=True, env={**os.environ, "PYTHONHASHSEED": h})
        outs.append((out / "truth.json").read_bytes())
    assert outs[0] == outs[1]


def test_list_items_are_sentences_not_headings():
    """A ；-terminated list item of a regulation is text, de-duplicated like any sentence; only a line
    without final punctuation is a heading (headings are shared stock and escape de-duplication)."""
    from sim_stock import _dedupe, _zh_units, StockDoc

    reg_a = "{town}大气污染防治条例\n第一章 总则\n（四）原油储罐设置浮顶罐或者采取其他措施减少油气无组织排放；\n" \
            "第二条 本条例适用于本市行政区域内大气污染的防治工作，各级人民政府负责实施。\n" \
            "第三条 排放大气污染物的单位应当采取有效措施，防止和减少大气污染。\n" \
            "第四条 任何单位和个人都有保护大气环境的义务，有权举报污染大气环境的行为。\n"
    reg_b = "{town}大气污染防治条例\n第一章 总则\n（四）原油储罐未设置浮顶罐或者采取其他措施减少油气无组织排放的；\n" \
            "第九条 违反本条例规定的，由生态环境主管部门责令改正，处二万元以上二十万元以下罚款。\n" \
            "第十条 生态环境主管部门应当建立大气环境质量监测网络，定期发布监测信息。\n" \
            "第十一条 重污染天气期间，应当按照应急预案采取限产、停产等措施，减少污染排放。\n"
    title, units = _zh_units(reg_a, {})
    assert [u.text for u in units if u.heading] == ["第一章总则"]
    docs = [StockDoc(*_zh_units(t, {}), source=str(k)) for k, t in enumerate((reg_a, reg_b))]
    kept = _dedupe(docs, "zh")
    texts = [u.text for d in kept for u in d.units]
    assert sum("浮顶罐" in t for t in texts) == 1


def test_reworded_stock_sentences_are_dropped():
    """Exodus 37 retells Exodus 25 in other words; sharing under 40 % of its three-word pieces it passed the fuzzy
    test, so 'unrelated' documents shared a real passage.  Mostly contained in order in a kept sentence: dropped."""
    from sim_stock import StockDoc, Unit, _dedupe

    ex25 = ["And thou shalt make two cherubim of gold, of beaten work shalt thou make them, in the two ends of the "
            "mercy seat.", "And the ark shall be overlaid with pure gold within and without round about it.",
            "And thou shalt cast four rings of gold for it, and put them in the four corners thereof.",
            "And thou shalt make staves of shittim wood, and overlay them with gold."]
    ex37 = ["And he made two cherubim of gold, beaten out of one piece made he them, on the two ends of the mercy seat.",
            "And he made the candlestick of pure gold: of beaten work made he the candlestick.",
            "And he made the altar of incense of shittim wood: the length of it was a cubit.",
            "And he made the holy anointing oil, and the pure incense of sweet spices."]
    docs = [StockDoc("Exodus 25", [Unit(s) for s in ex25], "a"), StockDoc("Exodus 37", [Unit(s) for s in ex37], "b")]
    kept = [u.text for d in _dedupe(docs, "en") for u in d.units]
    assert ex37[0] not in kept
    assert ex37[1] in kept and ex25[0] in kept

"""provenance.check: shares, policy loading, judge() verdicts and the baseline."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from provenance.check import Policy, judge, load_policy, source_share
from provenance.check.baseline import SCHEMA, Baseline, BaselineEntry, load_baseline, to_json, write_baseline
from provenance.check.findings import line_at, pct
from provenance.check.policy import find_config, matches_any

TEXT = "".join(f"第{i}条 本镇各村应当按照规定做好信访维稳工作。\n" for i in range(1, 11))  # 10 lines


def share(source: str, spans, text: str = TEXT, **kw):
    """A SourceShare whose passages cover ``spans`` of the checked text."""
    return source_share(source, text, [((a, b), (a + 7, b + 7)) for a, b in spans], **kw)


def n(frac: float) -> int:
    return round(len(TEXT) * frac)


# ----------------------------------------------------------------------------- findings

def test_line_at_counts_every_line_ending():
    text = "一\r\n二\r三\n四"
    assert [line_at(text, i) for i in (0, 3, 5, 7)] == [1, 2, 3, 4]
    assert line_at(text, 10_000) == 4


def test_source_share_measures_union_longest_and_line():
    line3 = TEXT.index("第3条")
    line7 = TEXT.index("第7条")
    s = share("plans/甲镇.txt", [(line3, line3 + 10), (line3 + 5, line3 + 20), (line7, line7 + 12)])
    assert s.shared_chars == 20 + 12
    assert s.share == round(32 / len(TEXT), 4)
    assert s.spans == ((line3, line3 + 20), (line7, line7 + 12))
    # the longest passage is the longest single passage, not the merged run
    assert s.longest[0] == (line3 + 5, line3 + 20)
    assert s.longest[2] == TEXT[line3 + 5:line3 + 20]
    assert s.line == 3
    # a compilation part starting on line 40 of its file
    assert share("a.txt", [(line7, line7 + 12)], first_line=40).line == 46


def test_pct_never_reads_as_the_limit():
    assert pct(0.62) == "62%"
    assert pct(0.5004, 0.5) == "50.04%"
    assert pct(0.501, 0.5) == "50.1%"
    assert pct(0.0001) == "<1%" and pct(0.0) == "0%"


@pytest.mark.parametrize("source, patterns, expected", [
    ("templates/县级/范本.docx", ["templates/"], True),
    ("templates/县级/范本.docx", ["templates"], True),
    ("plans/templates/范本.docx", ["templates"], True),          # a name matches at any depth
    ("plans/templates/范本.docx", ["/templates/"], False),       # a leading slash anchors
    ("plans/templates/范本.docx", ["plans/templates"], True),
    ("models/a/范本一.txt#2", ["models/*/范本*.txt"], True),     # part suffix ignored
    ("models/a/b/范本一.txt", ["models/*/范本*.txt"], False),    # * stays within a folder
    ("models/a/b/范本一.txt", ["models/**/范本*.txt"], True),
    ("x/官方范本.pdf", ["**/*范本*"], True),
    ("plans/计划.txt", ["*.docx", "templates/"], False),
    ("./templates/a.txt", ["./templates/"], True),
    ("templates-old/a.txt", ["templates"], False),
    ("a/model1.txt", ["a/model[0-9].txt"], True),
    ("anything.txt", ["", "/"], False),
])
def test_allowed_template_patterns_match_like_gitignore(source, patterns, expected):
    assert matches_any(source, patterns) is expected


# ----------------------------------------------------------------------------- policy loading

def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_without_any_config(tmp_path):
    (tmp_path / ".git").mkdir()
    p = load_policy(tmp_path, {})
    assert p == Policy()
    assert (p.max_share_per_source, p.max_total_share, p.ignore_boilerplate) == (0.5, 0.8, True)


def test_pyproject_table_found_from_a_subfolder(tmp_path):
    (tmp_path / ".git").mkdir()
    write(tmp_path / "pyproject.toml", """
[project]
name = "plans"

[tool.provenance]
max_share_per_source = "30%"
max-total-share = 0.6
ignore_boilerplate = false
allowed_templates = "templates/"
baseline = "ci/baseline.json"
""")
    sub = tmp_path / "plans" / "2024"
    sub.mkdir(parents=True)
    p = load_policy(sub, {})
    assert p.max_share_per_source == 0.3
    assert p.max_total_share == 0.6
    assert p.ignore_boilerplate is False
    assert p.allowed_templates == ("templates/",)
    assert p.baseline == str(tmp_path / "ci" / "baseline.json")  # relative to the config file
    assert p.config == str(tmp_path / "pyproject.toml")


def test_provenance_toml_wins_and_pyproject_without_table_is_skipped(tmp_path):
    (tmp_path / ".git").mkdir()
    write(tmp_path / "pyproject.toml", "[tool.provenance]\nmax_total_share = 0.7\n")
    write(tmp_path / "provenance.toml", "max_total_share = 0.9\nallowed_templates = ['a/', 'b/*.docx']\n")
    sub = tmp_path / "docs"
    write(sub / "pyproject.toml", "[project]\nname = 'x'\n")  # no [tool.provenance]: passed over
    p = load_policy(sub, {})
    assert p.max_total_share == 0.9
    assert p.allowed_templates == ("a/", "b/*.docx")
    assert p.config == str(tmp_path / "provenance.toml")


def test_search_stops_at_the_repository_root(tmp_path):
    write(tmp_path / "pyproject.toml", "[tool.provenance]\nmax_total_share = 0.1\n")
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    sub = repo / "sub"
    sub.mkdir()
    assert find_config(sub) is None
    assert load_policy(repo, {}).max_total_share == 0.8


def test_overrides_win_none_is_unset_and_empty_baseline_disables(tmp_path):
    (tmp_path / ".git").mkdir()
    write(tmp_path / "provenance.toml", "max_share_per_source = 0.3\nbaseline = 'b.json'\n")
    p = load_policy(tmp_path, {"max_share_per_source": 0.45, "max_total_share": None,
                               "allowed_templates": ["models/"]})
    assert p.max_share_per_source == 0.45
    assert p.max_total_share == 0.8
    assert p.allowed_templates == ("models/",)
    assert p.baseline == str(tmp_path / "b.json")
    assert load_policy(tmp_path, {"baseline": ""}).baseline is None
    assert load_policy(tmp_path, {"baseline": "other.json"}).baseline == "other.json"  # relative to cwd


def test_unknown_key_in_file_is_one_clear_line(tmp_path):
    (tmp_path / ".git").mkdir()
    cfg = write(tmp_path / "pyproject.toml", "[tool.provenance]\nmax_share = 0.3\n")
    with pytest.raises(ValueError) as err:
        load_policy(tmp_path, {})
    msg = str(err.value)
    assert "\n" not in msg
    assert msg.startswith(f"{cfg} [tool.provenance]: unknown key 'max_share' (known: max_share_per_source,")


def test_unknown_override_and_bad_values(tmp_path):
    (tmp_path / ".git").mkdir()
    with pytest.raises(ValueError, match=r"^policy option: unknown key 'strict'"):
        load_policy(tmp_path, {"strict": True})
    with pytest.raises(ValueError, match=r"max_total_share must be a share between 0 and 1 .* got 80"):
        load_policy(tmp_path, {"max_total_share": 80})
    with pytest.raises(ValueError, match=r"got 'lots'"):
        load_policy(tmp_path, {"max_total_share": "lots"})
    with pytest.raises(ValueError, match=r"ignore_boilerplate must be true or false"):
        load_policy(tmp_path, {"ignore_boilerplate": "yes"})
    with pytest.raises(ValueError, match=r"allowed_templates must be"):
        load_policy(tmp_path, {"allowed_templates": [1, 2]})
    write(tmp_path / "provenance.toml", "max_total_share = true\n")
    with pytest.raises(ValueError, match=r"provenance.toml: max_total_share must be a share"):
        load_policy(tmp_path, {})


def test_malformed_toml_names_the_file(tmp_path):
    (tmp_path / ".git").mkdir()
    cfg = write(tmp_path / "provenance.toml", "max_total_share = = 1\n")
    with pytest.raises(ValueError) as err:
        load_policy(tmp_path, {})
    assert str(err.value).startswith(f"{cfg}: cannot read the policy:")
    assert "\n" not in str(err.value)


# ----------------------------------------------------------------------------- judge

def test_pass_below_the_limits():
    f = judge("plans/乙.txt", len(TEXT), [share("plans/甲.txt", [(0, n(0.3))])], Policy())
    assert f.verdict == "pass" and f.reasons == () and not f.failed
    assert f.total_share == round(n(0.3) / len(TEXT), 4)


def test_fail_on_a_single_source_with_a_readable_reason():
    s = share("plans/甲.txt", [(0, n(0.62))])
    f = judge("plans/乙.txt", len(TEXT), [s], Policy(max_share_per_source=0.3))
    assert f.verdict == "fail" and f.failed
    assert f.reasons == (f"{pct(s.share)} copied from plans/甲.txt (limit 30%)",)
    (v,) = f.violations
    assert (v.rule, v.source, v.status, v.limit) == ("source", "plans/甲.txt", "fail", 0.3)


def test_total_counts_overlapping_sources_once():
    # two sources each 40% of the text, overlapping by 20%: union 60%, not 80%
    a = share("a.txt", [(0, n(0.4))])
    b = share("b.txt", [(n(0.2), n(0.6))])
    f = judge("x.txt", len(TEXT), [b, a], Policy(max_total_share=0.7))
    assert f.verdict == "pass"
    assert f.total_share == pytest.approx(0.6, abs=0.01)
    f = judge("x.txt", len(TEXT), [b, a], Policy(max_total_share=0.55))
    assert f.verdict == "fail"
    (v,) = f.violations
    assert v.rule == "total" and v.message.startswith(f"{pct(f.total_share)} copied in total from 2 sources")


def test_sources_sorted_most_copied_first():
    f = judge("x.txt", len(TEXT), [share("small.txt", [(0, 5)]), share("big.txt", [(0, 50)])], Policy())
    assert [s.source for s in f.sources] == ["big.txt", "small.txt"]


def test_boilerplate_ignored_unless_the_policy_counts_it():
    s = share("stock.txt", [(0, n(0.9))], boilerplate=True)
    assert judge("x.txt", len(TEXT), [s], Policy()).verdict == "pass"
    assert judge("x.txt", len(TEXT), [s], Policy()).total_share == 0
    f = judge("x.txt", len(TEXT), [s], Policy(ignore_boilerplate=False))
    assert f.verdict == "fail" and {v.rule for v in f.violations} == {"source", "total"}


def test_allowed_template_is_reported_never_failed_and_not_in_the_total():
    tpl = share("templates/范本.txt", [(0, n(0.95))])
    own = share("plans/甲.txt", [(n(0.5), n(0.7))])
    policy = Policy(allowed_templates=("templates/",))
    f = judge("plans/乙.txt", len(TEXT), [tpl, own], policy)
    assert f.verdict == "allowed"
    assert f.share_of("templates/范本.txt").allowed_template is True  # marked from the policy
    assert f.total_share == pytest.approx(0.2, abs=0.01)
    (v,) = f.violations
    assert v.status == "allowed" and "allowed template templates/范本.txt" in v.message
    # below the limit: an "allowed" verdict with a note
    f = judge("plans/乙.txt", len(TEXT), [share("t.txt", [(0, 10)], allowed_template=True)], Policy())
    assert f.verdict == "allowed" and f.violations == ()
    assert f.reasons == (f"follows the allowed template t.txt ({pct(10 / len(TEXT))})",)
    # a copy from another source still fails next to a template
    f = judge("plans/乙.txt", len(TEXT), [tpl, share("plans/甲.txt", [(0, n(0.6))])], policy)
    assert f.verdict == "fail"


def test_error_finding():
    f = judge("broken.pdf", 0, [], Policy(), error="no text layer (a scanned PDF?)")
    assert f.verdict == "error" and f.error == "no text layer (a scanned PDF?)"
    assert f.reasons == ("no text layer (a scanned PDF?)",)


def test_source_without_spans_is_counted_in_full():
    from provenance.check.findings import SourceShare

    s = SourceShare("a.txt", 90, 0.9, False, False, ((0, 90), (0, 90), "x"), 1)
    assert judge("x.txt", 100, [s], Policy(max_share_per_source=1.0)).total_share == 0.9


# ----------------------------------------------------------------------------- baseline

def failing_findings():
    policy = Policy(max_share_per_source=0.3, allowed_templates=("templates/",))
    return [
        judge("plans/乙.txt", len(TEXT), [share("plans/甲.txt", [(0, n(0.62))]),
                                          share("templates/t.txt", [(0, n(0.1))])], policy, sha256="aa"),
        judge("plans/丙.txt", len(TEXT), [share("plans/甲.txt", [(0, n(0.1))])], policy, sha256="bb"),
        judge("plans/丁.txt", len(TEXT), [share("plans/乙.txt", [(0, n(0.5))]),
                                          share("plans/甲.txt", [(n(0.4), n(0.9))])], policy, sha256="cc"),
    ], policy


def test_baseline_round_trip_is_deterministic(tmp_path):
    findings, _ = failing_findings()
    path = tmp_path / "ci" / "baseline.json"
    written = write_baseline(findings, path)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["schema"] == SCHEMA
    assert [e["path"] for e in data["files"]] == ["plans/丁.txt", "plans/乙.txt"]  # only files over a limit
    assert data["files"][1]["sources"] == {"plans/甲.txt": round(n(0.62) / len(TEXT), 4)}  # no template
    assert data["files"][1]["sha256"] == "aa"
    assert "甲" in path.read_text(encoding="utf-8")  # not \u-escaped
    loaded = load_baseline(path)
    assert loaded == written
    first = path.read_bytes()
    write_baseline(list(reversed(findings)), path)
    assert path.read_bytes() == first
    assert list(tmp_path.glob("ci/*.tmp")) == []


def test_baselined_unless_it_got_worse(tmp_path):
    findings, policy = failing_findings()
    baseline = write_baseline(findings, tmp_path / "b.json")
    again = judge("plans/乙.txt", len(TEXT), [share("plans/甲.txt", [(0, n(0.62))])], policy, baseline, sha256="aa")
    assert again.verdict == "baselined" and not again.failed
    assert again.reasons[0].endswith(f"accepted in the baseline at {pct(round(n(0.62) / len(TEXT), 4))}")
    # edited, still within the tolerance (2 points): baselined; content hash may differ
    near = n(0.62) + max(1, n(0.01))
    assert judge("plans/乙.txt", len(TEXT), [share("plans/甲.txt", [(0, near)])], policy, baseline,
                 sha256="zz").verdict == "baselined"
    # grew by more than the tolerance: fails and says so
    worse = judge("plans/乙.txt", len(TEXT), [share("plans/甲.txt", [(0, n(0.75))])], policy, baseline)
    assert worse.verdict == "fail" and "grew from" in worse.reasons[0]
    # a copy from a source the baseline does not list fails
    other = judge("plans/乙.txt", len(TEXT), [share("plans/戊.txt", [(0, n(0.62))])], policy, baseline)
    assert other.verdict == "fail"
    # a file the baseline does not know fails
    assert judge("plans/新.txt", len(TEXT), [share("plans/甲.txt", [(0, n(0.62))])], policy,
                 baseline).verdict == "fail"


def test_moved_file_is_recognised_by_its_hash(tmp_path):
    findings, policy = failing_findings()
    baseline = write_baseline(findings, tmp_path / "b.json")
    moved = judge("archive/乙.txt", len(TEXT), [share("plans/甲.txt", [(0, n(0.62))])], policy, baseline,
                  sha256="aa")
    assert moved.verdict == "baselined"


def test_total_is_baselined_too(tmp_path):
    findings, policy = failing_findings()
    baseline = write_baseline(findings, tmp_path / "b.json")
    f = judge("./plans/丁.txt", len(TEXT), [share("plans/乙.txt", [(0, n(0.5))]),
                                             share("plans/甲.txt", [(n(0.4), n(0.9))])],
              replace_policy(policy, max_total_share=0.8), baseline)
    assert {v.rule for v in f.violations} == {"source", "total"}
    assert f.verdict == "baselined"


def replace_policy(policy, **kw):
    from dataclasses import replace

    return replace(policy, **kw)


def test_partial_write_keeps_other_entries(tmp_path):
    findings, policy = failing_findings()
    path = tmp_path / "b.json"
    first = write_baseline(findings, path)
    # a later run checks only 乙 (now fixed: passes) → its entry goes, 丁's stays
    fixed = judge("plans/乙.txt", len(TEXT), [share("plans/甲.txt", [(0, 5)])], policy)
    second = write_baseline([fixed], path, previous=first)
    assert [e.path for e in second.entries] == ["plans/丁.txt"]
    assert load_baseline(path) == second


def test_to_json_sorts_everything():
    b = Baseline((BaselineEntry("z.txt", "1", 0.9, (("b", 0.5), ("a", 0.6))), BaselineEntry("a.txt", "2", 0.7)))
    data = json.loads(to_json(b))
    assert [e["path"] for e in data["files"]] == ["a.txt", "z.txt"]
    assert list(data["files"][1]["sources"]) == ["a", "b"]


def test_load_baseline_errors(tmp_path):
    with pytest.raises(ValueError, match=r"baseline file not found; create it with `provenance check --write-baseline`"):
        load_baseline(tmp_path / "missing.json")
    bad = write(tmp_path / "bad.json", "{not json")
    with pytest.raises(ValueError, match=r"bad.json: not a provenance baseline: "):
        load_baseline(bad)
    other = write(tmp_path / "other.json", json.dumps({"schema": "provenance/1", "documents": []}))
    with pytest.raises(ValueError, match=r'expected "schema": "provenance-baseline/1"'):
        load_baseline(other)
    share_bad = write(tmp_path / "s.json", json.dumps({"schema": SCHEMA, "files": [
        {"path": "a.txt", "sha256": "", "total_share": 0.5, "sources": {"b.txt": 62}}]}))
    with pytest.raises(ValueError, match=r"files\[0\]: a share must be a number between 0 and 1, got 62"):
        load_baseline(share_bad)


# ----------------------------------------------------------------------------- with the real engine

def test_judge_on_engine_output_for_a_near_copy_and_an_original(tmp_path):
    """A town's plan with another town's name swapped in fails; an unrelated plan passes."""
    from provenance.config import Config
    from provenance.model import Document
    from provenance.pipeline import compare, prepare

    fixtures = Path(__file__).resolve().parent.parent / "fixtures"
    original = (fixtures / "003_96955203d032fc3a.txt").read_text(encoding="utf-8")
    lines = original.split("\n")
    copy = "\n".join(["东岭镇信访维稳应急预案", ""] + [l.replace("西岗镇", "东岭镇") for i, l in enumerate(lines) if i % 5 != 2])
    other = (fixtures / "004_785db1e8b88976bb.txt").read_text(encoding="utf-8")
    config = Config()
    indexed = prepare(Document("plans/西岗镇.txt", "plans/西岗镇.txt", original), config)
    findings = []
    for path, text in (("new/东岭镇.txt", copy), ("new/金元镇.txt", other)):
        pair = compare(prepare(Document(path, path, text), config), indexed, None, config)
        shares = [] if pair is None else [
            source_share(pair.b, text, [(p.a_span, p.b_span) for p in pair.passages],
                         boilerplate=pair.kind == "boilerplate")]
        findings.append(judge(path, len(text), shares, Policy()))
    near, orig = findings
    assert near.verdict == "fail"
    assert near.violations[0].source == "plans/西岗镇.txt"
    assert near.sources[0].share > 0.9
    s = near.sources[0]
    assert copy[s.longest[0][0]:s.longest[0][1]] == s.longest[2]
    assert s.line == line_at(copy, s.longest[0][0]) >= 1
    assert orig.verdict == "pass"

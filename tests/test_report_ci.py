"""CI formats of ``provenance check``: GitHub workflow commands and summary, SARIF, JUnit; hook and workflow files."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import unquote

import pytest

from provenance.check import Policy, judge, source_share
from provenance.check.baseline import Baseline, BaselineEntry
from provenance.report import github, junit, sarif

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = ROOT / "tests" / "data" / "ci" / "sarif-schema-2.1.0.json"

TEXT = "".join(f"第{i}条，本镇按照规定：做好100%信访维稳工作。\n" for i in range(1, 21))
NASTY = "plans/计划,2024: 修订 100%.txt"  # every character the property escaping must handle


def share(source, a, b, text=TEXT, **kw):
    return source_share(source, text, [((a, b), (a + 3, b + 3))], **kw)


def at(line: int) -> int:
    """Offset of the start of 1-based ``line`` in TEXT."""
    return TEXT.index(f"第{line}条")


@pytest.fixture()
def findings():
    policy = Policy(max_share_per_source=0.3, max_total_share=0.7, allowed_templates=("templates/",))
    base = Baseline((BaselineEntry("plans/旧.txt", "", 0.5, (("plans/甲.txt", 0.5),)),))
    n = len(TEXT)
    return [
        # fails on one source; the longest passage spans lines 4..12 (a multi-line quote)
        judge(NASTY, n, [share("plans/甲.txt", at(4), at(13)), share("plans/乙.txt", 0, 10)], policy, sha256="1"),
        # fails in total only: three sources of 25% each
        judge("plans/总.txt", n, [share("a.txt", 0, n // 4), share("b.txt", n // 4, n // 2),
                                  share("c.txt", n // 2, 3 * n // 4 + 1)], policy),
        # over the limit but accepted by the baseline
        judge("plans/旧.txt", n, [share("plans/甲.txt", 0, n // 2)], policy, base),
        # follows an allowed template beyond the limit, and another below it
        judge("plans/模板.txt", n, [share("templates/范本.txt", 0, 9 * n // 10), share("templates/b.txt", 0, 5)],
              policy),
        # unreadable
        judge("scans/扫描件.pdf", 0, [], policy, error="no text layer (a scanned PDF?)"),
        # passes with some shared text, and passes with none
        judge("plans/原创.txt", n, [share("plans/甲.txt", at(2), at(4))], policy),
        judge("plans/全新.txt", n, [], policy),
    ]


# ----------------------------------------------------------------------------- GitHub

def unescape_data(s: str) -> str:
    return s.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")


def unescape_property(s: str) -> str:
    return s.replace("%0D", "\r").replace("%0A", "\n").replace("%3A", ":").replace("%2C", ",").replace("%25", "%")


def parse_command(line: str) -> tuple[str, dict[str, str], str]:
    """Parse one workflow command the way the Actions runner does."""
    m = re.fullmatch(r"::(\w+)(?: ([^:]*))?::(.*)", line)
    assert m, line
    props = {}
    for item in (m.group(2) or "").split(","):
        if item:
            key, _, value = item.partition("=")
            props[key] = unescape_property(value)
    return m.group(1), props, unescape_data(m.group(3))


def test_escaping_of_data_and_properties():
    assert github.escape_data("a%b\r\nc:d,e") == "a%25b%0D%0Ac:d,e"
    assert github.escape_property("a%b\r\nc:d,e") == "a%25b%0D%0Ac%3Ad%2Ce"
    assert github.escape_data("%0A") == "%250A"  # already-escaped looking text survives
    for s in ["100%", "x:y,z", "多行\n文本\r\n", "%25", "::error::"]:
        assert unescape_data(github.escape_data(s)) == s
        assert unescape_property(github.escape_property(s)) == s
    assert github.command("error", "a\nb", file="x,y.txt", line=3, title="T: 1") == \
        "::error file=x%2Cy.txt,line=3,title=T%3A 1::a%0Ab"
    assert github.command("notice", "plain") == "::notice::plain"


def test_github_render_round_trips_through_the_runner_parser(findings):
    out = github.render(findings)
    assert out.endswith("\n")
    lines = out.splitlines()
    assert all(line.startswith("::") for line in lines)  # a raw newline would break a command
    parsed = [parse_command(line) for line in lines]
    by_file: dict[str, list] = {}
    for level, props, msg in parsed:
        by_file.setdefault(props["file"], []).append((level, props, msg))

    (level, props, msg), *rest = by_file[NASTY]
    assert level == "error"
    assert props["file"] == NASTY  # commas, colons and % survive
    assert props["line"] == "4"  # where the longest passage starts
    assert props["title"] == "Copied from plans/甲.txt"
    assert msg.startswith(findings[0].reasons[0] + "; longest shared passage, line 4: “第4条，本镇按照规定：做好100%")
    assert rest == []  # 乙 is below the limit: nothing more on this failing file

    (level, props, msg), = by_file["plans/总.txt"]
    assert level == "error" and props["title"] == "Copied from several sources"
    assert "copied in total from 3 sources (limit 70%)" in msg and "from a.txt" in msg

    (level, props, msg), = by_file["plans/旧.txt"]
    assert level == "warning" and "accepted in the baseline at 50%" in msg

    levels = sorted((lv, p["title"]) for lv, p, _ in by_file["plans/模板.txt"])
    assert levels == [("notice", "Allowed template templates/b.txt"), ("warning", "Allowed template templates/范本.txt")]

    (level, props, msg), = by_file["scans/扫描件.pdf"]
    assert (level, props["line"], props["title"], msg) == ("error", "1", "Unreadable document",
                                                           "no text layer (a scanned PDF?)")
    (level, props, msg), = by_file["plans/原创.txt"]
    assert level == "notice" and props["line"] == "2" and msg.startswith("10% shared with plans/甲.txt")
    assert "plans/全新.txt" not in by_file


def test_github_render_without_notices(findings):
    levels = {parse_command(line)[0] for line in github.render(findings, notices=False).splitlines()}
    assert levels == {"error", "warning"}


def test_step_summary_is_a_markdown_table(findings):
    md = github.step_summary(findings)
    lines = md.splitlines()
    assert lines[0] == "## provenance check"
    assert lines[2] == "**2 failed**, **1 unreadable**, 1 baselined, 1 allowed, 2 passed of 7 checked files."
    header, rule, *rows = lines[4:]
    assert header.count("|") == 6 and rule == "| --- | --- | ---: | --- | --- |"
    assert len(rows) == 7
    assert all(row.count("|") - row.count("\\|") == 6 for row in rows)  # escaped pipes stay in the cell
    assert [r.split(" | ")[1] for r in rows] == ["❌ fail", "❌ fail", "⚠️ error", "☑️ baselined", "📄 allowed",
                                                 "✅ pass", "✅ pass"]
    assert rows[0].startswith("| plans/计划,2024: 修订 100%.txt | ❌ fail |")
    nasty = github.step_summary([judge("a|b_<c>.txt", 10, [], Policy())])
    assert "a\\|b\\_\\<c\\>.txt" in nasty and "<c>" not in nasty
    assert github.step_summary([]).endswith("No document checked.\n")


# ----------------------------------------------------------------------------- SARIF

@pytest.fixture(scope="module")
def validator():
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    assert schema["id"].endswith("/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json")
    return jsonschema.Draft4Validator(schema)


def test_sarif_is_valid_against_the_official_schema(findings, validator):
    text = sarif.render(findings, info_uri="https://example.org/provenance")
    log = json.loads(text)
    assert list(validator.iter_errors(log)) == []
    assert log["version"] == "2.1.0"
    driver = log["runs"][0]["tool"]["driver"]
    assert driver["name"] == "provenance" and driver["informationUri"] == "https://example.org/provenance"
    assert [r["id"] for r in driver["rules"]] == ["PROV001", "PROV002", "PROV003", "PROV004"]
    assert [r["name"] for r in driver["rules"]] == ["copied-from-single-source", "copied-total", "unreadable-file",
                                                    "allowed-template-use"]
    # also valid with no findings and without an information URI
    assert list(validator.iter_errors(sarif.to_sarif([], info_uri=""))) == []


def test_the_validator_really_validates(findings, validator):
    log = sarif.to_sarif(findings)
    del log["runs"][0]["results"][0]["message"]
    log["runs"][0]["results"][1]["level"] = "fatal"
    assert len(list(validator.iter_errors(log))) == 2


def test_sarif_results(findings):
    results = sarif.to_sarif(findings)["runs"][0]["results"]
    rules = [r["ruleId"] for r in results]
    assert rules == ["PROV001", "PROV002", "PROV001", "PROV004", "PROV004", "PROV003"]
    for r in results:
        (loc,) = r["locations"]
        uri = loc["physicalLocation"]["artifactLocation"]["uri"]
        assert "\\" not in uri and " " not in uri and not re.match(r"^[a-z]+:", uri)
        assert loc["physicalLocation"]["region"]["startLine"] >= 1
        assert r["ruleIndex"] == ["PROV001", "PROV002", "PROV003", "PROV004"].index(r["ruleId"])
        assert set(r["partialFingerprints"]) == {"provenance/v1"}
    fail, total, baselined, tpl_over, tpl_under, error = results
    assert unquote(fail["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]) == NASTY
    assert fail["level"] == "error" and fail["locations"][0]["physicalLocation"]["region"]["startLine"] == 4
    (rel,) = fail["relatedLocations"]
    assert unquote(rel["physicalLocation"]["artifactLocation"]["uri"]) == "plans/甲.txt"
    assert rel["physicalLocation"]["region"]["charOffset"] == at(4) + 3  # the passage in the source
    assert [unquote(x["physicalLocation"]["artifactLocation"]["uri"]) for x in total["relatedLocations"]] == \
        [s.source for s in findings[1].sources] and len(findings[1].sources) == 3
    assert baselined["level"] == "warning" and baselined["baselineState"] == "unchanged"
    assert baselined["suppressions"] == [{"kind": "external", "status": "accepted",
                                          "justification": "accepted in the baseline at 50%"}]
    assert tpl_over["level"] == tpl_under["level"] == "note"
    assert error["level"] == "error" and error["message"]["text"] == "no text layer (a scanned PDF?)"
    assert error["locations"][0]["physicalLocation"]["region"] == {"startLine": 1}


def test_partial_fingerprints_are_stable_across_runs(findings):
    def prints(fs):
        return [r["partialFingerprints"]["provenance/v1"] for r in sarif.to_sarif(fs)["runs"][0]["results"]]

    first = prints(findings)
    assert first == prints(findings) and len(set(first)) == len(first)
    # same file and source, passage moved and grown: same identity
    moved = judge(NASTY, len(TEXT), [share("plans/甲.txt", at(9), at(20))], Policy(max_share_per_source=0.3))
    assert prints([moved]) == first[:1]
    assert sarif.render(findings) == sarif.render(findings)


def test_artifact_uris(tmp_path):
    assert sarif.artifact_uri("plans\\乙镇 计划.txt") == "plans/%E4%B9%99%E9%95%87%20%E8%AE%A1%E5%88%92.txt"
    assert sarif.artifact_uri("./a/b.txt#3") == "a/b.txt"
    assert sarif.artifact_uri(str(tmp_path / "x" / "c#d.txt"), root=tmp_path) == "x/c%23d.txt"
    assert sarif.artifact_uri("/elsewhere/d.txt", root=tmp_path) == "file:///elsewhere/d.txt"


# ----------------------------------------------------------------------------- JUnit

def test_junit_parses_with_one_case_per_file(findings):
    xml = junit.render(findings)
    assert xml.startswith('<?xml version="1.0" encoding="UTF-8"?>\n')
    root = ET.fromstring(xml.encode("utf-8"))
    assert root.tag == "testsuites"
    (suite,) = root.findall("testsuite")
    cases = suite.findall("testcase")
    assert [c.get("name") for c in cases] == [f.path for f in findings]
    assert all(c.get("classname") == "provenance.check" for c in cases)
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors"), suite.get("skipped")) == ("7", "2", "1", "0")
    assert root.get("tests") == "7"
    fail = cases[0].find("failure")
    assert fail.get("type") == "PROV001" and fail.get("message") == findings[0].reasons[0]
    assert "longest shared passage, line 4: “第4条" in fail.text
    assert cases[1].find("failure").get("type") == "PROV002"
    err = cases[4].find("error")
    assert err.get("type") == "PROV003" and err.get("message") == "no text layer (a scanned PDF?)"
    assert cases[2].find("failure") is None and "accepted in the baseline" in cases[2].find("system-out").text
    assert "allowed template" in cases[3].find("system-out").text
    assert cases[5].find("system-out").text.startswith("largest source: plans/甲.txt (10%)")
    assert list(cases[6]) == []
    n_fail = sum(c.find("failure") is not None for c in cases)
    n_err = sum(c.find("error") is not None for c in cases)
    assert (n_fail, n_err) == (2, 1)


def test_junit_drops_characters_xml_cannot_carry():
    text = "第一页\f第二页\x00\x1b正文" * 20
    f = judge("a\x0bb.pdf", len(text), [source_share("s.pdf", text, [((0, 60), (0, 60))])],
              Policy(max_share_per_source=0.1))
    root = ET.fromstring(junit.render([f]).encode("utf-8"))
    case = root.find("testsuite/testcase")
    assert case.get("name") == "ab.pdf"
    assert "第一页 第二页正文" in case.find("failure").text  # \f is whitespace, \x00 and \x1b are dropped
    bad = judge("b.pdf", 0, [], Policy(), error="bad byte \x02 at 7\ufffe")
    err = ET.fromstring(junit.render([bad]).encode("utf-8")).find("testsuite/testcase/error")
    assert err.get("message") == "bad byte  at 7"


# ----------------------------------------------------------------------------- hook and workflow files

def read_hooks() -> list[dict]:
    """.pre-commit-hooks.yaml, with PyYAML when installed, else with a parser for its flat form."""
    text = (ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8")
    try:
        import yaml
    except ImportError:
        hooks: list[dict] = []
        for line in text.splitlines():
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            m = re.fullmatch(r"(- |  )(\w+): (.*)", line)
            assert m, f"not flat YAML: {line!r}"
            if m.group(1) == "- ":
                hooks.append({})
            value = m.group(3)
            if value[:1] in "'\"":
                value = value[1:-1]
            hooks[-1][m.group(2)] = {"true": True, "false": False}.get(value, value)
        return hooks
    return yaml.safe_load(text)


def test_pre_commit_hook_covers_exactly_the_supported_types():
    from provenance.read import SUPPORTED_SUFFIXES

    (hook,) = read_hooks()
    assert hook["id"] == "provenance-check"
    assert hook["entry"] == "provenance check"
    assert hook["language"] == "python"
    assert hook["pass_filenames"] is True
    files = re.compile(hook["files"])
    for suffix in SUPPORTED_SUFFIXES:
        assert files.search(f"plans/县/计划{suffix}") and files.search(f"A{suffix.upper()}"), suffix
    for name in ["a.doc", "a.txt.bak", "a.pdfx", "a.docx~", "txt", "a.xhtml", "a.jpg"]:
        assert not files.search(name), name


def test_workflow_example_is_documented_verbatim():
    example = (ROOT / "examples" / "provenance-check.yml").read_text(encoding="utf-8")
    doc = (ROOT / "docs" / "github-actions.md").read_text(encoding="utf-8")
    assert "```yaml\n" + example + "```" in doc
    assert "fetch-depth: 0" in example
    assert re.search(r"provenance check --since .* --index .* --format github\n", example)
    assert "--format sarif --output provenance.sarif" in example
    assert "github/codeql-action/upload-sarif" in example
    assert "\t" not in example

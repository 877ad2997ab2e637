"""The command line as users and CI run it: output lines, exit codes, errors."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from provenance.cli import main

from .conftest import FIXTURES, SAMPLES


def run(*args, **kw):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False, **kw)


def test_scan_prints_the_copied_pairs_most_copied_first(samples_dir):
    res = run("scan", samples_dir)
    assert res.exit_code == 0
    lines = res.output.splitlines()
    assert lines[0] == "9 documents (5 files), 4 copied pairs, 10 sharing only boilerplate (--boilerplate to list)"
    body = "\n".join(lines)
    for a, b in (("000", "001"), ("001", "003"), ("001", "004"), ("000", "002")):
        assert any(a in line and b in line and "copy" in line for line in lines), (a, b, body)
    assert not any(("002" in line and "003" in line) for line in lines)


def test_scan_table_stops_at_top_and_says_how_many_more(samples_dir):
    lines = run("scan", samples_dir, "--top", "2").output.splitlines()
    rows = [line for line in lines if line.rstrip().endswith(" copy")]
    assert len(rows) == 2
    more = lines.index("… 2 more pairs (--top 0 lists all; --format json has every passage)")
    assert lines[more - 1].rstrip().endswith(" copy")  # right under the pairs table
    assert lines[-1] == "… 1 more document (--format json gives every document's sources)"
    assert len([ln for ln in run("scan", samples_dir, "--top", "0").output.splitlines() if ln.rstrip().endswith(" copy")]) == 4


def test_scan_json_is_deterministic_and_has_the_contract(samples_dir, tmp_path):
    out1, out2 = tmp_path / "1.json", tmp_path / "2.json"
    assert run("scan", samples_dir, "--format", "json", "-o", out1).exit_code == 0
    assert run("scan", samples_dir, "--format", "json", "-o", out2).exit_code == 0
    assert out1.read_bytes() == out2.read_bytes()
    data = json.loads(out1.read_text(encoding="utf-8"))
    assert data["schema"] == "provenance/1"
    assert {d["id"] for d in data["documents"]} >= {p.name for p in SAMPLES if not p.name.startswith("001")}


def test_text_prints_the_engine_text_and_spans_index_into_it(samples_dir, tmp_path):
    out = tmp_path / "r.json"
    run("scan", samples_dir, "--format", "json", "-o", out)
    data = json.loads(out.read_text(encoding="utf-8"))
    pair = next(p for p in data["pairs"] if p["a"].startswith("000") and p["b"].startswith("002"))
    a_text = run("text", samples_dir / pair["a"]).output
    b_text = run("text", samples_dir / pair["b"]).output
    q = pair["passages"][0]
    a = a_text[q["a_span"][0] : q["a_span"][1]]
    b = b_text[q["b_span"][0] : q["b_span"][1]]
    assert "为提高信访维稳工作的应急处理和协调能力" in a.replace("\n", "")
    assert "为提高信访维稳工作的应急处理和协调能力" in b


def test_text_of_a_compilation_part(samples_dir):
    res = run("text", f"{samples_dir / SAMPLES[1].name}#2")
    assert res.exit_code == 0
    assert res.output.lstrip().startswith("村委会信访应急预案篇二")
    res = CliRunner().invoke(main, ["text", f"{samples_dir / SAMPLES[1].name}#9"])
    assert res.exit_code == 2
    assert "has no part #9 (parts #1 to #5)" in res.stderr


def test_compare_shows_shared_passages_side_by_side():
    res = run("compare", SAMPLES[0], SAMPLES[2], "--width", "120")
    assert res.exit_code == 0
    assert res.output.splitlines()[0].startswith(f"{SAMPLES[0].name} ↔ {SAMPLES[2].name}: copy, ")
    assert "为提高信访维稳工作的应急处理和协调能力" in res.output


def test_compare_unrelated():
    res = run("compare", SAMPLES[2], SAMPLES[3])
    assert res.output == f"{SAMPLES[2].name} and {SAMPLES[3].name} share no passage.\n"


def test_unreadable_files_are_named_on_stderr_and_the_run_goes_on(tmp_path):
    (tmp_path / "good.txt").write_text(SAMPLES[0].read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "bin.txt").write_bytes(b"\x00\x01\x02binary\x00" * 50)
    res = CliRunner().invoke(main, ["scan", str(tmp_path)])
    assert res.exit_code == 0
    err = res.stderr
    assert f"provenance: skipped {tmp_path / 'empty.txt'}: empty file" in err
    assert f"provenance: skipped {tmp_path / 'bin.txt'}: binary file, not text" in err


def test_nothing_usable_exits_2(tmp_path):
    (tmp_path / "empty.txt").write_bytes(b"")
    res = CliRunner().invoke(main, ["scan", str(tmp_path)])
    assert res.exit_code == 2
    assert res.stderr.endswith(f"Error: no readable document in {tmp_path}\n")


def test_index_is_incremental(tmp_path, samples_dir):
    idx = tmp_path / "i.sqlite"
    res = CliRunner().invoke(main, ["index", "--index", str(idx), str(samples_dir)])
    assert res.exit_code == 0, res.output
    assert f"{idx}: 9 added, 0 updated, 0 unchanged; 9 documents in the index" in res.stderr
    res = CliRunner().invoke(main, ["index", "--index", str(idx), str(samples_dir)])
    assert f"{idx}: 0 added, 0 updated, 9 unchanged; 9 documents in the index" in res.stderr


def test_index_with_other_options_is_refused(tmp_path, samples_dir):
    idx = tmp_path / "i.sqlite"
    CliRunner().invoke(main, ["index", "--index", str(idx), str(samples_dir)])
    res = CliRunner().invoke(main, ["index", "--index", str(idx), "--no-t2s", str(samples_dir)])
    assert res.exit_code == 2
    assert "was built with other parameters: t2s=True (this run: False)" in res.stderr


def test_every_command_has_help_and_a_readme_mention():
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    for name, cmd in main.commands.items():
        assert cmd.help, name
        assert run(name, "--help").exit_code == 0
        assert f"provenance {name}" in readme, f"README does not mention `provenance {name}`"


# --- check ---------------------------------------------------------------------------------


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


@pytest.fixture()
def repo(tmp_path, monkeypatch):
    """A real git repository holding the sample plans, committed."""
    repo = tmp_path / "collection"
    plans = repo / "plans"
    plans.mkdir(parents=True)
    for p in SAMPLES:
        if not p.name.startswith("003"):
            (plans / p.name).write_bytes(p.read_bytes())
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "-c", "user.email=t@example.org", "-c", "user.name=t", "add", ".")
    _git(repo, "-c", "user.email=t@example.org", "-c", "user.name=t", "commit", "-q", "-m", "corpus")
    monkeypatch.chdir(repo)
    return repo


def test_check_since_flags_a_near_copy_and_passes_an_original(repo):
    assert CliRunner().invoke(main, ["index", "--index", "idx.sqlite", "plans"]).exit_code == 0
    near = (FIXTURES / "004_785db1e8b88976bb.txt").read_text(encoding="utf-8").replace("金元镇", "平安镇")
    (repo / "plans" / "new_copy.txt").write_text(near, encoding="utf-8")
    (repo / "plans" / "original.txt").write_text(
        "本镇今年的防汛工作由水利站负责。各村应当清理河道，加固堤坝，储备沙袋和救生衣，"
        "并在汛期安排专人值守，发现险情立即报告镇防汛办公室。", encoding="utf-8")
    res = CliRunner().invoke(main, ["check", "--index", "idx.sqlite", "--since", "HEAD", "--format", "json"])
    assert res.exit_code == 1, res.output
    data = json.loads(res.stdout)
    verdicts = {f["path"]: f["verdict"] for f in data["findings"]}
    assert verdicts == {"plans/new_copy.txt": "fail", "plans/original.txt": "pass"}
    top = next(f for f in data["findings"] if f["path"] == "plans/new_copy.txt")["sources"][0]
    assert top["source"] == "004_785db1e8b88976bb.txt" and top["share"] > 0.9


def test_check_never_modifies_the_index_unless_asked(repo):
    CliRunner().invoke(main, ["index", "--index", "idx.sqlite", "plans"])
    before = (repo / "idx.sqlite").read_bytes()
    (repo / "new.txt").write_text((FIXTURES / "003_96955203d032fc3a.txt").read_text(encoding="utf-8"), encoding="utf-8")
    res = CliRunner().invoke(main, ["check", "--index", "idx.sqlite", "new.txt"])
    assert res.exit_code in (0, 1)
    assert (repo / "idx.sqlite").read_bytes() == before
    res = CliRunner().invoke(main, ["check", "--index", "idx.sqlite", "--update-index", "new.txt"])
    from provenance.config import Config
    from provenance.index import open_index

    with open_index("idx.sqlite", Config().fingerprint) as idx:
        assert "new.txt" in idx.ids()


def test_check_errors_exit_2_with_one_line(repo):
    res = CliRunner().invoke(main, ["check", "--index", "missing.sqlite", "plans/000_e5f11eb15ed4a1f8.txt"])
    assert res.exit_code == 2
    assert res.stderr.startswith("Error: no index at missing.sqlite: build one with `provenance index")
    res = CliRunner().invoke(main, ["check", "--against", "plans", "--since", "no-such-rev"])
    assert res.exit_code == 2
    assert res.stderr == "Error: --since no-such-rev: no such git revision\n"
    (repo / "empty.txt").write_bytes(b"")
    res = CliRunner().invoke(main, ["check", "--against", "plans", "empty.txt", "--format", "json"])
    assert res.exit_code == 2
    assert json.loads(res.stdout)["findings"][0]["verdict"] == "error"


def test_check_against_a_folder_and_baseline(repo):
    copy = repo / "copy.txt"
    copy.write_text((FIXTURES / "002_ee44213a3b5d60ac.txt").read_text(encoding="utf-8"), encoding="utf-8")
    res = CliRunner().invoke(main, ["check", "--against", "plans", "copy.txt"])
    assert res.exit_code == 1
    assert res.stdout.startswith("FAIL      copy.txt")
    res = CliRunner().invoke(main, ["check", "--against", "plans", "--baseline", "base.json", "--write-baseline", "copy.txt"])
    assert res.exit_code == 0
    res = CliRunner().invoke(main, ["check", "--against", "plans", "--baseline", "base.json", "copy.txt"])
    assert res.exit_code == 0
    assert res.stdout.startswith("BASELINED copy.txt")


def test_check_sarif_and_github_formats(repo, tmp_path, monkeypatch):
    copy = repo / "copy.txt"
    copy.write_text((FIXTURES / "002_ee44213a3b5d60ac.txt").read_text(encoding="utf-8"), encoding="utf-8")
    res = CliRunner().invoke(main, ["check", "--against", "plans", "copy.txt", "--format", "sarif"])
    sarif = json.loads(res.stdout)
    assert sarif["version"] == "2.1.0" and sarif["runs"][0]["results"]
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    res = CliRunner().invoke(main, ["check", "--against", "plans", "copy.txt", "--format", "github"])
    assert res.stdout.startswith("::error file=copy.txt,line=")
    assert "copy.txt" in summary.read_text(encoding="utf-8")


def test_a_report_that_fails_half_way_leaves_no_half_file(tmp_path):
    import pytest

    from provenance.cli import _stream

    out = tmp_path / "report.json"

    def write(fh):
        fh.write("{\"schema\": ")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        _stream(write, str(out))
    assert list(tmp_path.iterdir()) == []
    _stream(lambda fh: fh.write("{}\n"), str(out))
    assert out.read_text(encoding="utf-8") == "{}\n" and list(tmp_path.iterdir()) == [out]

"""Every JSON output validates against the shared contract and this project's stricter schemas."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from jsonschema import Draft202012Validator

from provenance.cli import main
from provenance.report.json import render_json, to_dict

from .conftest import FIXTURES, SAMPLES, SHARED

PKG_SCHEMAS = Path(__file__).resolve().parent.parent / "provenance" / "schema"


def _validator(path: Path) -> Draft202012Validator:
    schema = json.loads(path.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def shared_schema() -> Draft202012Validator:
    path = SHARED / "schema" / "provenance-1.schema.json"
    if not path.exists():
        pytest.skip(f"the shared contract is not beside the checkout ({path})")
    return _validator(path)


def _assert_valid(validator: Draft202012Validator, data) -> None:
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:5])


def _assert_spans_inside(data) -> None:
    chars = {d["id"]: d["chars"] for d in data["documents"]}
    for p in data["pairs"]:
        for q in p["passages"]:
            assert 0 <= q["a_span"][0] < q["a_span"][1] <= chars[p["a"]]
            assert 0 <= q["b_span"][0] < q["b_span"][1] <= chars[p["b"]]


def test_scan_json_of_the_sample_validates(sample_scan):
    data = json.loads(render_json(sample_scan))
    _assert_valid(shared_schema(), data)
    _assert_valid(_validator(PKG_SCHEMAS / "provenance-1.strict.schema.json"), data)
    _assert_spans_inside(data)


def test_scan_json_is_written_piece_by_piece_as_one_dump_would_write_it(sample_scan):
    from dataclasses import replace

    for result in (sample_scan, replace(sample_scan, pairs=(), families=(), candidates=None)):
        assert render_json(result) == json.dumps(to_dict(result), ensure_ascii=False, indent=2) + "\n"


def test_scan_json_of_every_format_fixture_validates(tmp_path):
    folder = tmp_path / "mixed"
    folder.mkdir()
    for p in (FIXTURES / "formats").iterdir():
        if p.is_file() and not p.name.endswith(".expected.txt") and p.suffix != ".py":
            (folder / p.name).write_bytes(p.read_bytes())
    (folder / SAMPLES[3].name).write_bytes(SAMPLES[3].read_bytes())
    res = CliRunner().invoke(main, ["scan", str(folder), "--format", "json"])
    assert res.exit_code == 0, res.stderr
    data = json.loads(res.stdout)
    _assert_valid(shared_schema(), data)
    _assert_valid(_validator(PKG_SCHEMAS / "provenance-1.strict.schema.json"), data)
    _assert_spans_inside(data)
    # the GBK and Big5 copies of 003 are found as copies of it
    ids = {(p["a"], p["b"]) for p in data["pairs"] if p["kind"] == "copy"}
    assert any("003_gbk.txt" in a + b and SAMPLES[3].name in a + b for a, b in ids)
    assert any("003_big5_traditional.txt" in a + b and SAMPLES[3].name in a + b for a, b in ids)


def test_tree_json_validates(samples_dir):
    res = CliRunner().invoke(main, ["tree", str(samples_dir), "--format", "json"])
    assert res.exit_code == 0, res.stderr
    data = json.loads(res.stdout)
    _assert_valid(shared_schema(), data)
    _assert_valid(_validator(PKG_SCHEMAS / "provenance-1.strict.schema.json"), data)


def test_check_json_validates(tmp_path, samples_dir):
    new = tmp_path / "new.txt"
    new.write_text(SAMPLES[4].read_text(encoding="utf-8").replace("金元镇", "平安镇"), encoding="utf-8")
    res = CliRunner().invoke(main, ["check", "--against", str(samples_dir), str(new), "--format", "json"])
    assert res.exit_code == 1
    _assert_valid(_validator(PKG_SCHEMAS / "provenance-check-1.schema.json"), json.loads(res.stdout))

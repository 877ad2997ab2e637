"""Shared fixtures: the sample plans and a prepared corpus."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
SAMPLES = sorted(FIXTURES.glob("00?_*.txt"))
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="session")
def samples_dir(tmp_path_factory) -> Path:
    """A folder holding only the five sample plans."""
    d = tmp_path_factory.mktemp("samples")
    for p in SAMPLES:
        (d / p.name).write_bytes(p.read_bytes())
    return d


@pytest.fixture(scope="session")
def sample_scan(samples_dir):
    from provenance.pipeline import scan

    return scan([str(samples_dir)])


def short(doc_id: str) -> str:
    """'001_73402f074f5424ff.txt#2' -> '001'."""
    return doc_id[:3]

"""Wall time and peak memory of each stage of a scan of one folder (developer diagnostic).

Usage::

    python benchmarks/scan_stages.py FOLDER...

Runs the library's stages in turn (read, prepare, pairs, families, lineage) and
prints after each its wall time and the process's peak RSS so far; alignment
workers are separate processes, not counted in the RSS.
"""

from __future__ import annotations

import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from provenance.config import Config  # noqa: E402
from provenance.families import build_families  # noqa: E402
from provenance.lineage import build_lineage  # noqa: E402
from provenance.pipeline import load_documents, prepare_all, search_pairs  # noqa: E402


def main(paths: list[str]) -> None:
    config = Config()
    t = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal t
        now = time.perf_counter()
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
        print(f"{name}: {now - t:.1f} s, peak {peak} MB", flush=True)
        t = now

    docs = load_documents(paths, config, [], None, ())
    lap(f"read {len(docs)} documents")
    prepared = prepare_all(docs, config, None)
    lap("prepare")
    found = search_pairs(prepared, config, None)
    lap(f"pairs: {len(found.pairs)} of {found.candidates.pairs} candidate pairs")
    families = build_families(docs, found.pairs)
    lap(f"families: {len(families)}")
    build_lineage(docs, found.pairs, families)
    lap("lineage")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    main(sys.argv[1:])

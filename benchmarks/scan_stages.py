"""Wall time and memory of each stage of a scan of one folder (developer diagnostic).

Usage::

    python benchmarks/scan_stages.py FOLDER...

Runs the library's stages in turn (read, prepare, pairs, families, lineage,
JSON report) and prints after each its wall time, the main process's peak RSS
during that stage (the kernel's high-water mark, reset before each stage where
Linux allows it), its RSS after the stage, and the largest peak RSS of any
worker process so far (fingerprinting and alignment run in forked workers).
"""

from __future__ import annotations

import os
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from provenance.config import Config  # noqa: E402
from provenance.families import build_families  # noqa: E402
from provenance.lineage import build_lineage  # noqa: E402
from provenance.model import ScanResult  # noqa: E402
from provenance.pipeline import load_documents, prepare_all, release_memory, search_pairs  # noqa: E402
from provenance.report.json import write_json  # noqa: E402


def _status(field: str) -> int:
    """A ``/proc/self/status`` field in MB (0 where there is no such file)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) // 1024
    except OSError:
        pass
    return 0


def _reset_peak() -> bool:
    """Reset the kernel's peak-RSS mark of this process (Linux ``clear_refs``); False where not allowed."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def main(paths: list[str]) -> None:
    config = Config()
    resettable = _reset_peak()
    t = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal t
        now = time.perf_counter()
        peak = _status("VmHWM") if resettable else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
        workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024
        print(f"{name}: {now - t:.1f} s, peak {peak} MB{'' if resettable else ' (so far)'}, "
              f"after {_status('VmRSS')} MB, workers' peak so far {workers} MB", flush=True)
        _reset_peak()
        t = time.perf_counter()

    docs = load_documents(paths, config, [], None, ())
    lap(f"read {len(docs)} documents")
    prepared = prepare_all(docs, config, None)
    lap("prepare")
    found = search_pairs(prepared, config, None)
    del prepared
    release_memory()  # as pipeline.finish does
    lap(f"pairs: {len(found.pairs)} of {found.candidates.pairs} candidate pairs")
    families = build_families(docs, found.pairs)
    release_memory()
    lap(f"families: {len(families)}")
    lineage = build_lineage(docs, found.pairs, families)
    release_memory()
    lap("lineage")
    with open(os.devnull, "w", encoding="utf-8") as out:  # streamed, as scan --output does
        write_json(ScanResult(tuple(docs), tuple(found.pairs), tuple(families), lineage, (), found.candidates), out)
    lap("JSON report")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    main(sys.argv[1:])

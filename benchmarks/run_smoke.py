"""Run every benchmark at its smoke size, so none of them rots (CI calls this after the tests).

The numbers printed here are not checked, except the GOLD.md verdicts of
``bench_seeds.py``, which must all hold.  Exit status: non-zero when a
benchmark crashed or a GOLD verdict failed.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
RUNS = [
    ["bench_seeds.py"],
    ["bench_accuracy.py", "--smoke"],
    ["bench_lineage.py", "--smoke", "--errors"],
    ["bench_licences.py", "--smoke"],
    ["bench_languages.py"],
    ["bench_speed.py", "--smoke"],
]


def main() -> int:
    failed = []
    for args in RUNS:
        t = time.perf_counter()
        print(f"== benchmarks/{' '.join(args)}", flush=True)
        code = subprocess.call([sys.executable, str(HERE / args[0]), *args[1:]], cwd=HERE.parent)
        print(f"== exit {code} in {time.perf_counter() - t:.0f} s", flush=True)
        if code != 0:
            failed.append(args[0])
    if failed:
        print("benchmark smoke runs failed: " + ", ".join(failed))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

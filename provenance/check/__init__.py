"""``provenance check``: the CI gate on newly added documents, minus the engine.

* :mod:`.findings` — what was measured for a checked file and the verdict on it;
* :mod:`.policy` — limits, allowed templates and baseline from ``pyproject.toml``
  / ``provenance.toml`` and options, and :func:`judge`, which applies them;
* :mod:`.baseline` — accepted existing copies, written and read as JSON.

The CI formats that render findings live in :mod:`provenance.report`
(``github``, ``sarif``, ``junit``).  Everything here imports only the standard
library, keeping the check's start-up lean.

Example:
    >>> from provenance.check import Policy, judge, source_share
    >>> s = source_share("plans/甲.txt", "乙" * 10, [((0, 8), (0, 8))])
    >>> judge("plans/乙.txt", 10, [s], Policy()).verdict
    'fail'
"""

from __future__ import annotations

from .baseline import Baseline, BaselineEntry, load_baseline, write_baseline
from .findings import Finding, SourceShare, Violation, line_at, source_share
from .policy import Policy, find_config, judge, load_policy

__all__ = ["Baseline", "BaselineEntry", "Finding", "Policy", "SourceShare", "Violation", "find_config", "judge",
           "line_at", "load_baseline", "load_policy", "source_share", "write_baseline"]

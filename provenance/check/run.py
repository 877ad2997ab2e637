"""Running a check: read the new files, query the index, measure each source, judge.

This is the part of ``provenance check`` that needs the engine; the rest of
this package (findings, policy, baseline) is plain data and rules.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from ..config import Config
from ..index import Index
from ..model import Document
from .baseline import Baseline
from .findings import Finding, source_share
from .policy import Policy, judge


class CheckProblem(Exception):
    """A usage or input problem that stops the whole check (exit 2)."""


def changed_files(since: str, cwd: Path | None = None) -> list[Path]:
    """Supported files added or modified since git revision ``since`` (committed or not), and new untracked ones.

    Raises:
        CheckProblem: Not a git repository, or an unknown revision.
    """
    from ..read import SUPPORTED_SUFFIXES

    def git(*args: str) -> str:
        try:
            out = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)
        except FileNotFoundError:
            raise CheckProblem("git is not installed; --since needs it") from None
        if out.returncode != 0:
            raise CheckProblem(out.stderr.strip().splitlines()[-1] if out.stderr.strip() else f"git {' '.join(args)} failed")
        return out.stdout

    top = Path(git("rev-parse", "--show-toplevel").strip())
    try:
        git("rev-parse", "--verify", "--quiet", f"{since}^{{commit}}")
    except CheckProblem:
        raise CheckProblem(f"--since {since}: no such git revision") from None
    names = git("diff", "--name-only", "-z", "--diff-filter=AMR", since, "--").split("\0")
    names += git("ls-files", "--others", "--exclude-standard", "-z").split("\0")
    here = Path.cwd()
    out = []
    for n in sorted({n for n in names if n}):
        p = top / n
        if p.suffix.lower() in SUPPORTED_SUFFIXES and p.is_file():
            out.append(Path(os.path.relpath(p, here)))
    return out


def _same_file(stored_path: str, checked: Path, stored_sha: str, sha: str) -> bool:
    try:
        if Path(stored_path).resolve() == checked.resolve():
            return True
    except OSError:
        pass
    return stored_sha == sha and Path(stored_path).name == checked.name


@dataclass(frozen=True)
class Checked:
    """One checked file: its finding and the document (to add to the index later)."""

    finding: Finding
    document: Document | None


def check_file(path: Path, index: Index, policy: Policy, baseline: Baseline | None, config: Config) -> Checked:
    """Check one file against the index."""
    from ..indexing import query
    from ..metadata import extract_metadata
    from ..read import ReadError, read_with_bytes

    shown = path.as_posix()
    try:
        src, data = read_with_bytes(path)
    except ReadError as err:
        return Checked(judge(shown, 0, [], policy, baseline, error=err.reason), None)
    sha = hashlib.sha256(data).hexdigest()
    doc = Document(shown, str(path), src.text, 0, sha, src.format, extract_metadata(src.text))
    sources = []
    for pair in query(index, doc, config):
        stored = index.get(pair.b)
        if _same_file(stored.path, path, stored.sha256, sha):
            continue  # the file's own earlier version
        own = [(q.a_span, q.b_span) for q in pair.passages if q.kind == "copy"]
        passages = own or [(q.a_span, q.b_span) for q in pair.passages]
        sources.append(source_share(pair.b, doc.text, passages, boilerplate=pair.kind == "boilerplate"))
    return Checked(judge(shown, doc.chars, sources, policy, baseline, sha256=sha), doc)


def check_files(paths: Sequence[Path], index: Index, policy: Policy, baseline: Baseline | None,
                config: Config = Config(), progress=None) -> list[Checked]:
    """Check every file; unreadable ones become error findings."""
    out = []
    for n, p in enumerate(paths):
        if progress:
            progress("check", n, len(paths))
        out.append(check_file(p, index, policy, baseline, config))
    if progress:
        progress("check", len(paths), len(paths))
    return out

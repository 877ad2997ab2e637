"""The command line: parse options, call the library, render, exit with a code CI can trust.

This is the only module that imports click.  Exit codes: 0 ran (``scan``) or
passed (``check``), 1 policy violated (``check``), 2 usage or input error.
"""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from typing import TYPE_CHECKING

import click

from . import __version__
from .config import Config
from .fingerprint import FingerprintParams

if TYPE_CHECKING:
    from rich.console import Console


def _console(**kwargs) -> "Console":
    """A rich console; rich is imported on first use (~30 ms a check with a machine format does without)."""
    from rich.console import Console

    return Console(**kwargs)

FORMATS_SCAN = ("text", "json", "html", "dot", "mermaid")


class InputError(click.ClickException):
    """A problem with the user's input (files, index, options): exit code 2."""

    exit_code = 2


def _stderr() -> Console:
    return _console(stderr=True, highlight=False)


def _maybe_terminal() -> bool:
    """False when rich would surely find stderr no terminal (so a CI run need not import rich for bars)."""
    import os

    if os.environ.get("TTY_COMPATIBLE") == "1" or os.environ.get("FORCE_COLOR"):
        return True
    try:
        return sys.stderr.isatty()
    except (ValueError, AttributeError):
        return False


@contextmanager
def _progress(enabled: bool) -> Iterator:
    """A progress callback drawing rich bars on stderr when it is a terminal, else a no-op."""
    if not enabled or not _maybe_terminal():
        yield None
        return
    err = _stderr()
    if not err.is_terminal:
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("{task.description:<12}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=err, transient=True) as bar:
        tasks: dict[str, int] = {}

        def update(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total)
            bar.update(tasks[stage], completed=done, total=total)

        yield update


def _config(t2s: bool, split: bool) -> Config:
    return Config(fingerprint=FingerprintParams(t2s=t2s), split_compilations=split)


def _emit(text: str, output: str | None) -> None:
    if output:
        Path(output).write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=False)


def _stream(write, output: str | None) -> None:
    """Call ``write(stream)`` with stdout, or with a file that becomes ``output`` once whole: a report written piece
    by piece never leaves half a report under ``output``."""
    if not output:
        write(sys.stdout)
        sys.stdout.flush()
        return
    target = Path(output)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "w", encoding="utf-8") as fh:
            write(fh)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def _print_to(output: str | None, draw) -> None:
    """Call ``draw(console)`` with the terminal's console, or a plain 120-column one writing to ``output``."""
    if output:
        with open(output, "w", encoding="utf-8") as fh:
            draw(_console(file=fh, width=120, color_system=None))
    else:
        console = _console(highlight=False)
        if not console.is_terminal and "COLUMNS" not in os.environ:
            console = _console(highlight=False, width=120)  # piped: the width of a report file, not 80
        draw(console)


def _report_problems(problems) -> None:
    err = _stderr()
    for p in problems:
        err.print(f"provenance: skipped {p.path}: {p.reason}", markup=False, soft_wrap=True)


def _render(result, fmt: str, output: str | None, show_boilerplate: bool, top: int = 0) -> None:
    if fmt == "json":
        from .report.json import write_json

        _stream(lambda out: write_json(result, out), output)
    elif fmt == "html":
        from .report.html import render_html

        _emit(render_html(result), output)
    elif fmt in ("dot", "mermaid"):
        from .report import graph

        _emit(graph.render_dot(result) if fmt == "dot" else graph.render_mermaid(result), output)
    else:
        from .report.text import render_scan

        _print_to(output, lambda console: render_scan(result, console, show_boilerplate, top))


exclude_option = click.option("--exclude", "exclude", multiple=True, metavar="GLOB",
                              help="Leave out files whose name or relative path matches GLOB (repeatable).")

common_options = [
    click.option("--no-t2s", "no_t2s", is_flag=True, help="Do not map Traditional Chinese to Simplified before comparing."),
    click.option("--no-split", "no_split", is_flag=True, help="Never split compilations (篇一…篇五) into sub-documents."),
]


def _common(f):
    for opt in reversed(common_options):
        f = opt(f)
    return f


@click.group()
@click.version_option(__version__, prog_name="provenance")
def main() -> None:
    """Find which documents copy each other or a shared template, show the passages, draw the lineage."""


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--format", "fmt", type=click.Choice(FORMATS_SCAN), default="text", show_default=True,
              help="Report format.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True), help="Write the report here instead of stdout.")
@click.option("--index", "index_path", help="Also keep the documents in this index (a path, or a redis:// URL).")
@click.option("--boilerplate", "show_boilerplate", is_flag=True, help="Also list pairs that share only stock language.")
@click.option("--top", type=click.IntRange(min=0), default=50, show_default=True,
              help="Rows of the terminal table (0: all); JSON and HTML always hold every pair.")
@exclude_option
@_common
def scan(paths, fmt, output, index_path, show_boilerplate, top, exclude, no_t2s, no_split) -> None:
    """Find every pair of documents under PATHS that share text, with the passages."""
    from .pipeline import scan as run_scan

    config = _config(not no_t2s, not no_split)
    with _progress(True) as progress:
        result = run_scan(list(paths), config, progress, exclude)
        if index_path:
            from .index import open_index
            from .indexing import index_documents

            from .index import IndexProblem

            try:
                with open_index(index_path, config.fingerprint, create=True) as idx:
                    index_documents(idx, result.documents, config)
            except IndexProblem as err:
                raise InputError(str(err)) from None
    _report_problems(result.problems)
    if not result.documents:
        raise InputError("no readable document in " + ", ".join(paths)) from None
    _render(result, fmt, output, show_boilerplate, top)


@main.command("index")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--index", "index_path", default=None, show_default=".provenance/index.sqlite",
              help="Index location: a SQLite file path, or a redis://host:port/db URL.")
@click.option("--prune", is_flag=True, help="Drop indexed documents whose file no longer exists.")
@click.option("--rebuild", is_flag=True, help="Delete a SQLite index first and build it anew (e.g. after changing options).")
@exclude_option
@_common
def index_cmd(paths, index_path, prune, rebuild, exclude, no_t2s, no_split) -> None:
    """Add the documents under PATHS to an index (only new or changed files are processed)."""
    from .index import DEFAULT_LOCATION, IndexProblem, open_index
    from .indexing import index_files
    from .model import Problem

    location = index_path or DEFAULT_LOCATION
    config = _config(not no_t2s, not no_split)
    if rebuild and not location.startswith(("redis://", "rediss://", "unix://")):
        from .index.sqlite import delete_index

        delete_index(location)
    problems: list[Problem] = []
    with _progress(True) as progress:
        try:
            with open_index(location, config.fingerprint, create=True) as idx:
                rep = index_files(idx, list(paths), config, prune=prune, exclude=exclude, problems=problems,
                                  progress=progress)
                total = idx.count()
        except IndexProblem as err:
            raise InputError(str(err)) from None
    _report_problems(problems)
    if rep.added + rep.updated + rep.unchanged == 0:
        raise InputError("no readable document in " + ", ".join(paths))
    _stderr().print(f"{location}: {rep.added} added, {rep.updated} updated, {rep.unchanged} unchanged"
                    + (f", {rep.removed} pruned" if prune else "") + f"; {total} documents in the index",
                    markup=False, highlight=False, soft_wrap=True)


@main.command()
@click.argument("file", type=str)
@click.option("--no-split", "no_split", is_flag=True, help="FILE#N parts are not available with this flag.")
def text(file, no_split) -> None:
    """Print FILE's text exactly as the engine sees it (every reported offset indexes into it).

    FILE#N prints the N-th part of a compilation.
    """
    doc = _load_one(file, not no_split)
    click.echo(doc.text, nl=False)


def _load_one(spec: str, split: bool = True):
    """The document ``path`` (whole file) or ``path#N`` (a compilation's part); ClickException on failure."""
    from .model import Problem
    from .pipeline import load_documents

    path, _, part = spec.partition("#")
    if not Path(path).is_file():
        raise InputError(f"{path}: no such file")
    problems: list[Problem] = []
    docs = load_documents([path], Config(split_compilations=bool(part) and split), problems)
    if problems:
        raise InputError(f"{problems[0].path}: {problems[0].reason}")
    if not part:
        return docs[0]
    want = f"{Path(path).name}#{part}"
    for d in docs:
        if d.id == want:
            return d
    raise InputError(f"{path} has no part #{part}: it is not split into parts" if len(docs) == 1
                               else f"{path} has no part #{part} (parts #1 to #{len(docs)})")


@main.command()
@click.argument("a")
@click.argument("b")
@click.option("--width", type=int, default=None, help="Terminal width to render at.")
@_common
def compare(a, b, width, no_t2s, no_split) -> None:
    """Show the passages A and B share, side by side (A or B may be FILE#N)."""
    from .pipeline import compare as run_compare
    from .pipeline import prepare
    from .report.text import render_compare

    config = _config(not no_t2s, not no_split)
    da, db = _load_one(a, not no_split), _load_one(b, not no_split)
    if da.id == db.id:
        db = type(db)(db.id + " (2)", db.path, db.text, db.offset, db.sha256, db.format, db.metadata)
    pair = run_compare(prepare(da, config), prepare(db, config), None, config)
    render_compare(da, db, pair, _console(width=width, highlight=False))


def _result_for(paths, index_path, config, exclude):
    """Scan PATHS, or every document stored in an index."""
    from .pipeline import finish, prepare, search_pairs
    from .pipeline import scan as run_scan

    with _progress(True) as progress:
        if index_path:
            from .index import IndexProblem, open_index

            try:
                with open_index(index_path, config.fingerprint) as idx:
                    docs = [idx.get(i) for i in idx.ids()]
            except IndexProblem as err:
                raise InputError(str(err)) from None
            prepared = [prepare(d, config) for d in docs]
            found = search_pairs(prepared, config, progress)
            result = finish(docs, found.pairs, (), found.candidates)
        else:
            if not paths:
                raise InputError("give PATHS or --index")
            result = run_scan(list(paths), config, progress, exclude)
    _report_problems(result.problems)
    if not result.documents:
        raise InputError("no readable document in " + ", ".join(paths or [index_path]))
    return result


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True))
@click.option("--index", "index_path", help="Draw the lineage of every document in this index instead.")
@click.option("--format", "fmt", type=click.Choice(("text", "json", "dot", "mermaid")), default="text", show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True), help="Write here instead of stdout.")
@exclude_option
@_common
def tree(paths, index_path, fmt, output, exclude, no_t2s, no_split) -> None:
    """Draw who copied whom: the lineage forest, with inferred unseen templates marked."""
    result = _result_for(paths, index_path, _config(not no_t2s, not no_split), exclude)
    if fmt == "text":
        from .report.tree import render_tree

        _print_to(output, lambda console: render_tree(result, console))
    else:
        _render(result, fmt, output, False)


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True))
@click.option("--index", "index_path", help="List the families of every document in this index instead.")
@click.option("--format", "fmt", type=click.Choice(("text", "json")), default="text", show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True), help="Write here instead of stdout.")
@exclude_option
@_common
def families(paths, index_path, fmt, output, exclude, no_t2s, no_split) -> None:
    """List the template families: each model passage, its text and its members."""
    result = _result_for(paths, index_path, _config(not no_t2s, not no_split), exclude)
    if fmt == "json":
        import json

        from .report.json import family_dict

        _emit(json.dumps([family_dict(f) for f in result.families], ensure_ascii=False, indent=2) + "\n", output)
        return
    from .report.text import render_families

    _print_to(output, lambda console: render_families(result, console))


FORMATS_CHECK = ("text", "json", "github", "sarif", "junit")


@main.command()
@click.argument("files", nargs=-1, type=click.Path())
@click.option("--index", "index_path", default=None, show_default=".provenance/index.sqlite",
              help="Index to check against: a SQLite path or a redis:// URL.")
@click.option("--against", type=click.Path(exists=True, file_okay=False),
              help="Index this folder on the fly (in a temporary index) and check against it.")
@click.option("--since", help="Check the supported files added or modified since this git revision.")
@click.option("--format", "fmt", type=click.Choice(FORMATS_CHECK), default="text", show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True), help="Write the report here.")
@click.option("--max-share", type=float, help="Fail above this share (0..1) copied from one source [policy: 0.5].")
@click.option("--max-total", type=float, help="Fail above this share copied from all sources together [policy: 0.8].")
@click.option("--allowed-template", "allowed", multiple=True, help="Official model texts (folder, file or glob): reported, never failed.")
@click.option("--baseline", help="Baseline file of accepted existing copies.")
@click.option("--write-baseline", is_flag=True, help="Record the current findings as the accepted baseline and pass.")
@click.option("--update-index", is_flag=True, help="Add the checked documents to the index after the check.")
@exclude_option
@_common
def check(files, index_path, against, since, fmt, output, max_share, max_total, allowed, baseline, write_baseline,
          update_index, exclude, no_t2s, no_split) -> None:
    """Check FILES (or --since REV) against an index: exit 0 passed, 1 policy violated, 2 usage or input error."""
    import os

    from .check import load_baseline, load_policy
    from .check import write_baseline as save_baseline
    from .check.run import CheckProblem, changed_files, check_files
    from .index import DEFAULT_LOCATION, IndexProblem, open_index

    config = _config(not no_t2s, not no_split)

    def fail(message: str) -> None:
        _stderr().print(f"Error: {message}", markup=False, highlight=False, soft_wrap=True)
        sys.exit(2)

    if index_path and against:
        fail("give --index or --against, not both")
    overrides = {"max_share_per_source": max_share, "max_total_share": max_total,
                 "allowed_templates": list(allowed) or None, "baseline": baseline}
    try:
        policy = load_policy(Path.cwd(), overrides)
    except ValueError as e:
        fail(str(e))
    paths = [Path(f) for f in files]
    if since:
        try:
            paths += changed_files(since)
        except CheckProblem as e:
            fail(str(e))
    if not paths:
        if since:
            _stderr().print(f"provenance: no supported file changed since {since}", markup=False, highlight=False, soft_wrap=True)
            sys.exit(0)
        fail("nothing to check: give FILES or --since REV")
    base = None
    if policy.baseline and not write_baseline and Path(policy.baseline).exists():
        try:
            base = load_baseline(policy.baseline)
        except ValueError as e:
            fail(str(e))
    tmp = None
    try:
        with _progress(True) as progress:
            if against:
                from .indexing import index_documents
                from .model import Problem
                from .pipeline import load_documents

                import tempfile

                tmp = tempfile.TemporaryDirectory(prefix="provenance-")
                location = os.path.join(tmp.name, "index.sqlite")
                problems: list[Problem] = []
                docs = load_documents([against], config, problems, progress, exclude)
                with open_index(location, config.fingerprint, create=True) as idx:
                    index_documents(idx, docs, config, progress=progress)
            else:
                location = index_path or DEFAULT_LOCATION
            with open_index(location, config.fingerprint, create=False) as idx:
                checked = check_files(paths, idx, policy, base, config, progress)
                if update_index:
                    from .indexing import index_documents

                    index_documents(idx, [c.document for c in checked if c.document is not None], config)
    except IndexProblem as e:
        fail(str(e))
    finally:
        if tmp is not None:
            tmp.cleanup()
    findings = [c.finding for c in checked]
    if write_baseline:
        target = policy.baseline or ".provenance/baseline.json"
        Path(target).parent.mkdir(parents=True, exist_ok=True)
        save_baseline(findings, target)
        _stderr().print(f"provenance: baseline of {len(findings)} file(s) written to {target}", markup=False, highlight=False, soft_wrap=True)
        sys.exit(0)
    _render_check(findings, fmt, output)
    if all(f.verdict == "error" for f in findings):
        sys.exit(2)
    sys.exit(1 if any(f.verdict in ("fail", "error") for f in findings) else 0)


def _render_check(findings, fmt: str, output: str | None) -> None:
    import os

    if fmt == "text":
        from .report.checks import render_text

        _print_to(output, lambda console: render_text(findings, console))
        return
    if fmt == "json":
        from .report.checks import render_json as render
    elif fmt == "github":
        from .report.github import render, step_summary

        summary = os.environ.get("GITHUB_STEP_SUMMARY")
        if summary:
            with open(summary, "a", encoding="utf-8") as fh:
                fh.write(step_summary(findings))
    elif fmt == "sarif":
        from .report.sarif import render
    else:
        from .report.junit import render
    _emit(render(findings), output)


if __name__ == "__main__":  # pragma: no cover
    main()

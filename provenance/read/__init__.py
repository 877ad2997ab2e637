"""Readers: turn a file on disk into a :class:`~provenance.model.Source` (the text every offset indexes into).

One small module per format, each with one function ``read(path, data) -> Source``:

* :mod:`.txt` — ``.txt``, ``.md``, ``.text`` in any common encoding (GBK, Big5, UTF-16, …);
* :mod:`.docx` — Word paragraphs and tables in document order;
* :mod:`.pdf` — the PDF text layer, pages joined with ``"\\n\\f\\n"``;
* :mod:`.html` — the main text of a web page, without menus and footers.

:data:`READERS` maps a lower-case suffix to the module's name; a module is imported
only when a file of its kind is read (trafilatura alone takes half a second to load).

Text and HTML files share the codec choice in :mod:`.charset` (BOM, UTF-8, declared
charset, detection with an East Asian sanity check).

A file that cannot be used raises :class:`ReadError`, whose message is one line,
``'<path>: <reason>'``, never a traceback.

Example:
    >>> src = read_document("fixtures/formats/003_gbk.txt")   # doctest: +SKIP
    >>> src.encoding, src.text[:9]                           # doctest: +SKIP
    ('gb18030', ' 中共西岗镇委员会\\n')
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterable
from pathlib import Path

from ..model import Source

__all__ = ["ReadError", "SUPPORTED_SUFFIXES", "READERS", "read_document", "read_with_bytes", "iter_files"]


class ReadError(Exception):
    """A file that cannot be used. ``str(err)`` is one clear line: ``'<path>: <reason>'``.

    Attributes:
        path: The file, as given.
        reason: Why it cannot be used, one line (e.g. ``"empty file"``).
    """

    def __init__(self, path: str | os.PathLike, reason: str):
        self.path = str(path)
        self.reason = " ".join(str(reason).split()) or "unknown error"
        super().__init__(f"{self.path}: {self.reason}")


READERS: dict[str, str] = {
    ".txt": "txt", ".md": "txt", ".text": "txt",
    ".docx": "docx",
    ".pdf": "pdf",
    ".html": "html", ".htm": "html",
}
"""Lower-case file suffix → name of the reader module in this package."""

SUPPORTED_SUFFIXES: frozenset[str] = frozenset(READERS)


def one_line(err: BaseException) -> str:
    """The first line of an exception's message, or its class name when it has none."""
    message = err.args[0] if isinstance(err, KeyError) and err.args else err  # KeyError quotes its str()
    lines = str(message).strip().splitlines()
    return lines[0].strip() if lines else type(err).__name__


def has_text(text: str) -> bool:
    """Whether ``text`` holds at least one letter or ideograph (not only spaces, digits, punctuation)."""
    return any(ch.isalpha() for ch in text)


def read_document(path: str | os.PathLike) -> Source:
    """Read one file into a :class:`~provenance.model.Source`.

    Args:
        path: A file whose suffix is in :data:`SUPPORTED_SUFFIXES` (case-insensitive).

    Returns:
        The text exactly as the engine sees it, with the reader's name and, for text
        and HTML files, the codec used.

    Raises:
        ReadError: unsupported suffix, unreadable, empty, binary, undecodable, corrupt,
            or holding no letters at all (``"no text"``).

    Example:
        >>> read_document("plan.docx").format                    # doctest: +SKIP
        'docx'
    """
    return read_with_bytes(path)[0]


def read_with_bytes(path: str | os.PathLike) -> tuple[Source, bytes]:
    """:func:`read_document`, and the file's bytes too (to hash them without reading the file twice).

    Raises:
        ReadError: As :func:`read_document`.
    """
    p = Path(path)
    suffix = p.suffix.lower()
    if p.is_dir():
        raise ReadError(path, "cannot read: is a folder")
    if suffix not in READERS:
        kinds = ", ".join(sorted(SUPPORTED_SUFFIXES))
        kind = f"'{suffix}'" if suffix else "(no suffix)"
        raise ReadError(path, f"unsupported file type {kind} (supported: {kinds})")
    try:
        data = p.read_bytes()
    except OSError as err:
        raise ReadError(path, f"cannot read: {err.strerror or one_line(err)}") from None
    if not data:
        raise ReadError(path, "empty file")
    module = importlib.import_module(f".{READERS[suffix]}", __name__)
    try:
        src = module.read(p, data)
    except ReadError:
        raise
    except Exception as err:  # a library's surprise must not become a traceback
        raise ReadError(path, f"cannot read {READERS[suffix]}: {one_line(err)}") from None
    if not has_text(src.text):
        raise ReadError(path, "no text")
    return src, data


def _hidden(name: str) -> bool:
    """Dot files and Office lock files (``~$plan.docx``) are not documents."""
    return name.startswith(".") or name.startswith("~$")


def iter_files(paths: Iterable[str | os.PathLike]) -> list[Path]:
    """Expand files and folders into the files to read, in a deterministic order.

    Folders are walked recursively (symlinked folders are not followed), skipping hidden
    files and folders (``.git``, ``.DS_Store``, ``~$`` lock files) and unsupported
    suffixes; each folder's files come sorted by their relative path.  A file named
    explicitly is returned whatever its suffix (or even when missing), so that
    :func:`read_document` can say what is wrong with it.  Arguments keep their order and
    a file reached twice is listed once.

    Args:
        paths: Files and folders, e.g. ``["plans/", "extra/003.docx"]``.

    Returns:
        The files, as paths built from the arguments (not resolved).
    """
    out: list[Path] = []
    seen: set[Path] = set()

    def add(f: Path) -> None:
        key = f.resolve()
        if key not in seen:
            seen.add(key)
            out.append(f)

    for arg in paths:
        root = Path(arg)
        if not root.is_dir():
            add(root)
            continue
        found: list[tuple[tuple[str, ...], Path]] = []
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = [d for d in dirnames if not _hidden(d)]
            here = Path(dirpath)
            for name in filenames:
                f = here / name
                if not _hidden(name) and f.suffix.lower() in SUPPORTED_SUFFIXES and f.is_file():
                    found.append((f.relative_to(root).parts, f))
        for _, f in sorted(found):
            add(f)
    return out


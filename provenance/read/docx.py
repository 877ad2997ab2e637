"""Word ``.docx``: body paragraphs and tables, in document order.

The body's XML children are walked in order (content controls ``w:sdt`` are entered):
each paragraph becomes one line, empty paragraphs included, lines joined with ``"\\n"``;
each table row becomes one line with its cells joined by ``"\\t"`` (a cell's own
paragraphs joined by a space, a cell spanning several columns written once, the
continuation of a vertically merged cell left empty).

Not read: headers, footers, footnotes, comments, text boxes (``w:txbxContent``).

Example:
    For a document with the paragraph ``一、组织领导`` and a table row ``组长 | 张三``:
    ``"一、组织领导\\n组长\\t张三"``.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from pathlib import Path

from ..model import Source
from . import ReadError, one_line

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def read(path: Path, data: bytes) -> Source:
    """Read a .docx file's body text.

    Raises:
        ReadError: ``"not a valid .docx: ..."`` for anything python-docx cannot open.
    """
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    if data.startswith(_OLE_MAGIC):
        raise ReadError(path, "not a valid .docx: an old binary Word .doc or a password-protected file")
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise ReadError(path, "not a valid .docx: not a zip archive")
    try:
        document = docx.Document(io.BytesIO(data))
        lines = list(_blocks(document.element.body, document))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError, OSError) as err:
        raise ReadError(path, f"not a valid .docx: {one_line(err)}") from None
    return Source(str(path), "\n".join(lines), "docx")


def _blocks(parent, document) -> Iterator[str]:
    """One line per paragraph and per table row under ``parent``, in order."""
    from docx.oxml.ns import qn
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    for child in parent.iterchildren():
        if child.tag == qn("w:p"):
            yield Paragraph(child, document).text
        elif child.tag == qn("w:tbl"):
            for row in Table(child, document).rows:
                yield "\t".join(_cells(row._tr, document))
        elif child.tag == qn("w:sdt"):
            content = child.find(qn("w:sdtContent"))
            if content is not None:
                yield from _blocks(content, document)


def _cells(tr, document) -> Iterator[str]:
    """The text of each cell of a table row (``w:tc``), merged cells written once."""
    from docx.oxml.ns import qn
    from docx.text.paragraph import Paragraph

    for tc in tr.iter(qn("w:tc")):
        if next(tc.iterancestors(qn("w:tr"))) is not tr:
            continue  # a cell of a nested table: its text is in the outer cell already
        merge = tc.find(f"{qn('w:tcPr')}/{qn('w:vMerge')}")
        if merge is not None and merge.get(qn("w:val")) in (None, "continue"):
            yield ""
            continue
        texts = (Paragraph(p, document).text for p in tc.iter(qn("w:p")))
        yield " ".join(t.strip() for t in texts if t.strip())

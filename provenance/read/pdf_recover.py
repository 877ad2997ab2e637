"""PDF pages re-read with pdfminer.six, for glyphs pdfium could not map to Unicode.

pdfium gives up on a CID font that has no ``/ToUnicode`` even when the font program is
embedded and its own ``cmap`` table maps characters to glyph ids; pdfminer.six then maps
each glyph id back through that table (and, for a CID font with a standard
``/CIDSystemInfo`` ordering, through Adobe's published CID → Unicode tables, which pdfium
reads as well).  :mod:`.pdf` calls :func:`page_texts` only for pages pdfium left junk in,
so pdfminer is imported only then.

A page's text here is pdfminer's text lines in its reading order, one line per ``"\\n"``
(pdfium's shape: no blank line between pdfminer's text boxes); a glyph pdfminer cannot map
either becomes U+FFFD.

Note:
    pdfminer maps glyph ids through the embedded ``cmap`` as if the font's
    ``/CIDToGIDMap`` were ``/Identity`` (the usual case for subset fonts); a
    font with a ``/CIDToGIDMap`` stream may come out wrong, which the caller cannot tell.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator

UNMAPPED = "\ufffd"
"""What stands for a glyph pdfminer could not map to Unicode either."""


def page_texts(data: bytes, pages: Iterable[int], page_count: int) -> dict[int, str]:
    """The text of the given pages as pdfminer.six reads it.

    Args:
        data: The PDF file's bytes (one pdfium opened without a password).
        pages: 0-based page numbers, as pdfium counts them.
        page_count: How many pages pdfium found; when pdfminer finds another number its
            page *k* may not be pdfium's, and nothing is returned.

    Returns:
        Page number → text; empty when pdfminer fails on the file: any failure of this
        fallback (pdfminer raises many kinds of errors on files pdfium reads) leaves pdfium's
        text as it is, so the caller's verdict on it stands.

    Example:
        >>> page_texts(data, [0], 1)                               # doctest: +SKIP
        {0: '中共西岗镇委员会\\n西岗镇人民政府\\n…'}
    """
    try:
        texts, count = _read_pages(data, set(pages))
    except Exception:  # noqa: BLE001 (see Returns)
        return {}
    return texts if count == page_count else {}


def _read_pages(data: bytes, wanted: set[int]) -> tuple[dict[int, str], int]:
    """The wanted pages' texts, and the number of pages in the file."""
    from pdfminer.converter import PDFPageAggregator
    from pdfminer.layout import LAParams
    from pdfminer.pdfdocument import PDFDocument
    from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
    from pdfminer.pdfpage import PDFPage
    from pdfminer.pdfparser import PDFParser

    class Aggregator(PDFPageAggregator):
        def handle_undefined_char(self, font, cid: int) -> str:
            return UNMAPPED

    resources = PDFResourceManager()
    device = Aggregator(resources, laparams=LAParams(all_texts=True))
    interpreter = PDFPageInterpreter(resources, device)
    document = PDFDocument(PDFParser(io.BytesIO(data)))
    texts, count = {}, 0
    for number, page in enumerate(PDFPage.create_pages(document)):
        count = number + 1
        if number in wanted:
            interpreter.process_page(page)
            texts[number] = "\n".join(_lines(device.get_result()))
    return texts, count


def _lines(item) -> Iterator[str]:
    """The text lines inside a pdfminer layout item, depth first, without their line ends."""
    from pdfminer.layout import LTTextLine

    if isinstance(item, LTTextLine):
        yield item.get_text().rstrip("\n")
        return
    if hasattr(item, "__iter__"):
        for child in item:
            yield from _lines(child)

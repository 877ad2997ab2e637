"""PDF: the text layer, as pdfium extracts it (no OCR).

Each page's text comes from pypdfium2 in reading order as pdfium sees it; pdfium's
``"\\r\\n"`` line ends become ``"\\n"``; pages are joined with ``"\\n\\f\\n"`` (a form
feed on a line of its own, as ``pdftotext`` marks pages), so page *k* starts after the
*k*-th form feed.

Note:
    A PDF made of scanned images has no text layer: it is refused with ``"no text layer
    (scanned image?); run OCR first"``.

    A font embedded without a Unicode map (no ``/ToUnicode``; typically a subset CJK font
    with ``Identity-H`` encoding, common in government PDFs) leaves pdfium only the glyph
    codes, which it passes off as characters: a soup of Armenian, Hangul, CJK and
    control code points.  pdfium flags such characters (``FPDFText_HasUnicodeMapError``);
    each one becomes U+FFFD here, so junk never poses as text.  When more than a fifth
    of the visible characters are U+FFFD or control codes the file is refused with
    ``"text layer unusable (fonts without a Unicode map); run OCR first"``.  A simple
    (8-bit) font without a map is flagged only for some codes: pdfium reads the rest
    through the font's own cmap as Latin-1 letters, which cannot be told from text; such
    a file is refused only when enough of its codes are flagged or are controls.  Fonts
    using a standard CJK CMap (``UniGB-UCS2-H`` and the like) are mapped correctly.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..model import Source
from . import ReadError, has_text, one_line

PAGE_BREAK = "\n\f\n"
"""What stands between two pages' texts."""

UNMAPPED = "\ufffd"
"""What stands for a glyph pdfium could not map to Unicode."""

_JUNK = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\ufffd\ufffe\uffff]")
_MAX_JUNK_SHARE = 0.2


def read(path: Path, data: bytes) -> Source:
    """Extract the text layer of every page.

    Raises:
        ReadError: corrupt or encrypted file, or no usable text layer.
    """
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as err:
        if "password" in str(err).lower():
            raise ReadError(path, "encrypted PDF (password required)") from None
        raise ReadError(path, f"not a valid .pdf: {one_line(err)}") from None
    try:
        pages = [_page_text(pdf[i]) for i in range(len(pdf))]
    except pdfium.PdfiumError as err:
        raise ReadError(path, f"not a valid .pdf: {one_line(err)}") from None
    finally:
        pdf.close()
    text = PAGE_BREAK.join(pages)
    visible = "".join(text.split())
    if not has_text(visible):
        raise ReadError(path, "no text layer (scanned image?); run OCR first")
    if len(_JUNK.findall(visible)) > _MAX_JUNK_SHARE * len(visible):
        raise ReadError(path, "text layer unusable (fonts without a Unicode map); run OCR first")
    return Source(str(path), text, "pdf")


def _page_text(page) -> str:
    """One page's text with ``"\\n"`` line ends and U+FFFD for unmapped glyphs."""
    import pypdfium2.raw as raw

    textpage = page.get_textpage()
    try:
        n = textpage.count_chars()
        unmapped = [i for i in range(n) if raw.FPDFText_HasUnicodeMapError(textpage.raw, i) == 1]
        if unmapped:  # character by character: get_text_range drops some codes (NULs)
            chars = [chr(raw.FPDFText_GetUnicode(textpage.raw, i)) for i in range(n)]
            for i in unmapped:
                chars[i] = UNMAPPED
            text = "".join(chars)
        else:
            text = textpage.get_text_range()
    finally:
        textpage.close()
        page.close()
    return text.replace("\r\n", "\n").replace("\r", "\n")

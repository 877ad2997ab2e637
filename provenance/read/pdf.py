"""PDF: the text layer, as pdfium extracts it (no OCR), with pdfminer.six for the glyphs pdfium cannot map.

Each page's text comes from pypdfium2 in reading order as pdfium sees it; pdfium's
``"\\r\\n"`` line ends become ``"\\n"``; pages are joined with ``"\\n\\f\\n"`` (a form
feed on a line of its own, as ``pdftotext`` marks pages), so page *k* starts after the
*k*-th form feed.

Note:
    A PDF made of scanned images has no text layer: it is refused with ``"no text layer
    (scanned image?); run OCR first"``.

    A font without a ``/ToUnicode`` map leaves pdfium only the glyph codes, which it passes
    off as characters (a soup of control codes, Armenian, Hangul, CJK); pdfium flags such
    characters (``FPDFText_HasUnicodeMapError``) and each one becomes U+FFFD here, so junk
    never poses as text.  What happens then:

    * **Recovered** — a CID font with ``Identity-H`` encoding whose font program is embedded
      (``/FontFile2``, a TrueType subset, as in many government PDFs) and keeps its own
      Unicode ``cmap``: each page with U+FFFD or control codes is read again by pdfminer.six
      (:mod:`.pdf_recover`), which maps the glyph ids back through that ``cmap``; its text
      for the page (its text lines, one per ``"\\n"``) replaces pdfium's when it has fewer
      junk characters.  The other pages keep pdfium's text.
    * **Read by pdfium already** — a CID font whose ``/CIDSystemInfo`` ordering is
      Adobe-GB1, -CNS1, -Japan1 or -Korea1 (CIDs mapped through Adobe's tables), and fonts
      using a standard CJK CMap (``UniGB-UCS2-H`` and the like).
    * **Refused** — when, after that, more than a fifth of the visible characters are still
      U+FFFD or control codes: ``"text layer unusable (fonts without a Unicode map); run OCR
      first"``.  That is a font not embedded with an ``Identity`` ordering (its glyph ids
      mean nothing without the font), an embedded font without a Unicode ``cmap`` (such as
      reportlab's CJK subsets: simple TrueType fonts whose ``cmap`` maps byte codes), or a
      CFF font (``/FontFile3``), whose ``cmap`` pdfminer does not read.  Fewer such glyphs
      stay in the text as U+FFFD.

    A simple (8-bit) font without a map is flagged only for some codes: pdfium reads the
    rest through the font's own cmap as Latin-1 letters, which cannot be told from text;
    such a file is refused only when enough of its codes are flagged or are controls.
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
    """Extract the text layer of every page; pages with unmapped glyphs are read again by pdfminer.six.

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
    text = PAGE_BREAK.join(_recovered(data, pages))
    visible = "".join(text.split())
    if _junk(visible) > _MAX_JUNK_SHARE * len(visible):
        raise ReadError(path, "text layer unusable (fonts without a Unicode map); run OCR first")
    if not has_text(visible):
        raise ReadError(path, "no text layer (scanned image?); run OCR first")
    return Source(str(path), text, "pdf")


def _junk(text: str) -> int:
    """How many characters of ``text`` are U+FFFD or control codes (tabs and line ends aside)."""
    return len(_JUNK.findall(text))


def _recovered(data: bytes, pages: list[str]) -> list[str]:
    """``pages`` with each page that has junk replaced by pdfminer's reading of it
    (:mod:`.pdf_recover`) where that has less junk."""
    junk = {k: n for k, page in enumerate(pages) if (n := _junk(page))}
    if not junk:
        return pages
    from .pdf_recover import page_texts

    better = {k: page for k, page in page_texts(data, junk, len(pages)).items() if _junk(page) < junk[k]}
    return [better.get(k, page) for k, page in enumerate(pages)]


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

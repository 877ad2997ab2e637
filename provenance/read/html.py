"""HTML (``.html``, ``.htm``): the page's main text, without menus, sidebars and footers.

The bytes are decoded as text files are (:func:`.charset.decode`: BOM, strict UTF-8, then
the charset declared in a ``<meta>`` tag, then detection; GBK family → ``gb18030``).
trafilatura then extracts the main content (``favor_recall``, tables kept, comments
dropped) as plain text, one line per paragraph, list item or table row.  When it finds
nothing, the visible text of ``<body>`` is used instead, one line per block element,
with ``<nav>``, ``<header>``, ``<footer>``, ``<aside>``, scripts and styles removed.

The :class:`~provenance.model.Source` text is this extracted text: offsets index into
it, not into the HTML source.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..model import Source
from .charset import decode

_META_CHARSET = re.compile(rb"""<meta[^>]+?charset\s*=\s*["']?\s*([-\w.:]+)""", re.IGNORECASE)
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_DROP = ("script", "style", "noscript", "template", "nav", "header", "footer", "aside", "form")
_BLOCKS = frozenset(
    "address article blockquote br dd div dl dt figcaption figure h1 h2 h3 h4 h5 h6 hr li "
    "main ol p pre section table td th tr ul".split()
)


def read(path: Path, data: bytes) -> Source:
    """Decode a web page and extract its main text.

    Raises:
        ReadError: binary or undecodable data (as for text files).
    """
    match = _META_CHARSET.search(data[:8192])
    declared = match.group(1).decode("ascii", "replace") if match else None
    markup, encoding = decode(path, data, declared)
    markup = _XML_DECLARATION.sub("", markup, count=1)  # lxml refuses str input that declares an encoding
    text = _main_text(markup) or _body_text(markup)
    return Source(str(path), text, "html", encoding)


def _main_text(markup: str) -> str:
    """trafilatura's main-content text, or ``""``."""
    import trafilatura

    text = trafilatura.extract(markup, favor_recall=True, include_comments=False,
                               include_tables=True, output_format="txt")
    return (text or "").strip()


def _body_text(markup: str) -> str:
    """Visible body text, one line per block element, chrome removed; ``""`` if none."""
    import lxml.html
    from lxml.etree import ParserError

    try:
        root = lxml.html.document_fromstring(markup)
    except (ParserError, ValueError):
        return ""
    for el in list(root.iter(*_DROP)):
        if el.getparent() is not None:
            el.drop_tree()
    body = root.find("body")
    if body is None:
        body = root
    parts: list[str] = []

    def walk(el) -> None:
        block = isinstance(el.tag, str) and el.tag in _BLOCKS
        if block:
            parts.append("\n")
        if el.text and isinstance(el.tag, str):
            parts.append(el.text)
        for child in el:
            walk(child)
            if child.tail:
                parts.append(child.tail)
        if block:
            parts.append("\n")

    walk(body)
    lines = (" ".join(line.split()) for line in "".join(parts).splitlines())
    return "\n".join(line for line in lines if line)

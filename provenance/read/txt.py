"""Plain text (``.txt``, ``.md``, ``.text``) in any common encoding.

The text is the decoded file content unchanged: no newline conversion, only a byte
order mark removed, so every offset the tool reports indexes into what an editor shows.
The codec is chosen by :func:`.charset.decode` (BOM, strict UTF-8, then detection; the
GBK family is decoded as ``gb18030``, Big5 as ``big5hkscs``) and kept in
``Source.encoding``.

Example:
    >>> read(Path("003_gbk.txt"), " 中共西岗镇委员会\\n".encode("gbk")).encoding
    'gb18030'
"""

from __future__ import annotations

from pathlib import Path

from ..model import Source
from .charset import decode


def read(path: Path, data: bytes) -> Source:
    """Decode a text file.

    Raises:
        ReadError: ``"binary file, not text"`` or ``"cannot decode: ..."``.
    """
    text, encoding = decode(path, data)
    return Source(str(path), text, "txt", encoding)

"""Choosing the codec of a text or HTML file's bytes.

1. a BOM decides: ``utf-8-sig``, ``utf-16`` or ``utf-32``;
2. NUL bytes mean binary data, unless they mostly sit on one side of the byte pairs and
   the file decodes as UTF-16 holding spaces or line breaks (UTF-16 without a BOM); a
   tenth of other control bytes also means binary data;
3. strict UTF-8;
4. a charset the file declares (HTML ``<meta charset>``), if the bytes decode with it;
5. charset-normalizer's best guess, checked for East Asian sense (:func:`oddness`).

A guess or declaration in the GBK family (GB2312, GBK, CP936) is decoded as its
superset ``gb18030``, and Big5/CP950 as ``big5hkscs``; Latin-1 and ASCII mean ``cp1252``,
as in browsers.  A rare codec (``mac-latin2``, ``cp775``…) is replaced by a common one
that charset-normalizer found about as clean.

Note:
    charset-normalizer judges short texts badly: a line of GBK is often taken for
    Korean (CP949) or Big5.  Its guess is therefore checked: a Korean reading full of
    Hanja, a Japanese one without kana, a Simplified Chinese one mixing simplified and
    traditional forms, or a Big5 one made of rare characters is odd, and the least odd
    East Asian codec that decodes the bytes is used instead (GB18030 first on a tie).
    Very short Big5 text may still come out as GB18030.

Example:
    >>> decode("plan.txt", "中共西岗镇委员会".encode("gbk"))
    ('中共西岗镇委员会', 'gb18030')
"""

from __future__ import annotations

import codecs
import re
from functools import lru_cache
from pathlib import Path

from . import ReadError

_BOMS = (  # longest first: the UTF-32-LE BOM begins with the UTF-16-LE one
    (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"),
)
_SUPERSETS = {
    "gb2312": "gb18030", "gbk": "gb18030", "gb18030": "gb18030",
    "big5": "big5hkscs", "cp950": "big5hkscs", "big5hkscs": "big5hkscs",
    "iso8859-1": "cp1252", "ascii": "cp1252", "x-gbk": "gb18030",
}
_COMMON = re.compile(r"utf-8|gb18030|big5hkscs|cp932|shift_jis|euc_jp|euc_kr|cp949|cp125\d|iso8859-\d+"
                     r"|koi8-[ru]|tis-620|cp874")
_EAST_ASIAN = ("gb18030", "big5hkscs", "cp932", "euc_jp", "cp949")
_UNICODE_WIDE = ["utf_16", "utf_16_le", "utf_16_be", "utf_32", "utf_32_le", "utf_32_be"]
_CONTROL_BYTES = bytes(b for b in range(32) if b not in b"\t\n\r\f\v\x1b")
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0e-\x1a\x1c-\x1f\x7f-\x9f]")  # category Cc
_MAX_CONTROL_SHARE = 0.1  # a text file never has one character in ten a control code
_MAX_ODDNESS = 0.2
_SAMPLE = 4000  # characters judged by oddness()


def canonical(name: str) -> str | None:
    """The codec to decode a named charset with (``'GB2312'`` → ``'gb18030'``), or ``None`` if unknown."""
    name = name.strip().strip("\"'").lower()
    try:
        name = _SUPERSETS.get(name) or codecs.lookup(name).name
    except (LookupError, ValueError):
        return None
    return _SUPERSETS.get(name, name)


def decode(path: str | Path, data: bytes, declared: str | None = None) -> tuple[str, str]:
    """Decode ``data`` and name the codec used.

    Args:
        path: For error messages.
        data: The file's bytes (not empty).
        declared: A charset the file declares itself (HTML ``<meta>``), tried after UTF-8.

    Returns:
        ``(text, codec)``; the text keeps its line endings, only a BOM is removed.

    Raises:
        ReadError: ``"binary file, not text"`` or ``"cannot decode: ..."``.
    """
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return _checked(path, _strict(path, data, codec), codec)
    if b"\0" in data:
        text, codec = _utf16_without_bom(data)
        if text is None:
            raise ReadError(path, "binary file, not text")
        return _checked(path, text, codec)
    if len(data) - len(data.translate(None, _CONTROL_BYTES)) > _MAX_CONTROL_SHARE * len(data):
        raise ReadError(path, "binary file, not text")
    said = canonical(declared) if declared else None
    for codec in ("utf-8", said):
        if codec and not codec.startswith(("utf-16", "utf-32")):  # a <meta> saying UTF-16 is wrong
            try:
                return _checked(path, data.decode(codec), codec)
            except UnicodeDecodeError:
                pass
    for codec in _guesses(data):
        try:
            return _checked(path, data.decode(codec), codec)
        except UnicodeDecodeError:
            pass
    raise ReadError(path, "cannot decode: not UTF-8 and no known encoding fits")


def _guesses(data: bytes) -> list[str]:
    """Codecs to try, best first: charset-normalizer's guess, corrected as the module says."""
    from charset_normalizer import from_bytes

    results = list(from_bytes(data, cp_exclusion=_UNICODE_WIDE))
    if not results:
        return list(_EAST_ASIAN) if max(data) >= 0x81 else []
    names = [codecs.lookup(r.encoding).name for r in results]
    best = canonical(names[0]) or names[0]
    if not _COMMON.fullmatch(best):
        common = [n for r, n in zip(results, names)
                  if _COMMON.fullmatch(canonical(n) or n) and r.chaos <= results[0].chaos + 0.05]
        best = canonical(common[0]) if common else best
    guesses = [best, names[0]]
    if best in _EAST_ASIAN or best.startswith(("euc", "shift_jis", "johab", "iso2022")):
        text = data.decode(best, errors="replace")
        if oddness(text, best) > _MAX_ODDNESS:
            guesses = _least_odd(data) + guesses
    return list(dict.fromkeys(guesses))


def _least_odd(data: bytes) -> list[str]:
    """The East Asian codecs that decode ``data``, least odd first (stable on ties)."""
    scored = []
    for rank, codec in enumerate(_EAST_ASIAN):
        try:
            scored.append((round(oddness(data.decode(codec), codec), 2), rank, codec))
        except UnicodeDecodeError:
            continue
    return [codec for _, _, codec in sorted(scored)]


def oddness(text: str, codec: str) -> float:
    """Share of the CJK characters of ``text`` that do not fit the language ``codec`` is for.

    Example:
        >>> b = "中共西岗镇委员会".encode("gbk")
        >>> oddness(b.decode("cp949"), "cp949") > 0.2, oddness(b.decode("gb18030"), "gb18030")
        (True, 0.0)
    """
    text = text[:_SAMPLE]
    han = "".join(c for c in text if "\u3400" <= c <= "\u9fff" or "\uf900" <= c <= "\ufaff")
    kana = sum("\u3040" <= c <= "\u30ff" for c in text)
    halfwidth_kana = sum("\uff61" <= c <= "\uff9f" for c in text)
    hangul = sum("\uac00" <= c <= "\ud7af" or "\u3130" <= c <= "\u318f" for c in text)
    cjk = len(han) + kana + halfwidth_kana + hangul
    if cjk == 0:
        return 0.0
    if codec == "gb18030":
        simplified = sum(a != b for a, b in zip(han, _opencc("s2t").convert(han)))
        traditional = {i for i, (a, b) in enumerate(zip(han, _opencc("t2s").convert(han))) if a != b}
        rare = sum(1 for i, c in enumerate(han) if i not in traditional and not _encodes(c, "gb2312"))
        odd = hangul + halfwidth_kana + kana + 2 * min(simplified, len(traditional)) + rare
    elif codec == "big5hkscs":
        odd = hangul + halfwidth_kana + sum(not _encodes(c, "big5") or c.encode("big5") >= b"\xc9\x40" for c in han)
        odd += sum("\u3100" <= c <= "\u312f" or "\ufe50" <= c <= "\ufe6f" for c in text)  # bopomofo, small forms
    elif codec in ("cp949", "euc_kr", "johab"):
        no_spaces = hangul >= 6 and not any(c.isspace() for c in text)
        odd = len(han) + kana + halfwidth_kana + (hangul if no_spaces else 0) + _rare_hangul(text)
    else:  # Japanese
        odd = halfwidth_kana + hangul + (len(han) if kana == 0 else 0)
    return odd / cjk


def _rare_hangul(text: str) -> int:
    """Syllables with a double final consonant (ㄳ ㄵ ㄶ ㄺ…ㅀ ㅄ) or the vowels ㅒ ㅙ ㅞ: rare in Korean."""
    rare = 0
    for c in text:
        if "\uac00" <= c <= "\ud7a3":
            k = ord(c) - 0xAC00
            rare += k % 28 in (3, 5, 6, 9, 10, 11, 12, 13, 14, 15, 18) or (k % 588) // 28 in (3, 10, 15)
    return rare


@lru_cache(maxsize=2)
def _opencc(config: str):
    import opencc

    return opencc.OpenCC(config)


def _encodes(ch: str, codec: str) -> bool:
    try:
        ch.encode(codec)
        return True
    except UnicodeEncodeError:
        return False


def _utf16_without_bom(data: bytes) -> tuple[str | None, str]:
    """UTF-16 text without a BOM, told from binary data with NULs: two thirds of the NULs (at
    least two) on one side of the byte pairs (the other side has them in U+xx00 characters
    such as 一), and a decoding that holds spaces or line breaks."""
    even, odd = data[0::2].count(0), data[1::2].count(0)
    for codec, nuls, others in (("utf-16-le", odd, even), ("utf-16-be", even, odd)):
        if len(data) % 2 == 0 and nuls >= 2 and others * 2 <= nuls:
            try:
                text = data.decode(codec)
            except UnicodeDecodeError:
                continue
            if any(c in text for c in " \n\r\t"):
                return text, codec
    return None, ""


def _strict(path: str | Path, data: bytes, codec: str) -> str:
    try:
        return data.decode(codec)
    except UnicodeDecodeError as err:
        raise ReadError(path, f"cannot decode: invalid {codec} data at byte {err.start}") from None


def _checked(path: str | Path, text: str, codec: str) -> tuple[str, str]:
    """Refuse decoded text made largely of control codes (binary data that happened to decode)."""
    if len(_CONTROL_CHARS.findall(text)) > _MAX_CONTROL_SHARE * len(text):
        raise ReadError(path, "binary file, not text")
    return text, codec

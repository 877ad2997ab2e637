"""Normalization for fingerprints: the text as a stream of comparable *units*.

A unit is one character of a script written without spaces (Han, kana, Thai…)
or one word of a script written with spaces (Latin, Cyrillic, Arabic, Hangul…,
digits included).  Before units are cut out, every character is mapped through
NFKC and case folding (so full-width ``ＡＢＣ１２３`` equals ``abc123``),
optionally Traditional→Simplified Chinese, and these are set aside:

* whitespace and punctuation (so PDF line wraps, spaces inside Chinese words
  and punctuation variants never matter),
* a word broken over a line by a hyphen is joined (``regu-\\nlation``),
* list markers at the start of a line (``一、`` ``（一）`` ``1.`` ``- `` ``•``
  ``第三条`` ``(a)``), which copies renumber freely,
* known noise lines (paywall markers, ``本文来源``, edit passwords, page
  numbers such as ``- 3 -`` or ``Page 3 of 9``, bare URLs).

Display never uses this view: each unit keeps the half-open span of original
characters it came from, so every finding points back at the original text.

Note:
    Changing these rules changes every fingerprint.  The index records
    :data:`NORMALIZER_VERSION` and refuses to mix versions; bump it whenever
    the output of :func:`normalize` changes for any input.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from .arrays import ranks

NORMALIZER_VERSION = 1

SEP, CHAR, WORD, JOIN = 0, 1, 2, 3
"""Character classes: separator, a unit by itself, part of a word, joiner (dropped, glues words)."""

WORD_FLAG = np.uint32(0x8000_0000)
"""High bit set on word-unit ids, so they never equal a character unit's code point."""

_CHAR_SCRIPTS = (
    (0x2E80, 0x2FDF),  # CJK radicals, Kangxi radicals
    (0x3005, 0x3007),  # 々 〆 〇
    (0x3040, 0x30FF),  # hiragana, katakana
    (0x3100, 0x312F),  # bopomofo
    (0x31F0, 0x31FF),  # katakana extensions
    (0x3400, 0x4DBF),  # CJK extension A
    (0x4E00, 0x9FFF),  # CJK unified ideographs
    (0xF900, 0xFAFF),  # CJK compatibility ideographs
    (0x0E00, 0x0E7F),  # Thai
    (0x0E80, 0x0EFF),  # Lao
    (0x1000, 0x109F),  # Myanmar
    (0x1780, 0x17FF),  # Khmer
    (0x0F00, 0x0FFF),  # Tibetan
)

_NOISE_LINE = re.compile(
    r"""(?:
        \#\#paid(?:begin|end)\#\#.*
      | (?:本文来源|文章来源|来源网址|原文链接|责任编辑|编辑密码|免责声明|版权声明|下载地址)[:：].*
      | [-－—–_~ ]*\d{1,4}[-－—–_~ ]*                                  # - 3 -
      | 第\s*\d+\s*页(?:\s*[/,，]?\s*共\s*\d+\s*页)?                    # 第 3 页 共 9 页
      | (?i:page)\s*\d+(?:\s*(?:of|/)\s*\d+)?                            # Page 3 of 9
      | \d+\s*/\s*\d+                                                    # 3/9
      | (?i:https?://|www\.)\S+
    )""",
    re.VERBOSE,
)
"""A whole (stripped) line of extraction or web-page debris."""

_HAN_NUM = "一二三四五六七八九十百零〇"
_LIST_MARKER = re.compile(
    rf"""[ \t\u3000]*(?:(?:
        [{_HAN_NUM}]{{1,3}}\s*[、.．]                      # 一、
      | [(（]\s*(?:[{_HAN_NUM}]{{1,3}}|\d{{1,3}}|[a-zA-Z])\s*[)）]   # （一） (1) (a)
      | \d{{1,3}}(?:[.．]\d{{1,3}}){{0,3}}\s*[、.．)）](?!\d)   # 1. 1、 1.2.3 1)
      | [a-zA-Z][.)](?=\s)                                 # a. b)
      | [-–—•·●○◆◇■□▪*+](?=\s)                            # bullets
      | 第[{_HAN_NUM}\d]{{1,4}}[章节条款项](?=[\s\u3000])   # 第三条 (numbering, then a space)
      | (?i:(?:section|article|art\.|§)\s*\d+[a-z]?\.?)    # Section 3.
    )[ \t\u3000]*){{1,3}}""",
    re.VERBOSE,
)
"""List markers at the start of a line (up to three, as in ``- 1、``)."""
_INLINE_MARKER = re.compile(rf"[(（][{_HAN_NUM}]{{1,3}}[)）]|[①-⑳⑴-⒇⒈-⒛㈠-㈩]")
_INLINE_START = re.compile("[(（①-⑳⑴-⒇⒈-⒛㈠-㈩]")
"""The characters an inline marker starts with: :func:`_inline_markers` tries the marker only there."""
_HYPHEN_WRAP = re.compile(r"(?<=[^\W\d_])-[ \t]*\r?\n[ \t]*(?=[^\W\d_])")


@dataclass(frozen=True)
class Units:
    """A document's normalized unit stream.

    Attributes:
        ids: ``uint32`` unit ids: a character's (mapped) code point, or a word hash
            with :data:`WORD_FLAG` set.
        starts: Original offset of each unit's first character.
        ends: Original offset just past each unit's last character.
    """

    ids: np.ndarray
    starts: np.ndarray
    ends: np.ndarray

    def __len__(self) -> int:
        return int(self.ids.shape[0])

    @property
    def is_word(self) -> np.ndarray:
        return (self.ids & WORD_FLAG) != 0

    def weights(self) -> np.ndarray:
        """Weight of each unit: 1 for a character, 2 for a word (a word carries about two CJK characters of content)."""
        return np.where(self.is_word, 2, 1).astype(np.int32)

    def span(self, i: int, j: int) -> tuple[int, int]:
        """Original span covered by units ``[i, j)``."""
        return int(self.starts[i]), int(self.ends[j - 1])

    def slice(self, i: int, j: int) -> "Units":
        return Units(self.ids[i:j], self.starts[i:j], self.ends[i:j])


@lru_cache(maxsize=2)
def _tables(t2s: bool) -> tuple[np.ndarray, np.ndarray]:
    """Per code point of the BMP: the mapped code point and its class.

    Building them takes a few hundred milliseconds (NFKC and OpenCC over the
    whole plane), so they are cached on disk (:mod:`provenance.cache`), keyed by
    everything they depend on.
    """
    import sys

    from .cache import cached_array

    key = f"tables-v{NORMALIZER_VERSION}-u{unicodedata.unidata_version}-t{int(t2s)}-py{sys.version_info[0]}{sys.version_info[1]}"
    both = cached_array(key, lambda: np.stack([a.astype(np.uint32) for a in _build_tables(t2s)]))
    return both[0], both[1].astype(np.uint8)


def _build_tables(t2s: bool) -> tuple[np.ndarray, np.ndarray]:
    mapping = np.arange(0x10000, dtype=np.uint32)
    classes = np.zeros(0x10000, dtype=np.uint8)
    conv = _t2s_table() if t2s else {}
    for cp in range(0x10000):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        ch = chr(cp)
        m = unicodedata.normalize("NFKC", ch).casefold()
        if len(m) != 1:
            alnum = [c for c in m if c.isalnum()]
            m = alnum[0] if len(alnum) == 1 else ch
        m = conv.get(m, m)
        mapping[cp] = ord(m)
        classes[cp] = _classify(ord(m))
    return mapping, classes


def _classify(cp: int) -> int:
    for lo, hi in _CHAR_SCRIPTS:
        if lo <= cp <= hi:
            return CHAR
    if 0x20000 <= cp <= 0x323AF:
        return CHAR
    cat = unicodedata.category(chr(cp))
    if cat[0] in "LNM":
        return WORD
    return SEP


@lru_cache(maxsize=1)
def _t2s_table() -> dict[str, str]:
    """Single-character Traditional→Simplified map from OpenCC's dictionary."""
    from opencc import OpenCC  # opencc-python-reimplemented

    cc = OpenCC("t2s")
    table: dict[str, str] = {}
    # The reimplementation converts strings; ask it once for the whole CJK block.
    block = "".join(chr(c) for c in range(0x3400, 0xA000))
    out = cc.convert(block)
    if len(out) == len(block):
        for a, b in zip(block, out):
            if a != b:
                table[a] = b
    else:  # pragma: no cover - phrase conversion changed length; fall back per char
        for a in block:
            b = cc.convert(a)
            if len(b) == 1 and b != a:
                table[a] = b
    return table


def _set_aside(text: str, cps: np.ndarray, classes: np.ndarray, nl: np.ndarray) -> None:
    """Mark noise lines and list markers as separators, hyphen wraps as joiners.

    Only lines that can hold either are looked at with the regular expressions:
    short ones (noise lines are short) and those whose first character after
    leading blanks can start a list marker (a table look-up over all lines).
    ``nl`` holds where the line breaks are.
    """
    n = len(text)
    starts = np.concatenate(([0], nl + 1))
    ends = np.concatenate((nl, [n]))
    clipped = None
    if starts.shape[0] <= _FEW_LINES:  # the pre-filter costs more than it saves
        look = np.arange(starts.shape[0])
    else:
        lead_blank, marker_start, letter_marker, noise_start = _line_tables()
        clipped = np.empty(n + 1, cps.dtype)
        np.minimum(cps, 0xFFFF, out=clipped[:n])
        clipped[n] = 0  # a sentinel after the end: not blank
        first = _first_nonblank(clipped, starts, lead_blank)
        filled = first < ends
        c0, c1 = clipped[first], clipped[np.minimum(first + 1, n)]
        # "a." / "b)" need their second character; other markers are told by the first
        may_mark = filled & (marker_start[c0] | (letter_marker[c0] & ((c1 == 0x2E) | (c1 == 0x29))))
        may_noise = filled & (ends - starts <= 160) & noise_start[c0]
        look = np.nonzero(may_mark | may_noise)[0]
    for i in look.tolist():
        pos, end = int(starts[i]), int(ends[i])
        line = text[pos:end]
        if end - pos <= 160:
            stripped = line.strip(" \t\u3000\r")
            if stripped and _NOISE_LINE.fullmatch(stripped):
                classes[pos:end] = SEP
                continue
        m = _LIST_MARKER.match(line)
        if m is not None and m.end() > 0:
            classes[pos : pos + m.end()] = SEP
    for m in _inline_markers(text, cps, None if clipped is None else clipped[:n]):
        classes[m.start() : m.end()] = SEP
    if "-" in text:
        for m in _HYPHEN_WRAP.finditer(text):
            classes[m.start() : m.end()] = JOIN


_BLANK_STEPS = 8
"""Leading blanks :func:`_first_nonblank` steps over line by line before it looks at the whole text instead."""


def _first_nonblank(clipped: np.ndarray, starts: np.ndarray, lead_blank: np.ndarray) -> np.ndarray:
    """Per line start, the first position from there whose character is not a leading blank (``len(text)`` if none).

    ``clipped``: the code points clipped to the BMP, with a sentinel that is not blank after the end.  Most
    lines start with their first character, and an indented one after a few blanks: those are stepped
    over (all such lines at once); only a line with more blanks than :data:`_BLANK_STEPS` makes the
    whole text be looked at.
    """
    first = starts.copy()
    todo = np.flatnonzero(lead_blank[clipped[first]])
    for _ in range(_BLANK_STEPS):
        if todo.size == 0:
            return first
        first[todo] += 1
        todo = todo[lead_blank[clipped[first[todo]]]]
    if todo.size:
        n = clipped.shape[0] - 1
        nonblank = np.append(np.nonzero(~lead_blank[clipped[:n]])[0], n)  # n: a line of blanks to the end
        first[todo] = nonblank[np.searchsorted(nonblank, first[todo])]
    return first


@lru_cache(maxsize=1)
def _line_tables() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per BMP code point, for :func:`_set_aside`'s pre-filter of lines (exact: tested against a full scan).

    Returns:
        ``(blank, marker_start, letter_marker, noise_start)``: blanks that may
        precede a list marker; characters a list marker can start with whatever
        follows; letters that start one when ``.`` or ``)`` follows (``a.``);
        characters a noise line can start with (after stripping).
    """
    flags = _flag_table()
    return tuple((flags & np.uint8(bit)) != 0 for bit in (_BLANK, _MARK, _LETTER, _NOISE))


_BLANK, _MARK, _LETTER, _NOISE, _INLINE = 1, 2, 4, 8, 16
"""Bits of :func:`_flag_table`."""
_BLANKS = " \t\u3000"
_MARK_CHARS = _HAN_NUM + "(（-–—•·●○◆◇■□▪*+第§"
_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
_NOISE_CHARS = "#本文来原责编免版下-－—–_~第\r"  # \r: stripped before the noise test, not before markers


@lru_cache(maxsize=1)
def _flag_table() -> np.ndarray:
    """One ``uint8`` of flags per BMP code point: the line pre-filter's tables and the inline-marker starts.

    Building it runs a few regular expressions on every code point (~0.1–0.4 s,
    more than a whole check spends on its query), so it is cached on disk
    (:mod:`provenance.cache`) under a name holding everything it depends on:
    the normalizer and Unicode versions, Python's (``\\d`` and case folding in
    :mod:`re`), and a digest of the characters and patterns below.
    """
    import hashlib
    import sys

    from .cache import cached_array

    spec = "\0".join((_BLANKS, _MARK_CHARS, _LETTERS, _NOISE_CHARS, _DIGIT.pattern, _SECTION_START.pattern,
                      _NOISE_LETTER.pattern, _INLINE_START.pattern))
    digest = hashlib.sha1(spec.encode("utf-8", "surrogatepass")).hexdigest()[:12]
    key = (f"line-flags-v{NORMALIZER_VERSION}-u{unicodedata.unidata_version}"
           f"-py{sys.version_info[0]}{sys.version_info[1]}-{digest}")
    return cached_array(key, _build_flag_table).astype(np.uint8, copy=False)


def _build_flag_table() -> np.ndarray:
    flags = np.zeros(0x10000, dtype=np.uint8)
    for chars, bit in ((_BLANKS, _BLANK), (_MARK_CHARS, _MARK), (_LETTERS, _LETTER), (_NOISE_CHARS, _NOISE)):
        flags[[ord(c) for c in chars]] |= np.uint8(bit)
    for cp in range(0x10000):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        c = chr(cp)
        if _DIGIT.match(c):
            flags[cp] |= np.uint8(_MARK | _NOISE)
        if _SECTION_START.match(c):
            flags[cp] |= np.uint8(_MARK)
        if _NOISE_LETTER.match(c):
            flags[cp] |= np.uint8(_NOISE)
        if _INLINE_START.match(c) is not None:
            flags[cp] |= np.uint8(_INLINE)
    return flags


_FEW_LINES = 40
"""Texts of at most this many lines skip :func:`_set_aside`'s pre-filter."""
_DIGIT = re.compile(r"\d")
_SECTION_START = re.compile(r"(?i:[sa§])")
"""First letters of ``section``/``article``/``§`` as the case-insensitive marker matches them (ſ included)."""
_NOISE_LETTER = re.compile(r"(?i:[phw])")
"""First letters of ``page``, ``http``, ``www`` in a noise line, matched as case-insensitively as there."""


def _inline_markers(text: str, cps: np.ndarray, clipped: np.ndarray | None = None):
    """``_INLINE_MARKER.finditer(text)``, trying the pattern only where a match can start.

    The possible starts are found by a table look-up over the code points
    (``cps``; ``clipped``: them clipped to the BMP, when already at hand), so
    text without brackets or circled numbers costs one vector pass.
    """
    pos = 0
    if clipped is None:
        clipped = np.minimum(cps, 0xFFFF)
    for s in np.flatnonzero(np.take(_inline_start_table(), clipped)).tolist():
        if s < pos:
            continue
        m = _INLINE_MARKER.match(text, s)
        if m is not None:
            yield m
            pos = m.end()


@lru_cache(maxsize=1)
def _inline_start_table() -> np.ndarray:
    """Per BMP code point: can an inline marker start there (:data:`_INLINE_START`)."""
    return (_flag_table() & np.uint8(_INLINE)) != 0


def normalize(text: str, t2s: bool = True) -> Units:
    """Cut ``text`` into normalized units with original spans.

    Args:
        text: Original document text.
        t2s: Map Traditional Chinese characters to Simplified first.

    Returns:
        The unit stream.

    Example:
        >>> u = normalize("属地管理、\\n分级 负责")
        >>> "".join(chr(i) for i in u.ids)
        '属地管理分级负责'
        >>> u.span(4, 8)   # 分级负责 in the original, across the line break
        (6, 11)
    """
    return normalize_lines(text, t2s)[0]


def normalize_lines(text: str, t2s: bool = True) -> tuple[Units, np.ndarray]:
    """:func:`normalize`, and where ``text``'s line breaks (``\\n``) are, which it finds on the way."""
    n = len(text)
    if n == 0:
        return Units(np.zeros(0, np.uint32), np.zeros(0, np.int32), np.zeros(0, np.int32)), np.zeros(0, np.int64)
    cps = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32).copy()
    mapping, table = _tables(t2s)
    bmp = cps < 0x10000
    if bmp.all():  # the usual case: plain look-ups, no masks
        mapped, classes = np.take(mapping, cps), np.take(table, cps)
    else:
        mapped = cps.copy()
        mapped[bmp] = mapping[cps[bmp]]
        classes = np.zeros(n, dtype=np.uint8)
        classes[bmp] = table[cps[bmp]]
        for i in np.nonzero(~bmp)[0]:
            classes[i] = _classify(int(cps[i]))
    nl = np.nonzero(cps == 10)[0]
    _set_aside(text, cps, classes, nl)

    keep = classes != JOIN
    if keep.all():  # no hyphen wrap: every position stays
        pos, cls, cp = np.arange(n, dtype=np.int32), classes, mapped
    else:
        pos = np.nonzero(keep)[0].astype(np.int32)
        cls = classes[keep]
        cp = mapped[keep]

    # Character units.
    is_char = cls == CHAR
    # Word units: maximal runs of WORD positions in the kept stream.
    is_word = cls == WORD
    if np.count_nonzero(is_word) <= _FEW_WORD_CHARS:  # Chinese text: a number or a Latin name here and there
        wp = np.flatnonzero(is_word)
        run_start = run_end = wp
        if wp.size:
            cut = np.flatnonzero(wp[1:] != wp[:-1] + 1) + 1
            run_start, run_end = wp[np.concatenate(([0], cut))], wp[np.concatenate((cut, [wp.size])) - 1] + 1
        word_ids = _hash_few_runs(cp, run_start, run_end)
        word_head = np.zeros_like(is_word)
        word_head[run_start] = True
    else:
        prev = np.concatenate(([False], is_word[:-1]))
        nxt = np.concatenate((is_word[1:], [False]))
        word_head = is_word & ~prev
        run_start = np.nonzero(word_head)[0]
        run_end = np.nonzero(is_word & ~nxt)[0] + 1
        word_ids = _hash_runs(cp, run_start, run_end)

    # One unit per character and per word, where it starts in the kept stream: already in order.
    at = np.nonzero(is_char | word_head)[0]
    ids = cp[at].astype(np.uint32, copy=False)
    starts = pos[at]
    ends = starts + 1
    if run_start.size:
        words = np.searchsorted(at, run_start)  # the word units, in the order of their runs
        ids[words] = word_ids
        ends[words] = pos[run_end - 1] + 1
    return Units(ids, starts, ends), nl


_FEW_WORD_CHARS = 256
"""Up to this many word characters, :func:`normalize_lines` cuts and hashes the words one by one (:func:`_hash_few_runs`)
instead of with whole-text vector passes."""
_M64 = (1 << 64) - 1


def _hash_few_runs(cp: np.ndarray, run_start: np.ndarray, run_end: np.ndarray) -> np.ndarray:
    """:func:`_hash_runs` computed run by run on Python integers (the same values: every step wraps at 64 bits)."""
    out = []
    p, c1, c2 = int(_P), 0xFF51AFD7ED558CCD, 0xC4CEB9FE1A85EC53
    for s, e in zip(run_start.tolist(), run_end.tolist()):
        h, pw = 0, 1
        for x in cp[s:e].tolist():
            h = (h + (x + 1) * pw) & _M64
            pw = (pw * p) & _M64
        h ^= e - s
        h ^= h >> 33
        h = (h * c1) & _M64
        h ^= h >> 33
        h = (h * c2) & _M64
        h ^= h >> 33
        out.append((h >> 33) | int(WORD_FLAG))
    return np.array(out, dtype=np.uint32)


_P = np.uint64(0x100000001B3)


def _hash_runs(cp: np.ndarray, run_start: np.ndarray, run_end: np.ndarray) -> np.ndarray:
    """A 31-bit hash per word run (high bit then set), vectorised over all runs."""
    if run_start.size == 0:
        return np.zeros(0, np.uint32)
    lengths = run_end - run_start
    offs = ranks(lengths)
    idx = np.repeat(run_start, lengths) + offs
    with np.errstate(over="ignore"):
        powers = _powers(int(offs.max()) + 1)
        terms = (cp[idx].astype(np.uint64) + np.uint64(1)) * powers[offs]
        h = np.add.reduceat(terms, np.concatenate(([0], np.cumsum(lengths)[:-1])))
        h = fmix64(h ^ lengths.astype(np.uint64))
    return (h >> np.uint64(33)).astype(np.uint32) | WORD_FLAG


@lru_cache(maxsize=8)
def _powers(n: int) -> np.ndarray:
    out = np.ones(max(n, 1), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for i in range(1, n):
            out[i] = out[i - 1] * _P
    return out


def fmix64(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's 64-bit finalizer (element-wise, wrapping)."""
    with np.errstate(over="ignore"):
        h = h ^ (h >> np.uint64(33))
        h = h * np.uint64(0xFF51AFD7ED558CCD)
        h = h ^ (h >> np.uint64(33))
        h = h * np.uint64(0xC4CEB9FE1A85EC53)
        return h ^ (h >> np.uint64(33))

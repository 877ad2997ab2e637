"""Segmentation: paragraphs, sentences and the parts of a compilation, as spans.

Paragraphs are rebuilt from lines.  Text extracted from PDFs often has a hard
line break every ~30 characters (and sometimes a blank line after each); such
a *wrapped* document is recognised by its many lines of one common length, and
a line that fills that width without ending a sentence is joined to the next
one, across blank lines.  Elsewhere a paragraph is a line, or a block of lines
that do not end sentences (wrapped English prose).

A compilation file (a template site's "通用5篇": 篇一…篇五, or "Part 1…Part 3")
is split into its parts where the headings make it plain: at least two
headings, numbered in order.

All functions return half-open ``(start, end)`` spans into the original text.
"""

from __future__ import annotations

import re
from collections import Counter

Span = tuple[int, int]

_TERMINAL = "。！？；!?;…"
_LINE = re.compile(r"[^\n]*(?:\n|$)")
_SENTENCE_END = re.compile(r"[。！？；!?;]+[”’\"')）]*|\.(?=\s+[A-Z\"“(])|\.$|\n\s*\n")

_HAN_DIGITS = {c: i for i, c in enumerate("零一二三四五六七八九十", 0)}
_PART_HEADING = re.compile(
    r"^[ \t\u3000]*(?:(?P<pre>.{0,40}?)篇(?P<n1>[一二三四五六七八九十]{1,3}|\d{1,2})"
    r"|第(?P<n2>[一二三四五六七八九十]{1,3}|\d{1,2})篇(?P<post>.{0,40}?)"
    r"|(?P<en>(?:Part|Document|Template|Sample|Example)\s+(?P<n3>\d{1,2}|[IVX]{1,4}))\b.{0,60}?)"
    r"[ \t\u3000]*$",
    re.MULTILINE,
)


def _lines(text: str) -> list[tuple[int, int]]:
    """Spans of lines without their line terminators."""
    out = []
    pos = 0
    for line in text.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        out.append((pos, pos + len(body)))
        pos += len(line)
    return out


def _visible_len(s: str) -> int:
    return len(s.strip())


def wrap_width(text: str) -> int | None:
    """The hard-wrap width of a PDF-extracted text, or ``None`` when it is not wrapped.

    A text is wrapped when at least a third of its non-blank lines (and at least
    five) have one common visible length (±1) of 15 characters or more.
    """
    lengths = [_visible_len(text[a:b]) for a, b in _lines(text)]
    lengths = [n for n in lengths if n >= 15]
    if len(lengths) < 5:
        return None
    counts = Counter(lengths)
    best, hits = max(((n, counts[n - 1] + counts[n] + counts[n + 1]) for n in counts), key=lambda t: (t[1], t[0]))
    nonblank = sum(1 for a, b in _lines(text) if text[a:b].strip())
    if hits >= 5 and hits * 3 >= nonblank:
        return best
    return None


def paragraphs(text: str) -> list[Span]:
    """Paragraph spans, with PDF hard wraps repaired.

    Example:
        >>> t = "为提高信访维稳工作的应急处理和协调能力，迅速妥善处\\n\\n置突发性事件。\\n二、目标"
        >>> [t[a:b] for a, b in paragraphs(t)][-1]
        '二、目标'
    """
    lines = [(a, b) for a, b in _lines(text)]
    width = wrap_width(text)
    out: list[Span] = []
    cur: Span | None = None
    prev_blank = False
    for a, b in lines:
        s = text[a:b]
        stripped = s.strip()
        if not stripped:
            prev_blank = True
            continue
        a2 = a + (len(s) - len(s.lstrip()))
        b2 = a + len(s.rstrip())
        if cur is not None and _continues(text[cur[0] : cur[1]], stripped, width, prev_blank):
            cur = (cur[0], b2)
        else:
            if cur is not None:
                out.append(cur)
            cur = (a2, b2)
        prev_blank = False
    if cur is not None:
        out.append(cur)
    return out


def _continues(prev: str, line: str, width: int | None, blank_between: bool) -> bool:
    """Does ``line`` continue the paragraph whose text so far is ``prev``?"""
    last_line = prev.rsplit("\n", 1)[-1].strip()
    if not last_line or last_line[-1] in _TERMINAL or last_line[-1] in "：:":
        return False
    if width is not None:
        return _visible_len(last_line) >= width - 3
    if blank_between:
        return False
    # Unwrapped text: a line of prose that stops mid-sentence continues (English wraps).
    return len(last_line) >= 40 and last_line[-1].isalnum() and not line[:1].isupper() or (
        len(last_line) >= 40 and last_line[-1] in ",，、" )


def sentences(text: str, span: Span | None = None) -> list[Span]:
    """Sentence spans inside ``span`` (the whole text by default), split at 。！？； and . ! ? ;"""
    a0, b0 = span if span is not None else (0, len(text))
    out = []
    start = a0
    for m in _SENTENCE_END.finditer(text, a0, b0):
        end = m.end()
        if text[start:end].strip():
            out.append(_trim(text, start, end))
        start = end
    if text[start:b0].strip():
        out.append(_trim(text, start, b0))
    return out


def _trim(text: str, a: int, b: int) -> Span:
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    return a, b


def _part_number(m: re.Match) -> int | None:
    raw = m.group("n1") or m.group("n2") or m.group("n3")
    if raw is None:
        return None
    if raw.isdigit():
        return int(raw)
    roman = {"I": 1, "II": 2, "III": 3, "IV": 4, "V": 5, "VI": 6, "VII": 7, "VIII": 8, "IX": 9, "X": 10}
    if raw in roman:
        return roman[raw]
    if raw == "十":
        return 10
    if raw.startswith("十"):
        return 10 + _HAN_DIGITS[raw[1]]
    if len(raw) == 1:
        return _HAN_DIGITS.get(raw)
    if raw.endswith("十"):
        return _HAN_DIGITS[raw[0]] * 10
    return _HAN_DIGITS[raw[0]] * 10 + _HAN_DIGITS[raw[-1]]


def compilation_parts(text: str, min_part_chars: int = 200) -> list[Span]:
    """Split a compilation into parts at numbered headings, or ``[]`` when it is not one.

    The headings must number 1, 2, 3… in order (at least two of them), and every
    part must hold at least ``min_part_chars`` characters.  Text before the first
    heading (a site's introduction) is kept with the first part.

    Example:
        >>> t = "村委会信访应急预案篇一\\n" + "甲" * 300 + "\\n村委会信访应急预案篇二\\n" + "乙" * 300
        >>> len(compilation_parts(t))
        2
    """
    heads = []
    for m in _PART_HEADING.finditer(text):
        n = _part_number(m)
        if n is not None and len(m.group(0).strip()) <= 60:
            heads.append((n, m.start()))
    # keep the longest run numbered 1, 2, 3, ...
    run: list[int] = []
    for n, pos in heads:
        if n == len(run) + 1:
            run.append(pos)
    if len(run) < 2:
        return []
    bounds = [0] + run[1:] + [len(text)]
    parts = [(bounds[i], bounds[i + 1]) for i in range(len(bounds) - 1)]
    if any(len(text[a:b].strip()) < min_part_chars for a, b in parts):
        return []
    return parts

"""Dates written in documents, and which one is the issuing date.

Recognised forms (whitespace allowed between the parts, full-width digits too):

* Han / Japanese / Korean: ``2023年2月22日``, ``2023 年 2 月 22 日``,
  ``二〇二三年二月二十二日`` (``〇``/``零``/``○`` for zero), ``2023년 2월 22일``;
* numeric, year first: ``2023-02-22``, ``2023.2.22``, ``2023/2/22``;
* numeric, year last: ``22.02.2023`` (dots: always day first), ``22/02/2023``
  (slashes: accepted only when one reading, day/month or month/day, is valid);
* month names in English, French, German, Spanish, Italian, Portuguese, Dutch:
  ``22 February 2023``, ``February 22, 2023``, ``22nd day of February, 2023``,
  ``22. Februar 2023``, ``22 de febrero de 2023``;
* a month name of six letters or more with one letter lost (``Agust 1, 2009``);
* digits glued by a bad conversion, on a line of their own (a signature block):
  ``2021624`` is read as 2021-06-24 only because that is its one valid split;
  ``2021124`` (2021-01-24 or 2021-12-04) is rejected as ambiguous.

Never returns an invalid date; years before 1949 or after next year are rejected.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass

Span = tuple[int, int]

_ZH_DIGIT = {c: i for i, c in enumerate("〇一二三四五六七八九")} | {"零": 0, "○": 0, "Ｏ": 0, "O": 0, "o": 0}
_ZH_NUM = "〇零○Ｏ一二三四五六七八九"
_H = r"[^\S\r\n]"                   # one horizontal space of any kind (U+2002, U+3000 …)
_SN = r"\s{0,4}"                    # spaces, possibly one PDF line break

_MONTHS: dict[str, int] = {}
for _names in (
    "january february march april may june july august september october november december",
    "jan feb mar apr may jun jul aug sep oct nov dec",
    "janvier février mars avril mai juin juillet août septembre octobre novembre décembre",
    "januar februar märz april mai juni juli august september oktober november dezember",
    "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre",
    "gennaio febbraio marzo aprile maggio giugno luglio agosto settembre ottobre novembre dicembre",
    "janeiro fevereiro março abril maio junho julho agosto setembro outubro novembro dezembro",
    "januari februari maart april mei juni juli augustus september oktober november december",
):
    for _i, _n in enumerate(_names.split()):
        _MONTHS.setdefault(_n, _i + 1)
_MONTHS.update({"sept": 9, "setiembre": 9, "jänner": 1})
# A bad conversion drops letters as it drops Han characters ("Agust 1, 2009"): a month name of six
# letters or more with one letter lost is still read, when no other month name loses a letter into it.
_LOST: dict[str, set[int]] = {}
for _n, _i in list(_MONTHS.items()):
    if len(_n) >= 6:
        for _k in range(len(_n)):
            _LOST.setdefault(_n[:_k] + _n[_k + 1 :], set()).add(_i)
for _n, _is in _LOST.items():
    if len(_is) == 1 and _n not in _MONTHS:
        _MONTHS[_n] = _is.pop()
_MONTH_RE = "|".join(sorted(_MONTHS, key=len, reverse=True))
_ORD = r"(?:st|nd|rd|th|er|º|°|\.)?"

_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("zh", re.compile(
        rf"(?<![\d{_ZH_NUM}])(?P<y>[\d{_ZH_NUM}](?: ?[\d{_ZH_NUM}]){{3}}){_SN}[年년]{_SN}"
        rf"(?P<m>\d{{1,2}}|[〇零一二三四五六七八九十]{{1,2}}){_SN}[月월]{_SN}"
        rf"(?P<d>\d{{1,2}}|[〇零一二三四五六七八九十廿卅]{{1,3}})"
        # the day's 日 lost at the end of a line ("2014 年 8 月 31"), unless the next line goes on with digits
        rf"(?:{_SN}[日号號일]|(?=[^\S\n]*(?:\n(?![^\S\n]*[\d〇零一二三四五六七八九十])|$)))")),
    ("ymd", re.compile(r"(?<![\d.])(?P<y>\d{4})(?P<sep>[-./])(?P<m>\d{1,2})(?P=sep)(?P<d>\d{1,2})(?!\d|\.\d)")),
    ("dmy", re.compile(r"(?<![\d.])(?P<d>\d{1,2})\. ?(?P<m>\d{1,2})\. ?(?P<y>\d{4})(?!\d|\.\d)")),
    ("slash", re.compile(r"(?<![\d/])(?P<a>\d{1,2})/(?P<b>\d{1,2})/(?P<y>\d{4})(?![\d/])")),
    ("dmonth", re.compile(
        rf"(?<![\w])(?P<d>\d{{1,2}}){_ORD}(?:\s+day\s+of)?\s+(?:de\s+)?(?P<mon>{_MONTH_RE})\.?,?\s+(?:de\s+)?(?P<y>\d{{4}})(?!\d)",
        re.IGNORECASE)),
    ("monthd", re.compile(
        rf"(?<![\w])(?P<mon>{_MONTH_RE})\.?\s+(?P<d>\d{{1,2}}){_ORD},?\s+(?P<y>\d{{4}})(?!\d)", re.IGNORECASE)),
]
_NEEDS = {
    "zh": ("年", "년"), "ymd": ("-", ".", "/"), "dmy": (".",), "slash": ("/",),
    "dmonth": re.compile("[A-Za-zſK]"), "monthd": re.compile("[A-Za-zſK]"),
}
"""Per pattern, something every match contains (a month name always has an ASCII letter, or ſ or the Kelvin sign
that match ``s`` and ``k`` when case is ignored): a text without it is not scanned with that pattern, which
changes nothing but the time."""
_ZH_ANCHOR = re.compile("[年년]")
_ZH_LEAD = (4, 11)
"""In a ``zh`` match the 年 stands 4 to 11 characters after the start (a year of 4 digits with up to three
single spaces, then up to four spaces); the whole match is at most :data:`_ZH_LONGEST` characters."""
_ZH_LONGEST = 35


def _needed(kind: str, text: str) -> bool:
    need = _NEEDS[kind]
    return any(s in text for s in need) if isinstance(need, tuple) else bool(need.search(text))


def _zh_matches(pat: re.Pattern[str], text: str):
    """``pat.finditer(text)`` for the ``zh`` pattern, searched only in the windows around each 年.

    Every match has its 年 ``_ZH_LEAD`` characters after its start and is at
    most ``_ZH_LONGEST`` long, so searching from each 年 back to the earliest
    start it allows, in a window the longest match fits in, finds the same
    matches in the same order (tested against a full scan).
    """
    lead_min, lead_max = _ZH_LEAD
    pos = 0
    for a in _ZH_ANCHOR.finditer(text):
        q = a.start()
        if q - lead_min < pos:
            continue
        m = pat.search(text, max(pos, q - lead_max), min(len(text), q - lead_min + _ZH_LONGEST))
        if m is None or m.start() > q - lead_min:
            continue
        yield m
        pos = m.end()


def _matches(kind: str, pat: re.Pattern[str], text: str):
    """``pat.finditer(text)``, or nothing when the text lacks what every match needs."""
    if not _needed(kind, text):
        return iter(())
    if kind == "zh":
        return _zh_matches(pat, text)
    if kind == "monthd":
        return _word_start_matches(pat, text)
    return pat.finditer(text)


_WORD = re.compile(r"\w+")
_MONTH_MAX = max(map(len, _MONTHS))
_FOLD = str.maketrans({"İ": "i", "ı": "i", "ſ": "s"})
"""The characters :data:`re.IGNORECASE` equates with a letter of a month name whose ``lower()`` is not that letter
(found by trying every code point against each letter)."""


def _word_start_matches(pat: re.Pattern[str], text: str):
    """``pat.finditer(text)`` for the ``monthd`` pattern, tried only where a word is a month name.

    A ``monthd`` match starts with a month name that no word character
    precedes and that a dot or a space follows, so the name is a whole word
    (``\\w+``): trying the pattern at the start of each word that is a month
    name, compared as :data:`re.IGNORECASE` compares (``lower()`` and
    :data:`_FOLD`), finds the same matches in the same order (tested against a
    full scan) without trying the long alternation of names at every
    position (45 ms on a 35 KB licence text).
    """
    end = 0
    for w in _WORD.finditer(text):
        s = w.start()
        if s < end or w.end() - s > _MONTH_MAX or w.group().translate(_FOLD).lower() not in _MONTHS:
            continue
        m = pat.match(text, s)
        if m is not None:
            yield m
            end = m.end()


_GLUED_LINE = re.compile(rf"(?m)^{_H}*(?P<g>(?:19|20)\d(?:\d|{_H}){{2,8}}?){_H}*(?:印发|发布|制发)?{_H}*$")


@dataclass(frozen=True)
class DateMatch:
    """A date seen in the text.

    Attributes:
        raw: The characters as written (``"2023 年 2 月 22 日"``).
        span: Offsets of ``raw`` in the text.
        iso: ``YYYY-MM-DD``, or ``None`` when the date was rejected.
        note: Why it was rejected (``"ambiguous date '2021124'"``), else ``None``.
    """

    raw: str
    span: Span
    iso: str | None
    note: str | None = None


def _zh_int(s: str) -> int:
    """``"二十二"`` → 22, ``"〇二"`` → 2, ``"22"`` → 22."""
    s = s.replace(" ", "")
    if s.isdigit():
        return int(s)
    if s in ("廿", "卅"):
        return 20 if s == "廿" else 30
    s = s.replace("廿", "二十").replace("卅", "三十")
    try:
        if "十" in s:
            left, _, right = s.partition("十")
            return (_ZH_DIGIT[left] if left else 1) * 10 + (_ZH_DIGIT[right] if right else 0)
        n = 0
        for c in s:
            n = n * 10 + (int(c) if c.isdigit() else _ZH_DIGIT[c])
        return n
    except KeyError:
        raise ValueError(f"not a Chinese numeral: {s!r}") from None


def _iso(y: int, m: int, d: int) -> str | None:
    try:
        return _dt.date(y, m, d).isoformat()
    except ValueError:
        return None


def _plausible(y: int) -> bool:
    return 1949 <= y <= _dt.date.today().year + 1


def _check(raw: str, span: Span, y: int, m: int, d: int) -> DateMatch:
    iso = _iso(y, m, d)
    if iso is None:
        return DateMatch(raw, span, None, f"invalid date '{raw}'")
    if not _plausible(y):
        return DateMatch(raw, span, None, f"implausible year in '{raw}'")
    return DateMatch(raw, span, iso)


def _glued_readings(digits: str) -> set[str]:
    """Every valid ``YYYY-MM-DD`` that ``digits`` (year + month + day, glued) can be split into."""
    y, rest = int(digits[:4]), digits[4:]
    out = set()
    for i in (1, 2):
        m, d = rest[:i], rest[i:]
        if m and 1 <= len(d) <= 2 and (iso := _iso(y, int(m), int(d))):
            out.add(iso)
    if len(rest) == 2 and 1 <= int(rest) <= 12:
        out.add(f"{y}-{rest}")  # "202112" may just as well be a year and a month
    return out


def _glued(m: re.Match[str]) -> DateMatch | None:
    raw, span = m.group("g").strip(), (m.start("g"), m.start("g") + len(m.group("g").rstrip()))
    parts = raw.split()
    if len(parts) == 3 and len(parts[0]) == 4:
        readings = {r for r in [_iso(*map(int, parts))] if r}
    elif len(parts) == 1 and 5 <= len(raw) <= 8:
        readings = _glued_readings(raw)
    elif len(parts) == 2 and len(parts[0]) == 4 and 2 <= len(parts[1]) <= 4:
        readings = _glued_readings("".join(parts))
    else:
        return None
    if not readings:
        return None
    if len(readings) > 1:
        return DateMatch(raw, span, None, f"ambiguous date '{raw}'")
    iso = readings.pop()
    if not _plausible(int(iso[:4])):
        return DateMatch(raw, span, None, f"implausible year in '{raw}'")
    return DateMatch(raw, span, iso)


def scan_dates(text: str) -> list[DateMatch]:
    """Every date seen in ``text``, valid or rejected, in text order, without overlaps.

    Example:
        >>> [(d.iso, d.note) for d in scan_dates("二〇二三年二月二十二日\\n2021124\\n")]
        [('2023-02-22', None), (None, "ambiguous date '2021124'")]
    """
    found: list[DateMatch] = []
    for kind, pat in _PATTERNS:
        for m in _matches(kind, pat, text):
            raw, span = m.group(0), m.span()
            if kind == "slash":
                a, b, y = int(m["a"]), int(m["b"]), int(m["y"])
                readings = {r for r in (_iso(y, b, a), _iso(y, a, b)) if r}
                if len(readings) != 1:
                    note = "ambiguous" if readings else "invalid"
                    found.append(DateMatch(raw, span, None, f"{note} date '{raw}'"))
                    continue
                y, mo, d = (int(p) for p in readings.pop().split("-"))
            elif kind in ("dmonth", "monthd"):
                y, mo, d = int(m["y"]), _MONTHS[m["mon"].translate(_FOLD).lower()], int(m["d"])
            else:
                try:
                    y, mo, d = _zh_int(m["y"]), _zh_int(m["m"]), _zh_int(m["d"])
                except ValueError:  # "四零十日": characters of numerals, not a numeral
                    found.append(DateMatch(raw, span, None, f"invalid date '{raw}'"))
                    continue
            found.append(_check(raw, span, y, mo, d))
    found += [g for m in _GLUED_LINE.finditer(text) if (g := _glued(m))]
    found.sort(key=lambda d: (d.span[0], -d.span[1]))
    out: list[DateMatch] = []
    for d in found:
        if not out or d.span[0] >= out[-1].span[1]:
            out.append(d)
    return out


def find_dates(text: str) -> list[tuple[str, Span]]:
    """All valid dates in ``text`` as ``(ISO date, span)``, in text order.

    Example:
        >>> find_dates("昂素镇人民政府\\n2023 年 2 月 22 日")
        [('2023-02-22', (8, 23))]
    """
    return [(d.iso, d.span) for d in scan_dates(text) if d.iso]

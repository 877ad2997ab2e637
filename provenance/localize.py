"""How a copy was localised: the names, places, dates and numbers swapped between two passages.

Two aligned passages are compared unit by unit (a character of Chinese and other
scripts written without spaces, a word or number otherwise: ``0838-1234567`` is one
unit), ignoring whitespace, punctuation and width/case differences.  Each replaced, inserted or deleted block
is widened to whole names (``安化`` → ``安化县``; ``赵健`` from a changed ``健``),
whole numbers and whole dates, then classified:

``date`` · ``phone`` (7+ digits) · ``number`` (digits or Chinese numerals) ·
``place`` / ``org`` (by suffix or :mod:`provenance.entities`) · ``person``
(2–3 Han characters starting with a common surname, or a Latin name after a
title) · ``name`` (other capitalised Latin words) · ``other``.

A passage pair whose substitutions are all of the first kinds is a localised copy
(:func:`is_localised`).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Iterable, Literal

from rapidfuzz.distance import Levenshtein

from .dates import find_dates
from .entities import ORG_ZH, PLACE_ZH, common_word, entities, foreign_entities, named_entities
from .kinds import HAN, combine, name_context, side_kind, surname_start

__all__ = ["Substitution", "substitutions", "is_localised", "named_entities", "foreign_entities"]

Kind = Literal["place", "org", "person", "date", "number", "phone", "name", "other"]
LOCAL_KINDS = frozenset({"place", "org", "person", "date", "number", "phone", "name"})
Span = tuple[int, int]

_PHONE = re.compile(r"\+?\(?\d[\d()\-. ]{5,}\d")
_ZH_NUM = set("〇零一二三四五六七八九十百千万亿两")
_SUFFIXES = sorted(PLACE_ZH + ORG_ZH, key=len, reverse=True)
_CHARS = "\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3005-\u3007\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_W = rf"(?:(?![{_CHARS}])\w)"
_UNIT = re.compile(rf"[{_CHARS}×○◯＊]|{_W}+(?:['’./:-]{_W}+)*")  # × ○: blanks of templates (×××, ○○镇)


@dataclass(frozen=True)
class Substitution:
    """One place where two aligned passages differ.

    Attributes:
        a: The text on side ``a`` as written (empty for an insertion).
        b: The text on side ``b`` as written (empty for a deletion).
        kind: What was swapped.
        a_span: Offsets of ``a`` in document ``a`` (``a_offset`` added).
        b_span: Offsets of ``b`` in document ``b``.
    """

    a: str
    b: str
    kind: Kind
    a_span: Span
    b_span: Span


def _units(text: str) -> tuple[list[str], list[Span]]:
    """Comparable units (NFKC, case-folded) and their spans: one per character of a script
    written without spaces, one per word otherwise; whitespace and punctuation are skipped."""
    toks = list(_UNIT.finditer(text))
    return [unicodedata.normalize("NFKC", t.group()).casefold() for t in toks], [t.span() for t in toks]


def _blocks(ua: list[str], ub: list[str], a_text: str, sa: list[Span]) -> list[list[int]]:
    """Non-equal opcode blocks ``[i1, i2, j1, j2]`` in units; blocks one unit apart are merged
    when that unit is a character (``张三丰``/``李三光``) or a capitalised word (``Lincoln County Board``)."""
    out: list[list[int]] = []
    for op in Levenshtein.opcodes(ua, ub):
        if op.tag == "equal":
            continue
        blk = [op.src_start, op.src_end, op.dest_start, op.dest_end]
        if out:
            gap = blk[0] - out[-1][1]
            unit = a_text[sa[out[-1][1]][0] : sa[out[-1][1]][1]] if gap == 1 else ""
            if (gap == 0 or (gap == 1 and (len(unit) == 1 or unit[:1].isupper()))) and blk[2] - out[-1][3] == gap:
                out[-1][1], out[-1][3] = blk[1], blk[3]
                continue
        out.append(blk)
    return out


def _char_span(spans: list[Span], i1: int, i2: int, n: int) -> list[int]:
    if i1 < i2:
        return [spans[i1][0], spans[i2 - 1][1]]
    p = spans[i1][0] if i1 < len(spans) else (spans[-1][1] if spans else n)
    return [p, p]


def _is_num_char(c: str, han: bool) -> bool:
    return c.isdigit() or (han and c in _ZH_NUM)


def _widen_number(text: str, s: list[int]) -> None:
    """Extend ``s`` over the rest of a number it cuts (digits, Chinese numerals, 1,000.5, 0838-1234567)."""
    if s[0] == s[1]:
        return
    inner = text[s[0] : s[1]]
    han = all(c in _ZH_NUM for c in inner if not c.isspace())
    if not any(_is_num_char(c, han) for c in inner):
        return
    for m in _PHONE.finditer(text):
        if m.start() < s[1] and s[0] < m.end() and len(re.sub(r"\D", "", m.group())) >= 7:
            s[0], s[1] = min(s[0], m.start()), max(s[1], m.end())
    glue = lambda i: text[i] in ".,-/ " and 0 < i < len(text) - 1 and text[i - 1].isdigit() and text[i + 1].isdigit()  # noqa: E731
    while s[0] > 0 and (_is_num_char(text[s[0] - 1], han) or glue(s[0] - 1)):
        s[0] -= 1
    while s[1] < len(text) and (_is_num_char(text[s[1]], han) or glue(s[1])):
        s[1] += 1


def _widen_to(s: list[int], spans: Iterable[Span]) -> bool:
    """Extend ``s`` to cover every span overlapping it (or touching an empty ``s``); True if any."""
    hit = [sp for sp in spans if sp[0] < s[1] and s[0] < sp[1] or (s[0] == s[1] and sp[0] < s[0] < sp[1])]
    if hit:
        s[0], s[1] = min([s[0]] + [h[0] for h in hit]), max([s[1]] + [h[1] for h in hit])
    return bool(hit)


def _widen_names(at: str, bt: str, sa: list[int], sb: list[int]) -> None:
    """Take in a place/org suffix that follows both sides (``安化|县``), and a surname before a changed given name."""
    for suf in _SUFFIXES:
        if at.startswith(suf, sa[1]) and bt.startswith(suf, sb[1]) and (sa[1] > sa[0] or sb[1] > sb[0]):
            sa[1] += len(suf)
            sb[1] += len(suf)
            break
    for s, t in ((sa, at), (sb, bt)):
        k = s[1] - s[0]
        if 1 <= k <= 2 and s[0] > 0 and HAN.match(t[s[0] - 1]):
            if surname_start(t[s[0] - 1 : s[1]]) and name_context(t[: s[0] - 1], t[s[1] :]):
                s[0] -= 1
        lo, hi = s
        while lo > 0 and HAN.match(t[lo - 1]) and s[1] - lo < 4:
            lo -= 1
        while hi < len(t) and HAN.match(t[hi]) and hi - s[0] < 4:
            hi += 1
        run = t[lo:hi]
        if 0 < k < len(run) <= 3 and (lo == 0 or not HAN.match(t[lo - 1])) and (hi == len(t) or not HAN.match(t[hi])):
            if surname_start(run) and not common_word(run) and not set(run) & _ZH_NUM:
                s[0], s[1] = lo, hi  # a whole name between separators: 副组长: 蒋克兵(副镇长)


def substitutions(a_text: str, b_text: str, a_offset: int = 0, b_offset: int = 0) -> tuple[Substitution, ...]:
    """The places where two aligned passages differ, each widened to a whole token and classified.

    Args:
        a_text: The passage in document ``a`` (original text).
        b_text: The aligned passage in document ``b``.
        a_offset: Where ``a_text`` starts in document ``a``.
        b_offset: Where ``b_text`` starts in document ``b``.

    Returns:
        The substitutions in passage order; spans are offsets into the documents.

    Example:
        >>> substitutions("由安化县平安办牵头", "由平乐县平安办牵头")
        (Substitution(a='安化县', b='平乐县', kind='place', a_span=(1, 4), b_span=(1, 4)),)
    """
    ua, sa_units = _units(a_text)
    ub, sb_units = _units(b_text)
    dates_a = [sp for _, sp in find_dates(a_text)]
    dates_b = [sp for _, sp in find_dates(b_text)]
    ents_a, ents_b = entities(a_text), entities(b_text)
    found: list[tuple[list[int], list[int]]] = []
    for i1, i2, j1, j2 in _blocks(ua, ub, a_text, sa_units):
        sa = _char_span(sa_units, i1, i2, len(a_text))
        sb = _char_span(sb_units, j1, j2, len(b_text))
        if not (_widen_to(sa, dates_a) | _widen_to(sb, dates_b)):
            _widen_number(a_text, sa)
            _widen_number(b_text, sb)
            _widen_names(a_text, b_text, sa, sb)
            for sp, ents in ((sa, ents_a), (sb, ents_b)):
                hit = [e for e in ents if e.span[0] < sp[1] and sp[0] < e.span[1]]
                _widen_to(sp, [e.span for e in ([e for e in hit if e.kind == "place"] or hit)])
        if found and (sa[0] < found[-1][0][1] or sb[0] < found[-1][1][1]):
            pa, pb = found.pop()  # widened into the previous one: merge
            sa, sb = [min(pa[0], sa[0]), max(pa[1], sa[1])], [min(pb[0], sb[0]), max(pb[1], sb[1])]
        found.append((sa, sb))
    out = []
    for sa, sb in found:
        a, b = a_text[sa[0] : sa[1]], b_text[sb[0] : sb[1]]
        ka, kb = (
            side_kind(t[sp[0] : sp[1]], t[max(0, sp[0] - 12) : sp[0]], t[sp[1] : sp[1] + 4],
                       next((e.kind for e in ents if e.span == tuple(sp)), None))
            for t, sp, ents in ((a_text, sa, ents_a), (b_text, sb, ents_b))
        )
        out.append(Substitution(a, b, combine(ka, kb, a, b), (a_offset + sa[0], a_offset + sa[1]),
                                (b_offset + sb[0], b_offset + sb[1])))
    return tuple(out)


def is_localised(subs: Iterable[Substitution], tolerance: int = 0) -> bool:
    """Whether passages differ only in names, places, dates, numbers and phone numbers.

    Args:
        subs: The substitutions of one passage pair (or of all passages of a pair).
        tolerance: How many characters of ``"other"`` differences to forgive
            (dropped characters of a bad conversion); strict by default.

    Returns:
        ``True`` when there is at least one substitution and every one (beyond
        ``tolerance``) is local; identical passages are a copy, not a localisation.

    Example:
        >>> is_localised(substitutions("安化县平安办于2021年6月24日", "平乐县平安办于2023年2月22日"))
        True
    """
    subs = list(subs)
    other = sum(max(len(s.a), len(s.b)) for s in subs if s.kind not in LOCAL_KINDS)
    return any(s.kind in LOCAL_KINDS for s in subs) and other <= tolerance

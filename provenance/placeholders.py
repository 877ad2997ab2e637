"""Fill-in markers: the blanks that make a document a template (``XX镇``, ``×××``, ``[NAME]``).

A document with placeholders is upstream of the copies that fill them in.  The
markers recognised:

* ``XX镇`` ``xx县`` ``XX派出所`` ``XXX同志``: runs of X/x next to a Han character;
  ``X月X日`` (one X before 年/月/日/号 or a place suffix);
* ``XXX`` / ``XXXX`` standing alone in Latin text, but never Roman numerals
  after a numbering word (``Chapter XXX``), nor X inside words (``XXL``, ``XII``);
* ``×××`` ``××镇`` ``○○`` ``〇〇``, but not ``××`` between numbers (multiplication)
  nor ``〇〇`` inside a Chinese numeral (``二〇〇〇年``);
* ``某某``, and ``某`` before a place suffix (``某镇``, ``某县``; not ``某些``);
* blank runs ``＿＿`` / ``___`` (three or more ASCII underscores);
* empty brackets ``【】`` ``【 】``; ``[NAME]`` ``[Insert date]`` ``{name}`` ``{{name}}`` ``<<name>>``;
  a Title-case phrase in square brackets (``[Town]``, ``[Name of Employer]``), but not an editorial
  note (``[Reserved]``, ``[Repealed]``, ``[sic]``), a reference (``[Section 5]``) or a Markdown link;
* year blanks ``20-年`` ``20XX年`` ``20__年`` ``20××年``;
* an empty form field: a short post/field label and a colon with nothing after it
  (``组 长：``), when the next non-blank line is another field or a heading,
  i.e. no list of names follows.
"""

from __future__ import annotations

import re

from .model import Placeholder

_HAN = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_PLACE = "省市县区镇乡村旗州街社队组"
_PART_WORDS = ("chapter|article|art|section|sec|part|title|book|vol|volume|annex|schedule|appendix|"
               "canto|psalm|no|number|division|rule|amendment|item|phase|stage|tome|livre|titre|capítulo|"
               "artículo|kapitel|teil|abschnitt|paragraph|clause|subsection|regulation|figure|table|page")
"""Words that number the parts of a text (``Chapter XXX``, ``[Section 5]``)."""
_ROMAN_CONTEXT = re.compile(rf"(?:{_PART_WORDS})\.?\s*$", re.IGNORECASE)

_SIMPLE = re.compile("|".join([
    rf"(?P<xhan>(?<=[{_HAN}])[XxＸｘ]{{2,}}(?![A-Za-z])|(?<![A-Za-z])[XxＸｘ]{{2,}}(?=[{_HAN}]))(?:派出所|[{_PLACE}])?",
    rf"(?P<xone>(?<![A-Za-z0-9])[XxＸｘ](?=[年月日号{_PLACE}]))",
    r"(?P<xlatin>(?<![\w])[XＸ]{3,}(?![\w]))",
    r"(?P<times>(?<![\d.])[×＊][×＊]+(?![\d])|(?<![\d.×])×(?=[" + _PLACE + r"年月日号]))",
    r"(?P<circle>(?<![〇零一二三四五六七八九十\d])[○〇◯]{2,}(?![〇零一二三四五六七八九十年\d]))",
    r"(?P<mou>某某|某(?=(?:" + "|".join("省市县区镇乡村旗") + r"|街道|社区|单位|公司)))",
    r"(?P<blank>[＿]{2,}|_{3,})",
    r"(?P<bracket>【[\s\u3000]*】)",
    r"(?P<field>\[(?:[A-Z][A-Z0-9 _/-]{1,30}|(?i:insert|enter|name|date|your|type)[^\]\n]{0,40})\]"
    r"|\{\{?\s*[A-Za-z_][\w .-]{0,30}\}\}?|<<[^<>\n]{1,30}>>)",
    r"(?P<year>(?<!\d)(?:19|20)(?:[-_＿xX×＊?？]{1,2})[ \u3000]*年)",
    r"(?P<titled>\[[^\W\d_][^\W\d_'’.-]*(?: (?:[^\W\d_][^\W\d_'’.-]*)){0,4}\](?!\}*\s*[(\[:]))",
]))

_EDITORIAL = frozenset("""
reserved repealed omitted deleted revoked expired spent transferred renumbered redesignated superseded vacant
sic emphasis note notes footnote editor ed translation translator applause laughter inaudible illegible
continued blank intentionally citation ibid idem original added see
aufgehoben weggefallen gestrichen abrogé abrogée abrogés supprimé derogado derogada suprimido abrogato
""".split())
"""First words of bracketed Title-case notes that editors, not template authors, write (``[Reserved]``,
``[Repealed]``, ``[Emphasis added]``): never a blank to fill."""
_STRUCTURAL = re.compile(rf"(?:{_PART_WORDS})\.?\s+\S", re.IGNORECASE)
"""A bracketed reference to a part of the text (``[Section 5]``, ``[Schedule]``), not a blank."""


_JOINERS = frozenset("of the and or for a an de du des la le der die das von del di".split())


def _is_titled_blank(marker: str, text: str) -> bool:
    """``[Town]``, ``[Name of Employer]``, ``[City Council]``: a Title-case phrase in square brackets.

    Every word is capitalised but short joiners (``of``, ``the``, ``de``), so a
    bracketed remark (``[Tatu continues]``, ``[Read full license]``) is not a
    blank; neither are editorial notes (:data:`_EDITORIAL`), references to parts
    of the text (``[Section 5]``), bracketed lower-case words (``[sic]``) and
    Markdown links (``[MIT License](…)``, or ``[MIT License]`` with a ``[MIT
    License]: …`` definition anywhere in ``text``).
    """
    inner = marker[1:-1]
    words = inner.split()
    if words[0].strip(".'’-").lower() in _EDITORIAL or _STRUCTURAL.match(inner):
        return False
    if not all(w[:1].isupper() or (k and w in _JOINERS) for k, w in enumerate(words)):
        return False
    if all(len(w) == 1 for w in words):  # [A], [B]: enumerations and reference labels
        return False
    return not re.search(re.escape(marker) + r"\}*\s*[(:\[]", text)


_STARTS = re.compile(r"[XxＸｘ×＊○〇◯某＿_【\[{<]|(?:19|20)[-_＿xX×＊?？]")
"""Where a match of :data:`_SIMPLE` can begin: every alternative starts with one of these.

Scanning from one such position to the next (instead of trying ``_SIMPLE`` at
every character) finds exactly the same matches, several times faster on text
that has few of them.
"""

_FIELD_LABELS = (
    "组长|副组长|组员|成员|队长|副队长|队员|主任|副主任|联系人|负责人|责任人|经办人|审核人|签发人|"
    "单位|地址|电话|联系电话|手机|邮编|姓名|日期|时间|签名|签字|盖章|落款|编号|文号|"
    "name|date|signature|signed|address|phone|telephone|title|position|organization|organisation"
)
_EMPTY_FIELD = re.compile(
    r"(?mi)^[^\S\r\n]*(?P<f>(?:[-•·]\s*)?(?:" + "|".join(
        ["[^\\S\\r\\n]*".join(w) if re.match(rf"[{_HAN}]", w) else w for w in _FIELD_LABELS.split("|")]
    ) + r")[^\S\r\n]*[：:])[^\S\r\n]*$")
_HEADING = re.compile(r"^\s*(?:[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）|\([一二三四五六七八九十\d]+\)"
                      r"|\d+[.、．]|第[一二三四五六七八九十百\d]+[章节条]|#)")


def _next_line(text: str, pos: int) -> str:
    """The next non-blank line after offset ``pos`` (``""`` at the end)."""
    for line in text[pos:].splitlines()[1:]:
        if line.strip():
            return line
    return ""


def _empty_fields(text: str) -> list[Placeholder]:
    out = []
    for m in _EMPTY_FIELD.finditer(text):
        nxt = _next_line(text, m.start())
        if not nxt or _EMPTY_FIELD.match(nxt) or re.match(r"^\s*[^：:\n]{1,8}[：:]", nxt) or _HEADING.match(nxt):
            out.append(Placeholder(m.group("f").strip(), (m.start("f"), m.start("f") + len(m.group("f").rstrip()))))
    return out


def _simple_matches(text: str):
    """``_SIMPLE.finditer(text)``, trying ``_SIMPLE`` only where a match can begin (:data:`_STARTS`)."""
    pos = 0
    while (s := _STARTS.search(text, pos)) is not None:
        m = _SIMPLE.match(text, s.start())  # lookbehinds still see the text before the start
        if m is None:
            pos = s.start() + 1
            continue
        yield m
        pos = m.end()


def find_placeholders(text: str) -> tuple[Placeholder, ...]:
    """Every fill-in marker in ``text``, in text order, with spans into ``text``.

    Args:
        text: A document's original text.

    Returns:
        The markers found; empty for an ordinary (filled-in) document.

    Example:
        >>> [p.text for p in find_placeholders("XX镇信访维稳预案\\n由XX派出所负责\\n组 长：\\n副组长：\\n五、预警")]
        ['XX镇', 'XX派出所', '组 长：', '副组长：']
        >>> find_placeholders("Chapter XXX. The XXL size, 3××4, 二〇〇〇年")
        ()
    """
    found: list[Placeholder] = []
    for m in _simple_matches(text):
        if m.lastgroup == "xlatin" and _ROMAN_CONTEXT.search(text[max(0, m.start() - 20):m.start()]):
            if set(m.group(0)) <= {"X"} and len(m.group(0)) <= 3:
                continue
        if m.lastgroup == "titled" and not _is_titled_blank(m.group(0), text):
            continue
        found.append(Placeholder(m.group(0), m.span()))
    found += _empty_fields(text)
    found.sort(key=lambda p: p.span)
    return tuple(found)

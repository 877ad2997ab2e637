"""What a document says about itself: title, issuing date, issuer, document number, blanks.

Heuristics, all on the original text and line structure:

* **Issuing date** (:func:`issue_date`): the *last* date standing alone on its
  line (``2023 年 2 月 22 日``, ``中共X委员会 2023年2月22日``, ``2021624``,
  ``Dated: 22 February 2023``) among the last lines of the document (the
  signature block); failing that, the *latest* date standing alone or opening a
  line among the first lines (under the title / document number, e.g. the
  adoption and amendment dates of a regulation).  Dates inside sentences are
  never taken for the issuing date.  A rejected date in that position (glued
  digits with two readings, an impossible day) gives no date and a ``date_note``.
* **Document number**: ``昂党政发〔2023〕4 号`` → ``"昂党政发〔2023〕4号"`` (as written,
  whitespace removed), ``No. 12/2023``, ``Resolution 2021-45`` (whitespace
  collapsed), only on a line of the heading block, so numbers of cited documents
  are ignored.
* **Title**: the first substantial heading line, joined with the short lines that
  continue it (a title broken over three lines in a PDF).
* **Issuer**: the bodies before ``关于`` in the title (``中共昂素镇委员会 昂素镇人民政府``),
  else the organisation lines just above the issuing date (signature block),
  else the body named on the date line (``上海市…常务委员会…通过``).
"""

from __future__ import annotations

import re

from .dates import DateMatch, find_dates, scan_dates
from .model import Metadata
from .placeholders import find_placeholders

__all__ = ["extract_metadata", "find_dates", "find_placeholders", "issue_date"]

_PUNCT = r"\s\u3000.,;:!?，。；：！？、·…\-—–_()（）\[\]【】《》<>〈〉\"'“”‘’|#*"
_ORG_ZH = ("人民代表大会常务委员会|常务委员会|人民代表大会|委员会|人民政府|政府|办公室|办公厅|办事处|党工委|"
           "党委|党组|总支|支部|工委|局|厅|部|委|院|所|中心|站|公司|集团|协会|联合会|学校|医院|银行|队|处|科|会")
_ORG_ZH_RE = re.compile(rf"[^{_PUNCT}]{{2,40}}?(?:{_ORG_ZH})")
_ORG_LATIN = re.compile(
    r"\b(?:council|board|commission|committee|ministry|department|government|office|agency|authority|"
    r"assembly|parliament|court|municipality|county|city|township|village|borough|corporation|company|"
    r"inc|ltd|llc|gmbh|conseil|mairie|ministère|préfecture|gemeinde|stadt|landkreis|ayuntamiento|"
    r"ministerio|consejo|comune|câmara|gemeente)\b", re.IGNORECASE)
_LABELS = re.compile(
    r"印发|发布|制发|签发|通过|成文日期|发文日期|日期|落款|时间|\b(?:dated|date|signed|issued|adopted|approved|"
    r"passed|done|at|on|this|le|am|den|fecha|data)\b", re.IGNORECASE)
_SIGNING = re.compile(
    r"印发|发布|制发|签发|通过|批准|\b(?:dated|signed|issued|adopted|approved|passed|done|given|enacted|ordained|"
    r"resolved|made|fait|gegeben|beschlossen|dado|hecho|firmado|approvato|dato)\b", re.IGNORECASE)
"""Words of a signing formula: a line holding one and ending with a date is signed on that date."""
_THIS_DAY = re.compile(r"(?i)\bthis\s*$")
_DAY_OF = re.compile(r"(?i)\d{1,2}(?:st|nd|rd|th|d)?\s+day\s+of\b")
"""The English formula "… this 12th day of February, 2017" signs a text even when its verb is
misspelt ("Aopted") or absent ("Witness my hand this 3rd day of May, 2019")."""
_VERSION = re.compile(
    r"^[^a-z。，；;!?]*?(?i:version|versión|versione|versão|fassung|révision|revision|版本|第)\s*"
    r"[\dA-Za-z.]{1,8}\s*(?:版)?\s*[,，:：]?\s*(?i:du|of|vom|de|del|dated|from|des)?\s*$")
"""A version line that ends with its date ("Version 2.1 du 2013-06-21", "GNU GENERAL PUBLIC LICENSE Version 3,
29 June 2007") dates the text, as licences and standards are dated; "version" must open the line or follow a
title in capitals ("… replaces version 2 of 1 March 2024." is a sentence)."""
_AMENDED = re.compile(r"修正|修订|修改|(?i:\bamended\b|\brevised\b|\bgeändert\b|\bmodifié)")
"""An amendment recorded in a heading: its date is the date of the text as it now reads."""
_TITLE_END = re.compile(
    r"(?:通知|预案|方案|办法|条例|规定|意见|决定|决议|通告|公告|通报|报告|请示|批复|函|纪要|规划|计划|细则|规则|"
    r"制度|章程|守则|标准|指南|总结|要点|措施|答复|公约|须知)[》」』)）]?$")
_DOCNUM_ZH = re.compile(
    r"[A-Za-z\u4e00-\u9fff]{1,12}[^\S\n]*[〔\[［（(【][^\S\n]*(?:19|20)\d{2}[^\S\n]*[〕\]］）)】]"
    r"[^\S\n]*第?[^\S\n]*\d{1,5}[^\S\n]*号")
_DOCNUM_LATIN = re.compile(
    r"(?i)\b(?:(?:resolution|ordinance|decree|order|circular|directive|regulation|by-?law|decision|"
    r"décret|arrêté|verordnung|decreto|resolución)\s+(?:(?:no|nr|n°|núm|number)\.?\s*)?|(?:no|nr|n°|núm)\.?\s*(?=\d))"
    r"\d{1,5}(?:[/-]\d{1,4})?\b")
_DOCNUM_ZH_NEEDS = re.compile(r"[〔\[［（(【][^\S\n]*(?:19|20)\d{2}")
_DOCNUM_LATIN_NEEDS = (re.compile(r"[A-Za-z]"), re.compile(r"\d"))


def _docnum(line: str) -> re.Match | None:
    """``_DOCNUM_ZH`` or else ``_DOCNUM_LATIN`` searched in ``line``, skipping a pattern when the line
    lacks what every match of it contains (a bracketed year; a letter and a digit): same result, faster."""
    if _DOCNUM_ZH_NEEDS.search(line) and (m := _DOCNUM_ZH.search(line)):
        return m
    if all(p.search(line) for p in _DOCNUM_LATIN_NEEDS):
        return _DOCNUM_LATIN.search(line)
    return None


_NOISE = re.compile(r"^(?:<!--|##paid|本文来源|本文档|编辑密码|https?://|www\.|-{3,}|\*{3,}|第\s*\d+\s*页|- ?\d+ ?-$)")
_EFFECTIVE_BEFORE = re.compile(r"(?i:effective|entry into force|in kraft|entre en vigueur|entrará en vigor)\W*(?:\w+\W+){0,2}$")
"""Words before a date that make it the date the text takes effect (Han text says so after the date: 起施行)."""
_CONNECTIVE = re.compile(r"(?i)\b(?:of|and|for|the|to|on|in|a|an|de|du|des|la|le|der|die|das|und|über|y|e|del|di)$")


def _lines(text: str) -> list[tuple[int, int, str]]:
    """Non-blank lines as ``(start, end, stripped text)``."""
    return [(m.start(), m.end(), m.group().strip()) for m in re.finditer(r"[^\n]+", text) if m.group().strip()]


def _is_cjk(s: str) -> bool:
    return len(re.findall(r"[\u4e00-\u9fff]", s)) * 2 >= len(re.findall(r"\w", s))


def _org_like(s: str) -> bool:
    """A line that names bodies only: ``中共昂素镇委员会 昂素镇人民政府``, ``Springfield City Council``."""
    if re.search(r"[.;!?。；！？]\s*$", s.strip()) and not re.search(r"\b(?:inc|ltd|co)\.$", s.strip(), re.I):
        return False
    s = s.strip(_PUNCT.replace("\\", ""))
    if not s or len(s) > 60:
        return False
    if _is_cjk(s):
        return all(_ORG_ZH_RE.fullmatch(chunk) for chunk in s.split())
    words = [w for w in s.split() if not _CONNECTIVE.fullmatch(w.lower())]
    capital = sum(w[:1].isupper() for w in words)
    return bool(_ORG_LATIN.search(s)) and len(words) <= 10 and capital >= 0.75 * len(words)


def _split_orgs(s: str) -> str | None:
    """``"中共西岗镇委员会西岗镇人民政府"`` → ``"中共西岗镇委员会 西岗镇人民政府"``; ``None`` if not all bodies."""
    if not _is_cjk(s):
        return " ".join(s.split()) if _org_like(s) else None
    parts = []
    for chunk in s.split():
        found = _ORG_ZH_RE.findall(chunk)
        if "".join(found) != chunk:
            return None
        parts += found
    return " ".join(parts) or None


def _takes_effect(text: str, d: DateMatch) -> bool:
    """The date is when the text takes effect (``自2020年1月1日起施行``, ``effective 1 March 2021``), not its own date.

    Only the words next to the date count, so one heading line that records an
    adoption, a publication "施行" and a later amendment keeps its other dates.
    """
    after = text[d.span[1] : d.span[1] + 8]
    before = text[max(0, d.span[0] - 24) : d.span[0]]
    return bool(re.match(r"\s*(?:起|开始)?\s*(?:施行|生效|实施)", after) or _EFFECTIVE_BEFORE.search(before.split("\n")[-1]))


def _date_role(d: DateMatch, line: str) -> str | None:
    """Where the date stands in its line.

    ``"alone"``: the line is the date, perhaps with a label or the body signing
    (``昂素镇人民政府 2023 年 2 月 22 日``, ``Dated: December 13, 2016``); also a
    signing formula that ends with the date (``Adopted by the Town Council of
    Springfield this 3rd day of March, 2021.``, ``经县政府常务会议通过，2021年6月24日``).
    ``"leading"``: the line starts with the date.  ``None``: a date inside a sentence.
    """
    raw = d.raw.strip()
    at = line.find(raw)
    rest = line.replace(raw, " ", 1)
    bare = re.sub(rf"[{_PUNCT}]", "", _LABELS.sub("", rest))
    if not bare or _org_like(_LABELS.sub("", rest)) or (not _is_cjk(rest) and len(rest.split()) <= 2):
        return "alone"
    before, after = line[:at], line[at + len(raw):]
    if at >= 0 and not re.sub(rf"[{_PUNCT}\s]", "", after) and len(before) <= 240 and (
            _SIGNING.search(before) or (_THIS_DAY.search(before) and _DAY_OF.match(raw)) or _VERSION.search(before)):
        return "alone"
    if re.match(r"^[\s（(\[【]*$", before):
        return "leading"
    return None


def issue_date(text: str) -> tuple[DateMatch | None, tuple[int, int, str] | None, str | None]:
    """The issuing date (see the module docstring), its line, and a note when it was rejected.

    Example:
        >>> d, line, note = issue_date("通知\\n正文。\\n昂素镇人民政府\\n2023 年 2 月 22 日\\n")
        >>> d.iso, line[2], note
        ('2023-02-22', '2023 年 2 月 22 日', None)
    """
    lines = _lines(text)
    if not lines:
        return None, None, None
    zone = max(6, min(12, len(lines) // 4))
    starts = [ln[0] for ln in lines]

    def line_of(d: DateMatch) -> int:
        return max(i for i, s in enumerate(starts) if s <= d.span[0])

    cands = [(d, line_of(d)) for d in scan_dates(text)]
    cands = [(d, i) for d, i in cands if not _takes_effect(text, d)]

    def signed(d: DateMatch, i: int) -> bool:
        """The date is alone on its line, or ends a signing formula that a PDF wrap may have cut in two."""
        if _date_role(d, lines[i][2]) == "alone":
            return True
        last = max(j for j, s in enumerate(starts) if s < d.span[1])
        first = i - 1 if i > 0 and not re.search(r"[.;!?。；！？]\s*$", lines[i - 1][2]) else i
        if first == i and last == i:
            return False
        joined = " ".join(ln[2] for ln in lines[first : last + 1])
        flat = DateMatch(" ".join(d.raw.split()), d.span, d.iso, d.note)
        return _date_role(flat, joined) == "alone"

    tail = [(d, i) for d, i in cands if i >= len(lines) - zone and signed(d, i)]
    if tail:
        signed = [c for c in tail if "印发" not in lines[c[1]][2]] or tail
        d, i = signed[-1]
        return (d, lines[i], None) if d.iso else (None, lines[i], d.note)
    # a heading line recording an amendment dates the text as it now reads, wherever in the line it stands
    head = [(d, i) for d, i in cands if i < zone and (_date_role(d, lines[i][2]) or _AMENDED.search(lines[i][2]))]
    valid = [(d, i) for d, i in head if d.iso]
    if valid:
        d, i = max(valid, key=lambda c: (c[0].iso, c[1]))
        return d, lines[i], None
    if head:
        return None, lines[head[0][1]], head[0][0].note
    body = [d for d, _ in cands if d.iso]
    note = f"{len(body)} date(s) in the body text, none in a heading or signature position" if body else None
    return None, None, note


def _doc_number(lines: list[tuple[int, int, str]]) -> str | None:
    for _, _, line in lines[:10]:
        m = _docnum(line)
        if m is not None and m.re is _DOCNUM_ZH:
            return re.sub(r"\s+", "", m.group())
        if m is not None and len(line) <= len(m.group()) + 60:
            return " ".join(m.group().split())
    return None


def _skip_for_title(line: str) -> bool:
    """Lines above a title: document numbers, mastheads (``…文件``), dates, page furniture."""
    dn = _docnum(line)
    return bool(_NOISE.match(line) or (dn and len(line) - len(dn.group()) <= 6) or re.fullmatch(r".{2,30}文件", line)
                or len(re.findall(r"\w", line)) < 2 or any(_date_role(DateMatch(line[a:b], (a, b), iso), line) == "alone"
                                                          for iso, (a, b) in find_dates(line)))


def _heading_like(line: str) -> bool:
    return not re.search(r"[。；;！？!?]$", line) and len(line) <= (80 if _is_cjk(line) else 200)


def _title(lines: list[tuple[int, int, str]]) -> tuple[str | None, list[str]]:
    """The title and the lines it was joined from."""
    i = 0
    while i < len(lines) and _skip_for_title(lines[i][2]):
        i += 1
    if i == len(lines):
        return None, []
    if not _heading_like(lines[i][2]):
        return None, []
    parts = [lines[i][2].lstrip("#").strip()]
    cjk = _is_cjk(parts[0])
    for _, _, nxt in lines[i + 1 : i + 4]:
        cur = parts[-1]
        if _TITLE_END.search(cur) or re.search(r"[，。；,;.!?！？:：]", nxt) or _skip_for_title(nxt):
            break
        if cjk and (len(nxt) > 30 or len("".join(parts)) > 60):
            break
        if not cjk and not (_CONNECTIVE.search(cur) or (cur.isupper() and nxt.isupper())):
            break
        parts.append(nxt)
    return ("" if cjk else " ").join(parts), parts


def _issuer(title_parts: list[str], lines, date_line, date: DateMatch | None) -> str | None:
    spaced = " ".join(title_parts)
    if (k := spaced.find("关于")) > 0 and (orgs := _split_orgs(spaced[:k])):
        return orgs
    if date_line is None:
        return None
    idx = lines.index(date_line)
    rest = _LABELS.sub("", date_line[2].replace(date.raw.strip(), " ") if date else date_line[2]).strip()
    if rest and (orgs := _split_orgs(rest)):
        return orgs
    block = []
    for _, _, line in reversed(lines[max(0, idx - 3) : idx]):
        if not (orgs := _split_orgs(line)):
            break
        block.insert(0, orgs)
    if block:
        return " ".join(block)
    # a regulation's date line: "2016年11月2日 青岛市…常务委员会第三十八次会议通过"; a line that
    # only approves ("…批准") names the higher body, so the adopting line above is preferred
    for k in ([i for i in range(idx - 1, max(-1, idx - 4), -1)] + [idx] if "批准" in date_line[2] else [idx]):
        line = lines[k][2]
        m = re.match(rf"^.*?日?\s*(?:经|由|by\s+)?([^{_PUNCT}]{{2,40}}(?:常务委员会|人民代表大会|人民政府|委员会))",
                     _LABELS.sub("", line.replace(date.raw.strip(), " ") if date and k == idx else line))
        if m and ("通过" in line or k == idx):
            return m.group(1)
    return None


def extract_metadata(text: str) -> Metadata:
    """Read title, issuing date, issuer, document number and placeholders from a document.

    Args:
        text: The document's original text.

    Returns:
        A :class:`~provenance.model.Metadata`; fields not found are ``None``.
        ``doc_number`` is returned as written with whitespace removed for Chinese
        numbers (``昂党政发〔2023〕4 号`` → ``昂党政发〔2023〕4号``) and collapsed for Latin ones.

    Example:
        >>> m = extract_metadata("昂党政发〔2023〕4 号\\n\\n昂素镇人民政府关于\\n做好信访工作的通知\\n"
        ...                      "各嘎查：\\n正文。\\n昂素镇人民政府\\n2023 年 2 月 22 日\\n")
        >>> m.title, m.date, m.issuer, m.doc_number
        ('昂素镇人民政府关于做好信访工作的通知', '2023-02-22', '昂素镇人民政府', '昂党政发〔2023〕4号')
    """
    lines = _lines(text)
    date, date_line, note = issue_date(text)
    title, parts = _title(lines)
    return Metadata(
        title=title,
        date=date.iso if date else None,
        issuer=_issuer(parts, lines, date_line, date),
        doc_number=_doc_number(lines),
        placeholders=find_placeholders(text),
        date_note=note,
    )

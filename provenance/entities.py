"""Names of places and bodies in a text, and names a copy "leaked" from its source.

Chinese names are found by their suffix (``金元镇``, ``大英县``, ``昂素镇人民政府``,
``中共大英县金元镇委员会``).  Chinese has no word boundaries, so the name before a
suffix is taken as two characters (``为确保大成镇`` → ``大成镇``), one only after
punctuation (``、沛县``), three for ``王家庄村``, and longer only when the longer form
recurs every time in the text (``鄂托克前旗`` repeated).  Stock words ending in a
suffix character (城市, 农村, 全县, 各镇) and common words before a bare level
(``根据区``, ``成立镇``, ``有关设区的市``: checked against jieba's dictionary when
installed) are not names.

Latin-script names are capitalised words around a keyword: ``Lincoln County``,
``County of Lincoln``, ``Springfield City Council``, ``Commune de Vence``.

Note:
    Suffix-based extraction is a heuristic: it finds the local names that plans
    swap when copied, not every proper noun (person names are not returned).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files
from typing import Collection, Iterable

Span = tuple[int, int]

PLACE_ZH = ("特别行政区|自治区|自治州|自治县|自治旗|开发区|新区|街道|社区|嘎查|苏木|省|市|县|区|旗|盟|镇|乡|村").split("|")
ORG_ZH = ("人民代表大会常务委员会|人民代表大会|人民政府|政府|党工委|党委|委员会|派出所|公安分局|公安局|法院|检察院|"
          "办事处|办公室|卫生院|医院|学校|中学|小学|有限公司|公司|银行|中心|局|所|站|队|办").split("|")
PROVINCIAL = re.compile(r"^(?:中共)?(?:[\u4e00-\u9fff]{2,8}?(?:省|自治区|特别行政区)|(?:北京|天津|上海|重庆)市?)")
_STOP = set("的了在对向由将把与和及从为是各本我该全其此每到至于以按经等或并这那他她它之所被给让使往赴进出回去来共有无不也要"
            "副正年月日号时委府局办厅会部院处科组队站所")
_NUMERAL = set("一二三四五六七八九十百千万两几多数某〇零")
_GENERIC = set(
    "城市 都市 超市 门市 上市 股市 闹市 夜市 集市 早市 县市 省市 地市 街市 菜市 郡县 州县 市县 区县 外县 邻县 "
    "地区 辖区 山区 社区 小区 园区 景区 市区 城区 片区 灾区 矿区 牧区 林区 街区 老区 校区 营区 军区 病区 郊区 禁区 误区 "
    "盲区 库区 湖区 厂区 港区 特区 专区 分区 城镇 乡镇 集镇 村镇 小镇 重镇 市镇 坐镇 城乡 家乡 故乡 下乡 老乡 他乡 异乡 返乡 "
    "回乡 县乡 农村 乡村 山村 渔村 邻村 驻村 村村 政村 外省 节省 反省 "
    "国旗 红旗 党旗 彩旗 锦旗 队旗 会旗 团旗 升旗 联盟 同盟 加盟 结盟".split())
_NEXT_REJECT = {"市": "场值面井级", "区": "域分别间块级", "省": "级份略钱力心去得", "乡": "级亲土情村", "镇": "级压定静",
                "旗": "帜号舰下", "盟": "友约", "县": "级", "村": "级民落"}
_HAN = "\u3400-\u4dbf\u4e00-\u9fff"
_SUFFIX_RE = re.compile("|".join(sorted(PLACE_ZH, key=len, reverse=True)))
_ORG_AFTER = re.compile(rf"[{_HAN}]{{0,6}}?(?:{'|'.join(ORG_ZH)})")

_CAP = r"[A-ZÀ-ÖØ-Þ][\w'’-]*"
_PLACE_EN = r"County|City|Town|Township|Village|Borough|Parish|District|Province|Municipality|Region|Prefecture|Canton"
_ORG_EN = (r"Council|Board(?: of \w+)?|Commission|Committee|Department|Ministry|Agency|Authority|Office|Police(?: Department)?|"
           r"Government|Assembly|Court|Corporation|Company|Inc\.?|Ltd\.?|LLC|School District")
_KEYWORD_PREFIX = (r"(?:County|City|Town|Township|Village|Borough|Municipality|Province|District|Parish|Region) of |"
                   r"(?:Commune|Ville|Département|Région|Municipio|Ayuntamiento|Provincia|Comune|Gemeinde|Stadt|Landkreis|"
                   r"Kreis|Gemeente|Provincie) (?:de |du |di |del |des |d'|von )?")
_LATIN = [
    ("org", re.compile(rf"\b(?P<core>{_CAP}(?: {_CAP}){{0,2}}) (?:(?:{_PLACE_EN}) )?(?:{_ORG_EN})\b")),
    ("org", re.compile(rf"\b(?:City|County|Town|Village) (?:{_ORG_EN}) of (?P<core>{_CAP}(?: {_CAP}){{0,2}})")),
    ("place", re.compile(rf"\b(?P<core>{_CAP}(?: {_CAP}){{0,2}}) (?:{_PLACE_EN})\b")),
    ("place", re.compile(rf"\b(?:{_KEYWORD_PREFIX})(?P<core>{_CAP}(?: {_CAP}){{0,2}})")),
]
_LATIN_STOP = set("The A An This That These Those In Of For And By To All Each Every Any Our Your Its Their Such Said On At "
                  "From With Under Within Whereas Now Therefore Be It If When Where La Le Les Der Die Das El Los Las Il".split())
_ROLES = set("Commissioners Directors Supervisors Trustees Governors Selectmen Aldermen Education Health Elections Appeals "
             "Adjustment Equalization Review Health Public Police Fire Finance".split())
_KEYWORDS = set(re.findall(r"[A-Z][a-zé]+", _PLACE_EN + _ORG_EN + _KEYWORD_PREFIX))


@lru_cache(maxsize=1)
def _lexicon() -> dict[str, tuple[int, str]]:
    """Chinese words (up to 4 characters) with frequency and part of speech, from jieba's dictionary.

    Used only to tell a word from a name (``根据区``, ``成立镇`` and ``有关设区`` are a
    word before a bare level character, not places).  Without jieba installed the
    lexicon is empty and only stop characters and stock words guard the boundary.
    """
    try:
        lines = (files("jieba") / "dict.txt").read_text(encoding="utf-8").splitlines()
    except (ModuleNotFoundError, FileNotFoundError, OSError):
        return {}
    out = {}
    for line in lines:
        parts = line.split()
        if len(parts) == 3 and len(parts[0]) <= 4 and int(parts[1]) >= {1: 1000, 4: 0}.get(len(parts[0]), 100):
            out[parts[0]] = (int(parts[1]), parts[2])
    return out


def _common_word(w: str, freq: int) -> bool:
    f, pos = _lexicon().get(w, (0, "ns"))
    return f >= freq and pos != "ns"


def _not_a_name(text: str, start: int, name: str) -> bool:
    """Whether ``name`` (at ``start``) is really a common word, or the tail of one."""
    if _common_word(name, 1000 if len(name) == 1 else 500) or _common_word(name[-2:], 500):
        return True  # 根据区, 导致影响省, 文明村, 报市
    if start >= 1 and not _SUFFIX_RE.fullmatch(text[start - 1]):
        # the name's first character belongs to the word before it: 有关|设区, 弘扬|侨乡, 以城带乡
        return any(_common_word(text[a : a + n], 100 if n < 4 else 1)
                   for n in (2, 3, 4) for a in range(max(0, start - n + 1), start))
    return False


@dataclass(frozen=True)
class Entity:
    """A named place or body: ``name`` as written, its ``core`` (``金元`` of ``金元镇``) and suffix."""

    name: str
    span: Span
    kind: str  # "place" | "org"
    core: str
    suffix: str


def _name_before(text: str, s: int, suffix: str) -> int | None:
    """Start offset of the name that ends at ``s`` (where ``suffix`` starts), or ``None``."""
    run = 0
    while run < 6 and s - run - 1 >= 0 and re.match(rf"[{_HAN}]", text[s - run - 1]) and text[s - run - 1] not in _STOP:
        run += 1
    if run == 0 or (run == 1 and s >= 2 and re.match(rf"[{_HAN}]", text[s - 2]) and not _SUFFIX_RE.fullmatch(text[s - 2])):
        return None  # "按照县…": one character is a name only after a boundary (、沛县; 遂宁市沛县)
    length = 1 if run == 1 else 2
    if length == 2 and run > 2 and text[s - 2] in "家庄":
        length = 3  # 王家庄村, 石家庄市
    while length < min(run, 4) and not _SUFFIX_RE.fullmatch(text[s - length - 1]):
        longer, shorter = text[s - length - 1 : s] + suffix, text[s - length : s] + suffix
        if (n := text.count(longer)) >= 2 and n == text.count(shorter):
            length += 1
        else:
            break
    name = text[s - length : s]
    if len(name) == 2 and _SUFFIX_RE.fullmatch(name[0]):
        return None  # "全市三区", "县级市": a level and a modifier, not a name
    if (set(name) <= _NUMERAL or _SUFFIX_RE.fullmatch(name[-1]) or (name[-1] + suffix) in _GENERIC
            or (len(suffix) == 1 and name[-1] == suffix)
            or _not_a_name(text, s - length, name)):
        return None
    return s - length


def _zh_entities(text: str) -> list[Entity]:
    places: list[Entity] = []
    for m in _SUFFIX_RE.finditer(text):
        suffix, s = m.group(), m.start()
        if suffix in _NEXT_REJECT and m.end() < len(text) and text[m.end()] in _NEXT_REJECT[suffix]:
            continue
        start = _name_before(text, s, suffix)
        if start is not None and not (places and start < places[-1].span[1]):
            places.append(Entity(text[start : m.end()], (start, m.end()), "place", text[start:s], suffix))
    levels: dict[str, set[str]] = {}
    for p in places:
        levels.setdefault(p.core, set()).add(p.suffix)
    # a "name" seen with several levels (相邻省, 相邻市) is a modifier, not a name
    places = [p for p in places if len(levels[p.core]) == 1 or len(p.core) > 2]
    orgs: list[Entity] = []
    for i, p in enumerate(places):
        m = _ORG_AFTER.match(text, p.span[1])
        suffix = next((o for o in ORG_ZH if m.group().endswith(o)), "") if m else ""
        middle = m.group()[: len(m.group()) - len(suffix)] if m else ""
        if not m or _SUFFIX_RE.search(middle) or set(middle) & _STOP:
            continue
        start = p.span[0]
        for q in reversed(places[:i]):  # chained places: 大英县金元镇人民政府
            if q.span[1] != start:
                break
            start = q.span[0]
        if text[max(0, start - 2) : start] == "中共":
            start -= 2
        orgs.append(Entity(text[start : m.end()], (start, m.end()), "org", p.core, suffix))
    return places + orgs


def _latin_entities(text: str) -> list[Entity]:
    out: list[Entity] = []
    for kind, pat in _LATIN:
        for m in pat.finditer(text):
            words = m.group("core").split(" ")
            drop = 0
            while drop < len(words) and (words[drop] in _LATIN_STOP or words[drop] in _KEYWORDS):
                drop += 1
            if drop == len(words) or (m.start("core") != m.start() and words[0] in _ROLES):
                continue  # "The City Council"; "County Board of Commissioners"
            core = " ".join(words[drop:])
            cstart = m.start("core") + sum(len(w) + 1 for w in words[:drop])
            if m.start("core") == m.start():  # "Lincoln County Board": the name starts with the core
                start, suffix = cstart, text[m.end("core") : m.end()].strip()
            else:  # "County of Lincoln"
                start, suffix = m.start(), m.group().split(" ")[0]
            if not any(e.span == (start, m.end()) for e in out):
                out.append(Entity(text[start : m.end()], (start, m.end()), kind, core, suffix))
    return out


def entities(text: str) -> list[Entity]:
    """All places and bodies in ``text`` (a place inside a body is listed too), in text order."""
    return list(_entities(text))


@lru_cache(maxsize=512)
def _entities(text: str) -> tuple[Entity, ...]:
    """:func:`entities`, kept for the documents of the last pairs: the lineage asks for the names of each
    document once per pair it is in (on 196 Debian copyright files, 7,000 calls took 28 s uncached)."""
    found = _zh_entities(text) + _latin_entities(text)
    return tuple(sorted(found, key=lambda e: (e.span[0], -e.span[1])))


def named_entities(text: str) -> list[tuple[str, Span, str]]:
    """Places and bodies named in ``text`` as ``(name, span, kind)``, kind ``"place"`` or ``"org"``.

    Example:
        >>> for found in named_entities("为确保大成镇的社会稳定，大英县金元镇人民政府"):
        ...     print(found)
        ('大成镇', (3, 6), 'place')
        ('大英县金元镇人民政府', (12, 22), 'org')
        ('大英县', (12, 15), 'place')
        ('金元镇', (15, 18), 'place')
        >>> [n for n, _, _ in named_entities("The Lincoln County Board met in the City of Springfield.")]
        ['Lincoln County Board', 'Lincoln County', 'City of Springfield']
    """
    return [(e.name, e.span, e.kind) for e in entities(text)]


def _occurrences(text: str, needle: str) -> list[Span]:
    out, i = [], text.find(needle)
    while i >= 0:
        out.append((i, i + len(needle)))
        i = text.find(needle, i + 1)
    return out


def foreign_entities(copy_text: str, copy_passage_spans: Iterable[Span], source_text: str, *,
                     ignore: Collection[str] = ()) -> list[tuple[str, Span]]:
    """Names of the *source's* own places and bodies still standing in the copy's shared passages.

    A name (or its core, ``安化`` of ``安化县``) counts as leaked when it occurs in
    ``source_text``, every occurrence of it in ``copy_text`` lies inside
    ``copy_passage_spans``, it is not a province-level name, and either the copy
    names a place or body of the same suffix that the source never names, at
    least as often (the copy has its own local names, so this one is foreign), or
    the source uses it at least three times as often as the copy (the copy
    replaced the others).  Strong evidence that the copy descends from the source.

    Args:
        copy_text: The later document's original text.
        copy_passage_spans: Spans in ``copy_text`` of the passages shared with the source.
        source_text: The earlier document's original text.
        ignore: Names never to report, e.g. names found in many documents of the
            corpus (stock terms like ``禁燃区``, a province shared by every document).

    Returns:
        ``(name as written in the copy, span in copy_text)``, in text order.

    Example:
        >>> src = "安化县平安办负责。安化县各乡镇落实。安化县公安局配合。"
        >>> cp = "平乐县平安办负责。安化县各乡镇落实。平乐县公安局配合。"
        >>> foreign_entities(cp, [(0, len(cp))], src)
        [('安化县', (9, 12))]
    """
    spans = list(copy_passage_spans)
    inside = lambda sp: any(a <= sp[0] and sp[1] <= b for a, b in spans)  # noqa: E731
    src = entities(source_text)
    src_count = Counter(e.name for e in src)
    src_cores = {e.core for e in src}
    copy_ents = entities(copy_text)
    own = Counter((e.suffix, e.name) for e in copy_ents if e.name not in src_count and e.core not in src_cores)
    found: list[tuple[str, Span]] = []
    provincial = {e.core for e in src if PROVINCIAL.match(e.name) and e.kind == "place"}
    keep = lambda e: not (PROVINCIAL.match(e.name) or e.core in provincial or e.core in ignore  # noqa: E731
                          or any(i in e.name for i in ignore))
    for e in {e.name: e for e in src if keep(e)}.values():
        for needle in dict.fromkeys([e.name] + ([e.core] if len(e.core) >= 2 else [])):
            occ = _occurrences(copy_text, needle)
            if not occ or not all(inside(sp) for sp in occ):
                continue
            rival = any(s == e.suffix and n >= len(occ) for (s, _), n in own.items())
            if rival or src_count[e.name] >= 3 * len(occ):
                found += [(needle, sp) for sp in occ]
            break
    found.sort(key=lambda f: (f[1][0], -f[1][1]))
    out: list[tuple[str, Span]] = []
    for f in found:
        if not out or f[1][0] >= out[-1][1][1]:
            out.append(f)
    return out


def common_word(word: str) -> bool:
    """Whether ``word`` is an ordinary Chinese word (``应急``, ``领导``), not a name; needs jieba's dictionary."""
    f, pos = _lexicon().get(word, (0, "nr"))
    return f >= (1000 if pos == "nr" else 100) and pos not in ("ns", "nz", "nt")


def whole_entity(text: str) -> Entity | None:
    """The entity spanning all of ``text`` (``安化县``, ``昂素镇综治办``), if ``text`` is one name."""
    t = text.strip()
    return next((e for e in entities(t) if e.span == (0, len(t))), None)

"""What a short stretch of text is: a date, phone, number, place, body, person or name.

Used by :mod:`provenance.localize` to classify each side of a substitution
(``安化县`` → ``place``, ``0838-1234567`` → ``phone``, ``蒋克兵`` → ``person``), and to
give both sides one kind.
"""

from __future__ import annotations

import re

from .dates import find_dates
from .entities import ORG_ZH, PLACE_ZH, common_word, entities, whole_entity

Span = tuple[int, int]

HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
_PLACE_CHAIN = re.compile(r"(?:[\u3400-\u4dbf\u4e00-\u9fff]{1,4}?(?:%s))+" % "|".join(sorted(PLACE_ZH, key=len, reverse=True)))
_SUFFIXES = sorted(PLACE_ZH + ORG_ZH, key=len, reverse=True)
_STOP_CHARS = set("的了在对向由将把与和及从为是各本我该全其此每到至于以按经等或并这那之所被给让使往赴进出回去来")
TITLES = re.compile(r"(?:同志|书记|副?主任|副?[镇县市区乡村组所站院部局队]长|主席|经理|委员|干事|秘书|先生|女士)")
_LATIN_ORG = re.compile(r"\b(?:Council|Board|Commission|Committee|Department|Ministry|Agency|Authority|Office|Police|"
                        r"Government|Assembly|Court|Corporation|Company|Inc|Ltd|LLC)\b(?: of(?: [A-Z]\w*)+)?\.?$")
_LATIN_PLACE = re.compile(r"\b(?:County|City|Town|Township|Village|Borough|Parish|District|Province|Municipality)$|"
                          r"^(?:County|City|Town|Township|Village|Borough|Municipality|Province|District|Parish) of [A-Z]")
_FUNCTION_WORDS = set("The A An This That These Those It He She They We I You In On At Of For And Or But By To If When "
                      "Where Each Every All Any No Such Said Whereas Le La Les Un Une Der Die Das Ein Eine El Los Las".split())
_HONORIFIC = re.compile(r"(?:Mr|Mrs|Ms|Miss|Dr|Prof|Mayor|Councillor|Councilor|Commissioner|Judge|Sir|Dame|M|Mme|"
                        r"Herr|Frau|Sr|Sra)\.?\s+$")


def name_context(before: str, after: str) -> bool:
    """A person's name stands between list separators or before a title: ``、王大伟、``, ``由赵健同志``."""
    return bool(TITLES.match(after)) or (
        bool(re.search(r"(?:^|[、，,：:；;\s（(]|由|请)$", before)) and bool(re.match(r"$|[、，,；;\s（()）]", after)))


def _placeholder(x: str) -> bool:
    """A template blank, perhaps with its suffix: ``xxx``, ``×××``, ``○○镇``, ``XX派出所``, ``[NAME]``."""
    stem = next((x[: -len(s)] for s in _SUFFIXES if x.endswith(s) and len(x) > len(s)), x)
    return any(re.fullmatch(r"[xX×＊*○〇_＿ ]{2,}|某+|\[[^\]]*\]|\{[^}]*\}|<<[^>]*>>|【\s*】", t) for t in (x, stem))


def side_kind(x: str, before: str, after: str, ent: str | None) -> str | None:
    """What one side of a substitution is, or ``None`` when it is not a name, number or date."""
    x = x.strip()
    if not x:
        return None
    dates = find_dates(x)
    if dates and not _strip_spans(x, dates):
        return "date"
    if len(re.sub(r"\D", "", x)) >= 7 and re.fullmatch(r"[\d\s()+\-–.]+", x):
        return "phone"
    if re.fullmatch(r"[\d.,%\s/\-–]+|[〇零一二三四五六七八九十百千万亿两]+", x):
        return "number"
    if ent:
        return ent
    if re.search(r"[\n，。、；：,;:!?！？（）()《》“”\"]", x):
        return None  # a stretch of text, not one name
    if HAN.match(x):
        if e := whole_entity(x):
            return e.kind
        places = [p.span for p in entities(x) if p.kind == "place"]
        if places and places[0][0] == 0 and places[-1][1] == len(x) and all(
            p[1] == q[0] for p, q in zip(places, places[1:])
        ):
            return "place"  # 大英县金元镇
        if _PLACE_CHAIN.fullmatch(x) and not set(x) & _STOP_CHARS:
            return "place"  # a name the entity finder doubts (平安镇), but swapped for another: 平乐县平安镇
        if any(x.startswith(p.name) for p in entities(x) if p.kind == "place") and any(x.endswith(o) for o in ORG_ZH):
            return "org"  # 金元镇社会治理和应急管理办
        if 2 <= len(x) <= 3 + (x[:2] in ("欧阳", "司马", "诸葛", "上官")) and not common_word(x) and (
            (surname_start(x) and name_context(before, after)) or TITLES.match(after)
        ):
            return "person"
        return None
    if _LATIN_ORG.search(x):
        return "org"
    if _LATIN_PLACE.search(x):
        return "place"
    words = x.split()
    if len(words) <= 4 and all(w[:1].isupper() for w in words) and not set(words) <= _FUNCTION_WORDS:
        return "person" if _HONORIFIC.search(before) else "name"
    return None


def _strip_spans(x: str, found: list[tuple[str, Span]]) -> str:
    """``x`` without the dates found in it: what is left besides the dates."""
    keep, last = [], 0
    for _, (a, b) in found:
        keep.append(x[last:a])
        last = b
    return re.sub(r"[^\w]", "", "".join(keep) + x[last:])


def combine(ka: str | None, kb: str | None, a: str, b: str) -> str:
    """One kind for both sides: they agree, or a blank (``xxx``) was filled, or a place became a body."""
    sides = [(k, x.strip()) for k, x in ((ka, a), (kb, b)) if x.strip()]
    if len(sides) == 2 and any(_placeholder(x) for _, x in sides):
        k, x = next(((k, x) for k, x in sides if not _placeholder(x)), ("name", ""))
        if k or len(x) > 12 or re.search(r"[\n，。、；,;]", x):
            return k or "other"
        return "org" if any(x.endswith(o) for o in ORG_ZH) else "name"  # XX派出所 → 金元派出所
    kinds = {k for k, _ in sides}
    if None in kinds or not kinds:
        return "other"
    if len(kinds) == 1:
        return kinds.pop()
    if kinds <= {"place", "org"}:
        return "org"
    if kinds <= {"person", "name"}:
        return "person"
    return "other"


def surname_start(name: str) -> bool:
    """Whether a 2–4 character Han string starts with a common Chinese surname (``王大伟``)."""
    return bool(re.fullmatch(r"[\u3400-\u4dbf\u4e00-\u9fff]{2,4}", name)) and (name[:2] in _SURNAMES2 or name[0] in _SURNAMES)


_SURNAMES = set(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石"
    "廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁"
    "岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾"
    "尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲"
    "虞敖巩明佘池查麻苑迟邝官封谈匡鞠惠荆乐冀郁胥南班储原栗燕楚鄢劳谌奚皮粟冼蔺楼盘满闻位厉伊仝区郜海阚花权强帅屠豆朴盖练廉禹井祖"
)
_SURNAMES2 = set("欧阳 司马 诸葛 上官 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 夏侯 令狐".split())

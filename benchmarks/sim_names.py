"""Local colour for simulated documents: names, phone numbers, dates, titles, slot paragraphs.

Every document fills the slots of the text it copies (``{town}``, ``{county}``,
``{official0}``…, ``{phone}``, ``{office}``) with its own values; a fill-in
template keeps placeholders (``XX镇``, ``[Town]``).  Dates are written the way
real signature blocks write them (``2023年2月22日``, ``2023 年 2 月 22 日``,
``二〇二三年二月二十二日``; ``March 3, 2021``).
"""

from __future__ import annotations

import datetime as dt
import random

SLOTS = ("{town}", "{county}", "{official0}", "{official1}", "{official2}", "{phone}", "{phone2}", "{office}")

_ZH_PLACE = "东西南北安平宁和兴隆丰泰永昌新华河山川石桥林峰源泉湖溪金银龙凤白青红黄云阳光明德仁义礼信福寿康庄柳杨桃李梅松竹花坪岗岭坝沟塘湾洲营屯集铺寨"
_ZH_SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
_ZH_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍建国志红文辉力斌波宁海峰鹏飞云亮成林春梅晓东旭阳振宇俊晨欣雪琳"
_ZH_OFFICES = ("综治办", "党政办", "信访办", "应急办", "平安办", "派出所", "司法所", "社会事务办")
_ZH_TOWN_SUFFIX = ("镇", "镇", "镇", "乡", "街道")
_ZH_COUNTY_SUFFIX = ("县", "县", "区", "市", "旗")
_ZH_DIGITS = "〇一二三四五六七八九"

_EN_STEMS = ("Ash", "Brook", "Cedar", "Clear", "Deer", "East", "Elm", "Fair", "Fox", "Glen", "Green", "Hazel", "High",
             "Lake", "Maple", "Mill", "North", "Oak", "Pine", "Red", "River", "Rock", "Spring", "Stone", "West", "Willow")
_EN_ENDS = ("field", "ford", "ton", "ville", "wood", "dale", "bury", "port", "view", "ridge", "haven", "creek", "mont")
_EN_FIRST = ("James", "Mary", "John", "Patricia", "Robert", "Jennifer", "Michael", "Linda", "William", "Elizabeth",
             "David", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah", "Charles", "Karen",
             "Daniel", "Nancy", "Matthew", "Lisa", "Anthony", "Betty", "Mark", "Sandra", "Paul", "Ashley")
_EN_LAST = ("Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez",
            "Hernandez", "Lopez", "Wilson", "Anderson", "Taylor", "Thomas", "Moore", "Jackson", "Martin", "Lee",
            "Thompson", "White", "Harris", "Clark", "Lewis", "Robinson", "Walker", "Young", "Allen", "King")
_EN_OFFICES = ("Office of Emergency Management", "Town Clerk", "Board of Selectmen", "Department of Public Works",
               "Planning Board", "Board of Health", "Police Department", "Fire Department")
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")

ZH_TITLES = ("信访维稳工作应急预案", "防汛抗旱应急预案", "森林防火工作方案", "安全生产大检查实施方案",
             "突发公共卫生事件应急预案", "人居环境整治实施方案", "地质灾害防治工作方案", "扫黑除恶专项斗争实施方案",
             "矛盾纠纷排查化解工作方案", "食品安全事故应急预案", "文明城市创建工作方案", "大气污染防治实施方案")
EN_TITLES = ("Emergency Operations Plan", "Noise Control Ordinance", "Snow Emergency Plan", "Flood Response Plan",
             "Public Records Policy", "Procurement Policy", "Code of Conduct", "Hazard Mitigation Plan",
             "Stormwater Management Ordinance", "Personnel Policy", "Open Burning Regulations", "Animal Control Ordinance")
ZH_HEADINGS = ("一、指导思想", "二、工作原则", "三、组织领导", "四、工作职责", "五、应急处置", "六、保障措施",
               "七、工作要求", "（一）预警监测", "（二）信息报送", "（三）善后处理", "一、总体要求", "二、主要任务")
EN_HEADINGS = ("Purpose", "Scope", "Definitions", "Responsibilities", "Procedures", "Enforcement", "Penalties",
               "Reporting", "Coordination", "Training", "Review and Amendment", "Severability")

ZH_SLOT_PARAGRAPHS = (
    "成立{town}工作领导小组，由{official0}同志任组长，{official1}、{official2}同志任副组长，成员由各相关单位主要负责人组成。",
    "领导小组下设办公室，办公室设在{town}{office}，由{official1}同志兼任办公室主任，负责日常工作，联系电话：{phone}。",
    "各村（社区）发现情况后，应立即向{town}{office}报告，并同时报{county}有关部门，值班电话：{phone2}。",
    "组长：{official0}（{town}党委书记）；副组长：{official1}（{town}镇长）、{official2}（分管副镇长）。",
    "{town}{office}实行24小时值班制度，值班电话{phone}，确保信息畅通，不得迟报、漏报、瞒报。",
)
EN_SLOT_PARAGRAPHS = (
    "The {town} Emergency Management Team shall be chaired by {official0}, with {official1} and {official2} serving as deputies.",
    "All incidents shall be reported without delay to the {office}, which may be reached at {phone}.",
    "The {office} of {town} shall coordinate with {county} officials and keep a log of every request received.",
    "Contact: {official1}, {office}, {town}; telephone {phone2}.",
    "{official0}, on behalf of {town}, is authorized to execute agreements with {county} for mutual aid.",
)


def zh_numeral_year(y: int) -> str:
    """Year in Chinese digits: 2023 → 二〇二三."""
    return "".join(_ZH_DIGITS[int(c)] for c in str(y))


def zh_numeral(n: int) -> str:
    """1–31 in Chinese numerals: 22 → 二十二.

    Example:
        >>> zh_numeral(22), zh_numeral(10), zh_numeral(3)
        ('二十二', '十', '三')
    """
    tens, ones = divmod(n, 10)
    s = ("" if tens == 0 else ("十" if tens == 1 else _ZH_DIGITS[tens] + "十"))
    return s + (_ZH_DIGITS[ones] if ones else "")


def format_date(lang: str, d: dt.date, rng: random.Random) -> str:
    """A signature-block date in one of the forms real documents use."""
    if lang == "zh":
        form = rng.random()
        if form < 0.5:
            return f"{d.year}年{d.month}月{d.day}日"
        if form < 0.75:
            return f"{d.year} 年 {d.month} 月 {d.day} 日"
        return f"{zh_numeral_year(d.year)}年{zh_numeral(d.month)}月{zh_numeral(d.day)}日"
    form = rng.random()
    if form < 0.6:
        return f"{_MONTHS[d.month - 1]} {d.day}, {d.year}"
    suffix = "th" if 10 <= d.day % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(d.day % 10, "th")
    return f"this {d.day}{suffix} day of {_MONTHS[d.month - 1]}, {d.year}"


def make_entities(lang: str, rng: random.Random) -> dict[str, str]:
    """A town's own names for every slot."""
    if lang == "zh":
        town = "".join(rng.choice(_ZH_PLACE) for _ in range(2)) + rng.choice(_ZH_TOWN_SUFFIX)
        county = "".join(rng.choice(_ZH_PLACE) for _ in range(2)) + rng.choice(_ZH_COUNTY_SUFFIX)
        people = [rng.choice(_ZH_SURNAMES) + "".join(rng.choice(_ZH_GIVEN) for _ in range(rng.choice((1, 2))))
                  for _ in range(3)]
        phone = f"0{rng.randint(310, 999)}-{rng.randint(2000000, 8999999)}"
        phone2 = f"1{rng.choice('3578')}{rng.randint(100000000, 999999999)}"
        office = rng.choice(_ZH_OFFICES)
    else:
        town = "Town of " + rng.choice(_EN_STEMS) + rng.choice(_EN_ENDS)
        county = rng.choice(_EN_STEMS) + rng.choice(_EN_ENDS) + " County"
        people = [f"{rng.choice(_EN_FIRST)} {rng.choice(_EN_LAST)}" for _ in range(3)]
        phone = f"({rng.randint(201, 989)}) {rng.randint(200, 999)}-{rng.randint(1000, 9999)}"
        phone2 = f"({rng.randint(201, 989)}) {rng.randint(200, 999)}-{rng.randint(1000, 9999)}"
        office = rng.choice(_EN_OFFICES)
    values = (town, county, *people, phone, phone2, office)
    return dict(zip(SLOTS, values))


def placeholder_entities(lang: str) -> dict[str, str]:
    """The placeholders of a fill-in template (XX镇, [Town])."""
    if lang == "zh":
        values = ("XX镇", "XX县", "XXX", "XXX", "XXX", "XXXXXXX", "XXXXXXXXXXX", "XX办")
    else:
        values = ("[Town]", "[County]", "[Name]", "[Name]", "[Name]", "[Phone]", "[Phone]", "[Office]")
    return dict(zip(SLOTS, values))


def signature(lang: str, ents: dict[str, str], date: dt.date, rng: random.Random) -> str:
    """The closing signature block: issuer and date."""
    when = format_date(lang, date, rng)
    if lang == "zh":
        issuer = ents["{town}"] + "人民政府"
        if rng.random() < 0.3:
            issuer = "中共" + ents["{town}"] + "委员会\n" + issuer
        return issuer + "\n" + when
    if when.startswith("this"):
        return f"Adopted by the {ents['{office}']} of the {ents['{town}']} {when}."
    return f"{ents['{town}']}\n{ents['{office}']}\nDated: {when}"


def render(template: str, ents: dict[str, str]) -> str:
    """Fill a template's slots with a document's names."""
    if "{" not in template:
        return template
    for k, v in ents.items():
        if k in template:
            template = template.replace(k, v)
    return template

"""Real sentence stock for the simulator: load, clean, de-duplicate, hand out.

Chinese stock comes from the sample plans (``fixtures/00*.txt``) and the
zh-regulations corpus (``../shared/corpora/zh-regulations``, when present);
English stock from the files in ``benchmarks/stock/`` (sources in the README).

Every real sentence is handed out at most once per corpus, so two documents
that the ground truth calls unrelated never share a real sentence.  Stock
sentences that largely repeat an earlier one (the sources copy each other:
that is why they are interesting) are dropped when the stock is loaded.  When
the real sentences run out, new ones are recombined from real clauses
(``synth_sentence``): unrelated documents then share at most a clause or two,
which is exactly the stock language real documents share.

Place names found in the stock (the city of a regulation, 本市, XX镇, the
towns of the sample plans) become slots such as ``{town}`` that each
document fills with its own names.
"""

from __future__ import annotations

import random
import re
import zlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

Lang = Literal["zh", "en"]

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
ZH_FIXTURES = REPO / "fixtures"
ZH_REGULATIONS = REPO.parent / "shared" / "corpora" / "zh-regulations"
EN_STOCK = HERE / "stock"

_ZH_END = "。！？"
_ZH_CLAUSE_END = "；;，,、：:"
_ZH_SENT = re.compile(r"[^。！？]*[。！？]+[”」』）)]*|[^。！？]+$")
_EN_SENT = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9])")
_ZH_DATE = re.compile(r"\d{4}\s*年\s*\d{1,2}\s*月|[〇零一二]{4}年")
_EN_DATE = re.compile(r"(January|February|March|April|May|June|July|August|September|October|November|December),? \d")
_ZH_NOISE = re.compile(r"本文来源|##paid|密码|编辑|下载|范文|www\.|http|<!--|微信|点击")
_ZH_FIXTURE_NAMES = {"昂素镇": "{town}", "西岗镇": "{town}", "金元镇": "{town}", "大成镇": "{town}",
                     "XX镇": "{town}", "XX县": "{county}", "XX区": "{county}", "鄂托克前旗": "{county}",
                     "大英县": "{county}", "枣庄市": "{county}", "本镇": "{town}", "本乡": "{town}",
                     "本市": "{town}", "本县": "{county}", "本区": "{county}"}
_EN_NAMES = {"the State": "{county}", "the City": "{town}", "this State": "{county}"}

ZH_PHRASES = (
    "属地管理、分级负责", "谁主管、谁负责", "早发现、早报告、早处置", "确保信息畅通、反应快速、指挥高效",
    "统一领导、分级负责", "预防为主、防治结合", "依法依规、公开透明", "坚持以人民为中心",
    "加强组织领导，明确工作职责", "高度重视，精心组织", "认真贯彻落实上级决策部署",
    "切实维护人民群众合法权益", "确保社会大局和谐稳定", "强化责任担当，狠抓工作落实",
)
EN_PHRASES = (
    "to the extent permitted by applicable law", "in accordance with the provisions of this section",
    "except as otherwise provided herein", "without prejudice to any other remedy",
    "for the purposes of this chapter", "subject to the approval of the governing body",
    "notwithstanding any other provision", "as soon as reasonably practicable",
    "in the manner prescribed by law", "unless the context otherwise requires",
)
ZH_CLOSINGS = ("本预案自印发之日起施行。", "本方案自发布之日起施行。", "本条例自公布之日起施行。",
               "本预案由{town}人民政府负责解释。", "各单位要结合实际，认真抓好贯彻落实。")
EN_CLOSINGS = ("This plan shall take effect upon adoption.", "This ordinance shall take effect immediately.",
               "All prior plans inconsistent herewith are repealed.",
               "Questions about this plan should be directed to the {office}.")


@dataclass(frozen=True)
class Unit:
    """One stock sentence (or heading), slots already marked."""

    text: str
    heading: bool = False


@dataclass
class StockDoc:
    """A real document's cleaned units, in reading order."""

    title: str
    units: list[Unit]
    source: str


@dataclass
class Stock:
    """All stock of one language."""

    lang: Lang
    docs: list[StockDoc]
    clauses: list[str]
    phrases: tuple[str, ...]
    closings: tuple[str, ...]
    alphabet: str  # characters (zh) to draw substitutions from
    words: list[str] = field(default_factory=list)  # words (en) to draw substitutions from
    headings: list[str] = field(default_factory=list)
    donors: list[StockDoc] = field(default_factory=list)
    _markov: Markov | None = None

    def markov(self) -> Markov:
        """The stock's Markov chain (built on first use)."""
        if self._markov is None:
            self._markov = Markov([u.text for d in self.docs + self.donors for u in d.units
                                   if not u.heading and "{" not in u.text], self.lang)
        return self._markov

    @property
    def sentences(self) -> int:
        return sum(len(d.units) for d in self.docs)


# ---------------------------------------------------------------- splitting

def split_zh(text: str) -> list[str]:
    """Chinese sentences ending in 。！？ (closing quotes kept with them).

    Example:
        >>> split_zh("立即召开会议。及时报告！")
        ['立即召开会议。', '及时报告！']
    """
    return [m.group(0) for m in _ZH_SENT.finditer(text) if m.group(0).strip()]


def split_en(text: str) -> list[str]:
    """English sentences split after ``.!?`` before a capital letter or digit."""
    return [s for s in _EN_SENT.split(text) if s.strip()]


def _zh_lines(text: str) -> list[str]:
    """Logical lines of a Chinese text: hard wraps rejoined, noise and spaces removed."""
    out: list[str] = []
    buf = ""
    for raw in text.splitlines():
        line = re.sub(r"\s+", "", raw.lstrip("#-*> \t"))
        if not line:
            if buf:
                out.append(buf)
                buf = ""
            continue
        if _ZH_NOISE.search(line):
            continue
        buf += line
        # a line of a hard-wrapped PDF ends mid-sentence: keep joining
        if buf[-1] in _ZH_END + "：:；;”」）)" or len(line) < 20:
            out.append(buf)
            buf = ""
    if buf:
        out.append(buf)
    return out


def _slot_zh(text: str, names: dict[str, str]) -> str:
    text = text.replace("{", "").replace("}", "")
    for name, slot in names.items():
        if name in text:
            text = text.replace(name, slot)
    return text


def _zh_units(text: str, names: dict[str, str]) -> tuple[str, list[Unit]]:
    units: list[Unit] = []
    title = ""
    for line in _zh_lines(text):
        line = re.sub(r"^第[一二三四五六七八九十百零〇]+条", "", line)
        if re.match(r"^[（(]?\d{4}年.*(通过|批准|修正|修订)", line) or re.match(r"^\d{4}年\d+月\d+日", line):
            continue
        if _ZH_DATE.search(line) or re.search(r"篇[一二三四五六七八九十]$", line):
            continue
        line = _slot_zh(line, names)
        if not title:
            title = line
            continue
        if line[-1] not in _ZH_END + _ZH_CLAUSE_END and len(line) <= 30:
            units.append(Unit(line, heading=True))  # a heading ends without punctuation; a list item with ；
            continue
        for s in split_zh(line):
            if len(s) >= 8:
                units.append(Unit(s))
    return title, units


def _en_units(paragraph: str) -> list[Unit]:
    if _EN_DATE.search(paragraph):
        return []
    paragraph = paragraph.replace("{", "(").replace("}", ")")
    for name, slot in _EN_NAMES.items():
        paragraph = paragraph.replace(name, slot)
    if len(paragraph) <= 60 and paragraph[-1:] not in ".!?;":
        return [Unit(paragraph, heading=True)]
    return [Unit(s) for s in split_en(paragraph) if len(s.split()) >= 4]


# ---------------------------------------------------------------- loading

def _key_grams(text: str, lang: Lang) -> set[str]:
    """Character 12-grams (zh) or word 8-grams (en) of a sentence, punctuation and slots removed."""
    if lang == "zh":
        t = re.sub(r"\{[a-z0-9]+\}|[^\w]", "", text)
        grams = {t[i : i + 12] for i in range(max(len(t) - 11, 1))}
    else:
        w = re.findall(r"[a-z0-9]+", re.sub(r"\{[a-z0-9]+\}", "", text).lower())
        grams = {" ".join(w[i : i + 8]) for i in range(max(len(w) - 7, 1))}
    grams.discard("")
    return grams


def _short_grams(text: str, lang: Lang) -> set[str]:
    if lang == "zh":
        t = re.sub(r"\{[a-z0-9]+\}|[^\w]", "", text)
        return {t[i : i + 5] for i in range(max(len(t) - 4, 1))}
    w = re.findall(r"[a-z0-9]+", text.lower())
    return {" ".join(w[i : i + 3]) for i in range(max(len(w) - 2, 1))}


def _tokens(text: str, lang: Lang) -> list[str]:
    """Characters (zh) or lower-case words (en) of a sentence, punctuation and slots removed."""
    text = re.sub(r"\{[a-z0-9]+\}", "", text)
    return list(re.sub(r"[^\w]", "", text)) if lang == "zh" else re.findall(r"[a-z0-9]+", text.lower())


def _reworded(toks: list[str], other: list[str], share: float) -> bool:
    """Whether the shorter of two sentences is ``share`` or more contained, in order, in the longer one."""
    from rapidfuzz.distance import LCSseq

    short = min(len(toks), len(other))
    return short > 0 and LCSseq.similarity(toks, other) >= share * short


def _dedupe(docs: list[StockDoc], lang: Lang, fuzzy: float = 0.4, reworded: float = 0.6) -> list[StockDoc]:
    """Drop every sentence that repeats an earlier kept one, exactly or loosely.

    A sentence goes when it shares a 12-character (8-word) run with an earlier
    kept one, when ``fuzzy`` or more of its 5-character (3-word) pieces were
    seen before, or when it and a kept sentence sharing three such pieces with
    it are a reworded copy of each other: ``reworded`` or more of the shorter
    one's characters (words) appear, in order, in the other (Exodus 37 retells
    Exodus 25 this way; the sample plans reword each other).  The stock's
    sources copy each other (that is why they are interesting); after this,
    documents the ground truth calls unrelated share no more than stock phrases.
    """
    seen: set[str] = set()
    seen_short: set[str] = set()
    by_piece: dict[str, list[int]] = {}
    kept_tokens: list[list[str]] = []
    out = []
    for d in docs:
        kept = []
        for u in d.units:
            if u.heading:
                kept.append(u)
                continue
            g = _key_grams(u.text, lang)
            short = _short_grams(u.text, lang)
            if not g or g & seen or len(short & seen_short) >= fuzzy * len(short):
                continue
            toks = _tokens(u.text, lang)
            near = Counter(k for piece in short for k in by_piece.get(piece, ()))
            if any(n >= 3 and _reworded(toks, kept_tokens[k], reworded) for k, n in near.items()):
                continue
            seen |= g
            seen_short |= short
            for piece in short:
                by_piece.setdefault(piece, []).append(len(kept_tokens))
            kept_tokens.append(toks)
            kept.append(u)
        if sum(not u.heading for u in kept) >= 3:
            out.append(StockDoc(d.title, kept, d.source))
    return out


def _mine_phrases(docs: list[StockDoc], lang: Lang, min_docs: int = 3, limit: int = 200) -> list[str]:
    """Clauses that recur verbatim in several stock documents: real stock language."""
    df: Counter[str] = Counter()
    for d in docs:
        seen = set()
        for u in d.units:
            parts = re.split(r"[，；：、。！？]", u.text) if lang == "zh" else re.split(r"[,;:.]\s*", u.text)
            for p in parts:
                p = p.strip()
                ok = 6 <= len(p) <= 18 if lang == "zh" else 3 <= len(p.split()) <= 8
                if ok and "{" not in p:
                    seen.add(p)
        df.update(seen)
    # ties broken by the phrase itself: Counter order follows set order, which varies with PYTHONHASHSEED
    ranked = sorted(df.items(), key=lambda t: (-t[1], t[0]))[:limit]
    return [p for p, n in ranked if n >= min_docs]


def _zh_docs() -> list[StockDoc]:
    docs = []
    for path in sorted(ZH_FIXTURES.glob("00*.txt")):
        title, units = _zh_units(path.read_text(encoding="utf-8"), _ZH_FIXTURE_NAMES)
        docs.append(StockDoc(title, units, f"fixtures/{path.name}"))
    if ZH_REGULATIONS.is_dir():
        for path in sorted(ZH_REGULATIONS.rglob("*.md")):
            if path.name == "README.md":
                continue
            stem = path.stem.split("_", 1)[-1]
            family = path.parent.name
            city = stem.split(family)[0]
            names = dict(_ZH_FIXTURE_NAMES)
            if city:
                names = {city: "{town}", city.rstrip("市州县区"): "{town}", **names}
            title, units = _zh_units(path.read_text(encoding="utf-8"), names)
            docs.append(StockDoc(title or "{town}" + family, units, f"zh-regulations/{path.parent.name}/{path.name}"))
    return docs


def _en_docs() -> list[StockDoc]:
    docs = []
    for path in sorted(EN_STOCK.glob("en_*.txt")):
        title, units = "", []
        for para in re.split(r"\n\s*\n", path.read_text(encoding="utf-8")):
            para = re.sub(r"\s+", " ", para).strip()
            if not para:
                continue
            if para.startswith("# "):
                if units:
                    docs.append(StockDoc(title, units, f"stock/{path.name}"))
                title, units = para[2:], []
                continue
            units.extend(_en_units(para))
        if units:
            docs.append(StockDoc(title, units, f"stock/{path.name}"))
    return docs


class Seen:
    """A Bloom filter of the text already handed out, to keep new sentences from repeating it.

    Every fourth 12-character (8-word) run of what is handed out is recorded; a
    candidate is checked against all of its runs, so any shared stretch of 15
    characters (11 words) or more is caught.  Hashing is deterministic (crc32).
    """

    def __init__(self, lang: Lang, bits: int = 1 << 27):
        self.lang = lang
        self.mask = bits - 1
        self.bits = bytearray(bits >> 3)

    def _grams(self, text: str) -> list[str]:
        if self.lang == "zh":
            t = re.sub(r"\{[a-z0-9]+\}|[^\w]", "", text)
            return [t[i : i + 12] for i in range(max(len(t) - 11, 1))]
        w = re.findall(r"[a-z0-9]+", re.sub(r"\{[a-z0-9]+\}", "", text).lower())
        return [" ".join(w[i : i + 8]) for i in range(max(len(w) - 7, 1))]

    def _slot(self, g: str) -> tuple[int, int]:
        b = g.encode()
        return zlib.crc32(b) & self.mask, zlib.adler32(b) & self.mask

    def add(self, text: str) -> None:
        for g in self._grams(text)[::4]:
            for i in self._slot(g):
                self.bits[i >> 3] |= 1 << (i & 7)

    def hits(self, text: str) -> bool:
        bits = self.bits
        for g in self._grams(text):
            i, j = self._slot(g)
            if bits[i >> 3] >> (i & 7) & 1 and bits[j >> 3] >> (j & 7) & 1:
                return True
        return False


class Markov:
    """Order-2 character (zh) or word (en) chain over the stock: unlimited new sentences.

    Used only when real sentences and unused real clauses have run out (large
    corpora).  Its sentences share short stock phrases with each other, as real
    documents do, but rarely long runs.
    """

    def __init__(self, sentences: list[str], lang: Lang):
        self.lang = lang
        self.next: dict = {}
        self.starts: list = []
        for s in sentences:
            toks = s if lang == "zh" else tuple(s.split())
            if len(toks) <= 2:
                continue
            self.starts.append(toks[:2])
            for i in range(len(toks) - 2):
                self.next.setdefault(toks[i : i + 2], []).append(toks[i + 2])

    def sentence(self, rng: random.Random) -> str:
        rnd = rng.random
        starts, nexts = self.starts, self.next
        out = starts[int(rnd() * len(starts))]
        if self.lang == "zh":
            while len(out) < 110:
                nxt = nexts.get(out[-2:])
                if not nxt:
                    break
                c = nxt[int(rnd() * len(nxt))]
                out += c
                if c in "。！？":
                    break
            text = out.rstrip("，；、：")
            return text if text[-1] in "。！？" else text + "。"
        words = list(out)
        while len(words) < 45:
            nxt = nexts.get((words[-2], words[-1]))
            if not nxt:
                break
            w = nxt[int(rnd() * len(nxt))]
            words.append(w)
            if w[-1] in ".!?":
                break
        text = " ".join(words).rstrip(",;:")
        return text if text[-1] in ".!?" else text + "."


_CACHE: dict[str, Stock] = {}


def load_stock(lang: Lang) -> Stock:
    """Load (once per process) the cleaned, de-duplicated stock of a language."""
    if lang in _CACHE:
        return _CACHE[lang]
    raw = _zh_docs() if lang == "zh" else _en_docs()
    mined = _mine_phrases(raw, lang)
    docs = _dedupe(raw, lang)
    clauses: list[str] = []
    donors = docs[2::3]  # every third document only lends clauses: its sentences are never handed out whole
    docs = [d for k, d in enumerate(docs) if k % 3 != 2]
    for d in donors:
        for u in d.units:
            if u.heading:
                continue
            parts = re.split(r"(?<=[，；])", u.text.rstrip(_ZH_END)) if lang == "zh" else re.split(r"(?<=[,;])\s+", u.text.rstrip(".!?"))
            for p in parts:
                p = p.rstrip("，；,;").strip()
                # short clauses only: recombined sentences share at most a short phrase with their source
                if (5 <= len(p) <= 20) if lang == "zh" else (3 <= len(p.split()) <= 8):
                    clauses.append(p)
    base = ZH_PHRASES if lang == "zh" else EN_PHRASES
    phrases = tuple(dict.fromkeys(base + tuple(mined)))
    text = "".join(u.text for d in docs + donors for u in d.units)
    if lang == "zh":
        alphabet = "".join(c for c in text if "\u4e00" <= c <= "\u9fff")
        words: list[str] = []
    else:
        alphabet = ""
        words = re.findall(r"[A-Za-z]+", text)
    headings = sorted({u.text for d in docs for u in d.units if u.heading and "{" not in u.text})
    stock = Stock(lang, docs, sorted(set(clauses)), phrases, ZH_CLOSINGS if lang == "zh" else EN_CLOSINGS,
                  alphabet, words, headings, donors)
    _CACHE[lang] = stock
    return stock


# ---------------------------------------------------------------- handing out

class Pool:
    """Hands out fresh text: real stock first (each sentence once), then recombined clauses.

    Args:
        stock: The language's stock.
        rng: The simulator's random source (all randomness flows from the seed).
        boilerplate: Chance that a fresh sentence carries a stock phrase.
    """

    def __init__(self, stock: Stock, rng: random.Random, boilerplate: float = 0.25):
        self.stock = stock
        self.rng = rng
        self.boilerplate = boilerplate
        self.order = list(range(len(stock.docs)))
        rng.shuffle(self.order)
        self.cursor = {i: 0 for i in self.order}
        self.clauses = list(stock.clauses)
        rng.shuffle(self.clauses)
        self.seen = Seen(stock.lang)
        self.real_used = 0
        self.synth_made = 0
        self.markov_made = 0

    def window(self, n: int) -> tuple[str | None, list[Unit]]:
        """Up to ``n`` consecutive unused real units from one stock document (title too)."""
        while self.order:
            i = self.order[-1]
            d = self.stock.docs[i]
            start = self.cursor[i]
            rest = len(d.units) - start
            if rest < 4:
                self.order.pop()
                continue
            take = min(n, rest)
            self.cursor[i] = start + take
            units = d.units[start : start + take]
            self.real_used += sum(not u.heading for u in units)
            for u in units:
                if not u.heading:
                    self.seen.add(u.text)
            return (d.title if start == 0 else None), units
        return None, []

    def sentence(self) -> str:
        """One fresh sentence: a real unused one when left, else recombined clauses."""
        _, units = self.window(1)
        if units and not units[0].heading:
            return self.decorate(units[0].text)
        return self.decorate(self.synth_sentence())

    def synth_sentence(self) -> str:
        """A new sentence: 2–4 real clauses never used before, then (clauses exhausted) a Markov sentence."""
        rng = self.rng
        k = rng.choice((2, 2, 3, 3, 4))
        if len(self.clauses) < k:
            self.markov_made += 1
            for _ in range(6):  # a new sentence must not repeat a 12-character run handed out before
                text = self.stock.markov().sentence(rng)
                if not self.seen.hits(text):
                    break
            self.seen.add(text)
            return text
        parts = [self.clauses.pop() for _ in range(k)]
        self.synth_made += 1
        self.seen.add(("，" if self.stock.lang == "zh" else ", ").join(parts))
        if self.stock.lang == "zh":
            return "，".join(parts) + "。"
        s = ", ".join(p[0].lower() + p[1:] if i and not p[:2].isupper() else p for i, p in enumerate(parts))
        return s[0].upper() + s[1:] + "."

    def decorate(self, sentence: str) -> str:
        """Sometimes put a stock phrase in front (boilerplate every document shares)."""
        if self.rng.random() >= self.boilerplate:
            return sentence
        phrase = self.rng.choice(self.stock.phrases)
        if self.stock.lang == "zh":
            return phrase + "，" + sentence
        return phrase[0].upper() + phrase[1:] + ", " + sentence[0].lower() + sentence[1:]

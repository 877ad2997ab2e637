"""Copying histories: model texts, the towns that copy them or each other, and unrelated originals.

A document is held as paragraphs of *variant* ids.  A variant is one wording of
a sentence; every variant keeps the *origin* of the sentence it derives from,
so the ground truth knows, sentence by sentence, where each document's text
came from: two documents share copied text exactly where they share origins.
Sentences are templates with slots (``{town}``…): a copy renders them with its
own names, which is how names get swapped.

Edits a copy goes through (rates per revision level in :data:`REVISIONS`):
drop paragraphs and sentences, move paragraphs, swap two sentences, rewrite
sentences (character edits for Chinese, word edits for English), keep one of
the parent's names by mistake, insert local paragraphs, borrow a paragraph or
two from a document of another family.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from dataclasses import dataclass, field

from sim_names import (
    EN_HEADINGS,
    EN_SLOT_PARAGRAPHS,
    EN_TITLES,
    ZH_HEADINGS,
    ZH_SLOT_PARAGRAPHS,
    ZH_TITLES,
    make_entities,
    placeholder_entities,
)
from sim_stock import Pool, Stock, Unit

_SLOT_SPLIT = re.compile(r"(\{[a-z0-9]+\})")
EPOCH = dt.date(2008, 1, 1)


@dataclass(frozen=True)
class Revision:
    """How hard a copy is edited."""

    drop_par: float
    drop_sent: float
    moves: int
    swap: float
    rewrite: float
    rate: tuple[float, float]
    local: tuple[int, int]


REVISIONS = {
    "verbatim": Revision(0.0, 0.0, 0, 0.0, 0.0, (0.0, 0.0), (0, 1)),
    "light": Revision(0.05, 0.03, 1, 0.2, 0.08, (0.03, 0.10), (1, 2)),
    "heavy": Revision(0.15, 0.08, 3, 0.5, 0.30, (0.10, 0.25), (2, 4)),
}


@dataclass(frozen=True)
class SimConfig:
    """Shape of a simulated corpus (shares are probabilities per document or family)."""

    original_share: float = 0.15
    published_share: float = 0.6
    template_share: float = 0.4
    neighbour_share: float = 0.45
    revision_mix: tuple[tuple[str, float], ...] = (("verbatim", 0.2), ("light", 0.55), ("heavy", 0.25))
    pdf: float = 0.2
    halfwidth: float = 0.15
    bad: float = 0.08
    borrow: float = 0.05
    kept_name: float = 0.1
    boilerplate: float = 0.25


@dataclass
class Variants:
    """The table of sentence wordings; each keeps the origin it derives from."""

    texts: list[str] = field(default_factory=list)
    origins: list[int] = field(default_factory=list)
    n_origins: int = 0

    def fresh(self, text: str) -> int:
        """A new sentence of new origin."""
        self.texts.append(text)
        self.origins.append(self.n_origins)
        self.n_origins += 1
        return len(self.texts) - 1

    def edited(self, vid: int, text: str) -> int:
        """A new wording of an existing sentence."""
        self.texts.append(text)
        self.origins.append(self.origins[vid])
        return len(self.texts) - 1


@dataclass
class SimDoc:
    """One document of the history (``hidden`` models are never written to docs/)."""

    key: int
    kind: str
    family: int | None
    parent: int | None
    date: dt.date
    paras: list[tuple[int, ...]]
    ents: dict[str, str]
    template: bool = False
    revision: str | None = None
    edits: list[dict] = field(default_factory=list)
    channels: tuple[str, ...] = ()
    borrowed: tuple[int, ...] = ()


def perturb(text: str, rate: float, stock: Stock, rng: random.Random) -> tuple[str, int]:
    """Character (zh) or word (en) edits at ``rate``, never inside a slot.

    Half the edits substitute a character (word) drawn from the stock, a quarter
    delete one, a quarter insert one.  Returns the new text and the number of edits.
    """
    pieces = _SLOT_SPLIT.split(text)
    edits = 0
    zh = stock.lang == "zh"
    for k in range(0, len(pieces), 2):
        toks = list(pieces[k]) if zh else pieces[k].split(" ")
        out = []
        for t in toks:
            if not t or rng.random() >= rate or (zh and not "\u4e00" <= t <= "\u9fff"):
                out.append(t)
                continue
            edits += 1
            r = rng.random()
            new = rng.choice(stock.alphabet) if zh else rng.choice(stock.words).lower()
            if r < 0.5:
                out.append(new + ("" if zh or t[-1] not in ",.;:" else t[-1]))
            elif r >= 0.75:
                out.extend((t, new))
        pieces[k] = ("" if zh else " ").join(out)
    return "".join(pieces), edits


class History:
    """Generates a whole corpus history from one seed.

    Args:
        stock: Sentence stock of the language.
        n_docs: Number of published documents wanted.
        seed: Everything random flows from it.
        config: Shape of the corpus.
    """

    def __init__(self, stock: Stock, n_docs: int, seed: int, config: SimConfig = SimConfig()):
        self.lang = stock.lang
        self.stock = stock
        self.n = n_docs
        self.cfg = config
        self.rng = random.Random(seed)
        self.pool = Pool(stock, self.rng, config.boilerplate)
        self.V = Variants()
        self.docs: list[SimDoc] = []
        self.families = 0
        self.published = 0

    # ------------------------------------------------------------ plan
    def run(self) -> list[SimDoc]:
        """Create every document; returns all of them (hidden models included)."""
        rng, cfg = self.rng, self.cfg
        n_orig = round(self.n * cfg.original_share) if self.n >= 5 else 0
        cap = max(3, min(500, self.n // 4))
        remaining = self.n - n_orig
        while remaining > 0:
            children = min(cap, max(2, int(rng.paretovariate(1.2) * 2.5)))
            published = rng.random() < cfg.published_share
            if children + published > remaining:
                if remaining < 2:
                    n_orig += remaining
                    break
                published = remaining > 2
                children = remaining - published
            remaining -= children + published
            self.family(children, published)
        for _ in range(n_orig):
            self.original()
        return self.docs

    def _new(self, **kw) -> SimDoc:
        doc = SimDoc(key=len(self.docs), **kw)
        self.docs.append(doc)
        if doc.kind != "hidden":
            self.published += 1
            doc.channels = self.channels()
        return doc

    def channels(self) -> tuple[str, ...]:
        cfg, rng = self.cfg, self.rng
        out = []
        if rng.random() < cfg.halfwidth and self.lang == "zh":
            out.append("halfwidth")
        if rng.random() < cfg.pdf:
            out.append("pdf")
        if rng.random() < cfg.bad:
            out.append("bad")
        return tuple(out)

    def family(self, children: int, published: bool) -> None:
        rng, cfg = self.rng, self.cfg
        fam = self.families
        self.families += 1
        date = EPOCH + dt.timedelta(days=rng.randint(0, 365 * 9))
        if published:
            template = rng.random() < cfg.template_share
            ents = placeholder_entities(self.lang) if template else make_entities(self.lang, rng)
            model = self._new(kind="model", family=fam, parent=None, date=date, paras=self.compose(), ents=ents,
                              template=template)
        else:
            model = self._new(kind="hidden", family=fam, parent=None, date=date, paras=self.compose(),
                              ents=placeholder_entities(self.lang), template=True)
        members = [model]
        kinds = [k for k, _ in cfg.revision_mix]
        weights = [w for _, w in cfg.revision_mix]
        for _ in range(children):
            parent = model if len(members) == 1 or rng.random() >= cfg.neighbour_share else rng.choice(members[1:])
            revision = rng.choices(kinds, weights)[0]
            ents = make_entities(self.lang, rng)
            date = parent.date + dt.timedelta(days=rng.randint(15, 400))
            child = self._new(kind="copy", family=fam, parent=parent.key, date=date, paras=[], ents=ents,
                              revision=revision)
            self.derive(child, parent)
            members.append(child)

    def original(self) -> None:
        date = EPOCH + dt.timedelta(days=self.rng.randint(0, 365 * 16))
        self._new(kind="original", family=None, parent=None, date=date, paras=self.compose(),
                  ents=make_entities(self.lang, self.rng))

    # ------------------------------------------------------------ fresh text
    def compose(self) -> list[tuple[int, ...]]:
        """A new text: a window of real stock (then recombined sentences), headed and signed off."""
        rng, V, pool = self.rng, self.V, self.pool
        lo, hi = (15, 40) if self.lang == "zh" else (12, 30)
        n = rng.randint(lo, hi)
        title, units = pool.window(n)
        headings = self.stock.headings or list(ZH_HEADINGS if self.lang == "zh" else EN_HEADINGS)
        while len(units) < n:
            if len(units) % 6 == 0:
                units.append(Unit(rng.choice(headings), heading=True))
            units.append(Unit(pool.synth_sentence()))
        if self.lang == "zh":
            title = title if title and "{town}" in title else "{town}" + rng.choice(ZH_TITLES)
        else:
            title = "{town} " + rng.choice(EN_TITLES)
        paras: list[tuple[int, ...]] = [(V.fresh(title),)]
        cur: list[int] = []
        size = rng.randint(1, 4)
        for u in units:
            if u.heading:
                if cur:
                    paras.append(tuple(cur))
                    cur = []
                paras.append((V.fresh(u.text),))
                continue
            cur.append(V.fresh(pool.decorate(u.text)))
            if len(cur) >= size:
                paras.append(tuple(cur))
                cur, size = [], rng.randint(1, 4)
        if cur:
            paras.append(tuple(cur))
        slots = ZH_SLOT_PARAGRAPHS if self.lang == "zh" else EN_SLOT_PARAGRAPHS
        for _ in range(rng.choice((1, 1, 2))):
            paras.insert(rng.randint(1, len(paras)), (V.fresh(rng.choice(slots)),))
        paras.append((V.fresh(rng.choice(self.stock.closings)),))
        return paras

    def local_paragraph(self) -> tuple[int, ...]:
        rng, V = self.rng, self.V
        if rng.random() < 0.25:
            slots = ZH_SLOT_PARAGRAPHS if self.lang == "zh" else EN_SLOT_PARAGRAPHS
            return (V.fresh(rng.choice(slots)),)
        return tuple(V.fresh(self.pool.sentence()) for _ in range(rng.randint(1, 3)))

    # ------------------------------------------------------------ copying
    def perturb(self, text: str, rate: float) -> tuple[str, int]:
        """Character (zh) or word (en) edits at ``rate``; see :func:`perturb`."""
        return perturb(text, rate, self.stock, self.rng)

    def derive(self, child: SimDoc, parent: SimDoc) -> None:
        """Fill ``child.paras`` from ``parent`` through the edits of its revision level."""
        rng, V = self.rng, self.V
        R = REVISIONS[child.revision or "light"]
        edits = child.edits
        title, body = parent.paras[0], [list(p) for p in parent.paras[1:]]
        kept = [p for p in body if rng.random() >= R.drop_par] or body[:1]
        if len(kept) < len(body):
            edits.append({"op": "drop_paragraphs", "n": len(body) - len(kept)})
        dropped = 0
        for p in kept:
            if len(p) > 1 and R.drop_sent:
                before = len(p)
                p[:] = [v for v in p if rng.random() >= R.drop_sent] or p[:1]
                dropped += before - len(p)
        if dropped:
            edits.append({"op": "drop_sentences", "n": dropped})
        moves = rng.randint(0, R.moves) if len(kept) > 2 else 0
        for _ in range(moves):
            p = kept.pop(rng.randrange(len(kept)))
            kept.insert(rng.randrange(len(kept) + 1), p)
        if moves:
            edits.append({"op": "move_paragraphs", "n": moves})
        multi = [p for p in kept if len(p) > 1]
        if multi and rng.random() < R.swap:
            p = rng.choice(multi)
            i = rng.randrange(len(p) - 1)
            p[i], p[i + 1] = p[i + 1], p[i]
            edits.append({"op": "swap_sentences", "n": 1})
        if R.rewrite:
            rate = rng.uniform(*R.rate)
            n_sent = n_tok = 0
            for p in kept:
                for k, v in enumerate(p):
                    if rng.random() < R.rewrite:
                        text, n = self.perturb(V.texts[v], rate)
                        if n:
                            p[k] = V.edited(v, text)
                            n_sent += 1
                            n_tok += n
            if n_sent:
                edits.append({"op": "rewrite", "sentences": n_sent, "edits": n_tok, "rate": round(rate, 3),
                              "unit": "char" if self.lang == "zh" else "word"})
        if child.revision != "verbatim" and rng.random() < self.cfg.kept_name:
            spots = [(p, k) for p in kept for k, v in enumerate(p) if "{town}" in V.texts[v]]
            if spots:
                p, k = rng.choice(spots)
                name = parent.ents["{town}"]
                p[k] = V.edited(p[k], V.texts[p[k]].replace("{town}", name, 1))
                edits.append({"op": "kept_name", "name": name})
        n_local = rng.randint(*R.local)
        for _ in range(n_local):
            kept.insert(rng.randint(0, len(kept)), list(self.local_paragraph()))
        if n_local:
            edits.append({"op": "insert_local", "paragraphs": n_local})
        if rng.random() < self.cfg.borrow:
            self.borrow(child, kept)
        child.paras = [title] + [tuple(p) for p in kept]

    def borrow(self, child: SimDoc, kept: list[list[int]]) -> None:
        """Take one or two paragraphs from an older document of another family."""
        rng = self.rng
        for _ in range(8):
            donor = self.docs[rng.randrange(len(self.docs))]
            if donor.kind == "hidden" or donor.family == child.family or donor.date >= child.date:
                continue
            body = [p for p in donor.paras[1:-1] if sum(len(self.V.texts[v]) for v in p) >= 40]
            if not body:
                continue
            i = rng.randrange(len(body))
            take = body[i : i + rng.randint(1, 2)]
            at = rng.randint(0, len(kept))
            kept[at:at] = [list(p) for p in take]
            child.borrowed = (donor.key,)
            child.edits.append({"op": "borrow", "from": donor.key, "paragraphs": len(take)})
            return

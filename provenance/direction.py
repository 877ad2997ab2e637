"""Which of two copying documents is the source: evidence, one item per clue.

:func:`pair_evidence` lists every clue a pair of documents gives about its
direction; :func:`orient` weighs them into ``(parent, child, confidence)``.
Each :class:`Evidence` names the document it says is the *parent*:

``date``
    Both documents are dated and the dates differ: the older one is the source.
    (The lineage treats this as a hard rule: a dated edge never points back in time.)
``template``
    One document is a fill-in template (placeholders such as ``XX镇``, ``[NAME]``)
    and the other is not: the template is upstream of the filled copy.  Weaker when
    none of the template's placeholders lies inside the shared passages.
``placeholder_filled``
    Inside the shared passages one side has a blank where the other has a name
    (``XX派出所`` → ``金元派出所``): the side with the blank is the source.
``leaked_entity``
    The copy still names the other document's own places or bodies inside the
    shared passages (a county's plan naming another county's townships,
    :func:`provenance.localize.foreign_entities`): strong evidence that it
    copied that document.
``containment``
    The copy added its own material around the shared text: the document that is
    mostly covered by the shared passages is more likely the source, when the
    other one has much more text of its own.  Weak, and not given when one
    document is several times longer than the other (a compilation or a big
    neighbouring plan can hold a small model whole, and a short notice can
    quote one section of a big plan).

Weights are in ``0..1`` and read as the strength of a clue on its own;
:func:`orient` combines the clues of each side as independent
(``1 - Π(1 - w)``) and subtracts the other side's.

Example:
    >>> from provenance.model import Document, Metadata, Pair, Passage
    >>> a = Document("a.txt", "a.txt", "安化县应急预案。由安化县平安办牵头。", metadata=Metadata(date="2021-06-24"))
    >>> b = Document("b.txt", "b.txt", "平乐县应急预案。由平乐县平安办牵头。", metadata=Metadata(date="2023-02-22"))
    >>> pair = Pair("a.txt", "b.txt", 1.0, 1.0, 18, 18, "copy", (Passage((0, 18), (0, 18), 0.8),))
    >>> parent, child, confidence, evidence = orient(a, b, pair)
    >>> parent, child, [e.kind for e in evidence]
    ('a.txt', 'b.txt', ['date'])
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Collection, Iterable

from .model import Document, Pair, Passage, Span
from .spans import union_length

__all__ = ["Evidence", "combine", "orient", "pair_evidence"]

BOILERPLATE = 0.5
"""Passages with at least this share of stock language are not evidence."""

WEIGHTS = {
    "date": 0.9,
    "template": 0.6,
    "template_outside": 0.25,
    "placeholder_filled": 0.8,
    "leaked_entity": 0.85,
    "containment": 0.3,
}
"""Strength of each clue on its own (the first placeholder or leaked name; more add a little)."""


@dataclass(frozen=True)
class Evidence:
    """One clue about the direction of copying between two documents.

    Attributes:
        kind: ``date``, ``template``, ``placeholder_filled``, ``leaked_entity``,
            ``containment`` (and, from the lineage, ``witnesses`` and
            ``shared_model``).
        favours: Id of the document this clue says is the parent.
        weight: Strength ``0..1``.
        detail: One line a person can check, e.g. ``"2021-06-24 < 2023-02-22"``.
    """

    kind: str
    favours: str
    weight: float
    detail: str

    def as_dict(self) -> dict:
        """A JSON-serialisable dict (the form stored on lineage edges)."""
        return {"kind": self.kind, "favours": self.favours, "weight": round(self.weight, 3), "detail": self.detail}


def _evidence_passages(pair: Pair) -> list[Passage]:
    return [p for p in pair.passages if p.boilerplate < BOILERPLATE] or list(pair.passages)


def _inside(span: Span, spans: Iterable[Span], slack: int = 0) -> bool:
    return any(a - slack <= span[0] and span[1] <= b + slack for a, b in spans)


def _sides(a: Document, b: Document, pair: Pair) -> tuple[list[Span], list[Span]]:
    """The evidence passages' spans in ``a`` and in ``b`` (the pair may list them the other way round)."""
    ps = _evidence_passages(pair)
    sa, sb = [p.a_span for p in ps], [p.b_span for p in ps]
    return (sb, sa) if pair.a == b.id and pair.b == a.id else (sa, sb)


def _date_evidence(a: Document, b: Document) -> list[Evidence]:
    da, db = a.metadata.date, b.metadata.date
    if not da or not db or da == db:
        return []
    older, newer = (a, b) if da < db else (b, a)
    return [Evidence("date", older.id, WEIGHTS["date"], f"{older.metadata.date} < {newer.metadata.date}")]


def _template_evidence(a: Document, b: Document, spans_a: list[Span], spans_b: list[Span]) -> list[Evidence]:
    ta, tb = a.metadata.template, b.metadata.template
    if ta == tb:
        return []
    tmpl, other, spans = (a, b, spans_a) if ta else (b, a, spans_b)
    inside = [p.text for p in tmpl.metadata.placeholders if _inside(p.span, spans, slack=4)]
    marks = inside or [p.text for p in tmpl.metadata.placeholders]
    shown = "、".join(dict.fromkeys(m.strip() for m in marks[:4]))
    if inside:
        w = WEIGHTS["template"]
        detail = f"{tmpl.id} is a fill-in template ({shown} inside the shared text); {other.id} is filled in"
    else:
        w = WEIGHTS["template_outside"]
        detail = f"{tmpl.id} has placeholders ({shown}), none inside the shared text"
    return [Evidence("template", tmpl.id, w, detail)]


def _placeholder_evidence(a: Document, b: Document, pair: Pair) -> list[Evidence]:
    """Blanks on one side aligned with names on the other (only where a side has placeholders)."""
    from .localize import substitutions
    from .placeholders import find_placeholders

    ph_a = [p.span for p in a.metadata.placeholders]
    ph_b = [p.span for p in b.metadata.placeholders]
    if not ph_a and not ph_b:
        return []
    flip = pair.a == b.id and pair.b == a.id
    found = {a.id: [], b.id: []}
    for p in _evidence_passages(pair):
        sa, sb = (p.b_span, p.a_span) if flip else (p.a_span, p.b_span)
        if not (any(s[0] < sa[1] and sa[0] < s[1] for s in ph_a) or any(s[0] < sb[1] and sb[0] < s[1] for s in ph_b)):
            continue
        for s in substitutions(a.text[sa[0] : sa[1]], b.text[sb[0] : sb[1]], sa[0], sb[0]):
            blank_a, blank_b = bool(find_placeholders(s.a)), bool(find_placeholders(s.b))
            if blank_a != blank_b and s.a.strip() and s.b.strip():
                found[a.id if blank_a else b.id].append((s.a, s.b) if blank_a else (s.b, s.a))
    out = []
    for doc_id, subs in found.items():
        if subs:
            w = 1 - (1 - WEIGHTS["placeholder_filled"]) ** min(len(subs), 3) ** 0.5
            shown = "; ".join(f"{x} → {y}" for x, y in list(dict.fromkeys(subs))[:3])
            out.append(Evidence("placeholder_filled", doc_id, w, f"{len(subs)} blank(s) filled in: {shown}"))
    return out


def _leak_evidence(a: Document, b: Document, spans_a: list[Span], spans_b: list[Span],
                   common: Collection[str]) -> list[Evidence]:
    from .localize import foreign_entities

    out = []
    for copy, spans, source in ((b, spans_b, a), (a, spans_a, b)):
        if not spans:
            continue
        leaked = foreign_entities(copy.text, spans, source.text, ignore=common)
        if leaked:
            names = list(dict.fromkeys(n for n, _ in leaked))
            w = 1 - (1 - WEIGHTS["leaked_entity"]) * 0.7 ** (len(names) - 1)
            out.append(Evidence("leaked_entity", source.id, w,
                                f"{copy.id} still names {source.id}'s {'、'.join(names[:4])}"))
    return out


def _containment_evidence(a: Document, b: Document, spans_a: list[Span], spans_b: list[Span]) -> list[Evidence]:
    la, lb = max(1, len(a.text.strip())), max(1, len(b.text.strip()))
    if max(la, lb) > 3 * min(la, lb):
        return []  # a compilation holding a small model, or a notice quoting one section: no reading
    ca, cb = union_length(spans_a) / la, union_length(spans_b) / lb
    hi, lo = max(ca, cb), min(ca, cb)
    if hi < 0.5 or hi - lo < 0.25 or lo > 0.75 * hi:
        return []
    src, cp, cs, cc = (a, b, ca, cb) if ca > cb else (b, a, cb, ca)
    w = WEIGHTS["containment"] * min(1.0, (hi - lo) / 0.5)
    return [Evidence("containment", src.id, w,
                     f"{cs:.0%} of {src.id} is shared, only {cc:.0%} of {cp.id}: {cp.id} added its own text")]


def pair_evidence(a: Document, b: Document, pair: Pair, *, common: Collection[str] = ()) -> list[Evidence]:
    """Every clue the pair gives about which document copied which.

    Args:
        a: One document of the pair.
        b: The other one.
        pair: Their shared passages (``pair.a``/``pair.b`` may be either order).
        common: Names never to count as leaked (found in many documents of the
            corpus: a province, a stock term).

    Returns:
        The clues in a fixed order (date, template, placeholder_filled,
        leaked_entity, containment); empty when nothing tells.

    Example:
        >>> from provenance.model import Document, Metadata, Pair, Passage, Placeholder
        >>> t = Document("t.txt", "t.txt", "XX镇信访预案。由XX派出所负责。",
        ...              metadata=Metadata(placeholders=(Placeholder("XX镇", (0, 3)), Placeholder("XX派出所", (9, 14)))))
        >>> c = Document("c.txt", "c.txt", "金元镇信访预案。由金元派出所负责。")
        >>> pair = Pair("t.txt", "c.txt", 1.0, 1.0, 17, 17, "copy", (Passage((0, 17), (0, 17), 0.7),))
        >>> [(e.kind, e.favours) for e in pair_evidence(t, c, pair)]
        [('template', 't.txt'), ('placeholder_filled', 't.txt')]
    """
    spans_a, spans_b = _sides(a, b, pair)
    out = _date_evidence(a, b)
    out += _template_evidence(a, b, spans_a, spans_b)
    out += _placeholder_evidence(a, b, pair)
    out += _leak_evidence(a, b, spans_a, spans_b, common)
    out += _containment_evidence(a, b, spans_a, spans_b)
    return out


def combine(evidence: Iterable[Evidence], a: str, b: str) -> tuple[str | None, float]:
    """The side the clues favour and how strongly (``0..1``); ``(None, 0.0)`` when they cancel out.

    Each side's clues combine as independent (``1 - Π(1 - w)``); the confidence
    is the winner's strength discounted by the loser's.
    """
    strength = {a: 1.0, b: 1.0}
    for e in evidence:
        if e.favours in strength:
            strength[e.favours] *= 1 - min(max(e.weight, 0.0), 1.0)
    sa, sb = 1 - strength[a], 1 - strength[b]
    if abs(sa - sb) < 1e-9:
        return None, 0.0
    win, lose = (a, sb) if sa > sb else (b, sa)
    conf = max(sa, sb) * (1 - lose)
    return (win, round(conf, 4)) if conf >= 0.05 else (None, round(conf, 4))


def orient(a: Document, b: Document, pair: Pair, *, common: Collection[str] = ()
           ) -> tuple[str | None, str | None, float, list[Evidence]]:
    """Decide which of two copying documents is the parent.

    Args:
        a: One document of the pair.
        b: The other one.
        pair: Their shared passages.
        common: Names never to count as leaked (see :func:`pair_evidence`).

    Returns:
        ``(parent, child, confidence, evidence)``; ``parent`` and ``child`` are
        ``None`` when the clues are missing or cancel out.
    """
    evidence = pair_evidence(a, b, pair, common=common)
    parent, conf = combine(evidence, a.id, b.id)
    if parent is None:
        return None, None, conf, evidence
    return parent, (b.id if parent == a.id else a.id), conf, evidence

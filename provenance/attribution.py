"""Where each document's copied text comes from: its sources, with shares.

The lineage forest gives every document one parent; a document assembled
from several sources (a city's regulation taking articles from its province,
the national law and a neighbour) has more.  This stage answers the reader's
question "how much of this plan is copied, and from where" without forcing a
single answer: the text a document shares in copied passages is credited,
greedily, to the source that explains most of what is still unexplained, then
the next, and so on; the document's own lineage chain (its parent, then further
up) is credited first, so the credits read like the tree.

A partner can be a source of ``X`` unless the evidence says ``X`` is *its*
source: it descends from ``X`` in the lineage through edges with decisive
evidence (:data:`DECISIVE`: dates, a fill-in template, a blank filled in, a
leaked name), it is dated after ``X``, or ``X`` is a fill-in template and the
partner is filled in.  A descendant through weaker edges only is still listed
(``undirected``): the forest has one parent per document, so a document that
took passages from three others is drawn as *their* source when nothing else
decides, and the three are its sources all the same.
Relatives hanging under the same inferred (unseen) template as ``X`` are one
source together, the template: what ``X`` shares with them came from the model
they all copied.  Each credit says how the source is related to ``X``:

``parent`` / ``ancestor``
    ``X``'s parent in the lineage, or a document further up its chain;
``template``
    an inferred template (``hypothetical``), through the relatives under it;
``fill-in``
    a fill-in template in the corpus (``X`` has no placeholders);
``earlier``
    a document dated before ``X`` that the lineage does not link to it;
``undirected``
    neither the lineage nor the dates say who copied whom.

Example:
    >>> from provenance.model import Document, Edge, Lineage, Node, Pair, Passage
    >>> docs = [Document(i, i, "x" * 300) for i in ("a", "b", "c")]
    >>> pairs = [Pair("a", "c", .5, .5, 150, 150, "copy", (Passage((0, 150), (0, 150), 1.0),)),
    ...          Pair("b", "c", .3, .3, 90, 90, "copy", (Passage((0, 90), (200, 290), 1.0),))]
    >>> lin = Lineage(tuple(Node(i) for i in "abc"), (Edge("a", "c", 0.9),))
    >>> c = attribute(docs, pairs, lin)["c"]
    >>> round(c.share, 2), [(s.source, s.chars, s.relation) for s in c.sources]
    (0.8, [('a', 150, 'parent'), ('b', 90, 'undirected')])
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Iterable, Sequence

from .spans import merge_spans, minus
from .model import Document, Lineage, Pair

BOILERPLATE = 0.5
"""A passage whose shared text is at least this share stock language is not copied text."""
MIN_CHARS = 40
"""A source must explain at least this many characters not explained by better ones."""
MAX_SOURCES = 8
"""At most this many sources are listed; the rest are counted in ``other_chars``."""

DECISIVE = frozenset({"date", "template", "placeholder_filled", "leaked_entity"})
"""Evidence kinds that settle an edge's direction (see :mod:`provenance.direction`)."""

_RANK = {"parent": 0, "ancestor": 1, "template": 2, "fill-in": 3, "earlier": 4, "undirected": 5}


@dataclass(frozen=True)
class Credit:
    """The part of a document's copied text credited to one source."""

    source: str
    chars: int
    """Characters of the document credited to this source (none counted twice)."""
    share: float
    """``chars`` as a share of the document's characters."""
    relation: str
    hypothetical: bool = False
    via: tuple[str, ...] = ()
    """For an inferred template: the relatives under it that hold the text."""


@dataclass(frozen=True)
class Attribution:
    """A document's copied text and its sources."""

    doc: str
    chars: int
    """Characters inside copied passages shared with possible sources."""
    share: float
    sources: tuple[Credit, ...] = ()
    other_chars: int = 0
    """Copied characters credited to no listed source (each below ``MIN_CHARS`` or beyond ``MAX_SOURCES``)."""
    copied_by: int = 0
    """Documents that copy this one (descendants, or dated later, sharing copied text)."""


def _length(spans: Sequence[tuple[int, int]]) -> int:
    return sum(b - a for a, b in spans)


def copied_spans(pairs: Iterable[Pair]) -> dict[str, dict[str, list[tuple[int, int]]]]:
    """Per document, per partner: the merged spans of the document inside copied passages."""
    spans: dict[str, dict[str, list[tuple[int, int]]]] = defaultdict(lambda: defaultdict(list))
    for p in pairs:
        if p.kind != "copy":
            continue
        for q in p.passages:
            if q.boilerplate < BOILERPLATE:
                spans[p.a][p.b].append(tuple(q.a_span))
                spans[p.b][p.a].append(tuple(q.b_span))
    return {d: {o: list(merge_spans(s)) for o, s in per.items()} for d, per in spans.items()}


def attribute(documents: Iterable[Document], pairs: Iterable[Pair], lineage: Lineage) -> dict[str, Attribution]:
    """Each document's copied share and its sources, most explaining first.

    Args:
        documents: The scanned documents (their dates and lengths are used).
        pairs: Every pair found; only copy pairs and their copied passages count.
        lineage: The lineage forest (parents, inferred templates).
    """
    docs = {d.id: d for d in documents}
    parent = {e.child: e.parent for e in lineage.edges}
    hypothetical = {n.id for n in lineage.nodes if n.hypothetical}
    children: dict[str, list[str]] = defaultdict(list)
    firm: dict[str, list[str]] = defaultdict(list)  # children through decisive edges
    for e in lineage.edges:
        children[e.parent].append(e.child)
        if any(ev.get("kind") in DECISIVE and ev.get("favours", e.parent) == e.parent for ev in e.evidence):
            firm[e.parent].append(e.child)

    def ancestors(x: str) -> list[str]:
        out, seen = [], {x}
        while x in parent and parent[x] not in seen:
            x = parent[x]
            seen.add(x)
            out.append(x)
        return out

    below: dict[tuple[str, bool], set[str]] = {}

    def descendants(x: str, decisive: bool = False) -> set[str]:
        if (x, decisive) not in below:
            kids = firm if decisive else children
            out, todo = set(), [x]
            while todo:
                for c in kids.get(todo.pop(), ()):
                    if c not in out:
                        out.add(c)
                        todo.append(c)
            below[x, decisive] = out
        return below[x, decisive]

    shared = copied_spans(pairs)
    result: dict[str, Attribution] = {}
    for x, d in docs.items():
        per = shared.get(x, {})
        up = ancestors(x)
        down = descendants(x)
        firmly_down = descendants(x, decisive=True)
        date = d.metadata.date
        # The inferred templates above x, nearest first, and who hangs under each.
        templates = [(h, descendants(h) - down - {x}) for h in up if h in hypothetical]
        items: dict[tuple[str, str], list[tuple[int, int]]] = {}
        via: dict[str, list[str]] = defaultdict(list)
        copied_by = 0
        for y, spans in per.items():
            other = docs.get(y)
            later = other is not None and date and other.metadata.date and other.metadata.date > date
            filled = other is not None and d.metadata.template and not other.metadata.template
            h = next((h for h, under in templates if y in under), None)
            if y in firmly_down or ((later or filled) and y not in up and h is None):
                copied_by += 1
                continue
            if y == parent.get(x):
                key = (y, "parent")
            elif y in up:
                key = (y, "ancestor")
            elif h is not None:  # a relative under the same unseen model: the text came from the model
                key = (h, "template")
                via[h].append(y)
            elif other is not None and other.metadata.template and not d.metadata.template:
                key = (y, "fill-in")
            elif date and other is not None and other.metadata.date and other.metadata.date < date:
                key = (y, "earlier")
            else:
                key = (y, "undirected")
            items[key] = list(merge_spans(items.get(key, []) + spans))
        everything = list(merge_spans(s for spans in items.values() for s in spans))
        taken: list[tuple[int, int]] = []
        credits: list[Credit] = []
        left = dict(items)

        def credit(key: tuple[str, str], gain: int) -> None:
            nonlocal taken
            src, rel = key
            credits.append(Credit(src, gain, round(gain / max(1, d.chars), 4), rel,
                                  src in hypothetical, tuple(sorted(via.get(src, ())))))
            taken = list(merge_spans(taken + left.pop(key)))

        # The lineage chain first (parent, then further up), so the credits read like
        # the tree; then whatever explains most of what is left.
        chain = sorted((k for k in left if k[0] in up), key=lambda k: up.index(k[0]))
        for key in chain:
            gain = _length(minus(left[key], taken))
            if gain >= MIN_CHARS and len(credits) < MAX_SOURCES:
                credit(key, gain)
        while left and len(credits) < MAX_SOURCES:
            gains = {k: _length(minus(v, taken)) for k, v in left.items()}
            key = min(gains, key=lambda k: (-gains[k], _RANK[k[1]], k[0]))
            if gains[key] < MIN_CHARS:
                break
            credit(key, gains[key])
        total = _length(everything)
        result[x] = Attribution(x, total, round(total / max(1, d.chars), 4), tuple(credits),
                                total - sum(c.chars for c in credits), copied_by)
    return result


__all__ = ["Attribution", "Credit", "attribute", "copied_spans"]

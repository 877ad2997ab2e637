"""The lineage forest: who copied whom, and which unseen templates the copies share.

Only pairs of kind ``"copy"`` make edges (stock language never does).  The
documents they connect fall into components; each component is read the way a
textual critic reads the witnesses of a lost text, from the *material* they
share: 8-character (4-word) shingles inside sentences that at least two
documents of the component hold and no other component does.

**Can Y be X's source?**  Tests for every copying pair, both directions:

1. *Dates*: a dated document is never the child of a document dated later (a
   hard rule), and an undated one never the child of a document dated on or
   after the oldest copy it ends up with.
2. *Nothing ancestral missing* (Lachmann's separative errors): a copy holds
   only what its source held plus its own additions.  If X shares a run of text
   with a third document Z that cannot descend from X (Z is older than X, or
   holds older text X lacks), Y's relatives have it and Y lacks it, X did not get
   it through Y.  More than ``max_missing`` of X's witnessed material missing
   from Y rules Y out, and so does Y holding less than ``min_cover`` of X's
   shared material (a borrowed paragraph does not make a source).
3. *Nothing of Y's own dropped*: a run of ``private_run`` units only Y has,
   standing where the other documents go straight on (an inserted paragraph,
   not a name filled into a slot), is Y's own addition; a whole copy of Y
   (holding at least ``whole_copy`` of Y) would have kept it.

**Choosing.**  Among X's possible sources, one that is itself a mere copy of
another possible source (X holds none of its own text and lacks nothing it
dropped) gives way to that exemplar (*eliminatio codicum descriptorum*).
Undated pairs lean on their own clues (:func:`provenance.direction.orient`);
an undated edge those clues contradict is not drawn.  A maximum branching
(Edmonds) over edges weighted by how much of X the source explains gives each
document at most one parent and never a cycle.

**Inferred, unseen templates.**  Some copies have their source outside the
corpus; a hypothetical node ``template:F3`` (named after the passage family
most of them share) becomes the common parent of:

* documents whose whole-copy partners all fail the tests, grouped with each
  other and with roots that fail as their source at least as often as they fit;
* a document and the copies hung under it when those copies share, between
  them, text it lacks (they are its siblings);
* copies hung under a member of such a group that hold none of that member's
  own text (the lost model is as good a source, and the exemplar is preferred),

instead of an edge forced between two towns that each localised a model
neither of them wrote.

**Evidence.**  Each real edge lists the :func:`~provenance.direction.orient`
clues (date, template, placeholder_filled, leaked_entity, containment) and a
``witnesses`` item; edges from a hypothetical node carry ``shared_model``.
:attr:`Lineage.notes` says what could not be decided: no dates, equal dates,
dates that strong clues contradict, undecided directions, copying documents
left out of the forest, a single document, boilerplate only.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from typing import Iterable, Sequence

import networkx as nx
import numpy as np

from .arrays import isin_sorted
from .direction import Evidence, combine, orient
from .fingerprint import shingle_hashes
from .model import Document, Edge, Family, Lineage, Node, Pair
from .normalize import normalize

__all__ = ["LineageParams", "build_lineage", "hypothetical_id"]


@dataclass(frozen=True)
class LineageParams:
    """Tuning of :func:`build_lineage` (defaults measured on ``benchmarks/``).

    Attributes:
        k_char: Shingle length in characters (scripts without spaces).
        k_word: Shingle length in words.
        min_run: Runs of fewer units than this are ignored when text is missing
            (a swapped name, a dropped character of a bad conversion).
        max_missing: Share of X's witnessed material Y may lack and still be its source.
        min_cover: Share of X's shared material Y must hold to be its source.
        private_run: Units of unshared text in one run that count as a document's own addition.
        max_private: Units of such additions a source may have (that none of its copies kept).
        whole_copy: A child holding this share of its source's text copied it whole: only then
            do the source's own additions count against it (an excerpt leaves the rest out),
            and only such close pairs are grouped under an unseen template.
        max_component: Components larger than this are read from pair evidence only.
        stock_spread: Shingles found in this many components are stock text, not material.
        against: An undated edge whose pair clues point the other way at least this
            confidently (:func:`provenance.direction.orient`) is not drawn.
        min_inherited: Units of a source's novelties (text it wrote, see :func:`_novel`) a
            child must hold for the source's unkept additions not to rule it out; also the
            novelties a source must have before a child keeping none of them rules it out.
        min_kept: Share of a source's novelties a child must keep (else it did not copy that source).
        min_heirs: Documents holding a source's novelties from which, when none of them holds the
            source's own additions, the novelties no longer excuse those additions (see
            :meth:`_Candidate.valid`).
        max_borrowed: ``max_missing`` for a child that kept its source's novelties (it may have taken
            a paragraph or two from another document too).
        min_region: Documents a cluster of an inferred template's group needs to be read on its own
            (:func:`_regions`).
        region_contrast: How many times more a cluster's documents must share with each other than
            with the rest of the group.
        region_model: The most a cluster's documents may share with the rest of the group (as a share
            of the smaller text): the lost model must be a minor part of them.
        region_share: Share of a document's material that must be its cluster's own text for the
            cluster's reading to place it.
        region_cover: Share of a document's cluster-only text its source in the cluster must hold.
    """

    k_char: int = 8
    k_word: int = 4
    min_run: int = 12
    max_missing: float = 0.03
    min_cover: float = 0.3
    private_run: int = 20
    max_private: int = 0
    whole_copy: float = 0.2
    max_component: int = 1500
    stock_spread: int = 2
    against: float = 0.2
    min_inherited: int = 24
    min_kept: float = 0.2
    min_heirs: int = 3
    max_borrowed: float = 0.15
    min_region: int = 3
    region_contrast: float = 1.5
    region_model: float = 0.25
    region_share: float = 0.1
    region_cover: float = 0.5


def hypothetical_id(family_id: str) -> str:
    """Node id of the unseen template inferred for a passage family: ``template:F3``."""
    return f"template:{family_id}"


# ----------------------------------------------------------------------------- material

_SENTENCE_END = re.compile(r"[。！？；!?;]|[.:](?=\s)")


def _shingles(text: str, p: LineageParams) -> tuple[np.ndarray, np.ndarray, int]:
    """Shingle hash at every unit, whether a whole shingle starts there inside one sentence, and how many units are words."""
    units = normalize(text)
    if len(units) == 0:
        return np.zeros(0, np.uint32), np.zeros(0, bool), 0
    ks = np.where(units.is_word, p.k_word, p.k_char).astype(np.int32)
    h, valid = shingle_hashes(units, ks)
    ends = np.array([m.start() for m in _SENTENCE_END.finditer(text)], dtype=np.int64)
    sentence = np.searchsorted(ends, units.starts, side="right")
    last = np.minimum(np.arange(len(units)) + ks - 1, len(units) - 1)
    return h, valid & (sentence[last] == sentence), int(units.is_word.sum())


def _runs(mask: np.ndarray, length: int) -> np.ndarray:
    """Where ``mask`` (positions × columns) is True inside a run of at least ``length`` Trues."""
    squeeze = mask.ndim == 1
    m = mask[:, None] if squeeze else mask
    if m.shape[1] > 1 and m.size > _BLOCK:  # columns are independent: bound the int32 temporaries
        step = max(1, _BLOCK // max(1, m.shape[0]))
        return np.concatenate([_runs(m[:, a:a + step], length) for a in range(0, m.shape[1], step)], axis=1)
    if m.shape[0] < length or length <= 1:
        out = m.copy() if length <= 1 else np.zeros_like(m)
        return out[:, 0] if squeeze else out
    zero = np.zeros((1, m.shape[1]), np.int32)
    c = np.concatenate([zero, np.cumsum(m, axis=0, dtype=np.int32)])
    full = (c[length:] - c[:-length]) == length
    cf = np.concatenate([zero, np.cumsum(full, axis=0, dtype=np.int32)])
    idx = np.arange(m.shape[0])
    lo = np.clip(idx - length + 1, 0, full.shape[0])
    hi = np.clip(idx + 1, 0, full.shape[0])
    out = (cf[hi] - cf[lo]) > 0
    return out[:, 0] if squeeze else out


_BLOCK = 1 << 22
"""Elements of one temporary block: matrices over all material are built in row blocks of this size."""


def _row_blocks(rows: int, cols: int) -> Iterable[slice]:
    """Slices of at most :data:`_BLOCK` elements over the rows of a ``rows × cols`` matrix."""
    step = max(1, _BLOCK // max(1, cols))
    return (slice(a, min(rows, a + step)) for a in range(0, rows, step))


def _gram(held: np.ndarray) -> np.ndarray:
    """``held.T @ held`` as integers: ``out[j, k]`` is the material documents ``j`` and ``k`` both hold.

    Summed over row blocks, so the float copy of the material never exists whole
    (a corpus of long texts has millions of material rows).
    """
    n = held.shape[1]
    out = np.zeros((n, n), np.int64)
    for rows in _row_blocks(held.shape[0], n):
        block = held[rows].astype(np.float32)
        out += np.rint(block.T @ block).astype(np.int64)
    return out


def _holding(held: np.ndarray, cols: Sequence[int], dtype: type = np.int64) -> np.ndarray:
    """``held[:, cols].sum(1)``: per material row, how many of the documents ``cols`` hold it (by row blocks)."""
    out = np.empty(len(held), dtype)
    for rows in _row_blocks(len(held), len(cols)):
        out[rows] = held[rows][:, cols].sum(1, dtype=dtype)
    return out


def _earliest(held: np.ndarray, day: np.ndarray, none: int) -> np.ndarray:
    """Per material row, the smallest ``day`` of a document holding it (``none`` if no one does)."""
    out = np.empty(held.shape[0], np.int64)
    for rows in _row_blocks(*held.shape):
        out[rows] = np.where(held[rows], day[None, :], none).min(1) if held.shape[1] else none
    return out


@dataclass
class _Component:
    """The shared material of one component: ``held[v, j]`` — document ``j`` holds shingle ``v``."""

    ids: list[str]
    held: np.ndarray
    pos: dict[str, np.ndarray]       # per document: material index of each shingle, -1 if none
    private: np.ndarray              # per document: units of its own, unshared additions
    run: int                         # shortest run of units that counts (a word weighs two characters)
    length: np.ndarray               # per document: units that start a shingle
    own: list[list[np.ndarray]] = field(default_factory=list)  # per document: its additions kept by later copies
    novel: np.ndarray | None = None  # novel[v, j]: material v first appears in document j
    both: np.ndarray | None = None   # both[j, k]: material documents j and k both hold (:func:`_gram`)
    shingles: dict[str, np.ndarray] = field(default_factory=dict)  # per document: every shingle, in order


def _material(ids: list[str], seqs: dict[str, tuple[np.ndarray, np.ndarray, int]], common: np.ndarray,
              p: LineageParams, dates: Sequence[str | None] = ()) -> _Component:
    words = sum(seqs[i][2] for i in ids)
    scale = 0.5 if 2 * words > sum(len(seqs[i][0]) for i in ids) else 1.0
    uniq = [np.unique(seqs[i][0][seqs[i][1]]) for i in ids]
    allh = np.concatenate(uniq) if uniq else np.zeros(0, np.uint32)
    v, c = np.unique(allh, return_counts=True)
    stock = isin_sorted(v, common)
    vocab = v[(c >= 2) & ~stock]
    alone = v[(c == 1) & ~stock]
    held = np.zeros((len(vocab), len(ids)), bool)
    pos, private, alone_runs = {}, np.zeros(len(ids), np.int64), {}
    for j, i in enumerate(ids):
        h, valid, _ = seqs[i]
        k = np.clip(np.searchsorted(vocab, h), 0, max(0, len(vocab) - 1))
        ok = valid & (vocab[k] == h) if len(vocab) else np.zeros(len(h), bool)
        pos[i] = np.where(ok, k, -1)[valid]  # sentence ends, where no shingle starts, do not break runs
        held[k[ok], j] = True
        alone_runs[i] = _runs(isin_sorted(h[valid], alone), round(p.private_run * scale))
    length = np.array([int(seqs[i][1].sum()) for i in ids], dtype=np.int64)
    first = {i: _first_positions(pos[i]) for i in ids}
    ends = {i: _ends(pos[i]) for i in ids}
    least = round(p.private_run * scale)
    day = _days(dates, len(ids))
    own: list[list[np.ndarray]] = []
    f_day, f_count = _first_holders(held, day)
    for j, i in enumerate(ids):
        private[j] = sum(b - a for a, b in _insertions(i, alone_runs[i], pos, first, least, ends=ends))
        own.append(_later_kept(j, ids, held, pos, first, day, least, f_day, f_count))
    both = _gram(held)
    return _Component(ids, held, pos, private, max(2, round(p.min_run * scale)), length, own,
                      _novel(held, day, f_day, both), both, {i: seqs[i][0][seqs[i][1]] for i in ids})


def _blanks_unowned(mat: _Component, docs: dict[str, Document]) -> _Component:
    """``mat`` with no own additions for fill-in templates: what only a template has are its blanks, which every
    copy fills."""
    for j, x in enumerate(mat.ids):
        if docs[x].metadata.template:
            mat.private[j] = 0
    return mat


def _first_holders(held: np.ndarray, day: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per material row: the date of its earliest holder and how many hold it on that date.

    Undated holders count as older than anyone (they may be), so material an
    undated document holds has no dated first holder.
    """
    eff = np.where(day < _UNDATED, day, -1)
    if not held.shape[1]:
        return np.zeros(len(held), np.int64), np.zeros(len(held), np.int64)
    first = _earliest(held, eff, np.iinfo(np.int64).max)
    count = np.empty(len(held), np.int64)
    for rows in _row_blocks(*held.shape):
        count[rows] = (held[rows] & (eff[None, :] == first[rows, None])).sum(1)
    return first, count


def _novel(held: np.ndarray, day: np.ndarray, first: np.ndarray, both: np.ndarray) -> np.ndarray:
    """``novel[v, j]``: material ``v`` first appears in document ``j``.

    Document ``j`` holds it, an older document holds most of ``j``'s text but
    not this, nor does any document dated before ``j`` (or undated), and at most
    a quarter of the component holds it: ``j`` wrote it (a rewritten sentence, a
    paragraph of its own) and whoever else holds it took it from ``j``.  What
    most of a family holds is its model's text, not one copy's novelty; the
    oldest document and undated ones have no novelties: there is no older text
    to tell them from.
    """
    novel = np.zeros(held.shape, bool)
    if not held.size:
        return novel
    few = held.sum(1) <= max(3, 0.25 * held.shape[1])  # what most of a family holds is its model's, not one copy's
    dated = day < _UNDATED
    older = (day[None, :] < day[:, None]) | ~dated[None, :]  # older[j, k]: k is (or may be) older than j
    np.fill_diagonal(older, False)
    close = ((both >= 0.5 * np.diag(both)[:, None]) & older).any(1)  # an older document holds most of j's text
    cols = np.nonzero(dated & (day > day.min()) & close)[0]
    for rows in _row_blocks(*held.shape):  # no temporary as large as ``held``
        novel[rows, cols] = held[rows][:, cols] & (day[None, cols] == first[rows, None]) & few[rows, None]
    return novel


_UNDATED = 99999999


def _days(dates: Sequence[str | None], n: int) -> np.ndarray:
    """``YYYYMMDD`` integers; undated documents get :data:`_UNDATED`."""
    if not dates:
        return np.full(n, _UNDATED, np.int64)
    return np.array([int(d.replace("-", "")) if d else _UNDATED for d in dates], dtype=np.int64)


def _later_kept(j: int, ids: list[str], held: np.ndarray, pos: dict[str, np.ndarray],
                first: dict[str, tuple[np.ndarray, np.ndarray]], day: np.ndarray, least: int,
                f_day: np.ndarray, f_count: np.ndarray) -> list[np.ndarray]:
    """Additions of document ``j`` that copies made later kept: runs it shares only with later documents.

    Such a run is ``j``'s own when documents older than ``j`` read straight on
    across the place where it stands (:func:`_insertions` with them as judges):
    ``j`` inserted it and its copies kept it.  A copy of ``j`` would keep it too,
    so a document lacking it was not copied from ``j``.  Nothing is an addition
    of an undated document or of the oldest one: no older text to measure against.

    ``f_day``, ``f_count``: per material row, the date of its earliest holder and how many hold it
    then (:func:`_first_holders`).

    Returns:
        The material indices of each such run.
    """
    if day[j] >= _UNDATED or not (day < day[j]).any() or not len(held):
        return []
    px = pos[ids[j]]
    at = np.maximum(px, 0)
    # j holds the shingle and every other holder is dated after j (looked up for j's shingles only:
    # a matrix of this over all material and documents would be as large as ``held``)
    mine = (px >= 0) & held[at, j] & (f_day[at] == day[j]) & (f_count[at] == 1)
    judges = {ids[k] for k in np.nonzero(day < day[j])[0]}
    runs = _insertions(ids[j], _runs(mine, least), pos, first, least, judges)
    return [px[a:b][px[a:b] >= 0] for a, b in runs]


def _ends(pos: np.ndarray) -> tuple[int, int]:
    """The first and the last position holding material (``(len, -1)`` if none)."""
    where = np.nonzero(pos >= 0)[0]
    return (int(where[0]), int(where[-1])) if len(where) else (len(pos), -1)


def _first_positions(pos: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    where = np.nonzero(pos >= 0)[0]
    u, at = np.unique(pos[where], return_index=True)
    return u, where[at]


def _insertions(doc: str, alone: np.ndarray, pos: dict[str, np.ndarray],
                first: dict[str, tuple[np.ndarray, np.ndarray]], least: int,
                judges: set[str] | None = None,
                ends: dict[str, tuple[int, int]] | None = None) -> list[tuple[int, int]]:
    """Runs of ``doc``'s own text (``alone``) that it *inserted* (a local paragraph), not a slot it filled.

    The shared shingles on both sides of each such run are looked up in the
    other documents (or only in ``judges``): where they stand much closer
    together there, ``doc`` added text; where about as far apart, every
    document filled the same slot with its own words (names, dates, phone
    numbers), which copies never keep.  With ``judges``, a run nobody of them
    reads across, or at an end of the document, is not shown to be inserted.
    Without, a run at an end is measured against the documents whose shared text
    ends (or starts) there too (``ends``: each one's first and last position
    holding material): a closing list of names every copy fills in its own way
    is no addition, a paragraph appended after the text the others end with is.

    Returns:
        ``(start, end)`` positions of the inserted runs.
    """
    edges = np.diff(np.concatenate(([0], alone.astype(np.int8), [0])))
    py = pos[doc]
    out = []
    for a, b in zip(np.nonzero(edges == 1)[0], np.nonzero(edges == -1)[0]):
        before, after = np.nonzero(py[:a] >= 0)[0], np.nonzero(py[b:] >= 0)[0]
        at_end = not len(before) or not len(after)
        if at_end and judges is not None:
            continue
        if at_end and (ends is None or (not len(before) and not len(after))):
            out.append((int(a), int(b)))  # at an end, nobody to measure against: an addition
            continue
        pb = int(before[-1]) if len(before) else -1  # -1, len(py): the document's start, its end
        pa = int(b + after[0]) if len(after) else len(py)
        gaps = []
        for other, (u, at) in first.items():
            if other == doc or not len(u) or (judges is not None and other not in judges):
                continue
            kb, ka = np.searchsorted(u, [py[max(pb, 0)], py[min(pa, len(py) - 1)]])
            hb = kb < len(u) and u[kb] == py[max(pb, 0)]
            ha = ka < len(u) and u[ka] == py[min(pa, len(py) - 1)]
            if pb < 0:  # what stands before the first shared text, there as here (if it starts there too)
                if ha and at[ka] - ends[other][0] < least:
                    gaps.append(int(at[ka]) + 1)
            elif pa == len(py):  # what stands after the last shared text
                if hb and ends[other][1] - at[kb] < least:
                    gaps.append(len(pos[other]) - int(at[kb]))
            elif hb and ha and at[ka] > at[kb]:
                gaps.append(int(at[ka] - at[kb]))
        if not gaps and judges is not None:
            continue
        # at an end, part of the run may stand for text the others have there (a title's own words)
        longer = min(least, (b - a) / 2) if at_end else least
        if not gaps or (pa - pb) - float(np.median(gaps)) >= longer:
            out.append((int(a), int(b)))  # nobody else has text on both sides, or they have it closer: inserted
    return out


def _common_shingles(comp_of: dict[str, int], spread: int, seqs: dict[str, tuple]) -> np.ndarray:
    """Shingles found in at least ``spread`` components: stock text, not family material."""
    hs, cs = [], []
    for doc_id, (h, valid, _) in seqs.items():
        u = np.unique(h[valid])
        hs.append(u.astype(np.uint64))
        cs.append(np.full(len(u), comp_of[doc_id], np.uint64))
    if not hs:
        return np.zeros(0, np.uint32)
    keys = np.unique((np.concatenate(hs) << np.uint64(32)) | np.concatenate(cs))  # one per (shingle, component)
    v, c = np.unique(keys >> np.uint64(32), return_counts=True)
    return v[c >= spread].astype(np.uint32)


# ----------------------------------------------------------------------------- witnesses

@dataclass(frozen=True)
class _Candidate:
    """How well ``source`` explains ``child``."""

    source: str
    child: str
    missing: float      # share of the child's witnessed material the source lacks
    cover: float        # share of the child's shared material the source holds
    shared: int
    extra: int          # the source's material the child does not hold
    private: int        # the source's own additions nobody kept
    whole: float        # share of the source's text the child holds (1: a whole copy, small: an excerpt)
    witnesses: int      # documents that testified
    slips: int = 0      # witnessed units the source lacks in runs too short to rule it out
    inherited: int = 0  # units of the source's novelties the child holds (in runs)
    novelties: int = 0  # units of the source's novelties (in runs)
    unkept: int = 0     # units of the source's own additions no document holds
    heirs: int = 0      # documents holding the source's novelties

    def valid(self, p: LineageParams) -> bool:
        own = self.private if self.whole >= p.whole_copy else 0  # an excerpt leaves the rest of its source out
        # a copy may drop its source's own paragraph; it is the copy still when it kept what the source wrote --
        # unless several hold the "novelties" and none the paragraph: each would have dropped the same paragraph,
        # where the plainer story is model text the older copies left out, and a paragraph only the source wrote
        forgiven = self.inherited >= p.min_inherited and not (self.heirs >= p.min_heirs and self.unkept > p.max_private)
        own = 0 if forgiven else own
        # the source wrote text of its own and the child kept none of it: the child has the older reading
        ignored = self.novelties >= p.min_inherited and self.inherited < p.min_kept * self.novelties
        # a copy may also take a paragraph from elsewhere: with what the source wrote kept, more may be missing
        missing = p.max_missing if self.inherited < p.min_inherited else p.max_borrowed
        return (self.missing <= missing and self.cover >= p.min_cover and own <= p.max_private
                and not ignored)

    @property
    def score(self) -> float:
        lost = self.extra + 2 * self.slips
        return (self.shared - lost) / max(1, self.shared + lost)


STRONG = frozenset({"leaked_entity", "placeholder_filled", "template"})
"""Clues strong enough that a date pointing the other way is worth a note."""


def _dated_pair(docs: dict[str, Document], a: str, b: str) -> bool:
    da, db = docs[a].metadata.date, docs[b].metadata.date
    return bool(da and db and da != db)


def _older(docs: dict[str, Document], a: str, b: str) -> bool:
    da, db = docs[a].metadata.date, docs[b].metadata.date
    return bool(da and db and da < db)


def _candidates(comp: _Component, docs: dict[str, Document], linked: set[tuple[str, str]],
                p: LineageParams) -> dict[tuple[str, str], _Candidate]:
    """Every possible ``(source, child)`` edge of a component with its witness scores."""
    ids, held = comp.ids, comp.held
    n = len(ids)
    older = np.array([[_older(docs, a, b) for b in ids] for a in ids], dtype=bool)
    rel = np.array([[a == b or (a, b) in linked for b in ids] for a in ids], dtype=bool)
    day = np.array([int(docs[i].metadata.date.replace("-", "")) if docs[i].metadata.date else 99999999
                    for i in ids], dtype=np.int64)
    first = _earliest(held, day, 99999999)                  # date of the oldest holder of each shingle
    count = held.sum(1)
    # witnesses of x: older documents, and documents holding older text that x lacks
    allpos = np.concatenate([np.append(comp.pos[i], -1) for i in ids])
    owner = np.concatenate([np.full(len(comp.pos[i]) + 1, j) for j, i in enumerate(ids)])
    wit = np.zeros((n, n), bool)
    for xi in range(n):
        dated = bool(docs[ids[xi]].metadata.date)
        if dated and not older[:, xi].any():
            continue
        # text older documents hold (undated x: text two other documents hold) that x lacks
        lacks = ~held[:, xi] & ((first < day[xi]) if dated else (count >= 2))
        hit = np.where(allpos >= 0, lacks[np.maximum(allpos, 0)], False)
        holders = np.bincount(owner[_runs(hit, comp.run)], minlength=n) > 0
        wit[:, xi] = older[:, xi] | holders
        wit[xi, xi] = False
    size = held.sum(0)
    both = comp.both                                          # both[y, x]: shingles y and x hold
    kept = np.zeros((n, n), np.int64)  # kept[y, x]: units of y's text that x holds
    for yi, y in enumerate(ids):
        py = comp.pos[y]
        rows_y = py[py >= 0]
        for rows in _row_blocks(len(rows_y), n):  # a long text's rows of ``held`` are never gathered whole
            kept[yi] += held[rows_y[rows]].sum(0)
    out: dict[tuple[str, str], _Candidate] = {}
    novel_units: dict[int, int] = {}
    novel_any = comp.novel.any(0) if comp.novel is not None else np.zeros(n, bool)
    for xi, x in enumerate(ids):
        # only x's possible sources are scored: linked to it and not younger
        ys = np.array([yi for yi, y in enumerate(ids) if yi != xi and (x, y) in linked and not older[xi, yi]], np.int64)
        if not len(ys):
            continue
        # m[t, k] (x's position t holds material that k holds: held[px[t], k], False where px[t] < 0) is
        # never built whole: a long text in a big component makes it hundreds of MB; only the
        # columns needed, one row block at a time
        px = comp.pos[x]
        has = px >= 0
        at = np.maximum(px, 0)
        mine = int(has.sum())
        cols = np.nonzero(wit[:, xi])[0]
        relm = rel[np.ix_(cols, ys)].astype(np.float32)
        relm[cols[:, None] == ys[None, :]] = 0  # a witness does not testify about itself
        any_wit = 0
        gaps = np.zeros((len(px), len(ys)), bool)  # witnessed material of x that y lacks
        if len(cols):
            for rows in _row_blocks(len(px), len(cols) + len(ys)):
                mw = held[np.ix_(at[rows], cols)] & has[rows, None]
                any_wit += int(mw.any(1).sum())
                gaps[rows] = ((mw.astype(np.float32) @ relm) > 0.5) & ~(held[np.ix_(at[rows], ys)] & has[rows, None])
        missing = np.zeros(n, np.int64)
        slips = np.zeros(n, np.int64)
        for c in _row_blocks(len(ys), len(px)):  # blocks of columns of gaps
            missing[ys[c]] = _runs(gaps[:, c], comp.run).sum(0)
        slips[ys] = gaps.sum(0) - missing[ys]
        shared = kept[xi]  # m.sum(0): units of x's text each document holds
        extra = size - both[:, xi]
        for yi in ys.tolist():
            y = ids[yi]
            lost = sum(len(r) for r in comp.own[yi] if len(r) and held[r, xi].mean() < 0.5) if comp.own else 0
            inherited = novelties = 0
            if novel_any[yi]:
                took = np.where(px >= 0, comp.novel[np.maximum(px, 0), yi], False)
                inherited = int(_runs(took, comp.run).sum())
                if yi not in novel_units:
                    py = comp.pos[y]
                    novel_units[yi] = int(_runs(np.where(py >= 0, comp.novel[np.maximum(py, 0), yi], False),
                                                comp.run).sum())
                novelties = novel_units[yi]
            out[(y, x)] = _Candidate(y, x, float(missing[yi]) / max(1, any_wit), float(shared[yi]) / max(1, mine),
                                     int(shared[yi]), int(extra[yi]), int(comp.private[yi]) + lost,
                                     float(kept[yi, xi]) / max(1, int(comp.length[yi])), len(cols), int(slips[yi]),
                                     inherited, novelties, int(comp.private[yi]))
    # heirs of y: documents holding y's novelties that no other such document explains (a chain y → a → b is one)
    held_by: dict[str, list[str]] = defaultdict(list)
    for (y, x), c in out.items():
        if c.inherited >= p.min_inherited:
            held_by[y].append(x)
    ok = {k for k, c in out.items() if c.valid(p)}
    heirs = {y: sum(not any(h != x and (h, x) in ok for h in hs) for x in hs) for y, hs in held_by.items()}
    return {k: replace(c, heirs=heirs.get(k[0], 0)) for k, c in out.items()}


# ----------------------------------------------------------------------------- graph

def _branching(graph: nx.DiGraph, docs: dict[str, Document], mat_of: dict[str, "_Component"],
               p: LineageParams, rounds: int = 4) -> dict[str, str]:
    """Each document's parent: exemplars preferred, then a maximum branching, then undated documents bounded.

    An undated document must be older than the children it ends up with, so
    sources dated on or after its oldest child's date are removed and the
    branching is redone (a model with no date is not the copy of one of its
    own copies).
    """
    pruned: set[tuple[str, str]] = set()
    parent: dict[str, str] = {}
    for _ in range(rounds):
        g = graph.copy()
        g.remove_edges_from(pruned)
        _prefer_exemplars(g, docs, mat_of, p)
        branching = nx.algorithms.tree.branchings.maximum_branching(_undominated(g), attr="weight") if g else nx.DiGraph()
        parent = {x: y for y, x in branching.edges()}
        first: dict[str, str] = {}
        for x, y in parent.items():
            dx = docs[x].metadata.date
            if dx and not docs[y].metadata.date and (y not in first or dx < first[y]):
                first[y] = dx
        more = {(y, u) for u, bound in first.items() for y in graph.predecessors(u)
                if docs[y].metadata.date and docs[y].metadata.date >= bound} - pruned
        if not more:
            break
        pruned |= more
    return parent


def _undominated(g: nx.DiGraph) -> nx.DiGraph:
    """``g`` without the edges networkx's Edmonds can never pick, in an order that leaves its run unchanged.

    networkx's ``maximum_branching`` keeps a full copy of its working multigraph
    at every cycle it contracts: on a dense component with hundreds of undated
    look-alikes that is hundreds of copies of every edge (+3.1 GB on the 21,053
    edges between 823 of 831 Debian copyright files; +0.8 GB on the 6,473 kept
    here, same branching).  The branching only ever uses edges that
    some node picks as its best entering edge, so the others are dropped here,
    and only where it provably changes nothing in the run, ties included:

    - *Dominated*: an edge into v lighter than v's best entering edge from
      another strongly connected component of ``g`` (by more than ``slack``).
      Contracted cycles stay inside a component, so that better edge is never
      absorbed, and every contraction shifts the weights of all edges into v
      by the same amount: it stays strictly heavier, and the lighter edge is
      never the one picked.  ``slack`` bounds the rounding of those shifts:
      weights only decrease, by less than the largest weight per contraction,
      over fewer than ``n`` contractions, each rounding by at most one ulp.
    - *Order kept*: networkx breaks ties by the order of its dicts, which
      group edges by their (contracted) end nodes.  Contracted nodes are
      cycles of picked, hence undominated, edges, so each lies inside one
      strongly connected component of the undominated edges; edges are
      kept or dropped for whole pairs of such components, so no group loses
      its first edge and keeps others.  The edge where a node first appears
      is kept too (networkx visits nodes in that order).  Nodes and the
      remaining edges keep ``g``'s order, only ``weight`` is copied.
    """
    if not g.number_of_edges():
        return g
    part = {x: k for k, c in enumerate(nx.strongly_connected_components(g)) for x in c}
    weights = [w for _, _, w in g.edges(data="weight")]
    big = (len(g) + 1) * max(abs(max(weights)), abs(min(weights)))
    slack = 2 * len(g) * float(np.spacing(big))
    outer: dict[str, float] = {}  # each node's best entering weight from another component
    for u, v, w in g.edges(data="weight"):
        if part[u] != part[v] and w > outer.get(v, -np.inf):
            outer[v] = w
    live = nx.DiGraph()
    live.add_nodes_from(g)
    live.add_edges_from((u, v) for u, v, w in g.edges(data="weight") if w >= outer.get(v, -np.inf) - slack)
    group = {x: k for k, c in enumerate(nx.strongly_connected_components(live)) for x in c}
    keep: set[tuple[int, int]] = set()
    seen: set[str] = set()
    for u, v in g.edges():
        if u not in seen or v not in seen or live.has_edge(u, v):
            keep.add((group[u], group[v]))
        seen.update((u, v))
    out = nx.DiGraph()
    out.add_nodes_from(g)
    out.add_weighted_edges_from((u, v, w) for u, v, w in g.edges(data="weight") if (group[u], group[v]) in keep)
    return out


def _prefer_exemplars(graph: nx.DiGraph, docs: dict[str, Document], mat_of: dict[str, "_Component"],
                      p: LineageParams) -> None:
    """Among a document's possible sources, drop those that are mere copies of another one.

    When both Y and an older possible source B of Y could be X's source, and X
    neither holds text of Y's own (text Y has and B lacks, stock sentences included:
    a sentence of common wording Y added and X kept shows X's way as well as
    any) nor lacks what Y dropped from B, nothing shows that X went through Y: the exemplar B is kept
    (stemmatics' *eliminatio codicum descriptorum*).  Only dated pairs are judged so: between undated
    look-alikes the branching's weights decide.  A stretch of B that Y and X both
    lack counts only from twice the shortest run, unless X also holds some of Y's
    own wording: alone, a short one is more often a blank of a fill-in template
    that a few careless copies left unfilled (every other copy filled it with its
    own names) than text Y dropped.
    """
    for x in list(graph.nodes):
        sources = set(graph.predecessors(x))
        if len(sources) < 2 or x not in mat_of:
            continue
        mat = mat_of[x]
        index = {d: j for j, d in enumerate(mat.ids)}
        px = mat.pos[x]
        drop = set()
        for y in sources:
            for b in sources:
                if b == y or not graph.has_edge(b, y) or not _older(docs, b, y) or y not in index or b not in index:
                    continue
                hy, hb = mat.held[:, index[y]], mat.held[:, index[b]]
                mine = np.where(px >= 0, (hy & ~hb)[np.maximum(px, 0)], False)
                sx = mat.shingles[x]  # every shingle: a stock sentence y added is y's own text too
                if _runs(np.isin(sx, mat.shingles[y]) & ~np.isin(sx, mat.shingles[b]), mat.run).any():
                    continue  # x holds text of y's own
                pb = mat.pos[b]
                lost = hb & ~hy & ~mat.held[:, index[x]]
                # a short stretch lost counts when x also holds some of y's own wording (a cut or
                # rewrite x kept); alone it may be a blank of b that a few careless copies kept unfilled
                least = mat.run if 2 * int(mine.sum()) >= mat.run else 2 * mat.run
                if _runs(np.where(pb >= 0, lost[np.maximum(pb, 0)], False), least).any():
                    continue  # x lacks what y dropped from b
                drop.add(y)
                break
        if drop and drop != sources:
            graph.remove_edges_from((y, x) for y in drop)


def _components(ids: Sequence[str], links: Iterable[tuple[str, str]]) -> list[list[str]]:
    g = nx.Graph()
    g.add_nodes_from(ids)
    g.add_edges_from(links)
    return sorted((sorted(c) for c in nx.connected_components(g)), key=lambda c: c[0])


def _family_of(group: Sequence[str], families: Sequence[Family]) -> str | None:
    """The passage family most members of ``group`` share."""
    members = set(group)
    best = None
    for rank, f in enumerate(families):
        k = len({m.doc for m in f.members} & members)
        if k and (best is None or k > best[0]):
            best = (k, rank, f.id)
    return best[2] if best else None


def _witness_evidence(c: _Candidate) -> Evidence:
    if c.witnesses:
        detail = (f"{c.source} holds {c.cover:.0%} of what {c.child} shares; nothing {c.child} shares with "
                  f"{c.witnesses} other document(s) is missing from it")
    else:
        detail = f"{c.source} holds {c.cover:.0%} of what {c.child} shares"
    return Evidence("witnesses", c.source, round(0.35 + 0.4 * max(0.0, c.score), 3), detail)


def _group_orphans(comp_ids: list[str], parent: dict[str, str], cands: dict[tuple[str, str], _Candidate],
                   linked: set[tuple[str, str]], p: LineageParams) -> list[list[str]]:
    """Documents with no possible source in the corpus, grouped with the roots that fail as their source."""
    tried: dict[str, list[_Candidate]] = defaultdict(list)
    for (y, x), c in cands.items():
        if c.cover >= p.min_cover:  # a borrowed paragraph or two is no sign of an unseen source
            tried[x].append(c)
    orphans = {x for x in comp_ids if x not in parent and tried[x]}
    fits: Counter[str] = Counter()
    fails: Counter[str] = Counter()
    for x, cs in tried.items():
        for c in cs:
            (fits if c.valid(p) else fails)[c.source] += 1
    members = set(orphans)
    for x in orphans:
        for c in tried[x]:
            # a root that fails as the source of as many copies as it fits is one more copy of the lost model
            y = c.source
            if y not in parent and fails[y] >= fits[y] and not any(d.valid(p) for d in tried[y]):
                members.add(y)
    g = nx.Graph()
    g.add_nodes_from(members)
    for a in members:
        for b in members:
            if a < b and (a, b) in linked:
                ab, ba = cands.get((a, b)), cands.get((b, a))
                close = max(ab.whole if ab else 0.0, ba.whole if ba else 0.0) >= p.whole_copy
                if close and not (ab and ab.valid(p)) and not (ba and ba.valid(p)):
                    g.add_edge(a, b)
    groups = [sorted(c) for c in nx.connected_components(g) if len(c) >= 2 and c & orphans]
    return sorted(groups, key=lambda c: c[0])


def _collateral_hubs(mat: _Component, parent: dict[str, str], p: LineageParams) -> list[list[str]]:
    """Sources whose "children" share text the source lacks: siblings of a lost model, not its copies.

    Two copies of the same source can only share what the source had (or what
    one took from the other, and then that one is the other's source).  When the
    children hung under a document hold, between them, runs of text it lacks,
    it is one more copy of their common model.
    """
    index = {x: j for j, x in enumerate(mat.ids)}
    kids: dict[str, list[str]] = defaultdict(list)
    for x, y in parent.items():
        if x in index and y in index:
            kids[y].append(x)
    out = []
    for y, ks in sorted(kids.items()):
        if len(ks) < 2:
            continue
        cols = [index[k] for k in ks]
        lack = (_holding(mat.held, cols) >= 2) & ~mat.held[:, index[y]]
        missing = mine = 0
        for k in ks:
            px = mat.pos[k]
            missing += int(_runs(np.where(px >= 0, lack[np.maximum(px, 0)], False), mat.run).sum())
            mine += int((px >= 0).sum())
        if missing > p.max_missing * mine:
            out.append(sorted([y] + ks))
    return out


def _absorb(group: list[str], parent: dict[str, str], mat: _Component, p: LineageParams) -> list[str]:
    """Copies hung under a member of an unseen template's group that could as well come from the template.

    A member Y of the group is one more copy of the lost model.  A document X
    hung under Y really went through Y only if it holds some of Y's own text:
    text no other member of the group has.  Otherwise the lost model itself is
    as good a source, and the model is preferred (as exemplars are preferred
    over their copies, see :func:`_prefer_exemplars`).
    """
    index = {x: j for j, x in enumerate(mat.ids)}
    members = [x for x in group if x in index]
    kids: dict[str, list[str]] = defaultdict(list)
    for x, y in parent.items():
        if x in index and y in index:
            kids[y].append(x)
    todo = list(members)
    inside = set(members)
    held = mat.held
    holders = _holding(held, [index[z] for z in inside], np.int32)  # members of the group holding each shingle
    while todo:
        y = todo.pop(0)
        if len(inside) < 2:
            continue
        mine = held[:, index[y]]
        own = mine & (holders == mine)  # y holds it and no other member does
        for x in sorted(kids[y]):
            if x in inside:
                continue
            px = mat.pos[x]
            kept = _runs(np.where(px >= 0, own[np.maximum(px, 0)], False), mat.run).sum()
            if kept == 0:
                inside.add(x)
                todo.append(x)
                holders += held[:, index[x]]
    return sorted(inside | set(group))


def _add_edges(graph: nx.DiGraph, found: dict[tuple[str, str], _Candidate], lean_of, p: LineageParams,
               keep=None) -> None:
    """Each valid candidate (each one ``keep`` accepts, if given) becomes a weighted edge, unless an
    undated pair's own clues point the other way."""
    for (y, x), c in found.items():
        if not (keep(c) if keep else c.valid(p)):
            continue
        lean = lean_of(y, x)
        if lean is not None and lean <= -p.against:
            continue
        graph.add_edge(y, x, weight=2.0 + c.cover + 0.5 * c.score + 2.0 * (lean or 0.0))


def _regions(group: list[str], mat: _Component, p: LineageParams) -> list[list[str]]:
    """Clusters of an inferred template's group that share much more with each other than with the rest.

    A family of regulations all drawn from a national law, where one province's cities
    also copied their province's text, is one group under the unseen law; the province's
    documents share, besides the law, text the others lack.  Louvain communities of the
    group weighted by shared material (as a share of the smaller document) are taken when
    the documents of a community share on average at least ``region_contrast`` times what
    they share with the rest of the group, and that is little (at most ``region_model``: the
    lost model is a minor part of them); copies of one lost model, which share most of their
    text and about equally, give no such clusters.
    """
    index = {x: j for j, x in enumerate(mat.ids)}
    members = [x for x in group if x in index]
    if len(members) < 2 * p.min_region:
        return []
    cols = [index[x] for x in members]
    both = mat.both[np.ix_(cols, cols)].astype(np.float64)
    size = np.diag(both).copy()
    share = both / np.maximum(1.0, np.minimum(size[:, None], size[None, :]))
    g = nx.Graph()
    g.add_nodes_from(range(len(members)))
    g.add_weighted_edges_from((a, b, share[a, b]) for a in range(len(members)) for b in range(a + 1, len(members))
                              if share[a, b] > 0)
    comms = [sorted(c) for c in nx.community.louvain_communities(g, weight="weight", seed=0)]
    if len(comms) < 2:
        return []
    label = np.empty(len(members), np.int64)
    for k, c in enumerate(comms):
        label[c] = k
    out = []
    for k, c in enumerate(comms):
        if len(c) < p.min_region:
            continue
        inside = share[np.ix_(c, c)][~np.eye(len(c), dtype=bool)].mean()
        outside = share[np.ix_(c, np.nonzero(label != k)[0])].mean()
        if outside <= p.region_model and inside >= p.region_contrast * outside:
            out.append([members[a] for a in c])
    return out


def _regional_parents(region: list[str], mat: _Component, seqs: dict[str, tuple], common: np.ndarray,
                      docs: dict[str, Document], linked: set[tuple[str, str]],
                      cands: dict[tuple[str, str], _Candidate], lean_of, p: LineageParams) -> dict[str, str]:
    """Parents inside one cluster of an inferred template's group, read from the text only the cluster shares.

    Whatever a document outside the cluster also holds is set aside as the lost
    model's text (it joins the stock text), and the cluster is read as a component of
    its own: the same tests of who can be whose source, then a maximum branching, except
    that only a source dated before its child is taken, and it needs only to hold
    ``region_cover`` of the child's cluster-only text.  A document with a parent there hangs under it; the others stay under
    the template.
    Only documents whose cluster-only text is at least ``region_share`` of their
    material are read so (too little text would decide nothing).  The candidates of
    the parents found replace the component's in ``cands``, so the edges' evidence
    quotes the regional reading.
    """
    outside = [x for x in mat.ids if x not in set(region)]
    held_out = np.concatenate([np.unique(seqs[x][0][seqs[x][1]]) for x in outside]) if outside else np.zeros(0, np.uint32)
    stock = np.union1d(common, held_out.astype(common.dtype, copy=False))
    sub = _blanks_unowned(_material(region, seqs, stock, p, [docs[x].metadata.date for x in region]), docs)
    if not len(sub.held):
        return {}
    enough = {x for x in region if (sub.pos[x] >= 0).sum() >= p.region_share * max(1, int((mat.pos[x] >= 0).sum()))}
    found = {k: c for k, c in _candidates(sub, docs, linked, p).items() if k[1] in enough}
    graph = nx.DiGraph()
    graph.add_nodes_from(region)
    # such a cluster's documents took from their region and from the lost model, often from a
    # neighbour too: the source is the older document that explains most of the regional text
    # (older by date: between undated look-alikes, such as licence notices, a region tells no direction)
    _add_edges(graph, found, lean_of, p,
               keep=lambda c: _older(docs, c.source, c.child) and (c.valid(p) or c.cover >= p.region_cover))
    inner = _branching(graph, docs, {x: sub for x in region}, p)
    for x, y in inner.items():
        cands[(y, x)] = found[(y, x)]
    return inner


def _merge_groups(groups: list[list[str]]) -> list[list[str]]:
    g = nx.Graph()
    for grp in groups:
        g.add_nodes_from(grp)
        g.add_edges_from(zip(grp, grp[1:]))
    return sorted((sorted(c) for c in nx.connected_components(g)), key=lambda c: c[0])


def build_lineage(documents: Sequence[Document], pairs: Sequence[Pair], families: Sequence[Family] = (),
                  params: LineageParams = LineageParams()) -> Lineage:
    """The copying forest of a corpus, with inferred unseen templates.

    Args:
        documents: Every document of the scan (each becomes a node).
        pairs: The pairs found; only ``kind == "copy"`` pairs make edges.
        families: Passage families (:func:`provenance.families.build_families`),
            used to name hypothetical templates.
        params: Tuning.

    Returns:
        Nodes (documents, then hypothetical templates), edges (each child has at
        most one parent; dated edges point from older to newer) and notes.

    Example:
        >>> from provenance.model import Document, Metadata, Pair, Passage
        >>> old = Document("old.txt", "old.txt", "甲" * 40, metadata=Metadata(date="2020-01-01"))
        >>> new = Document("new.txt", "new.txt", "甲" * 40, metadata=Metadata(date="2021-01-01"))
        >>> lin = build_lineage([old, new], [Pair("new.txt", "old.txt", 1, 1, 40, 40, "copy",
        ...                                        (Passage((0, 40), (0, 40), 1.0),))])
        >>> [(e.parent, e.child) for e in lin.edges]
        [('old.txt', 'new.txt')]
    """
    docs = {d.id: d for d in documents}
    ids = sorted(docs)
    copies = [q for q in pairs if q.kind == "copy" and q.a in docs and q.b in docs and q.a != q.b]
    linked = {(q.a, q.b) for q in copies} | {(q.b, q.a) for q in copies}
    pair_of = {frozenset((q.a, q.b)): q for q in copies}
    notes: list[str] = []
    if len(docs) <= 1:
        notes.append("one document: nothing to compare, no lineage")
    elif not copies:
        notes.append("no copied passages: documents share only stock language or nothing"
                     if pairs else "no document shares text with another")

    comps = _components(ids, ((q.a, q.b) for q in copies))
    comp_of = {x: k for k, c in enumerate(comps) for x in c}
    busy = [c for c in comps if len(c) >= 2]
    seqs = {x: _shingles(docs[x].text, params) for c in busy if len(c) <= params.max_component for x in c}
    others = {x: _shingles(docs[x].text, params) for x in ids if x not in seqs and len(docs[x].text) < 200_000}
    common = _common_shingles(comp_of, params.stock_spread, {**seqs, **others})

    names: list[frozenset[str]] = []

    def shared_names() -> frozenset[str]:
        """Place and body names many documents of the corpus use: never a leak (computed once, when needed)."""
        if not names:
            names.append(_common_names([docs[x] for x in ids]))
        return names[0]

    graph = nx.DiGraph()
    cands: dict[tuple[str, str], _Candidate] = {}
    oriented: dict[frozenset, tuple] = {}
    mats: list[_Component] = []

    def lean_of(y: str, x: str) -> float | None:
        """How far an undated pair's own clues lean to ``y`` being the source; None when no date orders them."""
        if _dated_pair(docs, x, y):
            return None
        key = frozenset((x, y))
        if key not in oriented:
            oriented[key] = orient(docs[y], docs[x], pair_of[key], common=shared_names())
        winner, _, conf, _ = oriented[key]
        return conf if winner == y else -conf if winner == x else 0.0

    for comp in busy:
        if len(comp) > params.max_component:
            notes.append(f"{len(comp)} documents copy each other: too many to compare as witnesses, "
                         "their edges rest on pair evidence only")
            for x in comp:
                for y in comp:
                    if (y, x) in linked and not _older(docs, x, y):
                        graph.add_edge(y, x, weight=1.0 + pair_of[frozenset((x, y))].coverage_a)
            continue
        mat = _blanks_unowned(_material(comp, seqs, common, params, [docs[x].metadata.date for x in comp]), docs)
        mats.append(mat)
        found = _candidates(mat, docs, linked, params) if len(mat.held) else {}
        cands.update(found)
        _add_edges(graph, found, lean_of, params)
    mat_of = {x: m for m in mats for x in m.ids}
    parent = _branching(graph, docs, mat_of, params)

    nodes = [Node(x, False, _label(docs[x])) for x in ids]
    edges: list[Edge] = []
    used: Counter[str] = Counter()
    groups = [g for comp in busy for g in _group_orphans(comp, parent, cands, linked, params)]
    groups = _merge_groups(groups + [g for m in mats for g in _collateral_hubs(m, parent, params)])
    groups = [_absorb(g, parent, mat_of[g[0]], params) if g[0] in mat_of else g for g in groups]
    for group in groups:
        fam = _family_of(group, families) or f"H{len(used) + 1}"
        used[fam] += 1
        hid = hypothetical_id(fam if used[fam] == 1 else f"{fam}-{used[fam]}")
        nodes.append(Node(hid, True, f"inferred template {hid.split(':', 1)[1]} (not in corpus)"))
        mat = mat_of.get(group[0])
        inner = {x: y for region in (_regions(group, mat, params) if mat else [])
                 for x, y in _regional_parents(region, mat, seqs, common, docs, linked, cands, lean_of, params).items()}
        parent.update(inner)
        for x in (x for x in group if x not in inner):
            parent[x] = hid
            detail = (f"{x} and {len(group) - 1} other document(s) share the model text of {fam}; "
                      "none of them can be the others' source")
            ev = Evidence("shared_model", hid, round(min(0.9, 0.4 + 0.1 * len(group)), 3), detail)
            edges.append(Edge(hid, x, ev.weight, (ev.as_dict(),)))

    unsure = []
    for x, y in sorted(parent.items()):
        if y.startswith("template:"):
            continue
        _, _, conf, evidence = orient(docs[y], docs[x], pair_of[frozenset((x, y))], common=shared_names())
        if (y, x) in cands:
            evidence = evidence + [_witness_evidence(cands[(y, x)])]
        winner, conf = combine(evidence, y, x)
        against = [e for e in evidence if e.favours == x and e.kind in STRONG and e.weight >= 0.5]
        if winner != y or against:
            unsure.append((y, x, evidence))
        if winner != y:
            conf = 0.05 if winner is None else max(0.05, 0.5 - conf / 2)
        edges.append(Edge(y, x, round(conf, 4), tuple(e.as_dict() for e in evidence)))
    edges.sort(key=lambda e: (e.parent, e.child))
    notes += _notes(docs, copies, unsure)
    notes += _unplaced(docs, copies, edges, parent, oriented, shared_names())
    return Lineage(tuple(nodes), tuple(edges), tuple(notes))


def _common_names(documents: Sequence[Document], share: float = 0.2) -> frozenset[str]:
    """Names (and their cores) found in at least ``share`` of the documents, and in three or more."""
    from .entities import entities

    if len(documents) < 3:
        return frozenset()
    df: Counter[str] = Counter()
    for d in documents:
        df.update({x for e in entities(d.text) for x in (e.name, e.core) if len(x) >= 2})
    least = max(3, share * len(documents))
    return frozenset(n for n, k in df.items() if k >= least)


def _unplaced(docs: dict[str, Document], copies: Sequence[Pair], edges: Sequence[Edge], parent: dict[str, str],
              oriented: dict[frozenset, tuple], common: frozenset[str]) -> list[str]:
    """A note for each copying document the forest leaves out (its partners have their main source elsewhere)."""
    placed = {e.parent for e in edges} | {e.child for e in edges}
    out = []
    for x in sorted({d for q in copies for d in (q.a, q.b)} - placed):
        partners = sorted((q for q in copies if x in (q.a, q.b)), key=lambda q: -max(q.shared_chars_a, q.shared_chars_b))
        for q in partners[:3]:
            y = q.b if q.a == x else q.a
            key = frozenset((x, y))
            if key not in oriented:
                oriented[key] = orient(docs[x], docs[y], q, common=common)
            winner, _, _, evidence = oriented[key]
            chars = q.shared_chars_a if q.a == x else q.shared_chars_b
            kinds = ", ".join(sorted({e.kind for e in evidence if e.favours == winner}))
            where = f"; {y}'s main source is {parent[y]}" if y in parent else ""
            if winner == x:
                out.append(f"{x} shares {chars} characters with {y} and looks upstream of it ({kinds}){where}")
            elif winner == y:
                out.append(f"{x} shares {chars} characters with {y}, which looks upstream of it ({kinds}){where}")
            else:
                out.append(f"{x} shares {chars} characters with {y}; neither is shown to be the other's source")
    return out


def _label(d: Document) -> str | None:
    return d.metadata.title


def _notes(docs: dict[str, Document], copies: Sequence[Pair], unsure: list) -> list[str]:
    out = []
    involved = sorted({x for q in copies for x in (q.a, q.b)})
    undated = [x for x in involved if not docs[x].metadata.date]
    if involved and len(undated) == len(involved):
        out.append("no document is dated: directions rest on templates, leaked names and shared text only")
    elif undated:
        shown = ", ".join(undated[:5]) + (" …" if len(undated) > 5 else "")
        out.append(f"{len(undated)} copying document(s) have no date ({shown})")
    for q in copies:
        a, b = docs[q.a], docs[q.b]
        da, db = a.metadata.date, b.metadata.date
        if da and db and da == db:
            out.append(f"{q.a} and {q.b} carry the same date {da}: the date cannot order them")
    for y, x, evidence in unsure:
        against = [e for e in evidence if e.favours == x and e.kind in STRONG]
        if any(e.kind == "date" and e.favours == y for e in evidence) and against:
            said = "; ".join(e.detail for e in against)
            out.append(f"contradictory evidence: {y} is dated before {x}, but {said}: a date or the copying is wrong")
        elif against:
            kinds = ", ".join(sorted({e.kind for e in against}))
            out.append(f"direction of {y} → {x} is disputed: {kinds} point(s) the other way")
        else:
            out.append(f"direction of {y} → {x} is uncertain: no clue beyond the shared text decides it")
    for x in sorted(docs):
        note = docs[x].metadata.date_note
        if note and x in involved:
            out.append(f"{x}: date not used ({note})")
    return out

"""Accuracy metrics for copy detection, passage alignment, families and lineage (pure functions).

- :func:`pair_scores`: precision / recall / F1 over unordered document pairs.
- :func:`pan_scores`: the PAN text-alignment measures of Potthast et al. (2010),
  "An Evaluation Framework for Plagiarism Detection": character-level
  macro-averaged precision and recall, granularity, and plagdet.
- :func:`adjusted_rand_index`: Hubert & Arabie's ARI (same value as scikit-learn's
  ``adjusted_rand_score``, which is not a dependency).
- :func:`lineage_scores`: true-parent accuracy, with unpublished models matched to
  the engine's hypothetical nodes, and hypothetical-template recovery.
- :func:`decidable_scores`: the same, counting as right a parent no text can tell
  from the true one (a verbatim copy that added nothing stands for its source).
- :func:`direction_accuracy`: share of edges between truly related documents that
  point from the ancestor to the descendant.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

Span = tuple[int, int]


# ---------------------------------------------------------------- pairs

@dataclass(frozen=True)
class PairScores:
    precision: float
    recall: float
    f1: float
    tp: int
    fp: int
    fn: int


def pair_key(a: str, b: str) -> tuple[str, str]:
    """An unordered pair as a sorted tuple."""
    return (a, b) if a <= b else (b, a)


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r > 0 else 0.0


def pair_scores(predicted: Iterable[tuple[str, str]], truth: Iterable[tuple[str, str]],
                ignore: Iterable[tuple[str, str]] = ()) -> PairScores:
    """Precision, recall and F1 of predicted document pairs (order inside a pair does not matter).

    Args:
        predicted: Pairs the engine calls copies.
        truth: Pairs that truly share copied text.
        ignore: Pairs counted neither way (e.g. too little shared text to demand).

    Returns:
        Scores; precision is 1.0 when nothing was predicted, recall 1.0 when nothing was true.
    """
    skip = {pair_key(*p) for p in ignore}
    pred = {pair_key(*p) for p in predicted if p[0] != p[1]} - skip
    true = {pair_key(*p) for p in truth if p[0] != p[1]} - skip
    tp = len(pred & true)
    fp, fn = len(pred) - tp, len(true) - tp
    p = tp / len(pred) if pred else 1.0
    r = tp / len(true) if true else 1.0
    return PairScores(p, r, _f1(p, r), tp, fp, fn)


# ---------------------------------------------------------------- passages (PAN)

@dataclass(frozen=True)
class Case:
    """A passage pair: ``a_span`` in document ``a``, ``b_span`` in document ``b``.

    Use :meth:`make` to build one: it orders the two sides so that ``a <= b``.
    """

    a: str
    a_span: Span
    b: str
    b_span: Span

    @staticmethod
    def make(a: str, a_span: Sequence[int], b: str, b_span: Sequence[int]) -> Case:
        sa, sb = (int(a_span[0]), int(a_span[1])), (int(b_span[0]), int(b_span[1]))
        return Case(a, sa, b, sb) if a <= b else Case(b, sb, a, sa)

    @property
    def size(self) -> int:
        return max(0, self.a_span[1] - self.a_span[0]) + max(0, self.b_span[1] - self.b_span[0])


@dataclass(frozen=True)
class PanScores:
    precision: float
    recall: float
    granularity: float
    plagdet: float
    f1: float
    cases: int
    detections: int
    detected_cases: int


def _overlap(x: Span, y: Span) -> Span | None:
    lo, hi = max(x[0], y[0]), min(x[1], y[1])
    return (lo, hi) if hi > lo else None


def _union_length(spans: Iterable[Span]) -> int:
    total, cur = 0, None
    for lo, hi in sorted(spans):
        if cur is None or lo > cur[1]:
            if cur is not None:
                total += cur[1] - cur[0]
            cur = [lo, hi]
        else:
            cur[1] = max(cur[1], hi)
    if cur is not None:
        total += cur[1] - cur[0]
    return total


def _detects(s: Case, r: Case) -> tuple[Span, Span] | None:
    """The two overlaps when ``r`` detects ``s`` (same documents, overlap on both sides)."""
    if (s.a, s.b) != (r.a, r.b):
        return None
    oa, ob = _overlap(s.a_span, r.a_span), _overlap(s.b_span, r.b_span)
    return (oa, ob) if oa and ob else None


def pan_scores(cases: Sequence[Case], detections: Sequence[Case]) -> PanScores:
    """PAN text-alignment scores (Potthast et al. 2010).

    A case ``s`` and a detection ``r`` are each a set of characters in two
    documents; ``r`` *detects* ``s`` when they concern the same two documents and
    overlap in both.  ``s ⊓ r`` is ``s ∩ r`` if ``r`` detects ``s``, else empty.

    - precision = mean over detections r of |⋃_s (s ⊓ r)| / |r|
    - recall = mean over cases s of |⋃_r (s ⊓ r)| / |s|
    - granularity = mean over detected cases of the number of detections detecting it
    - plagdet = F1 / log2(1 + granularity)

    Returns:
        Scores.  With no detections precision is 0 (1 if there are no cases
        either); with no cases recall is 1; granularity is 1 when nothing is detected.
    """
    by_pair: dict[tuple[str, str], list[tuple[int, Case]]] = defaultdict(list)
    for k, s in enumerate(cases):
        by_pair[(s.a, s.b)].append((k, s))
    hits_per_case: Counter[int] = Counter()
    case_parts: dict[int, tuple[list[Span], list[Span]]] = {}
    prec_sum = 0.0
    for r in detections:
        parts_a, parts_b = [], []
        for k, s in by_pair.get((r.a, r.b), ()):
            hit = _detects(s, r)
            if hit is None:
                continue
            parts_a.append(hit[0])
            parts_b.append(hit[1])
            hits_per_case[k] += 1
            ca, cb = case_parts.setdefault(k, ([], []))
            ca.append(hit[0])
            cb.append(hit[1])
        if r.size:
            prec_sum += (_union_length(parts_a) + _union_length(parts_b)) / r.size
    rec_sum = 0.0
    for k, s in enumerate(cases):
        if k in case_parts and s.size:
            ca, cb = case_parts[k]
            rec_sum += (_union_length(ca) + _union_length(cb)) / s.size
    precision = prec_sum / len(detections) if detections else (1.0 if not cases else 0.0)
    recall = rec_sum / len(cases) if cases else 1.0
    detected = len(hits_per_case)
    gran = sum(hits_per_case.values()) / detected if detected else 1.0
    f1 = _f1(precision, recall)
    return PanScores(precision, recall, gran, f1 / math.log2(1 + gran), f1, len(cases), len(detections), detected)


# ---------------------------------------------------------------- clustering

def adjusted_rand_index(labels_true: Sequence[Hashable], labels_pred: Sequence[Hashable]) -> float:
    """Adjusted Rand index of two clusterings of the same items.

    ``ARI = (Σ_ij C(n_ij,2) − E) / (½(Σ_i C(a_i,2) + Σ_j C(b_j,2)) − E)`` with
    ``E = Σ_i C(a_i,2) · Σ_j C(b_j,2) / C(n,2)``.  1.0 for identical partitions,
    about 0 for random ones, negative below chance.  When both partitions are
    trivial in the same way (all singletons, or one cluster) the value is 1.0, as in
    scikit-learn.

    Example:
        >>> round(adjusted_rand_index([0, 0, 1, 2], [0, 0, 1, 1]), 4)
        0.5714
    """
    if len(labels_true) != len(labels_pred):
        raise ValueError("both labelings must cover the same items")
    n = len(labels_true)
    if n < 2:
        return 1.0
    comb = lambda k: k * (k - 1) / 2
    sum_ij = sum(comb(v) for v in Counter(zip(labels_true, labels_pred)).values())
    sum_a = sum(comb(v) for v in Counter(labels_true).values())
    sum_b = sum(comb(v) for v in Counter(labels_pred).values())
    expected = sum_a * sum_b / comb(n)
    top = 0.5 * (sum_a + sum_b) - expected
    if top == 0:
        return 1.0
    return (sum_ij - expected) / top


def components(items: Iterable[str], links: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Connected components: each item's label is the smallest item of its component."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for x in items:
        find(x)
    for a, b in links:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return {x: find(x) for x in list(parent)}


# ---------------------------------------------------------------- lineage

@dataclass(frozen=True)
class LineageScores:
    parent_accuracy: float
    with_parent: int
    correct: int
    root_accuracy: float
    roots: int
    roots_correct: int
    hypothetical_recovery: float
    recoverable: int
    recovered: int
    spurious_hypothetical: int
    matching: dict[str, str] = field(default_factory=dict)


def best_parents(edges: Iterable[tuple[str, str, float]]) -> dict[str, str]:
    """Each child's most confident parent (ties: the smallest parent id)."""
    best: dict[str, tuple[float, str]] = {}
    for parent, child, conf in edges:
        cur = best.get(child)
        if cur is None or (-conf, parent) < (-cur[0], cur[1]):
            best[child] = (conf, parent)
    return {c: p for c, (_, p) in best.items()}


def match_hypotheticals(pred_parent: Mapping[str, str], hypothetical: Iterable[str],
                        truth_parent: Mapping[str, str | None], prefix: str = "model:") -> dict[str, str]:
    """Match the engine's hypothetical nodes to the unpublished models of the truth.

    ``C(H)`` is the set of documents whose predicted parent is hypothetical node
    ``H``; ``T(K)`` the documents whose true parent is unpublished model ``K``.
    Candidate matches are taken greedily by decreasing overlap ``|C ∩ T|`` (ties by
    ids), one-to-one, and accepted when the node is *mostly* the model's: more than
    half of ``C(H)`` are children of ``K`` and ``C(H)`` holds at least half of ``T(K)``.
    """
    hyp = set(hypothetical)
    C: dict[str, set[str]] = defaultdict(set)
    for c, p in pred_parent.items():
        if p in hyp:
            C[p].add(c)
    T: dict[str, set[str]] = defaultdict(set)
    for c, p in truth_parent.items():
        if p is not None and p.startswith(prefix):
            T[p].add(c)
    cands = []
    for h, ch in C.items():
        for k, tk in T.items():
            ov = len(ch & tk)
            if ov:
                cands.append((-ov, h, k))
    cands.sort()
    out: dict[str, str] = {}
    used: set[str] = set()
    for neg, h, k in cands:
        ov = -neg
        if h in out or k in used:
            continue
        if ov > len(C[h]) / 2 and ov >= len(T[k]) / 2:
            out[h] = k
            used.add(k)
    return out


def lineage_scores(truth_parent: Mapping[str, str | None], edges: Iterable[tuple[str, str, float]],
                   hypothetical: Iterable[str], prefix: str = "model:") -> LineageScores:
    """True-parent accuracy, root accuracy and hypothetical-template recovery.

    Args:
        truth_parent: Every real document's true parent: a document id, an
            unpublished model (``"model:K"``), or ``None`` for a root.
        edges: The engine's ``(parent, child, confidence)`` edges; a child's
            predicted parent is its most confident one (:func:`best_parents`).
        hypothetical: Ids of the engine's hypothetical (inferred, unseen) nodes.

    Returns:
        Scores.  A child of unpublished model K is correct when its predicted
        parent is the hypothetical node matched to K (:func:`match_hypotheticals`);
        recovery counts the unpublished models with at least two children that
        got a matching node.
    """
    hyp = set(hypothetical)
    pred = best_parents(edges)
    matching = match_hypotheticals(pred, hyp, truth_parent, prefix)
    with_parent = correct = roots = roots_ok = 0
    for doc, tp in truth_parent.items():
        pp = pred.get(doc)
        if tp is None:
            roots += 1
            roots_ok += pp is None
            continue
        with_parent += 1
        if tp.startswith(prefix):
            correct += pp in hyp and matching.get(pp) == tp
        else:
            correct += pp == tp
    sizes = Counter(p for p in truth_parent.values() if p is not None and p.startswith(prefix))
    recoverable = {k for k, n in sizes.items() if n >= 2}
    recovered = len(recoverable & set(matching.values()))
    used_hyp = {p for p in pred.values() if p in hyp}
    return LineageScores(
        correct / with_parent if with_parent else 1.0, with_parent, correct,
        roots_ok / roots if roots else 1.0, roots, roots_ok,
        recovered / len(recoverable) if recoverable else 1.0, len(recoverable), recovered,
        len(used_hyp - set(matching)), matching)


@dataclass(frozen=True)
class DecidableScores:
    parent_accuracy: float
    with_parent: int
    correct: int
    hypothetical_recovery: float
    recoverable: int
    recovered: int


def decidable_scores(acceptable: Mapping[str, set[str | None]], only_hypothetical: Iterable[str],
                     truth_parent: Mapping[str, str | None], edges: Iterable[tuple[str, str, float]],
                     hypothetical: Iterable[str], prefix: str = "model:") -> DecidableScores:
    """Parent accuracy and template recovery counting only what the text can decide.

    Args:
        acceptable: Per document with a true parent, the parents no text can tell
            from the true one (``sim_truth.decidable_parents``): ids, unseen models
            (``"model:K"``, right when the predicted hypothetical node is matched to
            K, :func:`match_hypotheticals`), ``None`` for no parent.
        only_hypothetical: Unseen models that no document repeats verbatim: only
            those must be recovered as hypothetical nodes.
        truth_parent, edges, hypothetical: As for :func:`lineage_scores`.

    Returns:
        Scores.  Parent accuracy is over the same documents as :func:`lineage_scores`'
        and never lower; recovery is over fewer models.
    """
    hyp = set(hypothetical)
    pred = best_parents(edges)
    matching = match_hypotheticals(pred, hyp, truth_parent, prefix)
    correct = 0
    for doc, ok in acceptable.items():
        pp = pred.get(doc)
        if pp in hyp:
            correct += pp in matching and matching[pp] in ok
        else:
            correct += pp in ok
    models = set(only_hypothetical)
    recovered = len(models & set(matching.values()))
    return DecidableScores(correct / len(acceptable) if acceptable else 1.0, len(acceptable), correct,
                           recovered / len(models) if models else 1.0, len(models), recovered)


@dataclass(frozen=True)
class DirectionScores:
    accuracy: float
    judged: int
    correct: int
    unrelated: int
    undated: int


@dataclass(frozen=True)
class DatedEdges:
    """Edges between two documents that both carry a date, as the tool read it.

    ``read_forward``: share pointing from the older to the newer by the dates
    the tool read (the target: every one).  ``true_forward``: the same edges by
    the dates the documents really have (the simulator's), where a misread date
    (a garbled "201 年 12 月 21 日", a signature missed) shows up as a miss.
    """

    dated: int
    read_forward: float
    true_forward: float


def dated_edge_order(edges: Iterable[tuple[str, str]], read: Mapping[str, str | None],
                     true: Mapping[str, str | None], hypothetical: Iterable[str] = ()) -> DatedEdges:
    """How the edges whose two ends carry different read dates are oriented (see :class:`DatedEdges`)."""
    hyp = set(hypothetical)
    dated = by_read = by_true = 0
    for parent, child in edges:
        dp, dc = read.get(parent), read.get(child)
        if parent in hyp or child in hyp or not dp or not dc or dp == dc:
            continue
        dated += 1
        by_read += dp < dc
        tp, tc = true.get(parent), true.get(child)
        by_true += bool(tp and tc and tp < tc)
    return DatedEdges(dated, by_read / dated if dated else 1.0, by_true / dated if dated else 1.0)


def ancestors(doc: str, truth_parent: Mapping[str, str | None]) -> set[str]:
    """Every true ancestor of a document (unpublished models included)."""
    out: set[str] = set()
    p = truth_parent.get(doc)
    while p is not None and p not in out:
        out.add(p)
        p = truth_parent.get(p)
    return out


def direction_accuracy(edges: Iterable[tuple[str, str]], truth_parent: Mapping[str, str | None],
                       dates: Mapping[str, str | None] | None = None,
                       hypothetical: Iterable[str] = ()) -> DirectionScores:
    """Share of predicted edges between truly related documents that point the right way.

    Only edges between two real documents are judged, and only when one is a
    true ancestor of the other (edges between siblings or cousins have no true
    direction: counted as ``unrelated``).  With ``dates``, an edge is judged only
    when both documents have different dates (``undated`` otherwise).
    """
    hyp = set(hypothetical)
    judged = correct = unrelated = undated = 0
    for parent, child in edges:
        if parent in hyp or child in hyp:
            continue
        if dates is not None:
            dp, dc = dates.get(parent), dates.get(child)
            if not dp or not dc or dp == dc:
                undated += 1
                continue
        if parent in ancestors(child, truth_parent):
            judged += 1
            correct += 1
        elif child in ancestors(parent, truth_parent):
            judged += 1
        else:
            unrelated += 1
    return DirectionScores(correct / judged if judged else 1.0, judged, correct, unrelated, undated)

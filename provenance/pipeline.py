"""The scan pipeline: read → normalize → segment → fingerprint → candidates → align → report values.

:func:`scan` is the library entry point behind ``provenance scan``; every stage
it calls is usable on its own.

Example:
    >>> from provenance.pipeline import scan
    >>> result = scan(["fixtures"])                       # doctest: +SKIP
    >>> [(p.a, p.b, p.kind) for p in result.pairs][:1]    # doctest: +SKIP
    [('001_73402f074f5424ff.txt#1', '003_96955203d032fc3a.txt', 'copy')]
"""

from __future__ import annotations

import fnmatch
import hashlib
import os
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Callable, Iterable, Iterator, Sequence

import numpy as np

from . import boilerplate, segment
from .align import align, hash_runs, seeds_within
from .arrays import isin_sorted, member, unique
from .candidates import (ShingleStats, lsh_evidence, rare_shingle_evidence, relative_pairs, shingle_places,
                         shingle_stats)
from .config import Config
from .fingerprint import Fingerprints, band_keys, fingerprint, shingle_hashes, shingle_sizes
from .model import Candidates, Document, Pair, Passage, Problem, ScanResult, Span
from .normalize import Units, normalize_lines
from .spans import union_length

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class Prepared:
    """A document with everything alignment and the index need."""

    doc: Document
    units: Units
    ks: np.ndarray
    shingles: np.ndarray
    valid: np.ndarray
    fp: Fingerprints

    @property
    def shingle_set(self) -> np.ndarray:
        return self.shingles[self.valid]

    @cached_property
    def distinct_shingles(self) -> np.ndarray:
        """The document's distinct shingle hashes, ascending (computed once)."""
        return unique(self.shingle_set)

    @cached_property
    def distinct_at(self) -> np.ndarray:
        """For every unit, where its shingle is in :attr:`distinct_shingles` (meaningful where ``valid``; computed once)."""
        d = self.distinct_shingles
        return np.minimum(np.searchsorted(d, self.shingles), max(d.size - 1, 0))



def _ids_root(paths: Sequence[Path]) -> Path:
    roots = [p if p.is_dir() else p.parent for p in paths]
    if len(roots) == 1:
        return roots[0]
    return Path(os.path.commonpath([str(r.resolve()) for r in roots]))


def load_documents(paths: Iterable[str | os.PathLike], config: Config = Config(),
                   problems: list[Problem] | None = None, progress: Progress | None = None,
                   exclude: Sequence[str] = ()) -> list[Document]:
    """Read every supported file under ``paths`` into documents.

    Unreadable files are recorded in ``problems`` (one line each) and skipped.
    A compilation (篇一…篇五) becomes one document per part, ``file#N``.
    Files whose name or relative path matches a glob in ``exclude`` are left out.
    """
    from .read import ReadError

    root, files = list_files(paths, exclude)
    docs: list[Document] = []
    for n, path in enumerate(files):
        if progress:
            progress("read", n, len(files))
        try:
            docs += file_documents(path, root, config)
        except ReadError as err:
            if problems is not None:
                problems.append(Problem(str(path), err.reason))
    if progress:
        progress("read", len(files), len(files))
    return docs


def list_files(paths: Iterable[str | os.PathLike], exclude: Sequence[str] = ()) -> tuple[Path, list[Path]]:
    """The folder document ids are relative to, and the supported files under ``paths`` (sorted, not excluded)."""
    from .read import iter_files

    given = [Path(p) for p in paths]
    root = _ids_root(given).resolve() if given else Path(".").resolve()
    return root, [f for f in iter_files(given) if not _excluded(f, root, exclude)]


def file_documents(path: Path, root: Path, config: Config = Config(),
                   keep: Callable[[str, str], bool] | None = None) -> list[Document]:
    """The documents of one file: the whole file, or one per part of a compilation.

    The file is read once (its bytes are hashed for incremental indexing).  With
    ``keep(doc_id, sha256)``, only the documents it accepts are built (their
    metadata extracted): an index run skips unchanged ones this way.

    Raises:
        ReadError: The file cannot be used.
    """
    from .metadata import extract_metadata
    from .read import read_with_bytes

    src, data = read_with_bytes(path)
    try:
        rel = path.resolve().relative_to(root).as_posix()
    except ValueError:
        rel = path.name
    digest = hashlib.sha256(data).hexdigest()
    parts = segment.compilation_parts(src.text) if config.split_compilations else []
    spans = [(rel, 0, len(src.text))] if not parts else [(f"{rel}#{k}", a, b) for k, (a, b) in enumerate(parts, 1)]
    out = []
    for doc_id, a, b in spans:
        if keep is None or keep(doc_id, digest):
            text = src.text if not parts else src.text[a:b]
            out.append(Document(doc_id, str(path), text, a, digest, src.format, extract_metadata(text)))
    return out


def _excluded(path: Path, root: Path, patterns: Sequence[str]) -> bool:
    if not patterns:
        return False
    try:
        rel = path.resolve().relative_to(root).as_posix()
    except ValueError:
        rel = path.name
    return any(fnmatch.fnmatch(path.name, p) or fnmatch.fnmatch(rel, p) for p in patterns)


def paragraph_index(text: str, units: Units) -> np.ndarray:
    """The paragraph number of every unit."""
    spans = segment.paragraphs(text)
    if not spans or len(units) == 0:
        return np.zeros(len(units), dtype=np.int64)
    starts = np.array([a for a, _ in spans], dtype=np.int64)
    return (np.searchsorted(starts, units.starts, side="right") - 1).clip(0)


def unit_shingle_sizes(text: str, units: Units, config: Config = Config(),
                       newlines: np.ndarray | None = None) -> np.ndarray:
    """Shingle size at every unit: per line, by the line's majority script.

    A line rather than a rebuilt paragraph decides: it is as good a sample of
    the script and costs one ``searchsorted``.  ``newlines``: where ``text``'s
    line breaks are, when known (:func:`~provenance.normalize.normalize_lines`).
    """
    params = config.fingerprint
    words = units.is_word
    n_words = int(np.count_nonzero(words))
    if n_words == 0:
        return np.full(len(units), params.k_char, dtype=np.int32)
    if n_words == len(units):
        return np.full(len(units), params.k_word, dtype=np.int32)
    if newlines is None:
        newlines = np.nonzero(np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32) == 10)[0]
    if 8 * n_words > len(units):
        return shingle_sizes(units, np.searchsorted(newlines, units.starts), params)
    # few words (a number in a title, a Latin name): only lines holding a word can be wordy
    starts = units.starts
    at = np.nonzero(words)[0]
    lines = unique(np.searchsorted(newlines, starts[at]))
    bounds = np.concatenate(([-1], newlines, [len(text)]))
    lo = np.searchsorted(starts, bounds[lines] + 1)  # the first unit of each such line
    hi = np.searchsorted(starts, bounds[lines + 1])  # one past its last
    wordy = 2 * (np.searchsorted(at, hi) - np.searchsorted(at, lo)) > hi - lo  # twice its words > its units
    ks = np.full(len(units), params.k_char, dtype=np.int32)
    for a, b in zip(lo[wordy].tolist(), hi[wordy].tolist()):
        ks[a:b] = params.k_word
    return ks


def prepare(doc: Document, config: Config = Config(), signatures: bool = True) -> Prepared:
    """Normalize, shingle and fingerprint one document.

    With ``signatures=False`` only what alignment needs is computed (no windows,
    no MinHash): for a stored document that is only aligned against.
    """
    units, newlines = normalize_lines(doc.text, t2s=config.fingerprint.t2s)
    ks = unit_shingle_sizes(doc.text, units, config, newlines)
    if signatures:
        fp = fingerprint(units, ks, config.fingerprint)
        return Prepared(doc, units, ks, fp.shingles, fp.valid, fp)
    sh, valid = shingle_hashes(units, ks)
    empty = np.zeros(0, np.int64)
    fp = Fingerprints(sh, valid, empty, empty, np.zeros((0, config.fingerprint.num_perm), np.uint32))
    return Prepared(doc, units, ks, sh, valid, fp)


def _prepare_one(doc: Document) -> Prepared:
    return prepare(doc, _SHARED[0])


def prepare_all(docs: Sequence[Document], config: Config = Config(), progress: Progress | None = None,
                workers: int | None = None) -> list[Prepared]:
    """:func:`prepare` every document, in one process per core when there are many."""
    global _SHARED
    import multiprocessing as mp  # here, not at the top: a check never starts workers
    from concurrent.futures import ProcessPoolExecutor

    workers = workers or os.cpu_count() or 1
    if workers < 2 or len(docs) < 64 or "fork" not in mp.get_all_start_methods():
        out = []
        for n, d in enumerate(docs):
            if progress and n % 32 == 0:
                progress("fingerprint", n, len(docs))
            out.append(prepare(d, config))
    else:
        _SHARED = (config,)
        try:
            with ProcessPoolExecutor(workers, mp_context=mp.get_context("fork")) as pool:
                out = []
                for n, p in enumerate(pool.map(_prepare_one, docs, chunksize=16)):
                    out.append(p)
                    if progress and n % 32 == 0:
                        progress("fingerprint", n, len(docs))
        finally:
            _SHARED = ()
    if progress:
        progress("fingerprint", len(docs), len(docs))
    return out


def shared_valid(x: Prepared, y: Prepared) -> tuple[np.ndarray, np.ndarray]:
    """``x.valid`` and ``y.valid`` limited to the shingles both documents have.

    Alignment only ever seeds on shared shingles, and it counts repeats of
    shared ones only, so aligning with these masks gives the same passages as
    with ``valid`` (tested), while the hash join inside works on the shared
    shingles alone: several times faster for a stored document that shares one
    passage with a new one.
    """
    xd, yd = x.distinct_shingles, y.distinct_shingles
    if xd.size == 0 or yd.size == 0:
        return np.zeros_like(x.valid), np.zeros_like(y.valid)
    in_y = isin_sorted(xd, yd)  # sorted needles: one pass
    return x.valid & in_y[x.distinct_at], y.valid & member(y.shingles, xd[in_y])


def common_thresholds(stats: ShingleStats, config: Config) -> tuple[int, int]:
    """Document frequencies from which a shingle is common, and nearly universal, in this corpus."""
    return boilerplate.common_thresholds(stats, config.boilerplate)


def compare(x: Prepared, y: Prepared, stats: ShingleStats | None, config: Config) -> Pair | None:
    """Align two prepared documents into a :class:`Pair`, or ``None`` when they share nothing."""
    va, vb = shared_valid(x, y)
    raws = align(x.units.ids, x.shingles, va, x.ks, x.units.weights(), y.units.ids, y.shingles, vb, config.align)
    return judge_pair(x, y, raws, stats, config)


def compare_each(x: Prepared, ys: Iterable[Prepared], stats: ShingleStats | None,
                 config: Config) -> Iterator[Pair | None]:
    """:func:`compare` of ``x`` with each of ``ys`` (yielded one by one), ``x``'s side of the joins made once.

    ``x`` is grouped by hash whole (:func:`~provenance.align.hash_runs`) once; each ``y``'s shingles are
    looked up in ``x``'s groups (:func:`~provenance.align.seeds_within`, by a table of their low bits), not
    grouped themselves: the same seeds, since alignment seeds on shared hashes only and counts repeats of
    shared ones only.
    """
    runs_x, weights_x = hash_runs(x.shingles, x.valid), x.units.weights()
    for y in ys:
        i, j, y_set = seeds_within(runs_x, y.shingles, y.valid, config.align.repeat_cap)
        raws = align(x.units.ids, x.shingles, x.valid, x.ks, weights_x, y.units.ids, y.shingles, y.valid,
                     config.align, found=(i, j))
        yield judge_pair(x, y, raws, stats, config, y_set=y_set)


def judge_pair(x: Prepared, y: Prepared, raws: Sequence, stats: ShingleStats | None, config: Config,
               relatives: Sequence[np.ndarray] | boilerplate.Family = (), y_set: np.ndarray | None = None) -> Pair | None:
    """Turn aligned passages into a :class:`Pair`, telling stock language from copying.

    Args:
        stats: Document frequency of every shingle in the corpus; ``None`` when
            there is no corpus to judge by.
        relatives: Sorted shingle sets of the pair's common relatives, whose
            holding a shingle does not make it common (see :mod:`provenance.boilerplate`),
            or a :class:`~provenance.boilerplate.Family` of them.
        y_set: ``y``'s sorted unique shingles, when already at hand.
    """
    if not raws:
        return None
    bp = config.boilerplate
    if stats is not None and y_set is None:
        y_set = y.distinct_shingles
    shares = [0.0] * len(raws)
    if stats is not None:
        shared = []
        for r in raws:
            pos = np.nonzero(x.valid[r.i0 : r.i1])[0] + r.i0
            h = x.shingles[pos]
            shared.append((h[member(h, y_set)], r.matched))  # judge what is shared, not the edits
        shares = boilerplate.stock_shares(stats, shared, bp, relatives)
    passages = []
    evidence: dict[tuple[int, int], int] = {}
    for r, share in zip(raws, shares):
        stock = (share >= bp.passage_share and r.matched < bp.never_stock) or r.matched < bp.min_evidence
        if not stock:
            evidence[(r.i0, r.i1)] = max(evidence.get((r.i0, r.i1), 0), r.matched)
        passages.append(Passage(x.units.span(r.i0, r.i1), y.units.span(r.j0, r.j1), r.similarity,
                                units=r.i1 - r.i0, matched=r.matched, boilerplate=round(share, 4),
                                kind="boilerplate" if stock else "copy"))
    kind = "copy" if max(evidence.values(), default=0) >= bp.min_copy_passage else "boilerplate"
    sa = union_length(p.a_span for p in passages)
    sb = union_length(p.b_span for p in passages)
    ca = sa / max(x.doc.chars, 1)
    cb = sb / max(y.doc.chars, 1)
    return Pair(x.doc.id, y.doc.id, round(ca, 4), round(cb, 4), sa, sb, kind, tuple(passages))


def judge_pairs(prepared: Sequence[Prepared], aligned: Sequence[tuple[int, int, list]], stats: ShingleStats,
                config: Config, first: Sequence[Pair | None] | None = None) -> list[Pair]:
    """Judge every aligned pair; then judge the copy pairs again with their family counted once.

    The first judgement counts raw document frequencies.  A pair it calls a
    copy is judged again without its common relatives (documents that are copy
    pairs with both), so that what a template family shares is copying, not
    stock language (:mod:`provenance.boilerplate`).

    Args:
        first: The first judgement of every aligned pair, when already made
            (:func:`find_pairs` makes it in its alignment workers).  Then the
            passages in ``aligned`` are only needed where that judgement is not
            final (:func:`_final`), and may be left empty elsewhere.
    """
    sets: dict[int, np.ndarray] = {}
    uniq = lambda k: sets[k] if k in sets else sets.setdefault(k, prepared[k].distinct_shingles)
    if first is None:
        first = [judge_pair(prepared[i], prepared[j], raws, stats, config, y_set=uniq(j)) for i, j, raws in aligned]
    pairs = list(first)
    rel = boilerplate.relatives((i, j) for (i, j, _), p in zip(aligned, pairs) if p is not None and p.kind == "copy")
    holders: boilerplate.Holders | None = None
    for n, ((i, j, raws), pair) in enumerate(zip(aligned, pairs)):
        if _final(pair):
            continue
        family = boilerplate.common_relatives(rel, i, j)
        if len(family) > 8:  # a large family: count its holders from one posting list per shingle
            holders = holders or boilerplate.Holders([uniq(k) for k in range(len(prepared))])
            pairs[n] = judge_pair(prepared[i], prepared[j], raws, stats, config,
                                  boilerplate.Family(holders, family), uniq(j))
        elif family:
            pairs[n] = judge_pair(prepared[i], prepared[j], raws, stats, config, [uniq(k) for k in family], uniq(j))
    return [p for p in pairs if p is not None]


def _final(pair: Pair | None) -> bool:
    """Whether a pair's first judgement stands: :func:`judge_pairs` judges again only copy pairs with a stock passage."""
    return pair is None or pair.kind != "copy" or all(q.kind == "copy" for q in pair.passages)


_SHARED: tuple = ()


def release_memory() -> None:
    """Hand the heap's free pages back to the system, where the C library can (glibc's ``malloc_trim``).

    A stage leaves much memory freed in small pieces (unpickled alignment
    results, numpy temporaries below glibc's mmap threshold); glibc keeps those
    pages, and the big arrays of the next stage are mapped beside them, so the
    process's peak counts both (on 200 licence files, 160 of the 420 MB the
    process holds after the pairs).  Elsewhere a no-op.
    """
    global _TRIM
    if _TRIM is None:
        import ctypes
        import ctypes.util

        try:
            _TRIM = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
        except (OSError, AttributeError):
            _TRIM = False
    if _TRIM:
        _TRIM(0)


_TRIM = None


def _align_chunk(todo: list[tuple[int, int]]) -> list[tuple[int, int, list, Pair | None]]:
    """Align and first judge pairs of ``_SHARED``'s prepared documents (in a worker, or in process).

    The aligned passages are returned only where the pair will be judged again
    (:func:`_final`): kept for every pair of a big corpus, they would cost as
    much memory as the pairs themselves.
    """
    prepared, config, stats = _SHARED
    out = []
    for i, j in todo:
        x, y = prepared[i], prepared[j]
        va, vb = shared_valid(x, y)
        raws = align(x.units.ids, x.shingles, va, x.ks, x.units.weights(), y.units.ids, y.shingles, vb, config.align)
        if raws:
            pair = judge_pair(x, y, raws, stats, config, y_set=y.distinct_shingles)
            out.append((i, j, [] if _final(pair) else raws, pair))
    return out


@dataclass(frozen=True)
class PairSearch:
    """What :func:`search_pairs` found: the pairs, and the candidate pairs behind them."""

    pairs: list[Pair]
    candidates: Candidates


def candidate_pairs(prepared: Sequence[Prepared], config: Config = Config(),
                    stats: ShingleStats | None = None) -> tuple[list[tuple[int, int]], int, set[tuple[int, int]]]:
    """The document pairs to align, how many candidate pairs there were, and those left unverified.

    Candidates are LSH collisions and pairs sharing ``min_shared`` rare
    shingles.  All of them are aligned while they number at most
    ``align_all``.  Beyond that, a pair is aligned when it shows a passage:
    some of its rare shingles form a run of ``min_run`` (see
    :func:`~provenance.candidates.rare_shingle_evidence`), or its windows
    collide in ``min_collisions`` band keys, or (a sorted-array intersection
    per remaining pair) the two share ``min_shared_text`` shingles that are not
    nearly universal.  The others share scattered stock phrases or stock
    paragraphs, would be reported as boilerplate at most, and are counted as
    unverified.

    Returns:
        ``(pairs to align (sorted), number of candidate pairs, unverified pairs)``.
    """
    fpp, cp = config.fingerprint, config.candidates
    keys = [band_keys(p.fp.signatures, fpp.bands, fpp.rows) for p in prepared]
    la, lb, collisions = lsh_evidence(keys, cp)
    places = [shingle_places(p.shingles, p.valid, p.ks, p.units.weights()) for p in prepared]
    rare = rare_shingle_evidence(places, cp)
    strong = collisions >= cp.min_collisions
    shown = rare.pairs(rare.run >= cp.min_run) | set(zip(la[strong].tolist(), lb[strong].tolist()))
    others = (rare.pairs() | set(zip(la.tolist(), lb.tolist()))) - shown
    total = len(shown) + len(others)
    if total <= cp.align_all:
        return sorted(shown | others), total, set()
    stats = stats or shingle_stats([p.shingle_set for p in prepared])
    _, universal = common_thresholds(stats, config)
    text = [d[stats.frequency(d) < universal] for d in (p.distinct_shingles for p in prepared)]
    much = {(i, j) for i, j in others
            if np.intersect1d(text[i], text[j], assume_unique=True).size >= cp.min_shared_text}
    return sorted(shown | much), total, others - much


def search_pairs(prepared: Sequence[Prepared], config: Config = Config(),
                 progress: Progress | None = None, workers: int | None = None) -> PairSearch:
    """Every pair of documents that shares text, most copied first, with the count of candidate pairs.

    Candidate pairs (:func:`candidate_pairs`) are aligned and first judged in
    ``workers`` processes (default: one per core) when there are many; results
    do not depend on the number of workers.  Then the pairs of documents that copied the same stretch
    of a third (:func:`~provenance.candidates.relative_pairs`) and are no candidates yet are aligned too.
    """
    if progress:
        progress("candidates", 0, 1)
    stats = shingle_stats([p.shingle_set for p in prepared])
    todo, total, unverified = candidate_pairs(prepared, config, stats)
    release_memory()  # before the workers fork
    if progress:
        progress("candidates", 1, 1)
    done = _align_pairs(prepared, todo, config, stats, progress, workers)
    found, over = _relative_rounds(prepared, done, set(todo), config, stats, progress, workers)
    aligned = [(i, j, raws) for i, j, raws, _ in done]
    pairs = judge_pairs(prepared, aligned, stats, config, [p for *_, p in done])
    del done, aligned
    release_memory()
    return PairSearch(sort_pairs(pairs), Candidates(total + len((found | over) - unverified), len(todo) + len(found),
                                                    len((unverified - found) | over)))


def _relative_rounds(prepared: Sequence[Prepared], done: list[tuple[int, int, list, Pair | None]],
                     first: set[tuple[int, int]], config: Config, stats: ShingleStats, progress: Progress | None,
                     workers: int | None) -> tuple[set[tuple[int, int]], set[tuple[int, int]]]:
    """Further rounds after the pairs ``first`` were aligned into ``done``: pairs of documents that copied the same
    stretch of a third (members of a family too large for the candidates to pair them all), aligned and added to
    ``done`` until no new pair is proposed or the budget is spent.

    Returns:
        The pairs these rounds aligned, and those they proposed beyond the budget.
    """
    cp = config.candidates
    budget = max(cp.align_all, int(cp.relative_budget * len(first)))
    found: set[tuple[int, int]] = set()
    over: set[tuple[int, int]] = set()
    covered: dict[int, list[tuple[int, list[Span]]]] = {}
    _add_copied_spans(covered, done)
    asking = covered  # after the first round, only documents that gained a partner (the others propose pairs tried)
    for _ in range(cp.relative_rounds):
        proposed = relative_pairs(asking, cp.relative_overlap)
        extra = sorted((k for k in proposed if k not in first and k not in found), key=lambda k: (-proposed[k], k))
        kept = sorted(extra[:budget])
        over.update(extra[budget:])
        budget -= len(kept)
        if not kept:
            break
        found.update(kept)
        new = _align_pairs(prepared, kept, config, stats, progress, workers, stage="relatives")
        done += new
        asking = {d: covered[d] for d in _add_copied_spans(covered, new)}
    return found, over - found


def _add_copied_spans(covered: dict[int, list[tuple[int, list[Span]]]],
                      done: Sequence[tuple[int, int, list, Pair | None]]) -> set[int]:
    """Add the copy pairs of ``done`` (first judgements) to ``covered``: per document, its copy partners and the
    spans of its copied passages with each.  Returns the documents that gained a partner."""
    grew: set[int] = set()
    for i, j, _, pair in done:
        if pair is None or pair.kind != "copy":
            continue
        copied = [q for q in pair.passages if q.kind == "copy"]
        covered.setdefault(i, []).append((j, [q.a_span for q in copied]))
        covered.setdefault(j, []).append((i, [q.b_span for q in copied]))
        grew.update((i, j))
    return grew


def _align_pairs(prepared: Sequence[Prepared], todo: Sequence[tuple[int, int]], config: Config, stats: ShingleStats,
                 progress: Progress | None, workers: int | None,
                 stage: str = "align") -> list[tuple[int, int, list, Pair | None]]:
    """Align and first judge ``todo``, in ``workers`` processes when there are many pairs (progress as ``stage``)."""
    global _SHARED
    workers = workers or os.cpu_count() or 1
    chunks = [todo[k : k + 64] for k in range(0, len(todo), 64)]
    done: list[tuple[int, int, list, Pair | None]] = []
    _SHARED = (prepared, config, stats)
    try:
        import multiprocessing as mp
        from concurrent.futures import ProcessPoolExecutor

        if workers > 1 and len(todo) > 256 and "fork" in mp.get_all_start_methods():
            with ProcessPoolExecutor(workers, mp_context=mp.get_context("fork")) as pool:
                for n, part in enumerate(pool.map(_align_chunk, chunks)):
                    done.extend(part)
                    if progress:
                        progress(stage, min((n + 1) * 64, len(todo)), len(todo))
        else:
            for n, chunk in enumerate(chunks):
                done.extend(_align_chunk(chunk))
                if progress:
                    progress(stage, min((n + 1) * 64, len(todo)), len(todo))
    finally:
        _SHARED = ()
    if progress:
        progress(stage, len(todo), len(todo))
    return done


def find_pairs(prepared: Sequence[Prepared], config: Config = Config(),
               progress: Progress | None = None, workers: int | None = None) -> list[Pair]:
    """Every pair of documents that shares text, most copied first (:func:`search_pairs` without the counts)."""
    return search_pairs(prepared, config, progress, workers).pairs


def sort_pairs(pairs: Iterable[Pair]) -> list[Pair]:
    return sorted(pairs, key=lambda p: (p.kind != "copy", -max(p.coverage_a, p.coverage_b), p.a, p.b))


def scan(paths: Sequence[str | os.PathLike], config: Config = Config(),
         progress: Progress | None = None, exclude: Sequence[str] = ()) -> ScanResult:
    """Scan files and folders: every shared passage, families and lineage.

    Args:
        paths: Files and folders (searched recursively for supported files).
        config: Tuning; the defaults are the benchmarked ones.
        progress: Optional ``callback(stage, done, total)``.
        exclude: Globs of file names or relative paths to leave out.

    Returns:
        The whole finding, ready for any report format.
    """
    problems: list[Problem] = []
    docs = load_documents(paths, config, problems, progress, exclude)
    # the prepared documents (shingles, units) are not kept for families and lineage
    found = search_pairs(prepare_all(docs, config, progress), config, progress)
    return finish(docs, found.pairs, problems, found.candidates)


def finish(docs: Sequence[Document], pairs: Sequence[Pair], problems: Sequence[Problem] = (),
           candidates: Candidates | None = None) -> ScanResult:
    """Add families and lineage to documents and pairs (``candidates``: the counts behind the pairs)."""
    from .families import build_families
    from .lineage import build_lineage

    families = build_families(docs, pairs)
    release_memory()
    lineage = build_lineage(docs, pairs, families)
    release_memory()
    return ScanResult(tuple(docs), tuple(pairs), tuple(families), lineage, tuple(problems), candidates)


__all__ = ["PairSearch", "Prepared", "candidate_pairs", "compare", "find_pairs", "finish", "load_documents", "prepare",
           "scan", "search_pairs"]

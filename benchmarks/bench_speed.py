"""Speed of ``provenance``: fingerprinting, side by side with datasketch and rapidfuzz, and the scale curve.

Run from the repository root::

    python benchmarks/bench_speed.py --smoke                  # CI: < 60 s
    python benchmarks/bench_speed.py                          # 10k and 100k scale points
    python benchmarks/bench_speed.py --only scale --paragraphs 1000000

Three sections (``--only`` picks some):

``fingerprint``
    Paragraphs per second on one core for synthetic Chinese paragraphs of ~250
    characters (:mod:`speed_corpus`): the project's path
    (``normalize`` + ``unit_shingle_sizes`` + ``fingerprint``, what
    ``pipeline.prepare`` does) with the default parameters and with 128
    permutations and 5-character shingles (the issue's setting), against
    datasketch's ``MinHash.update`` per shingle, ``update_batch`` and
    ``MinHash.bulk`` on the same shingles; signatures are checked to be
    identical to datasketch's on a sample.
``side``
    The same corpus, one fresh process per contender (wall time and peak RSS
    from ``wait4``): this project (SQLite index + candidate look-up of every
    document; and in memory: prepare + LSH pairs) against datasketch used
    plainly (per-shingle ``MinHash.update``, in-memory ``MinHashLSH`` insert and
    query, same permutations and bands) and brute-force rapidfuzz
    (``process.cdist`` on a sample, extrapolated to all pairs).
``scale``
    For each ``--paragraphs`` size: a corpus of files (50 paragraphs each) is
    written (cached in ``--workdir``), ``provenance index`` runs as a
    subprocess (wall, peak RSS, bytes on disk per paragraph), then
    ``provenance check --format json`` of one new 30-paragraph document with
    planted near-copies runs as a CI job would (whole-process wall, CPU and
    peak RSS, planted sources found), and a fresh process times the work
    inside (imports, read, open, the query first and again);
    ``python -X importtime`` of that path.

Results go to ``benchmarks/results/speed.json`` (``speed-smoke.json`` with
``--smoke``); a run updates only the sections and sizes it measured.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(REPO))

import speed_corpus  # noqa: E402

RESULTS = HERE / "results"
TARGETS = {
    "fingerprint_per_s": 40_000,
    "index_1m_s": 120,
    "index_rss_per_paragraph_b": 1024,
    "disk_per_paragraph_b": 2560,
    "check_wall_s": 1.0,
    "check_work_s": 0.050,
    "check_rss_mb": 300,
    "vs_datasketch_speed": 15,
    "vs_datasketch_memory": 0.1,
}


# -- measuring a child process ----------------------------------------------------------------

_LAUNCH = r"""
import json, os, signal, sys, time
out, timeout, cmd = sys.argv[1], float(sys.argv[2]), sys.argv[3:]
t0 = time.perf_counter()
pid = os.fork()
if pid == 0:
    try:
        os.execvp(cmd[0], cmd)
    finally:
        os._exit(127)
timed_out = False
timeline, last, tree_peak = [], -5.0, 0


def tree_rss(root):
    # proportional set size (shared pages split between sharers) of a process and all its
    # descendants, e.g. a pool of forked workers; VmRSS where smaps_rollup is unavailable
    total, todo = 0, [root]
    while todo:
        p = todo.pop()
        try:
            try:
                with open(f"/proc/{p}/smaps_rollup") as fh:
                    total += next(int(l.split()[1]) for l in fh if l.startswith("Pss:"))
            except (OSError, StopIteration):
                with open(f"/proc/{p}/status") as fh:
                    total += next(int(l.split()[1]) for l in fh if l.startswith("VmRSS:"))
            for t in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{t}/children") as fh:
                    todo += [int(c) for c in fh.read().split()]
        except (OSError, StopIteration, ValueError):
            pass
    return total


while True:
    p, status, ru = os.wait4(pid, os.WNOHANG)
    if p:
        break
    now = time.perf_counter() - t0
    rss = tree_rss(pid)
    tree_peak = max(tree_peak, rss)
    if now - last >= 5:
        last = now
        timeline.append([round(now, 1), round(rss / 1024, 1)])
    if timeout > 0 and now > timeout:
        os.kill(pid, signal.SIGKILL)
        p, status, ru = os.wait4(pid, 0)
        timed_out = True
        break
    time.sleep(0.02 if now < 2 else 0.25)
wall = time.perf_counter() - t0
with open(out, "w") as fh:
    json.dump({"wall_s": wall, "rss_mb": ru.ru_maxrss / 1024, "user_s": ru.ru_utime, "sys_s": ru.ru_stime,
               "rc": os.waitstatus_to_exitcode(status), "timed_out": timed_out, "rss_timeline": timeline,
               "tree_rss_mb": tree_peak / 1024}, fh)
"""


def run_measured(cmd: list[str], timeout: float | None = None, env: dict | None = None) -> dict:
    """Run ``cmd``: wall time, peak RSS and CPU time of that process (CPU includes its reaped workers).

    A small launcher (``python -S``) forks and ``wait4``s the command: a child
    spawned straight from this (large) process would inherit its RSS high-water
    mark in ``ru_maxrss``.  ``rss_mb`` is the largest single process
    (``ru_maxrss``); ``tree_rss_mb`` the largest sampled sum of proportional set
    sizes (PSS: pages shared by forked workers counted once) over the process
    and its descendants, sampled every 0.25 s.
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, \
            tempfile.NamedTemporaryFile(suffix=".json") as res:
        launcher = [sys.executable, "-S", "-c", _LAUNCH, res.name, str(timeout or 0), *cmd]
        subprocess.run(launcher, stdout=out, stderr=err, cwd=REPO, env=env, check=True)
        r = json.loads(Path(res.name).read_text())
        out.seek(0)
        err.seek(0)
        r["stdout"] = out.read().decode("utf-8", "replace")
        r["stderr"] = err.read().decode("utf-8", "replace")
        return r


def worker(name: str, **kw) -> dict:
    """Run this script's ``--worker NAME`` in a fresh process; its JSON result plus wall and RSS."""
    r = run_measured([sys.executable, str(Path(__file__)), "--worker", name, json.dumps(kw)],
                     timeout=kw.get("timeout"), env=_one_core_env())
    if r["rc"] != 0:
        raise RuntimeError(f"worker {name} failed ({r['rc']}):\n{r['stderr'][-3000:]}")
    res = json.loads(r["stdout"].strip().splitlines()[-1])
    res.update(wall_s=r["wall_s"], rss_mb=max(r["rss_mb"], r["tree_rss_mb"]), largest_process_rss_mb=r["rss_mb"],
               cpu_s=r["user_s"] + r["sys_s"])
    return res


def _one_core_env() -> dict:
    env = dict(os.environ)
    for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[k] = "1"
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    return env


def _load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def _rss_now_mb(field: str = "VmRSS") -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return 0.0


def _mem() -> dict:
    """Current and peak RSS of this process, MB."""
    return {"rss": round(_rss_now_mb(), 1), "peak": round(_rss_now_mb("VmHWM"), 1)}


# -- section 1: fingerprinting ----------------------------------------------------------------

def _best(fn, repeat: int = 3) -> tuple[float, float]:
    """Best of ``repeat`` runs: ``(CPU seconds of this process, wall seconds)``.

    CPU time is the per-core figure (the machine may be shared); wall is reported beside it.
    """
    cpu, wall = [], []
    for _ in range(repeat):
        c, w = time.process_time(), time.perf_counter()
        fn()
        cpu.append(time.process_time() - c)
        wall.append(time.perf_counter() - w)
    return min(cpu), min(wall)


def _rate(n: int, fn, repeat: int = 3) -> dict:
    c, w = _best(fn, repeat)
    return {"per_cpu_s": n / c, "per_wall_s": n / w}


def _paragraph_shingles(paras: list[str], k: int):
    """Per paragraph: our uint32 shingle hashes, and the same shingles as UTF-8 strings (normalized units)."""
    from provenance.fingerprint import shingle_hashes
    from provenance.normalize import normalize

    hashes, strings = [], []
    for p in paras:
        u = normalize(p)
        h, v = shingle_hashes(u, np.full(len(u), k, np.int32))
        chars = "".join(map(chr, u.ids.tolist()))
        pos = np.nonzero(v)[0]
        hashes.append(h[pos])
        strings.append([chars[i : i + k].encode("utf-8") for i in pos.tolist()])
    return hashes, strings


def batch_signatures(text: str, bounds: list[tuple[int, int]], params) -> np.ndarray:
    """One signature per paragraph of a file, with the engine's primitives (the issue's experiment).

    ``bounds`` are the paragraphs' character spans in ``text``; shingles crossing a
    paragraph end are left out, so each signature equals datasketch's over that
    paragraph's own shingles.
    """
    from provenance.normalize import normalize

    return units_signatures(normalize(text, t2s=params.t2s), bounds, params)


def units_signatures(u, bounds: list[tuple[int, int]], params) -> np.ndarray:
    """:func:`batch_signatures` from units already normalized: shingle hashes and permutations only.

    This is what datasketch's rates below measure too (its shingles are
    prepared before the clock starts), and what the issue's ~44,000/s
    experiment did (a rolling hash over code points, the permutations, the minima).
    """
    from provenance.fingerprint import shingle_hashes, signatures

    k = params.k_char
    sh, valid = shingle_hashes(u, np.full(len(u), k, np.int32))
    a = np.searchsorted(u.starts, [b[0] for b in bounds])
    e = np.searchsorted(u.starts, [b[1] for b in bounds])
    last = np.repeat(e, np.diff(np.append(a, len(u))))
    valid[a[0]:] &= np.arange(a[0], len(u)) + k <= last
    valid[: a[0]] = False
    return signatures(sh, valid, a, e, params.num_perm, params.seed)


def _file_of(paras: list[str]) -> tuple[str, list[tuple[int, int]]]:
    text, bounds, pos = [], [], 0
    for p in paras:
        bounds.append((pos, pos + len(p)))
        text.append(p)
        pos += len(p) + 2
    return "\n\n".join(text), bounds


def bench_fingerprint(n: int, n_ds: int, sample: int) -> dict:
    """Paragraphs/s of the project's fingerprinting and of datasketch, with an identity check."""
    import datasketch
    from datasketch import MinHash

    from provenance.config import Config
    from provenance.fingerprint import FingerprintParams, fingerprint
    from provenance.normalize import normalize
    from provenance.pipeline import unit_shingle_sizes

    paras = speed_corpus.Generator(seed=7).paragraphs(n)
    chars = sum(len(p) for p in paras) / n
    files = [_file_of(paras[i : i + 50]) for i in range(0, n, 50)]
    normalize("预热")  # build the normalizer's tables outside the timings (reported separately)
    t_tables = _time_tables()
    out = {"paragraphs": n, "mean_chars": round(chars, 1), "normalizer_tables_s": round(t_tables, 3), "settings": [],
           "load": _load()}
    for label, params in (("default (64 perm, 4-char shingles, windows)", FingerprintParams()),
                          ("issue setting (128 perm, 5-char shingles)", FingerprintParams(num_perm=128, k_char=5))):
        config = Config(fingerprint=params)
        row: dict = {"setting": label, "num_perm": params.num_perm, "k_char": params.k_char}

        def prep_each(docs):
            for text in docs:
                u = normalize(text, t2s=params.t2s)
                ks = unit_shingle_sizes(text, u, config)
                fingerprint(u, ks, params)

        row["prepare_per_paragraph"] = _rate(n, lambda: prep_each(paras), 2)
        row["prepare_per_file50"] = _rate(n, lambda: prep_each([f[0] for f in files]), 3)
        row["one_sig_per_paragraph_batched"] = _rate(n, lambda: [batch_signatures(t, b, params) for t, b in files], 3)
        normalized = [(normalize(t, t2s=params.t2s), b) for t, b in files]
        row["one_sig_per_paragraph_from_units"] = _rate(
            n, lambda: [units_signatures(u, b, params) for u, b in normalized], 3)
        row["normalize_per_file50"] = _rate(n, lambda: [normalize(t, t2s=params.t2s) for t, _ in files], 3)

        hashes, strings = _paragraph_shingles(paras[:n_ds], params.k_char)
        m = params.num_perm

        def ds_update():
            for sh in strings:
                mh = MinHash(num_perm=m, seed=params.seed)
                for s in sh:
                    mh.update(s)

        def ds_batch():
            for sh in strings:
                MinHash(num_perm=m, seed=params.seed).update_batch(sh)

        row["datasketch_update"] = _rate(n_ds, ds_update, 1)
        row["datasketch_update_batch"] = _rate(n_ds, ds_batch, 2)
        row["datasketch_bulk"] = _rate(n_ds, lambda: MinHash.bulk(strings, num_perm=m, seed=params.seed), 2)
        row["identical"] = _identity(paras[:sample], files[:2], params, config)
        out["settings"].append(row)
    out["datasketch_version"] = datasketch.__version__
    out["datasketch_paragraphs"] = n_ds
    return out


def _time_tables() -> float:
    """Time to build the normalizer's per-code-point tables in a fresh process (paid once per process)."""
    code = "import time; t=time.perf_counter(); from provenance.normalize import normalize; normalize('预热'); print(time.perf_counter()-t)"
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, env=_one_core_env())
    return float(r.stdout.strip() or "nan")


def _identity(paras, files, params, config) -> dict:
    """Compare our signatures with ``datasketch.MinHash`` fed the same shingle hashes."""
    from datasketch import MinHash

    from provenance.fingerprint import fingerprint
    from provenance.normalize import normalize
    from provenance.pipeline import unit_shingle_sizes

    def ds(hs):
        mh = MinHash(num_perm=params.num_perm, seed=params.seed, hashfunc=lambda x: x)
        mh.update_batch([int(h) for h in hs])
        return mh.hashvalues

    ok_par = 0
    hashes, _ = _paragraph_shingles(paras, params.k_char)
    for i in range(0, len(paras), 50):
        chunk = paras[i : i + 50]
        text, bounds = _file_of(chunk)
        sigs = batch_signatures(text, bounds, params)
        ok_par += sum(np.array_equal(sigs[j], ds(hashes[i + j])) for j in range(len(chunk)))
    ok_win = n_win = 0
    for text, _ in files:
        u = normalize(text, t2s=params.t2s)
        fp = fingerprint(u, unit_shingle_sizes(text, u, config), params)
        for w in range(fp.signatures.shape[0]):
            s, e = int(fp.win_starts[w]), int(fp.win_ends[w])
            n_win += 1
            ok_win += np.array_equal(fp.signatures[w], ds(fp.shingles[s:e][fp.valid[s:e]]))
    return {"paragraphs": f"{ok_par}/{len(paras)}", "windows": f"{ok_win}/{n_win}",
            "all": ok_par == len(paras) and ok_win == n_win}


# -- section 2: side by side ------------------------------------------------------------------

def _read_paragraphs(root: Path) -> list[str]:
    paras = []
    for f in sorted(root.rglob("*.txt")):
        paras += f.read_text(encoding="utf-8").rstrip("\n").split("\n\n")[1:]
    return paras


def w_datasketch(corpus: str, num_perm: int, bands: int, rows: int, k: int) -> dict:
    """Plain datasketch: per-shingle ``update`` of raw paragraph text, ``MinHashLSH`` insert then query."""
    from datasketch import MinHash, MinHashLSH

    base = _rss_now_mb()
    t0 = time.perf_counter()
    paras = _read_paragraphs(Path(corpus))
    t1 = time.perf_counter()
    mem = {"read": _mem()}
    sigs = []
    for p in paras:
        m = MinHash(num_perm=num_perm, seed=1)
        for i in range(len(p) - k + 1):
            m.update(p[i : i + k].encode("utf-8"))
        sigs.append(m)
    t2 = time.perf_counter()
    lsh = MinHashLSH(num_perm=num_perm, params=(bands, rows))
    for i, m in enumerate(sigs):
        lsh.insert(i, m)
    t3 = time.perf_counter()
    found = []
    for i, m in enumerate(sigs):
        found.append([j for j in lsh.query(m) if j != i])
    t4 = time.perf_counter()
    mem["lsh"] = _mem()
    pairs = np.load(speed_corpus.read_info(corpus).pairs)
    hit = sum(int(src in set(found[c])) for c, src in pairs.tolist())
    return {"base_rss_mb": base, "mem_mb": mem, "read_s": t1 - t0, "minhash_s": t2 - t1, "insert_s": t3 - t2, "query_s": t4 - t3,
            "paragraphs": len(paras), "candidate_pairs": sum(map(len, found)) // 2,
            "copy_recall": hit / max(len(pairs), 1)}


def _doc_pair_recall(corpus: str, found: set[tuple[str, str]]) -> float:
    info = speed_corpus.read_info(corpus)
    pairs = np.load(info.pairs)
    want = set()
    for c, s in pairs.tolist():
        a, b = _file_id(c // info.per_file), _file_id(s // info.per_file)
        if a != b:
            want.add((min(a, b), max(a, b)))
    return len(want & found) / max(len(want), 1)


def _file_id(n: int) -> str:
    return f"d{n // 1000:03d}/f{n:07d}.txt"


def w_provenance_disk(corpus: str, index: str) -> dict:
    """The project: ``index_files`` into SQLite (what ``provenance index`` runs), then candidates of every document."""
    from provenance.config import Config
    from provenance.fingerprint import band_keys
    from provenance.index import open_index
    from provenance.indexing import index_files
    from provenance.pipeline import load_documents, prepare

    base = _rss_now_mb()
    config = Config()
    fpp = config.fingerprint
    for suffix in ("", "-wal", "-shm"):
        Path(index + suffix).unlink(missing_ok=True)
    t0 = time.perf_counter()
    with open_index(index, fpp, create=True) as idx:
        index_files(idx, [corpus], config)
    t1 = time.perf_counter()
    mem = {"index": _mem()}
    docs = load_documents([corpus], config)
    t2 = time.perf_counter()
    mem["load"] = _mem()
    found: set[tuple[str, str]] = set()
    with open_index(index, fpp) as idx:
        for d in docs:
            p = prepare(d, config)
            for other in idx.candidates(band_keys(p.fp.signatures, fpp.bands, fpp.rows)):
                if other != d.id:
                    found.add((min(d.id, other), max(d.id, other)))
    t3 = time.perf_counter()
    mem["candidates"] = _mem()
    return {"base_rss_mb": base, "mem_mb": mem, "index_s": t1 - t0, "load_s": t2 - t1, "candidates_s": t3 - t2,
            "candidate_pairs": len(found), "copy_recall": _doc_pair_recall(corpus, found)}


def w_provenance_mem(corpus: str) -> dict:
    """The project in memory: ``load_documents`` + ``prepare`` + LSH and rare-shingle candidate pairs."""
    from provenance.candidates import lsh_pairs, rare_shingle_pairs
    from provenance.config import Config
    from provenance.fingerprint import band_keys
    from provenance.pipeline import load_documents, prepare

    base = _rss_now_mb()
    config = Config()
    fpp = config.fingerprint
    t0 = time.perf_counter()
    docs = load_documents([corpus], config)
    t1 = time.perf_counter()
    mem = {"load": _mem()}
    prepared = [prepare(d, config) for d in docs]
    t2 = time.perf_counter()
    mem["prepare"] = _mem()
    keys = [band_keys(p.fp.signatures, fpp.bands, fpp.rows) for p in prepared]
    cands = lsh_pairs(keys, config.candidates)
    t3 = time.perf_counter()
    mem["lsh"] = _mem()
    rare = rare_shingle_pairs([p.shingle_set for p in prepared], config.candidates)
    t4 = time.perf_counter()
    mem["rare"] = _mem()
    ids = [d.id for d in docs]
    found = {(min(ids[i], ids[j]), max(ids[i], ids[j])) for i, j in cands | rare}
    return {"base_rss_mb": base, "mem_mb": mem, "load_s": t1 - t0, "prepare_s": t2 - t1, "lsh_s": t3 - t2, "rare_s": t4 - t3,
            "candidate_pairs": len(found), "copy_recall": _doc_pair_recall(corpus, found)}


def bench_rapidfuzz(paras: list[str], sample: int, n_total: int, sample_partial: int) -> dict:
    """``process.cdist`` on a sample (one core, CPU time), per-pair cost extrapolated to all pairs of ``n_total``."""
    import rapidfuzz
    from rapidfuzz import fuzz, process

    rng = np.random.default_rng(3)
    pick = [paras[i] for i in rng.choice(len(paras), size=min(sample, len(paras)), replace=False)]
    out = {"version": rapidfuzz.__version__, "sample": len(pick), "workers": 1}
    for name, scorer, s in (("ratio", fuzz.ratio, pick), ("partial_ratio", fuzz.partial_ratio, pick[:sample_partial])):
        t = _best(lambda: process.cdist(s, s, scorer=scorer, workers=1, dtype=np.uint8), 1)[0]
        per_pair = t / (len(s) * len(s))
        out[name] = {"sample": len(s), "sample_s": t, "per_pair_us": per_pair * 1e6,
                     "all_pairs_s": per_pair * n_total * (n_total - 1) / 2}
    return out


def bench_side(corpus: Path, workdir: Path, rf_sample: int, rf_partial: int) -> dict:
    from provenance.fingerprint import FingerprintParams

    info = speed_corpus.read_info(corpus)
    fpp = FingerprintParams()
    ds = worker("datasketch", corpus=str(corpus), num_perm=fpp.num_perm, bands=fpp.bands, rows=fpp.rows, k=fpp.k_char)
    disk = worker("provenance_disk", corpus=str(corpus), index=str(workdir / "side.sqlite"))
    mem = worker("provenance_mem", corpus=str(corpus))
    idle = {"datasketch": worker("idle", what="datasketch"), "provenance": worker("idle", what="provenance")}
    rf = bench_rapidfuzz(_read_paragraphs(corpus), rf_sample, info.paragraphs, rf_partial)
    for suffix in ("", "-wal", "-shm"):
        (workdir / ("side.sqlite" + suffix)).unlink(missing_ok=True)
    return {"paragraphs": info.paragraphs, "files": info.files, "near_copies": info.copies, "load": _load(),
            "num_perm": fpp.num_perm, "bands": fpp.bands, "rows": fpp.rows, "k": fpp.k_char,
            "datasketch": ds, "provenance_disk": disk, "provenance_mem": mem, "python_idle": idle, "rapidfuzz": rf}


def w_idle(what: str) -> dict:
    """A process that only imports a contender's modules: its RSS floor."""
    if what == "datasketch":
        import datasketch  # noqa: F401
    else:
        import provenance.index.sqlite  # noqa: F401
        import provenance.indexing  # noqa: F401
        import provenance.read  # noqa: F401
    return {"base_rss_mb": _rss_now_mb()}


# -- section 3: scale -------------------------------------------------------------------------

CHECK = r"""
import json, sys, time
t0 = time.perf_counter()
from provenance.config import Config
from provenance.index import open_index
from provenance.indexing import query
from provenance.pipeline import load_documents
t1 = time.perf_counter()
config = Config()
doc = load_documents([sys.argv[2]], config)[0]
t2 = time.perf_counter()
idx = open_index(sys.argv[1], config.fingerprint)
t3 = time.perf_counter()
pairs = query(idx, doc, config)
t4 = time.perf_counter()
again = query(idx, doc, config)
t5 = time.perf_counter()
print(json.dumps({"import_s": t1 - t0, "read_s": t2 - t1, "open_s": t3 - t2, "query_s": t4 - t3,
                  "query_again_s": t5 - t4, "found": sorted({p.b for p in pairs}),
                  "passages": sum(len(p.passages) for p in pairs), "copy_pairs": sum(p.kind == "copy" for p in pairs)}))
"""


def import_time(module: str) -> dict:
    """``python -X importtime -c 'import MODULE'``: total, and self time summed per top-level package."""
    r = subprocess.run([sys.executable, "-X", "importtime", "-c", f"import {module}"], capture_output=True, text=True,
                       cwd=REPO, env=_one_core_env())
    total = 0
    per_pkg: dict[str, int] = {}
    for line in r.stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        parts = line[len("import time:"):].split("|")
        try:
            own, cum = int(parts[0]), int(parts[1])
        except ValueError:
            continue
        name = parts[2].rstrip()
        if len(name) - len(name.lstrip()) <= 1:
            total += cum
        pkg = name.strip().split(".")[0]
        per_pkg[pkg] = per_pkg.get(pkg, 0) + own
    heavy = sorted(per_pkg.items(), key=lambda t: -t[1])[:8]
    return {"module": module, "total_ms": total / 1000, "heaviest_ms": {n: c / 1000 for n, c in heavy}}


def ensure_corpus(workdir: Path, n: int) -> tuple[speed_corpus.CorpusInfo, float | None]:
    root = workdir / f"corpus-{n}"
    info = speed_corpus.read_info(root)
    if info is not None and info.paragraphs == n and Path(info.query).exists():
        return info, None
    t = time.perf_counter()
    info = speed_corpus.write_corpus(root, n)
    return info, time.perf_counter() - t


def disk_bytes(index: Path) -> int:
    """The database, its WAL files, and the run and sketch files beside it (``<index>-files``, format 4)."""
    files = Path(str(index) + "-files")
    extra = sum(p.stat().st_size for p in files.iterdir() if p.is_file()) if files.is_dir() else 0
    return extra + sum(Path(str(index) + s).stat().st_size for s in ("", "-wal", "-shm") if Path(str(index) + s).exists())


_INDEX_FIELDS = ("load_before", "load_after", "index_cmd", "index_wall_s", "index_rss_mb", "index_tree_rss_mb",
                 "index_cpu_s", "index_rc", "index_timed_out", "index_rss_timeline", "measured_at")


def bench_scale(n: int, workdir: Path, timeout: float, repeats: int = 3, reuse: dict | None = None) -> dict:
    """One scale point: build the index (or, with ``reuse``, keep the one on disk), then time the check.

    Args:
        reuse: The previous result row of this size, whose index is still in ``workdir``: its
            index measurements are carried over (``index_reused_from`` says when they were
            taken) and only the check is measured again.
    """
    info, t_write = ensure_corpus(workdir, n)
    index = workdir / f"index-{n}.sqlite"
    exe = str(Path(sys.executable).with_name("provenance"))
    cmd = [exe if Path(exe).exists() else sys.executable, *([] if Path(exe).exists() else ["-m", "provenance.cli"]),
           "index", "--index", str(index), info.root]
    if reuse is not None:
        row = {"paragraphs": n, "files": info.files, "corpus_mb": info.bytes / 2**20, "corpus_write_s": t_write,
               **{k: reuse[k] for k in _INDEX_FIELDS if k in reuse},
               "index_reused_from": reuse.get("measured_at")}
        r = {"rc": 0, "timed_out": reuse.get("index_timed_out", False), "wall_s": reuse["index_wall_s"],
             "rss_mb": reuse["index_rss_mb"], "tree_rss_mb": reuse.get("index_tree_rss_mb", 0)}
    else:
        for suffix in ("", "-wal", "-shm"):
            Path(str(index) + suffix).unlink(missing_ok=True)
        files = Path(str(index) + "-files")
        if files.is_dir():
            for p in files.iterdir():
                p.unlink()
            files.rmdir()
        load_before = _load()
        r = run_measured(cmd, timeout=timeout)
        row = {"paragraphs": n, "load_before": load_before, "load_after": _load(), "files": info.files, "corpus_mb": info.bytes / 2**20, "corpus_write_s": t_write,
               "index_cmd": " ".join(["provenance", *cmd[-4:]]), "index_wall_s": r["wall_s"], "index_rss_mb": r["rss_mb"],
               "index_tree_rss_mb": r["tree_rss_mb"],
               "index_cpu_s": r["user_s"] + r["sys_s"], "index_rc": r["rc"], "index_timed_out": r["timed_out"]}
        if r["rc"] != 0 and not r["timed_out"]:
            row["index_error"] = r["stderr"][-2000:]
            return row
        row["index_rss_timeline"] = r["rss_timeline"]
    import sqlite3

    if not index.exists():
        row["index_note"] = (f"stopped after {timeout:.0f} s before anything was written: `provenance index` reads "
                             "every file (and extracts its metadata) before it indexes the first one")
        return row
    db = sqlite3.connect(str(index))
    try:
        indexed_files = db.execute("SELECT count(*) FROM docs").fetchone()[0]
        row["check_expected_indexed"] = sum(
            db.execute("SELECT count(*) FROM docs WHERE id=?", (e,)).fetchone()[0] for e in info.expected)
    except sqlite3.DatabaseError:
        indexed_files = 0
    if indexed_files == 0:
        db.close()
        row["index_note"] = f"stopped after {timeout:.0f} s with nothing committed"
        return row
    row["indexed_paragraphs"] = indexed_files * info.per_file
    try:
        sizes = dict(db.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name").fetchall())
    except sqlite3.DatabaseError:
        sizes = {}
    db.close()
    done = max(row["indexed_paragraphs"], 1)
    row["paragraphs_per_s"] = done / r["wall_s"]
    row["rss_per_paragraph_b"] = max(r["rss_mb"], r["tree_rss_mb"]) * 2**20 / done
    row["disk_bytes"] = disk_bytes(index)
    row["disk_per_paragraph_b"] = row["disk_bytes"] / done
    row["disk_tables_mb"] = {k: v / 2**20 for k, v in sizes.items()}
    if r["timed_out"]:
        row["index_note"] = (f"stopped after {timeout:.0f} s with {row['indexed_paragraphs']} of {n} paragraphs "
                             "committed; the check below runs against that partial index")
    # the whole process: `provenance check --format json`, as a CI job runs it
    row["check_load_before"] = _load()
    cli = [c for c in (run_measured([*cmd[:-4], "check", "--index", str(index), info.query, "--format", "json"])
                       for _ in range(repeats))]
    bad = [c for c in cli if c["rc"] not in (0, 1)]
    if bad:
        row["check_error"] = bad[0]["stderr"][-2000:]
        return row
    row["check_cmd"] = " ".join(["provenance", "check", "--index", str(index), info.query, "--format", "json"])
    row["check_cli_wall_s"] = [c["wall_s"] for c in cli]
    row["check_cli_cpu_s"] = [c["user_s"] + c["sys_s"] for c in cli]
    row["check_cli_rss_mb"] = max(c["rss_mb"] for c in cli)
    sources = {s["source"] for f in json.loads(cli[0]["stdout"])["findings"] for s in f["sources"]}
    row["check_cli_found_expected"] = sum(e in sources for e in info.expected)
    # the work inside, timed in a fresh process: the query alone, first and again
    checks = [run_measured([sys.executable, "-c", CHECK, str(index), info.query], env=_one_core_env())
              for _ in range(repeats)]
    bad = [c for c in checks if c["rc"] != 0]
    if bad:
        row["check_error"] = bad[0]["stderr"][-2000:]
        return row
    res = [json.loads(c["stdout"].strip().splitlines()[-1]) for c in checks]
    row["check_wall_s"] = [c["wall_s"] for c in checks]
    row["check_rss_mb"] = max(c["rss_mb"] for c in checks)
    for k in ("import_s", "read_s", "open_s", "query_s", "query_again_s"):
        row[f"check_{k}"] = statistics.median(x[k] for x in res)
    row["check_found"] = len(res[0]["found"])
    row["check_expected"] = list(info.expected)
    row["check_found_expected"] = sum(e in res[0]["found"] for e in info.expected)
    row["check_copy_pairs"] = res[0]["copy_pairs"]
    row["check_load_after"] = _load()
    return row


# -- tables -----------------------------------------------------------------------------------

def _fmt(x, nd=0) -> str:
    if x is None:
        return "-"
    if isinstance(x, float) and not np.isfinite(x):
        return "-"
    return f"{x:,.{nd}f}"


def print_fingerprint(r: dict) -> None:
    print(f"\n## Fingerprinting, one core: paragraphs/s ({r['paragraphs']} synthetic Chinese paragraphs, "
          f"mean {r['mean_chars']} chars; datasketch on {r['datasketch_paragraphs']})")
    print(f"rates per CPU-second of one core (per wall-second in brackets; load average {r['load']}); "
          f"normalizer tables ready in a new process (cached on disk after the first run): "
          f"{r['normalizer_tables_s']:.2f} s (not in the rates)\n")
    cols = [("prepare_per_paragraph", "ours: prepare, 1 paragraph/doc"),
            ("prepare_per_file50", "ours: prepare, 50 paragraphs/doc"),
            ("one_sig_per_paragraph_batched", "ours: 1 signature/paragraph, batched"),
            ("one_sig_per_paragraph_from_units", "ours: same from normalized units (shingles + MinHash)"),
            ("normalize_per_file50", "ours: normalization alone, 50 paragraphs/doc"),
            ("datasketch_update", "datasketch update() per shingle"),
            ("datasketch_update_batch", "datasketch update_batch"),
            ("datasketch_bulk", "datasketch MinHash.bulk")]
    print("| path | " + " | ".join(s["setting"] for s in r["settings"]) + " |")
    print("|---|" + "---:|" * len(r["settings"]))
    for key, label in cols:
        print(f"| {label} | " + " | ".join(f"{_fmt(s[key]['per_cpu_s'])} ({_fmt(s[key]['per_wall_s'])})"
                                           for s in r["settings"]) + " |")
    print("| identical to datasketch (paragraphs; windows) | " + " | ".join(
        f"{s['identical']['paragraphs']}; {s['identical']['windows']}" for s in r["settings"]) + " |")


def print_side(r: dict) -> None:
    ds, disk, mem, idle, rf = r["datasketch"], r["provenance_disk"], r["provenance_mem"], r["python_idle"], r["rapidfuzz"]
    print(f"\n## Side by side: {r['paragraphs']:,} paragraphs in {r['files']} files, {r['near_copies']} near-copies "
          f"(num_perm {r['num_perm']}, {r['bands']} bands × {r['rows']} rows, {r['k']}-char shingles; "
          f"load average {r['load']})\n")
    print("| contender | CPU s | wall s | peak RSS MB | RSS above its imports MB | copy recall | candidate pairs | "
          "datasketch CPU / this (wall) | this RSS / datasketch |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    rows = [("datasketch plain (update + MinHashLSH insert/query)", ds, idle["datasketch"]["rss_mb"]),
            ("provenance: `index` into SQLite + candidates of every doc", disk, idle["provenance"]["rss_mb"]),
            ("provenance: in memory (prepare + LSH/rare pairs)", mem, idle["provenance"]["rss_mb"])]
    for label, x, floor in rows:
        print(f"| {label} | {x['cpu_s']:.1f} | {x['wall_s']:.1f} | {x['rss_mb']:.0f} | {x['rss_mb'] - floor:.0f} | "
              f"{x['copy_recall']:.3f} | {x['candidate_pairs']:,} | {ds['cpu_s'] / x['cpu_s']:.1f}× "
              f"({ds['wall_s'] / x['wall_s']:.1f}×) | "
              f"{x['rss_mb'] / ds['rss_mb']:.2f} |")
    for name in ("ratio", "partial_ratio"):
        x = rf[name]
        print(f"| rapidfuzz cdist {name}, all pairs (EXTRAPOLATED from {x['sample']}² pairs) | {x['all_pairs_s']:,.1f} | - | - "
              f"| - | - | - | {x['all_pairs_s'] / disk['cpu_s']:,.1f}× slower than ours | - |")
    print("\nCPU s includes worker processes; peak RSS: the larger of the biggest process's peak and the sampled "
          "sum of PSS over a process and its workers.")
    print(f"RSS after imports only: datasketch {idle['datasketch']['rss_mb']:.0f} MB, provenance "
          f"{idle['provenance']['rss_mb']:.0f} MB. Phases (s, wall): datasketch "
          f"read {ds['read_s']:.1f}, minhash {ds['minhash_s']:.1f}, insert {ds['insert_s']:.1f}, query {ds['query_s']:.1f}; "
          f"ours on disk: index {disk['index_s']:.1f}, read again {disk['load_s']:.1f}, candidates {disk['candidates_s']:.1f}; "
          f"ours in memory: load {mem['load_s']:.1f}, prepare {mem['prepare_s']:.1f}, lsh {mem['lsh_s']:.1f}, "
          f"rare {mem['rare_s']:.1f}")
    for label, x in (("datasketch", ds), ("ours on disk", disk), ("ours in memory", mem)):
        marks = ", ".join(f"after {k} {v['rss']:.0f} (peak {v['peak']:.0f})" for k, v in x.get("mem_mb", {}).items())
        print(f"- RSS of the main process, MB, {label}: {marks}")


def print_scale(rows: list[dict]) -> None:
    print("\n## Scale: `provenance index` as a subprocess, then one 30-paragraph check in a fresh process\n")
    print("| paragraphs | index wall s | index CPU s | paragraphs/s (wall) | peak RSS MB (largest process; all) | "
          "RSS B/paragraph | disk B/paragraph | `provenance check` wall s (runs) | its CPU s | its RSS MB | "
          "work: query s (first; again) | planted found / indexed |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in sorted(rows, key=lambda r: r["paragraphs"]):
        if "check_wall_s" not in r:
            why = r.get("index_note") or r.get("index_error") or r.get("check_error") or ""
            print(f"| {r['paragraphs']:,} | {r['index_wall_s']:.1f} | {r['index_cpu_s']:.1f} | - | "
                  f"{r['index_rss_mb']:.0f}; {r.get('index_tree_rss_mb', 0):.0f} "
                  f"| - | - | - | - | - | - | {why[:160]} |")
            continue
        walls = ", ".join(f"{w:.2f}" for w in r.get("check_cli_wall_s", r["check_wall_s"]))
        cpus = ", ".join(f"{w:.2f}" for w in r.get("check_cli_cpu_s", []))
        note = f" (partial: {r['indexed_paragraphs']:,})" if r.get("index_timed_out") else ""
        print(f"| {r['paragraphs']:,}{note} | {r['index_wall_s']:.1f} | {r['index_cpu_s']:.1f} | {r['paragraphs_per_s']:,.0f} | "
              f"{r['index_rss_mb']:.0f}; {r.get('index_tree_rss_mb', 0):.0f} | {r['rss_per_paragraph_b']:,.0f} | "
              f"{r['disk_per_paragraph_b']:,.0f} | {walls} | {cpus or '-'} | {r.get('check_cli_rss_mb', r['check_rss_mb']):.0f} | "
              f"{r['check_query_s']:.3f}; {r['check_query_again_s']:.3f} | "
              f"{r['check_found_expected']}/{r.get('check_expected_indexed', len(r['check_expected']))} |")
    for r in rows:
        if "load_before" in r:
            print(f"- {r['paragraphs']:,}: load average before the index run {r['load_before']}, after {r['load_after']}")
        if "check_load_before" in r:
            reused = f" (index built {r['index_reused_from']}, reused)" if r.get("index_reused_from") else ""
            print(f"- {r['paragraphs']:,}: load average around the check runs {r['check_load_before']} → "
                  f"{r.get('check_load_after', '-')}{reused}")
        if "check_import_s" in r:
            print(f"- {r['paragraphs']:,}: in a fresh process (medians): imports {r['check_import_s']:.2f} s, read "
                  f"{r['check_read_s']:.2f} s, open {r['check_open_s']:.3f} s, query {r['check_query_s']:.2f} s "
                  f"(again in the same process {r['check_query_again_s']:.2f} s); {r['check_found']} documents "
                  f"reported, {r['check_copy_pairs']} as copies")


def print_imports(rows: list[dict]) -> None:
    print("\n## Import time of the check path (`python -X importtime`)\n")
    for r in rows:
        heavy = ", ".join(f"{n} {ms:.0f}" for n, ms in r["heaviest_ms"].items())
        print(f"- `import {r['module']}`: {r['total_ms']:.0f} ms (self time per package, ms: {heavy})")


def machine() -> dict:
    import datasketch
    import rapidfuzz

    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    cpu = ""
    try:
        cpu = next(l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name"))
    except (OSError, StopIteration):
        pass
    rev = subprocess.run(["git", "describe", "--always", "--dirty"], capture_output=True, text=True, cwd=REPO).stdout.strip()
    return {"engine_commit": rev, "cpus": os.cpu_count(), "cpu": cpu, "memory_gib": round(mem, 1), "python": platform.python_version(),
            "numpy": np.__version__, "datasketch": datasketch.__version__, "rapidfuzz": rapidfuzz.__version__,
            "platform": platform.platform()}


# -- main -------------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--smoke", action="store_true", help="Small sizes for CI (< 60 s).")
    ap.add_argument("--paragraphs", default=None, help="Scale points, comma-separated (default 10000,100000).")
    ap.add_argument("--side-paragraphs", type=int, default=None, help="Corpus size of the side-by-side (default 20000).")
    ap.add_argument("--only", default="fingerprint,side,scale", help="Sections to run.")
    ap.add_argument("--workdir", default=os.environ.get("PROVENANCE_BENCH_DIR", "/tmp/provenance-speed"),
                    help="Where corpora and indexes are written (cached between runs).")
    ap.add_argument("--timeout", type=float, default=3600, help="Stop an index run after this many seconds.")
    ap.add_argument("--output", default=None, help="JSON results file (default benchmarks/results/speed[-smoke].json).")
    ap.add_argument("--check-repeats", type=int, default=3,
                    help="Fresh-process checks per scale point (medians reported; more runs steady them on a noisy machine).")
    ap.add_argument("--reuse-index", action="store_true",
                    help="Scale: keep an index already built in --workdir (its row in --output gives the index "
                         "numbers) and measure only the check; the index must match this code's format.")
    ap.add_argument("--worker", nargs=2, metavar=("NAME", "ARGS"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        name, kw = args.worker
        fn = {"datasketch": w_datasketch, "provenance_disk": w_provenance_disk, "provenance_mem": w_provenance_mem,
              "idle": w_idle}[name]
        print(json.dumps(fn(**json.loads(kw))))
        return 0

    sections = set(args.only.split(","))
    sizes = [int(x) for x in (args.paragraphs or ("1000" if args.smoke else "10000,100000")).split(",")]
    side_n = args.side_paragraphs or (300 if args.smoke else 20_000)
    workdir = Path(args.workdir) / ("smoke" if args.smoke else "full")
    workdir.mkdir(parents=True, exist_ok=True)
    out_path = Path(args.output) if args.output else RESULTS / ("speed-smoke.json" if args.smoke else "speed.json")
    results = json.loads(out_path.read_text(encoding="utf-8")) if out_path.exists() else {}
    results["machine"] = machine()
    results["targets"] = TARGETS
    t_start = time.perf_counter()

    if "fingerprint" in sections:
        n, n_ds, sample = (500, 50, 50) if args.smoke else (20_000, 1000, 500)
        results["fingerprint"] = bench_fingerprint(n, n_ds, sample)
        print_fingerprint(results["fingerprint"])
    if "side" in sections:
        info, _ = ensure_corpus(workdir, side_n)
        rf = (100, 30) if args.smoke else (2000, 300)
        results["side_by_side"] = bench_side(Path(info.root), workdir, *rf)
        print_side(results["side_by_side"])
    if "scale" in sections:
        scale = {r["paragraphs"]: r for r in results.get("scale", [])}
        for n in sizes:
            built = (workdir / f"index-{n}.sqlite").exists()
            if args.reuse_index and built and n not in scale:
                # the index's own numbers are in a results file: never rebuild an index the user asked to keep
                print(f"--reuse-index: {out_path} has no row of {n:,} paragraphs to take the index numbers from "
                      f"(pass an --output that has one, e.g. benchmarks/results/speed-check-1m.json, or drop "
                      f"--reuse-index to rebuild the index)", file=sys.stderr)
                return 2
            reuse = scale.get(n) if args.reuse_index and built else None
            if args.reuse_index and reuse is None:
                print(f"no index of {n:,} paragraphs in {workdir}: building it", file=sys.stderr)
            scale[n] = bench_scale(n, workdir, args.timeout, repeats=1 if args.smoke else args.check_repeats, reuse=reuse)
            scale[n]["measured_at" if reuse is None else "check_measured_at"] = time.strftime("%Y-%m-%d %H:%M:%S")
        results["scale"] = sorted(scale.values(), key=lambda r: r["paragraphs"])
        results["imports"] = [import_time("provenance.indexing"), import_time("provenance.pipeline"),
                              import_time("provenance.read")]
        print_scale(results["scale"])
        print_imports(results["imports"])
    results["command"] = "python benchmarks/bench_speed.py " + " ".join(argv if argv is not None else sys.argv[1:])
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(json.dumps(results, ensure_ascii=False, indent=1, default=float) + "\n", encoding="utf-8")
    print(f"\nwrote {out_path} ({time.perf_counter() - t_start:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Real-world accuracy: licence texts found in the wild, attributed to the canonical licence they derive from.

Data: the PyPI package ``licensedcode-data`` (ScanCode's licence database):
``licenses/*.LICENSE`` are canonical licence texts, ``rules/*.RULE`` with
``is_license_text: yes`` are full-text variants found in real projects, each
labelled with the licence it is (``license_expression``).  The benchmark never
installs it into the project's environment: it reads the wheel as a zip file,
downloaded once with ``pip download --no-deps licensedcode-data==32.1.0`` into
``benchmarks/.cache/`` (or pass ``--data DIR`` pointing at an unpacked
``licensedcode/data``, or have the package installed in the benchmark env).

Usage::

    python benchmarks/bench_licences.py [--variants 400] [--distractors -1] [--seed 1]
    python benchmarks/bench_licences.py --smoke

Measures, over a seeded sample of variants (single-licence, not false
positives, at least ``--min-words`` words) scanned together with their canonical
licences and distractor canonical licences:

- attribution accuracy: the canonical licence sharing the most text with the
  variant (largest ``shared_chars`` on the variant's side among its copy pairs)
  is its labelled licence; *lenient* also accepts a canonical text ≥ 90 %
  Indel-similar to the labelled one (ScanCode keeps near-duplicate licences);
  *any kind* also counts pairs the engine called boilerplate;
- lineage attribution: the variant's most confident lineage parent is its licence;
- family clustering: ARI of the labels against connected components of copy
  pairs and of lineage edges.
"""

from __future__ import annotations

import argparse
import importlib.util
import random
import re
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from engine import FileReport, file_level, print_table, run_engine, write_results
from metrics import adjusted_rand_index, best_parents, components, pair_key

VERSION = "32.1.0"
CACHE = HERE / ".cache"
_FRONT = re.compile(r"\A---\n(.*?)\n---\n?(.*)\Z", re.DOTALL)


def _split(raw: str) -> tuple[dict[str, str], str]:
    m = _FRONT.match(raw.replace("\r\n", "\n"))
    if not m:
        return {}, raw
    meta = {}
    for line in m.group(1).splitlines():
        k, sep, v = line.partition(":")
        if sep and not line.startswith((" ", "-")):
            meta[k.strip()] = v.strip()
    return meta, m.group(2).strip() + "\n"


def _find_source(data: str | None, fetch: bool) -> Path:
    if data:
        return Path(data)
    spec = importlib.util.find_spec("licensedcode")
    if spec and spec.submodule_search_locations:
        for loc in spec.submodule_search_locations:
            if (Path(loc) / "data" / "licenses").is_dir():
                return Path(loc) / "data"
    wheels = sorted(CACHE.glob(f"licensedcode_data-{VERSION}-*.whl"))
    if not wheels and fetch:
        CACHE.mkdir(exist_ok=True)
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", str(CACHE),
                        f"licensedcode-data=={VERSION}"], check=True)
        wheels = sorted(CACHE.glob(f"licensedcode_data-{VERSION}-*.whl"))
    if not wheels:
        raise SystemExit("licensedcode-data not found: run without --no-fetch, or pass --data DIR")
    return wheels[-1]


def _entries(source: Path):
    """``(kind, name, raw text)`` for every licence and rule file."""
    if source.is_dir():
        for kind in ("licenses", "rules"):
            for f in sorted((source / kind).iterdir()):
                yield kind, f.name, f.read_text(encoding="utf-8", errors="replace")
        return
    with zipfile.ZipFile(source) as z:
        for name in sorted(z.namelist()):
            m = re.search(r"licensedcode/data/(licenses|rules)/([^/]+)$", name)
            if m:
                yield m.group(1), m.group(2), z.read(name).decode("utf-8", errors="replace")


def load(source: Path, min_words: int) -> tuple[dict[str, str], dict[str, tuple[str, str]]]:
    """Canonical texts ``{key: text}`` and variants ``{rule: (label, text)}``."""
    canonical: dict[str, str] = {}
    rules: dict[str, tuple[str, str]] = {}
    for kind, name, raw in _entries(source):
        meta, text = _split(raw)
        if kind == "licenses" and name.endswith(".LICENSE"):
            if any(meta.get(k) == "yes" for k in ("is_deprecated", "is_unknown", "is_generic")):
                continue
            if len(text.split()) >= 30:
                canonical[meta.get("key", name[:-8])] = text
        elif kind == "rules" and name.endswith(".RULE"):
            label = meta.get("license_expression", "")
            if meta.get("is_license_text") != "yes" or " " in label or not label:
                continue
            if meta.get("is_false_positive") == "yes" or meta.get("is_deprecated") == "yes":
                continue
            if len(text.split()) >= min_words:
                rules[name[:-5]] = (label, text)
    rules = {k: v for k, v in rules.items() if v[0] in canonical}
    return canonical, rules


def build(work: Path, canonical: dict[str, str], rules: dict[str, tuple[str, str]], n_variants: int,
          n_distractors: int, seed: int) -> tuple[dict[str, str], dict[str, str]]:
    """Write the sampled corpus; returns ``{doc id: licence}`` and ``{canonical doc id: key}``."""
    rng = random.Random(seed)
    names = sorted(rules)
    picked = sorted(rng.sample(names, min(n_variants, len(names))))
    labels = sorted({rules[n][0] for n in picked})
    rest = sorted(set(canonical) - set(labels))
    if 0 <= n_distractors < len(rest):
        rest = sorted(rng.sample(rest, n_distractors))
    (work / "canonical").mkdir(parents=True)
    (work / "variants").mkdir()
    truth: dict[str, str] = {}
    canon_ids: dict[str, str] = {}
    for key in labels + rest:
        doc = f"canonical/{key}.txt"
        (work / doc).write_text(canonical[key], encoding="utf-8")
        truth[doc] = key
        canon_ids[doc] = key
    for n in picked:
        doc = f"variants/{n}.txt"
        (work / doc).write_text(rules[n][1], encoding="utf-8")
        truth[doc] = rules[n][0]
    return truth, canon_ids


def score(rep: FileReport, truth: dict[str, str], canon_ids: dict[str, str], canonical: dict[str, str]) -> dict:
    from rapidfuzz.distance import Indel

    variants = sorted(d for d in truth if d not in canon_ids)
    chars = {d: int(info.get("chars", 0)) for d, info in rep.docs.items()}
    best = best_parents(rep.edges)
    strict = lenient = by_lineage = attributed = any_kind = 0
    misses = []
    for v in variants:
        cands, loose = [], []
        for c in canon_ids:
            k = pair_key(v, c)
            if k in rep.shared:
                sh = rep.shared[k]
                # the closest source: most text in common relative to both lengths (Dice), so a
                # variant of bsd-new is attributed to bsd-new, not to bsd-original, which holds
                # all of bsd-new plus a clause
                size = chars.get(v, 0) + chars.get(c, 0)
                dice = (sh.get(v, 0) + sh.get(c, 0)) / size if size else 0.0
                (cands if k in rep.copy_pairs else loose).append((dice, sh.get(v, 0), c))
        top = max(cands)[2] if cands else None
        top_any = max(cands + loose)[2] if cands or loose else None
        any_kind += top_any is not None and canon_ids[top_any] == truth[v]
        label = truth[v]
        attributed += top is not None
        ok = top is not None and canon_ids[top] == label
        strict += ok
        near = ok or (top is not None and Indel.normalized_similarity(canonical[canon_ids[top]], canonical[label]) >= 0.9)
        lenient += near
        by_lineage += best.get(v) in canon_ids and canon_ids[best[v]] == label
        if not ok and len(misses) < 25:
            misses.append({"variant": v, "label": label, "top": canon_ids.get(top) if top else None})
    ids = sorted(truth)
    lab = [truth[i] for i in ids]
    comp_pairs = components(ids, rep.copy_pairs)
    n = max(1, len(variants))
    out = {
        "variants": len(variants), "canonical": len(canon_ids),
        "attribution_accuracy": strict / n, "attribution_lenient": lenient / n,
        "attribution_any_kind": any_kind / n,
        "attributed": attributed / n, "lineage_attribution": by_lineage / n if rep.edges else None,
        "ari_pairs": adjusted_rand_index(lab, [comp_pairs[i] for i in ids]),
        "ari_lineage": None, "copy_pairs": len(rep.copy_pairs), "misses": misses,
    }
    if rep.edges:
        comp_lin = components(ids, [(p, c) for p, c, _ in rep.edges])
        out["ari_lineage"] = adjusted_rand_index(lab, [comp_lin[i] for i in ids])
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--variants", type=int, default=400)
    ap.add_argument("--distractors", type=int, default=-1, help="extra canonical licences (-1: all)")
    ap.add_argument("--min-words", type=int, default=50)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--data", help="an unpacked licensedcode/data folder")
    ap.add_argument("--no-fetch", action="store_true", help="never download the wheel")
    ap.add_argument("--engine", choices=("library", "cli"), default="library")
    ap.add_argument("--work", help="keep the corpus in this (new) folder")
    ap.add_argument("--smoke", action="store_true", help="CI size: 30 variants, 30 distractors")
    args = ap.parse_args(argv)
    n_var, n_dis = (30, 30) if args.smoke else (args.variants, args.distractors)
    source = _find_source(args.data, not args.no_fetch)
    canonical, rules = load(source, args.min_words)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(args.work) if args.work else Path(tmp) / "licences"
        truth, canon_ids = build(work, canonical, rules, n_var, n_dis, args.seed)
        report, secs = run_engine([work], args.engine)
    res = score(file_level(report), truth, canon_ids, canonical)
    res.update({"seconds": round(secs, 2), "seed": args.seed, "source": f"licensedcode-data {VERSION}",
                "pool": {"canonical": len(canonical), "variants": len(rules)}})
    print_table("Licence attribution (licensedcode-data)", ["variants", "canonical", "top = label", "lenient",
                "any kind", "lineage parent = label", "ARI pairs", "ARI lineage", "s"],
                [[res["variants"], res["canonical"], res["attribution_accuracy"], res["attribution_lenient"],
                  res["attribution_any_kind"],
                  res["lineage_attribution"], res["ari_pairs"], res["ari_lineage"], res["seconds"]]])
    path = write_results("licences-smoke" if args.smoke else "licences", res)
    print(f"wrote {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

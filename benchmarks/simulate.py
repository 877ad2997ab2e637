"""Simulate a corpus of copying histories with exact ground truth.

Usage::

    python benchmarks/simulate.py OUTDIR --docs 1000 --seed 1 --lang zh
    python benchmarks/simulate.py OUTDIR --docs 200 --lang en --plagiarism [--obfuscated 0.5]

Writes ``OUTDIR/docs/*.txt`` (the corpus to scan), ``OUTDIR/hidden/`` (texts of
the unpublished models, for reference only: do not scan them) and
``OUTDIR/truth.json``:

- ``documents``: ``{id, parent, family, date, kind, template, revision, town,
  chars, channels, edits, borrowed_from, origins}`` — ``parent`` is a document
  id, ``"model:K"`` for an unpublished model, or null; ``kind`` is ``model``
  (a published model), ``copy`` or ``original``; ``origins`` is a flat list
  ``[start, end, origin, …]``, one triple per sentence: two documents share
  copied text exactly where they share origins.
- ``models``: one per family, ``{id, family, published, path, date}``.
- ``passages``: every copied passage between a document and its parent (and
  what it borrowed): ``{source, target, source_span, target_span, sentences,
  edited, relation}`` with exact character offsets into both written files.

The same arguments give byte-identical output.  See ``benchmarks/README.md``.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from sim_history import History, SimConfig
from sim_render import Rendered, render_doc
from sim_stock import load_stock
from sim_truth import origin_runs


def shared_runs(src: Rendered, dst: Rendered) -> list[tuple[int, int, int, int, int, int]]:
    """Maximal runs of ``dst`` sentences that follow each other in ``src`` too.

    Returns:
        ``(src_start, src_end, dst_start, dst_end, sentences, edited)`` per run,
        spans in each rendered text; ``edited`` counts sentences whose wording differs.
    """
    sv, dv = src.variants.tolist(), dst.variants.tolist()
    out = []
    for j0, j1, i0, i1 in origin_runs(src.origins.tolist(), dst.origins.tolist()):
        edited = sum(sv[j0 + k] != dv[i0 + k] for k in range(i1 - i0 + 1))
        out.append((int(src.starts[j0]), int(src.ends[j1]), int(dst.starts[i0]), int(dst.ends[i1]), i1 - i0 + 1, edited))
    return out


def _flat_origins(r: Rendered) -> list[int]:
    out: list[int] = []
    for s, e, o in zip(r.starts.tolist(), r.ends.tolist(), r.origins.tolist()):
        out += (s, e, o)
    return out


def _write(path: Path, text: str) -> None:
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(text)


def simulate(outdir: str | Path, n_docs: int, seed: int = 0, lang: str = "zh",
             config: SimConfig | None = None) -> dict:
    """Generate a corpus of copying histories into ``outdir``.

    Args:
        outdir: Output folder (its ``docs/``, ``hidden/`` and ``truth.json`` are replaced).
        n_docs: Number of documents in ``docs/``.
        seed: Random seed; the same seed gives byte-identical output.
        lang: ``"zh"`` or ``"en"``.
        config: Shape of the corpus (default :class:`SimConfig`).

    Returns:
        A summary: counts of documents by kind, families, hidden models, passages, timings.
    """
    t0 = time.perf_counter()
    config = config or SimConfig()
    out = Path(outdir)
    stock = load_stock(lang)  # type: ignore[arg-type]
    hist = History(stock, n_docs, seed, config)
    docs = hist.run()
    t1 = time.perf_counter()
    rng = random.Random(seed * 7919 + 17)
    published = [d for d in docs if d.kind != "hidden"]
    perm = list(range(len(published)))
    rng.shuffle(perm)
    width = max(5, len(str(len(published))))
    ids: dict[int, str] = {d.key: f"{k:0{width}d}.txt" for d, k in zip(published, perm)}
    ids.update({d.key: f"model:{d.family}" for d in docs if d.kind == "hidden"})
    for sub in ("docs", "hidden"):
        shutil.rmtree(out / sub, ignore_errors=True)
        (out / sub).mkdir(parents=True)
    rendered: dict[int, Rendered] = {}
    for d in docs:
        r, ops = render_doc(d, hist.V, lang, rng)
        d.edits.extend(ops)
        rendered[d.key] = r
        path = out / "hidden" / f"model_{d.family}.txt" if d.kind == "hidden" else out / "docs" / ids[d.key]
        _write(path, r.text)
    t2 = time.perf_counter()
    passages = []
    for d in docs:
        links = ([(d.parent, "parent")] if d.parent is not None else []) + [(b, "borrowed") for b in d.borrowed]
        for src, rel in links:
            for a, b, c, e, n, k in shared_runs(rendered[src], rendered[d.key]):
                passages.append({"source": ids[src], "target": ids[d.key], "source_span": [a, b],
                                 "target_span": [c, e], "sentences": n, "edited": k, "relation": rel})
    entries = []
    for d in published:
        edits = [{**e, "from": ids[e["from"]]} if e.get("op") == "borrow" else e for e in d.edits]
        entries.append({
            "id": ids[d.key], "parent": ids[d.parent] if d.parent is not None else None, "family": d.family,
            "date": d.date.isoformat(), "kind": d.kind, "template": d.template, "revision": d.revision,
            "town": d.ents["{town}"], "names": {k.strip("{}"): v for k, v in d.ents.items()},
            "chars": len(rendered[d.key].text), "channels": list(d.channels),
            "edits": edits, "borrowed_from": [ids[b] for b in d.borrowed], "origins": _flat_origins(rendered[d.key]),
        })
    entries.sort(key=lambda e: e["id"])
    models = []
    for d in docs:
        if d.kind in ("model", "hidden"):
            models.append({"id": ids[d.key], "family": d.family, "published": d.kind == "model",
                           "path": f"docs/{ids[d.key]}" if d.kind == "model" else f"hidden/model_{d.family}.txt",
                           "date": d.date.isoformat(), "template": d.template,
                           "names": {k.strip("{}"): v for k, v in d.ents.items()},
                           **({"origins": _flat_origins(rendered[d.key])} if d.kind == "hidden" else {})})
    passages.sort(key=lambda p: (p["target"], p["target_span"], p["source"]))
    kinds: dict[str, int] = {}
    for e in entries:
        kinds[e["kind"]] = kinds.get(e["kind"], 0) + 1
    summary = {"documents": len(entries), "kinds": kinds, "families": hist.families,
               "hidden_models": sum(d.kind == "hidden" for d in docs), "passages": len(passages),
               "real_sentences": hist.pool.real_used, "synthetic_sentences": hist.pool.synth_made,
               "markov_sentences": hist.pool.markov_made}
    head = {"schema": "provenance-sim/1", "mode": "lineage", "lang": lang, "seed": seed, "docs": n_docs,
            "config": {k: v for k, v in config.__dict__.items()}, "summary": summary}
    _dump(out / "truth.json", head, {"models": models, "documents": entries, "passages": passages})
    t3 = time.perf_counter()
    summary["seconds"] = {"history": round(t1 - t0, 2), "render": round(t2 - t1, 2), "truth": round(t3 - t2, 2)}
    return summary


def _dump(path: Path, head: dict, lists: dict[str, list]) -> None:
    """Write one JSON object, one list item per line (readable, streamable, deterministic)."""
    dumps = lambda x: json.dumps(x, ensure_ascii=False, separators=(",", ":"))
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(dumps(head)[:-1])
        for name, items in lists.items():
            f.write(f',\n"{name}":[\n')
            f.write(",\n".join(dumps(x) for x in items))
            f.write("\n]")
        f.write("}\n")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("outdir")
    ap.add_argument("--docs", type=int, default=100, help="number of documents (20 to 100000)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--lang", choices=("zh", "en"), default="zh")
    ap.add_argument("--plagiarism", action="store_true", help="PAN-style passages inserted into unrelated documents")
    ap.add_argument("--obfuscated", type=float, default=0.0,
                    help="with --plagiarism: share of cases lightly obfuscated (default 0: all verbatim)")
    ap.add_argument("--boilerplate", type=float, default=None,
                    help="chance a fresh sentence carries a stock phrase (default 0.25; 0 with --plagiarism)")
    args = ap.parse_args(argv)
    if args.plagiarism:
        from sim_plagiarism import simulate_plagiarism
        summary = simulate_plagiarism(args.outdir, args.docs, args.seed, args.lang, args.obfuscated,
                                      args.boilerplate or 0.0)
    else:
        cfg = SimConfig() if args.boilerplate is None else SimConfig(boilerplate=args.boilerplate)
        summary = simulate(args.outdir, args.docs, args.seed, args.lang, cfg)
    print(json.dumps(summary, ensure_ascii=False), file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""PAN-style text-alignment corpus: passages of source documents inserted into unrelated documents.

Half the documents are sources (``source-NNNNN.txt``), half suspicious
(``suspicious-NNNNN.txt``).  Three suspicious documents in four receive one to
four passages of 100–1400 characters (Chinese) or 50–700 words (English), each
cut from a random source document and inserted between two sentences.  With
``obfuscated > 0`` that share of the cases is lightly rewritten (5–10 %
character or word edits).  ``truth.json`` lists every case with exact spans
in both files: ``{source, source_span, target, target_span, obfuscation,
length, unit}``.
"""

from __future__ import annotations

import random
import re
import shutil
from pathlib import Path

from sim_history import perturb
from sim_stock import Pool, load_stock

_WORD = re.compile(r"\S+")


def _body(pool: Pool, lang: str, rng: random.Random) -> list[list[str]]:
    """Paragraphs of fresh sentences, 3,000–12,000 characters (zh) or 600–3,000 words (en)."""
    target = rng.randint(3000, 12000) if lang == "zh" else rng.randint(600, 3000)
    paras: list[list[str]] = []
    size = 0
    while size < target:
        _, units = pool.window(rng.randint(2, 5))
        sents = [pool.decorate(u.text) for u in units if not u.heading and "{" not in u.text]
        if not sents:
            sents = [pool.sentence() for _ in range(rng.randint(2, 5))]
        sents = [s for s in sents if "{" not in s] or [pool.synth_sentence()]
        paras.append(sents)
        size += sum(len(s) if lang == "zh" else len(s.split()) for s in sents)
    return paras


def _join(paras: list[list[str]], lang: str) -> str:
    sep_s, sep_p = ("", "\n") if lang == "zh" else (" ", "\n\n")
    return sep_p.join(sep_s.join(p) for p in paras) + "\n"


def _cut(text: str, lang: str, rng: random.Random) -> tuple[int, int, int]:
    """A passage of the wanted length starting at a sentence start: (start, end, length)."""
    if lang == "zh":
        want = rng.randint(100, 1400)
        starts = [m.end() for m in re.finditer(r"[。！？\n]", text)]
        starts = [0] + [s for s in starts if s < len(text) - 100]
        a = rng.choice(starts)
        while a < len(text) and text[a] == "\n":
            a += 1
        b = min(a + want, len(text.rstrip("\n")))
        return a, b, b - a
    want = rng.randint(50, 700)
    words = [(m.start(), m.end()) for m in _WORD.finditer(text)]
    firsts = [i for i, (s, _) in enumerate(words) if i == 0 or text[words[i - 1][1] - 1] in ".!?"]
    i = rng.choice([f for f in firsts if f < len(words) - 50] or [0])
    j = min(i + want, len(words)) - 1
    return words[i][0], words[j][1], j - i + 1


def simulate_plagiarism(outdir: str | Path, n_docs: int, seed: int = 0, lang: str = "zh",
                        obfuscated: float = 0.0, boilerplate: float = 0.0) -> dict:
    """Write a PAN-style corpus and its cases into ``outdir``; returns a summary.

    Args:
        boilerplate: Chance that a sentence carries a stock phrase (0 by default:
            PAN measures alignment between otherwise unrelated documents).
    """
    from simulate import _dump, _write

    out = Path(outdir)
    rng = random.Random(seed)
    stock = load_stock(lang)  # type: ignore[arg-type]
    pool = Pool(stock, rng, boilerplate=boilerplate)
    for sub in ("docs", "hidden"):
        shutil.rmtree(out / sub, ignore_errors=True)
    (out / "docs").mkdir(parents=True)
    n_src = max(1, n_docs // 2)
    n_susp = max(1, n_docs - n_src)
    sources = []
    for k in range(n_src):
        text = _join(_body(pool, lang, rng), lang)
        sid = f"source-{k:05d}.txt"
        sources.append((sid, text))
        _write(out / "docs" / sid, text)
    cases = []
    documents = [{"id": sid, "role": "source", "chars": len(t)} for sid, t in sources]
    sep_s, sep_p = ("", "\n") if lang == "zh" else (" ", "\n\n")
    for k in range(n_susp):
        tid = f"suspicious-{k:05d}.txt"
        paras = _body(pool, lang, rng)
        m = rng.randint(1, 4) if rng.random() < 0.75 else 0
        slots = sorted(rng.sample(range(sum(len(p) for p in paras) + 1), m)) if m else []
        inserts = []
        for _ in slots:
            sid, stext = rng.choice(sources)
            a, b, length = _cut(stext, lang, rng)
            piece = stext[a:b]
            obf = "none"
            if rng.random() < obfuscated:
                piece, _ = perturb(piece, rng.uniform(0.05, 0.10), stock, rng)
                obf = "light"
            inserts.append((sid, a, b, length, piece, obf, rng.random() < 0.5))
        pieces: list[str] = []
        pos = 0
        sent_no = 0
        pending = list(zip(slots, inserts))
        for pi, para in enumerate(paras):
            if pi:
                pieces.append(sep_p)
                pos += len(sep_p)
            for si, sent in enumerate(para):
                if si:
                    pieces.append(sep_s)
                    pos += len(sep_s)
                while pending and pending[0][0] == sent_no:
                    _, (sid, a, b, length, piece, obf, own_par) = pending.pop(0)
                    pieces.append(piece)
                    cases.append({"source": sid, "source_span": [a, b], "target": tid,
                                  "target_span": [pos, pos + len(piece)], "obfuscation": obf,
                                  "length": length, "unit": "char" if lang == "zh" else "word"})
                    pos += len(piece)
                    tail = sep_p if own_par else sep_s
                    pieces.append(tail)
                    pos += len(tail)
                pieces.append(sent)
                pos += len(sent)
                sent_no += 1
        for _, (sid, a, b, length, piece, obf, _own) in pending:
            pieces.append(sep_p)
            pos += len(sep_p)
            cases.append({"source": sid, "source_span": [a, b], "target": tid, "target_span": [pos, pos + len(piece)],
                          "obfuscation": obf, "length": length, "unit": "char" if lang == "zh" else "word"})
            pieces.append(piece)
            pos += len(piece)
        pieces.append("\n")
        text = "".join(pieces)
        documents.append({"id": tid, "role": "suspicious", "chars": len(text)})
        _write(out / "docs" / tid, text)
    summary = {"documents": len(documents), "sources": n_src, "suspicious": n_susp, "cases": len(cases),
               "real_sentences": pool.real_used, "markov_sentences": pool.markov_made,
               "obfuscated_cases": sum(c["obfuscation"] != "none" for c in cases)}
    head = {"schema": "provenance-sim/1", "mode": "plagiarism", "lang": lang, "seed": seed, "docs": n_docs,
            "obfuscated": obfuscated, "boilerplate": boilerplate, "summary": summary}
    _dump(out / "truth.json", head, {"documents": documents, "cases": cases})
    return summary

"""Render a simulated document to text, through PDF extraction or a bad conversion, keeping spans.

Layout joins the sentences into paragraphs and adds the signature block; each
sentence's *clean* span is known.  Channels then damage the text the way real
pipelines do: ``halfwidth`` (full-width punctuation turned half-width, same
length), ``pdf`` (a hard line break every ~30 characters, blank lines, page
numbers such as ``- 3 -`` and stray spaces at line starts), ``bad`` (dropped
characters).  Each channel returns two offset maps (for span starts and span
ends) so every sentence span is carried exactly into the final text.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import numpy as np
from sim_history import SimDoc, Variants
from sim_names import render, signature

_HALF = str.maketrans({"，": ",", "；": ";", "：": ":", "（": "(", "）": ")", "！": "!", "？": "?"})


@dataclass(frozen=True)
class Rendered:
    """A document's final text and, per sentence, its span, origin and variant."""

    text: str
    starts: np.ndarray
    ends: np.ndarray
    origins: np.ndarray
    variants: np.ndarray


def layout(doc: SimDoc, V: Variants, lang: str, rng: random.Random) -> tuple[str, list[int], list[int], list[int]]:
    """Clean text with sentence spans (title first, signature block last)."""
    sep_sent = "" if lang == "zh" else " "
    sep_par = "\n" if lang == "zh" else "\n\n"
    indent = "\u3000\u3000" if lang == "zh" and rng.random() < 0.3 else ""
    pieces: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    vids: list[int] = []
    pos = 0
    ents = doc.ents
    for pi, para in enumerate(doc.paras):
        if pi:
            lead = sep_par + (indent if len(para) > 1 or len(V.texts[para[0]]) > 30 else "")
            pieces.append(lead)
            pos += len(lead)
        for si, v in enumerate(para):
            if si and sep_sent:
                pieces.append(sep_sent)
                pos += 1
            t = render(V.texts[v], ents)
            pieces.append(t)
            starts.append(pos)
            pos += len(t)
            ends.append(pos)
            vids.append(v)
    pieces.append(sep_par + ("\n" if lang == "zh" else "") + signature(lang, ents, doc.date, rng) + "\n")
    return "".join(pieces), starts, ends, vids


def insert(text: str, inserts: dict[int, str]) -> tuple[str, np.ndarray, np.ndarray]:
    """Insert strings before given offsets; returns text and start/end offset maps."""
    n = len(text)
    ins = np.zeros(n + 1, dtype=np.int64)
    out, prev = [], 0
    for p in sorted(inserts):
        s = inserts[p]
        ins[p] += len(s)
        out.append(text[prev:p])
        out.append(s)
        prev = p
    out.append(text[prev:])
    before = np.concatenate(([0], np.cumsum(ins)[:-1]))
    base = np.arange(n + 1, dtype=np.int64)
    return "".join(out), base + before + ins, base + before


def delete(text: str, positions: list[int]) -> tuple[str, np.ndarray, np.ndarray]:
    """Delete characters at given offsets; returns text and the offset map (same for starts and ends)."""
    keep = np.ones(len(text), dtype=np.int64)
    keep[positions] = 0
    drop = set(positions)
    out = "".join(c for i, c in enumerate(text) if i not in drop)
    cum = np.concatenate(([0], np.cumsum(keep)))
    return out, cum, cum


def pdf_zh(text: str, rng: random.Random) -> tuple[str, np.ndarray, np.ndarray]:
    """Hard wrap every ~30 characters, blank lines, page numbers and page-break spaces (as in 000)."""
    width = rng.randint(26, 34)
    blank = rng.random() < 0.5
    per_page = rng.randint(18, 30)
    page = lines = 0
    inserts: dict[int, str] = {}
    start, n = 0, len(text)
    while start < n:
        end = text.find("\n", start)
        end = n if end < 0 else end
        points = [(b, True) for b in range(start + width, end, width)]
        if end < n:
            points.append((end + 1, False))
        for b, wrap in points:
            lines += 1
            s = ("\n" if wrap else "") + ("\n" if blank else "")
            if lines % per_page == 0:
                page += 1
                s += f"- {page} -\n" + ("\n" if blank else "")
            if rng.random() < 0.08:
                s += " "
            if s:
                inserts[b] = inserts.get(b, "") + s
        start = end + 1
    inserts.pop(n, None)
    return insert(text, inserts)


def pdf_en(text: str, rng: random.Random) -> tuple[str, np.ndarray, np.ndarray]:
    """Wrap lines at ~70 characters (spaces become newlines) and add page numbers."""
    width = rng.randint(60, 80)
    chars = list(text)
    per_page = rng.randint(35, 50)
    inserts: dict[int, str] = {}
    col = 0
    last_space = -1
    lines, page = 0, 1
    for i, c in enumerate(chars):
        if c == "\n":
            col, last_space = 0, -1
            continue
        if c == " ":
            last_space = i
        col += 1
        if col > width and last_space >= 0:
            chars[last_space] = "\n"
            col = i - last_space
            lines += 1
            if lines % per_page == 0:
                page += 1
                inserts[last_space + 1] = f"- {page} -\n" if rng.random() < 0.7 else f"Page {page}\n"
            last_space = -1
    return insert("".join(chars), inserts)


def drop_chars(text: str, rng: random.Random) -> tuple[str, np.ndarray, np.ndarray, int]:
    """A bad conversion: lose ~0.5–1.5 % of the non-space characters."""
    cand = [i for i, c in enumerate(text) if not c.isspace()]
    k = max(1, round(len(cand) * rng.uniform(0.005, 0.015)))
    pos = sorted(rng.sample(cand, min(k, len(cand))))
    out, smap, emap = delete(text, pos)
    return out, smap, emap, len(pos)


def render_doc(doc: SimDoc, V: Variants, lang: str, rng: random.Random) -> tuple[Rendered, list[dict]]:
    """Final text of a document with exact sentence spans; returns the channel edits too."""
    text, starts, ends, vids = layout(doc, V, lang, rng)
    s = np.asarray(starts, dtype=np.int64)
    e = np.asarray(ends, dtype=np.int64)
    ops: list[dict] = []
    for ch in doc.channels:
        if ch == "halfwidth":
            text = text.translate(_HALF)
            ops.append({"op": "halfwidth"})
            continue
        if ch == "pdf":
            text, smap, emap = (pdf_zh if lang == "zh" else pdf_en)(text, rng)
            ops.append({"op": "pdf"})
        else:
            text, smap, emap, n = drop_chars(text, rng)
            ops.append({"op": "drop_chars", "n": n})
        s, e = smap[s], emap[e]
    v = np.asarray(vids, dtype=np.int64)
    origins = np.asarray([V.origins[x] for x in vids], dtype=np.int64)
    return Rendered(text, s, e, origins, v), ops

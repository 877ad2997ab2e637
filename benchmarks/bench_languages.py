"""Real text in languages other than English: the non-English licences of ``licensedcode-data``.

The same data as :mod:`bench_licences` (ScanCode's licence database, read from
the wheel, never installed), restricted to texts written in another language:
French (CeCILL, LiLiQ, LAL, Etalab …), German and Austrian Creative Commons
ports, Chinese (Mulan PSL), Japanese, and whatever else the language test
below picks.  Two questions:

- *families*: every canonical text of one licence family in one language (the
  family is the licence key's first word: ``cecill-2.1-fr`` → ``cecill``; German
  and Austrian ports count as one language) should share copied text with the
  others of its family, and with nothing else.  Pair precision and recall are
  measured against that labelling, and the ARI of copy-pair components.  The
  labelling is coarse: two versions of one family may share little (it is
  reported, not hidden), and two families may share a real clause.
- *attribution*: the variants of those licences found in the wild (rules with
  ``is_license_text: yes``), scanned with the canonical texts, are attributed to
  their labelled licence as in :mod:`bench_licences`.

Usage::

    python benchmarks/bench_languages.py [--min-words 150]
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
from collections import Counter
from itertools import combinations
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_licences import VERSION, _find_source, score  # noqa: E402
from bench_licences import load as load_licences  # noqa: E402
from engine import file_level, print_table, run_engine, write_results  # noqa: E402
from metrics import adjusted_rand_index, components, pair_key  # noqa: E402

_STOP = {
    "en": "the of and to in is that for be or any this with by as are not",
    "fr": "le la les des du est et que pour une dans par sur au aux ne pas",
    "de": "der die das und ist nicht von zu mit den dem des ein eine auf für",
    "es": "el los las del que por una con para como se no es al lo",
    "it": "il di che della per una con non sono gli le alla dei nel",
    "pt": "os das dos que para uma com não por ao da do se em",
    "nl": "de het een van en dat niet voor met zijn op aan te door",
}
_WORDS = {lang: set(ws.split()) for lang, ws in _STOP.items()}
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")


def language(text: str) -> str:
    """``zh``/``ja``/``ko`` when CJK characters dominate, else the language whose stop words are most frequent."""
    chars = re.sub(r"\s", "", text)
    cjk = _CJK.findall(text)
    if chars and len(cjk) > 0.15 * len(chars):  # bilingual texts (Mulan PSL) count as CJK too
        if any("\u3040" <= c <= "\u30ff" for c in cjk):
            return "ja"
        return "ko" if any("\uac00" <= c <= "\ud7af" for c in cjk) else "zh"
    words = re.findall(r"[^\W\d_]+", text.lower())
    counts = {lang: sum(w in ws for w in words) for lang, ws in _WORDS.items()}
    return max(counts, key=counts.get) if words else "en"


def family(key: str, lang: str) -> str:
    return f"{key.split('-')[0]}/{lang}"


def _size(text: str) -> int:
    """Words, or for CJK text two characters a word."""
    cjk = _CJK.findall(text)
    return len(cjk) // 2 if cjk else len(text.split())


def load(source: Path, min_words: int) -> tuple[dict[str, tuple[str, str]], dict[str, tuple[str, str]]]:
    """Non-English canonical texts ``{key: (language, text)}`` and their variants ``{rule: (label, text)}``
    (:func:`bench_licences.load`'s filters, then the language and a size counting CJK characters)."""
    every, found = load_licences(source, 0)
    canonical = {k: (lang, t) for k, t in every.items()
                 if _size(t) >= min_words and (lang := language(t)) != "en"}
    rules = {k: (label, t) for k, (label, t) in found.items()
             if label in canonical and _size(t) >= min_words and language(t) != "en"}
    return canonical, rules


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--min-words", type=int, default=150)
    ap.add_argument("--data", help="an unpacked licensedcode/data folder")
    ap.add_argument("--no-fetch", action="store_true", help="never download the wheel")
    ap.add_argument("--work", help="keep the corpus in this (new) folder")
    args = ap.parse_args(argv)
    canonical, rules = load(_find_source(args.data, not args.no_fetch), args.min_words)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(args.work) if args.work else Path(tmp) / "languages"
        (work / "canonical").mkdir(parents=True)
        (work / "variants").mkdir()
        truth, canon_ids, fam = {}, {}, {}
        for key, (lang, text) in sorted(canonical.items()):
            doc = f"canonical/{key}.txt"
            (work / doc).write_text(text, encoding="utf-8")
            truth[doc], canon_ids[doc], fam[doc] = key, key, family(key, lang)
        for name, (label, text) in sorted(rules.items()):
            doc = f"variants/{name}.txt"
            (work / doc).write_text(text, encoding="utf-8")
            truth[doc] = label
        report, secs = run_engine([work])
    rep = file_level(report)
    canon = sorted(canon_ids)
    same = {pair_key(a, b) for a, b in combinations(canon, 2) if fam[a] == fam[b]}
    found = {k for k in rep.copy_pairs if k[0] in canon_ids and k[1] in canon_ids}
    tp = len(found & same)
    comp = components(canon, found)
    res = {
        "canonical": len(canon), "languages": dict(Counter(canonical[k][0] for k in canonical)),
        "families": len(set(fam.values())), "family_pairs": len(same), "copy_pairs": len(found),
        "pair_precision": tp / len(found) if found else None, "pair_recall": tp / len(same) if same else None,
        "ari_families": adjusted_rand_index([fam[d] for d in canon], [comp[d] for d in canon]),
        "across_families": sorted(f"{a} ~ {b}" for a, b in found - same),
        "unfound_in_family": sorted(f"{a} ~ {b}" for a, b in same - found),
        "seconds": round(secs, 2), "source": f"licensedcode-data {VERSION}",
    }
    if rules:
        att = score(rep, truth, canon_ids, {k: t for k, (_, t) in canonical.items()})
        res["variants"] = {k: att[k] for k in ("variants", "attribution_accuracy", "attribution_lenient",
                                               "lineage_attribution", "misses")}
    print_table("Non-English licences (licensedcode-data)",
                ["texts", "languages", "families", "family pairs", "copy pairs", "pair P", "pair R", "ARI",
                 "variants", "top = label", "s"],
                [[res["canonical"], " ".join(f"{k} {v}" for k, v in sorted(res["languages"].items())),
                  res["families"], res["family_pairs"], res["copy_pairs"], res["pair_precision"],
                  res["pair_recall"], res["ari_families"], res.get("variants", {}).get("variants"),
                  res.get("variants", {}).get("attribution_accuracy"), res["seconds"]]])
    for title, key in (("copy pairs across families", "across_families"),
                       ("family pairs not found", "unfound_in_family")):
        if res[key]:
            print(f"{title} ({len(res[key])}): " + "; ".join(res[key][:30]))
    path = write_results("languages", res)
    print(f"wrote {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Synthetic Chinese paragraphs for the speed benchmarks, with realistic repetition.

Paragraphs (~250 characters) are drawn from a character-level Markov chain of
order 2 trained on real Chinese text (the sample plans in ``fixtures/00*.txt``
and the regulations in ``../shared/corpora/zh-regulations``), with a small
chance at each step of falling back to order 1 so the chain does not recite its
training text.  On top of that, as real document collections have:

* **stock language**: with probability ``stock_share`` a paragraph carries one
  real sentence from the stock (each sentence then recurs in many paragraphs),
  and short stock phrases (clauses found in several real documents, such as
  ``属地管理、分级负责``) are sprinkled in;
* **near-copies**: a share ``copy_share`` of the paragraphs are copies of an
  earlier paragraph of the corpus (usually in another file) with light edits:
  about ``edit_rate`` of the characters substituted, deleted or inserted, and
  sometimes a sentence dropped.

Everything is seeded: the same arguments give the same corpus, byte for byte.
Generation is vectorised (all chains of a batch advance together), so a
million paragraphs take about a minute.

Example:
    >>> gen = Generator(seed=1)                                     # doctest: +SKIP
    >>> gen.paragraphs(2)[0][:20]                                   # doctest: +SKIP
    '本条例所称文明行为，是指遵守宪法和法律、法规…'
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
FIXTURES = REPO / "fixtures"
REGULATIONS = REPO.parent / "shared" / "corpora" / "zh-regulations"

_SENT = re.compile(r"[^。！？；]{12,120}[。！？；]")
_CLAUSE = re.compile(r"[^，。、；：！？“”《》（）\s]{4,16}")
_DROP = re.compile(r"[\sA-Za-z0-9#*>\-_|`~\[\]()（）【】〔〕<>/\\=+:：\"'.]+")


@dataclass(frozen=True)
class Stock:
    """Real Chinese text the generator learns from."""

    text: str
    sentences: tuple[str, ...]
    phrases: tuple[str, ...]


@lru_cache(maxsize=1)
def load_stock() -> Stock:
    """The training text, real sentences and stock phrases (clauses found in ≥ 3 source files)."""
    files = sorted(FIXTURES.glob("00*.txt")) + sorted(REGULATIONS.rglob("*.md"))
    if not files:
        raise FileNotFoundError(f"no Chinese stock in {FIXTURES} or {REGULATIONS}")
    bodies = [_DROP.sub("", f.read_text(encoding="utf-8", errors="ignore")) for f in files]
    text = "。".join(b for b in bodies if b)
    sentences = sorted({s for b in bodies for s in _SENT.findall(b)})
    per_file: dict[str, int] = {}
    for b in bodies:
        for c in set(_CLAUSE.findall(b)):
            per_file[c] = per_file.get(c, 0) + 1
    phrases = sorted(c for c, n in per_file.items() if n >= 3 and len(c) >= 6)
    return Stock(text, tuple(sentences), tuple(phrases))


class Markov:
    """A vectorised character Markov chain (order 2 with an order-1 fallback)."""

    def __init__(self, text: str, fallback: float = 0.12) -> None:
        chars = sorted(set(text))
        self.vocab = np.array([ord(c) for c in chars], dtype=np.uint32)
        lut = {c: i for i, c in enumerate(chars)}
        s = np.array([lut[c] for c in text], dtype=np.int64)
        self.v = v = len(chars)
        self.fallback = fallback
        self.o2 = self._table(s[:-2] * v + s[1:-1], s[2:], v * v)
        self.o1 = self._table(s[:-1], s[1:], v)
        counts = np.bincount(s, minlength=v).astype(np.float64)
        self.unigram = np.cumsum(counts) / counts.sum()

    @staticmethod
    def _table(state: np.ndarray, nxt: np.ndarray, n_states: int):
        """Dense state → rank look-up, and per transition a global key ``rank + cumulative probability``."""
        v = int(nxt.max()) + 1
        keys, counts = np.unique(state * v + nxt, return_counts=True)
        st, nx = keys // v, keys % v
        states, first = np.unique(st, return_index=True)
        rank = np.searchsorted(states, st)
        cum = np.cumsum(counts).astype(np.float64)
        base = np.concatenate(([0.0], cum))[first][rank]
        total = np.add.reduceat(counts, first).astype(np.float64)[rank]
        lookup = np.full(n_states, -1, dtype=np.int32)
        lookup[states] = np.arange(states.size, dtype=np.int32)
        return lookup, rank + (cum - base) / total, nx.astype(np.int64)

    @staticmethod
    def _step(table, state: np.ndarray, u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        lookup, gkey, nx = table
        r = lookup[state]
        idx = np.searchsorted(gkey, r + u, side="left").clip(0, gkey.size - 1)
        return nx[idx], r >= 0

    def sample(self, n: int, length: int, rng: np.random.Generator) -> np.ndarray:
        """``(n, length)`` code points of ``n`` independent chains."""
        v = self.v
        out = np.empty((n, length), dtype=np.int64)
        a = np.searchsorted(self.unigram, rng.random(n))
        b = np.searchsorted(self.unigram, rng.random(n))
        for t in range(length):
            nxt, ok = self._step(self.o2, a * v + b, rng.random(n))
            sel = np.nonzero((~ok) | (rng.random(n) < self.fallback))[0]
            if sel.size:
                n1, ok1 = self._step(self.o1, b[sel], rng.random(sel.size))
                n1[~ok1] = np.searchsorted(self.unigram, rng.random(int((~ok1).sum())))
                nxt[sel] = n1
            out[:, t] = nxt
            a, b = b, nxt
        return self.vocab[out]


@dataclass(frozen=True)
class CorpusInfo:
    """What :func:`write_corpus` wrote.

    Attributes:
        root: The corpus folder.
        paragraphs: Paragraphs written.
        files: Files written.
        chars: Characters written (without line breaks).
        bytes: UTF-8 bytes written.
        copies: Paragraphs that are near-copies of another.
        pairs: A ``.npy`` file of ``(copy, source)`` global paragraph numbers
            (paragraph ``g`` is paragraph ``g % per_file`` of file ``g // per_file``).
        per_file: Paragraphs per file.
        query: The 30-paragraph document to check (outside ``root``).
        expected: File ids (relative to ``root``) the query's planted copies come from.
    """

    root: str
    paragraphs: int
    files: int
    chars: int
    bytes: int
    copies: int
    pairs: str
    per_file: int
    query: str
    expected: tuple[str, ...] = field(default=())


class Generator:
    """Seeded paragraph source.

    Args:
        seed: Everything drawn depends only on it.
        length: Mean paragraph length in characters (standard deviation 15 %).
        stock_share: Share of paragraphs carrying one real stock sentence.
        phrase_rate: Stock phrases per paragraph (Poisson mean).
        copy_share: Share of paragraphs that are near-copies of an earlier one.
        edit_rate: Share of characters edited in a near-copy.
    """

    def __init__(self, seed: int = 0, length: int = 228, stock_share: float = 0.3, phrase_rate: float = 0.6,
                 copy_share: float = 0.05, edit_rate: float = 0.05) -> None:
        self.rng = np.random.default_rng(seed)
        self.stock = load_stock()
        self.markov = _markov()
        self.length, self.stock_share, self.phrase_rate = length, stock_share, phrase_rate
        self.copy_share, self.edit_rate = copy_share, edit_rate

    def fresh(self, n: int) -> list[str]:
        """``n`` new paragraphs (no near-copies among them, beyond what stock language makes)."""
        rng, L = self.rng, self.length
        lengths = np.clip(rng.normal(L, 0.15 * L, n), 0.5 * L, 1.5 * L).astype(np.int64)
        cps = self.markov.sample(n, int(lengths.max()), rng)
        sents, phrases = self.stock.sentences, self.stock.phrases
        out = []
        has_stock = rng.random(n) < self.stock_share
        n_phr = rng.poisson(self.phrase_rate, n)
        for i in range(n):
            body = "".join(map(chr, cps[i, : lengths[i]].tolist()))
            pieces = [body]
            if n_phr[i]:
                for _ in range(int(n_phr[i])):
                    at = int(rng.integers(0, len(body)))
                    ph = phrases[int(rng.integers(len(phrases)))]
                    body = body[:at] + "，" + ph + "，" + body[at:]
                pieces = [body]
            if has_stock[i]:
                s = sents[int(rng.integers(len(sents)))]
                cut = body.find("。", len(body) // 3)
                cut = cut + 1 if cut > 0 else len(body)
                pieces = [body[:cut], s, body[cut:]]
            text = "".join(pieces).strip("，、；")
            if not text.endswith("。"):
                text += "。"
            out.append(text)
        return out

    def edit(self, text: str) -> str:
        """A light revision of ``text``: characters substituted, deleted or inserted, maybe a sentence dropped."""
        rng = self.rng
        chars = list(text)
        n_edits = max(1, int(rng.binomial(len(chars), self.edit_rate)))
        vocab = self.markov.vocab
        for _ in range(n_edits):
            if not chars:
                break
            at = int(rng.integers(0, len(chars)))
            op = rng.random()
            new = chr(int(vocab[np.searchsorted(self.markov.unigram, rng.random())]))
            if op < 0.5:
                chars[at] = new
            elif op < 0.75:
                del chars[at]
            else:
                chars.insert(at, new)
        out = "".join(chars)
        if rng.random() < 0.2:
            sents = re.findall(r"[^。]*。", out)
            if len(sents) > 2:
                drop = int(rng.integers(len(sents)))
                out = "".join(s for k, s in enumerate(sents) if k != drop)
        return out

    def paragraphs(self, n: int) -> list[str]:
        """``n`` paragraphs, about ``copy_share`` of them near-copies of earlier ones in the batch."""
        base = self.fresh(n)
        rng = self.rng
        copies = np.nonzero(rng.random(n) < self.copy_share)[0]
        self.last_pairs: list[tuple[int, int]] = []
        for i in copies.tolist():
            if i == 0:
                continue
            src = int(rng.integers(0, i))
            base[i] = self.edit(base[src])
            self.last_pairs.append((i, src))
        return base


@lru_cache(maxsize=1)
def _markov() -> Markov:
    return Markov(load_stock().text)


def write_corpus(root: str | Path, n_paragraphs: int, per_file: int = 50, seed: int = 0, batch: int = 20_000,
                 query_paragraphs: int = 30, query_copies: int = 5) -> CorpusInfo:
    """Write ``n_paragraphs`` paragraphs as ``.txt`` files of ``per_file`` paragraphs, plus a query document.

    Files are ``root/dNNN/fNNNNNNN.txt`` (1000 files per folder): a title line,
    then paragraphs separated by blank lines.  The query document (written
    beside ``root`` as ``root.query.txt``) holds ``query_paragraphs``
    paragraphs, ``query_copies`` of them light revisions of paragraphs spread
    over the corpus; ``CorpusInfo.expected`` names the files they came from.
    A ``root.json`` manifest records the :class:`CorpusInfo`; ``root.pairs.npy``
    the near-copies (ground truth for candidate recall).

    Args:
        root: Output folder (created; existing files are overwritten).
        n_paragraphs: Paragraphs in the corpus.
        per_file: Paragraphs per file.
        seed: Random seed.
        batch: Paragraphs generated at once (memory ~ 2 KB each).
    """
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    gen = Generator(seed)
    rng = np.random.default_rng(seed + 1)
    n_files = -(-n_paragraphs // per_file)
    picks = set(rng.choice(n_paragraphs, size=min(query_copies, n_paragraphs), replace=False).tolist())
    batch = max(per_file, batch // per_file * per_file)
    planted: list[tuple[str, str]] = []
    chars = nbytes = 0
    pairs: list[tuple[int, int]] = []
    written = 0
    file_no = 0
    while written < n_paragraphs:
        n = min(batch, n_paragraphs - written)
        paras = gen.paragraphs(n)
        pairs += [(written + i, written + j) for i, j in gen.last_pairs]
        for lo in range(0, n, per_file):
            chunk = paras[lo : lo + per_file]
            rel = f"d{file_no // 1000:03d}/f{file_no:07d}.txt"
            for k in range(len(chunk)):
                if written + lo + k in picks:
                    planted.append((rel, chunk[k]))
            body = f"关于第{file_no}号文件的通知\n\n" + "\n\n".join(chunk) + "\n"
            path = root / rel
            path.parent.mkdir(exist_ok=True)
            data = body.encode("utf-8")
            path.write_bytes(data)
            chars += sum(len(p) for p in chunk)
            nbytes += len(data)
            file_no += 1
        written += n
    query = make_query(gen, planted, query_paragraphs)
    qpath = root.parent / (root.name + ".query.txt")
    qpath.write_text(query, encoding="utf-8")
    ppath = root.parent / (root.name + ".pairs.npy")
    np.save(ppath, np.array(pairs, dtype=np.int64).reshape(-1, 2))
    info = CorpusInfo(str(root), n_paragraphs, n_files, chars, nbytes, len(pairs), str(ppath), per_file, str(qpath),
                      tuple(sorted({rel for rel, _ in planted})))
    (root.parent / (root.name + ".json")).write_text(json.dumps(asdict(info), ensure_ascii=False, indent=1),
                                                     encoding="utf-8")
    return info


def make_query(gen: Generator, planted: list[tuple[str, str]], n: int = 30) -> str:
    """A new document of ``n`` paragraphs: light revisions of the planted paragraphs among fresh ones."""
    fresh = gen.fresh(max(n - len(planted), 0))
    rng = gen.rng
    slots = sorted(rng.choice(n, size=len(planted), replace=False).tolist()) if planted else []
    out, it = [], iter(fresh)
    for i in range(n):
        if i in slots:
            out.append(gen.edit(planted[slots.index(i)][1]))
        else:
            out.append(next(it))
    return "关于进一步做好相关工作的通知\n\n" + "\n\n".join(out) + "\n"


def read_info(root: str | Path) -> CorpusInfo | None:
    """The manifest of a corpus written by :func:`write_corpus`, or ``None``."""
    root = Path(root)
    m = root.parent / (root.name + ".json")
    if not m.exists():
        return None
    d = json.loads(m.read_text(encoding="utf-8"))
    d["expected"] = tuple(d.get("expected", ()))
    return CorpusInfo(**d)


if __name__ == "__main__":  # pragma: no cover
    import sys
    import time

    t = time.perf_counter()
    info = write_corpus(sys.argv[1], int(sys.argv[2]))
    print(info, f"{time.perf_counter() - t:.1f}s")

"""Terminal reports with rich: the table of pairs and the side-by-side comparison."""

from __future__ import annotations

from rich import box
from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from ..attribution import Attribution, attribute
from ..model import Document, Pair, ScanResult


def _pct(x: float) -> str:
    return f"{x * 100:.0f}%" if x >= 0.005 or x == 0 else "<1%"


def pairs_table(result: ScanResult, show_boilerplate: bool = False, top: int = 0) -> Table:
    """The table of pairs, most copied first (the first ``top`` of them when ``top`` > 0)."""
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    table.add_column("document A", overflow="fold")
    table.add_column("document B", overflow="fold")
    table.add_column("A copied", justify="right")
    table.add_column("B copied", justify="right")
    table.add_column("passages", justify="right")
    table.add_column("longest", justify="right")
    table.add_column("kind")
    shown = [p for p in result.pairs if p.kind == "copy" or show_boilerplate]
    for p in shown[:top] if top > 0 else shown:
        style = None if p.kind == "copy" else "dim"
        table.add_row(p.a, p.b, _pct(p.coverage_a), _pct(p.coverage_b), str(len(p.passages)),
                      f"{p.longest} chars", p.kind, style=style)
    return table


def _credit(c) -> str:
    name = c.source + (" (inferred)" if c.hypothetical else "")
    return f"{name} {_pct(c.share)} ({c.relation})"


def sources_table(result: ScanResult, top: int = 0,
                  copied: dict[str, Attribution] | None = None) -> Table | None:
    """Per document that copied text: its copied share and where it comes from, most copied first."""
    copied = copied if copied is not None else attribute(result.documents, result.pairs, result.lineage)
    rows = sorted((a for a in copied.values() if a.sources), key=lambda a: (-a.share, a.doc))
    if not rows:
        return None
    dates = {d.id: d.metadata.date for d in result.documents}
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, title="where the copied text comes from",
                  title_justify="left")
    table.add_column("document", overflow="fold")
    table.add_column("date")
    table.add_column("copied", justify="right")
    table.add_column("sources (share of the document, relation)", overflow="fold")
    for a in rows[:top] if top > 0 else rows:
        listed = "; ".join(_credit(c) for c in a.sources[:3])
        more = len(a.sources) - 3
        table.add_row(a.doc, dates.get(a.doc) or "–", _pct(a.share), listed + (f"; +{more} more" if more > 0 else ""))
    return table


def render_scan(result: ScanResult, console: Console, show_boilerplate: bool = False, top: int = 0) -> None:
    """Print the scan summary: counts, the pairs table (``top`` rows at most when > 0), unusable files."""
    copies = [p for p in result.pairs if p.kind == "copy"]
    bp = len(result.pairs) - len(copies)
    files = len({d.path for d in result.documents})
    parts = f" ({files} files)" if files < len(result.documents) else ""
    console.print(
        f"{len(result.documents)} documents{parts}, {len(copies)} copied pairs"
        + (f", {bp} sharing only boilerplate" + ("" if show_boilerplate else " (--boilerplate to list)") if bp else "")
    )
    if result.candidates is not None and result.candidates.unverified:
        c = result.candidates
        console.print(f"{c.unverified} of {c.pairs} candidate pairs not verified: they share only scattered rare "
                      f"phrases (no passage), so at most boilerplate; {c.aligned} were aligned")
    if copies or (show_boilerplate and result.pairs):
        console.print(pairs_table(result, show_boilerplate, top))
        listed = sum(1 for p in result.pairs if p.kind == "copy" or show_boilerplate)
        if 0 < top < listed:
            console.print(f"… {listed - top} more pairs (--top 0 lists all; --format json has every passage)")
        copied = attribute(result.documents, result.pairs, result.lineage)
        sources = sources_table(result, top, copied)
        if sources is not None:
            console.print()
            console.print(sources)
            n = sum(1 for a in copied.values() if a.sources)
            if 0 < top < n:
                console.print(f"… {n - top} more document{'s' if n - top != 1 else ''} (--format json gives every document's sources)")
    for prob in result.problems:
        console.print(f"[yellow]skipped[/] {prob.path}: {prob.reason}")


def _excerpt(text: str, span: tuple[int, int], limit: int) -> str:
    s = " ".join(text[span[0] : span[1]].split())
    return s if len(s) <= limit else s[: limit - 1] + "…"


def _flat(s: str) -> str:
    return " ".join(s.split()) or "∅"


def render_compare(a: Document, b: Document, pair: Pair | None, console: Console, limit: int = 400) -> None:
    """The shared passages of two documents side by side, with their character spans."""
    if pair is None or not pair.passages:
        console.print(f"{a.id} and {b.id} share no passage.")
        return
    flip = pair.a != a.id
    console.print(
        f"{a.id} ↔ {b.id}: {pair.kind}, {len(pair.passages)} passage{'s' if len(pair.passages) != 1 else ''}; "
        f"{_pct(pair.coverage_b if flip else pair.coverage_a)} of {a.id} and "
        f"{_pct(pair.coverage_a if flip else pair.coverage_b)} of {b.id} shared"
    )
    table = Table(box=box.SQUARE, show_lines=True, expand=True)
    table.add_column(a.id, ratio=1, overflow="fold")
    table.add_column(b.id, ratio=1, overflow="fold")
    from ..localize import is_localised, substitutions

    passages = sorted(pair.passages, key=lambda q: (q.b_span if flip else q.a_span))
    for q in passages:
        sa, sb = (q.b_span, q.a_span) if flip else (q.a_span, q.b_span)
        subs = substitutions(a.text[sa[0] : sa[1]], b.text[sb[0] : sb[1]], sa[0], sb[0]) if q.similarity < 1 else ()
        verdict = "stock phrase" if q.kind == "boilerplate" else "localised copy" if is_localised(subs) else "copy"
        head = f"[{sa[0]}:{sa[1]}]", f"[{sb[0]}:{sb[1]}] {verdict}, similarity {q.similarity:.2f}"
        changes = "; ".join(f"{_flat(x.a)} → {_flat(x.b)}" for x in subs[:8]) + (" …" if len(subs) > 8 else "")
        table.add_row(
            Group(Text(head[0], style="dim"), Text(_excerpt(a.text, sa, limit))),
            Group(Text(head[1], style="dim"), Text(_excerpt(b.text, sb, limit)),
                  *([Text("changed: " + changes, style="italic")] if changes else [])),
        )
    console.print(table)


def render_families(result: ScanResult, console: Console, limit: int = 160) -> None:
    """Each family: its model text and members, closest to the model first."""
    if not result.families:
        console.print("No template families: no passage is shared by documents beyond stock language.")
        return
    console.print(f"{len(result.families)} families")
    for f in result.families:
        model = " ".join(f.model_text.split())
        console.print(f"\n[bold]{f.id}[/] ({len(f.members)} members" + (f", closest to the model: {f.closest}" if f.closest else "") + ")",
                      highlight=False)
        console.print(Text("  model: " + (model if len(model) <= limit else model[: limit - 1] + "…")))
        for m in sorted(f.members, key=lambda m: (m.distance, m.doc)):
            console.print(Text(f"    {m.distance:4.2f}  {m.doc} [{m.span[0]}:{m.span[1]}]"))

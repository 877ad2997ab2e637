"""The values passed between pipeline stages: frozen dataclasses, one per idea.

Every span is a half-open ``(start, end)`` pair of character offsets into a
document's *original* text, i.e. the string :func:`provenance.read.read_document`
returns and ``provenance text FILE`` prints.  Derived views (normalized units,
shingles, windows) always carry such spans back to the original.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Span = tuple[int, int]
"""Half-open character offsets ``(start, end)`` into a document's original text."""


@dataclass(frozen=True)
class Source:
    """A document as read from disk, before any normalization.

    Attributes:
        path: The file the text came from.
        text: The text exactly as the engine sees it (offsets index into this).
        format: Reader that produced it: ``"txt"``, ``"docx"``, ``"pdf"``, ``"html"``.
        encoding: Detected encoding for text files, else ``None``.
    """

    path: str
    text: str
    format: str
    encoding: str | None = None


@dataclass(frozen=True)
class Placeholder:
    """A fill-in marker such as ``XX镇`` or ``[NAME]`` found in a document."""

    text: str
    span: Span


@dataclass(frozen=True)
class Metadata:
    """What a document says about itself: date, issuer, number, title, placeholders."""

    title: str | None = None
    date: str | None = None
    issuer: str | None = None
    doc_number: str | None = None
    placeholders: tuple[Placeholder, ...] = ()
    date_note: str | None = None  # why no date was given, when one was seen but rejected

    @property
    def template(self) -> bool:
        """A fill-in template: it leaves at least two blanks.

        One placeholder in an otherwise filled text is a blank a copy forgot to
        fill (it stays listed in :attr:`placeholders`): the document is a copy
        of a template, not one.
        """
        return len(self.placeholders) >= 2


@dataclass(frozen=True)
class Document:
    """One unit of comparison: a file, or a sub-document of a compilation.

    Attributes:
        id: Path relative to the scanned folder; ``file#N`` for the N-th part
            of a compilation.
        path: Path of the file on disk.
        text: Original text of this document (for a part: the part's slice).
        offset: Where ``text`` starts inside the file's text (0 for whole files).
        sha256: Hash of the file's bytes, for incremental indexing.
        metadata: Extracted date, issuer and so on.
    """

    id: str
    path: str
    text: str
    offset: int = 0
    sha256: str = ""
    format: str = "txt"
    metadata: Metadata = field(default_factory=Metadata)

    @property
    def chars(self) -> int:
        return len(self.text)


@dataclass(frozen=True)
class Passage:
    """One aligned passage shared by two documents.

    Attributes:
        a_span: Span in document ``a``'s text.
        b_span: Span in document ``b``'s text.
        similarity: Indel similarity (0..1) of the two normalized passages.
        units: Length of the passage in normalized units (characters or words).
        matched: Weight of the exactly matching stretches inside it (a character
            weighs 1, a word 2): the strength of the evidence.
        boilerplate: Share (0..1) of the passage's shared text that is corpus-wide
            stock language.
        kind: The verdict on this passage: ``"boilerplate"`` (stock language, not
            evidence of copying) or ``"copy"``.
    """

    a_span: Span
    b_span: Span
    similarity: float
    units: int = 0
    matched: int = 0
    boilerplate: float = 0.0
    kind: Literal["copy", "boilerplate"] = "copy"


PairKind = Literal["copy", "boilerplate"]


@dataclass(frozen=True)
class Pair:
    """Two documents that share text, with every shared passage."""

    a: str
    b: str
    coverage_a: float
    coverage_b: float
    shared_chars_a: int
    shared_chars_b: int
    kind: PairKind
    passages: tuple[Passage, ...]

    @property
    def longest(self) -> int:
        """Length in characters of the longest passage (on side ``a``)."""
        return max((p.a_span[1] - p.a_span[0] for p in self.passages), default=0)


@dataclass(frozen=True)
class FamilyMember:
    doc: str
    span: Span
    distance: float


@dataclass(frozen=True)
class Family:
    """A model passage and all its variants across the corpus."""

    id: str
    model_text: str
    members: tuple[FamilyMember, ...]
    closest: str | None = None


@dataclass(frozen=True)
class Node:
    id: str
    hypothetical: bool = False
    label: str | None = None


@dataclass(frozen=True)
class Edge:
    """A directed lineage edge: ``child`` derives (in part) from ``parent``."""

    parent: str
    child: str
    confidence: float
    evidence: tuple[dict, ...] = ()


@dataclass(frozen=True)
class Lineage:
    nodes: tuple[Node, ...] = ()
    edges: tuple[Edge, ...] = ()
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Problem:
    """A file that could not be used, and why (one line for stderr)."""

    path: str
    reason: str


@dataclass(frozen=True)
class Candidates:
    """How many candidate pairs a scan had, how many it aligned, and how many it left unverified.

    Attributes:
        pairs: Document pairs worth a look (LSH collisions, shared rare shingles).
        aligned: Those aligned and judged (every reported pair is one of them).
        unverified: Those neither aligned nor reported: pairs whose shared rare
            shingles are scattered phrases, in a corpus with too many
            candidates to align them all (see
            :attr:`~provenance.candidates.CandidateParams.align_all`).
    """

    pairs: int = 0
    aligned: int = 0
    unverified: int = 0


@dataclass(frozen=True)
class ScanResult:
    """Everything one scan found: the ``provenance/1`` report before rendering."""

    documents: tuple[Document, ...]
    pairs: tuple[Pair, ...]
    families: tuple[Family, ...] = ()
    lineage: Lineage = field(default_factory=Lineage)
    problems: tuple[Problem, ...] = ()
    candidates: Candidates | None = None

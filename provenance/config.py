"""All tuning of a run in one frozen value, with the defaults the benchmarks chose."""

from __future__ import annotations

from dataclasses import dataclass, field

from .align import AlignParams
from .candidates import CandidateParams
from .fingerprint import FingerprintParams


@dataclass(frozen=True)
class BoilerplateParams:
    """When shared text counts as stock language rather than copying.

    A shingle is *common* when it occurs in at least ``max(min_df, df_share ×
    documents)`` documents, and *universal* from ``universal_share``.  A
    passage whose exact matches weigh less than ``long_passage`` is boilerplate
    when at least ``passage_share`` of it is common; a longer one only when that
    much of it is universal (a long passage shared by a tenth of a corpus is a
    template family, not stock language; a legislative-history header found in
    every regulation is).  A pair is a copy when one of its non-boilerplate
    passages holds exact matches weighing at least ``min_copy_passage``: many
    short matches between post titles and stock phrases are not a copy, one
    sentence taken over is.  A passage whose exact matches weigh ``never_stock``
    or more is never boilerplate: no stock formula runs to a paragraph, while a
    licence or model plan copied by most of a corpus does.  Below
    ``min_evidence`` a shared string is a phrase, not a passage: it is shown,
    but as stock language, whatever the corpus says (on a small corpus document
    frequencies cannot tell).  Nearly universal needs at least
    ``min_universal_df`` documents however small the corpus: in ten documents,
    three that share a long passage are a family that copied one model, not
    stock language (a quarter of ten would make them universal).
    """

    min_df: int = 3
    df_share: float = 0.05
    universal_share: float = 0.25
    min_universal_df: int = 5
    passage_share: float = 0.5
    long_passage: int = 60
    min_copy_passage: int = 30
    never_stock: int = 100
    min_evidence: int = 20


@dataclass(frozen=True)
class Config:
    fingerprint: FingerprintParams = field(default_factory=FingerprintParams)
    align: AlignParams = field(default_factory=AlignParams)
    candidates: CandidateParams = field(default_factory=CandidateParams)
    boilerplate: BoilerplateParams = field(default_factory=BoilerplateParams)
    split_compilations: bool = True

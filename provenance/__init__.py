"""provenance: find which documents copy each other or a shared template, show the passages, draw the lineage.

The pipeline stages read in order: :mod:`~provenance.read` → :mod:`~provenance.normalize`
→ :mod:`~provenance.segment` → :mod:`~provenance.fingerprint` → :mod:`~provenance.index`
→ :mod:`~provenance.candidates` → :mod:`~provenance.align` → :mod:`~provenance.boilerplate`
→ :mod:`~provenance.families` / :mod:`~provenance.lineage` → :mod:`~provenance.report`.  :func:`provenance.pipeline.scan`
runs them all.
"""

__version__ = "0.1.0"

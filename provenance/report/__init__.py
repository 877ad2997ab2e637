"""Report formats: one module per format, each turning a result into text.

``text`` (rich terminal tables), ``json`` (the provenance/1 contract),
``html``, ``tree``/``graph`` (lineage), and the CI formats ``sarif``,
``github`` and ``junit`` used by ``provenance check``.
"""

from __future__ import annotations

from .json import render_json, to_dict

__all__ = ["render_json", "to_dict"]

"""report layer: the only place that formats (terminal, TSV/JSON/Parquet/Excel, HTML, figures).

Results of :mod:`her2scope.analysis` and :mod:`her2scope.kb` call the
renderers here; this package never imports those layers at module level.
The writers are loaded on first use (``hs.report.write_table``):

- :func:`write_table`, :func:`write_result`, :func:`table_bytes` and the
  registry :data:`WRITERS` (:mod:`her2scope.report.writers`);
- :func:`write_patient_reports` (one report per sample, with an index) and
  :func:`render_patient` (:mod:`her2scope.report.patient`);
- :func:`forest_figure`, :func:`stacked_figure`, :func:`oncoprint_figure`,
  :func:`sensitivity_figure`, :func:`adjusted_forest_figure`,
  :func:`switching_figure`, :func:`km_figure` (each draws into ``ax`` or, with
  ``ax=None``, on a new figure of its own canvas; a Figure back);
  :func:`encode_figure` (SVG/PNG/PDF bytes) and :func:`write_figure`.
"""

from __future__ import annotations

from typing import Any

_LAZY = {
    "WRITERS": "her2scope.report.writers",
    "table_bytes": "her2scope.report.writers",
    "write_table": "her2scope.report.writers",
    "write_result": "her2scope.report.writers",
    "write_patient_reports": "her2scope.report.patient",
    "render_patient": "her2scope.report.patient",
    "switching_figure": "her2scope.report.switching",
    "forest_figure": "her2scope.report.figures",
    "stacked_figure": "her2scope.report.figures",
    "km_figure": "her2scope.report.survival",
    "oncoprint_figure": "her2scope.report.figures",
    "sensitivity_figure": "her2scope.report.figures",
    "adjusted_forest_figure": "her2scope.cohort.adjusted.views",
    "write_figure": "her2scope.report.figures",
}
_RENAMED: dict[str, tuple[str, str]] = {"encode_figure": ("her2scope.report.figures", "encode")}

__all__ = sorted([*_LAZY, *_RENAMED])


def __getattr__(name: str) -> Any:
    import importlib

    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    if name in _RENAMED:
        module, attr = _RENAMED[name]
        return getattr(importlib.import_module(module), attr)
    raise AttributeError(f"module 'her2scope.report' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])

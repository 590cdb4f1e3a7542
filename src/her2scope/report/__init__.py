"""``hs.report``: the public names users know, re-exported from where they now live.

The rendering itself is in :mod:`her2scope.render` (writers, canvas, plots,
HTML) and in each question's views; this package keeps the older user-facing
names working and loads each on first use (``hs.report.write_table``), so
importing it costs nothing and it imports nothing above :mod:`her2scope.render`
at module level:

- :func:`write_table`, :func:`write_result`, :func:`table_bytes` and the
  registry :data:`WRITERS` (:mod:`her2scope.render.writers`);
- :func:`write_patient_reports` (one report per sample, with an index) and
  :func:`render_patient` (:mod:`her2scope.tumorboard.views`);
- :func:`forest_figure`, :func:`stacked_figure`, :func:`oncoprint_figure`,
  :func:`sensitivity_figure`, :func:`adjusted_forest_figure`,
  :func:`switching_figure`, :func:`km_figure` (each draws into ``ax`` or, with
  ``ax=None``, on a new figure of its own canvas; a Figure back; the ones that
  read a result object are :mod:`her2scope.pl`'s);
  :func:`encode_figure` (SVG/PNG/PDF bytes) and :func:`write_figure`
  (:mod:`her2scope.render.canvas`).
"""

from __future__ import annotations

from typing import Any

_LAZY = {
    "WRITERS": "her2scope.render.writers",
    "table_bytes": "her2scope.render.writers",
    "write_table": "her2scope.render.writers",
    "write_result": "her2scope.render.writers",
    "write_patient_reports": "her2scope.tumorboard.run",
    "render_patient": "her2scope.tumorboard.views",
    "switching_figure": "her2scope.cohort.switching.views",
    "stacked_figure": "her2scope.render.plots",
    "km_figure": "her2scope.cohort.survival.views",
    "sensitivity_figure": "her2scope.render.plots",
    "adjusted_forest_figure": "her2scope.cohort.adjusted.views",
    "write_figure": "her2scope.render.canvas",
}
#: names whose function lives under another name: (module, attribute)
_RENAMED: dict[str, tuple[str, str]] = {
    "encode_figure": ("her2scope.render.canvas", "encode"),
    # these two read a result object (its options, samples and calls): the plot of
    # render.plots takes frames, hs.pl's function takes the result
    "forest_figure": ("her2scope.pl", "forest"),
    "oncoprint_figure": ("her2scope.pl", "oncoprint"),
}

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

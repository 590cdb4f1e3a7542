"""Plots (``hs.pl``), scanpy-style: every function takes the result object first.

``hs.pl.NAME(result, ax=None, ...)`` draws one figure of a result of
:mod:`her2scope.tl` and returns the matplotlib Figure it drew on: into
``ax`` when given (the figure of that axes), else on a new figure of its own
canvas. No pyplot: the caller's backend and open figures are left alone;
display the figure in a notebook by leaving it as the cell's value, or save
it with :func:`save`.

======================  ========================================  ===========================
function                result of                                 draws
======================  ========================================  ===========================
:func:`forest`          :func:`her2scope.tl.analyze`              HER2-low % per alteration
:func:`stacked`         :func:`her2scope.tl.analyze`              HER2 mix per alteration
:func:`oncoprint`       :func:`her2scope.tl.analyze`              alterations x tumors
:func:`sensitivity`     :func:`her2scope.tl.sensitivity`          HER2-low % and q per setting
:func:`adjusted`        :func:`her2scope.tl.adjusted`             crude vs adjusted ORs
:func:`switching`       :func:`her2scope.tl.switching`            transition matrices
:func:`km`              :func:`her2scope.tl.survival`             Kaplan-Meier curves
:func:`actionability`   :func:`her2scope.tl.actionability`        best option level per HER2
======================  ========================================  ===========================

The older names in :mod:`her2scope.report` (``forest_figure`` ...) keep
working, with a result or its ``.table``: the result-reading ones
(``forest_figure``, ``oncoprint_figure``) are these functions, the others the
plots of :mod:`her2scope.render.plots`, which take plain frames.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "actionability",
    "adjusted",
    "forest",
    "km",
    "oncoprint",
    "save",
    "sensitivity",
    "stacked",
    "switching",
]


def forest(result: Any, *, ax: Axes | None = None, **kwargs: Any) -> Figure:
    """HER2-low % with Wilson 95% CI per alteration, the baseline and the expected band.

    Parameters
    ----------
    result : IntersectionResult
        :func:`her2scope.tl.analyze`'s result.
    ax : matplotlib Axes, optional
        Draw here instead of a new figure.
    **kwargs
        ``expected`` (a pair of fractions; default the analysis' own).

    Returns
    -------
    matplotlib.figure.Figure
        The figure drawn on.

    Examples
    --------
    >>> hs.pl.forest(hs.tl.analyze(study))  # doctest: +SKIP
    """
    from her2scope.render.plots import forest_figure

    if kwargs.get("expected") is None:
        # the analysis' own expected range; a bare table has none (the plot's default)
        kwargs["expected"] = getattr(getattr(result, "options", None), "expected", None)
    return forest_figure(result, ax=ax, **kwargs)


def stacked(result: Any, *, ax: Axes | None = None) -> Figure:
    """HER2 categories among the tumors with each alteration (% of altered).

    Parameters
    ----------
    result : IntersectionResult
        :func:`her2scope.tl.analyze`'s result.
    ax : matplotlib Axes, optional
        Draw here instead of a new figure.

    Returns
    -------
    matplotlib.figure.Figure
        The figure drawn on.

    Examples
    --------
    >>> hs.pl.stacked(result)  # doctest: +SKIP
    """
    from her2scope.render.plots import stacked_figure

    return stacked_figure(result, ax=ax)


def oncoprint(result: Any, *, ax: Axes | None = None) -> Figure:
    """Catalog alterations x analysed tumors, grouped by HER2 category (a HER2 track on top).

    Parameters
    ----------
    result : IntersectionResult
        :func:`her2scope.tl.analyze`'s result.
    ax : matplotlib Axes, optional
        Draw the matrix here.

    Returns
    -------
    matplotlib.figure.Figure
        The figure drawn on.

    Examples
    --------
    >>> hs.pl.oncoprint(result)  # doctest: +SKIP
    """
    from her2scope.render.plots import oncoprint_figure

    return oncoprint_figure(result.table, result.samples, result.calls, ax=ax)


def sensitivity(result: Any, *, ax: Axes | None = None) -> Figure:
    """HER2-low % and -log10 q per alteration under every profile x ambiguity policy.

    Parameters
    ----------
    result : SensitivityResult
        :func:`her2scope.tl.sensitivity`'s result.
    ax : matplotlib Axes, optional
        Draw both panels inside this axes' area.

    Returns
    -------
    matplotlib.figure.Figure
        The figure drawn on.

    Examples
    --------
    >>> hs.pl.sensitivity(hs.tl.sensitivity(study))  # doctest: +SKIP
    """
    from her2scope.render.plots import sensitivity_figure

    return sensitivity_figure(result, ax=ax)


def adjusted(result: Any, *, ax: Axes | None = None) -> Figure:
    """Crude (circles) and adjusted (squares) odds ratios of HER2-low, log scale.

    Parameters
    ----------
    result : AdjustedResult
        :func:`her2scope.tl.adjusted`'s result.
    ax : matplotlib Axes, optional
        Draw here instead of a new figure.

    Returns
    -------
    matplotlib.figure.Figure
        The figure drawn on.

    Examples
    --------
    >>> hs.pl.adjusted(hs.tl.adjusted(study))  # doctest: +SKIP
    """
    from her2scope.cohort.adjusted.views import adjusted_forest_figure

    return adjusted_forest_figure(result, ax=ax)


def switching(result: Any, *, ax: Axes | None = None, **kwargs: Any) -> Figure:
    """Heatmaps of the HER2 transition matrices (counts, row-normalised colour).

    Parameters
    ----------
    result : SwitchingResult
        :func:`her2scope.tl.switching`'s result.
    ax : matplotlib Axes, optional
        Draw one heatmap here (``comparison``, ``sample_type`` choose which).
    **kwargs
        ``comparison``, ``sample_type`` (case-insensitive: ``"metastasis"``).

    Returns
    -------
    matplotlib.figure.Figure
        The figure drawn on.

    Examples
    --------
    >>> hs.pl.switching(hs.tl.switching(study))  # doctest: +SKIP
    """
    from her2scope.cohort.options import sample_type_label
    from her2scope.cohort.switching.views import switching_figure

    if "sample_type" in kwargs:
        kwargs["sample_type"] = sample_type_label(kwargs["sample_type"])
    return switching_figure(result, ax=ax, **kwargs)


def km(result: Any, *, ax: Axes | None = None, **kwargs: Any) -> Figure:
    """Kaplan-Meier curves with 95% bands and numbers at risk.

    Parameters
    ----------
    result : SurvivalResult
        :func:`her2scope.tl.survival`'s result.
    ax : matplotlib Axes, optional
        Draw one panel here (``analysis``: ``from_diagnosis`` or ``left_truncated``).
    **kwargs
        ``analysis``.

    Returns
    -------
    matplotlib.figure.Figure
        The figure drawn on.

    Examples
    --------
    >>> hs.pl.km(hs.tl.survival(study))  # doctest: +SKIP
    """
    from her2scope.cohort.survival.views import km_figure

    return km_figure(result, ax=ax, **kwargs)


def actionability(result: Any, *, ax: Axes | None = None) -> Figure:
    """Stacked bars: share of samples at each best option level, per HER2 category,
    endocrine-resistant and not.

    Parameters
    ----------
    result : ActionabilityResult
        :func:`her2scope.tl.actionability`'s result.
    ax : matplotlib Axes, optional
        Draw here instead of a new figure.

    Returns
    -------
    matplotlib.figure.Figure
        The figure drawn on.

    Examples
    --------
    >>> hs.pl.actionability(hs.tl.actionability(study))  # doctest: +SKIP
    """
    from her2scope.cohort.actionability.views import actionability_figure

    return actionability_figure(result, ax=ax)


def save(fig: Figure, path: str | Path, *, dpi: float = 150) -> Path:
    """Write a figure (format from the suffix: .png, .svg, .pdf), atomically.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        What an ``hs.pl`` function returned.
    path : str or Path
        The file.
    dpi : float
        Resolution of raster formats.

    Returns
    -------
    Path
        The file written.

    Examples
    --------
    >>> hs.pl.save(hs.pl.km(result), "km.png")  # doctest: +SKIP
    """
    from her2scope.render.canvas import write_figure

    return write_figure(fig, path, dpi=dpi)


def __dir__() -> list[str]:
    return list(__all__)

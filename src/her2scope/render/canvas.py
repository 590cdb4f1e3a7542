"""The generic figure canvas: one Agg canvas per figure, one encoder, one writer.

Every figure of the package (the plots of :mod:`her2scope.render.plots` and the
questions' own figures in their views) is drawn on a figure of its own Agg
canvas (:func:`_figure`, or the caller's axes through :func:`_target`), encoded
once by :func:`encode` (SVG, PNG or PDF, cropped to the content, deterministic)
and written by :func:`write_figure`. Nothing here knows a result class: a
figure function that accepts a result object reads its table through
:func:`table_of`, the one duck-typed access.

matplotlib is imported inside the functions (it costs ~0.4 s to import), and
figures are drawn on an Agg canvas of their own rather than through pyplot, so
importing this module, or a command that never draws, stays cheap.
"""

from __future__ import annotations

import io
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import polars as pl

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

#: resolution of every figure; figures are created at it, so the content box measured
#: before saving is the one savefig draws
DPI = 110
#: numbers at risk and other small print under a panel: readable at 100% zoom
AT_RISK_FONTSIZE = 9
#: white margin around the drawn content, as ``savefig(bbox_inches="tight")`` pads
PAD_INCHES = 0.1


def _figure(figsize: tuple[float, float]) -> Figure:
    """An empty figure on its own Agg canvas (no pyplot: nothing to close, no global state)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize, dpi=DPI)
    FigureCanvasAgg(fig)
    return fig


#: formats :func:`encode` writes, by file suffix
FORMATS = ("svg", "png", "pdf")
MIME = {"svg": "image/svg+xml", "png": "image/png", "pdf": "application/pdf"}


def encode(
    fig: Figure, *, format: str | None = None, dpi: float = DPI, fmt: str | None = None
) -> bytes:
    """The figure as ``svg`` (the default), ``png`` or ``pdf`` bytes, cropped to its content.

    What ``savefig(bbox_inches="tight")`` gives, drawn once instead of twice:
    the content box comes from the artists' extents, then one save. SVG keeps
    text as text (``svg.fonttype: none``: smaller, selectable, and about half
    the drawing time of a PNG, whose glyphs are rasterised) and is
    deterministic (fixed ids, no date), so a report rerun on the same data is
    byte-identical.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        Any figure.
    format : str
        ``svg`` (default), ``png`` or ``pdf``.
    dpi : float
        Resolution of a PNG (and of images inside SVG/PDF).
    fmt : str, optional
        Deprecated spelling of ``format``.

    Returns
    -------
    bytes
        The encoded figure.

    Examples
    --------
    >>> svg = encode(forest_figure(result.table))  # doctest: +SKIP
    """
    import matplotlib as mpl
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from her2scope.render.writers import format_keyword

    fmt = str(format_keyword(format, "svg", fmt=fmt))
    if fmt not in FORMATS:
        raise ValueError(f"figure format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    canvas = fig.canvas
    bbox: Any = "tight"  # a figure on another canvas (pyplot): savefig measures it
    if isinstance(canvas, FigureCanvasAgg):
        bbox = fig.get_tightbbox(canvas.get_renderer()).padded(PAD_INCHES)
    buf = io.BytesIO()
    metadata = {"Date": None} if fmt in ("svg", "pdf") else None
    with mpl.rc_context({"svg.fonttype": "none", "svg.hashsalt": "her2scope"}):
        fig.savefig(buf, format=fmt, dpi=dpi, bbox_inches=bbox, metadata=metadata)
    return buf.getvalue()


def data_uri(data: bytes, fmt: str = "svg") -> str:
    """``data:`` URI of encoded figure bytes, for a self-contained HTML page."""
    import base64

    return f"data:{MIME[fmt]};base64," + base64.b64encode(data).decode("ascii")


def write_figure(fig: Figure, path: str | Path, *, dpi: float = 150) -> Path:
    """Write the figure atomically, cropped to its content, format by suffix.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        Any figure (one of this module's, or the caller's).
    path : str or Path
        Ends in ``.svg``, ``.png`` or ``.pdf``.
    dpi : float
        Resolution of a PNG.

    Returns
    -------
    Path
        The file written.

    Examples
    --------
    >>> write_figure(forest_figure(result.table), "forest.svg")  # doctest: +SKIP
    """
    from her2scope.outputs import write_bytes_atomic

    path = Path(path)
    fmt = path.suffix.lstrip(".").lower() or "png"
    return write_bytes_atomic(path, encode(fig, format=fmt, dpi=dpi))


def table_of(result: Any) -> pl.DataFrame:
    """The table a figure draws: a result's ``.table``, or a table given as is.

    Every figure takes the result object (``hs.pl.forest(result)``); the older
    calls with ``result.table`` keep working.
    """
    if isinstance(result, pl.DataFrame):
        return result
    table = getattr(result, "table", None)
    if isinstance(table, pl.DataFrame):
        return table
    if type(result).__module__.split(".")[0] == "pandas":
        return pl.from_pandas(result)
    raise TypeError(f"expected a her2scope result or a table, got {type(result).__name__}")


def _floats(values: pl.Series) -> np.ndarray:
    """A numeric column as float64 with nulls as NaN (matplotlib leaves NaN points out)."""
    return values.cast(pl.Float64).fill_null(math.nan).to_numpy()


def _target(ax: Axes | None, figsize: tuple[float, float]) -> tuple[Figure, Axes]:
    """The caller's axes and their figure, or a new figure on its own canvas."""
    if ax is None:
        fig = _figure(figsize)
        return fig, fig.subplots()
    owner = ax.get_figure()
    assert owner is not None
    return cast("Figure", owner), ax

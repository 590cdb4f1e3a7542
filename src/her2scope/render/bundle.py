"""One writer for an analysis's output folder: tables, JSON/HTML texts and figures.

Every analysis writes the same kind of folder (TSV tables, a JSON document, PNG
figures, an HTML page); :func:`write_bundle` writes them in the order given,
each file atomically, into a folder made (or checked) first. Callers that
want the whole folder to appear at once wrap the call in
:func:`her2scope.outputs.bundle`.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import polars as pl
    from matplotlib.figure import Figure


def tsv_text(frame: pl.DataFrame, *, float_precision: int | None = 6) -> str:
    """A frame as her2scope writes every TSV: tab-separated, missing as an empty cell."""
    return frame.write_csv(separator="\t", float_precision=float_precision, null_value="")


def tsv_bytes(frame: pl.DataFrame, *, float_precision: int | None = 6) -> bytes:
    """:func:`tsv_text` as the UTF-8 bytes written to a file.

    Polars writes the bytes; asking it for a ``str`` decodes them and writing the
    file encodes them again, two copies that cost 0.12 s for a 60 MB ``audit.tsv``
    (250,000 samples)."""
    import io

    buf = io.BytesIO()
    frame.write_csv(buf, separator="\t", float_precision=float_precision, null_value="")
    return buf.getvalue()


def write_bundle(
    out_dir: str | Path,
    *,
    tables: Mapping[str, pl.DataFrame | None] | None = None,
    texts: Mapping[str, str | None] | None = None,
    figures: Mapping[str, Figure | None] | None = None,
    float_precision: int | None = 6,
    raw_tables: frozenset[str] = frozenset(),
) -> list[Path]:
    """Write an analysis's files into ``out_dir``; return the paths in the order written.

    Parameters
    ----------
    out_dir : str or Path
        The folder (created when missing; an error names it when it cannot be).
    tables : mapping of file name to polars DataFrame
        Written as TSV (:func:`tsv_text`); a ``None`` value is skipped.
    texts : mapping of file name to str
        JSON, HTML or Markdown documents written as they are; ``None`` skipped.
    figures : mapping of file name to matplotlib Figure
        Written by :func:`her2scope.render.canvas.write_figure` (format by suffix).
    float_precision : int or None
        Decimals of float columns in the TSVs (None: as many as needed).
    raw_tables : frozenset of str
        Table names written with ``float_precision=None`` whatever ``float_precision`` is
        (an audit table whose floats are identifiers or exact values).

    Examples
    --------
    >>> write_bundle("out", tables={"t.tsv": frame}, texts={"t.json": doc})  # doctest: +SKIP
    """
    from her2scope.outputs import ensure_dir, write_bytes_atomic, write_text_atomic

    out = ensure_dir(out_dir)
    written: list[Path] = []
    for name, frame in (tables or {}).items():
        if frame is not None:
            precision = None if name in raw_tables else float_precision
            written.append(
                write_bytes_atomic(out / name, tsv_bytes(frame, float_precision=precision))
            )
    for name, text in (texts or {}).items():
        if text is not None:
            written.append(write_text_atomic(out / name, text))
    if figures:
        from her2scope.render.canvas import write_figure

        for name, fig in figures.items():
            if fig is not None:
                written.append(write_figure(fig, out / name))
    return written

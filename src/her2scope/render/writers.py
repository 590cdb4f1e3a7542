"""The writer registry: one table, one format, one function.

Every table her2scope writes goes through :func:`write_table`, which picks
the writer by format name (or the file's suffix) from :data:`WRITERS`. A new
output format is one entry here. Writes are atomic
(:mod:`her2scope.outputs`).

Formats: ``tsv``, ``csv``, ``json`` (records), ``parquet`` and ``xlsx``
(polars' Excel writer; it needs the optional ``xlsxwriter`` package).
"""

from __future__ import annotations

import io
import json
import math
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import polars as pl

from her2scope.errors import ConfigError
from her2scope.outputs import bundle, current_provenance, write_bytes_atomic


def json_safe(value: Any) -> Any:
    """NaN and infinities as None, recursively through dicts, lists and tuples.

    JSON has no NaN or Infinity (``json.dumps`` would write them anyway and
    leave a file strict readers refuse); an odds ratio of a table with a zero
    cell is one.
    """
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    return value


def format_keyword(
    format: str | None, default: str, **old: str | Sequence[str] | None
) -> str | Sequence[str]:
    """The one format keyword, ``format``, with the older spellings (``fmt=``,
    ``formats=``) still accepted and a :class:`DeprecationWarning` naming the new one.

    Examples
    --------
    >>> format_keyword(None, "svg", fmt="png")  # doctest: +SKIP
    'png'
    """
    import warnings

    given = {name: value for name, value in old.items() if value is not None}
    if given and format is not None:
        raise ConfigError(f"give format= only (not also {', '.join(given)}=)")
    for name, value in given.items():
        warnings.warn(f"{name}= is deprecated; use format=", DeprecationWarning, stacklevel=3)
        return value
    return default if format is None else format


def _tsv(frame: pl.DataFrame) -> bytes:
    return frame.write_csv(separator="\t").encode("utf-8")


def _csv(frame: pl.DataFrame) -> bytes:
    return frame.write_csv().encode("utf-8")


def _json(frame: pl.DataFrame) -> bytes:
    rows = json_safe(frame.to_dicts())
    # records stay a plain list (what pandas.read_json and polars.read_json read);
    # where they came from is in the folder's provenance.json
    return (json.dumps(rows, indent=1, default=str) + "\n").encode("utf-8")


def _parquet(frame: pl.DataFrame) -> bytes:
    buf = io.BytesIO()
    prov = current_provenance()
    # key-value metadata: what pyarrow.parquet.read_metadata(...).metadata shows
    metadata = {"her2scope": json.dumps(prov, default=str)} if prov else None
    frame.write_parquet(buf, metadata=metadata)
    return buf.getvalue()


def _xlsx(frame: pl.DataFrame) -> bytes:
    try:
        import xlsxwriter  # noqa: F401
    except ImportError:  # pragma: no cover - depends on the environment
        raise ConfigError(
            "format 'xlsx' needs the optional package xlsxwriter: pip install 'her2scope[excel]'"
        ) from None
    buf = io.BytesIO()
    frame.write_excel(buf)
    return buf.getvalue()


#: format name -> (file suffix, writer of a polars frame to bytes)
WRITERS: dict[str, tuple[str, Callable[[pl.DataFrame], bytes]]] = {
    "tsv": (".tsv", _tsv),
    "csv": (".csv", _csv),
    "json": (".json", _json),
    "parquet": (".parquet", _parquet),
    "xlsx": (".xlsx", _xlsx),
}


def table_bytes(frame: Any, *, format: str) -> bytes:
    """A table (polars or pandas) in one of the :data:`WRITERS` formats, as bytes.

    Parameters
    ----------
    frame : polars.DataFrame or pandas.DataFrame
        The table.
    format : str
        A key of :data:`WRITERS`.

    Returns
    -------
    bytes
        The encoded table.

    Examples
    --------
    >>> import polars as pl
    >>> table_bytes(pl.DataFrame({"a": [1]}), format="tsv")
    b'a\\n1\\n'
    """
    if format not in WRITERS:
        raise ConfigError(f"parameter format must be one of {', '.join(WRITERS)}; got {format!r}")
    if not isinstance(frame, pl.DataFrame):
        frame = pl.from_pandas(frame)
    return WRITERS[format][1](frame)


def write_table(frame: Any, path: str | Path, *, format: str | None = None) -> Path:
    """Write a table to ``path`` in ``format`` (default: from the file's suffix).

    Parameters
    ----------
    frame : polars.DataFrame or pandas.DataFrame
        The table (a result's ``.table``, or any frame).
    path : str or Path
        Output file; written atomically.
    format : str, optional
        A key of :data:`WRITERS`; by default the one whose suffix ``path`` has.

    Returns
    -------
    Path
        The file written.

    Examples
    --------
    >>> hs.report.write_table(result.table, "table1.parquet")  # doctest: +SKIP
    """
    target = Path(path)
    if format is None:
        by_suffix = {suffix: name for name, (suffix, _) in WRITERS.items()}
        format = by_suffix.get(target.suffix.lower())
        if format is None:
            raise ConfigError(
                f"cannot tell the format of {target.name}: give format= ({', '.join(WRITERS)})"
            )
    return write_bytes_atomic(target, table_bytes(frame, format=format))


#: formats :func:`write_table_chunks` streams (a chunk at a time, never the whole table)
STREAMING_FORMATS = ("tsv", "csv", "parquet")


def write_table_chunks(
    chunks: Iterable[pl.DataFrame], path: str | Path, *, format: str | None = None
) -> tuple[Path, int]:
    """Write a table that arrives in chunks (same columns each) to one file, atomically.

    TSV/CSV chunks are appended (header once); Parquet chunks become row groups
    (pyarrow's ``ParquetWriter``), so memory holds one chunk at a time. Returns the
    path and the number of rows written.

    Examples
    --------
    >>> write_table_chunks(batch_chunks, "options.parquet")  # doctest: +SKIP
    """
    from her2scope.outputs import atomic_path

    target = Path(path)
    if format is None:
        by_suffix = {suffix: name for name, (suffix, _) in WRITERS.items()}
        format = by_suffix.get(target.suffix.lower())
    if format not in STREAMING_FORMATS:
        raise ConfigError(
            f"parameter format must be one of {', '.join(STREAMING_FORMATS)} for a streamed "
            f"table; got {format!r}"
        )
    n = 0
    with atomic_path(target) as tmp:
        if format == "parquet":
            import pyarrow.parquet as pq

            writer: Any = None
            prov = current_provenance()
            try:
                for chunk in chunks:
                    table = chunk.to_arrow()
                    if writer is None:
                        if prov:
                            meta = {**(table.schema.metadata or {})}
                            meta[b"her2scope"] = json.dumps(prov, default=str).encode()
                            table = table.replace_schema_metadata(meta)
                        writer = pq.ParquetWriter(str(tmp), table.schema)
                    writer.write_table(table.replace_schema_metadata(writer.schema.metadata))
                    n += chunk.height
            finally:
                if writer is not None:
                    writer.close()
            if writer is None:  # no chunk at all: an empty file would not be Parquet
                raise ConfigError("nothing to write: the table arrived without any chunk")
        else:
            sep = "\t" if format == "tsv" else ","
            with open(tmp, "wb") as fh:
                first = True
                for chunk in chunks:
                    fh.write(chunk.write_csv(separator=sep, include_header=first).encode("utf-8"))
                    first = False
                    n += chunk.height
                fh.flush()
                import os

                os.fsync(fh.fileno())
    return target, n


def write_result(
    result: Any,
    out_dir: str | Path,
    *,
    format: str | Sequence[str] = ("tsv", "json"),
    formats: str | Sequence[str] | None = None,
) -> list[Path]:
    """Write a result's ``.table`` (and its audit) in each format of ``format``.

    Parameters
    ----------
    result : result object
        Any her2scope result (``.table``, ``.audit``).
    out_dir : str or Path
        Output folder.
    format : str or sequence of str
        One key of :data:`WRITERS` or several.
    formats : optional
        Deprecated spelling of ``format``.

    Returns
    -------
    list of Path
        Files written: ``table.<suffix>`` per format and ``audit.tsv``.

    Examples
    --------
    >>> hs.report.write_result(result, "out", format=("tsv", "parquet"))  # doctest: +SKIP
    """
    chosen = format_keyword(None, "", formats=formats) or format
    # one format as a string is one format ("tsv"), not the letters t, s, v
    names = [chosen] if isinstance(chosen, str) else list(chosen)
    for name in names:
        if name not in WRITERS:
            raise ConfigError(f"parameter format must be among {', '.join(WRITERS)}; got {name!r}")
    formats = names
    out = Path(out_dir)
    written = [
        write_table(result.table, out / f"table{WRITERS[name][0]}", format=name) for name in formats
    ]
    audit = getattr(result, "audit", None)
    if audit is not None and hasattr(audit, "to_frame"):
        written.append(write_table(audit.to_frame(), out / "audit.tsv", format="tsv"))
    return written


def write_tsv(frame: pl.DataFrame, path: Path, comments: Sequence[str] = ()) -> Path:
    """A plain TSV (any ``read_csv(sep="\\t")`` reads it); ``comments`` go to the
    folder's ``provenance.json`` under the file's name, never into the data."""
    from her2scope.outputs import add_notes, write_text_atomic

    with bundle(Path(path).parent):
        written = write_text_atomic(path, frame.write_csv(separator="\t", null_value=""))
        add_notes(path, list(comments))
    return written

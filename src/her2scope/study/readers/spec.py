"""One reader routine for the tab-separated cBioPortal files, driven by a :class:`FileSpec`.

Every tabular data file of a study is read through the same steps
(cBioPortal *File Formats*, https://docs.cbioportal.org/file-formats/):
required columns checked at the header line, the body read with each row's
line number, ids stripped or missing values nulled, the rows read counted,
lower-case gene symbols upper-cased, rows missing a required value left out
and counted, repeated ids left out. A :class:`FileSpec` says, for one file
kind, which of these apply and with which columns, codes and messages;
:func:`read_rows` applies it. What is specific to one file (the discrete
CNA matrix's fast path, the MAF's protein-column fallbacks, clinical
NUMBER attributes) is in that file's module, beside its spec.

The audit rules are the module's (see :mod:`her2scope.study.readers`): a
broken structure raises :class:`InputFormatError` with file, line and column;
bad values are counted in one entry per code + file + column.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from her2scope.audit import Audit, Level
from her2scope.errors import InputFormatError
from her2scope.study.textio import TabularText, read_body, read_tabular

#: Written for "value not available" in cBioPortal files; not a bad value.
MISSING_TOKENS: tuple[str, ...] = ("", "NA", "N/A", "na", "n/a", "NaN", "nan", "null", "None")


def is_missing(expr: pl.Expr) -> pl.Expr:
    """True where a String value means "not available" (null, ``NA``, ``[Not Available]`` ...)."""
    stripped = expr.str.strip_chars()
    return (
        expr.is_null()
        | stripped.is_in(MISSING_TOKENS)
        | (stripped.str.starts_with("[") & stripped.str.ends_with("]"))
    )


def _examples(values: pl.Series, limit: int = 3) -> str:
    shown = [repr(v) for v in values.unique(maintain_order=True).head(limit).to_list()]
    return ", ".join(shown)


def _require(text: TabularText, columns: Sequence[str], what: str) -> None:
    for col in columns:
        if col not in text.header:
            raise InputFormatError(
                f"required column missing from the header ({what} needs {', '.join(columns)})",
                file=text.name,
                line=text.header_line,
                column=col,
            )


def _first_rows_entry(
    audit: Audit,
    level: Level,
    code: str,
    message: str,
    rows: pl.DataFrame,
    line_column: str,
    *,
    name: str,
    **where: Any,
) -> None:
    """One audit entry for ``rows`` (flagged rows, in file order): the first one's line,
    their number as the count."""
    line = int(rows[line_column][0])
    audit.add(level, code, message, file=name, line=line, count=rows.height, **where)


# --------------------------------------------------------------------------- symbols

_ORF = r"(\d)ORF(\d)"


def canonical_symbol(symbol: str) -> str:
    """A gene symbol written all in lower case, upper-cased as HGNC writes it.

    ``pik3ca`` -> ``PIK3CA``; ``c1orf112`` -> ``C1orf112`` (HGNC keeps "orf"
    lower case). A symbol with any capital letter (``Unknown``, ``C1orf112``)
    is left as written.
    """
    if not symbol.islower():
        return symbol
    return re.sub(_ORF, r"\1orf\2", symbol.upper())


def _canonical_symbol_expr(col: pl.Expr) -> pl.Expr:
    lower = (col == col.str.to_lowercase()) & (col != col.str.to_uppercase())
    fixed = col.str.to_uppercase().str.replace_all(_ORF, "${1}orf${2}")
    return pl.when(lower).then(fixed).otherwise(col)


def _upper_case_symbols(
    frame: pl.DataFrame, columns: Sequence[str], name: str, what: str, audit: Audit, line: str
) -> pl.DataFrame:
    """Upper-case all-lower-case gene symbols in ``columns``, one warning with the count."""
    for col in columns:
        if col not in frame.columns:
            continue
        fixed = _canonical_symbol_expr(pl.col(col))
        changed = _flagged_rows(frame, col, pl.col(col).is_not_null() & (fixed != pl.col(col)))
        if changed is None:
            continue
        message = (
            f"{changed.height} {what} with a lower-case gene symbol "
            f"({_examples(changed[col])}); upper-cased as HGNC writes it"
        )
        _first_rows_entry(
            audit, "warning", "symbols.lower_case", message, changed, line, name=name, column=col
        )
        frame = frame.with_columns(fixed.alias(col))
    return frame


# --------------------------------------------------------------------------- distinct values


def _distinct(frame: pl.DataFrame, col: str) -> pl.DataFrame:
    """The distinct values of one column (null included), as a one-column frame."""
    return frame.select(pl.col(col).unique())


def _any_flagged(distinct: pl.DataFrame, check: pl.Expr) -> bool:
    """True when ``check`` (a test of one column's value) holds for a distinct value."""
    return bool(distinct.select(check.fill_null(False).any()).item())


def _flagged_rows(frame: pl.DataFrame, col: str, check: pl.Expr) -> pl.DataFrame | None:
    """The rows of ``frame`` whose ``col`` value passes ``check``, or None when none does.

    ``check`` must depend on ``col`` alone; it is evaluated on the column's distinct
    values (a few hundred where a MAF has a million rows), so the usual answer,
    none, costs one ``unique``. Same rows, in the same order, as
    ``frame.filter(check)``.
    """
    distinct = _distinct(frame, col)
    flagged = distinct.filter(check)
    if not flagged.height:
        return None
    if flagged[col].null_count():
        return frame.filter(check)
    return frame.filter(pl.col(col).is_in(flagged[col].implode()))


def _by_distinct(
    frame: pl.DataFrame, col: str, expr: pl.Expr, dtype: pl.DataType | type[pl.DataType]
) -> pl.Expr:
    """``expr`` (a function of ``col``'s value alone, null for null) as a lookup computed on
    the distinct values: the same column as ``expr.alias(col)``, for a low-cardinality
    column (MAF ``Hotspot``) at a fraction of the cost."""
    table = _distinct(frame, col).drop_nulls().with_columns(expr.alias("_value"))
    return (
        pl.col(col)
        .replace_strict(table[col], table["_value"], default=None, return_dtype=dtype)
        .alias(col)
    )


# --------------------------------------------------------------------------- the spec


@dataclass(frozen=True)
class Drop:
    """Which rows lack a required value, and how leaving them out is audited.

    A row is left out when any of ``needs`` is missing (:func:`is_missing`) or
    when every one of ``needs_one_of`` is. With ``code`` None the rows are only
    counted (:attr:`Rows.dropped`); with ``per_column`` each row is attributed to
    its first missing column of ``needs`` and audited in one entry per column
    (``{column}`` in ``message``), so the entries add up to the rows left out;
    it is decided on the columns' distinct values first (few, in a MAF's
    required columns), which the other rules skip (a clinical file's ids are
    all distinct).
    ``message`` is a template with ``{n}`` (and ``{column}``).
    """

    needs: tuple[str, ...]
    code: str | None = None
    message: str = ""
    level: Level = "warning"
    column: str | None = None
    needs_one_of: tuple[str, ...] = ()
    per_column: bool = False


@dataclass(frozen=True)
class Unique:
    """Rows repeating an id already read (and rows without one) are left out; the
    first row of an id is kept. ``message`` is a template with ``{n}`` and
    ``{examples}``; ``name_first`` puts the first repeated id in the entry's
    ``sample_id``."""

    column: str
    code: str
    message: str
    audit_column: str
    level: Level = "error"
    name_first: bool = False


@dataclass(frozen=True)
class FileSpec:
    """How one kind of cBioPortal tabular file is read by :func:`read_rows`.

    Attributes
    ----------
    what
        The file kind as error messages name it (``"a MAF"``).
    required
        Columns the header must have (:class:`InputFormatError` at the header
        line otherwise).
    columns
        The columns read, in order, those of them that are present; empty:
        every column of the file.
    required_one_of
        The header must have at least one of these.
    first_column, first_column_as
        The first header column must be ``first_column`` (any case); it is
        renamed ``first_column_as``.
    line_column
        Name of the column of file line numbers.
    fill_absent
        Absent ``columns`` are added as null String columns.
    strip, nullify
        Columns whose values are stripped of white space; columns whose missing
        values become null and the others stripped (``("*",)``: every column).
    counted
        Audit code prefix and nouns for the ``rows_read`` / ``rows_kept`` info
        entries (``("sv", "fusion rows", "fusion rows")``); None: not counted.
    absent_message
        Info entry (``{prefix}.columns_absent``) naming the absent
        ``report_absent`` columns, ``{columns}`` in the template.
    symbols, symbol_rows
        Gene-symbol columns upper-cased when written all in lower case, and the
        rows' noun in the warning (``"fusion row(s)"``).
    late_symbols
        The file's reader upper-cases the symbols itself (:meth:`fix_symbols`),
        after checks of its own, instead of before rows are dropped.
    drop, unique
        Rows left out for a missing value, for a repeated id.
    header_hook
        Reads what the header lines declare (clinical attributes), after the
        required columns are checked; its result is :attr:`Rows.header_info`.
    empty_body
        Error message when no data row follows the header; None: allowed.
    """

    what: str
    required: tuple[str, ...] = ()
    columns: tuple[str, ...] = ()
    required_one_of: tuple[str, ...] = ()
    first_column: str | None = None
    first_column_as: str | None = None
    line_column: str = "line"
    fill_absent: bool = False
    strip: tuple[str, ...] = ()
    nullify: tuple[str, ...] = ()
    counted: tuple[str, str, str] | None = None
    absent_message: str | None = None
    report_absent: tuple[str, ...] = ()
    symbols: tuple[str, ...] = ()
    symbol_rows: str = "row(s)"
    late_symbols: bool = False
    drop: Drop | None = None
    unique: Unique | None = None
    header_hook: Callable[[TabularText, Audit], Any] | None = None
    empty_body: str | None = None

    def fix_symbols(self, frame: pl.DataFrame, name: str, audit: Audit) -> pl.DataFrame:
        """Upper-case this file's all-lower-case gene symbols (one warning per column)."""
        return _upper_case_symbols(
            frame, self.symbols, name, self.symbol_rows, audit, self.line_column
        )

    def audit_kept(self, audit: Audit, name: str, n: int, detail: str = "") -> None:
        """The ``rows_kept`` info entry (``detail`` is appended to its message)."""
        assert self.counted is not None
        prefix, _, noun = self.counted
        message = f"{n} {noun} kept{detail}"
        audit.add("info", f"{prefix}.rows_kept", message, file=name, count=n)


@dataclass
class Rows:
    """What :func:`read_rows` read: the frame (String columns plus the line column)
    and what later steps of the file's reader need."""

    frame: pl.DataFrame
    header_line: int
    n_read: int
    dropped: int = 0
    header_info: Any = None
    distinct: dict[str, pl.DataFrame] = field(default_factory=dict)


def _check_header(text: TabularText, spec: FileSpec) -> None:
    _require(text, spec.required, spec.what)
    one_of = spec.required_one_of
    if one_of and not any(c in text.header for c in one_of):
        raise InputFormatError(
            f"required column missing ({spec.what} needs {' and/or '.join(one_of)})",
            file=text.name,
            line=text.header_line,
            column=one_of[0],
        )
    first = spec.first_column
    if first is not None and text.header[0].upper() != first:
        raise InputFormatError(
            f"first column of {spec.what} must be {first}",
            file=text.name,
            line=text.header_line,
            column=text.header[0],
        )


def _null_missing(col: str) -> pl.Expr:
    return pl.when(is_missing(pl.col(col))).then(None).otherwise(pl.col(col).str.strip_chars())


def _clean(frame: pl.DataFrame, spec: FileSpec, text: TabularText) -> pl.DataFrame:
    """Absent columns added, ids stripped, missing values nulled; first column renamed."""
    if spec.fill_absent:
        absent = [c for c in spec.columns if c not in frame.columns]
        frame = frame.with_columns([pl.lit(None, dtype=pl.String).alias(c) for c in absent])
    if spec.first_column_as is not None:
        frame = frame.rename({text.header[0]: spec.first_column_as})
    if spec.nullify == ("*",):
        nullify = [c for c in frame.columns if c != spec.line_column]
    else:
        nullify = list(spec.nullify)
    if spec.strip:
        frame = frame.with_columns(*[pl.col(c).str.strip_chars() for c in spec.strip])
    if nullify:
        frame = frame.with_columns(*[_null_missing(c).alias(c) for c in nullify])
    return frame


def _drop(frame: pl.DataFrame, rule: Drop, name: str, line: str, audit: Audit) -> Rows:
    """Leave out the rows that lack a required value (:class:`Drop`); audit them.

    ``per_column`` (the MAF's rule) is decided first on each column's distinct
    values: the usual MAF has no missing value, and then nothing is filtered
    (the distinct values are kept in :attr:`Rows.distinct` for later checks)."""
    kept = Rows(frame, 0, frame.height)
    if rule.per_column:
        kept.distinct = {col: _distinct(frame, col) for col in rule.needs}
        if not any(_any_flagged(v, is_missing(pl.col(c))) for c, v in kept.distinct.items()):
            return kept
        reason: pl.Expr = pl.lit(None, dtype=pl.String)
        for col in reversed(rule.needs):
            reason = pl.when(is_missing(pl.col(col))).then(pl.lit(col)).otherwise(reason)
        frame = frame.with_columns(reason.alias("_reason"))
        dropped = frame.filter(pl.col("_reason").is_not_null())
        for (col,), group in dropped.group_by("_reason", maintain_order=True):
            message = rule.message.format(n=group.height, column=col)
            assert rule.code is not None
            _first_rows_entry(
                audit, rule.level, rule.code, message, group, line, name=name, column=str(col)
            )
        kept.frame = frame.filter(pl.col("_reason").is_null()).drop("_reason")
        kept.dropped = dropped.height
        return kept
    flagged = pl.any_horizontal(is_missing(pl.col(c)) for c in rule.needs)
    if rule.needs_one_of:
        flagged = flagged | pl.all_horizontal(is_missing(pl.col(c)) for c in rule.needs_one_of)
    dropped = frame.filter(flagged)
    if dropped.height and rule.code is not None:
        message = rule.message.format(n=dropped.height)
        _first_rows_entry(
            audit, rule.level, rule.code, message, dropped, line, name=name, column=rule.column
        )
    kept.frame = frame.filter(~flagged)
    kept.dropped = dropped.height
    return kept


def _unique(frame: pl.DataFrame, rule: Unique, name: str, line: str, audit: Audit) -> pl.DataFrame:
    """Keep the first row of each id (:class:`Unique`), leave out rows without one."""
    key = pl.col(rule.column)
    repeated = frame.filter(key.is_not_null() & ~key.is_first_distinct())
    if repeated.height:
        ids = repeated[rule.column]
        message = rule.message.format(n=repeated.height, examples=_examples(ids, 5))
        where: dict[str, Any] = {"column": rule.audit_column}
        if rule.name_first:
            where["sample_id"] = str(ids[0])
        _first_rows_entry(audit, rule.level, rule.code, message, repeated, line, name=name, **where)
    if repeated.height or frame[rule.column].null_count():
        frame = frame.filter(key.is_not_null() & key.is_first_distinct())
    return frame


def read_rows(path: Path, name: str, spec: FileSpec, audit: Audit) -> Rows:
    """Read one tabular cBioPortal file as ``spec`` says.

    In order: the header's required columns (:class:`InputFormatError` at the
    header line), ``spec.header_hook``, the body (``spec.columns`` and a line
    number column), absent columns added, ids stripped and missing values
    nulled, the ``rows_read`` and ``columns_absent`` info entries, lower-case
    symbols upper-cased (warning), rows without a required value left out
    (:class:`Drop`), repeated ids left out (:class:`Unique`).
    """
    text = read_tabular(path, name)
    _check_header(text, spec)
    header_info = spec.header_hook(text, audit) if spec.header_hook is not None else None
    if spec.empty_body is not None and not text.has_body:
        raise InputFormatError(spec.empty_body, file=name, line=text.header_line)
    wanted = [c for c in spec.columns if c in text.header] if spec.columns else None
    frame = read_body(text, columns=wanted, line_column=spec.line_column)
    frame = _clean(frame, spec, text)
    header_line = text.header_line
    # the file's bytes (hundreds of MB for a GENIE-sized MAF) are not needed past
    # here: let them go before the checks below allocate
    absent = [c for c in spec.report_absent if c not in text.header]
    del text
    n_read = frame.height
    if spec.counted is not None:
        prefix, noun, _ = spec.counted
        message = f"{n_read} {noun} read"
        audit.add("info", f"{prefix}.rows_read", message, file=name, count=n_read)
    if absent and spec.absent_message is not None and spec.counted is not None:
        audit.add(
            "info",
            f"{spec.counted[0]}.columns_absent",
            spec.absent_message.format(columns=", ".join(absent)),
            file=name,
            line=header_line,
            count=len(absent),
        )
    if not spec.late_symbols:
        frame = spec.fix_symbols(frame, name, audit)
    rows = Rows(frame, header_line, n_read)
    if spec.drop is not None:
        rows = _drop(frame, spec.drop, name, spec.line_column, audit)
        rows.header_line, rows.n_read = header_line, n_read
    if spec.unique is not None:
        rows.frame = _unique(rows.frame, spec.unique, name, spec.line_column, audit)
    rows.header_info = header_info
    return rows

"""HER2 status calls for a whole table (:func:`classify`) or one patient (:func:`classify_one`).

Speed comes from two facts: a pathology column holds few *distinct* strings
(hundreds, even for a million rows), and the rules are column expressions.
So each distinct raw string is parsed once in Python
(:mod:`her2scope.her2.parse`), the parsed fields are joined back on the raw
string, and :mod:`her2scope.her2.rules` evaluates the profile as polars
expressions. Plain numbers (ratios, copy numbers) skip Python entirely.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any, cast

import polars as pl

from her2scope.audit import Audit
from her2scope.errors import ConfigError, InputFormatError
from her2scope.her2.parse import (
    RATIO_CONFLICT_THRESHOLD,
    CopiesReading,
    IhcReading,
    IshStatusReading,
    IshValueReading,
    parse_copies,
    parse_ihc,
    parse_ish_ratio,
    parse_ish_status,
    shorten_raw,
)
from her2scope.her2.profiles import Her2Profile, load_profile
from her2scope.her2.rules import PREFIX, C, build_stages
from her2scope.her2.words import (
    AMBIGUITY_POLICIES,
    CANONICAL_FIELDS,
    HER2_CATEGORIES,
    MAX_CELL_CHARS,
    MSK_COLUMNS,
    POSITIVE,
    SOURCES,
    AmbiguityPolicy,
    Source,
)

OUTPUT_COLUMNS: tuple[str, ...] = ("her2_category", "ish_group", "ambiguous", "her2_rationale")
UNUSABLE_SCHEMA: dict[str, pl.DataType] = {
    "field": pl.String(),
    "column": pl.String(),
    "raw": pl.String(),
    "reason": pl.String(),
    "n": pl.Int64(),
}
_NUMBER_RE = r"^\s*(?:\d+(?:\.\d+)?|\.\d+)\s*$"

#: Default columns per source: the MSK attribute ids plus the per-cell copy columns that
#: :func:`her2scope.study.conventions.harmonise` writes for studies that report copies.
LAYOUT_COLUMNS: dict[str, dict[str, str]] = {
    "sequenced": {
        **MSK_COLUMNS["sequenced"],
        "her2_copies": "HER2_COPIES_PER_CELL",
        "cep17_copies": "CEP17_COPIES_PER_CELL",
    },
    "primary": {
        **MSK_COLUMNS["primary"],
        "her2_copies": "HER2_COPIES_PER_CELL_PRIMARY",
        "cep17_copies": "CEP17_COPIES_PER_CELL_PRIMARY",
    },
}


@dataclass(frozen=True)
class Her2Call:
    """One patient's HER2 call (see :func:`classify_one`)."""

    category: str
    ish_group: int | None
    ambiguous: bool
    rationale: str
    unusable: tuple[str, ...] = ()


@dataclass(frozen=True)
class Her2Result:
    """The output of :func:`classify`.

    ``table``: every input row in input order, all input columns, plus
    ``her2_category``, ``ish_group`` (Int8), ``ambiguous``, ``her2_rationale``.
    ``unusable``: one row per distinct unreadable value (field, column, raw,
    reason, n). ``audit``: the same as warnings plus what was done.
    """

    table: pl.DataFrame
    profile: Her2Profile
    ambiguous_policy: AmbiguityPolicy
    mapping: Mapping[str, str]
    audit: Audit = field(default_factory=Audit)
    unusable: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=UNUSABLE_SCHEMA))

    def counts(self) -> pl.DataFrame:
        """Rows per category (``her2_category``, ``n``), every category, in reporting order."""
        observed = self.table.group_by("her2_category").len("n")
        order = pl.DataFrame({"her2_category": list(HER2_CATEGORIES)})
        return order.join(
            observed, on="her2_category", how="left", maintain_order="left"
        ).with_columns(pl.col("n").fill_null(0).cast(pl.Int64))

    @property
    def n_ambiguous(self) -> int:
        """Rows whose IHC range straddled a category boundary."""
        return int(self.table.get_column("ambiguous").sum())

    @property
    def n_unusable(self) -> int:
        """Cells (not rows) holding a value that could not be read."""
        return int(self.unusable.get_column("n").sum()) if self.unusable.height else 0


# --------------------------------------------------------------------------- columns


def resolve_mapping(
    columns: list[str],
    mapping: Mapping[str, str] | None = None,
    source: Source | str = "sequenced",
) -> dict[str, str]:
    """Decide which table column feeds each canonical field.

    Precedence per field: an explicit ``mapping`` entry (must exist, else
    :class:`InputFormatError`); a column named like the field (``ihc``); the
    shared study's MSK column for ``source`` (:data:`MSK_COLUMNS`). At least
    one field must resolve.
    """
    if source not in SOURCES:
        raise ConfigError(f"unknown source {source!r} (choose from {', '.join(SOURCES)})")
    mapping = dict(mapping or {})
    unknown = sorted(set(mapping) - set(CANONICAL_FIELDS))
    if unknown:
        raise ConfigError(
            f"unknown field(s) {', '.join(unknown)} in mapping "
            f"(fields: {', '.join(CANONICAL_FIELDS)})"
        )
    present = set(columns)
    hint = (
        f"; the table has a single column {columns[0]!r}: is the delimiter right?"
        if len(columns) == 1
        else ""
    )
    resolved: dict[str, str] = {}
    for name in CANONICAL_FIELDS:
        if name in mapping:
            column = mapping[name]
            if column not in present:
                raise InputFormatError(
                    f"column for field {name!r} not found in the table{hint}", column=column
                )
            resolved[name] = column
        elif name in present:
            resolved[name] = name
        elif LAYOUT_COLUMNS[source].get(name) in present:
            resolved[name] = LAYOUT_COLUMNS[source][name]
    if not resolved:
        expected = ", ".join(dict.fromkeys(LAYOUT_COLUMNS[source].values()))
        raise InputFormatError(
            f"no HER2 pathology column found (looked for {expected} and the canonical names "
            f"{', '.join(CANONICAL_FIELDS)}; name the study's columns with parameter mapping)"
            f"{hint}"
        )
    return resolved


# --------------------------------------------------------------------------- lookups

_Parser = Callable[[str], Any]


def _distinct(df: pl.DataFrame, key: str) -> pl.DataFrame:
    """The distinct raw values of ``key`` with their counts, sorted: the audit entries
    made per distinct value come out in the same order on every run (``group_by``'s
    order is not stable across runs)."""
    return df.group_by(key).len("n").filter(pl.col(key).is_not_null()).sort(key)


def _python_lookup(
    distinct: pl.DataFrame,
    key: str,
    parser: _Parser,
    to_row: Callable[[Any], dict[str, Any]],
    schema: dict[str, pl.DataType],
) -> tuple[pl.DataFrame, list[tuple[str, str, int]]]:
    """Parse each distinct raw value once; return the lookup and (raw, reason, n) of unusables."""
    rows: list[dict[str, Any]] = []
    unusable: list[tuple[str, str, int]] = []
    for raw, n in distinct.select(key, "n").iter_rows():
        reading = parser(raw)
        row = to_row(reading)
        row[key] = raw
        rows.append(row)
        if reading.unusable is not None:
            unusable.append((raw, reading.unusable, n))
    full_schema = {key: pl.String(), **schema}
    return pl.DataFrame(rows, schema=full_schema, orient="row"), unusable


def _ihc_row(r: IhcReading) -> dict[str, Any]:
    return {
        C.ihc_lo: r.lo,
        C.ihc_hi: r.hi,
        C.ihc_zero: r.zero_level,
        C.ihc_desc: r.description,
        PREFIX + "ihc_outside_max": r.outside_max,
        C.ihc_conflict: r.conflict is not None,
    }


_IHC_SCHEMA: dict[str, pl.DataType] = {
    C.ihc_lo: pl.Int8(),
    C.ihc_hi: pl.Int8(),
    C.ihc_zero: pl.String(),
    C.ihc_desc: pl.String(),
    PREFIX + "ihc_outside_max": pl.Int8(),
    C.ihc_conflict: pl.Boolean(),
}


def _status_row(r: IshStatusReading) -> dict[str, Any]:
    return {
        C.st_status: r.status,
        C.st_group: r.group,
        C.st_desc: r.description or None,
    }


_STATUS_SCHEMA: dict[str, pl.DataType] = {
    C.st_status: pl.String(),
    C.st_group: pl.Int8(),
    C.st_desc: pl.String(),
}


def _number_lookup(
    distinct: pl.DataFrame,
    key: str,
    parser: _Parser,
    to_row: Callable[[Any], dict[str, Any]],
    schema: dict[str, pl.DataType],
    value_col: str,
    desc: Callable[[pl.Expr], pl.Expr],
) -> tuple[pl.DataFrame, list[tuple[str, str, int]]]:
    """Plain positive numbers are cast in polars; everything else goes through ``parser``."""
    number = (
        pl.when(
            (pl.col(key).str.len_chars() <= MAX_CELL_CHARS) & pl.col(key).str.contains(_NUMBER_RE)
        )
        .then(pl.col(key).str.strip_chars().cast(pl.Float64, strict=False))
        .otherwise(None)
    )
    tagged = distinct.with_columns(number.alias("__num"))
    plain = tagged.filter(pl.col("__num") > 0)
    fast = plain.select(
        pl.col(key),
        *[
            (
                pl.col("__num").alias(value_col)
                if name == value_col
                else (desc(pl.col(key).str.strip_chars()) if dtype == pl.String() else pl.lit(None))
                .cast(dtype)
                .alias(name)
            )
            for name, dtype in schema.items()
        ],
    )
    slow_lookup, unusable = _python_lookup(
        tagged.filter(pl.col("__num").is_null() | (pl.col("__num") <= 0)),
        key,
        parser,
        to_row,
        schema,
    )
    return pl.concat([fast, slow_lookup], how="vertical"), unusable


def _ratio_row(r: IshValueReading) -> dict[str, Any]:
    return {
        PREFIX + "r_ratio": r.ratio,
        PREFIX + "r_copies": r.copies,
        PREFIX + "r_desc": r.description or None,
    }


_RATIO_SCHEMA: dict[str, pl.DataType] = {
    PREFIX + "r_ratio": pl.Float64(),
    PREFIX + "r_copies": pl.Float64(),
    PREFIX + "r_desc": pl.String(),
}


def _copies_row(prefix: str) -> Callable[[Any], dict[str, Any]]:
    def row(r: CopiesReading) -> dict[str, Any]:
        note = f" ({'; '.join(r.notes)})" if r.notes else ""
        return {
            prefix + "_value": r.value,
            prefix + "_desc": None if r.value is None else f"{r.value:g}{note}",
        }

    return row


# --------------------------------------------------------------------------- classify


def _as_polars(table: Any) -> pl.DataFrame:
    if isinstance(table, pl.DataFrame):
        return table
    if isinstance(table, pl.LazyFrame):
        return table.collect()
    if type(table).__module__.startswith("pandas"):  # pandas is optional: no import unless given
        import pandas as pd

        if isinstance(table, pd.DataFrame):
            return pl.from_pandas(table)
    raise ConfigError(f"classify needs a polars or pandas DataFrame, got {type(table).__name__}")


def classify(
    table: Any,
    *,
    profile: str | Her2Profile = "asco-cap-2023",
    ambiguous: AmbiguityPolicy | str = "exclude",
    mapping: Mapping[str, str] | None = None,
    source: Source | str = "sequenced",
) -> Her2Result:
    """Call HER2 status for every row of a pathology table.

    ``table``: polars or pandas frame with IHC/ISH columns (found through
    ``mapping``, canonical names, or the MSK columns of ``source``, see
    :func:`resolve_mapping`). ``profile``: a built-in name (``asco-cap-2023``,
    ``asco-cap-2018``, ``ihc-only``), a YAML path or a :class:`Her2Profile`.
    ``ambiguous``: ``low``, ``zero`` or ``exclude`` for IHC ranges that
    straddle a category boundary.

    Rules follow the profile (ASCO/CAP 2018, Wolff et al. J Clin Oncol
    2018;36:2105; 2023 affirmation, J Clin Oncol 2023;41:3867; HER2-ultralow
    as in DESTINY-Breast06). Returns a :class:`Her2Result`: all rows in input
    order with all input columns plus the four HER2 columns, an audit, and
    the unreadable values (kept, counted, never guessed).
    """
    # Plain strings are accepted (CLI options, config files) and checked here.
    if ambiguous not in AMBIGUITY_POLICIES:
        raise ConfigError(
            f"unknown ambiguity policy {ambiguous!r} (choose from {', '.join(AMBIGUITY_POLICIES)})"
        )
    policy = cast(AmbiguityPolicy, ambiguous)
    prof = load_profile(profile)
    df = _as_polars(table)
    audit = Audit()
    resolved = resolve_mapping(df.columns, mapping, source)
    if "ihc" not in resolved:
        # without IHC, ISH alone cannot split HER2-low from HER2-0 and IHC 3+ is lost:
        # every call changes, which is said once here (a dropped IHC column is not silent)
        audit.add(
            "warning",
            "her2.ihc_absent",
            f"no IHC column for source {source!r} (looked for {LAYOUT_COLUMNS[source]['ihc']} "
            "and 'ihc'; name one with mapping/--map ihc=COLUMN): "
            f"{df.height} call(s) made from ISH alone, which cannot tell HER2-low from HER2-0",
            column=LAYOUT_COLUMNS[source]["ihc"],
            count=df.height,
        )

    replaced = [c for c in OUTPUT_COLUMNS if c in df.columns]
    if replaced:
        audit.add("info", "her2.replaced_columns", f"existing {', '.join(replaced)} recomputed")
        df = df.drop(replaced)
    original_columns = df.columns

    keys = {name: PREFIX + "key_" + name for name in resolved}
    work = df.with_columns(
        pl.col(column).cast(pl.String).alias(keys[name]) for name, column in resolved.items()
    )
    unusable_rows: list[tuple[str, str, str, str, int]] = []

    def join(lookup: pl.DataFrame, key: str) -> None:
        nonlocal work
        work = work.join(lookup, on=key, how="left", maintain_order="left")

    def note_unusable(name: str, found: list[tuple[str, str, int]]) -> None:
        unusable_rows.extend((name, resolved[name], raw, why, n) for raw, why, n in found)

    # IHC
    if "ihc" in keys:
        lookup, bad = _python_lookup(
            _distinct(work, keys["ihc"]), keys["ihc"], parse_ihc, _ihc_row, _IHC_SCHEMA
        )
        join(lookup, keys["ihc"])
        note_unusable("ihc", bad)
        _audit_outside(lookup, keys["ihc"], work, audit, resolved["ihc"])
    else:
        work = work.with_columns(pl.lit(None).cast(t).alias(n) for n, t in _IHC_SCHEMA.items())
    work = work.with_columns(pl.col(C.ihc_desc).fill_null("no IHC"))

    # ISH status word
    if "ish_status" in keys:
        lookup, bad = _python_lookup(
            _distinct(work, keys["ish_status"]),
            keys["ish_status"],
            parse_ish_status,
            _status_row,
            _STATUS_SCHEMA,
        )
        join(lookup, keys["ish_status"])
        note_unusable("ish_status", bad)
    else:
        work = work.with_columns(pl.lit(None).cast(t).alias(n) for n, t in _STATUS_SCHEMA.items())

    # Number conventions that depend on the profile (ratio threshold, decimal comma).
    threshold = prof.ish.ratio_threshold if prof.ish is not None else RATIO_CONFLICT_THRESHOLD
    decimal_comma = prof.ish.decimal_comma if prof.ish is not None else False

    # ISH ratio (may carry the HER2 copy number: "2 (CN 4.8)")
    if "ish_ratio" in keys:
        lookup, bad = _number_lookup(
            _distinct(work, keys["ish_ratio"]),
            keys["ish_ratio"],
            partial(parse_ish_ratio, threshold=threshold, decimal_comma=decimal_comma),
            _ratio_row,
            _RATIO_SCHEMA,
            PREFIX + "r_ratio",
            lambda raw: pl.concat_str([pl.lit("ratio "), raw]),
        )
        join(lookup, keys["ish_ratio"])
        note_unusable("ish_ratio", bad)
    else:
        work = work.with_columns(pl.lit(None).cast(t).alias(n) for n, t in _RATIO_SCHEMA.items())

    # Average HER2 and CEP17 signals per cell
    for name, label in (("her2_copies", "HER2"), ("cep17_copies", "CEP17")):
        prefix = PREFIX + name
        schema: dict[str, pl.DataType] = {
            prefix + "_value": pl.Float64(),
            prefix + "_desc": pl.String(),
        }
        if name in keys:
            lookup, bad = _number_lookup(
                _distinct(work, keys[name]),
                keys[name],
                partial(parse_copies, decimal_comma=decimal_comma),
                _copies_row(prefix),
                schema,
                prefix + "_value",
                lambda raw: raw,
            )
            join(lookup, keys[name])
            note_unusable(name, bad)
        else:
            work = work.with_columns(pl.lit(None).cast(t).alias(n) for n, t in schema.items())
        work = work.with_columns(
            pl.when(pl.col(prefix + "_desc").is_not_null())
            .then(pl.concat_str([pl.lit(f"{label} "), pl.col(prefix + "_desc"), pl.lit("/cell")]))
            .alias(prefix + "_desc")
        )

    # Copy numbers given per cell are checked like a study's (her2.copies): values that
    # cannot be per-cell averages (CEP17 67/cell, HER2/CEP17 off the reported ratio,
    # a count that contradicts the lab's status) are unusable, never read as written.
    if "her2_copies" in keys or "cep17_copies" in keys:
        work = _check_copies(work, keys, resolved, unusable_rows)
    her2 = pl.col(PREFIX + "her2_copies_value")
    cep17 = pl.col(PREFIX + "cep17_copies_value")
    work = work.with_columns(
        # A stated ratio wins; otherwise derive it from the two signal counts.
        pl.coalesce(pl.col(PREFIX + "r_ratio"), her2 / cep17).alias(C.ratio),
        # A dedicated copy-number column wins over a "CN" note inside the ratio cell.
        pl.coalesce(her2, pl.col(PREFIX + "r_copies")).alias(C.copies),
        pl.concat_str(
            [
                pl.col(PREFIX + "r_desc"),
                pl.col(PREFIX + "her2_copies_desc"),
                pl.col(PREFIX + "cep17_copies_desc"),
            ],
            separator=", ",
            ignore_nulls=True,
        ).alias(C.ish_desc_numbers),
    ).with_columns(
        pl.when(pl.col(C.ish_desc_numbers) == "")
        .then(None)
        .otherwise(pl.col(C.ish_desc_numbers))
        .alias(C.ish_desc_numbers)
    )

    lazy = work.lazy()
    for stage in build_stages(prof, policy):
        lazy = lazy.with_columns(stage)
    # A reported status word that the counted numbers contradict (e.g. "Positive" with
    # ratio 2.5 and 3 copies/cell = group 2, negative with IHC 2+) is worth a count:
    # the numbers and the 2018 groups decide, the rationale shows both.
    category = pl.col("her2_category")
    from_numbers = pl.col(C.ratio).is_not_null() & pl.col(C.copies).is_not_null()
    status = pl.col(C.st_status)
    disagrees = from_numbers & (
        ((status == "amplified") & (category != POSITIVE))
        | ((status == "not_amplified") & (category == POSITIVE) & (pl.col(C.ihc_lo) != 3))
    )
    collected = lazy.with_columns(disagrees.fill_null(False).alias(PREFIX + "disagrees")).collect()
    n_disagree = int(collected.get_column(PREFIX + "disagrees").sum())
    if n_disagree and prof.ish is not None:
        audit.add(
            "info",
            "her2.status_vs_numbers",
            f"{n_disagree} row(s) where the reported ISH status disagrees with the call from "
            "ratio and HER2 copies (ASCO/CAP 2018 groups); the numbers were used",
            count=n_disagree,
        )
    out = collected.select(*original_columns, *OUTPUT_COLUMNS)

    unusable = pl.DataFrame(unusable_rows, schema=UNUSABLE_SCHEMA, orient="row")
    for name, column, raw, why, n in unusable_rows:
        audit.add(
            "warning",
            "her2.unusable_value",
            f"{name} value {shorten_raw(raw)} unusable: {why}; kept, treated as no result",
            column=column,
            count=n,
        )
    n_amb = int(out.get_column("ambiguous").sum())
    if n_amb:
        audit.add(
            "info",
            "her2.ambiguous",
            f"{n_amb} row(s) with an IHC range straddling a category boundary "
            f"(ambiguity policy {ambiguous!r})",
            count=n_amb,
        )
    return Her2Result(
        table=out,
        profile=prof,
        ambiguous_policy=policy,
        mapping=resolved,
        audit=audit,
        unusable=unusable,
    )


def _check_copies(
    work: pl.DataFrame,
    keys: Mapping[str, str],
    resolved: Mapping[str, str],
    unusable_rows: list[tuple[str, str, str, str, int]],
) -> pl.DataFrame:
    """Null the per-cell copy numbers :func:`her2scope.her2.copies.decide_copies` does not
    accept as per-cell values (no cell count here: a table gives averages or nothing).

    Whether a value is usable depends on the rest of its row (CEP17, ratio, status),
    so the reason goes into that row's rationale, and the unusable list names the
    row's values together (``HER2 66, CEP17 67``) rather than one cell.
    """
    from her2scope.her2.copies import decide_copies

    h = pl.col(PREFIX + "her2_copies_value")
    c = pl.col(PREFIX + "cep17_copies_value")
    decided = decide_copies(
        work,
        h,
        c,
        pl.lit(None, dtype=pl.Float64),
        pl.col(PREFIX + "r_ratio"),
        pl.col(C.st_status),
    )
    reason = decided.get_column("reason")
    if reason.null_count() == reason.len():
        return work
    field_name = "her2_copies" if "her2_copies" in keys else "cep17_copies"
    written = pl.concat_str(
        [
            pl.concat_str([pl.lit("HER2 "), pl.col(keys["her2_copies"])])
            if "her2_copies" in keys
            else pl.lit(None, dtype=pl.String),
            pl.concat_str([pl.lit("CEP17 "), pl.col(keys["cep17_copies"])])
            if "cep17_copies" in keys
            else pl.lit(None, dtype=pl.String),
        ],
        separator=", ",
        ignore_nulls=True,
    )
    flagged = work.select(written.alias("raw")).with_columns(reason.alias("reason"))
    for raw, why, n in (
        flagged.filter(pl.col("reason").is_not_null())
        .group_by("raw", "reason", maintain_order=True)
        .len()
        .iter_rows()
    ):
        unusable_rows.append((field_name, resolved[field_name], str(raw), str(why), int(n)))
    bad = pl.lit(reason).is_not_null()
    note = pl.concat_str([written, pl.lit(" unusable ("), pl.lit(reason), pl.lit(")")])
    return work.with_columns(
        pl.when(bad).then(None).otherwise(h).alias(PREFIX + "her2_copies_value"),
        pl.when(bad).then(None).otherwise(c).alias(PREFIX + "cep17_copies_value"),
        pl.when(bad)
        .then(note)
        .otherwise(pl.col(PREFIX + "her2_copies_desc"))
        .alias(PREFIX + "her2_copies_desc"),
        pl.when(bad)
        .then(None)
        .otherwise(pl.col(PREFIX + "cep17_copies_desc"))
        .alias(PREFIX + "cep17_copies_desc"),
    )


def _audit_outside(
    lookup: pl.DataFrame, key: str, work: pl.DataFrame, audit: Audit, column: str
) -> None:
    """Count in-house vs outside IHC discordance (the call uses the in-house score)."""
    outside = lookup.filter(pl.col(PREFIX + "ihc_outside_max").is_not_null())
    if outside.height == 0:
        return
    counts = dict(work.group_by(key).len("n").iter_rows())
    for raw, lo, hi, out_max in outside.select(
        key, C.ihc_lo, C.ihc_hi, PREFIX + "ihc_outside_max"
    ).iter_rows():
        if lo is not None and hi is not None and lo <= out_max <= hi:
            continue
        crosses = (out_max == 3) != (hi == 3)
        audit.add(
            "warning" if crosses else "info",
            "her2.outside_reading",
            f"IHC {raw!r}: outside lab reading differs from the in-house score, "
            "which is the one used",
            column=column,
            count=int(counts.get(raw, 0)),
        )


#: the pathology fields of one HER2 call, in the order the engine reads them
CALL_FIELDS = ("ihc", "ish_status", "ish_ratio", "her2_copies", "cep17_copies")


def classify_one(
    ihc: str | int | None = None,
    ish_status: str | None = None,
    ish_ratio: str | float | None = None,
    her2_copies: str | float | None = None,
    cep17_copies: str | float | None = None,
    *,
    profile: str | Her2Profile = "asco-cap-2023",
    ambiguous: AmbiguityPolicy | str = "exclude",
) -> Her2Call:
    """One patient's HER2 call with the same rules as :func:`classify` (it calls it on one row).

    Values are raw report strings or numbers (``"1+ (focal)"``, ``"2 (CN 4.8)"``,
    ``2.3``). Guidelines as in :func:`classify`.
    """
    values = (ihc, ish_status, ish_ratio, her2_copies, cep17_copies)
    return classify_calls([values], profile=profile, ambiguous=ambiguous)[0]


def classify_calls(
    rows: Sequence[Sequence[object]],
    *,
    profile: str | Her2Profile = "asco-cap-2023",
    ambiguous: AmbiguityPolicy | str = "exclude",
) -> list[Her2Call]:
    """:func:`classify_one` for many sets of values, in one vectorised :func:`classify` call.

    ``rows``: per call the values of :data:`CALL_FIELDS` in that order (None for
    absent). A batch of patient reports calls this once instead of once per
    patient (a classify call costs the same for one row as for thousands).
    """
    columns: dict[str, list[str | None]] = {k: [] for k in CALL_FIELDS}
    for values in rows:
        for name, value in zip(CALL_FIELDS, values, strict=True):
            columns[name].append(None if value is None else str(value))
    frame = pl.DataFrame(columns, schema={k: pl.String() for k in CALL_FIELDS})
    result = classify(
        frame, profile=profile, ambiguous=ambiguous, mapping={k: k for k in CALL_FIELDS}
    )
    # unusable values are reported once per distinct (field, raw value): give each
    # row the ones its own values hit, in the engine's order
    bad: dict[tuple[str, str], list[str]] = {}
    for f, raw, why in result.unusable.select("field", "raw", "reason").iter_rows():
        bad.setdefault((f, raw), []).append(f"{f} {shorten_raw(raw)}: {why}")
    calls = []
    table = result.table.select("her2_category", "ish_group", "ambiguous", "her2_rationale")
    for i, (category, group, is_ambiguous, rationale) in enumerate(table.iter_rows()):
        reasons = tuple(
            reason for f, raw in bad if columns[f][i] == raw for reason in bad[(f, raw)]
        )
        calls.append(
            Her2Call(
                category=cast(str, category),
                ish_group=group,
                ambiguous=bool(is_ambiguous),
                rationale=cast(str, rationale),
                unusable=reasons,
            )
        )
    return calls

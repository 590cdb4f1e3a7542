"""The 2x2 counting, done once: HER2 group x alteration status, optionally per stratum.

:func:`contingency_counts` is the single place where analysed samples are
counted by HER2 group and by alteration status. The crude table
(:func:`~her2scope.cohort.table1.compute.intersection_table`), the stratified
Cochran-Mantel-Haenszel tables (:mod:`her2scope.stats.stratified`) and the
numbers printed beside the multivariable model (:mod:`her2scope.cohort.adjusted.compute`)
all read their counts from it.

Inputs are plain frames (no files):

``cohort``
    one row per sample: ``sample_id``, ``her2_category`` (or an already
    computed ``her2_group``), ``included`` (Boolean), plus any stratum columns.
``calls``
    long and sparse: ``sample_id``, ``alteration``, ``status`` for the
    ``altered`` and ``not_profiled`` cells; every other analysed (sample,
    alteration) is ``not_altered`` (rows with status ``not_altered`` are
    ignored), so the work grows with the altered cells, not samples x
    alterations.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import polars as pl

from her2scope.vocab import ZERO_CATEGORIES

ZERO_LIKE = sorted(ZERO_CATEGORIES)

#: Analysis scale of a HER2 call. Everything outside low/zero/positive is not "known".
HER2_GROUP_EXPR = (
    pl.when(pl.col("her2_category") == "HER2-low")
    .then(pl.lit("low"))
    .when(pl.col("her2_category").is_in(ZERO_LIKE))
    .then(pl.lit("zero"))
    .when(pl.col("her2_category") == "HER2-positive")
    .then(pl.lit("positive"))
    .when(pl.col("her2_category") == "HER2-negative")
    .then(pl.lit("negative_unsplit"))
    .otherwise(pl.lit("unknown"))
    .alias("her2_group")
)

GROUPS = ("low", "zero", "positive", "negative_unsplit", "unknown")

#: Stratum value given to a sample whose stratum column is missing.
MISSING_STRATUM = "unknown"

COUNT_COLUMNS = ("n_altered", "n_not_altered", "n_not_profiled")


def contingency_counts(
    cohort: pl.DataFrame,
    calls: pl.DataFrame,
    *,
    strata: Sequence[str] = (),
    alterations: Sequence[str] | None = None,
) -> pl.DataFrame:
    """Count analysed samples by alteration x stratum x HER2 group x alteration status.

    Returns one row per (``alteration``, stratum values..., ``her2_group``)
    with ``n_altered``, ``n_not_altered`` and ``n_not_profiled``. Every
    alteration (``alterations`` in that order, else those in ``calls``
    sorted) gets a row for every (stratum, HER2 group) combination that
    holds at least one analysed sample, zeros included, so a 2x2 table can be
    read off without another pass over the samples. Stratum columns are read
    as strings; a missing value is the stratum ``"unknown"``. Only samples
    with ``included`` true are counted.
    """
    strata = list(strata)
    missing = [c for c in strata if c not in cohort.columns]
    if missing:
        raise KeyError(f"stratum columns not in the cohort frame: {missing}")
    group = pl.col("her2_group") if "her2_group" in cohort.columns else HER2_GROUP_EXPR
    analysed = cohort.filter(pl.col("included")).select(
        "sample_id",
        group.alias("her2_group"),
        *[pl.col(c).cast(pl.String).fill_null(MISSING_STRATUM) for c in strata],
    )
    keys = [*strata, "her2_group"]
    sizes = analysed.group_by(keys).agg(pl.len().cast(pl.Int64).alias("_size"))
    flagged = (
        calls.filter(pl.col("status").is_in(["altered", "not_profiled"]))
        .select("sample_id", "alteration", "status")
        .join(analysed, on="sample_id", how="inner")
        .group_by("alteration", *keys)
        .agg(
            (pl.col("status") == "altered").sum().cast(pl.Int64).alias("n_altered"),
            (pl.col("status") == "not_profiled").sum().cast(pl.Int64).alias("n_not_profiled"),
        )
    )
    if alterations is None:
        alterations = sorted(set(calls["alteration"].unique().to_list()))
    alt_frame = pl.DataFrame(
        {"alteration": list(alterations), "_order": np.arange(len(alterations), dtype=np.int64)},
        schema={"alteration": pl.String, "_order": pl.Int64},
    )
    grid = alt_frame.join(sizes, how="cross").join(flagged, on=["alteration", *keys], how="left")
    return (
        grid.with_columns(
            pl.col("n_altered").fill_null(0),
            pl.col("n_not_profiled").fill_null(0),
        )
        .with_columns(
            (pl.col("_size") - pl.col("n_altered") - pl.col("n_not_profiled")).alias(
                "n_not_altered"
            )
        )
        .sort("_order", *keys)
        .select("alteration", *keys, *COUNT_COLUMNS)
    )


def stratified_2x2(
    counts: pl.DataFrame, alteration: str, strata: Sequence[str]
) -> tuple[np.ndarray, list[tuple[str, ...]]]:
    """The K x 2 x 2 array of one alteration from :func:`contingency_counts` output.

    Each stratum's table is ``[[low & altered, zero & altered], [low & not
    altered, zero & not altered]]`` (rows: altered / not; columns: HER2-low /
    HER2-0), so its odds ratio is the odds of HER2-low in altered vs not
    altered tumors. Not-profiled samples and calls off the low/zero scale
    are not in the table. Returns the array and the stratum keys in order.
    """
    sub = counts.filter(
        (pl.col("alteration") == alteration) & pl.col("her2_group").is_in(["low", "zero"])
    )
    strata = list(strata)
    if strata:
        wide = sub.group_by(strata).agg(
            *[
                pl.col(col).filter(pl.col("her2_group") == g).sum().alias(f"{col}_{g}")
                for col in ("n_altered", "n_not_altered")
                for g in ("low", "zero")
            ]
        )
        wide = wide.sort(strata)
        keys = [tuple(str(v) for v in row) for row in wide.select(strata).iter_rows()]
    else:
        wide = sub.select(
            *[
                pl.col(col).filter(pl.col("her2_group") == g).sum().alias(f"{col}_{g}")
                for col in ("n_altered", "n_not_altered")
                for g in ("low", "zero")
            ]
        )
        keys = [()]
    a = wide["n_altered_low"].to_numpy()
    b = wide["n_altered_zero"].to_numpy()
    c = wide["n_not_altered_low"].to_numpy()
    d = wide["n_not_altered_zero"].to_numpy()
    tables = np.stack([np.stack([a, b], axis=1), np.stack([c, d], axis=1)], axis=1)
    return tables.astype(np.int64), keys

"""Per-sample covariates for stratified and adjusted analyses.

:func:`sample_covariates` turns a study's sample table (and panel matrix)
into one row per sample with the confounders the adjusted analysis uses,
each on a small fixed vocabulary so strata and model terms read the same
across studies:

``hr_status``
    ``positive`` / ``negative`` / ``unknown`` (``HR_STATUS``, else ``ER_STATUS``).
``sample_type``
    ``primary`` / ``metastasis`` / ``other`` (``SAMPLE_TYPE``; cBioPortal's
    ``Recurrence`` counts as metastasis only if it says "met").
``histology``
    ``lobular`` / ``ductal`` / ``other`` from ``CANCER_TYPE_DETAILED``, else a
    histology column (``TUMOR_SAMPLE_HISTOLOGY``, ``HISTOLOGY``,
    ``HISTOLOGICAL_TYPE``), else ``ONCOTREE_CODE`` (ILC / IDC). Mixed ductal
    and lobular carcinoma is ``other``: it is neither, and lumping it with
    either would blur the lobular vs ductal contrast the first paper asks about.
``panel``
    the gene panel of the sample's mutation profile (panel matrix column
    ``mutations``, else the first profile column), ``unknown`` when absent.
``study``
    the study id (a covariate only when several studies are pooled).
"""

from __future__ import annotations

from typing import Protocol

import polars as pl


class StudyTables(Protocol):
    """What :func:`sample_covariates` reads of a study (a loaded
    :class:`her2scope.study.Study` is one): its sample table, panel matrix and id."""

    @property
    def samples(self) -> pl.DataFrame: ...
    @property
    def panel_matrix(self) -> pl.DataFrame | None: ...
    @property
    def study_id(self) -> str: ...


COVARIATES = ("hr_status", "sample_type", "histology", "panel", "study")
HISTOLOGY_COLUMNS = (
    "CANCER_TYPE_DETAILED",
    "TUMOR_SAMPLE_HISTOLOGY",
    "HISTOLOGY",
    "HISTOLOGICAL_TYPE",
    "ONCOTREE_CODE",
)


def histology_expr(column: str) -> pl.Expr:
    """lobular / ductal / other from a free-text histology (or OncoTree code) column."""
    text = pl.col(column).cast(pl.String).str.to_lowercase().fill_null("")
    lob = text.str.contains("lobular") | (text == "ilc")
    duct = text.str.contains("ductal") | (text == "idc")
    return (
        pl.when(lob & ~duct)
        .then(pl.lit("lobular"))
        .when(duct & ~lob)
        .then(pl.lit("ductal"))
        .otherwise(pl.lit("other"))
    )


def _histology(samples: pl.DataFrame) -> pl.Expr:
    present = [c for c in HISTOLOGY_COLUMNS if c in samples.columns]
    if not present:
        return pl.lit("other")
    # first column whose value is non-empty for the sample
    expr: pl.Expr = pl.lit(None, dtype=pl.String)
    for column in reversed(present):
        value = pl.col(column).cast(pl.String)
        expr = (
            pl.when(value.is_not_null() & (value.str.strip_chars() != ""))
            .then(histology_expr(column))
            .otherwise(expr)
        )
    return expr.fill_null("other")


def covariates_from_samples(
    samples: pl.DataFrame, panels: pl.DataFrame | None = None, study_id: str = ""
) -> pl.DataFrame:
    """One row per sample: ``sample_id`` and the :data:`COVARIATES` (see the module doc).

    ``samples`` uses cBioPortal column names (``SAMPLE_ID`` ...); ``panels``
    is a panel matrix (``sample_id`` + one column per profile) or None.
    """

    def first(names: tuple[str, ...]) -> pl.Expr:
        for name in names:
            if name in samples.columns:
                return pl.col(name).cast(pl.String)
        return pl.lit(None, dtype=pl.String)

    hr = first(("HR_STATUS", "ER_STATUS")).str.to_lowercase().fill_null("")
    stype = first(("SAMPLE_TYPE",)).str.to_lowercase().fill_null("")
    out = samples.select(
        pl.col("SAMPLE_ID").cast(pl.String).alias("sample_id"),
        pl.when(hr == "positive")
        .then(pl.lit("positive"))
        .when(hr == "negative")
        .then(pl.lit("negative"))
        .otherwise(pl.lit("unknown"))
        .alias("hr_status"),
        pl.when(stype.str.starts_with("prim"))
        .then(pl.lit("primary"))
        .when(stype.str.contains("met"))
        .then(pl.lit("metastasis"))
        .otherwise(pl.lit("other"))
        .alias("sample_type"),
        _histology(samples).alias("histology"),
        pl.lit(study_id).alias("study"),
    )
    if panels is not None and panels.height and panels.width > 1:
        profile = "mutations" if "mutations" in panels.columns else panels.columns[1]
        out = out.join(
            panels.select("sample_id", pl.col(profile).cast(pl.String).alias("panel")),
            on="sample_id",
            how="left",
            maintain_order="left",
        )
    else:
        out = out.with_columns(pl.lit(None, dtype=pl.String).alias("panel"))
    return out.with_columns(pl.col("panel").fill_null("unknown")).select("sample_id", *COVARIATES)


def sample_covariates(study: StudyTables) -> pl.DataFrame:
    """:func:`covariates_from_samples` of a loaded study (any object with its three tables)."""
    return covariates_from_samples(study.samples, study.panel_matrix, study.study_id)

"""Which (sample, gene) pairs were profiled for a data type.

The study layer owns this question (``her2scope.study.profiled_mask``); this
module only *finds* that function and, while the study layer does not yet
provide it, supplies a private stand-in that follows the same contract::

    profiled_mask(study, genes, data_type) -> DataFrame[sample_id, hugo_symbol, profiled]

with one row per (sample in ``study.samples``, requested gene).

The stand-in reads coverage from ``study.panel_matrix`` and
``study.panel_genes``. Panels listed in ``study.panels_without_genes`` (or
named in the matrix but defined nowhere) are taken to cover every gene
observed in the study's mutation, CNA or SV tables, as the Study contract
says. A study without a matrix column for the data type falls back to the
cBioPortal convention (after trying the mutations panel for SV, as the
study layer does): samples in the profile's case list (or, without one,
samples that have any row of that data type) are profiled for every gene.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from typing import Literal, cast

import polars as pl

from her2scope.study.model import Study

DataType = Literal["mutations", "cna", "sv"]
ProfiledMask = Callable[[Study, Sequence[str], DataType], pl.DataFrame]

#: Gene-panel-matrix column names a data type may use (cBioPortal stable ids).
PANEL_COLUMNS: dict[str, tuple[str, ...]] = {
    "mutations": ("mutations",),
    "cna": ("cna", "gistic"),
    "sv": ("structural_variants", "sv", "fusion", "fusions"),
}
# Case-list suffixes cBioPortal uses for "samples profiled for X".
_CASE_LIST_SUFFIXES: dict[str, tuple[str, ...]] = {
    "mutations": ("_sequenced",),
    "cna": ("_cna",),
    "sv": ("_sv", "_structural_variants", "_fusion"),
}
# Stands for "no panel" in joins; cannot collide with a cBioPortal panel id.
_NO_PANEL = "\x00no panel"
MASK_SCHEMA: dict[str, pl.DataType] = {
    "sample_id": pl.String(),
    "hugo_symbol": pl.String(),
    "profiled": pl.Boolean(),
}


def panel_column(study: Study, data_type: DataType) -> str | None:
    """The gene-panel-matrix column holding ``data_type``'s panel, or None."""
    present = set(study.panel_matrix.columns)
    for name in PANEL_COLUMNS[data_type]:
        if name in present:
            return name
    return None


def resolve_profiled_mask() -> tuple[ProfiledMask, str]:
    """The study layer's ``profiled_mask`` when it exists, else the stand-in here.

    Returns the function and a short name for the audit, so a result says
    which coverage rule produced its ``not_profiled`` calls.
    """
    # Looked up by name, not imported, so this module works before and after
    # the study layer gains the function (and mypy stays quiet either way).
    study_layer = importlib.import_module("her2scope.study")
    found = getattr(study_layer, "profiled_mask", None)
    if callable(found):
        return cast(ProfiledMask, found), "her2scope.study.profiled_mask"
    return fallback_profiled_mask, "alterations fallback (panel matrix + panel genes)"


def _sample_ids(study: Study) -> pl.DataFrame:
    return study.samples.select(pl.col("SAMPLE_ID").cast(pl.String).alias("sample_id")).unique(
        maintain_order=True
    )


def _observed_genes(study: Study) -> pl.DataFrame:
    # Prefer the loader's list (it includes all-zero CNA matrix rows the long
    # CNA table drops); hand-built studies may only have the data tables.
    data_genes = getattr(study, "data_genes", None)
    if isinstance(data_genes, pl.DataFrame) and data_genes.height:
        return data_genes.select(pl.col("hugo_symbol").cast(pl.String)).unique()
    frames = [
        t.select(pl.col("hugo_symbol").cast(pl.String))
        for t in (study.mutations, study.cna, study.sv)
        if "hugo_symbol" in t.columns
    ]
    return pl.concat(frames).unique() if frames else pl.DataFrame(schema={"hugo_symbol": pl.String})


def _data_table(study: Study, data_type: DataType) -> pl.DataFrame:
    return {"mutations": study.mutations, "cna": study.cna, "sv": study.sv}[data_type]


def fallback_profiled_mask(study: Study, genes: Sequence[str], data_type: DataType) -> pl.DataFrame:
    """Stand-in for ``her2scope.study.profiled_mask`` (see the module docstring).

    Vectorised: coverage is computed per (panel, gene), which is small, and then
    joined to the samples, so cost grows with samples x requested genes only.
    """
    samples = _sample_ids(study)
    gene_frame = pl.DataFrame(
        {"hugo_symbol": list(dict.fromkeys(genes))}, schema={"hugo_symbol": pl.String}
    )
    column = panel_column(study, data_type)
    if column is None and data_type == "sv":
        # MSK-IMPACT-style panels call rearrangements from the same capture.
        column = panel_column(study, "mutations")

    if column is None:
        # No matrix column: cBioPortal treats the profile's case list as the
        # profiled samples, each profiled for every gene.
        ids: set[str] | None = None
        for suffix in _CASE_LIST_SUFFIXES[data_type]:
            key = f"{study.study_id}{suffix}"
            if key in study.case_lists:
                ids = set(study.case_lists[key])
                break
        if ids is None:
            table = _data_table(study, data_type)
            ids = set(table.get_column("sample_id").unique().to_list()) if table.height else set()
        profiled_samples = samples.with_columns(
            pl.col("sample_id").is_in(list(ids)).alias("profiled")
        )
        return profiled_samples.join(gene_frame, how="cross").select(list(MASK_SCHEMA))

    sample_panel = samples.join(
        study.panel_matrix.select(
            pl.col("sample_id").cast(pl.String), pl.col(column).cast(pl.String).alias("panel_id")
        ).unique(subset="sample_id", keep="first"),
        on="sample_id",
        how="left",
    )
    defined = study.panel_genes.select(
        pl.col("panel_id").cast(pl.String), pl.col("hugo_symbol").cast(pl.String)
    )
    # Panels used in the matrix but without a gene list: observed genes stand in.
    used = sample_panel.get_column("panel_id").drop_nulls().unique()
    undefined = pl.DataFrame({"panel_id": used}).filter(
        ~pl.col("panel_id").is_in(defined.get_column("panel_id").unique().implode())
    )
    panels = pl.concat(
        [pl.DataFrame({"panel_id": used}), pl.DataFrame({"panel_id": [_NO_PANEL]})]
    ).unique()
    covered = (
        pl.concat([defined, undefined.join(_observed_genes(study), how="cross")], how="vertical")
        .join(gene_frame, on="hugo_symbol", how="semi")
        .unique()
        .with_columns(pl.lit(True).alias("profiled"))
    )
    # Complete panel x gene grid (small), so each sample needs one join on its panel id;
    # samples the matrix leaves empty get the "no panel" row: profiled for nothing.
    coverage = (
        panels.join(gene_frame, how="cross")
        .join(covered, on=["panel_id", "hugo_symbol"], how="left")
        .with_columns(pl.col("profiled").fill_null(False))
    )
    return (
        sample_panel.with_columns(pl.col("panel_id").fill_null(_NO_PANEL))
        .join(coverage, on="panel_id", how="inner")
        .select(list(MASK_SCHEMA))
    )

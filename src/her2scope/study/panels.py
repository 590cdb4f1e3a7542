"""Which sample was profiled for which gene: the gene panel mask.

Follows cBioPortal's gene panel model ("Gene Panel Data" and "Gene panel
matrix file" in the File Formats documentation): each sample is assigned,
per genetic profile, a panel id in ``data_gene_panel_matrix.txt`` (or one
panel for all samples via ``gene_panel:`` in the profile's meta file); the
panel file lists its genes. A zero in the CNA matrix or an absent MAF row
only means "not altered" where the gene was on the sample's panel.

Everything is joins on small tables (samples x panel, panel x genes), so the
mask for 250,000 samples costs one cross join and one hash join.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal, cast

import polars as pl

from her2scope.errors import ConfigError
from her2scope.study.model import Study

DataType = Literal["mutations", "cna", "sv"]

#: Pseudo panel id for "no panel information: covered = genes seen in the data".
DATA_GENES_PANEL = "<genes in data files>"

# Genetic alteration types (meta files) of each data type, and the usual
# profile stable ids used as gene panel matrix column names.
_ALTERATION_TYPES: dict[str, tuple[str, ...]] = {
    "mutations": ("MUTATION_EXTENDED",),
    "cna": ("COPY_NUMBER_ALTERATION",),
    "sv": ("STRUCTURAL_VARIANT", "FUSION"),
}
_USUAL_PROFILE_IDS: dict[str, tuple[str, ...]] = {
    "mutations": ("mutations",),
    "cna": ("cna", "gistic"),
    "sv": ("structural_variants", "sv", "fusion", "fusions"),
}


@dataclass(frozen=True)
class PanelAssignment:
    """``table``: every study sample with its ``panel_id`` (null = not profiled);
    ``source``: where the assignment came from, in words, for the audit."""

    table: pl.DataFrame
    source: str


def _profile_metas(
    study: Study, data_type: str, *, with_missing: bool = False
) -> list[dict[str, str]]:
    metas = []
    for meta in study.meta.values():
        if meta.get("genetic_alteration_type", "").upper() not in _ALTERATION_TYPES[data_type]:
            continue
        if data_type == "cna" and meta.get("datatype", "").upper() not in (
            "DISCRETE",
            "DISCRETE_LONG",
        ):
            continue
        if meta.get("her2scope_missing_data_file") and not with_missing:
            continue
        metas.append(dict(meta))
    return metas


#: Case-list suffixes (``<study>_<suffix>``) naming the samples profiled for a data type
#: (cBioPortal's standard case lists).
_CASE_LIST_SUFFIXES: dict[str, tuple[str, ...]] = {
    "mutations": ("sequenced",),
    "cna": ("cna",),
    "sv": ("sv", "structural_variants"),
}


def _declares_profiles(study: Study) -> bool:
    """True when the study's meta files declare any genetic profile (a study read from a
    folder); a Study built in memory without metas keeps the data-genes fallback."""
    return any(
        _profile_metas(study, data_type, with_missing=True) for data_type in _ALTERATION_TYPES
    )


def _case_list(study: Study, data_type: str) -> tuple[str, list[str]] | None:
    for suffix in _CASE_LIST_SUFFIXES[data_type]:
        for stable_id in (f"{study.study_id}_{suffix}", suffix):
            if stable_id in study.case_lists:
                return stable_id, list(study.case_lists[stable_id])
    return None


def _not_profiled(samples: pl.DataFrame, why: str) -> PanelAssignment:
    table = samples.with_columns(pl.lit(None, dtype=pl.String).alias("panel_id"))
    return PanelAssignment(table, why)


def _restrict_to_case_list(study: Study, data_type: str, got: PanelAssignment) -> PanelAssignment:
    """Samples outside the profile's case list (``<study>_cna`` ...) are not profiled."""
    found = _case_list(study, data_type)
    if found is None:
        return got
    stable_id, ids = found
    listed = pl.Series(ids, dtype=pl.String)
    samples = got.table.get_column("sample_id")
    if listed.len() == samples.len() and listed.equals(samples, check_dtypes=True):
        return got  # the usual case list of a profile: every sample, in study order
    outside = ~samples.is_in(listed.implode())
    if not outside.any():
        return got
    table = got.table.with_columns(
        pl.when(outside).then(None).otherwise(pl.col("panel_id")).alias("panel_id")
    )
    return PanelAssignment(
        table, f"{got.source}; samples outside case list {stable_id}: not profiled"
    )


def _has_matrix(study: Study) -> bool:
    return study.panel_matrix.width > 1


def _matrix_column(study: Study, data_type: str) -> str | None:
    metas = _profile_metas(study, data_type)
    candidates = [m["stable_id"] for m in metas if m.get("stable_id")]
    candidates += [f"{study.study_id}_{c}" for c in candidates]
    candidates += list(_USUAL_PROFILE_IDS[data_type])
    for name in candidates:
        if name in study.panel_matrix.columns:
            return name
    return None


def panel_assignment(study: Study, data_type: DataType) -> PanelAssignment:
    """Panel of every study sample for one data type.

    Order of evidence: the profile's column in the gene panel matrix; the
    profile's ``gene_panel:`` meta property (all samples); for SV without
    either, the mutation panel (MSK-IMPACT calls SVs from the same capture);
    with no panel information at all, the pseudo panel
    :data:`DATA_GENES_PANEL` for every sample (covered = genes seen in data).
    Samples missing from an existing matrix get a null panel (not profiled),
    and so does every sample when the profile's data files hold no rows (the
    loader's ``<data_type>.no_data_rows`` warning).
    """
    key = ("panel_assignment", data_type)
    if key not in study.memo:  # asked for per data type by the loader, annotate and masks
        study.memo[key] = _assign(study, data_type)
    return cast("PanelAssignment", study.memo[key])


def _assign(study: Study, data_type: DataType) -> PanelAssignment:
    samples = study.samples.select(pl.col("SAMPLE_ID").alias("sample_id"))
    if study.audit.by_code(f"{data_type}.no_data_rows"):
        # the profile's data file holds no rows: absence of calls proves nothing
        table = samples.with_columns(pl.lit(None, dtype=pl.String).alias("panel_id"))
        return PanelAssignment(table, "data file without data rows: not profiled")
    if not _profile_metas(study, data_type) and _declares_profiles(study):
        # no data file for this data type (none, or its meta names a missing file):
        # nothing was measured, so nothing is "not altered"
        missing = _profile_metas(study, data_type, with_missing=True)
        why = "data file named by the meta file is missing" if missing else "no data file"
        return _not_profiled(samples, f"{why}: not profiled")
    return _restrict_to_case_list(study, data_type, _panel_assignment(study, data_type, samples))


def _panel_assignment(study: Study, data_type: DataType, samples: pl.DataFrame) -> PanelAssignment:
    column = _matrix_column(study, data_type) if _has_matrix(study) else None
    if column is not None:
        matrix = study.panel_matrix.select("sample_id", pl.col(column).alias("panel_id"))
        same = matrix["sample_id"].equals(samples["sample_id"], check_dtypes=True)
        if matrix.height == samples.height and same:
            table = matrix  # the matrix lists every sample once, in study order: no join
        else:
            table = samples.join(matrix, on="sample_id", how="left", maintain_order="left")
        return PanelAssignment(table, f"gene panel matrix column {column!r}")
    for meta in _profile_metas(study, data_type):
        if meta.get("gene_panel"):
            panel = meta["gene_panel"]
            table = samples.with_columns(pl.lit(panel, dtype=pl.String).alias("panel_id"))
            return PanelAssignment(table, f"gene_panel: {panel} in the meta file")
    if data_type == "sv" and _has_matrix(study):
        mutations = panel_assignment(study, "mutations")
        if mutations.source.startswith("gene panel matrix"):
            return PanelAssignment(
                mutations.table, f"no SV panel given; the mutation panel ({mutations.source})"
            )
    table = samples.with_columns(pl.lit(DATA_GENES_PANEL, dtype=pl.String).alias("panel_id"))
    return PanelAssignment(table, "no panel information; genes seen in the data files")


def panel_coverage(study: Study) -> pl.DataFrame:
    """``panel_id``, ``hugo_symbol`` for every panel: defined gene lists, plus the
    genes seen in the data files for panels without a definition and for
    :data:`DATA_GENES_PANEL`."""
    data_genes = study.data_genes.select("hugo_symbol").unique()
    undefined = pl.DataFrame(
        {"panel_id": [*study.panels_without_genes, DATA_GENES_PANEL]},
        schema={"panel_id": pl.String()},
    )
    return pl.concat(
        [
            study.panel_genes.select("panel_id", "hugo_symbol"),
            undefined.join(data_genes, how="cross"),
        ]
    ).unique()


def _mask_inputs(
    study: Study, genes: Iterable[str], data_type: str
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Requested genes (``_gene_order``) and sample panels (``_sample_order``) of a mask."""
    if data_type not in _ALTERATION_TYPES:
        raise ConfigError(f"data_type must be mutations, cna or sv, not {data_type!r}")
    wanted = pl.DataFrame(
        {"hugo_symbol": list(dict.fromkeys(genes))}, schema={"hugo_symbol": pl.String()}
    ).with_row_index("_gene_order")
    assignment = panel_assignment(study, data_type)  # type: ignore[arg-type]
    return wanted, assignment.table.with_row_index("_sample_order")


def profiled_mask(
    study: Study, genes: Iterable[str], data_type: DataType = "mutations"
) -> pl.DataFrame:
    """Was each sample profiled for each gene, for one data type?

    In: a :class:`Study`, gene symbols, ``data_type`` ``"mutations"``,
    ``"cna"`` or ``"sv"``. Out: polars ``sample_id``, ``hugo_symbol``,
    ``profiled`` (Boolean), one row for every study sample x requested gene
    (sample order of ``study.samples``, gene order as given, duplicates
    removed). Profiled means: the sample's panel (see
    :func:`panel_assignment`) lists the gene; a panel without a definition
    counts as listing every gene seen in the study's data files (MAF, CNA
    rows, SV), as the load audit says; a sample without panel is not profiled.
    """
    wanted, assignment = _mask_inputs(study, genes, data_type)
    covered = panel_coverage(study).with_columns(pl.lit(True).alias("profiled"))
    # Joins in the streaming engine do not keep row order; sort on the two indices instead.
    return (
        assignment.lazy()
        .join(wanted.lazy(), how="cross")
        .join(covered.lazy(), on=["panel_id", "hugo_symbol"], how="left")
        .sort("_sample_order", "_gene_order")
        .select(
            "sample_id",
            "hugo_symbol",
            pl.col("profiled").fill_null(False).cast(pl.Boolean),
        )
        .collect()
    )


def unprofiled_pairs(
    study: Study, genes: Iterable[str], data_type: DataType = "mutations"
) -> pl.DataFrame:
    """The (sample, gene) pairs :func:`profiled_mask` marks not profiled, without the mask.

    Same rule as :func:`profiled_mask`, decided per *panel* (a few panels x
    the requested genes) and only then joined to the samples whose panel has
    a gap, so the cost grows with the gaps, not with samples x genes.
    Out: polars ``sample_id``, ``hugo_symbol`` (samples in study order).
    """
    wanted, assignment = _mask_inputs(study, genes, data_type)
    panels = assignment.select("panel_id").unique()  # a null panel means: profiled for nothing
    gaps = panels.join(wanted, how="cross").join(
        panel_coverage(study), on=["panel_id", "hugo_symbol"], how="anti"
    )
    return (
        assignment.join(gaps, on="panel_id", how="inner", nulls_equal=True)
        .sort("_sample_order", "_gene_order")
        .select("sample_id", "hugo_symbol")
    )

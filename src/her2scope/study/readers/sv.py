"""Structural variants: ``data_sv.txt`` (cBioPortal "Structural Variant Data") and the old
``data_fusions.txt`` ("Fusion Data", deprecated), both as ``Study.sv`` rows.

Read by :func:`~her2scope.study.readers.spec.read_rows` with :data:`FUSIONS`
and :data:`SV`; the specific steps are the partner gene, from the fusion name
(:func:`_fusion_partner`) or from the other site of an SV event.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from her2scope.audit import Audit
from her2scope.study.model import SV_COLUMNS
from her2scope.study.readers.spec import Drop, FileSpec, read_rows

FUSIONS = FileSpec(
    what="a fusion file",
    required=("Hugo_Symbol", "Tumor_Sample_Barcode", "Fusion"),
    columns=("Hugo_Symbol", "Tumor_Sample_Barcode", "Fusion"),
    strip=("Hugo_Symbol", "Tumor_Sample_Barcode"),
    counted=("sv", "fusion rows", "fusion rows"),
    symbols=("Hugo_Symbol",),
    symbol_rows="fusion row(s)",
    drop=Drop(
        needs=("Hugo_Symbol", "Tumor_Sample_Barcode"),
        code="sv.missing_required_value",
        message="{n} fusion row(s) without Hugo_Symbol or Tumor_Sample_Barcode; left out",
    ),
)

_SITES = ("Site1_Hugo_Symbol", "Site2_Hugo_Symbol")
SV = FileSpec(
    what="an SV file",
    required=("Sample_Id",),
    required_one_of=_SITES,
    columns=("Sample_Id", *_SITES, "Event_Info"),
    fill_absent=True,
    nullify=("Sample_Id", *_SITES),
    counted=("sv", "SV rows", "SV rows"),
    symbols=_SITES,
    symbol_rows="SV row(s)",
    drop=Drop(
        needs=("Sample_Id",),
        needs_one_of=_SITES,
        code="sv.missing_required_value",
        message="{n} SV row(s) without Sample_Id or any site gene; left out",
    ),
)


def _sv_frame(frame: pl.DataFrame, source: str) -> pl.DataFrame:
    return (
        frame.with_columns(pl.lit(source).alias("source"))
        .select([pl.col(c).cast(t) for c, t in SV_COLUMNS.items()])
        .rechunk()
    )


def _fusion_partner() -> pl.Expr:
    """The partner of ``Hugo_Symbol`` named by ``Fusion`` (``BRIP1-BCAS3 fusion`` -> BCAS3
    for BRIP1), null for an intragenic event or a name without the gene."""
    gene = pl.col("Hugo_Symbol")
    name_core = pl.col("Fusion").str.strip_chars().str.replace(r"(?i)\s+fusion$", "")
    raw_partner = (
        pl.when(name_core.str.starts_with(pl.concat_str(gene, pl.lit("-"))))
        .then(name_core.str.slice(gene.str.len_chars() + 1))
        .when(name_core.str.ends_with(pl.concat_str(pl.lit("-"), gene)))
        .then(name_core.str.slice(0, name_core.str.len_chars() - gene.str.len_chars() - 1))
        .otherwise(None)
    )
    return (
        pl.when(raw_partner.str.to_lowercase().is_in(["intragenic", ""]) | (raw_partner == gene))
        .then(None)
        .otherwise(raw_partner)
    )


def read_fusions(path: Path, name: str, *, audit: Audit) -> tuple[pl.DataFrame, int]:
    """Read the old fusion file (``data_fusions.txt``, cBioPortal "Fusion Data", deprecated).

    One row per (sample, gene) already; the partner is taken from the
    ``Fusion`` name (``BRIP1-BCAS3 fusion`` -> partner of BRIP1 is BCAS3;
    ``ARID2-intragenic`` -> no partner). Returns ``(sv table, rows read)``.
    """
    rows = read_rows(path, name, FUSIONS, audit)
    table = rows.frame.select(
        pl.col("Tumor_Sample_Barcode").alias("sample_id"),
        pl.col("Hugo_Symbol").alias("hugo_symbol"),
        _fusion_partner().alias("partner"),
        pl.col("Fusion").alias("event"),
    )
    table = _sv_frame(table, "fusions")
    FUSIONS.audit_kept(audit, name, table.height)
    return table, rows.n_read


def _site(gene: str, partner: str) -> list[pl.Expr]:
    return [
        pl.col("line"),
        pl.col("Sample_Id").alias("sample_id"),
        pl.col(gene).alias("hugo_symbol"),
        pl.col(partner).alias("partner"),
        pl.col("Event_Info").alias("event"),
    ]


def read_sv(path: Path, name: str, *, audit: Audit) -> tuple[pl.DataFrame, int]:
    """Read a structural variant file (``data_sv.txt``, cBioPortal "Structural Variant Data").

    Required: ``Sample_Id`` and ``Site1_Hugo_Symbol`` and/or ``Site2_Hugo_Symbol``.
    Each event gives one row per gene involved (an intragenic event, same gene
    at both sites, gives one row), with the other site's gene as ``partner``
    and ``Event_Info`` as ``event``. Returns ``(sv table, rows read)``.
    """
    rows = read_rows(path, name, SV, audit)
    frame = rows.frame
    site1, site2 = pl.col("Site1_Hugo_Symbol"), pl.col("Site2_Hugo_Symbol")
    first = frame.filter(site1.is_not_null()).select(_site(*_SITES))
    second = frame.filter(site2.is_not_null() & (site1.is_null() | (site2 != site1)))
    second = second.select(_site(*reversed(_SITES)))
    table = pl.concat([first, second]).sort("line", maintain_order=True)
    table = table.with_columns(
        pl.when(pl.col("partner") == pl.col("hugo_symbol"))
        .then(None)
        .otherwise(pl.col("partner"))
        .alias("partner")
    )
    table = _sv_frame(table, "sv")
    SV.audit_kept(audit, name, frame.height, f", {table.height} (sample, gene) rows")
    return table, rows.n_read

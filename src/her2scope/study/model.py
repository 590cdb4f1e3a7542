"""The central data object: :class:`Study`, one cBioPortal study in typed tables.

Like AnnData in scanpy, everything downstream takes a ``Study`` and returns new
tables; nothing mutates it. All tables are polars DataFrames with the
documented columns below (extra columns may follow them).

``samples``
    One row per sample. ``SAMPLE_ID`` and ``PATIENT_ID`` (String) always;
    then every attribute of the clinical sample file under its cBioPortal
    attribute id (upper case). STRING attributes stay ``String`` exactly as
    written (HER2 pathology strings are parsed later, by ``her2/``); NUMBER
    attributes are ``Float64`` with unreadable values set to null and counted
    in the audit. Missing-value tokens (``NA``, ``[Not Available]`` ...) stay
    as written in STRING columns.
``patients``
    One row per patient, ``PATIENT_ID`` first, same typing rules.
``sample_attributes`` / ``patient_attributes``
    ``attribute``, ``display_name``, ``description``, ``datatype``,
    ``priority`` from the four ``#`` header lines.
``mutations``
    One row per MAF record: ``sample_id``, ``hugo_symbol``,
    ``entrez_gene_id`` (Int64), ``variant_classification``,
    ``variant_type``, ``chromosome``, ``start_position`` (Int64),
    ``end_position`` (Int64), ``reference_allele``, ``tumor_seq_allele2``,
    ``hgvsp_short`` (``p.H1047R``), ``protein_change`` (``H1047R``),
    ``hotspot`` (Boolean; null when the MAF has no ``Hotspot`` column),
    ``t_ref_count``, ``t_alt_count`` (Int64), ``line`` (Int64: 1-based line
    in the source file, for traceability).
``cna``
    Discrete copy number in long form, **non-zero, non-missing cells only**
    (a dense samples x genes matrix does not fit at 250k samples):
    ``sample_id``, ``hugo_symbol``, ``cna`` (Float32; -2, -1.5, -1, 1, 2).
    Whether a zero means "not altered" or "not covered" is answered by the
    panel mask, not by this table.
``sv``
    Structural variants / fusions, one row per (sample, gene involved):
    ``sample_id``, ``hugo_symbol``, ``partner`` (other gene or null),
    ``event`` (fusion name or event info), ``source`` (``fusions`` for the
    old ``data_fusions.txt``, ``sv`` for ``data_sv.txt``).
``panel_matrix``
    ``sample_id`` plus one String column per genetic profile named by the
    matrix header (``mutations``, ``cna``, ``fusion``/``structural_variants``
    ...), holding the panel id or null (not profiled).
``panel_genes``
    ``panel_id``, ``hugo_symbol``: the gene list of every panel whose
    definition was found. Panels without a definition are listed in
    ``panels_without_genes`` and treated as covering the genes observed in
    the study's data files (said in the audit).
``data_genes``
    ``data_type`` (``mutations`` | ``cna`` | ``sv``), ``hugo_symbol``: every
    gene named by a data file (MAF rows, *all* CNA matrix rows including
    all-zero ones, SV genes). Used as the coverage of panels without a
    definition and of studies without a panel matrix.
``case_lists``
    case list stable id -> list of sample ids.
``audit``
    :class:`~her2scope.audit.Audit` of everything the loader found.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import polars as pl

from her2scope.audit import Audit

MUTATION_COLUMNS: dict[str, pl.DataType] = {
    "sample_id": pl.String(),
    "hugo_symbol": pl.String(),
    "entrez_gene_id": pl.Int64(),
    "variant_classification": pl.String(),
    "variant_type": pl.String(),
    "chromosome": pl.String(),
    "start_position": pl.Int64(),
    "end_position": pl.Int64(),
    "reference_allele": pl.String(),
    "tumor_seq_allele2": pl.String(),
    "hgvsp_short": pl.String(),
    "protein_change": pl.String(),
    "hotspot": pl.Boolean(),
    "t_ref_count": pl.Int64(),
    "t_alt_count": pl.Int64(),
    "line": pl.Int64(),
}
CNA_COLUMNS: dict[str, pl.DataType] = {
    "sample_id": pl.String(),
    "hugo_symbol": pl.String(),
    "cna": pl.Float32(),
}
SV_COLUMNS: dict[str, pl.DataType] = {
    "sample_id": pl.String(),
    "hugo_symbol": pl.String(),
    "partner": pl.String(),
    "event": pl.String(),
    "source": pl.String(),
}
PANEL_GENE_COLUMNS: dict[str, pl.DataType] = {
    "panel_id": pl.String(),
    "hugo_symbol": pl.String(),
}
DATA_GENE_COLUMNS: dict[str, pl.DataType] = {
    "data_type": pl.String(),
    "hugo_symbol": pl.String(),
}
ATTRIBUTE_COLUMNS: dict[str, pl.DataType] = {
    "attribute": pl.String(),
    "display_name": pl.String(),
    "description": pl.String(),
    "datatype": pl.String(),
    "priority": pl.String(),
}


def empty(schema: Mapping[str, pl.DataType]) -> pl.DataFrame:
    """An empty frame with the given schema (for studies lacking a data type)."""
    return pl.DataFrame(schema=dict(schema))


@dataclass(frozen=True)
class Study:
    """One cBioPortal study, read and audited. See the module docstring for columns."""

    study_id: str
    path: Path | None
    meta: Mapping[str, Mapping[str, str]]
    samples: pl.DataFrame
    patients: pl.DataFrame
    sample_attributes: pl.DataFrame = field(default_factory=lambda: empty(ATTRIBUTE_COLUMNS))
    patient_attributes: pl.DataFrame = field(default_factory=lambda: empty(ATTRIBUTE_COLUMNS))
    mutations: pl.DataFrame = field(default_factory=lambda: empty(MUTATION_COLUMNS))
    cna: pl.DataFrame = field(default_factory=lambda: empty(CNA_COLUMNS))
    sv: pl.DataFrame = field(default_factory=lambda: empty(SV_COLUMNS))
    panel_matrix: pl.DataFrame = field(
        default_factory=lambda: pl.DataFrame(schema={"sample_id": pl.String()})
    )
    panel_genes: pl.DataFrame = field(default_factory=lambda: empty(PANEL_GENE_COLUMNS))
    panels_without_genes: tuple[str, ...] = ()
    case_lists: Mapping[str, Sequence[str]] = field(default_factory=dict)
    audit: Audit = field(default_factory=Audit)
    # Added last so positional construction of the fields above keeps working.
    data_genes: pl.DataFrame = field(default_factory=lambda: empty(DATA_GENE_COLUMNS))

    @cached_property
    def memo(self) -> dict[Hashable, Any]:
        """Derivations that depend on this study only (panel assignments), computed once.

        A study is immutable (a changed study is a new object, e.g. by
        ``dataclasses.replace``, with an empty memo), so a value kept here
        cannot go stale. Not a field: not compared, copied or cached on disk.
        """
        return {}

    @property
    def n_samples(self) -> int:
        return self.samples.height

    @property
    def n_patients(self) -> int:
        return self.patients.height

    def __repr__(self) -> str:
        return (
            f"Study({self.study_id!r}: {self.n_samples} samples, {self.n_patients} patients, "
            f"{self.mutations.height} mutations, {self.cna.height} CNA events, "
            f"{self.sv.height} SV rows, audit {len(self.audit)} entries)"
        )

"""Readers for the cBioPortal data files, one per file format.

Each reader follows the cBioPortal *File Formats* documentation
(https://docs.cbioportal.org/file-formats/) for its file, returns typed polars
tables with the columns documented in :mod:`her2scope.study.model`, and
writes what it found into an :class:`~her2scope.audit.Audit`:

- a broken structure (missing required column, wrong number of fields,
  undecodable bytes, empty file) raises :class:`InputFormatError` with file,
  line and column;
- a bad value in a good file is kept out of (or nulled in) the table and
  counted in **one** warning entry per code + file + column;
- what was read and kept is recorded as ``info`` entries whose ``count`` is the
  number, so every MAF row and every CNA cell is accounted for
  (read = kept + flagged).

The tabular files share one routine, :func:`~her2scope.study.readers.spec.read_rows`,
driven by one :class:`~her2scope.study.readers.spec.FileSpec` per file kind
(:data:`CLINICAL_SAMPLE`, :data:`CLINICAL_PATIENT`, :data:`MAF`, :data:`CNA_LONG`,
:data:`FUSIONS`, :data:`SV`, :data:`PANEL_MATRIX`); what only one file needs is
beside its spec: ``clinical`` (metadata lines, NUMBER attributes), ``maf``
(value checks, repeated records, protein-change columns), ``cna`` (the matrix
reader), ``sv`` (partners), ``lists`` (panel matrix, panel files, case lists).
"""

from her2scope.study.readers.clinical import CLINICAL_PATIENT, CLINICAL_SAMPLE, read_clinical
from her2scope.study.readers.cna import (
    CNA_LONG,
    CNA_VALUES,
    CnaRead,
    _cna_line,
    _cna_line_general,
    _cna_line_sparse,
    read_cna,
    read_cna_long,
)
from her2scope.study.readers.lists import (
    PANEL_MATRIX,
    _untidy_ids,
    read_case_list,
    read_panel_file,
    read_panel_matrix,
)
from her2scope.study.readers.maf import (
    MAF,
    MAF_COLUMNS,
    MAF_RECORD_KEY,
    MAF_REQUIRED,
    PROTEIN_COLUMNS,
    VARIANT_CLASSES,
    _short_protein,
    read_maf,
)
from her2scope.study.readers.spec import (
    MISSING_TOKENS,
    Drop,
    FileSpec,
    Rows,
    Unique,
    canonical_symbol,
    is_missing,
    read_rows,
)
from her2scope.study.readers.sv import FUSIONS, SV, read_fusions, read_sv

__all__ = [
    "CLINICAL_PATIENT",
    "CLINICAL_SAMPLE",
    "CNA_LONG",
    "CNA_VALUES",
    "FUSIONS",
    "MAF",
    "MAF_COLUMNS",
    "MAF_RECORD_KEY",
    "MAF_REQUIRED",
    "MISSING_TOKENS",
    "PANEL_MATRIX",
    "PROTEIN_COLUMNS",
    "SV",
    "VARIANT_CLASSES",
    "CnaRead",
    "Drop",
    "FileSpec",
    "Rows",
    "Unique",
    "_cna_line",
    "_cna_line_general",
    "_cna_line_sparse",
    "_short_protein",
    "_untidy_ids",
    "canonical_symbol",
    "is_missing",
    "read_case_list",
    "read_clinical",
    "read_cna",
    "read_cna_long",
    "read_fusions",
    "read_maf",
    "read_panel_file",
    "read_panel_matrix",
    "read_rows",
    "read_sv",
]

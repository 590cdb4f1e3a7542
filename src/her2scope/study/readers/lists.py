"""The gene panel matrix, gene panel files and case lists (cBioPortal "Gene panel matrix
file", "Gene Panel Data", "Case Lists").

The matrix is read by :func:`~her2scope.study.readers.spec.read_rows` with
:data:`PANEL_MATRIX`; panel files and case lists are ``key: value`` files.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from her2scope.audit import Audit
from her2scope.errors import InputFormatError
from her2scope.study.readers.spec import FileSpec, Unique, canonical_symbol, read_rows
from her2scope.study.textio import read_key_values

PANEL_MATRIX = FileSpec(
    what="the gene panel matrix",
    first_column="SAMPLE_ID",
    first_column_as="sample_id",
    line_column="_line",
    nullify=("*",),
    unique=Unique(
        column="sample_id",
        code="panel.duplicate_sample_id",
        message="{n} sample(s) listed twice ({examples}); first row kept",
        audit_column="SAMPLE_ID",
    ),
)


def read_panel_matrix(path: Path, name: str, *, audit: Audit) -> pl.DataFrame:
    """Read ``data_gene_panel_matrix.txt`` (cBioPortal "Gene panel matrix file").

    First column ``SAMPLE_ID``, then one column per genetic profile stable id
    holding a panel id; ``NA`` = not profiled (null). Returns
    ``Study.panel_matrix`` (``sample_id`` + profile columns). A repeated
    sample is an error entry (first row kept).
    """
    return read_rows(path, name, PANEL_MATRIX, audit).frame.drop("_line").rechunk()


def read_panel_file(path: Path, name: str) -> tuple[str, list[str]]:
    """Read one gene panel file (``data_gene_panel_<id>.txt``, cBioPortal "Gene Panel Data").

    ``stable_id: ...`` and ``gene_list: A<TAB>B...`` are required. Returns
    ``(panel id, gene symbols)``.
    """
    values, lines = read_key_values(path, name)
    for key in ("stable_id", "gene_list"):
        if not values.get(key):
            raise InputFormatError(
                f"gene panel file needs a '{key}:' line", file=name, line=lines.get(key), column=key
            )
    genes = [canonical_symbol(g.strip()) for g in values["gene_list"].split("\t") if g.strip()]
    return values["stable_id"], genes


def read_case_list(path: Path, name: str) -> tuple[str, list[str]]:
    """Read one case list (``case_lists/*.txt``, cBioPortal "Case Lists").

    Returns ``(stable_id, sample ids)`` from ``stable_id`` and the
    tab-separated ``case_list_ids``.
    """
    values, lines = read_key_values(path, name)
    for key in ("stable_id", "case_list_ids"):
        if key not in values:
            raise InputFormatError(
                f"case list needs a '{key}:' line", file=name, line=lines.get(key), column=key
            )
    raw = values["case_list_ids"]
    ids = raw.split("\t")
    if _untidy_ids(raw, ids):  # rare: tidy up
        ids = [i.strip() for i in ids if i.strip()]
    return values["stable_id"], ids


#: The ASCII characters ``str.isspace`` accepts (tab included).
_ASCII_SPACES = "".join(chr(i) for i in range(128) if chr(i).isspace())


def _untidy_ids(raw: str, ids: list[str]) -> bool:
    """True when the tab-separated ``raw`` (split as ``ids``) has an empty id or an id
    with white space at either end.

    For ASCII text, substring searches over the line instead of a Python test per
    id (which took a second for the four case lists of a 250,000-sample study):
    which white space other than tabs occurs at all (one fast character search
    each, usually none), then only those beside a tab, and two tabs in a row.
    """
    if not raw.isascii():
        return any(not i or i[0].isspace() or i[-1].isspace() for i in ids)
    others = [c for c in _ASCII_SPACES if c != "\t" and c in raw]
    return (
        not raw
        or raw[0].isspace()
        or raw[-1].isspace()
        or "\t\t" in raw
        or any(f"\t{c}" in raw or f"{c}\t" in raw for c in others)
    )

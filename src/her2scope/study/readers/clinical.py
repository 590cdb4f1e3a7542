"""The clinical files (``data_clinical_sample.txt``, ``data_clinical_patient.txt``).

cBioPortal "Clinical data" format: four ``#`` metadata lines (display names,
descriptions, datatypes, priorities), then a header of attribute ids. Read
by :func:`~her2scope.study.readers.spec.read_rows` with the specs below; the
specific steps are the metadata lines (:func:`_attributes`) and the NUMBER
attributes' cast (:func:`_numbers`).
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from her2scope.audit import Audit
from her2scope.errors import InputFormatError
from her2scope.study.model import ATTRIBUTE_COLUMNS
from her2scope.study.readers.spec import (
    Drop,
    FileSpec,
    Unique,
    _examples,
    _first_rows_entry,
    is_missing,
    read_rows,
)
from her2scope.study.textio import TabularText

_DATATYPES = ("STRING", "NUMBER", "BOOLEAN")


def _attributes(text: TabularText, audit: Audit) -> pl.DataFrame:
    """The four ``#`` lines of a clinical file: display names, descriptions, datatypes,
    priorities (cBioPortal "Clinical data" format; the old five-line form with an
    attribute-type line is accepted too)."""
    n = len(text.header)
    comments = text.comments
    if not comments:
        audit.add(
            "warning",
            "clinical.no_metadata_lines",
            "no '#' metadata lines: every attribute read as STRING",
            file=text.name,
        )
        return pl.DataFrame(
            {
                "attribute": text.header,
                "display_name": text.header,
                "description": text.header,
                "datatype": ["STRING"] * n,
                "priority": ["1"] * n,
            },
            schema=ATTRIBUTE_COLUMNS,
        )
    if len(comments) not in (4, 5):
        raise InputFormatError(
            f"expected 4 '#' metadata lines (display names, descriptions, datatypes, "
            f"priorities), found {len(comments)}",
            file=text.name,
            line=1,
        )
    rows = [c.split("\t") for c in comments]
    for i, row in enumerate(rows):
        if len(row) != n:
            raise InputFormatError(
                f"metadata line has {len(row)} fields, column header has {n}",
                file=text.name,
                line=i + 1,
            )
    datatypes = [d.strip().upper() for d in rows[2]]
    for attr, dtype in zip(text.header, datatypes, strict=True):
        if dtype not in _DATATYPES:
            audit.add(
                "warning",
                "clinical.unknown_datatype",
                f"datatype {dtype!r} is not STRING/NUMBER/BOOLEAN; read as STRING",
                file=text.name,
                line=3,
                column=attr,
            )
    datatypes = [d if d in _DATATYPES else "STRING" for d in datatypes]
    return pl.DataFrame(
        {
            "attribute": text.header,
            "display_name": [d.strip() for d in rows[0]],
            "description": [d.strip() for d in rows[1]],
            "datatype": datatypes,
            "priority": [p.strip() for p in rows[-1]],
        },
        schema=ATTRIBUTE_COLUMNS,
    )


def _clinical_spec(kind: str) -> FileSpec:
    """The spec of the sample (``kind="sample"``) or patient clinical file."""
    ids = ("SAMPLE_ID", "PATIENT_ID") if kind == "sample" else ("PATIENT_ID",)
    key = ids[0]
    return FileSpec(
        what=f"the clinical {kind} file",
        required=ids,
        line_column="_line",
        strip=ids,
        header_hook=_attributes,
        empty_body=f"no {kind} rows under the header",
        drop=Drop(
            needs=ids,
            code=f"clinical.missing_{key.lower()}",
            message=f"{{n}} row(s) without {' or '.join(ids)}; rows left out",
            level="error",
            column=key,
        ),
        unique=Unique(
            column=key,
            code=f"clinical.duplicate_{key.lower()}",
            message="{n} row(s) repeat an id already used ({examples}); first row kept",
            audit_column=key,
            name_first=True,
        ),
    )


CLINICAL_SAMPLE = _clinical_spec("sample")
CLINICAL_PATIENT = _clinical_spec("patient")


def _number(col: str) -> pl.Expr:
    return pl.col(col).str.strip_chars().cast(pl.Float64, strict=False)


def _numbers(frame: pl.DataFrame, numbers: list[str], name: str, audit: Audit) -> pl.DataFrame:
    """NUMBER attributes as Float64: unreadable or infinite values (``1e400``) -> null, one
    warning per column with the count; missing values -> null.

    A value that casts as written to a finite number is that number: stripping
    changes nothing and no missing token is one. Only the other values (NA,
    "[Not Available]", " 12", "abc", "inf"; a few distinct strings) get the
    missing-token and bad-number tests, whose results are then looked up.
    """
    casts = []
    for col in numbers:
        as_written = pl.col(col).cast(pl.Float64, strict=False)
        odd = frame.select(col, "_line").filter(
            pl.col(col).is_not_null() & ~as_written.is_finite().fill_null(False)
        )
        # 1e400 and "inf" parse as infinite: no measurement is, and survival fits fail on it
        bad = odd.filter(
            ~is_missing(pl.col(col)) & (_number(col).is_null() | _number(col).is_infinite())
        )
        if bad.height:
            message = (
                f"{bad.height} value(s) of a NUMBER attribute are not numbers "
                f"({_examples(bad[col])}); set to null"
            )
            _first_rows_entry(
                audit,
                "warning",
                "clinical.bad_number",
                message,
                bad,
                "_line",
                name=name,
                column=col,
            )
        value = pl.when(is_missing(pl.col(col)) | _number(col).is_infinite()).then(None)
        table = odd.select(pl.col(col).unique()).with_columns(
            value.otherwise(_number(col)).alias("_value")
        )
        table = table.filter(pl.col("_value").is_not_null())
        lookup = (
            pl.col(col).replace_strict(
                table[col], table["_value"], default=None, return_dtype=pl.Float64
            )
            if table.height
            else pl.lit(None, dtype=pl.Float64)
        )
        casts.append(pl.when(as_written.is_finite()).then(as_written).otherwise(lookup).alias(col))
    return frame.with_columns(casts)


def read_clinical(
    path: Path, name: str, *, kind: str, audit: Audit
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Read ``data_clinical_sample.txt`` (``kind="sample"``) or ``data_clinical_patient.txt``.

    Follows the cBioPortal "Clinical data" format: four ``#`` metadata lines,
    then a header of attribute ids (``SAMPLE_ID``, ``PATIENT_ID`` required).
    Returns ``(table, attributes)``: one row per id, id columns first;
    NUMBER attributes as Float64 (unreadable or infinite values such as
    ``1e400`` -> null, one warning per column with the count),
    STRING/BOOLEAN as written. A duplicated id is an error entry (the first
    row is kept); a row without id is an error entry too.
    """
    spec = CLINICAL_SAMPLE if kind == "sample" else CLINICAL_PATIENT
    rows = read_rows(path, name, spec, audit)
    frame, attributes = rows.frame, rows.header_info
    del rows  # the String NUMBER columns go as they are cast
    id_columns = spec.required
    numbers = [
        c
        for c in attributes.filter(pl.col("datatype") == "NUMBER")["attribute"].to_list()
        if c not in id_columns
    ]
    frame = _numbers(frame, numbers, name, audit).drop("_line")
    others = [c for c in frame.columns if c not in id_columns]
    # one chunk per column from here: the parse's many chunks (44 for a 250k-sample
    # file) slow every later join and group-by of the analysis
    return frame.select(*id_columns, *others).rechunk(), attributes

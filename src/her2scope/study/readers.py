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
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl

from her2scope.audit import Audit
from her2scope.errors import InputFormatError
from her2scope.study.model import (
    ATTRIBUTE_COLUMNS,
    CNA_COLUMNS,
    MUTATION_COLUMNS,
    SV_COLUMNS,
)
from her2scope.study.textio import (
    MAX_MATRIX_COLUMNS,
    TabularText,
    check_column_count,
    iter_raw_lines,
    read_body,
    read_key_values,
    read_tabular,
)

#: Written for "value not available" in cBioPortal files; not a bad value.
MISSING_TOKENS: tuple[str, ...] = ("", "NA", "N/A", "na", "n/a", "NaN", "nan", "null", "None")

#: Discrete CNA values allowed by the cBioPortal format (GISTIC-style calls).
CNA_VALUES: tuple[float, ...] = (-2.0, -1.5, -1.0, 0.0, 1.0, 2.0)
_CNA_NONZERO: tuple[float, ...] = tuple(v for v in CNA_VALUES if v != 0.0)
_CNA_ID_COLUMNS = ("Hugo_Symbol", "Entrez_Gene_Id", "Cytoband")

MAF_REQUIRED: tuple[str, ...] = ("Hugo_Symbol", "Tumor_Sample_Barcode", "Variant_Classification")
#: MAF column -> ``Study.mutations`` column.
MAF_COLUMNS: dict[str, str] = {
    "Tumor_Sample_Barcode": "sample_id",
    "Hugo_Symbol": "hugo_symbol",
    "Entrez_Gene_Id": "entrez_gene_id",
    "Variant_Classification": "variant_classification",
    "Variant_Type": "variant_type",
    "Chromosome": "chromosome",
    "Start_Position": "start_position",
    "End_Position": "end_position",
    "Reference_Allele": "reference_allele",
    "Tumor_Seq_Allele2": "tumor_seq_allele2",
    "HGVSp_Short": "hgvsp_short",
    "Hotspot": "hotspot",
    "t_ref_count": "t_ref_count",
    "t_alt_count": "t_alt_count",
}
#: MAF columns that carry the protein change, in order of preference: cBioPortal's
#: and vcf2maf's ``HGVSp_Short`` (``p.E545K``), their three-letter ``HGVSp``
#: (``p.Glu545Lys``), then ``Protein_Change`` (maftools' example MAFs, Firehose,
#: TCGAmutations), ``Amino_Acid_Change`` and ``AAChange`` (older TCGA and
#: annovar-style MAFs). Per record, the first one with a value is used.
PROTEIN_COLUMNS: tuple[str, ...] = (
    "HGVSp_Short",
    "HGVSp",
    "Protein_Change",
    "Amino_Acid_Change",
    "AAChange",
)
#: HGVS three-letter amino-acid codes (and Ter for a stop) -> one letter
_AMINO_ACIDS: dict[str, str] = {
    "Ala": "A", "Arg": "R", "Asn": "N", "Asp": "D", "Cys": "C", "Gln": "Q", "Glu": "E",
    "Gly": "G", "His": "H", "Ile": "I", "Leu": "L", "Lys": "K", "Met": "M", "Phe": "F",
    "Pro": "P", "Ser": "S", "Thr": "T", "Trp": "W", "Tyr": "Y", "Val": "V", "Sec": "U",
    "Pyl": "O", "Ter": "*", "Xaa": "X",
}  # fmt: skip
_MAF_INTEGER_COLUMNS = (
    "Entrez_Gene_Id",
    "Start_Position",
    "End_Position",
    "t_ref_count",
    "t_alt_count",
)
#: Variant_Classification values of the MAF specification (GDC / cBioPortal).
VARIANT_CLASSES: frozenset[str] = frozenset(
    {
        "Frame_Shift_Del",
        "Frame_Shift_Ins",
        "In_Frame_Del",
        "In_Frame_Ins",
        "Missense_Mutation",
        "Nonsense_Mutation",
        "Silent",
        "Splice_Site",
        "Translation_Start_Site",
        "Nonstop_Mutation",
        "3'UTR",
        "3'Flank",
        "5'UTR",
        "5'Flank",
        "IGR",
        "Intron",
        "RNA",
        "Targeted_Region",
        "De_novo_Start_InFrame",
        "De_novo_Start_OutOfFrame",
        "Splice_Region",
        "Fusion",
        "Unknown",
    }
)
_TRUE_TOKENS = ("1", "true", "TRUE", "True", "yes", "Yes", "Y")
_FALSE_TOKENS = ("0", "false", "FALSE", "False", "no", "No", "N")


def is_missing(expr: pl.Expr) -> pl.Expr:
    """True where a String value means "not available" (null, ``NA``, ``[Not Available]`` ...)."""
    stripped = expr.str.strip_chars()
    return (
        expr.is_null()
        | stripped.is_in(MISSING_TOKENS)
        | (stripped.str.starts_with("[") & stripped.str.ends_with("]"))
    )


def _examples(values: pl.Series, limit: int = 3) -> str:
    shown = [repr(v) for v in values.unique(maintain_order=True).head(limit).to_list()]
    return ", ".join(shown)


def _require(text: TabularText, columns: Sequence[str], what: str) -> None:
    for col in columns:
        if col not in text.header:
            raise InputFormatError(
                f"required column missing from the header ({what} needs {', '.join(columns)})",
                file=text.name,
                line=text.header_line,
                column=col,
            )


_ORF = r"(\d)ORF(\d)"


def canonical_symbol(symbol: str) -> str:
    """A gene symbol written all in lower case, upper-cased as HGNC writes it.

    ``pik3ca`` -> ``PIK3CA``; ``c1orf112`` -> ``C1orf112`` (HGNC keeps "orf"
    lower case). A symbol with any capital letter (``Unknown``, ``C1orf112``)
    is left as written.
    """
    if not symbol.islower():
        return symbol
    return re.sub(_ORF, r"\1orf\2", symbol.upper())


def _canonical_symbol_expr(col: pl.Expr) -> pl.Expr:
    lower = (col == col.str.to_lowercase()) & (col != col.str.to_uppercase())
    fixed = col.str.to_uppercase().str.replace_all(_ORF, "${1}orf${2}")
    return pl.when(lower).then(fixed).otherwise(col)


def _upper_case_symbols(
    frame: pl.DataFrame, columns: Sequence[str], name: str, what: str, audit: Audit, line: str
) -> pl.DataFrame:
    """Upper-case all-lower-case gene symbols in ``columns``, one warning with the count."""
    for col in columns:
        if col not in frame.columns:
            continue
        fixed = _canonical_symbol_expr(pl.col(col))
        changed = _flagged_rows(frame, col, pl.col(col).is_not_null() & (fixed != pl.col(col)))
        if changed is None:
            continue
        audit.add(
            "warning",
            "symbols.lower_case",
            f"{changed.height} {what} with a lower-case gene symbol "
            f"({_examples(changed[col])}); upper-cased as HGNC writes it",
            file=name,
            line=int(changed[line][0]),
            column=col,
            count=changed.height,
        )
        frame = frame.with_columns(fixed.alias(col))
    return frame


# --------------------------------------------------------------------------- clinical


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
        if dtype not in ("STRING", "NUMBER", "BOOLEAN"):
            audit.add(
                "warning",
                "clinical.unknown_datatype",
                f"datatype {dtype!r} is not STRING/NUMBER/BOOLEAN; read as STRING",
                file=text.name,
                line=3,
                column=attr,
            )
    datatypes = [d if d in ("STRING", "NUMBER", "BOOLEAN") else "STRING" for d in datatypes]
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
    text = read_tabular(path, name)
    id_columns = ["SAMPLE_ID", "PATIENT_ID"] if kind == "sample" else ["PATIENT_ID"]
    _require(text, id_columns, f"the clinical {kind} file")
    attributes = _attributes(text, audit)
    if not text.has_body:
        raise InputFormatError(f"no {kind} rows under the header", file=name, line=text.header_line)
    key = id_columns[0]
    frame = read_body(text, line_column="_line").with_columns(
        *[pl.col(c).str.strip_chars() for c in id_columns],
    )
    no_id = frame.filter(pl.any_horizontal(is_missing(pl.col(c)) for c in id_columns))
    if no_id.height:
        audit.add(
            "error",
            f"clinical.missing_{key.lower()}",
            f"{no_id.height} row(s) without {' or '.join(id_columns)}; rows left out",
            file=name,
            line=int(no_id["_line"][0]),
            column=key,
            count=no_id.height,
        )
        frame = frame.join(no_id.select("_line"), on="_line", how="anti")
    duplicated = frame.filter(~pl.col(key).is_first_distinct())
    if duplicated.height:
        ids = duplicated[key]
        audit.add(
            "error",
            f"clinical.duplicate_{key.lower()}",
            f"{duplicated.height} row(s) repeat an id already used ({_examples(ids, 5)}); "
            "first row kept",
            file=name,
            line=int(duplicated["_line"][0]),
            column=key,
            sample_id=str(ids[0]),
            count=duplicated.height,
        )
        frame = frame.filter(pl.col(key).is_first_distinct())
    numbers = [
        c
        for c in attributes.filter(pl.col("datatype") == "NUMBER")["attribute"].to_list()
        if c not in id_columns
    ]

    def number(col: str) -> pl.Expr:
        return pl.col(col).str.strip_chars().cast(pl.Float64, strict=False)

    def bad_number(col: str) -> pl.Expr:
        # 1e400 and "inf" parse as infinite: no measurement is, and survival fits fail on it
        value = number(col)
        return ~is_missing(pl.col(col)) & (value.is_null() | value.is_infinite())

    # A value that casts as written to a finite number is that number: stripping
    # changes nothing and no missing token is one. Only the other values (NA,
    # "[Not Available]", " 12", "abc", "inf"; a few distinct strings) get the
    # missing-token and bad-number tests, whose results are then looked up.
    casts = []
    for col in numbers:
        as_written = pl.col(col).cast(pl.Float64, strict=False)
        odd = frame.select(col, "_line").filter(
            pl.col(col).is_not_null() & ~as_written.is_finite().fill_null(False)
        )
        bad = odd.filter(bad_number(col))
        if bad.height:
            audit.add(
                "warning",
                "clinical.bad_number",
                f"{bad.height} value(s) of a NUMBER attribute are not numbers "
                f"({_examples(bad[col])}); set to null",
                file=name,
                line=int(bad["_line"][0]),
                column=col,
                count=bad.height,
            )
        value = pl.when(is_missing(pl.col(col)) | number(col).is_infinite()).then(None)
        table = odd.select(pl.col(col).unique()).with_columns(
            value.otherwise(number(col)).alias("_value")
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
    frame = frame.with_columns(casts).drop("_line")
    others = [c for c in frame.columns if c not in id_columns]
    # one chunk per column from here: the parse's many chunks (44 for a 250k-sample
    # file) slow every later join and group-by of the analysis
    return frame.select(*id_columns, *others).rechunk(), attributes


# --------------------------------------------------------------------------- MAF


def read_maf(path: Path, name: str, *, audit: Audit) -> pl.DataFrame:
    """Read a MAF (``data_mutations*.txt``, cBioPortal "Mutation data" format).

    Required columns: Hugo_Symbol, Tumor_Sample_Barcode, Variant_Classification
    (missing one -> :class:`InputFormatError` at the header line). A row with
    an empty required value is left out and counted (warning per column);
    unparseable integers become null (warning per column). Returns
    ``Study.mutations`` columns; audit info ``mutations.rows_read`` /
    ``mutations.rows_kept`` make read = kept + flagged checkable.
    """
    text = read_tabular(path, name)
    _require(text, MAF_REQUIRED, "a MAF")
    present = [c for c in MAF_COLUMNS if c in text.header]
    absent = [c for c in MAF_COLUMNS if c not in text.header and c not in PROTEIN_COLUMNS]
    protein_columns = [c for c in PROTEIN_COLUMNS if c in text.header]
    extra = [c for c in protein_columns if c not in present]
    frame = read_body(text, columns=present + extra, line_column="line")
    header_line = text.header_line
    # the file's bytes (hundreds of MB at GENIE scale) are not needed past here:
    # let them go before the checks below allocate
    del text
    n_read = frame.height
    audit.add(
        "info", "mutations.rows_read", f"{n_read} MAF data rows read", file=name, count=n_read
    )
    if absent:
        audit.add(
            "info",
            "mutations.columns_absent",
            f"optional MAF columns absent, left null: {', '.join(absent)}",
            file=name,
            line=header_line,
            count=len(absent),
        )
    # Attribute each dropped row to its first missing required value, so the
    # warnings add up exactly to rows read - rows kept. Decided first on each
    # column's distinct values: the usual MAF has none, and then nothing is rebuilt.
    distinct = {col: _distinct(frame, col) for col in MAF_REQUIRED}
    if any(_any_flagged(values, is_missing(pl.col(col))) for col, values in distinct.items()):
        reason: pl.Expr = pl.lit(None, dtype=pl.String)
        for col in reversed(MAF_REQUIRED):
            reason = pl.when(is_missing(pl.col(col))).then(pl.lit(col)).otherwise(reason)
        frame = frame.with_columns(reason.alias("_reason"))
        dropped = frame.filter(pl.col("_reason").is_not_null())
        for (col,), group in dropped.group_by("_reason", maintain_order=True):
            audit.add(
                "warning",
                "mutations.missing_required_value",
                f"{group.height} MAF row(s) with empty {col}; rows left out",
                file=name,
                line=int(group["line"][0]),
                column=str(col),
                count=group.height,
            )
        frame = frame.filter(pl.col("_reason").is_null()).drop("_reason")
    integers = {
        col: pl.col(col).str.strip_chars().cast(pl.Int64, strict=False)
        for col in _MAF_INTEGER_COLUMNS
        if col in frame.columns
    }
    # Cheap first: a column whose every non-null value casts as written has
    # nothing to report and needs no stripping; only the others get the full
    # missing-token test.
    unparsed = frame.select(
        (pl.col(c).is_not_null() & pl.col(c).cast(pl.Int64, strict=False).is_null()).any()
        for c in integers
    ).row(0)
    suspects = [c for c, flag in zip(integers, unparsed, strict=True) if flag]
    for col in integers:
        if col not in suspects:
            integers[col] = pl.col(col).cast(pl.Int64, strict=False)
    hotspot_value = pl.col("Hotspot").str.strip_chars()
    hotspot = (
        pl.when(hotspot_value.is_in(_TRUE_TOKENS))
        .then(True)
        .when(hotspot_value.is_in(_FALSE_TOKENS))
        .then(False)
        .otherwise(None)
    )
    # Every value check is a test of one column's value: decided on the distinct
    # values (a handful for Hotspot and Variant_Classification), and only a
    # check that finds some filters the rows for its count, examples and first line.
    checks: dict[str, pl.Expr] = {
        col: ~is_missing(pl.col(col)) & integers[col].is_null() for col in suspects
    }
    if "Hotspot" in frame.columns:
        checks["Hotspot"] = ~is_missing(pl.col("Hotspot")) & hotspot.is_null()
    checks["Variant_Classification"] = ~pl.col("Variant_Classification").is_in(
        sorted(VARIANT_CLASSES)
    )
    for col, check in checks.items():
        bad = _flagged_rows(frame, col, check)
        if bad is None:
            continue
        examples = _examples(bad[col])
        if col == "Hotspot":
            code = "mutations.bad_boolean"
            message = f"{bad.height} Hotspot value(s) not 0/1 ({examples}); set to null"
        elif col == "Variant_Classification":
            code = "mutations.unknown_variant_classification"
            message = (
                f"{bad.height} row(s) with a Variant_Classification outside the MAF "
                f"specification ({examples}); kept"
            )
        else:
            code = "mutations.bad_integer"
            message = f"{bad.height} value(s) are not integers ({examples}); set to null"
        audit.add(
            "warning",
            code,
            message,
            file=name,
            line=int(bad["line"][0]),
            column=col,
            count=bad.height,
        )
    # the ids are stripped only when a distinct value has white space to strip
    strip = [
        pl.col(c).str.strip_chars()
        for c in ("Hugo_Symbol", "Tumor_Sample_Barcode")
        if _any_flagged(distinct[c], pl.col(c).str.strip_chars() != pl.col(c))
    ]
    frame = frame.with_columns(
        *strip,
        *[number.alias(col) for col, number in integers.items()],
        *(
            [_by_distinct(frame, "Hotspot", hotspot, pl.Boolean)]
            if "Hotspot" in frame.columns
            else []
        ),
    )
    frame = _upper_case_symbols(frame, ["Hugo_Symbol"], name, "MAF row(s)", audit, "line")
    frame = _drop_duplicate_records(frame, name, audit)
    frame = _protein_change(frame, protein_columns, name, header_line, audit)
    frame = frame.rename({c: MAF_COLUMNS[c] for c in {*present, "HGVSp_Short"}})
    missing_columns = [
        pl.lit(None, dtype=MUTATION_COLUMNS[MAF_COLUMNS[c]]).alias(MAF_COLUMNS[c]) for c in absent
    ]
    frame = frame.with_columns(missing_columns)
    # one chunk per column from here (127 parse chunks at 1.2M rows slow the analysis)
    frame = frame.select([pl.col(c).cast(t) for c, t in MUTATION_COLUMNS.items()]).rechunk()
    audit.add(
        "info",
        "mutations.rows_kept",
        f"{frame.height} MAF rows kept",
        file=name,
        count=frame.height,
    )
    return frame


def _distinct(frame: pl.DataFrame, col: str) -> pl.DataFrame:
    """The distinct values of one column (null included), as a one-column frame."""
    return frame.select(pl.col(col).unique())


def _any_flagged(distinct: pl.DataFrame, check: pl.Expr) -> bool:
    """True when ``check`` (a test of one column's value) holds for a distinct value."""
    return bool(distinct.select(check.fill_null(False).any()).item())


def _flagged_rows(frame: pl.DataFrame, col: str, check: pl.Expr) -> pl.DataFrame | None:
    """The rows of ``frame`` whose ``col`` value passes ``check``, or None when none does.

    ``check`` must depend on ``col`` alone; it is evaluated on the column's distinct
    values (a few hundred where a MAF has a million rows), so the usual answer,
    none, costs one ``unique``. Same rows, in the same order, as
    ``frame.filter(check)``.
    """
    distinct = _distinct(frame, col)
    flagged = distinct.filter(check)
    if not flagged.height:
        return None
    if flagged[col].null_count():
        return frame.filter(check)
    return frame.filter(pl.col(col).is_in(flagged[col].implode()))


def _by_distinct(
    frame: pl.DataFrame, col: str, expr: pl.Expr, dtype: pl.DataType | type[pl.DataType]
) -> pl.Expr:
    """``expr`` (a function of ``col``'s value alone, null for null) as a lookup computed on
    the distinct values: the same column as ``expr.alias(col)``, for a low-cardinality
    column (MAF ``Hotspot``) at a fraction of the cost."""
    table = _distinct(frame, col).drop_nulls().with_columns(expr.alias("_value"))
    return (
        pl.col(col)
        .replace_strict(table[col], table["_value"], default=None, return_dtype=dtype)
        .alias(col)
    )


def _short_protein(column: str) -> pl.Expr:
    """A protein-change column as one-letter text without ``p.`` (``E545K``, ``L123fs``).

    HGVSp's three-letter codes become one letter (``p.Glu545Lys`` -> ``E545K``,
    ``Ter``/``*`` -> ``*``); ``p.(...)`` (predicted) loses its parentheses; the
    HGVS "no change" ``p.=`` and empty values are null. Vectorised.
    """
    text = pl.col(column).str.strip_prefix("p.").str.strip_prefix("(").str.strip_suffix(")")
    if column == "HGVSp":
        for three, one in _AMINO_ACIDS.items():
            text = text.str.replace_all(three, one, literal=True)
    return (
        pl.when(is_missing(pl.col(column)) | text.is_in(["=", "?", ""])).then(None).otherwise(text)
    )


def _protein_change(
    frame: pl.DataFrame, columns: list[str], name: str, header_line: int, audit: Audit
) -> pl.DataFrame:
    """Add ``protein_change`` (and ``hgvsp_short`` in ``p.`` form) from the first of
    :data:`PROTEIN_COLUMNS` that has a value in each record; say which were used."""
    if not columns:
        audit.add(
            "warning",
            "mutations.no_protein_column",
            "the MAF has no protein-change column (looked for "
            f"{', '.join(PROTEIN_COLUMNS)}): allele-specific alterations (hotspots, "
            "ligand-binding-domain mutations) are not assessed; gene-level ones are",
            file=name,
            line=header_line,
        )
        return frame.with_columns(
            pl.lit(None, dtype=pl.String).alias("protein_change"),
            pl.lit(None, dtype=pl.String).alias("HGVSp_Short"),
        )
    # The first column is read for every record; each later one only for the records
    # still without a value (converting three-letter HGVSp costs ~24 string passes,
    # seconds on a GENIE-sized MAF that rarely needs it).
    protein = frame.select(_short_protein(columns[0])).to_series()
    used = {columns[0]: protein.len() - protein.null_count()}
    for c in columns[1:]:
        todo = protein.is_null() & frame.get_column(c).is_not_null()
        if not bool(todo.any()):
            continue
        rows = todo.arg_true()
        found = frame[rows].select(_short_protein(c)).to_series()
        protein = protein.scatter(rows, found)
        used[c] = found.len() - found.null_count()
    frame = frame.with_columns(protein.alias("protein_change"))
    used = {c: n for c, n in used.items() if n}
    n_none = frame.height - sum(used.values())
    audit.add(
        "info",
        "mutations.protein_columns",
        "protein change read from "
        + (", ".join(f"{c} ({used[c]} record(s))" for c in columns if c in used) or "no record")
        + f" (columns present, in order of preference: {', '.join(columns)})"
        + (f"; {n_none} record(s) without one" if n_none else ""),
        file=name,
        line=header_line,
        count=frame.height,
    )
    keep_short = "HGVSp_Short" in columns
    return frame.with_columns(
        (
            pl.coalesce(pl.col("HGVSp_Short"), pl.lit("p.") + pl.col("protein_change"))
            if keep_short
            else (pl.lit("p.") + pl.col("protein_change"))
        ).alias("HGVSp_Short")
    ).drop([c for c in columns if c != "HGVSp_Short"])


#: The columns that make two MAF rows the same record, as cBioPortal's validator
#: compares them (sample, gene, position, alleles); present ones are used.
MAF_RECORD_KEY: tuple[str, ...] = (
    "Tumor_Sample_Barcode",
    "Hugo_Symbol",
    "Chromosome",
    "Start_Position",
    "End_Position",
    "Reference_Allele",
    "Tumor_Seq_Allele2",
)


def _drop_duplicate_records(frame: pl.DataFrame, name: str, audit: Audit) -> pl.DataFrame:
    """Keep the first of MAF rows that repeat a record (:data:`MAF_RECORD_KEY`); count the rest.

    Without ``Start_Position`` two rows cannot be told apart by position, so
    nothing is dropped.
    """
    if "Start_Position" not in frame.columns or not frame.height:
        return frame
    key = [c for c in MAF_RECORD_KEY if c in frame.columns]
    # One 64-bit hash of the key per row first (8 bytes a row): is_first_distinct
    # on the key columns row-encodes every key (+230 MB at 1.2 M rows, which was
    # the load's memory peak, and 0.28 s). Only rows whose hash repeats (usually
    # none) are compared on the key itself, so a collision cannot drop a record.
    hashes = frame.select(pl.struct(key).hash(seed=0)).to_series()
    if hashes.n_unique() == hashes.len():
        return frame
    candidates = frame.filter(hashes.is_duplicated())
    repeated_lines = candidates.filter(~pl.struct(key).is_first_distinct())["line"]
    n = repeated_lines.len()
    if not n:
        return frame
    repeated = pl.col("line").is_in(repeated_lines.implode())
    dups = frame.filter(repeated)
    examples = ", ".join(
        f"{r['Tumor_Sample_Barcode']} {r['Hugo_Symbol']} {r['Start_Position']}"
        for r in dups.head(3).iter_rows(named=True)
    )
    audit.add(
        "warning",
        "mutations.duplicate_record",
        f"{n} MAF row(s) repeat a record already read (same sample, gene, position and "
        f"alleles, e.g. {examples}); counted once, repeats left out",
        file=name,
        line=int(dups["line"][0]),
        count=n,
    )
    return frame.filter(~repeated)


# --------------------------------------------------------------------------- CNA


@dataclass
class CnaRead:
    """The long CNA table plus what the matrix declared (for panels and checks)."""

    table: pl.DataFrame
    genes: list[str]
    samples: list[str]
    counts: dict[str, int] = field(default_factory=dict)


_ASCII_0, _ASCII_1, _ASCII_2, _ASCII_MINUS = 48, 49, 50, 45
#: Fast-path codes for the usual spellings of non-zero calls.
_FAST_VALUES = np.array([np.nan, 1.0, 2.0, -1.0, -2.0, -1.5], dtype=np.float32)
#: The same, with code 6 for ``NA`` (:func:`_cna_line_sparse`).
_FAST_VALUES_NA = np.append(_FAST_VALUES, np.float32(np.nan))


def _cna_value(raw: bytes) -> tuple[str, float]:
    """Classify one CNA cell outside the fast path: ``(kind, value)``."""
    text = raw.decode("utf-8").strip()
    if text in MISSING_TOKENS:
        return "na", float("nan")
    try:
        number = float(text)
    except ValueError:
        return "bad", float("nan")
    if number == 0.0:
        return "zero", 0.0
    if number in _CNA_NONZERO:
        return "nonzero", number
    return "bad", float("nan")


@dataclass
class _CnaLine:
    """Non-zero cells of one gene row: sample positions and values."""

    pos: np.ndarray  # int32 sample positions
    values: np.ndarray  # float32
    counts: dict[str, int]
    bad: list[tuple[int, str]]  # (sample position, value) of bad cells, at most 3


def _cna_line(raw: bytes, n_id: int, n_samples: int) -> _CnaLine | int:
    """Split one matrix row and keep its non-zero cells: :func:`_cna_line_sparse` when the
    row has the usual shape, else :func:`_cna_line_general`. Returns the number of
    fields instead when it is not ``n_id + n_samples``.
    """
    start = 0
    for _ in range(n_id):
        tab = raw.find(b"\t", start)
        if tab < 0:
            return raw.count(b"\t") + 1
        start = tab + 1
    if n_id and start < len(raw):
        row = _cna_line_sparse(raw, start, n_id, n_samples)
        if row is not None:
            return row
    return _cna_line_general(raw, n_id, n_samples)


_ASCII_TAB, _ASCII_DOT, _ASCII_5, _ASCII_N, _ASCII_A = 9, 46, 53, 78, 65


def _cna_line_sparse(raw: bytes, start: int, n_id: int, n_samples: int) -> _CnaLine | int | None:
    """The non-zero cells of a row whose zero cells are all spelt ``0``, found from the
    few bytes that are neither ``0`` nor a tab.

    A discrete CNA row at GENIE scale is ~250,000 cells of which ~1% are not
    ``0``. Instead of locating every cell (250,000 tab positions, a dozen
    passes over arrays of that length: :func:`_cna_line_general`), this
    finds the bytes other than ``0`` and tab (the non-zero cells' bytes,
    ``NA``, anything unusual), groups them into cells and gets each cell's
    sample position by arithmetic: when every other cell is the one byte
    ``0``, cell ``j`` (of the ``k`` non-zero-looking cells, in order) starting
    at byte ``s`` is column ``(s + j - len_before)/2``. That premise is checked,
    not assumed: the tab count (the row's field count), no empty cell (two
    tabs in a row, or a tab at either end), every inferred cell bounded by
    tabs, and the row's length equal to ``2 n - 1 + sum(len - 1)``. Returns
    None when any check fails (the general reader then reads the row), the
    field count when it is wrong, else what :func:`_cna_line_general` returns
    for the row.
    """
    body = np.frombuffer(raw, dtype=np.uint8, offset=start)
    size = body.size
    tab = body == _ASCII_TAB
    n_tabs = int(np.count_nonzero(tab))
    if n_tabs != n_samples - 1:
        return n_id + n_tabs + 1
    if tab[0] or tab[-1] or bool(np.count_nonzero(tab[1:] & tab[:-1])):
        return None  # an empty cell (NA): the general reader counts it
    zero = body == _ASCII_0
    idx = np.flatnonzero(~(tab | zero))  # bytes of cells that are not plain 0
    if not idx.size:
        if size != 2 * n_samples - 1:
            return None
        empty = np.empty(0, dtype=np.int32)
        counts = {"nonzero": 0, "zero": n_samples, "na": 0, "bad": 0}
        return _CnaLine(empty, np.empty(0, dtype=np.float32), counts, [])
    # Consecutive such bytes share a cell when nothing or one non-tab byte (a 0)
    # lies between them; two or more bytes between means another cell (no
    # empty cell, and a "00" between them fails the bound check below).
    gap = np.diff(idx) - 1
    new_cell = (gap >= 2) | ((gap == 1) & tab[idx[:-1] + 1])
    first = np.flatnonzero(np.concatenate(([True], new_cell)))
    last = np.append(first[1:] - 1, idx.size - 1)
    first_byte, last_byte = idx[first], idx[last]
    # a cell may begin or end with a 0 beside its other bytes ("10", "-0", "0.5")
    lead = (first_byte > 0) & zero[np.maximum(first_byte - 1, 0)]
    trail = (last_byte + 1 < size) & zero[np.minimum(last_byte + 1, size - 1)]
    cell_start = first_byte - lead
    cell_end = last_byte + 1 + trail  # exclusive
    bounded = ((cell_start == 0) | tab[np.maximum(cell_start - 1, 0)]) & (
        (cell_end == size) | tab[np.minimum(cell_end, size - 1)]
    )
    length = cell_end - cell_start
    n_cells = first.size
    if not bool(bounded.all()) or size != 2 * n_samples - 1 + int(length.sum()) - n_cells:
        return None
    before = np.cumsum(length) - length  # bytes of these cells before each one
    column = (cell_start + np.arange(n_cells) - before) // 2
    a0 = body[cell_start]
    a1 = body[np.minimum(cell_start + 1, size - 1)]
    one, two = length == 1, length == 2
    code = np.zeros(n_cells, dtype=np.int8)
    code[one & (a0 == _ASCII_1)] = 1
    code[one & (a0 == _ASCII_2)] = 2
    minus = two & (a0 == _ASCII_MINUS)
    code[minus & (a1 == _ASCII_1)] = 3
    code[minus & (a1 == _ASCII_2)] = 4
    code[
        (length == 4)
        & (a0 == _ASCII_MINUS)
        & (a1 == _ASCII_1)
        & (body[np.minimum(cell_start + 2, size - 1)] == _ASCII_DOT)
        & (body[np.minimum(cell_start + 3, size - 1)] == _ASCII_5)
    ] = 5
    code[two & (a0 == _ASCII_N) & (a1 == _ASCII_A)] = 6
    values = _FAST_VALUES_NA[code]
    keep = (code > 0) & (code < 6)
    counts = {
        "nonzero": 0,
        "zero": n_samples - n_cells,
        "na": int(np.count_nonzero(code == 6)),
        "bad": 0,
    }
    bad: list[tuple[int, str]] = []
    for i in np.flatnonzero(code == 0).tolist():
        text = raw[start + int(cell_start[i]) : start + int(cell_end[i])]
        kind, value = _cna_value(text)
        counts[kind] += 1
        if kind == "nonzero":
            values[i] = value
            keep[i] = True
        elif kind == "bad" and len(bad) < 3:
            bad.append((int(column[i]), text.decode("utf-8")))
    counts["nonzero"] = int(keep.sum())
    return _CnaLine(column[keep].astype(np.int32), values[keep], counts, bad)


def _cna_line_general(raw: bytes, n_id: int, n_samples: int) -> _CnaLine | int:
    """Split one matrix row and keep its non-zero cells, vectorised over the bytes.

    Returns the number of fields instead when it is not ``n_id + n_samples``.
    A cell spelt exactly ``0``, ``1``, ``2``, ``-1``, ``-2`` or ``-1.5`` is
    decided by comparing bytes; anything else (``NA``, `` 2``, ``2.0``, ``7``)
    goes through :func:`_cna_value`.
    """
    arr = np.frombuffer(raw, dtype=np.uint8)
    tabs = np.flatnonzero(arr == 9)
    if tabs.size + 1 != n_id + n_samples:
        return int(tabs.size + 1)
    starts = tabs[n_id - 1 :] + 1 if n_id else np.concatenate(([0], tabs + 1))
    ends = np.append(tabs[n_id:], arr.size)
    length = ends - starts
    padded = np.append(arr, np.zeros(4, dtype=np.uint8))  # so s+3 is always in range
    c0 = padded[starts]
    zero = (length == 1) & (c0 == _ASCII_0)
    cand = np.flatnonzero(~zero)
    counts = {"nonzero": 0, "zero": int(n_samples - cand.size), "na": 0, "bad": 0}
    if not cand.size:
        empty = np.empty(0, dtype=np.int32)
        return _CnaLine(empty, np.empty(0, dtype=np.float32), counts, [])
    s = starts[cand]
    n = length[cand]
    a0, a1 = padded[s], padded[s + 1]
    code = np.zeros(cand.size, dtype=np.int8)
    code[(n == 1) & (a0 == _ASCII_1)] = 1
    code[(n == 1) & (a0 == _ASCII_2)] = 2
    minus = (n == 2) & (a0 == _ASCII_MINUS)
    code[minus & (a1 == _ASCII_1)] = 3
    code[minus & (a1 == _ASCII_2)] = 4
    code[
        (n == 4)
        & (a0 == _ASCII_MINUS)
        & (a1 == _ASCII_1)
        & (padded[s + 2] == 46)
        & (padded[s + 3] == 53)
    ] = 5
    values = _FAST_VALUES[code]
    keep = code > 0
    bad: list[tuple[int, str]] = []
    for i in np.flatnonzero(code == 0).tolist():
        kind, value = _cna_value(raw[int(s[i]) : int(s[i] + n[i])])
        counts[kind] += 1
        if kind == "nonzero":
            values[i] = value
            keep[i] = True
        elif kind == "bad" and len(bad) < 3:
            bad.append((int(cand[i]), raw[int(s[i]) : int(s[i] + n[i])].decode("utf-8")))
    counts["nonzero"] = int(keep.sum())
    return _CnaLine(cand[keep].astype(np.int32), values[keep], counts, bad)


def _leading_fields(raw: bytes, n: int) -> list[bytes]:
    """``raw.split(b"\\t", n)[:n]`` without copying the rest of the line (~2 MB a CNA row
    at 250,000 samples)."""
    fields: list[bytes] = []
    pos = 0
    for _ in range(n):
        tab = raw.find(b"\t", pos)
        if tab < 0:
            fields.append(raw[pos:])
            break
        fields.append(raw[pos:tab])
        pos = tab + 1
    return fields


def read_cna(path: Path, name: str, *, audit: Audit) -> CnaRead:
    """Read a discrete CNA matrix (``data_cna.txt``, cBioPortal "Discrete Copy Number Data").

    Wide (genes x samples) to long, one gene row at a time: each row's bytes
    are split with numpy and only its non-zero cells are kept, so memory
    holds one row of text plus the non-zero cells, never a dense matrix.
    Values -2, -1.5, -1, 1, 2 are kept (Float32); 0 and NA cells are counted
    and dropped; any other value (e.g. ``7``) is counted as bad (one warning
    for the file, with examples) and dropped. Audit info entries
    ``cna.cells_read`` = ``cells_nonzero`` + ``cells_zero`` + ``cells_na`` +
    ``cells_bad`` + ``cells_skipped`` (rows without a gene, repeated genes).
    """
    lines = iter_raw_lines(path, name)
    header: list[str] | None = None
    header_line = 0
    for line_no, raw in lines:
        if raw.startswith(b"#"):
            continue
        text = raw.decode("utf-8")
        header = text.split("\t")
        if _untidy_ids(text, header):  # 250,000 names: strip only when one needs it
            header = [h.strip() for h in header]
        header_line = line_no
        break
    if header is None or not any(header):
        raise InputFormatError(
            "empty file: expected a header 'Hugo_Symbol<TAB>sample...'", file=name, line=1
        )
    check_column_count(len(header), name, header_line, MAX_MATRIX_COLUMNS)
    n_id = 0
    while n_id < len(header) and header[n_id] in _CNA_ID_COLUMNS:
        n_id += 1
    if "Hugo_Symbol" not in header[:n_id]:
        raise InputFormatError(
            "the CNA matrix must start with a Hugo_Symbol column (Entrez-only matrices "
            "are not supported)",
            file=name,
            line=header_line,
            column="Hugo_Symbol",
        )
    hugo_index = header.index("Hugo_Symbol")
    samples = header[n_id:]
    distinct = set(samples)
    if len(distinct) != len(samples) or "" in distinct:  # find the first one to name
        seen_samples: set[str] = set()
        for sample in samples:
            if not sample or sample in seen_samples:
                raise InputFormatError(
                    "sample column empty or repeated in the CNA header",
                    file=name,
                    line=header_line,
                    column=sample,
                )
            seen_samples.add(sample)
    n_fields = len(header)
    pos_parts: list[np.ndarray] = []
    gene_parts: list[np.ndarray] = []
    value_parts: list[np.ndarray] = []
    bad_examples: list[tuple[int, int, str]] = []  # (line, sample position, value)
    counts = {"nonzero": 0, "zero": 0, "na": 0, "bad": 0, "skipped": 0}
    genes: list[str] = []
    seen_genes: set[str] = set()
    skipped_rows: list[tuple[int, str]] = []
    blank_line: int | None = None
    lowered: list[tuple[int, str]] = []

    for line_no, raw in lines:
        if not raw or raw.isspace():  # not raw.strip(): that copies a 2 MB row
            blank_line = blank_line or line_no
            continue
        if blank_line is not None:
            raise InputFormatError("blank line inside the CNA matrix", file=name, line=blank_line)
        ids = _leading_fields(raw, n_id)
        gene = ids[hugo_index].decode("utf-8").strip() if len(ids) > hugo_index else ""
        if gene.islower():
            lowered.append((line_no, gene))
            gene = canonical_symbol(gene)
        if not gene or gene in seen_genes:
            # Two rows for one gene would give two calls per (sample, gene); keep the first.
            n_here = raw.count(b"\t") + 1
            if n_here != n_fields:
                raise InputFormatError(
                    f"line has {n_here} tab-separated fields, header has {n_fields}",
                    file=name,
                    line=line_no,
                )
            skipped_rows.append((line_no, gene))
            counts["skipped"] += len(samples)
            continue
        row = _cna_line(raw, n_id, len(samples))
        if isinstance(row, int):
            raise InputFormatError(
                f"line has {row} tab-separated fields, header has {n_fields}",
                file=name,
                line=line_no,
            )
        seen_genes.add(gene)
        pos_parts.append(row.pos)
        gene_parts.append(np.full(row.pos.size, len(genes), dtype=np.int32))
        value_parts.append(row.values)
        genes.append(gene)
        for key, value in row.counts.items():
            counts[key] += value
        bad_examples.extend((line_no, p, v) for p, v in row.bad[: 3 - len(bad_examples)])

    n_cells = len(samples) * (len(genes) + len(skipped_rows))
    _audit_cna_cells(audit, name, n_cells, counts)
    if counts["bad"]:
        where = ", ".join(f"line {line} sample {samples[p]}: {v!r}" for line, p, v in bad_examples)
        audit.add(
            "warning",
            "cna.bad_value",
            f"{counts['bad']} CNA cell(s) not one of -2, -1.5, -1, 0, 1, 2, NA; left out "
            f"(e.g. {where})",
            file=name,
            line=bad_examples[0][0],
            count=counts["bad"],
        )
    else:
        audit.add("info", "cna.cells_bad", "0 bad CNA cells", file=name, count=0)
    if lowered:
        audit.add(
            "warning",
            "symbols.lower_case",
            f"{len(lowered)} CNA row(s) with a lower-case gene symbol "
            f"({', '.join(repr(g) for _, g in lowered[:3])}); upper-cased as HGNC writes it",
            file=name,
            line=lowered[0][0],
            column="Hugo_Symbol",
            count=len(lowered),
        )
    if skipped_rows:
        audit.add(
            "warning",
            "cna.row_skipped",
            f"{len(skipped_rows)} row(s) without a Hugo_Symbol or repeating one "
            f"({', '.join(repr(g) for _, g in skipped_rows[:3])}); their "
            f"{counts['skipped']} cells left out",
            file=name,
            line=skipped_rows[0][0],
            column="Hugo_Symbol",
            count=counts["skipped"],
        )
    pos = np.concatenate(pos_parts) if pos_parts else np.empty(0, dtype=np.int32)
    gene_idx = np.concatenate(gene_parts) if gene_parts else np.empty(0, dtype=np.int32)
    table = pl.DataFrame(
        {
            "sample_id": pl.Series(samples, dtype=pl.String).gather(pos),
            "hugo_symbol": pl.Series(genes, dtype=pl.String).gather(gene_idx),
            "cna": np.concatenate(value_parts) if value_parts else np.empty(0, np.float32),
        },
        schema=CNA_COLUMNS,
    )
    return CnaRead(table, genes, samples, counts)


# --------------------------------------------------------------------------- SV / fusions


def _sv_frame(frame: pl.DataFrame, source: str) -> pl.DataFrame:
    return (
        frame.with_columns(pl.lit(source).alias("source"))
        .select([pl.col(c).cast(t) for c, t in SV_COLUMNS.items()])
        .rechunk()
    )


def read_fusions(path: Path, name: str, *, audit: Audit) -> tuple[pl.DataFrame, int]:
    """Read the old fusion file (``data_fusions.txt``, cBioPortal "Fusion Data", deprecated).

    One row per (sample, gene) already; the partner is taken from the
    ``Fusion`` name (``BRIP1-BCAS3 fusion`` -> partner of BRIP1 is BCAS3;
    ``ARID2-intragenic`` -> no partner). Returns ``(sv table, rows read)``.
    """
    text = read_tabular(path, name)
    required = ("Hugo_Symbol", "Tumor_Sample_Barcode", "Fusion")
    _require(text, required, "a fusion file")
    frame = read_body(text, columns=list(required), line_column="line").with_columns(
        pl.col("Hugo_Symbol").str.strip_chars(),
        pl.col("Tumor_Sample_Barcode").str.strip_chars(),
    )
    n_read = frame.height
    audit.add("info", "sv.rows_read", f"{n_read} fusion rows read", file=name, count=n_read)
    frame = _upper_case_symbols(frame, ["Hugo_Symbol"], name, "fusion row(s)", audit, "line")
    missing = frame.filter(
        is_missing(pl.col("Hugo_Symbol")) | is_missing(pl.col("Tumor_Sample_Barcode"))
    )
    if missing.height:
        audit.add(
            "warning",
            "sv.missing_required_value",
            f"{missing.height} fusion row(s) without Hugo_Symbol or Tumor_Sample_Barcode; left out",
            file=name,
            line=int(missing["line"][0]),
            count=missing.height,
        )
        frame = frame.join(missing.select("line"), on="line", how="anti")
    gene = pl.col("Hugo_Symbol")
    name_core = pl.col("Fusion").str.strip_chars().str.replace(r"(?i)\s+fusion$", "")
    raw_partner = (
        pl.when(name_core.str.starts_with(pl.concat_str(gene, pl.lit("-"))))
        .then(name_core.str.slice(gene.str.len_chars() + 1))
        .when(name_core.str.ends_with(pl.concat_str(pl.lit("-"), gene)))
        .then(name_core.str.slice(0, name_core.str.len_chars() - gene.str.len_chars() - 1))
        .otherwise(None)
    )
    partner_expr = (
        pl.when(raw_partner.str.to_lowercase().is_in(["intragenic", ""]) | (raw_partner == gene))
        .then(None)
        .otherwise(raw_partner)
    )
    table = frame.select(
        pl.col("Tumor_Sample_Barcode").alias("sample_id"),
        gene.alias("hugo_symbol"),
        partner_expr.alias("partner"),
        pl.col("Fusion").alias("event"),
    )
    table = _sv_frame(table, "fusions")
    audit.add(
        "info", "sv.rows_kept", f"{table.height} fusion rows kept", file=name, count=table.height
    )
    return table, n_read


def read_sv(path: Path, name: str, *, audit: Audit) -> tuple[pl.DataFrame, int]:
    """Read a structural variant file (``data_sv.txt``, cBioPortal "Structural Variant Data").

    Required: ``Sample_Id`` and ``Site1_Hugo_Symbol`` and/or ``Site2_Hugo_Symbol``.
    Each event gives one row per gene involved (an intragenic event, same gene
    at both sites, gives one row), with the other site's gene as ``partner``
    and ``Event_Info`` as ``event``. Returns ``(sv table, rows read)``.
    """
    text = read_tabular(path, name)
    _require(text, ("Sample_Id",), "an SV file")
    if "Site1_Hugo_Symbol" not in text.header and "Site2_Hugo_Symbol" not in text.header:
        raise InputFormatError(
            "required column missing (an SV file needs Site1_Hugo_Symbol and/or Site2_Hugo_Symbol)",
            file=name,
            line=text.header_line,
            column="Site1_Hugo_Symbol",
        )
    wanted = ["Sample_Id", "Site1_Hugo_Symbol", "Site2_Hugo_Symbol", "Event_Info"]
    frame = read_body(text, columns=[c for c in wanted if c in text.header], line_column="line")
    frame = frame.with_columns(
        [pl.lit(None, dtype=pl.String).alias(c) for c in wanted if c not in frame.columns]
    ).with_columns(
        *[
            pl.when(is_missing(pl.col(c)))
            .then(None)
            .otherwise(pl.col(c).str.strip_chars())
            .alias(c)
            for c in wanted[:3]
        ],
    )
    n_read = frame.height
    audit.add("info", "sv.rows_read", f"{n_read} SV rows read", file=name, count=n_read)
    frame = _upper_case_symbols(
        frame, ["Site1_Hugo_Symbol", "Site2_Hugo_Symbol"], name, "SV row(s)", audit, "line"
    )
    missing = frame.filter(
        pl.col("Sample_Id").is_null()
        | (pl.col("Site1_Hugo_Symbol").is_null() & pl.col("Site2_Hugo_Symbol").is_null())
    )
    if missing.height:
        audit.add(
            "warning",
            "sv.missing_required_value",
            f"{missing.height} SV row(s) without Sample_Id or any site gene; left out",
            file=name,
            line=int(missing["line"][0]),
            count=missing.height,
        )
        frame = frame.join(missing.select("line"), on="line", how="anti")
    site1 = frame.filter(pl.col("Site1_Hugo_Symbol").is_not_null()).select(
        "line",
        pl.col("Sample_Id").alias("sample_id"),
        pl.col("Site1_Hugo_Symbol").alias("hugo_symbol"),
        pl.col("Site2_Hugo_Symbol").alias("partner"),
        pl.col("Event_Info").alias("event"),
    )
    site2 = frame.filter(
        pl.col("Site2_Hugo_Symbol").is_not_null()
        & (
            pl.col("Site1_Hugo_Symbol").is_null()
            | (pl.col("Site2_Hugo_Symbol") != pl.col("Site1_Hugo_Symbol"))
        )
    ).select(
        "line",
        pl.col("Sample_Id").alias("sample_id"),
        pl.col("Site2_Hugo_Symbol").alias("hugo_symbol"),
        pl.col("Site1_Hugo_Symbol").alias("partner"),
        pl.col("Event_Info").alias("event"),
    )
    table = pl.concat([site1, site2]).sort("line", maintain_order=True)
    table = table.with_columns(
        pl.when(pl.col("partner") == pl.col("hugo_symbol"))
        .then(None)
        .otherwise(pl.col("partner"))
        .alias("partner")
    )
    table = _sv_frame(table, "sv")
    audit.add(
        "info",
        "sv.rows_kept",
        f"{frame.height} SV rows kept, {table.height} (sample, gene) rows",
        file=name,
        count=frame.height,
    )
    return table, n_read


# --------------------------------------------------------------------------- panels, case lists


def read_panel_matrix(path: Path, name: str, *, audit: Audit) -> pl.DataFrame:
    """Read ``data_gene_panel_matrix.txt`` (cBioPortal "Gene panel matrix file").

    First column ``SAMPLE_ID``, then one column per genetic profile stable id
    holding a panel id; ``NA`` = not profiled (null). Returns
    ``Study.panel_matrix`` (``sample_id`` + profile columns). A repeated
    sample is an error entry (first row kept).
    """
    text = read_tabular(path, name)
    if text.header[0].upper() != "SAMPLE_ID":
        raise InputFormatError(
            "first column of the gene panel matrix must be SAMPLE_ID",
            file=name,
            line=text.header_line,
            column=text.header[0],
        )
    frame = read_body(text, line_column="_line").rename({text.header[0]: "sample_id"})
    frame = frame.with_columns(
        *[
            pl.when(is_missing(pl.col(c)))
            .then(None)
            .otherwise(pl.col(c).str.strip_chars())
            .alias(c)
            for c in frame.columns
            if c != "_line"
        ],
    )
    duplicated = frame.filter(
        pl.col("sample_id").is_not_null() & ~pl.col("sample_id").is_first_distinct()
    )
    if duplicated.height:
        audit.add(
            "error",
            "panel.duplicate_sample_id",
            f"{duplicated.height} sample(s) listed twice "
            f"({_examples(duplicated['sample_id'], 5)}); first row kept",
            file=name,
            line=int(duplicated["_line"][0]),
            column="SAMPLE_ID",
            count=duplicated.height,
        )
    frame = frame.filter(
        pl.col("sample_id").is_not_null() & pl.col("sample_id").is_first_distinct()
    )
    return frame.drop("_line").rechunk()


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


def read_cna_long(path: Path, name: str, *, audit: Audit) -> CnaRead:
    """Read a long-format discrete CNA file (cBioPortal ``datatype: DISCRETE_LONG``).

    One row per (gene, sample): ``Hugo_Symbol`` (and/or ``Entrez_Gene_Id``),
    ``Sample_Id``, ``Value`` plus optional driver/namespace columns (ignored).
    Same output and audit codes as :func:`read_cna`: non-zero cells kept,
    0/NA counted and dropped, other values counted as bad. ``genes`` are all
    genes named, ``samples`` all samples named (the profiled set).
    """
    text = read_tabular(path, name)
    _require(text, ("Hugo_Symbol", "Sample_Id", "Value"), "a long-format CNA file")
    frame = read_body(text, columns=["Hugo_Symbol", "Sample_Id", "Value"], line_column="line")
    frame = frame.with_columns(
        pl.col("Hugo_Symbol").str.strip_chars(),
        pl.col("Sample_Id").str.strip_chars(),
    )
    frame = _upper_case_symbols(frame, ["Hugo_Symbol"], name, "CNA row(s)", audit, "line")
    skipped = frame.filter(
        is_missing(pl.col("Hugo_Symbol")) | is_missing(pl.col("Sample_Id"))
    ).height
    frame = frame.filter(~is_missing(pl.col("Hugo_Symbol")) & ~is_missing(pl.col("Sample_Id")))
    before = frame.height
    frame = frame.unique(["Hugo_Symbol", "Sample_Id"], keep="first", maintain_order=True)
    skipped += before - frame.height
    raw = pl.col("Value").str.strip_chars()
    number = raw.cast(pl.Float64, strict=False)
    kind = (
        pl.when(is_missing(pl.col("Value")))
        .then(pl.lit("na"))
        .when(number == 0)
        .then(pl.lit("zero"))
        .when(number.is_in([-2.0, -1.5, -1.0, 1.0, 2.0]))
        .then(pl.lit("nonzero"))
        .otherwise(pl.lit("bad"))
    )
    frame = frame.with_columns(kind.alias("_kind"), number.alias("_value"))
    counts = {k: 0 for k in ("nonzero", "zero", "na", "bad")}
    counts.update(dict(frame.group_by("_kind").len().iter_rows()))
    counts["skipped"] = skipped
    n_cells = frame.height + skipped
    _audit_cna_cells(audit, name, n_cells, counts)
    bad = frame.filter(pl.col("_kind") == "bad")
    if bad.height:
        examples = ", ".join(
            f"line {ln} sample {s}: {v!r}"
            for ln, s, v in bad.select("line", "Sample_Id", "Value").head(3).iter_rows()
        )
        audit.add(
            "warning",
            "cna.bad_value",
            f"{bad.height} CNA cell(s) not one of -2, -1.5, -1, 0, 1, 2, NA; left out "
            f"(e.g. {examples})",
            file=name,
            line=int(bad["line"][0]),
            count=bad.height,
        )
    else:
        audit.add("info", "cna.cells_bad", "0 bad CNA cells", file=name, count=0)
    if skipped:
        audit.add(
            "warning",
            "cna.row_skipped",
            f"{skipped} long-format CNA row(s) without gene or sample, or repeating a "
            "(gene, sample) pair; left out",
            file=name,
            count=skipped,
        )
    table = (
        frame.filter(pl.col("_kind") == "nonzero")
        .select(
            pl.col("Sample_Id").alias("sample_id"),
            pl.col("Hugo_Symbol").alias("hugo_symbol"),
            pl.col("_value").cast(pl.Float32).alias("cna"),
        )
        .rechunk()
    )
    genes = frame["Hugo_Symbol"].unique(maintain_order=True).to_list()
    samples = frame["Sample_Id"].unique(maintain_order=True).to_list()
    return CnaRead(table, genes, samples, counts)


_CNA_CELL_MESSAGES = {
    "nonzero": "non-zero CNA cells kept",
    "zero": "zero CNA cells dropped (not altered, or not covered: see the panel mask)",
    "na": "NA CNA cells dropped (not available)",
}


def _audit_cna_cells(audit: Audit, name: str, n_cells: int, counts: dict[str, int]) -> None:
    """The CNA cell accounting, the same for the matrix and the long format."""
    audit.add("info", "cna.cells_read", f"{n_cells} CNA cells read", file=name, count=n_cells)
    for key, message in _CNA_CELL_MESSAGES.items():
        audit.add(
            "info", f"cna.cells_{key}", f"{counts[key]} {message}", file=name, count=counts[key]
        )

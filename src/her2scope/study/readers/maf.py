"""The MAF (``data_mutations*.txt``, cBioPortal "Mutation data" format).

Read by :func:`~her2scope.study.readers.spec.read_rows` with :data:`MAF`;
the specific steps, after it: value checks decided on each column's distinct
values (integers, ``Hotspot``, ``Variant_Classification``), repeated records
(:func:`_drop_duplicate_records`) and the protein change from the first of
:data:`PROTEIN_COLUMNS` with a value (:func:`_protein_change`).
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from her2scope.audit import Audit
from her2scope.study.model import MUTATION_COLUMNS
from her2scope.study.readers.spec import (
    Drop,
    FileSpec,
    _any_flagged,
    _by_distinct,
    _examples,
    _first_rows_entry,
    _flagged_rows,
    is_missing,
    read_rows,
)

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

MAF = FileSpec(
    what="a MAF",
    required=MAF_REQUIRED,
    columns=(*MAF_COLUMNS, *(c for c in PROTEIN_COLUMNS if c not in MAF_COLUMNS)),
    counted=("mutations", "MAF data rows", "MAF rows"),
    absent_message="optional MAF columns absent, left null: {columns}",
    report_absent=tuple(c for c in MAF_COLUMNS if c not in PROTEIN_COLUMNS),
    symbols=("Hugo_Symbol",),
    symbol_rows="MAF row(s)",
    late_symbols=True,
    # each dropped row attributed to its first missing required value, so the
    # warnings add up exactly to rows read - rows kept
    drop=Drop(
        needs=MAF_REQUIRED,
        code="mutations.missing_required_value",
        message="{n} MAF row(s) with empty {column}; rows left out",
        per_column=True,
    ),
)


def _value_checks(frame: pl.DataFrame, name: str, audit: Audit) -> tuple[list[pl.Expr], pl.Expr]:
    """Check the integer, ``Hotspot`` and ``Variant_Classification`` values (one warning
    per column); return the integer casts and the ``Hotspot`` boolean expression.

    Every check is a test of one column's value: decided on the distinct values
    (a handful for Hotspot and Variant_Classification), and only a check that
    finds some filters the rows for its count, examples and first line.
    """
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
        _first_rows_entry(audit, "warning", code, message, bad, "line", name=name, column=col)
    return [number.alias(col) for col, number in integers.items()], hotspot


def read_maf(path: Path, name: str, *, audit: Audit) -> pl.DataFrame:
    """Read a MAF (``data_mutations*.txt``, cBioPortal "Mutation data" format).

    Required columns: Hugo_Symbol, Tumor_Sample_Barcode, Variant_Classification
    (missing one -> :class:`InputFormatError` at the header line). A row with
    an empty required value is left out and counted (warning per column);
    unparseable integers become null (warning per column). Returns
    ``Study.mutations`` columns; audit info ``mutations.rows_read`` /
    ``mutations.rows_kept`` make read = kept + flagged checkable.
    """
    rows = read_rows(path, name, MAF, audit)
    # hold the parsed frame only through `frame`: each step below lets go of the
    # columns it replaces (the String integer columns are ~50 MB at 1.2M rows)
    frame, header_line, distinct = rows.frame, rows.header_line, rows.distinct
    del rows
    present = [c for c in MAF_COLUMNS if c in frame.columns]
    absent = [c for c in MAF_COLUMNS if c not in frame.columns and c not in PROTEIN_COLUMNS]
    protein_columns = [c for c in PROTEIN_COLUMNS if c in frame.columns]
    integers, hotspot = _value_checks(frame, name, audit)
    # the ids are stripped only when a distinct value has white space to strip
    strip = [
        pl.col(c).str.strip_chars()
        for c in ("Hugo_Symbol", "Tumor_Sample_Barcode")
        if _any_flagged(distinct[c], pl.col(c).str.strip_chars() != pl.col(c))
    ]
    frame = frame.with_columns(
        *strip,
        *integers,
        *(
            [_by_distinct(frame, "Hotspot", hotspot, pl.Boolean)]
            if "Hotspot" in frame.columns
            else []
        ),
    )
    frame = MAF.fix_symbols(frame, name, audit)
    frame = _drop_duplicate_records(frame, name, audit)
    frame = _protein_change(frame, protein_columns, name, header_line, audit)
    frame = frame.rename({c: MAF_COLUMNS[c] for c in {*present, "HGVSp_Short"}})
    missing_columns = [
        pl.lit(None, dtype=MUTATION_COLUMNS[MAF_COLUMNS[c]]).alias(MAF_COLUMNS[c]) for c in absent
    ]
    frame = frame.with_columns(missing_columns)
    # one chunk per column from here (127 parse chunks at 1.2M rows slow the analysis)
    frame = frame.select([pl.col(c).cast(t) for c, t in MUTATION_COLUMNS.items()]).rechunk()
    MAF.audit_kept(audit, name, frame.height)
    return frame


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

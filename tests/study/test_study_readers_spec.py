"""The one reader routine (``study.readers.spec.read_rows``) driven by a FileSpec.

Each step of the routine on a small file written here: the header checks (file,
line, column of the error), stripping and nulling, the rows_read entry, lower-case
symbols, the Drop rules (one entry, one per column, counted only) and Unique.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from her2scope.audit import Audit
from her2scope.errors import InputFormatError
from her2scope.study.readers import Drop, FileSpec, Unique, read_rows

SPEC = FileSpec(
    what="a test file",
    required=("Gene", "Sample"),
    columns=("Gene", "Sample", "Note"),
    strip=("Gene", "Sample"),
    counted=("test", "test rows", "test rows"),
    symbols=("Gene",),
    symbol_rows="test row(s)",
    drop=Drop(
        needs=("Gene", "Sample"),
        code="test.missing",
        message="{n} test row(s) without Gene or Sample; left out",
    ),
)


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "data.txt"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_steps_in_order(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "#comment\nGene\tSample\tNote\tOther\n"
        "tp53\t S1 \tx\ty\n"  # line 3: lower-case symbol, padded id
        "ESR1\tNA\tx\ty\n"  # line 4: no sample
        "ERBB2\tS2\t\ty\n",
    )
    audit = Audit()
    rows = read_rows(path, "data.txt", SPEC, audit)
    assert rows.header_line == 2 and rows.n_read == 3 and rows.dropped == 1
    assert rows.frame.columns == ["Gene", "Sample", "Note", "line"]
    assert rows.frame.rows() == [("TP53", "S1", "x", 3), ("ERBB2", "S2", None, 5)]
    assert [(e.code, e.line, e.column, e.count) for e in audit] == [
        ("test.rows_read", None, None, 3),
        ("symbols.lower_case", 3, "Gene", 1),
        ("test.missing", 4, None, 1),
    ]
    SPEC.audit_kept(audit, "data.txt", rows.frame.height, ", detail")
    assert audit.entries[-1].message == "2 test rows kept, detail"


def test_a_missing_required_column_names_file_line_and_column(tmp_path: Path) -> None:
    path = _write(tmp_path, "Gene\tNote\nA\tB\n")
    with pytest.raises(InputFormatError) as err:
        read_rows(path, "data.txt", SPEC, Audit())
    assert (err.value.file, err.value.line, err.value.column) == ("data.txt", 1, "Sample")
    assert "a test file needs Gene, Sample" in str(err.value)


def test_one_of_and_first_column(tmp_path: Path) -> None:
    one_of = FileSpec(what="an SV-like file", required_one_of=("Site1", "Site2"))
    with pytest.raises(InputFormatError, match="needs Site1 and/or Site2"):
        read_rows(_write(tmp_path, "Sample\tX\nS1\tA\n"), "d", one_of, Audit())
    first = FileSpec(what="the matrix", first_column="SAMPLE_ID")
    with pytest.raises(InputFormatError, match="first column of the matrix must be SAMPLE_ID"):
        read_rows(_write(tmp_path, "X\tSAMPLE_ID\nA\tS1\n"), "d", first, Audit())


def test_per_column_drop_attributes_each_row_to_its_first_missing_value(tmp_path: Path) -> None:
    spec = FileSpec(
        what="a MAF-like file",
        required=("A", "B"),
        drop=Drop(needs=("A", "B"), code="t.missing", message="{n} with empty {column}",
                  per_column=True),
    )  # fmt: skip
    path = _write(tmp_path, "A\tB\nx\t\n\t\n\ty\nx\ty\nx\tNA\n")
    audit = Audit()
    rows = read_rows(path, "d", spec, audit)
    assert rows.frame.select("A", "B").rows() == [("x", "y")]
    # line 3 lacks both: counted once, for A; the counts add up to the rows left out
    assert [(e.column, e.line, e.count) for e in audit] == [("B", 2, 2), ("A", 3, 2)]
    assert rows.dropped == 4 == sum(e.count for e in audit)


def test_counted_drop_and_unique(tmp_path: Path) -> None:
    spec = FileSpec(
        what="a list",
        line_column="_line",
        nullify=("*",),
        drop=Drop(needs=("ID",)),
        unique=Unique(column="ID", code="t.dup", message="{n} repeated ({examples})",
                      audit_column="ID", name_first=True),
    )  # fmt: skip
    path = _write(tmp_path, "ID\tV\nS1\t1\n[Not Available]\t2\nS2\t \nS1\t4\nS2\t5\n")
    audit = Audit()
    rows = read_rows(path, "d", spec, audit)
    assert rows.dropped == 1
    assert rows.frame.rows() == [("S1", "1", 2), ("S2", None, 4)]
    (entry,) = audit.entries
    assert (entry.code, entry.line, entry.count, entry.sample_id) == ("t.dup", 5, 2, "S1")
    assert entry.message == "2 repeated ('S1', 'S2')"
    assert rows.frame.schema["_line"] == pl.Int64

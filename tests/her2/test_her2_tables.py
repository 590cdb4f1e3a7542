"""The pathology table reader (her2scope.study.tables.read_table)."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from her2scope.errors import InputFormatError
from her2scope.study.tables import read_table, read_table_info


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("newline", [b"\n", b"\r\n", b"\r"])
def test_tsv_with_cbioportal_header_and_any_line_ending(tmp_path: Path, newline: bytes) -> None:
    lines = [
        b"#Sample\tScore",
        b"#desc\tdesc",
        b"#STRING\tSTRING",
        b"#1\t1",
        b"SAMPLE_ID\tHER2_IHC_SCORE",
        b"S1\t1+",
        b"S2\t0-1+",
        b"S3\t",
    ]
    path = _write(tmp_path, "t.txt", newline.join(lines) + newline)
    info = read_table_info(path)
    assert info.header_line == 5 and info.delimiter == "\t"
    frame = info.frame
    assert frame.columns == ["SAMPLE_ID", "HER2_IHC_SCORE"]
    assert frame["HER2_IHC_SCORE"].to_list() == ["1+", "0-1+", None]


def test_csv_detected_and_quotes_honoured(tmp_path: Path) -> None:
    path = _write(tmp_path, "t.csv", b'id,ratio\na,"2 (CN 4.8)"\nb,"4.0, CN 9.7"\n')
    frame = read_table(path)
    assert frame["ratio"].to_list() == ["2 (CN 4.8)", "4.0, CN 9.7"]


def test_all_columns_are_strings(tmp_path: Path) -> None:
    path = _write(tmp_path, "t.tsv", b"a\tb\n1\t2.50\n007\tNA\n")
    frame = read_table(path)
    assert frame["a"].to_list() == ["1", "007"]
    assert frame["b"].to_list() == ["2.50", "NA"]


def test_gzip(tmp_path: Path) -> None:
    path = _write(tmp_path, "t.tsv.gz", gzip.compress(b"#x\nihc\n2+\n"))
    assert read_table(path)["ihc"].to_list() == ["2+"]


@pytest.mark.parametrize(
    ("data", "message", "line"),
    [
        (b"", "empty file", 1),
        (b"   \n\n", "empty file", 1),
        (b"#only comments\n#here\n", "no header line", 1),
        (b"a\tb\n\x00\x01\x02\x03", "binary", 2),
        (b"a\tb\n1\t2\n3\t\xff\xfe\n", "not valid UTF-8", 3),
        (b"a\tb\n1\t2\n1\t2\t3\n", "3 fields where the header has 2", 3),
        (b"\x1f\x8bnot really gzip", "corrupt gzip", None),
    ],
)
def test_broken_files_raise_with_file_and_line(
    tmp_path: Path, data: bytes, message: str, line: int | None
) -> None:
    path = _write(tmp_path, "bad.tsv", data)
    with pytest.raises(InputFormatError, match=message) as info:
        read_table(path)
    assert info.value.file == str(path)
    assert info.value.line == line


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputFormatError, match="file not found"):
        read_table(tmp_path / "nope.tsv")

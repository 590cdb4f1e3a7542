"""Read a user's pathology table (TSV or CSV) into an all-String polars frame.

Used by ``her2scope classify``. Real clinical exports are messy: cBioPortal
files start with ``#`` metadata lines, some tools write CR-only line endings
(old Mac) or CRLF, files arrive gzipped, and a wrong export may be binary.
Every structural problem raises :class:`~her2scope.errors.InputFormatError`
naming the file and line; values are never typed here (``HER2_FISH_RATIO``
holds ``2 (CN 4.8)``), parsing them is the job of ``her2/``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl

from her2scope.errors import InputFormatError
from her2scope.study.textio import _fields_per_line, check_column_count, read_raw

# Control bytes that never occur in a text table (tab, LF, CR, FF are allowed).
_BINARY_BYTES = bytes(b for b in range(32) if b not in (9, 10, 12, 13)) + b"\x7f"


@dataclass(frozen=True)
class TableRead:
    """A table as read: the frame plus where its header sat and what delimited it."""

    frame: pl.DataFrame
    path: Path
    header_line: int
    delimiter: str
    #: column names the header holds more than once (only with ``allow_duplicates``):
    #: name -> 1-based positions; the frame keeps the first copy of each
    duplicates: dict[str, tuple[int, ...]] = field(default_factory=dict)

    def require_unique(self, used: Iterable[str]) -> None:
        """Raise the duplicate-column error if any of ``used`` is a duplicated name.

        A column that appears twice is ambiguous only where it is read: cBioPortal's
        own clinical download of TCGA breast repeats a display name no HER2 call
        needs, and refusing the whole file for it helped nobody.
        """
        for column in used:
            if column in self.duplicates:
                raise InputFormatError(
                    "column name appears twice in the header (columns "
                    + ", ".join(str(i) for i in self.duplicates[column])
                    + "): which one to read is ambiguous; rename one",
                    file=str(self.path),
                    line=self.header_line,
                    column=column,
                )


def _line_of(data: bytes, offset: int) -> int:
    """1-based line number of byte ``offset`` (counting LF, CRLF and CR line ends)."""
    head = data[:offset].replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    return head.count(b"\n") + 1


def _decode(path: Path, data: bytes) -> str:
    nul = data.find(b"\x00")
    if nul >= 0:
        raise InputFormatError(
            "binary data (NUL byte), not a text table", file=str(path), line=_line_of(data, nul)
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputFormatError(
            f"not valid UTF-8 text (byte 0x{data[exc.start]:02x}); save the table as UTF-8",
            file=str(path),
            line=_line_of(data, exc.start),
        ) from None
    sample = data[:65536]
    bad = sum(sample.count(bytes([b])) for b in _BINARY_BYTES)
    if bad:
        first = min(i for i in (sample.find(bytes([b])) for b in _BINARY_BYTES) if i >= 0)
        raise InputFormatError(
            "binary data (control bytes), not a text table",
            file=str(path),
            line=_line_of(data, first),
        )
    return text


def read_table_info(path: str | Path, *, allow_duplicates: bool = False) -> TableRead:
    """Read ``path`` like :func:`read_table` and also report header line and delimiter.

    ``allow_duplicates``: a column name that appears twice is not refused here; the
    frame keeps its first copy and :attr:`TableRead.duplicates` names it, for the
    caller to refuse only if it reads that column (:meth:`TableRead.require_unique`).
    """
    path = Path(path)
    name = str(path)
    try:
        data = read_raw(path, name)
    except InputFormatError as exc:
        if exc.message.startswith("cannot read file"):  # a gzip stream that does not decode
            raise InputFormatError(
                f"corrupt gzip data: {exc.message.removeprefix('cannot read file: ')}", file=name
            ) from None
        raise
    if not data.strip():
        raise InputFormatError("empty file", file=name, line=1)
    text = _decode(path, data)
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")

    # cBioPortal clinical files carry 4 '#' metadata lines before the real header.
    header_index = 0
    while header_index < len(lines) and (
        lines[header_index].startswith("#") or not lines[header_index].strip()
    ):
        header_index += 1
    if header_index >= len(lines):
        raise InputFormatError(
            "no header line (only '#' comment or blank lines)", file=name, line=1
        )
    header = lines[header_index]
    delimiter = "\t" if "\t" in header or "," not in header else ","
    header_line = header_index + 1
    check_column_count(header.count(delimiter) + 1, name, header_line)
    body_lines = lines[header_index:]
    while body_lines and not body_lines[-1].strip():
        body_lines.pop()
    body = "\n".join(body_lines) + "\n"
    names = _header_names(header, delimiter)
    positions: dict[str, list[int]] = {}
    for index, column in enumerate(names, start=1):
        positions.setdefault(column, []).append(index)
    duplicates = {c: tuple(p) for c, p in positions.items() if len(p) > 1}
    if duplicates and not allow_duplicates:
        column = next(iter(duplicates))
        raise InputFormatError(
            "column name appears twice in the header", file=name, line=header_line, column=column
        )
    raw_body = body.encode("utf-8")
    _check_fields(raw_body, body_lines, delimiter, len(names), name, header_line)

    read_names = names
    if duplicates:
        # later copies get a private name for the read and are dropped after it
        counter: dict[str, int] = {}
        read_names = []
        for column in names:
            counter[column] = counter.get(column, 0) + 1
            read_names.append(column if counter[column] == 1 else f"\x00dup{len(read_names)}")
    try:
        frame = pl.read_csv(
            io.BytesIO(raw_body),
            separator=delimiter,
            infer_schema=False,
            new_columns=read_names if duplicates else None,
            # TSV from cBioPortal does not quote; a stray quote must stay part of the value.
            quote_char='"' if delimiter == "," else None,
            has_header=True,
            truncate_ragged_lines=False,
        )
    except (pl.exceptions.ComputeError, pl.exceptions.NoDataError) as exc:
        raise _ragged_error(path, body_lines, delimiter, header_line, exc) from None
    except pl.exceptions.DuplicateError as exc:
        raise InputFormatError(
            f"duplicate column names in the header: {exc}", file=name, line=header_line
        ) from None
    if frame.width != len(read_names):  # polars saw the header differently: never guess
        raise InputFormatError(
            f"header read as {frame.width} columns, expected {len(names)}",
            file=name,
            line=header_line,
        )
    if duplicates:
        frame = frame.select([c for c in frame.columns if not c.startswith("\x00dup")])
    return TableRead(
        frame=frame,
        path=path,
        header_line=header_line,
        delimiter=delimiter,
        duplicates=duplicates,
    )


def _header_names(header: str, delimiter: str) -> list[str]:
    if delimiter == "," and '"' in header:
        return next(csv.reader([header]))
    return header.split(delimiter)


def _check_fields(
    raw_body: bytes,
    body_lines: list[str],
    delimiter: str,
    expected: int,
    name: str,
    header_line: int,
) -> None:
    """Every record has as many fields as the header: a short row in the middle, a
    truncated last row or a blank line is an error naming its line (the loader's check)."""
    if len(body_lines) <= 1:
        return
    if delimiter == "\t" or '"' not in raw_body.decode("utf-8", "replace"):
        start = raw_body.find(b"\n") + 1
        counts = _fields_per_line(raw_body, start, len(raw_body) - 1, ord(delimiter))
        # an empty line has one "field"; a one-column table's blank line is still wrong
        blank = np.array([not line for line in body_lines[1:]]) if expected == 1 else None
        wrong = np.flatnonzero(counts != expected)
        if blank is not None:
            wrong = np.union1d(wrong, np.flatnonzero(blank))
        if wrong.size:
            index = int(wrong[0])
            found = int(counts[index])
            line_text = body_lines[1 + index]
            what = "a blank line" if not line_text.strip() else f"{found} fields"
            last = " (the last line: is the file truncated?)" if index == counts.size - 1 else ""
            raise InputFormatError(
                f"{what} where the header has {expected}{last} ({int(wrong.size)} line(s) wrong)",
                file=name,
                line=header_line + 1 + index,
            )
        return
    # quoted CSV: fields may hold commas and newlines; count records with the csv module
    reader = csv.reader(io.StringIO("\n".join(body_lines[1:])))
    for record in reader:
        if len(record) != expected:
            line = header_line + reader.line_num
            last = " (is the file truncated?)" if reader.line_num >= len(body_lines) - 1 else ""
            what = "a blank line" if not record else f"{len(record)} fields"
            raise InputFormatError(
                f"{what} where the header has {expected}{last}", file=name, line=line
            )


def _ragged_error(
    path: Path, lines: list[str], delimiter: str, header_line: int, exc: Exception
) -> InputFormatError:
    """Find the first line whose field count differs from the header (only on failure)."""
    expected = lines[0].count(delimiter) + 1
    if delimiter == "\t":
        for offset, line in enumerate(lines[1:], start=1):
            found = line.count(delimiter) + 1
            if line and found != expected:
                return InputFormatError(
                    f"{found} fields where the header has {expected}",
                    file=str(path),
                    line=header_line + offset,
                )
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return InputFormatError(f"cannot parse the table: {first}", file=str(path))


def read_table(path: str | Path) -> pl.DataFrame:
    """Read a TSV or CSV pathology table (optionally gzipped) with every column as String.

    Leading ``#`` lines (cBioPortal attribute metadata) are skipped; the
    delimiter is taken from the header line (tab if present, else comma);
    LF, CRLF and CR line endings are accepted. Empty, binary or non-UTF-8
    files and ragged rows raise :class:`InputFormatError` with file and line.
    """
    return read_table_info(path).frame

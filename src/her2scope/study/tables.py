"""Read a user's pathology table (TSV or CSV) into an all-String polars frame.

Used by ``her2scope classify``. Real clinical exports are messy: cBioPortal
files start with ``#`` metadata lines, some tools write CR-only line endings
(old Mac) or CRLF, files arrive gzipped, and a wrong export may be binary.
Every structural problem raises :class:`~her2scope.errors.InputFormatError`
naming the file and line; values are never typed here (``HER2_FISH_RATIO``
holds ``2 (CN 4.8)``), parsing them is the job of ``her2/``.
"""

from __future__ import annotations

import gzip
import io
import zlib
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from her2scope.errors import InputFormatError

_GZIP_MAGIC = b"\x1f\x8b"
# Control bytes that never occur in a text table (tab, LF, CR, FF are allowed).
_BINARY_BYTES = bytes(b for b in range(32) if b not in (9, 10, 12, 13)) + b"\x7f"


@dataclass(frozen=True)
class TableRead:
    """A table as read: the frame plus where its header sat and what delimited it."""

    frame: pl.DataFrame
    path: Path
    header_line: int
    delimiter: str


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


def read_table_info(path: str | Path) -> TableRead:
    """Read ``path`` like :func:`read_table` and also report header line and delimiter."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputFormatError("file not found", file=str(path)) from None
    except OSError as exc:
        raise InputFormatError(f"cannot read file: {exc.strerror}", file=str(path)) from None
    if data.startswith(_GZIP_MAGIC):
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as exc:
            raise InputFormatError(f"corrupt gzip data: {exc}", file=str(path)) from None
    if not data.strip():
        raise InputFormatError("empty file", file=str(path), line=1)
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
            "no header line (only '#' comment or blank lines)", file=str(path), line=1
        )
    header = lines[header_index]
    delimiter = "\t" if "\t" in header or "," not in header else ","
    body_lines = lines[header_index:]
    while body_lines and not body_lines[-1].strip():
        body_lines.pop()
    body = "\n".join(body_lines) + "\n"
    header_line = header_index + 1

    try:
        frame = pl.read_csv(
            io.BytesIO(body.encode("utf-8")),
            separator=delimiter,
            infer_schema=False,
            # TSV from cBioPortal does not quote; a stray quote must stay part of the value.
            quote_char='"' if delimiter == "," else None,
            has_header=True,
            truncate_ragged_lines=False,
        )
    except (pl.exceptions.ComputeError, pl.exceptions.NoDataError) as exc:
        raise _ragged_error(path, body_lines, delimiter, header_line, exc) from None
    except pl.exceptions.DuplicateError as exc:
        raise InputFormatError(
            f"duplicate column names in the header: {exc}", file=str(path), line=header_line
        ) from None
    return TableRead(frame=frame, path=path, header_line=header_line, delimiter=delimiter)


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

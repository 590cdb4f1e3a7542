"""Low-level reading of cBioPortal text files: gzip, line endings, encoding, header lines.

cBioPortal data files are tab-separated UTF-8 text without quoting
(cBioPortal *File Formats* documentation). Real files break the letter of that
in ways that must not change the data: bare-CR line endings (the shared
study's gene panel matrix), CRLF, a UTF-8 byte-order mark, a missing final
newline, ``.gz`` compression. Everything here normalises those and nothing
else; a file whose bytes are not UTF-8 is refused with file and line (we do
not guess an encoding, because a guessed sample id would silently fail to
join with the other files).
"""

from __future__ import annotations

import gzip
import io
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import polars as pl

from her2scope.errors import InputFormatError

_BOM = b"\xef\xbb\xbf"


def _open_binary(path: Path) -> io.BufferedIOBase:
    if path.name.endswith(".gz"):
        return gzip.open(path, "rb")
    return open(path, "rb")


def _normalise_newlines(data: bytes) -> bytes:
    # CR never occurs inside a UTF-8 multi-byte sequence, so replacing on bytes is safe.
    if b"\r" in data:
        data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    return data


def _check_utf8(data: bytes, name: str, first_line: int = 1) -> None:
    if data.isascii():  # fast path, no copy: almost every cBioPortal file is ASCII
        return
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = first_line + data.count(b"\n", 0, exc.start)
        raise InputFormatError(
            f"byte 0x{data[exc.start]:02x} is not valid UTF-8 "
            "(cBioPortal files must be UTF-8; re-save the file as UTF-8)",
            file=name,
            line=line,
        ) from None


def read_normalised(path: Path, name: str) -> bytes:
    """Whole file as UTF-8-checked bytes with ``\\n`` line endings and no BOM.

    ``path`` may be gzipped (``.gz``). ``name`` is how the file is named in
    errors. Raises :class:`InputFormatError` (file, line) on bytes that are not
    UTF-8 and on a gzip stream that is truncated or corrupt.
    """
    try:
        with _open_binary(path) as fh:
            data = fh.read()
    except (OSError, EOFError, zlib.error) as exc:  # gzip: bad header, CRC, truncation
        raise InputFormatError(f"cannot read file: {exc}", file=name) from None
    if data.startswith(_BOM):
        data = data[len(_BOM) :]
    data = _normalise_newlines(data)
    _check_utf8(data, name)
    return data


def iter_raw_lines(path: Path, name: str) -> Iterator[tuple[int, bytes]]:
    """Yield ``(line_number, bytes)`` one line at a time, without the line ending.

    Streams the file (gzip-aware) so a very wide file (a 250,000-column CNA
    matrix) is never held in memory whole. Any line ending is accepted and a
    leading BOM dropped. A line that is not UTF-8 raises
    :class:`InputFormatError` naming file and line; the bytes are not decoded.
    """
    line_no = 0
    try:
        with _open_binary(path) as fh:
            for raw in fh:
                # Binary iteration splits on LF only; a bare-CR file arrives as one chunk.
                chunk = raw[len(_BOM) :] if line_no == 0 and raw.startswith(_BOM) else raw
                if chunk.endswith(b"\n") and b"\r" not in chunk:  # the common case: one LF line
                    line_no += 1
                    piece = chunk[:-1]
                    _check_utf8(piece, name, line_no)
                    yield line_no, piece
                    continue
                pieces = _normalise_newlines(chunk).split(b"\n")
                if pieces and pieces[-1] == b"":
                    pieces.pop()
                for piece in pieces:
                    line_no += 1
                    _check_utf8(piece, name, line_no)
                    yield line_no, piece
    except (OSError, EOFError, zlib.error) as exc:  # gzip: bad header, CRC, truncation
        raise InputFormatError(f"cannot read file: {exc}", file=name, line=line_no + 1) from None


def iter_lines(path: Path, name: str) -> Iterator[tuple[int, str]]:
    """:func:`iter_raw_lines` decoded to ``str``."""
    for line_no, raw in iter_raw_lines(path, name):
        yield line_no, raw.decode("utf-8")


@dataclass(frozen=True)
class TabularText:
    """A tab-separated file split into its leading ``#`` lines, header and body.

    The body is not copied out of ``data``: it is ``data[body_start:body_end]``
    (trailing blank lines excluded), so a 300 MB MAF is held once.
    """

    name: str
    comments: list[str]
    header: list[str]
    header_line: int  # 1-based line number of the column header
    data: bytes  # the whole normalised file
    body_start: int
    body_end: int
    n_rows: int | None = None  # data lines, set by check_field_counts

    @property
    def first_data_line(self) -> int:
        return self.header_line + 1

    @property
    def has_body(self) -> bool:
        return self.body_end > self.body_start


def split_tabular(data: bytes, name: str) -> TabularText:
    """Split normalised bytes into ``#`` comment lines, the header and the body.

    Raises :class:`InputFormatError` for an empty file (no header line) and for
    duplicated or empty column names in the header.
    """
    comments: list[str] = []
    pos = 0
    line_no = 0
    while pos < len(data) and data.startswith(b"#", pos):
        end = data.find(b"\n", pos)
        end = len(data) if end < 0 else end
        comments.append(data[pos + 1 : end].decode("utf-8"))
        line_no += 1
        pos = end + 1
    end = data.find(b"\n", pos)
    end = len(data) if end < 0 else end
    header_raw = data[pos:end].decode("utf-8")
    if not header_raw.strip():
        raise InputFormatError(
            "empty file: expected a tab-separated header line", file=name, line=line_no + 1
        )
    header = [h.strip() for h in header_raw.split("\t")]
    header_line = line_no + 1
    seen: set[str] = set()
    for col in header:
        if not col:
            raise InputFormatError("empty column name in header", file=name, line=header_line)
        if col in seen:
            raise InputFormatError(
                "column name appears twice in header", file=name, line=header_line, column=col
            )
        seen.add(col)
    body_start = min(end + 1, len(data))
    body_end = len(data)
    while body_end > body_start and data[body_end - 1] == 10:  # trailing blank lines
        body_end -= 1
    return TabularText(name, comments, header, header_line, data, body_start, body_end)


#: Bytes of body examined at once by :func:`check_field_counts` (bounds its memory).
_CHUNK_BYTES = 32 * 1024 * 1024


def _fields_per_line(data: bytes, start: int, end: int) -> np.ndarray:
    """Number of tab-separated fields on each line of ``data[start:end]`` (no final newline).

    Tabs are summed per line with ``np.add.reduceat`` in 16-bit counters (a
    line shorter than 65,535 bytes cannot hold more tabs); a chunk with a
    longer line counts from the tab positions instead.
    """
    arr = np.frombuffer(data, dtype=np.uint8, count=end - start, offset=start)
    if not arr.size:
        return np.ones(1, dtype=np.int64)
    line_ends = np.flatnonzero(arr == 10)
    starts = np.concatenate(([0], line_ends + 1))
    if int(np.diff(np.append(starts, arr.size + 1)).max()) <= np.iinfo(np.uint16).max:
        blank_last = bool(starts[-1] == arr.size)  # reduceat cannot start at the end
        counts = np.add.reduceat(
            (arr == 9).view(np.uint8), starts[:-1] if blank_last else starts, dtype=np.uint16
        ).astype(np.int64)
        if blank_last:
            counts = np.append(counts, 0)
        return counts + 1
    line_ends = np.append(line_ends, arr.size)  # the last line has no newline in the slice
    tabs = np.flatnonzero(arr == 9)
    return np.diff(np.searchsorted(tabs, line_ends), prepend=0) + 1


def check_field_counts(text: TabularText, chunk_bytes: int = _CHUNK_BYTES) -> TabularText:
    """Every data line must have as many tab-separated fields as the header.

    Vectorised over the bytes (numpy) in chunks of ``chunk_bytes`` (32 MB), so checking a
    million-line MAF costs a few passes over memory and a bounded amount of
    it, not a Python loop. A blank line inside the body counts as a wrong
    line. Raises :class:`InputFormatError` at the first offending line,
    saying how many lines are wrong. Returns ``text`` with ``n_rows`` set.
    """
    if not text.has_body:
        return replace(text, n_rows=0)
    expected = len(text.header)
    n_rows = 0
    n_wrong = 0
    first: tuple[int, int] | None = None  # (line index, fields) of the first wrong line
    pos = text.body_start
    while pos < text.body_end:
        stop = text.body_end
        if stop - pos > chunk_bytes:
            cut = text.data.rfind(b"\n", pos, pos + chunk_bytes)
            stop = cut if cut > pos else text.data.find(b"\n", pos + chunk_bytes, stop)
            stop = text.body_end if stop < 0 else stop
        fields = _fields_per_line(text.data, pos, stop)
        wrong = np.flatnonzero(fields != expected)
        if wrong.size:
            if first is None:
                first = (n_rows + int(wrong[0]), int(fields[wrong[0]]))
            n_wrong += int(wrong.size)
        n_rows += int(fields.size)
        pos = stop + 1
    if first is not None:
        raise InputFormatError(
            f"line has {first[1]} tab-separated fields, header has "
            f"{expected} ({n_wrong} line(s) wrong)",
            file=text.name,
            line=text.first_data_line + first[0],
        )
    return replace(text, n_rows=n_rows)


def read_body(text: TabularText, columns: list[str] | None = None) -> pl.DataFrame:
    """Parse the body as all-String columns named by the header (no quoting, no inference).

    ``quote_char=None`` because cBioPortal files are not quoted and MAF fields
    (HGVS, comments) may contain ``"``. Empty fields become null. Polars
    reads the file's bytes in place (no copy of the body), skipping the
    comment lines; ``text`` must have passed :func:`check_field_counts`.
    """
    if not text.has_body:
        frame = pl.DataFrame(schema=dict.fromkeys(text.header, pl.String()))
        return frame.select(columns) if columns is not None else frame
    if text.n_rows is None:
        raise ValueError("read_body needs a TabularText checked by check_field_counts")
    wanted = text.header if columns is None else columns
    frame = pl.read_csv(
        text.data,
        has_header=False,
        new_columns=text.header,
        columns=sorted(text.header.index(c) for c in wanted),
        skip_rows=text.header_line,
        n_rows=text.n_rows,
        separator="\t",
        quote_char=None,
        infer_schema=False,
    )
    return frame.select(wanted)


def read_tabular(path: Path, name: str) -> TabularText:
    """:func:`read_normalised` then :func:`split_tabular` then :func:`check_field_counts`."""
    return check_field_counts(split_tabular(read_normalised(path, name), name))


def read_key_values(path: Path, name: str) -> tuple[dict[str, str], dict[str, int]]:
    """Parse a ``key: value`` file (meta files, case lists, gene panel files).

    Returns the mapping and the 1-based line of every key (for errors). Lines
    without a colon raise :class:`InputFormatError`; blank lines are skipped.
    """
    values: dict[str, str] = {}
    lines: dict[str, int] = {}
    for line_no, text in iter_lines(path, name):
        if not text.strip():
            continue
        key, sep, value = text.partition(":")
        if not sep:
            raise InputFormatError("expected 'key: value'", file=name, line=line_no)
        key = key.strip()
        values[key] = value.strip()
        lines[key] = line_no
    return values, lines

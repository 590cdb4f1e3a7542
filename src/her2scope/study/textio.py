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
import os
import stat
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import BinaryIO

import numpy as np
import polars as pl

from her2scope.errors import InputFormatError

_BOM = b"\xef\xbb\xbf"
_GZIP_MAGIC = b"\x1f\x8b"

# ---------------------------------------------------------------------------- limits
#
# Documented limits (this module is their documentation), so no input can hang a
# command or take unbounded memory. Each raises InputFormatError naming the
# file and the limit; the environment variables raise a limit for a user who
# really has such a file.

#: Largest file read whole (decompressed bytes): clinical files, MAF, SV,
#: panel matrix, pathology tables. ``$HER2SCOPE_MAX_FILE_BYTES`` changes it.
MAX_FILE_BYTES = 2 * 1024**3
#: A gzip file may expand at most this many times its compressed size (beyond
#: :data:`GZIP_RATIO_FLOOR` bytes). Real cBioPortal files compress 5-70x (the
#: shared CNA matrix: 67x); a "gzip bomb" of repeated bytes reaches ~1000x.
MAX_GZIP_RATIO = 200
#: Decompressed bytes always allowed, whatever the ratio.
GZIP_RATIO_FLOOR = 64 * 1024**2
#: Longest line of a file read line by line (the CNA matrix: ~2 MB per gene
#: row at 250,000 samples; meta files, case lists, gene panel files).
MAX_LINE_BYTES = 256 * 1024**2
#: Most columns in a table read whole (clinical files, MAF, SV, panel matrix,
#: pathology tables). ``$HER2SCOPE_MAX_COLUMNS`` changes it.
MAX_COLUMNS = 10_000
#: Most sample columns in a CNA matrix (read row by row).
MAX_MATRIX_COLUMNS = 2_000_000
#: Largest ``key: value`` file (meta files, case lists, gene panel files).
MAX_KEY_VALUE_BYTES = 256 * 1024**2

_READ_BLOCK = 4 * 1024**2


def _env_limit(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if raw:
        try:
            value = int(raw)
        except ValueError:
            return default
        return value if value > 0 else default
    return default


def max_file_bytes() -> int:
    """:data:`MAX_FILE_BYTES`, or ``$HER2SCOPE_MAX_FILE_BYTES``."""
    return _env_limit("HER2SCOPE_MAX_FILE_BYTES", MAX_FILE_BYTES)


def max_columns() -> int:
    """:data:`MAX_COLUMNS`, or ``$HER2SCOPE_MAX_COLUMNS``."""
    return _env_limit("HER2SCOPE_MAX_COLUMNS", MAX_COLUMNS)


_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def file_kind(mode: int) -> str | None:
    """What a non-regular file is ("a FIFO (named pipe)" ...), or None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    for test, kind in _KINDS:
        if test(mode):
            return kind
    return "not a regular file"


def open_regular(path: str | os.PathLike[str], name: str | None = None) -> BinaryIO:
    """Open ``path`` for binary reading if it is a regular file, else raise.

    Opened non-blocking first and checked with ``fstat`` on the open
    descriptor, so a FIFO without a writer, a device (``/dev/zero``), a socket
    or a folder is refused at once, never read or waited on (and a file
    swapped between a check and the open cannot slip through). Raises
    :class:`InputFormatError` naming ``name`` (default: the path).
    """
    label = str(path) if name is None else name
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise InputFormatError("file not found", file=label) from None
    except IsADirectoryError:
        raise InputFormatError("is a folder, not a file", file=label) from None
    except OSError as exc:
        raise InputFormatError(f"cannot open file: {exc.strerror or exc}", file=label) from None
    try:
        kind = file_kind(os.fstat(fd).st_mode)
        if kind is not None:
            raise InputFormatError(f"is {kind}, not a regular file; refused", file=label)
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


class _Budget:
    """Counts decompressed bytes of one file and stops at the size or gzip-ratio limit."""

    def __init__(self, raw: BinaryIO, name: str, compressed: bool, limit: int) -> None:
        self.raw = raw
        self.name = name
        self.compressed = compressed
        self.limit = limit
        self.total = 0

    def add(self, n: int) -> None:
        self.total += n
        if self.total > self.limit:
            raise InputFormatError(
                f"more than {self.limit:,} bytes{' decompressed' if self.compressed else ''} "
                "(her2scope's limit for one file; HER2SCOPE_MAX_FILE_BYTES raises it)",
                file=self.name,
            )
        if self.compressed and self.total > GZIP_RATIO_FLOOR:
            try:
                packed = max(self.raw.tell(), 1)
            except (OSError, ValueError):
                return
            if self.total > MAX_GZIP_RATIO * packed:
                raise InputFormatError(
                    f"gzip data expands more than {MAX_GZIP_RATIO}x (a 'gzip bomb' or a "
                    "file of repeated bytes, not a data file); refused",
                    file=self.name,
                )


class _Opened:
    """A regular file, transparently gunzipped (by magic bytes), with its byte budget."""

    def __init__(self, path: Path, name: str, limit: int) -> None:
        self.raw = open_regular(path, name)
        try:
            compressed = self.raw.read(2) == _GZIP_MAGIC
            self.raw.seek(0)
            self.stream: BinaryIO = (
                gzip.GzipFile(fileobj=self.raw, mode="rb")  # type: ignore[assignment]
                if compressed
                else self.raw
            )
        except OSError as exc:
            # EIO from a failing disk or a file that cannot be read (/proc/self/mem):
            # the user's input, said in one line, not a traceback
            self.raw.close()
            raise InputFormatError(f"cannot read file: {exc.strerror or exc}", file=name) from None
        except BaseException:
            self.raw.close()
            raise
        self.budget = _Budget(self.raw, name, compressed, limit)
        if not compressed:
            size = os.fstat(self.raw.fileno()).st_size
            if size > limit:
                self.raw.close()
                self.budget.add(size)

    def read_all(self) -> bytes:
        if self.stream is self.raw:
            # a plain file whose size was checked against the budget on opening: one
            # read into one buffer (no chunk list, no join copy: 300 MB less at 250k)
            # with the size given, one allocation of that size; a bare read() of an
            # fd-opened file grows its buffer step by step (twice the time: 0.3 s
            # instead of 0.15 s for a 300 MB MAF)
            size = os.fstat(self.raw.fileno()).st_size
            data = self.raw.read(size + 1)
            if len(data) > size:  # the file grew while being read
                data += self.raw.read()
            self.budget.add(len(data))
            return data
        chunks: list[bytes] = []
        while True:
            block = self.stream.read(_READ_BLOCK)
            if not block:
                return b"".join(chunks)
            self.budget.add(len(block))
            chunks.append(block)

    def close(self) -> None:
        if self.stream is not self.raw:
            self.stream.close()
        self.raw.close()


def read_raw(path: Path, name: str, limit: int | None = None) -> bytes:
    """The bytes of a regular file, gunzipped when it starts with the gzip magic.

    Within :func:`max_file_bytes` (or ``limit``) and :data:`MAX_GZIP_RATIO`;
    refuses FIFOs, devices and folders (:func:`open_regular`). Raises
    :class:`InputFormatError` on those and on a truncated or corrupt gzip stream.
    """
    opened = _Opened(path, name, max_file_bytes() if limit is None else limit)
    try:
        return opened.read_all()
    except (OSError, EOFError, zlib.error) as exc:  # gzip: bad header, CRC, truncation; EIO
        raise InputFormatError(f"cannot read file: {exc}", file=name) from None
    finally:
        opened.close()


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

    ``path`` may be gzipped. ``name`` is how the file is named in errors.
    Only regular files are read, within :func:`max_file_bytes` and
    :data:`MAX_GZIP_RATIO` (:func:`read_raw`). Raises
    :class:`InputFormatError` (file, line) on bytes that are not UTF-8, on a
    gzip stream that is truncated or corrupt, and on those limits.
    """
    data = read_raw(path, name)
    if data.startswith(_BOM):
        data = data[len(_BOM) :]
    data = _normalise_newlines(data)
    _check_utf8(data, name)
    return data


def iter_raw_lines(
    path: Path, name: str, *, max_bytes: int | None = None
) -> Iterator[tuple[int, bytes]]:
    """Yield ``(line_number, bytes)`` one line at a time, without the line ending.

    Streams the file (gzip-aware) so a very wide file (a 250,000-column CNA
    matrix) is never held in memory whole. Any line ending is accepted and a
    leading BOM dropped. A line that is not UTF-8 raises
    :class:`InputFormatError` naming file and line; the bytes are not decoded.
    Limits: lines up to :data:`MAX_LINE_BYTES`, the gzip ratio
    :data:`MAX_GZIP_RATIO`, and ``max_bytes`` in all (default: none beyond
    those), each an :class:`InputFormatError`; only regular files are read.
    """
    line_no = 0
    opened = _Opened(path, name, max_bytes if max_bytes is not None else 1 << 62)
    carry = b""
    first = True
    try:
        while True:
            block = opened.stream.read(_READ_BLOCK)
            if not block:
                break
            opened.budget.add(len(block))
            data = carry + block if carry else block
            if first:
                first = False
                if data.startswith(_BOM):
                    data = data[len(_BOM) :]
            if b"\r" in data:
                # a CRLF split across two blocks: keep the CR for the next block
                hold = data.endswith(b"\r")
                data = _normalise_newlines(data[:-1] if hold else data)
                pieces = data.split(b"\n")
                carry = pieces.pop() + (b"\r" if hold else b"")
            else:
                pieces = data.split(b"\n")
                carry = pieces.pop()
            if len(carry) > MAX_LINE_BYTES:
                raise InputFormatError(
                    f"line longer than {MAX_LINE_BYTES:,} bytes (her2scope's limit)",
                    file=name,
                    line=line_no + len(pieces) + 1,
                )
            for piece in pieces:
                line_no += 1
                _check_utf8(piece, name, line_no)
                yield line_no, piece
        if carry.endswith(b"\r"):  # the held CR ended the last line
            carry = carry[:-1]
        if carry:  # a last line without a line ending
            line_no += 1
            _check_utf8(carry, name, line_no)
            yield line_no, carry
    except (OSError, EOFError, zlib.error) as exc:  # gzip: bad header, CRC, truncation
        raise InputFormatError(f"cannot read file: {exc}", file=name, line=line_no + 1) from None
    finally:
        opened.close()


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
    header_line = line_no + 1
    header = [h.strip() for h in header_raw.split("\t")]
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


def check_column_count(n: int, name: str, line: int, limit: int | None = None) -> None:
    """Refuse a header with more than :func:`max_columns` (or ``limit``) columns."""
    limit = max_columns() if limit is None else limit
    if n > limit:
        raise InputFormatError(
            f"{n:,} columns in the header; her2scope reads at most {limit:,} "
            "(HER2SCOPE_MAX_COLUMNS raises the limit)",
            file=name,
            line=line,
        )


#: Bytes of body examined at once by :func:`check_field_counts` (bounds its memory).
#: Small enough that numpy's temporaries (a bool mask per byte, the line starts)
#: stay in the CPU cache and are reused instead of being mapped afresh each time:
#: 512 KiB checks a 300 MB MAF in half the CPU time of 32 MiB chunks.
_CHUNK_BYTES = 512 * 1024


def _fields_per_line(data: bytes, start: int, end: int, sep: int = 9) -> np.ndarray:
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
            (arr == sep).view(np.uint8), starts[:-1] if blank_last else starts, dtype=np.uint16
        ).astype(np.int64)
        if blank_last:
            counts = np.append(counts, 0)
        return counts + 1
    line_ends = np.append(line_ends, arr.size)  # the last line has no newline in the slice
    tabs = np.flatnonzero(arr == sep)
    return np.diff(np.searchsorted(tabs, line_ends), prepend=0) + 1


def check_field_counts(text: TabularText, chunk_bytes: int = _CHUNK_BYTES) -> TabularText:
    """Every data line must have as many tab-separated fields as the header.

    Vectorised over the bytes (numpy) in chunks of ``chunk_bytes`` (512 KiB), so checking a
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


def read_body(
    text: TabularText, columns: list[str] | None = None, *, line_column: str | None = None
) -> pl.DataFrame:
    """Parse the body as all-String columns named by the header (no quoting, no inference).

    ``quote_char=None`` because cBioPortal files are not quoted and MAF fields
    (HGVS, comments) may contain ``"``. Empty fields become null. Polars
    reads the file's bytes in place (no copy of the body), skipping the
    comment lines; ``text`` must have passed :func:`check_field_counts`.
    ``line_column``: also a column of that name (Int64, last) holding each row's
    1-based line number in the file, for messages.
    """
    if not text.has_body:
        frame = pl.DataFrame(schema=dict.fromkeys(text.header, pl.String()))
        frame = frame.select(columns) if columns is not None else frame
        if line_column is not None:
            frame = frame.with_columns(pl.lit(None, dtype=pl.Int64).alias(line_column))
        return frame
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
    ).select(wanted)
    if line_column is not None:
        frame = frame.with_columns(_line_numbers(frame, text.first_data_line, line_column))
    return frame


def _line_numbers(frame: pl.DataFrame, first: int, name: str) -> pl.Series:
    """Line numbers ``first, first + 1, ...`` for the rows of ``frame``, chunked as its
    columns are.

    Polars parses a large file in parallel into many chunks (127 for a 1.2M-row
    MAF). A line column made in one piece (``pl.int_range``) does not line up
    with them, and every later filter, hash or ``with_columns`` on the frame
    then re-aligns all columns: 0.2 s instead of 5 ms for one filter of that
    MAF. Built chunk by chunk, it lines up.
    """
    lengths = (
        [len(c) for c in frame.get_column(frame.columns[0]).get_chunks()] if frame.width else []
    )
    if len(lengths) < 2 or len(set(frame.n_chunks("all"))) != 1:
        return pl.Series(name, np.arange(first, first + frame.height, dtype=np.int64))
    line = first
    pieces = []
    for n in lengths:
        pieces.append(pl.Series(name, np.arange(line, line + n, dtype=np.int64)))
        line += n
    column = pieces[0]
    for piece in pieces[1:]:
        column.append(piece)
    return column


def read_tabular(path: Path, name: str) -> TabularText:
    """:func:`read_normalised`, :func:`split_tabular`, the column limit
    (:func:`check_column_count`), then :func:`check_field_counts`."""
    text = split_tabular(read_normalised(path, name), name)
    check_column_count(len(text.header), name, text.header_line)
    return check_field_counts(text)


def read_key_values(path: Path, name: str) -> tuple[dict[str, str], dict[str, int]]:
    """Parse a ``key: value`` file (meta files, case lists, gene panel files).

    Returns the mapping and the 1-based line of every key (for errors). Lines
    without a colon raise :class:`InputFormatError`; blank lines are skipped.
    """
    values: dict[str, str] = {}
    lines: dict[str, int] = {}
    for line_no, raw in iter_raw_lines(path, name, max_bytes=MAX_KEY_VALUE_BYTES):
        text = raw.decode("utf-8")
        if not text.strip():
            continue
        key, sep, value = text.partition(":")
        if not sep:
            raise InputFormatError("expected 'key: value'", file=name, line=line_no)
        key = key.strip()
        values[key] = value.strip()
        lines[key] = line_no
    return values, lines

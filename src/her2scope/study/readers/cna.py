"""The discrete copy-number files: the matrix (``data_cna.txt``, cBioPortal "Discrete Copy
Number Data") and the long format (``datatype: DISCRETE_LONG``).

The matrix has its own reader (one gene row at a time, non-zero cells found
from the row's bytes: :func:`_cna_line_sparse`), never a dense frame; the
long format is read by :func:`~her2scope.study.readers.spec.read_rows` with
:data:`CNA_LONG`. Both account for every cell the same way
(:func:`_audit_cna_cells`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl

from her2scope.audit import Audit
from her2scope.errors import InputFormatError
from her2scope.study.model import CNA_COLUMNS
from her2scope.study.readers.lists import _untidy_ids
from her2scope.study.readers.spec import (
    MISSING_TOKENS,
    Drop,
    FileSpec,
    canonical_symbol,
    is_missing,
    read_rows,
)
from her2scope.study.textio import MAX_MATRIX_COLUMNS, check_column_count, iter_raw_lines

#: Discrete CNA values allowed by the cBioPortal format (GISTIC-style calls).
CNA_VALUES: tuple[float, ...] = (-2.0, -1.5, -1.0, 0.0, 1.0, 2.0)
_CNA_NONZERO: tuple[float, ...] = tuple(v for v in CNA_VALUES if v != 0.0)
_CNA_ID_COLUMNS = ("Hugo_Symbol", "Entrez_Gene_Id", "Cytoband")


@dataclass
class CnaRead:
    """The long CNA table plus what the matrix declared (for panels and checks)."""

    table: pl.DataFrame
    genes: list[str]
    samples: list[str]
    counts: dict[str, int] = field(default_factory=dict)


_ASCII_0, _ASCII_1, _ASCII_2, _ASCII_MINUS = 48, 49, 50, 45
_ASCII_TAB, _ASCII_DOT, _ASCII_5, _ASCII_N, _ASCII_A = 9, 46, 53, 78, 65
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


def _fast_codes(length: np.ndarray, at: list[np.ndarray], *, na: bool) -> np.ndarray:
    """The fast-path code of each cell (:data:`_FAST_VALUES_NA`), from its length and its
    first four bytes ``at`` (any value past the cell's end): 1..5 for ``1``, ``2``,
    ``-1``, ``-2``, ``-1.5``; 6 for ``NA`` when ``na``; 0 for anything else."""
    a0, a1, a2, a3 = at
    one, two = length == 1, length == 2
    code = np.zeros(length.size, dtype=np.int8)
    code[one & (a0 == _ASCII_1)] = 1
    code[one & (a0 == _ASCII_2)] = 2
    minus = two & (a0 == _ASCII_MINUS)
    code[minus & (a1 == _ASCII_1)] = 3
    code[minus & (a1 == _ASCII_2)] = 4
    minus_one = (length == 4) & (a0 == _ASCII_MINUS) & (a1 == _ASCII_1)
    code[minus_one & (a2 == _ASCII_DOT) & (a3 == _ASCII_5)] = 5
    if na:
        code[two & (a0 == _ASCII_N) & (a1 == _ASCII_A)] = 6
    return code


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
    at = [body[np.minimum(cell_start + k, size - 1)] for k in range(4)]
    code = _fast_codes(length, at, na=True)
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
    code = _fast_codes(n, [padded[s + k] for k in range(4)], na=False)
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
    where = ", ".join(f"line {line} sample {samples[p]}: {v!r}" for line, p, v in bad_examples)
    _audit_cna_bad(audit, name, counts["bad"], where, bad_examples[0][0] if bad_examples else 0)
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


CNA_LONG = FileSpec(
    what="a long-format CNA file",
    required=("Hugo_Symbol", "Sample_Id", "Value"),
    columns=("Hugo_Symbol", "Sample_Id", "Value"),
    strip=("Hugo_Symbol", "Sample_Id"),
    symbols=("Hugo_Symbol",),
    symbol_rows="CNA row(s)",
    # counted with the repeated (gene, sample) pairs in one cna.row_skipped warning
    drop=Drop(needs=("Hugo_Symbol", "Sample_Id")),
)


def read_cna_long(path: Path, name: str, *, audit: Audit) -> CnaRead:
    """Read a long-format discrete CNA file (cBioPortal ``datatype: DISCRETE_LONG``).

    One row per (gene, sample): ``Hugo_Symbol`` (and/or ``Entrez_Gene_Id``),
    ``Sample_Id``, ``Value`` plus optional driver/namespace columns (ignored).
    Same output and audit codes as :func:`read_cna`: non-zero cells kept,
    0/NA counted and dropped, other values counted as bad. ``genes`` are all
    genes named, ``samples`` all samples named (the profiled set).
    """
    rows = read_rows(path, name, CNA_LONG, audit)
    frame, skipped = rows.frame, rows.dropped
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
        .when(number.is_in(list(_CNA_NONZERO)))
        .then(pl.lit("nonzero"))
        .otherwise(pl.lit("bad"))
    )
    frame = frame.with_columns(kind.alias("_kind"), number.alias("_value"))
    counts = {k: 0 for k in ("nonzero", "zero", "na", "bad")}
    counts.update(dict(frame.group_by("_kind").len().iter_rows()))
    counts["skipped"] = skipped
    _audit_cna_cells(audit, name, frame.height + skipped, counts)
    bad = frame.filter(pl.col("_kind") == "bad")
    examples = ", ".join(
        f"line {ln} sample {s}: {v!r}"
        for ln, s, v in bad.select("line", "Sample_Id", "Value").head(3).iter_rows()
    )
    _audit_cna_bad(audit, name, bad.height, examples, int(bad["line"][0]) if bad.height else 0)
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


def _audit_cna_bad(audit: Audit, name: str, n_bad: int, examples: str, line: int) -> None:
    """The bad CNA cells (a warning with examples and the first one's line), or the info
    entry that there were none; the same for the matrix and the long format."""
    if not n_bad:
        audit.add("info", "cna.cells_bad", "0 bad CNA cells", file=name, count=0)
        return
    audit.add(
        "warning",
        "cna.bad_value",
        f"{n_bad} CNA cell(s) not one of -2, -1.5, -1, 0, 1, 2, NA; left out (e.g. {examples})",
        file=name,
        line=line,
        count=n_bad,
    )

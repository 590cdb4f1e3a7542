"""Terminal output: one number format and one table printer that never cuts a number.

Every command prints its tables through :func:`print_table` (or
:func:`print_renderable` for a group of them) on a console from
:func:`stdout_console`. The printer gives each column at least the width of
its longest unbreakable piece (a whole number, a whole word of a header), lets
only text wrap between words, and when the columns still do not fit the
console it splits the table into several that repeat the first (label)
column; a table whose text would be squeezed below a readable width is shown
as one block per row instead. Numbers are rounded for reading with the
formatters below (:func:`fmt_p`, :func:`fmt_ci`, :func:`fmt_pct`,
:func:`fmt_num`); every digit stays in the files a command writes.

The console width is ``COLUMNS`` when set, the terminal's width on a
terminal, and 120 for a pipe or file.
"""

from __future__ import annotations

import os
import re
import sys
import textwrap
from typing import Any

from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

#: width of piped output when COLUMNS is not set
PIPE_WIDTH = 120
#: a wrapping text column narrower than this reads one word per line: use blocks
MIN_TEXT_WIDTH = 24

_NUMBER_TOKEN = re.compile(r"\d[\d,]*(\.\d+)?([eE][-+]?\d+)?")


def console_width() -> int:
    """``COLUMNS`` when set (>= 20), else the terminal's width, else :data:`PIPE_WIDTH`."""
    raw = os.environ.get("COLUMNS", "")
    if raw.isdigit() and int(raw) >= 20:
        return int(raw)
    if sys.stdout.isatty():
        return os.get_terminal_size(sys.stdout.fileno()).columns
    return PIPE_WIDTH


def stdout_console() -> Console:
    """The console a command prints its result on (stdout, :func:`console_width` wide)."""
    return Console(width=console_width())


def stderr_console() -> Console:
    """The console for progress, notes and audit lines (stderr)."""
    return Console(stderr=True, width=console_width())


# ---------------------------------------------------------------- tables


def _plain(cell: Any) -> str:
    if isinstance(cell, Text):
        return cell.plain
    if isinstance(cell, str):
        return Text.from_markup(cell).plain if "[" in cell else cell
    return str(cell)


def is_number(text: str) -> bool:
    """Whether a cell is numbers and punctuation only (``12``, ``0.034``, ``7.1e-05``,
    ``48.8 (40-57)``, ``89/147``): such a cell is kept on one line, never wrapped."""
    rest = _NUMBER_TOKEN.sub("", text)
    return rest != text and not rest.strip(" ()[]/%<>=:;,.-–+~")


def _unbreakable(text: str) -> int:
    """Width of the longest piece a line break may not split: a word, or a whole number."""
    return max((len(w) for w in text.split()), default=0)


def _overhead(table: Table, n_columns: int) -> int:
    padding = 2 * n_columns  # rich's default (0, 1) padding on each cell
    borders = n_columns + 1 if table.box is not None else 0
    if not table.pad_edge:
        padding -= 2
    return padding + borders


def _prepare(table: Table) -> list[tuple[int, int, bool]]:
    """Give every column its unbreakable minimum; return (min, natural max, wraps) per column."""
    out = []
    for col in table.columns:
        cells = [_plain(c) for c in col._cells]
        header = _plain(col.header)
        numeric = bool(cells) and all(is_number(c) or not c.strip() for c in cells)
        lines = [ln for c in cells for ln in c.splitlines()] + header.splitlines()
        longest = max((len(ln) for ln in lines), default=0)
        if numeric or col.no_wrap:
            need = max((len(c) for c in cells), default=0)
            col.no_wrap = True
        else:
            need = max((_unbreakable(ln) for ln in lines), default=0)
        need = max(need, max((_unbreakable(h) for h in header.splitlines()), default=0))
        col.min_width = max(col.min_width or 0, need)
        col.overflow = "fold"
        out.append((col.min_width, longest, not col.no_wrap))
    return out


def _part(table: Table, indices: list[int], *, first: bool) -> Table:
    """A table of some of ``table``'s columns (same rows, styles and title on the first)."""
    part = Table(
        title=table.title if first else None,
        title_justify=table.title_justify,
        header_style=table.header_style,
        box=table.box,
        show_header=table.show_header,
        show_lines=table.show_lines,
        pad_edge=table.pad_edge,
        expand=False,
    )
    for i in indices:
        col = table.columns[i]
        part.add_column(
            col.header,
            justify=col.justify,
            style=col.style,
            header_style=col.header_style,
            overflow=col.overflow,
            no_wrap=col.no_wrap,
            min_width=col.min_width,
            max_width=col.max_width,
        )
    for r, row in enumerate(table.rows):
        part.add_row(
            *(table.columns[i]._cells[r] for i in indices),
            style=row.style,
            end_section=row.end_section,
        )
    return part


def _records(table: Table, width: int) -> str:
    """One block per row: the short cells on one line, each long text below, indented."""
    cols = table.columns
    cells = [[_plain(c) for c in col._cells] for col in cols]
    headers = [_plain(c.header).replace("\n", " ") for c in cols]
    long_cols = {
        i
        for i, col in enumerate(cols)
        if not col.no_wrap and max(map(len, cells[i]), default=0) > 12
    }
    out = [_plain(table.title)] if table.title else []
    for r in range(len(table.rows)):
        short = [
            f"{headers[i]} {cells[i][r]}" if i else cells[i][r]
            for i in range(len(cols))
            if i not in long_cols and cells[i][r]
        ]
        out.append(textwrap.fill("  ".join(short), width=width, break_long_words=False))
        for i in sorted(long_cols):
            if cells[i][r]:
                out.append(
                    textwrap.fill(
                        cells[i][r],
                        width=width,
                        initial_indent="    ",
                        subsequent_indent="    ",
                        break_long_words=False,
                        break_on_hyphens=False,
                    )
                )
    return "\n".join(out)


def split_table(table: Table, width: int, *, keys: int = 1) -> list[Table] | str:
    """The table as printed at ``width``: itself, several narrower tables that repeat
    its first ``keys`` columns (what names a row), or (when text would be squeezed
    below :data:`MIN_TEXT_WIDTH`) a block per row as plain text."""
    spec = _prepare(table)
    n = len(spec)
    keys = max(1, min(keys, n - 1))
    key_cols = list(range(keys))
    total_min = sum(s[0] for s in spec) + _overhead(table, n)
    wrapping = [i for i, s in enumerate(spec) if s[2] and s[1] > MIN_TEXT_WIDTH and i > 0]
    if total_min <= width:
        if wrapping:
            fixed = sum(s[1] for i, s in enumerate(spec) if i not in wrapping)
            room = width - fixed - _overhead(table, n)
            if room / len(wrapping) < MIN_TEXT_WIDTH and n > 2:
                return _records(table, width)
        return [table]
    if n <= keys + 1:
        return _records(table, width)
    parts: list[list[int]] = []
    current: list[int] = []
    for i in range(keys, n):
        trial = [*key_cols, *current, i]
        need = sum(spec[j][0] for j in trial) + _overhead(table, len(trial))
        if current and need > width:
            parts.append(current)
            current = [i]
        else:
            current.append(i)
    parts.append(current)
    if any(
        sum(spec[j][0] for j in [*key_cols, *p]) + _overhead(table, len(p) + keys) > width
        for p in parts
    ):
        return _records(table, width)
    return [_part(table, [*key_cols, *p], first=k == 0) for k, p in enumerate(parts)]


def print_table(table: Table, console: Console | None = None, *, keys: int = 1) -> None:
    """Print a rich table so that no number (nor header word) is cut: fitted, split
    into narrower tables that repeat the first ``keys`` columns, or one block per
    row (:func:`split_table`)."""
    console = console or stdout_console()
    laid_out = split_table(table, console.width, keys=keys)
    if isinstance(laid_out, str):
        console.print(laid_out, markup=False, highlight=False, soft_wrap=True)
        return
    for part in laid_out:
        console.print(part)


def print_audit(audit: Any, *, where: str = "", console: Console | None = None) -> None:
    """An analysis' audit on stderr: each error and warning on its line, the
    informational entries counted in one (they are all in ``where``, the JSON
    a command writes with ``--out``)."""
    console = console or stderr_console()
    infos = 0
    for e in audit:
        if e.level == "info":
            infos += 1
            continue
        count = f" (n={e.count})" if e.count is not None else ""
        console.print(f"audit {e.level} {e.code}: {e.message}{count}", markup=False)
    if infos:
        kept = f" (every entry in {where} with --out)" if where else ""
        console.print(f"audit: {infos} informational entries{kept}", markup=False)


def print_renderable(item: RenderableType, console: Console | None = None) -> None:
    """Print ``item``: tables through :func:`print_table`, a group item by item."""
    console = console or stdout_console()
    if isinstance(item, Table):
        print_table(item, console)
    elif isinstance(item, Group):
        for sub in item.renderables:
            print_renderable(sub, console)
    else:
        console.print(item)

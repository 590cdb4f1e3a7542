"""Formatting of HER2 calls: the classified table (TSV/CSV) and the rich summaries.

The library (:mod:`her2scope.her2`) returns data; this module is the only
place that turns a :class:`~her2scope.her2.Her2Result` into text.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

import polars as pl
from rich.console import Console
from rich.table import Table

from her2scope.her2 import Her2Profile, Her2Result
from her2scope.outputs import write_text_atomic


def classified_text(table: pl.DataFrame, *, csv: bool = False) -> str:
    """The classified table as TSV (default) or CSV text: nulls empty, booleans true/false."""
    return table.write_csv(separator="," if csv else "\t", null_value="")


def write_classified(
    table: pl.DataFrame, out: Path | None, *, stdout: TextIO | None = None
) -> None:
    """Write the classified table to ``out`` in the format its suffix names (``.csv``,
    ``.parquet``, ``.json``, ``.xlsx``; TSV otherwise) or to stdout as TSV."""
    if out is None:
        (stdout or sys.stdout).write(classified_text(table))
        return
    from her2scope.render.writers import WRITERS, write_table

    suffix = out.suffix.lower()
    by_suffix = {s: name for name, (s, _) in WRITERS.items()}
    if suffix in by_suffix and suffix not in (".tsv", ".csv"):
        # issue 22: calls.parquet is Parquet, not TSV under another name
        write_table(table, out, format=by_suffix[suffix])
        return
    # temporary name + rename: a failed write raises OutputError and leaves nothing at ``out``
    write_text_atomic(out, classified_text(table, csv=suffix == ".csv"))


def her2_summary_table(result: Her2Result, *, title: str | None = None) -> Table:
    """A rich table: rows per HER2 category with percentages."""
    counts = result.counts()
    total = max(result.table.height, 1)
    table = Table(
        title=title
        or f"HER2 calls: profile {result.profile.name}, --ambiguous {result.ambiguous_policy}",
        title_justify="left",
    )
    table.add_column("her2_category")
    table.add_column("n", justify="right")
    table.add_column("%", justify="right")
    for category, n in counts.iter_rows():
        table.add_row(category, f"{n:,}", f"{100 * n / total:.1f}")
    table.add_section()
    table.add_row("total rows", f"{result.table.height:,}", "")
    table.add_row("ambiguous IHC ranges", f"{result.n_ambiguous:,}", "")
    return table


def unusable_table(result: Her2Result) -> Table | None:
    """A rich table of values that could not be read (None when there are none)."""
    if result.unusable.height == 0:
        return None
    table = Table(title="Unusable values (kept, treated as no result)", title_justify="left")
    for name in ("column", "value", "reason", "rows"):
        table.add_column(name, justify="right" if name == "rows" else "left")
    for _field, column, raw, reason, n in result.unusable.iter_rows():
        table.add_row(column, repr(raw), reason, f"{n:,}")
    return table


def print_her2_summary(result: Her2Result, console: Console | None = None) -> None:
    """Print the category counts, the columns used and the unusable values (to stderr)."""
    console = console or Console(stderr=True)
    used = ", ".join(f"{field}={column}" for field, column in result.mapping.items())
    console.print(f"columns: {used}")
    console.print(her2_summary_table(result))
    bad = unusable_table(result)
    if bad is not None:
        console.print(bad)
    else:
        console.print("unusable values: 0")
    notes = [e for e in result.audit if e.code == "her2.outside_reading"]
    for entry in notes:
        console.print(f"note: {entry.message} ({entry.count} row(s))")


def profiles_table(profiles: Sequence[Her2Profile]) -> Table:
    """A rich table listing rule profiles with their title and guideline source."""
    table = Table(title="HER2 rule profiles", title_justify="left", show_lines=True)
    table.add_column("profile", no_wrap=True)
    table.add_column("what it does")
    table.add_column("source")
    for profile in profiles:
        table.add_row(profile.name, profile.title, profile.docs.source)
    return table

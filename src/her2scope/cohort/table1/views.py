"""Table 1's views: terminal table, TSV/JSON files, HTML report.

Nothing here computes a statistic; it lays out what
:func:`her2scope.cohort.table1.compute.analyze` returned. Only the faces and
:mod:`her2scope.cohort.table1.run` import it (a result never does).
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl
from rich.console import Console
from rich.table import Table

from her2scope.cohort.provenance import CITATIONS, versions
from her2scope.cohort.table1.result import fmt_fixed, not_assessed_text, sensitivity_lines
from her2scope.render.formats import fmt_p

if TYPE_CHECKING:
    from her2scope.cohort.table1.result import IntersectionResult
    from her2scope.render.html import EmbeddedFigure


def seed_comparison(row: dict[str, Any]) -> str:
    """`ours a/b vs paper c/d` where the seed reports counts, with a match flag."""
    a, b = row.get("seed_n_her2_low"), row.get("seed_n_her2_known")
    if a is None or b is None:
        return row.get("seed_text") or ""
    same = a == row["n_her2_low"] and b == row["n_her2_known"]
    return f"{a}/{b}" + (" (=)" if same else " (differs)")


def _full(value: Any) -> str:
    """A number with every digit (for pipes and files: nothing rounded away)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return repr(value) if isinstance(value, float) else str(value)


#: Columns of the narrow layout's two tables (at 80 columns one table would cut numbers).
_NARROW_SPLIT = (
    ("alteration", "altered", "known", "low", "% low (95% CI)", "OR", "q"),
    ("alteration", "base %", "p>exp", "paper a/b"),
)


def terminal_table(
    result: IntersectionResult, *, precise: bool = False, columns: Sequence[str] | None = None
) -> Table:
    """The intersection table as a rich table.

    ``precise``: every digit of OR, q and p (for output that is not a
    terminal). ``columns``: only these columns (the narrow layout).
    Long cells fold onto a second line instead of being cut.
    """
    o = result.options
    title = (
        f"HER2-low x resistance alterations - {result.study_id} - profile {o.profile}, "
        f"ambiguous {o.ambiguous}, {result.n_included}/{result.n_samples} samples analysed"
    )
    t = Table(title=title, title_justify="left", header_style="bold", pad_edge=False)
    for name, justify in [
        ("alteration", "left"),
        ("altered", "right"),
        ("known", "right"),
        ("low", "right"),
        ("% low (95% CI)", "right"),
        ("base %", "right"),
        ("OR", "right"),
        ("q", "right"),
        ("p>exp", "right"),
        ("paper a/b", "left"),
    ]:
        if columns is None or name in columns:
            t.add_column(name, justify=justify, overflow="fold")  # type: ignore[arg-type]
    unassessed = result.unassessed_rows()
    for r in result.table.iter_rows(named=True):
        style = "bold" if r["level"] != "alteration" else None
        cells = {
            "alteration": r["alteration"],
            "altered": "n/a" if r["alteration"] in unassessed else str(r["n_altered"]),
            "known": str(r["n_her2_known"]),
            "low": str(r["n_her2_low"]),
            "% low (95% CI)": (
                f"{fmt_fixed(r['pct_her2_low'])} "
                f"({fmt_fixed(r['ci_low'], 0)}-{fmt_fixed(r['ci_high'], 0)})"
                if fmt_fixed(r["pct_her2_low"])
                else ""  # no HER2 call among the altered: nothing to estimate
            ),
            "base %": fmt_fixed(r["baseline_pct_her2_low"]),
            "OR": _full(r["odds_ratio"]) if precise else fmt_fixed(r["odds_ratio"], 2),
            "q": _full(r["q_fisher"]) if precise else fmt_p(r["q_fisher"]),
            "p>exp": _full(r["p_vs_expected"]) if precise else fmt_p(r["p_vs_expected"]),
            "paper a/b": seed_comparison(r),
        }
        t.add_row(*(v for k, v in cells.items() if columns is None or k in columns), style=style)
    return t


def print_result(result: IntersectionResult, console: Console | None = None) -> None:
    """Print the table and summary, fitted to the console.

    A terminal gets rounded numbers; anything else (a pipe, a file) every
    digit. When the table is wider than the console (``COLUMNS`` is honoured
    for pipes too) it is split into two narrower tables, so no cell is cut.
    """
    console = console or Console()
    precise = False  # rounded everywhere on screen; every digit is in the files (issue 27)
    width = console.width
    env_columns = os.environ.get("COLUMNS", "")
    if precise and env_columns.isdigit() and int(env_columns) >= 40:
        width = int(env_columns)

    def fits(table: Table) -> bool:
        return console.measure(table, options=console.options.update_width(10_000)).maximum <= width

    full = terminal_table(result, precise=precise)
    if fits(full):
        console.print(full, width=width)
        console.print(summary_text(result), width=width)
        return
    parts = [terminal_table(result, precise=precise, columns=c) for c in _NARROW_SPLIT]
    if all(fits(part) for part in parts):
        for part in parts:
            console.print(part, width=width)
    else:
        console.print(vertical_text(result, width, precise=precise), width=width, soft_wrap=True)
    console.print(summary_text(result), width=width)


def vertical_text(result: IntersectionResult, width: int, *, precise: bool = False) -> str:
    """The table as one block per row (``name value`` pairs filled to ``width``): the
    layout for consoles too narrow for any table, where nothing is cut or folded."""
    grid = terminal_table(result, precise=precise)
    names = [str(c.header) for c in grid.columns]
    cells = [list(c.cells) for c in grid.columns]
    import textwrap

    lines = textwrap.wrap(str(grid.title), width)
    for i in range(grid.row_count):
        lines.append(str(cells[0][i]))
        row = "  "
        for name, column in zip(names[1:], cells[1:], strict=True):
            value = str(column[i])
            if not value:
                continue
            pair = f"{name} {value}"
            if len(row) + len(pair) + 2 > width and row.strip():
                lines.append(row.rstrip())
                row = "  "
            row += pair + "  "
        if row.strip():
            lines.append(row.rstrip())
    return "\n".join(lines)


def summary_text(result: IntersectionResult) -> str:
    """Three to five plain lines (:meth:`IntersectionResult.summary_lines`)."""
    return "\n".join(result.summary_lines())


def table_json(result: IntersectionResult) -> str:
    """``intersection.json``: options, counts, not-assessed alterations, rows, versions."""
    from her2scope.cohort.options import options_dict
    from her2scope.render.writers import json_safe  # moves to render.writers (26)

    payload = {
        "study_id": result.study_id,
        "options": options_dict(result.options),
        "n_samples": result.n_samples,
        "n_analysed": result.n_included,
        "not_assessed": result.not_assessed.to_dicts(),
        "not_assessed_text": not_assessed_text(result.not_assessed),
        "rows": result.table.to_dicts(),
        "versions": versions(),
    }
    return json.dumps(json_safe(payload), indent=2)


def audit_summary(result: IntersectionResult) -> pl.DataFrame:
    """Counts of samples per reason (the audit in one small table)."""
    return (
        result.samples.group_by("reason")
        .agg(pl.len().alias("n_samples"))
        .sort("n_samples", descending=True)
    )


def cohort_figures(result: IntersectionResult, *, fmt: str = "svg") -> list[EmbeddedFigure]:
    """The report's three figures (forest plot, stacked bar, oncoprint), encoded as ``fmt``."""
    from her2scope.render import plots as figures
    from her2scope.render.html import embed

    return [
        embed(
            figures.forest_figure(result.table, expected=result.options.expected),
            "HER2-low fraction per alteration",
            "Points: HER2-low % among altered tumors with a known HER2 call, bars: Wilson 95% CI; "
            "diamonds: mechanism classes and any alteration; grey tick: the cohort baseline "
            "(profiled tumors without the alteration); green band: the expected range.",
            format=fmt,
        ),
        embed(
            figures.stacked_figure(result.table),
            "HER2 categories per alteration",
            "Composition of altered tumors by HER2 call, including calls that are not on the "
            "0/low/positive scale.",
            format=fmt,
        ),
        embed(
            figures.oncoprint_figure(result.table, result.samples, result.calls),
            "Alteration matrix (oncoprint)",
            "Analysed tumors with at least one catalog alteration; top track: HER2 call.",
            format=fmt,
        ),
    ]


def html_report(
    result: IntersectionResult,
    *,
    command: str,
    sensitivity: pl.DataFrame | None = None,
    adjusted_section: str | None = None,
) -> str:
    """A single self-contained HTML file (figures embedded as SVG ``data:`` URIs).

    ``adjusted_section``: HTML of :func:`her2scope.cohort.adjusted.views.html_section`, if any."""
    from her2scope.cohort.options import options_dict
    from her2scope.render import plots as figures
    from her2scope.render.html import embed, render

    figs = cohort_figures(result)
    sens_fig = None
    if sensitivity is not None:
        sens_fig = embed(
            figures.sensitivity_figure(sensitivity),
            "Sensitivity analysis",
            "HER2-low % (left) and Fisher q vs baseline (right) per alteration under each "
            "HER2 rule profile and ambiguity policy.",
        )
    unassessed = result.unassessed_rows()
    rows = [
        {
            **r,
            "altered_cell": "not assessed" if r["alteration"] in unassessed else r["n_altered"],
            "pct": (
                f"{fmt_fixed(r['pct_her2_low'])} "
                f"({fmt_fixed(r['ci_low'])}-{fmt_fixed(r['ci_high'])})"
            ),
            "baseline": fmt_fixed(r["baseline_pct_her2_low"]),
            "or": fmt_fixed(r["odds_ratio"], 2),
            "p": fmt_p(r["p_fisher"]),
            "q": fmt_p(r["q_fisher"]),
            "p_exp": fmt_p(r["p_vs_expected"]),
            "seed": seed_comparison(r),
        }
        for r in result.table.iter_rows(named=True)
    ]
    audit_rows = audit_summary(result).to_dicts()
    findings = [
        {
            "level": e.level,
            "code": e.code,
            "message": e.message,
            "file": e.file or "",
            "count": e.count,
        }
        for e in result.audit
    ]
    return render(
        "cohort.html.j2",
        study_id=result.study_id,
        generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        summary=summary_text(result).split("\n"),
        options=options_dict(result.options),
        rows=rows,
        figures=figs,
        sensitivity_figure=sens_fig,
        adjusted_section=adjusted_section,
        audit_rows=audit_rows,
        findings=findings,
        command=command,
        versions=versions(),
        citations=CITATIONS,
    )


def write_outputs(
    result: IntersectionResult,
    out_dir: Path,
    *,
    command: str,
    sensitivity: pl.DataFrame | None = None,
    adjusted_section: str | None = None,
) -> list[Path]:
    """Write intersection.tsv/.json, audit.tsv, (sensitivity.tsv/.png,) report.html.

    ``audit.tsv`` keeps every digit (no float rounding); the paths come back in
    the order written."""
    from her2scope.render.bundle import write_bundle

    written = write_bundle(
        out_dir,
        tables={"intersection.tsv": result.table},
        texts={"intersection.json": table_json(result)},
    )
    written += write_bundle(
        out_dir, tables={"audit.tsv": result.samples}, raw_tables=frozenset({"audit.tsv"})
    )
    if sensitivity is not None:
        from her2scope.render import plots as figures

        written += write_bundle(
            out_dir,
            tables={"sensitivity.tsv": sensitivity},
            figures={"sensitivity.png": figures.sensitivity_figure(sensitivity)},
        )
    html = html_report(
        result, command=command, sensitivity=sensitivity, adjusted_section=adjusted_section
    )
    return written + write_bundle(out_dir, texts={"report.html": html})


def sensitivity_summary(sensitivity: pl.DataFrame, alterations: Sequence[str] = ("ALL",)) -> Table:
    """HER2-low % and q for selected rows across settings, as a rich table."""
    t = Table(title="Sensitivity: HER2-low % (q vs baseline)", title_justify="left")
    t.add_column("row")
    settings = sensitivity.select("profile", "ambiguous").unique(maintain_order=True).rows()
    for profile, policy in settings:
        t.add_column(f"{profile}\n{policy}", justify="right")
    for alt in alterations:
        part = sensitivity.filter(pl.col("alteration") == alt)
        if part.height == 0:
            continue
        cells = []
        for profile, policy in settings:
            r = part.filter((pl.col("profile") == profile) & (pl.col("ambiguous") == policy)).row(
                0, named=True
            )
            cells.append(f"{fmt_fixed(r['pct_her2_low'])} ({fmt_p(r['q_fisher'])})")
        t.add_row(part["label"][0], *cells)
    return t


def sensitivity_text(sensitivity: pl.DataFrame, alteration: str = "ALL") -> str:
    """One line per profile x policy: HER2-low % (n known) of one row of the grid."""
    return "\n".join(sensitivity_lines(sensitivity, alteration))

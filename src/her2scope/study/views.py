"""Terminal rendering of a study's validation: the audit table and the summary figures.

Formatting only: the figures come from :func:`her2scope.study.summarize` and
the entries from ``study.audit``; nothing is computed here.
"""

from __future__ import annotations

from collections.abc import Mapping

from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from her2scope.audit import Audit
from her2scope.study import Study, summarize

_LEVEL_STYLE = {"error": "bold red", "warning": "yellow", "info": "dim"}


def _where(file: str | None, line: int | None, column: str | None) -> str:
    where = file or ""
    if line is not None:
        where += f":{line}"
    if column:
        where += f" [{column}]"
    return where


def audit_table(audit: Audit, *, title: str = "Audit") -> Table:
    """A rich table of audit entries: level, code, count, where (file:line [column]), message.

    Errors first, then warnings, then info; order within a level as recorded.
    """
    table = Table(title=title, show_lines=False, expand=False)
    table.add_column("level")
    table.add_column("code", no_wrap=True)
    table.add_column("count", justify="right")
    table.add_column("where", overflow="fold")
    table.add_column("message", overflow="fold")
    rank = {"error": 0, "warning": 1, "info": 2}
    for entry in sorted(audit, key=lambda e: rank[e.level]):
        table.add_row(
            Text(entry.level, style=_LEVEL_STYLE[entry.level]),
            entry.code,
            f"{entry.count:,}",
            _where(entry.file, entry.line, entry.column),
            entry.message,
        )
    return table


def summary_table(figures: Mapping[str, int], *, title: str = "Summary") -> Table:
    """The validation figures (samples, patients, MAF rows, CNA cells, SV rows) as a table."""
    rows = [
        ("samples", f"{figures['samples']:,}"),
        ("patients", f"{figures['patients']:,}"),
        (
            "MAF rows read / kept / flagged",
            f"{figures['maf_rows_read']:,} / {figures['maf_rows_kept']:,} / "
            f"{figures['maf_rows_flagged']:,}",
        ),
        (
            "CNA cells read / non-zero / zero / NA / bad / skipped",
            f"{figures['cna_cells_read']:,} / {figures['cna_cells_nonzero']:,} / "
            f"{figures['cna_cells_zero']:,} / {figures['cna_cells_na']:,} / "
            f"{figures['cna_cells_bad']:,} / {figures['cna_cells_skipped']:,}",
        ),
        (
            "SV rows read / kept / (sample, gene) rows",
            f"{figures['sv_rows_read']:,} / {figures['sv_rows_kept']:,} / "
            f"{figures['sv_gene_rows']:,}",
        ),
        ("errors / warnings", f"{figures['errors']:,} / {figures['warnings']:,}"),
    ]
    table = Table(title=title, show_header=False)
    table.add_column("what")
    table.add_column("value", justify="right")
    for what, value in rows:
        table.add_row(what, value)
    return table


def verdict_text(study: Study, figures: Mapping[str, int], *, strict: bool = False) -> Text:
    """The one-line verdict, matching the exit status ``validate`` gives.

    With ``strict`` a warning makes the study not usable (exit 2), so the line
    must say so: "usable" over exit 2 would contradict the exit status.
    """
    if not study.audit.ok:
        return Text(
            f"{study.study_id}: NOT usable ({figures['errors']} error(s))", style="bold red"
        )
    if strict and figures["warnings"]:
        return Text(
            f"{study.study_id}: NOT usable under --strict ({figures['warnings']} warning(s); "
            "without --strict the study is usable)",
            style="bold red",
        )
    return Text(f"{study.study_id}: usable", style="bold green")


def validation_report(study: Study, *, strict: bool = False) -> Group:
    """Audit table, summary table and a one-line verdict for ``her2scope validate``."""
    figures = summarize(study)
    verdict = verdict_text(study, figures, strict=strict)
    return Group(
        audit_table(study.audit, title=f"Audit of {study.study_id}"),
        summary_table(figures),
        verdict,
    )


def print_validation(study: Study, console: Console | None = None, *, strict: bool = False) -> None:
    """Print :func:`validation_report` to ``console`` (default: stdout)."""
    (console or Console()).print(validation_report(study, strict=strict))

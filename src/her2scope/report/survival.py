"""Formatting of :class:`~her2scope.analysis.survival.SurvivalResult`.

Terminal (rich), TSV (with the sequencing-time bias note as ``#`` header
lines), JSON, a Kaplan-Meier figure (PNG/SVG) and a self-contained HTML page.
Every output carries the bias note: survival is from diagnosis, patients
enter at sequencing.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import matplotlib

matplotlib.use("Agg")  # headless: reports are written on servers and in CI
import matplotlib.pyplot as plt
import polars as pl
from rich.console import Console
from rich.table import Table

from her2scope.report.switching import (
    figure_to_base64,
    frame_to_html,
    html_page,
    json_safe,
    note,
    save_figure,
    write_tsv,
)

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from her2scope.analysis.survival import SurvivalResult

ANALYSIS_TITLES = {
    "from_diagnosis": "From diagnosis (naive; subject to sequencing-time bias)",
    "left_truncated": "Left-truncated (delayed entry at sequencing)",
}
_COLOURS = {
    "HER2-0": "#1f77b4",
    "HER2-low": "#ff7f0e",
    "HER2-positive": "#d62728",
    "not_altered": "#7f7f7f",
    "altered": "#9467bd",
}


def _caveats(result: SurvivalResult) -> list[str]:
    lt = result.left_truncation
    lt_line = (
        f"Left-truncated analysis: {lt.get('reason')}."
        if lt.get("done")
        else f"Left-truncated analysis skipped: {lt.get('reason')}."
    )
    grouping = (
        "HER2-0 = HER2-0/null/ultralow; unknown/equivocal/HER2-negative calls excluded."
        if result.by == "her2"
        else "Groups altered vs not_altered; not_profiled samples excluded."
    )
    return [
        "CAUTION (sequencing-time bias): " + result.bias_note,
        lt_line,
        "One sample per patient: the first sequenced sample by NGS_SAMPLE_COLLECTION_TIME "
        f"(ties: SAMPLE_ID). {grouping} Pairwise log-rank tests are not corrected for "
        "multiplicity; Cox models assume proportional hazards.",
    ]


def _fmt(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return f"{v:.3g}"
    return str(v)


#: What a blank cell means where it has a meaning: a KM median the curve never reaches.
_BLANK_MEANS = {"median_os_months": "not reached"}


def _rich_table(frame: pl.DataFrame, title: str) -> Table:
    t = Table(title=title)
    for c in frame.columns:
        t.add_column(c)
    for row in frame.iter_rows():
        cells = zip(frame.columns, row, strict=True)
        t.add_row(*(_BLANK_MEANS.get(c, "") if v is None else _fmt(v) for c, v in cells))
    return t


def print_survival(result: SurvivalResult, console: Console | None = None) -> None:
    """Rich terminal rendering, with the bias note first and last."""
    console = console or Console()
    caveats = _caveats(result)
    console.print(f"[bold]Overall survival by {result.by}[/bold] {result.study_id or ''}")
    console.print(f"[bold red]{caveats[0]}[/bold red]")
    console.print(
        f"{result.n_patients} patients, {result.n_events} deaths; reference group "
        f"{result.reference_group}"
    )
    console.print(_rich_table(result.table, "Groups (KM median OS, months, 95% CI)"))
    console.print(_rich_table(result.logrank, "Tests"))
    console.print(
        _rich_table(
            result.cox,
            "Cox proportional hazards (HR, 95% CI; ph_p_value: scaled Schoenfeld residual test, "
            "ph_ok false = the PH assumption fails, see warnings)",
        )
    )
    for text in caveats[1:]:
        console.print(f"[yellow]Note:[/yellow] {text}")
    for e in result.audit:
        console.print(f"[dim]audit {e.level} {e.code}: {e.message} (n={e.count})[/dim]")


def km_figure(result: SurvivalResult) -> Figure:
    """KM curves with 95% bands, one panel per analysis (from diagnosis, left-truncated)."""
    analyses = [a for a in ANALYSIS_TITLES if result.curves["analysis"].eq(a).any()] or [
        "from_diagnosis"
    ]
    fig, axes = plt.subplots(1, len(analyses), figsize=(6.5 * len(analyses), 4.8), squeeze=False)
    for ax, analysis in zip(axes[0], analyses, strict=True):
        sub = result.curves.filter(pl.col("analysis") == analysis)
        groups = result.table.filter(pl.col("analysis") == analysis)
        for g in groups.iter_rows(named=True):
            curve = sub.filter(pl.col("group") == g["group"])
            colour = _COLOURS.get(g["group"])
            label = f"{g['group']} (n={g['n_patients']}, deaths={g['n_events']})"
            ax.step(curve["time"], curve["survival"], where="post", label=label, color=colour)
            ax.fill_between(
                curve["time"].to_numpy(),
                curve["ci_low"].to_numpy(),
                curve["ci_high"].to_numpy(),
                step="post",
                alpha=0.15,
                color=colour,
            )
        p_rows = result.logrank.filter(
            (pl.col("analysis") == analysis) & (pl.col("comparison") == "all groups")
        )
        p_text = ""
        if p_rows.height and p_rows["p_value"][0] is not None:
            p_text = f"\n{p_rows['test'][0]} p = {p_rows['p_value'][0]:.2g}"
        ax.set_title(ANALYSIS_TITLES[analysis] + p_text, fontsize=10)
        ax.set_xlabel("months since diagnosis")
        ax.set_ylabel("overall survival")
        ax.set_ylim(0, 1.02)
        ax.legend(fontsize=8, loc="lower left")
    fig.suptitle(
        "Survival from diagnosis; patients enter at sequencing (left truncation)", fontsize=10
    )
    fig.tight_layout()
    return fig


def survival_json(result: SurvivalResult) -> dict[str, Any]:
    """JSON-ready dict with the bias note as a field."""
    return {
        "study_id": result.study_id,
        "by": result.by,
        "reference_group": result.reference_group,
        "profile": result.profile,
        "ambiguous": result.ambiguous,
        "bias_note": result.bias_note,
        "left_truncation": result.left_truncation,
        "n_patients": result.n_patients,
        "n_events": result.n_events,
        "groups": result.table.to_dicts(),
        "tests": result.logrank.to_dicts(),
        "cox": result.cox.to_dicts(),
        "audit": result.audit.to_frame().to_dicts(),
    }


def survival_html(result: SurvivalResult, *, include_figure: bool = True) -> str:
    """Self-contained HTML page with the KM figure embedded as base64 PNG."""
    caveats = _caveats(result)
    sections = [
        note(caveats[0]),
        f"<p>Study: {html.escape(str(result.study_id))}; grouping: {html.escape(result.by)}; "
        f"{result.n_patients} patients, {result.n_events} deaths; reference group "
        f"{html.escape(result.reference_group)}.</p>",
    ]
    if include_figure:
        b64 = figure_to_base64(km_figure(result))
        sections.append(f"<img alt='Kaplan-Meier curves' src='data:image/png;base64,{b64}'>")
    sections += [
        "<h2>Groups</h2>",
        frame_to_html(result.table),
        "<h2>Tests</h2>",
        frame_to_html(result.logrank),
        "<h2>Cox model</h2>",
        frame_to_html(result.cox),
        *(note(c) for c in caveats[1:]),
        "<h2>Audit</h2>",
        frame_to_html(result.audit.to_frame().select("level", "code", "message", "count")),
    ]
    return html_page(f"Overall survival by {result.by}", sections)


def write_survival(result: SurvivalResult, out_dir: Path | str) -> list[Path]:
    """Write survival_groups.tsv, logrank.tsv, cox.tsv, survival.json, km.png, survival.html."""
    from her2scope.outputs import ensure_dir, write_text_atomic

    out = ensure_dir(out_dir)
    comments = _caveats(result)
    paths = [
        write_tsv(result.table, out / "survival_groups.tsv", comments),
        write_tsv(result.logrank, out / "logrank.tsv", comments),
        write_tsv(result.cox, out / "cox.tsv", comments),
    ]
    json_path = out / "survival.json"
    write_text_atomic(json_path, json.dumps(json_safe(survival_json(result)), indent=2) + "\n")
    paths.append(json_path)
    paths.append(save_figure(km_figure(result), out / "km.png"))
    html_path = out / "survival.html"
    write_text_atomic(html_path, survival_html(result))
    paths.append(html_path)
    return paths

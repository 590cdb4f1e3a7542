"""Views of a :class:`~her2scope.cohort.survival.result.SurvivalResult`.

Terminal (rich), TSV (with the sequencing-time bias note as ``#`` header
lines), JSON, a Kaplan-Meier figure (PNG/SVG) and a self-contained HTML page.
Every output of a study that records sequencing time (MSK's
NGS_SAMPLE_COLLECTION_TIME) carries the bias note: survival is from diagnosis,
patients enter at sequencing. Studies without it (TCGA, METABRIC) get no such
note: their convention has no delayed entry.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import polars as pl
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from her2scope.cohort.survival.result import ANALYSIS_TITLES
from her2scope.render.bundle import write_bundle
from her2scope.render.canvas import AT_RISK_FONTSIZE
from her2scope.render.console import print_audit, print_table
from her2scope.render.formats import fmt_num, fmt_p
from her2scope.render.html import embed, figure_tag, fragment, frame_to_html, note, page
from her2scope.render.writers import json_safe
from her2scope.vocab import ALTERATION_STATUS_COLOURS, HER2_COLOURS

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from her2scope.cohort.survival.result import SurvivalResult

_COLOURS = {**HER2_COLOURS, **ALTERATION_STATUS_COLOURS}  # the palette's home: vocab.py


def _caution(result: SurvivalResult) -> str | None:
    """The sequencing-time caveat, where the study's convention has it (None elsewhere)."""
    return result.caution


def _caveats(result: SurvivalResult) -> list[str]:
    """Every caveat line: the caution (when it applies), then the notes."""
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
    caution = _caution(result)
    return [
        *([caution] if caution else []),
        lt_line,
        f"One sample per patient: {result.sample_choice}. {grouping} Pairwise log-rank "
        "tests are not corrected for multiplicity; Cox models assume proportional hazards.",
        *(f"{text[0].upper()}{text[1:]}." for text in result.explanations),
    ]


def _notes(result: SurvivalResult) -> list[str]:
    """The caveats after the caution line."""
    caveats = _caveats(result)
    return caveats[1:] if _caution(result) else caveats


def _fmt(v: Any) -> str:
    if v is None:
        return ""
    return fmt_num(v)  # the console's one number format (report/console.py)


#: What a blank cell means where it has a meaning: a KM median the curve never reaches.
_BLANK_MEANS = {"median_os_months": "not reached", "median_ci_high": "not reached"}


def _cell(column: str, value: Any) -> str:
    return fmt_p(value) if column.endswith("p_value") else _fmt(value)


def _rich_table(frame: pl.DataFrame, title: str) -> Table:
    t = Table(title=title)
    for c in frame.columns:
        t.add_column(c)
    for row in frame.iter_rows():
        cells = zip(frame.columns, row, strict=True)
        t.add_row(*(_BLANK_MEANS.get(c, "") if v is None else _cell(c, v) for c, v in cells))
    return t


def print_survival(result: SurvivalResult, console: Console | None = None) -> None:
    """Rich terminal rendering, with the bias note first and last."""
    console = console or Console()
    caution = _caution(result)
    console.print(
        f"Overall survival by {result.by} {result.study_id or ''}", style="bold", markup=False
    )
    if caution:
        console.print(caution, style="bold red", markup=False)
    console.print(
        f"{result.n_patients} patients, {result.n_events} deaths; reference group "
        f"{result.reference_group}"
    )
    print_table(_rich_table(result.table, "Groups (KM median OS, months, 95% CI)"), console, keys=2)
    print_table(_rich_table(result.logrank, "Tests"), console, keys=2)
    print_table(
        _rich_table(
            result.cox,
            "Cox proportional hazards (HR, 95% CI; ph_p_value: scaled Schoenfeld residual test, "
            "ph_ok false = the PH assumption fails, see warnings)",
        ),
        console,
        keys=2,
    )
    for text in _notes(result):
        console.print(f"[yellow]Note:[/yellow] {escape(text)}")
    print_audit(result.audit, where="survival.json")  # not the result: stderr, warnings first


def _km_panel(ax: Axes, result: SurvivalResult, analysis: str) -> None:
    sub = result.curves.filter(pl.col("analysis") == analysis)
    groups = result.table.filter(pl.col("analysis") == analysis)
    for g in groups.iter_rows(named=True):
        curve = sub.filter(pl.col("group") == g["group"])
        colour = _COLOURS.get(g["group"])
        label = f"{g['group']} (n={g['n_patients']}, deaths={g['n_events']})"
        ax.step(curve["time"], curve["survival"], where="post", label=label, color=colour, lw=1.8)
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
    title = ANALYSIS_TITLES[analysis]
    if analysis == "from_diagnosis" and result.bias_note:
        title += " (naive; subject to sequencing-time bias)"
    ax.set_title(title + p_text, fontsize=10)
    ax.set_xlabel("months since diagnosis")
    ax.set_ylabel("overall survival")
    ax.set_ylim(0, 1.02)
    ax.legend(fontsize=8, loc="lower left")
    _numbers_at_risk(ax, sub, [str(g) for g in groups["group"].to_list()])


def numbers_at_risk(curve: pl.DataFrame, times: list[float]) -> list[int]:
    """Patients at risk at each time: the at-risk count of the first step at or after it.

    ``curve`` is one group's KM step function (``time``, ``at_risk``); past the last
    step nobody is at risk.
    """
    times_col = curve["time"].to_list()
    at_risk = curve["at_risk"].to_list()
    out: list[int] = []
    for t in times:
        i = next((k for k, x in enumerate(times_col) if x >= t), None)
        out.append(int(at_risk[i]) if i is not None else 0)
    return out


def _numbers_at_risk(ax: Axes, curves: pl.DataFrame, groups: list[str]) -> None:
    """A numbers-at-risk table under the panel, one row per group, at the x ticks."""
    from matplotlib.transforms import blended_transform_factory

    lo, hi = ax.get_xlim()
    ticks = [float(x) for x in ax.get_xticks() if lo <= x <= hi]
    ax.set_xticks(ticks)
    trans = blended_transform_factory(ax.transData, ax.transAxes)
    ax.text(
        0, -0.2, "at risk", transform=ax.transAxes, ha="right", va="top", fontsize=AT_RISK_FONTSIZE
    )
    for row, group in enumerate(groups):
        y = -0.26 - 0.08 * row
        curve = curves.filter(pl.col("group") == group)
        ax.text(
            lo, y, group, transform=trans, ha="right", va="top", fontsize=AT_RISK_FONTSIZE,
            color=_COLOURS.get(group, "#333333"),
        )  # fmt: skip
        for x, n in zip(ticks, numbers_at_risk(curve, ticks), strict=True):
            ax.text(x, y, str(n), transform=trans, ha="center", va="top", fontsize=AT_RISK_FONTSIZE)


def km_figure(
    result: SurvivalResult, *, analysis: str | None = None, ax: Axes | None = None
) -> Figure:
    """KM curves with 95% bands, one panel per analysis (from diagnosis, left-truncated).

    With ``ax``, one panel (``analysis``, default ``from_diagnosis``) is drawn
    into it and its figure returned. Drawn without pyplot: the caller's
    matplotlib backend is never changed.

    Parameters
    ----------
    result : SurvivalResult
        From :func:`her2scope.tl.survival`.
    analysis : str, optional
        The panel drawn into ``ax`` (``from_diagnosis`` or ``left_truncated``).
    ax : matplotlib Axes, optional
        Draw one panel here instead of a new figure.

    Returns
    -------
    matplotlib.figure.Figure
        The figure drawn on.

    Examples
    --------
    >>> fig = km_figure(result)  # doctest: +SKIP
    """
    from her2scope.render.canvas import _figure

    if ax is not None:
        _km_panel(ax, result, analysis or "from_diagnosis")
        fig = ax.get_figure()
        assert fig is not None
        return cast("Figure", fig)
    analyses = [a for a in ANALYSIS_TITLES if result.curves["analysis"].eq(a).any()] or [
        "from_diagnosis"
    ]
    fig = _figure((6.5 * len(analyses), 5.4))  # room for the numbers at risk
    axes = fig.subplots(1, len(analyses), squeeze=False)
    for panel, name in zip(axes[0], analyses, strict=True):
        _km_panel(panel, result, name)
    fig.suptitle(
        "Survival from diagnosis; patients enter at sequencing (left truncation)"
        if result.bias_note
        else "Survival from diagnosis",
        fontsize=10,
    )
    fig.tight_layout()
    return fig


def summary_text(result: SurvivalResult) -> str:
    """A few lines: cohort size, events, the global test, Cox HRs, and the bias note
    (the web page's summary; ``result.summary()`` is the generic, fuller text)."""
    lines = [
        f"OS by {result.by}: {result.n_patients} patients, {result.n_events} deaths "
        f"(reference group {result.reference_group})."
    ]
    for analysis in ANALYSIS_TITLES:
        p = result.global_p(analysis)
        if p is None:
            continue
        test = result.logrank.filter(
            (pl.col("analysis") == analysis) & (pl.col("comparison") == "all groups")
        )["test"][0]
        lines.append(f"  {analysis}: {test} p = {fmt_p(p)}")
        for row in result.cox.filter(pl.col("analysis") == analysis).iter_rows(named=True):
            lines.append(
                f"    Cox {row['covariate']}: HR {row['hazard_ratio']:.2f} "
                f"({row['ci_low']:.2f}-{row['ci_high']:.2f}), p = {fmt_p(row['p_value'])}"
            )
    if not result.left_truncation.get("done"):
        lines.append(f"  left-truncated analysis skipped: {result.left_truncation.get('reason')}")
    lines.extend(f"  {text}" for text in result.explanations)
    if result.bias_note:
        lines.append("CAUTION: " + result.bias_note)
    return "\n".join(lines)


def survival_json(result: SurvivalResult) -> dict[str, Any]:
    """JSON-ready dict with the bias note as a field."""
    return {
        "study_id": result.study_id,
        "by": result.by,
        "reference_group": result.reference_group,
        "profile": result.profile,
        "ambiguous": result.ambiguous,
        "bias_note": result.bias_note,
        "sample_choice": result.sample_choice,
        "explanations": list(result.explanations),
        "left_truncation": result.left_truncation,
        "n_patients": result.n_patients,
        "n_events": result.n_events,
        "groups": result.table.to_dicts(),
        "tests": result.logrank.to_dicts(),
        "cox": result.cox.to_dicts(),
        "audit": result.audit.to_frame().to_dicts(),
    }


def survival_html(result: SurvivalResult, *, include_figure: bool = True) -> str:
    """Self-contained HTML page with the KM figure embedded (SVG)."""
    caution = _caution(result)
    sections = [
        *([note(caution)] if caution else []),
        f"<p>Study: {html.escape(str(result.study_id))}; grouping: {html.escape(result.by)}; "
        f"{result.n_patients} patients, {result.n_events} deaths; reference group "
        f"{html.escape(result.reference_group)}.</p>",
    ]
    if include_figure:
        sections.append(figure_tag(embed(km_figure(result), "Kaplan-Meier curves")))
    sections += [
        "<h2>Groups</h2>",
        frame_to_html(result.table),
        "<h2>Tests</h2>",
        frame_to_html(result.logrank),
        "<h2>Cox model</h2>",
        frame_to_html(result.cox),
        *(note(c) for c in _notes(result)),
        "<h2>Audit</h2>",
        frame_to_html(result.audit.to_frame().select("level", "code", "message", "count")),
    ]
    # without the figure it is a notebook's view: a fragment that leaves the page's style alone
    return (page if include_figure else fragment)(f"Overall survival by {result.by}", sections)


def write_survival(result: SurvivalResult, out_dir: Path | str) -> list[Path]:
    """Write survival_groups.tsv, logrank.tsv, cox.tsv, survival.json, km.png, survival.html.

    The caveats go beside each table, into the folder's ``provenance.json``
    (:func:`her2scope.outputs.add_notes`), never into the data.
    """
    from her2scope.outputs import add_notes, bundle

    comments = _caveats(result)
    tables = {
        "survival_groups.tsv": result.table,
        "logrank.tsv": result.logrank,
        "cox.tsv": result.cox,
    }
    with bundle(out_dir):  # all or none, as a command's results folder is
        # every digit (float_precision=None), as these tables have always been written
        paths = write_bundle(
            out_dir,
            tables=tables,
            texts={"survival.json": json.dumps(json_safe(survival_json(result)), indent=2) + "\n"},
            figures={"km.png": km_figure(result)},
            float_precision=None,
        )
        for path in paths[: len(tables)]:
            add_notes(path, comments)
        paths += write_bundle(out_dir, texts={"survival.html": survival_html(result)})
    return paths

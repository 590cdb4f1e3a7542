"""The adjusted analysis's views: terminal table, TSV/JSON, HTML section, forest figure.

Nothing here computes a statistic; it lays out what
:func:`her2scope.cohort.adjusted.compute.adjusted_analysis` returned. Only the
faces and the runs import it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl
from rich.console import Console
from rich.table import Table

from her2scope.cohort.adjusted.result import (
    PAPER,
    QUESTIONS,
    answers,
    fmt_est,
    fmt_or,
    summary_lines,
)
from her2scope.render.formats import fmt_p
from her2scope.vocab import ESTIMATE_COLOURS

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from her2scope.cohort.adjusted.result import AdjustedResult


def terminal_table(result: AdjustedResult) -> Table:
    """Crude, Mantel-Haenszel and adjusted ORs side by side."""
    t = Table(
        title=f"HER2-low vs HER2-0: crude vs adjusted odds ratios - {result.study_id}",
        title_justify="left",
        header_style="bold",
        pad_edge=False,
    )
    for name in (
        "alteration",
        "low/0 altered",
        "crude OR (95% CI)",
        "MH OR (95% CI)",
        "BD p",
        "adjusted OR (95% CI)",
        "q adj",
    ):
        t.add_column(name, justify="left" if name == "alteration" else "right", overflow="fold")
    for r in result.table.iter_rows(named=True):
        t.add_row(
            r["alteration"],
            f"{r['n_altered_low']}/{r['n_altered_zero']}",
            fmt_or(r, "crude"),
            fmt_or(r, "mh"),
            fmt_p(r["p_breslow_day"], missing="-"),
            fmt_or(r, "adj"),
            fmt_p(r["q_adj"], missing="-"),
            style="bold" if r["level"] != "alteration" else None,
        )
    return t


def summary_text(result: AdjustedResult) -> str:
    """A few lines: classes and ALL crude vs adjusted, then the three answers."""
    return "\n".join(summary_lines(result))


def print_adjusted(result: AdjustedResult, console: Console | None = None) -> None:
    console = console or Console()
    from her2scope.render.console import print_table  # moves to render.console (26)

    print_table(terminal_table(result), console)
    console.print(summary_text(result), markup=False, highlight=False)


def questions_table(result: AdjustedResult) -> pl.DataFrame:
    """Long table of the answers: reading, question, quantity, estimate, CI, p."""
    rows: list[dict[str, Any]] = []

    def add(reading: str, question: str, quantity: str, **values: Any) -> None:
        rows.append({"reading": reading, "question": question, "quantity": quantity, **values})

    for r in result.questions["readings"]:
        key = r["key"]
        for name in ("of_known", "of_her2_negative"):
            q = r["q1"][name]
            add(
                key,
                "q1",
                f"pct_her2_low_{name}",
                k=q["k"],
                n=q["n"],
                estimate=q["pct"],
                ci_low=q["cluster_low"],
                ci_high=q["cluster_high"],
                p=None,
            )
        for row in result.enrichment.filter(pl.col("reading") == key).iter_rows(named=True):
            add(
                key,
                "q2",
                f"adjusted_or_{row['alteration']}",
                k=row["n_altered_low"],
                n=row["n_altered_low"] + row["n_altered_zero"],
                estimate=row["adj_or"],
                ci_low=row["adj_ci_low"],
                ci_high=row["adj_ci_high"],
                p=row["q_adj"],
            )
        q3 = r["q3"]
        for group in ("low", "zero"):
            g = q3[group]
            add(
                key,
                "q3",
                f"pct_lobular_her2_{group}",
                k=g["n_lobular"],
                n=g["n_lobular"] + g["n_ductal"],
                estimate=g["pct_lobular_of_lob_duct"],
                ci_low=g["cluster_low"],
                ci_high=g["cluster_high"],
                p=None,
            )
        add(
            key,
            "q3",
            "crude_or_lobular_vs_ductal",
            k=None,
            n=None,
            estimate=q3["crude_or"],
            ci_low=q3["crude_ci_low"],
            ci_high=q3["crude_ci_high"],
            p=q3["p_fisher"],
        )
        add(
            key,
            "q3",
            "adjusted_or_lobular_vs_ductal",
            k=None,
            n=None,
            estimate=q3["adj_or"],
            ci_low=q3["adj_ci_low"],
            ci_high=q3["adj_ci_high"],
            p=q3["p_adj"],
        )
    return pl.DataFrame(
        rows,
        schema={
            "reading": pl.String,
            "question": pl.String,
            "quantity": pl.String,
            "k": pl.Int64,
            "n": pl.Int64,
            "estimate": pl.Float64,
            "ci_low": pl.Float64,
            "ci_high": pl.Float64,
            "p": pl.Float64,
        },
    )


def questions_json(result: AdjustedResult) -> str:
    from her2scope.cohort.options import options_dict

    payload = {
        "study_id": result.study_id,
        "source": PAPER,
        "questions": QUESTIONS,
        "options": options_dict(result.options),
        "covariates": list(result.covariates),
        "notes": result.notes,
        "answers": answers(result),
        **result.questions,
        "adjusted": result.table.to_dicts(),
    }
    from her2scope.render.writers import json_safe  # moves to render.writers (26)

    return json.dumps(json_safe(payload), indent=2)


def adjusted_forest_figure(table: Any, *, ax: Axes | None = None) -> Figure:
    """Crude (circles) and adjusted (squares) odds ratios of HER2-low, log scale, with CIs.

    Parameters
    ----------
    table : polars.DataFrame
        ``AdjustedResult.table``.
    ax : matplotlib Axes, optional
        Draw here instead of a new figure.

    Returns
    -------
    matplotlib.figure.Figure
        The figure drawn on.

    Examples
    --------
    >>> fig = adjusted_forest_figure(adjusted.table)  # doctest: +SKIP
    """
    import numpy as np

    from her2scope.render.canvas import _target, table_of

    rows = table_of(table).to_dicts()  # the result (hs.pl convention) or its table
    n = len(rows)
    fig, ax = _target(ax, (7.5, 0.28 * n + 1.2))
    y = np.arange(n)[::-1].astype(float)
    for offset, prefix, marker, colour, name in (
        (0.15, "crude", "o", ESTIMATE_COLOURS["crude"], "crude (2x2)"),
        (-0.15, "adj", "s", ESTIMATE_COLOURS["adjusted"], "adjusted (logistic, clustered SE)"),
    ):
        est = np.array(
            [r[f"{prefix}_or"] if r[f"{prefix}_or"] is not None else np.nan for r in rows],
            dtype=float,
        )
        lo = np.array([r[f"{prefix}_ci_low"] for r in rows], dtype=float)
        hi = np.array([r[f"{prefix}_ci_high"] for r in rows], dtype=float)
        ok = np.isfinite(est) & np.isfinite(lo) & np.isfinite(hi) & (est > 0) & (lo > 0)
        ax.hlines(y[ok] + offset, lo[ok], hi[ok], color=colour, linewidth=1.2)
        ax.plot(est[ok], y[ok] + offset, marker, color=colour, markersize=4, label=name)
    ax.axvline(1.0, color="#555555", linewidth=0.8, linestyle="--")
    ax.set_xscale("log")
    ax.set_yticks(y)
    ax.set_yticklabels([r["label"] for r in rows], fontsize=7)
    for tick, r in zip(ax.get_yticklabels(), rows, strict=True):
        if r["level"] != "alteration":
            tick.set_fontweight("bold")
    ax.set_xlabel("odds ratio of HER2-low vs HER2-0 (altered vs not), log scale")
    ax.legend(fontsize=7, loc="lower right")
    return fig


def html_section(result: AdjustedResult) -> str:
    """The adjusted table, forest plot and open-question answers as an HTML fragment."""
    from her2scope.render.html import embed, render

    rows = [
        {
            **r,
            "pa": fmt_est(r["pct_low_altered"], 1),
            "pn": fmt_est(r["pct_low_not_altered"], 1),
            "crude": fmt_or(r, "crude"),
            "pf": fmt_p(r["p_fisher"], missing="-"),
            "mh": fmt_or(r, "mh"),
            "bd": fmt_p(r["p_breslow_day"], missing="-"),
            "adj": fmt_or(r, "adj"),
            "padj": fmt_p(r["p_adj"], missing="-"),
            "qadj": fmt_p(r["q_adj"], missing="-"),
            "notes": "; ".join(x for x in (r["dropped_covariates"], r["note"]) if x),
        }
        for r in result.table.iter_rows(named=True)
    ]
    # a note every row shares is said once above the table, not repeated per row
    shared = {r["notes"] for r in rows}
    shared_notes = []
    if len(shared) == 1 and rows and rows[0]["notes"]:
        shared_notes = [f"Every model: {rows[0]['notes']}"]
        for r in rows:
            r["notes"] = ""
    all_answers = answers(result)
    labels = [r["label"] for r in result.questions["readings"]]
    questions = [
        {
            "text": text,
            "answers": [
                next(
                    a["answer"] for a in all_answers if a["question"] == key and a["reading"] == lab
                )
                for lab in labels
            ],
        }
        for key, text in QUESTIONS.items()
    ]
    forest = embed(adjusted_forest_figure(result.table), "crude and adjusted odds ratios")
    return render(
        "adjusted_section.html.j2",
        strata=" x ".join(result.covariates),
        covariates=", ".join(result.covariates),
        notes=[*result.notes, *shared_notes],
        forest=forest.data_uri,
        rows=rows,
        paper=PAPER,
        definition=result.questions["definition"],
        readings=labels,
        questions=questions,
    )


def write_adjusted(result: AdjustedResult, out_dir: Path) -> list[Path]:
    """adjusted.tsv, stratified.tsv, enrichment_resistant.tsv, questions.tsv/.json, forest PNG."""
    from her2scope.render.bundle import write_bundle

    return write_bundle(
        out_dir,
        tables={
            "adjusted.tsv": result.table,
            "stratified.tsv": result.stratified,
            "enrichment_resistant.tsv": result.enrichment,
            "questions.tsv": questions_table(result),
        },
        texts={"questions.json": questions_json(result)},
        figures={"adjusted_forest.png": adjusted_forest_figure(result.table)},
    )

"""Formatting of the adjusted analysis and the open questions: terminal, TSV/JSON, HTML, figure.

Nothing here computes a statistic; it lays out what
:func:`her2scope.analysis.adjusted.adjusted_analysis` returned.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl
from rich.console import Console
from rich.table import Table

from her2scope.render.formats import fmt_p
from her2scope.report.console import print_table
from her2scope.report.writers import json_safe
from her2scope.vocab import ESTIMATE_COLOURS

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from her2scope.analysis.adjusted import AdjustedResult

PAPER = "the Frontiers in Oncology 2024 perspective (doi:10.3389/fonc.2024.1461190)"
QUESTIONS = {
    "q1": "What proportion of endocrine-resistant tumors are HER2-low?",
    "q2": "Which alterations are enriched in HER2-low (vs HER2-0) endocrine-resistant tumors, "
    "after adjustment?",
    "q3": "Are HR-positive HER2-low endocrine-resistant tumors preferentially lobular rather "
    "than ductal?",
}


def _f(value: Any, digits: int = 2) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "-"
    return f"{value:.{digits}f}"


def _p(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return fmt_p(value)  # the one p format of the console (report/console.py)


def _or(row: dict[str, Any], prefix: str) -> str:
    est = row[f"{prefix}_or"]
    if est is None or (isinstance(est, float) and not math.isfinite(est)):
        return f"n/e ({_no_or_reason(row)})"
    return f"{_f(est)} ({_f(row[f'{prefix}_ci_low'])}-{_f(row[f'{prefix}_ci_high'])})"


def _no_or_reason(row: dict[str, Any]) -> str:
    """Why an odds ratio could not be estimated, in a few words ("- (---)" said nothing)."""
    low, zero = row.get("n_altered_low") or 0, row.get("n_altered_zero") or 0
    if low == 0 and zero == 0:
        return "no altered tumour with a HER2-low/0 call"
    if low == 0:
        return "no HER2-low tumour altered"
    if zero == 0:
        return "no HER2-0 tumour altered"
    note = row.get("note")
    return str(note) if note else "a zero cell or too few tumours"


def _label(result: AdjustedResult, alteration: str) -> str:
    hit = result.table.filter(pl.col("alteration") == alteration)
    return str(hit["label"][0]) if hit.height else alteration


def answers(result: AdjustedResult) -> list[dict[str, str]]:
    """One plain-sentence answer per question and reading (for terminal, HTML, TSV)."""
    out: list[dict[str, str]] = []
    for r in result.questions["readings"]:
        q1 = r["q1"]["of_known"]
        q1n = r["q1"]["of_her2_negative"]
        out.append(
            {
                "reading": r["label"],
                "question": "q1",
                "answer": (
                    f"{q1['k']}/{q1['n']} = {_f(q1['pct'], 1)}% HER2-low "
                    f"(patient-clustered 95% CI {_f(q1['cluster_low'], 1)}-"
                    f"{_f(q1['cluster_high'], 1)}; Wilson {_f(q1['wilson_low'], 1)}-"
                    f"{_f(q1['wilson_high'], 1)}) of {r['q1']['n_resistant']} resistant samples "
                    f"({q1['n_patients']} patients) with a HER2 call on the 0/low/positive scale; "
                    f"{_f(q1n['pct'], 1)}% ({_f(q1n['cluster_low'], 1)}-"
                    f"{_f(q1n['cluster_high'], 1)}) of the HER2-negative ones "
                    f"({q1n['k']}/{q1n['n']})."
                ),
            }
        )
        q2 = r["q2"]
        enriched = ", ".join(_label(result, a) for a in q2["enriched"]) or "none"
        depleted = ", ".join(_label(result, a) for a in q2["depleted"]) or "none"
        out.append(
            {
                "reading": r["label"],
                "question": "q2",
                "answer": (
                    f"enriched at q < {q2['q_threshold']} after adjustment for "
                    f"{', '.join(q2['covariates']) or 'nothing'}: {enriched}; depleted: "
                    f"{depleted}." + (" " + "; ".join(q2["notes"]) + "." if q2["notes"] else "")
                ),
            }
        )
        q3 = r["q3"]
        lo, ze = q3["low"], q3["zero"]
        out.append(
            {
                "reading": r["label"],
                "question": "q3",
                "answer": (
                    f"lobular {lo['n_lobular']}/{lo['n_lobular'] + lo['n_ductal']} = "
                    f"{_f(lo['pct_lobular_of_lob_duct'], 1)}% of lobular+ductal HER2-low "
                    f"(CI {_f(lo['cluster_low'], 1)}-{_f(lo['cluster_high'], 1)}) vs "
                    f"{ze['n_lobular']}/{ze['n_lobular'] + ze['n_ductal']} = "
                    f"{_f(ze['pct_lobular_of_lob_duct'], 1)}% of HER2-0 "
                    f"(CI {_f(ze['cluster_low'], 1)}-{_f(ze['cluster_high'], 1)}); "
                    f"OR of HER2-low, lobular vs ductal, {_f(q3['crude_or'])} "
                    f"({_f(q3['crude_ci_low'])}-{_f(q3['crude_ci_high'])}, Fisher p "
                    f"{_p(q3['p_fisher'])}); adjusted for "
                    f"{', '.join(q3['adj_covariates']) or 'nothing'} {_f(q3['adj_or'])} "
                    f"({_f(q3['adj_ci_low'])}-{_f(q3['adj_ci_high'])}, p {_p(q3['p_adj'])})."
                ),
            }
        )
    return out


def summary_text(result: AdjustedResult) -> str:
    """A few lines: classes and ALL crude vs adjusted, then the three answers."""
    lines = [
        f"{result.study_id}: HER2-low vs HER2-0, crude vs adjusted odds ratios "
        f"(adjusted for {', '.join(result.covariates) or 'nothing'}; patient-clustered SEs)."
    ]
    for row in result.table.filter(pl.col("level") != "alteration").iter_rows(named=True):
        lines.append(
            f"  {row['label']}: crude {_or(row, 'crude')}, MH {_or(row, 'mh')}, "
            f"adjusted {_or(row, 'adj')} q {_p(row['q_adj'])}"
        )
    lines.extend(f"  note: {n}" for n in result.notes)
    lines.append(f"Open questions of {PAPER}, endocrine-resistant tumors:")
    for a in answers(result):
        lines.append(f"  [{a['question']}] {a['reading']}: {a['answer']}")
    return "\n".join(lines)


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
            _or(r, "crude"),
            _or(r, "mh"),
            _p(r["p_breslow_day"]),
            _or(r, "adj"),
            _p(r["q_adj"]),
            style="bold" if r["level"] != "alteration" else None,
        )
    return t


def print_adjusted(result: AdjustedResult, console: Console | None = None) -> None:
    console = console or Console()
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

    from her2scope.report.figures import _target, table_of

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
    from her2scope.report.html import embed, render

    rows = [
        {
            **r,
            "pa": _f(r["pct_low_altered"], 1),
            "pn": _f(r["pct_low_not_altered"], 1),
            "crude": _or(r, "crude"),
            "pf": _p(r["p_fisher"]),
            "mh": _or(r, "mh"),
            "bd": _p(r["p_breslow_day"]),
            "adj": _or(r, "adj"),
            "padj": _p(r["p_adj"]),
            "qadj": _p(r["q_adj"]),
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
    from her2scope.outputs import ensure_dir, write_text_atomic
    from her2scope.report.figures import write_figure

    ensure_dir(out_dir)
    written: list[Path] = []
    for name, frame in (
        ("adjusted.tsv", result.table),
        ("stratified.tsv", result.stratified),
        ("enrichment_resistant.tsv", result.enrichment),
        ("questions.tsv", questions_table(result)),
    ):
        p = out_dir / name
        write_text_atomic(p, frame.write_csv(separator="\t", float_precision=6, null_value=""))
        written.append(p)
    p = out_dir / "questions.json"
    write_text_atomic(p, questions_json(result))
    written.append(p)
    written.append(
        write_figure(adjusted_forest_figure(result.table), out_dir / "adjusted_forest.png")
    )
    return written

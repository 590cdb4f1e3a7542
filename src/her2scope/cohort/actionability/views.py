"""Views of :class:`~her2scope.cohort.actionability.result.ActionabilityResult`.

The stacked-bar figure (level by HER2 category, endocrine-resistant and not), the
summary lines, an HTML fragment (tables + figure, for ``report.html`` and the web
cohort page) and the files ``analyze --actionability`` writes.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

from her2scope.cohort.actionability.result import ALL, LEVEL_LABELS, LEVELS
from her2scope.vocab import LOW, NULL, POSITIVE, ULTRALOW, ZERO

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from her2scope.cohort.actionability.result import ActionabilityResult

#: colours of the levels, best (dark) to none (light grey)
LEVEL_COLOURS = {
    "approved": "#1b5e20",
    "approved_other": "#66bb6a",
    "phase3": "#1565c0",
    "early_clinical": "#64b5f6",
    "preclinical": "#ffb74d",
    "none": "#e0e0e0",
}
#: HER2 categories shown in the figure, in reading order (others are in the table)
FIGURE_CATEGORIES = (ZERO, NULL, ULTRALOW, LOW, POSITIVE)

CITATION = (
    "The intersection of the HER2-low subtype with endocrine resistance, Front Oncol 2024, "
    "doi 10.3389/fonc.2024.1461190"
)


def level_label(level: str, jurisdiction: str) -> str:
    """A level as a reader sees it (``approved (FDA)``)."""

    return LEVEL_LABELS[level].format(j=jurisdiction)


def actionability_figure(result: ActionabilityResult, *, ax: Axes | None = None) -> Figure:
    """Stacked bars: share of samples at each best level, per HER2 category; two bar
    groups (endocrine-resistant, not), each bar labelled with its n.

    Examples
    --------
    >>> fig = actionability_figure(result)  # doctest: +SKIP
    """
    from matplotlib.patches import Patch

    from her2scope.render.canvas import _target

    table = result.table.filter(pl.col("alteration_class") == ALL)
    cats = [c for c in FIGURE_CATEGORIES if c in set(table["her2_category"].to_list())]
    bars: list[tuple[str, bool]] = [(c, r) for r in (True, False) for c in cats]
    fig, ax = _target(ax, (1.0 + 0.75 * max(len(bars), 1), 4.2))
    x = np.arange(len(bars), dtype=float)
    x[len(cats) :] += 0.6  # a gap between the resistant and the other group
    bottom = np.zeros(len(bars))
    for level in LEVELS:
        share = np.array([_share(table, c, r, level) for c, r in bars])
        ax.bar(
            x,
            100 * share,
            bottom=100 * bottom,
            color=LEVEL_COLOURS[level],
            width=0.7,
            edgecolor="white",
            linewidth=0.6,
        )
        bottom += share
    for xi, (c, r) in zip(x, bars, strict=True):
        n = table.filter((pl.col("her2_category") == c) & (pl.col("endocrine_resistant") == r))
        ax.text(
            xi,
            101,
            f"n={n['n_stratum'][0] if n.height else 0}",
            ha="center",
            va="bottom",
            fontsize=7,
        )
    ax.set_xticks(x, [c for c, _ in bars], rotation=30, ha="right", fontsize=8)
    ax.set_ylim(0, 110)
    ax.set_ylabel("% of samples\n(best eligible option from a molecular finding)", fontsize=8)
    if cats:
        ax.set_xlabel("endocrine-resistant (left group) | not endocrine-resistant (right)")
    ax.set_title(
        f"{result.study_id}: best option level by HER2 category\n"
        f"({result.jurisdiction} approvals; assumed history: {result.history})",
        fontsize=9,
        loc="left",
    )
    ax.legend(
        handles=[
            Patch(color=LEVEL_COLOURS[lv], label=level_label(lv, result.jurisdiction))
            for lv in LEVELS
        ],
        fontsize=7,
        loc="upper left",
        bbox_to_anchor=(1.0, 1.0),
        frameon=False,
    )
    ax.spines[["top", "right"]].set_visible(False)
    return fig


def _share(table: pl.DataFrame, her2: str, resistant: bool, level: str) -> float:
    row = table.filter(
        (pl.col("her2_category") == her2)
        & (pl.col("endocrine_resistant") == resistant)
        & (pl.col("level") == level)
    )
    return float(row["share"][0]) if row.height else 0.0


def q2_text(result: ActionabilityResult) -> str:
    """The perspective's Q2 answered in one paragraph."""
    q = result.q2
    if q["n_resistant_her2_low"] == 0:
        return "Q2: no endocrine-resistant HER2-low sample in this cohort."
    genes = ", ".join(f"{f['gene']} {f['n']} ({f['top_option']})" for f in q["by_finding"][:6])
    return (
        f"Q2 (targetable in addition): {q['n_approved']} of {q['n_resistant_her2_low']} "
        f"endocrine-resistant HER2-low samples ({q['n_patients']} patients) have an "
        f"option approved ({q['jurisdiction']}) beyond T-DXd from a molecular finding: "
        f"{100 * q['share']:.1f}% (95% CI {100 * q['ci_low']:.1f}-{100 * q['ci_high']:.1f}, "
        f"patient-clustered). Findings (n, most often first-ranked option): {genes or 'none'}. "
        f"{q['n_conditional_approved']} more have an approved option that is conditional on a "
        f"datum (not counted). HER2-directed approved options (T-DXd): "
        f"{q['her2_directed_approved']} of {q['n_resistant_her2_low']}."
    )


def history_sentence(result: ActionabilityResult) -> str:
    """What the cohort reading assumes (a cohort records no therapy history)."""
    return (
        f"Assumed therapy history ({result.history}): {result.history_text}. Each sample is "
        "matched by the patient report's matcher and eligibility gates (one call per distinct "
        f"profile: {result.n_distinct_profiles}), knowledge base {result.kb_version}; "
        f"'approved' means approved by the {result.jurisdiction}. Conditional options (waiting "
        "on a datum) are counted apart, never as eligible."
    )


def summary_text(result: ActionabilityResult) -> str:
    """A few lines: history, Q2 answer, level counts."""

    counts = result.samples.group_by("level").len()
    by = dict(counts.iter_rows())
    levels = ", ".join(f"{level_label(lv, result.jurisdiction)} {by.get(lv, 0)}" for lv in LEVELS)
    return "\n".join(
        [
            f"Actionability, {result.study_id}: {result.samples.height} samples; {levels}.",
            history_sentence(result),
            q2_text(result),
        ]
    )


def html_fragment(result: ActionabilityResult, *, figure: bool = True) -> str:
    """Q2 answer, the HER2 x resistance table (ALL rows) and the figure, as HTML."""
    from her2scope.render.canvas import encode

    e = html.escape
    table = result.table.filter(pl.col("alteration_class") == ALL)
    strata = table.select("her2_category", "endocrine_resistant", "n_stratum").unique(
        maintain_order=True
    )
    head = "".join(f"<th>{e(level_label(lv, result.jurisdiction))}</th>" for lv in LEVELS)
    body = []
    for her2, resistant, n in strata.iter_rows():
        cells = []
        for lv in LEVELS:
            r = table.filter(
                (pl.col("her2_category") == her2)
                & (pl.col("endocrine_resistant") == resistant)
                & (pl.col("level") == lv)
            )
            if r.height == 0:
                cells.append("<td></td>")
                continue
            row = r.row(0, named=True)
            cells.append(
                f"<td>{row['n']} ({100 * row['share']:.0f}%, "
                f"{_pct(row['ci_low'])}-{_pct(row['ci_high'])})</td>"
            )
        body.append(
            f"<tr><td>{e(str(her2))}</td><td>{'yes' if resistant else 'no'}</td>"
            f"<td>{n}</td>{''.join(cells)}</tr>"
        )
    svg = ""
    if figure and table.height:
        svg = encode(actionability_figure(result), format="svg").decode("utf-8")
        svg = svg[svg.find("<svg") :]
    return (
        '<section class="actionability"><h2>Actionability: targetable in addition</h2>'
        f"<p>{e(q2_text(result))}</p><p>{e(history_sentence(result))}</p>"
        "<table><thead><tr><th>HER2</th><th>endocrine-resistant</th><th>n</th>"
        f"{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
        "<p>Cells: samples (share, patient-clustered 95% CI). Research use: it supports, "
        f"and does not replace, clinical judgment. Q2 as posed by {e(CITATION)}.</p>"
        f"{svg}</section>"
    )


def _pct(v: float | None) -> str:
    return "" if v is None or v != v else f"{100 * v:.0f}"


def write_actionability(result: ActionabilityResult, out_dir: Path) -> list[Path]:
    """actionability.tsv (table), actionability_samples.tsv, actionability_q2.json and
    actionability.svg in ``out_dir``."""
    from her2scope.render.bundle import write_bundle
    from her2scope.render.writers import json_safe

    doc: dict[str, Any] = {
        **result.q2,
        "answer": q2_text(result),
        "history": result.history,
        "history_text": result.history_text,
        "kb_version": result.kb_version,
        "n_distinct_profiles": result.n_distinct_profiles,
        "options": result.options,
        "source_question": CITATION,
    }
    return write_bundle(
        out_dir,
        tables={"actionability.tsv": result.table, "actionability_samples.tsv": result.samples},
        texts={"actionability_q2.json": json.dumps(json_safe(doc), indent=1) + "\n"},
        figures={"actionability.svg": actionability_figure(result)},
    )

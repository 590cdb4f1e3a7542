"""Formatting of :class:`~her2scope.analysis.switching.SwitchingResult`.

Terminal (rich tables), files (TSV/JSON), a heatmap figure (PNG/SVG) and a
small self-contained HTML page (:mod:`her2scope.render.html`) with the figure
embedded.
"""

from __future__ import annotations

import html
import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import polars as pl
from rich.console import Console
from rich.table import Table

from her2scope.render.console import print_table
from her2scope.render.html import embed, figure_tag, fragment, frame_to_html, note, page
from her2scope.render.writers import json_safe, write_tsv
from her2scope.vocab import ALL_SAMPLE_TYPES, ANALYSIS_SCALE

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from her2scope.analysis.switching import SwitchingResult

#: The Front Oncol 2024 perspective's figures (section 2.5, ref 90). Quoted, not re-derived.
PAPER_REFERENCE: dict[str, Any] = {
    "source": (
        "Front Oncol 2024 perspective (doi:10.3389/fonc.2024.1461190), section 2.5, reference 90"
    ),
    "rates": [0.34, 0.25],
    "statement": (
        "a retrospective study of luminal B breast cancer reported switching between "
        "HER2-low and HER2-0 at a rate of 34% or 25% in either direction"
    ),
    "caveat": (
        "a different cohort (a retrospective luminal B series in progressive disease, ref 90), "
        "not this MSK-IMPACT cohort, with its own design and pathology practice; the "
        "perspective does not say which figure belongs to which direction, so it is quoted "
        "beside our rates, not matched to one row"
    ),
}

COMPARISON_TITLES = {
    "primary_vs_sequenced": "Primary-tumour pathology -> sequenced sample",
    "serial": "Serial sequenced samples (consecutive, by collection time)",
}
SCALE_NOTE = (
    "Analysis scale: HER2-0 = HER2-0/null/ultralow; HER2-low; HER2-positive. Calls that are "
    "unknown, equivocal or HER2-negative (no IHC score) are excluded from rates and counted in "
    "the audit."
)
SAME_TUMOUR_NOTE = (
    "For sequenced samples of SAMPLE_TYPE 'Primary', the primary-tumour pathology columns and the "
    "sequenced-sample columns may describe the same tumour, possibly the same specimen; read the "
    "'Metastasis' rows for primary-to-metastasis switching."
)
INDEPENDENCE_NOTE = (
    "Wilson 95% intervals treat pairs as independent; a patient with several samples contributes "
    "several pairs (n_patients is shown), so they are somewhat optimistic. The patient-clustered "
    "95% CI (cluster-robust logit interval) allows for that."
)


def _fmt_rate(r: dict[str, Any]) -> str:
    if not r["n"]:
        return "n = 0"
    return (
        f"{r['k']}/{r['n']} = {100 * r['rate']:.1f}% "
        f"(95% CI {100 * r['ci_low']:.1f}-{100 * r['ci_high']:.1f})"
    )


def summary_text(result: SwitchingResult) -> str:
    """A few lines: the headline rates with their intervals (``SwitchingResult.summary()``)."""
    transitions = result.table["transition"].unique(maintain_order=True).to_list()[:3]
    lines = []
    for comparison in COMPARISON_TITLES:
        if comparison in result.not_made:
            lines.append(f"{comparison}: not made: {result.not_made[comparison]}.")
            continue
        acc = result.accounting.filter(pl.col("comparison") == comparison).to_dicts()
        if not acc:
            continue
        a = acc[0]
        lines.append(
            f"{comparison}: {a['n_included']} pairs used, {a['n_excluded']} excluded "
            f"(of {a['n_candidates']})"
        )
        # By sample type, because the pooled figure mixes Primary rows whose two
        # reports may be the same specimen with true primary -> metastasis pairs.
        for sample_type in (ALL_SAMPLE_TYPES, "Metastasis", "Primary"):
            parts = []
            for tr in transitions:
                try:
                    parts.append(f"{tr}: {_fmt_rate(result.rate(tr, comparison, sample_type))}")
                except KeyError:
                    continue
            if parts:
                lines.append(f"  [{sample_type}] " + "; ".join(parts))
    rates = " / ".join(f"{100 * r:.0f}%" for r in PAPER_REFERENCE["rates"])
    lines.append(
        f"Front Oncol 2024 perspective (ref 90, a different retrospective luminal B cohort): "
        f"{rates} HER2-low <-> "
        "HER2-0 switching in either direction."
    )
    return "\n".join(lines)


def paper_note() -> str:
    """The perspective's figures, quoted with their caveat."""
    return (
        f"Published figure ({PAPER_REFERENCE['source']}): {PAPER_REFERENCE['statement']}. "
        f"Caveat: {PAPER_REFERENCE['caveat']}."
    )


# --------------------------------------------------------------------------- shared helpers


def pct(x: Any) -> str:
    """A proportion as a percentage with one decimal, '' for missing."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return ""
    return f"{100 * float(x):.1f}%"


# --------------------------------------------------------------------------- tables


def rates_display(result: SwitchingResult) -> pl.DataFrame:
    """Rates with the interval as text, for terminal and HTML."""
    return result.table.select(
        "comparison",
        "sample_type",
        "transition",
        "k",
        "n",
        pl.col("rate").map_elements(pct, return_dtype=pl.String).alias("rate"),
        pl.concat_str(
            pl.col("ci_low").map_elements(pct, return_dtype=pl.String),
            pl.lit("-"),
            pl.col("ci_high").map_elements(pct, return_dtype=pl.String),
        ).alias("95% CI"),
        pl.concat_str(
            pl.col("ci_low_cluster").map_elements(pct, return_dtype=pl.String),
            pl.lit("-"),
            pl.col("ci_high_cluster").map_elements(pct, return_dtype=pl.String),
        ).alias("patient-clustered 95% CI"),
        "n_patients",
    )


def matrix_table(result: SwitchingResult) -> pl.DataFrame:
    """All wide matrices stacked: comparison, sample_type, from_category, one column per 'to'."""
    parts = []
    for comparison, sample_type in (
        result.matrix.select("comparison", "sample_type").unique(maintain_order=True).iter_rows()
    ):
        wide = result.matrix_wide(comparison, sample_type)
        parts.append(
            wide.with_columns(
                pl.lit(comparison).alias("comparison"), pl.lit(sample_type).alias("sample_type")
            ).select("comparison", "sample_type", "from_category", *ANALYSIS_SCALE)
        )
    if not parts:
        return pl.DataFrame(
            schema={"comparison": pl.String, "sample_type": pl.String, "from_category": pl.String}
        )
    return pl.concat(parts).with_columns(total=pl.sum_horizontal(*ANALYSIS_SCALE))


def print_switching(result: SwitchingResult, console: Console | None = None) -> None:
    """Rich terminal rendering: accounting, matrices, rates, notes."""
    console = console or Console()
    console.print(f"HER2 switching {result.study_id or ''}".rstrip(), style="bold", markup=False)
    console.print(f"profile={result.profile} ambiguous={result.ambiguous}", markup=False)
    for comparison, reason in result.not_made.items():
        console.print(f"{comparison}: not made: {reason}.", markup=False)
    if all(c in result.not_made for c in result.accounting["comparison"].to_list()):
        return  # nothing to show: one line per comparison said why
    acc = Table(title="Pairs")
    for c in result.accounting.columns:
        acc.add_column(c)
    for row in result.accounting.iter_rows():
        acc.add_row(*(str(v) for v in row))
    print_table(acc, console)
    for comparison in result.accounting["comparison"].to_list():
        if comparison in result.not_made:
            continue
        for sample_type in [ALL_SAMPLE_TYPES, "Primary", "Metastasis"]:
            sub = result.matrix.filter(
                (pl.col("comparison") == comparison) & (pl.col("sample_type") == sample_type)
            )
            if sub.height == 0:
                continue
            wide = result.matrix_wide(comparison, sample_type)
            t = Table(title=f"{comparison} [{sample_type}]: from (rows) x to (columns)")
            t.add_column("from \\ to")
            for c in ANALYSIS_SCALE:
                t.add_column(c, justify="right")
            for row in wide.iter_rows():
                t.add_row(*(str(v) for v in row))
            print_table(t, console)
    disp = rates_display(result)
    for comparison in result.accounting["comparison"].to_list():
        if comparison in result.not_made:
            continue
        sub = disp.filter(pl.col("comparison") == comparison).drop("comparison")
        rt = Table(title=f"{comparison}: switch rates (Wilson 95% CI)")
        for c in sub.columns:
            rt.add_column(c, justify="right" if c in {"k", "n", "n_patients"} else "left")
        for row in sub.iter_rows():
            rt.add_row(*("" if v is None else str(v) for v in row))
        print_table(rt, console)
    for text in (SCALE_NOTE, SAME_TUMOUR_NOTE, INDEPENDENCE_NOTE, paper_note()):
        console.print(f"[yellow]Note:[/yellow] {text}")


# --------------------------------------------------------------------------- figure


def _heatmap(ax: Axes, result: SwitchingResult, comparison: str, sample_type: str) -> None:
    k = len(ANALYSIS_SCALE)
    wide = result.matrix_wide(comparison, sample_type)
    counts = wide.select(*ANALYSIS_SCALE).to_numpy().astype(float)
    row_sum = counts.sum(axis=1, keepdims=True)
    frac = np.divide(counts, row_sum, out=np.zeros_like(counts), where=row_sum > 0)
    ax.imshow(frac, cmap="Blues", vmin=0, vmax=1)
    for r in range(k):
        for c in range(k):
            ax.text(
                c,
                r,
                f"{int(counts[r, c])}",
                ha="center",
                va="center",
                color="white" if frac[r, c] > 0.6 else "black",
                fontsize=11,
            )
    ax.set_xticks(range(k), [s.replace("HER2-", "") for s in ANALYSIS_SCALE])
    ax.set_yticks(range(k), [s.replace("HER2-", "") for s in ANALYSIS_SCALE])
    ax.set_xlabel("later / sequenced")
    ax.set_title(f"{sample_type} (n={int(counts.sum())})", fontsize=10)


def switching_figure(
    result: SwitchingResult,
    *,
    comparison: str | None = None,
    sample_type: str = ALL_SAMPLE_TYPES,
    ax: Axes | None = None,
) -> Figure:
    """Heatmaps of the transition matrices (rows: comparison; columns: All/Primary/Metastasis).

    Cell colour is the row-normalised fraction (where each 'from' category
    goes); the annotation is the count. With ``ax``, one heatmap
    (``comparison``, default the first; ``sample_type``, default ``All``) is
    drawn into it and its figure returned. Drawn without pyplot: the
    caller's matplotlib backend is never changed.

    Parameters
    ----------
    result : SwitchingResult
        From :func:`her2scope.tl.switching`.
    comparison, sample_type : str, optional
        The heatmap drawn into ``ax``.
    ax : matplotlib Axes, optional
        Draw one heatmap here instead of a new figure.

    Returns
    -------
    matplotlib.figure.Figure
        The figure drawn on.

    Examples
    --------
    >>> fig = switching_figure(result)  # doctest: +SKIP
    """
    from her2scope.render.canvas import _figure

    comparisons = result.accounting["comparison"].to_list() or ["serial"]
    if ax is not None:
        chosen = comparison or comparisons[0]
        _heatmap(ax, result, chosen, sample_type)
        ax.set_ylabel(f"{chosen}\nearlier / primary")
        fig = ax.get_figure()
        assert fig is not None
        return cast("Figure", fig)
    strata = [ALL_SAMPLE_TYPES, "Primary", "Metastasis"]
    fig = _figure((4.2 * len(strata), 3.8 * len(comparisons)))
    axes = fig.subplots(len(comparisons), len(strata), squeeze=False)
    for i, comp in enumerate(comparisons):
        for j, stratum in enumerate(strata):
            _heatmap(axes[i][j], result, comp, stratum)
            if j == 0:
                axes[i][j].set_ylabel(f"{comp}\nearlier / primary")
    fig.suptitle("HER2 category transitions (colour: row fraction; numbers: pairs)")
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------- HTML and files


def switching_html(result: SwitchingResult, *, include_figure: bool = True) -> str:
    """A self-contained HTML page (figure embedded as SVG when requested)."""
    sections = [
        f"<p>Study: {html.escape(str(result.study_id))}; profile: "
        f"{html.escape(str(result.profile))}; ambiguous: {html.escape(str(result.ambiguous))}</p>",
        *(note(f"{c}: not made: {r}.") for c, r in result.not_made.items()),
        note(SCALE_NOTE),
        note(SAME_TUMOUR_NOTE),
        "<h2>Pairs</h2>",
        frame_to_html(result.accounting),
    ]
    if include_figure:
        sections.append(figure_tag(embed(switching_figure(result), "HER2 transition matrices")))
    sections += [
        "<h2>Switch rates</h2>",
        frame_to_html(rates_display(result)),
        note(INDEPENDENCE_NOTE),
        "<h2>Published comparison</h2>",
        note(paper_note()),
        "<h2>Transition matrices</h2>",
        frame_to_html(matrix_table(result)),
        "<h2>Audit</h2>",
        frame_to_html(result.audit.to_frame().select("level", "code", "message", "count")),
    ]
    # without the figure it is a notebook's view: a fragment that leaves the page's style alone
    return (page if include_figure else fragment)("HER2 switching", sections)


def rates_json(result: SwitchingResult) -> dict[str, Any]:
    """JSON-ready dict: rates, accounting, notes and the published reference."""
    return {
        "study_id": result.study_id,
        "profile": result.profile,
        "ambiguous": result.ambiguous,
        "analysis_scale": list(ANALYSIS_SCALE),
        "notes": [SCALE_NOTE, SAME_TUMOUR_NOTE, INDEPENDENCE_NOTE],
        "not_made": dict(result.not_made),
        "paper_reference": PAPER_REFERENCE,
        "accounting": result.accounting.to_dicts(),
        "rates": result.table.to_dicts(),
    }


def write_switching(result: SwitchingResult, out_dir: Path | str) -> list[Path]:
    """Write switching_pairs.tsv, switching_matrix.tsv, switching_rates.tsv/.json,
    switching.png and switching.html into ``out_dir`` (created if needed)."""
    from her2scope.outputs import ensure_dir, write_text_atomic
    from her2scope.render.canvas import write_figure

    out = ensure_dir(out_dir)
    comments = [
        *(f"{c}: not made: {r}." for c, r in result.not_made.items()),
        SCALE_NOTE,
        SAME_TUMOUR_NOTE,
        INDEPENDENCE_NOTE,
        paper_note(),
    ]
    paths = [
        write_tsv(result.pairs, out / "switching_pairs.tsv"),
        write_tsv(matrix_table(result), out / "switching_matrix.tsv", comments[:2]),
        write_tsv(result.table, out / "switching_rates.tsv", comments),
    ]
    json_path = out / "switching_rates.json"
    write_text_atomic(json_path, json.dumps(json_safe(rates_json(result)), indent=2) + "\n")
    paths.append(json_path)
    paths.append(write_figure(switching_figure(result), out / "switching.png"))
    html_path = out / "switching.html"
    write_text_atomic(html_path, switching_html(result))
    paths.append(html_path)
    return paths

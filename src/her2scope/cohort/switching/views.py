"""Views of a :class:`~her2scope.cohort.switching.result.SwitchingResult`.

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

from her2scope.cohort.switching.result import (
    INDEPENDENCE_NOTE,
    PAPER_REFERENCE,
    SAME_TUMOUR_NOTE,
    SCALE_NOTE,
    paper_note,
)
from her2scope.render.bundle import write_bundle
from her2scope.render.console import print_table
from her2scope.render.html import embed, figure_tag, fragment, frame_to_html, note, page
from her2scope.render.writers import json_safe
from her2scope.vocab import ALL_SAMPLE_TYPES, ANALYSIS_SCALE

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from her2scope.cohort.switching.result import SwitchingResult

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
    switching.png and switching.html into ``out_dir`` (created if needed).

    The notes go beside the matrix and rates tables, into the folder's
    ``provenance.json`` (:func:`her2scope.outputs.add_notes`), never into the data.
    """
    from her2scope.outputs import add_notes, bundle

    comments = [
        *(f"{c}: not made: {r}." for c, r in result.not_made.items()),
        SCALE_NOTE,
        SAME_TUMOUR_NOTE,
        INDEPENDENCE_NOTE,
        paper_note(),
    ]
    with bundle(out_dir):  # all or none, as a command's results folder is
        # every digit (float_precision=None), as these tables have always been written
        paths = write_bundle(
            out_dir,
            tables={
                "switching_pairs.tsv": result.pairs,
                "switching_matrix.tsv": matrix_table(result),
                "switching_rates.tsv": result.table,
            },
            texts={
                "switching_rates.json": json.dumps(json_safe(rates_json(result)), indent=2) + "\n"
            },
            figures={"switching.png": switching_figure(result)},
            float_precision=None,
        )
        add_notes(paths[1], comments[:2])
        add_notes(paths[2], comments)
        paths += write_bundle(out_dir, texts={"switching.html": switching_html(result)})
    return paths

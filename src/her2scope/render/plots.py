"""The plot kinds of the alteration tables: forest, stacked bars, oncoprint, sensitivity.

Each function takes plain frames (a result's table, read through
:func:`~her2scope.render.canvas.table_of`, or the frames themselves) and draws
into the caller's ``ax`` or, with ``ax=None``, on a new figure of its own canvas
(:mod:`her2scope.render.canvas`, which also encodes and writes them). Colours
are fixed per HER2 group (:mod:`her2scope.vocab`) so figures read the same across
reports. Nothing here imports a result class.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

from her2scope.render.canvas import _figure, _floats, _target, table_of
from her2scope.vocab import (
    ALTERATION_TYPE_COLOURS,
    CLASS_COLOURS,
    HER2_COLOURS,
    LOW,
    POSITIVE,
    PROFILE_COLOURS,
    ZERO_CATEGORIES,
    profile_names,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
MAX_ONCOPRINT_COLUMNS = 2000
#: HER2 annotation track of the oncoprint: palette index per category (0 = not on the scale)
TRACK_PALETTE = (
    "#f0f0f0",
    HER2_COLOURS["HER2-0"],
    HER2_COLOURS["HER2-low"],
    HER2_COLOURS["HER2-positive"],
)
TRACK_CODE = {**dict.fromkeys(sorted(ZERO_CATEGORIES), 1), LOW: 2, POSITIVE: 3}


def forest_figure(
    table: Any, *, expected: tuple[float, float] | None = None, ax: Axes | None = None
) -> Figure:
    """HER2-low % with Wilson 95% CI per row, the cohort baseline, and the expected band.

    Parameters
    ----------
    table : polars.DataFrame
        The intersection table (:func:`her2scope.tl.analyze`'s ``.table``; a
        result object is read through :func:`~her2scope.render.canvas.table_of`).
    expected : tuple of float, optional
        Expected HER2-low range, drawn as a band (default 0.45-0.55;
        :func:`her2scope.pl.forest` passes the result's ``options.expected``).
    ax : matplotlib Axes, optional
        Draw here instead of a new figure.

    Returns
    -------
    matplotlib.figure.Figure
        The figure drawn on (no pyplot; the backend is untouched).

    Examples
    --------
    >>> fig = forest_figure(result)  # doctest: +SKIP
    """
    from matplotlib.collections import LineCollection

    expected = expected or (0.45, 0.55)
    table = table_of(table)
    rows = table.filter(pl.col("n_her2_known") > 0)
    n = rows.height
    fig, ax = _target(ax, (8.5, 0.32 * n + 1.6))
    ax.axvspan(100 * expected[0], 100 * expected[1], color="#c7e9c0", alpha=0.6, lw=0)
    y = np.arange(n)[::-1].astype(float)
    colours = np.array(
        [CLASS_COLOURS.get(c, "#333333") for c in rows["mechanism_class"].to_list()], dtype=object
    )
    lo, hi = _floats(rows["ci_low"]), _floats(rows["ci_high"])
    # one artist per kind of mark rather than three Line2D per row: the same
    # drawing, a fraction of the per-artist cost
    segments = np.stack([np.column_stack([lo, y]), np.column_stack([hi, y])], axis=1)
    ax.add_collection(
        LineCollection(
            list(segments), colors=list(colours), linewidths=1.6, capstyle="projecting", zorder=2
        )
    )
    pct = _floats(rows["pct_her2_low"])
    summary_row = (rows["level"] != "alteration").to_numpy()
    for marker, mask in (("o", ~summary_row), ("D", summary_row)):
        if mask.any():
            ax.scatter(
                pct[mask], y[mask], s=36, marker=marker, c=list(colours[mask]), lw=1.0, zorder=2
            )
    base = _floats(rows["baseline_pct_her2_low"])
    ax.scatter(base, y, s=100, marker="|", color="#555555", lw=1.5, zorder=2)
    labels = [f"{r['label']} (n={r['n_her2_known']})" for r in rows.iter_rows(named=True)]
    ax.set_yticks(y, labels, fontsize=8)
    ax.set_xlim(0, 100)
    ax.set_xlabel("HER2-low, % of tumors with a known HER2 call (Wilson 95% CI)")
    ax.set_title(
        "HER2-low by resistance alteration  |  grey tick: cohort baseline "
        f"(profiled, not altered)  |  green band: expected {100 * expected[0]:.0f}"
        f"-{100 * expected[1]:.0f}%",
        fontsize=8.5,
    )
    ax.grid(axis="x", color="#eeeeee")
    return fig


def stacked_figure(table: Any, *, ax: Axes | None = None) -> Figure:
    """HER2 category composition per alteration (counts as % of altered tumors).

    Parameters
    ----------
    table : polars.DataFrame
        The intersection table (:func:`her2scope.tl.analyze`'s ``.table``, or the
        result, read through :func:`~her2scope.render.canvas.table_of`).
    ax : matplotlib Axes, optional
        Draw here instead of a new figure.

    Returns
    -------
    matplotlib.figure.Figure
        The figure drawn on.

    Examples
    --------
    >>> fig = stacked_figure(result)  # doctest: +SKIP
    """
    from matplotlib.collections import PolyCollection
    from matplotlib.patches import Patch

    rows = table_of(table).filter(pl.col("n_altered") > 0)
    parts = {
        "HER2-0": rows["n_her2_zero"].to_numpy(),
        "HER2-low": rows["n_her2_low"].to_numpy(),
        "HER2-positive": rows["n_her2_positive"].to_numpy(),
        "HER2-negative (unsplit)": rows["n_her2_negative_unsplit"].to_numpy(),
        "unknown / equivocal": rows["n_her2_unknown"].to_numpy(),
    }
    total = rows["n_altered"].to_numpy().astype(float)
    fig, ax = _target(ax, (8.5, 0.3 * rows.height + 1.4))
    y = np.arange(rows.height)[::-1]
    bottom, top = y - 0.4, y + 0.4  # barh's default height 0.8, centred on the tick
    left = np.zeros(rows.height)
    handles = []
    for name, values in parts.items():
        share = 100.0 * values / np.where(total == 0, 1, total)
        right = left + share
        # one collection of rectangles per category instead of a patch per bar
        corners = [(left, bottom), (left, top), (right, top), (right, bottom)]
        boxes = np.stack([np.column_stack(c) for c in corners], axis=1)
        colour = HER2_COLOURS[name]
        ax.add_collection(
            PolyCollection(
                list(boxes),
                facecolors=colour,
                edgecolors="white",
                linewidths=1.0,
                joinstyle="miter",
            )
        )
        handles.append(Patch(facecolor=colour, edgecolor="white", label=name))
        left = right
    ax.autoscale_view()
    ax.set_yticks(y, rows["label"].to_list(), fontsize=8)
    ax.set_xlim(0, 100)
    ax.set_xlabel("% of altered tumors")
    ax.legend(
        handles=handles,
        ncol=5,
        fontsize=7,
        loc="upper center",
        bbox_to_anchor=(0.5, -0.12),
        frameon=False,
    )
    ax.set_title("HER2 categories among altered tumors", fontsize=9)
    return fig


@dataclass(frozen=True)
class OncoprintGrid:
    """What the oncoprint draws: alterations (rows, most frequent first), the
    drawn tumors (columns, sorted by pattern), their 0/1 matrix, and per
    alteration the number of altered tumors among all ``n_tumors``."""

    alterations: list[str]
    frequency: dict[str, int]
    n_tumors: int
    sample_ids: list[str]
    matrix: np.ndarray  # alterations x drawn tumors, 0/1


def oncoprint_matrix(
    altered: pl.DataFrame, alterations: list[str], max_columns: int = MAX_ONCOPRINT_COLUMNS
) -> OncoprintGrid:
    """Sort tumors by alteration pattern (cBioPortal's oncoprint order).

    ``altered``: ``sample_id``, ``alteration`` of altered cells. Rows are the
    given alterations by falling frequency (ties keep the given order);
    tumors sort by their 0/1 pattern over those rows, descending, ties by
    sample id. Each pattern is packed into one integer (most frequent
    alteration = highest bit) so the sort is one integer sort; catalogs over
    62 alterations sort the columns instead. Over ``max_columns`` tumors an
    even stride over the sorted tumors is kept (a figure cannot show more).
    """
    cells = (
        altered.filter(pl.col("alteration").is_in(alterations))
        .select("sample_id", "alteration")
        .unique()
    )
    freq = dict(cells.group_by("alteration").len().iter_rows())
    alts = sorted([a for a in alterations if freq.get(a)], key=lambda a: -freq[a])
    if len(alts) <= 62:
        weight = {a: 1 << (len(alts) - 1 - i) for i, a in enumerate(alts)}
        wide = (
            cells.group_by("sample_id")
            .agg(pl.col("alteration").replace_strict(weight, return_dtype=pl.Int64).sum())
            .rename({"alteration": "pattern"})
            .sort(["pattern", "sample_id"], descending=[True, False])
        )
    else:
        wide = cells.with_columns(pl.lit(1, dtype=pl.Int8).alias("v")).pivot(
            on="alteration", index="sample_id", values="v", aggregate_function="first"
        )
        wide = wide.fill_null(0).sort([*alts, "sample_id"], descending=[True] * len(alts) + [False])
    n_tumors = wide.height
    if n_tumors > max_columns:
        step = n_tumors / max_columns
        wide = wide[[int(i * step) for i in range(max_columns)]]
    if "pattern" in wide.columns:
        bits = np.arange(len(alts) - 1, -1, -1, dtype=np.int64)
        matrix = (wide["pattern"].to_numpy()[None, :] >> bits[:, None]) & 1
    else:
        matrix = wide.select(alts).to_numpy().T
    return OncoprintGrid(alts, freq, n_tumors, wide["sample_id"].to_list(), matrix)


#: Alteration types of the oncoprint cells, drawn in cBioPortal's colours.
ALTERATION_TYPES = {
    1: ("mutation", ALTERATION_TYPE_COLOURS["mutation"]),
    2: ("amplification", ALTERATION_TYPE_COLOURS["amplification"]),
    3: ("deep deletion", ALTERATION_TYPE_COLOURS["deep deletion"]),
    4: ("fusion / structural variant", ALTERATION_TYPE_COLOURS["fusion / structural variant"]),
    5: ("more than one type", ALTERATION_TYPE_COLOURS["more than one type"]),
}
#: HER2 track: order of the groups left to right, label and colour.
TRACK_GROUPS = (
    (3, "HER2-positive", HER2_COLOURS["HER2-positive"]),
    (2, "HER2-low", HER2_COLOURS["HER2-low"]),
    (1, "HER2-0 / null / ultralow", HER2_COLOURS["HER2-0"]),
    (0, "unknown / equivocal / negative", TRACK_PALETTE[0]),
)


def alteration_type(variants: pl.Expr) -> pl.Expr:
    """Oncoprint cell type (:data:`ALTERATION_TYPES` code) from a ``variants`` cell
    (``"FGFR1 amp"``, ``"PTEN homdel"``, ``"ESR1 Y537S; ESR1 amp"``)."""
    words = (
        variants.fill_null("")
        .str.split("; ")
        .list.eval(pl.element().str.split(" ").list.slice(1).list.join(" ").str.to_lowercase())
    )
    kind = words.list.eval(
        pl.when(pl.element() == "amp")
        .then(2)
        .when(pl.element().is_in(["homdel", "deep deletion", "del"]))
        .then(3)
        .when(pl.element().str.contains("fusion|rearrangement|sv|::|-"))
        .then(4)
        .otherwise(1)
    ).list.unique()
    return pl.when(kind.list.len() > 1).then(5).otherwise(kind.list.first()).cast(pl.Int8)


def oncoprint_figure(
    table: Any, samples: pl.DataFrame, calls: pl.DataFrame, *, ax: Axes | None = None
) -> Figure:
    """The oncoprint of an analysis: its catalog alterations x its analysed tumors.

    Parameters
    ----------
    table : polars.DataFrame
        The intersection table (``alteration``, ``label``, ``level``); read
        through :func:`~her2scope.render.canvas.table_of`.
    samples : polars.DataFrame
        One row per sample: ``sample_id``, ``her2_category``, ``included``
        (only included samples are drawn).
    calls : polars.DataFrame
        Long alteration calls: ``sample_id``, ``alteration``, ``status``,
        ``variants``.
    ax : matplotlib Axes, optional
        Draw the matrix here (the HER2 track goes in an inset above it).

    Returns
    -------
    matplotlib.figure.Figure
        The figure drawn on.

    Examples
    --------
    >>> fig = oncoprint_figure(result.table, result.samples, result.calls)  # doctest: +SKIP
    """
    table = table_of(table)
    labels = dict(zip(table["alteration"], table["label"], strict=True))
    alt_ids = table.filter(pl.col("level") == "alteration")["alteration"].to_list()
    her2 = samples.filter(pl.col("included")).select("sample_id", "her2_category")
    return _oncoprint(calls, her2, alt_ids, labels, ax=ax)


def _oncoprint(
    calls: pl.DataFrame,
    her2: pl.DataFrame,
    alterations: list[str],
    labels: dict[str, str],
    *,
    ax: Axes | None,
) -> Figure:
    """Oncoprint-style matrix: alterations x tumors, one colour per alteration type.

    ``calls``: long ``sample_id``, ``alteration``, ``status`` (and ``variants``
    for the alteration type: mutation, amplification, deep deletion, fusion,
    several); ``her2``: ``sample_id``, ``her2_category`` of the analysed
    tumors. Tumors are grouped by HER2 category (positive, low, 0 family,
    unknown; the HER2 track on top), and sorted by alteration pattern within
    each group (cBioPortal's order). Both tracks have a legend. Only tumors
    with at least one alteration are drawn (cBioPortal's default), their
    count in the title.
    """
    from matplotlib.colors import ListedColormap, to_rgb
    from matplotlib.patches import Patch

    altered = calls.filter(pl.col("status") == "altered")
    present = set(altered["alteration"].unique().to_list())
    alts = [a for a in alterations if a in present]
    if not alts:
        fig, ax = _target(ax, (6, 1))
        ax.text(0.5, 0.5, "no altered tumors", ha="center", va="center")
        ax.axis("off")
        return fig
    grid = oncoprint_matrix(altered, alts)
    alts, freq, n_tumors, matrix = grid.alterations, grid.frequency, grid.n_tumors, grid.matrix
    track_code = (
        pl.DataFrame({"sample_id": grid.sample_ids}, schema={"sample_id": pl.String})
        .join(her2, on="sample_id", how="left", maintain_order="left")
        .select(
            pl.col("her2_category")
            .replace_strict(TRACK_CODE, default=0, return_dtype=pl.Int8)
            .alias("code")
        )["code"]
        .to_numpy()
    )
    rank = {code: i for i, (code, _, _) in enumerate(TRACK_GROUPS)}
    order = np.argsort([rank[int(c)] for c in track_code], kind="stable")
    track_code = track_code[order]
    sample_ids = [grid.sample_ids[i] for i in order]
    # cell codes: alteration type where altered (0 = not altered)
    variants = altered["variants"] if "variants" in altered.columns else None
    # only the drawn tumors (at most a few thousand) need their alteration type
    drawn = altered.filter(
        pl.col("sample_id").is_in(pl.Series(sample_ids, dtype=pl.String).implode())
    )
    typed = drawn.select(
        "sample_id",
        "alteration",
        (alteration_type(pl.col("variants")) if variants is not None else pl.lit(1, pl.Int8)).alias(
            "kind"
        ),
    ).unique(["sample_id", "alteration"])
    # place every typed cell by joins (hundreds of thousands of cells at GENIE scale)
    cells = typed.join(
        pl.DataFrame(
            {"sample_id": sample_ids, "j": np.arange(len(sample_ids))},
            schema={"sample_id": pl.String, "j": pl.Int64},
        ),
        on="sample_id",
    ).join(
        pl.DataFrame(
            {"alteration": alts, "i": np.arange(len(alts))},
            schema={"alteration": pl.String, "i": pl.Int64},
        ),
        on="alteration",
    )
    codes = np.zeros((len(alts), len(sample_ids)), dtype=np.int8)
    codes[cells["i"].to_numpy(), cells["j"].to_numpy()] = cells["kind"].to_numpy()
    height = 0.26 * len(alts) + 2.4
    new = ax is None
    fig, ax = _target(ax, (10, height))
    if new:  # room above the matrix for the HER2 track and the title
        fig.subplots_adjust(top=1 - 0.75 / height, bottom=1.1 / height)
    # the HER2 track: an inset row above the matrix, as tall as 0.6 of a matrix row
    track = 0.6 / len(alts)
    ax_h = ax.inset_axes((0.0, 1.0 + track / 3, 1.0, track), sharex=ax)
    palette = np.array([to_rgb(c) for c in TRACK_PALETTE])
    # one image row, not n_tumors bar patches: thousands of patches take seconds to draw
    ax_h.imshow(palette[track_code][None, :, :], aspect="auto", interpolation="nearest")
    ax_h.set_yticks([0], ["HER2"], fontsize=7)
    ax_h.set_xticks([])
    shown = (
        "" if matrix.shape[1] == n_tumors else f" (every {n_tumors / matrix.shape[1]:.0f}th shown)"
    )
    ax_h.set_title(
        f"{n_tumors} tumors with at least one catalog alteration{shown}, grouped by HER2 category",
        fontsize=9,
    )
    colours = [ALTERATION_TYPE_COLOURS["not altered"], *(c for _, c in ALTERATION_TYPES.values())]
    ax.imshow(
        codes,
        aspect="auto",
        interpolation="nearest",
        cmap=ListedColormap(colours),
        vmin=0,
        vmax=len(colours) - 1,
    )
    ax.set_yticks(
        range(len(alts)),
        [f"{labels.get(a, a)} ({100 * freq[a] / n_tumors:.0f}%)" for a in alts],
        fontsize=7,
    )
    ax.set_xticks([])
    ax.set_xlabel("tumors (columns)")
    present = set(np.unique(codes).tolist())
    type_handles = [
        Patch(facecolor=c, label=name) for k, (name, c) in ALTERATION_TYPES.items() if k in present
    ]
    groups_present = set(np.unique(track_code).tolist())
    her2_handles = [
        Patch(facecolor=c, edgecolor="#999999", label=name)
        for code, name, c in TRACK_GROUPS
        if code in groups_present
    ]
    leg = ax.legend(
        handles=type_handles,
        title="alteration type",
        loc="upper left",
        bbox_to_anchor=(0.0, -0.08),
        ncol=3,
        fontsize=7,
        title_fontsize=7,
        frameon=False,
    )
    ax.add_artist(leg)
    ax.legend(
        handles=her2_handles,
        title="HER2 track",
        loc="upper right",
        bbox_to_anchor=(1.0, -0.08),
        ncol=1,
        fontsize=7,
        title_fontsize=7,
        frameon=False,
    )
    return fig


def _profile_order(settings: list[tuple[str, ...]]) -> list[str]:
    """Profiles of the grid, the built-in ones first in their fixed order (stable colours)."""
    seen = [p for p, _ in settings]
    return [
        *(p for p in profile_names() if p in seen),
        *(p for p in seen if p not in profile_names()),
    ]


def sensitivity_figure(sens: Any, *, ax: Axes | None = None) -> Figure:
    """HER2-low % and -log10 q per alteration across profile x ambiguity settings.

    Colour tells the profile and marker shape the ambiguity policy; each
    setting has its own row offset, so settings that give the same value (the
    2018 and 2023 profiles often do) sit side by side instead of hiding one
    another.

    Parameters
    ----------
    sens : polars.DataFrame
        The sensitivity grid (:func:`her2scope.tl.sensitivity`'s ``.table``, or
        the result, read through :func:`~her2scope.render.canvas.table_of`).
    ax : matplotlib Axes, optional
        Draw both panels inside this axes' area (split in two) instead of a
        new figure; nothing is drawn outside it.

    Returns
    -------
    matplotlib.figure.Figure
        The figure drawn on.

    Examples
    --------
    >>> fig = sensitivity_figure(grid)  # doctest: +SKIP
    """
    table = table_of(sens)
    alts = table.filter(pl.col("level") == "alteration")
    settings = alts.select("profile", "ambiguous").unique(maintain_order=True).rows()
    labels = alts["label"].unique(maintain_order=True).to_list()
    row_height = max(0.3, 0.07 * len(settings))  # room for every setting's offset
    if ax is None:
        fig = _figure((11, row_height * len(labels) + 2.2))
        ax1, ax2 = fig.subplots(1, 2, sharey=True)
        fig.subplots_adjust(left=0.2, right=0.98, bottom=0.2, wspace=0.08)
    else:
        fig, host = _target(ax, (11, 6))
        host.set_axis_off()
        ax1 = host.inset_axes((0.0, 0.0, 0.47, 1.0))
        ax2 = host.inset_axes((0.53, 0.0, 0.47, 1.0), sharey=ax1)
    ax2.tick_params(labelleft=False)
    y = {label: i for i, label in enumerate(labels[::-1])}
    markers = {"low": "o", "zero": "s", "exclude": "^"}
    cycle = PROFILE_COLOURS
    colours = {name: cycle[i % len(cycle)] for i, name in enumerate(_profile_order(settings))}
    step = 0.8 / max(len(settings), 1)
    for k, (profile, policy) in enumerate(settings):
        part = alts.filter((pl.col("profile") == profile) & (pl.col("ambiguous") == policy))
        offset = (k - (len(settings) - 1) / 2) * step
        ys = [y[label] + offset for label in part["label"].to_list()]
        q = part["q_fisher"].to_numpy()
        style = {
            "marker": markers.get(policy, "o"),
            "color": colours.get(profile, "#000000"),
            "s": 14,
            "linewidths": 0,
        }
        ax1.scatter(part["pct_her2_low"].to_numpy(), ys, label=f"{profile} / {policy}", **style)
        ax2.scatter(-np.log10(np.clip(q, 1e-300, 1)), ys, **style)
    ax1.set_yticks(list(y.values()), list(y.keys()), fontsize=7)
    ax1.set_xlabel("HER2-low %")
    ax1.set_xlim(0, 100)
    ax2.axvline(-math.log10(0.05), color="#999999", ls="--", lw=1)
    ax2.set_xlabel("-log10 q (Fisher vs baseline, BH); dashed: q = 0.05")
    for panel in (ax1, ax2):
        panel.grid(axis="y", color="#f2f2f2", lw=0.6)
    ax1.legend(fontsize=6.5, loc="upper center", bbox_to_anchor=(1.06, -0.08), ncol=3)
    ax1.set_title("Sensitivity of HER2-low enrichment to the HER2 reading", fontsize=9, loc="left")
    return fig

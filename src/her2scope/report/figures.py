"""Figures of the cohort analysis (matplotlib, Agg backend), returned as PNG bytes.

Each function takes a result table and returns a PNG so the HTML report can
embed it (base64) and stay a single self-contained file. Colours are fixed per
HER2 group so figures read the same across reports.
"""

from __future__ import annotations

import io
import math

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import polars as pl
from matplotlib.figure import Figure

HER2_COLOURS = {
    "HER2-0": "#9ecae1",
    "HER2-low": "#fd8d3c",
    "HER2-positive": "#a50f15",
    "HER2-negative (unsplit)": "#bdbdbd",
    "unknown / equivocal": "#f0f0f0",
}
MAX_ONCOPRINT_COLUMNS = 2000
#: HER2 annotation track of the oncoprint: palette index per category (0 = not on the scale)
TRACK_PALETTE = (
    "#f0f0f0",
    HER2_COLOURS["HER2-0"],
    HER2_COLOURS["HER2-low"],
    HER2_COLOURS["HER2-positive"],
)
TRACK_CODE = {"HER2-0": 1, "HER2-null": 1, "HER2-ultralow": 1, "HER2-low": 2, "HER2-positive": 3}
CLASS_COLOURS = {
    "ER": "#1b9e77",
    "TF": "#d95f02",
    "MAPK": "#7570b3",
    "PI3K": "#e7298a",
    "CDK46": "#66a61e",
    "ALL": "#333333",
}


def _png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def forest_plot(table: pl.DataFrame, expected: tuple[float, float]) -> bytes:
    """HER2-low % with Wilson 95% CI per row, the cohort baseline, and the expected band."""
    rows = table.filter(pl.col("n_her2_known") > 0)
    n = rows.height
    fig, ax = plt.subplots(figsize=(8.5, 0.32 * n + 1.6))
    ax.axvspan(100 * expected[0], 100 * expected[1], color="#c7e9c0", alpha=0.6, lw=0)
    y = np.arange(n)[::-1]
    for yi, r in zip(y, rows.iter_rows(named=True), strict=True):
        colour = CLASS_COLOURS.get(r["mechanism_class"], "#333333")
        lo, hi, pct = r["ci_low"], r["ci_high"], r["pct_her2_low"]
        ax.plot([lo, hi], [yi, yi], color=colour, lw=1.6)
        marker = "D" if r["level"] != "alteration" else "o"
        ax.plot([pct], [yi], marker=marker, color=colour, ms=6)
        base = r["baseline_pct_her2_low"]
        if base is not None and not math.isnan(base):
            ax.plot([base], [yi], marker="|", color="#555555", ms=10, mew=1.5)
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
    return _png(fig)


def stacked_bar(table: pl.DataFrame) -> bytes:
    """HER2 category composition per alteration (counts as % of altered tumors)."""
    rows = table.filter(pl.col("n_altered") > 0)
    parts = {
        "HER2-0": rows["n_her2_zero"].to_numpy(),
        "HER2-low": rows["n_her2_low"].to_numpy(),
        "HER2-positive": rows["n_her2_positive"].to_numpy(),
        "HER2-negative (unsplit)": rows["n_her2_negative_unsplit"].to_numpy(),
        "unknown / equivocal": rows["n_her2_unknown"].to_numpy(),
    }
    total = rows["n_altered"].to_numpy().astype(float)
    fig, ax = plt.subplots(figsize=(8.5, 0.3 * rows.height + 1.4))
    y = np.arange(rows.height)[::-1]
    left = np.zeros(rows.height)
    for name, values in parts.items():
        share = 100.0 * values / np.where(total == 0, 1, total)
        ax.barh(y, share, left=left, color=HER2_COLOURS[name], label=name, edgecolor="white")
        left += share
    ax.set_yticks(y, rows["label"].to_list(), fontsize=8)
    ax.set_xlim(0, 100)
    ax.set_xlabel("% of altered tumors")
    ax.legend(ncol=5, fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.12), frameon=False)
    ax.set_title("HER2 categories among altered tumors", fontsize=9)
    return _png(fig)


def oncoprint(
    calls: pl.DataFrame, her2: pl.DataFrame, alterations: list[str], labels: dict[str, str]
) -> bytes:
    """Oncoprint-style matrix: alterations x tumors, tumors sorted by alteration pattern.

    ``calls``: long ``sample_id``, ``alteration``, ``status``; ``her2``:
    ``sample_id``, ``her2_category`` of the analysed tumors (annotation track).
    Only tumors with at least one alteration are drawn (as in cBioPortal's
    oncoprint default), with their count given in the title.
    """
    altered = calls.filter(pl.col("status") == "altered")
    alts = [a for a in alterations if a in set(altered["alteration"].unique().to_list())]
    if not alts:
        fig, ax = plt.subplots(figsize=(6, 1))
        ax.text(0.5, 0.5, "no altered tumors", ha="center", va="center")
        ax.axis("off")
        return _png(fig)
    wide = (
        altered.filter(pl.col("alteration").is_in(alts))
        .select("sample_id", "alteration", pl.lit(1, dtype=pl.Int8).alias("v"))
        .pivot(on="alteration", index="sample_id", values="v", aggregate_function="first")
        .fill_null(0)
    )
    for a in alts:
        if a not in wide.columns:
            wide = wide.with_columns(pl.lit(0, dtype=pl.Int8).alias(a))
    freq = {a: int(wide[a].sum()) for a in alts}
    alts = sorted(alts, key=lambda a: -freq[a])
    wide = wide.sort(alts, descending=True)
    n_tumors = wide.height
    if n_tumors > MAX_ONCOPRINT_COLUMNS:
        # a 10-inch figure cannot show more columns than this; an even stride over
        # the sorted tumors keeps the pattern and the row frequencies
        step = n_tumors / MAX_ONCOPRINT_COLUMNS
        wide = wide[[int(i * step) for i in range(MAX_ONCOPRINT_COLUMNS)]]
    matrix = wide.select(alts).to_numpy().T
    track_code = (
        wide.join(her2, on="sample_id", how="left")
        .select(
            pl.col("her2_category")
            .replace_strict(TRACK_CODE, default=0, return_dtype=pl.Int8)
            .alias("code")
        )["code"]
        .to_numpy()
    )
    fig, (ax_h, ax) = plt.subplots(
        2,
        1,
        figsize=(10, 0.26 * len(alts) + 1.6),
        gridspec_kw={"height_ratios": [0.6, len(alts)]},
        sharex=True,
    )
    palette = np.array([matplotlib.colors.to_rgb(c) for c in TRACK_PALETTE])
    # one image row, not n_tumors bar patches: thousands of patches take seconds to draw
    ax_h.imshow(palette[track_code][None, :, :], aspect="auto", interpolation="nearest")
    ax_h.set_yticks([0], ["HER2"], fontsize=7)
    ax_h.set_xticks([])
    shown = (
        "" if matrix.shape[1] == n_tumors else f" (every {n_tumors / matrix.shape[1]:.0f}th shown)"
    )
    ax_h.set_title(f"{n_tumors} tumors with at least one catalog alteration{shown}", fontsize=9)
    ax.imshow(
        matrix,
        aspect="auto",
        interpolation="nearest",
        cmap=matplotlib.colors.ListedColormap(["#eeeeee", "#2b8cbe"]),
        vmin=0,
        vmax=1,
    )
    ax.set_yticks(
        range(len(alts)),
        [f"{labels.get(a, a)} ({100 * freq[a] / n_tumors:.0f}%)" for a in alts],
        fontsize=7,
    )
    ax.set_xticks([])
    ax.set_xlabel("tumors (columns)")
    return _png(fig)


def sensitivity_plot(sens: pl.DataFrame) -> bytes:
    """HER2-low % and -log10 q per alteration across profile x ambiguity settings."""
    alts = sens.filter(pl.col("level") == "alteration")
    settings = alts.select("profile", "ambiguous").unique(maintain_order=True).rows()
    labels = alts["label"].unique(maintain_order=True).to_list()
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 0.3 * len(labels) + 1.8), sharey=True)
    y = {label: i for i, label in enumerate(labels[::-1])}
    markers = {"low": "o", "zero": "s", "exclude": "^"}
    colours = {"ihc-only": "#636363", "asco-cap-2018": "#3182bd", "asco-cap-2023": "#e6550d"}
    for k, (profile, policy) in enumerate(settings):
        part = alts.filter((pl.col("profile") == profile) & (pl.col("ambiguous") == policy))
        offset = (k - len(settings) / 2) * 0.06
        ys = [y[label] + offset for label in part["label"].to_list()]
        q = part["q_fisher"].to_numpy()
        ax1.scatter(
            part["pct_her2_low"].to_numpy(),
            ys,
            marker=markers.get(policy, "o"),
            color=colours.get(profile, "#000000"),
            s=16,
            label=f"{profile} / {policy}",
        )
        ax2.scatter(
            -np.log10(np.clip(q, 1e-300, 1)),
            ys,
            marker=markers.get(policy, "o"),
            color=colours.get(profile, "#000000"),
            s=16,
        )
    ax1.set_yticks(list(y.values()), list(y.keys()), fontsize=7)
    ax1.set_xlabel("HER2-low %")
    ax1.set_xlim(0, 100)
    ax2.axvline(-math.log10(0.05), color="#999999", ls="--", lw=1)
    ax2.set_xlabel("-log10 q (Fisher vs baseline, BH); dashed: q = 0.05")
    ax1.legend(fontsize=6.5, loc="upper center", bbox_to_anchor=(1.0, -0.08), ncol=3)
    fig.suptitle("Sensitivity of HER2-low enrichment to the HER2 reading", fontsize=9)
    return _png(fig)

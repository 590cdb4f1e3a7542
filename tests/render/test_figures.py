"""Figures: every plot function draws into a caller's axes or a new figure, and one
encoder turns any of them into SVG/PNG/PDF bytes (SVG for pages: text stays text)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import matplotlib
import pytest
from matplotlib.figure import Figure

import her2scope as hs
from figure_checks import embedded_svgs, svg_text

DEMO = Path(__file__).resolve().parents[2] / "examples" / "demo_study"


@pytest.fixture(scope="module")
def demo() -> Any:
    return hs.load_study(DEMO, cache=False)


@pytest.fixture(scope="module")
def table1(demo: Any) -> Any:
    return hs.tl.analyze(demo)


def test_oncoprint_into_a_callers_axes(table1: Any) -> None:
    fig = Figure()
    ax = fig.subplots()
    assert hs.report.oncoprint_figure(table1, ax=ax) is fig
    # the matrix is an image in the caller's axes, the HER2 track an inset above it
    assert len(ax.images) == 1 and len(ax.child_axes) == 1
    track = ax.child_axes[0]
    assert len(track.images) == 1
    # one column per drawn tumor in both
    assert ax.images[0].get_array().shape[1] == track.images[0].get_array().shape[1]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert any(label.startswith("PIK3CA mutation") for label in labels)


def test_sensitivity_into_a_callers_axes(demo: Any) -> None:
    grid = hs.tl.sensitivity(demo)
    fig = Figure()
    ax = fig.subplots()
    assert hs.report.sensitivity_figure(grid.table, ax=ax) is fig
    pct_panel, q_panel = ax.child_axes
    # one point set per profile x policy in each panel
    n_settings = grid.table.select("profile", "ambiguous").unique().height
    assert len(pct_panel.collections) == len(q_panel.collections) == n_settings
    # issue 27: both panels inside the axes it was given, nothing drawn beside it
    fig.canvas.draw() if fig.canvas else None
    host = ax.get_position()
    for panel in (pct_panel, q_panel):
        box = panel.get_position()
        assert host.x0 - 1e-9 <= box.x0 and box.x1 <= host.x1 + 1e-9
    # the result object works as well as its table (the hs.pl convention)
    assert hs.pl.sensitivity(grid, ax=Figure().subplots()) is not None


def test_adjusted_forest_into_a_callers_axes(demo: Any) -> None:
    adjusted = hs.tl.adjusted(demo)
    fig = Figure()
    ax = fig.subplots()
    assert hs.report.adjusted_forest_figure(adjusted.table, ax=ax) is fig
    assert ax.get_xscale() == "log"


def test_new_figures_leave_pyplot_alone(table1: Any) -> None:
    import matplotlib.pyplot as plt

    before = (matplotlib.get_backend(), plt.get_fignums())
    for fig in (
        hs.report.forest_figure(table1.table),
        hs.report.stacked_figure(table1.table),
        hs.report.oncoprint_figure(table1),
    ):
        assert isinstance(fig, Figure)
    assert (matplotlib.get_backend(), plt.get_fignums()) == before


def test_encode_svg_keeps_text_and_is_deterministic(table1: Any) -> None:
    fig = hs.report.forest_figure(table1.table)
    svg = hs.report.encode_figure(fig)
    assert svg == hs.report.encode_figure(hs.report.forest_figure(table1.table))
    root = ET.fromstring(svg)
    text = " ".join(t for t in root.itertext() if t.strip())
    assert "Any catalog alteration" in text and "Wilson 95% CI" in text
    assert b"<dc:date>" not in svg  # no timestamp: a rerun gives the same bytes


def test_encode_other_formats_and_refuse_unknown(table1: Any, tmp_path: Path) -> None:
    fig = hs.report.stacked_figure(table1.table)
    assert hs.report.encode_figure(fig, format="png")[:8] == b"\x89PNG\r\n\x1a\n"
    assert hs.report.encode_figure(fig, format="pdf")[:5] == b"%PDF-"
    with pytest.raises(ValueError, match="svg, png, pdf"):
        hs.report.encode_figure(fig, format="gif")
    out = hs.report.write_figure(fig, tmp_path / "stacked.svg")
    assert out.read_bytes().lstrip().startswith(b"<?xml")


def test_encode_crops_to_the_content(table1: Any) -> None:
    """The tight box comes from the artists, so labels left of the axes are kept."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig = hs.report.forest_figure(table1.table)
    renderer = fig.canvas.get_renderer()
    assert isinstance(fig.canvas, FigureCanvasAgg)
    content = fig.get_tightbbox(renderer)
    width_pt = float(ET.fromstring(hs.report.encode_figure(fig)).get("width", "0").rstrip("pt"))
    assert width_pt == pytest.approx((content.width + 0.2) * 72, rel=0.02)


def test_cohort_report_embeds_three_svg_figures(table1: Any, tmp_path: Path) -> None:
    from her2scope.cohort.table1.views import write_outputs

    write_outputs(table1, tmp_path, command="her2scope analyze demo")
    forest, stacked, oncoprint = embedded_svgs((tmp_path / "report.html").read_text())
    assert "HER2-low by resistance alteration" in svg_text(forest)
    assert "HER2 categories among altered tumors" in svg_text(stacked)
    assert "tumors with at least one catalog alteration" in svg_text(oncoprint)

"""Colour-blind-safe figures (issue 27): every pair of categories that share a figure
stays distinguishable under simulated deuteranopia and protanopia.

Simulation: Machado, Oliveira & Fernandes (2009), "A physiologically-based model
for simulation of color vision deficiency", IEEE TVCG 15(6), severity 1.0 matrices,
applied to linear sRGB (the values colour-science's ``CVD_MATRICES_MACHADO2010``
and DaltonLens tabulate). Difference: CIE76 Delta E in CIELAB (D65); threshold
:data:`her2scope.vocab.PALETTE_MIN_DELTA_E` (15: two colours a reader tells apart
at a glance; the palette it replaced fell to 5.8, PI3K and ER classes under
deuteranopia).
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from her2scope import vocab
from her2scope.render.plots import ALTERATION_TYPES, TRACK_GROUPS

DEUTERANOPIA = np.array(
    [
        [0.367322, 0.860646, -0.227968],
        [0.280085, 0.672501, 0.047413],
        [-0.011820, 0.042940, 0.968881],
    ]
)
PROTANOPIA = np.array(
    [
        [0.152286, 1.052583, -0.204868],
        [0.114503, 0.786281, 0.099216],
        [-0.003882, -0.048116, 1.051998],
    ]
)
VISION = {"normal": np.eye(3), "deuteranopia": DEUTERANOPIA, "protanopia": PROTANOPIA}


def _linear(hex_colour: str) -> np.ndarray:
    h = hex_colour.lstrip("#")
    srgb = np.array([int(h[i : i + 2], 16) / 255 for i in (0, 2, 4)])
    return np.where(srgb <= 0.04045, srgb / 12.92, ((srgb + 0.055) / 1.055) ** 2.4)


def _lab(linear_rgb: np.ndarray) -> np.ndarray:
    to_xyz = np.array(
        [
            [0.4124564, 0.3575761, 0.1804375],
            [0.2126729, 0.7151522, 0.0721750],
            [0.0193339, 0.1191920, 0.9503041],
        ]
    )
    xyz = to_xyz @ linear_rgb / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > 216 / 24389, np.cbrt(xyz), (24389 / 27 * xyz + 16) / 116)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def seen(hex_colour: str, vision: str) -> np.ndarray:
    """CIELAB of a colour as seen with ``vision``."""
    return _lab(np.clip(VISION[vision] @ _linear(hex_colour), 0.0, 1.0))


def delta_e(a: str, b: str, vision: str) -> float:
    return float(np.linalg.norm(seen(a, vision) - seen(b, vision)))


#: the categories that share each figure (name -> category -> colour)
FIGURES: dict[str, dict[str, str]] = {
    "stacked HER2 composition": {
        k: vocab.HER2_COLOURS[k]
        for k in (
            "HER2-0",
            "HER2-low",
            "HER2-positive",
            "HER2-negative (unsplit)",
            "unknown / equivocal",
        )
    },
    "KM by HER2": {k: vocab.HER2_COLOURS[k] for k in vocab.ANALYSIS_SCALE},
    "KM by alteration": dict(vocab.ALTERATION_STATUS_COLOURS),
    "forest (mechanism classes)": dict(vocab.CLASS_COLOURS),
    "oncoprint (cells and HER2 track)": {
        **{name: colour for name, colour in ALTERATION_TYPES.values()},
        **{f"track {name}": colour for _, name, colour in TRACK_GROUPS},
        "not altered": vocab.ALTERATION_TYPE_COLOURS["not altered"],
    },
    "sensitivity (profiles)": {f"profile {i}": c for i, c in enumerate(vocab.PROFILE_COLOURS)},
    "adjusted forest": dict(vocab.ESTIMATE_COLOURS),
}


@pytest.mark.parametrize("vision", list(VISION))
@pytest.mark.parametrize("figure", list(FIGURES))
def test_every_pair_in_a_figure_is_distinguishable(figure: str, vision: str) -> None:
    colours = FIGURES[figure]
    too_close = [
        (a, b, round(delta_e(colours[a], colours[b], vision), 1))
        for a, b in itertools.combinations(colours, 2)
        if delta_e(colours[a], colours[b], vision) < vocab.PALETTE_MIN_DELTA_E
        # the HER2 track's "unknown" and the cells' "not altered" are both background
        and not {a, b} <= {"not altered", "track unknown / equivocal / negative"}
    ]
    assert too_close == []


def test_the_simulation_tells_the_old_palette_fails() -> None:
    # the check can fail: the palette it replaced collapsed green mutations and red
    # amplifications, and the PI3K and ER class colours, under these simulations
    assert delta_e("#008000", "#ff0000", "protanopia") < vocab.PALETTE_MIN_DELTA_E
    assert delta_e("#1b9e77", "#e7298a", "deuteranopia") < vocab.PALETTE_MIN_DELTA_E
    # and leaves colours alone under normal vision
    assert delta_e("#000000", "#ffffff", "normal") == pytest.approx(100.0, abs=0.01)
    # a pure-grey colour looks the same to every vision (the matrices keep white white)
    assert np.allclose(seen("#808080", "deuteranopia"), seen("#808080", "normal"), atol=0.5)

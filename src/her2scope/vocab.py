"""The one home of her2scope's shared vocabularies.

Every layer that compares against a HER2 category, a mechanism class, a MAF
variant class or a profile name reads it from here, so a word is written once
in ``src/`` (``tests/test_vocab.py`` checks that no vocabulary literal is
written twice). This module sits at the bottom of the layering (beside
``errors``): it imports nothing else of her2scope and nothing heavy.

- HER2 categories (:data:`HER2_CATEGORIES`), the IHC-0 family
  (:data:`ZERO_CATEGORIES`), the three-step analysis scale
  (:data:`ANALYSIS_SCALE`) and one colour per step (:data:`HER2_COLOURS`).
- Mechanism classes of endocrine resistance (:data:`MECHANISM_CLASSES`) with
  their labels and colours.
- MAF ``Variant_Classification`` sets (:data:`NONSYN_CLASSES`, maftools'
  ``vc_nonSyn``; :data:`CBIOPORTAL_CLASSES`).
- HER2 rule profiles, discovered from ``her2scope/data/profiles/*.yaml``
  (:func:`profile_names`): a new profile file is picked up everywhere,
  including the sensitivity grid.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Final, Literal, get_args

# --------------------------------------------------------------------------- HER2 categories

POSITIVE: Final = "HER2-positive"
LOW: Final = "HER2-low"
ULTRALOW: Final = "HER2-ultralow"
NULL: Final = "HER2-null"
ZERO: Final = "HER2-0"
NEGATIVE: Final = "HER2-negative"
EQUIVOCAL: Final = "equivocal"
UNKNOWN: Final = "unknown"

#: Every category a HER2 call can take, in reporting order.
HER2_CATEGORIES: Final[tuple[str, ...]] = (
    POSITIVE,
    LOW,
    ULTRALOW,
    NULL,
    ZERO,
    NEGATIVE,
    EQUIVOCAL,
    UNKNOWN,
)

#: The IHC-0 family: what ASCO/CAP 2018 calls "HER2 0" and 2023 splits further.
ZERO_CATEGORIES: Final[frozenset[str]] = frozenset({ZERO, NULL, ULTRALOW})

#: Categories on the 0 / low / positive scale (a "known" HER2 call).
RESOLVED_CATEGORIES: Final[frozenset[str]] = ZERO_CATEGORIES | {LOW, POSITIVE}

#: Categories that are not HER2-positive (including the unsplit negative).
NOT_POSITIVE_CATEGORIES: Final[frozenset[str]] = ZERO_CATEGORIES | {LOW, NEGATIVE}

#: Order used by the monotonicity property: 0-family < low < positive.
#: ``equivocal``, ``unknown`` and ``HER2-negative`` are deliberately absent.
CATEGORY_RANK: Final[dict[str, int]] = {ZERO: 0, NULL: 0, ULTRALOW: 0, LOW: 1, POSITIVE: 2}

#: Display order from the zero end to positive (tables of category counts).
CATEGORY_DISPLAY_ORDER: Final[tuple[str, ...]] = (
    ZERO,
    NULL,
    ULTRALOW,
    LOW,
    POSITIVE,
    NEGATIVE,
    EQUIVOCAL,
    UNKNOWN,
)

#: The collapsed scale of matrices, rates and survival groups, in display order.
ANALYSIS_SCALE: Final[tuple[str, ...]] = (ZERO, LOW, POSITIVE)

#: Stratum label of pooled rows (all sample types together) in switching tables.
ALL_SAMPLE_TYPES: Final = "All"

# --------------------------------------------------------------------------- palette
# Every colour a figure or page uses lives here. The palette is colour-blind safe:
# every pair of categories that share a figure stays at least PALETTE_MIN_DELTA_E
# apart (CIE76 in CIELAB) for normal vision and under deuteranopia and protanopia
# simulated with the Machado, Oliveira & Fernandes 2009 matrices (severity 1.0);
# tests/render/test_palette.py checks it. Built on the Okabe-Ito set (blue #0072B2,
# orange #E69F00, bluish green #009E73, reddish purple #CC79A7, vermillion #D55E00,
# sky blue #56B4E9, black) and Paul Tol's wine #882255.

#: The smallest colour difference (CIE76 Delta E) allowed between two categories of one figure.
PALETTE_MIN_DELTA_E: Final = 15.0

#: One colour per HER2 group, used by every figure and page.
HER2_COLOURS: Final[dict[str, str]] = {
    ZERO: "#3B7DD8",
    LOW: "#E69F00",
    POSITIVE: "#882255",
    "HER2-negative (unsplit)": "#bdbdbd",
    "unknown / equivocal": "#f0f0f0",
}

#: Oncoprint cells: one colour per alteration type (0 = not altered, the background).
ALTERATION_TYPE_COLOURS: Final[dict[str, str]] = {
    "not altered": "#eeeeee",
    "mutation": "#009E73",
    "amplification": "#D55E00",
    "deep deletion": "#56B4E9",
    "fusion / structural variant": "#CC79A7",
    "more than one type": "#000000",
}

#: Survival by an alteration: altered vs not altered.
ALTERATION_STATUS_COLOURS: Final[dict[str, str]] = {
    "not_altered": "#7f7f7f",
    "altered": "#D55E00",
}

#: The sensitivity grid: one colour per HER2 rule profile, in profile order.
PROFILE_COLOURS: Final[tuple[str, ...]] = (
    "#000000",
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#CC79A7",
    "#D55E00",
)

#: The adjusted forest plot: crude vs adjusted odds ratios.
ESTIMATE_COLOURS: Final[dict[str, str]] = {"crude": "#56B4E9", "adjusted": "#D55E00"}


def her2_colour(category: str) -> str:
    """The palette colour of a HER2 call: the IHC-0 family shares HER2-0's, an unsplit
    HER2-negative call its own, anything off the scale the unknown colour.

    Examples
    --------
    >>> her2_colour("HER2-ultralow") == HER2_COLOURS["HER2-0"]
    True
    """
    if category in ZERO_CATEGORIES:
        return HER2_COLOURS[ZERO]
    if category in (LOW, POSITIVE):
        return HER2_COLOURS[category]
    if category == NEGATIVE:
        return HER2_COLOURS["HER2-negative (unsplit)"]
    return HER2_COLOURS["unknown / equivocal"]


AmbiguityPolicy = Literal["low", "zero", "exclude"]
#: How a range score that a profile cannot settle (``1-2+``) is read.
AMBIGUITY_POLICIES: Final[tuple[str, ...]] = get_args(AmbiguityPolicy)

Source = Literal["sequenced", "primary"]
#: Which pathology a call reads: the sequenced sample's or the primary tumour's.
SOURCES: Final[tuple[str, ...]] = get_args(Source)

# --------------------------------------------------------------------------- mechanism classes

MechanismClass = Literal["ER", "TF", "MAPK", "PI3K", "CDK46"]
#: Mechanism classes of endocrine resistance, in display order (Figure 1 /
#: Table 1 of the Front Oncol 2024 perspective).
MECHANISM_CLASSES: Final[tuple[str, ...]] = get_args(MechanismClass)
#: The roll-up over every catalog alteration.
ALL_CLASS: Final = "ALL"

#: Short names (cBioPortal attribute descriptions, report prose).
CLASS_NAMES: Final[dict[str, str]] = {
    "ER": "ER pathway",
    "TF": "transcription factor",
    "MAPK": "MAPK / RTK",
    "PI3K": "PI3K / AKT / mTOR",
    "CDK46": "CDK4/6 axis",
}
#: Row labels of the class roll-ups in the HER2-low x alteration table.
CLASS_LABELS: Final[dict[str, str]] = {
    "ER": "ER pathway (any)",
    "TF": "Transcription factor (any)",
    "MAPK": "MAPK / RTK (any)",
    "PI3K": "PI3K / AKT / mTOR (any)",
    "CDK46": "CDK4/6 axis (any)",
    ALL_CLASS: "Any catalog alteration",
}
#: One colour per class (figures, web pages).
CLASS_COLOURS: Final[dict[str, str]] = {
    "ER": "#0072B2",
    "TF": "#E69F00",
    "MAPK": "#009E73",
    "PI3K": "#CC79A7",
    "CDK46": "#D55E00",
    ALL_CLASS: "#000000",
}

# --------------------------------------------------------------------------- MAF classes

#: maftools ``vc_nonSyn`` (read.maf default): protein-altering classes.
NONSYN_CLASSES: Final[tuple[str, ...]] = (
    "Frame_Shift_Del",
    "Frame_Shift_Ins",
    "Splice_Site",
    "Translation_Start_Site",
    "Nonsense_Mutation",
    "Nonstop_Mutation",
    "In_Frame_Del",
    "In_Frame_Ins",
    "Missense_Mutation",
)
#: What cBioPortal counts as "mutated": nonsyn plus Splice_Region (Silent,
#: Intron, UTR, Flank and IGR records are filtered out at import/query time).
CBIOPORTAL_CLASSES: Final[tuple[str, ...]] = (*NONSYN_CLASSES, "Splice_Region")
#: Named class sets accepted wherever a mutation-class option is taken.
BUILTIN_CLASS_SETS: Final[dict[str, tuple[str, ...]]] = {
    "nonsyn": NONSYN_CLASSES,
    "cbioportal": CBIOPORTAL_CLASSES,
}

# --------------------------------------------------------------------------- profiles

_PROFILE_DIR = ("data", "profiles")


@cache
def profile_names() -> tuple[str, ...]:
    """Names of the built-in HER2 rule profiles, discovered from the data folder.

    Returns
    -------
    tuple of str
        One name per ``her2scope/data/profiles/*.yaml`` file (the file name
        without its suffix), sorted.

    Examples
    --------
    >>> from her2scope.vocab import profile_names
    >>> "asco-cap-2023" in profile_names()
    True
    """
    folder = resources.files("her2scope").joinpath(*_PROFILE_DIR)
    return tuple(
        sorted(
            entry.name.rsplit(".", 1)[0]
            for entry in folder.iterdir()
            if entry.name.endswith((".yaml", ".yml"))
        )
    )


#: The default profile of every analysis (the most recent guideline).
DEFAULT_PROFILE: Final = "asco-cap-2023"


def __dir__() -> list[str]:
    # tab completion offers the vocabulary, not what this module imports
    imported = {"annotations", "cache", "resources", "Final", "Literal", "get_args"}
    return sorted(n for n in globals() if not n.startswith("_") and n not in imported)

"""The HER2 output vocabulary and the column names of the shared MSK study.

The category strings are part of the public contract (docs/interfaces.md):
downstream layers compare against them literally.
"""

from __future__ import annotations

from typing import Final, Literal, get_args

POSITIVE: Final = "HER2-positive"
LOW: Final = "HER2-low"
ULTRALOW: Final = "HER2-ultralow"
NULL: Final = "HER2-null"
ZERO: Final = "HER2-0"
NEGATIVE: Final = "HER2-negative"
EQUIVOCAL: Final = "equivocal"
UNKNOWN: Final = "unknown"

#: Every category a call can take, in reporting order.
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

#: Order used by the monotonicity property: 0-family < low < positive.
#: ``equivocal``, ``unknown`` and ``HER2-negative`` are deliberately absent.
CATEGORY_RANK: Final[dict[str, int]] = {ZERO: 0, NULL: 0, ULTRALOW: 0, LOW: 1, POSITIVE: 2}

AmbiguityPolicy = Literal["low", "zero", "exclude"]
AMBIGUITY_POLICIES: Final[tuple[str, ...]] = get_args(AmbiguityPolicy)

Source = Literal["sequenced", "primary"]
SOURCES: Final[tuple[str, ...]] = get_args(Source)

#: Canonical pathology fields a table can supply (``--map field=column``).
CANONICAL_FIELDS: Final[tuple[str, ...]] = (
    "ihc",
    "ish_status",
    "ish_ratio",
    "her2_copies",
    "cep17_copies",
)

#: cBioPortal attribute ids of breast_msk_2018 (Razavi et al., Cancer Cell 2018)
#: for the sample that was sequenced and for the primary tumour. The study
#: reports no per-cell HER2 or CEP17 signal columns; copy numbers appear only
#: inside ratio strings such as ``2 (CN 4.8)``.
MSK_COLUMNS: Final[dict[str, dict[str, str]]] = {
    "sequenced": {
        "ihc": "HER2_IHC_SCORE",
        "ish_status": "HER2_FISH",
        "ish_ratio": "HER2_FISH_RATIO",
    },
    "primary": {
        "ihc": "HER2_IHC_VALUE_PRIMARY",
        "ish_status": "HER2_FISH_STATUS",
        "ish_ratio": "HER2_FISH_RATIO_PRIMARY",
    },
}

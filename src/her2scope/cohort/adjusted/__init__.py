"""Adjusted odds ratios: is an alteration's HER2-low enrichment explained by confounders?

Crude vs Mantel-Haenszel vs multivariable (patient-clustered) odds ratios, and
the three open questions of the Front Oncol 2024 perspective
(doi:10.3389/fonc.2024.1461190): :mod:`.compute`, :mod:`.result`, :mod:`.run`;
the views (:mod:`.views`) are imported by the faces only.
"""

from her2scope.cohort.adjusted.compute import (
    DEFAULT_COVARIATES,
    READINGS,
    adjusted_analysis,
    adjusted_table,
    open_questions,
)
from her2scope.cohort.adjusted.result import AdjustedResult

__all__ = [
    "DEFAULT_COVARIATES",
    "READINGS",
    "AdjustedResult",
    "adjusted_analysis",
    "adjusted_table",
    "open_questions",
]

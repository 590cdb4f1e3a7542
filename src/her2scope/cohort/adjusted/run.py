"""Run the adjusted analysis on a study and write its files: the call the faces make."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from her2scope.cohort.adjusted.compute import DEFAULT_COVARIATES, adjusted_analysis
from her2scope.cohort.adjusted.result import AdjustedResult

if TYPE_CHECKING:
    from her2scope.alterations import AlterationCalls, Catalog
    from her2scope.cohort.options import AnalysisOptions
    from her2scope.study.model import Study


def run(
    study: Study,
    options: AnalysisOptions | None = None,
    *,
    catalog: Catalog | None = None,
    calls: AlterationCalls | None = None,
    covariates: Sequence[str] = DEFAULT_COVARIATES,
) -> AdjustedResult:
    """Crude vs Mantel-Haenszel vs adjusted odds ratios and the three open questions
    (:func:`~her2scope.cohort.adjusted.compute.adjusted_analysis`)."""
    return adjusted_analysis(study, options, catalog=catalog, calls=calls, covariates=covariates)


def write(result: AdjustedResult, out_dir: Path) -> list[Path]:
    """The adjusted files (TSVs, ``questions.json``, the forest PNG) in ``out_dir``."""
    from her2scope.cohort.adjusted.views import write_adjusted

    return write_adjusted(result, out_dir)


def html_section(result: AdjustedResult) -> str:
    """The adjusted section of a run's ``report.html``."""
    from her2scope.cohort.adjusted.views import html_section as section

    return section(result)

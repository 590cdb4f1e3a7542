"""Run the cohort actionability question: compute it and, when asked, write its files.

The faces (``analyze --actionability``, ``hs.tl.actionability``, the web cohort
page) call :func:`run`, or :func:`~her2scope.cohort.actionability.compute.actionability`
and the views they need.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from her2scope.cohort.actionability.compute import actionability
from her2scope.cohort.actionability.result import ActionabilityResult

if TYPE_CHECKING:
    from her2scope.cohort.options import AnalysisOptions
    from her2scope.study.model import Study


def run(
    study: Study,
    options: AnalysisOptions | None = None,
    *,
    jurisdiction: str = "FDA",
    history: str | None = None,
    progress: Any = None,
    out: str | Path | None = None,
) -> ActionabilityResult:
    """Each analysed sample's best option level, tabulated; with ``out``, the question's
    files (``actionability.tsv``, ``actionability_samples.tsv``,
    ``actionability_q2.json``, ``actionability.svg``) written there.

    Parameters are those of
    :func:`~her2scope.cohort.actionability.compute.actionability`.
    """
    from her2scope.cohort.actionability import views

    result = actionability(
        study, options, jurisdiction=jurisdiction, history=history, progress=progress
    )
    if out is not None:
        views.write_actionability(result, Path(out))
    return result


def write(result: ActionabilityResult, out_dir: Path) -> list[Path]:
    """The actionability files (TSVs, ``actionability_q2.json``, the figure) in ``out_dir``."""
    from her2scope.cohort.actionability.views import write_actionability

    return write_actionability(result, out_dir)


def html_section(result: ActionabilityResult) -> str:
    """The actionability section of a run's ``report.html``."""
    from her2scope.cohort.actionability.views import html_fragment

    return html_fragment(result)

"""Answer the switching question for a study: what the faces (CLI, web, ``hs.tl``) call.

:func:`run` computes the result (:func:`her2scope.cohort.switching.compute.switching`)
and, when asked, writes its output folder
(:func:`her2scope.cohort.switching.views.write_switching`).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from her2scope.cohort.switching.compute import switching

if TYPE_CHECKING:
    from her2scope.cohort.options import SwitchingOptions
    from her2scope.cohort.switching.result import SwitchingResult
    from her2scope.study.model import Study


def run(
    study: Study,
    options: SwitchingOptions | None = None,
    *,
    out: Path | str | None = None,
) -> SwitchingResult:
    """HER2 category switching of ``study``: primary pathology vs sequenced sample, and serial
    samples, with Wilson and patient-clustered 95% intervals.

    Parameters
    ----------
    study : Study
        A loaded study.
    options : SwitchingOptions, optional
        ``profile``, ``ambiguous``, ``mapping`` (defaults when None).
    out : path, optional
        Also write the result's folder there (pairs, matrices and rates as TSV,
        the rates as JSON, the heatmaps, an HTML page).

    Returns
    -------
    SwitchingResult
        Rates, pairs, matrices, accounting and audit.

    Raises
    ------
    StudyError
        When the study cannot give HER2-0/low/positive calls.

    Examples
    --------
    >>> result = run(study, SwitchingOptions(ambiguous="low"))  # doctest: +SKIP
    """
    result = switching(study, options=options)
    if out is not None:
        from her2scope.cohort.switching.views import write_switching

        write_switching(result, out)
    return result

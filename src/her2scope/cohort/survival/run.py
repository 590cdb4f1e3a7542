"""Answer the survival question for a study: what the faces (CLI, web, ``hs.tl``) call.

:func:`run` computes the result (:func:`her2scope.cohort.survival.compute.survival`)
and, when asked, writes its output folder
(:func:`her2scope.cohort.survival.views.write_survival`).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from her2scope.cohort.survival.compute import survival
from her2scope.errors import StudyError

if TYPE_CHECKING:
    from her2scope.cohort.options import SurvivalOptions
    from her2scope.cohort.survival.result import SurvivalResult
    from her2scope.study.model import Study


def run(
    study: Study,
    options: SurvivalOptions | None = None,
    *,
    out: Path | str | None = None,
    refuse_empty: bool = False,
) -> SurvivalResult:
    """Overall survival of ``study`` by HER2 group or alteration (KM, log-rank, Cox).

    Parameters
    ----------
    study : Study
        A loaded study.
    options : SurvivalOptions, optional
        ``by``, ``profile``, ``ambiguous``, ``mapping`` (defaults when None).
    out : path, optional
        Also write the result's folder there (TSVs, JSON, the Kaplan-Meier
        figure, an HTML page).
    refuse_empty : bool
        Raise instead of returning a result without a single analysable patient
        (a command's output would hold nothing but the reasons).

    Returns
    -------
    SurvivalResult
        The tables, curves, caveats and audit.

    Raises
    ------
    StudyError
        With ``refuse_empty``, when no patient has a usable outcome and group;
        also when the study cannot give HER2-0/low/positive calls.

    Examples
    --------
    >>> result = run(study, SurvivalOptions(by="alteration:PIK3CA_mut"))  # doctest: +SKIP
    """
    result = survival(study, options=options)
    if refuse_empty and result.n_patients == 0:
        raise StudyError(
            f"no usable patient in {study.study_id} (OS_MONTHS/OS_STATUS missing or unreadable, "
            "or no patient with a group); nothing to analyse"
        )
    if out is not None:
        from her2scope.cohort.survival.views import write_survival

        write_survival(result, out)
    return result

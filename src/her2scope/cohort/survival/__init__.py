"""Overall survival by HER2 group or alteration, per patient (KM, log-rank, Cox).

``compute`` makes the numbers, ``result`` holds them (:class:`SurvivalResult`),
``views`` shows and writes them, ``run`` is what the faces call. This package
re-exports the public names of compute, result and run, never the views.
"""

from her2scope.cohort.survival.compute import (
    ANALYSES,
    check_os_months,
    entry_time_check,
    first_sample_per_patient,
    has_sequencing_time,
    parse_os_status,
    survival,
    survival_from_calls,
)
from her2scope.cohort.survival.result import BIAS_NOTE, SurvivalResult
from her2scope.cohort.survival.run import run

__all__ = [
    "ANALYSES",
    "BIAS_NOTE",
    "SurvivalResult",
    "check_os_months",
    "entry_time_check",
    "first_sample_per_patient",
    "has_sequencing_time",
    "parse_os_status",
    "run",
    "survival",
    "survival_from_calls",
]

"""Several studies in one run: per-study tables and a pooled table, study as a stratum.

:mod:`.compute` (:func:`analyze_many`), :mod:`.result` (:class:`PooledResult`),
:mod:`.run`; the views (:mod:`.views`) are imported by the faces only.
"""

from her2scope.cohort.pooled.compute import POOLED_COLUMNS, analyze_many
from her2scope.cohort.pooled.result import STUDY_STRATUM, PooledResult

__all__ = ["POOLED_COLUMNS", "STUDY_STRATUM", "PooledResult", "analyze_many"]

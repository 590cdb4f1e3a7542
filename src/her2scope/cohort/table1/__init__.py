"""Table 1: the HER2-low fraction among tumors with each endocrine-resistance alteration.

The Front Oncol 2024 perspective's Table 1 (doi:10.3389/fonc.2024.1461190), with
statistics: :mod:`.compute` (cohort selection, the table, the sensitivity
grid), :mod:`.result` (:class:`IntersectionResult`, :class:`SensitivityResult`),
and :mod:`.run` (one call: annotate once, compute, write; ``run.run`` is not
re-exported here, so ``cohort.table1.run`` stays the module); the views
(:mod:`.views`: terminal, files, HTML) are imported by the faces only.
"""

from her2scope.cohort.table1.compute import (
    TABLE_COLUMNS,
    AlterationInfo,
    analyze,
    intersection_table,
    select_cohort,
    sensitivity,
)
from her2scope.cohort.table1.result import IntersectionResult, SensitivityResult
from her2scope.cohort.table1.run import Table1Run

__all__ = [
    "TABLE_COLUMNS",
    "AlterationInfo",
    "IntersectionResult",
    "SensitivityResult",
    "Table1Run",
    "analyze",
    "intersection_table",
    "select_cohort",
    "sensitivity",
]

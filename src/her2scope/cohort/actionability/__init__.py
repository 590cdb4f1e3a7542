"""Cohort actionability (issue 25): which samples are "targetable in addition".

``compute`` matches every sample with the tumor-board engine and tabulates the
best option levels; ``result`` holds :class:`ActionabilityResult`; ``views``
draws and writes it (imported by the faces and :mod:`.run` only); ``run`` does
both for the faces.
"""

from her2scope.cohort.actionability.compute import (
    actionability,
    option_level,
    q2_answer,
    summarise_report,
    tabulate,
)
from her2scope.cohort.actionability.result import (
    ALL,
    JURISDICTIONS,
    LEVEL_LABELS,
    LEVELS,
    OTHER_CLASS,
    SAMPLE_COLUMNS,
    TABLE_COLUMNS,
    ActionabilityResult,
)
from her2scope.cohort.actionability.run import run

__all__ = [
    "ALL",
    "JURISDICTIONS",
    "LEVELS",
    "LEVEL_LABELS",
    "OTHER_CLASS",
    "SAMPLE_COLUMNS",
    "TABLE_COLUMNS",
    "ActionabilityResult",
    "actionability",
    "option_level",
    "q2_answer",
    "run",
    "summarise_report",
    "tabulate",
]

"""HER2 category switching: primary pathology vs sequenced sample, and serial samples.

``compute`` makes the numbers, ``result`` holds them (:class:`SwitchingResult`)
with the notes every view carries, ``views`` shows and writes them, ``run`` is
what the faces call. This package re-exports the public names of compute,
result and run, never the views.
"""

from her2scope.cohort.switching.compute import (
    COMPARISONS,
    PAIR_SCHEMA,
    TRANSITIONS,
    primary_vs_sequenced_pairs,
    second_source_problem,
    serial_pairs,
    switch_rates,
    switching,
    switching_from_calls,
    to_analysis_scale,
    transition_matrix,
)
from her2scope.cohort.switching.result import (
    COMPARISON_TITLES,
    INDEPENDENCE_NOTE,
    PAPER_REFERENCE,
    SAME_TUMOUR_NOTE,
    SCALE_NOTE,
    SwitchingResult,
    paper_note,
)
from her2scope.cohort.switching.run import run

__all__ = [
    "COMPARISONS",
    "COMPARISON_TITLES",
    "INDEPENDENCE_NOTE",
    "PAIR_SCHEMA",
    "PAPER_REFERENCE",
    "SAME_TUMOUR_NOTE",
    "SCALE_NOTE",
    "TRANSITIONS",
    "SwitchingResult",
    "paper_note",
    "primary_vs_sequenced_pairs",
    "run",
    "second_source_problem",
    "serial_pairs",
    "switch_rates",
    "switching",
    "switching_from_calls",
    "to_analysis_scale",
    "transition_matrix",
]

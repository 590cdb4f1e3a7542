"""The tumor-board engine's decision steps: gates (who a strategy is for), then ranking.

:mod:`her2scope.tumorboard.gates` turns a strategy's population (knowledge-base
data) and the global gates (``gates.yaml``) into a verdict per strategy;
:mod:`her2scope.tumorboard.ranking` orders the eligible ones by the named rules
of ``ranking.yaml``. The matcher (:mod:`her2scope.tumorboard.match`) reads the patient
and explains the result; these modules decide.
"""

from her2scope.tumorboard.gates import STATUSES, Criterion, Gatekeeper, PatientState, Verdict
from her2scope.tumorboard.ranking import Adjustment, load_policy

__all__ = [
    "STATUSES",
    "Adjustment",
    "Criterion",
    "Gatekeeper",
    "PatientState",
    "Verdict",
    "load_policy",
]

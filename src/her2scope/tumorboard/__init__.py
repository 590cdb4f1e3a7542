"""The tumor-board engine: one patient (or every sample of a study) against the knowledge base.

read (:mod:`~her2scope.tumorboard.patient_file`: the patient file;
:mod:`~her2scope.tumorboard.her2_calls`: its HER2 call, both branches when ambiguous;
:mod:`~her2scope.tumorboard.terms`: findings and drugs onto knowledge-base terms;
:mod:`~her2scope.tumorboard.from_study`: a study's samples as patients) ·
gates (:mod:`~her2scope.tumorboard.gates`: who a strategy is for, ``gates.yaml``) ·
rank (:mod:`~her2scope.tumorboard.ranking`: the named rules of ``ranking.yaml``) ·
explain (:mod:`~her2scope.tumorboard.match`: the matcher, which reads, calls the gates
and the ranking, and explains) · the typed report (:mod:`~her2scope.tumorboard.report`) ·
its views (:mod:`~her2scope.tumorboard.views`) · batch (:mod:`~her2scope.tumorboard.batch`:
a study matched once per decision key; :mod:`~her2scope.tumorboard.run`: one file per
sample).
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

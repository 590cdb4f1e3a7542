"""Knowledge base of HER2 / endocrine-resistance mechanisms and therapies (cited data).

Data: ``src/her2scope/data/kb/*.yaml`` (versioned, cited, validated by
:mod:`her2scope.kb.schema`). Public API:

- :func:`load_kb` -> :class:`KnowledgeBase`

and, for users of ``hs.kb``, the tumor-board engine's names, loaded on first use from
:mod:`her2scope.tumorboard` (where the patient engine lives):

- :func:`read_patient` -> :class:`PatientProfile` (YAML/JSON patient file)
- :func:`match_patient` / :class:`Matcher` -> :class:`PatientReport`
- :func:`profiles_from_study` / :func:`profile_from_study` (from a ``Study``)
"""

from __future__ import annotations

from importlib import import_module

from her2scope.kb.eligibility import Eligibility as Eligibility
from her2scope.kb.load import load_kb as load_kb
from her2scope.kb.schema import EVIDENCE_RANK as EVIDENCE_RANK
from her2scope.kb.schema import EVIDENCE_SCALE as EVIDENCE_SCALE
from her2scope.kb.schema import KnowledgeBase as KnowledgeBase

#: hs.kb names that live in the tumor-board engine: name -> module
_TUMORBOARD = {
    "DISCLAIMER": "her2scope.tumorboard.report",
    "PatientReport": "her2scope.tumorboard.report",
    "Matcher": "her2scope.tumorboard.match",
    "call_her2": "her2scope.tumorboard.her2_calls",
    "match_patient": "her2scope.tumorboard.match",
    "Her2Input": "her2scope.tumorboard.patient_file",
    "PatientProfile": "her2scope.tumorboard.patient_file",
    "read_patient": "her2scope.tumorboard.patient_file",
    "AlterationParser": "her2scope.tumorboard.terms",
    "ParsedAlteration": "her2scope.tumorboard.terms",
    "TherapyNormaliser": "her2scope.tumorboard.terms",
    "profiles_from_study": "her2scope.tumorboard.from_study",
    "profile_from_study": "her2scope.tumorboard.from_study",
}

__all__ = sorted(
    ["EVIDENCE_RANK", "EVIDENCE_SCALE", "Eligibility", "KnowledgeBase", "load_kb", *_TUMORBOARD]
)


def __getattr__(name: str) -> object:
    module = _TUMORBOARD.get(name)
    if module is None:
        raise AttributeError(name)
    return getattr(import_module(module), name)

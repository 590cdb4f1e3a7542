"""Knowledge base of HER2 / endocrine-resistance mechanisms and therapies, and patient matching.

Data: ``src/her2scope/data/kb/*.yaml`` (versioned, cited, validated by
:mod:`her2scope.kb.schema`). Public API:

- :func:`load_kb` -> :class:`KnowledgeBase`
- :func:`read_patient` -> :class:`PatientProfile` (YAML/JSON patient file)
- :func:`match_patient` / :class:`Matcher` -> :class:`PatientReport`
- :func:`profiles_from_study` / :func:`profile_from_study` (from a ``Study``)
"""

from __future__ import annotations

# first: the eligibility models resolve Strategy.eligibility (schema names them by a forward
# reference, so that schema never imports them back)
from her2scope.kb.eligibility import Eligibility
from her2scope.kb.load import load_kb
from her2scope.kb.match import DISCLAIMER, Matcher, PatientReport, call_her2, match_patient
from her2scope.kb.parse import AlterationParser, ParsedAlteration, TherapyNormaliser
from her2scope.kb.patient import Her2Input, PatientProfile, read_patient
from her2scope.kb.schema import EVIDENCE_RANK, EVIDENCE_SCALE, KnowledgeBase

__all__ = [
    "DISCLAIMER",
    "EVIDENCE_RANK",
    "EVIDENCE_SCALE",
    "AlterationParser",
    "Eligibility",
    "Her2Input",
    "KnowledgeBase",
    "Matcher",
    "ParsedAlteration",
    "PatientProfile",
    "PatientReport",
    "TherapyNormaliser",
    "call_her2",
    "load_kb",
    "match_patient",
    "profile_from_study",
    "profiles_from_study",
    "read_patient",
]


def __getattr__(name: str) -> object:
    # from_study imports the study layer; load it only when asked for
    if name in ("profiles_from_study", "profile_from_study"):
        from her2scope.kb import from_study

        return getattr(from_study, name)
    raise AttributeError(name)

"""The HER2 call of a patient file: the HER2 engine on its pathology, once per set of values.

The read step of the tumor-board engine for HER2: :func:`call_her2` turns a
patient's :class:`~her2scope.tumorboard.patient_file.Her2Input` (a category as
written, or IHC/ISH values) into the call, its rationale and the readings an
ambiguous score leaves open (both branches). Calls are kept per set of
pathology values, profile and policy, so a batch of a study's samples makes each
distinct call once (:func:`prefill_her2_calls` classifies them all in one engine
pass).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from her2scope.kb.schema import HER2_CATEGORY_NAMES
from her2scope.tumorboard.patient_file import Her2Input, PatientProfile

#: HER2 calls already made: (pathology values..., profile, policy) -> call. Filled
#: one patient at a time, or for a whole batch at once by :func:`prefill_her2_calls`.
_HER2_CALLS: dict[tuple[Any, ...], dict[str, Any]] = {}
_HER2_CALLS_MAX = 200_000


def _as_dict(call: Any) -> dict[str, Any]:
    return {
        "category": call.category,
        "rationale": call.rationale,
        "ambiguous": bool(call.ambiguous),
        "ish_group": call.ish_group,
        "unusable": list(call.unusable),
    }


def _calls_for(keys: list[tuple[Any, ...]], profile: str, ambiguous: str) -> None:
    """Make the calls of ``keys`` (pathology values) under one profile and policy, together."""
    from her2scope.her2 import classify_calls  # the HER2 engine (lower layer)

    if len(_HER2_CALLS) + len(keys) > _HER2_CALLS_MAX:
        _HER2_CALLS.clear()
    for key, call in zip(
        keys, classify_calls(keys, profile=profile, ambiguous=ambiguous), strict=True
    ):
        _HER2_CALLS[(*key, profile, ambiguous)] = _as_dict(call)


def _classify_cached(
    ihc: str | None,
    ish_status: str | None,
    ish_ratio: float | str | None,
    her2_copies: float | str | None,
    cep17_copies: float | str | None,
    profile: str,
    ambiguous: str,
) -> dict[str, Any]:
    key = (ihc, ish_status, ish_ratio, her2_copies, cep17_copies, profile, ambiguous)
    if key not in _HER2_CALLS:
        _calls_for([key[:5]], profile, ambiguous)
    return _HER2_CALLS[key]


def prefill_her2_calls(profiles: Iterable[PatientProfile]) -> int:
    """Make the HER2 calls of many patients in one engine call per profile and policy.

    :meth:`Matcher.match` then finds each call made (a batch of 1,918 study
    samples: 307 distinct pathology sets, one classify call instead of 307).
    Returns the number of calls made.
    """
    wanted: dict[tuple[str, str], set[tuple[Any, ...]]] = {}
    for prof in profiles:
        for h in (prof.her2, prof.her2_primary):
            if h is None or h.is_empty():
                continue
            values = (h.ihc, h.ish_status, h.ish_ratio, h.her2_copies, h.cep17_copies)
            if all(v is None for v in values):
                continue
            policies: set[str] = {str(prof.ambiguous), "low", "zero"}
            for policy in policies:
                if (*values, prof.profile, policy) not in _HER2_CALLS:
                    wanted.setdefault((prof.profile, policy), set()).add(values)
    made = 0
    for (profile, chosen), keys in wanted.items():
        _calls_for(sorted(keys, key=repr), profile, chosen)
        made += len(keys)
    return made


def prefill_her2_inputs(inputs: Iterable[Her2Input], *, profile: str, ambiguous: str) -> int:
    """:func:`prefill_her2_calls` for bare HER2 inputs under one rule profile and policy."""
    wanted: dict[str, set[tuple[Any, ...]]] = {}
    for h in inputs:
        if h.is_empty():
            continue
        values = (h.ihc, h.ish_status, h.ish_ratio, h.her2_copies, h.cep17_copies)
        if all(v is None for v in values):
            continue
        for policy in {ambiguous, "low", "zero"}:
            if (*values, profile, policy) not in _HER2_CALLS:
                wanted.setdefault(policy, set()).add(values)
    for policy, keys in wanted.items():
        _calls_for(sorted(keys, key=repr), profile, policy)
    return sum(len(k) for k in wanted.values())


def call_her2(h: Her2Input | None, *, profile: str, ambiguous: str) -> dict[str, Any]:
    """HER2 call for one set of pathology values (dict with category, rationale, readings).

    ``readings`` are the categories the values allow: one for a clear call; for an
    ambiguous one (a range such as ``0-1+``) the calls under the ``low`` and
    ``zero`` readings of the ambiguity.
    """
    if h is None or h.is_empty():
        return {
            "category": "unknown",
            "rationale": "no HER2 pathology given",
            "ambiguous": False,
            "ish_group": None,
            "unusable": [],
            "readings": ["unknown"],
        }
    pathology = (h.ihc, h.ish_status, h.ish_ratio, h.her2_copies, h.cep17_copies)
    if h.category and all(v is None for v in pathology):
        cat = h.category if h.category in HER2_CATEGORY_NAMES else "unknown"
        why = "category given in the patient file, not derived from pathology"
        if cat == "unknown":
            why = f"category {h.category!r} given in the patient file is not a known HER2 category"
        return {
            "category": cat,
            "rationale": why,
            "ambiguous": False,
            "ish_group": None,
            "unusable": [] if cat != "unknown" else ["category"],
            "readings": [cat],
        }
    result = dict(_classify_cached(*pathology, profile, ambiguous))
    result["unusable"] = list(result["unusable"])
    readings = [result["category"]]
    if result["ambiguous"]:
        readings = sorted(
            {_classify_cached(*pathology, profile, pol)["category"] for pol in ("low", "zero")}
        )
    result["readings"] = readings
    return result

"""Properties of the gates (Hypothesis) and of the ranking policy as data.

The properties are the safety rules of a tumor board, for any patient the
strategies below can build: a drug stopped for good never comes back; no
PD-1/PD-L1 regimen within 6 months of curative-intent immunotherapy; every
strategy of the knowledge base lands in exactly one section, with a reason.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from her2scope.kb.load import load_kb
from her2scope.tumorboard import STATUSES, load_policy
from her2scope.tumorboard.gates import global_gates
from her2scope.tumorboard.match import Matcher
from her2scope.tumorboard.patient_file import profile_from_mapping

MATCHER = Matcher()
KB = load_kb()
PD1 = {"pembrolizumab", "atezolizumab", "nivolumab", "durvalumab", "dostarlimab"}
DRUGS = sorted(
    {
        "trastuzumab deruxtecan",
        "sacituzumab govitecan",
        "datopotamab deruxtecan",
        "capivasertib",
        "alpelisib",
        "everolimus",
        "fulvestrant",
        "letrozole",
        "palbociclib",
        "abemaciclib",
        "pembrolizumab",
        "trastuzumab",
        "pertuzumab",
        "tucatinib",
        "trastuzumab emtansine",
        "capecitabine",
        "paclitaxel",
        "olaparib",
        "elacestrant",
    }
)
IHC = ["0", "1+", "2+", "3+", "0-1+", "1-2+", None]
OUTCOMES = ["progressed", "completed", "ongoing", "stopped_toxicity", "unknown"]

course = st.fixed_dictionaries(
    {
        "therapy": st.lists(st.sampled_from(DRUGS), min_size=1, max_size=3, unique=True).map(
            " + ".join
        ),
        "setting": st.sampled_from(["metastatic", "neoadjuvant", "adjuvant"]),
        "outcome": st.sampled_from(OUTCOMES),
    }
)


def patient(
    courses: list[dict[str, Any]], er: str, ihc: str | None, setting: str, pdl1: str
) -> dict[str, Any]:
    her2 = {"ihc": ihc} if ihc is not None else {}
    return {
        "id": "H",
        "er_status": er,
        "her2": her2,
        "setting": setting,
        "pd_l1": {"status": pdl1},
        "menopausal_status": "post",
        "therapy_history": courses,
    }


common = {
    "courses": st.lists(course, max_size=4),
    "er": st.sampled_from(["positive", "negative", "unknown", "5%"]),
    "ihc": st.sampled_from(IHC),
    "setting": st.sampled_from(["metastatic", "neoadjuvant", "post-neoadjuvant", "adjuvant"]),
    "pdl1": st.sampled_from(["positive", "negative", "unknown"]),
}
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(agent=st.sampled_from(DRUGS), **common)
def test_a_permanently_discontinued_agent_is_never_an_option(
    agent: str, courses: list[dict[str, Any]], er: str, ihc: str | None, setting: str, pdl1: str
) -> None:
    stop = {
        "therapy": agent,
        "setting": "metastatic",
        "outcome": "stopped_toxicity",
        "toxicity": {"event": "colitis", "grade": 3, "permanently_discontinued": True},
    }
    report = MATCHER.match(profile_from_mapping(patient([*courses, stop], er, ihc, setting, pdl1)))
    for o in report.options:
        assert agent not in o["therapies"], (agent, o["therapy"])


@SETTINGS
@given(
    months=st.floats(min_value=0, max_value=5.9),
    drug=st.sampled_from(["pembrolizumab", "atezolizumab", "nivolumab"]),
    **common,
)
def test_no_pd1_regimen_within_6_months_of_curative_immunotherapy(
    months: float,
    drug: str,
    courses: list[dict[str, Any]],
    er: str,
    ihc: str | None,
    setting: str,
    pdl1: str,
) -> None:
    io = {
        "therapy": f"{drug} + paclitaxel",
        "setting": "neoadjuvant",
        "intent": "curative",
        "outcome": "completed",
        "months_since_end": months,
    }
    profile = profile_from_mapping(patient([*courses, io], er, ihc, "metastatic", pdl1))
    report = MATCHER.match(profile)
    for o in report.options:
        assert not PD1 & set(o["therapies"]), (months, o["therapy"])


@SETTINGS
@given(**common)
def test_every_strategy_lands_in_exactly_one_section_with_a_reason(
    courses: list[dict[str, Any]], er: str, ihc: str | None, setting: str, pdl1: str
) -> None:
    report = MATCHER.match(profile_from_mapping(patient(courses, er, ihc, setting, pdl1)))
    sections: dict[str, set[str]] = {
        "eligible": {o["id"] for o in report.options}
        | {i for o in report.options for i in o.get("also_supported_by_ids", [])},
        "conditional": {o["id"] for o in report.conditional_options},
        "not_eligible": {o["id"] for o in report.excluded_options},
        "left_out": {o["id"] for o in report.left_out},
    }
    offered = [s for s in KB.strategies if not s.retired and s.evidence_level != "resistance"]
    for s in offered:
        where = [name for name, ids in sections.items() if s.id in ids]
        assert len(where) == 1, (s.id, where)
    for o in report.conditional_options + report.excluded_options:
        assert o["reason"] and o["eligibility"]["reasons"], o["id"]
    for o in report.conditional_options:
        assert o["settles"], o["id"]
    for o in report.left_out:
        assert o["reason"], o["id"]
    for o in report.options:
        assert o["eligibility"]["status"] == "eligible" and o["rank_reason"]


def test_verdict_statuses_and_policy_files_are_valid() -> None:
    """The gate and ranking data load, and every rule the matcher applies exists."""
    gates = global_gates()
    assert {"permanent_discontinuation", "pd1_recurrence_within_months"} <= set(gates)
    assert gates["pd1_recurrence_within_months"].months == 6
    assert gates["pd1_recurrence_within_months"].sources
    rules = {r.id: r for r in load_policy().rules}
    assert rules["after_progression_fits"].stage == "fit"
    assert rules["resistance_clinical"].stage == "adjust"
    assert set(STATUSES) == {"eligible", "not_eligible", "conditional", "left_out"}


def test_fit_comes_before_evidence() -> None:
    """First line, ER+ HER2-low, ESR1: the first-line standard leads; everolimus (after an
    NSAI, which this patient has not had) is not eligible, not merely lower."""
    p = profile_from_mapping(
        {
            "id": "F",
            "er_status": "positive",
            "setting": "metastatic",
            "menopausal_status": "post",
            "her2": {"ihc": "1+"},
            "alterations": ["ESR1 Y537S"],
        }
    )
    report = MATCHER.match(p)
    assert report.options[0]["therapies"] == ["endocrine therapy", "CDK4/6 inhibitor"]
    ne = {o["id"]: o for o in report.excluded_options}
    assert "aromatase inhibitor" in ne["s_everolimus_exemestane"]["reason"]
    rules = {r.id: r for r in load_policy().rules}
    for o in report.options:
        for a in o["applied_rules"]:
            # every applied rule is a named rule of ranking.yaml, with its stage
            assert a["stage"] == rules[a["rule"]].stage and a["detail"]
        assert o["fit"] == sum(a["weight"] for a in o["applied_rules"] if a["stage"] == "fit")
    fits = [o["fit"] for o in report.options]
    assert fits == sorted(fits, reverse=True)  # fit is the first sort key

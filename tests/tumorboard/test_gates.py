"""Properties of the gates (Hypothesis) and of the ranking policy as data.

The properties are the safety rules of a tumor board, for any patient the
strategies below can build: a drug stopped for good never comes back; no
PD-1/PD-L1 regimen within 6 months of curative-intent immunotherapy; every
strategy of the knowledge base lands in exactly one section, with a reason.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from her2scope.kb.load import load_kb
from her2scope.tumorboard import STATUSES, load_policy
from her2scope.tumorboard.gates import NOT_READ, PatientState, global_gates, risk_holds
from her2scope.tumorboard.match import Matcher
from her2scope.tumorboard.patient_file import NodalRisk, profile_from_mapping

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


# -- the early-disease risk criterion (monarchE, NATALEE) over the file's nodal_risk -------
LILLY_2023 = "investor.lilly.com"


@pytest.fixture
def wired(monkeypatch: pytest.MonkeyPatch) -> None:
    """The matcher passing the profile's nodal_risk to the gates (one line in
    ``Matcher.state``: ``nodal_risk=profile.nodal_risk``), as the merge will wire it."""
    original = Matcher.state

    def state(self: Matcher, ctx: Any) -> PatientState:
        st = original(self, ctx)
        st.nodal_risk = ctx.profile.nodal_risk
        return st

    monkeypatch.setattr(Matcher, "state", state)


def _adjuvant(nodal: dict[str, Any] | None) -> dict[str, str]:
    data: dict[str, Any] = {
        "id": "N",
        "er_status": "positive",
        "setting": "adjuvant",
        "menopausal_status": "post",
        "her2": {"ihc": "0"},
    }
    if nodal is not None:
        data["nodal_risk"] = nodal
    report = Matcher().match(profile_from_mapping(data))
    out: dict[str, str] = {}
    for status, opts in (
        ("eligible", report.options),
        ("conditional", report.conditional_options),
        ("not_eligible", report.excluded_options),
    ):
        for o in opts:
            if o["id"] in ("s_abemaciclib_adjuvant", "s_ribociclib_adjuvant"):
                cited = " ".join(
                    [src["text"] for r in o["eligibility"]["reasons"] for src in r["sources"]]
                    + [
                        link["url"]
                        for r in o["eligibility"]["reasons"]
                        for src in r["sources"]
                        for link in src["links"]
                    ]
                )
                out[o["id"]] = f"{status}|{o.get('reason') or ''}|{o.get('settles') or ''}|{cited}"
    return out


@pytest.mark.usefixtures("wired")
@pytest.mark.parametrize(
    ("nodal", "abema", "ribo"),
    [
        # >= 4 nodes: monarchE cohort 1 and NATALEE (node-positive)
        ({"positive_nodes": 5}, "eligible", "eligible"),
        # 1-3 nodes, grade 2, 30 mm: not monarchE high risk; NATALEE node-positive
        ({"positive_nodes": 2, "grade": 2, "tumor_size_mm": 30}, "not_eligible", "eligible"),
        # 1-3 nodes and a 50 mm tumour: monarchE (size >= 50 mm)
        ({"positive_nodes": 1, "grade": 1, "tumor_size_mm": 50}, "eligible", "eligible"),
        # T1N0: neither (NATALEE excluded T1N0)
        ({"positive_nodes": 0, "tumor_size_mm": 15, "grade": 3}, "not_eligible", "not_eligible"),
        # T2N0 grade 3: NATALEE only
        ({"positive_nodes": 0, "tumor_size_mm": 30, "grade": 3}, "not_eligible", "eligible"),
        # T2N0 grade 2, Ki-67 and genomic risk not given: NATALEE conditional
        ({"positive_nodes": 0, "tumor_size_mm": 30, "grade": 2}, "not_eligible", "conditional"),
        (
            {"positive_nodes": 0, "tumor_size_mm": 30, "grade": 2, "ki67_percent": 25},
            "not_eligible",
            "eligible",
        ),
        (
            {
                "positive_nodes": 0,
                "tumor_size_mm": 30,
                "grade": 2,
                "ki67_percent": 10,
                "genomic_risk": "low",
            },
            "not_eligible",
            "not_eligible",
        ),
        # T3N0: NATALEE stage IIB
        ({"positive_nodes": 0, "tumor_size_mm": 60}, "not_eligible", "eligible"),
        # nodes given, grade and size missing: monarchE waits on them
        ({"positive_nodes": 2}, "conditional", "eligible"),
        # nothing given: both conditional on the findings at surgery
        (None, "conditional", "conditional"),
    ],
)
def test_adjuvant_cdk46_high_risk_criteria(
    nodal: dict[str, Any] | None, abema: str, ribo: str
) -> None:
    got = _adjuvant(nodal)
    assert got["s_abemaciclib_adjuvant"].split("|")[0] == abema, got["s_abemaciclib_adjuvant"]
    assert got["s_ribociclib_adjuvant"].split("|")[0] == ribo, got["s_ribociclib_adjuvant"]


@pytest.mark.usefixtures("wired")
def test_risk_reasons_name_the_definition_the_findings_and_the_source() -> None:
    got = _adjuvant({"positive_nodes": 2, "grade": 2, "tumor_size_mm": 30})
    status, reason, _settles, cited = got["s_abemaciclib_adjuvant"].split("|")
    assert status == "not_eligible"
    assert ">= 4 positive axillary nodes" in reason and "2 positive nodes, 30 mm, grade 2" in reason
    assert LILLY_2023 in cited
    status, reason, settles, cited = _adjuvant(None)["s_ribociclib_adjuvant"].split("|")
    assert status == "conditional" and "NATALEE" in reason
    assert "nodal_risk" in settles and "positive_nodes" in settles and "NCT03701334" in cited
    _s, _r, settles, _c = _adjuvant({"positive_nodes": 0, "tumor_size_mm": 30, "grade": 2})[
        "s_ribociclib_adjuvant"
    ].split("|")
    assert "ki67_percent" in settles and "genomic_risk" in settles


def test_the_matcher_passes_nodal_risk_to_the_gates() -> None:
    """``Matcher.state`` passes the file's nodal_risk: a node-negative, small, grade 1
    tumour is outside monarchE's high-risk population (not eligible, the criterion shown);
    a state built without the field (NOT_READ) does not apply the criterion."""
    got = _adjuvant({"positive_nodes": 0, "tumor_size_mm": 15, "grade": 1})
    assert got["s_abemaciclib_adjuvant"].startswith("not_eligible|")
    assert "positive axillary nodes" in got["s_abemaciclib_adjuvant"]
    assert PatientState.__dataclass_fields__["nodal_risk"].default == NOT_READ


def test_risk_holds_is_three_valued() -> None:
    monarche = KB.entry("s_abemaciclib_adjuvant").eligibility.risk  # type: ignore[union-attr]
    assert monarche is not None
    one_to_three_g3 = monarche.any_of[1]
    assert risk_holds(one_to_three_g3, NodalRisk(positive_nodes=2, grade=3)) == (True, set())
    assert risk_holds(one_to_three_g3, NodalRisk(positive_nodes=2, grade=2)) == (False, set())
    # a failed given datum decides even with another missing
    assert risk_holds(one_to_three_g3, NodalRisk(positive_nodes=0)) == (False, set())
    assert risk_holds(one_to_three_g3, NodalRisk(positive_nodes=2)) == (None, {"grade"})
    assert risk_holds(one_to_three_g3, None) == (None, {"positive_nodes", "grade"})

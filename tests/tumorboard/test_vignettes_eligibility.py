"""Eligibility blocks of strategies that used to pass only the global gates.

Each case is a patient a tumor board would see and the verdict the strategy's
own trial population gives: not eligible with the failed criterion and its
source shown, conditional with what settles it, or eligible (the control that
keeps a block from leaving out the patients its trial enrolled). Every
not-eligible or conditional case here fails without the strategy's block.
"""

from __future__ import annotations

from typing import Any

import pytest

from her2scope.kb.load import load_kb
from her2scope.tumorboard.match import match_patient
from her2scope.tumorboard.patient_file import profile_from_mapping

FIRST_LINE_HR_POS_HER2_0 = {
    "id": "E1",
    "er_status": "positive",
    "setting": "metastatic",
    "menopausal_status": "post",
    "her2": {"ihc": "0"},
}
AFTER_AI_CDK46 = {
    **FIRST_LINE_HR_POS_HER2_0,
    "id": "E2",
    "therapy_history": [
        {
            "therapy": "letrozole + palbociclib",
            "setting": "metastatic",
            "line": 1,
            "outcome": "progressed",
        }
    ],
}
HER2_POS_DE_NOVO = {
    "id": "E3",
    "er_status": "negative",
    "setting": "metastatic",
    "her2": {"ihc": "3+"},
}
HER2_POS_DURING_THP = {
    **HER2_POS_DE_NOVO,
    "id": "E4",
    "therapy_history": [
        {
            "therapy": "trastuzumab + pertuzumab + docetaxel",
            "setting": "metastatic",
            "line": 1,
            "outcome": "ongoing",
        }
    ],
}
HER2_POS_AFTER_THP = {
    **HER2_POS_DE_NOVO,
    "id": "E5",
    "therapy_history": [
        {
            "therapy": "trastuzumab + pertuzumab + docetaxel",
            "setting": "metastatic",
            "line": 1,
            "outcome": "progressed",
        }
    ],
}
ESR1_FIRST_LINE = {
    **FIRST_LINE_HR_POS_HER2_0,
    "id": "E6",
    "her2": {"ihc": "1+"},
    "alterations": ["ESR1 Y537S"],
}
ESR1_AFTER_AI_CDK46 = {
    **ESR1_FIRST_LINE,
    "id": "E7",
    "therapy_history": AFTER_AI_CDK46["therapy_history"],
}


def _report(patient: dict[str, Any], *, history_known: bool = True) -> dict[str, Any]:
    profile = profile_from_mapping(patient)
    if not history_known:
        profile = profile.model_copy(update={"prior_therapies_known": False})
    return match_patient(profile).to_dict()


def _verdict(report: dict[str, Any], sid: str) -> tuple[str, dict[str, Any]]:
    for section, status in (
        ("options", "eligible"),
        ("conditional_options", "conditional"),
        ("not_eligible", "not_eligible"),
    ):
        for o in report[section]:
            if o["id"] == sid:
                return status, o
    raise AssertionError(f"{sid} is in no section")


def _reason_and_sources(o: dict[str, Any]) -> tuple[str, str]:
    reasons = o["eligibility"]["reasons"]
    text = "; ".join(r["reason"] for r in reasons)
    links = " ".join(
        link["url"] for r in reasons for src in r["sources"] for link in src.get("links", [])
    )
    return text, links


# (patient, strategy, status, words of the reason, a link of its source)
NOT_ELIGIBLE = [
    pytest.param(
        FIRST_LINE_HR_POS_HER2_0,
        "s_tdxd_her2_null_daisy",
        ">= 1 systemic lines (metastatic)",
        "10.1016/j.esmoop.2023.101613",
        id="daisy_first_line_hr_pos_her2_0",
    ),
    pytest.param(
        HER2_POS_DE_NOVO,
        "s_tucatinib_tdm1",
        ">= 1 trastuzumab",
        "10.1016/j.annonc.2025.11.005",
        id="her2climb02_before_trastuzumab_and_taxane",
    ),
    pytest.param(
        HER2_POS_DE_NOVO,
        "s_tucatinib_maintenance",
        ">= 1 ongoing trastuzumab (metastatic)",
        "NCT05132582",
        id="her2climb05_maintenance_needs_thp_induction",
    ),
    pytest.param(
        HER2_POS_AFTER_THP,
        "s_tucatinib_maintenance",
        "for metastatic line 1; this is line 2",
        "NCT05132582",
        id="her2climb05_not_after_progression",
    ),
    pytest.param(
        ESR1_FIRST_LINE,
        "s_lasofoxifene_esr1",
        ">= 1 progression on aromatase inhibitor",
        "NCT03781063",
        id="elaine1_before_ai_cdk46",
    ),
]


@pytest.mark.parametrize(("patient", "sid", "words", "link"), NOT_ELIGIBLE)
def test_not_eligible_with_the_criterion_and_its_source(
    patient: dict[str, Any], sid: str, words: str, link: str
) -> None:
    status, option = _verdict(_report(patient), sid)
    assert status == "not_eligible", option.get("rank_reason")
    reason, links = _reason_and_sources(option)
    assert words in reason
    assert link in links


@pytest.mark.parametrize(
    ("patient", "sid"),
    [
        pytest.param(AFTER_AI_CDK46, "s_tdxd_her2_null_daisy", id="daisy_after_first_line"),
        pytest.param(HER2_POS_AFTER_THP, "s_tucatinib_tdm1", id="her2climb02_after_thp"),
        pytest.param(HER2_POS_DURING_THP, "s_tucatinib_maintenance", id="her2climb05_during_thp"),
        pytest.param(ESR1_AFTER_AI_CDK46, "s_lasofoxifene_esr1", id="elaine1_after_ai_cdk46"),
    ],
)
def test_the_trial_population_stays_eligible(patient: dict[str, Any], sid: str) -> None:
    status, option = _verdict(_report(patient), sid)
    assert status == "eligible", option["eligibility"]


@pytest.mark.parametrize(
    "sid",
    ["s_tdxd_her2_null_daisy", "s_tucatinib_tdm1", "s_lasofoxifene_esr1"],
)
def test_unknown_history_makes_the_prerequisite_conditional(sid: str) -> None:
    patient = {
        "s_tdxd_her2_null_daisy": FIRST_LINE_HR_POS_HER2_0,
        "s_tucatinib_tdm1": HER2_POS_DE_NOVO,
        "s_lasofoxifene_esr1": ESR1_FIRST_LINE,
    }[sid]
    status, option = _verdict(_report(patient, history_known=False), sid)
    assert status == "conditional"
    reasons = option["eligibility"]["reasons"]
    assert any(r["settles"] == "the treatment history" for r in reasons), reasons


def test_daisy_no_longer_ranks_second_in_first_line_hr_pos_her2_0() -> None:
    """The harm this block fixes: an off-label pretreated-population entry ranked 2nd."""
    report = _report(FIRST_LINE_HR_POS_HER2_0)
    ranked = [o["id"] for o in report["options"]]
    assert ranked[:1] == ["s_et_cdk46_standard"]
    assert "s_tdxd_her2_null_daisy" not in ranked


def test_every_new_block_cites_a_source_per_criterion() -> None:
    kb = load_kb()
    for sid in (
        "s_tdxd_her2_null_daisy",
        "s_tucatinib_tdm1",
        "s_tucatinib_maintenance",
        "s_lasofoxifene_esr1",
    ):
        elig = kb.entry(sid).eligibility  # type: ignore[union-attr]
        assert elig is not None, sid
        assert elig.prior and len(elig.sources()) == len(elig.prior), sid

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
GBRCA_AFTER_OLAPARIB = {
    "id": "E8",
    "er_status": "negative",
    "setting": "metastatic",
    "her2": {"ihc": "0"},
    "germline": {"tested": True, "pathogenic": ["BRCA1"]},
    "therapy_history": [
        {"therapy": "olaparib", "setting": "adjuvant", "outcome": "completed"},
    ],
}
FGFR1_AFTER_FGFR_INHIBITOR = {
    "id": "E9",
    "er_status": "positive",
    "setting": "metastatic",
    "menopausal_status": "post",
    "her2": {"ihc": "0"},
    "alterations": ["FGFR1 amplification"],
    "therapy_history": [
        {
            "therapy": "letrozole + palbociclib",
            "setting": "metastatic",
            "line": 1,
            "outcome": "progressed",
        },
        {
            "therapy": "lucitanib",
            "setting": "metastatic",
            "line": 2,
            "outcome": "progressed",
        },
    ],
}
THIRD_LINE_AFTER_FULVESTRANT = {
    **FIRST_LINE_HR_POS_HER2_0,
    "id": "E10",
    "therapy_history": [
        *AFTER_AI_CDK46["therapy_history"],
        {"therapy": "fulvestrant", "setting": "metastatic", "line": 2, "outcome": "progressed"},
    ],
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
    cited = " ".join(
        [src["text"] for r in reasons for src in r["sources"]]
        + [link["url"] for r in reasons for src in r["sources"] for link in src.get("links", [])]
    )
    return text, cited


# (patient, strategy, words of the reason, words or a link of its source)
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
        {**HER2_POS_AFTER_THP, "alterations": ["PIK3CA H1047R"]},
        "s_alpelisib_her2_positive_epikb2",
        "for metastatic line 1; this is line 2",
        "EPIK-B2 (trial population)",
        id="epikb2_not_after_progression",
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
    pytest.param(
        GBRCA_AFTER_OLAPARIB,
        "s_talazoparib_gbrca",
        "no prior PARP inhibitor",
        "NCT01945775",
        id="embraca_after_adjuvant_olaparib",
    ),
    pytest.param(
        FGFR1_AFTER_FGFR_INHIBITOR,
        "s_futibatinib_fgfr",
        "no previous FGFR inhibitor",
        "NCT04024436",
        id="foenix_mbc2_after_an_fgfr_inhibitor",
    ),
    pytest.param(
        HER2_POS_AFTER_THP,
        "s_lapatinib_capecitabine",
        "needs >= 1 anthracycline",
        "hcp.novartis.com",
        id="lapatinib_capecitabine_label_needs_anthracycline",
    ),
    pytest.param(
        FIRST_LINE_HR_POS_HER2_0,
        "s_gedatolisib_palbociclib_fulvestrant",
        ">= 1 progression on CDK4/6 inhibitor",
        "NCT05501886",
        id="viktoria1_before_cdk46",
    ),
    pytest.param(
        THIRD_LINE_AFTER_FULVESTRANT,
        "s_abemaciclib_fulvestrant_post_cdk46",
        "for metastatic line 1-2; this is line 3",
        "postMONARCH (trial population)",
        id="postmonarch_not_third_line",
    ),
    pytest.param(
        {**FIRST_LINE_HR_POS_HER2_0, "her2": {"ihc": "1+"}},
        "s_tdxd_nivolumab",
        ">= 1 systemic lines (metastatic)",
        "NCT03523572",
        id="tdxd_nivolumab_not_first_line",
    ),
    pytest.param(
        {**FIRST_LINE_HR_POS_HER2_0, "alterations": ["ERBB2 L755S"]},
        "s_neratinib_trastuzumab_fulvestrant_summit",
        ">= 1 CDK4/6 inhibitor",
        "10.1016/j.annonc.2023.08.003",
        id="summit_triplet_needs_prior_cdk46",
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
        pytest.param(
            {**HER2_POS_DURING_THP, "alterations": ["PIK3CA H1047R"]},
            "s_alpelisib_her2_positive_epikb2",
            id="epikb2_during_thp",
        ),
        pytest.param(ESR1_AFTER_AI_CDK46, "s_lasofoxifene_esr1", id="elaine1_after_ai_cdk46"),
        pytest.param(AFTER_AI_CDK46, "s_abemaciclib_fulvestrant_post_cdk46", id="postmonarch"),
        pytest.param(AFTER_AI_CDK46, "s_gedatolisib_palbociclib_fulvestrant", id="viktoria1"),
        pytest.param(
            {**AFTER_AI_CDK46, "alterations": ["ERBB2 L755S"]},
            "s_neratinib_trastuzumab_fulvestrant_summit",
            id="summit_after_cdk46",
        ),
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
        "s_talazoparib_gbrca",
        "s_futibatinib_fgfr",
        "s_lapatinib_capecitabine",
        "s_abemaciclib_fulvestrant_post_cdk46",
        "s_gedatolisib_palbociclib_fulvestrant",
        "s_tdxd_nivolumab",
        "s_neratinib_trastuzumab_fulvestrant_summit",
        "s_alpelisib_her2_positive_epikb2",
    ):
        elig = kb.entry(sid).eligibility  # type: ignore[union-attr]
        assert elig is not None, sid
        n_criteria = (
            len(elig.prior)
            + len(elig.exclude)
            + len(elig.patient)
            + (elig.not_pd1_candidate is not None)
        )
        assert elig.prior and len(elig.sources()) == n_criteria, sid


@pytest.mark.parametrize(
    ("menopausal", "status"),
    [("post", "eligible"), ("pre", "not_eligible"), ("unknown", "conditional")],
)
def test_lapatinib_letrozole_is_for_postmenopausal_women(menopausal: str, status: str) -> None:
    """The US label: lapatinib + letrozole for postmenopausal HR+ HER2+ metastatic disease."""
    patient = {
        **HER2_POS_DE_NOVO,
        "er_status": "positive",
        "menopausal_status": menopausal,
    }
    got, option = _verdict(_report(patient), "s_lapatinib_letrozole")
    assert got == status, option["eligibility"]
    if status != "eligible":
        reason, cited = _reason_and_sources(option)
        assert "postmenopausal" in reason and "hcp.novartis.com" in cited


@pytest.mark.parametrize(
    ("menopausal", "status"),
    [("post", "eligible"), ("pre", "not_eligible"), ("unknown", "conditional")],
)
def test_everolimus_exemestane_is_for_postmenopausal_women(menopausal: str, status: str) -> None:
    """Exemestane's US label and BOLERO-2: everolimus + exemestane after a non-steroidal AI is
    for postmenopausal women; a premenopausal patient is not eligible (label shown), an
    unknown status waits on it -- a gate, not a lower rank."""
    patient = {**AFTER_AI_CDK46, "menopausal_status": menopausal}
    got, option = _verdict(_report(patient), "s_everolimus_exemestane")
    assert got == status, option["eligibility"]
    if status != "eligible":
        reason, cited = _reason_and_sources(option)
        assert "postmenopausal" in reason and "api.fda.gov" in cited

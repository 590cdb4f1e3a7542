"""Hand-made patients covering each biomarker family, with asserted options and warnings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from her2scope.kb import PatientProfile, match_patient, read_patient
from her2scope.kb.schema import EVIDENCE_RANK
from her2scope.tumorboard.patient_file import Her2Input

FIX = Path(__file__).parents[1] / "fixtures" / "patients"


def _report(**kw: Any) -> dict[str, Any]:
    kw.setdefault("id", "T")
    # these cases are metastatic decisions; without a setting every option is conditional
    kw.setdefault("setting", "metastatic")
    return match_patient(PatientProfile(**kw)).to_dict()


def _options(d: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {o["id"]: o for o in d["options"]}


def _warned(d: dict[str, Any], therapy: str) -> list[dict[str, Any]]:
    return [w for w in d["warnings"] if therapy in w["therapies"] or therapy == w["therapy"]]


def test_json_has_the_documented_top_level_keys() -> None:
    d = match_patient(read_patient(FIX / "er_pos_her2_low_esr1.yaml")).to_dict()
    for key in (
        "patient",
        "her2",
        "mechanisms",
        "options",
        "warnings",
        "caveats",
        "unrecognised",
        "kb_version",
        "disclaimer",
    ):
        assert key in d
    assert {"category", "rationale", "ambiguous"} <= set(d["her2"])
    for o in d["options"]:
        assert {"therapy", "evidence_level", "trials", "sources"} <= set(o)
    for w in d["warnings"]:
        assert {"therapy", "reason", "sources"} <= set(w) and w["sources"]
    assert "does not replace, clinical judgment" in d["disclaimer"]


def test_her2_low_er_pos_esr1_pik3ca_after_ai_cdk46() -> None:
    d = match_patient(read_patient(FIX / "er_pos_her2_low_esr1.yaml")).to_dict()
    assert d["her2"]["category"] == "HER2-low"
    opts = _options(d)
    tdxd = opts["s_tdxd_her2_low"]
    assert tdxd["therapy"] == "trastuzumab deruxtecan" and tdxd["evidence_level"] == "approved"
    db04 = next(t for t in tdxd["trials"] if t["name"] == "DESTINY-Breast04")
    assert "10.1 vs 5.4 months" in db04["key_result"]
    assert opts["s_elacestrant_esr1"]["evidence_level"] == "approved"
    assert {"s_alpelisib_fulvestrant", "s_capivasertib_fulvestrant"} <= set(opts)
    # ranked: an approved option leads; a lower-evidence option above an approved one
    # only with a stated reason (an approved option lowered for this patient)
    assert d["options"][0]["evidence_level"] == "approved"
    for above, below in zip(d["options"], d["options"][1:], strict=False):
        if EVIDENCE_RANK[above["evidence_level"]] > EVIDENCE_RANK[below["evidence_level"]]:
            assert below["adjustments"]["lowered"], below["rank_reason"]
    # Y537S -> fulvestrant ± palbociclib (PALOMA-3), tied to the prior palbociclib
    w = next(w for w in d["warnings"] if w["mechanism"] == "m_esr1_y537s")
    assert set(w["therapies"]) == {"fulvestrant", "palbociclib"}
    assert w["trials"] == ["PALOMA-3"] and w["context"] == "prior"
    assert "palbociclib" in w["prior_therapies"]
    # the warning is attached to fulvestrant-based candidate options
    assert "fulvestrant ± palbociclib" in opts["s_alpelisib_fulvestrant"]["warnings"]
    # ESR1 mutation -> AI resistance, and the patient had letrozole
    ai = next(w for w in d["warnings"] if w["therapy"] == "aromatase inhibitor")
    assert ai["context"] == "prior"


def test_erbb2_l755s_warns_lapatinib_tucatinib_and_offers_neratinib() -> None:
    d = match_patient(read_patient(FIX / "erbb2_l755s.yaml")).to_dict()
    assert _warned(d, "lapatinib") and _warned(d, "tucatinib")
    assert all("L755S" in w["reason"] for w in _warned(d, "tucatinib"))
    opts = _options(d)
    nera = opts["s_neratinib_erbb2_mutant"]
    assert nera["therapy"] == "neratinib" and "erbb2_l755s" in [b["id"] for b in nera["biomarkers"]]
    summit = opts["s_neratinib_trastuzumab_fulvestrant_summit"]
    assert [t["name"] for t in summit["trials"]] == ["SUMMIT"]
    # ERBB2 mutation -> cross-resistance to CDK4/6 inhibitors as a class (not only
    # palbociclib) and to all endocrine therapies
    assert _warned(d, "CDK4/6 inhibitor")
    endo = next(
        w
        for w in d["warnings"]
        if w["mechanism"] == "m_erbb2_mutation_endocrine" and "endocrine therapy" in w["therapies"]
    )
    assert endo["context"] == "prior"  # anastrozole is an endocrine therapy


def test_her2_null_gets_no_destiny_breast04_option() -> None:
    d = match_patient(read_patient(FIX / "her2_null.yaml")).to_dict()
    assert d["her2"]["category"] == "HER2-null"
    for o in d["options"]:
        names = [t["name"] for t in o["trials"]]
        assert "DESTINY-Breast04" not in names
        if o["therapy"] == "trastuzumab deruxtecan":
            assert o["evidence_level"] == "early_clinical"  # DAISY HER2-null cohort only
    codes = [c["code"] for c in d["caveats"]]
    assert "her2_null" in codes and "her2_retest" in codes
    retest = next(c for c in d["caveats"] if c["code"] == "her2_retest")
    assert "34%" in retest["message"] and "25%" in retest["message"]
    foo = next(u for u in d["unrecognised"] if u["input"] == "FOO1 X12Y")
    assert "gene FOO1 is not known" in foo["reason"]
    assert "s_futibatinib_fgfr" in _options(d)


def test_her2_ultralow_option_only_if_er_positive() -> None:
    # DESTINY-Breast06 / FDA: after >= 1 endocrine therapy in the metastatic setting
    after_et = [
        {"therapy": "letrozole", "setting": "metastatic", "line": 1, "outcome": "progressed"}
    ]
    pos = _report(er_status="positive", her2=Her2Input(ihc="0 ultralow"), therapy_history=after_et)
    assert pos["her2"]["category"] == "HER2-ultralow"
    assert "s_tdxd_her2_ultralow" in _options(pos)
    assert "January 2025" in _options(pos)["s_tdxd_her2_ultralow"]["rationale"]
    neg = _report(er_status="negative", her2=Her2Input(ihc="0 ultralow"), therapy_history=after_et)
    assert "s_tdxd_her2_ultralow" not in _options(neg)
    naive = _report(er_status="positive", her2=Her2Input(ihc="0 ultralow"))
    assert "s_tdxd_her2_ultralow" in {o["id"] for o in naive["not_eligible"]}


def test_her2_zero_unspecified_has_null_vs_ultralow_caveat() -> None:
    d = _report(er_status="positive", her2=Her2Input(ihc="0"))
    assert d["her2"]["category"] == "HER2-0"
    assert "her2_zero_unspecified" in [c["code"] for c in d["caveats"]]
    assert "s_tdxd_her2_low" not in _options(d)


def test_er_negative_gets_no_endocrine_options() -> None:
    d = _report(
        er_status="negative", her2=Her2Input(ihc="1+"), alterations=["ESR1 Y537S", "PIK3CA H1047R"]
    )
    opts = _options(d)
    # HER2-low T-DXd is in play, but its label population (after chemotherapy or endocrine
    # therapy) is a gate: with no such progression it waits for it, said with what settles it
    tdxd = next(o for o in d["conditional_options"] if o["id"] == "s_tdxd_her2_low")
    assert "which the patient has not had" in tdxd["reason"]
    assert any("progression on" in x for x in tdxd["settles"])
    assert "s_tdxd_her2_low" not in opts
    for sid in ("s_elacestrant_esr1", "s_alpelisib_fulvestrant", "s_et_cdk46_standard"):
        assert sid not in opts
    assert "er_negative" in [c["code"] for c in d["caveats"]]


def test_er_unknown_caveat() -> None:
    d = _report(her2=Her2Input(ihc="1+"), alterations=["ESR1 Y537S"])
    assert "s_elacestrant_esr1" not in _options(d)
    assert "er_unknown" in [c["code"] for c in d["caveats"]]


def test_her2_positive_after_tdm1() -> None:
    d = match_patient(read_patient(FIX / "her2_positive_tdm1.json")).to_dict()
    assert d["her2"]["category"] == "HER2-positive"
    opts = _options(d)
    for sid in (
        "s_tdxd_her2_positive",
        "s_tucatinib_trastuzumab_capecitabine",
        "s_margetuximab_chemotherapy",
        "s_everolimus_her2_positive",
    ):
        assert sid in opts
    assert "fcgr3a_f158" in [b["id"] for b in opts["s_margetuximab_chemotherapy"]["biomarkers"]]
    assert "s_tdxd_her2_low" not in opts
    # prior T-DM1 -> ADC resistance mechanisms not assessable from the data
    ctx = next(
        w
        for w in d["warnings"]
        if w["kind"] == "prior_therapy_context" and w["therapy"] == "trastuzumab emtansine"
    )
    for word in ("efflux", "lysosomal", "Caveolin-1"):
        assert word in ctx["reason"]
    # p95HER2 -> trastuzumab monotherapy warning; the patient had trastuzumab
    p95 = next(
        w
        for w in d["warnings"]
        if w["mechanism"] == "m_p95her2" and "trastuzumab" in w["therapies"]
    )
    assert p95["context"] == "prior"
    # PIK3CA in HER2+ -> CLEOPATRA numbers
    cleo = next(w for w in d["warnings"] if "CLEOPATRA" in w["trials"])
    assert "13.8 vs 8.6" in cleo["reason"]
    # previously received trastuzumab is flagged on options using it
    assert "trastuzumab" in opts["s_tucatinib_trastuzumab_capecitabine"]["previously_received"]
    # T-DM1 is left out: the patient progressed on it
    assert "s_tdm1_metastatic" in {o["id"] for o in d["excluded_options"]}


def test_her2_low_warns_against_trastuzumab_but_her2_positive_does_not() -> None:
    low = _report(er_status="positive", her2=Her2Input(ihc="2+", ish_status="negative"))
    assert any(
        w["kind"] == "negative_evidence" and "NSABP B-47" in w["trials"] for w in low["warnings"]
    )
    pos = _report(er_status="positive", her2=Her2Input(ihc="3+"))
    assert not any("NSABP B-47" in w["trials"] for w in pos["warnings"])


@pytest.mark.parametrize(
    ("alteration", "mechanism", "mechanism_class"),
    [
        ("FOXA1 amplification", "m_foxa1", "TF"),
        ("ARID1A Q123*", "m_arid1a", "TF"),
        ("MYC amp", "m_myc", "TF"),
        ("KRAS G12D", "m_kras", "MAPK"),
        ("NF1 loss", "m_nf1", "MAPK"),
        ("EGFR amplification", "m_egfr_amplification", "MAPK"),
        ("IGF1R amp", "m_igf1r", "MAPK"),
        ("AKT1 E17K", "m_akt", "PI3K"),
        ("PTEN loss", "m_pten", "PI3K"),
        ("MTOR E2014K", "m_mtor", "PI3K"),
        ("RB1 deletion", "m_cdk46_axis", "CDK46"),
        ("CCNE1 amplification", "m_cdk46_axis", "CDK46"),
        ("ESR1 fusion", "m_esr1_amplification_fusion", "ER"),
        ("TOP1 L100fs", "m_adc_target_payload", "ADC"),
        ("PD-L1 negative", "m_pdl1_immune_escape", "immune"),
    ],
)
def test_each_family_yields_its_mechanism(
    alteration: str, mechanism: str, mechanism_class: str
) -> None:
    d = _report(er_status="positive", her2=Her2Input(ihc="1+"), alterations=[alteration])
    mech = {m["id"]: m for m in d["mechanisms"]}
    assert mechanism in mech and mech[mechanism]["mechanism_class"] == mechanism_class
    assert d["unrecognised"] == []


def test_family_options_arid1a_bet_pten_capivasertib_fgfr2() -> None:
    d = _report(
        er_status="positive",
        her2=Her2Input(ihc="0 no staining"),
        alterations=["ARID1A loss", "PTEN deletion", "FGFR2 amplification"],
        prior_therapies=["fulvestrant"],
    )
    opts = _options(d)
    assert opts["s_arid1a_bet"]["evidence_level"] == "preclinical"
    assert opts["s_capivasertib_fulvestrant"]["evidence_level"] == "approved"
    assert "s_fgfr2_fiin3_fulvestrant" in opts
    assert "preclinical_only" in [c["code"] for c in d["caveats"]]
    assert opts["s_capivasertib_fulvestrant"]["previously_received"] == ["fulvestrant"]
    # plain prior therapies without an outcome are taken as progressed on, and said so
    assert "history_assumed" in [c["code"] for c in d["caveats"]]


def test_switch_between_primary_and_metastasis() -> None:
    d = match_patient(read_patient(FIX / "switch_primary.yaml")).to_dict()
    assert d["her2"]["category"] == "HER2-low"
    assert d["her2"]["primary"]["category"] in ("HER2-0", "HER2-null", "HER2-ultralow")
    switch = next(c for c in d["caveats"] if c["code"] == "her2_switch")
    assert "34%" in switch["message"]
    assert {
        "input": "magic potion",
        "kind": "therapy",
        "reason": "not in the therapy synonym table",
    } in d["unrecognised"]


def test_ambiguous_ihc_is_flagged() -> None:
    d = _report(er_status="positive", her2=Her2Input(ihc="0-1+"))
    assert d["her2"]["ambiguous"] is True
    assert d["her2"]["readings"] == ["HER2-0", "HER2-low"]
    assert "her2_range_not_positive" in [c["code"] for c in d["caveats"]]
    d = _report(er_status="positive", her2=Her2Input(ihc="2-3+"))
    assert "her2_ambiguous" in [c["code"] for c in d["caveats"]]


def test_early_setting_filters_metastatic_only_options() -> None:
    d = _report(er_status="positive", her2=Her2Input(ihc="3+"), setting="early")
    opts = _options(d)
    # early disease without saying where (before/after surgery, response): the regimens of
    # one early setting are conditional on it, with what settles it
    cond = {o["id"]: o for o in d["conditional_options"]}
    assert "s_neratinib_extended_adjuvant" in cond
    assert "extended adjuvant" in cond["s_neratinib_extended_adjuvant"]["reason"]
    assert "s_tucatinib_trastuzumab_capecitabine" not in opts
    ne = {o["id"]: o for o in d["not_eligible"]}
    # KATHERINE: residual disease after neoadjuvant trastuzumab, which this patient never had
    assert "trastuzumab" in ne["s_tdm1_post_neoadjuvant"]["reason"]
    assert "metastatic" in ne["s_tucatinib_trastuzumab_capecitabine"]["reason"]
    resid = _report(
        er_status="positive",
        her2=Her2Input(ihc="3+"),
        setting="post-neoadjuvant",
        neoadjuvant_response={"response": "residual", "ypT": "ypT1c", "ypN": "ypN0"},
        therapy_history=[
            {"therapy": "trastuzumab + pertuzumab + docetaxel", "setting": "neoadjuvant"}
        ],
    )
    assert "s_tdm1_post_neoadjuvant" in _options(resid)
    assert any("IMpassion050" in w["trials"] for w in d["warnings"])


def test_repr_is_the_generic_summary_and_the_views_render_the_report() -> None:
    """The report never imports its views (26): a notebook shows the generic summary
    (HER2, counts, the ranked table, the disclaimer); the full report is the views'."""
    from her2scope.tumorboard.views import render_html, render_markdown

    rep = match_patient(read_patient(FIX / "erbb2_l755s.yaml"))
    cell = rep._repr_html_()
    assert "Patient P-L755S" in cell and rep.disclaimer[:40] in cell
    assert "<html" not in cell
    text = rep.summary()
    assert text.startswith("Patient P-L755S") and f"Options (eligible)  {len(rep.options)}" in text
    assert render_markdown(rep).startswith("# Patient report: P-L755S")
    assert "<html" in render_html(rep)

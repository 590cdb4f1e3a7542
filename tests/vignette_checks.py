"""The one checker of tumor-board vignettes (imported by test_vignettes and
test_vignettes_kb): a case is a patient file plus what a board expects of its report."""

from __future__ import annotations

from typing import Any

from her2scope.tumorboard.match import match_patient
from her2scope.tumorboard.patient_file import profile_from_mapping

ENDOCRINE = {
    "endocrine therapy",
    "aromatase inhibitor",
    "SERD",
    "SERM",
    "letrozole",
    "anastrozole",
    "exemestane",
    "tamoxifen",
    "fulvestrant",
    "elacestrant",
    "imlunestrant",
    "camizestrant",
    "vepdegestrant",
}


def _has(option: dict[str, Any], drugs: list[str]) -> bool:
    return set(drugs) <= set(option["therapies"])


def _names(options: list[dict[str, Any]]) -> list[str]:
    return [o["therapy"] for o in options]


def check_vignette(case: dict[str, Any]) -> None:
    """Every expectation a vignette may state (tests/fixtures/vignettes*.yaml), asserted on
    the report of its patient file; regimens are named by their drugs."""
    profile = profile_from_mapping(case["patient"], source=case["name"])
    report = match_patient(profile).to_dict()
    exp = case["expect"]
    opts = report["options"]
    shown = _names(opts)
    if "her2_category" in exp:
        assert report["her2"]["category"] == exp["her2_category"], report["her2"]
    if "first" in exp:
        assert opts, "no option at all"
        assert any(_has(opts[0], d) for d in exp["first"]), (shown, opts[0]["rank_reason"])
    if "not_first" in exp and opts:
        for drugs in exp["not_first"]:
            assert set(opts[0]["therapies"]) != set(drugs), (shown, opts[0]["rank_reason"])
    if "top" in exp:
        n = exp["top"]["n"]
        assert any(_has(o, d) for o in opts[:n] for d in exp["top"]["any"]), shown[: n + 3]
    for drugs in exp.get("present", []):
        assert any(_has(o, drugs) for o in opts), (drugs, shown)
    for drugs in exp.get("absent", []):
        assert not any(_has(o, drugs) for o in opts), (drugs, shown)
    for drugs in exp.get("not_approved", []):
        for o in opts:
            if _has(o, drugs):
                assert o["evidence_level"] != "approved", (drugs, o["rank_reason"])
    for drugs in exp.get("excluded", []):
        left_out = report["excluded_options"]
        assert any(_has(o, drugs) for o in left_out), (drugs, _names(left_out))
        assert not any(set(o["therapies"]) == set(drugs) for o in opts), (drugs, shown)
    kinds = {w["kind"] for w in report["warnings"]}
    for kind in exp.get("warning_kinds", []):
        assert kind in kinds, kinds
    for therapy in exp.get("warning_therapies", []):
        assert any(therapy in w["therapies"] for w in report["warnings"]), therapy
    codes = {c["code"] for c in report["caveats"]}
    for code in exp.get("caveats", []):
        assert code in codes, codes
    if exp.get("no_endocrine_warnings"):
        for w in report["warnings"]:
            assert not set(w["therapies"]) <= ENDOCRINE, w["therapy"]
    for text in exp.get("no_warning_text", []):
        assert not any(text in w["reason"] or text in w["therapy"] for w in report["warnings"])
    observed = {b["id"] for b in report["observed_biomarkers"]}
    for bid in exp.get("biomarkers", []):
        assert bid in observed, observed
    for bid in exp.get("not_biomarkers", []):
        assert bid not in observed, observed
    for gene in exp.get("recognised", []):
        assert not any(u["input"].startswith(gene) for u in report["unrecognised"])
        row = next(a for a in report["alterations"] if a["gene"] == gene)
        assert row["note"], row
    _gated_expectations(report, exp)
    # every option says why it is where it is; no regimen appears twice
    for o in opts:
        assert o["rank_reason"]
    assert len({frozenset(o["therapies"]) for o in opts}) == len(opts)


def _gated_expectations(report: dict[str, Any], exp: dict[str, Any]) -> None:
    """The eligibility expectations: conditional / not eligible / amended / never."""
    opts = report["options"]
    cond = report["conditional_options"]
    ne = report["not_eligible"]
    for drugs in exp.get("conditional", []):
        assert any(_has(o, drugs) for o in cond), (drugs, _names(cond))
    for drugs in exp.get("not_eligible", []):
        assert any(_has(o, drugs) for o in ne), (drugs, _names(ne))
    for item in exp.get("not_eligible_because", []):
        hits = [o for o in ne if _has(o, item["drugs"])]
        assert hits, (item, _names(ne))
        assert any(item["text"] in o["reason"] for o in hits), [o["reason"] for o in hits]
    for item in exp.get("conditional_because", []):
        hits = [o for o in cond if _has(o, item["drugs"])]
        assert hits, (item, _names(cond))
        assert any(
            item["text"] in o["reason"] or any(item["text"] in x for x in o["settles"])
            for o in hits
        ), [(o["reason"], o["settles"]) for o in hits]
    for drug in exp.get("never", []):
        assert not any(drug in o["therapies"] for o in opts), (drug, _names(opts))
    for key, part in (("amended", "amendments"), ("eligible_caveat", "caveats")):
        for item in exp.get(key, []):
            hits = [o for o in opts if _has(o, item["drugs"])]
            assert hits, (item, _names(opts))
            texts = [c["reason"] for o in hits for c in o["eligibility"][part]]
            assert any(item["text"] in t for t in texts), texts
    if exp.get("everolimus_safety_triggered"):
        # a label warning follows its agent into every regimen that contains it
        for o in opts + report["conditional_options"]:
            if "everolimus" in o["therapies"]:
                assert any(x["triggered"] and "pneumonitis" in x["statement"] for x in o["safety"])
    for drugs in exp.get("not_amended", []):
        for o in opts:
            if set(o["therapies"]) == set(drugs):
                assert not o["eligibility"]["amendments"], o["eligibility"]

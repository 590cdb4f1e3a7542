"""Approvals pinned as looked up on 2026-12-01 (issue 17): therapy, context, trial, date.

Each row: strategy id, its drugs, jurisdiction, date, pivotal trial, the HER2
categories and ER status it applies to and the biomarker it requires. A change
to the knowledge base that moves any of these fails here, so the change is
deliberate (and goes in data/kb/CHANGELOG.md).
"""

from __future__ import annotations

import pytest

from her2scope.kb import load_kb

NOT_POS = {"HER2-low", "HER2-ultralow", "HER2-null", "HER2-0", "HER2-negative"}
POS = {"HER2-positive"}

# (strategy, drugs, jurisdiction, date, trial, her2 categories, ER, required biomarker)
APPROVALS = [
    (
        "s_tdxd_her2_low",
        {"trastuzumab deruxtecan"},
        "FDA",
        "2022-08",
        "destiny_breast04",
        {"HER2-low"},
        "any",
        "her2_low",
    ),
    (
        "s_tdxd_her2_low",
        {"trastuzumab deruxtecan"},
        "FDA",
        "2025-01-27",
        "destiny_breast06",
        {"HER2-low"},
        "any",
        "her2_low",
    ),
    (
        "s_tdxd_her2_ultralow",
        {"trastuzumab deruxtecan"},
        "FDA",
        "2025-01-27",
        "destiny_breast06",
        {"HER2-ultralow"},
        "positive",
        "her2_ultralow",
    ),
    (
        "s_tdxd_her2_positive",
        {"trastuzumab deruxtecan"},
        "FDA",
        "2022-05",
        "destiny_breast03",
        POS,
        "any",
        "her2_positive",
    ),
    (
        "s_tdxd_pertuzumab_first_line",
        {"trastuzumab deruxtecan", "pertuzumab"},
        "FDA",
        "2025-12-15",
        "destiny_breast09",
        POS,
        "any",
        "her2_positive",
    ),
    (
        "s_tdxd_post_neoadjuvant",
        {"trastuzumab deruxtecan"},
        "FDA",
        "2026-05-15",
        "destiny_breast05",
        POS,
        "any",
        "her2_positive",
    ),
    (
        "s_tdxd_thp_neoadjuvant",
        {"trastuzumab deruxtecan"},
        "FDA",
        "2026-05-15",
        "destiny_breast11",
        POS,
        "any",
        "her2_positive",
    ),
    (
        "s_tucatinib_trastuzumab_capecitabine",
        {"tucatinib", "trastuzumab", "capecitabine"},
        "FDA",
        "2020-04-17",
        "her2climb",
        POS,
        "any",
        "her2_positive",
    ),
    (
        "s_neratinib_capecitabine",
        {"neratinib", "capecitabine"},
        "FDA",
        "2020-02-25",
        "nala",
        POS,
        "any",
        "her2_positive",
    ),
    (
        "s_margetuximab_chemotherapy",
        {"margetuximab"},
        "FDA",
        "2020-12-16",
        "sophia",
        POS,
        "any",
        "her2_positive",
    ),
    (
        "s_tdm1_metastatic",
        {"trastuzumab emtansine"},
        "FDA",
        "2013",
        "emilia",
        POS,
        "any",
        "her2_positive",
    ),
    (
        "s_tdm1_post_neoadjuvant",
        {"trastuzumab emtansine"},
        "FDA",
        "2019-05-03",
        "katherine",
        POS,
        "any",
        "her2_positive",
    ),
    (
        "s_elacestrant_esr1",
        {"elacestrant"},
        "FDA",
        "2023-01-27",
        "emerald",
        NOT_POS,
        "positive",
        "esr1_lbd_mutation",
    ),
    (
        "s_imlunestrant_esr1",
        {"imlunestrant"},
        "FDA",
        "2025-09-25",
        "ember_3",
        NOT_POS,
        "positive",
        "esr1_lbd_mutation",
    ),
    (
        "s_vepdegestrant_esr1",
        {"vepdegestrant"},
        "FDA",
        "2026-05-01",
        "veritac_2",
        NOT_POS,
        "positive",
        "esr1_lbd_mutation",
    ),
    (
        "s_capivasertib_fulvestrant",
        {"capivasertib", "fulvestrant"},
        "FDA",
        "2023-11-16",
        "capitello291",
        NOT_POS,
        "positive",
        "akt1_alteration",
    ),
    (
        "s_inavolisib_palbociclib_fulvestrant",
        {"inavolisib", "palbociclib", "fulvestrant"},
        "FDA",
        "2024-10-10",
        "inavo120",
        NOT_POS,
        "positive",
        "pik3ca_activating_mutation",
    ),
    (
        "s_alpelisib_fulvestrant",
        {"alpelisib", "fulvestrant"},
        "FDA",
        "2019-05-24",
        "solar1",
        NOT_POS,
        "positive",
        "pik3ca_activating_mutation",
    ),
    (
        "s_everolimus_exemestane",
        {"everolimus", "exemestane"},
        "FDA",
        "2012-07-20",
        "bolero2",
        NOT_POS,
        "positive",
        "er_positive",
    ),
    (
        "s_olaparib_gbrca",
        {"olaparib"},
        "FDA",
        "2018-01-12",
        "olympiad",
        NOT_POS,
        "any",
        "germline_brca2",
    ),
    (
        "s_talazoparib_gbrca",
        {"talazoparib"},
        "FDA",
        "2018-10-16",
        "embraca",
        NOT_POS,
        "any",
        "germline_brca1",
    ),
    (
        "s_sacituzumab_tnbc",
        {"sacituzumab govitecan"},
        "FDA",
        "2021-04-07",
        "ascent",
        NOT_POS,
        "negative",
        "er_negative",
    ),
    (
        "s_sacituzumab_hr_positive",
        {"sacituzumab govitecan"},
        "FDA",
        "2023-02-03",
        "tropics_02",
        NOT_POS,
        "positive",
        "er_positive",
    ),
    (
        "s_sacituzumab_tnbc_first_line",
        {"sacituzumab govitecan"},
        "FDA",
        "2026-06-24",
        "ascent_03",
        NOT_POS,
        "negative",
        "er_negative",
    ),
    (
        "s_dato_dxd_hr_positive",
        {"datopotamab deruxtecan"},
        "FDA",
        "2025-01-17",
        "tropion_breast01",
        NOT_POS,
        "positive",
        "er_positive",
    ),
    (
        "s_dato_dxd_tnbc_first_line",
        {"datopotamab deruxtecan"},
        "FDA",
        "2026-05-22",
        "tropion_breast02",
        NOT_POS,
        "negative",
        "er_negative",
    ),
    (
        "s_pembrolizumab_chemotherapy_tnbc",
        {"pembrolizumab"},
        "FDA",
        "2020-11-13",
        "keynote_355",
        NOT_POS,
        "negative",
        "er_negative",
    ),
    (
        "s_pembrolizumab_keynote522",
        {"pembrolizumab"},
        "FDA",
        "2021-07-26",
        "keynote_522",
        NOT_POS,
        "negative",
        "er_negative",
    ),
]


@pytest.mark.parametrize("row", APPROVALS, ids=[f"{r[0]}-{r[3]}" for r in APPROVALS])
def test_approval_is_pinned(row: tuple[object, ...]) -> None:
    sid, drugs, jurisdiction, date, trial, her2, er, biomarker = row
    kb = load_kb()
    s = next(x for x in kb.strategies if x.id == sid)
    assert s.evidence_level == "approved" and s.retired is None
    assert set(drugs) <= set(s.therapies)  # type: ignore[arg-type]
    match = [a for a in s.approvals if a.jurisdiction == jurisdiction and a.date == date]
    assert match, [(a.jurisdiction, a.date) for a in s.approvals]
    assert match[0].trial == trial
    assert all(src.links() or src.paper for src in match[0].sources)
    assert set(s.requires.her2_categories) == her2
    assert s.requires.er_status == er
    assert biomarker in s.requires.biomarkers_any
    assert trial in s.trials


def test_pd_l1_requirements_of_first_line_tnbc() -> None:
    kb = {s.id: s for s in load_kb().strategies}
    assert kb["s_pembrolizumab_chemotherapy_tnbc"].requires.pd_l1 == "positive"
    assert kb["s_sacituzumab_pembrolizumab_first_line"].requires.pd_l1 == "positive"
    # ASCENT-03 / TROPION-Breast02: "not a candidate for PD-1/PD-L1 therapy", which is
    # wider than PD-L1-negative (a PD-L1-positive relapse after early immunotherapy counts)
    for sid in ("s_sacituzumab_tnbc_first_line", "s_dato_dxd_tnbc_first_line"):
        assert kb[sid].requires.pd_l1 == "any"
        elig = kb[sid].eligibility
        assert elig is not None and elig.not_pd1_candidate is not None


def test_discontinued_and_corrected_entries() -> None:
    kb = load_kb()
    trials = {t.id: t for t in kb.trials}
    strategies = {s.id: s for s in kb.strategies}
    assert strategies["s_loxo783_h1047r"].retired
    assert trials["destiny_breast08"].phase == "1b"
    assert trials["destiny_breast08"].nct == "NCT04556773"
    assert trials["her2climb_02"].status == "reported"
    assert "HR 0.76" in (trials["her2climb_02"].key_result or "")
    assert strategies["s_pyrotinib"].evidence_level != "approved"  # approved in China only
    safety = {w.trigger for w in strategies["s_tdxd_her2_positive"].safety}
    assert "ild_history" in safety
    assert "diabetes" in {w.trigger for w in strategies["s_alpelisib_fulvestrant"].safety}


def test_kb_diff_lists_added_removed_and_changed(tmp_path: pytest.TempPathFactory) -> None:
    import shutil
    from pathlib import Path

    from her2scope.kb.load import DEFAULT_KB_DIR
    from her2scope.kb.review import kb_diff

    old = Path(str(tmp_path)) / "old"
    shutil.copytree(DEFAULT_KB_DIR, old)
    text = (old / "trials.yaml").read_text(encoding="utf-8")
    (old / "trials.yaml").write_text(text.replace('phase: "1b"', 'phase: "III"', 1))
    d = kb_diff(load_kb(old), load_kb())
    assert "trial:destiny_breast08" in d["changed"]
    assert d["added"] == d["removed"] == []

"""Patient file v3: the fields, the values people write, and backward compatibility."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from her2scope.errors import SchemaError
from her2scope.kb import match_patient, read_patient
from her2scope.tumorboard.patient_file import (
    line_number,
    months,
    patient_json_schema,
    profile_from_mapping,
    receptor_reading,
)

FIX = Path(__file__).parents[1] / "fixtures" / "patients"
STUDY = Path(os.environ.get("HER2SCOPE_STUDIES", "/nonexistent")) / "breast_msk_2018"


def _p(**kw: object) -> object:
    return profile_from_mapping({"id": "V3", **kw})


def test_schema_prints_version_3_and_the_new_fields() -> None:
    props = patient_json_schema()["properties"]
    assert props["schema_version"]["enum"] == [1, 2, 3] and props["schema_version"]["default"] == 3
    for field in ("msi_status", "mmr_status", "tmb", "er_percent", "pr_percent", "notes"):
        assert field in props, field
    assert "neoadjuvant_response" in props and "early_state" in props


def test_version_1_and_2_files_still_read() -> None:
    v1 = read_patient(FIX / "her2_positive_tdm1.json")  # plain prior_therapies, no version
    assert v1.schema_version == 3 and v1.prior_therapies
    v2 = profile_from_mapping({"schema_version": 2, "id": "x", "er_status": "pos"})
    assert v2.er_status == "positive" and v2.msi_status == "unknown"
    rep = match_patient(v1).to_dict()
    assert rep["options"] or rep["conditional_options"]


@pytest.mark.parametrize(
    ("written", "status", "percent", "low"),
    [
        ("5% (low positive)", "positive", 5.0, True),
        ("ER 90%", "positive", 90.0, False),
        ("<1%", "negative", None, None),
        ("0%", "negative", 0.0, False),
        ("weakly positive", "positive", None, None),
        ("low positive", "positive", None, True),
        ("Allred 7/8", "positive", None, None),
        ("Allred 2", "negative", None, False),
        ("Allred 3 (PS 2, IS 1)", "positive", None, True),
        ("Allred 4 (PS 1, IS 3)", "negative", None, False),
        (10, "positive", 10.0, True),
        (11, "positive", 11.0, False),
    ],
)
def test_receptor_results_as_pathology_reports_write_them(
    written: object, status: str, percent: float | None, low: bool | None
) -> None:
    assert receptor_reading(written) == (status, percent, low)


def test_allred_3_or_4_alone_is_refused_as_unclear() -> None:
    with pytest.raises(SchemaError, match="proportion score"):
        _p(er_status="Allred 3")


def test_er_percent_contradicting_status_is_refused() -> None:
    with pytest.raises(SchemaError, match="contradicts"):
        _p(er_status="negative", er_percent=40)


def test_er_low_from_percent_and_status_from_percent() -> None:
    p = _p(er_percent="5 (weak intensity)")
    assert p.er_status == "positive" and p.er_percent == 5 and p.er_low  # type: ignore[attr-defined]


def test_values_people_write() -> None:
    p = _p(
        setting="post-neoadjuvant",
        neoadjuvant_response={"ypT": "ypT0", "ypN": "ypN0"},
        cns_metastases="untreated",
        histology="IDC, NST",
        msi_status="MSS",
        mmr_status="pMMR",
        tmb="12 mut/Mb",
        notes="discussed 2026-12-01",
        therapy_history=[
            {"therapy": "letrozole + palbociclib", "line": "1L", "outcome": "relapsed"},
            {"therapy": "AC-T", "setting": "adjuvant", "duration_months": "6 months"},
        ],
    )
    assert (p.setting, p.early_state) == ("early", "post_neoadjuvant")  # type: ignore[attr-defined]
    assert p.neoadjuvant_response.response == "pcr"  # type: ignore[attr-defined]
    assert p.cns_metastases == "active" and p.histology == "ductal"  # type: ignore[attr-defined]
    assert (p.msi_status, p.mmr_status, p.tmb) == ("stable", "proficient", 12.0)  # type: ignore[attr-defined]
    assert p.notes == ["discussed 2026-12-01"]  # type: ignore[attr-defined]
    first, second = p.history()  # type: ignore[attr-defined]
    assert (first.line, first.outcome, first.setting) == (1, "progressed", "metastatic")
    assert (second.setting, second.early_state, second.intent) == ("early", "adjuvant", "curative")
    assert second.duration_months == 6


def test_lines_and_durations() -> None:
    assert [line_number(x) for x in ("1L", "first", "2nd line", "line 3", 4)] == [1, 1, 2, 3, 4]
    assert months("22 months") == 22 and months("6 weeks") == pytest.approx(1.38, abs=0.01)
    assert months("1.5 years") == 18
    with pytest.raises(ValueError, match="duration"):
        months("a while")
    with pytest.raises(SchemaError, match="line"):
        _p(therapy_history=[{"therapy": "letrozole", "line": "whenever"}])


def test_toxicity_record() -> None:
    p = _p(
        therapy_history=[
            {
                "therapy": "T-DXd",
                "line": 2,
                "outcome": "stopped due to toxicity",
                "toxicity": {"event": "pneumonitis", "grade": "G2"},
                "months_since_end": "3 months",
            }
        ]
    )
    (h,) = p.history()  # type: ignore[attr-defined]
    assert (h.outcome, h.toxicity_event, h.toxicity_grade) == ("stopped_toxicity", "pneumonitis", 2)
    assert h.permanently_discontinued is None and h.months_since_end == 3


@pytest.mark.skipif(not STUDY.exists(), reason="shared study breast_msk_2018 not found")
def test_every_er_percent_and_histology_of_the_msk_study_reads() -> None:
    """Real instances: MSK ER_PCT_PRIMARY ('1 (weak intensity)', '95') and OncoTree histology."""
    lines = (STUDY / "data_clinical_sample.txt").read_text(encoding="utf-8").splitlines()
    header = next(line.split("\t") for line in lines if line.startswith("PATIENT_ID"))
    rows = [line.split("\t") for line in lines if not line.startswith(("#", "PATIENT_ID"))]
    pct, hist = header.index("ER_PCT_PRIMARY"), header.index("TUMOR_SAMPLE_HISTOLOGY")
    percents = {r[pct] for r in rows if r[pct] not in ("", "Not Available")}
    assert "1 (weak intensity)" in percents
    assert {">60", "30-60"} <= percents  # bounds and ranges: status certain, number not
    for value in percents:
        p = _p(er_percent=value)
        assert p.er_status in ("positive", "negative")  # type: ignore[attr-defined]
    assert _p(er_percent=">60").er_percent is None  # type: ignore[attr-defined]
    assert not _p(er_percent="30-60").er_low  # type: ignore[attr-defined]
    assert _p(er_percent="1 (weak intensity)").er_low  # type: ignore[attr-defined]
    kinds = {_p(histology=r[hist]).histology for r in rows if r[hist]}  # type: ignore[attr-defined]
    assert {"ductal", "lobular", "mixed"} <= kinds
    assert _p(histology="Breast Invasive Carcinoma, NOS").histology == "unknown"  # type: ignore[attr-defined]


def test_nodal_risk_reads_pathology_wording() -> None:
    p = profile_from_mapping(
        {
            "id": "n",
            "setting": "adjuvant",
            "nodal_risk": {
                "positive_nodes": 2,
                "tumor_size_mm": "35",
                "grade": "G3",
                "ki67_percent": 30,
                "genomic_risk": "High risk",
            },
        }
    )
    assert p.nodal_risk is not None
    assert (p.nodal_risk.positive_nodes, p.nodal_risk.tumor_size_mm) == (2, 35.0)
    assert (p.nodal_risk.grade, p.nodal_risk.genomic_risk) == (3, "high")
    assert profile_from_mapping({"id": "m"}).nodal_risk is None
    assert "nodal_risk" in patient_json_schema()["properties"]


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ({"nodal_risk": {"positive_nodes": -1}}, "nodal_risk.positive_nodes"),
        ({"nodal_risk": {"grade": 4}}, "nodal_risk.grade"),
        ({"nodal_risk": {"genomic_risk": "intermediate"}}, "nodal_risk.genomic_risk"),
        ({"nodal_risk": {"nodes": 3}}, "did you mean"),
        ({"nodes": {"positive_nodes": 3}}, "did you mean 'nodal_risk'"),
    ],
)
def test_bad_nodal_risk_is_one_line_naming_the_field(data: dict[str, object], words: str) -> None:
    with pytest.raises(SchemaError, match=words) as err:
        profile_from_mapping({"id": "n", **data})
    assert "\n" not in str(err.value)

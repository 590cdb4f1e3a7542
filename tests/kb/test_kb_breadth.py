"""Breadth of the 2026-12-07 knowledge base: extra strategy files, tumour-agnostic
biomarkers, recognised-but-not-covered items, pending strategies."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from her2scope.errors import SchemaError
from her2scope.kb.load import DEFAULT_KB_DIR, extra_strategy_files, load_kb


def test_extra_strategy_files_are_loaded() -> None:
    kb = load_kb()
    names = [p.name for p in extra_strategy_files(DEFAULT_KB_DIR)]
    assert names == ["strategies_agnostic.yaml", "strategies_early.yaml"]
    ids = {s.id for s in kb.strategies}
    assert {
        "s_pembrolizumab_tmb_high",
        "s_abemaciclib_adjuvant",
        "s_capecitabine_residual_tnbc",
    } <= ids


def test_error_in_extra_file_names_file_and_line(tmp_path: Path) -> None:
    dst = tmp_path / "kb"
    shutil.copytree(DEFAULT_KB_DIR, dst)
    p = dst / "strategies_early.yaml"
    text = p.read_text(encoding="utf-8").replace(
        "evidence_level: phase3", "evidence_level: maybe", 1
    )
    p.write_text(text, encoding="utf-8")
    with pytest.raises(SchemaError) as err:
        load_kb(dst)
    msg = str(err.value)
    line = next(i for i, ln in enumerate(text.splitlines(), 1) if "evidence_level: maybe" in ln)
    assert "strategies_early.yaml" in msg and f":{line}:" in msg, msg


def test_duplicate_id_across_strategy_files_is_refused(tmp_path: Path) -> None:
    dst = tmp_path / "kb"
    shutil.copytree(DEFAULT_KB_DIR, dst)
    extra = dst / "strategies_zz.yaml"
    data = yaml.safe_load((dst / "strategies_agnostic.yaml").read_text(encoding="utf-8"))
    extra.write_text(yaml.safe_dump({"strategies": data["strategies"][:1]}), encoding="utf-8")
    with pytest.raises(SchemaError, match="already used"):
        load_kb(dst)


def test_tmb_cutoff_is_the_label_value() -> None:
    tmb = load_kb().entry("tmb_high")
    assert tmb.cutoff is not None  # type: ignore[union-attr]
    cut = tmb.cutoff  # type: ignore[union-attr]
    assert (cut.value, cut.unit, cut.comparator) == (10, "mutations/Mb", ">=")
    assert cut.holds(10) and cut.holds(38) and not cut.holds(9.9)


def test_contract_biomarker_ids_exist() -> None:
    kb = load_kb()
    for bid in [
        "msi_high",
        "mmr_deficient",
        "tmb_high",
        "ntrk1_fusion",
        "ntrk2_fusion",
        "ntrk3_fusion",
        "ret_fusion",
        "braf_v600e",
    ]:
        kb.entry(bid)
    assert kb.entry("ntrk3_fusion").events == ["fusion"]  # type: ignore[union-attr]


def test_not_covered_lines_and_consistency() -> None:
    kb = load_kb()
    nc = {n.id: n for n in kb.meta.not_covered}
    line = nc["hrd_score"].line()
    assert line.startswith("Homologous recombination deficiency (HRD) score: ")
    assert line.endswith(": not covered by this knowledge base version")
    required = {b for s in kb.strategies if not s.retired for b in s.requires.biomarkers_any}
    for n in kb.meta.not_covered:
        for b in n.biomarkers:
            kb.entry(b)  # the id exists
            # once a loaded strategy covers the biomarker, the not-covered line must go
            assert b not in required, f"{b} is covered now: drop not_covered {n.id!r}"
    # the tumour-agnostic biomarkers are covered by loaded strategies, so never "not covered"
    agnostic = {"msi_high", "mmr_deficient", "tmb_high", "ntrk3_fusion", "ret_fusion", "braf_v600e"}
    assert agnostic <= required


def test_a_finding_the_base_does_not_cover_is_said_in_one_line() -> None:
    """Issue 23: what a patient file names and the base does not cover is said, never dropped."""
    from her2scope.kb import match_patient
    from her2scope.tumorboard.patient_file import PatientProfile
    from her2scope.tumorboard.views import render

    profile = PatientProfile(
        id="nc",
        er_status="negative",
        setting="metastatic",
        her2={"ihc": "0"},
        alterations=["NRG1 fusion", "ESR1 Y537S"],
        markers=["HRD-positive (score 52)"],
    )
    report = match_patient(profile)
    lines = [c["message"] for c in report.to_dict()["caveats"] if c["code"] == "not_covered"]
    assert any(
        m.startswith("NRG1 gene fusion: not covered by this knowledge base version") for m in lines
    )
    assert any(
        m.startswith("Homologous recombination deficiency (HRD) score: not covered") for m in lines
    )
    assert len(lines) == 2  # ESR1 Y537S is covered: no line for it
    text = render(report, "md")
    assert "NRG1 gene fusion: not covered" in text
    assert "after that date are not covered" in text

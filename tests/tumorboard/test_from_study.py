"""Reports built from the shared cBioPortal study (breast_msk_2018)."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from her2scope.cli import main
from her2scope.kb import match_patient
from her2scope.study import Study, load_study
from her2scope.tumorboard.from_study import profile_from_study, profiles_from_study

pytestmark = pytest.mark.study

SAMPLE = "P-0002841-T02-IM6"  # HER2 2+/FISH- now, 3+/FISH+ primary; ESR1 D538G, PIK3CA H1047R


@pytest.fixture(scope="module")
def study(shared_study_dir: Path) -> Study:
    return load_study(shared_study_dir)


def test_profile_from_study_sample(study: Study) -> None:
    p = profile_from_study(study, SAMPLE)
    assert p.er_status == "positive"
    assert p.her2.ihc == "2+" and p.her2_primary is not None and p.her2_primary.ihc == "3+"
    assert {"ESR1 D538G", "PIK3CA H1047R", "MYC amplification"} <= set(p.alterations)
    assert p.prior_therapies_known is False
    d = match_patient(p).to_dict()
    assert d["her2"]["category"] == "HER2-low"
    assert d["her2"]["primary"]["category"] == "HER2-positive"
    codes = [c["code"] for c in d["caveats"]]
    assert "her2_switch" in codes and "prior_therapies_unknown" in codes
    # the study records no treatment history: options tested after endocrine therapy or
    # chemotherapy wait on it (conditional, settled by the history), never dropped
    cond = {o["id"]: o for o in d["conditional_options"]}
    assert "s_elacestrant_esr1" in cond and "s_tdxd_her2_low" in cond
    assert "the treatment history" in cond["s_elacestrant_esr1"]["settles"]
    # the primary was HER2-positive: HER2-directed options stay in play, with the caveat
    assert "her2_discordance_positive" in codes
    assert any(u["input"] == "BRIP1 fusion" for u in d["unrecognised"])


def test_cli_one_sample_json(shared_study_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "--study", str(shared_study_dir), "--sample", SAMPLE, "-f", "json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["patient"]["id"] == SAMPLE


def test_unknown_sample_is_config_error(shared_study_dir: Path) -> None:
    assert main(["report", "--study", str(shared_study_dir), "--sample", "NOPE"]) == 2


def test_profiles_match_study_tables(study: Study) -> None:
    profiles = profiles_from_study(study)
    assert len(profiles) == study.n_samples == 1918
    # every CNA=2 event appears as an amplification in its sample's profile
    amps = study.cna.filter(pl.col("cna") == 2.0).head(50)
    for sid, gene in amps.select("sample_id", "hugo_symbol").iter_rows():
        assert f"{gene} amplification" in profiles[sid].alterations


def test_batch_all_samples_without_error(
    shared_study_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "reports"
    assert (
        main(
            [
                "report",
                "--study",
                str(shared_study_dir),
                "--all",
                "--per-sample",
                "-f",
                "json",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    index = pl.read_csv(out / "index.tsv", separator="\t")
    # issue 16: no ER-positive sample loses its options because its HER2 score is a
    # range that no reading makes positive (e.g. "0-1+")
    not_positive = {"HER2-0", "HER2-null", "HER2-ultralow", "HER2-low", "HER2-negative"}
    ranged = 0
    for row in index.filter(
        (pl.col("er_status") == "positive") & (pl.col("her2_category") == "unknown")
    ).iter_rows(named=True):
        report = json.loads((out / row["file"]).read_text(encoding="utf-8"))
        if report["her2"]["ambiguous"] and set(report["her2"]["readings"]) <= not_positive:
            ranged += 1
            # eligible, or conditional on what the study does not record (setting, history)
            assert row["n_options"] + row["n_conditional"] > 0, row["sample_id"]
    assert ranged > 100
    assert index.height == 1918
    # one report per sample, and the folder's provenance.json (issue 27)
    assert len([p for p in out.glob("*.json") if p.name != "provenance.json"]) == 1918
    assert index["sample_id"].n_unique() == 1918
    assert set(index["her2_category"].unique()) <= {
        "HER2-positive",
        "HER2-low",
        "HER2-ultralow",
        "HER2-null",
        "HER2-0",
        "HER2-negative",
        "equivocal",
        "unknown",
    }
    assert "wrote 1918 reports" in capsys.readouterr().err


@pytest.mark.study
def test_clinical_only_study_reports_do_not_claim_a_sequencing_panel(
    studies_root: Path,
) -> None:
    """brca_tcga_pub2015 as shared has no genomic file: its reports must say no alteration
    is known (not profiled), never 'alterations from the sequencing panel' (issue 22)."""
    from her2scope.study.conventions import harmonise

    tcga = harmonise(load_study("brca_tcga_pub2015"))
    profiles = profiles_from_study(tcga)
    notes = [n for p in profiles.values() for n in p.notes]
    assert profiles and not any("sequencing panel" in n for n in notes)
    assert all(any("not profiled" in n for n in p.notes) for p in profiles.values())
    msk = profile_from_study(load_study("breast_msk_2018"), "P-0000004-T01-IM3")
    assert any("sequencing panel" in n for n in msk.notes)

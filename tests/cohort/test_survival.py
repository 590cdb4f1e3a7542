"""Survival: KM/log-rank/Cox checked against lifelines run independently; real-data counts."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pandas as pd
import polars as pl
import pytest
from lifelines import CoxPHFitter, KaplanMeierFitter
from lifelines.statistics import logrank_test, multivariate_logrank_test

from figure_checks import embedded_svgs, svg_text
from her2scope.cohort.survival import (
    BIAS_NOTE,
    entry_time_check,
    first_sample_per_patient,
    survival_from_calls,
)


def _cohort(
    groups: dict[str, tuple[np.ndarray, np.ndarray]],
    *,
    hr: list[str] | None = None,
    entry: np.ndarray | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """samples + patients frames, one sample per patient; ``groups`` maps category -> (T, E)."""
    cats, times, events = [], [], []
    for cat, (t, e) in groups.items():
        cats += [cat] * len(t)
        times += [float(x) for x in t]
        events += [int(x) for x in e]
    n = len(cats)
    pids = [f"P-{i:05d}" for i in range(n)]
    dx_age = np.full(n, 50.0)
    dx_time = dx_age * 12 + 0.3
    ngs = dx_time + (entry if entry is not None else 0.0)
    samples = pl.DataFrame(
        {
            "SAMPLE_ID": [f"{p}-T01" for p in pids],
            "PATIENT_ID": pids,
            "NGS_SAMPLE_COLLECTION_TIME": ngs,
            "INVASIVE_CARCINOMA_DX_TIME": dx_time,
            "INVASIVE_CARCINOMA_DX_AGE": dx_age,
            "HR_STATUS": hr
            if hr is not None
            else ["Positive", "Negative"] * (n // 2) + ["Positive"] * (n % 2),
            "her2_category": cats,
        }
    )
    patients = pl.DataFrame(
        {
            "PATIENT_ID": pids,
            "OS_MONTHS": times,
            "OS_STATUS": ["1:DECEASED" if e else "0:LIVING" for e in events],
        }
    )
    return samples, patients


def _draw(rng: np.random.Generator, rate: float, n: int) -> tuple[np.ndarray, np.ndarray]:
    death = rng.exponential(1 / rate, n)
    censor = rng.uniform(0, 120, n)
    return np.round(np.minimum(death, censor), 1) + 0.1, (death <= censor).astype(int)


@pytest.fixture()
def three_groups() -> dict[str, tuple[np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(7)
    return {
        "HER2-0": _draw(rng, 1 / 40, 80),
        "HER2-low": _draw(rng, 1 / 55, 70),
        "HER2-positive": _draw(rng, 1 / 30, 40),
    }


def test_km_median_and_logrank_equal_lifelines(three_groups) -> None:  # type: ignore[no-untyped-def]
    samples, patients = _cohort(three_groups)
    result = survival_from_calls(samples, patients)
    naive = result.table.filter(pl.col("analysis") == "from_diagnosis")
    for cat, (t, e) in three_groups.items():
        kmf = KaplanMeierFitter().fit(t, e)
        row = naive.filter(pl.col("group") == cat).row(0, named=True)
        assert row["n_patients"] == len(t)
        assert row["n_events"] == int(e.sum())
        assert row["median_os_months"] == pytest.approx(kmf.median_survival_time_)
    all_t = np.concatenate([v[0] for v in three_groups.values()])
    all_e = np.concatenate([v[1] for v in three_groups.values()])
    labels = np.concatenate([[k] * len(v[0]) for k, v in three_groups.items()])
    expected = multivariate_logrank_test(all_t, labels, all_e)
    got = result.logrank.filter(
        (pl.col("analysis") == "from_diagnosis") & (pl.col("comparison") == "all groups")
    ).row(0, named=True)
    assert got["p_value"] == pytest.approx(expected.p_value, rel=1e-9)
    assert got["df"] == 2
    (t0, e0), (t1, e1) = three_groups["HER2-0"], three_groups["HER2-low"]
    pair = logrank_test(t0, t1, e0, e1)
    got_pair = result.logrank.filter(pl.col("comparison") == "HER2-low vs HER2-0").row(
        0, named=True
    )
    assert got_pair["p_value"] == pytest.approx(pair.p_value, rel=1e-9)


def test_cox_matches_lifelines(three_groups) -> None:  # type: ignore[no-untyped-def]
    samples, patients = _cohort(three_groups)
    result = survival_from_calls(samples, patients)
    df = pd.DataFrame(
        {
            "T": patients["OS_MONTHS"].to_numpy(),
            "E": (patients["OS_STATUS"] == "1:DECEASED").to_numpy().astype(int),
            "low": (samples["her2_category"] == "HER2-low").to_numpy().astype(float),
            "pos": (samples["her2_category"] == "HER2-positive").to_numpy().astype(float),
            "hr": (samples["HR_STATUS"] == "Positive").to_numpy().astype(float),
        }
    )
    cph = CoxPHFitter().fit(df, "T", "E")
    cox = result.cox.filter(pl.col("analysis") == "from_diagnosis")
    for ours, theirs in [
        ("HER2-low vs HER2-0", "low"),
        ("HER2-positive vs HER2-0", "pos"),
        ("HR-positive vs HR-negative", "hr"),
    ]:
        row = cox.filter(pl.col("covariate") == ours).row(0, named=True)
        assert row["hazard_ratio"] == pytest.approx(cph.summary.loc[theirs, "exp(coef)"], rel=1e-6)
        assert row["ci_low"] == pytest.approx(
            cph.summary.loc[theirs, "exp(coef) lower 95%"], rel=1e-6
        )
        assert row["p_value"] == pytest.approx(cph.summary.loc[theirs, "p"], rel=1e-6)


def test_obvious_difference_and_identical_groups() -> None:
    rng = np.random.default_rng(11)
    fast = _draw(rng, 1 / 5, 60)
    slow = _draw(rng, 1 / 200, 60)
    samples, patients = _cohort({"HER2-0": fast, "HER2-low": slow})
    assert survival_from_calls(samples, patients).global_p() < 0.01
    same = _draw(rng, 1 / 30, 50)
    samples, patients = _cohort({"HER2-0": same, "HER2-low": same})
    assert survival_from_calls(samples, patients).global_p() > 0.5


def test_missing_os_and_ungrouped_are_audited(three_groups) -> None:  # type: ignore[no-untyped-def]
    samples, patients = _cohort(three_groups)
    patients = patients.with_columns(
        pl.when(pl.int_range(pl.len()) < 3)
        .then(None)
        .otherwise(pl.col("OS_MONTHS"))
        .alias("OS_MONTHS"),
        pl.when(pl.int_range(pl.len()) == 5)
        .then(pl.lit("[Not Available]"))
        .otherwise(pl.col("OS_STATUS"))
        .alias("OS_STATUS"),
    )
    samples = samples.with_columns(
        pl.when(pl.int_range(pl.len()).is_in([10, 11]))
        .then(pl.lit("unknown"))
        .otherwise(pl.col("her2_category"))
        .alias("her2_category")
    )
    result = survival_from_calls(samples, patients)
    assert result.audit.total("survival.missing_os") == 4
    assert result.audit.total("survival.ungrouped") == 2
    assert result.n_patients == samples.height - 6
    assert result.audit.total("survival.included") == result.n_patients


def test_first_sample_per_patient_by_time_then_id() -> None:
    samples = pl.DataFrame(
        {
            "SAMPLE_ID": ["A-T02", "A-T01", "B-T02", "B-T01", "C-T01"],
            "PATIENT_ID": ["A", "A", "B", "B", "C"],
            "NGS_SAMPLE_COLLECTION_TIME": [10.0, 20.0, 30.0, 30.0, None],
        }
    )
    chosen = first_sample_per_patient(samples)
    assert dict(chosen.select("PATIENT_ID", "SAMPLE_ID").rows()) == {
        "A": "A-T02",
        "B": "B-T01",
        "C": "C-T01",
    }


def test_left_truncated_km_uses_entry(three_groups) -> None:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(3)
    n = sum(len(v[0]) for v in three_groups.values())
    all_t = np.concatenate([v[0] for v in three_groups.values()])
    entry = np.round(np.minimum(rng.uniform(0, 30, n), all_t - 0.05), 2).clip(0)
    samples, patients = _cohort(three_groups, entry=entry)
    ok, why = entry_time_check(samples)
    assert ok, why
    result = survival_from_calls(samples, patients)
    assert result.left_truncation["done"]
    t, e = three_groups["HER2-0"]
    kmf = KaplanMeierFitter().fit(t, e, entry=entry[: len(t)])
    row = result.table.filter(
        (pl.col("analysis") == "left_truncated") & (pl.col("group") == "HER2-0")
    ).row(0, named=True)
    assert row["median_os_months"] == pytest.approx(kmf.median_survival_time_)
    lt = result.logrank.filter(
        (pl.col("analysis") == "left_truncated") & (pl.col("comparison") == "all groups")
    )
    assert lt.height == 1 and 0 <= lt["p_value"][0] <= 1


def test_entry_check_refuses_unclear_units(three_groups) -> None:  # type: ignore[no-untyped-def]
    samples, patients = _cohort(three_groups)
    days = samples.with_columns(pl.col("INVASIVE_CARCINOMA_DX_TIME") * 30.4)
    ok, why = entry_time_check(days)
    assert not ok and "unclear" in why
    result = survival_from_calls(days, patients)
    assert not result.left_truncation["done"]
    assert set(result.table["analysis"].to_list()) == {"from_diagnosis"}
    assert result.audit.by_code("survival.left_truncation_skipped")


def test_alteration_grouping_excludes_not_profiled(three_groups) -> None:  # type: ignore[no-untyped-def]
    samples, patients = _cohort(three_groups)
    status = ["altered", "not_altered", "not_profiled"] * (samples.height // 3) + ["altered"] * (
        samples.height % 3
    )
    samples = samples.with_columns(pl.Series("alteration_status", status))
    result = survival_from_calls(samples, patients, by="alteration:PIK3CA_mut")
    assert result.reference_group == "not_altered"
    assert set(result.patients["group"].to_list()) == {"altered", "not_altered"}
    assert result.n_patients == samples.height - status.count("not_profiled")
    assert result.cox["covariate"].to_list()[0] == "altered vs not_altered"


def test_outputs_carry_bias_note(tmp_path: Path, three_groups) -> None:  # type: ignore[no-untyped-def]
    from her2scope.cohort.survival.views import write_survival

    samples, patients = _cohort(three_groups)
    result = survival_from_calls(samples, patients)
    names = {p.name for p in write_survival(result, tmp_path)}
    assert {"survival_groups.tsv", "logrank.tsv", "cox.tsv", "km.png", "survival.html"} <= names
    for tsv in ("survival_groups.tsv", "logrank.tsv", "cox.tsv"):
        # plain data (issue 27): the note is beside the table, in provenance.json
        assert not (tmp_path / tsv).read_text().startswith("#")
        assert pl.read_csv(tmp_path / tsv, separator="\t").height > 0
        notes = json.loads((tmp_path / "provenance.json").read_text())["files"][tsv]["notes"]
        assert notes[0].startswith("CAUTION (sequencing-time bias)")
    assert json.loads((tmp_path / "survival.json").read_text())["bias_note"] == BIAS_NOTE
    page = (tmp_path / "survival.html").read_text()
    assert "left truncation" in page
    (km,) = embedded_svgs(page)
    assert "survival" in svg_text(km).lower()
    assert "CAUTION" in result.summary()


# --------------------------------------------------------------------------- real data


def _patients_with_os(study_dir: Path) -> set[str]:
    with (study_dir / "data_clinical_patient.txt").open(newline="") as fh:
        rows = [r for r in csv.reader(fh, delimiter="\t") if r and not r[0].startswith("#")]
    header, body = rows[0], rows[1:]
    i_id, i_t, i_s = (
        header.index("PATIENT_ID"),
        header.index("OS_MONTHS"),
        header.index("OS_STATUS"),
    )
    out = set()
    for r in body:
        try:
            float(r[i_t])
        except ValueError:
            continue
        if r[i_s] in {"0:LIVING", "1:DECEASED"}:
            out.add(r[i_id])
    return out


@pytest.mark.study
def test_real_study_patient_counts(shared_study_dir: Path) -> None:
    study_mod = pytest.importorskip("her2scope.study")
    her2_mod = pytest.importorskip("her2scope.her2")
    if not hasattr(study_mod, "load_study") or not hasattr(her2_mod, "classify"):
        pytest.skip("load_study / classify not available yet")
    from her2scope.cohort.survival import survival

    study = study_mod.load_study(shared_study_dir)
    result = survival(study)
    with_os = _patients_with_os(shared_study_dir)
    assert len(with_os) == 1756
    # every patient with OS is either analysed or excluded (ungrouped HER2 call), counted
    assert result.n_patients + result.audit.total("survival.ungrouped") == len(with_os)
    assert set(result.patients["PATIENT_ID"].to_list()) <= with_os
    assert result.audit.total("survival.missing_os") == 0
    assert result.left_truncation["done"]
    assert result.global_p() is not None


def test_numbers_at_risk_follow_the_step_function() -> None:
    from her2scope.cohort.survival.views import numbers_at_risk

    curve = pl.DataFrame({"time": [0.0, 5.0, 12.0, 30.0], "at_risk": [10, 8, 5, 1]})
    # at t: the at-risk count of the first step at or after t; none after the last step
    assert numbers_at_risk(curve, [0.0, 4.0, 12.0, 20.0, 40.0]) == [10, 8, 5, 1, 0]


# --------------------------------------------------------------------------- command line


def test_cli_refuses_a_study_without_usable_outcome_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """No patient with OS: the library refuses (StudyError), the CLI's one error handler
    prints one line and exits 2 (no traceback, no table, no folder)."""
    from her2scope.cli import main
    from study_factory import make_study

    no_os = [{"PATIENT_ID": p, "OS_MONTHS": "", "OS_STATUS": ""} for p in ("P1", "P2", "P3")]
    folder = make_study(tmp_path / "studies", patients=no_os)
    code = main(["survival", str(folder), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2
    errors = [line for line in err.splitlines() if line.startswith("her2scope: error:")]
    assert errors == [
        "her2scope: error: no usable patient in tiny_study (OS_MONTHS/OS_STATUS missing or "
        "unreadable, or no patient with a group); nothing to analyse"
    ]
    assert "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_run_refuses_only_when_asked(tmp_path: Path) -> None:
    from her2scope.cohort.survival import run
    from her2scope.errors import StudyError
    from her2scope.study import load_study
    from study_factory import make_study

    no_os = [{"PATIENT_ID": p, "OS_MONTHS": "", "OS_STATUS": ""} for p in ("P1", "P2", "P3")]
    study = load_study(make_study(tmp_path, patients=no_os), cache=False)
    assert run(study).n_patients == 0  # a library caller gets the (empty) result and its reasons
    with pytest.raises(StudyError, match="no usable patient"):
        run(study, refuse_empty=True)

"""Adjusted analysis: clustered proportions, clustered logistic models, the endocrine-resistant
cohort, switching CIs and Cox PH checks, each compared with statsmodels / lifelines run directly."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import polars as pl
import pytest
import statsmodels.api as sm

from her2scope.cohort.adjusted.compute import adjusted_table, model_input
from her2scope.cohort.options import AnalysisOptions
from her2scope.cohort.switching import switch_rates
from her2scope.cohort.table1.compute import AlterationInfo, select_cohort
from her2scope.stats.clustered import clustered_proportion, logistic_clustered, patterns
from her2scope.stats.covariates import covariates_from_samples

DEMO = Path(__file__).resolve().parents[2] / "examples" / "demo_study"


def _clustered_data(seed: int, n_patients: int = 150) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    sizes = rng.integers(1, 4, n_patients)
    groups = np.repeat(np.arange(n_patients), sizes)
    n = groups.size
    patient_effect = rng.normal(0, 0.8, n_patients)[groups]
    x = (rng.random(n) < 0.3).astype(int)
    hr = rng.integers(0, 2, n)
    panel = rng.integers(0, 3, n)
    eta = -0.2 + 0.7 * x + 0.9 * hr - 0.4 * (panel == 2) + patient_effect
    y = (rng.random(n) < 1 / (1 + np.exp(-eta))).astype(int)
    return {"y": y, "x": x, "hr": hr, "panel": panel, "groups": groups}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_logistic_clustered_equals_statsmodels_logit(seed: int) -> None:
    d = _clustered_data(seed)
    rows, index = patterns([d["y"], d["x"], d["hr"], d["panel"]])
    design = np.column_stack(
        [np.ones(rows.shape[0]), rows[:, 1], rows[:, 2], rows[:, 3] == 1, rows[:, 3] == 2]
    ).astype(float)
    names = ["intercept", "x", "hr", "panel1", "panel2"]
    ours = logistic_clustered(design, rows[:, 0].astype(float), index, d["groups"], names)
    full = design[index]
    ref = sm.Logit(d["y"], full).fit(disp=0, cov_type="cluster", cov_kwds={"groups": d["groups"]})
    assert np.allclose(ours.params, ref.params, atol=1e-6)
    assert np.allclose(ours.bse, ref.bse, rtol=1e-6)
    term = ours.term("x")
    assert term["or"] == pytest.approx(math.exp(ref.params[1]))
    lo, hi = np.exp(ref.conf_int()[1])
    assert (term["ci_low"], term["ci_high"]) == pytest.approx((lo, hi))
    assert term["p"] == pytest.approx(ref.pvalues[1], rel=1e-6)
    assert ours.n_clusters == np.unique(d["groups"]).size


def test_patterns_restore_rows() -> None:
    rng = np.random.default_rng(0)
    cols = [rng.integers(0, k, 500) for k in (2, 3, 5)]
    rows, index = patterns(cols)
    assert len({tuple(r) for r in rows}) == rows.shape[0]
    for j, col in enumerate(cols):
        assert (rows[index, j] == col).all()


def test_clustered_proportion_equals_statsmodels_glm() -> None:
    d = _clustered_data(5)
    cp = clustered_proportion(d["y"], d["groups"])
    ref = sm.GLM(d["y"], np.ones((d["y"].size, 1)), family=sm.families.Binomial()).fit(
        cov_type="cluster", cov_kwds={"groups": d["groups"]}
    )
    lo, hi = 1 / (1 + np.exp(-ref.conf_int()[0]))
    assert cp.proportion == pytest.approx(d["y"].mean())
    assert (cp.ci_low, cp.ci_high) == pytest.approx((lo, hi), rel=1e-6)
    # string labels give the same answer as integer codes
    cp2 = clustered_proportion(d["y"], np.array([f"P{g}" for g in d["groups"]]))
    assert (cp2.ci_low, cp2.ci_high) == pytest.approx((cp.ci_low, cp.ci_high))


def test_clustered_proportion_boundary_falls_back_to_wilson() -> None:
    cp = clustered_proportion(np.zeros(10), np.arange(10))
    assert cp.method.startswith("wilson")
    assert cp.ci_low == 0.0 and 0.0 < cp.ci_high < 0.35


def _model_fixture(seed: int = 11) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    d = _clustered_data(seed, 200)
    n = d["y"].size
    ids = [f"S{i}" for i in range(n)]
    rng = np.random.default_rng(seed)
    samples = pl.DataFrame(
        {
            "sample_id": ids,
            "patient_id": [f"P{g}" for g in d["groups"]],
            "her2_category": ["HER2-low" if v else "HER2-0" for v in d["y"]],
            "included": [True] * n,
        }
    )
    cov = pl.DataFrame(
        {
            "sample_id": ids,
            "hr_status": ["positive" if v else "negative" for v in d["hr"]],
            "sample_type": ["metastasis"] * n,  # one level: dropped and said so
            "histology": rng.choice(["ductal", "lobular", "other"], n).tolist(),
            "panel": [f"IMPACT{v}" for v in d["panel"]],
            "study": ["s1"] * n,
        }
    )
    not_profiled = rng.random(n) < 0.1
    altered = (d["x"] == 1) & ~not_profiled
    calls = pl.DataFrame(
        {
            "sample_id": [ids[i] for i in range(n) if altered[i] or not_profiled[i]],
            "alteration": "X",
            "status": [
                "not_profiled" if not_profiled[i] else "altered"
                for i in range(n)
                if altered[i] or not_profiled[i]
            ],
        }
    )
    return samples, cov, calls


def test_adjusted_table_matches_statsmodels_on_expanded_design() -> None:
    samples, cov, calls = _model_fixture()
    data = model_input(samples, cov, calls)
    assert data.covariates == ("hr_status", "histology", "panel")
    assert any("sample_type dropped: one level (metastasis)" in n for n in data.notes)
    info = {"X": AlterationInfo("X", "ER", "alteration")}
    table, stratified = adjusted_table(data, info, ["X"])
    row = table.row(0, named=True)

    # the same model by hand: profiled samples, reference = most frequent level
    frame = (
        samples.join(cov, on="sample_id")
        .join(calls, on="sample_id", how="left")
        .filter(pl.col("status").fill_null("not_altered") != "not_profiled")
    )
    pdf = frame.to_pandas()
    x = (pdf["status"] == "altered").astype(float)
    cols = {"intercept": np.ones(len(pdf)), "altered": x}
    for name in ("hr_status", "histology", "panel"):
        ref = pdf[name].value_counts().idxmax()
        for level in sorted(set(pdf[name]) - {ref}):
            cols[f"{name}={level}"] = (pdf[name] == level).astype(float)
    exog = np.column_stack(list(cols.values()))
    y = (pdf["her2_category"] == "HER2-low").astype(float)
    fit = sm.Logit(y.to_numpy(), exog).fit(
        disp=0,
        cov_type="cluster",
        cov_kwds={"groups": pdf["patient_id"].astype("category").cat.codes},
    )
    assert row["adj_or"] == pytest.approx(math.exp(fit.params[1]), rel=1e-6)
    lo, hi = np.exp(fit.conf_int()[1])
    assert (row["adj_ci_low"], row["adj_ci_high"]) == pytest.approx((lo, hi), rel=1e-6)
    assert row["p_adj"] == pytest.approx(fit.pvalues[1], rel=1e-5)
    assert row["n_model"] == len(pdf)
    # crude counts agree with the model's sample
    a, b = int(((x == 1) & (y == 1)).sum()), int(((x == 1) & (y == 0)).sum())
    assert (row["n_altered_low"], row["n_altered_zero"]) == (a, b)
    assert row["n_model"] == a + b + row["n_not_altered_low"] + row["n_not_altered_zero"]
    # one CMH row for the crossed strata, one per stratum alone
    assert stratified["stratified_by"].to_list() == [
        "hr_status x histology x panel",
        "hr_status",
        "histology",
        "panel",
    ]


def test_zero_cell_gives_no_adjusted_or() -> None:
    samples, cov, calls = _model_fixture()
    low = samples.filter(pl.col("her2_category") == "HER2-low")["sample_id"].to_list()
    calls = pl.DataFrame({"sample_id": low[:5], "alteration": "X", "status": "altered"})
    table, _ = adjusted_table(
        model_input(samples, cov, calls), {"X": AlterationInfo("X", "ER", "alteration")}, ["X"]
    )
    row = table.row(0, named=True)
    assert math.isnan(row["adj_or"]) and "zero cell" in row["note"]


def test_histology_and_covariates() -> None:
    samples = pl.DataFrame(
        {
            "SAMPLE_ID": ["a", "b", "c", "d", "e"],
            "SAMPLE_TYPE": ["Primary", "Metastasis", "Recurrence", None, "Metastasis"],
            "HR_STATUS": ["Positive", "Negative", "Unk/ND", None, "Positive"],
            "CANCER_TYPE_DETAILED": [
                "Breast Invasive Lobular Carcinoma",
                "Breast Invasive Ductal Carcinoma",
                "Breast Mixed Ductal and Lobular Carcinoma",
                None,
                "",
            ],
            "ONCOTREE_CODE": ["ILC", "IDC", "MDLC", "ILC", "IDC"],
        }
    )
    panels = pl.DataFrame({"sample_id": ["a", "b"], "mutations": ["IMPACT341", "IMPACT468"]})
    cov = covariates_from_samples(samples, panels, "s")
    assert cov["histology"].to_list() == ["lobular", "ductal", "other", "lobular", "ductal"]
    assert cov["hr_status"].to_list() == ["positive", "negative", "unknown", "unknown", "positive"]
    assert cov["sample_type"].to_list() == ["primary", "metastasis", "other", "other", "metastasis"]
    assert cov["panel"].to_list() == ["IMPACT341", "IMPACT468", "unknown", "unknown", "unknown"]


def _her2_samples(**extra: list[object]) -> pl.DataFrame:
    base: dict[str, list[object]] = {
        "SAMPLE_ID": ["s1", "s2", "s3", "s4", "s5", "s6"],
        "PATIENT_ID": ["p1", "p1", "p2", "p3", "p4", "p5"],
        "SAMPLE_TYPE": ["Primary", "Metastasis", "Metastasis", "Primary", "Metastasis", "Primary"],
        "HR_STATUS": ["Positive", "Positive", "Negative", "Positive", "Positive", "Positive"],
        "her2_category": ["HER2-low"] * 6,
        "ambiguous": [False] * 6,
        "her2_rationale": ["r"] * 6,
    }
    base.update(extra)
    return pl.DataFrame(base)


def test_endocrine_resistant_cohort_without_treatment_records() -> None:
    out = select_cohort(_her2_samples(), AnalysisOptions(cohort="endocrine-resistant"))
    assert out["included"].to_list() == [False, True, False, False, True, False]
    assert out["endocrine_resistant"].to_list() == [False, True, False, False, True, False]
    reasons = out["reason"].to_list()
    assert reasons[2].startswith("not endocrine-resistant: HR status 'Negative'")
    assert "treatment not recorded" in reasons[0]
    # the default cohort keeps everyone but still records the basis
    everyone = select_cohort(_her2_samples(), AnalysisOptions())
    assert everyone["included"].all()
    assert everyone["endocrine_resistant"].sum() == 2


def test_endocrine_resistant_cohort_with_treatment_records() -> None:
    samples = _her2_samples(PRIOR_ENDOCRINE_THERAPY=["Yes", "No", "Yes", "yes", None, ""])
    out = select_cohort(samples, AnalysisOptions(cohort="endocrine-resistant"))
    # s1 primary after ET: in; s2 metastasis recorded untreated: out; s3 HR-negative: out;
    # s4 treated: in; s5 metastasis, no record: proxy in; s6 primary, no record: out
    assert out["included"].to_list() == [True, False, False, True, True, False]
    basis = out["endocrine_resistant_basis"].to_list()
    assert "PRIOR_ENDOCRINE_THERAPY = yes" in basis[0]
    assert "not treated" in basis[1]
    assert "proxy" in basis[4]


def test_switching_rates_clustered_ci_equals_statsmodels() -> None:
    rng = np.random.default_rng(3)
    patients = np.repeat(np.arange(60), rng.integers(1, 4, 60))
    n = patients.size
    frm = rng.choice(["HER2-0", "HER2-low"], n)
    to = np.where(rng.random(n) < 0.3, np.where(frm == "HER2-0", "HER2-low", "HER2-0"), frm)
    pairs = pl.DataFrame(
        {
            "comparison": ["serial"] * n,
            "patient_id": [f"P{p}" for p in patients],
            "sample_type": ["Metastasis"] * n,
            "from_scale": frm.tolist(),
            "to_scale": to.tolist(),
            "included": [True] * n,
        }
    )
    rates = switch_rates(pairs)
    row = rates.filter(
        (pl.col("sample_type") == "All") & (pl.col("transition") == "any change")
    ).row(0, named=True)
    y = (frm != to).astype(float)
    ref = sm.GLM(y, np.ones((n, 1)), family=sm.families.Binomial()).fit(
        cov_type="cluster", cov_kwds={"groups": patients}
    )
    lo, hi = 1 / (1 + np.exp(-ref.conf_int()[0]))
    assert (row["ci_low_cluster"], row["ci_high_cluster"]) == pytest.approx((lo, hi), rel=1e-6)
    assert row["k"] == int(y.sum())


def test_cox_rows_carry_the_proportional_hazards_check() -> None:
    from lifelines import CoxPHFitter
    from lifelines.statistics import proportional_hazard_test

    from her2scope.cohort.survival import survival_from_calls

    rng = np.random.default_rng(4)
    n = 160
    group = np.array(["HER2-0", "HER2-low"] * (n // 2))
    low = group == "HER2-low"
    # crossing hazards: HER2-low dies early or survives long -> PH fails
    early = rng.random(n) < 0.5
    t = np.where(
        low,
        np.where(early, rng.exponential(3, n), 60 + rng.exponential(20, n)),
        rng.exponential(25, n),
    )
    e = np.ones(n, dtype=int)
    pids = [f"P{i:04d}" for i in range(n)]
    hr = rng.choice(["Positive", "Negative"], n).tolist()
    samples = pl.DataFrame(
        {
            "SAMPLE_ID": [f"{p}-T01" for p in pids],
            "PATIENT_ID": pids,
            "NGS_SAMPLE_COLLECTION_TIME": np.full(n, 600.3),
            "HR_STATUS": hr,
            "her2_category": group.tolist(),
        }
    )
    patients = pl.DataFrame(
        {
            "PATIENT_ID": pids,
            "OS_MONTHS": t.tolist(),
            "OS_STATUS": ["1:DECEASED"] * n,
        }
    )
    result = survival_from_calls(samples, patients)
    cox = result.cox.filter(pl.col("analysis") == "from_diagnosis")
    assert {"ph_test_statistic", "ph_p_value", "ph_ok"} <= set(cox.columns)
    pdf = pl.DataFrame(
        {
            "os_months": t,
            "os_event": e,
            "HER2-low vs HER2-0": low.astype(float),
            "HR-positive vs HR-negative": (np.array(hr) == "Positive").astype(float),
        }
    ).to_pandas()
    cph = CoxPHFitter().fit(pdf, duration_col="os_months", event_col="os_event")
    ref = proportional_hazard_test(cph, pdf, time_transform="rank").summary
    for row in cox.iter_rows(named=True):
        assert row["ph_p_value"] == pytest.approx(float(ref.loc[row["covariate"], "p"]), rel=1e-6)
    low_row = cox.filter(pl.col("covariate") == "HER2-low vs HER2-0").row(0, named=True)
    assert low_row["ph_ok"] is False
    assert result.audit.by_code("survival.ph_violated")


def test_cli_adjusted_writes_the_section_and_files(tmp_path: Path) -> None:
    from her2scope.cli import main

    out = tmp_path / "out"
    assert main(["analyze", str(DEMO), "--adjusted", "--out", str(out)]) == 0
    for name in (
        "adjusted.tsv",
        "stratified.tsv",
        "questions.tsv",
        "questions.json",
        "enrichment_resistant.tsv",
        "adjusted_forest.png",
    ):
        assert (out / name).stat().st_size > 0, name
    html = (out / "report.html").read_text()
    assert "The paper&#39;s open questions" in html or "The paper's open questions" in html
    assert "doi:10.3389/fonc.2024.1461190" in html
    payload = json.loads((out / "questions.json").read_text())
    assert [r["key"] for r in payload["readings"]] == ["default", "paper"]
    assert (payload["readings"][1]["profile"], payload["readings"][1]["ambiguous"]) == (
        "ihc-only",
        "low",
    )
    table = pl.read_csv(out / "adjusted.tsv", separator="\t")
    assert {"crude_or", "mh_or", "adj_or", "q_adj"} <= set(table.columns)


@pytest.mark.study
def test_shared_study_adjusted(shared_study_dir: Path) -> None:
    from her2scope.cohort.adjusted.compute import adjusted_analysis
    from her2scope.study import load_study

    result = adjusted_analysis(load_study(shared_study_dir))
    t = result.table
    assert t.height == 31
    assert result.covariates == ("hr_status", "sample_type", "histology", "panel")
    all_row = t.filter(pl.col("alteration") == "ALL").row(0, named=True)
    # crude 2x2 of HER2-low vs HER2-0 from the same counting as Table 1
    assert (all_row["n_altered_low"], all_row["n_altered_zero"]) == (544, 453)
    assert 0.5 < all_row["adj_or"] < 2.0
    er = result.questions["readings"]
    assert er[0]["q1"]["n_resistant"] == er[1]["q1"]["n_resistant"]
    # the paper's reading calls more tumors HER2-low
    assert er[1]["q1"]["of_known"]["pct"] > er[0]["q1"]["of_known"]["pct"]
    assert result.samples["endocrine_resistant"].sum() == er[0]["q1"]["n_resistant"]
    # the result describes itself (render.summary), its views print the same sentences
    from her2scope.cohort.adjusted.views import summary_text

    text = result.summary()
    assert text.startswith("HER2-low vs HER2-0, crude vs adjusted odds ratios: breast_msk_2018")
    assert summary_text(result).split("\n") == result.summary_lines()
    assert "[q3]" in text and result.to_pandas().shape == t.shape

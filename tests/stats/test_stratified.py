"""2x2 counting, stratified 2x2xK tables: CMH / Breslow-Day vs statsmodels and by hand."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest
from statsmodels.stats.contingency_tables import StratifiedTable

from her2scope.cohort.table1.compute import AlterationInfo
from her2scope.stats.contingency import contingency_counts, stratified_2x2
from her2scope.stats.stratified import cmh, stratified_table

# two strata, rows altered / not, columns HER2-low / HER2-0
T1 = [[2, 3], [1, 4]]
T2 = [[4, 1], [2, 3]]


def test_cmh_matches_hand_computation() -> None:
    out = cmh(np.array([T1, T2]))
    # MH OR = sum(a d / n) / sum(b c / n) = (8/10 + 12/10) / (3/10 + 2/10) = 4
    assert out["mh_or"] == pytest.approx(4.0)
    # CMH statistic, continuity corrected: (|sum(a - E a)| - 0.5)^2 / sum(var a)
    e = [5 * 3 / 10, 5 * 6 / 10]
    v = [5 * 5 * 3 * 7 / (100 * 9), 5 * 5 * 6 * 4 / (100 * 9)]
    stat = (abs(2 + 4 - sum(e)) - 0.5) ** 2 / sum(v)
    assert out["mh_statistic"] == pytest.approx(stat)
    assert out["n_strata"] == 2 and out["n_strata_informative"] == 2


def test_cmh_matches_statsmodels_and_drops_uninformative_strata() -> None:
    rng = np.random.default_rng(7)
    tables = rng.integers(1, 30, size=(6, 2, 2))
    st = StratifiedTable(np.moveaxis(tables.astype(float), 0, -1))
    ours = cmh(np.concatenate([tables, [[[0, 0], [5, 6]], [[3, 0], [4, 0]]]]))
    assert ours["n_strata"] == 8 and ours["n_strata_informative"] == 6
    assert ours["mh_or"] == pytest.approx(st.oddsratio_pooled)
    lo, hi = st.oddsratio_pooled_confint()
    assert (ours["mh_ci_low"], ours["mh_ci_high"]) == pytest.approx((lo, hi))
    null = st.test_null_odds(correction=True)
    assert ours["p_mh"] == pytest.approx(null.pvalue)
    bd = st.test_equal_odds()
    assert ours["breslow_day_statistic"] == pytest.approx(bd.statistic)
    assert ours["p_breslow_day"] == pytest.approx(bd.pvalue)


def test_breslow_day_flags_opposite_strata() -> None:
    # OR 9 in one stratum, ~1/9 in the other: pooled near 1, homogeneity rejected
    # (exactly 1 makes statsmodels' Breslow-Day quadratic degenerate)
    out = cmh(np.array([[[30, 10], [10, 30]], [[10, 32], [30, 10]]]))
    assert out["mh_or"] == pytest.approx(1.0, abs=0.1)
    assert out["p_breslow_day"] < 1e-6


def test_single_stratum_has_no_homogeneity_test() -> None:
    out = cmh(np.array([T1]))
    assert math.isnan(out["p_breslow_day"])
    assert "one informative stratum" in out["note"]


def _fixture() -> tuple[pl.DataFrame, pl.DataFrame]:
    # 12 samples: stratum A / B, HER2 low / 0 / positive / unknown; one excluded
    cohort = pl.DataFrame(
        {
            "sample_id": [f"S{i}" for i in range(12)],
            "her2_category": [
                "HER2-low",
                "HER2-low",
                "HER2-0",
                "HER2-null",
                "HER2-low",
                "HER2-positive",
                "HER2-low",
                "HER2-0",
                "HER2-0",
                "HER2-ultralow",
                "unknown",
                "HER2-low",
            ],
            "included": [True] * 11 + [False],
            "hr": ["A"] * 6 + ["B"] * 5 + [None],
        }
    )
    calls = pl.DataFrame(
        {
            "sample_id": ["S0", "S2", "S4", "S5", "S6", "S8", "S3", "S11"],
            "alteration": ["X"] * 6 + ["X", "X"],
            "status": ["altered"] * 6 + ["not_profiled", "altered"],
        }
    )
    return cohort, calls


def test_contingency_counts_by_hand() -> None:
    cohort, calls = _fixture()
    counts = contingency_counts(cohort, calls, strata=["hr"], alterations=["X"])
    got = {(r["hr"], r["her2_group"]): r for r in counts.iter_rows(named=True)}
    # stratum A: S0 low alt, S1 low not, S2 zero alt, S3 zero not_profiled, S4 low alt, S5 pos alt
    assert (got[("A", "low")]["n_altered"], got[("A", "low")]["n_not_altered"]) == (2, 1)
    assert got[("A", "zero")]["n_altered"] == 1
    assert got[("A", "zero")]["n_not_profiled"] == 1
    assert got[("A", "zero")]["n_not_altered"] == 0
    # stratum B: S6 low alt, S7 zero not, S8 zero alt, S9 zero not, S10 unknown; S11 excluded
    assert (got[("B", "low")]["n_altered"], got[("B", "low")]["n_not_altered"]) == (1, 0)
    assert (got[("B", "zero")]["n_altered"], got[("B", "zero")]["n_not_altered"]) == (1, 2)
    assert got[("B", "unknown")]["n_not_altered"] == 1
    tables, keys = stratified_2x2(counts, "X", ["hr"])
    assert keys == [("A",), ("B",)]
    assert tables.tolist() == [[[2, 1], [1, 0]], [[1, 1], [0, 2]]]
    pooled, _ = stratified_2x2(contingency_counts(cohort, calls, alterations=["X"]), "X", [])
    assert pooled.tolist() == [[[3, 2], [1, 2]]]


def test_stratified_table_rows() -> None:
    cohort, calls = _fixture()
    counts = contingency_counts(cohort, calls, strata=["hr"], alterations=["X"])
    info = {"X": AlterationInfo("X alt", "ER", "alteration")}
    table = stratified_table(counts, ["hr"], info, ["X"])
    row = table.row(0, named=True)
    assert (row["n_altered_low"], row["n_altered_zero"]) == (3, 2)
    assert (row["n_not_altered_low"], row["n_not_altered_zero"]) == (1, 2)
    # stratum A has an empty column (no HER2-0 not altered ... but a zero row?): A = [[2,1],[1,0]]
    # is informative (both rows and columns non-empty); B = [[1,1],[0,2]] too
    assert row["n_strata_informative"] == 2
    st = StratifiedTable(np.moveaxis(np.array([[[2, 1], [1, 0]], [[1, 1], [0, 2]]], float), 0, -1))
    assert row["mh_or"] == pytest.approx(st.oddsratio_pooled)

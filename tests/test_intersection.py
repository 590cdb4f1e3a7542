"""The intersection table and cohort selection on hand-made frames, checked against scipy."""

from __future__ import annotations

import math

import polars as pl
import pytest
from scipy import stats

from her2scope.analysis.intersection import AlterationInfo, intersection_table

INFO = {
    "A_mut": AlterationInfo("A mutation", "ER", "alteration", 3, 4, "75% (3/4)"),
    "B_amp": AlterationInfo("B amplification", "MAPK", "alteration"),
}


def _cohort(cats: list[str], included: list[bool] | None = None) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "sample_id": [f"S{i}" for i in range(len(cats))],
            "her2_category": cats,
            "included": included if included is not None else [True] * len(cats),
        }
    )


def _calls(alt: str, statuses: list[str]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "sample_id": [f"S{i}" for i in range(len(statuses))],
            "alteration": [alt] * len(statuses),
            "status": statuses,
        }
    )


def test_counts_percentages_and_fisher_against_scipy() -> None:
    cats = [
        "HER2-low", "HER2-low", "HER2-low", "HER2-0",          # altered, known 4
        "HER2-null", "HER2-ultralow", "HER2-positive",         # altered, zero x2 + pos
        "unknown", "HER2-negative",                            # altered, not known
        "HER2-low", "HER2-0", "HER2-0", "HER2-0", "HER2-positive",  # baseline
        "HER2-low",                                            # not profiled
    ]  # fmt: skip
    statuses = ["altered"] * 9 + ["not_altered"] * 5 + ["not_profiled"]
    table = intersection_table(_cohort(cats), _calls("A_mut", statuses), INFO, order=["A_mut"])
    r = table.row(0, named=True)
    assert (r["n_altered"], r["n_her2_known"]) == (9, 7)
    assert (r["n_her2_low"], r["n_her2_zero"], r["n_her2_positive"]) == (3, 3, 1)
    assert (r["n_her2_negative_unsplit"], r["n_her2_unknown"], r["n_not_profiled"]) == (1, 1, 1)
    assert r["pct_her2_low"] == pytest.approx(100 * 3 / 7)
    ci = stats.binomtest(3, 7).proportion_ci(method="wilson")
    assert r["ci_low"] == pytest.approx(100 * ci.low)
    assert r["ci_high"] == pytest.approx(100 * ci.high)
    assert (r["baseline_n_her2_known"], r["baseline_n_her2_low"]) == (5, 1)
    assert r["p_fisher"] == pytest.approx(stats.fisher_exact([[3, 4], [1, 4]]).pvalue)
    assert r["p_vs_expected"] == pytest.approx(
        stats.binomtest(3, 7, 0.55, alternative="greater").pvalue
    )
    assert (r["seed_n_her2_low"], r["seed_n_her2_known"]) == (3, 4)


def test_excluded_samples_do_not_count() -> None:
    cats = ["HER2-low", "HER2-low", "HER2-0"]
    table = intersection_table(
        _cohort(cats, [True, False, True]),
        _calls("A_mut", ["altered", "altered", "altered"]),
        INFO,
        order=["A_mut"],
    )
    r = table.row(0, named=True)
    assert (r["n_altered"], r["n_her2_low"], r["n_her2_known"]) == (2, 1, 2)


def test_bh_within_level_and_nan_when_untestable() -> None:
    cats = ["HER2-low"] * 6 + ["HER2-0"] * 6
    calls = pl.concat(
        [
            _calls("A_mut", ["altered"] * 6 + ["not_altered"] * 6),
            _calls("B_amp", ["not_altered"] * 12),
        ]
    )
    table = intersection_table(_cohort(cats), calls, INFO, order=["A_mut", "B_amp"])
    a, b = table.row(0, named=True), table.row(1, named=True)
    assert a["p_fisher"] == pytest.approx(stats.fisher_exact([[6, 0], [0, 6]]).pvalue)
    # B has no altered tumor: its p is NaN and it does not enter the BH family (m = 1)
    assert math.isnan(b["p_fisher"]) and math.isnan(b["q_fisher"])
    assert a["q_fisher"] == pytest.approx(a["p_fisher"])
    assert b["n_altered"] == 0 and math.isnan(b["pct_her2_low"])


def test_not_altered_rows_are_implied() -> None:
    """Sparse calls (altered / not_profiled only) give the same table as the dense grid."""
    cats = ["HER2-low", "HER2-0", "HER2-positive", "unknown", "HER2-low", "HER2-0", "HER2-low"]
    a = ["altered", "not_altered", "altered", "not_profiled", "not_altered", "altered", "altered"]
    b = ["not_altered", "not_profiled", "not_altered", "altered", "altered"]
    b += ["not_altered", "not_altered"]
    dense = pl.concat([_calls("A_mut", a), _calls("B_amp", b)])
    sparse = dense.filter(pl.col("status") != "not_altered")
    cohort = _cohort(cats, [True, True, True, True, True, True, False])
    order = ["A_mut", "B_amp"]
    full = intersection_table(cohort, dense, INFO, order=order)
    assert intersection_table(cohort, sparse, INFO, order=order).equals(full, null_equal=True)
    r = full.row(0, named=True)
    # A among included (S6 excluded): altered S0 low, S2 positive, S5 0; baseline S1 0, S4 low
    assert (r["n_her2_known"], r["baseline_n_her2_known"], r["n_not_profiled"]) == (3, 2, 1)

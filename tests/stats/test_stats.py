"""The statistics helpers against hand-computed values and scipy's own definitions."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from her2scope.stats.core import bh_fdr, binomial_greater, fisher_2x2, wilson_ci


def test_wilson_matches_closed_form() -> None:
    # Closed form of the Wilson score interval, written out independently.
    k, n, z = 89, 147, stats.norm.ppf(0.975)
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    lo, hi = wilson_ci(k, n)
    assert lo == pytest.approx(centre - half, abs=1e-9)
    assert hi == pytest.approx(centre + half, abs=1e-9)


def test_wilson_empty_is_nan() -> None:
    assert all(math.isnan(x) for x in wilson_ci(0, 0))


@given(st.integers(min_value=1, max_value=500), st.data())
def test_wilson_contains_point_estimate(n: int, data: st.DataObject) -> None:
    k = data.draw(st.integers(min_value=0, max_value=n))
    lo, hi = wilson_ci(k, n)
    assert 0.0 <= lo <= k / n <= hi <= 1.0


def test_fisher_known_table() -> None:
    # Fisher's tea-tasting table: two-sided p = 0.4857 (Agresti 2002, table 3.8).
    res = fisher_2x2(3, 1, 1, 3)
    assert res.p_value == pytest.approx(0.4857142857, abs=1e-9)
    # sample odds ratio (3*3)/(1*1) and Woolf's interval exp(log OR +- 1.96 * sqrt(sum 1/n))
    assert res.odds_ratio == pytest.approx(9.0)
    half = stats.norm.ppf(0.975) * math.sqrt(1 / 3 + 1 + 1 + 1 / 3)
    assert res.or_ci_low == pytest.approx(math.exp(math.log(9) - half))
    assert res.or_ci_high == pytest.approx(math.exp(math.log(9) + half))


def test_fisher_degenerate_is_nan() -> None:
    assert math.isnan(fisher_2x2(0, 0, 5, 5).p_value)


def test_bh_matches_manual_and_keeps_nan() -> None:
    p = [0.01, 0.04, math.nan, 0.03, 0.5]
    q = bh_fdr(p)
    # manual BH over the 4 finite values sorted: .01,.03,.04,.5 -> .04,.0533,.0533,.5
    assert q[0] == pytest.approx(0.04)
    assert q[3] == pytest.approx(0.04 * 4 / 3)
    assert q[1] == pytest.approx(0.04 * 4 / 3)
    assert q[4] == pytest.approx(0.5)
    assert math.isnan(q[2])


def test_binomial_greater_direction() -> None:
    assert binomial_greater(70, 100, 0.55) < 0.01
    assert binomial_greater(40, 100, 0.55) > 0.99
    assert binomial_greater(3, 4, 0.5) == pytest.approx(5 / 16)

"""``her2scope.stats.core`` gives scipy.stats' numbers exactly, not approximately.

The module follows scipy's code on scipy's own ``scipy.special`` kernels so
that the CLI need not import ``scipy.stats``; these tests compare every
result bit for bit (``==``, NaN with NaN) with what scipy.stats returns.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from scipy import stats as sps

from her2scope.stats import core as stats


def _same(x: float, y: float) -> bool:
    return (math.isnan(x) and math.isnan(y)) or x == y


def _scipy_fisher(a: int, b: int, c: int, d: int) -> tuple[float, float, float, float]:
    table = np.array([[a, b], [c, d]], dtype=np.int64)
    if (table.sum(axis=0) == 0).any() or (table.sum(axis=1) == 0).any():
        return (math.nan,) * 4
    p = float(sps.fisher_exact(table, alternative="two-sided").pvalue)
    with np.errstate(divide="ignore", invalid="ignore"):
        res = sps.contingency.odds_ratio(table, kind="sample")
        ci = res.confidence_interval(confidence_level=0.95)
    return (float(res.statistic), float(ci.low), float(ci.high), p)


def _tables() -> list[tuple[int, int, int, int]]:
    small = list(itertools.product(range(7), repeat=4))
    rng = np.random.default_rng(20240601)
    large = [
        tuple(int(v) for v in rng.integers(0, 10 ** int(rng.integers(1, 5)), 4)) for _ in range(300)
    ]
    # the shapes of this project's tables: small altered counts vs a large baseline
    cohort = [(a, b, 700, 800) for a in range(0, 40, 3) for b in range(0, 40, 7)]
    return small + large + cohort  # type: ignore[return-value]


def test_fisher_matches_scipy_stats_exactly() -> None:
    for a, b, c, d in _tables():
        got = stats.fisher_2x2(a, b, c, d)
        want = _scipy_fisher(a, b, c, d)
        have = (got.odds_ratio, got.or_ci_low, got.or_ci_high, got.p_value)
        assert all(_same(x, y) for x, y in zip(have, want, strict=True)), (a, b, c, d)


@pytest.mark.parametrize("confidence", [0.95, 0.9, 0.99])
def test_wilson_matches_scipy_stats_exactly(confidence: float) -> None:
    for n in [*range(1, 80), 147, 1000, 12345]:
        for k in sorted({0, 1, n // 3, n // 2, n - 1, n, *range(0, min(n, 80) + 1)}):
            ci = sps.binomtest(k, n).proportion_ci(confidence_level=confidence, method="wilson")
            assert stats.wilson_ci(k, n, confidence) == (float(ci.low), float(ci.high)), (k, n)


@pytest.mark.parametrize("reference", [0.55, 0.5, 0.45, 0.0, 1.0, 0.123])
def test_binomial_greater_matches_scipy_stats_exactly(reference: float) -> None:
    for n in [*range(1, 60), 147, 1000, 12345]:
        for k in sorted({0, 1, n // 3, n // 2, n - 1, n, *range(0, min(n, 60) + 1)}):
            want = float(sps.binomtest(k, n, reference, alternative="greater").pvalue)
            assert _same(stats.binomial_greater(k, n, reference), want), (k, n)


def test_bh_matches_scipy_stats_exactly() -> None:
    rng = np.random.default_rng(7)
    for _ in range(300):
        m = int(rng.integers(0, 40))
        p = rng.random(m)
        if m and rng.random() < 0.5:
            p = np.round(p, 1)  # ties
        p[rng.random(m) < 0.2] = np.nan
        ok = ~np.isnan(p)
        want = np.full(m, np.nan)
        if ok.any():
            want[ok] = sps.false_discovery_control(p[ok], method="bh")
        got = stats.bh_fdr(list(p))
        assert all(_same(x, float(y)) for x, y in zip(got, want, strict=True))


def test_invalid_arguments_raise_like_scipy() -> None:
    for bad in [(5, 3), (-1, 3)]:
        with pytest.raises(ValueError):
            sps.binomtest(*bad)
        with pytest.raises(ValueError):
            stats.wilson_ci(*bad)
        with pytest.raises(ValueError):
            stats.binomial_greater(*bad, 0.5)
    with pytest.raises(ValueError):
        stats.binomial_greater(1, 3, 1.5)
    with pytest.raises(ValueError):
        stats.fisher_2x2(-1, 3, 2, 2)


def test_fallback_to_scipy_stats_gives_the_same_numbers(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without the kernels (a future scipy) the functions call scipy.stats itself."""
    fast = [
        (stats.fisher_2x2(12, 9, 300, 350), stats.wilson_ci(12, 21)),
        (stats.fisher_2x2(0, 9, 3, 0), stats.wilson_ci(0, 9)),
    ]
    fast_binom = stats.binomial_greater(60, 100, 0.55)
    monkeypatch.setattr(stats, "_kernels", lambda: None)
    slow = [
        (stats.fisher_2x2(12, 9, 300, 350), stats.wilson_ci(12, 21)),
        (stats.fisher_2x2(0, 9, 3, 0), stats.wilson_ci(0, 9)),
    ]
    assert repr(slow) == repr(fast)
    assert stats.binomial_greater(60, 100, 0.55) == fast_binom

"""Small, well-tested statistics used by the cohort analyses.

Every function delegates the arithmetic to scipy, so the numbers match what a
statistician would get from ``scipy.stats`` (and from R's ``binom.test`` /
``fisher.test``, which use the same definitions):

- :func:`wilson_ci`: Wilson score interval for a binomial proportion
  (``scipy.stats.binomtest(...).proportion_ci(method="wilson")``); it keeps
  good coverage at small n and never leaves [0, 1], unlike the Wald interval.
- :func:`fisher_2x2`: two-sided Fisher exact p value with the sample odds
  ratio and its Woolf (log-normal) 95% interval, via
  ``scipy.stats.contingency.odds_ratio(kind="sample")``. The exact
  conditional interval (R's ``fisher.test``) costs a root search per row,
  ~25 ms each, which a 9-setting sensitivity run over 30 rows cannot afford;
  at this study's cell counts the two intervals differ in the second digit.
- :func:`bh_fdr`: Benjamini-Hochberg adjusted p values
  (``scipy.stats.false_discovery_control``), ignoring missing values.
- :func:`binomial_greater`: one-sided exact binomial test that a proportion
  exceeds a reference value.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats


def wilson_ci(k: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for ``k`` successes out of ``n``; ``(nan, nan)`` when n == 0."""
    if n <= 0:
        return (math.nan, math.nan)
    ci = stats.binomtest(int(k), int(n)).proportion_ci(confidence_level=confidence, method="wilson")
    return (float(ci.low), float(ci.high))


@dataclass(frozen=True)
class FisherResult:
    """Two-sided Fisher exact test on ``[[a, b], [c, d]]``."""

    odds_ratio: float
    or_ci_low: float
    or_ci_high: float
    p_value: float


def fisher_2x2(a: int, b: int, c: int, d: int) -> FisherResult:
    """Fisher exact test of rows (exposed, unexposed) x columns (event, no event).

    ``a``/``b``: events / non-events among the exposed (e.g. HER2-low / not
    low among altered tumors); ``c``/``d``: the same among the unexposed
    (the cohort baseline). Returns NaN everywhere when a row or column is
    empty, where the test has nothing to say.
    """
    table = np.array([[a, b], [c, d]], dtype=np.int64)
    if (table.sum(axis=0) == 0).any() or (table.sum(axis=1) == 0).any():
        return FisherResult(math.nan, math.nan, math.nan, math.nan)
    p = float(stats.fisher_exact(table, alternative="two-sided").pvalue)
    # a zero cell gives OR 0 or inf and an open interval: expected, not an error
    with np.errstate(divide="ignore", invalid="ignore"):
        res = stats.contingency.odds_ratio(table, kind="sample")
        ci = res.confidence_interval(confidence_level=0.95)
    return FisherResult(float(res.statistic), float(ci.low), float(ci.high), p)


def bh_fdr(p_values: Sequence[float]) -> list[float]:
    """Benjamini-Hochberg q values; NaN inputs stay NaN and are not counted in m."""
    p = np.asarray(p_values, dtype=float)
    out = np.full(p.shape, np.nan)
    ok = ~np.isnan(p)
    if ok.any():
        out[ok] = stats.false_discovery_control(p[ok], method="bh")
    return [float(x) for x in out]


def binomial_greater(k: int, n: int, reference: float) -> float:
    """One-sided exact binomial p value for H1: proportion > ``reference``; NaN if n == 0."""
    if n <= 0:
        return math.nan
    return float(stats.binomtest(int(k), int(n), reference, alternative="greater").pvalue)

"""Small, well-tested statistics used by the cohort analyses.

The numbers are scipy's, bit for bit, and match what a statistician would get
from ``scipy.stats`` (and from R's ``binom.test`` / ``fisher.test``, which use
the same definitions):

- :func:`wilson_ci`: Wilson score interval for a binomial proportion
  (``scipy.stats.binomtest(...).proportion_ci(method="wilson")``); it keeps
  good coverage at small n and never leaves [0, 1], unlike the Wald interval.
- :func:`fisher_2x2`: two-sided Fisher exact p value
  (``scipy.stats.fisher_exact``) with the sample odds ratio and its Woolf
  (log-normal) 95% interval (``scipy.stats.contingency.odds_ratio(kind="sample")``).
  The exact conditional interval (R's ``fisher.test``) costs a root search per
  row, ~25 ms each, which a 9-setting sensitivity run over 30 rows cannot
  afford; at this study's cell counts the two intervals differ in the second digit.
- :func:`bh_fdr`: Benjamini-Hochberg adjusted p values
  (``scipy.stats.false_discovery_control``), ignoring missing values.
- :func:`binomial_greater`: one-sided exact binomial test that a proportion
  exceeds a reference value (``scipy.stats.binomtest(..., alternative="greater")``).

Importing ``scipy.stats`` takes ~0.6 s, more than the whole analysis of a
study, so these functions follow scipy's own code for the four cases above
and call the same ``scipy.special`` kernels it calls (Boost's binomial and
hypergeometric distributions, ``ndtri``): same operations in the same order,
identical floats (``tests/stats/test_stats.py`` checks them against ``scipy.stats``
over many tables). Should a scipy release rename those kernels, the functions
fall back to ``scipy.stats`` itself.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np


@dataclass(frozen=True)
class _Kernels:
    """The ``scipy.special`` ufuncs behind ``scipy.stats.binom`` / ``hypergeom``."""

    ndtri: Callable[..., Any]
    binom_sf: Callable[..., Any]
    hypergeom_pmf: Callable[..., Any]
    hypergeom_cdf: Callable[..., Any]
    hypergeom_sf: Callable[..., Any]


@cache
def _kernels() -> _Kernels | None:
    """scipy's distribution kernels, or None when this scipy does not have them."""
    try:
        from scipy.special import _ufuncs, ndtri
    except ImportError:  # pragma: no cover - scipy always has scipy.special
        return None
    try:
        return _Kernels(
            ndtri=ndtri,
            binom_sf=_ufuncs._binom_sf,
            hypergeom_pmf=_ufuncs._hypergeom_pmf,
            hypergeom_cdf=_ufuncs._hypergeom_cdf,
            hypergeom_sf=_ufuncs._hypergeom_sf,
        )
    except AttributeError:  # pragma: no cover - a future scipy; use scipy.stats
        return None


def wilson_ci(k: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for ``k`` successes out of ``n``; ``(nan, nan)`` when n == 0."""
    if n <= 0:
        return (math.nan, math.nan)
    kern = _kernels()
    if kern is None:
        from scipy import stats

        ci = stats.binomtest(int(k), int(n)).proportion_ci(
            confidence_level=confidence, method="wilson"
        )
        return (float(ci.low), float(ci.high))
    k, n = _check_binomial(k, n, 0.5)
    if not 0 <= confidence <= 1:
        raise ValueError(f"confidence_level ({confidence}) must be in the interval [0, 1].")
    # scipy.stats._binomtest._binom_wilson_conf_int, two-sided, no continuity correction
    p = k / n
    z = kern.ndtri(0.5 + 0.5 * confidence)
    denom = 2 * (n + z**2)
    center = (2 * n * p + z**2) / denom
    q = 1 - p
    delta = z / denom * math.sqrt(4 * n * p * q + z**2)
    lo = 0.0 if k == 0 else center - delta
    hi = 1.0 if k == n else center + delta
    return (float(lo), float(hi))


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
    if (table < 0).any():
        raise ValueError("All values in `table` must be nonnegative.")
    kern = _kernels()
    if kern is None:
        return _fisher_2x2_scipy_stats(table)
    p = float(_fisher_two_sided(kern, table))
    # a zero cell gives OR 0 or inf and an open interval: expected, not an error
    with np.errstate(divide="ignore", invalid="ignore"):
        odds_ratio = _sample_odds_ratio(table)
        # scipy.stats._odds_ratio._sample_odds_ratio_ci, two-sided 95%
        log_or = np.log(odds_ratio)
        se = np.sqrt((1 / table).sum())
        z = kern.ndtri(0.5 * 0.95 + 0.5)
        low, high = np.exp(log_or - z * se), np.exp(log_or + z * se)
    return FisherResult(float(odds_ratio), float(low), float(high), p)


def bh_fdr(p_values: Sequence[float]) -> list[float]:
    """Benjamini-Hochberg q values; NaN inputs stay NaN and are not counted in m."""
    p = np.asarray(p_values, dtype=float)
    out = np.full(p.shape, np.nan)
    ok = ~np.isnan(p)
    if ok.any():
        out[ok] = _false_discovery_control_bh(p[ok])
    return [float(x) for x in out]


def binomial_greater(k: int, n: int, reference: float) -> float:
    """One-sided exact binomial p value for H1: proportion > ``reference``; NaN if n == 0."""
    if n <= 0:
        return math.nan
    kern = _kernels()
    if kern is None:
        from scipy import stats

        return float(stats.binomtest(int(k), int(n), reference, alternative="greater").pvalue)
    k, n = _check_binomial(k, n, reference)
    # binom.sf(k - 1, n, p): 1 below the support (k == 0), else Boost's survival function
    if k == 0:
        return 1.0
    return float(_clip01(kern.binom_sf(float(k - 1), float(n), float(reference))))


# --- scipy.stats, step by step ------------------------------------------------


def _check_binomial(k: int, n: int, p: float) -> tuple[int, int]:
    """The argument checks of ``scipy.stats.binomtest`` (same errors)."""
    k, n = int(k), int(n)
    if k < 0:
        raise ValueError(f"k must be greater than or equal to 0, got {k}.")
    if k > n:
        raise ValueError(f"k ({k}) must not be greater than n ({n}).")
    if not 0 <= p <= 1:
        raise ValueError(f"p ({p}) must be in range [0,1]")
    return k, n


def _clip01(value: Any) -> Any:
    """``np.clip(value, 0, 1)`` as the distributions apply it to every kernel result."""
    return np.clip(value, 0, 1)


def _sample_odds_ratio(table: np.ndarray) -> Any:
    """``scipy.stats._odds_ratio._sample_odds_ratio``: a*d/(b*c), nan for 0/0, inf for x/0."""
    if table[1, 0] > 0 and table[0, 1] > 0:
        return table[0, 0] * table[1, 1] / (table[1, 0] * table[0, 1])
    if table[0, 0] == 0 or table[1, 1] == 0:
        return np.nan
    return np.inf


class _Hypergeom:
    """``scipy.stats.hypergeom(M, n, N)``'s pmf/cdf/sf: support handling, then the kernel."""

    def __init__(self, kern: _Kernels, total: Any, good: Any, draws: Any) -> None:
        self.kern = kern
        self.lo = max(draws - (total - good), 0)  # support [lo, hi]
        self.hi = min(good, draws)
        # the kernels take doubles, as scipy hands them its int64 arrays
        self.args = (float(good), float(draws), float(total))

    def pmf(self, k: Any) -> Any:
        if not self.lo <= k <= self.hi:
            return np.float64(0.0)
        return _clip01(self.kern.hypergeom_pmf(float(k), *self.args))

    def cdf(self, k: Any) -> Any:
        if k >= self.hi:
            return np.float64(1.0)
        if k < self.lo:
            return np.float64(0.0)
        return _clip01(self.kern.hypergeom_cdf(float(k), *self.args))

    def sf(self, k: Any) -> Any:
        if k < self.lo:
            return np.float64(1.0)
        if k >= self.hi:
            return np.float64(0.0)
        return _clip01(self.kern.hypergeom_sf(float(k), *self.args))


def _binary_search(a: Callable[[Any], Any], d: Any, lo: Any, hi: Any) -> Any:
    """scipy's ``_binary_search_for_binom_tst``: i in [lo, hi] with a(i) <= d < a(i+1)."""
    while lo < hi:
        mid = lo + (hi - lo) // 2
        midval = a(mid)
        if midval < d:
            lo = mid + 1
        elif midval > d:
            hi = mid - 1
        else:
            return mid
    if a(lo) <= d:
        return lo
    return lo - 1


def _fisher_two_sided(kern: _Kernels, c: np.ndarray) -> Any:
    """The 2x2, two-sided branch of ``scipy.stats.fisher_exact`` (margins are non-zero)."""
    n1 = c[0, 0] + c[0, 1]
    n2 = c[1, 0] + c[1, 1]
    n = c[0, 0] + c[1, 0]
    hyper = _Hypergeom(kern, n1 + n2, n1, n)

    mode = int((n + 1) * (n1 + 1) / (n1 + n2 + 2))
    pexact = hyper.pmf(c[0, 0])
    pmode = hyper.pmf(mode)

    epsilon = 1e-14
    gamma = 1 + epsilon

    if np.abs(pexact - pmode) / np.maximum(pexact, pmode) <= epsilon:
        return 1.0
    if c[0, 0] < mode:
        plower = hyper.cdf(c[0, 0])
        if hyper.pmf(n) > pexact * gamma:
            return plower
        guess = _binary_search(lambda x: -hyper.pmf(x), -pexact * gamma, mode, n)
        pvalue = plower + hyper.sf(guess)
    else:
        pupper = hyper.sf(c[0, 0] - 1)
        if hyper.pmf(0) > pexact * gamma:
            return pupper
        guess = _binary_search(hyper.pmf, pexact * gamma, 0, mode)
        pvalue = pupper + hyper.cdf(guess)
    return min(pvalue, 1.0)


def _false_discovery_control_bh(ps: np.ndarray) -> np.ndarray:
    """``scipy.stats.false_discovery_control(ps, method="bh")`` for a 1-d float array."""
    if not bool(np.all(ps == np.clip(ps, 0.0, 1.0))):
        raise ValueError("`ps` must include only numbers between 0 and 1.")
    if ps.size <= 1:
        return ps
    m = ps.shape[-1]
    order = np.argsort(ps, axis=-1, kind="stable")
    ps = np.take_along_axis(ps, order, axis=-1)
    i = np.arange(1, m + 1, dtype=ps.dtype)
    ps *= m / i
    np.minimum.accumulate(ps[..., ::-1], out=ps[..., ::-1], axis=-1)
    np.put_along_axis(ps, order, values=ps.copy(), axis=-1)
    return np.clip(ps, 0.0, 1.0)


def _fisher_2x2_scipy_stats(table: np.ndarray) -> FisherResult:
    """The same test through ``scipy.stats`` (used only if the kernels are missing)."""
    from scipy import stats

    p = float(stats.fisher_exact(table, alternative="two-sided").pvalue)
    with np.errstate(divide="ignore", invalid="ignore"):
        res = stats.contingency.odds_ratio(table, kind="sample")
        ci = res.confidence_interval(confidence_level=0.95)
    return FisherResult(float(res.statistic), float(ci.low), float(ci.high), p)

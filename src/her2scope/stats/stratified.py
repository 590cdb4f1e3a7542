"""Stratified 2x2xK tables: Cochran-Mantel-Haenszel pooled odds ratio, Breslow-Day.

For each alteration (and class, and ``ALL``) the K tables of HER2-low vs
HER2-0 by altered vs not altered, one per stratum (HR status, sample type,
histology, gene panel, study, or their cross-classification), come from
:func:`~her2scope.stats.contingency.contingency_counts`. The statistics are
statsmodels' :class:`~statsmodels.stats.contingency_tables.StratifiedTable`:

- ``mh_or`` with ``mh_ci_low``/``mh_ci_high``: Mantel-Haenszel pooled odds
  ratio with the Robins-Breslow-Greenland 95% interval (``oddsratio_pooled``,
  ``oddsratio_pooled_confint``);
- ``p_mh``: Cochran-Mantel-Haenszel test of a common odds ratio of 1, with
  continuity correction (``test_null_odds(correction=True)``, as R's
  ``mantelhaen.test`` default);
- ``p_breslow_day``: Breslow-Day test that the odds ratio is the same in
  every stratum (``test_equal_odds``); small p says the pooled OR hides
  stratum-specific effects.

Strata with an empty row or column (no altered tumors, or no HER2-low or no
HER2-0 tumors) carry no information on the odds ratio and are left out
(``n_strata`` vs ``n_strata_informative``). statsmodels is imported inside
the functions (start-up cost).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

import numpy as np
import polars as pl

from her2scope.stats.contingency import stratified_2x2


class AlterationMeta(Protocol):
    """What a stratified row reports of an alteration (or class) beside its counts.

    :class:`her2scope.cohort.table1.compute.AlterationInfo` is one; any object
    with these three attributes will do.
    """

    @property
    def label(self) -> str: ...
    @property
    def mechanism_class(self) -> str: ...
    @property
    def level(self) -> str: ...


STRATIFIED_SCHEMA: dict[str, Any] = {
    "alteration": pl.String,
    "label": pl.String,
    "mechanism_class": pl.String,
    "level": pl.String,
    "stratified_by": pl.String,
    "n_strata": pl.Int64,
    "n_strata_informative": pl.Int64,
    "n_altered_low": pl.Int64,
    "n_altered_zero": pl.Int64,
    "n_not_altered_low": pl.Int64,
    "n_not_altered_zero": pl.Int64,
    "mh_or": pl.Float64,
    "mh_ci_low": pl.Float64,
    "mh_ci_high": pl.Float64,
    "mh_statistic": pl.Float64,
    "p_mh": pl.Float64,
    "breslow_day_statistic": pl.Float64,
    "p_breslow_day": pl.Float64,
    "note": pl.String,
}


def cmh(tables: np.ndarray) -> dict[str, Any]:
    """CMH / Breslow-Day on a K x 2 x 2 array (rows altered/not, columns low/zero).

    Returns ``n_strata``, ``n_strata_informative``, ``mh_or``, ``mh_ci_low``,
    ``mh_ci_high``, ``mh_statistic``, ``p_mh``, ``breslow_day_statistic``,
    ``p_breslow_day`` and a ``note`` (None when all went well). Uninformative
    strata are dropped first; Breslow-Day needs two informative strata.
    """
    from statsmodels.stats.contingency_tables import StratifiedTable

    tables = np.asarray(tables, dtype=np.float64).reshape(-1, 2, 2)
    rows = tables.sum(axis=2)
    cols = tables.sum(axis=1)
    keep = (rows > 0).all(axis=1) & (cols > 0).all(axis=1)
    out: dict[str, Any] = {
        "n_strata": int(tables.shape[0]),
        "n_strata_informative": int(keep.sum()),
        "mh_or": math.nan,
        "mh_ci_low": math.nan,
        "mh_ci_high": math.nan,
        "mh_statistic": math.nan,
        "p_mh": math.nan,
        "breslow_day_statistic": math.nan,
        "p_breslow_day": math.nan,
        "note": None,
    }
    used = tables[keep]
    if used.shape[0] == 0:
        out["note"] = "no informative stratum"
        return out
    st = StratifiedTable(np.moveaxis(used, 0, -1))
    with warnings.catch_warnings(), np.errstate(divide="ignore", invalid="ignore"):
        warnings.simplefilter("ignore")
        out["mh_or"] = float(st.oddsratio_pooled)
        lo, hi = st.oddsratio_pooled_confint()
        out["mh_ci_low"], out["mh_ci_high"] = float(lo), float(hi)
        null = st.test_null_odds(correction=True)
        out["mh_statistic"], out["p_mh"] = float(null.statistic), float(null.pvalue)
        if used.shape[0] >= 2:
            bd = st.test_equal_odds()
            out["breslow_day_statistic"] = float(bd.statistic)
            out["p_breslow_day"] = float(bd.pvalue)
        else:
            out["note"] = "one informative stratum: no homogeneity test"
    if not (0.0 < out["mh_or"] < math.inf):
        out["note"] = "pooled odds ratio at 0 or infinity (a zero cell in every stratum)"
    return out


def stratified_table(
    counts: pl.DataFrame,
    strata: Sequence[str],
    info: Mapping[str, AlterationMeta],
    order: Sequence[str],
    *,
    label: str | None = None,
) -> pl.DataFrame:
    """One CMH row per alteration id in ``order`` for the strata ``strata`` (crossed).

    ``counts``: :func:`~her2scope.stats.contingency.contingency_counts`
    output holding the ``strata`` columns. ``stratified_by`` is ``label`` or
    the stratum names joined by ``x``. Columns: :data:`STRATIFIED_SCHEMA`.
    """
    rows: list[dict[str, Any]] = []
    name = label or " x ".join(strata)
    for alt in order:
        tables, _ = stratified_2x2(counts, alt, strata)
        meta = info[alt]
        total = tables.sum(axis=0) if tables.size else np.zeros((2, 2), dtype=np.int64)
        rows.append(
            {
                "alteration": alt,
                "label": meta.label,
                "mechanism_class": meta.mechanism_class,
                "level": meta.level,
                "stratified_by": name,
                "n_altered_low": int(total[0, 0]),
                "n_altered_zero": int(total[0, 1]),
                "n_not_altered_low": int(total[1, 0]),
                "n_not_altered_zero": int(total[1, 1]),
                **cmh(tables),
            }
        )
    return pl.DataFrame(rows, schema=STRATIFIED_SCHEMA)

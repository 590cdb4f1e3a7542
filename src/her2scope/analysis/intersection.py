"""HER2-low x resistance alteration: the Front Oncol 2024 perspective's Table 1, with statistics.

For every catalog alteration (and every mechanism class, and ``ALL``) the
table gives, among the analysed tumors that carry it, how many are HER2-low,
HER2-0 (0, null and ultralow together) and HER2-positive; the HER2-low
fraction with a Wilson 95% interval; the same fraction in the cohort's own
baseline (profiled tumors *without* the alteration); a two-sided Fisher exact
test of altered vs baseline with the conditional odds ratio; Benjamini-Hochberg
q values; and a one-sided binomial test against the upper bound of an
external expected range (the perspective's 45-55% for all breast cancer).

Denominators (``n_her2_known``) count tumors whose HER2 call places them on
the 0 / low / positive scale. ``unknown``, ``equivocal`` and ambiguous calls
excluded by policy are not known; neither is ``HER2-negative`` (negative by
ISH with no IHC score to split 0 from low), counted apart in
``n_her2_negative_unsplit`` because putting it in the denominator would bias
the HER2-low fraction downwards.

The core works on plain frames so it can be tested without files:
``cohort`` (one row per sample: ``sample_id``, ``her2_category``,
``included``) and ``calls`` (long: ``sample_id``, ``alteration``,
``mechanism_class``, ``status``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl

from her2scope.stats.contingency import (  # noqa: F401  (re-exported: the HER2 scale)
    GROUPS,
    HER2_GROUP_EXPR,
    ZERO_LIKE,
    contingency_counts,
)
from her2scope.stats.core import (
    bh_fdr,
    binomial_greater,
    fisher_2x2,
    wilson_ci,
)

TABLE_COLUMNS = [
    "alteration",
    "label",
    "mechanism_class",
    "level",
    "n_altered",
    "n_her2_known",
    "n_her2_low",
    "n_her2_zero",
    "n_her2_positive",
    "n_her2_negative_unsplit",
    "n_her2_unknown",
    "pct_her2_low",
    "ci_low",
    "ci_high",
    "baseline_n_her2_known",
    "baseline_n_her2_low",
    "baseline_pct_her2_low",
    "odds_ratio",
    "or_ci_low",
    "or_ci_high",
    "p_fisher",
    "q_fisher",
    "expected_high_pct",
    "p_vs_expected",
    "n_not_profiled",
    "seed_n_her2_low",
    "seed_n_her2_known",
    "seed_text",
]


@dataclass(frozen=True)
class AlterationInfo:
    """What the table needs to know of a catalog entry (or a class row)."""

    label: str
    mechanism_class: str
    level: str  # "alteration" | "class" | "all"
    seed_n_her2_low: int | None = None
    seed_n_her2_known: int | None = None
    seed_text: str | None = None


def _pct(k: int, n: int) -> float:
    return 100.0 * k / n if n else math.nan


def intersection_table(
    cohort: pl.DataFrame,
    calls: pl.DataFrame,
    info: Mapping[str, AlterationInfo],
    *,
    expected: tuple[float, float] = (0.45, 0.55),
    order: Sequence[str] | None = None,
) -> pl.DataFrame:
    """Compute the HER2-low x alteration table.

    ``cohort``: ``sample_id``, ``her2_category``, ``included`` (Boolean).
    ``calls``: ``sample_id``, ``alteration``, ``status`` for the altered and
    not_profiled cells, rows for alterations *and* for class/ALL roll-ups
    alike. Sparse: an analysed sample without such a row for an alteration
    counts as not_altered (rows with status not_altered may be given and are
    ignored), so the work grows with the altered cells, not samples x
    alterations. ``info`` maps every alteration id in ``calls`` to its
    label, class and level. Percentages are 0-100. BH correction is applied
    within each level (catalog alterations together; classes and ALL
    together), since those are the two families a reader compares.
    """
    ids = list(order) if order is not None else sorted(info)
    counts = contingency_counts(cohort, calls, alterations=ids)
    # one dict lookup table: (alteration, status, group) -> n
    lookup: dict[tuple[str, str, str], int] = {}
    for alt, group, n_alt, n_not, n_np in counts.iter_rows():
        lookup[(alt, "altered", group)] = n_alt
        lookup[(alt, "not_altered", group)] = n_not
        lookup[(alt, "not_profiled", group)] = n_np

    def n(alt: str, status: str, group: str) -> int:
        return lookup.get((alt, status, group), 0)

    rows: list[dict[str, Any]] = []
    for alt in ids:
        meta = info[alt]
        low, zero, pos = (n(alt, "altered", g) for g in ("low", "zero", "positive"))
        neg_unsplit = n(alt, "altered", "negative_unsplit")
        unknown = n(alt, "altered", "unknown")
        known = low + zero + pos
        b_low = n(alt, "not_altered", "low")
        b_known = b_low + n(alt, "not_altered", "zero") + n(alt, "not_altered", "positive")
        ci = wilson_ci(low, known)
        fisher = fisher_2x2(low, known - low, b_low, b_known - b_low)
        rows.append(
            {
                "alteration": alt,
                "label": meta.label,
                "mechanism_class": meta.mechanism_class,
                "level": meta.level,
                "n_altered": known + neg_unsplit + unknown,
                "n_her2_known": known,
                "n_her2_low": low,
                "n_her2_zero": zero,
                "n_her2_positive": pos,
                "n_her2_negative_unsplit": neg_unsplit,
                "n_her2_unknown": unknown,
                "pct_her2_low": _pct(low, known),
                "ci_low": 100.0 * ci[0],
                "ci_high": 100.0 * ci[1],
                "baseline_n_her2_known": b_known,
                "baseline_n_her2_low": b_low,
                "baseline_pct_her2_low": _pct(b_low, b_known),
                "odds_ratio": fisher.odds_ratio,
                "or_ci_low": fisher.or_ci_low,
                "or_ci_high": fisher.or_ci_high,
                "p_fisher": fisher.p_value,
                "q_fisher": math.nan,
                "expected_high_pct": 100.0 * expected[1],
                "p_vs_expected": binomial_greater(low, known, expected[1]),
                "n_not_profiled": sum(n(alt, "not_profiled", g) for g in GROUPS),
                "seed_n_her2_low": meta.seed_n_her2_low,
                "seed_n_her2_known": meta.seed_n_her2_known,
                "seed_text": meta.seed_text,
            }
        )
    for level in {r["level"] for r in rows}:
        idx = [i for i, r in enumerate(rows) if r["level"] == level]
        for i, q in zip(idx, bh_fdr([rows[i]["p_fisher"] for i in idx]), strict=True):
            rows[i]["q_fisher"] = q
    schema = {
        c: (
            pl.String
            if c in ("alteration", "label", "mechanism_class", "level", "seed_text")
            else pl.Int64
            if c.startswith(("n_", "baseline_n_", "seed_n_"))
            else pl.Float64
        )
        for c in TABLE_COLUMNS
    }
    return pl.DataFrame(rows, schema=schema)

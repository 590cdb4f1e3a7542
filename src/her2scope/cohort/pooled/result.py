"""The pooled result: per-study tables and the pooled table with study as a stratum,
with the sentences that summarise it. It describes itself through
:class:`her2scope.render.summary.Presentable` and never imports its views
(:mod:`her2scope.cohort.pooled.views`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from her2scope.audit import Audit
from her2scope.cohort.options import AnalysisOptions
from her2scope.cohort.table1.result import (
    NOT_ASSESSED,
    IntersectionResult,
    fmt_fixed,
    not_assessed_text,
)
from her2scope.render.formats import fmt_p
from her2scope.render.summary import Presentable, Summary

#: The stratum column of the pooled counts.
STUDY_STRATUM = "study"


def fmt_pooled_or(row: dict[str, Any], prefix: str) -> str:
    """``1.23 (0.80-1.90)`` for the ``prefix`` (crude, mh) odds ratio of a row; blank when
    it could not be estimated."""
    est = row[f"{prefix}_or"]
    if est is None or (isinstance(est, float) and math.isnan(est)):
        return ""
    low, high = row[f"{prefix}_ci_low"], row[f"{prefix}_ci_high"]
    return f"{fmt_fixed(est, 2)} ({fmt_fixed(low, 2)}-{fmt_fixed(high, 2)})"


def pooled_summary_lines(result: PooledResult) -> list[str]:
    """Plain lines: studies pooled and left out, the ALL row, not-assessed alterations."""
    n_in = sum(r.n_included for r in result.per_study.values())
    lines = [
        f"Pooled {len(result.per_study)} studies ({', '.join(result.study_ids)}), "
        f"{n_in} samples analysed; study kept as a stratum (Mantel-Haenszel)."
    ]
    for (later, earlier), n in result.duplicates.items():
        lines.append(
            f"Repeated samples: {n:,} sample(s) of {later} are already in {earlier} (same "
            "SAMPLE_ID) and were counted once, in "
            f"{earlier}."
        )
    for sid, reason in result.left_out.items():
        lines.append(f"Left out of the pooled HER2-low table: {sid} ({reason}).")
    all_row = result.table.filter(pl.col("alteration") == "ALL").to_dicts()
    if all_row:
        r = all_row[0]
        lines.append(
            f"Any catalog alteration, pooled: HER2-low {r['n_her2_low']}/{r['n_her2_known']} "
            f"({fmt_fixed(r['pct_her2_low'])}%); HER2-low vs HER2-0 crude OR "
            f"{fmt_pooled_or(r, 'crude') or 'n/a'}, Mantel-Haenszel OR by study "
            f"{fmt_pooled_or(r, 'mh') or 'n/a'}, Breslow-Day p "
            f"{fmt_p(r['p_breslow_day']) or 'n/a'}."
        )
    line = not_assessed_text(result.not_assessed)
    if line:
        lines.append(line.replace("Not assessed", "Not assessed in any pooled study", 1))
    # per study: only what the pool assessed elsewhere (the rest is said above)
    pooled_out = result.not_assessed["alteration"].implode()
    for sid, res in result.per_study.items():
        line = not_assessed_text(res.not_assessed.filter(~pl.col("alteration").is_in(pooled_out)))
        if line:
            lines.append(f"{sid}: {line}")
    return lines


@dataclass(frozen=True)
class PooledResult(Presentable):
    """Result of :func:`analyze_many` (``hs.tl.analyze_many``).

    ``table``: one row per alteration, class and ``ALL`` over the pooled
    studies (:data:`POOLED_COLUMNS`): crude pooled counts, the pooled
    HER2-low vs HER2-0 2x2 with its crude odds ratio, and the Mantel-Haenszel
    odds ratio with study as the stratum. ``per_study``: each analysed study's
    :class:`~her2scope.cohort.table1.compute.IntersectionResult` (studies left out
    of the pool are not analysed). ``left_out``: study id -> why it is not
    pooled. ``counts``: the 2x2xK counts (``alteration``, ``study``,
    ``her2_group``, ``n_altered``, ``n_not_altered``, ``n_not_profiled``).
    ``not_assessed``: alterations no pooled study assessed (``alteration``,
    ``label``, ``reason``). ``audit``: every study's findings, each message
    prefixed by its study id, then the pooling's.
    """

    study_ids: tuple[str, ...]
    options: AnalysisOptions
    table: pl.DataFrame
    per_study: dict[str, IntersectionResult]
    left_out: dict[str, str]
    counts: pl.DataFrame
    audit: Audit = field(default_factory=Audit)
    not_assessed: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=NOT_ASSESSED))
    #: (later study, earlier study) -> samples of the later study dropped as repeats
    duplicates: dict[tuple[str, str], int] = field(default_factory=dict)

    @property
    def n_duplicates(self) -> int:
        """Samples dropped because an earlier pooled study already holds their SAMPLE_ID."""
        return sum(self.duplicates.values())

    @property
    def study_id(self) -> str:
        """The pooled studies' ids joined by ``+`` (a name for titles and files)."""
        return "+".join(self.study_ids)

    def summary_lines(self) -> list[str]:
        """Studies pooled and left out, the ALL row, not-assessed alterations (plain lines)."""
        return pooled_summary_lines(self)

    def _summary(self) -> Summary:
        return Summary(
            title=f"Pooled HER2-low x resistance alterations: {' + '.join(self.study_ids)}",
            facts=[
                ("stratum", STUDY_STRATUM),
                ("HER2 profile", str(self.options.profile)),
                ("ambiguous", self.options.ambiguous),
            ],
            tables=[("pooled table (one row per alteration)", self.table)],
            notes=self.summary_lines(),
        )

    def to_pandas(self) -> Any:
        """The pooled table (:attr:`table`) as a pandas DataFrame."""
        return self.table.to_pandas()

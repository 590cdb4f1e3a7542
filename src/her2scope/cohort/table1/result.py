"""Table 1's results: the HER2-low x alteration table, and its sensitivity grid.

A result holds the numbers and says what they mean in a few sentences
(:meth:`IntersectionResult.summary_lines`, the lines every face prints); it
describes itself through :meth:`_summary` (:class:`her2scope.render.summary.Presentable`)
and never imports its views (terminal table, files, HTML report:
:mod:`her2scope.cohort.table1.views`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from her2scope.audit import Audit
from her2scope.cohort.options import AnalysisOptions
from her2scope.render.formats import fmt_p
from her2scope.render.summary import Presentable, Summary

#: Columns of :attr:`IntersectionResult.not_assessed`.
NOT_ASSESSED: dict[str, Any] = {"alteration": pl.String, "label": pl.String, "reason": pl.String}


def fmt_fixed(value: Any, digits: int = 1) -> str:
    """A number for Table 1's text and pages: ``digits`` decimals (``47.3``), a tiny
    non-zero value with an exponent (``1.2e-04``), blank when missing.

    Examples
    --------
    >>> fmt_fixed(47.25), fmt_fixed(0.00012), fmt_fixed(float("nan"))
    ('47.2', '1.2e-04', '')
    """
    if value is None:
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        if abs(value) < 0.001 and value != 0:
            return f"{value:.1e}"
        return f"{value:.{digits}f}"
    return str(value)


def not_assessed_text(frame: pl.DataFrame) -> str:
    """``Not assessed: MYC amplification, ... (no CNA data).``, one clause per reason;
    empty when every alteration was assessed in some analysed sample."""
    if frame.height == 0:
        return ""
    parts = [
        f"{', '.join(labels)} ({reason})"
        for reason, labels in frame.group_by("reason", maintain_order=True)
        .agg(pl.col("label"))
        .iter_rows()
    ]
    return "Not assessed (no analysed sample profiled): " + "; ".join(parts) + "."


@dataclass(frozen=True)
class IntersectionResult(Presentable):
    """Result of :func:`~her2scope.cohort.table1.compute.analyze`.

    ``table``: one row per alteration, class and ``ALL`` (columns in
    :data:`~her2scope.cohort.table1.compute.TABLE_COLUMNS`). ``samples``:
    every sample with its HER2 call, whether it was analysed and why
    (``audit.tsv``). ``calls``: the altered and not_profiled (sample,
    alteration) cells of the analysed samples, columns ``sample_id``,
    ``alteration``, ``status``, ``variants`` (every other analysed cell is
    not_altered; for the oncoprint). ``audit``: findings of the study loader and
    the HER2 engine.
    """

    study_id: str
    options: AnalysisOptions
    table: pl.DataFrame
    samples: pl.DataFrame
    calls: pl.DataFrame
    audit: Audit = field(default_factory=Audit)
    sensitivity: pl.DataFrame | None = None
    #: catalog alterations no analysed sample is profiled for (``alteration``,
    #: ``label``, ``reason``): their 0 altered means "not assessed", not "absent"
    not_assessed: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=NOT_ASSESSED))

    @property
    def n_samples(self) -> int:
        return self.samples.height

    @property
    def n_included(self) -> int:
        return int(self.samples["included"].sum())

    def unassessed_rows(self) -> set[str]:
        """Rows to show as "n/a": alterations no analysed sample was profiled for, and the
        class rows (and ALL) whose every member is such an alteration -- "altered 0" there
        would read as "profiled and not altered"."""
        unassessed = set(self.not_assessed["alteration"].to_list())
        members = self.table.filter(pl.col("level") == "alteration")
        out = set(unassessed)
        for r in self.table.filter(pl.col("level") != "alteration").iter_rows(named=True):
            names = (
                members["alteration"].to_list()
                if r["alteration"] == "ALL"
                else members.filter(pl.col("mechanism_class") == r["mechanism_class"])[
                    "alteration"
                ].to_list()
            )
            if names and all(n in unassessed for n in names) and not r["n_altered"]:
                out.add(r["alteration"])
        return out

    def summary_lines(self) -> list[str]:
        """Three to five plain sentences: cohort size, overall HER2-low, the ALL row,
        the alterations that differ from baseline, what was not assessed."""
        s = self.samples
        included = s.filter(pl.col("included"))
        known = included.filter(pl.col("her2_known"))
        n_low = int((known["her2_category"] == "HER2-low").sum())
        all_row = self.table.filter(pl.col("alteration") == "ALL").to_dicts()
        lines = [
            f"{self.study_id}: {s.height} samples read, {included.height} analysed, "
            f"{known.height} with a HER2 call on the 0/low/positive scale "
            f"({s.height - included.height} excluded by cohort filters).",
            f"Cohort HER2-low: {n_low}/{known.height} "
            f"({fmt_fixed(100 * n_low / known.height if known.height else math.nan)}%).",
        ]
        if known.height == 0:
            lines.append(
                "No analysed sample has a HER2 call on the 0/low/positive scale: no HER2-low "
                "fraction, confidence interval or test can be given (see the audit for why the "
                "HER2 values were not usable)."
            )
        elif all_row and "ALL" in self.unassessed_rows():
            lines.append(
                "Any catalog alteration: not assessed (no analysed sample was profiled for any "
                "catalog alteration: the study has no usable mutation, CNA or structural-variant "
                "data)."
            )
        elif all_row:
            r = all_row[0]
            lines.append(
                f"Any catalog alteration: HER2-low {r['n_her2_low']}/{r['n_her2_known']} "
                f"({fmt_fixed(r['pct_her2_low'])}%, 95% CI {fmt_fixed(r['ci_low'])}-"
                f"{fmt_fixed(r['ci_high'])}) vs baseline {fmt_fixed(r['baseline_pct_her2_low'])}%; "
                f"Fisher p {fmt_p(r['p_fisher'])}; binomial p vs "
                f"{fmt_fixed(r['expected_high_pct'], 0)}% expected: {fmt_p(r['p_vs_expected'])}."
            )
        sig = self.table.filter((pl.col("level") == "alteration") & (pl.col("q_fisher") < 0.05))[
            "label"
        ].to_list()
        lines.append(
            "Alterations with HER2-low fraction different from baseline at q < 0.05: "
            + (", ".join(sig) if sig else "none")
            + "."
        )
        line = not_assessed_text(self.not_assessed)
        if line:
            lines.append(line)
        return lines

    def _summary(self) -> Summary:
        o = self.options
        return Summary(
            title=f"HER2-low x resistance alterations: {self.study_id}",
            facts=[
                ("HER2 profile", str(o.profile)),
                ("ambiguous", o.ambiguous),
                ("samples analysed", f"{self.n_included}/{self.n_samples}"),
            ],
            tables=[("HER2-low x alteration table (one row per alteration)", self.table)],
            notes=self.summary_lines(),
        )


@dataclass(frozen=True)
class SensitivityResult(Presentable):
    """Result of :func:`her2scope.tl.sensitivity`.

    ``table``: the HER2-low x alteration table stacked over every HER2 rule
    profile x ambiguity policy (``profile``, ``ambiguous`` first);
    ``options``: the cohort options held fixed; ``audit``: the study's and
    the alteration calls' findings, and one entry per setting.
    """

    study_id: str
    options: AnalysisOptions
    table: pl.DataFrame
    profiles: tuple[str, ...]
    policies: tuple[str, ...]
    audit: Audit = field(default_factory=Audit)

    def lines(self, alteration: str = "ALL") -> list[str]:
        """One line per profile x policy: HER2-low % (n known) of one row of the grid."""
        return sensitivity_lines(self.table, alteration)

    def _summary(self) -> Summary:
        return Summary(
            title=f"Sensitivity of the HER2-low x alteration table: {self.study_id}",
            facts=[
                ("profiles", ", ".join(self.profiles)),
                ("ambiguity policies", ", ".join(self.policies)),
            ],
            tables=[("the table under every setting (profile, ambiguous first)", self.table)],
            notes=self.lines(),
        )


def sensitivity_lines(sensitivity: pl.DataFrame, alteration: str = "ALL") -> list[str]:
    """One line per profile x policy of a sensitivity grid: HER2-low % of one row."""
    rows = sensitivity.filter(pl.col("alteration") == alteration)
    lines = [f"Sensitivity of '{alteration}' to the HER2 reading (profile / ambiguity policy):"]
    for r in rows.iter_rows(named=True):
        lines.append(
            f"  {r['profile']} / {r['ambiguous']}: HER2-low {fmt_fixed(r['pct_her2_low'])}% of "
            f"{r['n_her2_known']} with a known call; q = {fmt_p(r['q_fisher'])}"
        )
    return lines

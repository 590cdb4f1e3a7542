"""The adjusted analysis's result: crude vs CMH vs adjusted odds ratios and the
three open questions of the perspective, with the sentences that answer them.

The result describes itself (:meth:`AdjustedResult._summary`, through
:class:`her2scope.render.summary.Presentable`) and never imports its views
(:mod:`her2scope.cohort.adjusted.views`).
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

PAPER = "the Frontiers in Oncology 2024 perspective (doi:10.3389/fonc.2024.1461190)"
QUESTIONS = {
    "q1": "What proportion of endocrine-resistant tumors are HER2-low?",
    "q2": "Which alterations are enriched in HER2-low (vs HER2-0) endocrine-resistant tumors, "
    "after adjustment?",
    "q3": "Are HR-positive HER2-low endocrine-resistant tumors preferentially lobular rather "
    "than ductal?",
}


def fmt_est(value: Any, digits: int = 2) -> str:
    """An estimate with ``digits`` decimals, ``-`` when missing or not finite."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "-"
    return f"{value:.{digits}f}"


def fmt_or(row: dict[str, Any], prefix: str) -> str:
    """``1.23 (0.80-1.90)`` for the ``prefix`` (crude, mh, adj) odds ratio of a row, or
    ``n/e (why)`` when it could not be estimated."""
    est = row[f"{prefix}_or"]
    if est is None or (isinstance(est, float) and not math.isfinite(est)):
        return f"n/e ({_no_or_reason(row)})"
    return (
        f"{fmt_est(est)} ({fmt_est(row[f'{prefix}_ci_low'])}-{fmt_est(row[f'{prefix}_ci_high'])})"
    )


def _no_or_reason(row: dict[str, Any]) -> str:
    """Why an odds ratio could not be estimated, in a few words ("- (---)" said nothing)."""
    low, zero = row.get("n_altered_low") or 0, row.get("n_altered_zero") or 0
    if low == 0 and zero == 0:
        return "no altered tumour with a HER2-low/0 call"
    if low == 0:
        return "no HER2-low tumour altered"
    if zero == 0:
        return "no HER2-0 tumour altered"
    note = row.get("note")
    return str(note) if note else "a zero cell or too few tumours"


def alteration_label(result: AdjustedResult, alteration: str) -> str:
    """The table's label of an alteration id (the id when it is not in the table)."""
    hit = result.table.filter(pl.col("alteration") == alteration)
    return str(hit["label"][0]) if hit.height else alteration


def answers(result: AdjustedResult) -> list[dict[str, str]]:
    """One plain-sentence answer per question and reading (for terminal, HTML, TSV)."""
    out: list[dict[str, str]] = []
    for r in result.questions["readings"]:
        q1 = r["q1"]["of_known"]
        q1n = r["q1"]["of_her2_negative"]
        out.append(
            {
                "reading": r["label"],
                "question": "q1",
                "answer": (
                    f"{q1['k']}/{q1['n']} = {fmt_est(q1['pct'], 1)}% HER2-low "
                    f"(patient-clustered 95% CI {fmt_est(q1['cluster_low'], 1)}-"
                    f"{fmt_est(q1['cluster_high'], 1)}; Wilson {fmt_est(q1['wilson_low'], 1)}-"
                    f"{fmt_est(q1['wilson_high'], 1)}) of {r['q1']['n_resistant']} resistant "
                    "samples "
                    f"({q1['n_patients']} patients) with a HER2 call on the 0/low/positive scale; "
                    f"{fmt_est(q1n['pct'], 1)}% ({fmt_est(q1n['cluster_low'], 1)}-"
                    f"{fmt_est(q1n['cluster_high'], 1)}) of the HER2-negative ones "
                    f"({q1n['k']}/{q1n['n']})."
                ),
            }
        )
        q2 = r["q2"]
        enriched = ", ".join(alteration_label(result, a) for a in q2["enriched"]) or "none"
        depleted = ", ".join(alteration_label(result, a) for a in q2["depleted"]) or "none"
        out.append(
            {
                "reading": r["label"],
                "question": "q2",
                "answer": (
                    f"enriched at q < {q2['q_threshold']} after adjustment for "
                    f"{', '.join(q2['covariates']) or 'nothing'}: {enriched}; depleted: "
                    f"{depleted}." + (" " + "; ".join(q2["notes"]) + "." if q2["notes"] else "")
                ),
            }
        )
        q3 = r["q3"]
        lo, ze = q3["low"], q3["zero"]
        out.append(
            {
                "reading": r["label"],
                "question": "q3",
                "answer": (
                    f"lobular {lo['n_lobular']}/{lo['n_lobular'] + lo['n_ductal']} = "
                    f"{fmt_est(lo['pct_lobular_of_lob_duct'], 1)}% of lobular+ductal HER2-low "
                    f"(CI {fmt_est(lo['cluster_low'], 1)}-{fmt_est(lo['cluster_high'], 1)}) vs "
                    f"{ze['n_lobular']}/{ze['n_lobular'] + ze['n_ductal']} = "
                    f"{fmt_est(ze['pct_lobular_of_lob_duct'], 1)}% of HER2-0 "
                    f"(CI {fmt_est(ze['cluster_low'], 1)}-{fmt_est(ze['cluster_high'], 1)}); "
                    f"OR of HER2-low, lobular vs ductal, {fmt_est(q3['crude_or'])} "
                    f"({fmt_est(q3['crude_ci_low'])}-{fmt_est(q3['crude_ci_high'])}, Fisher p "
                    f"{fmt_p(q3['p_fisher'], missing='-')}); adjusted for "
                    f"{', '.join(q3['adj_covariates']) or 'nothing'} {fmt_est(q3['adj_or'])} "
                    f"({fmt_est(q3['adj_ci_low'])}-{fmt_est(q3['adj_ci_high'])}, "
                    f"p {fmt_p(q3['p_adj'], missing='-')})."
                ),
            }
        )
    return out


def summary_lines(result: AdjustedResult) -> list[str]:
    """A few lines: classes and ALL crude vs adjusted, then the three answers."""
    lines = [
        f"{result.study_id}: HER2-low vs HER2-0, crude vs adjusted odds ratios "
        f"(adjusted for {', '.join(result.covariates) or 'nothing'}; patient-clustered SEs)."
    ]
    for row in result.table.filter(pl.col("level") != "alteration").iter_rows(named=True):
        lines.append(
            f"  {row['label']}: crude {fmt_or(row, 'crude')}, MH {fmt_or(row, 'mh')}, "
            f"adjusted {fmt_or(row, 'adj')} q {fmt_p(row['q_adj'], missing='-')}"
        )
    lines.extend(f"  note: {n}" for n in result.notes)
    lines.append(f"Open questions of {PAPER}, endocrine-resistant tumors:")
    for a in answers(result):
        lines.append(f"  [{a['question']}] {a['reading']}: {a['answer']}")
    return lines


@dataclass
class AdjustedResult(Presentable):
    """Result of :func:`~her2scope.cohort.adjusted.compute.adjusted_analysis`.

    ``table``: crude vs CMH vs adjusted odds ratios
    (:data:`~her2scope.cohort.adjusted.compute.ADJUSTED_SCHEMA`) in the analysis
    cohort of ``options``; ``stratified``: every CMH row; ``questions``: the three
    open questions under each reading (dict, see
    :func:`~her2scope.cohort.adjusted.compute.open_questions`); ``enrichment``: the
    adjusted table in the endocrine-resistant cohort per reading (``reading`` column first);
    ``samples``: every sample of the main analysis with its inclusion reason
    and endocrine-resistant basis; ``notes``: covariates dropped and similar.
    """

    study_id: str
    options: AnalysisOptions
    covariates: tuple[str, ...]
    table: pl.DataFrame
    stratified: pl.DataFrame
    questions: dict[str, Any]
    enrichment: pl.DataFrame
    samples: pl.DataFrame
    notes: list[str] = field(default_factory=list)
    audit: Audit = field(default_factory=Audit)

    def answers(self) -> list[dict[str, str]]:
        """One plain-sentence answer per question and reading (terminal, HTML, TSV)."""
        return answers(self)

    def summary_lines(self) -> list[str]:
        """Classes and ALL crude vs adjusted, then the three answers (plain lines)."""
        return summary_lines(self)

    def _summary(self) -> Summary:
        return Summary(
            title=f"HER2-low vs HER2-0, crude vs adjusted odds ratios: {self.study_id}",
            facts=[
                ("adjusted for", ", ".join(self.covariates) or "nothing"),
                ("HER2 profile", str(self.options.profile)),
                ("ambiguous", self.options.ambiguous),
            ],
            tables=[("crude vs Mantel-Haenszel vs adjusted odds ratios", self.table)],
            notes=self.summary_lines(),
        )

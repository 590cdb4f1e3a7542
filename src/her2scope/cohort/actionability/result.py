"""The result of the cohort actionability question: what it holds and says of itself.

:class:`ActionabilityResult` describes itself as a
:class:`~her2scope.render.summary.Summary` (``summary()``, ``_repr_html_()``,
``to_pandas()`` from :class:`~her2scope.render.summary.Presentable`); its figure,
HTML section and files are in :mod:`her2scope.cohort.actionability.views`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import polars as pl

from her2scope.audit import Audit
from her2scope.render.formats import fmt_ci, fmt_pct
from her2scope.render.summary import Presentable, Summary

#: Levels, best first. ``approved_other``: approved, but not by the chosen regulator.
LEVELS: tuple[str, ...] = (
    "approved",
    "approved_other",
    "phase3",
    "early_clinical",
    "preclinical",
    "none",
)
LEVEL_LABELS = {
    "approved": "approved ({j})",
    "approved_other": "approved elsewhere only",
    "phase3": "phase 3",
    "early_clinical": "early clinical",
    "preclinical": "preclinical",
    "none": "none",
}
JURISDICTIONS = ("FDA", "EMA")
#: biomarker kinds that are not a molecular finding of their own
CONTEXT_KINDS = ("her2_category", "receptor_phenotype")
#: the alteration class of a finding whose gene the catalog does not place
OTHER_CLASS = "other"
ALL = "ALL"

#: Columns of :attr:`ActionabilityResult.samples`.
SAMPLE_COLUMNS = [
    "sample_id",
    "patient_id",
    "her2_category",
    "endocrine_resistant",
    "level",
    "option_id",
    "therapy",
    "finding",
    "finding_gene",
    "alteration_class",
    "her2_branch",
    "conditional_level",
    "conditional_option_id",
    "conditional_settles",
    "her2_level",
    "any_level",
    "profile_key",
]


TABLE_COLUMNS: dict[str, Any] = {
    "her2_category": pl.String,
    "endocrine_resistant": pl.Boolean,
    "alteration_class": pl.String,
    "level": pl.String,
    "n": pl.Int64,
    "n_stratum": pl.Int64,
    "n_patients": pl.Int64,
    "share": pl.Float64,
    "ci_low": pl.Float64,
    "ci_high": pl.Float64,
    "design_effect": pl.Float64,
}


@dataclass(frozen=True)
class ActionabilityResult(Presentable):
    """Result of :func:`~her2scope.cohort.actionability.compute.actionability`.

    ``samples``: one row per analysed sample (:data:`SAMPLE_COLUMNS`). ``table``:
    shares by HER2 category x endocrine-resistance status x alteration class x level
    with patient-clustered 95% CIs (:data:`TABLE_COLUMNS`; the main table,
    ``to_pandas()``). ``q2``: the perspective's Q2 answer (dict, see
    :func:`~her2scope.cohort.actionability.compute.q2_answer`). ``history``: the
    assumed therapy history and its wording.
    """

    study_id: str
    jurisdiction: str
    history: str
    history_text: str
    samples: pl.DataFrame
    table: pl.DataFrame
    q2: dict[str, Any]
    n_distinct_profiles: int
    kb_version: str
    options: dict[str, Any] = field(default_factory=dict)
    #: study + HER2 engine findings, and what this reading assumed and counted
    audit: Audit = field(default_factory=Audit)

    def _summary(self) -> Summary:
        """The level counts, the Q2 answer, the tabulation and what was assumed."""
        by = dict(self.samples.group_by("level").len().iter_rows())
        q = self.q2
        facts = [
            ("study", self.study_id),
            ("samples", str(self.samples.height)),
            *[(LEVEL_LABELS[lv].format(j=self.jurisdiction), str(by.get(lv, 0))) for lv in LEVELS],
            ("assumed history", self.history),
            ("distinct profiles matched", str(self.n_distinct_profiles)),
            ("knowledge base", self.kb_version),
        ]
        if q.get("n_resistant_her2_low"):
            facts.append(
                (
                    f"Q2: approved ({self.jurisdiction}) beyond T-DXd",
                    f"{q['n_approved']} of {q['n_resistant_her2_low']} endocrine-resistant "
                    f"HER2-low ({fmt_pct(100 * q['share'])}%, 95% CI "
                    f"{fmt_ci(100 * q['ci_low'], 100 * q['ci_high'])}, patient-clustered)",
                )
            )
        findings = pl.DataFrame(
            q.get("by_finding") or [],
            schema={"gene": pl.String, "n": pl.Int64, "top_option": pl.String},
        )
        return Summary(
            title=f"Actionability: targetable in addition ({self.study_id})",
            facts=facts,
            tables=[
                ("Shares by HER2 x endocrine resistance x alteration class x level", self.table),
                ("Q2 approved findings (gene, n, most often first-ranked option)", findings),
            ],
            notes=[
                f"Assumed therapy history ({self.history}): {self.history_text}.",
                "Conditional options (waiting on a datum) are counted apart, never as eligible.",
                "Research use: it supports, and does not replace, clinical judgment.",
            ],
        )

"""The outcome of a survival question: :class:`SurvivalResult`.

The result holds the numbers (:mod:`her2scope.cohort.survival.compute` makes
them) and describes itself as a :class:`~her2scope.render.summary.Summary`;
the terminal tables, the HTML page, the Kaplan-Meier figure and the output
folder are in :mod:`her2scope.cohort.survival.views`, which this module never
imports.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

import polars as pl

from her2scope.audit import Audit
from her2scope.cohort.options import SurvivalOptions
from her2scope.errors import ConfigError
from her2scope.render.formats import fmt_ci, fmt_num, fmt_p
from her2scope.render.summary import Presentable, Summary
from her2scope.vocab import DEFAULT_PROFILE

if TYPE_CHECKING:
    from her2scope.her2 import AmbiguityPolicy

BIAS_NOTE = (
    "Survival here is measured from diagnosis, but patients enter this cohort only when a tumour "
    "is sequenced, often years after diagnosis. Patients who died before sequencing are missing "
    "(left truncation), and time before sequencing is 'immortal' time: curves from diagnosis "
    "are optimistic and group differences can reflect when, not whether, patients were "
    "sequenced. Prefer the left-truncated (delayed-entry) analysis where it is given."
)

#: the two time origins, in the order every output shows them
ANALYSIS_TITLES = {
    "from_diagnosis": "From diagnosis",
    "left_truncated": "Left-truncated (delayed entry at sequencing)",
}


@dataclass
class SurvivalResult(Presentable):
    """Outcome of :func:`her2scope.cohort.survival.compute.survival`.

    ``table``: per analysis x group, ``n_patients``, ``n_events`` and KM
    median OS with 95% CI. ``logrank``: global and pairwise tests. ``cox``:
    hazard ratios. ``patients``: the analysed patients (one row each, with
    the chosen sample, group, time, event, HR status, entry time).
    ``curves``: KM step functions for plotting. ``left_truncation``: whether
    the delayed-entry analysis was run and why (not). ``bias_note``: the
    sequencing-time caveat, repeated in every output.
    """

    table: pl.DataFrame
    logrank: pl.DataFrame
    cox: pl.DataFrame
    patients: pl.DataFrame
    curves: pl.DataFrame
    by: str
    reference_group: str
    left_truncation: dict[str, Any]
    audit: Audit = field(default_factory=Audit)
    bias_note: str = BIAS_NOTE
    #: how the one sample per patient was chosen (said in every output)
    sample_choice: str = (
        "the first sequenced sample by NGS_SAMPLE_COLLECTION_TIME (ties: SAMPLE_ID)"
    )
    #: why a Cox model or a reference group is missing (empty when both are there)
    explanations: list[str] = field(default_factory=list)
    profile: str | None = None
    ambiguous: str | None = None
    study_id: str | None = None
    options: SurvivalOptions | None = None

    def __post_init__(self) -> None:
        if self.options is None:
            with contextlib.suppress(ConfigError):  # labels of calls made elsewhere
                self.options = SurvivalOptions(
                    by=self.by,
                    profile=self.profile or DEFAULT_PROFILE,
                    # classify() validates the policy and raises ConfigError
                    ambiguous=cast("AmbiguityPolicy", self.ambiguous or "exclude"),
                )

    @property
    def n_patients(self) -> int:
        return self.patients.height

    @property
    def n_events(self) -> int:
        return int(self.patients["os_event"].sum()) if self.patients.height else 0

    @property
    def caution(self) -> str | None:
        """The sequencing-time caveat, where the study's convention has it (MSK's
        NGS_SAMPLE_COLLECTION_TIME); None for TCGA, METABRIC and other studies."""
        return "CAUTION (sequencing-time bias): " + self.bias_note if self.bias_note else None

    def global_p(self, analysis: str = "from_diagnosis") -> float | None:
        """p value of the test across all groups for one analysis (None if not run)."""
        rows = self.logrank.filter(
            (pl.col("analysis") == analysis) & (pl.col("comparison") == "all groups")
        )
        return rows["p_value"][0] if rows.height else None

    def to_pandas(self) -> Any:
        """The groups table (:attr:`table`) as a pandas DataFrame."""
        return self.table.to_pandas()

    def _summary(self) -> Summary:
        """Cohort size, deaths, the global test per time origin, the tables, the caveats."""
        facts = [
            ("Patients", str(self.n_patients)),
            ("Deaths", str(self.n_events)),
            ("Reference group", self.reference_group),
            ("One sample per patient", self.sample_choice),
        ]
        for analysis, title in ANALYSIS_TITLES.items():
            rows = self.logrank.filter(
                (pl.col("analysis") == analysis) & (pl.col("comparison") == "all groups")
            )
            if rows.height and rows["p_value"][0] is not None:
                facts.append((title, f"{rows['test'][0]} p = {fmt_p(rows['p_value'][0])}"))
        lt = self.left_truncation
        notes = [
            *([self.caution] if self.caution else []),
            *([] if lt.get("done") else [f"left-truncated analysis skipped: {lt.get('reason')}"]),
            *self.explanations,
        ]
        title = f"Overall survival by {self.by}" + (f" ({self.study_id})" if self.study_id else "")
        return Summary(
            title,
            facts=facts,
            tables=[
                ("Groups (KM median OS, months, 95% CI)", _groups(self.table)),
                ("Tests", _tests(self.logrank)),
                ("Cox proportional hazards (HR, 95% CI)", _cox(self.cox)),
            ],
            notes=notes,
        )


def _origin(analysis: Any) -> str:
    return ANALYSIS_TITLES.get(str(analysis), str(analysis))


def _groups(table: pl.DataFrame) -> pl.DataFrame:
    rows = [
        {
            "Time origin": _origin(r["analysis"]),
            "Group": r["group"],
            "Patients": r["n_patients"],
            "Deaths": r["n_events"],
            "Median OS (months)": (
                "not reached"
                if r["median_os_months"] is None
                else f"{r['median_os_months']:.1f}"  # as its interval
            ),
            "95% CI": fmt_ci(r["median_ci_low"], r["median_ci_high"], not_reached=True),
        }
        for r in table.iter_rows(named=True)
    ]
    schema = ["Time origin", "Group", "Patients", "Deaths", "Median OS (months)", "95% CI"]
    return _frame(rows, schema)


def _tests(logrank: pl.DataFrame) -> pl.DataFrame:
    rows = [
        {
            "Time origin": _origin(r["analysis"]),
            "Comparison": r["comparison"],
            "Test": r["test"],
            "Statistic": fmt_num(r["statistic"]),
            "df": r["df"],
            "p": fmt_p(r["p_value"]),
        }
        for r in logrank.iter_rows(named=True)
    ]
    schema = ["Time origin", "Comparison", "Test", "Statistic", "df", "p"]
    return _frame(rows, schema)


def _cox(cox: pl.DataFrame) -> pl.DataFrame:
    rows = [
        {
            "Time origin": _origin(r["analysis"]),
            "Covariate": r["covariate"],
            "HR": fmt_num(r["hazard_ratio"]),
            "95% CI": fmt_ci(r["ci_low"], r["ci_high"], digits=2),
            "p": fmt_p(r["p_value"]),
            "PH test p": fmt_p(r["ph_p_value"]),
        }
        for r in cox.iter_rows(named=True)
    ]
    schema = ["Time origin", "Covariate", "HR", "95% CI", "p", "PH test p"]
    return _frame(rows, schema)


def _frame(rows: list[dict[str, Any]], columns: list[str]) -> pl.DataFrame:
    """Rows of display cells; an empty table keeps its headings."""
    return pl.DataFrame(rows) if rows else pl.DataFrame(schema=dict.fromkeys(columns, pl.String))

"""The typed patient report: everything the knowledge base says about one patient.

:class:`PatientReport` is what :meth:`her2scope.tumorboard.match.Matcher.match`
returns; its views (Markdown, HTML, JSON, the index of a batch) are in
:mod:`her2scope.tumorboard.views`, called by the faces.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from her2scope.render.summary import Presentable, Summary

DISCLAIMER = (
    "This report supports, and does not replace, clinical judgment. It matches the patient's "
    "data to a curated, cited knowledge base (research use); it is not a treatment "
    "recommendation. Verify eligibility, current labels and guidelines before any decision."
)


@dataclass
class PatientReport(Presentable):
    """Everything the knowledge base says about one patient.

    ``to_dict()`` gives the JSON document (keys ``patient``, ``her2``,
    ``mechanisms``, ``options`` (eligible, ranked), ``conditional_options``,
    ``not_eligible`` (= ``excluded_options``), ``left_out``, ``warnings``,
    ``caveats``, ``alterations``, ``unrecognised``, ``kb_version``,
    ``disclaimer``); its views (Markdown, HTML, JSON) are
    :mod:`her2scope.tumorboard.views`; ``summary()`` and ``_repr_html_()`` show the
    generic summary (:class:`~her2scope.render.summary.Summary`).
    """

    patient: dict[str, Any]
    her2: dict[str, Any]
    mechanisms: list[dict[str, Any]]
    options: list[dict[str, Any]]
    warnings: list[dict[str, Any]]
    caveats: list[dict[str, Any]]
    unrecognised: list[dict[str, str]]
    kb_version: str
    kb_as_of: str
    disclaimer: str = DISCLAIMER
    observed_biomarkers: list[dict[str, Any]] = field(default_factory=list)
    #: not eligible: the failed criterion, its reason and source (also ``not_eligible``)
    excluded_options: list[dict[str, Any]] = field(default_factory=list)
    alterations: list[dict[str, Any]] = field(default_factory=list)
    #: waiting on a datum: what is missing and what would settle it
    conditional_options: list[dict[str, Any]] = field(default_factory=list)
    #: about something this patient does not have (another HER2 category ...): id and why
    left_out: list[dict[str, str]] = field(default_factory=list)

    @property
    def not_eligible(self) -> list[dict[str, Any]]:
        """The not-eligible strategies (the same list as ``excluded_options``)."""
        return self.excluded_options

    @property
    def patient_id(self) -> str:
        return str(self.patient.get("id", ""))

    def option_therapies(self) -> list[str]:
        return [o["therapy"] for o in self.options]

    def to_dict(self) -> dict[str, Any]:
        return {
            "patient": self.patient,
            "her2": self.her2,
            "observed_biomarkers": self.observed_biomarkers,
            "alterations": self.alterations,
            "mechanisms": self.mechanisms,
            "options": self.options,
            "conditional_options": self.conditional_options,
            "not_eligible": self.excluded_options,
            "excluded_options": self.excluded_options,
            "left_out": self.left_out,
            "warnings": self.warnings,
            "caveats": self.caveats,
            "unrecognised": self.unrecognised,
            "kb_version": self.kb_version,
            "kb_as_of": self.kb_as_of,
            "disclaimer": self.disclaimer,
        }

    @property
    def table(self) -> Any:
        """The ranked therapy options as a polars DataFrame (one row per option)."""
        return options_frame(self)

    def _summary(self) -> Summary:
        """HER2 call, mechanisms, the top options, what is conditional or not eligible."""
        facts = [("HER2", str(self.her2.get("category")))]
        if self.mechanisms:
            facts.append(("Mechanisms", ", ".join(str(m["label"]) for m in self.mechanisms)))
        facts += [
            ("Options (eligible)", str(len(self.options))),
            ("Conditional", str(len(self.conditional_options))),
            ("Not eligible", str(len(self.excluded_options))),
            ("Warnings", str(len(self.warnings))),
        ]
        return Summary(
            f"Patient {self.patient_id or '(no id)'}",
            facts=facts,
            tables=[("Ranked options", self.table)],
            notes=[self.disclaimer],
        )

    def to_pandas(self) -> Any:
        """The ranked therapy options as a pandas DataFrame.

        Examples
        --------
        >>> match_patient(read_patient("patient.yaml")).to_pandas()  # doctest: +SKIP
        """
        return self.table.to_pandas()


#: Columns of :func:`options_frame` (one row per ranked therapy option).
OPTION_COLUMNS = ("rank", "therapy", "label", "evidence_level", "score", "rationale", "trials")


def options_frame(report: PatientReport) -> Any:
    """The ranked therapy options of a report as a polars DataFrame (``PatientReport.table``)."""
    import polars as pl

    rows = [
        {
            "rank": o.get("rank"),
            "therapy": o.get("therapy"),
            "label": o.get("label"),
            "evidence_level": o.get("evidence_level"),
            "score": o.get("score"),
            "rationale": o.get("rationale"),
            "trials": "; ".join(
                str(t.get("id", t)) if isinstance(t, dict) else str(t)
                for t in o.get("trials") or []
            ),
        }
        for o in report.options
    ]
    schema = {
        "rank": pl.Int64,
        "therapy": pl.String,
        "label": pl.String,
        "evidence_level": pl.String,
        "score": pl.Float64,
        "rationale": pl.String,
        "trials": pl.String,
    }
    return pl.DataFrame(rows, schema=schema, strict=False)

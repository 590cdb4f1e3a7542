"""Who a strategy is for: its population as data (setting, line, prerequisites, exclusions).

A strategy's ``eligibility`` block states the population the way the label or
the trial defines it, so that the tumor-board engine can *gate* before it
*ranks*: each strategy is eligible, not eligible (the failed criterion, with
its source) or conditional (a datum is missing; what would settle it).

The shape follows how trial-matching tools write eligibility as a document
rather than as code: MatchMiner's CTML (a ``match`` tree of clinical and
genomic criteria per trial arm, with ``and``/``or``; prior-treatment
criteria by drug class) and OncoKB's levels (a level per indication, never a
weight). Here every criterion carries its own ``source`` — the trial that
defined it, the strategy's regulator approval, or a public source — so the
report can show *why* a patient was left out::

    eligibility:
      settings: [metastatic]
      line: {min: 1, max: 1}
      prior:
        - {class: endocrine_therapy, min: 1, setting: metastatic, source: {trial: tropics_02}}
        - {systemic_lines_min: 2, setting: metastatic, source: {trial: tropics_02}}
      exclude:
        - {prior_class: trop2_adc, reason: "...", source: {trial: tropion_breast01}}
        - {pd1_recurrence_within_months: 6, reason: "...", source: {trial: keynote_355}}
      patient:
        - {menopausal: [pre, peri], requires_with: ovarian_function_suppression,
           source: {...}}

Early disease may state its high-risk definition (``risk``: alternatives over the
patient file's ``nodal_risk``; monarchE)::

    eligibility:
      settings: [adjuvant, post_neoadjuvant_pcr, post_neoadjuvant_residual]
      risk:
        name: monarchE high risk
        any_of:
          - {label: ">= 4 positive axillary nodes", nodes_min: 4}
          - {label: "1-3 positive nodes and grade 3", nodes_min: 1, grade_min: 3}
          - {label: "1-3 positive nodes and tumour >= 50 mm", nodes_min: 1, tumor_mm_min: 50}
        source: {...}

Cross-references (trial ids, therapy names and class ids, the approval a
criterion cites) are checked when the whole knowledge base is built
(:meth:`her2scope.kb.schema.KnowledgeBase._cross_references`).
"""

from __future__ import annotations

from typing import Annotated, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, model_validator

from her2scope.kb.sources import Id, Source

#: The decision a tumor board is taking. Early disease is split by what a label or
#: trial distinguishes: before surgery, adjuvant after upfront surgery, adjuvant after a
#: pathologic complete response (pCR) or with residual disease after neoadjuvant
#: therapy, and extended adjuvant therapy after the standard course.
DecisionSetting = Literal[
    "metastatic",
    "neoadjuvant",
    "adjuvant",
    "post_neoadjuvant_pcr",
    "post_neoadjuvant_residual",
    "extended_adjuvant",
]
DECISION_SETTINGS: tuple[str, ...] = get_args(DecisionSetting)
EARLY_SETTINGS: tuple[str, ...] = DECISION_SETTINGS[1:]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class TrialRef(_Strict):
    """The criterion is the inclusion/exclusion criterion of a trial in the knowledge base."""

    trial: Id


class ApprovalRef(_Strict):
    """The criterion is the indication of the strategy's own regulator approval."""

    approval: Literal["FDA", "EMA"]


#: ``{trial: id}``, ``{approval: FDA|EMA}`` or a full :class:`Source` (paper or public).
CriterionSource = TrialRef | ApprovalRef | Source


class LineRange(_Strict):
    """Metastatic line of this decision (1 = first line); either bound may be open."""

    min: int | None = Field(default=None, ge=1)
    max: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _ordered(self) -> LineRange:
        if self.min is None and self.max is None:
            raise ValueError("a line range needs 'min' or 'max'")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError("line 'min' is greater than 'max'")
        return self


class Prior(_Strict):
    """A prerequisite on the therapy history; every listed one must hold.

    Either ``class`` (a therapy name or class id: at least ``min`` and at most
    ``max`` courses of it with the given ``outcome`` in the given ``setting``;
    ``max: 0`` writes "naive to") or ``systemic_lines_min`` (at least that many
    systemic lines in ``setting``). ``outcome: ongoing`` states a decision taken
    *during* a therapy (a switch on ctDNA, SERENA-6). An early-setting course
    followed by recurrence within ``or_early_recurrence_within_months`` counts as
    one metastatic course, as several trials write it.
    """

    therapy_class: str | None = Field(default=None, alias="class")
    systemic_lines_min: int | None = Field(default=None, ge=1)
    min: int = Field(default=1, ge=0)
    max: int | None = Field(default=None, ge=0)
    setting: Literal["metastatic", "early", "any"] = "any"
    outcome: Literal["received", "progressed", "ongoing"] = "received"
    or_early_recurrence_within_months: float | None = Field(default=None, gt=0)
    #: with ``systemic_lines_min``: count only courses without this class ("at least two
    #: systemic therapies besides endocrine-based therapy")
    not_class: str | None = None
    source: CriterionSource
    note: str | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> Prior:
        if self.not_class is not None and self.systemic_lines_min is None:
            raise ValueError("'not_class' qualifies 'systemic_lines_min' only")
        if (self.therapy_class is None) == (self.systemic_lines_min is None):
            raise ValueError(
                "a prior criterion needs exactly one of 'class' or 'systemic_lines_min'"
            )
        if self.max is not None and self.max < self.min:
            raise ValueError("prior 'max' is smaller than 'min'")
        return self


class Exclusion(_Strict):
    """One condition that makes the strategy not eligible, with its reason and source.

    Exactly one kind: ``prior_class`` (a therapy name or class id received, or
    progressed on with ``outcome: progressed``), ``pd1_recurrence_within_months``
    (recurrence within that many months of curative-intent PD-1/PD-L1 therapy),
    ``active_ild`` (active interstitial lung disease / pneumonitis).
    """

    prior_class: str | None = None
    outcome: Literal["received", "progressed"] = "received"
    pd1_recurrence_within_months: float | None = Field(default=None, gt=0)
    active_ild: Literal[True] | None = None
    reason: str = Field(min_length=1)
    source: CriterionSource

    @model_validator(mode="after")
    def _one_kind(self) -> Exclusion:
        kinds = [
            self.prior_class is not None,
            self.pd1_recurrence_within_months is not None,
            self.active_ild is not None,
        ]
        if sum(kinds) != 1:
            raise ValueError(
                "an exclusion needs exactly one of 'prior_class', "
                "'pd1_recurrence_within_months' or 'active_ild'"
            )
        return self


class PatientCondition(_Strict):
    """A patient factor that changes the regimen (premenopausal: add ovarian suppression)."""

    menopausal: Annotated[list[Literal["pre", "peri", "post"]], Field(min_length=1)]
    requires_with: str
    reason: str | None = None
    source: CriterionSource


class MenopausalCriterion(_Strict):
    """The population's menopausal status (a label "for postmenopausal women").

    Unlike :class:`PatientCondition` (which amends the regimen, e.g. with ovarian
    suppression), a patient outside ``status`` is not eligible; unknown is conditional.
    """

    status: Annotated[list[Literal["pre", "peri", "post"]], Field(min_length=1)]
    source: CriterionSource
    note: str | None = None


class NotPd1Candidate(_Strict):
    """For patients who are not candidates for PD-1/PD-L1 therapy.

    As TROPION-Breast02 and ASCENT-03 define it: PD-L1-negative, or PD-L1-positive
    with a reason not to give a PD-1/PD-L1 inhibitor (relapse after one given for
    early disease, a comorbidity, no access). Not the same as "PD-L1-negative".
    """

    source: CriterionSource
    note: str | None = None


class RiskCondition(_Strict):
    """One alternative of a risk criterion: every bound it states must hold.

    Bounds read the patient file's ``nodal_risk`` (pathologic findings at surgery):
    positive axillary nodes, invasive tumour size in mm (``tumor_mm_min`` is ">=",
    ``tumor_mm_over`` is ">", ``tumor_mm_max`` is "<="), grade, Ki-67 and a
    genomic risk class. ``label`` is how the report names the alternative.
    """

    label: str = Field(min_length=1)
    nodes_min: int | None = Field(default=None, ge=0)
    nodes_max: int | None = Field(default=None, ge=0)
    tumor_mm_min: float | None = Field(default=None, gt=0)
    tumor_mm_over: float | None = Field(default=None, ge=0)
    tumor_mm_max: float | None = Field(default=None, gt=0)
    grade_min: int | None = Field(default=None, ge=1, le=3)
    grade_max: int | None = Field(default=None, ge=1, le=3)
    ki67_min: float | None = Field(default=None, ge=0, le=100)
    genomic_risk: Literal["high"] | None = None

    @model_validator(mode="after")
    def _some_bound(self) -> RiskCondition:
        bounds = self.model_dump(exclude={"label"}, exclude_none=True)
        if not bounds:
            raise ValueError("a risk condition needs at least one bound")
        return self


class RiskCriterion(_Strict):
    """A high-risk definition of early disease: at least one alternative must hold.

    monarchE, for example: >= 4 positive nodes, or 1-3 positive nodes with grade 3
    or a tumour >= 50 mm. With a datum missing, an alternative that could still
    hold leaves the criterion conditional (what settles it is shown).
    """

    name: str = Field(min_length=1)
    any_of: Annotated[list[RiskCondition], Field(min_length=1)]
    source: CriterionSource
    note: str | None = None


class Eligibility(_Strict):
    """The population of a strategy: every criterion with its source."""

    settings: Annotated[list[DecisionSetting], Field(min_length=1)]
    line: LineRange | None = None
    #: the population is patients who are NOT candidates for PD-1/PD-L1 therapy
    not_pd1_candidate: NotPd1Candidate | None = None
    prior: list[Prior] = Field(default_factory=list)
    exclude: list[Exclusion] = Field(default_factory=list)
    patient: list[PatientCondition] = Field(default_factory=list)
    #: the population's menopausal status (outside it: not eligible)
    menopausal: MenopausalCriterion | None = None
    #: the high-risk definition of early disease (nodes, size, grade, Ki-67, genomic risk)
    risk: RiskCriterion | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _line_is_metastatic(self) -> Eligibility:
        if self.line is not None and "metastatic" not in self.settings:
            raise ValueError("a line range applies to the metastatic setting only")
        if self.risk is not None and not set(self.settings) & set(EARLY_SETTINGS):
            raise ValueError("a risk criterion applies to early-disease settings only")
        return self

    def therapy_refs(self) -> list[str]:
        """Every therapy name or class id the block names (checked against the base)."""
        out = [p.therapy_class for p in self.prior if p.therapy_class]
        out += [p.not_class for p in self.prior if p.not_class]
        out += [e.prior_class for e in self.exclude if e.prior_class]
        out += [c.requires_with for c in self.patient]
        return out

    def sources(self) -> list[CriterionSource]:
        """Every criterion's source, in file order."""
        return [
            *([self.not_pd1_candidate.source] if self.not_pd1_candidate else []),
            *(p.source for p in self.prior),
            *(e.source for e in self.exclude),
            *(c.source for c in self.patient),
            *([self.menopausal.source] if self.menopausal else []),
            *([self.risk.source] if self.risk else []),
        ]

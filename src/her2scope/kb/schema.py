"""Typed schema of the knowledge base (pydantic), validated at load time.

The base has five kinds of entry, each with an ``id``, an ``as_of`` curation
date and at least one :class:`Source`:

``biomarkers``
    What can be observed in a patient: gene alterations (gene, events,
    listed protein changes), HER2 categories, receptor phenotypes and
    non-genomic mechanisms (p95HER2, MUC4, PD-L1 ...).
``mechanisms``
    What a biomarker does (``mechanism_class``) and to which therapies it
    confers resistance (:class:`ResistanceClaim`).
``strategies``
    Therapies or combinations with ONE evidence level on :data:`EVIDENCE_SCALE`,
    the conditions under which they are relevant, and the trials behind them.
``trials``
    Trials by name with their key result *as stated in the cited source*.
``therapies`` / ``therapy_classes``
    The synonym table that normalises prior therapies (``AI``, ``T-DM1``,
    ``ado-trastuzumab emtansine`` ...) to generic lowercase names and classes.

A source is either a seed (file name plus the paper's own reference number,
or the perspective's section heading when the statement is the perspective's own) or a
named public source with a date (e.g. an FDA label).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import (
    Field,
    field_validator,
    model_validator,
)

from her2scope.kb.eligibility import ApprovalRef, Eligibility, TrialRef

# Source, PAPERS and PAPER_DOI are also this schema's public names (explicit re-exports)
from her2scope.kb.sources import PAPER_DOI as PAPER_DOI
from her2scope.kb.sources import PAPERS as PAPERS
from her2scope.kb.sources import DateText, Doi, Id, NctId, PaperKey, Pmid, Sources, _Strict
from her2scope.kb.sources import Source as Source
from her2scope.vocab import HER2_CATEGORIES
from her2scope.vocab import MechanismClass as CatalogMechanismClass

EvidenceLevel = Literal["approved", "phase3", "early_clinical", "preclinical", "resistance"]

#: The one evidence scale, best first. ``resistance`` is negative evidence
#: (a therapy that did not help, or that the biomarker defeats): such
#: strategies are reported as warnings, never as options.
EVIDENCE_SCALE: dict[str, str] = {
    "approved": "approved by a regulator (FDA/EMA) in this setting, per the cited source",
    "phase3": "supported by a reported phase 3 result, not (per the source) approved in this "
    "setting",
    "early_clinical": "phase 1/2, basket, retrospective clinical or ongoing-trial evidence only",
    "preclinical": "cell-line, PDX or other laboratory evidence only",
    "resistance": "evidence of no benefit, harm or resistance (reported as a warning)",
}
EVIDENCE_RANK: dict[str, int] = {level: i for i, level in enumerate(EVIDENCE_SCALE)}

#: The cohort catalog's classes (:mod:`her2scope.vocab`) and the knowledge
#: base's own: HER2-directed, immune and antibody-drug-conjugate mechanisms.
MechanismClass = Literal[CatalogMechanismClass, "HER2-target", "immune", "ADC"]
BiomarkerKind = Literal["gene_alteration", "her2_category", "receptor_phenotype", "non_genomic"]
Event = Literal["mutation", "amplification", "deletion", "loss", "fusion", "overexpression"]
Setting = Literal["metastatic", "early"]
ErRequirement = Literal["positive", "negative", "any"]
Basis = Literal["clinical", "preclinical", "not_stated"]

HER2_CATEGORY_NAMES = HER2_CATEGORIES


class PendingEvent(_Strict):
    """A dated event the entry waits for (a PDUFA goal date, a CHMP opinion, a readout).

    ``kb review`` lists the entry once ``date`` has passed: its status must then be
    re-checked and the event removed or replaced by what happened.
    """

    event: Literal["pdufa", "chmp", "ec_decision", "readout", "other"]
    date: dt.date
    what: str
    sources: Sources


class Unconfirmed(_Strict):
    """A fact that was searched for and not confirmed: what, when searched, why not."""

    what: str
    searched: dt.date
    reason: str


class Entry(_Strict):
    """Fields every entry carries."""

    id: Id
    as_of: dt.date
    sources: Sources
    note: str | None = None
    #: dated events the entry waits for (``kb review`` flags them once passed)
    pending: list[PendingEvent] = Field(default_factory=list)
    #: facts searched for and not confirmed (``kb review`` accepts these with the reason)
    unconfirmed: list[Unconfirmed] = Field(default_factory=list)


class Cutoff(_Strict):
    """A numeric threshold that defines a biomarker (e.g. TMB-high), from a label."""

    value: float
    unit: str
    #: how a patient value compares with ``value`` to be positive
    comparator: Literal[">=", ">", "<=", "<"] = ">="
    sources: Sources

    def holds(self, x: float) -> bool:
        """True when ``x`` meets the threshold."""
        if self.comparator == ">=":
            return x >= self.value
        if self.comparator == ">":
            return x > self.value
        if self.comparator == "<=":
            return x <= self.value
        return x < self.value


class Biomarker(Entry):
    """Something observable in a patient.

    For ``gene_alteration``: a free-form alteration matches when its gene is
    ``gene`` and its event is in ``events``; for ``mutation`` the protein
    change must be listed (``match: listed``), or any change counts
    (``match: any``), or a truncating change (``*``, ``fs``, splice) or a
    listed one (``match: truncating``). ``accept_unspecified`` lets an
    input without protein change (``ERBB2 mutation``) match.
    """

    label: str
    kind: BiomarkerKind
    gene: str | None = None
    events: list[Event] = Field(default_factory=list)
    protein_changes: list[str] = Field(default_factory=list)
    match: Literal["listed", "any", "truncating", "hotspot"] = "listed"
    accept_unspecified: bool = True
    her2_category: str | None = None
    aliases: list[str] = Field(default_factory=list)
    #: a named set from ``data/allele_sets.yaml`` (shared with the cohort catalog)
    allele_set: str | None = None
    #: observed only together with one of these biomarkers (e.g. ESR1 F404 acts in cis
    #: with an activating ligand-binding-domain mutation)
    requires_also: list[Id] = Field(default_factory=list)
    #: numeric definition (TMB-high: >= 10 mutations/Mb per the FDA label)
    cutoff: Cutoff | None = None

    @model_validator(mode="before")
    @classmethod
    def _expand_allele_set(cls, data: object) -> object:
        if isinstance(data, dict) and data.get("allele_set"):
            from her2scope.alleles import allele_set

            listed = list(data.get("protein_changes") or [])
            extra = [c for c in allele_set(str(data["allele_set"])) if c not in listed]
            data = {**data, "protein_changes": [*listed, *extra]}
        return data

    @model_validator(mode="after")
    def _kind_fields(self) -> Biomarker:
        if self.kind == "gene_alteration" and (not self.gene or not self.events):
            raise ValueError("a gene_alteration biomarker needs 'gene' and 'events'")
        if self.kind == "her2_category" and self.her2_category not in HER2_CATEGORY_NAMES:
            raise ValueError(f"'her2_category' must be one of {', '.join(HER2_CATEGORY_NAMES)}")
        if self.kind == "non_genomic" and not self.aliases:
            raise ValueError("a non_genomic biomarker needs 'aliases' (how a user writes it)")
        return self


class ResistanceClaim(_Strict):
    """A biomarker/mechanism makes these therapies (names or class ids) less effective."""

    therapies: Annotated[list[str], Field(min_length=1)]
    label: str | None = None
    basis: Basis
    statement: str
    applies_to_her2: list[str] = Field(default_factory=list)
    #: only when one of these biomarkers of the mechanism is observed (empty: any of them)
    biomarkers: list[Id] = Field(default_factory=list)
    #: ER context the claim was made in; endocrine claims are ``positive``
    er_status: ErRequirement = "any"
    trials: list[Id] = Field(default_factory=list)
    sources: Sources

    @property
    def therapy(self) -> str:
        """Display name: ``label`` or the therapies joined by `` / ``."""
        return self.label or " / ".join(self.therapies)


class Mechanism(Entry):
    """What one or more biomarkers do, and what they defeat."""

    label: str
    mechanism_class: MechanismClass
    biomarkers: Annotated[list[Id], Field(min_length=1)]
    description: str
    applies_to_her2: list[str] = Field(default_factory=list)
    resistance: list[ResistanceClaim] = Field(default_factory=list)


class Requirements(_Strict):
    """When a strategy is relevant to a patient (all given conditions must hold)."""

    biomarkers_any: list[Id] = Field(default_factory=list)
    her2_categories: list[str] = Field(default_factory=list)
    er_status: ErRequirement = "any"
    #: PD-L1 status required (``positive``: the patient's PD-L1 must be positive)
    pd_l1: ErRequirement = "any"

    @field_validator("her2_categories")
    @classmethod
    def _known(cls, v: list[str]) -> list[str]:
        bad = [c for c in v if c not in HER2_CATEGORY_NAMES]
        if bad:
            raise ValueError(f"unknown HER2 categories {bad}")
        return v


Jurisdiction = Literal["FDA", "EMA", "NMPA", "PMDA", "MHRA", "other"]


class Approval(_Strict):
    """One regulator decision: who, when, for what, on which trial."""

    jurisdiction: Jurisdiction
    date: DateText
    indication: str
    trial: Id | None = None
    sources: Sources


class IntracranialEvidence(_Strict):
    """Why a regimen is raised for CNS disease: statement, trials and sources."""

    statement: str
    trials: list[Id] = Field(default_factory=list)
    sources: Sources


class PermanentStop(_Strict):
    """The label's rule that a toxicity of this kind and grade stops the agent for good."""

    #: words that name the event in a patient file (matched case-insensitively)
    events: Annotated[list[str], Field(min_length=1)]
    grade_min: int = Field(ge=1, le=5)


class SafetyWarning(_Strict):
    """A label warning that changes a choice, and the patient finding that triggers it."""

    statement: str
    #: ``ild_history`` (prior interstitial lung disease), ``diabetes``, or ``any`` (always shown)
    trigger: Literal["ild_history", "diabetes", "any"] = "any"
    #: the agents the warning belongs to (default: the strategy's agents when it has one);
    #: a warning follows its agent into every regimen that contains it
    agents: list[str] = Field(default_factory=list)
    #: the label's permanent-discontinuation rule (T-DXd: grade >= 2 ILD/pneumonitis)
    discontinue_permanently: PermanentStop | None = None
    sources: Sources


class Supersession(_Strict):
    """A head-to-head result: ``strategy`` was better than the regimen that lists it."""

    strategy: Id
    trial: Id
    statement: str


class Strategy(Entry):
    """A therapy or combination, with one evidence level and its trials."""

    label: str
    therapies: Annotated[list[str], Field(min_length=1)]
    #: False when ``therapies`` are alternatives (either drug), not one regimen
    combination: bool = True
    evidence_level: EvidenceLevel
    setting: list[Setting] = Field(default_factory=lambda: list[Setting](["metastatic"]))
    requires: Requirements
    supported_by: list[Id] = Field(default_factory=list)
    rationale: str
    trials: list[Id] = Field(default_factory=list)
    caveat: str | None = None
    #: regulator approvals behind ``evidence_level: approved`` (FDA or EMA needed for it)
    approvals: list[Approval] = Field(default_factory=list)
    #: metastatic lines the evidence covers (1 = first line); None = not restricted
    line_min: int | None = Field(default=None, ge=1)
    line_max: int | None = Field(default=None, ge=1)
    #: the regimen is meant for patients who progressed on one of these (names or classes)
    after_progression_on: list[str] = Field(default_factory=list)
    #: the agents that define the regimen: a patient who progressed on all of them is not
    #: offered it again (default: every therapy of the regimen)
    anchor: list[str] = Field(default_factory=list)
    #: intracranial activity (raises the option for a patient with CNS disease)
    intracranial: IntracranialEvidence | None = None
    #: safety warnings from the label that change a choice
    safety: list[SafetyWarning] = Field(default_factory=list)
    #: no longer offered (e.g. development discontinued): kept for the record with the reason
    retired: str | None = None
    #: regimens shown superior in a head-to-head trial: when one is also an option, this one
    #: is moved below it with the trial named
    superseded_by: list[Supersession] = Field(default_factory=list)
    #: the population as the label or trial defines it (setting, line, prerequisites,
    #: exclusions, patient conditions), each criterion with its source; the tumor-board
    #: gates read it (:mod:`her2scope.kb.eligibility`)
    eligibility: Eligibility | None = None

    @property
    def therapy(self) -> str:
        return " + ".join(self.therapies)

    @property
    def anchors(self) -> list[str]:
        return self.anchor or list(self.therapies)

    @model_validator(mode="after")
    def _approved_needs_regulator(self) -> Strategy:
        if self.evidence_level == "approved" and not any(
            a.jurisdiction in ("FDA", "EMA") for a in self.approvals
        ):
            raise ValueError(
                "evidence_level 'approved' needs an FDA or EMA entry in 'approvals' "
                "(an approval elsewhere only is shown as such, never as 'approved')"
            )
        if self.line_min and self.line_max and self.line_min > self.line_max:
            raise ValueError("line_min is greater than line_max")
        return self


class Trial(Entry):
    """A trial by name; ``key_result`` only as stated in the cited source."""

    name: str
    phase: str | None = None
    status: Literal["reported", "ongoing", "discontinued"]
    nct: NctId | None = None
    population: str
    key_result: str | None = None


class Therapy(_Strict):
    """A generic drug name (lowercase), its classes and its synonyms."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9 \-/]*$")
    classes: list[Id] = Field(default_factory=list)
    synonyms: list[str] = Field(default_factory=list)


class CrossResistance(_Strict):
    """Progression on one agent of a class predicts less benefit from the others."""

    statement: str
    sources: Sources


class TherapyClass(_Strict):
    """A class of therapy (``aromatase_inhibitor``) with user synonyms and parents."""

    id: Id
    label: str
    synonyms: list[str] = Field(default_factory=list)
    parents: list[Id] = Field(default_factory=list)
    #: recorded class cross-resistance: progression on one member lowers the others
    cross_resistance: CrossResistance | None = None


class Reference(_Strict):
    """One numbered reference of a source review, resolved where public sources identify it."""

    paper: PaperKey
    ref: int = Field(ge=1)
    citation: str
    pmid: Pmid | None = None
    doi: Doi | None = None
    #: True when the review's own list was not available and ``citation`` says what the
    #: review's text cites it for
    inferred_from_text: bool = False


class Caveat(Entry):
    """A caveat that carries evidence: its text (with ``{placeholders}``) and sources."""

    text: str


class NotCovered(_Strict):
    """Something a patient file may name that this knowledge-base version does not cover.

    A report says so in one line (:meth:`line`) instead of dropping it.
    """

    id: Id
    label: str
    #: how a patient file names it (case-insensitive)
    aliases: list[str] = Field(default_factory=list)
    #: KB biomarker ids that stand for it (the line is printed when one is observed)
    biomarkers: list[Id] = Field(default_factory=list)
    note: str | None = None

    def line(self) -> str:
        """``"MSI-high: not covered by this knowledge base version"``."""
        return f"{self.label}: not covered by this knowledge base version"


class KbMeta(_Strict):
    """``meta.yaml``: version and curation date of the whole base."""

    version: str
    as_of: dt.date
    title: str
    curator_note: str | None = None
    gene_aliases: dict[str, str] = Field(default_factory=dict)
    #: recognised but not covered: reports print :meth:`NotCovered.line` for these
    not_covered: list[NotCovered] = Field(default_factory=list)


class KnowledgeBase(_Strict):
    """The whole base; cross-references are checked on construction."""

    meta: KbMeta
    biomarkers: list[Biomarker]
    mechanisms: list[Mechanism]
    strategies: list[Strategy]
    trials: list[Trial]
    therapies: list[Therapy]
    therapy_classes: list[TherapyClass]
    references: list[Reference] = Field(default_factory=list)
    caveats: list[Caveat] = Field(default_factory=list)

    @model_validator(mode="after")
    def _cross_references(self) -> KnowledgeBase:
        problems: list[str] = []
        seen: dict[str, str] = {}
        for section in ("biomarkers", "mechanisms", "strategies", "trials"):
            for e in getattr(self, section):
                if e.id in seen:
                    problems.append(f"{section}: id {e.id!r} already used in {seen[e.id]}")
                seen[e.id] = section
        bm = {b.id for b in self.biomarkers}
        trials = {t.id for t in self.trials}
        names = {t.name for t in self.therapies}
        classes = {c.id for c in self.therapy_classes}
        for therapy in self.therapies:
            for cid in therapy.classes:
                if cid not in classes:
                    problems.append(f"therapies: {therapy.name!r} has unknown class {cid!r}")
        for tclass in self.therapy_classes:
            for parent in tclass.parents:
                if parent not in classes:
                    problems.append(f"therapy_classes: {tclass.id!r} has unknown parent {parent!r}")
        for marker in self.biomarkers:
            for other in marker.requires_also:
                if other not in bm:
                    problems.append(
                        f"biomarkers: {marker.id!r} requires unknown biomarker {other!r}"
                    )
        for m in self.mechanisms:
            for b in m.biomarkers:
                if b not in bm:
                    problems.append(f"mechanisms: {m.id!r} names unknown biomarker {b!r}")
            for claim in m.resistance:
                for th in claim.therapies:
                    if th not in names and th not in classes:
                        problems.append(f"mechanisms: {m.id!r} names unknown therapy {th!r}")
                for tr in claim.trials:
                    if tr not in trials:
                        problems.append(f"mechanisms: {m.id!r} names unknown trial {tr!r}")
        for m in self.mechanisms:
            for claim in m.resistance:
                for bid in claim.biomarkers:
                    if bid not in m.biomarkers:
                        problems.append(
                            f"mechanisms: {m.id!r} claim names biomarker {bid!r} "
                            "not in the mechanism"
                        )
        for s in self.strategies:
            for th in [*s.after_progression_on, *s.anchor]:
                if th not in names and th not in classes:
                    problems.append(f"strategies: {s.id!r} names unknown therapy {th!r}")
            for sup in s.superseded_by:
                if sup.strategy not in {x.id for x in self.strategies}:
                    problems.append(
                        f"strategies: {s.id!r} superseded by unknown strategy {sup.strategy!r}"
                    )
            extra_trials = [a.trial for a in s.approvals if a.trial]
            extra_trials += [sup.trial for sup in s.superseded_by]
            if s.intracranial is not None:
                extra_trials += s.intracranial.trials
            for sw in s.safety:
                for th in sw.agents:
                    if th not in names:
                        problems.append(
                            f"strategies: {s.id!r} safety warning names unknown agent {th!r}"
                        )
            for tr in extra_trials:
                if tr not in trials:
                    problems.append(f"strategies: {s.id!r} names unknown trial {tr!r}")
            for b in [*s.requires.biomarkers_any, *s.supported_by]:
                if b not in bm:
                    problems.append(f"strategies: {s.id!r} requires unknown biomarker {b!r}")
            for th in s.therapies:
                if th not in names and th not in classes:
                    problems.append(f"strategies: {s.id!r} names unknown therapy {th!r}")
            for tr in s.trials:
                if tr not in trials:
                    problems.append(f"strategies: {s.id!r} names unknown trial {tr!r}")
            if s.eligibility is not None:
                problems.extend(_eligibility_problems(s, trials, names | classes))
        if problems:
            raise ValueError("; ".join(problems))
        return self

    # -- look-ups -------------------------------------------------------------
    def entry(self, entry_id: str) -> Biomarker | Mechanism | Strategy | Trial:
        """The entry with this id (any section); KeyError if none."""
        for section in (self.biomarkers, self.mechanisms, self.strategies, self.trials):
            for e in section:
                if e.id == entry_id:
                    return e
        raise KeyError(entry_id)

    def all_ids(self) -> list[str]:
        """Every entry id, in file order (biomarkers, mechanisms, strategies, trials)."""
        return [
            e.id
            for section in (self.biomarkers, self.mechanisms, self.strategies, self.trials)
            for e in section
        ]

    def counts(self) -> dict[str, int]:
        return {
            "biomarkers": len(self.biomarkers),
            "mechanisms": len(self.mechanisms),
            "strategies": len(self.strategies),
            "trials": len(self.trials),
            "therapies": len(self.therapies),
            "therapy_classes": len(self.therapy_classes),
        }


def _eligibility_problems(s: Strategy, trials: set[str], therapies: set[str]) -> list[str]:
    """Unknown trials, therapies/classes and approvals named by a strategy's eligibility."""
    assert s.eligibility is not None
    out: list[str] = []
    for th in s.eligibility.therapy_refs():
        if th not in therapies:
            out.append(f"strategies: {s.id!r} eligibility names unknown therapy {th!r}")
    regulators = {a.jurisdiction for a in s.approvals}
    for src in s.eligibility.sources():
        if isinstance(src, TrialRef) and src.trial not in trials:
            out.append(f"strategies: {s.id!r} eligibility cites unknown trial {src.trial!r}")
        if isinstance(src, ApprovalRef) and src.approval not in regulators:
            out.append(
                f"strategies: {s.id!r} eligibility cites an {src.approval} approval "
                "the strategy does not list"
            )
    return out

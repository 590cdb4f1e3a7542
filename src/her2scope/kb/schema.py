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
or the seed's section heading when the statement is the seed's own) or a
named public source with a date (e.g. an FDA label).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

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

MechanismClass = Literal["ER", "TF", "MAPK", "PI3K", "CDK46", "HER2-target", "immune", "ADC"]
BiomarkerKind = Literal["gene_alteration", "her2_category", "receptor_phenotype", "non_genomic"]
Event = Literal["mutation", "amplification", "deletion", "loss", "fusion", "overexpression"]
Setting = Literal["metastatic", "early"]
ErRequirement = Literal["positive", "negative", "any"]
Basis = Literal["clinical", "preclinical", "not_stated"]

HER2_CATEGORY_NAMES = (
    "HER2-positive",
    "HER2-low",
    "HER2-ultralow",
    "HER2-null",
    "HER2-0",
    "HER2-negative",
    "equivocal",
    "unknown",
)

Id = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_]*$", max_length=60)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(_Strict):
    """One citation: ``{seed, ref}``, ``{seed, section}`` or ``{public, date}``."""

    seed: str | None = None
    ref: list[int] = Field(default_factory=list)
    section: str | None = None
    public: str | None = None
    date: str | None = None
    note: str | None = None

    @field_validator("ref", mode="before")
    @classmethod
    def _one_ref(cls, v: object) -> object:
        return [v] if isinstance(v, int) else v

    @model_validator(mode="after")
    def _complete(self) -> Source:
        if self.seed is None and self.public is None:
            raise ValueError("a source needs 'seed' or 'public'")
        if self.seed is not None and self.public is not None:
            raise ValueError("a source is either a seed or a public source, not both")
        if self.seed is not None and not self.ref and not self.section:
            raise ValueError(
                "a seed source needs 'ref' (the paper's reference number) or 'section'"
            )
        if self.public is not None and not self.date:
            raise ValueError("a public source needs a 'date'")
        return self

    def label(self) -> str:
        """Short human citation, e.g. ``002_9d75a5784425346b.txt ref 36``."""
        if self.seed is not None:
            parts = [self.seed]
            if self.ref:
                parts.append("ref " + ",".join(str(r) for r in self.ref))
            if self.section:
                parts.append(f"§ {self.section}")
            return " ".join(parts)
        return f"{self.public} ({self.date})"


Sources = Annotated[list[Source], Field(min_length=1)]


class Entry(_Strict):
    """Fields every entry carries."""

    id: Id
    as_of: dt.date
    sources: Sources
    note: str | None = None


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
    match: Literal["listed", "any", "truncating"] = "listed"
    accept_unspecified: bool = True
    her2_category: str | None = None
    aliases: list[str] = Field(default_factory=list)

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

    @field_validator("her2_categories")
    @classmethod
    def _known(cls, v: list[str]) -> list[str]:
        bad = [c for c in v if c not in HER2_CATEGORY_NAMES]
        if bad:
            raise ValueError(f"unknown HER2 categories {bad}")
        return v


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

    @property
    def therapy(self) -> str:
        return " + ".join(self.therapies)


class Trial(Entry):
    """A trial by name; ``key_result`` only as stated in the cited source."""

    name: str
    phase: str | None = None
    status: Literal["reported", "ongoing", "discontinued"]
    nct: str | None = None
    population: str
    key_result: str | None = None


class Therapy(_Strict):
    """A generic drug name (lowercase), its classes and its synonyms."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9 \-/]*$")
    classes: list[Id] = Field(default_factory=list)
    synonyms: list[str] = Field(default_factory=list)


class TherapyClass(_Strict):
    """A class of therapy (``aromatase_inhibitor``) with user synonyms and parents."""

    id: Id
    label: str
    synonyms: list[str] = Field(default_factory=list)
    parents: list[Id] = Field(default_factory=list)


class KbMeta(_Strict):
    """``meta.yaml``: version and curation date of the whole base."""

    version: str
    as_of: dt.date
    title: str
    seeds: Annotated[list[str], Field(min_length=1)]
    curator_note: str | None = None
    gene_aliases: dict[str, str] = Field(default_factory=dict)


class KnowledgeBase(_Strict):
    """The whole base; cross-references are checked on construction."""

    meta: KbMeta
    biomarkers: list[Biomarker]
    mechanisms: list[Mechanism]
    strategies: list[Strategy]
    trials: list[Trial]
    therapies: list[Therapy]
    therapy_classes: list[TherapyClass]

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
        seeds = set(self.meta.seeds)
        for section in ("biomarkers", "mechanisms", "strategies", "trials"):
            for e in getattr(self, section):
                srcs = list(e.sources)
                if isinstance(e, Mechanism):
                    for claim in e.resistance:
                        srcs.extend(claim.sources)
                for s in srcs:
                    if s.seed is not None and s.seed not in seeds:
                        problems.append(f"{section}: {e.id!r} cites unknown seed {s.seed!r}")
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
        for s in self.strategies:
            for b in [*s.requires.biomarkers_any, *s.supported_by]:
                if b not in bm:
                    problems.append(f"strategies: {s.id!r} requires unknown biomarker {b!r}")
            for th in s.therapies:
                if th not in names and th not in classes:
                    problems.append(f"strategies: {s.id!r} names unknown therapy {th!r}")
            for tr in s.trials:
                if tr not in trials:
                    problems.append(f"strategies: {s.id!r} names unknown trial {tr!r}")
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

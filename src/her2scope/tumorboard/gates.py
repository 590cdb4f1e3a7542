"""Gates: strategy x patient -> eligible | not eligible | conditional | left out.

A tumor board decides who a regimen is *for* before it decides which is *best*.
:func:`Gatekeeper.gate` reads a strategy's population (its ``requires`` block and
its typed ``eligibility`` block, :mod:`her2scope.kb.eligibility`) and the global
gates of ``gates.yaml`` against one patient and returns a :class:`Verdict`:

``eligible``
    every criterion holds (possibly with an amendment, e.g. "with ovarian
    function suppression", and caveats such as ER-low);
``not_eligible``
    a criterion fails: the criterion, the reason and its source are kept and
    shown in the report's "Not eligible" section (never dropped);
``conditional``
    a datum is missing or pending (HER2 unresolved, interval since
    immunotherapy unknown, "at progression on the current therapy"): shown in
    its own section with what would settle it;
``left_out``
    the strategy is about something this patient does not have (another HER2
    category, a biomarker not observed): counted and listed with the reason.

Every strategy lands in exactly one of the four, with at least one reason.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any, Literal, Protocol

import yaml
from pydantic import BaseModel, ConfigDict, Field

from her2scope import vocab
from her2scope.kb.eligibility import (
    DECISION_SETTINGS,
    EARLY_SETTINGS,
    ApprovalRef,
    CriterionSource,
    Eligibility,
    Prior,
    RiskCondition,
    TrialRef,
)
from her2scope.kb.schema import Source, Strategy
from her2scope.tumorboard.patient_file import NodalRisk

Status = Literal["eligible", "not_eligible", "conditional", "left_out"]
STATUSES: tuple[str, ...] = ("eligible", "not_eligible", "conditional", "left_out")

#: the PD-1/PD-L1 class id of the contract, and the wider class it sits in
PD1_CLASSES = ("pd1_pdl1_inhibitor", "immune_checkpoint_inhibitor")

#: HER2 categories a reading may still turn out to be (an unresolved or coarse result)
HER2_COULD_BE: dict[str, frozenset[str]] = {
    vocab.UNKNOWN: frozenset(vocab.RESOLVED_CATEGORIES | {vocab.NEGATIVE}),
    vocab.EQUIVOCAL: frozenset({vocab.POSITIVE, vocab.LOW, vocab.NEGATIVE}),
    vocab.NEGATIVE: frozenset(vocab.NOT_POSITIVE_CATEGORIES - {vocab.NEGATIVE}),
    vocab.ZERO: frozenset({vocab.ULTRALOW, vocab.NULL}),
}
NOT_POSITIVE = vocab.NOT_POSITIVE_CATEGORIES

#: :attr:`PatientState.nodal_risk` when whoever built the state did not pass the patient
#: file's ``nodal_risk``: risk criteria are then not applied (as before they existed)
NOT_READ: Literal["not_read"] = "not_read"


class GlobalGate(BaseModel):
    """One gate of ``gates.yaml``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    outcome: Literal["not_eligible", "conditional", "lowered"]
    statement: str
    basis: str | None = None
    months: float | None = None
    classes: list[str] = Field(default_factory=list)
    trials: list[str] = Field(default_factory=list)
    sources: list[Source] = Field(default_factory=list)
    unconfirmed: str | None = None


class _Gates(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    gates: list[GlobalGate]


@lru_cache(maxsize=1)
def global_gates() -> dict[str, GlobalGate]:
    """The packaged global gates by id (validated at first use)."""
    text = resources.files("her2scope.tumorboard").joinpath("gates.yaml").read_text("utf-8")
    return {g.id: g for g in _Gates.model_validate(yaml.safe_load(text)).gates}


@dataclass
class Criterion:
    """One criterion's outcome for one patient, with its reason and sources."""

    criterion: str
    outcome: Literal["not_eligible", "conditional", "left_out", "amended", "caveat"]
    reason: str
    settles: str | None = None
    sources: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "criterion": self.criterion,
            "outcome": self.outcome,
            "reason": self.reason,
            "settles": self.settles,
            "sources": self.sources,
        }


@dataclass
class Verdict:
    """The gate outcome of one strategy for one patient."""

    strategy_id: str
    status: Status
    criteria: list[Criterion]

    @property
    def reasons(self) -> list[Criterion]:
        """The criteria that decided the status (failed, pending or not applicable)."""
        want = {"not_eligible": "not_eligible", "conditional": "conditional"}.get(self.status)
        if self.status == "left_out":
            want = "left_out"
        return [c for c in self.criteria if c.outcome == want] if want else []

    @property
    def amendments(self) -> list[Criterion]:
        return [c for c in self.criteria if c.outcome == "amended"]

    @property
    def caveats(self) -> list[Criterion]:
        return [c for c in self.criteria if c.outcome == "caveat"]

    def reason_text(self) -> str:
        """The deciding reasons as one line (the eligible status says so)."""
        if self.status == "eligible":
            return "eligible: every criterion of its population holds"
        return "; ".join(c.reason for c in self.reasons)


@dataclass(frozen=True)
class Course:
    """One therapy course as the gates read it (normalised tokens, setting, intervals)."""

    text: str
    tokens: frozenset[str]
    names: frozenset[str]
    setting: str | None
    line: int | None
    outcome: str
    intent: str | None
    months_since_end: float | None
    toxicity_event: str | None
    toxicity_grade: int | None
    permanently_discontinued: bool | None


@dataclass
class PatientState:
    """What the gates read about one patient (built by the matcher)."""

    setting: str | None  # metastatic | early | None
    early_state: str | None
    response: str | None  # pcr | residual | unknown | None
    next_line: int
    history_known: bool
    courses: list[Course]
    readings: list[str]
    category: str
    her2_ambiguous: bool
    earlier_her2_positive: bool
    er_status: str
    er_low: bool
    pd_l1: str  # positive | negative | unknown
    menopausal: str
    ild_history: bool | None
    ild_active: bool | None
    #: is this knowledge-base biomarker observed (HER2 categories: under every reading)
    has: Callable[[str], bool] = field(default=lambda _bid: False)
    #: germline biomarkers observed only from a variant whose origin is not stated
    germline_unconfirmed: frozenset[str] = frozenset()
    #: the patient file's ``nodal_risk`` (pathologic findings at surgery), read only from
    #: the patient profile, never from alterations; None = the file does not give it (risk
    #: criteria are conditional); :data:`NOT_READ` = not passed by the builder (not applied)
    nodal_risk: NodalRisk | Literal["not_read"] | None = NOT_READ

    def progressed(self, token: str) -> list[Course]:
        return [c for c in self.courses if token in c.tokens and c.outcome == "progressed"]

    def ongoing_metastatic(self) -> list[Course]:
        return [c for c in self.courses if c.outcome == "ongoing" and c.setting == "metastatic"]


class Engine(Protocol):
    """What the gates need from the matcher (its KB look-ups and renderers)."""

    therapy_names: set[str]

    def tokens_of(self, therapies: list[str]) -> set[str]: ...

    def display(self, token: str) -> str: ...

    def sources(self, items: list[Source]) -> list[dict[str, Any]]: ...

    def trial_name(self, trial_id: str) -> str: ...

    def trial_sources(self, trial_id: str) -> list[Source]: ...

    def biomarker_label(self, bid: str) -> str: ...

    def biomarker_kind(self, bid: str) -> str: ...

    def safety_for(self, s: Strategy) -> list[Any]: ...


class Gatekeeper:
    """Applies the global gates and a strategy's own population to one patient."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.gates = global_gates()

    # -- sources --------------------------------------------------------------------
    def cite(self, src: CriterionSource, s: Strategy) -> list[dict[str, Any]]:
        """A criterion's source as the reader sees it."""
        e = self.engine
        if isinstance(src, TrialRef):
            out = e.sources(e.trial_sources(src.trial))
            name = e.trial_name(src.trial)
            return [{"text": f"{name} (trial population)", "links": []}, *out]
        if isinstance(src, ApprovalRef):
            out = []
            for a in s.approvals:
                if a.jurisdiction == src.approval:
                    out.append(
                        {
                            "text": f"{a.jurisdiction} indication ({a.date}): {a.indication}",
                            "links": [],
                        }
                    )
                    out.extend(e.sources(list(a.sources)))
            return out
        return e.sources([src])

    def gate_sources(self, gate_id: str) -> list[dict[str, Any]]:
        g = self.gates[gate_id]
        out = self.engine.sources(list(g.sources))
        for t in g.trials:
            out.extend(self.engine.sources(self.engine.trial_sources(t)))
        return out

    # -- the decision ---------------------------------------------------------------------
    def gate(self, s: Strategy, st: PatientState) -> Verdict:
        """The verdict for one strategy (see the module docstring)."""
        crit: list[Criterion] = []
        elig = s.eligibility
        crit += self._requirements(s, st)
        if any(c.outcome == "left_out" for c in crit):
            # only the requirements leave a strategy out, and a left-out verdict shows only
            # its left-out reasons: the other gates would not change it (a cohort of 250,000
            # samples gates ~100 strategies each, most of them about something else)
            return Verdict(s.id, "left_out", crit)
        crit += self._setting(s, st, elig)
        crit += self._global(s, st)
        if elig is not None:
            crit += self._line(s, st, elig)
            crit += self._pd1_candidate(s, st, elig)
            for p in elig.prior:
                crit += self._prior(s, st, p)
            crit += self._exclusions(s, st, elig)
            crit += self._patient(s, st, elig)
            crit += self._menopausal(s, st, elig)
            crit += self._risk(s, st, elig)
        crit += self._progressed_anchors(s, st)
        gated_prior = elig is not None and bool(elig.prior)
        if s.after_progression_on and not gated_prior:
            # the regimen was tested after progression on these: with no history it waits for
            # the history; with a history that has none of them it waits for that progression
            # (a population criterion is a gate, never a rank penalty)
            named = " or ".join(self.engine.display(t) for t in s.after_progression_on)
            if not st.history_known:
                crit.append(
                    Criterion(
                        "after_progression_on",
                        "conditional",
                        "if the patient progressed on " + named,
                        settles="the treatment history",
                        sources=self._first_source(s, elig),
                    )
                )
            elif not any(st.progressed(t) for t in s.after_progression_on):
                crit.append(
                    Criterion(
                        "after_progression_on",
                        "conditional",
                        "tested after progression on " + named + ", which the patient has not had",
                        settles="progression on " + named,
                        sources=self._first_source(s, elig),
                    )
                )
        outcomes = {c.outcome for c in crit}
        status: Status
        if "left_out" in outcomes:
            status = "left_out"
        elif "not_eligible" in outcomes:
            status = "not_eligible"
        elif "conditional" in outcomes:
            status = "conditional"
        else:
            status = "eligible"
        return Verdict(s.id, status, crit)

    # -- requirements: HER2, ER, PD-L1, biomarkers -------------------------------------
    def _requirements(self, s: Strategy, st: PatientState) -> list[Criterion]:
        out: list[Criterion] = []
        req = s.requires
        if req.her2_categories:
            out += self._her2(s, st, req.her2_categories)
        if req.er_status != "any":
            out += self._er(st, req.er_status)
        if req.pd_l1 != "any":
            if st.pd_l1 == "unknown":
                out.append(
                    Criterion(
                        "pd_l1",
                        "conditional",
                        f"if PD-L1 is {req.pd_l1} (assay and cut-off of the trial/label)",
                        settles="PD-L1 testing with the assay and cut-off of the label "
                        "(e.g. 22C3, CPS >= 10 for pembrolizumab)",
                    )
                )
            elif st.pd_l1 != req.pd_l1:
                out.append(
                    Criterion(
                        "pd_l1", "left_out", f"for PD-L1-{req.pd_l1} disease; PD-L1 is {st.pd_l1}"
                    )
                )
        listed = [b for b in req.biomarkers_any if st.has(b)]
        if listed and all(b in st.germline_unconfirmed for b in listed):
            labels = " or ".join(self.engine.biomarker_label(b) for b in listed)
            out.append(
                Criterion(
                    "germline_origin",
                    "conditional",
                    f"if the variant is germline and pathogenic ({labels}; the variant's origin "
                    "is not stated, and a tumour test alone does not tell germline from somatic)",
                    settles="germline testing, or the origin and pathogenicity of the variant "
                    "from the source report",
                )
            )
        missing = self._missing_biomarkers(s, st)
        if missing:
            labels = " or ".join(self.engine.biomarker_label(b) for b in missing)
            out.append(Criterion("biomarker", "left_out", f"requires {labels}; not observed"))
        return out

    def _missing_biomarkers(self, s: Strategy, st: PatientState) -> list[str]:
        """The required biomarkers (any of) when none is observed; [] when met.

        Biomarkers that another gate judges (HER2 category when the strategy lists
        HER2 categories; ER or PD-L1 phenotype when it states a status) are left to
        that gate, so an unresolved HER2 or unknown ER is conditional, not absent.
        """
        req = s.requires
        listed = list(req.biomarkers_any)
        if not listed or any(st.has(b) for b in listed):
            return []
        judged: set[str] = set()
        if req.her2_categories:
            judged |= {b for b in listed if self.engine.biomarker_kind(b) == "her2_category"}
        if req.er_status != "any":
            judged |= {"er_positive", "er_negative"} & set(listed)
        if req.pd_l1 != "any":
            judged |= {"pdl1_positive", "pdl1_negative"} & set(listed)
        rest = [b for b in listed if b not in judged]
        if judged:
            # a phenotype biomarker would satisfy "any of": its own gate decides
            return []
        return rest

    def _her2(self, s: Strategy, st: PatientState, allowed_list: list[str]) -> list[Criterion]:
        allowed = set(allowed_list)
        if "HER2-negative" in allowed:
            allowed |= NOT_POSITIVE
        fits, could, no = [], [], []
        for r in st.readings:
            if r in allowed:
                fits.append(r)
            elif HER2_COULD_BE.get(r, frozenset()) & allowed:
                could.append(r)
            else:
                no.append(r)
        want = " or ".join(allowed_list)
        if st.readings and len(fits) == len(st.readings):
            return []
        if "HER2-positive" in allowed and st.earlier_her2_positive and not fits:
            # discordance: an earlier HER2-positive result keeps HER2-directed options in play
            return [
                Criterion(
                    "her2_discordance",
                    "caveat",
                    f"an earlier sample was HER2-positive (now {st.category}): HER2-directed "
                    "options stay in play; see the HER2-discordance caveat",
                )
            ]
        if not could and not fits:
            return [
                Criterion("her2", "left_out", f"for {want} disease; HER2 here is {st.category}")
            ]
        pending = ", ".join(could + no) or st.category
        settle = {
            "equivocal": "ASCO/CAP: reflex ISH on the same specimen for IHC 2+, or a new test; "
            "ISH groups 2-4: concurrent IHC review and a recount by a second observer",
            "unknown": "HER2 IHC (with ISH for IHC 2+) per ASCO/CAP",
            "HER2-negative": "the IHC score (0, 1+, 2+/ISH-), which the result does not give",
            "HER2-0": "IHC 0 with or without faint staining (null vs ultralow), per the "
            "ASCO/CAP 2023 best practice for IHC 0 vs 1+",
        }
        steps = sorted(
            {settle.get(r, "a single IHC score on re-review (ASCO/CAP)") for r in could + no}
        )
        return [
            Criterion(
                "her2",
                "conditional",
                f"if HER2 is {want} (HER2 here: {pending})",
                settles="; ".join(steps),
            )
        ]

    def _er(self, st: PatientState, need: str) -> list[Criterion]:
        if st.er_status == "unknown":
            return [
                Criterion(
                    "er",
                    "conditional",
                    f"if ER-{need}",
                    settles="ER immunohistochemistry (ASCO/CAP 2020: >= 1% positive, "
                    "1-10% ER Low Positive, < 1% negative)",
                )
            ]
        if need == "negative":
            if st.er_status == "negative":
                return []
            if st.er_low:
                return [
                    Criterion(
                        "er_low",
                        "caveat",
                        "ER Low Positive (1-10%) treated as HR-negative for a TNBC regimen; see "
                        "the ER-low caveat",
                    )
                ]
            return [Criterion("er", "left_out", "for ER-negative disease; ER is positive")]
        if st.er_status == "positive":
            if st.er_low:
                return [
                    Criterion(
                        "er_low",
                        "caveat",
                        "ER Low Positive (1-10%): limited data on endocrine benefit "
                        "(ASCO/CAP 2020); see the ER-low caveat",
                    )
                ]
            return []
        return [Criterion("er", "left_out", "for ER-positive disease; ER is negative")]

    # -- setting -----------------------------------------------------------------------------
    def _settings_of(self, s: Strategy, elig: Eligibility | None) -> list[str]:
        if elig is not None:
            return list(elig.settings)
        out: list[str] = []
        if "metastatic" in s.setting:
            out.append("metastatic")
        if "early" in s.setting:
            out.extend(EARLY_SETTINGS)
        return out

    def _setting(self, s: Strategy, st: PatientState, elig: Eligibility | None) -> list[Criterion]:
        allowed = self._settings_of(s, elig)
        words = ", ".join(a.replace("_", " ") for a in allowed)
        src = self._first_source(s, elig)
        possible = self.decision_settings(st)
        ok = [p for p in possible if p in allowed]
        if len(possible) == 1:
            if ok:
                return []
            return [
                Criterion(
                    "setting",
                    "not_eligible",
                    f"for {words}; this decision is {possible[0].replace('_', ' ')}",
                    sources=src,
                )
            ]
        if not ok:
            where = (
                "in early disease"
                if set(possible) == set(EARLY_SETTINGS)
                else " or ".join(p.replace("_", " ") for p in possible)
            )
            return [
                Criterion(
                    "setting", "not_eligible", f"for {words}; this decision is {where}", sources=src
                )
            ]
        if len(ok) == len(possible):
            return []
        settles = "the treatment setting (metastatic or early; in early disease before or after "
        settles += "surgery, and the pathologic response after neoadjuvant therapy)"
        if st.setting == "early" and st.early_state == "post_neoadjuvant":
            settles = "the pathologic response at surgery (pCR or residual disease: ypT/ypN, RCB)"
        return [
            Criterion(
                "setting",
                "conditional",
                "if the decision is " + " or ".join(o.replace("_", " ") for o in ok),
                settles=settles,
                sources=src,
            )
        ]

    @staticmethod
    def decision_settings(st: PatientState) -> list[str]:
        """The decision settings this patient may be in (one when it is known)."""
        if st.setting == "metastatic":
            return ["metastatic"]
        if st.setting is None:
            return list(DECISION_SETTINGS)
        state = st.early_state
        if state == "post_neoadjuvant":
            if st.response == "pcr":
                return ["post_neoadjuvant_pcr"]
            if st.response == "residual":
                return ["post_neoadjuvant_residual"]
            return ["post_neoadjuvant_pcr", "post_neoadjuvant_residual"]
        if state in ("neoadjuvant", "adjuvant", "extended_adjuvant"):
            return [state]
        if st.response == "pcr":
            return ["post_neoadjuvant_pcr"]
        if st.response == "residual":
            return ["post_neoadjuvant_residual"]
        return list(EARLY_SETTINGS)

    def _first_source(self, s: Strategy, elig: Eligibility | None) -> list[dict[str, Any]]:
        if s.approvals:
            a = s.approvals[0]
            return [
                {"text": f"{a.jurisdiction} indication ({a.date}): {a.indication}", "links": []}
            ]
        if s.trials:
            return [
                {"text": f"{self.engine.trial_name(s.trials[0])} (trial population)", "links": []}
            ]
        return self.engine.sources(list(s.sources))

    # -- global gates --------------------------------------------------------------------------
    def _global(self, s: Strategy, st: PatientState) -> list[Criterion]:
        e = self.engine
        out: list[Criterion] = []
        regimen = e.tokens_of(s.therapies)
        drugs = regimen & e.therapy_names
        # 1. permanent discontinuation for toxicity
        safety = e.safety_for(s)
        for c in st.courses:
            if c.outcome != "stopped_toxicity":
                continue
            hit = sorted(drugs & c.names)
            if not hit:
                continue
            permanent, why, srcs = self._permanent(c, hit, safety)
            if permanent:
                out.append(
                    Criterion(
                        "permanent_discontinuation",
                        "not_eligible",
                        f"contains {', '.join(hit)}, permanently discontinued for toxicity ({why})",
                        sources=srcs,
                    )
                )
        # 2. PD-1/PD-L1 within 6 months of curative-intent therapy
        gate = self.gates["pd1_recurrence_within_months"]
        months = gate.months or 6.0
        if regimen & set(PD1_CLASSES):
            status, detail = pd1_interval(st, months)
            if status == "recent":
                out.append(
                    Criterion(
                        "pd1_recurrence_within_months",
                        "not_eligible",
                        f"PD-1/PD-L1 regimen: recurrence within {months:g} months of "
                        f"curative-intent {detail}",
                        sources=self.gate_sources(gate.id),
                    )
                )
            elif status == "unknown":
                out.append(
                    Criterion(
                        "pd1_recurrence_within_months",
                        "conditional",
                        f"if >= {months:g} months passed between the end of curative-intent "
                        f"{detail} and the recurrence",
                        settles="the end date of the curative-intent PD-1/PD-L1 therapy and the "
                        "date of recurrence (months_since_end)",
                        sources=self.gate_sources(gate.id),
                    )
                )
        # 3. same-target ADC after progression
        gate = self.gates["same_target_adc_after_progression"]
        for cls in gate.classes:
            if cls in regimen:
                before = st.progressed(cls)
                if before:
                    out.append(
                        Criterion(
                            gate.id,
                            "not_eligible",
                            f"{e.display(cls)} after progression on {before[0].text}: same "
                            "target, no supporting trial",
                            sources=self.gate_sources(gate.id),
                        )
                    )
        # 4. ongoing therapy is not progression
        if (
            st.setting == "metastatic"
            and st.ongoing_metastatic()
            and "metastatic" in self._settings_of(s, s.eligibility)
            and not self._is_switch_strategy(s)
        ):
            current = "; ".join(c.text for c in st.ongoing_metastatic())
            out.append(
                Criterion(
                    "ongoing_therapy",
                    "conditional",
                    f"at progression on the current therapy ({current})",
                    settles="progression on the current therapy (imaging), not a new finding alone",
                    sources=self.gate_sources("ongoing_therapy_is_not_progression"),
                )
            )
        # 5. active ILD
        ild = [w for w in safety if w.trigger == "ild_history"]
        if ild:
            srcs = e.sources([x for w in ild for x in w.sources])
            if st.ild_active:
                out.append(
                    Criterion(
                        "active_ild",
                        "not_eligible",
                        "active interstitial lung disease / pneumonitis (label warning)",
                        sources=srcs,
                    )
                )
            elif st.ild_history and st.ild_active is None:
                out.append(
                    Criterion(
                        "active_ild",
                        "conditional",
                        "if the interstitial lung disease / pneumonitis is not active",
                        settles="the current state of the ILD/pneumonitis (imaging; the "
                        "file's ild_active field)",
                        sources=srcs,
                    )
                )
        return out

    def _permanent(
        self, c: Course, hit: list[str], safety: list[Any]
    ) -> tuple[bool, str, list[dict[str, Any]]]:
        """Was this toxicity stop permanent: as recorded, or by the label's own rule."""
        if c.permanently_discontinued:
            return True, "as recorded", []
        if c.permanently_discontinued is False:
            return False, "", []
        event = (c.toxicity_event or "").lower()
        for w in safety:
            rule = w.discontinue_permanently
            if rule is None or not event or c.toxicity_grade is None:
                continue
            agents = set(w.agents) if w.agents else set(hit)
            if not agents & set(hit):
                continue
            if any(word.lower() in event for word in rule.events) and (
                c.toxicity_grade >= rule.grade_min
            ):
                return (
                    True,
                    f"grade {c.toxicity_grade} {c.toxicity_event}: the label says permanently "
                    f"discontinue for grade >= {rule.grade_min}",
                    self.engine.sources(list(w.sources)),
                )
        return False, "", []

    @staticmethod
    def _is_switch_strategy(s: Strategy) -> bool:
        elig = s.eligibility
        return elig is not None and any(p.outcome == "ongoing" for p in elig.prior)

    # -- eligibility block -----------------------------------------------------------------------
    def _line(self, s: Strategy, st: PatientState, elig: Eligibility) -> list[Criterion]:
        rng = elig.line
        if rng is None or st.setting != "metastatic":
            return []
        lo, hi = rng.min or 1, rng.max
        span = f"line {lo}" + (f"-{hi}" if hi and hi != lo else "" if hi else " or later")
        if not st.history_known:
            return [
                Criterion(
                    "line",
                    "conditional",
                    f"if this is metastatic {span}",
                    settles="the treatment history (metastatic lines given)",
                    sources=self._first_source(s, elig),
                )
            ]
        line = st.next_line
        if line < lo or (hi is not None and line > hi):
            return [
                Criterion(
                    "line",
                    "not_eligible",
                    f"for metastatic {span}; this is line {line}",
                    sources=self._first_source(s, elig),
                )
            ]
        return []

    def _pd1_candidate(self, s: Strategy, st: PatientState, elig: Eligibility) -> list[Criterion]:
        rule = elig.not_pd1_candidate
        if rule is None:
            return []
        srcs = self.cite(rule.source, s)
        if st.pd_l1 == "negative":
            return []
        reasons = pd1_contraindications(st, self.gates["pd1_recurrence_within_months"].months or 6)
        if reasons:
            return []
        if st.pd_l1 == "unknown":
            return [
                Criterion(
                    "not_pd1_candidate",
                    "conditional",
                    "if the patient is not a candidate for PD-1/PD-L1 therapy (PD-L1-negative, "
                    "or PD-L1-positive with a reason not to give it)",
                    settles="PD-L1 testing; a recorded reason against PD-1/PD-L1 therapy",
                    sources=srcs,
                )
            ]
        return [
            Criterion(
                "not_pd1_candidate",
                "not_eligible",
                "for patients who are not candidates for PD-1/PD-L1 therapy; this patient is "
                "PD-L1-positive with no reason against it recorded",
                sources=srcs,
            )
        ]

    def _prior(self, s: Strategy, st: PatientState, p: Prior) -> list[Criterion]:
        e = self.engine
        srcs = self.cite(p.source, s)
        what = e.display(p.therapy_class) if p.therapy_class is not None else "systemic lines"
        where = "" if p.setting == "any" else f" ({p.setting})"
        if p.therapy_class is not None:
            if p.max == 0:
                text = f"naive to {what}{where}"
            else:
                verb = {"received": "", "progressed": "progression on ", "ongoing": "ongoing "}[
                    p.outcome
                ]
                text = f">= {p.min} {verb}{what}{where}"
                if p.max is not None:
                    text = f"{p.min}-{p.max} {verb}{what}{where}"
        else:
            text = f">= {p.systemic_lines_min} {what}{where}"
            if p.not_class is not None:
                text += f" besides {e.display(p.not_class)}"
        if not st.history_known:
            return [
                Criterion(
                    "prior",
                    "conditional",
                    f"if the history meets: {text}",
                    settles="the treatment history",
                    sources=srcs,
                )
            ]
        n, pending = self._count(st, p)
        need_min = p.systemic_lines_min if p.systemic_lines_min is not None else p.min
        if n < need_min:
            if pending and n + pending >= need_min:
                return [
                    Criterion(
                        "prior",
                        "conditional",
                        f"needs {text}: counts if the recurrence came within "
                        f"{p.or_early_recurrence_within_months:g} months of early-setting "
                        "therapy",
                        settles="the interval from the end of early-setting therapy to recurrence",
                        sources=srcs,
                    )
                ]
            return [
                Criterion(
                    "prior", "not_eligible", f"needs {text}; the patient has {n}", sources=srcs
                )
            ]
        if p.max is not None and n > p.max:
            return [
                Criterion(
                    "prior",
                    "not_eligible",
                    f"for patients with {text}; the patient has {n}",
                    sources=srcs,
                )
            ]
        return []

    def _count(self, st: PatientState, p: Prior) -> tuple[int, int]:
        """(courses/lines that count, early courses that would count with a known interval)."""
        within = p.or_early_recurrence_within_months
        if p.systemic_lines_min is not None and p.not_class is not None:
            # courses (not line numbers) without the class: "besides endocrine therapy"
            n = sum(
                1
                for c in st.courses
                if p.not_class not in c.tokens
                and (p.setting == "any" or c.setting == p.setting)
                and c.outcome != "ongoing"
            )
            extra, pending = self._early_counts(st, None, within)
            return n + extra, pending
        if p.systemic_lines_min is not None:
            n = st.next_line - 1 if p.setting in ("metastatic", "any") else 0
            if p.setting in ("early", "any"):
                n += sum(1 for c in st.courses if c.setting == "early")
            extra, pending = self._early_counts(st, None, within)
            return n + extra, pending
        token = p.therapy_class or ""
        n = 0
        for c in st.courses:
            if token not in c.tokens:
                continue
            if p.setting != "any" and c.setting != p.setting:
                continue
            if p.outcome == "progressed" and c.outcome != "progressed":
                continue
            if p.outcome == "ongoing" and c.outcome != "ongoing":
                continue
            n += 1
        extra, pending = (0, 0)
        if p.setting == "metastatic":
            extra, pending = self._early_counts(st, token, within)
        return n + extra, pending

    @staticmethod
    def _early_counts(st: PatientState, token: str | None, within: float | None) -> tuple[int, int]:
        if within is None:
            return 0, 0
        extra = pending = 0
        for c in st.courses:
            if c.setting != "early" or (token is not None and token not in c.tokens):
                continue
            if c.months_since_end is None:
                pending += 1
            elif c.months_since_end <= within:
                extra += 1
        return extra, pending

    def _exclusions(self, s: Strategy, st: PatientState, elig: Eligibility) -> list[Criterion]:
        out: list[Criterion] = []
        for x in elig.exclude:
            srcs = self.cite(x.source, s)
            if x.prior_class is not None:
                if not st.history_known:
                    out.append(
                        Criterion(
                            "exclude",
                            "conditional",
                            f"if no prior {self.engine.display(x.prior_class)} ({x.reason})",
                            settles="the treatment history",
                            sources=srcs,
                        )
                    )
                    continue
                hits = [
                    c
                    for c in st.courses
                    if x.prior_class in c.tokens
                    and (x.outcome == "received" or c.outcome == "progressed")
                ]
                if hits:
                    out.append(
                        Criterion(
                            "exclude",
                            "not_eligible",
                            f"{x.reason} (patient: {hits[0].text})",
                            sources=srcs,
                        )
                    )
            elif x.pd1_recurrence_within_months is not None:
                status, detail = pd1_interval(st, x.pd1_recurrence_within_months)
                if status == "recent":
                    out.append(
                        Criterion("exclude", "not_eligible", f"{x.reason} ({detail})", sources=srcs)
                    )
                elif status == "unknown":
                    out.append(
                        Criterion(
                            "exclude",
                            "conditional",
                            f"if >= {x.pd1_recurrence_within_months:g} months since "
                            f"curative-intent {detail}",
                            settles="the interval from the end of curative-intent PD-1/PD-L1 "
                            "therapy to recurrence",
                            sources=srcs,
                        )
                    )
            elif x.active_ild and st.ild_active:
                out.append(Criterion("exclude", "not_eligible", x.reason, sources=srcs))
        return out

    def _patient(self, s: Strategy, st: PatientState, elig: Eligibility) -> list[Criterion]:
        out: list[Criterion] = []
        for cond in elig.patient:
            with_ = self.engine.display(cond.requires_with)
            srcs = self.cite(cond.source, s)
            if st.menopausal in cond.menopausal:
                out.append(
                    Criterion(
                        "patient",
                        "amended",
                        f"with {with_} ({st.menopausal}menopausal)"
                        + (f": {cond.reason}" if cond.reason else ""),
                        sources=srcs,
                    )
                )
            elif st.menopausal == "unknown":
                who = "/".join(cond.menopausal)
                out.append(
                    Criterion(
                        "patient",
                        "caveat",
                        f"menopausal status not given: if {who}menopausal, with {with_}",
                        sources=srcs,
                    )
                )
        return out

    def _menopausal(self, s: Strategy, st: PatientState, elig: Eligibility) -> list[Criterion]:
        rule = elig.menopausal
        if rule is None or st.menopausal in rule.status:
            return []
        who = "/".join(rule.status) + "menopausal"
        srcs = self.cite(rule.source, s)
        if st.menopausal == "unknown":
            return [
                Criterion(
                    "menopausal",
                    "conditional",
                    f"if {who} (the label's population)",
                    settles="the menopausal status (patient file menopausal_status)",
                    sources=srcs,
                )
            ]
        return [
            Criterion(
                "menopausal",
                "not_eligible",
                f"for {who} patients; this patient is {st.menopausal}menopausal",
                sources=srcs,
            )
        ]

    def _risk(self, s: Strategy, st: PatientState, elig: Eligibility) -> list[Criterion]:
        """The high-risk definition of early disease against the file's ``nodal_risk``.

        Eligible when one alternative holds; not eligible when every alternative fails on
        a given datum; otherwise conditional, naming the missing findings.
        """
        rule = elig.risk
        if rule is None or st.setting == "metastatic" or st.nodal_risk == NOT_READ:
            return []
        facts = st.nodal_risk if isinstance(st.nodal_risk, NodalRisk) else None
        verdicts = [(c, *risk_holds(c, facts)) for c in rule.any_of]
        if any(ok for _c, ok, _missing in verdicts):
            return []
        srcs = self.cite(rule.source, s)
        labels = "; or ".join(c.label for c in rule.any_of)
        if all(ok is False for _c, ok, _missing in verdicts):
            return [
                Criterion(
                    "risk",
                    "not_eligible",
                    f"for {rule.name} ({labels}); the patient: {describe_risk(facts)}",
                    sources=srcs,
                )
            ]
        open_ = [c.label for c, ok, _missing in verdicts if ok is None]
        missing = sorted({m for _c, ok, miss in verdicts if ok is None for m in miss})
        return [
            Criterion(
                "risk",
                "conditional",
                f"if {rule.name}: {'; or '.join(open_)}",
                settles="the pathologic findings at surgery (patient file nodal_risk: "
                + ", ".join(missing)
                + ")",
                sources=srcs,
            )
        ]

    def _progressed_anchors(self, s: Strategy, st: PatientState) -> list[Criterion]:
        anchors = s.anchors
        done = [a for a in anchors if st.progressed(a)]
        if done and len(done) == len(anchors):
            why = "; ".join(
                f"progressed on {self.engine.display(a)}: {st.progressed(a)[0].text}" for a in done
            )
            return [Criterion("progressed_on_regimen", "not_eligible", why)]
        return []


def risk_holds(c: RiskCondition, facts: NodalRisk | None) -> tuple[bool | None, set[str]]:
    """(True | False | None when a datum is missing, the missing fields) for one alternative.

    False as soon as one given datum fails a bound: a missing datum cannot rescue it.
    """
    checks: list[tuple[str, Callable[[Any], bool]]] = []
    if c.nodes_min is not None:
        checks.append(("positive_nodes", lambda v: v >= c.nodes_min))
    if c.nodes_max is not None:
        checks.append(("positive_nodes", lambda v: v <= c.nodes_max))
    if c.tumor_mm_min is not None:
        checks.append(("tumor_size_mm", lambda v: v >= c.tumor_mm_min))
    if c.tumor_mm_over is not None:
        checks.append(("tumor_size_mm", lambda v: v > c.tumor_mm_over))
    if c.tumor_mm_max is not None:
        checks.append(("tumor_size_mm", lambda v: v <= c.tumor_mm_max))
    if c.grade_min is not None:
        checks.append(("grade", lambda v: v >= c.grade_min))
    if c.grade_max is not None:
        checks.append(("grade", lambda v: v <= c.grade_max))
    if c.ki67_min is not None:
        checks.append(("ki67_percent", lambda v: v >= c.ki67_min))
    if c.genomic_risk is not None:
        checks.append(("genomic_risk", lambda v: v == c.genomic_risk))
    missing: set[str] = set()
    for name, test in checks:
        value = getattr(facts, name) if facts is not None else None
        if value is None:
            missing.add(name)
        elif not test(value):
            return False, set()
    return (None if missing else True), missing


def describe_risk(facts: NodalRisk | None) -> str:
    """The given findings as one phrase ("2 positive nodes, 35 mm, grade 3")."""
    if facts is None:
        return "not given"
    parts = []
    if facts.positive_nodes is not None:
        n = facts.positive_nodes
        parts.append("node-negative" if n == 0 else f"{n} positive node{'s' if n > 1 else ''}")
    if facts.tumor_size_mm is not None:
        parts.append(f"{facts.tumor_size_mm:g} mm")
    if facts.grade is not None:
        parts.append(f"grade {facts.grade}")
    if facts.ki67_percent is not None:
        parts.append(f"Ki-67 {facts.ki67_percent:g}%")
    if facts.genomic_risk is not None:
        parts.append(f"genomic risk {facts.genomic_risk}")
    return ", ".join(parts) or "not given"


def pd1_interval(st: PatientState, months: float) -> tuple[str, str]:
    """("recent" | "unknown" | "ok" | "none", detail) for curative-intent PD-1/PD-L1 therapy."""
    courses = [
        c
        for c in st.courses
        if (c.tokens & set(PD1_CLASSES)) and (c.intent == "curative" or c.setting == "early")
    ]
    if not courses:
        return "none", ""
    unknown = []
    for c in courses:
        if c.outcome == "ongoing":
            return "recent", f"{c.text} (recurrence during it)"
        if c.months_since_end is None:
            unknown.append(c)
        elif c.months_since_end < months:
            return "recent", f"{c.text}, ended {c.months_since_end:g} months before recurrence"
    if unknown:
        return "unknown", unknown[0].text
    return "ok", ""


def pd1_contraindications(st: PatientState, months: float) -> list[str]:
    """Recorded reasons not to give a PD-1/PD-L1 inhibitor (relapse after one, toxicity stop)."""
    out: list[str] = []
    status, detail = pd1_interval(st, months)
    if status == "recent":
        out.append(detail)
    for c in st.courses:
        relapsed = c.outcome == "progressed" or st.setting == "metastatic"
        if c.tokens & set(PD1_CLASSES) and c.setting == "early" and relapsed:
            out.append(f"relapse after {c.text} given for early disease")
        if c.tokens & set(PD1_CLASSES) and c.outcome == "stopped_toxicity":
            out.append(f"{c.text} stopped for toxicity")
    return out

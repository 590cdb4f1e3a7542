"""Match one patient profile against the knowledge base -> :class:`PatientReport`.

Steps (each traceable to KB entries and their sources):

1. HER2 call through the HER2 engine (:func:`her2scope.her2.classify_one`),
   with its rationale; the primary tumor's HER2 too, to detect switching.
2. Observed biomarkers: HER2 category, ER phenotype, parsed alterations and
   non-genomic markers. Anything not understood goes to ``unrecognised``.
3. Mechanisms present: every mechanism with at least one observed biomarker.
4. Options: strategies whose requirements hold (HER2 category, ER status,
   setting, >= 1 required biomarker), ranked approved > phase3 >
   early_clinical > preclinical, then by the number of supporting biomarkers.
   Endocrine-based options need ER-positive.
5. Warnings: resistance claims of the mechanisms present (marked ``prior``
   when the patient received the therapy, ``candidate`` when an option uses
   it), negative-evidence strategies, and, for prior ADC/antibody therapy,
   the non-genomic resistance mechanisms that cannot be assessed from the data.
6. Caveats: ambiguous or unresolved HER2, HER2-0/null vs ultralow, switching
   and retest advice (seed 000 §2.5), preclinical-only evidence, ER context,
   unknown inputs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from her2scope.kb.load import load_kb
from her2scope.kb.parse import AlterationParser, TherapyNormaliser, Unrecognised
from her2scope.kb.patient import Her2Input, PatientProfile
from her2scope.kb.schema import EVIDENCE_RANK, KnowledgeBase, Mechanism, Source, Strategy

DISCLAIMER = (
    "This report supports, and does not replace, clinical judgment. It matches the patient's "
    "data to a curated, cited knowledge base (research use); it is not a treatment "
    "recommendation. Verify eligibility, current labels and guidelines before any decision."
)

ZERO_FAMILY = frozenset({"HER2-0", "HER2-null", "HER2-ultralow"})
RESOLVED = frozenset({"HER2-positive", "HER2-low", "HER2-ultralow", "HER2-null", "HER2-0"})
SWITCH_SOURCE = Source(
    seed="000_9553966c445419f9.txt", ref=[85, 90], section="2.5 Subtype switching"
)
DB04_SOURCE = Source(seed="002_9d75a5784425346b.txt", ref=[36], section="2.3/3.7")


@dataclass
class PatientReport:
    """Everything the knowledge base says about one patient.

    ``to_dict()`` gives the JSON document (keys ``patient``, ``her2``,
    ``mechanisms``, ``options``, ``warnings``, ``caveats``, ``unrecognised``,
    ``kb_version``, ``disclaimer``); renderers live in
    :mod:`her2scope.report.patient`.
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
            "mechanisms": self.mechanisms,
            "options": self.options,
            "warnings": self.warnings,
            "caveats": self.caveats,
            "unrecognised": self.unrecognised,
            "kb_version": self.kb_version,
            "kb_as_of": self.kb_as_of,
            "disclaimer": self.disclaimer,
        }

    def _repr_markdown_(self) -> str:
        from her2scope.report.patient import render_markdown  # renderers live in report/

        return render_markdown(self)

    def _repr_html_(self) -> str:
        from her2scope.report.patient import render_html

        return render_html(self)


@lru_cache(maxsize=4096)
def _classify_cached(
    ihc: str | None,
    ish_status: str | None,
    ish_ratio: float | str | None,
    her2_copies: float | str | None,
    cep17_copies: float | str | None,
    profile: str,
    ambiguous: str,
) -> dict[str, Any]:
    from her2scope.her2 import classify_one  # the HER2 engine (lower layer)

    call = classify_one(
        ihc=ihc,
        ish_status=ish_status,
        ish_ratio=ish_ratio,
        her2_copies=her2_copies,
        cep17_copies=cep17_copies,
        profile=profile,
        ambiguous=ambiguous,
    )
    return {
        "category": call.category,
        "rationale": call.rationale,
        "ambiguous": bool(call.ambiguous),
        "ish_group": call.ish_group,
        "unusable": list(call.unusable),
    }


def call_her2(h: Her2Input | None, *, profile: str, ambiguous: str) -> dict[str, Any]:
    """HER2 call for one set of pathology values (dict with category, rationale ...)."""
    if h is None or h.is_empty():
        return {
            "category": "unknown",
            "rationale": "no HER2 pathology given",
            "ambiguous": False,
            "ish_group": None,
            "unusable": [],
        }
    pathology = (h.ihc, h.ish_status, h.ish_ratio, h.her2_copies, h.cep17_copies)
    if h.category and all(v is None for v in pathology):
        from her2scope.kb.schema import HER2_CATEGORY_NAMES

        cat = h.category if h.category in HER2_CATEGORY_NAMES else "unknown"
        why = "category given in the patient file, not derived from pathology"
        if cat == "unknown":
            why = f"category {h.category!r} given in the patient file is not a known HER2 category"
        return {
            "category": cat,
            "rationale": why,
            "ambiguous": False,
            "ish_group": None,
            "unusable": [] if cat != "unknown" else ["category"],
        }
    result = dict(_classify_cached(*pathology, profile, ambiguous))
    result["unusable"] = list(result["unusable"])
    return result


class Matcher:
    """Holds a knowledge base with its parsers; ``match(profile)`` -> :class:`PatientReport`."""

    def __init__(self, kb: KnowledgeBase | None = None) -> None:
        self.kb = kb if kb is not None else load_kb()
        self.parser = AlterationParser(self.kb)
        self.therapies = TherapyNormaliser(self.kb)
        self.biomarkers = {b.id: b for b in self.kb.biomarkers}
        self.trials = {t.id: t for t in self.kb.trials}
        self.by_category = {
            b.her2_category: b.id for b in self.kb.biomarkers if b.kind == "her2_category"
        }

    # -- helpers --------------------------------------------------------------
    def _tokens_of(self, therapies: list[str]) -> set[str]:
        """Therapy names and class ids (with parent classes) of a KB therapy list."""
        out: set[str] = set()
        for t in therapies:
            out.add(t)
            if t in self.therapies.therapy_classes:
                out.update(self.therapies.classes_of(t))
            else:
                out.update(self.therapies.expand_class(t))
        return out

    def _display(self, therapies: list[str]) -> list[str]:
        return [self.therapies.display(t) for t in therapies]

    def _trial(self, tid: str) -> dict[str, Any]:
        t = self.trials[tid]
        return {
            "id": t.id,
            "name": t.name,
            "phase": t.phase,
            "status": t.status,
            "nct": t.nct,
            "key_result": t.key_result,
            "sources": [s.label() for s in t.sources],
        }

    # -- main -----------------------------------------------------------------
    def match(self, profile: PatientProfile) -> PatientReport:
        """Match one profile; see the module docstring for the steps."""
        kb = self.kb
        unrecognised: list[Unrecognised] = []
        observed: dict[str, list[str]] = {}

        def observe(bid: str, why: str) -> None:
            observed.setdefault(bid, [])
            if why not in observed[bid]:
                observed[bid].append(why)

        # 1. HER2
        her2 = call_her2(profile.her2, profile=profile.profile, ambiguous=profile.ambiguous)
        category = her2["category"]
        primary: dict[str, Any] | None = None
        if profile.her2_primary is not None and not profile.her2_primary.is_empty():
            primary = call_her2(
                profile.her2_primary, profile=profile.profile, ambiguous=profile.ambiguous
            )
        her2["primary"] = primary
        if category in self.by_category:
            observe(self.by_category[category], f"HER2 call: {category}")
        # 2. ER and derived phenotypes
        if profile.er_status == "positive":
            observe("er_positive", "ER status: positive")
            if category == "HER2-positive":
                observe("er_positive_her2_positive", "ER-positive and HER2-positive")
        elif profile.er_status == "negative":
            observe("er_negative", "ER status: negative")
        switched = (
            primary is not None
            and primary["category"] in RESOLVED
            and category in RESOLVED
            and primary["category"] != category
            and not (primary["category"] in ZERO_FAMILY and category in ZERO_FAMILY)
        )
        if switched and primary is not None:
            observe("her2_category_switch", f"primary {primary['category']} -> now {category}")
        # alterations and markers
        for text in [*profile.alterations, *profile.markers]:
            _parsed, hits, problem = self.parser.match(text)
            if problem is not None:
                unrecognised.append(problem)
            for b in hits:
                observe(b.id, text)
        # 3. mechanisms
        present: list[Mechanism] = [
            m
            for m in kb.mechanisms
            if any(b in observed for b in m.biomarkers)
            and (not m.applies_to_her2 or category in m.applies_to_her2)
        ]
        mechanisms = [
            {
                "id": m.id,
                "label": m.label,
                "mechanism_class": m.mechanism_class,
                "biomarkers": [
                    {"id": b, "label": self.biomarkers[b].label, "evidence": observed[b]}
                    for b in m.biomarkers
                    if b in observed
                ],
                "description": " ".join(m.description.split()),
                "resistance_to": sorted(
                    {t for c in m.resistance for t in self._display(c.therapies)}
                ),
                "sources": [s.label() for s in m.sources],
            }
            for m in present
        ]
        # therapies the patient received
        prior = self.therapies.normalise(profile.prior_therapies)
        unrecognised.extend(prior.unrecognised)
        prior_tokens = prior.tokens()
        # 4. options
        options: list[dict[str, Any]] = []
        negative: list[Strategy] = []
        skipped_er: list[str] = []
        for s in kb.strategies:
            if profile.setting and profile.setting not in s.setting:
                continue
            req = s.requires
            if req.her2_categories and category not in req.her2_categories:
                continue
            if req.biomarkers_any and not any(b in observed for b in req.biomarkers_any):
                continue
            if req.er_status != "any" and profile.er_status != req.er_status:
                if req.er_status == "positive":
                    skipped_er.append(s.id)
                continue
            if s.evidence_level == "resistance":
                negative.append(s)
                continue
            tied = [b for b in [*req.biomarkers_any, *s.supported_by] if b in observed]
            tied = list(dict.fromkeys(tied))
            received = sorted(self._tokens_of(s.therapies) & set(prior.names)) + sorted(
                t for t in s.therapies if t in prior.classes
            )
            options.append(
                {
                    "id": s.id,
                    "therapy": (" + " if s.combination else " / ").join(self._display(s.therapies)),
                    "therapies": self._display(s.therapies),
                    "label": s.label,
                    "evidence_level": s.evidence_level,
                    "biomarkers": [
                        {"id": b, "label": self.biomarkers[b].label, "evidence": observed[b]}
                        for b in tied
                    ],
                    "rationale": s.rationale,
                    "trials": [self._trial(t) for t in s.trials],
                    "sources": [x.label() for x in s.sources],
                    "caveat": s.caveat,
                    "note": s.note,
                    "previously_received": received,
                    "warnings": [],
                    "_tokens": self._tokens_of(s.therapies),
                }
            )
        options.sort(
            key=lambda o: (EVIDENCE_RANK[o["evidence_level"]], -len(o["biomarkers"]), o["id"])
        )
        # 5. warnings
        warnings: list[dict[str, Any]] = []
        for m in present:
            for claim in m.resistance:
                if claim.applies_to_her2 and category not in claim.applies_to_her2:
                    continue
                claim_tokens = set(claim.therapies)
                prior_hit = sorted(claim_tokens & prior_tokens)
                affected = [o for o in options if claim_tokens & o["_tokens"]]
                context = "prior" if prior_hit else ("candidate" if affected else "general")
                w = {
                    "therapy": claim.label or " / ".join(self._display(claim.therapies)),
                    "therapies": self._display(claim.therapies),
                    "reason": claim.statement,
                    "kind": "resistance_mechanism",
                    "basis": claim.basis,
                    "context": context,
                    "mechanism": m.id,
                    "biomarkers": [b for b in m.biomarkers if b in observed],
                    "prior_therapies": self._display(prior_hit),
                    "affected_options": [o["id"] for o in affected],
                    "trials": [self.trials[t].name for t in claim.trials],
                    "sources": [s.label() for s in claim.sources],
                }
                warnings.append(w)
                for o in affected:
                    if w["therapy"] not in o["warnings"]:
                        o["warnings"].append(w["therapy"])
        for s in negative:
            # "prior" only when the patient received the whole failed regimen
            regimen = set(s.therapies)
            whole = regimen <= prior_tokens if s.combination else bool(regimen & prior_tokens)
            hit = sorted(regimen & prior_tokens) if whole else []
            warnings.append(
                {
                    "therapy": (" + " if s.combination else " / ").join(self._display(s.therapies)),
                    "therapies": self._display(s.therapies),
                    "reason": s.rationale,
                    "kind": "negative_evidence",
                    "basis": "clinical",
                    "context": "prior" if hit else "general",
                    "mechanism": None,
                    "biomarkers": [b for b in s.requires.biomarkers_any if b in observed],
                    "prior_therapies": self._display(hit),
                    "affected_options": [],
                    "trials": [self.trials[t].name for t in s.trials],
                    "sources": [x.label() for x in s.sources],
                }
            )
        warnings.extend(self._prior_context(prior.names, observed))
        order = {"prior": 0, "candidate": 1, "general": 2}
        basis_order = {"clinical": 0, "not_stated": 1, "preclinical": 2}
        warnings.sort(key=lambda w: (order[w["context"]], basis_order[w["basis"]]))
        for o in options:
            del o["_tokens"]
        # 6. caveats
        caveats = self._caveats(
            profile, her2, primary, switched, options, skipped_er, observed, unrecognised
        )
        patient = {
            "id": profile.id,
            "er_status": profile.er_status,
            "pr_status": profile.pr_status,
            "her2_input": profile.her2.model_dump(exclude_none=True),
            "her2_primary_input": (
                profile.her2_primary.model_dump(exclude_none=True) if profile.her2_primary else None
            ),
            "alterations": list(profile.alterations),
            "markers": list(profile.markers),
            "prior_therapies": list(profile.prior_therapies)
            if profile.prior_therapies_known
            else None,
            "prior_therapies_normalised": {"therapies": prior.names, "classes": prior.classes},
            "setting": profile.setting,
            "her2_profile": profile.profile,
            "source": profile.source,
        }
        return PatientReport(
            patient=patient,
            her2=her2,
            mechanisms=mechanisms,
            options=options,
            warnings=warnings,
            caveats=caveats,
            unrecognised=[u.to_dict() for u in unrecognised],
            kb_version=kb.meta.version,
            kb_as_of=kb.meta.as_of.isoformat(),
            observed_biomarkers=[
                {"id": b, "label": self.biomarkers[b].label, "evidence": ev}
                for b, ev in observed.items()
            ],
        )

    def _prior_context(
        self, prior_names: list[str], observed: dict[str, list[str]]
    ) -> list[dict[str, Any]]:
        """After e.g. T-DM1: resistance mechanisms that the data cannot show (non-genomic)."""
        out: list[dict[str, Any]] = []
        for name in prior_names:
            mechs: list[str] = []
            sources: list[str] = []
            for m in self.kb.mechanisms:
                if any(b in observed for b in m.biomarkers):
                    continue
                if not all(self.biomarkers[b].kind == "non_genomic" for b in m.biomarkers):
                    continue
                for claim in m.resistance:
                    if name in claim.therapies:
                        mechs.append(m.label)
                        sources.extend(s.label() for s in claim.sources)
                        break
            if mechs:
                out.append(
                    {
                        "therapy": name,
                        "therapies": [name],
                        "reason": (
                            f"Prior {name}: resistance mechanisms described for it that cannot be "
                            "assessed from the data given: " + "; ".join(mechs) + "."
                        ),
                        "kind": "prior_therapy_context",
                        "basis": "not_stated",
                        "context": "prior",
                        "mechanism": None,
                        "biomarkers": [],
                        "prior_therapies": [name],
                        "affected_options": [],
                        "trials": [],
                        "sources": list(dict.fromkeys(sources)),
                    }
                )
        return out

    def _caveats(
        self,
        profile: PatientProfile,
        her2: dict[str, Any],
        primary: dict[str, Any] | None,
        switched: bool,
        options: list[dict[str, Any]],
        skipped_er: list[str],
        observed: dict[str, list[str]],
        unrecognised: list[Unrecognised],
    ) -> list[dict[str, Any]]:
        cav: list[dict[str, Any]] = []

        def add(code: str, message: str, sources: list[Source] | None = None) -> None:
            cav.append(
                {"code": code, "message": message, "sources": [s.label() for s in sources or []]}
            )

        category = her2["category"]
        if her2["ambiguous"]:
            add(
                "her2_ambiguous",
                f"The HER2 call is ambiguous ({her2['rationale']}). Options "
                "that depend on the HER2 category need pathology re-review or retesting.",
            )
        if her2["unusable"]:
            add("her2_unusable", "HER2 values not usable: " + ", ".join(map(str, her2["unusable"])))
        if category == "HER2-0":
            add(
                "her2_zero_unspecified",
                "IHC 0 without null/ultralow detail: HER2-null (no staining) and HER2-ultralow "
                "(faint, incomplete staining in <=10% of cells) must be distinguished. "
                "DESTINY-Breast04 enrolled only IHC 1+ or 2+/ISH-; HER2-ultralow has its own "
                "label (FDA, trastuzumab deruxtecan, January 2025).",
                [DB04_SOURCE],
            )
        elif category == "HER2-null":
            add(
                "her2_null",
                "HER2-null (IHC 0, no staining): no trastuzumab deruxtecan option from "
                "DESTINY-Breast04, which enrolled IHC 1+ or 2+/ISH- tumors only.",
                [DB04_SOURCE],
            )
        elif category == "HER2-ultralow":
            add(
                "her2_ultralow",
                "HER2-ultralow is not discussed in the seeds; the option listed rests on the FDA "
                "label (trastuzumab deruxtecan, January 2025) and requires HR-positive disease.",
            )
        elif category == "HER2-negative":
            add(
                "her2_negative_unspecified",
                "HER2-negative without the IHC score: HER2-low, -ultralow and -null cannot be "
                "told apart, so HER2-low options (e.g. T-DXd) are not listed. Obtain the IHC "
                "score.",
            )
        elif category in ("equivocal", "unknown"):
            add(
                "her2_unresolved",
                f"HER2 status is {category} ({her2['rationale']}); options that require a HER2 "
                "category were not listed.",
            )
        if switched and primary is not None:
            add(
                "her2_switch",
                f"HER2 category differs between the primary tumor ({primary['category']}) and "
                f"the current sample ({category}). Switching between HER2-low and HER2-0 occurs "
                "at 34% or 25% in either direction in progressive disease, and HER2+/- switching "
                "in ~36% of primary vs metastatic pairs: base decisions on the most recent "
                "sample and consider retesting.",
                [SWITCH_SOURCE],
            )
        elif category in ZERO_FAMILY or category == "HER2-negative":
            add(
                "her2_retest",
                "HER2-0/HER2-low status can switch between primary and metastasis (34% or 25% "
                "in either direction in one LumB cohort): if this result is from an older or "
                "primary sample, consider retesting a recent metastatic biopsy.",
                [SWITCH_SOURCE],
            )
        if "erbb2_amplification" in observed and category not in ("HER2-positive", "unknown"):
            add(
                "erbb2_amp_discordant",
                f"ERBB2 amplification by sequencing but HER2 call {category}: review pathology "
                "(heterogeneity, sampling).",
            )
        if profile.er_status == "negative":
            add(
                "er_negative",
                "ER-negative: endocrine-based options are not listed"
                + (f" ({len(skipped_er)} skipped)." if skipped_er else "."),
            )
        elif profile.er_status == "unknown":
            add(
                "er_unknown",
                "ER status unknown: endocrine-based options are not listed"
                + (f" ({len(skipped_er)} skipped)" if skipped_er else "")
                + " until ER status is known.",
            )
        pre = [o["therapy"] for o in options if o["evidence_level"] == "preclinical"]
        if pre:
            add(
                "preclinical_only",
                f"{len(pre)} option(s) rest on preclinical evidence only "
                "(cell lines, PDX): hypotheses for trials, not treatment recommendations: "
                + "; ".join(pre)
                + ".",
            )
        if not profile.prior_therapies_known:
            add(
                "prior_therapies_unknown",
                "Prior therapies are unknown (not in the source data): resistance warnings "
                "cannot be tied to treatment history.",
            )
        if profile.setting is None:
            add(
                "setting_unspecified",
                "Treatment setting not given: options for early and "
                "metastatic settings are both listed.",
            )
        if profile.extra_fields:
            add(
                "unknown_fields",
                "Unknown fields in the patient file were not used: "
                + ", ".join(profile.extra_fields)
                + ".",
            )
        if unrecognised:
            add(
                "unrecognised_inputs",
                f"{len(unrecognised)} input(s) were not understood and "
                "were not used for matching; see 'unrecognised'.",
            )
        for note in profile.notes:
            add("source_note", note)
        return cav


@lru_cache(maxsize=1)
def _default_matcher() -> Matcher:
    return Matcher()


def match_patient(profile: PatientProfile, kb: KnowledgeBase | None = None) -> PatientReport:
    """Match a :class:`PatientProfile` to the knowledge base (default: packaged base)."""
    matcher = _default_matcher() if kb is None else Matcher(kb)
    return matcher.match(profile)

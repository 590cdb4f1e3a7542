"""Match one patient profile against the knowledge base -> :class:`PatientReport`.

The matcher runs as named steps, each traceable to knowledge-base entries and
their sources:

1. :meth:`Matcher.her2` — HER2 call through the HER2 engine for the recent
   sample and the primary. A range score (``0-1+``) is also read under the
   ``low`` and ``zero`` policies: when no reading is HER2-positive the patient
   is eligible for HER2-negative regimens, and the ambiguity is shown.
2. :meth:`Matcher.observe` — observed biomarkers: HER2 category, ER phenotype,
   alterations (every one recognised: knowledge-base match, Cancer Hotspots v2
   status, truncating/loss-of-function reading), germline, PD-L1, markers.
3. :meth:`Matcher.mechanisms` — mechanisms with at least one observed biomarker.
4. :meth:`Matcher.candidates` — strategies whose requirements hold (HER2 under
   every reading, ER, PD-L1, setting, >= 1 required biomarker).
5. :meth:`Matcher.warnings` — resistance claims of the mechanisms present that
   fit this patient (ER context, the claim's own biomarkers), negative evidence,
   label safety warnings triggered by the patient's history.
6. :meth:`Matcher.rank` — the tumor board's order: evidence level (approval by
   FDA/EMA counts as "approved"), fit to the line and to what the patient
   progressed on, class cross-resistance, the knowledge base's resistance
   warnings, CNS disease, label safety; regimens the patient progressed on are
   moved out with the reason; no therapy appears twice.
7. :meth:`Matcher.caveats` — what the reader must know (ambiguous HER2 and what
   would settle it, switching, assumptions about the history ...).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

import her2scope.tumorboard.ranking as ranking
from her2scope.kb.gene_roles import GeneRoles, load_gene_roles
from her2scope.kb.hotspots import HOTSPOT_CITATION, Hotspots, load_hotspots
from her2scope.kb.load import load_kb
from her2scope.kb.schema import (
    PAPER_DOI,
    KnowledgeBase,
    Mechanism,
    ResistanceClaim,
    SafetyWarning,
    Source,
    Strategy,
)
from her2scope.tumorboard.decision import DecidedOption, Decision, DecisionCache
from her2scope.tumorboard.gates import Course, Gatekeeper, PatientState, Verdict
from her2scope.tumorboard.her2_calls import call_her2
from her2scope.tumorboard.patient_file import HistoryItem, PatientProfile
from her2scope.tumorboard.report import PatientReport
from her2scope.tumorboard.terms import (
    AlterationParser,
    NormalisedTherapies,
    ParsedAlteration,
    TherapyNormaliser,
    Unrecognised,
)
from her2scope.vocab import NOT_POSITIVE_CATEGORIES, RESOLVED_CATEGORIES, ZERO_CATEGORIES

ZERO_FAMILY = ZERO_CATEGORIES
NOT_POSITIVE = NOT_POSITIVE_CATEGORIES
RESOLVED = RESOLVED_CATEGORIES

#: score of each evidence level before adjustments (a gap larger than any adjustment
#: but the strongest keeps the evidence order unless a reason is shown)
BASE_SCORE = {"approved": 400, "phase3": 300, "early_clinical": 200, "preclinical": 100}
CLAIM_PENALTY = {"clinical": 80, "not_stated": 40, "preclinical": 20}


@dataclass(frozen=True)
class AlterationFindings:
    """What one alteration item contributes to the observations (:meth:`Matcher.observe`).

    ``read``: does the parser map the item to any knowledge-base biomarker;
    ``observations``: (biomarker id, why) in the order the step observes them;
    ``germline_confirmed``: germline biomarkers the item confirms (a germline item);
    ``germline_genes``: genes whose germline finding the item already is (the germline
    section does not add them again).
    """

    read: bool
    observations: tuple[tuple[str, str], ...]
    germline_confirmed: frozenset[str]
    germline_genes: frozenset[str]

    def tokens(self) -> frozenset[str]:
        """The findings as what the later steps read of them (no item text): the observed
        biomarker ids, the confirmed germline biomarkers and the germline genes."""
        return frozenset(
            [f"o:{b}" for b, _w in self.observations]
            + [f"g:{b}" for b in self.germline_confirmed]
            + [f"s:{g}" for g in self.germline_genes]
        )


@dataclass(frozen=True)
class _Outcome:
    """One strategy's outcome for one (context, what its gate reads): the gate's status
    and the option as decided (with the observed biomarkers it is tied to)."""

    status: str
    option: DecidedOption


@dataclass(frozen=True)
class _Gated:
    """Every listed strategy through its gate, for one (context, observations): the
    eligible ones (strategy, outcome, gate key), the conditional and not-eligible options
    as decided, and the biomarkers those are tied to."""

    eligible: tuple[tuple[Strategy, _Outcome, Any], ...]
    conditional: tuple[DecidedOption, ...]
    not_eligible: tuple[DecidedOption, ...]
    tied: frozenset[str]


#: the findings of an item the knowledge base does not read
NO_FINDINGS = AlterationFindings(False, (), frozenset(), frozenset())


@dataclass
class _Context:
    """What the steps share for one patient."""

    profile: PatientProfile
    her2: dict[str, Any]
    primary: dict[str, Any] | None
    category: str
    readings: list[str]
    switched: bool
    observed: dict[str, list[str]] = field(default_factory=dict)
    alterations: list[dict[str, Any]] = field(default_factory=list)
    unrecognised: list[Unrecognised] = field(default_factory=list)
    history: list[HistoryItem] = field(default_factory=list)
    received: set[str] = field(default_factory=set)
    received_early: set[str] = field(default_factory=set)
    progressed: dict[str, str] = field(default_factory=dict)  # token -> "letrozole (line 1)"
    stopped_toxicity: dict[str, str] = field(default_factory=dict)
    next_line: int = 1
    notes: list[str] = field(default_factory=list)
    courses: list[Course] = field(default_factory=list)
    verdicts: dict[str, Verdict] = field(default_factory=dict)
    #: findings this knowledge-base version recognises but does not cover (one line each)
    not_covered: list[str] = field(default_factory=list)
    #: germline biomarkers (``germline_brca2``) read from a germline item or the germline
    #: section; one observed only from a variant of unstated origin is not confirmed
    germline_confirmed: set[str] = field(default_factory=set)

    def observe(self, bid: str, why: str) -> None:
        self.observed.setdefault(bid, [])
        if why not in self.observed[bid]:
            self.observed[bid].append(why)


class Matcher:
    """Holds a knowledge base with its parsers; ``match(profile)`` -> :class:`PatientReport`."""

    def __init__(
        self,
        kb: KnowledgeBase | None = None,
        hotspots: Hotspots | None = None,
        gene_roles: GeneRoles | None = None,
    ) -> None:
        self.kb = kb if kb is not None else load_kb()
        self.hotspots = hotspots if hotspots is not None else load_hotspots()
        self.gene_roles = gene_roles if gene_roles is not None else load_gene_roles()
        self.parser = AlterationParser(self.kb)
        self.therapies = TherapyNormaliser(self.kb)
        self.biomarkers = {b.id: b for b in self.kb.biomarkers}
        self.trials = {t.id: t for t in self.kb.trials}
        self._strategies = {s.id: s for s in self.kb.strategies}
        self._reads: dict[str, frozenset[str]] = {}
        self._read_sets: tuple[frozenset[str], ...] | None = None
        self._listed: list[tuple[Strategy, int]] = []
        self._read_universe: frozenset[str] = frozenset()
        self._course_readings: dict[str, NormalisedTherapies] = {}
        self._mechanisms_of: dict[str, list[int]] | None = None
        self._therapy_texts: dict[str, str] = {}
        self._regimens: dict[str, frozenset[str]] = {}
        self._evidence_orders: dict[str, tuple[Any, ...]] = {}
        self._relevant_claims: dict[str, frozenset[tuple[str, int]]] = {}
        self.classes = {c.id: c for c in self.kb.therapy_classes}
        self.references = {(r.paper, r.ref): r for r in self.kb.references}
        self.caveat_entries = {c.id: c for c in self.kb.caveats}
        self.by_category = {
            b.her2_category: b.id for b in self.kb.biomarkers if b.kind == "her2_category"
        }
        self._tokens_cache: dict[tuple[str, ...], frozenset[str]] = {}
        self._source_cache: dict[int, tuple[Source, dict[str, Any]]] = {}
        self._findings_cache: dict[str, AlterationFindings] = {}
        self.therapy_names = {t.name for t in self.kb.therapies}
        # a label warning follows its agent into every regimen that contains it
        self.safety_by_agent: dict[str, list[Any]] = {}
        for st in self.kb.strategies:
            drugs = [t for t in st.therapies if t in self.therapy_names]
            for sw in st.safety:
                agents = sw.agents or (drugs if len(drugs) == 1 else [])
                for a in agents:
                    known = self.safety_by_agent.setdefault(a, [])
                    if all(k.statement != sw.statement for k in known):
                        known.append(sw)
        self.gatekeeper = Gatekeeper(self)
        endocrine = set(self.therapies.expand_class("endocrine_therapy"))
        self.endocrine_tokens = (
            {t.name for t in self.kb.therapies if "endocrine_therapy" in t.classes}
            | {c.id for c in self.kb.therapy_classes if "endocrine_therapy" in c.parents}
            | endocrine
        )

    # -- helpers --------------------------------------------------------------
    def tokens_of(self, therapies: list[str]) -> set[str]:
        """Therapy names and class ids (with parent classes) of a KB therapy list."""
        key = tuple(therapies)
        hit = self._tokens_cache.get(key)
        if hit is None:
            out: set[str] = set()
            for t in therapies:
                out.add(t)
                out.update(self._classes_of(t))
            # the KB does not change under a matcher: a regimen's tokens are computed once
            hit = self._tokens_cache[key] = frozenset(out)
        return set(hit)

    def _display(self, therapies: list[str]) -> list[str]:
        return [self.therapies.display(t) for t in therapies]

    # -- what the gates read (tumorboard.gates.Engine) -------------------------------
    def display(self, token: str) -> str:
        """A therapy name as is; a class id as its label."""
        return self.therapies.display(token)

    def trial_name(self, trial_id: str) -> str:
        """The trial's name (``KEYNOTE-355``)."""
        return self.trials[trial_id].name

    def trial_sources(self, trial_id: str) -> list[Source]:
        """The trial entry's sources."""
        return list(self.trials[trial_id].sources)

    def safety_for(self, s: Strategy) -> list[SafetyWarning]:
        """The strategy's label warnings plus those of each of its agents elsewhere."""
        out = list(s.safety)
        for t in s.therapies:
            for sw in self.safety_by_agent.get(t, []):
                if all(o.statement != sw.statement for o in out):
                    out.append(sw)
        return out

    def biomarker_label(self, bid: str) -> str:
        """The label of a knowledge-base biomarker."""
        return self.biomarkers[bid].label

    def biomarker_kind(self, bid: str) -> str:
        """The kind of a knowledge-base biomarker (her2_category, gene_alteration ...)."""
        return self.biomarkers[bid].kind

    def source(self, s: Source) -> dict[str, Any]:
        """A citation as the reader sees it: text plus links (PMID, DOI, NCT, URL)."""
        # sources are frozen KB objects: render each once per matcher (a copy per call,
        # so a report can never change another's)
        done = self._source_cache.get(id(s))
        if done is not None and done[0] is s:
            return {"text": done[1]["text"], "links": [dict(x) for x in done[1]["links"]]}
        rendered = self._render_source(s)
        self._source_cache[id(s)] = (s, rendered)
        return {"text": rendered["text"], "links": [dict(x) for x in rendered["links"]]}

    def _render_source(self, s: Source) -> dict[str, Any]:
        links = [{"label": lab, "url": url} for lab, url in s.links()]
        text = s.label()
        if s.paper is not None:
            links.insert(
                0,
                {
                    "label": f"doi:{PAPER_DOI[s.paper]}",
                    "url": f"https://doi.org/{PAPER_DOI[s.paper]}",
                },
            )
            cited = []
            for r in s.ref:
                ref = self.references.get((s.paper, r))
                if ref is None:
                    continue
                cited.append(f"[{r}] {ref.citation}")
                if ref.pmid:
                    links.append(
                        {
                            "label": f"ref {r}: PMID {ref.pmid}",
                            "url": f"https://pubmed.ncbi.nlm.nih.gov/{ref.pmid}/",
                        }
                    )
                elif ref.doi:
                    links.append(
                        {"label": f"ref {r}: doi:{ref.doi}", "url": f"https://doi.org/{ref.doi}"}
                    )
            if cited:
                text += " — cites " + "; ".join(cited)
        return {"text": text, "links": links}

    def sources(self, items: list[Source]) -> list[dict[str, Any]]:
        return [self.source(s) for s in items]

    def _trial(self, tid: str) -> dict[str, Any]:
        t = self.trials[tid]
        return {
            "id": t.id,
            "name": t.name,
            "phase": t.phase,
            "status": t.status,
            "nct": t.nct,
            "key_result": t.key_result,
            "sources": self.sources(list(t.sources)),
        }

    # -- 1. HER2 --------------------------------------------------------------
    def her2(self, profile: PatientProfile) -> tuple[dict[str, Any], dict[str, Any] | None]:
        """HER2 of the recent sample and of the primary (None when not given)."""
        her2 = call_her2(profile.her2, profile=profile.profile, ambiguous=profile.ambiguous)
        primary = None
        if profile.her2_primary is not None and not profile.her2_primary.is_empty():
            primary = call_her2(
                profile.her2_primary, profile=profile.profile, ambiguous=profile.ambiguous
            )
        return her2, primary

    # -- 2. observations --------------------------------------------------------
    def observe(self, ctx: _Context, *, explain: bool = True) -> None:
        """Fill ``ctx.observed``, ``ctx.alterations`` and ``ctx.unrecognised``.

        With ``explain=False`` (the batch path's :meth:`decide`) each alteration item adds
        what :meth:`alteration_findings` found in it -- the same step, cached per distinct
        text -- and nothing is kept that only the report's explanation shows (the item
        rows, what was not understood, the findings the base does not cover).
        """
        profile, category = ctx.profile, ctx.category
        if category in self.by_category:
            ctx.observe(self.by_category[category], f"HER2 call: {category}")
        if profile.er_status == "positive":
            ctx.observe("er_positive", "ER status: positive")
            if category == "HER2-positive":
                ctx.observe("er_positive_her2_positive", "ER-positive and HER2-positive")
        elif profile.er_status == "negative":
            ctx.observe("er_negative", "ER status: negative")
        if ctx.switched and ctx.primary is not None:
            ctx.observe(
                "her2_category_switch", f"primary {ctx.primary['category']} -> now {category}"
            )
        germline_seen: set[str] = set()
        for text in profile.alterations:
            if not explain:
                found = self.alteration_findings(text)
                for bid, why in found.observations:
                    ctx.observe(bid, why)
                ctx.germline_confirmed |= found.germline_confirmed
                germline_seen |= found.germline_genes
                continue
            for row in self._alterations(ctx, text):
                ctx.alterations.append(row)
                if row.get("origin") == "germline" and row.get("germline_finding"):
                    germline_seen.add(str(row["gene"]))
        for text in profile.markers:
            _parsed, hits, problem = self.parser.match(text)
            if problem is not None and explain:
                ctx.unrecognised.append(problem)
            for b in hits:
                ctx.observe(b.id, text)
        for gene in profile.germline.pathogenic:
            if gene.upper() in germline_seen:
                continue  # already observed from a germline item of the alterations
            bid = f"germline_{gene.lower()}"
            if bid in self.biomarkers:
                ctx.observe(bid, f"germline pathogenic variant in {gene}")
                ctx.germline_confirmed.add(bid)
            else:
                ctx.alterations.append(
                    {
                        "input": f"germline {gene}",
                        "gene": gene,
                        "reading": "germline pathogenic variant",
                        "knowledge_base": [],
                        "hotspot": None,
                        "note": f"no therapy or resistance entry for germline {gene} here",
                    }
                )
        if profile.pd_l1.status == "positive":
            ctx.observe("pdl1_positive", _pdl1_text(profile))
        elif profile.pd_l1.status == "negative":
            ctx.observe("pdl1_negative", _pdl1_text(profile))
        self._observe_v3(ctx)
        if explain:
            self._not_covered(ctx)
        # biomarkers that act only together with another one (ESR1 F404 in cis)
        for bid in list(ctx.observed):
            b = self.biomarkers[bid]
            if b.requires_also and not any(o in ctx.observed for o in b.requires_also):
                ctx.notes.append(
                    f"{b.label}: observed ({'; '.join(ctx.observed[bid])}) but it acts only "
                    "together with "
                    + ", ".join(self.biomarkers[o].label for o in b.requires_also)
                    + ", which was not found; not used for matching."
                )
                del ctx.observed[bid]

    def _not_covered(self, ctx: _Context) -> None:
        """One line for each finding the base recognises but does not cover (``meta.yaml``'s
        ``not_covered``): named in the file (an alteration, marker or note mentions one of its
        aliases) or standing for an observed biomarker. Never dropped silently."""
        profile = ctx.profile
        written = [t.lower() for t in (*profile.alterations, *profile.markers)]
        for entry in self.kb.meta.not_covered:
            aliases = [a.lower() for a in entry.aliases]
            named = [t for t in written if any(_mentions(t, a) for a in aliases)]
            seen = [b for b in entry.biomarkers if b in ctx.observed]
            if named or seen:
                where = "; ".join(named or seen)
                note = f" {entry.note}" if entry.note else ""
                ctx.not_covered.append(f"{entry.line()} ({where}).{note}")

    def _observe_v3(self, ctx: _Context) -> None:
        """MSI/MMR, TMB and ER-low from the v3 fields, when the base has the biomarker."""
        profile = ctx.profile
        if profile.msi_status == "high" and "msi_high" in self.biomarkers:
            ctx.observe("msi_high", "MSI status: high")
        if profile.mmr_status == "deficient" and "mmr_deficient" in self.biomarkers:
            ctx.observe("mmr_deficient", "MMR status: deficient")
        if profile.tmb is not None and "tmb_high" in self.biomarkers:
            cutoff = getattr(self.biomarkers["tmb_high"], "cutoff", None)
            if cutoff is not None and cutoff.holds(profile.tmb):
                ctx.observe(
                    "tmb_high",
                    f"TMB {profile.tmb:g} mutations/Mb ({cutoff.comparator} {cutoff.value:g} "
                    f"{cutoff.unit})",
                )
            elif cutoff is None:
                ctx.notes.append(
                    f"TMB {profile.tmb:g} mutations/Mb given, but the knowledge base has no "
                    "cut-off for TMB-high: not used for matching."
                )
        if profile.er_low and "er_low" in self.biomarkers:
            pct = f" ({profile.er_percent:g}%)" if profile.er_percent is not None else ""
            ctx.observe("er_low", f"ER Low Positive{pct}")

    def alteration_findings(self, text: str) -> AlterationFindings:
        """What one alteration item adds to a patient's observations, read by the same
        step as :meth:`match` (:meth:`_alterations`), cached per distinct text.

        The step reads nothing of the patient but the text, so its contribution is the
        same in every profile that carries the item: the batch path keys samples by
        these findings instead of by the text (:mod:`her2scope.tumorboard.batch`).
        """
        hit = self._findings_cache.get(text)
        if hit is None and not self.parser.may_match(text):
            # no gene or marker word of the base in it: nothing the step could observe
            self._findings_cache[text] = hit = NO_FINDINGS
        if hit is None:
            scratch = _Context(
                profile=None,  # type: ignore[arg-type]  # the step never reads the profile
                her2={},
                primary=None,
                category="",
                readings=[],
                switched=False,
            )
            results = self.parser.match_all(text)
            if not any(hits for _p, hits, _u in results):
                # nothing to observe: the step observes, confirms and marks germline genes
                # only from the parser's hits
                self._findings_cache[text] = hit = NO_FINDINGS
                return hit
            rows = self._alterations(scratch, text, results)
            hit = AlterationFindings(
                read=True,
                observations=tuple((b, w) for b, ws in scratch.observed.items() for w in ws),
                germline_confirmed=frozenset(scratch.germline_confirmed),
                germline_genes=frozenset(
                    str(r["gene"])
                    for r in rows
                    if r.get("origin") == "germline" and r.get("germline_finding")
                ),
            )
            self._findings_cache[text] = hit
        return hit

    def not_read(self, texts: Iterable[str]) -> None:
        """Record texts the parser's pre-filter rejected elsewhere (the batch's vectorised
        :meth:`~her2scope.tumorboard.terms.AlterationParser.may_match`): nothing to find."""
        cache = self._findings_cache
        for text in texts:
            cache.setdefault(text, NO_FINDINGS)

    def findings_of(
        self, texts: list[str], *, parallel_min: int = 50_000
    ) -> list[AlterationFindings]:
        """:meth:`alteration_findings` of each text; many texts are read by this process
        and forked workers at once (:mod:`her2scope.tumorboard.workers`), the findings
        kept in this matcher's cache as if it had read them all."""
        from her2scope.tumorboard.workers import fork_map, split, worker_count

        n = worker_count(len(texts), parallel_min)
        if n == 1:
            return [self.alteration_findings(t) for t in texts]
        parts = split(texts, n)
        found = fork_map(lambda part: [self.alteration_findings(t) for t in part], parts)
        out: list[AlterationFindings] = []
        for part, findings in zip(parts, found, strict=True):
            for text, f in zip(part, findings, strict=True):
                out.append(self._findings_cache.setdefault(text, f))
        return out

    def _alterations(
        self,
        ctx: _Context,
        text: str,
        results: list[tuple[ParsedAlteration | None, list[Any], Unrecognised | None]] | None = None,
    ) -> list[dict[str, Any]]:
        """Every finding of one item (``;``-separated), each as :meth:`_alteration` reads it
        (``results``: the parser's reading of ``text``, when already made)."""
        if results is None:
            results = self.parser.match_all(text)
        if len(results) == 1:
            return [self._alteration(ctx, text, results[0])]
        rows = []
        for result in results:
            parsed, _hits, problem = result
            part = parsed.text if parsed is not None else (problem.text if problem else text)
            rows.append(self._alteration(ctx, part, result))
        return rows

    def _alteration(
        self,
        ctx: _Context,
        text: str,
        result: tuple[ParsedAlteration | None, list[Any], Unrecognised | None] | None = None,
    ) -> dict[str, Any]:
        """Recognise one alteration: KB biomarkers, hotspot status, loss-of-function reading.

        Annotations (origin, specimen, VAF, clonality, pathogenicity, copy number,
        method) are shown under ``attributes``. A germline variant that is
        pathogenic (stated, or truncating by its notation) is the germline
        finding of its gene (``germline_brca2``); a VUS, a negated finding or a
        ``c.`` change without its protein effect is shown and not matched.
        """
        parsed, hits, problem = result if result is not None else self.parser.match(text)
        germline = parsed is not None and parsed.origin == "germline"
        if germline and parsed is not None:
            hits, problem = self._germline(ctx, parsed, hits, problem)
        for b in hits:
            ctx.observe(b.id, text)
        row: dict[str, Any] = {
            "input": text,
            "gene": parsed.gene if parsed else None,
            "reading": parsed.label if parsed else None,
            "knowledge_base": [{"id": b.id, "label": b.label} for b in hits],
            "hotspot": None,
            "note": "",
        }
        if parsed is not None:
            attributes = parsed.attributes()
            if parsed.partner:
                attributes["partner"] = parsed.partner
            if attributes:
                row["attributes"] = attributes
            if parsed.origin is not None:
                row["origin"] = parsed.origin
            if germline:
                row["germline_finding"] = bool(hits)
            if not parsed.actionable or (germline and not hits):
                if problem is not None:
                    ctx.unrecognised.append(problem)
                    row["note"] = problem.reason
                return row
        if parsed is None:
            if hits:  # a marker alias
                row["reading"] = hits[0].label
                return row
            if problem is not None:
                ctx.unrecognised.append(problem)
                row["note"] = problem.reason
            return row
        hotspot = self._hotspot(parsed)
        row["hotspot"] = hotspot
        role = self.gene_roles.role(parsed.gene)
        lof = parsed.event in ("deletion", "loss") or (
            parsed.event == "mutation" and parsed.truncating
        )
        notes: list[str] = []
        if hotspot:
            notes.append(hotspot["text"])
        if lof and role == "tumor_suppressor":
            notes.append(f"truncating/deleted {parsed.gene} (tumor suppressor): loss of function")
        elif lof and role is not None:
            notes.append(f"truncating/deleted {parsed.gene} ({role.replace('_', ' ')})")
        if (
            parsed.event == "mutation"
            and not hotspot
            and not parsed.truncating
            and parsed.protein_change
        ):
            notes.append("not a Cancer Hotspots v2 hotspot: pathogenicity not assessed")
        if (
            not hits
            and parsed.gene not in self.parser.by_gene
            and parsed.gene not in self.hotspots.by_gene
            and role is None
        ):
            problem = Unrecognised(
                parsed.text,
                "alteration",
                f"gene {parsed.gene} is not known to the knowledge base, Cancer Hotspots v2 or "
                "the gene-role table (symbol not checked against HGNC)",
            )
            ctx.unrecognised.append(problem)
            row["note"] = problem.reason
            return row
        if not hits:
            gene_known = parsed.gene in self.parser.by_gene
            notes.append(
                f"no resistance or therapy entry for this {parsed.gene} alteration here"
                if gene_known
                else f"{parsed.gene} has no resistance or therapy entry in this knowledge base"
            )
        row["note"] = "; ".join(notes)
        row["role"] = role
        row["loss_of_function"] = bool(lof and role == "tumor_suppressor")
        return row

    def _germline(
        self,
        ctx: _Context,
        parsed: ParsedAlteration,
        hits: list[Any],
        problem: Unrecognised | None,
    ) -> tuple[list[Any], Unrecognised | None]:
        """A germline item: the germline biomarker of its gene when the variant is pathogenic.

        Pathogenic means stated (pathogenic, likely pathogenic) or truncating by the
        notation itself (nonsense, frameshift, also a ``c.`` deletion/insertion whose
        length is not a multiple of three). Anything else is shown with the reason.
        """
        if not parsed.actionable:
            return [], problem
        bid = f"germline_{parsed.gene.lower()}"
        stated = parsed.pathogenicity in ("pathogenic", "likely_pathogenic")
        if not (stated or parsed.truncating):
            return [], Unrecognised(
                parsed.text,
                "alteration",
                f"germline {parsed.label}: pathogenicity not stated and not truncating by its "
                "notation; state 'pathogenic' or 'likely pathogenic' from the report to use it",
            )
        b = self.biomarkers.get(bid)
        if b is None:
            return [], Unrecognised(
                parsed.text,
                "alteration",
                f"no therapy or resistance entry for germline {parsed.gene} here",
            )
        ctx.germline_confirmed.add(bid)
        return [b], None

    def _hotspot(self, p: ParsedAlteration) -> dict[str, Any] | None:
        if p.event != "mutation" or not p.protein_change:
            return None
        hit = self.hotspots.lookup(p.gene, p.protein_change)
        if hit is None:
            return None
        return {**hit, "source": HOTSPOT_CITATION}

    # -- history ----------------------------------------------------------------
    def history(self, ctx: _Context) -> None:
        """Normalise the therapy history: received, progressed-on and toxicity tokens."""
        profile = ctx.profile
        ctx.history = profile.history()
        for h in ctx.history:
            # the reading of one course's text never changes under a matcher; it is only
            # read here (never handed out), so one reading serves every profile
            norm = self._course_readings.get(h.therapy)
            if norm is None:
                norm = self._course_readings[h.therapy] = self.therapies.normalise([h.therapy])
            ctx.unrecognised.extend(norm.unrecognised)
            tokens = norm.tokens()
            ctx.received |= tokens
            if h.setting == "early":
                ctx.received_early |= tokens
            where = h.setting or "setting not given"
            desc = f"{h.therapy} ({where}" + (f", line {h.line}" if h.line else "") + ")"
            if h.outcome == "progressed":
                for t in tokens:
                    ctx.progressed.setdefault(t, desc)
            elif h.outcome == "stopped_toxicity":
                for t in tokens:
                    ctx.stopped_toxicity.setdefault(t, desc)
            ctx.courses.append(
                Course(
                    text=desc,
                    tokens=frozenset(tokens),
                    names=frozenset(norm.names),
                    setting=h.setting,
                    line=h.line,
                    outcome=h.outcome,
                    intent=h.intent,
                    months_since_end=h.months_since_end,
                    toxicity_event=h.toxicity_event,
                    toxicity_grade=h.toxicity_grade,
                    permanently_discontinued=h.permanently_discontinued,
                )
            )
        ctx.next_line = profile.next_line()

    # -- 3. mechanisms ----------------------------------------------------------
    def mechanisms(self, ctx: _Context) -> list[Mechanism]:
        """Mechanisms with an observed biomarker (that apply to the HER2 category), in the
        base's order."""
        if self._mechanisms_of is None:
            index: dict[str, list[int]] = {}
            for i, m in enumerate(self.kb.mechanisms):
                for b in dict.fromkeys(m.biomarkers):
                    index.setdefault(b, []).append(i)
            self._mechanisms_of = index
        hits = {i for b in ctx.observed for i in self._mechanisms_of.get(b, ())}
        mechanisms = self.kb.mechanisms
        return [
            m
            for m in (mechanisms[i] for i in sorted(hits))
            if not m.applies_to_her2 or ctx.category in m.applies_to_her2
        ]

    # -- 4. gates -------------------------------------------------------------------
    def her2_fits(self, allowed: list[str], readings: list[str]) -> bool:
        """Every reading of the patient's HER2 is among the allowed categories."""
        if not allowed:
            return True
        allowed_set = set(allowed)
        if "HER2-negative" in allowed_set:
            allowed_set |= NOT_POSITIVE
        return bool(readings) and all(r in allowed_set for r in readings)

    def state(self, ctx: _Context) -> PatientState:
        """What the gates read about this patient."""
        profile = ctx.profile
        response = profile.neoadjuvant_response.response if profile.neoadjuvant_response else None
        earlier_positive = ctx.primary is not None and ctx.primary["category"] == "HER2-positive"
        return PatientState(
            setting=profile.setting,
            early_state=profile.early_state,
            response=response,
            next_line=ctx.next_line,
            history_known=profile.prior_therapies_known,
            courses=ctx.courses,
            readings=list(ctx.readings),
            category=ctx.category,
            her2_ambiguous=bool(ctx.her2.get("ambiguous")),
            earlier_her2_positive=earlier_positive and ctx.category != "HER2-positive",
            er_status=profile.er_status,
            er_low=profile.er_low,
            pd_l1=_pdl1_status(ctx),
            menopausal=profile.menopausal_status,
            ild_history=profile.ild_history,
            ild_active=profile.ild_active,
            nodal_risk=profile.nodal_risk,
            has=lambda bid: self._has(ctx, bid),
            # a tumour variant of unstated origin (a study's MAF, "BRCA2 E1308*") matches the
            # germline biomarker of its gene; the germline approvals wait on its origin
            germline_unconfirmed=frozenset(
                b
                for b in ctx.observed
                if b.startswith("germline_") and b not in ctx.germline_confirmed
            ),
        )

    def candidates(self, ctx: _Context) -> tuple[list[Strategy], list[Strategy], list[str]]:
        """(eligible options, negative-evidence strategies that apply, ids skipped for ER).

        Every non-retired strategy gets a :class:`~her2scope.tumorboard.gates.Verdict`
        in ``ctx.verdicts`` (eligible, not eligible, conditional or left out).
        """
        st = self.state(ctx)
        options: list[Strategy] = []
        negative: list[Strategy] = []
        skipped_er: list[str] = []
        for s in self.kb.strategies:
            if s.retired:
                continue
            verdict = self.gatekeeper.gate(s, st)
            if s.evidence_level == "resistance":
                # an earlier HER2-positive sample keeps HER2-directed therapy in play: negative
                # evidence about it in HER2-low/-0 disease is not this patient's question
                if st.earlier_her2_positive and "her2_directed" in self.tokens_of(s.therapies):
                    continue
                # negative evidence warns only where its population applies
                if verdict.status == "eligible" or (
                    verdict.status == "conditional"
                    and all(c.criterion != "her2" for c in verdict.reasons)
                ):
                    negative.append(s)
                continue
            ctx.verdicts[s.id] = verdict
            if verdict.status == "eligible":
                options.append(s)
            elif (
                verdict.status == "left_out"
                and any(c.criterion == "er" for c in verdict.reasons)
                and s.requires.er_status == "positive"
            ):
                skipped_er.append(s.id)
        return options, negative, skipped_er

    def _has(self, ctx: _Context, bid: str) -> bool:
        """Observed, or a HER2-category biomarker that every HER2 reading satisfies."""
        if bid in ctx.observed:
            return True
        b = self.biomarkers.get(bid)
        if b is not None and b.kind == "her2_category" and b.her2_category:
            return len(ctx.readings) > 0 and all(r == b.her2_category for r in ctx.readings)
        return False

    # -- 5. warnings --------------------------------------------------------------
    def claims(
        self, ctx: _Context, present: list[Mechanism]
    ) -> list[tuple[Mechanism, int, ResistanceClaim, list[str]]]:
        """The resistance claims of the mechanisms present that fit this patient: (the
        mechanism, the claim's index in it, the claim, the observed biomarkers it rests
        on), in the base's order. A claim fits when its HER2 categories hold, one of its
        own biomarkers (if it names any) is observed and the ER status is the one it is
        about (an endocrine-only claim is about ER-positive disease)."""
        out: list[tuple[Mechanism, int, ResistanceClaim, list[str]]] = []
        er_status = ctx.profile.er_status
        for m in present:
            for i, claim in enumerate(m.resistance):
                if claim.applies_to_her2 and ctx.category not in claim.applies_to_her2:
                    continue
                if claim.biomarkers and not any(b in ctx.observed for b in claim.biomarkers):
                    continue
                endocrine_only = all(t in self.endocrine_tokens for t in claim.therapies)
                er_needed = claim.er_status if claim.er_status != "any" else None
                if er_needed is None and endocrine_only:
                    er_needed = "positive"
                if er_needed is not None and er_status != er_needed:
                    continue
                used = [b for b in (claim.biomarkers or m.biomarkers) if b in ctx.observed]
                out.append((m, i, claim, used))
        return out

    def warnings(
        self, ctx: _Context, present: list[Mechanism], negative: list[Strategy]
    ) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for m, _i, claim, used in self.claims(ctx, present):
            claim_tokens = set(claim.therapies)
            prior_hit = sorted(claim_tokens & ctx.received)
            out.append(
                {
                    "therapy": claim.label or " / ".join(self._display(claim.therapies)),
                    "therapies": self._display(claim.therapies),
                    "tokens": sorted(claim_tokens),
                    "reason": claim.statement,
                    "kind": "resistance_mechanism",
                    "basis": claim.basis,
                    "context": "prior" if prior_hit else "general",
                    "mechanism": m.id,
                    "biomarkers": used,
                    "prior_therapies": self._display(prior_hit),
                    "affected_options": [],
                    "trials": [self.trials[t].name for t in claim.trials],
                    "sources": self.sources(list(claim.sources)),
                }
            )
        for s in negative:
            regimen = set(s.therapies)
            whole = regimen <= ctx.received if s.combination else bool(regimen & ctx.received)
            hit = sorted(regimen & ctx.received) if whole else []
            out.append(
                {
                    "therapy": (" + " if s.combination else " / ").join(self._display(s.therapies)),
                    "therapies": self._display(s.therapies),
                    "tokens": [],
                    "reason": s.rationale,
                    "kind": "negative_evidence",
                    "basis": "clinical",
                    "context": "prior" if hit else "general",
                    "mechanism": None,
                    "biomarkers": [b for b in s.requires.biomarkers_any if b in ctx.observed],
                    "prior_therapies": self._display(hit),
                    "affected_options": [],
                    "trials": [self.trials[t].name for t in s.trials],
                    "sources": self.sources(list(s.sources)),
                }
            )
        out.extend(self._prior_context(ctx))
        return out

    def _prior_context(self, ctx: _Context) -> list[dict[str, Any]]:
        """After e.g. T-DM1: resistance mechanisms that the data cannot show (non-genomic)."""
        out: list[dict[str, Any]] = []
        names = [t.name for t in self.kb.therapies if t.name in ctx.received]
        for name in names:
            mechs: list[str] = []
            sources: list[Source] = []
            for m in self.kb.mechanisms:
                if any(b in ctx.observed for b in m.biomarkers):
                    continue
                if not all(self.biomarkers[b].kind == "non_genomic" for b in m.biomarkers):
                    continue
                for claim in m.resistance:
                    if name in claim.therapies:
                        mechs.append(m.label)
                        sources.extend(claim.sources)
                        break
            if mechs:
                out.append(
                    {
                        "therapy": name,
                        "therapies": [name],
                        "tokens": [],
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
                        "sources": self.sources(list({s.label(): s for s in sources}.values())),
                    }
                )
        return out

    # -- 6. ranking ---------------------------------------------------------------
    def score(
        self,
        ctx: _Context,
        s: Strategy,
        warnings: list[dict[str, Any]],
        *,
        explain: bool = True,
    ) -> tuple[dict[str, Any], list[ranking.Adjustment]]:
        """One eligible strategy as an option, with the ranking rules that apply to it
        (:meth:`_rules`; the head-to-head rule is :meth:`order`'s, across options).

        ``explain=False``: the option holds only what the rules read of it (the observed
        biomarkers it is tied to), not its approvals, trials and sources.
        """
        if explain:
            option = self._option(ctx, s)
        else:
            tied = self._tied(ctx, s)
            option = {"biomarkers": [{"id": b} for b in tied], "warnings": [], "safety": []}
        return option, self._rules(ctx, s, option, warnings)

    def order(
        self, scored: list[tuple[Strategy, list[ranking.Adjustment]]]
    ) -> list[tuple[Strategy, list[ranking.Adjustment]]]:
        """Eligible strategies in the tumor board's order, each with every rule applied.

        Adds the head-to-head rule (a regimen beaten by another eligible option is
        placed below it, ``superseded``), sorts by the named rules of
        ``tumorboard/ranking.yaml`` (fit, then evidence, then adjustments, then the most
        recent approval) and puts a superseded option right after the option that beat
        it. The lists given are not changed. Options of one regimen are all kept here
        (:meth:`rank` merges them into the best-placed one, :meth:`regimen_key`).
        """
        present = {s.id for s, _a in scored}
        items: list[tuple[Strategy, list[ranking.Adjustment]]] = []
        for s, applied in scored:
            applied = list(applied)
            for sup in s.superseded_by:
                if sup.strategy in present:
                    better = self._strategies[sup.strategy]
                    applied.append(
                        ranking.apply(
                            "superseded",
                            f"{self.trials[sup.trial].name}: {self.therapy_text(better)} was "
                            f"better ({sup.statement})",
                        )
                    )
            items.append((s, applied))
        items.sort(
            key=lambda t: ranking.sort_key(
                t[1], t[0].evidence_level, _latest_approval(t[0]), t[0].id
            )
        )
        # a superseded option goes right after the option that beat it
        order = list(items)
        for t in list(order):
            for sup in t[0].superseded_by:
                ids = [x[0].id for x in order]
                if sup.strategy in ids and ids.index(sup.strategy) > ids.index(t[0].id):
                    order.remove(t)
                    order.insert([x[0].id for x in order].index(sup.strategy) + 1, t)
        return order

    def therapy_text(self, s: Strategy) -> str:
        """The regimen as shown: agents joined by `` + `` (a combination) or `` / ``."""
        text = self._therapy_texts.get(s.id)
        if text is None:
            text = (" + " if s.combination else " / ").join(self._display(s.therapies))
            self._therapy_texts[s.id] = text
        return text

    def regimen_key(self, s: Strategy) -> frozenset[str]:
        """What makes two options the same therapy (no therapy is listed twice)."""
        key = self._regimens.get(s.id)
        if key is None:
            key = self._regimens[s.id] = frozenset(self._display(s.therapies))
        return key

    @staticmethod
    def _ups_downs(applied: list[ranking.Adjustment]) -> tuple[list[str], list[str]]:
        ups = [a.detail for a in applied if a.weight > 0]
        downs = [a.detail for a in applied if a.weight < 0 or a.rule == "superseded"]
        return ups, downs

    def rank(
        self, ctx: _Context, strategies: list[Strategy], warnings: list[dict[str, Any]]
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """(ranked eligible options, not-eligible options with their reasons).

        Only eligible strategies are ranked (:meth:`score`, :meth:`order`); each applied
        rule is kept as a typed record.
        """
        options: dict[str, dict[str, Any]] = {}
        scored: list[tuple[Strategy, list[ranking.Adjustment]]] = []
        for s in strategies:
            option, applied = self.score(ctx, s, warnings)
            options[s.id] = option
            scored.append((s, applied))
        ranked: list[dict[str, Any]] = []
        seen: dict[frozenset[str], dict[str, Any]] = {}
        for s, applied in self.order(scored):
            option = options[s.id]
            ups, downs = self._ups_downs(applied)
            fit, adjust = ranking.totals(applied)
            option["fit"] = fit
            option["score"] = adjust
            option["applied_rules"] = [a.to_dict() for a in applied]
            option["adjustments"] = {"raised": ups, "lowered": downs}
            option["rank_reason"] = self._reason(
                s, ups, downs, [b["label"] for b in option["biomarkers"]]
            )
            verdict = ctx.verdicts.get(s.id)
            option["eligibility"] = self._verdict_dict(verdict) if verdict else None
            # no therapy twice: keep the best-ranked entry per regimen, merge the trials
            key = self.regimen_key(s)
            if key in seen:
                keep = seen[key]
                known = {t["id"] for t in keep["trials"]}
                keep["trials"].extend(t for t in option["trials"] if t["id"] not in known)
                keep.setdefault("also_supported_by", []).append(option["label"])
                keep.setdefault("also_supported_by_ids", []).append(option["id"])
                continue
            seen[key] = option
            ranked.append(option)
        for i, o in enumerate(ranked, 1):
            o["rank"] = i
        for w in warnings:
            w.pop("tokens", None)
        return ranked, self.not_eligible(ctx)

    def _rules(
        self,
        ctx: _Context,
        s: Strategy,
        option: dict[str, Any],
        warnings: list[dict[str, Any]],
    ) -> list[ranking.Adjustment]:
        """The ranking rules that apply to one eligible option, with why."""
        profile = ctx.profile
        applied: list[ranking.Adjustment] = []
        tokens = self.tokens_of(s.therapies)
        anchors = s.anchors
        progressed_anchors = [a for a in anchors if a in ctx.progressed]
        named = [a for a in progressed_anchors if a in self.therapies.therapy_classes]
        if named:
            applied.append(
                ranking.apply(
                    "progressed_on_agent",
                    "includes "
                    + ", ".join(self.therapies.display(a) for a in named)
                    + " on which the patient progressed",
                )
            )
        if profile.setting == "early" and all(a in ctx.received_early for a in anchors):
            applied.append(
                ranking.apply("already_given_early", "already given in the early setting")
            )
        tox = [a for a in anchors if a in ctx.stopped_toxicity]
        if tox:
            applied.append(
                ranking.apply(
                    "toxicity_stop",
                    "stopped "
                    + ", ".join(self.therapies.display(a) for a in tox)
                    + " for toxicity before (not permanently)",
                )
            )
        for a in anchors:
            if a in progressed_anchors:
                continue
            hit = False
            for cid in self._classes_of(a):
                tclass = self.classes.get(cid)
                if tclass is None or tclass.cross_resistance is None:
                    continue
                if cid in s.after_progression_on or cid not in ctx.progressed:
                    continue
                applied.append(
                    ranking.apply(
                        "class_cross_resistance",
                        f"class cross-resistance ({tclass.label}) after {ctx.progressed[cid]}: "
                        f"{tclass.cross_resistance.statement}",
                    )
                )
                option["cross_resistance_sources"] = self.sources(
                    list(tclass.cross_resistance.sources)
                )
                hit = True
                break
            if hit:
                break
        in_metastatic = profile.setting == "metastatic"
        gated_line = s.eligibility is not None and s.eligibility.line is not None
        if in_metastatic and not gated_line and profile.prior_therapies_known:
            if s.line_max is not None and ctx.next_line > s.line_max:
                applied.append(
                    ranking.apply(
                        "line_outside_evidence",
                        f"evidence is for line {s.line_max} or earlier; this is line "
                        f"{ctx.next_line}",
                    )
                )
            if s.line_min is not None and ctx.next_line < s.line_min:
                applied.append(
                    ranking.apply(
                        "line_outside_evidence",
                        f"evidence is for line {s.line_min} or later; this is line {ctx.next_line}",
                    )
                )
        # a regimen tested after progression on therapies the patient has not had is
        # conditional at the gates (never ranked lower here); an eligible one that fits rises
        if s.after_progression_on and profile.prior_therapies_known:
            fits = [t for t in s.after_progression_on if t in ctx.progressed]
            if fits:
                applied.append(
                    ranking.apply(
                        "after_progression_fits",
                        "fits: tested after progression on "
                        + ", ".join(self.therapies.display(t) for t in fits),
                    )
                )
        designed_for = set(s.requires.biomarkers_any)
        for w in warnings:
            if not w["tokens"] or not (set(w["tokens"]) & tokens):
                continue
            if designed_for & set(w["biomarkers"]):
                continue
            w["affected_options"].append(s.id)
            if w["context"] == "general":
                w["context"] = "candidate"
            option["warnings"].append(w["therapy"])
            rule = {"clinical": "resistance_clinical", "not_stated": "resistance_not_stated"}.get(
                w["basis"], "resistance_preclinical"
            )
            applied.append(
                ranking.apply(rule, f"resistance warning: {w['therapy']} ({w['basis']} evidence)")
            )
        for sw, row in self._safety_rows(profile, s):
            option["safety"].append(row)
            if row["triggered"]:
                applied.append(
                    ranking.apply(
                        "label_safety",
                        f"label safety warning applies ({sw.trigger.replace('_', ' ')})",
                    )
                )
        if s.intracranial is not None and profile.cns_metastases == "active":
            applied.append(
                ranking.apply(
                    "cns_active_intracranial",
                    f"raised for active CNS disease: {s.intracranial.statement}",
                )
            )
        elif s.intracranial is not None and profile.cns_metastases == "stable":
            applied.append(
                ranking.apply(
                    "cns_stable_intracranial",
                    f"raised for stable CNS disease: {s.intracranial.statement}",
                )
            )
        genes = {
            self.biomarkers[b["id"]].gene or b["id"]
            for b in option["biomarkers"]
            if self.biomarkers[b["id"]].kind in ("gene_alteration", "non_genomic")
        }
        if genes:
            applied.append(
                ranking.apply(
                    "biomarker_specific",
                    "tied to " + ", ".join(sorted(genes)),
                    times=len(genes),
                )
            )
        return applied

    @staticmethod
    def _verdict_dict(v: Verdict) -> dict[str, Any]:
        return {
            "status": v.status,
            "reasons": [c.to_dict() for c in v.reasons],
            "amendments": [c.to_dict() for c in v.amendments],
            "caveats": [c.to_dict() for c in v.caveats],
        }

    def _safety_rows(
        self, profile: PatientProfile, s: Strategy
    ) -> list[tuple[SafetyWarning, dict[str, Any]]]:
        """Each label warning of the regimen's agents as shown, ``triggered`` when the
        patient has what it warns about (ILD history, diabetes)."""
        rows = []
        for sw in self.safety_for(s):
            triggered = (sw.trigger == "ild_history" and profile.ild_history) or (
                sw.trigger == "diabetes" and profile.diabetes
            )
            row = {
                "statement": sw.statement,
                "trigger": sw.trigger,
                "triggered": bool(triggered),
                "sources": self.sources(list(sw.sources)),
            }
            rows.append((sw, row))
        return rows

    def _gated_option(self, ctx: _Context, s: Strategy, v: Verdict) -> dict[str, Any]:
        """A not-eligible or conditional strategy as shown, with the deciding criteria."""
        option = self._option(ctx, s)
        option["safety"].extend(row for _sw, row in self._safety_rows(ctx.profile, s))
        option["status"] = v.status
        option["eligibility"] = self._verdict_dict(v)
        option["reason"] = v.reason_text()
        option["settles"] = [c.settles for c in v.reasons if c.settles]
        return option

    def not_eligible(self, ctx: _Context) -> list[dict[str, Any]]:
        """Strategies that fail a criterion, with the criterion, the reason and its source."""
        out = []
        for s in self.kb.strategies:
            v = ctx.verdicts.get(s.id)
            if v is not None and v.status == "not_eligible":
                out.append(self._gated_option(ctx, s, v))
        return out

    def conditional(self, ctx: _Context) -> list[dict[str, Any]]:
        """Strategies waiting on a datum, with what settles it (evidence order, then recency)."""
        out = []
        for s in self.kb.strategies:
            v = ctx.verdicts.get(s.id)
            if v is not None and v.status == "conditional":
                option = self._gated_option(ctx, s, v)
                option["_key"] = self._evidence_order(s)
                out.append(option)
        out.sort(key=lambda o: o.pop("_key"))
        return out

    def left_out(self, ctx: _Context) -> list[dict[str, str]]:
        """Strategies about something this patient does not have: id, therapy and why."""
        out = []
        for s in self.kb.strategies:
            v = ctx.verdicts.get(s.id)
            if v is not None and v.status == "left_out":
                out.append(
                    {
                        "id": s.id,
                        "therapy": (" + " if s.combination else " / ").join(
                            self._display(s.therapies)
                        ),
                        "reason": v.reason_text(),
                    }
                )
        return out

    def _classes_of(self, token: str) -> list[str]:
        """The classes of a drug name, or a class id with its parent classes."""
        if token in self.therapies.therapy_classes:
            return self.therapies.classes_of(token)
        return self.therapies.expand_class(token)

    def _reason(self, s: Strategy, ups: list[str], downs: list[str], tied: list[str]) -> str:
        """Why an eligible option ranks where it does (``tied``: labels of the observed
        biomarkers it is tied to)."""
        regulators = [a for a in s.approvals if a.jurisdiction in ("FDA", "EMA")]
        if s.evidence_level == "approved" and regulators:
            first = regulators[0]
            trial = f" ({self.trials[first.trial].name})" if first.trial else ""
            head = f"{first.jurisdiction}-approved {first.date}{trial}"
        elif s.approvals:
            a = s.approvals[0]
            head = f"{s.evidence_level.replace('_', ' ')}; approved by {a.jurisdiction} only"
        else:
            head = {
                "phase3": "phase 3 evidence",
                "early_clinical": "early clinical evidence",
                "preclinical": "preclinical evidence only",
            }.get(s.evidence_level, s.evidence_level)
        parts = [head + (f" for {', '.join(tied)}" if tied else "")]
        if ups:
            parts.append("raised: " + "; ".join(ups))
        if downs:
            parts.append("lowered: " + "; ".join(downs))
        return ". ".join(parts) + "."

    def _tied(self, ctx: _Context, s: Strategy) -> tuple[str, ...]:
        """The observed biomarkers an option is tied to: its required (any of) and
        supporting biomarkers that the patient has, each once, in the base's order."""
        named = [*s.requires.biomarkers_any, *s.supported_by]
        return tuple(dict.fromkeys(b for b in named if self._has(ctx, b)))

    def _evidence_order(self, s: Strategy) -> tuple[Any, ...]:
        """A strategy's place by evidence level, then the most recent approval (the order of
        the conditional options; :meth:`order` adds the ranking rules in front)."""
        key = self._evidence_orders.get(s.id)
        if key is None:
            key = ranking.sort_key([], s.evidence_level, _latest_approval(s), s.id)
            self._evidence_orders[s.id] = key
        return key

    def _option(self, ctx: _Context, s: Strategy) -> dict[str, Any]:
        tied = self._tied(ctx, s)
        received = sorted(
            t
            for t in self.tokens_of(s.therapies) & ctx.received
            if t in self.therapies.therapy_classes  # drug names, not classes
        )
        return {
            "id": s.id,
            "therapy": self.therapy_text(s),
            "therapies": self._display(s.therapies),
            "label": s.label,
            "evidence_level": s.evidence_level,
            "approvals": [
                {
                    "jurisdiction": a.jurisdiction,
                    "date": a.date,
                    "indication": a.indication,
                    "trial": self.trials[a.trial].name if a.trial else None,
                    "sources": self.sources(list(a.sources)),
                }
                for a in s.approvals
            ],
            "biomarkers": [
                {
                    "id": b,
                    "label": self.biomarkers[b].label,
                    "evidence": ctx.observed.get(b, [f"HER2 readings: {', '.join(ctx.readings)}"]),
                }
                for b in tied
            ],
            "rationale": s.rationale,
            "trials": [self._trial(t) for t in s.trials],
            "sources": self.sources(list(s.sources)),
            "caveat": s.caveat,
            "note": s.note,
            "previously_received": self._display(received),
            "intracranial": (
                {
                    "statement": s.intracranial.statement,
                    "trials": [self.trials[t].name for t in s.intracranial.trials],
                    "sources": self.sources(list(s.intracranial.sources)),
                }
                if s.intracranial
                else None
            ),
            "safety": [],
            "warnings": [],
        }

    # -- the decision alone (the batch path) -------------------------------------------
    def reads(self, s: Strategy) -> frozenset[str]:
        """The observed biomarkers the gate of ``s`` and its option read directly.

        The gate reads the strategy's required biomarkers (any of) and whether a germline
        one is confirmed (:meth:`~her2scope.tumorboard.gates.Gatekeeper.gate`); the option
        is tied to those and to the biomarkers that support it (:meth:`_option`). The
        ranking reads the observations only through the resistance claims that fit the
        patient (:meth:`claims`), which :meth:`decide` keys separately; everything else
        the steps read is the patient's context (HER2 reading, ER, setting, history).
        """
        hit = self._reads.get(s.id)
        if hit is None:
            hit = frozenset(s.requires.biomarkers_any) | frozenset(s.supported_by)
            self._reads[s.id] = hit
        return hit

    def _claim_effect(
        self, s: Strategy, fitting: list[tuple[Mechanism, int, ResistanceClaim, list[str]]]
    ) -> tuple[tuple[str, int], ...]:
        """The fitting claims that :meth:`_rules` applies to ``s``: those about one of its
        therapies, unless the strategy is designed for a biomarker the claim rests on."""
        relevant = self._relevant_claims.get(s.id)
        if relevant is None:
            tokens = self.tokens_of(s.therapies)
            relevant = self._relevant_claims[s.id] = frozenset(
                (m.id, i)
                for m in self.kb.mechanisms
                for i, claim in enumerate(m.resistance)
                if set(claim.therapies) & tokens
            )
        if not relevant:
            return ()
        designed = s.requires.biomarkers_any
        return tuple(
            (m.id, i)
            for m, i, _claim, used in fitting
            if (m.id, i) in relevant and not any(b in used for b in designed)
        )

    def _decided_strategies(self) -> list[tuple[Strategy, int]]:
        """The strategies a decision lists (not retired, not negative evidence), in the
        base's order, each with the index of its read set in ``_read_sets``."""
        if self._read_sets is None:
            sets: dict[frozenset[str], int] = {}
            listed = []
            for s in self.kb.strategies:
                if s.retired or s.evidence_level == "resistance":
                    continue
                listed.append((s, sets.setdefault(self.reads(s), len(sets))))
            self._read_sets = tuple(sets)
            self._read_universe = frozenset().union(*sets)
            self._listed = listed
        return self._listed

    def decide(self, ctx: _Context, context: Any, cache: DecisionCache | None = None) -> Decision:
        """What the gates and the ranking decide for a profile read by :meth:`front`,
        without the explanation: the option lists of :meth:`match`'s report, as
        :class:`~her2scope.tumorboard.decision.Decision` (:meth:`Decision.of_report`
        of the report gives the same).

        Each strategy is gated and scored by the same steps as :meth:`match`
        (:meth:`~her2scope.tumorboard.gates.Gatekeeper.gate`, :meth:`score`) and the
        eligible ones ordered by :meth:`order`. A strategy's outcome is kept in
        ``cache`` under (``context``, its id, the observations its gate reads
        (:meth:`reads`), the fitting resistance claims its ranking applies
        (:meth:`claims`)), every strategy's gate under (``context``, the observations any
        gate reads), and the ranked options under that and the claims each eligible
        strategy meets: a batch gates and scores each strategy once per distinct thing
        it reads, not once per profile. ``context`` must key everything else the steps
        read of the profile (the batch's decision key without the observations).
        """
        cache = cache if cache is not None else DecisionCache()
        self._decided_strategies()
        observed = frozenset(ctx.observed) & self._read_universe
        germline = [b for b in observed if b.startswith("germline_")]
        unconfirmed = frozenset(b for b in germline if b not in ctx.germline_confirmed)
        gate_key = (context, observed, unconfirmed)
        gated = cache.gated.get(gate_key)
        if gated is None:
            gated = cache.gated[gate_key] = self._gate_all(
                ctx, context, observed, unconfirmed, cache
            )
        present = self.mechanisms(ctx)
        fitting = self.claims(ctx, present)
        effects = tuple(self._claim_effect(s, fitting) for s, _o, _k in gated.eligible)
        key = (gate_key, effects)
        decided = cache.decisions.get(key)
        if decided is None:
            decided = self._rank_gated(ctx, gated, present, effects, cache)
            cache.decisions[key] = decided
        ranked, ranked_tied = decided
        tied = gated.tied | ranked_tied
        conditional, not_eligible = gated.conditional, gated.not_eligible
        fallback = [f"HER2 readings: {', '.join(ctx.readings)}"]
        return Decision(
            readings=tuple(ctx.readings),
            ranked=ranked,
            conditional=conditional,
            not_eligible=not_eligible,
            evidence={b: tuple(ctx.observed.get(b, fallback)) for b in tied},
        )

    def _gate_all(
        self,
        ctx: _Context,
        context: Any,
        observed: frozenset[str],
        unconfirmed: frozenset[str],
        cache: DecisionCache,
    ) -> _Gated:
        """Every listed strategy through its gate (each outcome cached under (context,
        strategy, the observations its gate reads))."""
        assert self._read_sets is not None
        projections = [(r & observed, r & unconfirmed) for r in self._read_sets]
        state: PatientState | None = None
        eligible: list[tuple[Strategy, _Outcome, Any]] = []
        conditional: list[_Outcome] = []
        not_eligible: list[_Outcome] = []
        for s, i in self._listed:
            gkey = (context, s.id, projections[i])
            out = cache.outcomes.get(gkey)
            if out is None:
                if state is None:
                    state = self.state(ctx)
                verdict = self.gatekeeper.gate(s, state)
                tied = self._tied(ctx, s)
                out = cache.outcomes[gkey] = _Outcome(
                    verdict.status,
                    DecidedOption(
                        id=s.id,
                        therapy=self.therapy_text(s),
                        evidence_level=s.evidence_level,
                        approvals=tuple(a.jurisdiction for a in s.approvals),
                        biomarkers=tied,
                        reason=verdict.reason_text() if verdict.status != "eligible" else "",
                        settles=tuple(c.settles for c in verdict.reasons if c.settles),
                    ),
                )
            if out.status == "eligible":
                eligible.append((s, out, gkey))
            elif out.status == "conditional":
                conditional.append(out)
            elif out.status == "not_eligible":
                not_eligible.append(out)
        conditional.sort(key=lambda o: self._evidence_order(self._strategies[o.option.id]))
        gated_tied = {b for out in [*conditional, *not_eligible] for b in out.option.biomarkers}
        return _Gated(
            tuple(eligible),
            tuple(out.option for out in conditional),
            tuple(out.option for out in not_eligible),
            frozenset(gated_tied),
        )

    def _rank_gated(
        self,
        ctx: _Context,
        gated: _Gated,
        present: list[Mechanism],
        effects: tuple[tuple[tuple[str, int], ...], ...],
        cache: DecisionCache,
    ) -> tuple[tuple[DecidedOption, ...], frozenset[str]]:
        """The eligible strategies ranked: each one's rules (cached under its gate key and
        the fitting claims it meets, ``effects``), then :meth:`order`, one entry per
        regimen."""
        warnings: list[dict[str, Any]] | None = None
        scored: list[tuple[Strategy, list[ranking.Adjustment]]] = []
        outcome_of: dict[str, _Outcome] = {}
        for (s, out, gkey), effect in zip(gated.eligible, effects, strict=True):
            akey = (gkey, effect)
            applied = cache.applied.get(akey)
            if applied is None:
                if warnings is None:
                    # negative evidence and prior-therapy context carry no therapy
                    # tokens: only the fitting claims' warnings reach the ranking
                    warnings = self.warnings(ctx, present, [])
                applied = tuple(self.score(ctx, s, warnings, explain=False)[1])
                cache.applied[akey] = applied
            scored.append((s, list(applied)))
            outcome_of[s.id] = out
        ranked: list[DecidedOption] = []
        seen: set[frozenset[str]] = set()
        for s, applied in self.order(scored):
            regimen = self.regimen_key(s)
            if regimen in seen:
                continue
            seen.add(regimen)
            out = outcome_of[s.id]
            rkey = (id(out), tuple(applied))  # ``out`` lives as long as the cache
            option = cache.ranked.get(rkey)
            if option is None:
                ups, downs = self._ups_downs(applied)
                labels = [self.biomarkers[b].label for b in out.option.biomarkers]
                option = replace(out.option, reason=self._reason(s, ups, downs, labels))
                cache.ranked[rkey] = option
            ranked.append(option)
        return tuple(ranked), frozenset(b for o in ranked for b in o.biomarkers)

    # -- main -----------------------------------------------------------------
    def front(self, profile: PatientProfile, *, explain: bool = True) -> _Context:
        """Steps 1-2 and the history: the HER2 call, the observations and the normalised
        therapy history of one profile (``explain=False``: only what the decision reads,
        :meth:`observe`)."""
        her2, primary = self.her2(profile)
        category = her2["category"]
        her2["primary"] = primary
        switched = (
            primary is not None
            and primary["category"] in RESOLVED
            and category in RESOLVED
            and primary["category"] != category
            and not (primary["category"] in ZERO_FAMILY and category in ZERO_FAMILY)
        )
        ctx = _Context(
            profile=profile,
            her2=her2,
            primary=primary,
            category=category,
            readings=list(her2["readings"]),
            switched=switched,
        )
        self.observe(ctx, explain=explain)
        self.history(ctx)
        return ctx

    def match(self, profile: PatientProfile) -> PatientReport:
        """Match one profile; see the module docstring for the steps."""
        ctx = self.front(profile)
        her2, profile = ctx.her2, ctx.profile
        present = self.mechanisms(ctx)
        strategies, negative, skipped_er = self.candidates(ctx)
        warnings = self.warnings(ctx, present, negative)
        options, excluded = self.rank(ctx, strategies, warnings)
        order = {"prior": 0, "candidate": 1, "general": 2}
        basis_order = {"clinical": 0, "not_stated": 1, "preclinical": 2}
        warnings.sort(key=lambda w: (order[w["context"]], basis_order[w["basis"]]))
        conditional = self.conditional(ctx)
        for o in [*options, *conditional]:
            if any(s["triggered"] for s in o["safety"]):
                for s in o["safety"]:
                    if s["triggered"]:
                        warnings.insert(
                            0,
                            {
                                "therapy": o["therapy"],
                                "therapies": o["therapies"],
                                "reason": s["statement"],
                                "kind": "label_safety",
                                "basis": "clinical",
                                "context": "candidate",
                                "mechanism": None,
                                "biomarkers": [],
                                "prior_therapies": [],
                                "affected_options": [o["id"]],
                                "trials": [],
                                "sources": s["sources"],
                            },
                        )
        mechanisms = [
            {
                "id": m.id,
                "label": m.label,
                "mechanism_class": m.mechanism_class,
                "biomarkers": [
                    {"id": b, "label": self.biomarkers[b].label, "evidence": ctx.observed[b]}
                    for b in m.biomarkers
                    if b in ctx.observed
                ],
                "description": " ".join(m.description.split()),
                "resistance_to": sorted(
                    {t for w in warnings if w.get("mechanism") == m.id for t in w["therapies"]}
                ),
                "sources": self.sources(list(m.sources)),
            }
            for m in present
        ]
        left_out = self.left_out(ctx)
        caveats = self.caveats(ctx, options, excluded, skipped_er)
        caveats += self.gate_caveats(ctx, conditional)
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
            "prior_therapies": [h.therapy for h in ctx.history]
            if profile.prior_therapies_known
            else None,
            "therapy_history": [
                {
                    "therapy": h.therapy,
                    "setting": h.setting,
                    "line": h.line,
                    "outcome": h.outcome,
                    "outcome_assumed": h.assumed,
                    "duration_months": h.duration_months,
                    "early_state": h.early_state,
                    "intent": h.intent,
                    "months_since_end": h.months_since_end,
                    "toxicity": (
                        {
                            "event": h.toxicity_event,
                            "grade": h.toxicity_grade,
                            "permanently_discontinued": h.permanently_discontinued,
                        }
                        if h.toxicity_event or h.toxicity_grade or h.permanently_discontinued
                        else None
                    ),
                }
                for h in ctx.history
            ],
            "next_line": ctx.next_line if profile.setting != "early" else None,
            "setting": profile.setting,
            "early_state": profile.early_state,
            "decision_settings": self.gatekeeper.decision_settings(self.state(ctx)),
            "neoadjuvant_response": (
                profile.neoadjuvant_response.model_dump() if profile.neoadjuvant_response else None
            ),
            "er_percent": profile.er_percent,
            "pr_percent": profile.pr_percent,
            "er_low": profile.er_low,
            "msi_status": profile.msi_status,
            "mmr_status": profile.mmr_status,
            "tmb": profile.tmb,
            "ild_active": profile.ild_active,
            "cns_metastases": profile.cns_metastases,
            "metastatic_sites": list(profile.metastatic_sites),
            "histology": profile.histology,
            "menopausal_status": profile.menopausal_status,
            "germline": profile.germline.model_dump(),
            "pd_l1": profile.pd_l1.model_dump(),
            "ild_history": profile.ild_history,
            "diabetes": profile.diabetes,
            "her2_profile": profile.profile,
            "source": profile.source,
        }
        return PatientReport(
            patient=patient,
            her2=her2,
            mechanisms=mechanisms,
            options=options,
            excluded_options=excluded,
            conditional_options=conditional,
            left_out=left_out,
            warnings=warnings,
            caveats=caveats,
            unrecognised=[u.to_dict() for u in ctx.unrecognised],
            kb_version=self.kb.meta.version,
            kb_as_of=self.kb.meta.as_of.isoformat(),
            observed_biomarkers=[
                {"id": b, "label": self.biomarkers[b].label, "evidence": ev}
                for b, ev in ctx.observed.items()
            ],
            alterations=ctx.alterations,
        )

    def gate_caveats(
        self, ctx: _Context, conditional: list[dict[str, Any]]
    ) -> list[dict[str, Any]]:
        """Caveats the gates call for: HER2 discordance, ER-low, conditional branches."""
        out: list[dict[str, Any]] = []

        def add_kb(code: str, **values: str) -> None:
            entry = self.caveat_entries.get(code)
            if entry is None:
                return
            text = " ".join(entry.text.split()).format(**values)
            out.append(
                {"code": code, "message": text, "sources": self.sources(list(entry.sources))}
            )

        st = self.state(ctx)
        if st.earlier_her2_positive:
            add_kb("her2_discordance_positive", category=ctx.category)
        if ctx.profile.er_low:
            pct = f"{ctx.profile.er_percent:g}%" if ctx.profile.er_percent is not None else "1-10%"
            add_kb("er_low", percent=pct)
        if conditional:
            settles = sorted({x for o in conditional for x in o.get("settles", [])})
            out.append(
                {
                    "code": "conditional_options",
                    "message": f"{len(conditional)} option(s) are conditional (see 'Conditional'): "
                    "what settles them: " + "; ".join(settles) + ".",
                    "sources": [],
                }
            )
        return out

    # -- 7. caveats ---------------------------------------------------------------
    def caveats(
        self,
        ctx: _Context,
        options: list[dict[str, Any]],
        excluded: list[dict[str, Any]],
        skipped_er: list[str],
    ) -> list[dict[str, Any]]:
        cav: list[dict[str, Any]] = []
        profile, her2, primary = ctx.profile, ctx.her2, ctx.primary

        def add(code: str, message: str, sources: list[Source] | None = None) -> None:
            cav.append({"code": code, "message": message, "sources": self.sources(sources or [])})

        def add_kb(code: str, **values: str) -> None:
            """A caveat whose text and sources are knowledge-base data (caveats.yaml)."""
            entry = self.caveat_entries[code]
            text = " ".join(entry.text.split()).format(**values)
            cav.append(
                {"code": code, "message": text, "sources": self.sources(list(entry.sources))}
            )

        category = her2["category"]
        readings = ctx.readings
        if her2["ambiguous"]:
            code = (
                "her2_range_not_positive"
                if readings and all(r in NOT_POSITIVE for r in readings)
                else "her2_ambiguous"
            )
            add_kb(code, rationale=her2["rationale"], readings=" or ".join(readings))
        if her2["unusable"]:
            add("her2_unusable", "HER2 values not usable: " + ", ".join(map(str, her2["unusable"])))
        if category == "equivocal":
            add_kb("her2_equivocal_settle")
        if category == "HER2-0":
            add_kb("her2_zero_unspecified")
        elif category == "HER2-null":
            add_kb("her2_null")
        elif category == "HER2-negative":
            add(
                "her2_negative_unspecified",
                "HER2-negative without the IHC score: HER2-low, -ultralow and -null cannot be "
                "told apart, so HER2-low options (e.g. T-DXd) are listed as conditional on the "
                "IHC score. Obtain the IHC score.",
            )
        elif category == "unknown" and not her2["ambiguous"]:
            add(
                "her2_unresolved",
                f"HER2 status is unknown ({her2['rationale']}); options that require a HER2 "
                "category are listed as conditional, each HER2 branch with the test that "
                "settles it (HER2 IHC, with ISH for IHC 2+, per ASCO/CAP).",
            )
        if ctx.switched and primary is not None:
            add_kb("her2_switch", primary=primary["category"], category=category)
        elif category in ZERO_FAMILY or category == "HER2-negative":
            add_kb("her2_retest")
        if "erbb2_amplification" in ctx.observed and category not in ("HER2-positive", "unknown"):
            add(
                "erbb2_amp_discordant",
                f"ERBB2 amplification by sequencing but HER2 call {category}: review pathology "
                "(heterogeneity, sampling).",
            )
        if profile.er_status == "negative":
            add(
                "er_negative",
                "ER-negative: endocrine-based options and endocrine-resistance warnings are not "
                "listed" + (f" ({len(skipped_er)} options skipped)." if skipped_er else "."),
            )
        elif profile.er_status == "unknown":
            add(
                "er_unknown",
                "ER status unknown: options that need ER-positive or ER-negative disease are "
                "listed as conditional on the ER result.",
            )
        assumed = [h for h in ctx.history if h.assumed]
        if assumed and profile.prior_therapies_known:
            add(
                "history_assumed",
                "Outcome not given for: "
                + ", ".join(f"{h.therapy} (taken as {h.outcome})" for h in assumed)
                + ". A therapy in the metastatic setting (or with no setting) without an "
                "outcome is taken as progressed on.",
            )
        if excluded:
            add(
                "options_not_eligible",
                f"{len(excluded)} option(s) not eligible for this patient (see 'Not "
                "eligible' for the criterion and its source): "
                + "; ".join(e["therapy"] for e in excluded)
                + ".",
            )
        if profile.setting != "early" and profile.prior_therapies_known and ctx.history:
            add(
                "line",
                f"Options are ranked for metastatic line {ctx.next_line} (from the therapy "
                "history).",
            )
        if profile.cns_metastases == "active":
            raised = [o["therapy"] for o in options if o.get("intracranial")]
            add(
                "cns_active",
                "Active CNS metastases: regimens with intracranial evidence are raised"
                + (f" ({'; '.join(raised)})" if raised else " (none matched)")
                + "; local therapy (surgery/radiotherapy) is a separate decision.",
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
                "Prior therapies are unknown (not in the source data): the ranking cannot take "
                "treatment history into account.",
            )
        if profile.setting is None:
            add(
                "setting_unspecified",
                "Treatment setting not given: options for early and "
                "metastatic settings are both listed.",
            )
        if ctx.unrecognised:
            add(
                "unrecognised_inputs",
                f"{len(ctx.unrecognised)} input(s) were not understood and "
                "were not used for matching; see 'unrecognised'.",
            )
        for line in ctx.not_covered:
            add("not_covered", line)
        for note in ctx.notes:
            add("biomarker_context", note)
        for note in profile.notes:
            add("source_note", note)
        return cav


def _latest_approval(s: Strategy) -> str:
    """The date of a strategy's most recent approval (``""`` when it has none)."""
    return max((a.date for a in s.approvals), default="")


def _mentions(text: str, alias: str) -> bool:
    """``alias`` occurs in ``text`` as whole words (``"hrd"`` in ``"hrd-positive"``, not in
    ``"hrdx"``); both lower-case."""
    start = text.find(alias)
    while start != -1:
        end = start + len(alias)
        before = text[start - 1] if start else " "
        after = text[end] if end < len(text) else " "
        if not before.isalnum() and not after.isalnum():
            return True
        start = text.find(alias, start + 1)
    return False


def _neg_date(date: str) -> tuple[int, ...]:
    """Sort key putting later dates (``YYYY[-MM[-DD]]``) first."""
    parts = [int(p) for p in date.split("-") if p.isdigit()] if date else []
    parts += [0] * (3 - len(parts))
    return tuple(-p for p in parts)


def _pdl1_status(ctx: _Context) -> str:
    """PD-L1 from the pd_l1 block or a marker (``PD-L1 positive``)."""
    if "pdl1_positive" in ctx.observed:
        return "positive"
    if "pdl1_negative" in ctx.observed:
        return "negative"
    return "unknown"


def _pdl1_text(profile: PatientProfile) -> str:
    p = profile.pd_l1
    extra = ", ".join(x for x in (p.score, p.assay) if x)
    return f"PD-L1 {p.status}" + (f" ({extra})" if extra else "")


@lru_cache(maxsize=1)
def _default_matcher() -> Matcher:
    return Matcher()


def match_patient(profile: PatientProfile, *, kb: KnowledgeBase | None = None) -> PatientReport:
    """Match a patient to the cited knowledge base: mechanisms, ranked options, warnings, trials.

    Parameters
    ----------
    profile : PatientProfile
        The patient (:func:`read_patient`, or ``PatientProfile(...)``).
    kb : KnowledgeBase, optional
        Knowledge base (default: the packaged one, :func:`load_kb`).

    Returns
    -------
    PatientReport
        ``.options`` (ranked), ``.mechanisms``, ``.warnings``, ``.caveats``;
        ``.table`` / ``to_pandas()`` the options, ``summary()``, renderers in
        :mod:`her2scope.tumorboard.views`.

    Examples
    --------
    >>> report = hs.kb.match_patient(hs.kb.read_patient("patient.yaml"))  # doctest: +SKIP
    >>> report.to_pandas()[["rank", "therapy", "evidence_level"]]  # doctest: +SKIP
    """
    matcher = _default_matcher() if kb is None else Matcher(kb)
    return matcher.match(profile)

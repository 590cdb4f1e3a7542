"""Cohort actionability, computed: each sample's best option under the knowledge base's gates.

Answers the perspective's second open question ("which alterations are enriched
among endocrine-resistant HER2-low tumours that may be targetable in addition";
The intersection of the HER2-low subtype with endocrine resistance, Front Oncol
2024, doi 10.3389/fonc.2024.1461190) with the tumor-board engine itself: every
sample is matched by :func:`her2scope.tumorboard.batch.match_study` -- the
patient report's :class:`~her2scope.tumorboard.match.Matcher`, gates and ranking, once
per distinct profile -- under an assumed therapy history (a cohort records
none; :data:`~her2scope.tumorboard.from_study.ASSUMED_HISTORIES`).

Per sample, the *actionability level* is the best level of an **eligible**
option tied to a molecular finding of the sample (a gene alteration or another
non-receptor, non-HER2-category biomarker): approved in the chosen jurisdiction
(FDA or EMA), approved by another regulator only (``approved_other``), phase 3,
early clinical, preclinical, or none. HER2-directed options (T-DXd for HER2-low
...) and options tied only to the receptor phenotype (ER-positive) are reported
beside it (``her2_level``, ``any_level``), never mixed into it: "targetable in
addition" means beyond what the HER2 and ER status already give. Options waiting
on a datum are ``conditional`` and counted separately (``conditional_level``),
never as eligible.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

from her2scope.audit import Audit
from her2scope.choices import check_choice
from her2scope.cohort.actionability.result import (
    ALL,
    CONTEXT_KINDS,
    JURISDICTIONS,
    LEVELS,
    OTHER_CLASS,
    SAMPLE_COLUMNS,
    TABLE_COLUMNS,
    ActionabilityResult,
)
from her2scope.errors import ConfigError

if TYPE_CHECKING:
    from her2scope.cohort.options import AnalysisOptions
    from her2scope.study.model import Study
    from her2scope.tumorboard.batch import BatchMatch
    from her2scope.tumorboard.decision import Decision
    from her2scope.tumorboard.match import Matcher
    from her2scope.tumorboard.report import PatientReport

__all__ = [
    "ALL",
    "JURISDICTIONS",
    "LEVELS",
    "OTHER_CLASS",
    "SAMPLE_COLUMNS",
    "TABLE_COLUMNS",
    "ActionabilityResult",
    "actionability",
    "option_level",
    "q2_answer",
    "summarise_report",
    "tabulate",
]


def option_level(strategy_level: str, approvals: list[dict[str, Any]], jurisdiction: str) -> str:
    """An option's level in a jurisdiction: ``approved`` only with that regulator's approval."""
    return _level_in(strategy_level, [a["jurisdiction"] for a in approvals], jurisdiction)


def _level_in(strategy_level: str, regulators: Sequence[str], jurisdiction: str) -> str:
    """:func:`option_level` from the regulators that approved it (``FDA``, ``EMA`` ...)."""
    if strategy_level == "approved":
        return "approved" if jurisdiction in regulators else "approved_other"
    return strategy_level if strategy_level in LEVELS else "none"


def _rank(level: str) -> int:
    return LEVELS.index(level)


def _her2_branch(matcher: Matcher, option_id: str, readings: tuple[str, ...] | list[str]) -> str:
    strategy = next(s for s in matcher.kb.strategies if s.id == option_id)
    wanted = strategy.requires.her2_categories
    if not wanted:
        return "any HER2 category"
    hit = [r for r in readings if r in wanted]
    return " / ".join(hit) if hit else " / ".join(wanted)


def summarise_report(
    report: Decision | PatientReport,
    matcher: Matcher,
    jurisdiction: str,
    gene_class: dict[str, str],
) -> dict[str, Any]:
    """The actionability columns of one match result (a decision, or a report's), shared
    by its decision key's samples."""
    from her2scope.tumorboard.decision import as_decision

    decision = as_decision(report)
    kinds = matcher.biomarker_kind
    biomarkers = matcher.biomarkers
    out: dict[str, Any] = {
        "level": "none",
        "option_id": None,
        "therapy": None,
        "finding": None,
        "finding_biomarkers": [],
        "finding_gene": None,
        "alteration_class": None,
        "her2_branch": None,
        "conditional_level": "none",
        "conditional_option_id": None,
        "conditional_settles": None,
        "her2_level": "none",
        "any_level": "none",
    }
    # the ranked options are in the report's rank order: the first option of a level wins
    for o in decision.ranked:
        level = _level_in(o.evidence_level, o.approvals, jurisdiction)
        if level == "none":
            continue
        if _rank(level) < _rank(out["any_level"]):
            out["any_level"] = level
        tied = [b for b in o.biomarkers if kinds(b) not in CONTEXT_KINDS]
        if any(kinds(b) == "her2_category" for b in o.biomarkers) and _rank(level) < _rank(
            out["her2_level"]
        ):
            out["her2_level"] = level
        if tied and _rank(level) < _rank(out["level"]):
            gene = biomarkers[tied[0]].gene
            out.update(
                level=level,
                option_id=o.id,
                therapy=o.therapy,
                finding="; ".join(
                    dict.fromkeys(e for b in tied for e in decision.evidence.get(b, ()))
                ),
                finding_biomarkers=tied,
                finding_gene=gene,
                alteration_class=gene_class.get(gene or "", OTHER_CLASS),
                her2_branch=_her2_branch(matcher, o.id, decision.readings),
            )
    for o in decision.conditional:
        level = _level_in(o.evidence_level, o.approvals, jurisdiction)
        tied = [b for b in o.biomarkers if kinds(b) not in CONTEXT_KINDS]
        if level != "none" and tied and _rank(level) < _rank(out["conditional_level"]):
            out.update(
                conditional_level=level,
                conditional_option_id=o.id,
                conditional_settles="; ".join(o.settles) or None,
            )
    return out


def _gene_classes() -> dict[str, str]:
    """Gene -> mechanism class, from the alteration catalog (first class a gene has)."""
    from her2scope.alterations import load_catalog

    out: dict[str, str] = {}
    for entry in load_catalog().alterations.values():
        for gene in entry.genes:
            out.setdefault(gene, entry.mechanism_class)
    return out


def actionability(
    study: Study,
    options: AnalysisOptions | None = None,
    *,
    jurisdiction: str = "FDA",
    history: str | None = None,
    matcher: Matcher | None = None,
    batch: BatchMatch | None = None,
    progress: Any = None,
) -> ActionabilityResult:
    """Each analysed sample's best option level and the finding that gives it, tabulated.

    Parameters
    ----------
    study : Study
        A loaded study.
    options : AnalysisOptions, optional
        The cohort analysis's options (HER2 profile, ambiguity policy, sample
        selection); the same samples and HER2 calls as ``analyze``.
    jurisdiction : {"FDA", "EMA"}
        Whose approval counts as ``approved``.
    history : str, optional
        Assumed therapy history (:data:`~her2scope.tumorboard.from_study.ASSUMED_HISTORIES`;
        default ``after-et-cdk46``: a second-line metastatic decision after endocrine
        therapy + CDK4/6 inhibitor).
    matcher, batch :
        A matcher to reuse, or an already matched batch (same history).
    progress : callable, optional
        ``progress(done, total)`` per distinct profile.
    """
    from her2scope.cohort.options import AnalysisOptions
    from her2scope.cohort.table1.compute import _classified, select_cohort
    from her2scope.study.conventions import harmonised
    from her2scope.tumorboard.batch import match_study
    from her2scope.tumorboard.from_study import ASSUMED_HISTORIES, DEFAULT_HISTORY
    from her2scope.tumorboard.match import Matcher

    options = options or AnalysisOptions()
    check_choice("jurisdiction", jurisdiction, JURISDICTIONS)
    history = history or DEFAULT_HISTORY
    check_choice("history", history, tuple(ASSUMED_HISTORIES))
    study = harmonised(study, source=options.source)
    matcher = matcher if matcher is not None else Matcher()
    gene_class = _gene_classes()

    def summary(report: Decision | PatientReport) -> dict[str, Any]:
        return summarise_report(report, matcher, jurisdiction, gene_class)

    if batch is None:
        batch = match_study(
            study,
            history=history,
            matcher=matcher,
            progress=progress,
            her2_profile=options.profile,
            ambiguous=options.ambiguous,
            keep=summary,
        )
        summaries = batch.reports
    elif batch.history != history:
        raise ConfigError(f"the batch was matched under history {batch.history!r}, not {history!r}")
    else:
        summaries = [summary(r) for r in batch.reports]
    her2_table, her2_audit = _classified(study, options)
    cohort = select_cohort(her2_table, options).filter(pl.col("included"))
    audit = Audit()
    audit.extend(study.audit)
    audit.extend(her2_audit)
    audit.add(
        "info",
        "actionability.history",
        f"therapy history assumed for every sample ({history}): {ASSUMED_HISTORIES[history]}",
        count=cohort.height,
    )
    audit.add(
        "info",
        "actionability.profiles",
        "distinct profiles matched (samples sharing one share its result)",
        count=batch.n_distinct,
    )
    per_profile = _per_profile(batch, summaries, summary, matcher)
    samples = (
        cohort.select("sample_id", "patient_id", "her2_category", "endocrine_resistant")
        .join(
            batch.keys.select("sample_id", pl.col("profile").alias("profile_key")),
            on="sample_id",
            how="left",
        )
        .join(per_profile, on="profile_key", how="left")
        .select(SAMPLE_COLUMNS)
    )
    table = tabulate(samples)
    return ActionabilityResult(
        study_id=study.study_id,
        jurisdiction=jurisdiction,
        history=history,
        history_text=ASSUMED_HISTORIES[history],
        samples=samples,
        table=table,
        q2=q2_answer(samples, jurisdiction),
        n_distinct_profiles=batch.n_distinct,
        kb_version=matcher.kb.meta.version,
        options={
            "profile": options.profile,
            "ambiguous": options.ambiguous,
            "sample_type": options.sample_type,
            "hr": options.hr,
            "cohort": options.cohort,
            "one_per_patient": options.one_per_patient,
            "jurisdiction": jurisdiction,
            "history": history,
        },
        audit=audit,
    )


def _per_profile(
    batch: BatchMatch,
    summaries: list[dict[str, Any]],
    summary: Callable[[Decision | PatientReport], dict[str, Any]],
    matcher: Matcher,
) -> pl.DataFrame:
    """The actionability columns of each distinct profile (``profile_key``).

    A decision key's summary holds for all its profiles except the finding's text,
    which names the profile's own items (``PIK3CA H1047R``): it is rebuilt from the
    alterations of the profile's first sample by the alteration step the match used
    (:func:`~her2scope.tumorboard.batch.alteration_evidence`). Where that does not
    give the matched sample's own finding back (evidence from outside the
    alterations), each profile of that key is matched whole instead.
    """
    from her2scope.tumorboard.batch import alteration_evidence

    def finding(alterations: list[str] | None, tied: list[str]) -> str:
        evidence = alteration_evidence(matcher, alterations or [])
        return "; ".join(dict.fromkeys(e for b in tied for e in evidence.get(b, [])))

    firsts = batch.keys.unique("profile", keep="first", maintain_order=True)
    # does the rebuilt finding give back the matched sample's own, for each decision key?
    exact = [False] * len(summaries)
    for alterations, decision in (
        firsts.unique("decision", keep="first", maintain_order=True)
        .select("alterations", "decision")
        .iter_rows()
    ):
        kept = summaries[decision]
        exact[decision] = kept["finding"] is None or kept["finding"] == finding(
            alterations, kept["finding_biomarkers"]
        )
    findings: list[str | None] = []
    for sid, alterations, decision in firsts.select(
        "sample_id", "alterations", "decision"
    ).iter_rows():
        kept = summaries[decision]
        if kept["finding"] is None:
            findings.append(None)
        elif exact[decision]:
            findings.append(finding(alterations, kept["finding_biomarkers"]))
        else:  # the profile's own match (evidence from outside the alterations)
            assert batch.build is not None
            findings.append(summary(matcher.match(batch.build([sid])[sid]))["finding"])
    per_decision = (
        pl.DataFrame(
            [
                {"decision": i, **{k: v for k, v in s.items() if k != "finding_biomarkers"}}
                for i, s in enumerate(summaries)
            ],
            schema_overrides={"decision": pl.Int64},
        )
        if summaries
        else pl.DataFrame(
            schema={"decision": pl.Int64, **{c: pl.String for c in SAMPLE_COLUMNS[4:-1]}}
        )
    ).drop("finding")
    return (
        firsts.select(pl.col("profile").alias("profile_key"), "decision")
        .with_columns(pl.Series("finding", findings, dtype=pl.String))
        .join(per_decision, on="decision", how="left", maintain_order="left")
        .drop("decision")
    )


def tabulate(samples: pl.DataFrame) -> pl.DataFrame:
    """Shares by HER2 category x endocrine resistance x alteration class x level.

    The denominator of every row is its HER2 category x resistance stratum (so the
    class rows of a level add up to its ``ALL`` row); each share carries a
    patient-clustered 95% CI (:func:`~her2scope.stats.clustered.clustered_proportion`:
    samples of one patient are not independent). Rows with n = 0 are left out except
    in ``ALL``.
    """
    from her2scope.stats.clustered import clustered_proportion

    rows: list[dict[str, Any]] = []
    if samples.height == 0:
        return pl.DataFrame(schema=TABLE_COLUMNS)
    strata = (
        samples.select("her2_category", "endocrine_resistant")
        .unique()
        .sort("her2_category", "endocrine_resistant", nulls_last=True)
    )
    for her2, resistant in strata.iter_rows():
        part = samples.filter(
            (pl.col("her2_category") == her2)
            & (pl.col("endocrine_resistant") == resistant).fill_null(False)
        )
        if part.height == 0:
            continue
        groups = _patient_codes(part)
        levels = part["level"].to_numpy()
        classes = part["alteration_class"].fill_null("").to_numpy()
        n_patients = part["patient_id"].n_unique()
        present = sorted(c for c in set(classes.tolist()) if c)
        for cls in [ALL, *present]:
            for level in LEVELS:
                hit = levels == level
                if cls != ALL:
                    if level == "none":
                        continue
                    hit = hit & (classes == cls)
                k = int(hit.sum())
                if cls != ALL and k == 0:
                    continue
                ci = clustered_proportion(hit.astype(np.float64), groups)
                rows.append(
                    {
                        "her2_category": her2,
                        "endocrine_resistant": resistant,
                        "alteration_class": cls,
                        "level": level,
                        "n": k,
                        "n_stratum": part.height,
                        "n_patients": n_patients,
                        "share": ci.proportion,
                        "ci_low": ci.ci_low,
                        "ci_high": ci.ci_high,
                        "design_effect": ci.design_effect,
                    }
                )
    return pl.DataFrame(rows, schema=TABLE_COLUMNS)


def q2_answer(samples: pl.DataFrame, jurisdiction: str) -> dict[str, Any]:
    """ "Targetable in addition": among endocrine-resistant HER2-low samples, the share
    whose best molecular option is approved (in ``jurisdiction``) -- an approved option
    beyond T-DXd, which HER2-low gives them all -- with a patient-clustered CI, and the
    findings (genes) and options that give it."""
    from her2scope.stats.clustered import clustered_proportion

    part = samples.filter(
        (pl.col("her2_category") == "HER2-low") & pl.col("endocrine_resistant").fill_null(False)
    )
    hit = (part["level"] == "approved").to_numpy() if part.height else np.zeros(0, dtype=bool)
    groups = _patient_codes(part)
    ci = clustered_proportion(hit.astype(np.float64), groups)
    approved = part.filter(pl.col("level") == "approved")
    by_gene = (
        approved.group_by("finding_gene")
        .agg(pl.len().alias("n"), pl.col("therapy").mode().first().alias("top_option"))
        .sort("n", "finding_gene", descending=[True, False])
    )
    conditional = int(
        part.filter(
            (pl.col("level") != "approved") & (pl.col("conditional_level") == "approved")
        ).height
    )
    # in LEVELS order (a plain group_by's order varies from run to run)
    levels = (
        part.group_by("level")
        .len()
        .sort(pl.col("level").replace_strict(LEVELS, list(range(len(LEVELS))), default=None))
        .to_dict(as_series=False)
    )
    return {
        "question": (
            "Which endocrine-resistant HER2-low tumours are targetable in addition "
            "(an approved option beyond T-DXd, from a molecular finding)?"
        ),
        "jurisdiction": jurisdiction,
        "n_resistant_her2_low": part.height,
        "n_patients": int(part["patient_id"].n_unique()) if part.height else 0,
        "n_approved": int(hit.sum()),
        "share": ci.proportion,
        "ci_low": ci.ci_low,
        "ci_high": ci.ci_high,
        "n_conditional_approved": conditional,
        "her2_directed_approved": int((part["her2_level"] == "approved").sum())
        if part.height
        else 0,
        "by_finding": [
            {"gene": g, "n": int(n), "top_option": t} for g, n, t in by_gene.iter_rows()
        ],
        "levels": dict(zip(levels.get("level", []), levels.get("len", []), strict=True)),
    }


def _patient_codes(part: pl.DataFrame) -> np.ndarray:
    """One integer per patient (a sample without a patient id is its own patient)."""
    ids = part.select(pl.col("patient_id").fill_null(pl.col("sample_id"))).to_series()
    return ids.rank("dense").cast(pl.Int64).to_numpy() - 1 if ids.len() else np.zeros(0, int)

"""Adjusted, stratified and pooled HER2-low x alteration statistics; the paper's open questions.

The crude table (:func:`~her2scope.cohort.table1.compute.analyze`) compares each
alteration with the cohort's own baseline. That comparison is confounded:
HER2-low is more frequent in HR-positive tumors, resistance alterations
arise mostly in HR-positive metastases after endocrine therapy, gene panels
differ by era, and one patient may give several samples. This module gives,
for every catalog alteration, mechanism class and ``ALL``, on the outcome
HER2-low vs HER2-0 (HER2-positive and unscaled calls left out):

- the crude 2x2 odds ratio with Woolf 95% CI and two-sided Fisher p;
- Cochran-Mantel-Haenszel pooled OR, CMH test and Breslow-Day homogeneity
  across the strata HR status x sample type x histology x gene panel (and
  each one alone) (:mod:`her2scope.stats.stratified`, statsmodels);
- a multivariable logistic regression of HER2-low on the alteration plus HR
  status, sample type, histology and panel (and study when several are
  pooled), with patient-clustered robust SEs
  (:mod:`her2scope.stats.clustered`), Benjamini-Hochberg q within the
  catalog alterations and, separately, within classes and ``ALL``.

A covariate with one level among the modelled samples is dropped, and the
row's ``dropped_covariates`` says so. Samples not profiled for the
alteration's genes are left out of that alteration's model.

:func:`open_questions` answers the three questions the Frontiers in Oncology
2024 perspective (doi:10.3389/fonc.2024.1461190) closes with, in the
endocrine-resistant cohort
(:data:`~her2scope.cohort.table1.compute.ENDOCRINE_RESISTANT_DEFINITION`),
under each HER2 reading of :data:`READINGS`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import polars as pl

from her2scope.alterations import AlterationCalls, Catalog, annotate, load_catalog
from her2scope.audit import Audit
from her2scope.cohort.adjusted.result import AdjustedResult
from her2scope.cohort.options import AnalysisOptions
from her2scope.cohort.table1.compute import (
    ENDOCRINE_RESISTANT_DEFINITION,
    AlterationInfo,
    _classified,
    _info,
    _long_calls,
    select_cohort,
)
from her2scope.errors import StudyError
from her2scope.stats.clustered import clustered_proportion, logistic_clustered, patterns
from her2scope.stats.contingency import HER2_GROUP_EXPR, contingency_counts
from her2scope.stats.core import bh_fdr, fisher_2x2
from her2scope.stats.covariates import sample_covariates
from her2scope.stats.stratified import STRATIFIED_SCHEMA, stratified_table
from her2scope.study.conventions import harmonised, require_her2_levels
from her2scope.study.model import Study

#: Confounders of the model and of the stratified tables (``study`` joins when pooled).
DEFAULT_COVARIATES = ("hr_status", "sample_type", "histology", "panel")
Q_THRESHOLD = 0.05


@dataclass(frozen=True)
class Reading:
    """One way of reading HER2 pathology (rule profile + ambiguity policy)."""

    key: str
    label: str
    profile: str
    ambiguous: str


READINGS = (
    Reading(
        "default", "ASCO/CAP 2023, range scores excluded (default)", "asco-cap-2023", "exclude"
    ),
    Reading("paper", "the paper's reading: IHC only, range scores as HER2-low", "ihc-only", "low"),
)

ADJUSTED_SCHEMA: dict[str, Any] = {
    "alteration": pl.String,
    "label": pl.String,
    "mechanism_class": pl.String,
    "level": pl.String,
    "n_altered_low": pl.Int64,
    "n_altered_zero": pl.Int64,
    "n_not_altered_low": pl.Int64,
    "n_not_altered_zero": pl.Int64,
    "pct_low_altered": pl.Float64,
    "pct_low_not_altered": pl.Float64,
    "crude_or": pl.Float64,
    "crude_ci_low": pl.Float64,
    "crude_ci_high": pl.Float64,
    "p_fisher": pl.Float64,
    "mh_or": pl.Float64,
    "mh_ci_low": pl.Float64,
    "mh_ci_high": pl.Float64,
    "p_mh": pl.Float64,
    "p_breslow_day": pl.Float64,
    "adj_or": pl.Float64,
    "adj_ci_low": pl.Float64,
    "adj_ci_high": pl.Float64,
    "p_adj": pl.Float64,
    "q_adj": pl.Float64,
    "n_model": pl.Int64,
    "n_patients": pl.Int64,
    "covariates": pl.String,
    "dropped_covariates": pl.String,
    "note": pl.String,
}


@dataclass(frozen=True)
class ModelInput:
    """Analysed HER2-low / HER2-0 samples ready for counting and modelling.

    ``frame``: ``sample_id``, ``patient_id``, ``her2_group`` (low / zero),
    ``included`` (all true), the covariates; ``calls``: the long sparse calls
    (alterations and roll-ups).
    """

    frame: pl.DataFrame
    calls: pl.DataFrame
    covariates: tuple[str, ...]
    notes: tuple[str, ...]


def model_input(
    samples: pl.DataFrame,
    covariates_frame: pl.DataFrame,
    long_calls: pl.DataFrame,
    covariates: Sequence[str] = DEFAULT_COVARIATES,
) -> ModelInput:
    """Join the analysed HER2-low/HER2-0 samples of a ``select_cohort`` frame with covariates.

    ``study`` is added to the covariates when the frame holds more than one
    study. A covariate with a single level in the whole frame is dropped and
    named in ``notes``.
    """
    frame = (
        samples.filter(pl.col("included"))
        .select("sample_id", "patient_id", "her2_category")
        .with_columns(HER2_GROUP_EXPR)
        .filter(pl.col("her2_group").is_in(["low", "zero"]))
        .join(covariates_frame, on="sample_id", how="left", maintain_order="left")
        .with_columns(pl.lit(True).alias("included"))
    )
    wanted = list(covariates)
    if "study" in frame.columns and frame["study"].n_unique() > 1 and "study" not in wanted:
        wanted.append("study")
    kept: list[str] = []
    notes: list[str] = []
    for name in wanted:
        frame = frame.with_columns(pl.col(name).cast(pl.String).fill_null("unknown"))
        levels = frame[name].unique().sort().to_list()
        if len(levels) < 2:
            shown = levels[0] if levels else "none"
            notes.append(f"covariate {name} dropped: one level ({shown}) among modelled samples")
        else:
            kept.append(name)
    return ModelInput(frame, long_calls, tuple(kept), tuple(notes))


def _codes(values: pl.Series) -> tuple[np.ndarray, list[str]]:
    """0-based integer codes of a string column (sorted levels) and the levels."""
    codes = (values.cast(pl.String).rank("dense") - 1).cast(pl.Int64).to_numpy()
    levels = values.cast(pl.String).unique().sort().to_list()
    return codes, [str(v) for v in levels]


def _pct(k: int, n: int) -> float:
    return 100.0 * k / n if n else math.nan


def adjusted_table(
    data: ModelInput,
    info: Mapping[str, AlterationInfo],
    order: Sequence[str],
    *,
    mh_strata: Sequence[str] | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Crude, CMH and model-adjusted odds ratios of HER2-low for every id in ``order``.

    Returns ``(table, stratified)``: ``table`` one row per alteration
    (:data:`ADJUSTED_SCHEMA`; the ``mh_*`` columns are for the strata
    crossed), ``stratified`` the CMH rows for the crossed strata and each
    stratum alone (:data:`~her2scope.stats.stratified.STRATIFIED_SCHEMA`).
    All counts come from one :func:`contingency_counts` call per
    stratification.
    """
    frame = data.frame
    covs = list(data.covariates)
    strata = list(mh_strata) if mh_strata is not None else covs
    crossed = contingency_counts(frame, data.calls, strata=strata, alterations=order)
    strat_frames = [stratified_table(crossed, strata, info, order, label=" x ".join(strata))]
    for name in strata:
        per = crossed.group_by("alteration", name, "her2_group").agg(
            pl.col("n_altered", "n_not_altered", "n_not_profiled").sum()
        )
        strat_frames.append(stratified_table(per, [name], info, order))
    stratified = pl.concat(strat_frames) if strat_frames else pl.DataFrame(schema=STRATIFIED_SCHEMA)
    pooled = {r["alteration"]: r for r in strat_frames[0].iter_rows(named=True)}

    n = frame.height
    y = (frame["her2_group"] == "low").to_numpy().astype(np.int64)
    groups = _codes(frame["patient_id"])[0]
    cov_codes = {name: _codes(frame[name]) for name in covs}
    rows_of = (
        data.calls.filter(pl.col("status").is_in(["altered", "not_profiled"]))
        .select("sample_id", "alteration", "status")
        .join(
            frame.select("sample_id", pl.int_range(pl.len(), dtype=pl.Int64).alias("_row")),
            on="sample_id",
            how="inner",
        )
        .group_by("alteration", "status")
        .agg(pl.col("_row"))
    )
    index: dict[tuple[str, str], np.ndarray] = {
        (alt, status): np.asarray(r, dtype=np.int64) for alt, status, r in rows_of.iter_rows()
    }
    rows: list[dict[str, Any]] = []
    for alt in order:
        meta = info[alt]
        p = pooled[alt]
        a, b = p["n_altered_low"], p["n_altered_zero"]
        c, d = p["n_not_altered_low"], p["n_not_altered_zero"]
        fisher = fisher_2x2(a, b, c, d)
        row: dict[str, Any] = {
            "alteration": alt,
            "label": meta.label,
            "mechanism_class": meta.mechanism_class,
            "level": meta.level,
            "n_altered_low": a,
            "n_altered_zero": b,
            "n_not_altered_low": c,
            "n_not_altered_zero": d,
            "pct_low_altered": _pct(a, a + b),
            "pct_low_not_altered": _pct(c, c + d),
            "crude_or": fisher.odds_ratio,
            "crude_ci_low": fisher.or_ci_low,
            "crude_ci_high": fisher.or_ci_high,
            "p_fisher": fisher.p_value,
            "mh_or": p["mh_or"],
            "mh_ci_low": p["mh_ci_low"],
            "mh_ci_high": p["mh_ci_high"],
            "p_mh": p["p_mh"],
            "p_breslow_day": p["p_breslow_day"],
            **_model_row(alt, y, groups, cov_codes, index, n, (a, b, c, d)),
        }
        rows.append(row)
    # two families, as in the crude table: catalog alterations; classes with ALL
    for is_alteration in (True, False):
        idx = [
            i
            for i, r in enumerate(rows)
            if (r["level"] == "alteration") == is_alteration and not math.isnan(r["p_adj"])
        ]
        for i, q in zip(idx, bh_fdr([rows[i]["p_adj"] for i in idx]), strict=True):
            rows[i]["q_adj"] = q
    return pl.DataFrame(rows, schema=ADJUSTED_SCHEMA), stratified


def _model_row(
    alt: str,
    y: np.ndarray,
    groups: np.ndarray,
    cov_codes: Mapping[str, tuple[np.ndarray, list[str]]],
    index: Mapping[tuple[str, str], np.ndarray],
    n: int,
    cells: tuple[int, int, int, int],
) -> dict[str, Any]:
    empty: dict[str, Any] = {
        "adj_or": math.nan,
        "adj_ci_low": math.nan,
        "adj_ci_high": math.nan,
        "p_adj": math.nan,
        "q_adj": math.nan,
        "n_model": sum(cells),
        "n_patients": 0,
        "covariates": "",
        "dropped_covariates": "",
        "note": None,
    }
    mask = np.ones(n, dtype=bool)
    mask[index.get((alt, "not_profiled"), np.empty(0, dtype=np.int64))] = False
    x = np.zeros(n, dtype=np.int64)
    x[index.get((alt, "altered"), np.empty(0, dtype=np.int64))] = 1
    g_sub = groups[mask]
    empty["n_patients"] = int(np.count_nonzero(np.bincount(g_sub)))
    if min(cells) == 0:
        empty["note"] = "a zero cell in the 2x2 table: no finite adjusted odds ratio"
        return empty
    kept: list[tuple[str, np.ndarray, list[int], list[str]]] = []
    dropped: list[str] = []
    for name, (codes, levels) in cov_codes.items():
        sub = codes[mask]
        counts = np.bincount(sub, minlength=len(levels))
        present = [i for i in range(len(levels)) if counts[i] > 0]
        if len(present) < 2:
            dropped.append(f"{name} (one level: {levels[present[0]] if present else 'none'})")
            continue
        ref = int(np.argmax(counts))
        kept.append((name, sub, [i for i in present if i != ref], levels))
    rows, pattern_index = patterns([y[mask], x[mask], *[k[1] for k in kept]])
    names = ["intercept", "altered"]
    columns = [np.ones(rows.shape[0]), rows[:, 1].astype(np.float64)]
    for j, (name, _, others, levels) in enumerate(kept):
        for level in others:
            names.append(f"{name}={levels[level]}")
            columns.append((rows[:, 2 + j] == level).astype(np.float64))
    fit = logistic_clustered(
        np.column_stack(columns), rows[:, 0].astype(np.float64), pattern_index, g_sub, names
    )
    term = fit.term("altered")
    notes = []
    if fit.warnings:
        notes.append("model warnings: " + ", ".join(fit.warnings))
    if not fit.converged:
        notes.append("model did not converge")
    extreme = [nm for nm, b in zip(fit.names[1:], fit.params[1:], strict=True) if abs(b) > 15]
    if extreme:
        notes.append(
            "separation on " + ", ".join(extreme) + " (a level all HER2-low or all HER2-0; "
            "its own coefficient is meaningless, the alteration's is unaffected)"
        )
    return {
        "adj_or": term["or"],
        "adj_ci_low": term["ci_low"],
        "adj_ci_high": term["ci_high"],
        "p_adj": term["p"],
        "q_adj": math.nan,
        "n_model": fit.n_obs,
        "n_patients": fit.n_clusters,
        "covariates": ", ".join(k[0] for k in kept),
        "dropped_covariates": "; ".join(dropped),
        "note": "; ".join(notes) or None,
    }


def _reading_cohort(
    study: Study, base: AnalysisOptions, reading: Reading
) -> tuple[AnalysisOptions, pl.DataFrame]:
    opts = replace(
        base,
        profile=reading.profile,
        ambiguous=reading.ambiguous,
        cohort="endocrine-resistant",
        sample_type="all",
        hr="all",
        one_per_patient=None,
    )
    her2_table, _ = _classified(study, opts)
    return opts, select_cohort(her2_table, opts)


def open_questions(
    samples: pl.DataFrame,
    covariates_frame: pl.DataFrame,
    long_calls: pl.DataFrame,
    info: Mapping[str, AlterationInfo],
    order: Sequence[str],
) -> tuple[dict[str, Any], pl.DataFrame]:
    """The perspective's three questions on one ``select_cohort`` frame (endocrine-resistant).

    Returns ``(answers, enrichment_table)``. ``answers`` holds ``q1`` (HER2-low
    among resistant tumors with a call on the 0/low/positive scale, and among
    HER2-negative ones: low vs 0; Wilson and patient-clustered 95% CIs),
    ``q2`` (alterations and classes with adjusted OR > 1 at q < 0.05, and those
    < 1) and ``q3`` (lobular vs ductal among HR-positive HER2-low resistant
    tumors against HER2-0: proportions, Fisher OR and a panel-adjusted,
    patient-clustered OR).
    """
    from her2scope.stats.core import wilson_ci

    included = (
        samples.filter(pl.col("included"))
        .with_columns(HER2_GROUP_EXPR)
        .join(covariates_frame, on="sample_id", how="left")
    )
    known = included.filter(pl.col("her2_group").is_in(["low", "zero", "positive"]))
    q1: dict[str, Any] = {"n_resistant": included.height, "n_patients": 0}
    q1["n_patients"] = included["patient_id"].n_unique()
    for key, frame in (
        ("of_known", known),
        ("of_her2_negative", known.filter(pl.col("her2_group") != "positive")),
    ):
        events = (frame["her2_group"] == "low").to_numpy()
        cp = clustered_proportion(events, _codes(frame["patient_id"])[0])
        wl, wh = wilson_ci(cp.k, cp.n) if cp.n else (math.nan, math.nan)
        q1[key] = {
            "k": cp.k,
            "n": cp.n,
            "n_patients": cp.n_clusters,
            "pct": 100 * cp.proportion if cp.n else math.nan,
            "wilson_low": 100 * wl,
            "wilson_high": 100 * wh,
            "cluster_low": 100 * cp.ci_low,
            "cluster_high": 100 * cp.ci_high,
            "design_effect": cp.design_effect,
            "method": cp.method,
        }
    data = model_input(samples, covariates_frame, long_calls)
    enrichment, _ = adjusted_table(data, info, order)
    sig = enrichment.filter(pl.col("q_adj") < Q_THRESHOLD)
    q2 = {
        "covariates": list(data.covariates),
        "notes": list(data.notes),
        "enriched": sig.filter(pl.col("adj_or") > 1)["alteration"].to_list(),
        "depleted": sig.filter(pl.col("adj_or") < 1)["alteration"].to_list(),
        "q_threshold": Q_THRESHOLD,
    }
    q3 = _lobular_vs_ductal(data.frame)
    return {"q1": q1, "q2": q2, "q3": q3}, enrichment


def _lobular_vs_ductal(frame: pl.DataFrame) -> dict[str, Any]:
    """Histology of HR-positive HER2-low vs HER2-0 tumors of a model frame."""
    from her2scope.stats.core import wilson_ci

    hrpos = frame.filter(pl.col("hr_status") == "positive")
    out: dict[str, Any] = {}
    for group in ("low", "zero"):
        part = hrpos.filter(pl.col("her2_group") == group)
        counts = dict(part.group_by("histology").len().iter_rows())
        lob, duct = int(counts.get("lobular", 0)), int(counts.get("ductal", 0))
        lobduct = part.filter(pl.col("histology").is_in(["lobular", "ductal"]))
        cp = clustered_proportion(
            (lobduct["histology"] == "lobular").to_numpy(),
            _codes(lobduct["patient_id"])[0],
        )
        wl, wh = wilson_ci(lob, lob + duct) if lob + duct else (math.nan, math.nan)
        out[group] = {
            "n": part.height,
            "n_lobular": lob,
            "n_ductal": duct,
            "n_other": part.height - lob - duct,
            "pct_lobular_of_lob_duct": _pct(lob, lob + duct),
            "wilson_low": 100 * wl,
            "wilson_high": 100 * wh,
            "cluster_low": 100 * cp.ci_low if cp.n else math.nan,
            "cluster_high": 100 * cp.ci_high if cp.n else math.nan,
        }
    a, c = out["low"]["n_lobular"], out["low"]["n_ductal"]
    b, d = out["zero"]["n_lobular"], out["zero"]["n_ductal"]
    # rows lobular / ductal, columns HER2-low / HER2-0: OR of HER2-low, lobular vs ductal
    fisher = fisher_2x2(a, b, c, d)
    out["crude_or"] = fisher.odds_ratio
    out["crude_ci_low"], out["crude_ci_high"] = fisher.or_ci_low, fisher.or_ci_high
    out["p_fisher"] = fisher.p_value
    lobduct = hrpos.filter(pl.col("histology").is_in(["lobular", "ductal"]))
    adj: dict[str, Any] = {"or": math.nan, "ci_low": math.nan, "ci_high": math.nan, "p": math.nan}
    covariates: list[str] = []
    if min(a, b, c, d) > 0:
        y = (lobduct["her2_group"] == "low").to_numpy().astype(np.int64)
        is_lobular = (lobduct["histology"] == "lobular").to_numpy().astype(np.int64)
        cols: list[np.ndarray] = [y, is_lobular]
        names = ["intercept", "lobular"]
        panel_levels, panel = np.unique(
            lobduct["panel"].to_numpy().astype(str), return_inverse=True
        )
        if panel_levels.size > 1:
            cols.append(panel.astype(np.int64))
            covariates.append("panel")
        rows, pattern_index = patterns(cols)
        design = [np.ones(rows.shape[0]), rows[:, 1].astype(np.float64)]
        if covariates:
            ref = int(np.argmax(np.bincount(panel)))
            for level in range(panel_levels.size):
                if level != ref:
                    names.append(f"panel={panel_levels[level]}")
                    design.append((rows[:, 2] == level).astype(np.float64))
        groups = _codes(lobduct["patient_id"])[0]
        fit = logistic_clustered(
            np.column_stack(design), rows[:, 0].astype(np.float64), pattern_index, groups, names
        )
        adj = fit.term("lobular")
    out["adj_or"], out["adj_ci_low"], out["adj_ci_high"], out["p_adj"] = (
        adj["or"],
        adj["ci_low"],
        adj["ci_high"],
        adj["p"],
    )
    out["adj_covariates"] = covariates
    return out


def adjusted_analysis(
    study: Study,
    options: AnalysisOptions | None = None,
    *,
    catalog: Catalog | None = None,
    calls: AlterationCalls | None = None,
    covariates: Sequence[str] = DEFAULT_COVARIATES,
    readings: Sequence[Reading] = READINGS,
) -> AdjustedResult:
    """Stratified and adjusted statistics for one study, and the open questions.

    ``options`` defines the main analysis cohort (as for
    :func:`~her2scope.cohort.table1.compute.analyze`; ``cohort="endocrine-resistant"``
    restricts it). The open questions are always answered in the
    endocrine-resistant cohort, under each of ``readings``.
    """
    options = options or AnalysisOptions()
    if study.samples.height == 0:
        raise StudyError(f"study {study.study_id} has no samples")
    study = harmonised(study, source=options.source)
    require_her2_levels(study, "the adjusted analysis")
    catalog = catalog or load_catalog()
    if calls is None:
        calls = annotate(study, catalog, mutation_classes=options.mutation_classes)
    info, order = _info(catalog)
    long_calls = _long_calls(calls)
    cov_frame = sample_covariates(study)
    her2_table, her2_audit = _classified(study, options)
    samples = select_cohort(her2_table, options)
    data = model_input(samples, cov_frame, long_calls, covariates)
    table, stratified = adjusted_table(data, info, order)
    notes = list(data.notes)
    questions: dict[str, Any] = {"definition": ENDOCRINE_RESISTANT_DEFINITION, "readings": []}
    frames: list[pl.DataFrame] = []
    for reading in readings:
        _, er_samples = _reading_cohort(study, options, reading)
        answers, enrichment = open_questions(er_samples, cov_frame, long_calls, info, order)
        questions["readings"].append(
            {
                "key": reading.key,
                "label": reading.label,
                "profile": reading.profile,
                "ambiguous": reading.ambiguous,
                **answers,
            }
        )
        frames.append(enrichment.select(pl.lit(reading.key).alias("reading"), pl.all()))
    audit = Audit()
    audit.extend(study.audit)
    audit.extend(her2_audit)
    audit.extend(calls.audit)
    n_er = int(samples["endocrine_resistant"].sum())
    audit.add(
        "info",
        "analysis.endocrine_resistant",
        "samples meeting the endocrine-resistant definition (HR status, sample type and "
        "treatment columns; the HER2 reading does not change it)",
        count=n_er,
    )
    for note in notes:
        audit.add("info", "analysis.covariate_dropped", note, count=0)
    return AdjustedResult(
        study_id=study.study_id,
        options=options,
        covariates=data.covariates,
        table=table,
        stratified=stratified,
        questions=questions,
        enrichment=pl.concat(frames) if frames else pl.DataFrame(),
        samples=samples,
        notes=notes,
        audit=audit,
    )

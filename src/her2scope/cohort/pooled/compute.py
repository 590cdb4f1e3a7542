"""Several studies in one run: per-study tables and a pooled table with study as a stratum.

:func:`analyze_many` harmonises each study by its own column convention
(:func:`her2scope.study.conventions.harmonise`, detected unless the study was
harmonised already), makes its HER2 calls with the one set of
:class:`~her2scope.cohort.table1.compute.AnalysisOptions`, and runs the single-study
table (:func:`~her2scope.cohort.table1.compute.analyze`) on each. The studies whose
HER2 scale supports HER2-low are then pooled:

- the crude pooled counts are the single-study table computed on every
  analysed sample of every pooled study together (so each count is the sum of
  the per-study counts);
- the pooled 2x2 (HER2-low vs HER2-0 by altered vs not altered) with its crude
  odds ratio, and the Mantel-Haenszel odds ratio over the 2x2xK tables with
  study as the stratum (:func:`~her2scope.stats.stratified.cmh`, statsmodels'
  ``StratifiedTable``), with the CMH test and Breslow-Day homogeneity test.

A study recorded only as HER2 positive/negative (METABRIC's ``+``/``-``)
cannot support HER2-low: it is left out, with its reason, and the rest are
pooled.

The same tumour must not be counted twice. Two study folders often hold the
same samples (a copy under another id; TCGA breast is published as several
cBioPortal studies with the same barcodes): a ``SAMPLE_ID`` already in an
earlier pooled study (in the order given) is dropped from the later one,
counted in :attr:`PooledResult.duplicates` and the audit
(``pooled.duplicate_samples``), and a study all of whose samples are repeats
is left out with that reason. Ids are keyed by study (``study:sample``)
inside the pooled tables.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import polars as pl

from her2scope.alterations import AlterationCalls, Catalog, annotate, load_catalog
from her2scope.audit import Audit
from her2scope.cohort.options import AnalysisOptions
from her2scope.cohort.pooled.result import STUDY_STRATUM, PooledResult
from her2scope.cohort.table1.compute import (
    TABLE_COLUMNS,
    _info,
    _long_calls,
    analyze,
    intersection_table,
)
from her2scope.cohort.table1.result import NOT_ASSESSED, IntersectionResult
from her2scope.errors import ConfigError, StudyError
from her2scope.stats.contingency import contingency_counts
from her2scope.stats.core import fisher_2x2
from her2scope.stats.stratified import stratified_table
from her2scope.study.conventions import convention_of, harmonise, her2_limitation
from her2scope.study.model import Study

#: Columns of :attr:`PooledResult.table`, after the crude pooled counts
#: (:data:`~her2scope.cohort.table1.compute.TABLE_COLUMNS` without the perspective's
#: columns and the Fisher columns of the HER2-low vs rest contrast).
POOLED_EXTRA: dict[str, Any] = {
    "n_studies": pl.Int64,
    "n_studies_assessed": pl.Int64,
    "n_altered_low": pl.Int64,
    "n_altered_zero": pl.Int64,
    "n_not_altered_low": pl.Int64,
    "n_not_altered_zero": pl.Int64,
    "crude_or": pl.Float64,
    "crude_ci_low": pl.Float64,
    "crude_ci_high": pl.Float64,
    "p_fisher_crude": pl.Float64,
    "mh_or": pl.Float64,
    "mh_ci_low": pl.Float64,
    "mh_ci_high": pl.Float64,
    "p_mh": pl.Float64,
    "p_breslow_day": pl.Float64,
    "n_strata_informative": pl.Int64,
    "mh_note": pl.String,
}
_CRUDE_KEPT = [
    c
    for c in TABLE_COLUMNS
    if not c.startswith("seed_")
    and c not in ("odds_ratio", "or_ci_low", "or_ci_high", "p_fisher", "q_fisher")
]
POOLED_COLUMNS = [*_CRUDE_KEPT, *POOLED_EXTRA]


def _prefixed(audit: Audit, study_id: str) -> Audit:
    out = Audit()
    out.extend(replace(e, message=f"{study_id}: {e.message}") for e in audit)
    return out


def _keyed(study_id: str) -> pl.Expr:
    return pl.concat_str([pl.lit(f"{study_id}:"), pl.col("sample_id")]).alias("sample_id")


def analyze_many(
    studies: Sequence[Study],
    options: AnalysisOptions | None = None,
    *,
    catalog: Catalog | None = None,
    calls: Sequence[AlterationCalls | None] | None = None,
) -> PooledResult:
    """Per-study HER2-low x alteration tables and the pooled table, study as a stratum.

    ``studies``: loaded studies; one not yet harmonised is harmonised by its
    detected convention (with ``options.source``). ``calls``: alteration
    calls per study (same order), reused where given. Raises
    :class:`~her2scope.errors.StudyError` when no study can support HER2-low
    and :class:`~her2scope.errors.ConfigError` when two studies share an id.
    """
    options = options or AnalysisOptions()
    catalog = catalog or load_catalog()
    if not studies:
        raise ConfigError("parameter studies must hold at least one study")
    given = list(calls) if calls is not None else [None] * len(studies)
    if len(given) != len(studies):
        raise ConfigError(
            f"parameter calls must hold one entry per study ({len(studies)}), got {len(given)}"
        )
    ids = [s.study_id for s in studies]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise ConfigError(f"parameter studies holds the same study twice: {', '.join(dupes)}")

    audit = Audit()
    per_study: dict[str, IntersectionResult] = {}
    left_out: dict[str, str] = {}
    cohorts: list[pl.DataFrame] = []
    long_calls: list[pl.DataFrame] = []
    #: SAMPLE_ID -> the pooled study that holds it first
    owner = pl.DataFrame(schema={"SAMPLE_ID": pl.String, "_first_study": pl.String})
    duplicates: dict[tuple[str, str], int] = {}
    for study, study_calls in zip(studies, given, strict=True):
        if convention_of(study) is None:
            study = harmonise(study, source=options.source)
        limitation = her2_limitation(study)
        if limitation is not None:
            reason = f"HER2 scale cannot support HER2-low: {limitation}"
            left_out[study.study_id] = reason
            audit.extend(_prefixed(study.audit, study.study_id))
            audit.add(
                "warning", "pooled.left_out", f"{study.study_id}: left out of the pool: {reason}"
            )
            continue
        study, repeats = _drop_repeats(study, owner)
        for earlier, n in repeats.items():
            duplicates[(study.study_id, earlier)] = n
            audit.add(
                "warning",
                "pooled.duplicate_samples",
                f"{study.study_id}: {n:,} sample(s) already in {earlier} (same SAMPLE_ID) "
                "dropped, so no tumour is counted twice",
                count=n,
            )
        if study.samples.height == 0 and repeats:
            reason = "every sample is already in " + ", ".join(repeats) + " (same SAMPLE_ID)"
            left_out[study.study_id] = reason
            audit.add(
                "warning", "pooled.left_out", f"{study.study_id}: left out of the pool: {reason}"
            )
            continue
        owner = pl.concat(
            [
                owner,
                study.samples.select(
                    pl.col("SAMPLE_ID").cast(pl.String),
                    pl.lit(study.study_id).alias("_first_study"),
                ),
            ]
        )
        if repeats:
            study_calls = None  # the calls were made for the samples before dropping
        if study_calls is None:
            study_calls = annotate(study, catalog, mutation_classes=options.mutation_classes)
        result = analyze(study, options, catalog=catalog, calls=study_calls)
        per_study[study.study_id] = result
        audit.extend(_prefixed(result.audit, study.study_id))
        cohorts.append(
            result.samples.select(
                _keyed(study.study_id),
                "her2_category",
                "included",
                pl.lit(study.study_id).alias(STUDY_STRATUM),
            )
        )
        sparse = _long_calls(study_calls)
        long_calls.append(sparse.with_columns(_keyed(study.study_id)))
    if not per_study:
        raise StudyError(
            "no study can support HER2-low, nothing to pool: "
            + "; ".join(f"{k}: {v}" for k, v in left_out.items())
        )

    info, order = _info(catalog)
    cohort = pl.concat(cohorts, how="vertical_relaxed")
    calls_all = pl.concat(long_calls, how="vertical_relaxed")
    crude = intersection_table(cohort, calls_all, info, expected=options.expected, order=order)
    counts = contingency_counts(cohort, calls_all, strata=[STUDY_STRATUM], alterations=order)
    strat = stratified_table(counts, [STUDY_STRATUM], info, order, label=STUDY_STRATUM)
    assessed = (
        counts.group_by("alteration", STUDY_STRATUM)
        .agg((pl.col("n_altered") + pl.col("n_not_altered")).sum().alias("_profiled"))
        .group_by("alteration")
        .agg((pl.col("_profiled") > 0).sum().cast(pl.Int64).alias("n_studies_assessed"))
    )
    extra_rows: list[dict[str, Any]] = []
    for r in strat.iter_rows(named=True):
        a, b = r["n_altered_low"], r["n_altered_zero"]
        c, d = r["n_not_altered_low"], r["n_not_altered_zero"]
        fisher = fisher_2x2(a, b, c, d)
        extra_rows.append(
            {
                "alteration": r["alteration"],
                "n_studies": len(per_study),
                "n_altered_low": a,
                "n_altered_zero": b,
                "n_not_altered_low": c,
                "n_not_altered_zero": d,
                "crude_or": fisher.odds_ratio,
                "crude_ci_low": fisher.or_ci_low,
                "crude_ci_high": fisher.or_ci_high,
                "p_fisher_crude": fisher.p_value,
                "mh_or": r["mh_or"],
                "mh_ci_low": r["mh_ci_low"],
                "mh_ci_high": r["mh_ci_high"],
                "p_mh": r["p_mh"],
                "p_breslow_day": r["p_breslow_day"],
                "n_strata_informative": r["n_strata_informative"],
                "mh_note": r["note"],
            }
        )
    extra = pl.DataFrame(
        extra_rows,
        schema={"alteration": pl.String, **{k: v for k, v in POOLED_EXTRA.items()}},
    ).drop("n_studies_assessed")
    table = (
        crude.select(_CRUDE_KEPT)
        .join(extra, on="alteration", how="left", maintain_order="left")
        .join(assessed, on="alteration", how="left", maintain_order="left")
        .with_columns(pl.col("n_studies_assessed").fill_null(0))
        .select(POOLED_COLUMNS)
    )
    # not assessed in the pool: no pooled study assessed it (reasons from each study)
    unassessed = [
        (alt, label)
        for alt, label, level, n in table.select(
            "alteration", "label", "level", "n_studies_assessed"
        ).iter_rows()
        if level == "alteration" and n == 0
    ]
    reasons: dict[str, list[str]] = {}
    for result in per_study.values():
        for alt, reason in result.not_assessed.select("alteration", "reason").iter_rows():
            reasons.setdefault(alt, [])
            if reason not in reasons[alt]:
                reasons[alt].append(reason)
    not_assessed = pl.DataFrame(
        [
            {"alteration": alt, "label": label, "reason": "; ".join(reasons.get(alt, []))}
            for alt, label in unassessed
        ],
        schema=NOT_ASSESSED,
    )
    audit.add(
        "info",
        "pooled.studies",
        f"pooled {len(per_study)} of {len(studies)} studies with study as a stratum: "
        + ", ".join(per_study),
        count=len(per_study),
    )
    return PooledResult(
        study_ids=tuple(per_study),
        options=options,
        table=table,
        per_study=per_study,
        left_out=left_out,
        counts=counts,
        audit=audit,
        not_assessed=not_assessed,
        duplicates=duplicates,
    )


def _drop_repeats(study: Study, owner: pl.DataFrame) -> tuple[Study, dict[str, int]]:
    """``study`` without the samples an earlier pooled study holds, and how many per study."""
    if owner.height == 0:
        return study, {}
    ids = study.samples.select(pl.col("SAMPLE_ID").cast(pl.String))
    hits = ids.join(owner, on="SAMPLE_ID", how="inner")
    if hits.height == 0:
        return study, {}
    repeats = {
        str(first): int(n)
        for first, n in hits.group_by("_first_study", maintain_order=True).len().iter_rows()
    }
    keep = ~pl.col("SAMPLE_ID").cast(pl.String).is_in(hits["SAMPLE_ID"].implode())
    dropped = set(hits["SAMPLE_ID"].to_list())
    kept_samples = study.samples.filter(keep)
    patients = study.patients
    if "PATIENT_ID" in kept_samples.columns and "PATIENT_ID" in patients.columns:
        patients = patients.filter(pl.col("PATIENT_ID").is_in(kept_samples["PATIENT_ID"].implode()))
    tables = {}
    for name in ("mutations", "cna", "sv", "panel_matrix"):
        frame = getattr(study, name)
        col = next((c for c in ("sample_id", "SAMPLE_ID") if c in frame.columns), None)
        if col is not None and frame.height:
            tables[name] = frame.filter(~pl.col(col).cast(pl.String).is_in(list(dropped)))
    return replace(study, samples=kept_samples, patients=patients, **tables), repeats

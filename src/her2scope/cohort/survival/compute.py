"""Overall survival by HER2 group (or by an alteration), at patient level.

Unit of analysis
    One sample per patient: the **first sequenced sample** by
    ``NGS_SAMPLE_COLLECTION_TIME`` (ties and unknown times broken by
    ``SAMPLE_ID``, nulls last). It is chosen before looking at its HER2 call,
    so the choice cannot depend on the outcome or on which call is usable, and
    its collection time is the patient's entry into the sequenced cohort (used
    for left truncation below). A patient whose chosen sample cannot be
    grouped (HER2 call off the HER2-0/low/positive scale; alteration
    ``not_profiled``) is excluded and counted in the audit.

Outcome
    ``OS_MONTHS`` (months from diagnosis of invasive carcinoma) and
    ``OS_STATUS`` (``1:DECEASED`` = event, ``0:LIVING`` = censored; bare
    ``DECEASED``/``LIVING``/``1``/``0`` also read). Patients with a missing or
    unreadable time or status are excluded and counted.

Methods (lifelines)
    Kaplan-Meier estimate per group with Greenwood-based 95% bands and the
    median survival with its 95% interval (``median_survival_times`` on the
    band). Log-rank test across all groups (``multivariate_logrank_test``,
    chi-square with groups - 1 df) and pairwise against the reference group
    (HER2-0, or ``not_altered``) with ``logrank_test``; no multiplicity
    correction is applied to the pairwise tests. The log-rank test is most
    powerful under proportional hazards and assumes censoring independent of
    the outcome within groups. Cox proportional-hazards model
    (``CoxPHFitter``, Efron ties) with the group (dummy-coded against the
    reference) and hormone-receptor status of the same sample (``HR_STATUS``
    Positive vs Negative; unknown HR excluded from the Cox model only);
    hazard ratios with Wald 95% CIs and p values. Proportional hazards is
    assumed, not tested here.

Bias: sequencing-time (left truncation / immortal time)
    Survival is measured from **diagnosis**, but a patient enters this
    cohort only when a tumour is sequenced, often years after diagnosis
    (mostly at metastatic relapse). Patients who died before sequencing can
    never appear, so naive curves from diagnosis are biased upward and group
    comparisons are confounded by time-to-sequencing. When the entry time can
    be derived (``NGS_SAMPLE_COLLECTION_TIME - INVASIVE_CARCINOMA_DX_TIME``,
    both checked to be months on the same scale, see
    :func:`entry_time_check`), a **left-truncated** (delayed-entry) analysis
    is added: KM with ``entry=``, Cox with ``entry_col=``, and a
    likelihood-ratio test of the group terms in a delayed-entry Cox model
    (the log-rank test has no delayed-entry form in lifelines). Left
    truncation assumes entry is independent of survival given the covariates
    (quasi-independence); it corrects the risk sets, not selection into
    sequencing by other routes.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import pandas as pd
import polars as pl

from her2scope.audit import Audit
from her2scope.cohort.options import SurvivalOptions
from her2scope.cohort.survival.result import BIAS_NOTE, SurvivalResult
from her2scope.cohort.switching.compute import to_analysis_scale
from her2scope.errors import ConfigError, InputFormatError
from her2scope.vocab import ANALYSIS_SCALE

if TYPE_CHECKING:
    from her2scope.her2 import AmbiguityPolicy
    from her2scope.study.model import Study

SAMPLE_ID = "SAMPLE_ID"
PATIENT_ID = "PATIENT_ID"
COLLECTION_TIME = "NGS_SAMPLE_COLLECTION_TIME"
DX_TIME = "INVASIVE_CARCINOMA_DX_TIME"
DX_AGE = "INVASIVE_CARCINOMA_DX_AGE"

ANALYSES = ("from_diagnosis", "left_truncated")

#: Where the study records no sequencing time (TCGA, METABRIC, most studies outside MSK):
#: the sample-choice line says how the sample was chosen there, and no MSK note is printed.
NO_SEQUENCING_TIME_NOTE = ""
#: OS_MONTHS whose median exceeds this (20 years) are not months: the follow-up of a
#: cancer cohort. Days mapped as months give a median of hundreds (TCGA breast
#: DAYS_TO_LAST_FOLLOWUP: median 365; maftools' tcga_laml days_to_last_followup: 366).
#: Real month columns of the shared studies have medians 16-41 and maxima 224-404.
MAX_MEDIAN_MONTHS = 240.0
#: A single OS_MONTHS above this (100 years) is no follow-up time: unusable, counted.
MAX_MONTHS = 1200.0
DAYS_PER_MONTH = 30.4375

GROUP_SCHEMA: dict[str, pl.DataType] = {
    "analysis": pl.String(),
    "group": pl.String(),
    "n_patients": pl.Int64(),
    "n_events": pl.Int64(),
    "median_os_months": pl.Float64(),
    "median_ci_low": pl.Float64(),
    "median_ci_high": pl.Float64(),
}
TEST_SCHEMA: dict[str, pl.DataType] = {
    "analysis": pl.String(),
    "comparison": pl.String(),
    "test": pl.String(),
    "statistic": pl.Float64(),
    "df": pl.Int64(),
    "p_value": pl.Float64(),
    "n_patients": pl.Int64(),
}
COX_SCHEMA: dict[str, pl.DataType] = {
    "analysis": pl.String(),
    "covariate": pl.String(),
    "hazard_ratio": pl.Float64(),
    "ci_low": pl.Float64(),
    "ci_high": pl.Float64(),
    "p_value": pl.Float64(),
    "n_patients": pl.Int64(),
    "n_events": pl.Int64(),
    "ph_test_statistic": pl.Float64(),
    "ph_p_value": pl.Float64(),
    "ph_ok": pl.Boolean(),
}
#: Proportional-hazards check: Schoenfeld-residual test p below this flags the covariate.
PH_ALPHA = 0.05
CURVE_SCHEMA: dict[str, pl.DataType] = {
    "analysis": pl.String(),
    "group": pl.String(),
    "time": pl.Float64(),
    "survival": pl.Float64(),
    "ci_low": pl.Float64(),
    "ci_high": pl.Float64(),
    "at_risk": pl.Int64(),
}


def parse_os_status(status: pl.Expr) -> pl.Expr:
    """``1:DECEASED``/``DECEASED``/``1`` -> 1, ``0:LIVING``/``LIVING``/``0`` -> 0, else null."""
    s = status.cast(pl.String).str.strip_chars().str.to_uppercase()
    return (
        pl.when(s.is_in(["1:DECEASED", "DECEASED", "1", "1.0"]))
        .then(pl.lit(1, dtype=pl.Int8))
        .when(s.is_in(["0:LIVING", "LIVING", "0", "0.0"]))
        .then(pl.lit(0, dtype=pl.Int8))
        .otherwise(pl.lit(None, dtype=pl.Int8))
    )


def first_sample_per_patient(samples: pl.DataFrame) -> pl.DataFrame:
    """The first sequenced sample of each patient (collection time, then SAMPLE_ID; nulls last)."""
    for c in (SAMPLE_ID, PATIENT_ID):
        if c not in samples.columns:
            raise InputFormatError(f"sample table lacks required column {c!r}")
    time = (
        pl.col(COLLECTION_TIME).cast(pl.Float64, strict=False)
        if COLLECTION_TIME in samples.columns
        else pl.lit(None, dtype=pl.Float64)
    )
    return (
        samples.with_columns(time.alias("_collection_time"))
        .sort([PATIENT_ID, "_collection_time", SAMPLE_ID], nulls_last=True)
        .group_by(PATIENT_ID, maintain_order=True)
        .first()
        .drop("_collection_time")
    )


def entry_time_check(samples: pl.DataFrame) -> tuple[bool, str]:
    """Can ``NGS_SAMPLE_COLLECTION_TIME - INVASIVE_CARCINOMA_DX_TIME`` serve as entry in months?

    In breast_msk_2018 neither header description states a unit ("Time to
    Diagnosis Invasive Carcinoma", "NGS Sample Collection Time Period"), so
    the values decide: ``INVASIVE_CARCINOMA_DX_TIME / 12`` must agree with
    ``INVASIVE_CARCINOMA_DX_AGE`` (years) within a year for most samples
    (i.e. both are ages in months), and collection may not precede diagnosis
    by more than rounding (a month) in more than 1% of samples. Returns
    ``(ok, explanation)``.
    """
    needed = [COLLECTION_TIME, DX_TIME, DX_AGE]
    missing = [c for c in needed if c not in samples.columns]
    if missing:
        return False, f"columns {missing} absent, units of entry time cannot be checked"
    d = samples.select(
        pl.col(COLLECTION_TIME).cast(pl.Float64, strict=False).alias("ngs"),
        pl.col(DX_TIME).cast(pl.Float64, strict=False).alias("dx"),
        pl.col(DX_AGE).cast(pl.Float64, strict=False).alias("age"),
    ).drop_nulls()
    if d.height == 0:
        return False, "no sample has collection time, diagnosis time and diagnosis age"
    agree = d.select(((pl.col("dx") / 12 - pl.col("age")).abs() < 1.0).mean()).item()
    if agree < 0.95:
        return False, (
            f"{DX_TIME}/12 matches {DX_AGE} (years) in only {100 * agree:.0f}% of samples: "
            "the time unit is unclear"
        )
    before = d.select((pl.col("ngs") < pl.col("dx") - 1.0).mean()).item()
    if before > 0.01:
        return False, (
            f"{100 * before:.1f}% of samples are collected over a month before diagnosis: "
            f"{COLLECTION_TIME} is not on the same month scale"
        )
    return True, (
        f"{DX_TIME}/12 agrees with {DX_AGE} within a year in {100 * agree:.1f}% of samples, so "
        f"both {DX_TIME} and {COLLECTION_TIME} are ages in months; entry = collection - "
        "diagnosis (months), negative values from month rounding set to 0"
    )


def _km(
    frame: pd.DataFrame, label: str, *, entry: bool
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    from lifelines import KaplanMeierFitter
    from lifelines.utils import median_survival_times

    kmf = KaplanMeierFitter()
    kmf.fit(
        frame["os_months"],
        frame["os_event"],
        entry=frame["entry_months"] if entry else None,
        label=label,
    )
    median = float(kmf.median_survival_time_)
    ci = median_survival_times(kmf.confidence_interval_)
    low, high = float(ci.iloc[0, 0]), float(ci.iloc[0, 1])
    summary = {
        "median_os_months": None if math.isinf(median) else median,
        "median_ci_low": None if math.isinf(low) else low,
        "median_ci_high": None if math.isinf(high) else high,
    }
    sf = kmf.survival_function_.iloc[:, 0]
    band = kmf.confidence_interval_
    at_risk = kmf.event_table["at_risk"].reindex(sf.index).fillna(0)
    # Whole columns to Python lists once: per-point .loc lookups cost seconds
    # on a 250,000-patient cohort.
    columns = zip(
        sf.index.to_numpy(dtype=float).tolist(),
        sf.to_numpy(dtype=float).tolist(),
        band.iloc[:, 0].to_numpy(dtype=float).tolist(),
        band.iloc[:, 1].to_numpy(dtype=float).tolist(),
        at_risk.to_numpy().astype(int).tolist(),
        strict=True,
    )
    curve = [
        {"time": t, "survival": sv, "ci_low": lo, "ci_high": hi, "at_risk": n}
        for t, sv, lo, hi, n in columns
    ]
    return summary, curve


def _cox(
    frame: pd.DataFrame,
    covariates: Sequence[str],
    *,
    entry: bool,
) -> Any:
    from lifelines import CoxPHFitter

    cph = CoxPHFitter()
    columns = ["os_months", "os_event", *covariates] + (["entry_months"] if entry else [])
    with warnings.catch_warnings():
        # lifelines warns about convergence/low variance through warnings; the
        # fitted table (or an exception) is what we report.
        warnings.simplefilter("ignore")
        cph.fit(
            frame[columns],
            duration_col="os_months",
            event_col="os_event",
            entry_col="entry_months" if entry else None,
        )
    return cph


def survival_from_calls(
    samples: pl.DataFrame,
    patients: pl.DataFrame,
    *,
    by: str = "her2",
    group_column: str | None = None,
    profile: str | None = None,
    ambiguous: str | None = None,
    study_id: str | None = None,
) -> SurvivalResult:
    """Core survival analysis on ready-made per-sample groupings (pure, no HER2 engine).

    ``samples``: one row per sample with ``SAMPLE_ID``, ``PATIENT_ID``,
    ``NGS_SAMPLE_COLLECTION_TIME``, ``HR_STATUS`` and the grouping column:
    ``her2_category`` when ``by="her2"`` (collapsed to HER2-0 / HER2-low /
    HER2-positive, reference HER2-0), or ``alteration_status``
    (``altered``/``not_altered``/``not_profiled``; reference ``not_altered``)
    when ``by="alteration:ID"``. ``INVASIVE_CARCINOMA_DX_TIME`` and
    ``INVASIVE_CARCINOMA_DX_AGE`` enable the left-truncated analysis.
    ``patients``: ``PATIENT_ID``, ``OS_MONTHS``, ``OS_STATUS``.
    See the module docstring for the choices and assumptions.
    """
    audit = Audit()
    if by == "her2":
        group_column = group_column or "her2_category"
        reference = "HER2-0"
        order: list[str] = list(ANALYSIS_SCALE)
    elif by.startswith("alteration:"):
        group_column = group_column or "alteration_status"
        reference = "not_altered"
        order = ["not_altered", "altered"]
    else:
        raise ConfigError(f"parameter by must be 'her2' or 'alteration:ID', got {by!r}")
    for c in (group_column,):
        if c not in samples.columns:
            raise InputFormatError(f"sample table lacks the grouping column {c!r}")
    for c in (PATIENT_ID, "OS_MONTHS", "OS_STATUS"):
        if c not in patients.columns:
            raise InputFormatError(f"patient table lacks required column {c!r}")

    chosen = first_sample_per_patient(samples)
    timed = has_sequencing_time(samples)
    sample_choice = (
        "the first sequenced sample by NGS_SAMPLE_COLLECTION_TIME (ties: SAMPLE_ID)"
        if timed
        else "the first by SAMPLE_ID (the study records no sequencing time)"
    )
    audit.add(
        "info",
        "survival.sample_choice",
        f"one sample per patient: {sample_choice}",
        count=samples.height - chosen.height,
    )
    if by == "her2":
        group = to_analysis_scale(pl.col(group_column))
    else:
        group = (
            pl.when(pl.col(group_column).is_in(["altered", "not_altered"]))
            .then(pl.col(group_column))
            .otherwise(pl.lit(None, dtype=pl.String))
        )
    hr = (
        pl.col("HR_STATUS").cast(pl.String)
        if "HR_STATUS" in chosen.columns
        else pl.lit(None, dtype=pl.String)
    )
    lt_ok, lt_reason = entry_time_check(samples)
    entry = (
        (
            pl.col(COLLECTION_TIME).cast(pl.Float64, strict=False)
            - pl.col(DX_TIME).cast(pl.Float64, strict=False)
        ).clip(lower_bound=0.0)
        if lt_ok
        else pl.lit(None, dtype=pl.Float64)
    )
    per_patient = chosen.select(
        pl.col(PATIENT_ID),
        pl.col(SAMPLE_ID),
        pl.col(group_column).cast(pl.String).alias("call"),
        group.alias("group"),
        hr.alias("hr_status"),
        entry.alias("entry_months"),
    )
    outcome = patients.select(
        pl.col(PATIENT_ID),
        pl.col("OS_MONTHS").cast(pl.Float64, strict=False).alias("os_months"),
        parse_os_status(pl.col("OS_STATUS")).alias("os_event"),
    )
    check_os_months(outcome["os_months"])
    too_long = outcome.filter(pl.col("os_months") > MAX_MONTHS).height
    if too_long:
        audit.add(
            "warning",
            "survival.implausible_os_months",
            f"patient excluded: OS_MONTHS above {MAX_MONTHS:.0f} months (100 years) is no "
            "follow-up time",
            column="OS_MONTHS",
            count=too_long,
        )
        outcome = outcome.with_columns(
            pl.when(pl.col("os_months") > MAX_MONTHS)
            .then(None)
            .otherwise(pl.col("os_months"))
            .alias("os_months")
        )
    joined = per_patient.join(outcome, on=PATIENT_ID, how="left")

    no_outcome = joined.filter(
        pl.col("os_months").is_null() | pl.col("os_event").is_null() | (pl.col("os_months") < 0)
    )
    if no_outcome.height:
        audit.add(
            "warning",
            "survival.missing_os",
            "patient excluded: OS_MONTHS or OS_STATUS missing, unreadable or negative",
            count=no_outcome.height,
        )
    joined = joined.filter(
        pl.col("os_months").is_not_null()
        & pl.col("os_event").is_not_null()
        & (pl.col("os_months") >= 0)
    )
    ungrouped = joined.filter(pl.col("group").is_null())
    for call, n in ungrouped.group_by("call").len().sort("len", descending=True).iter_rows():
        audit.add(
            "info",
            "survival.ungrouped",
            f"patient excluded: chosen sample's {group_column} = {call!r} is not a group",
            count=n,
        )
    analysed = joined.filter(pl.col("group").is_not_null()).sort(PATIENT_ID)
    audit.add("info", "survival.included", "patients analysed", count=analysed.height)

    groups_present = [g for g in order if g in set(analysed["group"].to_list())]
    group_rows: list[dict[str, Any]] = []
    test_rows: list[dict[str, Any]] = []
    cox_rows: list[dict[str, Any]] = []
    curve_rows: list[dict[str, Any]] = []

    lt_info: dict[str, Any] = {"done": False, "reason": lt_reason}
    runs: list[tuple[str, pl.DataFrame]] = [("from_diagnosis", analysed)]
    if lt_ok:
        late = analysed.filter(pl.col("entry_months") >= pl.col("os_months"))
        lt_frame = analysed.filter(pl.col("entry_months") < pl.col("os_months"))
        if late.height:
            audit.add(
                "info",
                "survival.entry_after_follow_up",
                "left-truncated analysis: patient excluded, sequencing month at or after end of "
                "follow-up (collection time is rounded to whole months)",
                count=late.height,
            )
        runs.append(("left_truncated", lt_frame))
        lt_info = {
            "done": True,
            "reason": lt_reason,
            "n_patients": lt_frame.height,
            "n_excluded_entry_after_follow_up": late.height,
            "median_entry_months": (
                float(lt_frame["entry_months"].median())  # type: ignore[arg-type]
                if lt_frame.height
                else None
            ),
        }
    elif timed:
        audit.add("warning", "survival.left_truncation_skipped", lt_reason, count=0)
    else:
        # no sequencing time (TCGA, METABRIC...): no delayed entry to correct for, and
        # MSK's sequencing-time caveat does not apply
        lt_info = {
            "done": False,
            "reason": "not applicable: the study records no sequencing time "
            f"({COLLECTION_TIME}), so survival from diagnosis has no delayed entry to "
            "correct",
        }

    for analysis, frame in runs:
        delayed = analysis == "left_truncated"
        pdf = frame.select(
            "group", "os_months", "os_event", "entry_months", "hr_status"
        ).to_pandas()
        for g in groups_present:
            sub = pdf[pdf["group"] == g]
            if sub.empty:
                continue
            km_summary, curve = _km(sub, g, entry=delayed)
            group_rows.append(
                {
                    "analysis": analysis,
                    "group": g,
                    "n_patients": len(sub),
                    "n_events": int(sub["os_event"].sum()),
                    **km_summary,
                }
            )
            curve_rows.extend({"analysis": analysis, "group": g, **c} for c in curve)
        test_rows.extend(_group_tests(pdf, groups_present, reference, analysis, delayed))
        cox_rows.extend(
            _cox_rows(pdf, groups_present, reference, analysis, delayed, by=by, audit=audit)
        )

    explanations = _explain_empty(
        analysed, groups_present, reference, cox_rows, audit, group_column=group_column
    )
    return SurvivalResult(
        bias_note=BIAS_NOTE if timed else NO_SEQUENCING_TIME_NOTE,
        sample_choice=sample_choice,
        explanations=explanations,
        table=pl.DataFrame(group_rows, schema=GROUP_SCHEMA),
        logrank=pl.DataFrame(test_rows, schema=TEST_SCHEMA),
        cox=pl.DataFrame(cox_rows, schema=COX_SCHEMA),
        patients=analysed.select(
            PATIENT_ID,
            SAMPLE_ID,
            "call",
            "group",
            "os_months",
            "os_event",
            "hr_status",
            "entry_months",
        ),
        curves=pl.DataFrame(curve_rows, schema=CURVE_SCHEMA),
        by=by,
        reference_group=reference,
        left_truncation=lt_info,
        audit=audit,
        profile=profile,
        ambiguous=ambiguous,
        study_id=study_id,
    )


def has_sequencing_time(samples: pl.DataFrame) -> bool:
    """Whether the study records when each sample was sequenced (MSK's
    ``NGS_SAMPLE_COLLECTION_TIME``, with at least one value): only then do the
    sequencing-time (left-truncation) caveat and the "first sequenced" choice apply."""
    if COLLECTION_TIME not in samples.columns:
        return False
    return bool(samples[COLLECTION_TIME].cast(pl.Float64, strict=False).is_not_null().any())


def check_os_months(months: pl.Series) -> None:
    """Refuse ``OS_MONTHS`` that are not months (days, most often) with how to convert.

    The median follow-up of a cancer cohort is not 20 years; a column of days
    mapped as months has a median of hundreds. One value above
    :data:`MAX_MONTHS` in a column of months is counted, not refused.
    """
    values = months.drop_nulls().drop_nans() if months.dtype.is_float() else months.drop_nulls()
    values = values.filter(values.is_finite()) if values.dtype.is_float() else values
    if values.len() == 0:
        return
    median = float(values.median())  # type: ignore[arg-type]
    if median <= MAX_MEDIAN_MONTHS:
        return
    top = float(values.max())  # type: ignore[arg-type]
    raise InputFormatError(
        f"OS_MONTHS do not look like months: median {median:,.0f}, maximum {top:,.0f} "
        f"(a median follow-up above {MAX_MEDIAN_MONTHS:.0f} months, 20 years, is not "
        f"plausible); if the column holds days, divide by {DAYS_PER_MONTH} (days per "
        f"month: {median:,.0f} days = {median / DAYS_PER_MONTH:.1f} months), if years, "
        "multiply by 12, or map a months column with --map os_months=COLUMN",
        column="OS_MONTHS",
    )


def _explain_empty(
    analysed: pl.DataFrame,
    groups_present: Sequence[str],
    reference: str,
    cox_rows: Sequence[dict[str, Any]],
    audit: Audit,
    *,
    group_column: str,
) -> list[str]:
    """Sentences for an empty Cox table and a reference group with no patient.

    An empty table with no word, or a reference named that no patient is in,
    reads as "no effect"; the reason is said instead (and audited).
    """
    out: list[str] = []
    if analysed.height and reference not in groups_present:
        out.append(
            f"the reference group {reference} has no analysed patient (groups present: "
            f"{', '.join(groups_present) or 'none'}): no hazard ratio or pairwise test "
            "against it can be given"
        )
    if not cox_rows:
        if analysed.height == 0:
            why = "no patient could be analysed (see the audit for why each was excluded)"
        elif len(groups_present) < 2:
            why = (
                f"only one group has patients ({', '.join(groups_present)}): a model needs "
                "at least two groups"
            )
        elif reference not in groups_present:
            why = f"the reference group {reference} has no patient"
        elif int(analysed["os_event"].sum()) == 0:
            why = "no death among the analysed patients"
        else:
            failed = audit.by_code("survival.cox_failed")
            why = failed[-1].message if failed else "no finite hazard ratio could be estimated"
        out.append(f"no Cox model: {why}")
    for text in out:
        audit.add("warning", "survival.not_estimable", text, column=group_column, count=0)
    return out


def _dummies(pdf: pd.DataFrame, groups: Sequence[str], reference: str) -> list[str]:
    names = []
    for g in groups:
        if g == reference:
            continue
        name = f"{g} vs {reference}"
        pdf[name] = (pdf["group"] == g).astype(float)
        names.append(name)
    return names


def _group_tests(
    pdf: pd.DataFrame, groups: Sequence[str], reference: str, analysis: str, delayed: bool
) -> list[dict[str, Any]]:
    from lifelines.statistics import logrank_test, multivariate_logrank_test

    rows: list[dict[str, Any]] = []
    if len(groups) < 2 or pdf.empty:
        return rows
    if not delayed:
        res = multivariate_logrank_test(pdf["os_months"], pdf["group"], pdf["os_event"])
        rows.append(
            {
                "analysis": analysis,
                "comparison": "all groups",
                "test": "log-rank",
                "statistic": float(res.test_statistic),
                "df": int(res.degrees_of_freedom),
                "p_value": float(res.p_value),
                "n_patients": len(pdf),
            }
        )
        ref = pdf[pdf["group"] == reference]
        for g in groups:
            if g == reference or ref.empty:
                continue
            other = pdf[pdf["group"] == g]
            pair = logrank_test(
                ref["os_months"], other["os_months"], ref["os_event"], other["os_event"]
            )
            rows.append(
                {
                    "analysis": analysis,
                    "comparison": f"{g} vs {reference}",
                    "test": "log-rank",
                    "statistic": float(pair.test_statistic),
                    "df": 1,
                    "p_value": float(pair.p_value),
                    "n_patients": len(ref) + len(other),
                }
            )
        return rows
    # Delayed entry: lifelines' log-rank has no entry argument, so the group
    # effect is tested by the likelihood ratio of a group-only Cox model with
    # entry_col (asymptotically the same hypothesis as the log-rank test).
    work = pdf.copy()
    names = _dummies(work, groups, reference)
    try:
        cph = _cox(work, names, entry=True)
        lrt = cph.log_likelihood_ratio_test()
    except Exception as exc:  # lifelines raises ConvergenceError and numpy errors
        rows.append(
            {
                "analysis": analysis,
                "comparison": "all groups",
                "test": f"Cox LRT (delayed entry) failed: {type(exc).__name__}",
                "statistic": None,
                "df": len(names),
                "p_value": None,
                "n_patients": len(work),
            }
        )
        return rows
    rows.append(
        {
            "analysis": analysis,
            "comparison": "all groups",
            "test": "Cox likelihood-ratio (delayed entry)",
            "statistic": float(lrt.test_statistic),
            "df": len(names),
            "p_value": float(lrt.p_value),
            "n_patients": len(work),
        }
    )
    summ = cph.summary
    for name in names:
        rows.append(
            {
                "analysis": analysis,
                "comparison": name,
                "test": "Cox Wald (delayed entry, group only)",
                "statistic": float(summ.loc[name, "z"]) ** 2,
                "df": 1,
                "p_value": float(summ.loc[name, "p"]),
                "n_patients": len(work),
            }
        )
    return rows


def _cox_rows(
    pdf: pd.DataFrame,
    groups: Sequence[str],
    reference: str,
    analysis: str,
    delayed: bool,
    *,
    by: str,
    audit: Audit,
) -> list[dict[str, Any]]:
    if len(groups) < 2:
        return []
    work = pdf[pdf["hr_status"].isin(["Positive", "Negative"])].copy()
    if work.empty:
        # no usable HR status at all: drop the covariate (said), not every patient
        audit.add(
            "warning",
            "survival.cox_covariate_dropped",
            f"{analysis}: HR status unavailable for every patient; Cox model fitted "
            "without the HR covariate",
            count=len(pdf),
        )
        work = pdf.copy()
    n_dropped = len(pdf) - len(work)
    if n_dropped:
        audit.add(
            "info",
            "survival.cox_hr_unknown",
            f"{analysis}: patient left out of the Cox model only, HR_STATUS not Positive/Negative",
            count=n_dropped,
        )
    names = _dummies(work, groups, reference)
    covariates = list(names)
    if work["hr_status"].nunique() == 2:
        work["HR-positive vs HR-negative"] = (work["hr_status"] == "Positive").astype(float)
        covariates.append("HR-positive vs HR-negative")
    try:
        cph = _cox(work, covariates, entry=delayed)
    except Exception as exc:  # ConvergenceError, singular matrix: report, do not crash
        audit.add("warning", "survival.cox_failed", f"{analysis}: Cox model failed: {exc}")
        return []
    summ = cph.summary
    n_events = int(work["os_event"].sum())
    ph = _ph_check(cph, work, covariates, delayed)
    for name in covariates:
        p_ph = ph.get(name, (math.nan, math.nan))[1]
        if p_ph < PH_ALPHA:
            audit.add(
                "warning",
                "survival.ph_violated",
                f"{analysis}: proportional-hazards assumption fails for {name!r} (scaled "
                f"Schoenfeld residuals vs rank of time, p = {p_ph:.2g}); its hazard ratio is "
                "an average over follow-up",
                count=1,
            )
    return [
        {
            "analysis": analysis,
            "covariate": name,
            "hazard_ratio": float(summ.loc[name, "exp(coef)"]),
            "ci_low": float(summ.loc[name, "exp(coef) lower 95%"]),
            "ci_high": float(summ.loc[name, "exp(coef) upper 95%"]),
            "p_value": float(summ.loc[name, "p"]),
            "n_patients": len(work),
            "n_events": n_events,
            "ph_test_statistic": ph.get(name, (math.nan, math.nan))[0],
            "ph_p_value": ph.get(name, (math.nan, math.nan))[1],
            "ph_ok": (
                None
                if math.isnan(ph.get(name, (math.nan, math.nan))[1])
                else bool(ph[name][1] >= PH_ALPHA)
            ),
        }
        for name in covariates
        if np.isfinite(summ.loc[name, "exp(coef)"])
    ]


def _ph_check(
    cph: Any, work: pd.DataFrame, covariates: Sequence[str], delayed: bool
) -> dict[str, tuple[float, float]]:
    """Schoenfeld-residual test per covariate (lifelines ``proportional_hazard_test``,
    rank transform of time, as ``check_assumptions``): name -> (statistic, p)."""
    from lifelines.statistics import proportional_hazard_test

    columns = ["os_months", "os_event", *covariates] + (["entry_months"] if delayed else [])
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = proportional_hazard_test(cph, work[columns], time_transform="rank")
    except Exception:  # a failed check is reported as missing, never as a pass
        return {}
    summ = res.summary
    return {
        str(name): (float(summ.loc[name, "test_statistic"]), float(summ.loc[name, "p"]))
        for name in summ.index
    }


def _alteration_status(study: Study, alteration: str) -> pl.DataFrame:
    """SAMPLE_ID -> alteration_status for one catalog alteration id (via annotate())."""
    from her2scope.alterations import annotate

    calls = annotate(study)
    if alteration not in calls.alterations:
        known = sorted(calls.alterations)
        raise ConfigError(
            f"unknown alteration {alteration!r}; known: {', '.join(known[:30])}"
            + (" ..." if len(known) > 30 else "")
        )
    return (
        calls.status(alteration)
        .select(pl.col("sample_id").alias(SAMPLE_ID), pl.col("status").alias("alteration_status"))
        .unique(SAMPLE_ID, keep="first")
    )


def _policy(ambiguous: str) -> AmbiguityPolicy:
    """Hand a CLI/user string to classify(), which validates it and raises ConfigError."""
    return cast("AmbiguityPolicy", ambiguous)


def survival(
    study: Study,
    *,
    by: str = "her2",
    profile: str = "asco-cap-2023",
    ambiguous: str = "exclude",
    mapping: Any = None,
    options: SurvivalOptions | None = None,
) -> SurvivalResult:
    """Overall survival of a :class:`~her2scope.study.model.Study` by HER2 group or alteration.

    ``by="her2"`` classifies the sequenced-sample pathology with
    :func:`her2scope.her2.classify` (``profile``, ``ambiguous``, ``mapping``);
    ``by="alteration:ID"`` (e.g. ``alteration:PIK3CA_mut``) groups by
    :func:`her2scope.alterations.annotate` status, ``not_profiled`` excluded.
    ``options`` (a :class:`~her2scope.cohort.options.SurvivalOptions`) wins
    over the separate keywords. The result's audit holds the study's, the
    HER2 engine's and the analysis's findings. See the module docstring for
    the patient-level choice, the tests and the sequencing-time
    (left-truncation) bias.
    """
    if options is None:
        options = SurvivalOptions(
            by=by, profile=profile, ambiguous=_policy(ambiguous), mapping=mapping
        )
    by, profile, ambiguous, mapping = (
        options.by,
        options.profile,
        options.ambiguous,
        options.mapping,
    )
    from her2scope.study.conventions import harmonised, require_her2_levels

    study = harmonised(study)
    if by == "her2":
        require_her2_levels(study, "survival by HER2 group (0/low/positive)")
    samples = study.samples
    audit = Audit()
    audit.extend(study.audit)
    if by == "her2":
        from her2scope.her2 import classify

        her2 = classify(
            samples,
            profile=profile,
            ambiguous=_policy(ambiguous),
            mapping=mapping,
            source="sequenced",
        )
        samples = her2.table
        audit.extend(her2.audit)
    elif by.startswith("alteration:"):
        status = _alteration_status(study, by.split(":", 1)[1])
        samples = samples.join(status, on=SAMPLE_ID, how="left")
    else:
        raise ConfigError(f"parameter by must be 'her2' or 'alteration:ID', got {by!r}")
    result = survival_from_calls(
        samples,
        study.patients,
        by=by,
        profile=profile if by == "her2" else None,
        ambiguous=ambiguous if by == "her2" else None,
        study_id=study.study_id,
    )
    audit.extend(result.audit)
    result.audit = audit
    result.options = options
    return result

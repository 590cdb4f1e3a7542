"""Table 1: which tumors are analysed, and the HER2-low x alteration table with statistics.

:func:`select_cohort` decides, for every sample of the study, whether it is
analysed and why not (sample type, HR status, one sample per patient), and
:func:`analyze` runs the whole chain: HER2 call -> selection -> alteration
annotation -> :func:`intersection_table`. :func:`sensitivity` reruns the table
across HER2 rule profiles and ambiguity policies, reusing the alteration calls
(they do not depend on HER2).

The table (the Front Oncol 2024 perspective's Table 1, with statistics): for
every catalog alteration (and every mechanism class, and ``ALL``) it gives,
among the analysed tumors that carry it, how many are HER2-low,
HER2-0 (0, null and ultralow together) and HER2-positive; the HER2-low
fraction with a Wilson 95% interval; the same fraction in the cohort's own
baseline (profiled tumors *without* the alteration); a two-sided Fisher exact
test of altered vs baseline with the conditional odds ratio; Benjamini-Hochberg
q values; and a one-sided binomial test against the upper bound of an
external expected range (the perspective's 45-55% for all breast cancer).

Denominators (``n_her2_known``) count tumors whose HER2 call places them on
the 0 / low / positive scale. ``unknown``, ``equivocal`` and ambiguous calls
excluded by policy are not known; neither is ``HER2-negative`` (negative by
ISH with no IHC score to split 0 from low), counted apart in
``n_her2_negative_unsplit`` because putting it in the denominator would bias
the HER2-low fraction downwards.

The core (:func:`intersection_table`) works on plain frames so it can be tested
without files: ``cohort`` (one row per sample: ``sample_id``, ``her2_category``,
``included``) and ``calls`` (long: ``sample_id``, ``alteration``,
``mechanism_class``, ``status``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import polars as pl

from her2scope.alterations import (
    AlterationCalls,
    Catalog,
    annotate,
    class_calls_sparse,
    load_catalog,
)
from her2scope.alterations.catalog import EVENT_DATA_TYPE
from her2scope.audit import Audit
from her2scope.choices import check_choice
from her2scope.cohort.options import AnalysisOptions, OnePerPatient, check_profile
from her2scope.cohort.table1.result import NOT_ASSESSED, IntersectionResult, SensitivityResult
from her2scope.errors import StudyError
from her2scope.her2 import classify
from her2scope.stats.contingency import (  # noqa: F401  (re-exported: the HER2 scale)
    GROUPS,
    HER2_GROUP_EXPR,
    ZERO_LIKE,
    contingency_counts,
)
from her2scope.stats.core import bh_fdr, binomial_greater, fisher_2x2, wilson_ci
from her2scope.study.conventions import convention_of, harmonise, harmonised, require_her2_levels
from her2scope.study.model import Study
from her2scope.vocab import (
    ALL_CLASS,
    AMBIGUITY_POLICIES,
    CLASS_LABELS,
    MECHANISM_CLASSES,
    RESOLVED_CATEGORIES,
    profile_names,
)

TABLE_COLUMNS = [
    "alteration",
    "label",
    "mechanism_class",
    "level",
    "n_altered",
    "n_her2_known",
    "n_her2_low",
    "n_her2_zero",
    "n_her2_positive",
    "n_her2_negative_unsplit",
    "n_her2_unknown",
    "pct_her2_low",
    "ci_low",
    "ci_high",
    "baseline_n_her2_known",
    "baseline_n_her2_low",
    "baseline_pct_her2_low",
    "odds_ratio",
    "or_ci_low",
    "or_ci_high",
    "p_fisher",
    "q_fisher",
    "expected_high_pct",
    "p_vs_expected",
    "n_not_profiled",
    "seed_n_her2_low",
    "seed_n_her2_known",
    "seed_text",
]


@dataclass(frozen=True)
class AlterationInfo:
    """What the table needs to know of a catalog entry (or a class row)."""

    label: str
    mechanism_class: str
    level: str  # "alteration" | "class" | "all"
    seed_n_her2_low: int | None = None
    seed_n_her2_known: int | None = None
    seed_text: str | None = None


def _pct(k: int, n: int) -> float:
    return 100.0 * k / n if n else math.nan


def intersection_table(
    cohort: pl.DataFrame,
    calls: pl.DataFrame,
    info: Mapping[str, AlterationInfo],
    *,
    expected: tuple[float, float] = (0.45, 0.55),
    order: Sequence[str] | None = None,
) -> pl.DataFrame:
    """Compute the HER2-low x alteration table.

    ``cohort``: ``sample_id``, ``her2_category``, ``included`` (Boolean).
    ``calls``: ``sample_id``, ``alteration``, ``status`` for the altered and
    not_profiled cells, rows for alterations *and* for class/ALL roll-ups
    alike. Sparse: an analysed sample without such a row for an alteration
    counts as not_altered (rows with status not_altered may be given and are
    ignored), so the work grows with the altered cells, not samples x
    alterations. ``info`` maps every alteration id in ``calls`` to its
    label, class and level. Percentages are 0-100. BH correction is applied
    within each level (catalog alterations together; classes and ALL
    together), since those are the two families a reader compares.
    """
    ids = list(order) if order is not None else sorted(info)
    counts = contingency_counts(cohort, calls, alterations=ids)
    # one dict lookup table: (alteration, status, group) -> n
    lookup: dict[tuple[str, str, str], int] = {}
    for alt, group, n_alt, n_not, n_np in counts.iter_rows():
        lookup[(alt, "altered", group)] = n_alt
        lookup[(alt, "not_altered", group)] = n_not
        lookup[(alt, "not_profiled", group)] = n_np

    def n(alt: str, status: str, group: str) -> int:
        return lookup.get((alt, status, group), 0)

    rows: list[dict[str, Any]] = []
    for alt in ids:
        meta = info[alt]
        low, zero, pos = (n(alt, "altered", g) for g in ("low", "zero", "positive"))
        neg_unsplit = n(alt, "altered", "negative_unsplit")
        unknown = n(alt, "altered", "unknown")
        known = low + zero + pos
        b_low = n(alt, "not_altered", "low")
        b_known = b_low + n(alt, "not_altered", "zero") + n(alt, "not_altered", "positive")
        ci = wilson_ci(low, known)
        fisher = fisher_2x2(low, known - low, b_low, b_known - b_low)
        rows.append(
            {
                "alteration": alt,
                "label": meta.label,
                "mechanism_class": meta.mechanism_class,
                "level": meta.level,
                "n_altered": known + neg_unsplit + unknown,
                "n_her2_known": known,
                "n_her2_low": low,
                "n_her2_zero": zero,
                "n_her2_positive": pos,
                "n_her2_negative_unsplit": neg_unsplit,
                "n_her2_unknown": unknown,
                "pct_her2_low": _pct(low, known),
                "ci_low": 100.0 * ci[0],
                "ci_high": 100.0 * ci[1],
                "baseline_n_her2_known": b_known,
                "baseline_n_her2_low": b_low,
                "baseline_pct_her2_low": _pct(b_low, b_known),
                "odds_ratio": fisher.odds_ratio,
                "or_ci_low": fisher.or_ci_low,
                "or_ci_high": fisher.or_ci_high,
                "p_fisher": fisher.p_value,
                "q_fisher": math.nan,
                "expected_high_pct": 100.0 * expected[1],
                "p_vs_expected": binomial_greater(low, known, expected[1]),
                "n_not_profiled": sum(n(alt, "not_profiled", g) for g in GROUPS),
                "seed_n_her2_low": meta.seed_n_her2_low,
                "seed_n_her2_known": meta.seed_n_her2_known,
                "seed_text": meta.seed_text,
            }
        )
    for level in {r["level"] for r in rows}:
        idx = [i for i, r in enumerate(rows) if r["level"] == level]
        for i, q in zip(idx, bh_fdr([rows[i]["p_fisher"] for i in idx]), strict=True):
            rows[i]["q_fisher"] = q
    schema = {
        c: (
            pl.String
            if c in ("alteration", "label", "mechanism_class", "level", "seed_text")
            else pl.Int64
            if c.startswith(("n_", "baseline_n_", "seed_n_"))
            else pl.Float64
        )
        for c in TABLE_COLUMNS
    }
    return pl.DataFrame(rows, schema=schema)


#: Sample-level columns read as "this sample was taken after endocrine therapy"
#: (yes/no-like values), first present wins. cBioPortal has no standard name;
#: these are the spellings seen in public studies and the synthetic generator.
ENDOCRINE_THERAPY_COLUMNS = (
    "PRIOR_ENDOCRINE_THERAPY",
    "ENDOCRINE_THERAPY_BEFORE_SAMPLE",
    "PRIOR_HORMONE_THERAPY",
    "PRIOR_HORMONAL_THERAPY",
    "POST_ENDOCRINE_THERAPY",
)
_YES = ("yes", "y", "true", "1", "prior", "treated")
_NO = ("no", "n", "false", "0", "naive", "untreated", "none")

#: How the endocrine-resistant cohort is defined (printed in reports).
ENDOCRINE_RESISTANT_DEFINITION = (
    "HR-positive sample (HR_STATUS, else ER_STATUS, 'Positive') taken after endocrine therapy "
    "where the study records it for the sample ("
    + ", ".join(ENDOCRINE_THERAPY_COLUMNS[:2])
    + " ... = yes); where it does not (no such column, or the value is missing), a metastatic "
    "sample stands in for 'after endocrine therapy' (in breast_msk_2018 the metastases were "
    "sequenced after endocrine therapy, Razavi et al. 2018). A sample recorded as not treated "
    "is never endocrine-resistant, whatever its type."
)

#: Policies of the sensitivity grid (every ambiguity policy); its profiles are
#: every built-in profile (:func:`her2scope.vocab.profile_names`).
POLICIES = AMBIGUITY_POLICIES
CLASS_ORDER = MECHANISM_CLASSES

AUDIT_COLUMNS = [
    "sample_id",
    "patient_id",
    "sample_type",
    "hr_status",
    "her2_category",
    "her2_ambiguous",
    "her2_rationale",
    "included",
    "her2_known",
    "reason",
    "endocrine_resistant",
    "endocrine_resistant_basis",
]


#: How a data type is named in "not assessed" reasons.
DATA_TYPE_WORDS = {"mutations": "mutation", "cna": "CNA", "sv": "structural-variant"}


def _first_present(frame: pl.DataFrame, names: Sequence[str]) -> pl.Expr:
    for name in names:
        if name in frame.columns:
            return pl.col(name).cast(pl.String)
    return pl.lit(None, dtype=pl.String)


def select_cohort(her2_samples: pl.DataFrame, options: AnalysisOptions) -> pl.DataFrame:
    """Decide for every sample whether it is analysed; return the audit frame.

    ``her2_samples``: the study's sample table with the HER2 engine's columns
    (``her2_category``, ``ambiguous``, ``her2_rationale``). The filters apply
    in a fixed order and a sample's ``reason`` names the first that excluded
    it: sample type, HR status, the endocrine-resistant cohort
    (``options.cohort``, :data:`ENDOCRINE_RESISTANT_DEFINITION`), then one
    sample per patient (``first`` /
    ``last`` by ``NGS_SAMPLE_COLLECTION_TIME``, ties broken by sample id;
    ``metastatic`` = the latest metastasis, else the latest sample).
    An analysed sample whose HER2 call is off the 0/low/positive scale stays
    included (it counts in ``n_altered``) with ``her2_known`` false and the
    reason spelt out. Every sample also carries ``endocrine_resistant`` and
    ``endocrine_resistant_basis`` (why it does or does not meet the
    definition), whatever ``options.cohort`` is.
    """
    df = her2_samples.select(
        pl.col("SAMPLE_ID").alias("sample_id"),
        pl.col("PATIENT_ID").alias("patient_id"),
        _first_present(her2_samples, ["SAMPLE_TYPE"]).alias("sample_type"),
        _first_present(her2_samples, ["HR_STATUS", "ER_STATUS"]).alias("hr_status"),
        (
            pl.col("NGS_SAMPLE_COLLECTION_TIME").cast(pl.Float64, strict=False)
            if "NGS_SAMPLE_COLLECTION_TIME" in her2_samples.columns
            else pl.lit(None, dtype=pl.Float64)
        ).alias("_time"),
        pl.col("her2_category"),
        pl.col("ambiguous").alias("her2_ambiguous"),
        pl.col("her2_rationale"),
        pl.int_range(pl.len()).alias("_row"),
        _first_present(her2_samples, ENDOCRINE_THERAPY_COLUMNS).alias("_endocrine"),
    )
    df = df.with_columns(*endocrine_resistant_exprs(df, her2_samples)).drop("_endocrine")
    stype = pl.col("sample_type").str.to_lowercase().fill_null("")
    is_met = stype.str.starts_with("met")
    reason = pl.lit(None, dtype=pl.String)
    if options.sample_type == "primary":
        reason = pl.when(~stype.str.starts_with("prim")).then(
            pl.format(
                "sample type is '{}' (analysis restricted to primary)",
                pl.col("sample_type").fill_null("missing"),
            )
        )
    elif options.sample_type == "metastasis":
        reason = pl.when(~is_met).then(
            pl.format(
                "sample type is '{}' (analysis restricted to metastasis)",
                pl.col("sample_type").fill_null("missing"),
            )
        )
    df = df.with_columns(reason.alias("reason"))
    if options.hr == "positive":
        hr_ok = pl.col("hr_status").str.to_lowercase().fill_null("") == "positive"
        df = df.with_columns(
            pl.when(pl.col("reason").is_null() & ~hr_ok)
            .then(
                pl.format(
                    "HR status is '{}' (analysis restricted to HR-positive)",
                    pl.col("hr_status").fill_null("missing"),
                )
            )
            .otherwise(pl.col("reason"))
            .alias("reason")
        )
    if options.cohort == "endocrine-resistant":
        df = df.with_columns(
            pl.when(pl.col("reason").is_null() & ~pl.col("endocrine_resistant"))
            .then(pl.format("not endocrine-resistant: {}", pl.col("endocrine_resistant_basis")))
            .otherwise(pl.col("reason"))
            .alias("reason")
        )
    if options.one_per_patient is not None:
        df = _one_per_patient(df, options.one_per_patient)
    known = pl.col("her2_category").is_in(sorted(RESOLVED_CATEGORIES))
    return (
        df.with_columns(
            pl.col("reason").is_null().alias("included"),
            known.alias("her2_known"),
        )
        .with_columns(
            pl.when(~pl.col("included"))
            .then(pl.col("reason"))
            .when(pl.col("her2_known"))
            .then(pl.lit("included"))
            .when(pl.col("her2_ambiguous").fill_null(False))
            .then(pl.lit("included; HER2 range score excluded by the ambiguity policy"))
            .otherwise(
                pl.format(
                    "included; HER2 '{}' is not on the 0/low/positive scale",
                    pl.col("her2_category"),
                )
            )
            .alias("reason")
        )
        .sort("_row")
        .select(AUDIT_COLUMNS)
    )


def endocrine_resistant_exprs(df: pl.DataFrame, her2_samples: pl.DataFrame) -> list[pl.Expr]:
    """``endocrine_resistant`` (Boolean) and ``endocrine_resistant_basis`` (String).

    ``df`` has ``hr_status``, ``sample_type`` and ``_endocrine`` (the first
    :data:`ENDOCRINE_THERAPY_COLUMNS` column present, else null); see
    :data:`ENDOCRINE_RESISTANT_DEFINITION`.
    """
    column = next((c for c in ENDOCRINE_THERAPY_COLUMNS if c in her2_samples.columns), None)
    hr_pos = pl.col("hr_status").str.to_lowercase().fill_null("") == "positive"
    is_met = pl.col("sample_type").str.to_lowercase().fill_null("").str.starts_with("met")
    value = pl.col("_endocrine").str.to_lowercase().str.strip_chars().fill_null("")
    treated = value.is_in(list(_YES))
    untreated = value.is_in(list(_NO))
    basis = (
        pl.when(~hr_pos)
        .then(pl.format("HR status '{}'", pl.col("hr_status").fill_null("missing")))
        .when(treated)
        .then(pl.lit(f"HR-positive, after endocrine therapy ({column} = yes)"))
        .when(untreated)
        .then(pl.lit(f"HR-positive, recorded as not treated before sampling ({column})"))
        .when(is_met)
        .then(pl.lit("HR-positive metastasis (treatment not recorded: metastasis as proxy)"))
        .otherwise(
            pl.format(
                "HR-positive '{}' sample, treatment not recorded (only metastases stand in)",
                pl.col("sample_type").fill_null("missing"),
            )
        )
    )
    return [
        (hr_pos & (treated | (~untreated & is_met))).alias("endocrine_resistant"),
        basis.alias("endocrine_resistant_basis"),
    ]


def _one_per_patient(df: pl.DataFrame, rule: OnePerPatient) -> pl.DataFrame:
    eligible = pl.col("reason").is_null()
    time_key = pl.col("_time").fill_null(float("inf") if rule == "first" else float("-inf"))
    if rule == "first":
        key = [time_key, pl.col("sample_id")]
        descending = [False, False]
    elif rule == "last":
        key = [time_key, pl.col("sample_id")]
        descending = [True, True]
    else:
        is_met = pl.col("sample_type").str.to_lowercase().fill_null("").str.starts_with("met")
        key = [is_met, time_key, pl.col("sample_id")]
        descending = [True, True, True]
    chosen = (
        df.filter(eligible)
        .sort(key, descending=descending)
        .group_by("patient_id", maintain_order=True)
        .first()
        .select("sample_id")
        .with_columns(pl.lit(True).alias("_chosen"))
    )
    return (
        df.join(chosen, on="sample_id", how="left")
        .with_columns(
            pl.when(pl.col("reason").is_null() & pl.col("_chosen").is_null())
            .then(pl.lit(f"not the patient's selected sample (one per patient: {rule})"))
            .otherwise(pl.col("reason"))
            .alias("reason")
        )
        .drop("_chosen")
    )


def _info(catalog: Catalog) -> tuple[dict[str, AlterationInfo], list[str]]:
    info: dict[str, AlterationInfo] = {}
    order: list[str] = []
    for entry in catalog.alterations.values():
        seed = entry.seed_table1
        info[entry.id] = AlterationInfo(
            label=entry.label,
            mechanism_class=entry.mechanism_class,
            level="alteration",
            seed_n_her2_low=getattr(seed, "n_her2_low", None),
            seed_n_her2_known=getattr(seed, "n_her2_known", None),
            seed_text=getattr(seed, "text", None),
        )
        order.append(entry.id)
    for cls in [*CLASS_ORDER, ALL_CLASS]:
        info[cls] = AlterationInfo(CLASS_LABELS[cls], cls, "all" if cls == ALL_CLASS else "class")
        order.append(cls)
    return info, order


def _long_calls(calls: AlterationCalls) -> pl.DataFrame:
    """Altered / not_profiled cells of alterations and of class/ALL roll-ups, in one
    long frame keyed by ``alteration`` (sparse: not_altered cells are implied)."""
    per_alt = calls.sparse().select("sample_id", "alteration", "status")
    per_class = class_calls_sparse(calls, list_alterations=False).select(
        "sample_id", pl.col("mechanism_class").alias("alteration"), "status"
    )
    return pl.concat([per_alt, per_class], how="vertical_relaxed")


def _classified(study: Study, options: AnalysisOptions) -> tuple[pl.DataFrame, Audit]:
    her2 = classify(
        study.samples, profile=options.profile, ambiguous=options.ambiguous, source=options.source
    )
    return her2.table, her2.audit


def _account(audit: Audit, samples: pl.DataFrame) -> None:
    """Every sample read, counted as included or excluded with its reason (nothing silent)."""
    n_in = int(samples["included"].sum())
    audit.add("info", "analysis.included", "samples analysed", count=n_in)
    excluded = (
        samples.filter(~pl.col("included"))
        .group_by("reason")
        .len()
        .sort("len", "reason", descending=[True, False])
    )
    for reason, n in excluded.iter_rows():
        audit.add("info", "analysis.excluded", f"sample excluded: {reason}", count=int(n))


def not_assessed(
    study: Study, table: pl.DataFrame, n_included: int, catalog: Catalog
) -> pl.DataFrame:
    """Catalog alterations that no analysed sample is profiled for, with the reason.

    An alteration whose ``n_not_profiled`` equals the number of analysed
    samples was not assessed at all (its 0 altered says nothing). The reason is
    ``no CNA data`` (``no mutation data``, ...) when the study has no data of
    any type the alteration is read from (no file, a header-only file, a meta
    file whose data file is missing), else ``genes not profiled in the analysed
    samples``. Columns: :data:`NOT_ASSESSED`, in table order.
    """
    rows: list[dict[str, str]] = []
    if n_included == 0:
        return pl.DataFrame(schema=NOT_ASSESSED)
    with_data = set(study.data_genes.get_column("data_type").unique().to_list())
    for alt, label, level, n_np in table.select(
        "alteration", "label", "level", "n_not_profiled"
    ).iter_rows():
        if level != "alteration" or n_np < n_included or alt not in catalog.alterations:
            continue
        types = list(
            dict.fromkeys(EVENT_DATA_TYPE[e.type] for e in catalog.alterations[alt].events)
        )
        missing = [t for t in types if t not in with_data]
        if missing and len(missing) == len(types):
            reason = "no " + " or ".join(DATA_TYPE_WORDS.get(t, t) for t in missing) + " data"
        else:
            reason = "genes not profiled in the analysed samples"
        rows.append({"alteration": alt, "label": label, "reason": reason})
    return pl.DataFrame(rows, schema=NOT_ASSESSED)


def analyze(
    study: Study,
    options: AnalysisOptions | None = None,
    *,
    catalog: Catalog | None = None,
    calls: AlterationCalls | None = None,
) -> IntersectionResult:
    """HER2-low x resistance-alteration table for one study.

    Follows Table 1 of the Front Oncol 2024 perspective (doi:10.3389/fonc.2024.1461190, section 2)
    when run with ``profile="ihc-only", ambiguous="low"``; the defaults apply
    the ASCO/CAP 2023 guideline and exclude range scores it cannot settle.
    """
    options = options or AnalysisOptions()
    if study.samples.height == 0:
        raise StudyError(f"study {study.study_id} has no samples")
    if options.mapping and convention_of(study) is None:  # a study read as it is on disk
        study = harmonise(study, mapping=dict(options.mapping), source=options.source)
    study = harmonised(study, source=options.source)
    require_her2_levels(study, "the HER2-low x alteration table")
    catalog = catalog or load_catalog()
    if calls is None:
        calls = annotate(study, catalog, mutation_classes=options.mutation_classes)
    her2_table, her2_audit = _classified(study, options)
    samples = select_cohort(her2_table, options)
    info, order = _info(catalog)
    long_calls = _long_calls(calls)
    table = intersection_table(samples, long_calls, info, expected=options.expected, order=order)
    audit = Audit()
    audit.extend(study.audit)
    audit.extend(her2_audit)
    audit.extend(calls.audit)
    _account(audit, samples)
    included = samples.filter(pl.col("included")).select("sample_id")
    return IntersectionResult(
        study_id=study.study_id,
        options=options,
        table=table,
        samples=samples,
        calls=calls.sparse().join(included, on="sample_id", how="semi"),
        audit=audit,
        not_assessed=not_assessed(study, table, included.height, catalog),
    )


def sensitivity(
    study: Study,
    options: AnalysisOptions | None = None,
    *,
    catalog: Catalog | None = None,
    calls: AlterationCalls | None = None,
    profiles: Sequence[str] | None = None,
    policies: Sequence[str] = POLICIES,
) -> pl.DataFrame:
    """The intersection table under every profile x ambiguity policy, stacked.

    Columns: ``profile``, ``ambiguous`` then the table's columns. Cohort
    filters (sample type, HR, one per patient) stay as in ``options``.
    ``profiles`` defaults to every built-in profile found in the data folder
    (:func:`her2scope.vocab.profile_names`), so a new profile file is included.
    """
    options = options or AnalysisOptions()
    study = harmonised(study, source=options.source)
    require_her2_levels(study, "the sensitivity analysis")
    catalog = catalog or load_catalog()
    if calls is None:
        calls = annotate(study, catalog, mutation_classes=options.mutation_classes)
    info, order = _info(catalog)
    long_calls = _long_calls(calls)
    frames: list[pl.DataFrame] = []
    for profile in profile_names() if profiles is None else profiles:
        for policy in policies:
            opts = replace(options, profile=profile, ambiguous=policy)
            her2_table, _ = _classified(study, opts)
            samples = select_cohort(her2_table, opts)
            table = intersection_table(
                samples, long_calls, info, expected=opts.expected, order=order
            )
            frames.append(
                table.select(
                    pl.lit(profile).alias("profile"), pl.lit(policy).alias("ambiguous"), pl.all()
                )
            )
    return pl.concat(frames)


def sensitivity_result(
    study: Study,
    options: AnalysisOptions | None = None,
    *,
    profiles: Sequence[str] | None = None,
    policies: Sequence[str] | None = None,
    catalog: Catalog | None = None,
    calls: AlterationCalls | None = None,
) -> SensitivityResult:
    """:func:`sensitivity` as a result: the grid, the settings and the audit.

    ``profiles`` (default: every built-in profile) and ``policies`` (default:
    :data:`POLICIES`) are checked first; a bad one is a
    :class:`~her2scope.errors.ConfigError` naming the parameter. The audit holds
    the study's and the alteration calls' findings and one entry for the grid.
    """
    options = options or AnalysisOptions()
    chosen_profiles = tuple(profile_names() if profiles is None else profiles)
    chosen_policies = tuple(POLICIES if policies is None else policies)
    for name in chosen_profiles:
        check_profile(name, "profiles")
    for policy in chosen_policies:
        check_choice("policies", policy, AMBIGUITY_POLICIES)
    catalog = catalog or load_catalog()
    if calls is None:
        calls = annotate(study, catalog, mutation_classes=options.mutation_classes)
    table = sensitivity(
        study,
        options,
        catalog=catalog,
        calls=calls,
        profiles=chosen_profiles,
        policies=chosen_policies,
    )
    audit = Audit()
    audit.extend(study.audit)
    audit.extend(calls.audit)
    audit.add(
        "info",
        "analysis.sensitivity",
        f"table recomputed under {len(chosen_profiles)} profiles x {len(chosen_policies)} "
        "ambiguity policies",
        count=len(chosen_profiles) * len(chosen_policies),
    )
    return SensitivityResult(
        study_id=study.study_id,
        options=options,
        table=table,
        profiles=chosen_profiles,
        policies=chosen_policies,
        audit=audit,
    )

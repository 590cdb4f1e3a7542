"""HER2 category switching: primary pathology vs sequenced sample, and serial samples.

Two comparisons are built, each a set of *pairs* (an earlier HER2 call and a
later one for the same patient):

``primary_vs_sequenced``
    One pair per sample: the HER2 call of the **primary tumour** (the
    ``*_PRIMARY`` pathology columns, classified with ``source="primary"``)
    against the call of the **sequenced sample** (``source="sequenced"``).
    For a sequenced sample whose ``SAMPLE_TYPE`` is ``Primary`` both calls may
    describe the same tumour, possibly the same specimen, so concordance there
    partly measures re-reporting rather than biology; rates are therefore
    always given by ``SAMPLE_TYPE`` as well as overall.
``serial``
    Consecutive sequenced samples of one patient, ordered by
    ``NGS_SAMPLE_COLLECTION_TIME`` (ascending). Ties and unknown times (nulls
    sort last) are broken by ``SAMPLE_ID``; in MSK-IMPACT ids the ``T01``,
    ``T02`` ... suffix follows accession order, so this is the best proxy for
    collection order available. A patient with k samples gives k - 1 pairs.

Analysis scale
    Categories are collapsed to ``HER2-0`` (HER2-0, HER2-null, HER2-ultralow:
    :data:`ZERO_CATEGORIES`), ``HER2-low`` and ``HER2-positive``. ``unknown``,
    ``equivocal`` and ``HER2-negative`` (negative without an IHC score, so
    neither 0 nor low) cannot be placed on it: such pairs are kept in the
    pairs table with an ``exclusion_reason`` and counted in the audit, but
    left out of matrices and rates.

Rates (Wilson score 95% intervals, :func:`her2scope.stats.core.wilson_ci`)
    ``HER2-0 -> HER2-low``: among included pairs starting HER2-0, the fraction
    ending HER2-low. ``HER2-low -> HER2-0``: the mirror. ``any change``: among
    all included pairs, the fraction whose two categories differ.
    ``HER2-positive <-> non-positive``: fraction crossing the HER2-positive
    line (the classic discordance figure).

Assumptions: the Wilson interval treats pairs as independent Bernoulli
trials. Pairs from one patient are not independent (a patient with several
sequenced samples contributes several pairs sharing one primary call), so the
intervals are somewhat too narrow when many patients contribute more than
one pair; ``n_patients`` is reported beside ``n`` so the reader can judge, and
``ci_low_cluster`` / ``ci_high_cluster`` give the patient-clustered interval
(logit Wald with the cluster-robust variance of an intercept-only logistic
model, as statsmodels ``cov_type="cluster"``; Wilson when 0 or all pairs
switch), ``design_effect`` the ratio of robust to binomial variance.
Switching between two readings also includes inter-observer and assay
variability (IHC 0 vs 1+ is notoriously poorly reproducible), not only
biological change.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast

import polars as pl

from her2scope.audit import Audit
from her2scope.cohort.options import SwitchingOptions
from her2scope.cohort.switching.result import SwitchingResult
from her2scope.errors import ConfigError, InputFormatError
from her2scope.stats.clustered import clustered_proportion
from her2scope.stats.core import wilson_ci
from her2scope.vocab import ALL_SAMPLE_TYPES, ANALYSIS_SCALE, ZERO_CATEGORIES

if TYPE_CHECKING:
    from her2scope.her2 import AmbiguityPolicy
    from her2scope.study.model import Study


COMPARISONS: tuple[str, ...] = ("primary_vs_sequenced", "serial")
TRANSITIONS: tuple[str, ...] = (
    "HER2-0 -> HER2-low",
    "HER2-low -> HER2-0",
    "any change",
    "HER2-positive <-> non-positive",
)
SAMPLE_ID = "SAMPLE_ID"
PATIENT_ID = "PATIENT_ID"
SAMPLE_TYPE = "SAMPLE_TYPE"
COLLECTION_TIME = "NGS_SAMPLE_COLLECTION_TIME"

PAIR_SCHEMA: dict[str, pl.DataType] = {
    "comparison": pl.String(),
    "patient_id": pl.String(),
    "from_sample_id": pl.String(),
    "to_sample_id": pl.String(),
    "sample_type": pl.String(),
    "from_category": pl.String(),
    "to_category": pl.String(),
    "from_scale": pl.String(),
    "to_scale": pl.String(),
    "from_rationale": pl.String(),
    "to_rationale": pl.String(),
    "included": pl.Boolean(),
    "exclusion_reason": pl.String(),
    "switched": pl.Boolean(),
    "identical_pathology_text": pl.Boolean(),
}


def to_analysis_scale(category: pl.Expr) -> pl.Expr:
    """Map ``her2_category`` onto :data:`ANALYSIS_SCALE`; null when it cannot be placed."""
    return (
        pl.when(category.is_in(list(ZERO_CATEGORIES)))
        .then(pl.lit("HER2-0"))
        .when(category == "HER2-low")
        .then(pl.lit("HER2-low"))
        .when(category == "HER2-positive")
        .then(pl.lit("HER2-positive"))
        .otherwise(pl.lit(None, dtype=pl.String))
    )


def _require(frame: pl.DataFrame, columns: Sequence[str], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InputFormatError(f"{what} lacks required column(s) {missing}")


def _exclusion_reason() -> pl.Expr:
    """'from:unknown', 'to:equivocal', 'from:unknown;to:HER2-negative' or null."""
    from_bad = pl.col("from_scale").is_null()
    to_bad = pl.col("to_scale").is_null()
    from_txt = pl.lit("from:") + pl.col("from_category").fill_null("missing")
    to_txt = pl.lit("to:") + pl.col("to_category").fill_null("missing")
    return (
        pl.when(from_bad & to_bad)
        .then(from_txt + pl.lit(";") + to_txt)
        .when(from_bad)
        .then(from_txt)
        .when(to_bad)
        .then(to_txt)
        .otherwise(pl.lit(None, dtype=pl.String))
    )


def _finish_pairs(pairs: pl.DataFrame) -> pl.DataFrame:
    pairs = pairs.with_columns(
        # A sample without SAMPLE_TYPE still needs a stratum to be counted in.
        pl.col("sample_type").cast(pl.String).fill_null("unknown"),
        from_scale=to_analysis_scale(pl.col("from_category")),
        to_scale=to_analysis_scale(pl.col("to_category")),
    )
    pairs = pairs.with_columns(exclusion_reason=_exclusion_reason())
    pairs = pairs.with_columns(included=pl.col("exclusion_reason").is_null())
    pairs = pairs.with_columns(
        switched=pl.when(pl.col("included"))
        .then(pl.col("from_scale") != pl.col("to_scale"))
        .otherwise(pl.lit(None, dtype=pl.Boolean))
    )
    for name, dtype in PAIR_SCHEMA.items():
        if name not in pairs.columns:
            pairs = pairs.with_columns(pl.lit(None, dtype=dtype).alias(name))
    return pairs.select([pl.col(n).cast(t) for n, t in PAIR_SCHEMA.items()])


def primary_vs_sequenced_pairs(sequenced: pl.DataFrame, primary: pl.DataFrame) -> pl.DataFrame:
    """One pair per sample: primary-tumour pathology call -> sequenced-sample call.

    ``sequenced``: one row per sample with ``SAMPLE_ID``, ``PATIENT_ID``,
    ``SAMPLE_TYPE``, ``her2_category`` (optional ``her2_rationale``,
    ``identical_pathology_text``). ``primary``: ``SAMPLE_ID``,
    ``her2_category`` (optional ``her2_rationale``) from the primary columns
    of the same rows. Every sequenced row yields exactly one candidate pair
    (a sample absent from ``primary`` gets a missing primary call).
    """
    _require(sequenced, [SAMPLE_ID, PATIENT_ID, SAMPLE_TYPE, "her2_category"], "sequenced frame")
    _require(primary, [SAMPLE_ID, "her2_category"], "primary frame")
    if primary[SAMPLE_ID].is_duplicated().any():
        raise InputFormatError("primary frame has duplicate SAMPLE_ID values")
    prim = primary.select(
        pl.col(SAMPLE_ID),
        pl.col("her2_category").alias("from_category"),
        (
            pl.col("her2_rationale")
            if "her2_rationale" in primary.columns
            else pl.lit(None, dtype=pl.String)
        ).alias("from_rationale"),
    )
    seq_cols = [
        pl.lit("primary_vs_sequenced").alias("comparison"),
        pl.col(PATIENT_ID).alias("patient_id"),
        pl.col(SAMPLE_ID).alias("from_sample_id"),
        pl.col(SAMPLE_ID).alias("to_sample_id"),
        pl.col(SAMPLE_TYPE).alias("sample_type"),
        pl.col("her2_category").alias("to_category"),
        (
            pl.col("her2_rationale")
            if "her2_rationale" in sequenced.columns
            else pl.lit(None, dtype=pl.String)
        ).alias("to_rationale"),
        (
            pl.col("identical_pathology_text")
            if "identical_pathology_text" in sequenced.columns
            else pl.lit(None, dtype=pl.Boolean)
        ).alias("identical_pathology_text"),
        pl.col(SAMPLE_ID),
    ]
    pairs = sequenced.select(seq_cols).join(prim, on=SAMPLE_ID, how="left", maintain_order="left")
    return _finish_pairs(pairs.drop(SAMPLE_ID))


def serial_pairs(sequenced: pl.DataFrame) -> pl.DataFrame:
    """Consecutive sequenced samples of each patient, ordered by collection time then id."""
    _require(
        sequenced,
        [SAMPLE_ID, PATIENT_ID, SAMPLE_TYPE, "her2_category"],
        "sequenced frame",
    )
    time = (
        pl.col(COLLECTION_TIME).cast(pl.Float64, strict=False)
        if COLLECTION_TIME in sequenced.columns
        else pl.lit(None, dtype=pl.Float64)
    )
    rationale = (
        pl.col("her2_rationale")
        if "her2_rationale" in sequenced.columns
        else pl.lit(None, dtype=pl.String)
    )
    ordered = sequenced.select(
        pl.col(PATIENT_ID),
        pl.col(SAMPLE_ID),
        pl.col(SAMPLE_TYPE),
        pl.col("her2_category"),
        rationale.alias("her2_rationale"),
        time.alias("_time"),
    ).sort([PATIENT_ID, "_time", SAMPLE_ID], nulls_last=True)
    prev = [SAMPLE_ID, "her2_category", "her2_rationale"]
    pairs = ordered.with_columns(
        [pl.col(c).shift(1).over(PATIENT_ID).alias(f"_prev_{c}") for c in prev]
    ).filter(pl.col(f"_prev_{SAMPLE_ID}").is_not_null())
    pairs = pairs.select(
        pl.lit("serial").alias("comparison"),
        pl.col(PATIENT_ID).alias("patient_id"),
        pl.col(f"_prev_{SAMPLE_ID}").alias("from_sample_id"),
        pl.col(SAMPLE_ID).alias("to_sample_id"),
        pl.col(SAMPLE_TYPE).alias("sample_type"),
        pl.col("_prev_her2_category").alias("from_category"),
        pl.col("her2_category").alias("to_category"),
        pl.col("_prev_her2_rationale").alias("from_rationale"),
        pl.col("her2_rationale").alias("to_rationale"),
    )
    return _finish_pairs(pairs)


def transition_matrix(pairs: pl.DataFrame) -> pl.DataFrame:
    """Long from x to counts of included pairs, per comparison and sample type (+ ``All``).

    Every cell of the 3 x 3 scale is present (zeros included) for every
    comparison/stratum that has at least one candidate pair.
    """
    used = pairs.filter(pl.col("included"))
    strata = _strata(pairs)
    grid = (
        strata.join(pl.DataFrame({"from_category": list(ANALYSIS_SCALE)}), how="cross")
        .join(pl.DataFrame({"to_category": list(ANALYSIS_SCALE)}), how="cross")
        .with_columns(
            _f=pl.col("from_category").replace_strict(
                {c: i for i, c in enumerate(ANALYSIS_SCALE)}, return_dtype=pl.Int8
            ),
            _t=pl.col("to_category").replace_strict(
                {c: i for i, c in enumerate(ANALYSIS_SCALE)}, return_dtype=pl.Int8
            ),
        )
    )
    counts = pl.concat(
        [
            used.group_by("comparison", "sample_type", "from_scale", "to_scale").len(),
            used.group_by("comparison", "from_scale", "to_scale")
            .len()
            .with_columns(sample_type=pl.lit(ALL_SAMPLE_TYPES))
            .select("comparison", "sample_type", "from_scale", "to_scale", "len"),
        ]
    ).rename({"from_scale": "from_category", "to_scale": "to_category", "len": "n"})
    out = grid.join(
        counts, on=["comparison", "sample_type", "from_category", "to_category"], how="left"
    )
    return (
        out.with_columns(pl.col("n").fill_null(0).cast(pl.Int64))
        .sort("comparison", "_order", "_f", "_t")
        .select("comparison", "sample_type", "from_category", "to_category", "n")
    )


def _strata(pairs: pl.DataFrame) -> pl.DataFrame:
    """comparison x sample_type combinations present, plus ``All``; with a display order."""
    present = pairs.select("comparison", "sample_type").unique().with_columns(_order=pl.lit(1))
    pooled = (
        pairs.select("comparison")
        .unique()
        .with_columns(sample_type=pl.lit(ALL_SAMPLE_TYPES), _order=pl.lit(0))
    )
    return pl.concat([pooled, present]).sort("comparison", "_order", "sample_type")


def switch_rates(pairs: pl.DataFrame) -> pl.DataFrame:
    """Switch rates with Wilson 95% CIs per comparison x sample type (+ ``All``)."""
    rows: list[dict[str, Any]] = []
    used_all = pairs.filter(pl.col("included"))
    for stratum in _strata(pairs).iter_rows(named=True):
        sub = used_all.filter(pl.col("comparison") == stratum["comparison"])
        if stratum["sample_type"] != ALL_SAMPLE_TYPES:
            sub = sub.filter(pl.col("sample_type") == stratum["sample_type"])
        f, t = pl.col("from_scale"), pl.col("to_scale")
        definitions = {
            "HER2-0 -> HER2-low": (f == "HER2-0", t == "HER2-low"),
            "HER2-low -> HER2-0": (f == "HER2-low", t == "HER2-0"),
            "any change": (pl.lit(True), f != t),
            "HER2-positive <-> non-positive": (
                pl.lit(True),
                (f == "HER2-positive") != (t == "HER2-positive"),
            ),
        }
        for transition, (denominator, numerator) in definitions.items():
            base = sub.filter(denominator)
            n = base.height
            k = base.filter(numerator).height
            low, high = wilson_ci(k, n)
            clustered = clustered_proportion(
                base.select(numerator.alias("_event"))["_event"].to_numpy(),
                base["patient_id"].to_numpy().astype(str),
            )
            rows.append(
                {
                    "comparison": stratum["comparison"],
                    "sample_type": stratum["sample_type"],
                    "transition": transition,
                    "k": k,
                    "n": n,
                    "rate": k / n if n else None,
                    "ci_low": low if n else None,
                    "ci_high": high if n else None,
                    "n_patients": base["patient_id"].n_unique(),
                    "ci_low_cluster": clustered.ci_low if n else None,
                    "ci_high_cluster": clustered.ci_high if n else None,
                    "design_effect": clustered.design_effect if n else None,
                }
            )
    return pl.DataFrame(
        rows,
        schema={
            "comparison": pl.String,
            "sample_type": pl.String,
            "transition": pl.String,
            "k": pl.Int64,
            "n": pl.Int64,
            "rate": pl.Float64,
            "ci_low": pl.Float64,
            "ci_high": pl.Float64,
            "n_patients": pl.Int64,
            "ci_low_cluster": pl.Float64,
            "ci_high_cluster": pl.Float64,
            "design_effect": pl.Float64,
        },
    )


def switching_from_calls(
    sequenced: pl.DataFrame,
    primary: pl.DataFrame | None = None,
    *,
    profile: str | None = None,
    ambiguous: str | None = None,
    study_id: str | None = None,
) -> SwitchingResult:
    """Core switching analysis on HER2 calls that already exist (pure, no HER2 engine).

    ``sequenced``: one row per sequenced sample with ``SAMPLE_ID``,
    ``PATIENT_ID``, ``SAMPLE_TYPE``, ``her2_category`` and, for the serial
    comparison, ``NGS_SAMPLE_COLLECTION_TIME`` (optional ``her2_rationale``).
    ``primary``: ``SAMPLE_ID`` + ``her2_category`` of the primary-tumour
    pathology of the same samples; without it only the serial comparison is
    made. See the module docstring for the scale, the rates and their
    assumptions.
    """
    audit = Audit()
    parts = []
    if primary is not None:
        parts.append(primary_vs_sequenced_pairs(sequenced, primary))
    parts.append(serial_pairs(sequenced))
    pairs = pl.concat(parts)

    accounting_rows = []
    for comparison in COMPARISONS:
        sub = pairs.filter(pl.col("comparison") == comparison)
        if comparison == "primary_vs_sequenced" and primary is None:
            continue
        n_inc = sub.filter(pl.col("included")).height
        accounting_rows.append(
            {
                "comparison": comparison,
                "n_candidates": sub.height,
                "n_included": n_inc,
                "n_excluded": sub.height - n_inc,
                "n_patients": sub["patient_id"].n_unique(),
            }
        )
        audit.add(
            "info",
            "switching.pair_included",
            f"{comparison}: {n_inc} pairs on the HER2-0/low/positive scale used for rates",
            count=n_inc,
        )
        reasons = (
            sub.filter(~pl.col("included"))
            .group_by("exclusion_reason")
            .len()
            .sort("len", "exclusion_reason", descending=[True, False])
        )
        for reason, n in reasons.iter_rows():
            audit.add(
                "info",
                "switching.pair_excluded",
                f"{comparison}: pair excluded from rates, category off the analysis scale "
                f"({reason})",
                count=n,
            )
    if sequenced.height:
        n_single = sequenced.height - pairs.filter(pl.col("comparison") == "serial").height
        audit.add(
            "info",
            "switching.serial_first_sample",
            "serial: first (or only) sample of a patient, no earlier sample to compare with",
            count=n_single,
        )
    if primary is not None:
        prim_type = pairs.filter(
            (pl.col("comparison") == "primary_vs_sequenced") & (pl.col("sample_type") == "Primary")
        )
        if prim_type.height:
            audit.add(
                "warning",
                "switching.same_tumour",
                "primary_vs_sequenced: sequenced sample is itself a primary tumour; its primary "
                "pathology columns may describe the same tumour or specimen",
                count=prim_type.height,
            )
        # How often the two reports are literally the same text, by sample type:
        # the reader's best hint of re-reported (same-specimen) pathology.
        flagged = pairs.filter(
            (pl.col("comparison") == "primary_vs_sequenced")
            & pl.col("identical_pathology_text").is_not_null()
        )
        for sample_type, n_same, n_all in (
            flagged.group_by("sample_type")
            .agg(pl.col("identical_pathology_text").sum(), pl.len())
            .sort("sample_type")
            .iter_rows()
        ):
            audit.add(
                "info",
                "switching.identical_text",
                f"primary_vs_sequenced [{sample_type}]: primary and sequenced HER2 IHC/FISH text "
                f"identical in {n_same} of {n_all} samples",
                count=int(n_same),
            )
        n_missing = (
            pairs.filter(pl.col("comparison") == "primary_vs_sequenced")["from_category"]
            .is_null()
            .sum()
        )
        if n_missing:
            audit.add(
                "warning",
                "switching.primary_missing",
                "primary_vs_sequenced: sample has no row in the primary frame",
                count=int(n_missing),
            )

    not_made: dict[str, str] = {}
    if pairs.filter(pl.col("comparison") == "serial").height == 0:
        not_made["serial"] = "no patient has more than one sequenced sample"
    return SwitchingResult(
        not_made=not_made,
        table=switch_rates(pairs),
        pairs=pairs,
        matrix=transition_matrix(pairs),
        accounting=pl.DataFrame(
            accounting_rows,
            schema={
                "comparison": pl.String,
                "n_candidates": pl.Int64,
                "n_included": pl.Int64,
                "n_excluded": pl.Int64,
                "n_patients": pl.Int64,
            },
        ),
        audit=audit,
        profile=profile,
        ambiguous=ambiguous,
        study_id=study_id,
    )


# Raw pathology columns used only to flag rows whose primary and sequenced
# reports are literally the same text (likely the same specimen re-reported).
_SEQ_TEXT = ("HER2_IHC_SCORE", "HER2_FISH", "HER2_FISH_RATIO")
_PRIM_TEXT = ("HER2_IHC_VALUE_PRIMARY", "HER2_FISH_STATUS", "HER2_FISH_RATIO_PRIMARY")


def _identical_text(samples: pl.DataFrame) -> pl.Expr:
    if not all(c in samples.columns for c in (*_SEQ_TEXT, *_PRIM_TEXT)):
        return pl.lit(None, dtype=pl.Boolean)
    same = [
        pl.col(a).cast(pl.String).fill_null("") == pl.col(b).cast(pl.String).fill_null("")
        for a, b in zip(_SEQ_TEXT, _PRIM_TEXT, strict=True)
    ]
    return pl.all_horizontal(same)


def _policy(ambiguous: str) -> AmbiguityPolicy:
    """Hand a CLI/user string to classify(), which validates it and raises ConfigError."""
    return cast("AmbiguityPolicy", ambiguous)


def second_source_problem(samples: pl.DataFrame) -> str | None:
    """Why the harmonised samples hold no second HER2 source to compare with, or None.

    Switching compares the primary tumour's pathology with the sequenced
    sample's. Where a study records one HER2 pathology per tumour (TCGA legacy:
    the convention reads both from the same columns), the primary columns are a
    copy of the sequenced ones and "any change 0/84" would be a tautology, not
    a finding. Decided from the values, so a ``--map`` or a custom convention
    is judged the same way: no primary value at all, or every primary value
    equal to the sequenced one.
    """
    from her2scope.study.conventions import HARMONISED

    pairs = [
        (HARMONISED["sequenced"][f], HARMONISED["primary"][f])
        for f in HARMONISED["primary"]
        if HARMONISED["primary"][f] in samples.columns
    ]
    if not pairs:
        return "the study has no primary-tumour HER2 pathology columns"
    prim = [pl.col(b).cast(pl.String) for _, b in pairs]
    has_primary = samples.select(pl.any_horizontal([c.is_not_null() for c in prim]).sum()).item()
    if not has_primary:
        return "no sample has a primary-tumour HER2 value"
    same = [
        pl.col(a).cast(pl.String).fill_null("") == pl.col(b).cast(pl.String).fill_null("")
        if a in samples.columns
        else pl.col(b).is_null()
        for a, b in pairs
    ]
    if samples.select(pl.all_horizontal(same).all()).item():
        return (
            "the study records one HER2 pathology per tumour: its primary-tumour values are "
            "the sequenced sample's in every sample (the convention reads both from the same "
            "columns), so there is no second HER2 source to switch from"
        )
    return None


def switching(
    study_or_frames: Study | pl.DataFrame | tuple[pl.DataFrame, pl.DataFrame | None],
    *,
    profile: str = "asco-cap-2023",
    ambiguous: str = "exclude",
    mapping: Any = None,
    options: SwitchingOptions | None = None,
) -> SwitchingResult:
    """HER2 switching for a :class:`~her2scope.study.model.Study` or ready-made calls.

    With a ``Study``, its ``samples`` are classified twice by
    :func:`her2scope.her2.classify` (``source="primary"`` for the ``*_PRIMARY``
    pathology columns, ``source="sequenced"`` for the sequenced sample) under
    ``profile``/``ambiguous``/``mapping`` (or ``options``, which wins). With a
    frame (sequenced calls only: serial comparison) or a ``(sequenced, primary)``
    tuple, the calls are used as given. Returns a :class:`SwitchingResult`
    whose audit holds the study's, both HER2 calls' and the pairing's
    findings; see the module docstring.
    """
    from her2scope.study.model import Study

    if options is None:
        options = SwitchingOptions(profile=profile, ambiguous=_policy(ambiguous), mapping=mapping)
    profile, ambiguous, mapping = options.profile, options.ambiguous, options.mapping
    if isinstance(study_or_frames, Study):
        from her2scope.her2 import classify
        from her2scope.study.conventions import harmonised, require_her2_levels

        study_or_frames = harmonised(study_or_frames)
        require_her2_levels(study_or_frames, "HER2 category switching (0/low/positive)")
        samples = study_or_frames.samples
        seq_result = classify(
            samples,
            profile=profile,
            ambiguous=_policy(ambiguous),
            mapping=mapping,
            source="sequenced",
        )
        prim_result = classify(
            samples,
            profile=profile,
            ambiguous=_policy(ambiguous),
            mapping=mapping,
            source="primary",
        )
        seq = seq_result.table.with_columns(
            _identical_text(samples).alias("identical_pathology_text")
        )
        one_source = second_source_problem(samples)
        result = switching_from_calls(
            seq,
            None
            if one_source
            else prim_result.table.select(SAMPLE_ID, "her2_category", "her2_rationale"),
            profile=profile,
            ambiguous=ambiguous,
            study_id=study_or_frames.study_id,
        )
        audit = Audit()
        audit.extend(study_or_frames.audit)
        audit.extend(seq_result.audit)
        if one_source:
            result.not_made["primary_vs_sequenced"] = one_source
            audit.add(
                "warning", "switching.one_source", f"primary_vs_sequenced not made: {one_source}"
            )
        else:
            audit.extend(prim_result.audit)
        audit.extend(result.audit)
        result.audit = audit
        result.options = options
        return result
    if isinstance(study_or_frames, pl.DataFrame):
        result = switching_from_calls(study_or_frames, None, profile=profile, ambiguous=ambiguous)
    elif isinstance(study_or_frames, tuple) and len(study_or_frames) == 2:
        seq_frame, prim_frame = study_or_frames
        result = switching_from_calls(seq_frame, prim_frame, profile=profile, ambiguous=ambiguous)
    else:
        raise ConfigError(
            "switching() takes a Study, a sequenced-calls DataFrame, or a (sequenced, primary) "
            "tuple"
        )
    result.options = options
    return result

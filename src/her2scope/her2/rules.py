"""The HER2 decision rules as polars expressions built from a profile.

Input: the structured columns that :mod:`her2scope.her2.engine` derives
from the raw pathology strings (names in :class:`Cols`). Output: expressions
for ``her2_category``, ``ish_group``, ``ambiguous`` and ``her2_rationale``.
Nothing here loops over rows: a profile's tables become ``when/then``
chains, evaluated column-wise.

How a call is made (ASCO/CAP 2018, Wolff et al., J Clin Oncol 2018;36:2105,
unchanged in the 2023 affirmation):

1. ISH gives an *outcome* per IHC level (0, 1, 2, 3, none): from the dual-probe
   group when ratio and HER2 copies are both known; else from a reported
   status word; else from the ratio alone (every group compatible with the
   ratio must agree, otherwise equivocal).
2. The category at one IHC level: ISH positive -> HER2-positive; ISH
   negative -> the profile's ``ish_negative`` table (HER2-low for 1+/2+,
   the 0-family for 0, HER2-negative without IHC); ISH equivocal ->
   ``equivocal`` unless IHC alone is positive (IHC 3+); no ISH -> the
   profile's ``ihc_alone`` table.
3. An IHC range (``0-1+``) is evaluated at every score it spans. If all give
   the same category there is nothing to decide; otherwise the row is
   *ambiguous* and the policy decides: ``low`` (HER2-low if any reading is
   HER2-low, else the lowest reading), ``zero`` (the lowest reading) or
   ``exclude`` (``unknown``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final, cast

import polars as pl

from her2scope.her2.profiles import LEVELS, Her2Profile, IshRules
from her2scope.her2.words import (
    EQUIVOCAL,
    LOW,
    NULL,
    POSITIVE,
    ULTRALOW,
    UNKNOWN,
    ZERO,
    AmbiguityPolicy,
)

PREFIX: Final = "__her2_"


@dataclass(frozen=True)
class Cols:
    """Names of the internal structured columns (all dropped before output)."""

    ihc_lo: str = PREFIX + "ihc_lo"  # Int8, lowest IHC score of the reading
    ihc_hi: str = PREFIX + "ihc_hi"  # Int8, highest (== lo for a single score)
    ihc_zero: str = PREFIX + "ihc_zero"  # "null" | "ultralow" | null
    ihc_desc: str = PREFIX + "ihc_desc"  # text for the rationale
    ihc_conflict: str = PREFIX + "ihc_conflict"  # Boolean, score and word disagree
    st_status: str = PREFIX + "st_status"  # amplified | not_amplified | equivocal | failed
    st_group: str = PREFIX + "st_group"  # Int8, a reported "group N"
    st_desc: str = PREFIX + "st_desc"
    ratio: str = PREFIX + "ratio"  # Float64, effective HER2/CEP17 ratio
    copies: str = PREFIX + "copies"  # Float64, effective average HER2 copies/cell
    ish_desc_numbers: str = PREFIX + "ish_num_desc"


C: Final = Cols()


def _level_int(level: str) -> int:
    return int(level)


def _zero_expr(profile: Her2Profile) -> pl.Expr:
    """The IHC-0 family member for a single score of 0 (ASCO/CAP 2023 split if enabled)."""
    if not profile.split_zero:
        return pl.lit(ZERO)
    zero_level = pl.col(C.ihc_zero)
    return (
        pl.when(zero_level == "null")
        .then(pl.lit(NULL))
        .when(zero_level == "ultralow")
        .then(pl.lit(ULTRALOW))
        .otherwise(pl.lit(ZERO))
    )


def _resolve(category: str, profile: Her2Profile) -> pl.Expr:
    return _zero_expr(profile) if category == "zero" else pl.lit(category)


def group_expr(ish: IshRules) -> pl.Expr:
    """ASCO/CAP 2018 dual-probe group (1-5) from ratio and average HER2 copies per cell.

    Null when either number is missing; then a reported ``group N`` is used.
    """
    ratio, copies = pl.col(C.ratio), pl.col(C.copies)
    amplified_ratio = ratio >= ish.ratio_threshold
    computed = (
        pl.when(ratio.is_null() | copies.is_null())
        .then(pl.lit(None, dtype=pl.Int8))
        .when(amplified_ratio & (copies >= ish.copies_low))
        .then(pl.lit(1, dtype=pl.Int8))
        .when(amplified_ratio)
        .then(pl.lit(2, dtype=pl.Int8))
        .when(copies >= ish.copies_high)
        .then(pl.lit(3, dtype=pl.Int8))
        .when(copies >= ish.copies_low)
        .then(pl.lit(4, dtype=pl.Int8))
        .otherwise(pl.lit(5, dtype=pl.Int8))
    )
    return pl.coalesce(computed, pl.col(C.st_group).cast(pl.Int8))


def _when_chain(branches: Sequence[tuple[pl.Expr, pl.Expr]], default: pl.Expr) -> pl.Expr:
    """``when(c1).then(v1).when(c2).then(v2)...otherwise(default)``, first match wins."""
    first_condition, first_value = branches[0]
    chain: Any = pl.when(first_condition).then(first_value)
    for condition, value in branches[1:]:
        chain = chain.when(condition).then(value)
    return cast(pl.Expr, chain.otherwise(default))


def _ish_outcome(ish: IshRules, level: str, group: pl.Expr) -> pl.Expr:
    """ISH outcome (positive/negative/equivocal/null) for one IHC level."""
    ratio = pl.col(C.ratio)
    status = pl.col(C.st_status)
    branches = [(group == g, pl.lit(ish.groups[g][level])) for g in (1, 2, 3, 4, 5)]
    # The reporting pathologist had the counts we lack: a status word outranks a bare ratio.
    # ... except "Equivocal" beside a ratio >= the threshold: the word is read as
    # ASCO/CAP 2013's equivocal (2018 group 4, ratio < 2.0), which that ratio rules
    # out (it meant ratio 1.8-2.2 under ASCO/CAP 2007); the ratio then decides, as it
    # does without the word
    branches += [
        (
            (status == word)
            & ~((status == "equivocal") & (ratio >= ish.ratio_threshold)).fill_null(False),
            pl.lit(table[level]),
        )
        for word, table in ish.status.items()
    ]
    branches += [
        (ratio >= ish.ratio_threshold, pl.lit(ish.ratio_only_outcome(True)[level])),
        (ratio.is_not_null(), pl.lit(ish.ratio_only_outcome(False)[level])),
    ]
    return _when_chain(branches, pl.lit(None, dtype=pl.String))


def _category_at(profile: Her2Profile, level: str, outcome: pl.Expr | None) -> pl.Expr:
    alone = _resolve(profile.ihc_alone[level], profile)
    if outcome is None:
        return alone
    negative = _resolve(profile.ish_negative[level], profile)
    # An unsettled ISH never takes away a positive that IHC gives on its own (3+).
    unsettled = pl.lit(POSITIVE if profile.ihc_alone[level] == POSITIVE else EQUIVOCAL)
    return (
        pl.when(outcome == "positive")
        .then(pl.lit(POSITIVE))
        .when(outcome == "negative")
        .then(negative)
        .when(outcome == "equivocal")
        .then(unsettled)
        .otherwise(alone)
    )


def _pick(by_level: dict[str, pl.Expr], score: pl.Expr) -> pl.Expr:
    """The expression for the IHC score held in ``score`` (0..3)."""
    branches = [(score == _level_int(lv), by_level[lv]) for lv in ("0", "1", "2", "3")]
    return _when_chain(branches, pl.lit(None, dtype=pl.String))


def build_stages(profile: Her2Profile, policy: AmbiguityPolicy) -> list[list[pl.Expr]]:
    """The decision as successive ``with_columns`` stages for ``profile`` and ``policy``.

    Intermediate results (ISH outcome and category at each IHC level, the
    readings at the two ends of a range) are materialised as internal
    columns so that no expression is evaluated twice. The last stages add
    ``ish_group``, ``her2_category``, ``ambiguous`` and ``her2_rationale``.
    """
    group = pl.col("ish_group")
    stages: list[list[pl.Expr]] = []
    if profile.ish is not None:
        stages.append([group_expr(profile.ish).cast(pl.Int8).alias("ish_group")])
        stages.append(
            [_ish_outcome(profile.ish, lv, group).alias(PREFIX + "out_" + lv) for lv in LEVELS]
        )
        outcomes: dict[str, pl.Expr | None] = {lv: pl.col(PREFIX + "out_" + lv) for lv in LEVELS}
    else:
        stages.append([pl.lit(None, dtype=pl.Int8).alias("ish_group")])
        outcomes = dict.fromkeys(LEVELS)
    stages.append(
        [_category_at(profile, lv, outcomes[lv]).alias(PREFIX + "cat_" + lv) for lv in LEVELS]
    )
    cats = {lv: pl.col(PREFIX + "cat_" + lv) for lv in LEVELS}
    lo, hi = pl.col(C.ihc_lo), pl.col(C.ihc_hi)
    stages.append(
        [_pick(cats, lo).alias(PREFIX + "cat_lo"), _pick(cats, hi).alias(PREFIX + "cat_hi")]
    )
    cat_lo, cat_hi = pl.col(PREFIX + "cat_lo"), pl.col(PREFIX + "cat_hi")

    consistent = pl.lit(True)
    any_low = pl.lit(False)
    for level in ("0", "1", "2", "3"):
        s = _level_int(level)
        in_range = ((lo <= s) & (hi >= s)).fill_null(False)
        consistent = consistent & (~in_range | (cats[level] == cat_lo))
        any_low = any_low | (in_range & (cats[level] == LOW))
    stages.append(
        [
            (lo.is_not_null() & ~consistent).fill_null(False).alias("ambiguous"),
            any_low.alias(PREFIX + "any_low"),
        ]
    )
    ambiguous = pl.col("ambiguous")

    if policy == "exclude":
        resolved = pl.lit(UNKNOWN)
    elif policy == "zero":
        resolved = cat_lo
    else:
        resolved = pl.when(pl.col(PREFIX + "any_low")).then(pl.lit(LOW)).otherwise(cat_lo)
    # a cell whose score and word disagree is not a range a policy may settle: its
    # readings are different reports of one stain, so only their agreement is a call
    conflict = pl.col(C.ihc_conflict).fill_null(False)
    stages.append(
        [
            pl.when(lo.is_null())
            .then(cats["none"])
            .when(ambiguous & conflict)
            .then(pl.lit(UNKNOWN))
            .when(ambiguous)
            .then(resolved)
            .otherwise(cat_lo)
            .alias("her2_category")
        ]
    )

    no_outcome = pl.lit(None, dtype=pl.String)
    out_lo = _pick({lv: (o if o is not None else no_outcome) for lv, o in outcomes.items()}, lo)
    out_none = outcomes["none"] if outcomes["none"] is not None else no_outcome
    policy_text = {
        "exclude": "excluded (ambiguity policy 'exclude')",
        "zero": "read at its lowest score (ambiguity policy 'zero')",
        "low": "read as HER2-low where a reading is HER2-low (ambiguity policy 'low')",
    }[policy]
    reason = (
        pl.when(lo.is_null() & out_none.is_null())
        .then(pl.lit("no usable IHC or ISH result"))
        .when(lo.is_null() & (out_none == "negative"))
        .then(pl.lit("ISH not amplified but no IHC score to split HER2-0 from HER2-low"))
        .when(lo.is_null() & (out_none == "positive"))
        .then(pl.lit("ISH positive"))
        .when(lo.is_null())
        .then(pl.lit("ISH needs a concomitant IHC score to be settled"))
        .when(ambiguous & conflict)
        .then(
            pl.concat_str(
                [
                    pl.lit("the IHC readings give "),
                    cat_lo,
                    pl.lit(" or "),
                    cat_hi,
                    pl.lit("; not settled"),
                ]
            )
        )
        .when(conflict)
        .then(pl.lit("every IHC reading gives the same call"))
        .when(ambiguous)
        .then(
            pl.concat_str(
                [
                    pl.lit("IHC range reads as "),
                    cat_lo,
                    pl.lit(" or "),
                    cat_hi,
                    pl.lit("; "),
                    pl.lit(policy_text),
                ]
            )
        )
        .when(lo == 3)
        .then(pl.lit("IHC 3+ is positive on its own"))
        .when(out_lo == "positive")
        .then(pl.lit("ISH positive with this IHC"))
        .when(out_lo == "negative")
        .then(pl.lit("ISH negative with this IHC, so the IHC level splits HER2-low from HER2-0"))
        .when(out_lo == "equivocal")
        .then(pl.lit("ISH does not settle the call"))
        .otherwise(pl.lit("by IHC alone"))
    )

    if profile.ish is None:
        ish_text = pl.lit("ISH ignored by this profile")
    else:
        group_text = pl.when(group.is_not_null()).then(
            pl.concat_str([pl.lit("group "), group.cast(pl.String)])
        )
        pieces = pl.concat_str(
            [pl.col(C.st_desc), pl.col(C.ish_desc_numbers), group_text],
            separator=", ",
            ignore_nulls=True,
        )
        ish_text = (
            pl.when(pieces.is_null() | (pieces == ""))
            .then(pl.lit("no ISH"))
            .otherwise(pl.concat_str([pl.lit("ISH "), pieces]))
        )
    stages.append(
        [
            pl.concat_str(
                [
                    pl.col(C.ihc_desc),
                    pl.lit("; "),
                    ish_text,
                    pl.lit("; "),
                    reason,
                    pl.lit(" → "),
                    pl.col("her2_category"),
                ]
            ).alias("her2_rationale")
        ]
    )
    return stages

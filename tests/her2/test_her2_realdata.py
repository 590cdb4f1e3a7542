"""HER2 calls on the real shared study (breast_msk_2018, Razavi et al. Cancer Cell 2018).

Expected counts are derived here from the raw value counts with the
category of every distinct IHC string written out by hand, not by calling
the code under test.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from her2scope.her2 import classify
from her2scope.study.tables import read_table

LOW, ZERO, POS, UNK = "HER2-low", "HER2-0", "HER2-positive", "unknown"

# ihc-only with --ambiguous low: 1+ up to (not including) 3+ is low, ranges reaching
# into 1+/2+ count as low, the in-house (first) score decides over an outside reading.
IHC_ONLY_LOW = {
    "0+": ZERO,
    "0-1+": LOW,
    "1+": LOW,
    "1-2+": LOW,
    "2+": LOW,
    "2-3+": LOW,
    "1+ (focal)": LOW,
    "2+ (focal)": LOW,
    "1+ (outside 3+)": LOW,
    "1-2+ (outside 3+)": LOW,
    "1+ (3+ outside)": LOW,
    "2+ (3+ outside)": LOW,
    "3+": POS,
    "3+ (outside)": POS,
    "3+ (2+ outside)": POS,
    "3+ (heterogenous 70-80% pos)": POS,
    "Not Available": UNK,
}


@pytest.fixture(scope="module")
def samples(shared_study_dir: Path) -> pl.DataFrame:
    return read_table(shared_study_dir / "data_clinical_sample.txt")


def _expected(samples: pl.DataFrame, column: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for raw, n in samples[column].value_counts().iter_rows():
        assert raw in IHC_ONLY_LOW, f"new IHC value {raw!r}: extend the hand mapping"
        counts[IHC_ONLY_LOW[raw]] = counts.get(IHC_ONLY_LOW[raw], 0) + n
    return counts


def test_sequenced_ihc_only_low_matches_hand_counts(samples: pl.DataFrame) -> None:
    assert samples.height == 1918
    expected = _expected(samples, "HER2_IHC_SCORE")
    # The brief quotes HER2-low = 1128, but its own breakdown (442 + 375 + 65 + 235 + 1
    # + 2 + 2 + 2 + 1) sums to 1125; 1128 would need the three "3+ (outside)" rows,
    # which are 3+ and therefore positive.
    assert expected == {LOW: 1125, ZERO: 535, POS: 148, UNK: 110}
    result = classify(samples, profile="ihc-only", ambiguous="low")
    got = dict(result.counts().filter(pl.col("n") > 0).iter_rows())
    assert got == expected
    assert result.table["SAMPLE_ID"].to_list() == samples["SAMPLE_ID"].to_list()


def test_primary_ihc_only_low_matches_hand_counts(samples: pl.DataFrame) -> None:
    expected = _expected(samples, "HER2_IHC_VALUE_PRIMARY")
    assert expected == {LOW: 1078, ZERO: 560, POS: 151, UNK: 129}
    result = classify(samples, profile="ihc-only", ambiguous="low", source="primary")
    assert dict(result.counts().filter(pl.col("n") > 0).iter_rows()) == expected


def test_asco_subsets_follow_guideline(samples: pl.DataFrame) -> None:
    table = classify(samples, profile="asco-cap-2018", ambiguous="exclude").table
    ihc, fish, ratio = pl.col("HER2_IHC_SCORE"), pl.col("HER2_FISH"), pl.col("HER2_FISH_RATIO")

    def cats(condition: pl.Expr) -> set[str]:
        return set(table.filter(condition)["her2_category"])

    assert cats(ihc.str.starts_with("3+")) == {POS}
    assert cats((ihc == "0+") & fish.is_in(["Negative", "Not Applicable"])) == {ZERO}
    assert cats((ihc == "1+") & fish.is_in(["Negative", "Not Applicable"])) == {LOW}
    assert cats((ihc == "0-1+") & fish.is_in(["Negative", "Not Applicable"])) == {UNK}
    assert cats((ihc == "Not Available") & (fish == "Negative")) == {"HER2-negative"}
    # "2.5 (CN 3)" is ratio >= 2 with < 4 copies: group 2, positive only with IHC 3+
    group2 = table.filter(ratio == "2.5 (CN 3)")
    assert set(group2["ish_group"]) == {2}
    assert set(group2.filter(pl.col("HER2_IHC_SCORE") == "2+")["her2_category"]) <= {LOW}
    # "1.7 (CN 6.2)" is group 3: IHC 2+ positive
    group3 = table.filter(ratio == "1.7 (CN 6.2)")
    assert set(group3["ish_group"]) == {3}
    # "0" ratios are unusable and counted, the status word decides
    zero_ratio = table.filter(ratio == "0")
    assert zero_ratio.height == 5
    assert set(zero_ratio["her2_category"]) <= {ZERO, LOW, UNK}


def test_unusable_values_counted(samples: pl.DataFrame) -> None:
    result = classify(samples, profile="asco-cap-2023")
    assert result.unusable.select("raw", "n").rows() == [("0", 5)]
    assert result.audit.total("her2.unusable_value") == 5
    assert result.audit.total("her2.outside_reading") == 3

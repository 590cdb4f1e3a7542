"""Hand-written guideline cases: every ISH group and every IHC form, each profile and policy.

Expected categories are derived from ASCO/CAP 2018 (Wolff et al., J Clin
Oncol 2018;36:2105, Fig. 1-2, Table 1), its 2023 affirmation and the
HER2-low / ultralow definitions (DESTINY-Breast04/06), not from the code.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import polars as pl
import pytest

from her2scope.errors import ConfigError, InputFormatError, SchemaError
from her2scope.her2 import (
    HER2_CATEGORIES,
    MSK_COLUMNS,
    ZERO_CATEGORIES,
    classify,
    classify_one,
    list_profiles,
    load_profile,
)

ASCO = ("asco-cap-2018", "asco-cap-2023")


# ------------------------------------------------------------------ ISH groups 1-5
# (ratio, HER2 copies) -> group; then the category for each concomitant IHC.
GROUP_CASES = [
    # group 1: ratio >= 2.0, HER2 >= 4.0 -> positive whatever the IHC
    (
        "2 (CN 4.8)",
        1,
        {
            "0": "HER2-positive",
            "1+": "HER2-positive",
            "2+": "HER2-positive",
            "3+": "HER2-positive",
            None: "HER2-positive",
        },
    ),
    ("4.0, CN 9.7", 1, {"0": "HER2-positive", "2+": "HER2-positive"}),
    # group 2: ratio >= 2.0, HER2 < 4.0 -> positive only with IHC 3+; 2+ negative (2018 text)
    (
        "2.5 (CN 3)",
        2,
        {
            "0": "HER2-0",
            "1+": "HER2-low",
            "2+": "HER2-low",
            "3+": "HER2-positive",
            None: "equivocal",
        },
    ),
    # group 3: ratio < 2.0, HER2 >= 6.0 -> positive with IHC 2+ or 3+, negative with 0-1+
    (
        "1.7 (CN 6.2)",
        3,
        {
            "0": "HER2-0",
            "1+": "HER2-low",
            "2+": "HER2-positive",
            "3+": "HER2-positive",
            None: "equivocal",
        },
    ),
    # group 4: ratio < 2.0, 4.0 <= HER2 < 6.0 -> negative unless IHC 3+
    (
        "1.9 (CN 4.3)",
        4,
        {
            "0": "HER2-0",
            "1+": "HER2-low",
            "2+": "HER2-low",
            "3+": "HER2-positive",
            None: "equivocal",
        },
    ),
    # group 5: ratio < 2.0, HER2 < 4.0 -> negative (IHC 3+ stays positive on its own)
    (
        "1.2 (CN 2.4)",
        5,
        {
            "0": "HER2-0",
            "1+": "HER2-low",
            "2+": "HER2-low",
            "3+": "HER2-positive",
            None: "HER2-negative",
        },
    ),
]


@pytest.mark.parametrize("profile", ASCO)
@pytest.mark.parametrize(("ratio", "group", "expected"), GROUP_CASES)
def test_ish_groups_with_concomitant_ihc(
    profile: str, ratio: str, group: int, expected: dict[str | None, str]
) -> None:
    for ihc, category in expected.items():
        call = classify_one(ihc=ihc, ish_ratio=ratio, profile=profile)
        assert call.ish_group == group
        assert call.category == category, (ihc, ratio, call.rationale)
        assert not call.ambiguous


def test_groups_from_separate_signal_columns() -> None:
    # ratio = 5/2 = 2.5 with HER2 5 -> group 1; 3/2 = 1.5 with HER2 3 -> group 5
    assert classify_one(ihc="2+", her2_copies=5, cep17_copies=2).ish_group == 1
    assert classify_one(ihc="2+", her2_copies=5, cep17_copies=2).category == "HER2-positive"
    call = classify_one(ihc="2+", her2_copies="3.0", cep17_copies="2.0")
    assert (call.ish_group, call.category) == (5, "HER2-low")
    # 6.5 copies with ratio 1.3 -> group 3: IHC 2+ positive
    assert classify_one(ihc="2+", ish_ratio=1.3, her2_copies=6.5).ish_group == 3


def test_group_thresholds_are_inclusive() -> None:
    assert classify_one(ihc="1+", ish_ratio="2.0 (CN 4.0)").ish_group == 1
    assert classify_one(ihc="1+", ish_ratio="1.99 (CN 6.0)").ish_group == 3
    assert classify_one(ihc="1+", ish_ratio="1.99 (CN 5.99)").ish_group == 4
    assert classify_one(ihc="1+", ish_ratio="1.99 (CN 3.99)").ish_group == 5


# ------------------------------------------------------------------ status words / ratio alone
@pytest.mark.parametrize(
    ("ihc", "status", "ratio", "expected"),
    [
        ("2+", "Positive", None, "HER2-positive"),
        ("2+", "amplified", None, "HER2-positive"),
        ("1+", "Positive", None, "HER2-positive"),  # amplified ISH is positive whatever the IHC
        ("2+", "Negative", None, "HER2-low"),
        ("2+", "not amplified", "1.1", "HER2-low"),
        ("0", "Negative", None, "HER2-0"),
        ("1+", "Negative (outside)", None, "HER2-low"),
        (None, "Negative", "1.2", "HER2-negative"),
        (None, "Positive", None, "HER2-positive"),
        ("2+", "Equivocal", None, "HER2-low"),  # 2013 equivocal == 2018 group 4
        ("3+", "Equivocal", None, "HER2-positive"),
        (None, "Equivocal", None, "equivocal"),
        ("2+", "Test Failure", None, "equivocal"),
        ("2+", "Unk/ND", "Not done (decalcified)", "equivocal"),
        ("3+", "Negative", "1.1", "HER2-positive"),  # IHC 3+ is positive on its own
        # ratio without copy number: < 2.0 settles IHC 0-1+ (groups 3-5 all negative) ...
        ("1+", None, "1.5", "HER2-low"),
        ("0", None, "1.5", "HER2-0"),
        # ... but not IHC 2+ (group 3 would be positive) ...
        ("2+", None, "1.9", "equivocal"),
        # ... and >= 2.0 without copies settles only IHC 3+ (group 1 vs group 2)
        ("1+", None, "2.3", "equivocal"),
        ("2+", None, "2.3", "equivocal"),
        ("3+", None, "2.3", "HER2-positive"),
        # the reported status outranks the bare ratio
        ("2+", "Positive", "2.3", "HER2-positive"),
        ("2+", "Negative", "1.9", "HER2-low"),
        # a ratio of 0 is unusable; the status word decides
        ("1+", "Negative", "0", "HER2-low"),
        (None, None, None, "unknown"),
    ],
)
@pytest.mark.parametrize("profile", ASCO)
def test_status_words_and_ratio_alone(
    profile: str, ihc: str | None, status: str | None, ratio: str | None, expected: str
) -> None:
    call = classify_one(ihc=ihc, ish_status=status, ish_ratio=ratio, profile=profile)
    assert call.category == expected, call.rationale
    assert call.ish_group is None


def test_numbers_outrank_status_word() -> None:
    # reported "Positive" but 2.5 with 3 copies/cell is group 2: with IHC 2+ negative (2018)
    call = classify_one(ihc="2+", ish_status="Positive", ish_ratio="2.5 (CN 3)")
    assert (call.category, call.ish_group) == ("HER2-low", 2)
    assert "reported Positive" in call.rationale
    frame = pl.DataFrame(
        {
            "ihc": ["2+", "2+"],
            "ish_status": ["Positive", "Positive"],
            "ish_ratio": ["2.5 (CN 3)", "2 (CN 4.8)"],
        }
    )
    assert classify(frame).audit.total("her2.status_vs_numbers") == 1


def test_million_row_scale_is_vectorised() -> None:
    import time

    base = pl.DataFrame(
        {
            "ihc": ["0+", "0-1+", "1+", "2+", "3+", "Not Available", "1-2+", "abc"],
            "ish_status": [
                "Negative",
                "Not Applicable",
                "Negative",
                "Positive",
                "Unk/ND",
                "Negative",
                "Equivocal",
                None,
            ],
            "ish_ratio": [
                "1.1",
                "Not Applicable",
                "1.2",
                "2 (CN 4.8)",
                "Not Available",
                "1.3",
                "1.9 (CN 4.3)",
                "0",
            ],
        }
    )
    frame = pl.concat([base] * 25_000)  # 200,000 rows
    start = time.perf_counter()
    result = classify(frame)
    elapsed = time.perf_counter() - start
    assert result.table.height == 200_000
    assert result.audit.total("her2.unusable_value") == 50_000
    assert elapsed < 20, f"200k rows took {elapsed:.1f}s: per-row Python crept in?"


# ------------------------------------------------------------------ IHC forms
IHC_FORMS = [
    # raw, asco (no ISH, exclude), ihc-only/low
    ("0", "HER2-0", "HER2-0"),
    ("0+", "HER2-0", "HER2-0"),
    ("1+", "HER2-low", "HER2-low"),
    ("2+", "equivocal", "HER2-low"),
    ("3+", "HER2-positive", "HER2-positive"),
    ("0-1+", "unknown", "HER2-low"),
    ("1-2+", "unknown", "HER2-low"),
    ("2-3+", "unknown", "HER2-low"),
    ("1+ (focal)", "HER2-low", "HER2-low"),
    ("2+ (focal)", "equivocal", "HER2-low"),
    ("3+ (outside)", "HER2-positive", "HER2-positive"),
    ("1+ (outside 3+)", "HER2-low", "HER2-low"),
    ("1-2+ (outside 3+)", "unknown", "HER2-low"),
    ("3+ (2+ outside)", "HER2-positive", "HER2-positive"),
    ("3+ (heterogenous 70-80% pos)", "HER2-positive", "HER2-positive"),
    ("negative", "unknown", "HER2-low"),
    ("equivocal", "equivocal", "HER2-low"),
    ("Not Available", "unknown", "unknown"),
    ("[Not Available]", "unknown", "unknown"),
    ("abc", "unknown", "unknown"),
]


@pytest.mark.parametrize(("raw", "asco", "ihc_only_low"), IHC_FORMS)
def test_ihc_forms(raw: str, asco: str, ihc_only_low: str) -> None:
    assert classify_one(ihc=raw, profile="asco-cap-2018").category == asco
    assert classify_one(ihc=raw, profile="ihc-only", ambiguous="low").category == ihc_only_low


def test_ihc_only_ignores_ish() -> None:
    call = classify_one(
        ihc="2+", ish_status="Positive", ish_ratio="4.0, CN 9.7", profile="ihc-only"
    )
    assert (call.category, call.ish_group) == ("HER2-low", None)
    assert classify_one(ish_status="Positive", profile="ihc-only").category == "unknown"


def test_outside_reading_noted_in_rationale() -> None:
    call = classify_one(ihc="1+ (outside 3+)")
    assert call.category == "HER2-low"
    assert "outside lab read 3+" in call.rationale


def test_unusable_value_is_reported_not_guessed() -> None:
    call = classify_one(ihc="abc", ish_status="Positive")
    assert call.category == "HER2-positive"  # amplified ISH alone is enough
    assert call.unusable == ("ihc 'abc': not a recognised IHC score",)
    assert "unusable" in call.rationale
    assert classify_one(ihc="abc").category == "unknown"


# ------------------------------------------------------------------ 2023 zero split
@pytest.mark.parametrize(
    ("raw", "in_2023", "in_2018"),
    [
        ("0", "HER2-0", "HER2-0"),
        ("ultralow", "HER2-ultralow", "HER2-0"),
        ("0 (ultralow)", "HER2-ultralow", "HER2-0"),
        ("0, faint incomplete staining <=10%", "HER2-ultralow", "HER2-0"),
        ("0 (null)", "HER2-null", "HER2-0"),
        ("HER2-null", "HER2-null", "HER2-0"),
        ("no staining", "HER2-null", "HER2-0"),
    ],
)
def test_zero_split_2023(raw: str, in_2023: str, in_2018: str) -> None:
    assert classify_one(ihc=raw, profile="asco-cap-2023").category == in_2023
    assert classify_one(ihc=raw, profile="asco-cap-2018").category == in_2018
    # with ISH not amplified the split survives
    assert classify_one(ihc=raw, ish_status="Negative").category == in_2023
    assert in_2023 in ZERO_CATEGORIES


# ------------------------------------------------------------------ ambiguity policy
@pytest.mark.parametrize(
    ("ihc", "status", "ratio", "low", "zero", "exclude", "ambiguous"),
    [
        ("0-1+", None, None, "HER2-low", "HER2-0", "unknown", True),
        ("0-1+", "Negative", None, "HER2-low", "HER2-0", "unknown", True),
        ("0-1+", "Positive", None, "HER2-positive", "HER2-positive", "HER2-positive", False),
        ("1-2+", None, None, "HER2-low", "HER2-low", "unknown", True),
        # 1-2+ with ISH not amplified: every reading is HER2-low -> not ambiguous
        ("1-2+", "Negative", None, "HER2-low", "HER2-low", "HER2-low", False),
        ("1-2+", None, "1.1 (CN 2.0)", "HER2-low", "HER2-low", "HER2-low", False),
        # 1-2+ with group 3: 1+ -> low, 2+ -> positive; ISH does not settle it
        ("1-2+", None, "1.7 (CN 6.2)", "HER2-low", "HER2-low", "unknown", True),
        ("2-3+", None, None, "equivocal", "equivocal", "unknown", True),
        ("2-3+", "Positive", None, "HER2-positive", "HER2-positive", "HER2-positive", False),
        ("2-3+", "Negative", None, "HER2-low", "HER2-low", "unknown", True),
    ],
)
def test_ambiguity_policies(
    ihc: str,
    status: str | None,
    ratio: str | None,
    low: str,
    zero: str,
    exclude: str,
    ambiguous: bool,
) -> None:
    for policy, expected in (("low", low), ("zero", zero), ("exclude", exclude)):
        call = classify_one(ihc=ihc, ish_status=status, ish_ratio=ratio, ambiguous=policy)
        assert (call.category, call.ambiguous) == (expected, ambiguous), (policy, call.rationale)


# ------------------------------------------------------------------ table API
def test_classify_table_keeps_rows_columns_order_and_types() -> None:
    df = pl.DataFrame(
        {
            "id": ["a", "b", "c", "d"],
            "HER2_IHC_SCORE": ["3+", "0+", None, "1-2+"],
            "HER2_FISH": ["Not Applicable", "Negative", "Positive", "Negative"],
            "HER2_FISH_RATIO": ["Not Applicable", "1.1", "2 (CN 4.8)", "1.2"],
            "extra": [1, 2, 3, 4],
        }
    )
    result = classify(df)
    table = result.table
    assert table.columns == [
        *df.columns,
        "her2_category",
        "ish_group",
        "ambiguous",
        "her2_rationale",
    ]
    assert table.select(df.columns).equals(df)
    assert table["her2_category"].to_list() == [
        "HER2-positive",
        "HER2-0",
        "HER2-positive",
        "HER2-low",
    ]
    assert table["ish_group"].to_list() == [None, None, 1, None]
    assert table.schema["ish_group"] == pl.Int8
    assert table.schema["ambiguous"] == pl.Boolean
    assert result.mapping == MSK_COLUMNS["sequenced"]
    counts = dict(result.counts().iter_rows())
    assert list(counts) == list(HER2_CATEGORIES)
    assert counts["HER2-positive"] == 2 and sum(counts.values()) == 4


def test_classify_accepts_pandas_and_mapping() -> None:
    pdf = pd.DataFrame({"score": ["2+", "1+"], "fish": ["Positive", None]})
    result = classify(pdf, mapping={"ihc": "score", "ish_status": "fish"}, profile="asco-cap-2018")
    assert result.table["her2_category"].to_list() == ["HER2-positive", "HER2-low"]


def test_primary_source_columns() -> None:
    df = pl.DataFrame(
        {
            "HER2_IHC_SCORE": ["0+"],
            "HER2_IHC_VALUE_PRIMARY": ["3+"],
            "HER2_FISH_STATUS": ["Negative"],
            "HER2_FISH_RATIO_PRIMARY": ["1.1"],
        }
    )
    assert classify(df, source="primary").table["her2_category"][0] == "HER2-positive"
    assert classify(df).table["her2_category"][0] == "HER2-0"


def test_unusable_counted_in_audit() -> None:
    df = pl.DataFrame({"ihc": ["abc", "abc", "1+", "zz"], "ish_ratio": ["x", "1.1", "1.2", None]})
    result = classify(df)
    assert result.audit.total("her2.unusable_value") == 4
    assert result.n_unusable == 4
    assert sorted(result.unusable["raw"].to_list()) == ["abc", "x", "zz"]
    assert result.table.height == 4


def test_parse_runs_once_per_distinct_value(monkeypatch: pytest.MonkeyPatch) -> None:
    import her2scope.her2.engine as mod

    calls: list[str] = []
    real = mod.parse_ihc

    def counting(raw: str) -> object:
        calls.append(raw)
        return real(raw)

    monkeypatch.setattr(mod, "parse_ihc", counting)
    df = pl.DataFrame({"ihc": ["1+", "0-1+", "3+"] * 10_000})
    result = classify(df)
    assert sorted(calls) == ["0-1+", "1+", "3+"]
    assert result.table.height == 30_000


def test_mapping_errors() -> None:
    df = pl.DataFrame({"a": ["1+"]})
    with pytest.raises(InputFormatError, match="single column") as info:
        classify(df, mapping={"ihc": "HER2"})
    assert info.value.column == "HER2"
    with pytest.raises(InputFormatError, match="no HER2 pathology column"):
        classify(df)
    with pytest.raises(ConfigError, match="unknown field"):
        classify(df, mapping={"score": "a"})
    with pytest.raises(ConfigError, match="ambiguity policy"):
        classify(df, mapping={"ihc": "a"}, ambiguous="maybe")
    with pytest.raises(ConfigError, match="unknown HER2 profile"):
        classify(df, mapping={"ihc": "a"}, profile="who-2030")


def test_existing_output_columns_are_recomputed() -> None:
    df = pl.DataFrame({"ihc": ["3+"], "her2_category": ["HER2-0"]})
    result = classify(df)
    assert result.table.columns == [
        "ihc",
        "her2_category",
        "ish_group",
        "ambiguous",
        "her2_rationale",
    ]
    assert result.table["her2_category"][0] == "HER2-positive"


def test_empty_table() -> None:
    df = pl.DataFrame({"ihc": []}, schema={"ihc": pl.String})
    assert classify(df).table.height == 0


# ------------------------------------------------------------------ profiles
def test_profiles_are_documented() -> None:
    names = [p.name for p in list_profiles()]
    assert names == ["asco-cap-2018", "asco-cap-2023", "ihc-only"]
    for profile in list_profiles():
        assert profile.docs.source and profile.docs.description
    assert "2105" in load_profile("asco-cap-2018").docs.source
    assert "3867" in load_profile("asco-cap-2023").docs.source


def test_user_profile_from_yaml(tmp_path: Path) -> None:
    import yaml

    data = load_profile("asco-cap-2018").model_dump()
    data["name"] = "strict-ratio"
    assert data["ish"] is not None
    data["ish"]["ratio_without_copies"] = "ratio_decides"
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump(data))
    profile = load_profile(path)
    assert classify_one(ihc="1+", ish_ratio="2.3", profile=profile).category == "HER2-positive"
    assert classify_one(ihc="1+", ish_ratio="2.3", profile=str(path)).category == "HER2-positive"


def test_bad_profile_rejected(tmp_path: Path) -> None:
    import yaml

    data = load_profile("asco-cap-2018").model_dump()
    data["ihc_alone"]["3"] = "HER2-low"
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(SchemaError, match="IHC 3\\+ must be HER2-positive"):
        load_profile(path)
    del data["ish"]["groups"][5]
    data["ihc_alone"]["3"] = "HER2-positive"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(SchemaError, match="groups 1-5"):
        load_profile(path)
    path.write_text("name: [unclosed")
    with pytest.raises(SchemaError, match="YAML"):
        load_profile(path)

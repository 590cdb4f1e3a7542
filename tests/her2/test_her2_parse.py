"""Parsing real-world IHC and ISH strings (values as found in breast_msk_2018)."""

from __future__ import annotations

import pytest

from her2scope.her2 import parse_copies, parse_ihc, parse_ish_ratio, parse_ish_status


@pytest.mark.parametrize(
    ("raw", "lo", "hi", "zero_level"),
    [
        ("0", 0, 0, None),
        ("0+", 0, 0, None),
        ("1+", 1, 1, None),
        ("2+", 2, 2, None),
        ("3+", 3, 3, None),
        (" 2 + ", 2, 2, None),
        ("0-1+", 0, 1, None),
        ("1-2+", 1, 2, None),
        ("2-3+", 2, 3, None),
        ("1+-2+", 1, 2, None),
        ("1+ (focal)", 1, 1, None),
        ("2+ (focal)", 2, 2, None),
        ("3+ (outside)", 3, 3, None),
        ("3+ (heterogenous 70-80% pos)", 3, 3, None),
        ("negative", 0, 1, None),
        ("Equivocal", 2, 2, None),
        ("ultralow", 0, 0, "ultralow"),
        ("0 (ultralow)", 0, 0, "ultralow"),
        ("0, faint incomplete staining <=10%", 0, 0, "ultralow"),
        ("0 (null)", 0, 0, "null"),
        ("HER2-null", 0, 0, "null"),
        ("No staining", 0, 0, "null"),
    ],
)
def test_ihc_scores_ranges_words(raw: str, lo: int, hi: int, zero_level: str | None) -> None:
    reading = parse_ihc(raw)
    assert (reading.lo, reading.hi, reading.zero_level) == (lo, hi, zero_level)
    assert reading.unusable is None and not reading.missing


@pytest.mark.parametrize(
    ("raw", "inhouse", "outside"),
    [
        ("1+ (outside 3+)", 1, "3+"),
        ("1+ (3+ outside)", 1, "3+"),
        ("3+ (2+ outside)", 3, "2+"),
        ("2+ (3+ outside)", 2, "3+"),
    ],
)
def test_ihc_first_score_is_inhouse_outside_noted(raw: str, inhouse: int, outside: str) -> None:
    reading = parse_ihc(raw)
    assert reading.lo == inhouse
    assert reading.outside == outside
    assert f"outside lab read {outside}" in reading.description


def test_ihc_range_with_outside_reading_keeps_range() -> None:
    reading = parse_ihc("1-2+ (outside 3+)")
    assert (reading.lo, reading.hi, reading.outside_max) == (1, 2, 3)


@pytest.mark.parametrize(
    # a bare NULL is a database null, not the ASCO/CAP 2023 HER2-null level
    "raw",
    ["Not Available", "[Not Available]", "Not Applicable", "Unk/ND", "", "  ", None, "NULL"],
)
def test_ihc_missing_is_not_unusable(raw: str | None) -> None:
    reading = parse_ihc(raw)
    assert reading.missing and reading.unusable is None and reading.lo is None


@pytest.mark.parametrize(
    ("raw", "reason_part"),
    [
        ("abc", "not a recognised"),
        ("4+", "out of range"),
        ("2+ (3+)", "two IHC scores"),
        ("1+ (ultralow)", "only applies to IHC 0"),
        ("3-1+", "high to low"),
    ],
)
def test_ihc_unusable_keeps_reason(raw: str, reason_part: str) -> None:
    reading = parse_ihc(raw)
    assert reading.unusable is not None and reason_part in reading.unusable
    assert reading.lo is None and not reading.missing


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        ("Positive", "amplified"),
        ("amplified", "amplified"),
        ("Negative", "not_amplified"),
        ("not amplified", "not_amplified"),
        ("Non-amplified", "not_amplified"),
        ("Negative (outside)", "not_amplified"),
        ("Equivocal", "equivocal"),
        ("Test Failure", "failed"),
    ],
)
def test_ish_status_words(raw: str, status: str) -> None:
    assert parse_ish_status(raw).status == status


@pytest.mark.parametrize("raw", ["Not Applicable", "Unk/ND", "[Not Available]", "Not done"])
def test_ish_status_missing(raw: str) -> None:
    assert parse_ish_status(raw).missing


def test_ish_status_group_word_and_junk() -> None:
    assert parse_ish_status("ISH group 4").group == 4
    assert parse_ish_status("abc").unusable == "not a recognised ISH status"
    assert parse_ish_status("positive/negative").unusable == "conflicting ISH status words"


@pytest.mark.parametrize(
    ("raw", "ratio", "copies"),
    [
        ("1.1", 1.1, None),
        ("2 (CN 4.8)", 2.0, 4.8),
        ("4.0, CN 9.7", 4.0, 9.7),
        ("2.5 (CN 3)", 2.5, 3.0),
        ("1.3 (OSH CN 4.2)", 1.3, 4.2),
        ("1.3 (OSH, CN 2.0)", 1.3, 2.0),
        ("1.4 (CN 3.0) (same sample OSH 2.3)", 1.4, 3.0),
        ("1.7 (Outside: 2.4)", 1.7, None),
        ("1.8, MSK failed", 1.8, None),
        ("3.2 (Heterogenous)", 3.2, None),
        ("1.4, 1.9", 1.4, None),
    ],
)
def test_ish_ratio_forms(raw: str, ratio: float, copies: float | None) -> None:
    reading = parse_ish_ratio(raw)
    assert reading.unusable is None
    assert reading.ratio == pytest.approx(ratio)
    assert reading.copies == (None if copies is None else pytest.approx(copies))


def test_ish_ratio_notes_outside_and_second_ratio() -> None:
    assert (
        "outside lab ratio 2.3" in parse_ish_ratio("1.4 (CN 3.0) (same sample OSH 2.3)").description
    )
    assert "second ratio 1.9" in parse_ish_ratio("1.4, 1.9").description
    assert "msk failed" in parse_ish_ratio("1.8, MSK failed").description


@pytest.mark.parametrize(
    ("raw", "reason_part"),
    [
        ("1.9, 2.1", "either side"),
        ("0", "not a counted ratio"),
        ("abc", "no HER2/CEP17 ratio"),
        ("2 (CN 4.8) (CN 5.0)", "two different"),
    ],
)
def test_ish_ratio_unusable(raw: str, reason_part: str) -> None:
    reading = parse_ish_ratio(raw)
    assert reading.unusable is not None and reason_part in reading.unusable
    assert reading.ratio is None


@pytest.mark.parametrize("raw", ["Not done", "Not done (decalcified)", "Not Available", ""])
def test_ish_ratio_missing(raw: str) -> None:
    assert parse_ish_ratio(raw).missing


def test_copies() -> None:
    assert parse_copies("4.8").value == pytest.approx(4.8)
    assert parse_copies("6.2 (outside)").notes == ("outside lab",)
    assert parse_copies("0").unusable is not None
    assert parse_copies("x").unusable is not None
    assert parse_copies("[Not Available]").missing

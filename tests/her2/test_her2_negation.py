"""Real-world wording that must never be misread (negations, odd numbers, huge cells).

* A negated ISH statement ("No evidence of amplification", "amplification not
  detected", ...) is read as not amplified and never makes IHC 0/1+/2+
  HER2-positive, whatever the case, spacing or wording around it.
* A value the engine cannot read (scientific notation, percentages, ranges or
  two values that straddle the ratio threshold, decimal commas, two IHC
  scores) is unusable: counted, said in the rationale, and the call is the one
  the row gets without that value. Never guessed.
* A huge cell is unusable by its length alone, quickly; every pattern the
  parsers use runs in linear time even on text the length cap would stop.
"""

from __future__ import annotations

import re
import time

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from her2scope.her2 import (
    classify,
    classify_one,
    load_profile,
    parse_copies,
    parse_ihc,
    parse_ish_ratio,
    parse_ish_status,
)
from her2scope.her2 import parse as parse_module
from her2scope.her2.words import MAX_CELL_CHARS

POSITIVE = "HER2-positive"
ASCO = ["asco-cap-2018", "asco-cap-2023"]
NOT_3 = ["0", "0+", "1+", "2+", "0-1+", "1-2+", "1+ (focal)", "2+ (focal)"]
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# ------------------------------------------------------------------ the issue's wordings

ISSUE_NEGATIONS = [
    "No evidence of amplification",
    "not amplified",
    "unamplified",
    "amplification not detected",
    "without amplification",
    "not positive",
    "negative for amplification",
    "non-amplified",
    "no amplification",
]


@pytest.mark.parametrize("status", ISSUE_NEGATIONS)
@pytest.mark.parametrize("profile", ASCO)
def test_issue_negations_are_not_amplified(status: str, profile: str) -> None:
    assert parse_ish_status(status).status == "not_amplified"
    call = classify_one(ihc="2+", ish_status=status, profile=profile)
    # IHC 2+ with ISH not amplified is HER2-low (ASCO/CAP 2018; DESTINY-Breast04)
    assert call.category == "HER2-low", call.rationale
    assert call.unusable == ()


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("Amplified", "amplified"),
        ("Amplification detected", "amplified"),
        ("positive for amplification", "amplified"),
        ("HER2 gene amplification: none", "not_amplified"),
        ("Amplification absent", "not_amplified"),
        ("HER2 FISH: no amplification detected (outside)", "not_amplified"),
        ("Negative / not amplified", "not_amplified"),
        ("Equivocal", "equivocal"),
        ("Test not interpretable", "failed"),
        ("FISH failed", "failed"),
        ("Indeterminate", "failed"),
    ],
)
def test_ish_statement_vocabulary(status: str, expected: str) -> None:
    reading = parse_ish_status(status)
    assert (reading.status, reading.unusable) == (expected, None)


@pytest.mark.parametrize(
    ("status", "reason_part"),
    [
        ("not unamplified", "double negation"),
        ("not negative", "double negation"),
        ("not equivocal", "does not say which side"),
        ("amplified, not amplified", "conflicting"),
        ("amplified and not amplified", "conflicting"),
        ("Positive (not amplified)", "conflicting"),
        ("amplified probably", "outside the ISH vocabulary"),
        ("hyperamplified", "not a recognised"),
        ("not detected", "negation without a status word"),
    ],
)
def test_ish_statements_outside_the_vocabulary_are_unusable(status: str, reason_part: str) -> None:
    reading = parse_ish_status(status)
    assert reading.status is None and reading.unusable is not None
    assert reason_part in reading.unusable
    call = classify_one(ihc="2+", ish_status=status)
    assert call.category != POSITIVE and call.unusable


@pytest.mark.parametrize(
    "raw", ["NULL", "null", "[NULL]", "N/A", "none", "not done", "[Not Available]"]
)
def test_missing_tokens_are_missing_not_scores(raw: str) -> None:
    assert parse_ihc(raw).missing and parse_ihc(raw).lo is None
    assert parse_ish_status(raw).missing
    assert parse_ish_ratio(raw).missing
    assert parse_copies(raw).missing
    call = classify_one(ihc=raw)
    assert (call.category, call.unusable) == ("unknown", ())


@pytest.mark.parametrize(
    ("raw", "reason_part"),
    [
        ("1e3", "scientific notation"),
        ("2.1E-1", "scientific notation"),
        ("250%", "percentage"),
        ("250 %", "percentage"),
        ("1.5-2.5", "either side"),
        ("1.5 to 2.5", "either side"),
        ("1,8", "decimal comma"),
        ("2,3", "decimal comma"),
        ("1.9, 2.1", "either side"),
        ("1.2.3", "malformed"),
        ("2x", "malformed"),
        ("2 (CN 4,8)", "decimal comma"),
        ("2 (CN 4-6)", "range of HER2 copy numbers"),
        ("2 (CN 4.8e1)", "scientific notation"),
        ("1.4, 25%", "percentage"),
        ("1.4 (about 3 cells)", "unrecognised number"),
    ],
)
def test_ratio_forms_outside_plain_decimals_are_unusable(raw: str, reason_part: str) -> None:
    reading = parse_ish_ratio(raw)
    assert reading.ratio is None and reading.unusable is not None
    assert reason_part in reading.unusable


@pytest.mark.parametrize(
    ("raw", "ratio", "note"),
    [
        ("1.2-1.6", 1.2, "range up to 1.6"),
        ("2.2 - 3", 2.2, "range up to 3"),
        ("1.4,1.9", 1.4, "second ratio 1.9"),
        (".9", 0.9, None),
    ],
)
def test_ranges_and_pairs_on_one_side_use_the_first(
    raw: str, ratio: float, note: str | None
) -> None:
    reading = parse_ish_ratio(raw)
    assert reading.unusable is None and reading.ratio == pytest.approx(ratio)
    if note is not None:
        assert note in reading.description


def test_straddling_threshold_follows_the_profile() -> None:
    assert parse_ish_ratio("2.1-2.4").ratio == pytest.approx(2.1)
    assert parse_ish_ratio("2.1-2.4", threshold=2.2).unusable is not None


def test_decimal_comma_only_when_the_profile_allows() -> None:
    base = load_profile("asco-cap-2023")
    assert base.ish is not None and base.ish.decimal_comma is False
    comma = base.model_copy(update={"ish": base.ish.model_copy(update={"decimal_comma": True})})
    strict = classify_one(ihc="2+", ish_ratio="1,8 (CN 3,1)", profile=base)
    assert strict.category == "equivocal" and "decimal comma" in strict.unusable[0]
    lenient = classify_one(ihc="2+", ish_ratio="1,8 (CN 3,1)", profile=comma)
    assert (lenient.category, lenient.ish_group, lenient.unusable) == ("HER2-low", 5, ())
    # even then a cell that is two values cannot be one decimal
    assert parse_ish_ratio("1,8,2", decimal_comma=True).unusable is not None
    assert parse_copies("4,8", decimal_comma=True).value == pytest.approx(4.8)
    assert parse_copies("4,8").unusable is not None


@pytest.mark.parametrize("raw", ["0, 3", "2,3", "0 (3)", "1+, 2", "1+ 2+", "2.5+", "1e3", "250%"])
def test_two_ihc_scores_or_numbers_are_unusable(raw: str) -> None:
    reading = parse_ihc(raw)
    assert reading.unusable is not None and reading.lo is None
    call = classify_one(ihc=raw)
    assert call.category == "unknown" and call.unusable


# ------------------------------------------------------------------ negation property

AMPLIFICATION = ["amplified", "amplification", "amplifications", "AMPLIFIED"]
POSITIVE_WORDS = ["positive", "pos"]
TEMPLATES_AMP = [
    "not {a}",
    "no {a}",
    "non-{a}",
    "non {a}",
    "non‐{a}",  # Unicode hyphen
    "un{a}",
    "un-{a}",
    "without {a}",
    "{a} not detected",
    "{a} not seen",
    "{a} was not identified",
    "{a} is not present",
    "{a} absent",
    "{a}: none",
    "{a}: no",
    "{a} - not present",
    "negative for {a}",
    "neg. for {a}",
    "no evidence of {a}",
    "no {a} detected",
    "no evidence of gene {a}",
    "{a} never observed",
    "lacks {a}",
]
TEMPLATES_POS = ["not {p}", "{p}: no", "non {p}", "not {p} for amplification"]
PREFIXES = ["", "HER2 ", "HER-2 ", "FISH: ", "HER2 gene ", "ISH result: ", "HER2/neu ", "ERBB2 "]
SUFFIXES = ["", ".", " (outside)", " by FISH", " (ratio 1.2)", " (OSH)"]
SPACES = [" ", "  ", "\t", "\u00a0", " \n "]


@st.composite
def negated_statements(draw: st.DrawFn) -> str:
    if draw(st.booleans()):
        text = draw(st.sampled_from(TEMPLATES_AMP)).format(a=draw(st.sampled_from(AMPLIFICATION)))
    else:
        text = draw(st.sampled_from(TEMPLATES_POS)).format(p=draw(st.sampled_from(POSITIVE_WORDS)))
    text = draw(st.sampled_from(PREFIXES)) + text + draw(st.sampled_from(SUFFIXES))
    case = draw(st.sampled_from(["keep", "lower", "upper", "title", "swap", "random"]))
    if case == "random":
        flips = draw(st.lists(st.booleans(), min_size=len(text), max_size=len(text)))
        text = "".join(c.upper() if f else c.lower() for c, f in zip(text, flips, strict=True))
    elif case != "keep":
        text = getattr(text, {"swap": "swapcase"}.get(case, case))()
    parts = text.split(" ")
    spaces = draw(st.lists(st.sampled_from(SPACES), min_size=len(parts), max_size=len(parts)))
    text = "".join(p + s for p, s in zip(parts, spaces, strict=True)).rstrip(" ")
    return draw(st.sampled_from(["", " ", "\t"])) + text + draw(st.sampled_from(["", " "]))


@FAST
@given(statement=negated_statements())
def test_negated_statement_is_read_not_amplified(statement: str) -> None:
    reading = parse_ish_status(statement)
    assert (reading.status, reading.unusable) == ("not_amplified", None), statement


@FAST
@given(
    statements=st.lists(negated_statements(), min_size=1, max_size=8),
    ihc=st.sampled_from(NOT_3),
    ratio=st.sampled_from([None, "Not Available", "1.3", "2.3", "2.5 (CN 3)", "1.1 (CN 2.0)"]),
    profile=st.sampled_from(ASCO),
    policy=st.sampled_from(["low", "zero", "exclude"]),
)
def test_negated_statement_never_makes_ihc_0_to_2_positive(
    statements: list[str], ihc: str, ratio: str | None, profile: str, policy: str
) -> None:
    frame = pl.DataFrame(
        {
            "ihc": [ihc] * len(statements),
            "ish_status": statements,
            "ish_ratio": [ratio] * len(statements),
        },
        schema={"ihc": pl.String, "ish_status": pl.String, "ish_ratio": pl.String},
    )
    result = classify(frame, profile=profile, ambiguous=policy)
    assert POSITIVE not in set(result.table["her2_category"]), result.table["her2_rationale"][0]
    assert result.n_unusable == 0


@st.composite
def double_negations(draw: st.DrawFn) -> str:
    first = draw(st.sampled_from(["not", "no", "without", "non"]))
    second = draw(st.sampled_from(TEMPLATES_AMP)).format(a=draw(st.sampled_from(AMPLIFICATION)))
    return draw(st.sampled_from(PREFIXES)) + f"{first} {second}"


@FAST
@given(statement=double_negations(), ihc=st.sampled_from(NOT_3))
def test_double_negation_is_unusable_never_positive(statement: str, ihc: str) -> None:
    reading = parse_ish_status(statement)
    assert reading.status is None and reading.unusable is not None, statement
    call = classify_one(ihc=ihc, ish_status=statement)
    assert call.category != POSITIVE and call.unusable


# ------------------------------------------------------------------ flagged values keep the flag

plain = st.floats(min_value=0.1, max_value=12, allow_nan=False).map(lambda x: round(x, 2))
below = st.floats(min_value=0.1, max_value=1.99, allow_nan=False).map(lambda x: round(x, 2))
above = st.floats(min_value=2.0, max_value=12, allow_nan=False).map(lambda x: round(x, 2))
straddle = st.tuples(below, above).flatmap(lambda t: st.sampled_from([t, (t[1], t[0])]))
bad_ratio = st.one_of(
    st.tuples(plain, st.integers(-3, 3)).map(lambda t: f"{t[0]}e{t[1]}"),
    st.tuples(plain, st.integers(-3, 3)).map(lambda t: f"{t[0]}E{t[1]:+d}"),
    plain.map(lambda x: f"{x}%"),
    plain.map(lambda x: f"{x * 100:g} %"),
    st.tuples(st.integers(0, 12), st.integers(0, 99)).map(lambda t: f"{t[0]},{t[1]}"),
    straddle.map(lambda t: f"{t[0]}-{t[1]}"),
    straddle.map(lambda t: f"{t[0]} to {t[1]}"),
    straddle.map(lambda t: f"{t[0]}, {t[1]}"),
    st.tuples(straddle, plain).map(lambda t: f"{t[0][0]}-{t[0][1]} (CN {t[1]})"),
    st.tuples(plain, plain, plain).map(lambda t: f"{t[0]}, {t[1]}, {t[2]}"),
)
bad_ihc = st.one_of(
    st.tuples(st.integers(0, 3), st.integers(0, 3)).map(lambda t: f"{t[0]}, {t[1]}"),
    st.tuples(st.integers(0, 3), st.integers(0, 3)).map(lambda t: f"{t[0]},{t[1]}"),
    st.tuples(st.integers(0, 3), st.integers(0, 3)).map(lambda t: f"{t[0]}+ ({t[1]}+)"),
    st.integers(4, 99).map(lambda n: f"{n}+"),
    st.sampled_from(["1e3", "250%", "2.5+", "not positive", "3-1+", "1+ (ultralow)"]),
)
bad_status = st.one_of(
    double_negations(),
    st.sampled_from(["positive/negative", "not equivocal", "amplified maybe", "junk", "+"]),
)
ok_ihc = st.sampled_from([None, *NOT_3, "3+", "negative"])
ok_status = st.sampled_from(
    [None, "Positive", "Negative", "Equivocal", "Test Failure", "not amplified"]
)
ok_ratio = st.sampled_from([None, "1.3", "2.3", "2.5 (CN 3)", "1.7 (CN 6.2)", "4.0, CN 9.7"])


@FAST
@given(
    field=st.sampled_from(["ihc", "ish_status", "ish_ratio"]),
    data=st.data(),
    ihc=ok_ihc,
    status=ok_status,
    ratio=ok_ratio,
    profile=st.sampled_from(["asco-cap-2018", "asco-cap-2023", "ihc-only"]),
    policy=st.sampled_from(["low", "zero", "exclude"]),
)
def test_unusable_value_is_flagged_and_treated_as_no_result(
    field: str,
    data: st.DataObject,
    ihc: str | None,
    status: str | None,
    ratio: str | None,
    profile: str,
    policy: str,
) -> None:
    values: dict[str, str | None] = {"ihc": ihc, "ish_status": status, "ish_ratio": ratio}
    bad = data.draw({"ihc": bad_ihc, "ish_status": bad_status, "ish_ratio": bad_ratio}[field])
    call = classify_one(**{**values, field: bad}, profile=profile, ambiguous=policy)
    assert any(reason.startswith(f"{field} ") for reason in call.unusable), (bad, call)
    if field == "ihc" or profile != "ihc-only":  # ihc-only leaves ISH out of the rationale
        assert "unusable" in call.rationale
    # unusable means "no result": the call is the one the row gets without the value
    without = classify_one(**{**values, field: None}, profile=profile, ambiguous=policy)
    assert (call.category, call.ish_group, call.ambiguous) == (
        without.category,
        without.ish_group,
        without.ambiguous,
    ), (bad, call.rationale, without.rationale)


@FAST
@given(
    lo=st.integers(0, 2),
    span=st.integers(1, 3),
    status=ok_status,
    ratio=ok_ratio,
    profile=st.sampled_from(ASCO),
)
def test_ihc_range_reading_two_ways_is_flagged_ambiguous(
    lo: int, span: int, status: str | None, ratio: str | None, profile: str
) -> None:
    hi = min(lo + span, 3)
    scores = [f"{s}+" for s in range(lo, hi + 1)]
    n = len(scores) + 1
    frame = pl.DataFrame(
        {"ihc": [f"{lo}-{hi}+", *scores], "ish_status": [status] * n, "ish_ratio": [ratio] * n},
        schema={"ihc": pl.String, "ish_status": pl.String, "ish_ratio": pl.String},
    )
    table = classify(frame, profile=profile, ambiguous="exclude").table
    call, *ends = table.iter_rows(named=True)
    if len({e["her2_category"] for e in ends}) > 1:
        assert call["ambiguous"] and call["her2_category"] == "unknown"
        assert "IHC range reads as" in call["her2_rationale"]
    else:
        assert not call["ambiguous"] and call["her2_category"] == ends[0]["her2_category"]


# ------------------------------------------------------------------ huge cells and linear patterns

HUGE = [
    " " * 100_000,
    "1" + " " * 100_000 + "x",
    "2" + " " * 100_000 + "+",
    "no " * 33_000,
    "not amplified " * 7_000,
    "1" * 100_000,
    "1.5" + " " * 100_000 + "(CN 4.2)",
    "(" * 100_000,
]


@pytest.mark.parametrize("cell", HUGE, ids=range(len(HUGE)))
def test_huge_cell_is_unusable_by_length_and_fast(cell: str) -> None:
    assert len(cell) > MAX_CELL_CHARS
    start = time.perf_counter()
    call = classify_one(ihc=cell, ish_status=cell, ish_ratio=cell, her2_copies=cell)
    assert time.perf_counter() - start < 10.0  # hang guard: the length cap makes it linear
    assert call.category == "unknown"
    assert len(call.unusable) == 4
    assert all(f"longer than {MAX_CELL_CHARS} characters" in u for u in call.unusable)
    assert len(call.rationale) < 2_000  # the raw cell is cut short in messages
    for parse in (parse_ihc, parse_ish_status, parse_ish_ratio, parse_copies):
        assert parse(cell).unusable is not None


def test_cell_at_the_cap_is_still_read() -> None:
    padded = "2+" + " " * (MAX_CELL_CHARS - 2)
    assert parse_ihc(padded).lo == 2
    assert parse_ihc(padded + " ").unusable is not None


def test_huge_cells_counted_in_a_table() -> None:
    frame = pl.DataFrame(
        {"ihc": ["1+", " " * 5_000, "1" + " " * 5_000], "ish_ratio": ["1.1", "1" * 300, "1.1"]}
    )
    result = classify(frame)
    # row 3: no IHC, a ratio < 2.0 without copies cannot settle groups 3-5
    assert result.table["her2_category"].to_list() == ["HER2-low", "unknown", "equivocal"]
    assert result.n_unusable == 3
    assert set(result.unusable["reason"].str.slice(0, 11)) == {"longer than"}


ADVERSARIAL = [
    "1" * 20_000,
    " " * 20_000,
    "1" + " " * 20_000 + "x",
    "1 " * 10_000,
    "1" + " " * 10_000 + "-" + " " * 10_000 + "x",
    "no " * 7_000,
    "faint " * 3_000,
    "(" * 20_000,
    "cn " * 7_000,
    "1." * 10_000,
    "1-" * 10_000,
    "1 - " * 5_000,
    "1+" * 10_000,
    "10 %" * 5_000,
    "her " * 5_000,
    "amplif" * 3_000,
]


@pytest.mark.parametrize(
    "name",
    sorted(n for n, v in vars(parse_module).items() if isinstance(v, re.Pattern)),
)
def test_every_parser_pattern_is_linear(name: str) -> None:
    """Quadratic backtracking would take seconds on 20,000 characters; linear takes ms."""
    pattern: re.Pattern[str] = getattr(parse_module, name)
    for text in ADVERSARIAL:
        start = time.perf_counter()
        pattern.search(text)
        pattern.fullmatch(text)
        pattern.findall(text)
        assert time.perf_counter() - start < 0.5, (name, text[:10])

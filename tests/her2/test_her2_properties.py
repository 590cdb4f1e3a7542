"""Properties that pin the guideline (hypothesis).

* ISH group 1 is HER2-positive under every ASCO/CAP profile, whatever the IHC.
* IHC 3+ is HER2-positive under every profile, whatever the ISH.
* Raising the IHC score never lowers the category (0-family < low < positive;
  equivocal, unknown and HER2-negative are outside the order).
* Every row in is a row out, in the same order, with the same values.
"""

from __future__ import annotations

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from her2scope.her2 import CATEGORY_RANK, classify

PROFILES = ["asco-cap-2018", "asco-cap-2023", "ihc-only"]
ASCO = ["asco-cap-2018", "asco-cap-2023"]
POLICIES = ["low", "zero", "exclude"]

IHC_VALUES = [
    "0",
    "0+",
    "1+",
    "2+",
    "3+",
    "0-1+",
    "1-2+",
    "2-3+",
    "1+ (focal)",
    "2+ (focal)",
    "3+ (outside)",
    "1+ (outside 3+)",
    "ultralow",
    "null",
    "negative",
    "Not Available",
    "abc",
    None,
]
STATUS_VALUES = [
    "Positive",
    "Negative",
    "Equivocal",
    "Test Failure",
    "Not Applicable",
    "Unk/ND",
    "Negative (outside)",
    "junk",
    None,
]
ratios = st.floats(min_value=0.1, max_value=20, allow_nan=False).map(lambda x: round(x, 2))
copies = st.floats(min_value=0.5, max_value=30, allow_nan=False).map(lambda x: round(x, 1))
ratio_cells = st.one_of(
    st.none(),
    st.sampled_from(["Not Available", "Not done", "1.4, 1.9", "abc", "0"]),
    ratios.map(str),
    st.tuples(ratios, copies).map(lambda t: f"{t[0]} (CN {t[1]})"),
)

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _frame(rows: list[tuple[str | None, str | None, str | None]]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "ihc": [r[0] for r in rows],
            "ish_status": [r[1] for r in rows],
            "ish_ratio": [r[2] for r in rows],
        },
        schema={"ihc": pl.String, "ish_status": pl.String, "ish_ratio": pl.String},
    )


@FAST
@given(
    ihc=st.lists(st.sampled_from(IHC_VALUES), min_size=1, max_size=20),
    status=st.sampled_from(STATUS_VALUES),
    ratio=st.floats(min_value=2.0, max_value=20, allow_nan=False),
    her2=st.floats(min_value=4.0, max_value=40, allow_nan=False),
    profile=st.sampled_from(ASCO),
    policy=st.sampled_from(POLICIES),
)
def test_ish_group_1_always_positive(
    ihc: list[str | None],
    status: str | None,
    ratio: float,
    her2: float,
    profile: str,
    policy: str,
) -> None:
    rows = [(v, status, f"{ratio:.3f} (CN {her2:.3f})") for v in ihc]
    out = classify(_frame(rows), profile=profile, ambiguous=policy).table
    # values drawn at or above the thresholds stay there after rounding to 3 decimals
    assert out["ish_group"].to_list() == [1] * len(rows)
    assert set(out["her2_category"]) == {"HER2-positive"}


@FAST
@given(
    rows=st.lists(st.tuples(st.sampled_from(STATUS_VALUES), ratio_cells), min_size=1, max_size=20),
    ihc=st.sampled_from(["3+", "3+ (outside)", "3+ (heterogenous 70-80% pos)", "positive"]),
    profile=st.sampled_from(PROFILES),
    policy=st.sampled_from(POLICIES),
)
def test_ihc_3_always_positive(
    rows: list[tuple[str | None, str | None]], ihc: str, profile: str, policy: str
) -> None:
    frame = _frame([(ihc, s, r) for s, r in rows])
    out = classify(frame, profile=profile, ambiguous=policy).table
    assert set(out["her2_category"]) == {"HER2-positive"}


@FAST
@given(
    ish=st.lists(st.tuples(st.sampled_from(STATUS_VALUES), ratio_cells), min_size=1, max_size=10),
    profile=st.sampled_from(PROFILES),
)
def test_raising_ihc_never_lowers_category(
    ish: list[tuple[str | None, str | None]], profile: str
) -> None:
    scores = ["0", "1+", "2+", "3+"]
    rows = [(score, s, r) for s, r in ish for score in scores]
    cats = classify(_frame(rows), profile=profile).table["her2_category"].to_list()
    for i in range(len(ish)):
        ranked = [CATEGORY_RANK.get(c) for c in cats[i * 4 : i * 4 + 4]]
        known = [r for r in ranked if r is not None]
        assert known == sorted(known), (ish[i], cats[i * 4 : i * 4 + 4])
        assert cats[i * 4 + 3] == "HER2-positive"


@FAST
@given(
    rows=st.lists(
        st.tuples(st.sampled_from(IHC_VALUES), st.sampled_from(STATUS_VALUES), ratio_cells),
        max_size=40,
    ),
    profile=st.sampled_from(PROFILES),
    policy=st.sampled_from(POLICIES),
)
def test_every_row_in_is_a_row_out_in_order(
    rows: list[tuple[str | None, str | None, str | None]], profile: str, policy: str
) -> None:
    frame = _frame(rows).with_row_index("row_id")
    out = classify(frame, profile=profile, ambiguous=policy).table
    assert out.height == frame.height
    assert out.select(frame.columns).equals(frame)
    assert out["her2_category"].null_count() == 0
    assert out["her2_rationale"].null_count() == 0
    assert out["ambiguous"].null_count() == 0


_VALUES = {
    "ihc": [None, "0", "1+", "2+", "3+", "0-1+", " 2+ ", "banana", "ultralow", "null"],
    "ish_status": [None, "Negative", "Positive", "not amplified", "weird words", "Equivocal"],
    "ish_ratio": [None, "1.5", "2.3", "1,8", "1e3", " 2.5 "],
    "her2_copies": [None, "3.5", "6.2", "x"],
    "cep17_copies": [None, "2.0", "1.1", "?"],
}


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.tuples(*(st.sampled_from(v) for v in _VALUES.values())), min_size=1, max_size=12)
)
def test_batched_calls_equal_one_at_a_time(rows: list[tuple[str | None, ...]]) -> None:
    """A batch of patient reports makes its HER2 calls in one engine call; each call and
    its unusable-value reasons must be what that patient alone would get."""
    from her2scope.her2 import classify_calls, classify_one

    batch = classify_calls(rows, profile="asco-cap-2023", ambiguous="low")
    alone = [classify_one(*r, profile="asco-cap-2023", ambiguous="low") for r in rows]
    assert batch == alone

"""The tab-separated reader: field-count check in chunks, body parsed in place."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from her2scope.errors import InputFormatError
from her2scope.study import textio

CELL = st.text(alphabet="abc1 -.", max_size=4)


def _naive_fields(body: str) -> list[int]:
    return [line.count("\t") + 1 for line in body.split("\n")]


@settings(max_examples=80, deadline=None)
@given(
    n_columns=st.integers(1, 4),
    rows=st.lists(st.lists(CELL, min_size=1, max_size=5), min_size=1, max_size=12),
    chunk=st.integers(1, 40),
    comments=st.integers(0, 2),
    final_newline=st.booleans(),
)
def test_field_check_matches_a_line_by_line_count(
    n_columns: int,
    rows: list[list[str]],
    chunk: int,
    comments: int,
    final_newline: bool,
) -> None:
    header = [f"c{i}" for i in range(n_columns)]
    body = "\n".join("\t".join(r) for r in rows)
    text = "".join(f"#note {i}\n" for i in range(comments)) + "\t".join(header) + "\n" + body
    text += "\n" if final_newline else ""
    parsed = textio.split_tabular(text.encode(), "t.txt")
    fields = _naive_fields(body.rstrip("\n"))
    wrong = [i for i, n in enumerate(fields) if n != n_columns]
    if not body.rstrip("\n"):
        assert textio.check_field_counts(parsed, chunk).n_rows == 0
    elif wrong:
        with pytest.raises(InputFormatError) as err:
            textio.check_field_counts(parsed, chunk)
        assert err.value.line == comments + 2 + wrong[0]
        assert f"({len(wrong)} line(s) wrong)" in err.value.message
    else:
        checked = textio.check_field_counts(parsed, chunk)
        assert checked.n_rows == len(fields)
        frame = textio.read_body(checked)
        assert frame.columns == header
        assert frame.height == len(fields)
        assert [list(r) for r in frame.rows()] == [
            [c or None for c in r] for r in rows[: len(fields)]
        ]


def test_read_body_selects_columns_in_the_order_asked() -> None:
    data = b"#x\n a \tb\tc\n1\t2\t3\n4\t5\t6\n\n\n"
    checked = textio.check_field_counts(textio.split_tabular(data, "t.txt"))
    assert checked.n_rows == 2  # trailing blank lines are not rows
    frame = textio.read_body(checked, columns=["c", "a"])
    assert frame.columns == ["c", "a"]
    assert frame.rows() == [("3", "1"), ("6", "4")]


def test_read_body_refuses_an_unchecked_text() -> None:
    with pytest.raises(ValueError):
        textio.read_body(textio.split_tabular(b"a\tb\n1\t2\n", "t.txt"))


def test_lines_longer_than_16_bit_counters_are_counted_exactly() -> None:
    wide = "\t".join(["x"] * 70_000)  # 69,999 tabs: beyond a uint16 counter
    header = "\t".join(f"c{i}" for i in range(70_000))
    ok = textio.split_tabular(f"{header}\n{wide}\n{wide}\n".encode(), "t.txt")
    assert textio.check_field_counts(ok).n_rows == 2
    short = "\t".join(["x"] * (70_000 - 65_536))  # would wrap to the same count in uint16
    bad = textio.split_tabular(f"{header}\n{wide}\n{short}\n".encode(), "t.txt")
    with pytest.raises(InputFormatError) as err:
        textio.check_field_counts(bad)
    assert err.value.line == 3


def test_blank_line_before_the_chunk_end_is_a_wrong_line() -> None:
    text = textio.split_tabular(b"a\tb\n1\t2\n\n3\t4\n", "t.txt")
    with pytest.raises(InputFormatError) as err:
        textio.check_field_counts(text, chunk_bytes=5)
    assert err.value.line == 3

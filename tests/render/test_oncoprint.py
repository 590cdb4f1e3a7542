"""Oncoprint order: packed-integer sort agrees with sorting the 0/1 columns."""

from __future__ import annotations

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from her2scope.render.plots import oncoprint_matrix

ALTS = ["A", "B", "C", "D", "E"]


def _naive(cells: set[tuple[str, str]], alterations: list[str]) -> tuple[list[str], list[str]]:
    freq = {a: sum(1 for _, x in cells if x == a) for a in alterations}
    alts = sorted([a for a in alterations if freq[a]], key=lambda a: -freq[a])
    samples = sorted({s for s, _ in cells})
    pattern = {s: tuple(int((s, a) in cells) for a in alts) for s in samples}
    samples.sort()  # ties by sample id ...
    samples.sort(key=lambda s: pattern[s], reverse=True)  # ... stable under the pattern sort
    return alts, samples


@settings(max_examples=60, deadline=None)
@given(
    cells=st.sets(
        st.tuples(st.sampled_from([f"S{i:02d}" for i in range(25)]), st.sampled_from(ALTS)),
        min_size=1,
    )
)
def test_pattern_sort_matches_column_sort(cells: set[tuple[str, str]]) -> None:
    frame = pl.DataFrame(sorted(cells), schema=["sample_id", "alteration"], orient="row")
    grid = oncoprint_matrix(frame, ALTS)
    alts, samples = _naive(cells, ALTS)
    assert grid.alterations == alts
    assert grid.sample_ids == samples
    assert grid.n_tumors == len(samples)
    for i, a in enumerate(alts):
        assert grid.matrix[i].tolist() == [int((s, a) in cells) for s in samples]


def test_wide_catalogs_sort_the_columns_and_long_cohorts_are_strided() -> None:
    alts = [f"X{i}" for i in range(70)]  # over 62: the column sort
    rows = [(f"S{j:03d}", alts[j % 70]) for j in range(300)]
    frame = pl.DataFrame(rows, schema=["sample_id", "alteration"], orient="row")
    grid = oncoprint_matrix(frame, alts, max_columns=100)
    assert grid.n_tumors == 300 and grid.matrix.shape == (70, 100)
    assert grid.matrix.sum(axis=0).tolist() == [1] * 100

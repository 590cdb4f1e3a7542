"""Property: the CNA reader accounts for every cell, whatever the values and batch size."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from her2scope.audit import Audit
from her2scope.study.readers import read_cna

TOKENS = ["0", "0", "0", "1", "-1", "2", "-2", "-1.5", "NA", "", "7", "amp", "0.0", "2.0"]
VALID_NONZERO = {"1": 1.0, "-1": -1.0, "2": 2.0, "-2": -2.0, "-1.5": -1.5, "2.0": 2.0}


@settings(max_examples=60, deadline=None)
@given(
    matrix=st.integers(1, 6).flatmap(
        lambda n_samples: st.lists(
            st.lists(st.sampled_from(TOKENS), min_size=n_samples, max_size=n_samples),
            min_size=1,
            max_size=6,
        )
    ),
    batch=st.integers(1, 40),
)
def test_cna_cells_accounted(matrix: list[list[str]], batch: int) -> None:
    samples = [f"S{i}" for i in range(len(matrix[0]))]
    genes = [f"G{i}" for i in range(len(matrix))]
    text = "\t".join(["Hugo_Symbol", *samples]) + "\n"
    text += "".join("\t".join([g, *row]) + "\n" for g, row in zip(genes, matrix, strict=True))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "data_cna.txt"
        path.write_text(text)
        audit = Audit()
        got = read_cna(path, "data_cna.txt", audit=audit, cells_per_batch=batch)
    expected = {
        (s, g, VALID_NONZERO[v])
        for g, row in zip(genes, matrix, strict=True)
        for s, v in zip(samples, row, strict=True)
        if v in VALID_NONZERO
    }
    assert {
        (r["sample_id"], r["hugo_symbol"], r["cna"]) for r in got.table.iter_rows(named=True)
    } == expected
    cells = [v for row in matrix for v in row]
    assert audit.total("cna.cells_read") == len(cells)
    assert audit.total("cna.cells_nonzero") == len(expected)
    assert audit.total("cna.cells_zero") == sum(v in {"0", "0.0"} for v in cells)
    assert audit.total("cna.cells_na") == sum(v in {"NA", ""} for v in cells)
    assert audit.total("cna.bad_value") == sum(v in {"7", "amp"} for v in cells)

"""Property: the CNA reader accounts for every cell, whatever the values and id columns.

The reader decides the usual spellings (``0 1 2 -1 -2 -1.5``) by comparing
bytes and everything else by parsing; both paths must agree.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from her2scope.audit import Audit
from her2scope.study.readers import read_cna

TOKENS = [
    *["0", "0", "0", "1", "-1", "2", "-2", "-1.5", "NA", "", "7", "amp", "0.0", "2.0"],
    *[" 2", "-2 ", "-1.50", "1.0", "-0", "10", "-15", "-1.", "21", "-12", " 0", "nan"],
]
VALID_NONZERO = {"1": 1.0, "-1": -1.0, "2": 2.0, "-2": -2.0, "-1.5": -1.5, "2.0": 2.0}
VALID_NONZERO |= {" 2": 2.0, "-2 ": -2.0, "-1.50": -1.5, "1.0": 1.0, "-1.": -1.0}
ZERO = {"0", "0.0", "-0", " 0"}
NA = {"NA", "", "nan"}


@settings(max_examples=60, deadline=None)
@given(
    matrix=st.integers(1, 6).flatmap(
        lambda n_samples: st.lists(
            st.lists(st.sampled_from(TOKENS), min_size=n_samples, max_size=n_samples),
            min_size=1,
            max_size=6,
        )
    ),
    entrez=st.booleans(),
)
def test_cna_cells_accounted(matrix: list[list[str]], entrez: bool) -> None:
    samples = [f"S{i}" for i in range(len(matrix[0]))]
    genes = [f"G{i}" for i in range(len(matrix))]
    ids = ["Hugo_Symbol", "Entrez_Gene_Id"] if entrez else ["Hugo_Symbol"]
    text = "\t".join([*ids, *samples]) + "\n"
    text += "".join(
        "\t".join([g, *(["1"] if entrez else []), *row]) + "\n"
        for g, row in zip(genes, matrix, strict=True)
    )
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "data_cna.txt"
        path.write_text(text)
        audit = Audit()
        got = read_cna(path, "data_cna.txt", audit=audit)
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
    assert audit.total("cna.cells_zero") == sum(v in ZERO for v in cells)
    assert audit.total("cna.cells_na") == sum(v in NA for v in cells)
    bad = len(cells) - len(expected) - sum(v in ZERO | NA for v in cells)
    assert audit.total("cna.bad_value") == bad

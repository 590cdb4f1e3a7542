"""The fast paths of the study readers (issue 25, "load at scale") against plain references.

Each fast path is compared with a straightforward implementation of the same
rule: the sparse CNA row reader with the general one (every cell located),
the case-list id check with the per-id test, the chunk-aligned line numbers
with ``range``, the NUMBER clinical cast with the whole-column expression it
replaces, and whole tables on the shared study and a synthetic study with a
pure-Python reading of the files.
"""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from her2scope.audit import Audit
from her2scope.study import load_study, textio
from her2scope.study.readers import (
    _cna_line,
    _cna_line_general,
    _cna_line_sparse,
    _untidy_ids,
    is_missing,
    read_case_list,
    read_clinical,
    read_cna,
)

# ---------------------------------------------------------------- CNA rows

# mostly "0", as real matrices are, plus every spelling the sparse path must
# either decide like the general path or hand over to it
CELL = st.one_of(
    st.just("0"),
    st.just("0"),
    st.just("0"),
    st.sampled_from(["1", "2", "-1", "-2", "-1.5", "NA"]),
    st.sampled_from(["", "00", "10", "-0", "0.5", "0.0", " 2", "2 ", "amp", "7", "-1.50", "01"]),
)


def _same(a: object, b: object) -> bool:
    if isinstance(a, int) or isinstance(b, int):
        return a == b
    assert not isinstance(a, int) and not isinstance(b, int)
    return (
        np.array_equal(a.pos, b.pos)  # type: ignore[attr-defined]
        and a.pos.dtype == b.pos.dtype  # type: ignore[attr-defined]
        and np.array_equal(a.values, b.values)  # type: ignore[attr-defined]
        and a.values.dtype == b.values.dtype  # type: ignore[attr-defined]
        and a.counts == b.counts  # type: ignore[attr-defined]
        and a.bad == b.bad  # type: ignore[attr-defined]
    )


@settings(max_examples=400, deadline=None)
@given(
    cells=st.lists(CELL, min_size=1, max_size=40),
    n_id=st.integers(1, 3),
    extra=st.sampled_from([0, 0, 0, 1, -1]),
)
def test_sparse_cna_row_reads_like_the_general_reader(
    cells: list[str], n_id: int, extra: int
) -> None:
    raw = "\t".join([*(["GENE", "123", "1p36"][:n_id]), *cells]).encode()
    # the expected number of samples may differ from the row's: a wrong field count
    n_samples = max(1, len(cells) + extra)
    assert _same(_cna_line(raw, n_id, n_samples), _cna_line_general(raw, n_id, n_samples))


def test_sparse_cna_row_on_a_wide_usual_row() -> None:
    rng = np.random.default_rng(7)
    values = rng.choice(["0", "1", "2", "-1", "-2", "-1.5", "NA"], 50_000, p=[0.97] + [0.005] * 6)
    raw = ("ERBB2\t2064\t" + "\t".join(values)).encode()
    got = _cna_line(raw, 2, values.size)
    # the usual row is read by the sparse path, not handed to the general one
    sparse = _cna_line_sparse(raw, len(b"ERBB2\t2064\t"), 2, values.size)
    assert sparse is not None and _same(sparse, got)
    assert _same(got, _cna_line_general(raw, 2, values.size))
    assert not isinstance(got, int)
    want = np.flatnonzero(~np.isin(values, ["0", "NA"]))
    assert got.pos.tolist() == want.tolist()
    assert got.counts["na"] == int((values == "NA").sum())


# ---------------------------------------------------------------- case lists

ID_TEXT = st.text(alphabet=st.sampled_from(["a", "B", "-", "1", " ", "\t", "\x1c", "\xa0", "é"]))


@settings(max_examples=500, deadline=None)
@given(raw=ID_TEXT)
def test_untidy_ids_matches_the_per_id_test(raw: str) -> None:
    ids = raw.split("\t")
    reference = any(not i or i[0].isspace() or i[-1].isspace() for i in ids)
    assert _untidy_ids(raw, ids) == reference


def test_case_list_with_padded_and_empty_ids(tmp_path: Path) -> None:
    path = tmp_path / "cases_all.txt"
    path.write_text("stable_id: s_all\ncase_list_ids: A\t B\t\tC \tD\n")
    assert read_case_list(path, "cases_all.txt") == ("s_all", ["A", "B", "C", "D"])
    path.write_text("stable_id: s_all\ncase_list_ids: A\tB\tC\n")
    assert read_case_list(path, "cases_all.txt") == ("s_all", ["A", "B", "C"])


# ---------------------------------------------------------------- line numbers


def test_line_numbers_follow_the_parse_chunks(tmp_path: Path) -> None:
    rows = [f"S{i}\tG{i % 50}\t{i}" for i in range(300_000)]
    path = tmp_path / "table.txt"
    path.write_text("#comment\nSAMPLE\tGENE\tN\n" + "\n".join(rows) + "\n")
    text = textio.read_tabular(path, "table.txt")
    frame = textio.read_body(text, line_column="line")
    assert frame.columns == ["SAMPLE", "GENE", "N", "line"]
    assert frame["line"].to_list() == list(range(3, 3 + len(rows)))
    assert frame["line"].dtype == pl.Int64
    chunks = frame.n_chunks("all")
    assert len(set(chunks)) == 1  # the line column is chunked like the parsed ones
    # a filter keeps each row's own line number
    picked = frame.filter(pl.col("N").cast(pl.Int64) % 99_991 == 0)
    assert picked["line"].to_list() == [3 + i for i in range(0, len(rows), 99_991)]


def test_line_numbers_on_an_empty_body(tmp_path: Path) -> None:
    path = tmp_path / "table.txt"
    path.write_text("A\tB\n")
    frame = textio.read_body(textio.read_tabular(path, "t"), columns=["B"], line_column="line")
    assert frame.columns == ["B", "line"] and frame.height == 0


# ---------------------------------------------------------------- clinical NUMBER values

NUMBER_VALUES = [
    *["12", " 12 ", "-0", "3.5", "1e5", "NA", "[Not Available]", "inf", "-inf", "1e400"],
    *["abc", "nan", "NaN", "", "n/a", "7 (weak)", ">60", "  ", "0.0", "+4"],
]


def test_number_cast_matches_the_whole_column_rule(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    values = rng.choice(NUMBER_VALUES, 2_000).tolist()
    lines = [
        "#Patient\tSample\tScore",
        "#Patient\tSample\tScore",
        "#STRING\tSTRING\tNUMBER",
        "#1\t1\t1",
        "PATIENT_ID\tSAMPLE_ID\tSCORE",
        *[f"P{i}\tS{i}\t{v}" for i, v in enumerate(values)],
    ]
    path = tmp_path / "data_clinical_sample.txt"
    path.write_text("\n".join(lines) + "\n")
    audit = Audit()
    table, _ = read_clinical(path, path.name, kind="sample", audit=audit)
    # the rule as one expression over every row (what the reader did before)
    raw = pl.DataFrame({"v": values}).with_columns(
        pl.when(pl.col("v") == "").then(None).otherwise(pl.col("v")).alias("v")
    )
    number = pl.col("v").str.strip_chars().cast(pl.Float64, strict=False)
    expected = raw.select(
        pl.when(is_missing(pl.col("v")) | number.is_infinite()).then(None).otherwise(number)
    ).to_series()
    assert table["SCORE"].to_list() == expected.to_list()
    n_bad = raw.select(
        (~is_missing(pl.col("v")) & (number.is_null() | number.is_infinite())).sum()
    ).item()
    assert n_bad > 0
    assert audit.total("clinical.bad_number") == n_bad
    (entry,) = audit.by_code("clinical.bad_number")
    first_bad = next(
        i
        for i, v in enumerate(values)
        if v.strip() in {"inf", "-inf", "1e400", "abc", "7 (weak)", ">60"}
    )
    assert entry.line == 6 + first_bad


# ---------------------------------------------------------------- whole studies


def _reference_cna(path: Path) -> set[tuple[str, str, float]]:
    """The non-zero discrete CNA calls, read with the csv module."""
    with path.open(newline="") as handle:
        rows = list(csv.reader(handle, delimiter="\t"))
    samples = rows[0][1:]
    calls = {"-2": -2.0, "-1.5": -1.5, "-1": -1.0, "1": 1.0, "2": 2.0}
    return {
        (sample, row[0], calls[value])
        for row in rows[1:]
        for sample, value in zip(samples, row[1:], strict=True)
        if value in calls
    }


def _check_study(folder: Path) -> None:
    study = load_study(folder, cache=False)
    # the reader's table (the loader then renames previous HGNC symbols)
    cna = read_cna(folder / "data_cna.txt", "data_cna.txt", audit=Audit()).table
    got = {(s, g, float(v)) for s, g, v in cna.iter_rows()}
    assert got == _reference_cna(folder / "data_cna.txt")
    assert cna.height == len(got) == study.cna.height
    for path in sorted((folder / "case_lists").glob("*.txt")):
        lines = path.read_text().splitlines()
        listed = next(x for x in lines if x.startswith("case_list_ids:"))
        ids = [i.strip() for i in listed.partition(":")[2].split("\t") if i.strip()]
        stable = next(x for x in lines if x.startswith("stable_id:")).partition(":")[2].strip()
        assert study.case_lists[stable] == ids
    with (folder / "data_mutations.txt").open(newline="") as handle:
        maf = [r for r in csv.DictReader(handle, delimiter="\t") if not r.get("#")]
    assert study.mutations.height <= len(maf)
    barcodes = {r["Tumor_Sample_Barcode"].strip() for r in maf}
    assert set(study.mutations["sample_id"].unique().to_list()) <= barcodes
    hot = sum(r.get("Hotspot", "").strip() in {"1", "true", "TRUE", "True"} for r in maf)
    assert int(study.mutations["hotspot"].sum()) == hot


def test_shared_study_tables_match_a_plain_reading(shared_study_dir: Path) -> None:
    _check_study(shared_study_dir)


def test_synthetic_study_tables_match_a_plain_reading(tmp_path: Path) -> None:
    folder = tmp_path / "synth"
    command = [sys.executable, "-m", "her2scope", "synth", "-n", "1500", "--seed", "5", "-q"]
    done = subprocess.run(
        [*command, "-o", str(folder)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        pytest.fail(done.stderr[-2000:])
    _check_study(folder)

"""render.bundle: a table's file holds exactly the text tsv_text gives (UTF-8)."""

from __future__ import annotations

import math
from pathlib import Path

import polars as pl
import pytest

from her2scope.render.bundle import tsv_bytes, tsv_text, write_bundle

FRAME = pl.DataFrame(
    {
        "sample_id": ["S-1", "S-ü2", None, "S\u00e9\u4e2d"],
        "pct": [62.123456789, None, math.nan, 1e-12],
        "n": [1, None, 3, 4],
        "flag": [True, False, None, True],
        "note": ["a; b", "", 'tab-free "quoted"', None],
    }
)


@pytest.mark.parametrize("precision", [6, 2, None])
def test_tsv_bytes_are_the_text_encoded(precision: int | None) -> None:
    assert tsv_bytes(FRAME, float_precision=precision) == tsv_text(
        FRAME, float_precision=precision
    ).encode("utf-8")


def test_write_bundle_writes_the_tsv_text(tmp_path: Path) -> None:
    written = write_bundle(
        tmp_path,
        tables={"t.tsv": FRAME, "raw.tsv": FRAME, "skipped.tsv": None},
        texts={"t.json": "{}"},
        raw_tables=frozenset({"raw.tsv"}),
    )
    assert [p.name for p in written] == ["t.tsv", "raw.tsv", "t.json"]
    assert (tmp_path / "t.tsv").read_bytes() == tsv_text(FRAME).encode("utf-8")
    raw = (tmp_path / "raw.tsv").read_text(encoding="utf-8")
    assert raw == tsv_text(FRAME, float_precision=None)
    assert "62.123456789" in raw and "62.123457" in (tmp_path / "t.tsv").read_text()
    assert not (tmp_path / "skipped.tsv").exists()

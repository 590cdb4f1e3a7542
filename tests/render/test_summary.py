"""The generic summary renderer: a result's Summary as text and HTML."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl
import pytest

from her2scope.render.summary import Presentable, Summary


@dataclass
class _Result(Presentable):
    n: int

    def _summary(self) -> Summary:
        frame = pl.DataFrame({"group": ["<low>", "zero"], "p": [0.0042, None]})
        return Summary(
            "HER2 & friends",
            facts=[("Samples", str(self.n)), ("Events seen", "3")],
            tables=[("Table A", frame)],
            notes=["a <b>bias</b>"],
        )


def test_text_aligns_facts_and_formats_numbers() -> None:
    text = _Result(12).summary()
    lines = text.splitlines()
    assert lines[0] == "HER2 & friends" and set(lines[1]) == {"="}
    assert "Samples      12" in lines and "Events seen  3" in lines
    assert any(line.startswith("<low>") and line.endswith("0.0042") for line in lines)
    assert lines[-1] == "Note: a <b>bias</b>"


def test_html_escapes_every_value() -> None:
    page = _Result(1)._repr_html_()
    assert "<b>" not in page and "&lt;b&gt;bias&lt;/b&gt;" in page
    assert "&lt;low&gt;" in page and "HER2 &amp; friends" in page


def test_to_pandas_is_the_first_table_and_long_tables_are_cut() -> None:
    assert list(_Result(1).to_pandas()["group"]) == ["<low>", "zero"]
    big = Summary("t", tables=[("x", pl.DataFrame({"i": range(50)}))], max_rows=5)
    assert big.as_text().endswith("... 45 more rows")
    with pytest.raises(ValueError, match="no table"):
        Presentable.to_pandas(type("R", (Presentable,), {"_summary": lambda s: Summary("t")})())


def test_write_bundle_writes_in_order_and_skips_none(tmp_path: Path) -> None:
    from her2scope.render.bundle import write_bundle

    frame = pl.DataFrame({"a": [1.23456789, None], "b": ["x", None]})
    paths = write_bundle(
        tmp_path / "out",
        tables={"t.tsv": frame, "none.tsv": None, "raw.tsv": frame},
        texts={"doc.json": '{"k": 1}', "skip.html": None},
        raw_tables=frozenset({"raw.tsv"}),
    )
    assert [p.name for p in paths] == ["t.tsv", "raw.tsv", "doc.json"]
    assert (tmp_path / "out" / "t.tsv").read_text() == "a\tb\n1.234568\tx\n\t\n"
    assert (tmp_path / "out" / "raw.tsv").read_text() == "a\tb\n1.23456789\tx\n\t\n"

"""`her2scope classify` and `her2scope profiles`, run in-process through cli.main."""

from __future__ import annotations

import io
from pathlib import Path

import polars as pl
import pytest

from her2scope.cli import main


def _read_tsv(text: str) -> pl.DataFrame:
    return pl.read_csv(io.StringIO(text), separator="\t", infer_schema=False)


def test_classify_real_study_to_stdout(
    shared_study_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = shared_study_dir / "data_clinical_sample.txt"
    code = main(["classify", str(path), "--profile", "ihc-only", "--ambiguous", "low"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    out = _read_tsv(captured.out)
    assert out.height == 1918
    assert out.columns[-4:] == ["her2_category", "ish_group", "ambiguous", "her2_rationale"]
    assert out.columns[:2] == ["PATIENT_ID", "SAMPLE_ID"]
    counts = dict(out["her2_category"].value_counts().iter_rows())
    assert counts == {"HER2-low": 1125, "HER2-0": 535, "HER2-positive": 148, "unknown": 110}
    assert "HER2-low" in captured.err and "1,125" in captured.err
    assert "unusable" in captured.err.lower()


def test_classify_primary_to_csv(shared_study_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "calls.csv"
    path = shared_study_dir / "data_clinical_sample.txt"
    assert main(["classify", str(path), "--source", "primary", "--out", str(out)]) == 0
    frame = pl.read_csv(out, infer_schema=False)
    assert frame.height == 1918
    assert "her2_category" in frame.columns
    row = frame.filter(pl.col("HER2_IHC_VALUE_PRIMARY") == "3+ (2+ outside)")
    assert row["her2_category"].to_list() == ["HER2-positive"]


def test_classify_with_map_and_tsv_out(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "path.csv"
    src.write_text("id,score,fish,ratio\na,2+,,2 (CN 4.8)\nb,0,Negative,1.1\nc,abc,,\n")
    out = tmp_path / "out.tsv"
    code = main(
        [
            "classify",
            str(src),
            "--map",
            "ihc=score",
            "--map",
            "ish_status=fish",
            "--map",
            "ish_ratio=ratio",
            "--out",
            str(out),
        ]
    )
    err = capsys.readouterr().err
    assert code == 0, err
    frame = pl.read_csv(out, separator="\t", infer_schema=False)
    assert frame["id"].to_list() == ["a", "b", "c"]
    assert frame["her2_category"].to_list() == ["HER2-positive", "HER2-0", "unknown"]
    assert frame["ish_group"].to_list() == ["1", None, None]
    assert frame["ambiguous"].to_list() == ["false", "false", "false"]
    assert "'abc'" in err


@pytest.mark.parametrize(
    ("content", "args", "message"),
    [
        (b"id\tscore\na\t1+\n", ["--map", "ihc=HER2"], "column 'HER2'"),
        (b"id;HER2_IHC_SCORE\na;1+\n", [], "delimiter"),
        (b"id;score\na;1+\n", ["--map", "ihc=score"], "delimiter"),
        (b"", [], "empty file"),
        (b"\x00\x01\x02\xff\xfe binary junk", [], "binary"),
        (b"ihc\n1+\n\xff\xfe\n", [], "UTF-8"),
        (b"ihc\t\n1+\t\t\n", [], "fields"),
        (b"ihc\n1+\n", ["--map", "nonsense"], "field=column"),
        (b"ihc\n1+\n", ["--ambiguous", "maybe"], "--ambiguous"),
        (b"ihc\n1+\n", ["--profile", "who-2030"], "unknown HER2 profile"),
        (b"ihc\n1+\n", ["--source", "metastasis"], "--source"),
    ],
)
def test_malformed_input_is_one_line_exit_2(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    content: bytes,
    args: list[str],
    message: str,
) -> None:
    path = tmp_path / "bad.tsv"
    path.write_bytes(content)
    code = main(["classify", str(path), *args])
    captured = capsys.readouterr()
    assert code == 2
    assert captured.err.startswith("her2scope: error:")
    assert captured.err.count("\n") == 1, captured.err
    assert message in captured.err
    assert "Traceback" not in captured.err
    assert captured.out == ""


def test_missing_column_error_names_file_and_header_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "t.tsv"
    path.write_text("#meta\n#meta\nid\tscore\na\t1+\n")
    assert main(["classify", str(path), "--map", "ihc=IHC"]) == 2
    assert f"{path}:3: column 'IHC'" in capsys.readouterr().err


def test_profiles_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["profiles"]) == 0
    out = capsys.readouterr().out
    for name in ("asco-cap-2018", "asco-cap-2023", "ihc-only"):
        assert name in out
    assert "Wolff" in out


def test_no_her2_column_error_names_the_flag(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The library names its parameter (mapping); the command line names its flag."""
    table = tmp_path / "t.tsv"
    table.write_text("id\tfoo\nA\t1\n")
    assert main(["classify", str(table)]) == 2
    err = capsys.readouterr().err
    assert "no HER2 pathology column found" in err and "--map field=column" in err
    assert "parameter" not in err

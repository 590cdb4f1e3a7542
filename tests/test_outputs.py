"""Outputs cannot lie (issue 15): atomic writes, one-line errors, a failing stdout."""

from __future__ import annotations

import io
import os
from pathlib import Path

import polars as pl
import pytest

from her2scope import cli
from her2scope.errors import OutputError
from her2scope.her2.views import write_classified
from her2scope.outputs import ensure_dir, write_bytes_atomic, write_text_atomic


def test_atomic_write_replaces_whole_file_and_leaves_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b.tsv"
    write_text_atomic(target, "x\n")
    write_text_atomic(target, "y\n")
    assert target.read_text() == "y\n"
    assert sorted(p.name for p in target.parent.iterdir()) == ["b.tsv"]


def test_under_a_file_names_the_file_and_why(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("x")
    with pytest.raises(OutputError, match="a file \\(not a folder\\) is in the way") as info:
        write_bytes_atomic(tmp_path / "f" / "out.tsv", b"1")
    assert info.value.file == str(tmp_path / "f" / "out.tsv")
    with pytest.raises(OutputError, match="in the way"):
        ensure_dir(tmp_path / "f")


def test_folder_or_device_in_the_way_is_refused(tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    with pytest.raises(OutputError, match="folder is in the way"):
        write_text_atomic(tmp_path / "d", "x")
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(OutputError, match="not a regular file"):
        write_text_atomic(fifo, "x")
    assert fifo.exists() and not fifo.is_file()  # never replaced


def test_failed_write_leaves_nothing_under_the_final_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "calls.tsv"

    def full(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    table = pl.DataFrame({"id": ["a"], "her2_category": ["HER2-low"]})
    with pytest.raises(OutputError, match="No space left on device"):
        write_classified(table, target)
    assert list(tmp_path.iterdir()) == []


def test_cli_output_error_is_one_line_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    table = tmp_path / "t.tsv"
    table.write_text("id\tihc\na\t1+\n")
    blocker = tmp_path / "blocker"
    blocker.write_text("x")
    code = cli.main(["classify", str(table), "--out", str(blocker / "calls.tsv")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert err == [f"her2scope: error: {blocker / 'calls.tsv'}: cannot create folder {blocker}: "
                   "a file (not a folder) is in the way"]  # fmt: skip


class _Full(io.StringIO):
    def __init__(self, errno_: int, text: str) -> None:
        super().__init__()
        self.errno_, self.text = errno_, text

    def write(self, s: str) -> int:
        raise OSError(self.errno_, self.text)


def test_full_stdout_is_one_line_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    table = tmp_path / "t.tsv"
    table.write_text("id\tihc\na\t1+\n")
    monkeypatch.setattr("sys.stdout", _Full(28, "No space left on device"))
    code = cli.main(["classify", str(table)])
    err = capsys.readouterr().err
    assert code == 2
    assert "her2scope: error: cannot write to standard output: No space left on device" in err
    assert "Traceback" not in err


def test_closed_stdout_exits_quietly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    table = tmp_path / "t.tsv"
    table.write_text("id\tihc\na\t1+\n")
    monkeypatch.setattr("sys.stdout", _Full(32, "Broken pipe"))
    code = cli.main(["classify", str(table)])
    assert code == 141
    assert "Traceback" not in capsys.readouterr().err


# ---------------------------------------------------------------- issue 27 / 22


@pytest.fixture(scope="module")
def every_output(studies_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every output of analyze --sensitivity --adjusted, switching, survival, report
    --all and export on the shared study, written under umask 022."""
    root = tmp_path_factory.mktemp("outputs")
    study = str(studies_root / "breast_msk_2018")
    old = os.umask(0o022)
    try:
        for args in (
            ["analyze", study, "--sensitivity", "--adjusted", "--out", str(root / "analyze")],
            ["switching", study, "--out", str(root / "switching")],
            ["survival", study, "--out", str(root / "survival")],
            ["report", "--study", study, "--all", "--per-sample", "--format", "html",
             "--out", str(root / "rep")],
            ["export", "cbioportal", study, "--out", str(root / "export")],
            ["classify", str(studies_root / "breast_msk_2018" / "data_clinical_sample.txt"),
             "--out", str(root / "calls.tsv")],
            ["analyze", study, str(studies_root / "brca_tcga_pub2015"),
             "--out", str(root / "pooled")],
        ):  # fmt: skip
            assert cli.main(args) == 0, args
    finally:
        os.umask(old)
    return root


def test_outputs_follow_the_umask(every_output: Path) -> None:
    files = [p for p in every_output.rglob("*") if p.is_file()]
    folders = [p for p in every_output.rglob("*") if p.is_dir()]
    assert len(files) > 1900 and len(folders) >= 7  # one report per sample, seven commands
    modes = {oct(p.stat().st_mode & 0o777) for p in files}
    assert modes == {"0o644"}, [p for p in files if p.stat().st_mode & 0o777 != 0o644][:5]
    assert {oct(p.stat().st_mode & 0o777) for p in folders} == {"0o755"}
    # no staging folder or temporary file is left behind
    assert not [p for p in every_output.rglob(".*")]


def test_umask_002_gives_group_writable_files(tmp_path: Path) -> None:
    old = os.umask(0o002)
    try:
        p = write_text_atomic(tmp_path / "x" / "a.tsv", "a\n")
    finally:
        os.umask(old)
    assert p.stat().st_mode & 0o777 == 0o664
    assert (tmp_path / "x").stat().st_mode & 0o777 == 0o775


def test_every_tsv_reads_with_plain_pandas_and_polars(every_output: Path) -> None:
    pd = pytest.importorskip("pandas")
    tsvs = sorted(every_output.rglob("*.tsv"))
    names = {p.name for p in tsvs}
    assert {"intersection.tsv", "sensitivity.tsv", "switching_rates.tsv", "cox.tsv",
            "logrank.tsv", "survival_groups.tsv", "index.tsv", "calls.tsv", "pooled.tsv",
            "pooled_counts.tsv"} <= names  # fmt: skip
    for path in tsvs:
        first = path.read_text(encoding="utf-8").split("\n", 1)[0]
        assert not first.startswith("#"), path
        frame = pd.read_csv(path, sep="\t")
        polars_frame = pl.read_csv(path, separator="\t", infer_schema_length=None)
        assert frame.shape == polars_frame.shape, path
        assert frame.shape[0] > 0, path


def test_every_folder_records_its_provenance(every_output: Path) -> None:
    import json

    for name, profile in (("analyze", "asco-cap-2023"), ("survival", "asco-cap-2023"),
                          ("switching", "asco-cap-2023"), ("export", "asco-cap-2023")):  # fmt: skip
        folder = every_output / name
        manifest = json.loads((folder / "provenance.json").read_text())["files"]
        on_disk = {
            p.relative_to(folder).as_posix()
            for p in folder.rglob("*")
            if p.is_file() and p.name != "provenance.json"
        }
        assert set(manifest) == on_disk
        for entry in manifest.values():
            assert entry["profile"] == profile and entry["ambiguous"] == "exclude"
            assert entry["command"].startswith(f"her2scope {name}")
            assert entry["her2scope_version"]
    notes = json.loads((every_output / "survival" / "provenance.json").read_text())["files"]
    assert notes["cox.tsv"]["notes"], "the survival caveats moved out of the TSV, not away"
    # the JSON documents and HTML pages say it themselves, away from their folder
    for path in ("analyze/intersection.json", "survival/survival.json",
                 "switching/switching_rates.json", "analyze/questions.json"):  # fmt: skip
        doc = json.loads((every_output / path).read_text())
        assert doc["provenance"]["profile"] == "asco-cap-2023", path
    for path in ("survival/survival.html", "switching/switching.html"):
        assert "profile: asco-cap-2023" in (every_output / path).read_text(), path


def test_parquet_carries_provenance_metadata(tmp_path: Path) -> None:
    import json

    import pyarrow.parquet as pq

    from her2scope.outputs import bundle
    from her2scope.render.writers import write_table

    with bundle(tmp_path / "r", command="her2scope analyze x", profile="ihc-only"):
        write_table(pl.DataFrame({"a": [1.5]}), tmp_path / "r" / "t.parquet")
    meta = pq.read_metadata(tmp_path / "r" / "t.parquet").metadata
    assert json.loads(meta[b"her2scope"])["profile"] == "ihc-only"
    assert pl.read_parquet(tmp_path / "r" / "t.parquet")["a"].to_list() == [1.5]


def test_rerun_with_another_profile_is_refused(
    every_output: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = every_output / "switching"
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    study = json_command_study(folder)
    code = cli.main(["switching", study, "--profile", "asco-cap-2018", "--out", str(folder)])
    err = capsys.readouterr().err
    assert code == 2
    assert "made with profile asco-cap-2023; this run uses asco-cap-2018" in err
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    # the same profile again replaces in place
    assert cli.main(["switching", study, "--out", str(folder)]) == 0


def json_command_study(folder: Path) -> str:
    import json
    import shlex

    entry = next(iter(json.loads((folder / "provenance.json").read_text())["files"].values()))
    return shlex.split(entry["command"])[2]


def test_full_disk_leaves_the_results_folder_as_it_was(
    studies_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import her2scope.outputs as outputs

    study = str(studies_root / "breast_msk_2018")
    out = tmp_path / "res"
    real = outputs._write_all
    calls = {"n": 0}

    def fills_up(fh: object, data: bytes) -> None:
        calls["n"] += 1
        if calls["n"] == 3:  # the third file finds the disk full
            raise OSError(28, "No space left on device")
        real(fh, data)

    monkeypatch.setattr(outputs, "_write_all", fills_up)
    assert cli.main(["survival", study, "--out", str(out)]) == 2
    assert not out.exists() and list(tmp_path.iterdir()) == []  # no half folder, no staging
    # an existing folder keeps its old files, and gets no new one
    out.mkdir()
    (out / "keep.txt").write_text("old")
    calls["n"] = 0
    assert cli.main(["survival", study, "--out", str(out)]) == 2
    assert [p.name for p in tmp_path.iterdir()] == ["res"]
    assert [p.name for p in out.iterdir()] == ["keep.txt"]
    monkeypatch.setattr(outputs, "_write_all", real)
    assert cli.main(["survival", study, "--out", str(out)]) == 0
    assert (out / "cox.tsv").is_file() and (out / "keep.txt").read_text() == "old"


def test_classify_writes_the_format_its_suffix_names(tmp_path: Path) -> None:
    table = tmp_path / "t.tsv"
    table.write_text("id\tihc\na\t1+\nb\t3+\n")
    for name in ("calls.parquet", "calls.json", "calls.csv", "calls.tsv"):
        assert cli.main(["classify", str(table), "--out", str(tmp_path / name)]) == 0
    assert pl.read_parquet(tmp_path / "calls.parquet")["her2_category"].to_list() == [
        "HER2-low",
        "HER2-positive",
    ]
    assert pl.read_json(tmp_path / "calls.json").height == 2
    assert pl.read_csv(tmp_path / "calls.csv")["id"].to_list() == ["a", "b"]
    assert pl.read_csv(tmp_path / "calls.tsv", separator="\t").height == 2

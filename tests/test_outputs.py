"""Outputs cannot lie (issue 15): atomic writes, one-line errors, a failing stdout."""

from __future__ import annotations

import io
import os
from pathlib import Path

import polars as pl
import pytest

from her2scope import cli
from her2scope.errors import OutputError
from her2scope.outputs import ensure_dir, write_bytes_atomic, write_text_atomic
from her2scope.report.her2 import write_classified


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

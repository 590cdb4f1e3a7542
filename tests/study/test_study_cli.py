"""``her2scope validate`` and ``her2scope fetch``."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.console import Console

from her2scope.cli import main
from her2scope.study import load_study
from her2scope.study.views import print_validation
from study_factory import DEFAULT_SAMPLES, make_study


def test_validate_usable_study_exits_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = make_study(tmp_path)
    assert main(["validate", str(folder)]) == 0
    out = capsys.readouterr().out
    assert "tiny_study: usable" in out
    assert "cna.cells_read" in out


def test_validate_broken_study_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = make_study(tmp_path, samples=[*DEFAULT_SAMPLES, DEFAULT_SAMPLES[0]])
    assert main(["validate", str(folder)]) == 2
    out = capsys.readouterr().out
    assert "NOT usable" in out and "clinical.duplicate_sample_id" in out


def test_validate_not_a_study_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(tmp_path)]) == 2
    assert "meta_study.txt is missing" in capsys.readouterr().err


def test_report_lists_figures(tmp_path: Path) -> None:
    study = load_study(make_study(tmp_path))
    console = Console(record=True, width=200)
    print_validation(study, console)
    text = console.export_text()
    assert "MAF rows read / kept / flagged" in text
    assert "6 / 6 / 0" in text
    assert "16 / 5 / 10 / 1 / 0 / 0" in text  # CNA: read / non-zero / zero / NA / bad / skipped


def test_fetch_prints_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = make_study(tmp_path)
    monkeypatch.setenv("HER2SCOPE_STUDIES", str(tmp_path))
    assert main(["fetch", "tiny_study"]) == 0
    assert capsys.readouterr().out.strip() == str(folder)


@pytest.mark.study
def test_validate_shared_study(shared_study_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(shared_study_dir)]) == 0
    assert "breast_msk_2018: usable" in capsys.readouterr().out

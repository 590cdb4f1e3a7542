"""The command line a new user meets (issue 27): -h, one version string, choices in
any case, completion of profiles and study ids, "wrote" on one stream, xlsx."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from her2scope import cli
from her2scope.cli.app import app


@pytest.mark.parametrize("args", [["-h"], ["analyze", "-h"], ["export", "cbioportal", "-h"]])
def test_short_help_everywhere(args: list[str]) -> None:
    done = CliRunner().invoke(app, args, env={"COLUMNS": "120"})
    assert done.exit_code == 0, done.output
    assert "Usage: her2scope" in done.output


def test_one_version_string(capsys: pytest.CaptureFixture[str]) -> None:
    from her2scope import __version__

    assert cli.main(["--version"]) == 0
    flag = capsys.readouterr().out
    assert cli.main(["version"]) == 0
    assert capsys.readouterr().out == flag == f"her2scope {__version__}\n"


def _complete(words: str, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """What bash completion offers for the last of ``words`` (click's protocol)."""
    parts = words.split(" ")
    env = {
        "_HER2SCOPE_COMPLETE": "complete_bash",
        "COMP_WORDS": words,
        "COMP_CWORD": str(len(parts) - 1),
    }
    done = CliRunner().invoke(app, [], env=env, prog_name="her2scope")
    return done.output.split()


def test_completion_offers_profiles_and_study_ids(
    studies_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HER2SCOPE_STUDIES", str(studies_root))
    assert _complete("her2scope switching breast_msk_2018 --profile asco", monkeypatch) == [
        "asco-cap-2018",
        "asco-cap-2023",
    ]
    ids = _complete("her2scope analyze brca", monkeypatch)
    assert (
        ids == sorted(p.parent.name for p in studies_root.glob("brca*/meta_study.txt"))
        and len(ids) >= 2
    )
    assert "breast_msk_2018" in _complete("her2scope survival bre", monkeypatch)
    assert "breast_msk_2018" in _complete("her2scope export cbioportal bre", monkeypatch)


def test_choices_in_any_case(
    studies_root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    study = str(studies_root / "breast_msk_2018")
    assert cli.main(["analyze", study, "--sample-type", "Metastasis", "--hr", "Positive"]) == 0
    out = capsys.readouterr().out
    assert "profile asco-cap-2023" in out
    assert cli.main(["export", "cbioportal", study, "--profile", "ASCO-CAP-2018",
                     "--ambiguous", "LOW", "--out", str(tmp_path / "e")]) == 0  # fmt: skip
    assert cli.main(["switching", study, "--profile", "IHC-Only", "--ambiguous", "Zero"]) == 0
    assert "profile=ihc-only ambiguous=zero" in capsys.readouterr().out


def test_wrote_goes_to_stderr_for_every_command(
    studies_root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    study = str(studies_root / "breast_msk_2018")
    for args in (
        ["analyze", study, "--out", str(tmp_path / "a")],
        ["switching", study, "--out", str(tmp_path / "s")],
        ["survival", study, "--out", str(tmp_path / "v")],
        ["export", "cbioportal", study, "--out", str(tmp_path / "e")],
    ):
        capsys.readouterr()
        assert cli.main(args) == 0
        captured = capsys.readouterr()
        assert "wrote" in captured.err, args
        assert "wrote" not in captured.out, args


def test_xlsx_with_the_excel_extra(tmp_path: Path) -> None:
    pytest.importorskip("xlsxwriter")
    import her2scope as hs

    frame = pl.DataFrame({"alteration": ["ESR1_mut"], "pct_her2_low": [51.5]})
    path = hs.report.write_table(frame, tmp_path / "t.xlsx")
    assert path.read_bytes()[:2] == b"PK"  # a zip container, as .xlsx files are
    assert (path.stat().st_mode & 0o777) == 0o666 & ~_umask()


def _umask() -> int:
    import os

    current = os.umask(0)
    os.umask(current)
    return current

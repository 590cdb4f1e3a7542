"""``--no-cache`` on the study commands; without it the parsed-study cache is used."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

from her2scope.cli import main
from study_factory import make_study

DEMO = Path(__file__).resolve().parents[2] / "examples" / "demo_study"


def _aged_study(tmp_path: Path, demo: bool = False) -> Path:
    if demo:
        folder = tmp_path / "studies" / "demo_study"
        shutil.copytree(DEMO, folder)
    else:
        folder = make_study(tmp_path / "studies")
    old = time.time() - 3600  # files younger than 2 s are never cached (racy mtimes)
    for path in folder.rglob("*"):
        os.utime(path, (old, old))
    return folder


def test_analyze_uses_the_parsed_cache_unless_told_not_to(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HER2SCOPE_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("HER2SCOPE_PARSED_CACHE", raising=False)
    folder = _aged_study(tmp_path)
    args = ["analyze", str(folder), "--out", str(tmp_path / "out")]
    assert main(args) == 0
    assert "parsed cache" not in capsys.readouterr().err  # first run parses and stores
    assert list((tmp_path / "cache" / "parsed").iterdir())
    assert main(args) == 0
    assert "parsed cache" in capsys.readouterr().err
    assert main([*args, "--no-cache"]) == 0
    assert "parsed cache" not in capsys.readouterr().err
    first = (tmp_path / "out" / "intersection.tsv").read_text()
    assert main(args) == 0
    assert (tmp_path / "out" / "intersection.tsv").read_text() == first


@pytest.mark.parametrize("command", ["switching", "survival"])
def test_cohort_commands_accept_no_cache(
    tmp_path: Path, command: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HER2SCOPE_CACHE", str(tmp_path / "cache"))
    folder = _aged_study(tmp_path, demo=True)
    assert main([command, str(folder), "--no-cache"]) == 0
    assert not (tmp_path / "cache" / "parsed").exists()


def test_cache_info_and_clear(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HER2SCOPE_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("HER2SCOPE_PARSED_CACHE", raising=False)
    folder = _aged_study(tmp_path)
    assert main(["validate", str(folder)]) == 0  # validate never fills the cache
    assert main(["cache", "info"]) == 0
    assert "0 entries" in capsys.readouterr().out
    assert main(["analyze", str(folder)]) == 0
    capsys.readouterr()
    assert main(["cache", "info"]) == 0
    assert "1 entry" in capsys.readouterr().out
    assert main(["cache", "clear"]) == 0
    assert "removed 1" in capsys.readouterr().out
    assert not [p for p in (tmp_path / "cache" / "parsed").iterdir() if not p.name.startswith(".")]

"""Start-up cost guards: heavy libraries load only where a command needs them.

``scipy.stats`` (~0.6 s), ``matplotlib`` (~0.4 s) and ``lifelines`` (~1 s)
once made every ``her2scope`` call pay ~2 s before doing anything. Each check
runs in a fresh interpreter, since this test process has long imported them.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

DEMO = Path(__file__).resolve().parents[2] / "examples" / "demo_study"

HEAVY = ("scipy.stats", "matplotlib", "lifelines", "pandas", "statsmodels")


def _loaded_after(code: str, modules: tuple[str, ...]) -> list[str]:
    """Run ``code`` in a fresh interpreter; which of ``modules`` ended up imported."""
    probe = (
        f"{code}\nimport json, sys\n"
        f"print(json.dumps([m for m in {list(modules)!r} if m in sys.modules]))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=False, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return list(json.loads(done.stdout.strip().splitlines()[-1]))


@pytest.mark.parametrize(
    "module",
    [
        "her2scope.cli",
        "her2scope.stats.core",
        "her2scope.render.plots",
        "her2scope.render.canvas",
        "her2scope.cohort.table1.views",
        "her2scope.stats.core",
        "her2scope.render.plots",
        "her2scope.cohort.table1.views",
    ],
)
def test_import_does_not_load_heavy_libraries(module: str) -> None:
    assert _loaded_after(f"import {module}", HEAVY) == []


def test_cli_help_is_complete_without_heavy_libraries() -> None:
    code = (
        "import contextlib, io\n"
        "from her2scope.cli import main\n"
        "buf = io.StringIO()\n"
        "with contextlib.redirect_stdout(buf):\n"
        "    assert main(['--help']) == 0\n"
        "text = buf.getvalue()\n"
        "for name in ('analyze', 'classify', 'profiles', 'version', 'switching', 'survival',\n"
        "             'report', 'kb', 'validate', 'fetch', 'synth'):\n"
        "    assert name in text, name\n"
    )
    assert _loaded_after(code, HEAVY) == []


def test_analyze_uses_neither_scipy_stats_nor_lifelines(tmp_path: Path) -> None:
    """``analyze`` draws figures (matplotlib) but needs no scipy.stats, lifelines or pandas."""
    out = tmp_path / "out"
    code = (
        "import contextlib, io\n"
        "from her2scope.cli import main\n"
        "quiet = io.StringIO()\n"
        "with contextlib.redirect_stdout(quiet), contextlib.redirect_stderr(quiet):\n"
        f"    assert main(['analyze', {str(DEMO)!r}, '--out', {str(out)!r}]) == 0\n"
    )
    loaded = _loaded_after(code, (*HEAVY, "matplotlib.pyplot"))
    assert loaded == ["matplotlib"]  # the report's figures, drawn without pyplot
    assert (out / "report.html").is_file()


def test_program_entry_writes_outputs_and_exit_codes(tmp_path: Path) -> None:
    """``python -m her2scope`` (argv from the command line, gc frozen at exit) ends cleanly."""
    out = tmp_path / "out"
    ok = subprocess.run(
        [sys.executable, "-m", "her2scope", "analyze", str(DEMO), "--out", str(out)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert ok.returncode == 0, ok.stderr
    assert "wrote intersection.tsv" in ok.stderr
    assert "HER2-low" in ok.stdout
    for name in ("intersection.tsv", "intersection.json", "audit.tsv", "report.html"):
        assert (out / name).stat().st_size > 0
    bad = subprocess.run(
        [sys.executable, "-m", "her2scope", "analyze", str(tmp_path / "no-such-study")],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert bad.returncode == 2
    assert bad.stderr.startswith("her2scope: error:")

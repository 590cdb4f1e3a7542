"""Two independent implementations agree: her2scope vs the plain pandas reference.

``benchmarks/pandas_reference.py`` imports nothing from her2scope (it is the
benchmarks' yardstick); on the shipped demo study and on the real study its
per-alteration counts must equal ``her2scope analyze --profile ihc-only
--ambiguous low`` exactly.
"""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import pytest

from her2scope.alterations import load_catalog
from her2scope.cohort.options import AnalysisOptions
from her2scope.cohort.table1.compute import analyze
from her2scope.study import load_study

ROOT = Path(__file__).resolve().parents[2]
COUNTS = ["n_altered", "n_her2_known", "n_her2_low", "n_her2_zero", "n_her2_positive"]


def _reference(study_dir: Path, tmp_path: Path) -> dict[str, dict[str, int]]:
    out = tmp_path / "reference.tsv"
    subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "pandas_reference.py"), str(study_dir),
         "--out", str(out)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    with out.open(newline="") as fh:
        return {
            r["alteration"]: {c: int(r[c]) for c in COUNTS}
            for r in csv.DictReader(fh, delimiter="\t")
        }


def _ours(study_dir: Path) -> dict[str, dict[str, int]]:
    result = analyze(
        load_study(study_dir),
        AnalysisOptions(profile="ihc-only", ambiguous="low"),
        catalog=load_catalog(),
    )
    return {
        r["alteration"]: {c: int(r[c]) for c in COUNTS} for r in result.table.iter_rows(named=True)
    }


def test_demo_study_counts_equal_the_pandas_reference(tmp_path: Path) -> None:
    pytest.importorskip("pandas")
    study = ROOT / "examples" / "demo_study"
    reference = _reference(study, tmp_path)
    ours = _ours(study)
    assert reference.keys() == ours.keys()
    assert sum(r["n_altered"] for r in ours.values()) > 0
    assert ours == reference


def test_real_study_counts_equal_the_pandas_reference(
    shared_study_dir: Path, tmp_path: Path
) -> None:
    pytest.importorskip("pandas")
    assert _ours(shared_study_dir) == _reference(shared_study_dir, tmp_path)

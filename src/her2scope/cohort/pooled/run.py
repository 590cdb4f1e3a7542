"""Run several studies as one pooled question and write its folder: the call the faces make."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from her2scope.cohort.pooled.compute import analyze_many
from her2scope.cohort.pooled.result import PooledResult

if TYPE_CHECKING:
    from her2scope.alterations import Catalog
    from her2scope.cohort.options import AnalysisOptions
    from her2scope.study.model import Study


def run(
    studies: Sequence[Study],
    options: AnalysisOptions | None = None,
    *,
    catalog: Catalog | None = None,
) -> PooledResult:
    """Each study's Table 1 and the pooled table with study as a stratum
    (:func:`~her2scope.cohort.pooled.compute.analyze_many`)."""
    return analyze_many(studies, options, catalog=catalog)


def write(result: PooledResult, out_dir: Path, *, command: str) -> list[Path]:
    """Each study's Table 1 folder in ``out_dir/STUDY/``, then the pooled files at the top
    (``pooled.tsv``, ``pooled.json``, ``pooled_counts.tsv``, ``audit.tsv``, ``report.html``)."""
    from her2scope.cohort.pooled.views import study_folder, write_pooled_outputs
    from her2scope.cohort.table1 import run as table1

    written: list[Path] = []
    for sid, res in result.per_study.items():
        written += table1.write(table1.Table1Run(res), out_dir / study_folder(sid), command=command)
    return written + write_pooled_outputs(result, out_dir, command=command)

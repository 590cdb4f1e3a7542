"""In-process stage timings for ``benchmarks/run.py`` (run in a fresh process per dataset).

Two modes, each printing one JSON object on stdout:

``stages STUDY_DIR OUT_DIR [--cprofile FILE]``
    Times the library calls behind ``her2scope analyze --profile ihc-only
    --ambiguous low --out OUT_DIR`` one by one: import, load, catalog,
    classify, annotate, statistics, report. ``statistics`` is
    :func:`her2scope.cohort.table1.compute.analyze` given the precomputed alteration
    calls (cohort selection, class roll-up, intersection table, Fisher /
    Wilson / binomial / BH); it re-runs the HER2 call internally, so its net
    cost is reported as ``statistics`` minus ``classify``.
``classify SOURCE_DIR N_ROWS [--seed S]``
    Builds an ``N_ROWS`` pathology frame by sampling (with replacement) the
    HER2 columns of the study's samples and times
    :func:`her2scope.her2.classify` on it under the ihc-only and the default
    ASCO/CAP 2023 profiles.

Memory is ``resource.getrusage(RUSAGE_SELF).ru_maxrss`` (peak RSS, KiB on
Linux) after each stage; its increase over the stage is the stage's delta.
Because the peak is a high-water mark, a stage that allocates less than an
earlier one shows a delta of 0.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import resource
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")


def peak_rss_kib() -> int:
    """Peak resident set size of this process so far (KiB on Linux)."""
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


class StageClock:
    """Runs callables and records wall time and the peak-RSS increase of each."""

    def __init__(self) -> None:
        self.stages: list[dict[str, Any]] = []

    def run(self, name: str, fn: Callable[[], T]) -> T:
        before = peak_rss_kib()
        t0 = time.perf_counter()
        value = fn()
        seconds = time.perf_counter() - t0
        after = peak_rss_kib()
        self.stages.append(
            {
                "name": name,
                "seconds": seconds,
                "peak_rss_kib": after,
                "rss_delta_kib": max(0, after - before),
            }
        )
        return value


def run_stages(study_dir: Path, out_dir: Path) -> dict[str, Any]:
    """Time each library stage of the ihc-only / ambiguous-low analysis."""
    clock = StageClock()

    def imports() -> None:
        import her2scope.alterations
        import her2scope.cohort.table1.compute
        import her2scope.cohort.table1.views
        import her2scope.her2
        import her2scope.study  # noqa: F401

    clock.run("import", imports)

    from rich.console import Console

    from her2scope.alterations import annotate, load_catalog
    from her2scope.cohort.options import AnalysisOptions
    from her2scope.cohort.table1 import views as report
    from her2scope.cohort.table1.compute import analyze
    from her2scope.her2 import classify
    from her2scope.study import load_study

    options = AnalysisOptions(profile="ihc-only", ambiguous="low")
    study = clock.run("load", lambda: load_study(study_dir))
    catalog = clock.run("catalog", load_catalog)
    clock.run(
        "classify",
        lambda: classify(study.samples, profile=options.profile, ambiguous="low"),
    )
    calls = clock.run("annotate", lambda: annotate(study, catalog))
    result = clock.run("statistics", lambda: analyze(study, options, catalog=catalog, calls=calls))

    def write_report() -> None:
        report.print_result(result, Console(file=io.StringIO(), width=200))
        report.write_outputs(result, out_dir, command="benchmarks/stages.py")

    clock.run("report", write_report)
    return {
        "study_dir": str(study_dir),
        "n_samples": study.samples.height,
        "n_mutations": study.mutations.height,
        "n_cna_cells_nonzero": study.cna.height,
        "n_sv": study.sv.height,
        "n_calls": calls.table.height,
        "stages": clock.stages,
        "peak_rss_kib": peak_rss_kib(),
    }


HER2_COLUMNS = (
    "HER2_IHC_SCORE",
    "HER2_FISH",
    "HER2_FISH_RATIO",
    "HER2_IHC_VALUE_PRIMARY",
    "HER2_FISH_STATUS",
    "HER2_FISH_RATIO_PRIMARY",
)


def run_classify(source_dir: Path, n_rows: int, seed: int) -> dict[str, Any]:
    """Time ``classify`` on ``n_rows`` rows sampled from the study's HER2 columns."""
    import numpy as np
    import polars as pl

    from her2scope.her2 import classify
    from her2scope.study import load_study

    samples = load_study(source_dir).samples
    columns = [c for c in HER2_COLUMNS if c in samples.columns]
    pool = samples.select(columns)
    rng = np.random.default_rng(seed)
    frame = pool[rng.integers(0, pool.height, n_rows)]
    # Warm up on a few rows so profile YAML loading and first-call costs are not timed.
    classify(frame.head(10), profile="ihc-only", ambiguous="low")
    classify(frame.head(10))
    clock = StageClock()
    runs: list[dict[str, Any]] = []
    settings: list[tuple[str, dict[str, Any]]] = [
        ("ihc-only / low", {"profile": "ihc-only", "ambiguous": "low"}),
        ("asco-cap-2023 / exclude (default)", {}),
    ]
    for label, kwargs in settings:
        result = clock.run(label, partial(classify, frame, **kwargs))
        counts = dict(result.counts().iter_rows())
        runs.append({**clock.stages[-1], "counts": counts})
    return {
        "source_dir": str(source_dir),
        "n_rows": frame.height,
        "columns": columns,
        "distinct_ihc": int(frame.get_column(columns[0]).n_unique()) if columns else 0,
        "polars_threads": pl.thread_pool_size(),
        "runs": runs,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="mode", required=True)
    p_stages = sub.add_parser("stages")
    p_stages.add_argument("study_dir", type=Path)
    p_stages.add_argument("out_dir", type=Path)
    p_stages.add_argument("--cprofile", type=Path, help="write cProfile stats of the stages here")
    p_classify = sub.add_parser("classify")
    p_classify.add_argument("source_dir", type=Path)
    p_classify.add_argument("n_rows", type=int)
    p_classify.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    if args.mode == "stages":
        if args.cprofile is not None:
            profiler = cProfile.Profile()
            report = profiler.runcall(run_stages, args.study_dir, args.out_dir)
            profiler.dump_stats(args.cprofile)
        else:
            report = run_stages(args.study_dir, args.out_dir)
    else:
        report = run_classify(args.source_dir, args.n_rows, args.seed)
    json.dump(report, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

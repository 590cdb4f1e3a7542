"""The figure helper process (render.figure_worker): same bytes as drawing in-process,
a failed helper falls back to drawing here, no helper is left running."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from typing import Any

import polars as pl
import pytest

import her2scope as hs
from her2scope.cohort import run as pipeline
from her2scope.cohort.options import AnalysisOptions
from her2scope.cohort.table1 import views
from her2scope.render import figure_worker, plots
from her2scope.render.canvas import encode

DEMO = Path(__file__).resolve().parents[2] / "examples" / "demo_study"
_CORE_FREE = figure_worker._core_free  # the real test, before the fixture below replaces it


@pytest.fixture(scope="module")
def table1() -> Any:
    return hs.tl.analyze(hs.load_study(DEMO, cache=False))


@pytest.fixture(autouse=True)
def _no_worker_left(monkeypatch: pytest.MonkeyPatch) -> Any:
    # start() leaves the helper out when every core is busy (a loaded test machine)
    monkeypatch.setattr(figure_worker, "_core_free", lambda: True)
    yield
    worker = figure_worker.take()  # a test that started one and did not use it
    if worker is not None:
        worker.close()


def _without_time(html: str) -> str:
    return re.sub(r"generated \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC", "generated -", html)


def test_oncoprint_cells_then_drawing_is_the_oncoprint(table1: Any) -> None:
    whole = encode(plots.oncoprint_figure(table1.table, table1.samples, table1.calls))
    cells = plots.oncoprint_cells(table1.table, table1.samples, table1.calls)
    assert cells.codes.shape == (len(cells.alterations), cells.track_code.shape[0])
    assert cells.codes.shape[0] > 1 and cells.n_tumors > 0
    assert encode(plots.oncoprint_cells_figure(cells)) == whole


def test_oncoprint_cells_without_altered_tumors_say_so(table1: Any) -> None:
    calls = table1.calls.filter(pl.col("status") != "altered")
    cells = plots.oncoprint_cells(table1.table, table1.samples, calls)
    assert cells.alterations == [] and cells.n_tumors == 0
    svg = encode(plots.oncoprint_cells_figure(cells)).decode()
    assert "no altered tumors" in svg
    assert encode(plots.oncoprint_figure(table1.table, table1.samples, calls)).decode() == svg


def test_the_helper_draws_the_same_bytes(table1: Any) -> None:
    worker = figure_worker.FigureWorker()
    try:
        worker.submit(views._worker_jobs(table1))
        got = worker.results()
    finally:
        worker.close()
    assert got is not None
    here = [f.data for f in views.cohort_figures(table1)]
    assert got == here  # forest, stacked, oncoprint: byte for byte
    assert all(svg.startswith(b"<?xml") for svg in got)


def test_the_folder_is_the_same_with_and_without_the_helper(table1: Any, tmp_path: Path) -> None:
    plain = views.write_outputs(table1, tmp_path / "plain", command="her2scope analyze demo")
    figure_worker.start()
    helped = views.write_outputs(table1, tmp_path / "helped", command="her2scope analyze demo")
    assert figure_worker.take() is None  # write_outputs took the helper
    assert [p.name for p in plain] == [p.name for p in helped]
    for a, b in zip(plain, helped, strict=True):
        if a.name == "report.html":
            assert _without_time(a.read_text()) == _without_time(b.read_text())
            assert a.read_text().count("data:image/svg+xml;base64,") == 3
        else:
            assert a.read_bytes() == b.read_bytes(), a.name


def test_a_failed_helper_is_replaced_by_drawing_here(
    table1: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plain = views.write_outputs(table1, tmp_path / "plain", command="c")
    real_popen = figure_worker.subprocess.Popen

    def broken(cmd: list[str], **kwargs: Any) -> Any:
        # a helper that dies at once, before reading its input
        return real_popen([sys.executable, "-c", "import sys; sys.exit(3)"], **kwargs)

    monkeypatch.setattr(figure_worker.subprocess, "Popen", broken)
    figure_worker.start()
    helped = views.write_outputs(table1, tmp_path / "helped", command="c")
    report = next(p for p in helped if p.name == "report.html")
    assert _without_time(report.read_text()) == _without_time(
        (tmp_path / "plain/report.html").read_text()
    )
    assert len(plain) == len(helped)


def test_a_helper_that_answers_nonsense_is_not_believed(table1: Any) -> None:
    worker = figure_worker.FigureWorker.__new__(figure_worker.FigureWorker)
    import subprocess

    worker._proc = subprocess.Popen(
        [sys.executable, "-c", "import sys; sys.stdin.buffer.read(); sys.stdout.write('junk')"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    worker._sender = None
    worker._n_jobs = 0
    worker.submit(views._worker_jobs(table1))
    assert worker.results() is None
    worker.close()


def test_only_figure_functions_are_sent(table1: Any) -> None:
    worker = figure_worker.FigureWorker()
    try:
        with pytest.raises(ValueError, match="not a figure function"):
            worker.submit([("write_figure", (), {}, "svg")])
    finally:
        worker.close()
    assert worker._proc.poll() is not None  # closed: not left running


def test_start_is_idempotent_and_an_unused_helper_is_stopped() -> None:
    figure_worker.start()
    first = figure_worker._started
    figure_worker.start()
    assert figure_worker._started is first is not None
    worker = figure_worker.take()
    assert worker is first and figure_worker.take() is None
    worker.close()
    assert worker._proc.returncode is not None


def test_a_helper_given_nothing_ends_when_its_input_closes() -> None:
    worker = figure_worker.FigureWorker()
    assert worker._proc.stdin is not None
    worker._proc.stdin.close()
    assert worker._proc.wait(timeout=60) == 0
    worker.close()


def test_analyze_pipeline_with_the_helper_writes_what_it_writes_without(
    tmp_path: Path,
) -> None:
    study = hs.load_study(DEMO, cache=False)
    request = pipeline.AnalyzeRequest(AnalysisOptions(profile="ihc-only", ambiguous="low"))
    done = pipeline.run(study, request)
    plain = pipeline.write(done, tmp_path / "a", command="c")
    pipeline.preload_writer()
    assert figure_worker._started is not None
    helped = pipeline.write(done, tmp_path / "b", command="c")
    assert figure_worker._started is None
    assert [p.name for p in plain] == [p.name for p in helped]
    for a, b in zip(plain, helped, strict=True):
        assert _without_time(a.read_text()) == _without_time(b.read_text()), a.name


def test_the_helper_finds_this_her2scope_without_pythonpath(
    table1: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PYTHONPATH", raising=False)
    monkeypatch.chdir(os.sep)
    worker = figure_worker.FigureWorker()
    try:
        worker.submit(views._worker_jobs(table1)[:1])
        got = worker.results()
    finally:
        worker.close()
    assert got == [views.cohort_figures(table1)[0].data]


def test_a_failed_write_stops_the_helper(
    table1: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import her2scope.render.bundle as bundle
    from her2scope.errors import OutputError

    def full_disk(*args: Any, **kwargs: Any) -> Any:
        raise OutputError("cannot write: No space left on device", file="intersection.tsv")

    figure_worker.start()
    worker = figure_worker._started
    assert worker is not None
    monkeypatch.setattr(bundle, "write_bundle", full_disk)
    with pytest.raises(OutputError, match="No space left"):
        views.write_outputs(table1, tmp_path / "out", command="c")
    assert worker._proc.poll() is not None  # stopped, not left drawing
    assert figure_worker.take() is None


def test_no_helper_when_no_core_is_free(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(figure_worker.os, "getloadavg", lambda: (64.0, 64.0, 64.0))
    monkeypatch.setattr(figure_worker, "_core_free", _CORE_FREE)
    assert figure_worker._core_free() is False
    figure_worker.start()
    assert figure_worker._started is None  # drawn in-process then: same bytes
    monkeypatch.setattr(figure_worker.os, "getloadavg", lambda: (0.0, 0.0, 0.0))
    assert figure_worker._core_free() is (len(os.sched_getaffinity(0)) >= 2)


def test_preload_writer_starts_a_helper_only_for_a_large_study(tmp_path: Path) -> None:
    pipeline.preload_writer(DEMO)  # a few kB of data: done before a helper could start
    assert figure_worker._started is None
    pipeline.preload_writer("no_such_study_id_here")  # not found without a download
    assert figure_worker._started is None
    big = tmp_path / "big"
    big.mkdir()
    (big / "meta_study.txt").write_text("cancer_study_identifier: big\n")
    with (big / "data_mutations.txt").open("wb") as fh:
        fh.truncate(pipeline.HELPER_MIN_BYTES)  # sparse: the size is what counts
    (big / "meta_mutations.txt").write_bytes(b"x" * 10)
    assert pipeline._data_bytes(big) == pipeline.HELPER_MIN_BYTES
    pipeline.preload_writer(big)
    assert figure_worker._started is not None

"""The public face: ``import her2scope as hs`` (lazy), one signature shape, numpydoc docstrings,
results of one shape, options checked by the library."""

from __future__ import annotations

import inspect
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import polars as pl
import pytest

import her2scope as hs
from her2scope.errors import ConfigError

DEMO = Path(__file__).resolve().parents[1] / "examples" / "demo_study"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def public_functions() -> dict[str, Callable[..., Any]]:
    """Every public function reachable through ``hs.``: name -> function."""
    found: dict[str, Callable[..., Any]] = {}
    for name in ("load_study", "classify", "annotate", "cache_info", "clear_cache"):
        found[f"hs.{name}"] = getattr(hs, name)
    for name in hs.tl.__all__:
        found[f"hs.tl.{name}"] = getattr(hs.tl, name)
    for name in ("match_patient", "read_patient", "load_kb"):
        found[f"hs.kb.{name}"] = getattr(hs.kb, name)
    for name in hs.report.__all__:
        value = getattr(hs.report, name)
        if inspect.isfunction(value):
            found[f"hs.report.{name}"] = value
    return found


def test_import_is_lazy_and_light() -> None:
    code = (
        "import sys, json, her2scope as hs\n"
        "heavy = ['polars', 'pandas', 'matplotlib', 'scipy',\n"
        "         'her2scope.cohort', 'her2scope.kb']\n"
        "print(json.dumps([m for m in heavy if m in sys.modules]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert json.loads(done.stdout) == []


def test_namespace() -> None:
    for name in hs.__all__:
        assert getattr(hs, name) is not None, name
    assert set(hs.tl.__all__) == {
        "actionability",
        "analyze",
        "analyze_many",
        "sensitivity",
        "switching",
        "survival",
        "adjusted",
    }
    with pytest.raises(AttributeError):
        _ = hs.no_such_thing  # type: ignore[attr-defined]


@pytest.mark.parametrize("name", sorted(public_functions()))
def test_one_signature_shape(name: str) -> None:
    """Data first (positional), every option keyword-only."""
    sig = inspect.signature(public_functions()[name])
    params = list(sig.parameters.values())
    positional = [
        p
        for p in params
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.VAR_POSITIONAL)
    ]
    # writers take the data and where it goes; everything else takes the data only
    allowed = 2 if name.split(".")[-1].startswith("write_") else 1
    assert len(positional) <= allowed, f"{name}: only the data may be positional: {positional}"
    for p in params[len(positional) :]:
        assert p.kind in (p.KEYWORD_ONLY, p.VAR_KEYWORD), f"{name}: {p.name} is not keyword-only"


@pytest.mark.parametrize("name", sorted(public_functions()))
def test_numpydoc_docstring_with_example(name: str) -> None:
    doc = inspect.getdoc(public_functions()[name]) or ""
    assert doc.strip(), name
    for section in ("Returns", "Examples"):
        assert f"{section}\n-------" in doc, f"{name}: no numpydoc '{section}' section"


@pytest.fixture(scope="module")
def demo() -> Any:
    return hs.load_study(DEMO, cache=False)


def _check_result_shape(result: Any) -> None:
    assert isinstance(result.table, pl.DataFrame) and result.table.height > 0
    assert result.options is not None
    assert len(result.audit) > 0
    assert isinstance(result.summary(), str) and result.summary()
    assert "<" in result._repr_html_()
    assert isinstance(result.to_pandas(), pd.DataFrame)


def test_results_of_one_shape(demo: Any) -> None:
    for result in (
        hs.tl.analyze(demo, profile="ihc-only", ambiguous="low"),
        hs.tl.sensitivity(demo, policies=["low"]),
        hs.tl.switching(demo),
        hs.tl.survival(demo),
        hs.tl.adjusted(demo),
        hs.tl.actionability(demo),
    ):
        _check_result_shape(result)


def test_audit_is_complete(demo: Any) -> None:
    """study + HER2 engine + analysis findings on every result."""
    result = hs.tl.analyze(demo)
    codes = {e.code.split(".")[0] for e in result.audit}
    assert {"her2", "analysis"} <= codes
    included = sum(e.count or 0 for e in result.audit if e.code == "analysis.included")
    excluded = sum(e.count or 0 for e in result.audit if e.code == "analysis.excluded")
    assert included + excluded == demo.samples.height
    sw = hs.tl.switching(demo)
    assert {"her2", "switching"} <= {e.code.split(".")[0] for e in sw.audit}
    sv = hs.tl.survival(demo)
    assert "her2" in {e.code.split(".")[0] for e in sv.audit}
    assert len(sv.audit) > len(demo.audit)


def test_options_are_validated_with_parameter_names(demo: Any) -> None:
    with pytest.raises(ConfigError, match="sample_type"):
        hs.tl.analyze(demo, sample_type="metastatic")
    with pytest.raises(ConfigError, match="hr"):
        hs.AnalysisOptions(hr="positve")  # type: ignore[arg-type]
    # a choice is a word, not its case (issue 27)
    assert hs.AnalysisOptions(hr="Positive").hr == "positive"  # type: ignore[arg-type]
    assert hs.tl.analyze(demo, sample_type="Metastasis").options.sample_type == "metastasis"
    with pytest.raises(ConfigError, match="parameter by"):
        hs.tl.survival(demo, by="stage")
    with pytest.raises(ConfigError, match="ambiguous"):
        hs.SwitchingOptions(ambiguous="maybe")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="expected"):
        hs.tl.analyze(demo, expected="60-40")
    with pytest.raises(ConfigError, match="unknown parameter 'hr_status'"):
        hs.tl.analyze(demo, hr_status="positive")
    with pytest.raises(ConfigError, match="did you mean 'sample_type'"):
        hs.tl.analyze(demo, sampel_type="primary")
    with pytest.raises(ConfigError, match="did you mean 'ambiguous'"):
        hs.tl.switching(demo, ambigous="low")
    assert hs.tl.analyze(demo, expected="40-60").options.expected == (0.4, 0.6)


def test_pandas_in_pandas_out() -> None:
    out = hs.classify(pd.DataFrame({"ihc": ["0", "1+", "2+", "3+"]}), profile="ihc-only")
    assert isinstance(out, pd.DataFrame)
    assert out["her2_category"].tolist() == ["HER2-0", "HER2-low", "HER2-low", "HER2-positive"]
    polars_out = hs.classify(pl.DataFrame({"ihc": ["1+"]}))
    assert polars_out.table["her2_category"].to_list() == ["HER2-low"]


def test_patient_report_through_hs() -> None:
    report = hs.kb.match_patient(
        hs.kb.read_patient(FIXTURES / "patients" / "er_pos_her2_low_esr1.yaml")
    )
    frame = report.to_pandas()
    assert isinstance(frame, pd.DataFrame) and len(frame) == len(report.options)
    assert frame["therapy"].tolist() == [o["therapy"] for o in report.options]
    assert report.summary().startswith("Patient")


@pytest.mark.parametrize("fmt", ["tsv", "csv", "json", "parquet"])
def test_writer_registry(tmp_path: Path, fmt: str) -> None:
    frame = pl.DataFrame({"alteration": ["ESR1_mut"], "pct_her2_low": [51.5]})
    path = hs.report.write_table(frame, tmp_path / f"t.{fmt}")
    if fmt == "parquet":
        assert pl.read_parquet(path).equals(frame)
    elif fmt == "json":
        assert json.loads(path.read_text())[0]["alteration"] == "ESR1_mut"
    else:
        assert "ESR1_mut" in path.read_text()
    with pytest.raises(ConfigError, match="format"):
        hs.report.write_table(frame, tmp_path / "t.unknown")
    assert set(hs.report.WRITERS) >= {"tsv", "json", "parquet", "xlsx"}


def test_batch_reports_in_the_library(tmp_path: Path, demo: Any) -> None:
    batch = hs.report.write_patient_reports(demo, tmp_path / "reports", fmt="json")
    assert len(batch.index) == demo.samples.height
    assert (tmp_path / "reports" / "index.tsv").is_file()


def test_cache_info_in_the_library(tmp_path: Path) -> None:
    (tmp_path / "study-abc").mkdir()
    (tmp_path / "study-abc" / "samples.parquet").write_bytes(b"x" * 1000)
    info = hs.cache_info(tmp_path)
    assert info.entries == [("study-abc", 1000)]
    assert "1 entry" in info.summary()


def test_figures_take_ax_and_leave_the_backend(demo: Any) -> None:
    import matplotlib

    before = matplotlib.get_backend()
    from matplotlib.figure import Figure

    sw = hs.tl.switching(demo)
    fig = Figure()
    ax = fig.subplots()
    assert hs.report.switching_figure(sw, ax=ax) is fig
    assert isinstance(hs.report.km_figure(hs.tl.survival(demo)), Figure)
    table = hs.tl.analyze(demo).table
    other = Figure()
    axes = other.subplots(1, 2)
    assert hs.report.forest_figure(table, ax=axes[0]) is other
    assert hs.report.stacked_figure(table, ax=axes[1]) is other
    assert len(axes[0].collections) > 0
    assert matplotlib.get_backend() == before


# ---------------------------------------------------------------- issue 27


def test_print_classified_pandas_and_polars_results() -> None:
    frame = pd.DataFrame({"ihc": ["0", "1+", "2+", "3+", "weird"]})
    out = hs.classify(frame)
    text = repr(out)  # raised "The truth value of a DataFrame is ambiguous"
    assert "HER2-low" in text
    assert pd.concat([out, out]).shape[0] == 10 and out.copy().attrs["audit"]
    assert any(e["code"].startswith("her2") for e in out.attrs["audit"])
    result = hs.classify(pl.from_pandas(frame))
    assert "HER2-positive: 1/5 (20.0%)" in result.summary()
    assert "1 unreadable values" in result.summary()
    assert result.to_pandas()["her2_category"].tolist() == out["her2_category"].tolist()
    assert result._repr_html_().startswith("<div class='her2scope-output'>")
    assert result.counts()["n"].sum() == 5  # still a Her2Result


def test_tl_takes_a_study_id_or_folder() -> None:
    by_path = hs.tl.analyze(DEMO, profile="ihc-only")
    assert by_path.study_id == hs.load_study(DEMO).study_id
    with pytest.raises(ConfigError, match="expected a Study"):
        hs.tl.analyze(42)  # type: ignore[arg-type]


def test_clean_namespaces() -> None:
    for module in (hs, hs.tl, hs.vocab, hs.pl):
        names = dir(module)
        assert not {"Any", "TYPE_CHECKING", "Literal", "annotations", "Final"} & set(names)
    assert "HER2_COLOURS" in dir(hs.vocab) and "analyze" in dir(hs.tl)


def test_notebook_views_are_fragments_with_scoped_style(demo: Any) -> None:
    import re

    for result in (hs.tl.switching(demo), hs.tl.survival(demo), hs.classify(demo.samples)):
        html = result._repr_html_()
        assert "<html" not in html and "<body" not in html and "<!DOCTYPE" not in html
        style = "".join(re.findall(r"<style>(.*?)</style>", html, flags=re.S))
        selectors = [
            s.strip() for rule in re.findall(r"([^{}]+)\{", style) for s in rule.split(",")
        ]
        # inside one her2scope-output block; a style, where a view has one, scoped to it
        # (a result's Summary view, render/summary.py, has none)
        assert "her2scope-output" in html
        assert all(s.startswith(".her2scope-output") for s in selectors), selectors
    survival_html = hs.tl.survival(demo)._repr_html_()
    assert "n_patients" not in survival_html and "patients" in survival_html


def test_one_plot_convention_the_result(demo: Any) -> None:
    from matplotlib.figure import Figure

    table1 = hs.tl.analyze(demo)
    figures = [
        hs.pl.forest(table1),
        hs.pl.stacked(table1),
        hs.pl.oncoprint(table1),
        hs.pl.sensitivity(hs.tl.sensitivity(demo, policies=["low"])),
        hs.pl.adjusted(hs.tl.adjusted(demo)),
        hs.pl.switching(hs.tl.switching(demo)),
        hs.pl.km(hs.tl.survival(demo)),
        hs.pl.actionability(hs.tl.actionability(demo, history="first-line")),
    ]
    assert all(isinstance(f, Figure) for f in figures)
    # the old names, with the result or (as before) its table
    assert isinstance(hs.report.forest_figure(table1), Figure)
    assert isinstance(hs.report.forest_figure(table1.table), Figure)
    for name in hs.pl.__all__:
        doc = getattr(hs.pl, name).__doc__ or ""
        assert "Returns\n    -------" in doc and "Examples\n    --------" in doc, name


def test_one_format_keyword_with_deprecated_aliases(tmp_path: Path, demo: Any) -> None:
    from matplotlib.figure import Figure

    result = hs.tl.switching(demo)
    written = hs.report.write_result(result, tmp_path / "a", format="tsv")
    assert sorted(p.name for p in written) == ["audit.tsv", "table.tsv"]  # not KeyError 't'
    with pytest.warns(DeprecationWarning, match="formats= is deprecated; use format="):
        old = hs.report.write_result(result, tmp_path / "b", formats=("tsv", "parquet"))
    assert {p.suffix for p in old} == {".tsv", ".parquet"}
    with pytest.raises(ConfigError, match="format"):
        hs.report.write_result(result, tmp_path / "c", format="tvs")
    fig = Figure()
    fig.subplots().plot([0, 1])
    with pytest.warns(DeprecationWarning, match="fmt= is deprecated"):
        assert hs.report.encode_figure(fig, fmt="png")[:4] == b"\x89PNG"
    assert hs.report.encode_figure(fig, format="png")[:4] == b"\x89PNG"

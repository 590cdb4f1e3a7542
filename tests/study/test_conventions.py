"""Issue 10: study conventions (TCGA, METABRIC, MSK), HER2 harmonisation, not-profiled data."""

from __future__ import annotations

import json
import os
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from her2scope.cli import app, main
from her2scope.errors import InputFormatError
from her2scope.her2 import classify
from her2scope.study import load_study
from her2scope.study.conventions import (
    BINARY_CODE,
    builtin_conventions,
    convention_of,
    detect_convention,
    harmonise,
    her2_limitation,
)

FIXTURES = Path(__file__).parents[1] / "fixtures" / "conventions"


def _calls(study_dir: Path) -> dict[str, str]:
    study = harmonise(load_study(study_dir, cache=False))
    table = classify(study.samples, profile="asco-cap-2018").table
    return dict(table.select("SAMPLE_ID", "her2_category").iter_rows())


def test_builtin_conventions_validate() -> None:
    names = {c.name for c in builtin_conventions()}
    assert names == {"msk_breast", "tcga_brca_legacy", "tcga_brca_pancan", "metabric", "generic"}


def test_tcga_fixture_detected_and_called() -> None:
    study = harmonise(load_study(FIXTURES / "tcga_brca", cache=False))
    assert convention_of(study) == "tcga_brca_legacy"
    calls = _calls(FIXTURES / "tcga_brca")
    # IHC 2+, FISH negative, 47 HER2 / 40 CEP17 over 20 cells = 2.35 / 2.0 per cell: HER2-low
    assert calls["TCGA-F1-0001-01"] == "HER2-low"
    # 63 copies without a cell count: a total, unusable, never read as 63 per cell (group 3)
    assert calls["TCGA-F1-0002-01"] != "HER2-positive"
    # one entry, with the reason: the sequenced and primary fields name the same columns
    (entry,) = study.audit.by_code("conventions.copies")
    assert entry.count == 1 and "no cell count" in entry.message
    assert calls["TCGA-F1-0003-01"] == "HER2-low"
    assert calls["TCGA-F1-0004-01"] == "HER2-positive"
    assert calls["TCGA-F1-0005-01"] == "HER2-0"
    hr = dict(study.samples.select("SAMPLE_ID", "HR_STATUS").iter_rows())
    assert hr["TCGA-F1-0001-01"] == "Positive" and hr["TCGA-F1-0003-01"] == "Negative"
    assert hr["TCGA-F1-0004-01"] is None  # ER negative, PR indeterminate (missing)
    status = dict(study.patients.select("PATIENT_ID", "OS_STATUS").iter_rows())
    assert status["TCGA-F1-0002"] == "1:DECEASED" and status["TCGA-F1-0001"] == "0:LIVING"


def test_metabric_fixture_binary() -> None:
    study = harmonise(load_study(FIXTURES / "metabric", cache=False))
    assert convention_of(study) == "metabric"
    assert study.audit.by_code(BINARY_CODE)
    calls = _calls(FIXTURES / "metabric")
    assert calls == {"MB-0001": "HER2-positive", "MB-0002": "HER2-negative", "MB-0003": "unknown"}


def test_same_tumor_same_call_whichever_convention() -> None:
    """One tumor (IHC 2+, ISH not amplified, ratio 1.3) written in MSK and TCGA layouts."""
    msk = pl.DataFrame(
        {"HER2_IHC_SCORE": ["2+"], "HER2_FISH": ["Not Amplified"], "HER2_FISH_RATIO": ["1.3"]}
    )
    tcga = pl.DataFrame(
        {"HER2_IHC_SCORE": ["2"], "HER2_FISH_STATUS": ["Negative"], "HER2_CENT17_RATIO": ["1.3"]}
    )
    from her2scope.study.model import Study

    def call(samples: pl.DataFrame, conv: str) -> str:
        samples = samples.with_columns(
            pl.lit("S1").alias("SAMPLE_ID"), pl.lit("P1").alias("PATIENT_ID")
        )
        study = Study(
            study_id="x",
            path=None,
            meta={},
            samples=samples,
            patients=pl.DataFrame({"PATIENT_ID": ["P1"]}),
        )
        harmonised = harmonise(study, conv)
        return str(classify(harmonised.samples).table["her2_category"][0])

    assert call(msk, "msk_breast") == call(tcga, "tcga_brca_legacy") == "HER2-low"


def test_cli_metabric_analyze_stops_with_reason(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["analyze", str(FIXTURES / "metabric"), "--no-cache"]) == 2
    err = capsys.readouterr().err
    assert "her2scope: error: " in err and "cannot support" in err
    assert err.rstrip().splitlines()[-1].startswith("her2scope: error: ")


def test_cli_map_and_conventions_on_analyze(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        [
            "analyze",
            str(FIXTURES / "tcga_brca"),
            "--no-cache",
            "--conventions",
            "tcga_brca_legacy",
            "--map",
            "ihc=IHC_HER2",
            "--out",
            str(tmp_path),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "tcga_brca_legacy+map" in result.output


def test_no_cna_file_is_not_profiled() -> None:
    from her2scope.study.panels import panel_assignment

    study = load_study(FIXTURES / "tcga_brca", cache=False)
    assert panel_assignment(study, "cna").table["panel_id"].is_null().all()
    assert panel_assignment(study, "mutations").table["panel_id"].is_not_null().all()


_ES0 = Path(os.environ.get("HER2SCOPE_STUDIES", "../shared/data/cbioportal")) / "study_es_0"


@pytest.mark.skipif(not _ES0.is_dir(), reason="study_es_0 not found via HER2SCOPE_STUDIES")
def test_study_es_0_long_cna_and_every_file_accounted() -> None:
    study = load_study(_ES0, on_error="record", cache=False)
    assert not study.audit.errors
    assert study.audit.total("cna.cells_read") == 6304
    assert study.cna.height == 1743
    # one PanCancer-style column (SUBTYPE) is not a PanCancer export: min_detect is 3
    conv, scores = detect_convention(study)
    assert scores["tcga_brca_pancan"] == 1 and conv.name == "generic"
    read_or_skipped = {e.file for e in study.audit if e.file}
    for meta in _ES0.glob("meta_*.txt"):
        if meta.name in ("meta_study.txt",):
            continue
        assert any(meta.name in (f or "") for f in read_or_skipped) or meta.name in {
            "meta_clinical_samples.txt",
            "meta_clinical_patients.txt",
            "meta_mutations_extended.txt",
            "meta_cna_discrete.txt",
            "meta_structural_variants.txt",
            "meta_gene_panel_matrix.txt",
        }, meta.name


@pytest.mark.parametrize(
    ("study", "expected"),
    [
        # TCGA: HER2_IHC_SCORE 0-3 with FISH, ER_STATUS_BY_IHC
        ("tcga_brca", {"TCGA-F1-0004-01": ("HER2-positive", "negative")}),
        # METABRIC: HER2 only +/- (HER2-negative, not split into low/0), ER +/-
        (
            "metabric",
            {"MB-0001": ("HER2-positive", "positive"), "MB-0002": ("HER2-negative", "negative")},
        ),
    ],
)
def test_patient_reports_from_a_study_read_its_convention(
    tmp_path: Path, study: str, expected: dict[str, tuple[str, str]]
) -> None:
    """report --study reads HER2 and ER by the study's convention, not MSK's column names
    (before, every TCGA and METABRIC sample came out HER2 and ER unknown, with no option)."""
    result = CliRunner().invoke(
        app,
        [
            "report",
            "--study",
            str(FIXTURES / study),
            "--all",
            "--per-sample",
            "--out",
            str(tmp_path),
            "-f",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    index = pl.read_csv(tmp_path / "index.tsv", separator="\t")
    got = {
        r["sample_id"]: (r["her2_category"], r["er_status"])
        for r in index.iter_rows(named=True)
        if r["sample_id"] in expected
    }
    assert got == expected
    known = index.filter(pl.col("her2_category") != "unknown")
    # eligible or conditional on what the study does not record (setting, history)
    assert (known["n_options"] + known["n_conditional"]).min() > 0


def test_pancan_export_has_no_her2_and_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A PanCancer Atlas layout (SUBTYPE, no HER2 or receptor pathology): the HER2 analyses
    stop with the reason, the pool leaves it out, and its patient reports say why HER2 is
    unknown instead of reading PAM50 'BRCA_Her2' as a HER2 test."""
    study = harmonise(load_study(FIXTURES / "tcga_pancan", cache=False))
    assert convention_of(study) == "tcga_brca_pancan"
    reason = her2_limitation(study)
    assert reason is not None and "PAM50" in reason
    # the library's StudyError, printed by the CLI's one error handler (main)
    assert main(["analyze", str(FIXTURES / "tcga_pancan"), "--no-cache"]) == 2
    err = capsys.readouterr().err
    assert "her2scope: error: " in err and "cannot support" in err
    assert err.rstrip().splitlines()[-1].startswith("her2scope: error: ")
    assert "Traceback" not in err
    pooled = CliRunner().invoke(
        app, ["analyze", str(FIXTURES / "tcga_brca"), str(FIXTURES / "tcga_pancan"), "--no-cache"]
    )
    assert pooled.exit_code == 0, pooled.output
    assert "tcga_pancan_fixture" in pooled.output and "left out" in pooled.output
    report = CliRunner().invoke(
        app,
        [
            "report",
            "--study",
            str(FIXTURES / "tcga_pancan"),
            "--sample",
            "TCGA-P1-0002-01",
            "-f",
            "json",
        ],
    )
    assert report.exit_code == 0, report.output
    body = json.loads(report.output[report.output.index("{") :])
    assert body["her2"]["category"] == "unknown"
    notes = [c["message"] for c in body["caveats"] if c["code"] == "source_note"]
    assert any("BRCA_Her2 is not a HER2 test" in n for n in notes)


def test_cbioportal_export_reads_the_convention(tmp_path: Path) -> None:
    """export cbioportal calls HER2 from a TCGA study's own columns and writes them beside
    the study's sample columns, unchanged (before, every TCGA sample was 'unknown')."""
    result = CliRunner().invoke(
        app, ["export", "cbioportal", str(FIXTURES / "tcga_brca"), "--out", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    table = pl.read_csv(tmp_path / "data_clinical_sample.txt", separator="\t", comment_prefix="#")
    calls = dict(zip(table["SAMPLE_ID"], table["HER2SCOPE_HER2_CATEGORY"], strict=True))
    assert calls["TCGA-F1-0004-01"] == "HER2-positive"
    assert calls["TCGA-F1-0005-01"] == "HER2-0"
    assert calls["TCGA-F1-0003-01"] == "HER2-low"
    assert not {"HR_STATUS", "ER_STATUS", "HER2_FISH"} & set(table.columns)


def _study_with_her2_column(tmp_path: Path, column: str, values: list[str]) -> Path:
    """The tiny study with its HER2 IHC column renamed and refilled (an unknown layout)."""
    from study_factory import DEFAULT_SAMPLES, make_study

    samples = []
    for row, value in zip(DEFAULT_SAMPLES, values, strict=True):
        rest = {k: v for k, v in row.items() if k != "HER2_IHC_SCORE"}
        samples.append({**rest, column: value})
    return make_study(tmp_path, samples=samples)


@pytest.mark.parametrize(
    ("column", "values", "expected", "scale"),
    [
        # a clinical HER2 status: HER2-positive vs not, HER2-low cannot be called
        (
            "HER2_STATUS",
            ["Negative", "Negative", "Positive", "Equivocal"],
            ["HER2-negative", "HER2-negative", "HER2-positive", "equivocal"],
            "binary",
        ),
        # IHC scores under a name no convention lists: the full scale
        (
            "HER2",
            ["1+", "0", "3+", "2+"],
            ["HER2-low", "HER2-0", "HER2-positive", "equivocal"],
            "full",
        ),
    ],
)
def test_unknown_layout_her2_column_read_by_its_values(
    tmp_path: Path, column: str, values: list[str], expected: list[str], scale: str
) -> None:
    study = harmonise(load_study(_study_with_her2_column(tmp_path, column, values), cache=False))
    entry = study.audit.by_code("study.convention")[-1]
    assert f"column {column} read as" in entry.message
    assert (her2_limitation(study) is not None) == (scale == "binary")
    calls = classify(study.samples).table["her2_category"].to_list()
    assert calls == expected


@pytest.mark.parametrize(
    "values", [["1", "0", "1", "0"], ["yes", "no", "yes", "no"], ["1+", "Positive", "0", "x"]]
)
def test_unknown_layout_ambiguous_her2_column_not_guessed(
    tmp_path: Path, values: list[str]
) -> None:
    """0/1 flags, yes/no and mixed values could be IHC scores or a status: never guessed."""
    study = harmonise(load_study(_study_with_her2_column(tmp_path, "HER2", values), cache=False))
    message = study.audit.by_code("study.convention")[-1].message
    assert "read as" not in message
    assert "not read, the values could be IHC scores or a status: HER2" in message
    assert "--map ihc=COLUMN" in message
    with pytest.raises(InputFormatError, match="no HER2 pathology column"):
        classify(study.samples)


def test_library_analyses_read_the_convention_too() -> None:
    """hs.tl.* on a study loaded as is: the study's layout is applied (TCGA's FISH read as
    FISH, not as MSK's primary-tumour column), and a study that cannot give HER2-0/low/
    positive calls is refused with the reason instead of a table of misleading zeros."""
    import her2scope as hs
    from her2scope.errors import StudyError

    tcga = hs.load_study(FIXTURES / "tcga_brca", cache=False)
    result = hs.tl.analyze(tcga)
    calls = dict(zip(result.samples["sample_id"], result.samples["her2_category"], strict=True))
    assert calls["TCGA-F1-0004-01"] == "HER2-positive"
    assert calls["TCGA-F1-0001-01"] == "HER2-low"  # IHC 2+, FISH negative
    metabric = hs.load_study(FIXTURES / "metabric", cache=False)
    for run in (hs.tl.analyze, hs.tl.sensitivity, hs.tl.switching):
        with pytest.raises(StudyError, match="positive/negative"):
            run(metabric)
    with pytest.raises(StudyError, match="PAM50"):
        hs.tl.analyze(hs.load_study(FIXTURES / "tcga_pancan", cache=False))

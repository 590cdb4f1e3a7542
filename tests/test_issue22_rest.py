"""Issue 22 (the part outside HER2 reading): cancer type, survival units and notes,
switching sources, pooled duplicates, and the messages listed under "Why".

Run on the real shared studies (brca_tcga_pub2015, brca_tcga_pan_can_atlas_2018,
study_es_0, breast_msk_2018) and on two fixtures sliced from real files:
``fixtures/laml_maftools_slice`` (maftools' tcga_laml MAF and annotation) and
``fixtures/cbioportal_download`` (see their SOURCE.md).
"""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import polars as pl
import pytest

from her2scope.cli import main
from her2scope.study import load_study

FIXTURES = Path(__file__).parent / "fixtures"
LAML = FIXTURES / "laml_maftools_slice"
DOWNLOAD = FIXTURES / "cbioportal_download" / "brca_tcga_pub2015_clinical_download.tsv"


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _copy(studies_root: Path, name: str, tmp_path: Path, new_id: str | None = None) -> Path:
    target = tmp_path / (new_id or name)
    shutil.copytree(studies_root / name, target)
    if new_id:
        for meta in target.glob("meta_*.txt"):
            meta.write_text(meta.read_text().replace(name, new_id))
    return target


# --------------------------------------------------------------------------- cancer type


@pytest.mark.parametrize(
    ("name", "source"),
    [
        ("brca_tcga_pub2015", "CANCER_TYPE"),
        ("brca_tcga_pan_can_atlas_2018", "CANCER_TYPE"),
        ("breast_msk_2018", "CANCER_TYPE"),
        ("study_es_0", "meta_study.txt"),  # type_of_cancer brca-es0, named in data_cancer_type
    ],
)
def test_shared_studies_are_breast(studies_root: Path, name: str, source: str) -> None:
    from her2scope.study.cancer_type import cancer_type

    found = cancer_type(load_study(studies_root / name))
    assert found.breast == found.n_samples > 0
    assert found.other == 0 and found.unknown == 0
    assert found.source == source
    assert found.warning() is None


def test_aml_study_is_outside_breast() -> None:
    from her2scope.study.cancer_type import cancer_type, has_genomic_data

    study = load_study(LAML, cache=False)
    found = cancer_type(study)
    assert found.outside_breast and found.other == 36 and found.breast == 0
    warning = found.warning()
    assert warning is not None and "type_of_cancer aml: 36 samples" in warning
    assert has_genomic_data(study)


def test_some_samples_outside_breast_are_counted(studies_root: Path, tmp_path: Path) -> None:
    """A sample-level CANCER_TYPE decides per sample; the count names how many."""
    from her2scope.study.cancer_type import cancer_type

    study = _copy(studies_root, "breast_msk_2018", tmp_path)
    path = study / "data_clinical_sample.txt"
    lines = path.read_text().splitlines()
    header = next(i for i, ln in enumerate(lines) if not ln.startswith("#"))
    col = lines[header].split("\t").index("CANCER_TYPE")
    for i in range(header + 1, header + 6):
        cells = lines[i].split("\t")
        cells[col] = "Leukemia"
        lines[i] = "\t".join(cells)
    path.write_text("\n".join(lines) + "\n")
    found = cancer_type(load_study(study, cache=False))
    assert (found.other, found.breast) == (5, 1913)
    assert found.other_types == {"Leukemia": 5}
    assert "5 of 1,918 samples are not breast cancer" in (found.warning() or "")


def test_clinical_only_study_has_no_genomic_data(studies_root: Path) -> None:
    from her2scope.study.cancer_type import has_genomic_data

    assert not has_genomic_data(load_study(studies_root / "brca_tcga_pub2015"))
    assert has_genomic_data(load_study(studies_root / "breast_msk_2018"))


def test_outside_breast_warns_and_strict_refuses(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["survival", str(LAML), "--by", "alteration:KRAS_mut", "--no-cache"]
    code, _out, err = _run(capsys, *args, "--strict")
    assert code == 2
    assert "her2scope: error: laml_maftools_slice: the study is not breast cancer" in err
    assert "refused under --strict" in err


def test_study_id_export_refuses_is_a_validate_warning(
    studies_root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from her2scope.study.cancer_type import study_id_problem

    assert study_id_problem("brca_tcga_pub2015") is None
    assert study_id_problem("BRCA-TCGA.copy") is not None
    study = _copy(studies_root, "brca_tcga_pub2015", tmp_path, "BRCA-TCGA.copy")
    code, out, _ = _run(capsys, "validate", str(study), "--strict")
    assert code == 2
    assert "meta.study_id_not_cbioportal" in out
    assert "NOT usable under --strict" in out and ": usable" not in out


def test_validate_strict_verdict_matches_exit(
    studies_root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """pub2015 has warnings: plain validate says usable (exit 0), --strict says not (exit 2)."""
    code, out, _ = _run(capsys, "validate", str(studies_root / "brca_tcga_pub2015"))
    assert code == 0 and "brca_tcga_pub2015: usable" in out
    code, out, _ = _run(capsys, "validate", str(studies_root / "brca_tcga_pub2015"), "--strict")
    assert code == 2 and "NOT usable under --strict" in out and ": usable" not in out


# --------------------------------------------------------------------------- survival


def test_days_as_months_refused_with_conversion(capsys: pytest.CaptureFixture[str]) -> None:
    """maftools' days_to_last_followup under OS_MONTHS: median 365 'months'."""
    code, _, err = _run(capsys, "survival", str(LAML), "--by", "alteration:KRAS_mut")
    assert code == 2
    line = [ln for ln in err.splitlines() if ln.startswith("her2scope: error:")]
    assert len(line) == 1
    assert "median 365" in line[0] and "divide by 30.4375" in line[0]


def test_tcga_days_mapped_as_months_refused(
    studies_root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = _run(
        capsys,
        "survival",
        str(studies_root / "brca_tcga_pub2015"),
        "--map",
        "os_months=DAYS_TO_LAST_FOLLOWUP",
    )
    assert code == 2 and "OS_MONTHS do not look like months" in err


def test_real_month_columns_pass_the_units_check(studies_root: Path) -> None:
    from her2scope.cohort.survival import check_os_months

    for name in ("brca_tcga_pub2015", "brca_tcga_pan_can_atlas_2018", "breast_msk_2018"):
        months = load_study(studies_root / name).patients["OS_MONTHS"].cast(pl.Float64)
        check_os_months(months)  # no error


def test_msk_notes_only_where_msk_convention_applies(
    studies_root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _run(capsys, "survival", str(studies_root / "brca_tcga_pub2015"))
    assert code == 0
    assert "sequencing-time bias" not in out and "NGS_SAMPLE_COLLECTION_TIME (ties" not in out
    assert "the first by SAMPLE_ID (the study records no sequencing time)" in " ".join(out.split())
    code, out, _ = _run(capsys, "survival", str(studies_root / "breast_msk_2018"))
    assert code == 0
    flat = " ".join(out.split())
    assert "CAUTION (sequencing-time bias)" in flat
    assert "first sequenced sample by NGS_SAMPLE_COLLECTION_TIME" in flat


def test_empty_reference_group_and_cox_explained() -> None:
    from her2scope.cohort.survival import survival_from_calls

    samples = pl.DataFrame(
        {
            "SAMPLE_ID": [f"S{i}" for i in range(6)],
            "PATIENT_ID": [f"P{i}" for i in range(6)],
            "her2_category": ["HER2-low"] * 3 + ["HER2-positive"] * 3,
        }
    )
    patients = pl.DataFrame(
        {
            "PATIENT_ID": [f"P{i}" for i in range(6)],
            "OS_MONTHS": [5.0, 10.0, 20.0, 7.0, 12.0, 30.0],
            "OS_STATUS": ["1:DECEASED", "0:LIVING"] * 3,
        }
    )
    result = survival_from_calls(samples, patients)
    assert result.cox.height == 0
    text = " ".join(result.explanations)
    assert "reference group HER2-0 has no analysed patient" in text
    assert "no Cox model: the reference group HER2-0 has no patient" in text
    assert result.audit.by_code("survival.not_estimable")
    assert result.bias_note == ""  # no sequencing time in these samples
    assert "no Cox model" in result.summary()


def test_one_group_cox_explained() -> None:
    from her2scope.cohort.survival import survival_from_calls

    samples = pl.DataFrame(
        {"SAMPLE_ID": ["S1", "S2"], "PATIENT_ID": ["P1", "P2"], "her2_category": ["HER2-0"] * 2}
    )
    patients = pl.DataFrame(
        {"PATIENT_ID": ["P1", "P2"], "OS_MONTHS": [3.0, 4.0], "OS_STATUS": ["1:DECEASED"] * 2}
    )
    result = survival_from_calls(samples, patients)
    assert result.explanations == [
        "no Cox model: only one group has patients (HER2-0): a model needs at least two groups"
    ]


# --------------------------------------------------------------------------- switching


def test_switching_needs_two_her2_sources(
    studies_root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from her2scope.cohort.switching import switching

    result = switching(load_study(studies_root / "brca_tcga_pub2015"))
    assert "primary_vs_sequenced" in result.not_made
    assert "one HER2 pathology per tumour" in result.not_made["primary_vs_sequenced"]
    assert "primary_vs_sequenced" not in result.accounting["comparison"].to_list()
    assert result.audit.by_code("switching.one_source")
    code, out, _ = _run(capsys, "switching", str(studies_root / "brca_tcga_pub2015"))
    assert code == 0
    assert "primary_vs_sequenced: not made:" in out
    assert "any change" not in out.split("serial")[0]  # no primary rates printed

    msk = switching(load_study(studies_root / "breast_msk_2018"))
    assert "primary_vs_sequenced" not in msk.not_made
    assert "primary_vs_sequenced" in msk.accounting["comparison"].to_list()


# --------------------------------------------------------------------------- pooled


def test_pooled_drops_repeated_samples_with_the_count(
    studies_root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    copy = _copy(studies_root, "brca_tcga_pub2015", tmp_path, "brca_tcga_pub2015_copy")
    code, out, err = _run(
        capsys,
        "analyze",
        str(studies_root / "breast_msk_2018"),
        str(studies_root / "brca_tcga_pub2015"),
        str(copy),
    )
    assert code == 0
    flat = " ".join((out + err).split())
    assert "818 sample(s) of brca_tcga_pub2015_copy are already in brca_tcga_pub2015" in flat
    assert "3,554" not in flat and "3554 samples analysed" not in flat
    assert "Pooled 2 studies" in flat


def test_pooled_partial_overlap_counted_once(studies_root: Path, tmp_path: Path) -> None:
    from her2scope.cohort.pooled.compute import analyze_many

    copy = _copy(studies_root, "brca_tcga_pub2015", tmp_path, "brca_tcga_pub2015_half")
    path = copy / "data_clinical_sample.txt"
    lines = path.read_text().splitlines()
    body = [i for i, ln in enumerate(lines) if not ln.startswith("#")][1:]
    for i in body[:400]:  # the first 400 samples get new ids: only the rest repeat
        cells = lines[i].split("\t")
        cells[1] = cells[1] + "-NEW"
        lines[i] = "\t".join(cells)
    path.write_text("\n".join(lines) + "\n")
    first = load_study(studies_root / "brca_tcga_pub2015")
    result = analyze_many([first, load_study(copy, cache=False)])
    assert result.duplicates == {("brca_tcga_pub2015_half", "brca_tcga_pub2015"): 418}
    assert result.per_study["brca_tcga_pub2015_half"].n_samples == 400
    payload = result.audit.by_code("pooled.duplicate_samples")
    assert payload and payload[0].count == 418


# --------------------------------------------------------------------------- messages


def test_nothing_assessed_summary_and_class_rows(studies_root: Path) -> None:
    from her2scope.cohort.table1.compute import analyze
    from her2scope.cohort.table1.views import summary_text, terminal_table

    result = analyze(load_study(studies_root / "brca_tcga_pub2015"))
    na = result.unassessed_rows()
    assert {"ER", "TF", "MAPK", "PI3K", "CDK46", "ALL"} <= na
    text = summary_text(result)
    assert "Fisher p ;" not in text and "(%, 95% CI -)" not in text
    assert "Any catalog alteration: not assessed" in text
    table = terminal_table(result)
    altered = dict(zip(table.columns[0].cells, table.columns[1].cells, strict=True))
    assert altered["ALL"] == "n/a" and altered["ER"] == "n/a"


def test_class_rows_of_a_profiled_study_keep_counts(studies_root: Path) -> None:
    from her2scope.cohort.table1.compute import analyze

    assert analyze(load_study(studies_root / "breast_msk_2018")).unassessed_rows() == set()


@pytest.mark.parametrize(
    ("low", "zero", "note", "reason"),
    [
        (0, 0, None, "no altered tumour with a HER2-low/0 call"),
        (0, 4, None, "no HER2-low tumour altered"),
        (3, 0, None, "no HER2-0 tumour altered"),
        (3, 4, "model did not converge", "model did not converge"),
    ],
)
def test_odds_ratio_cells_give_the_reason(
    low: int, zero: int, note: str | None, reason: str
) -> None:
    from her2scope.cohort.adjusted.result import fmt_or

    row = {
        "adj_or": math.nan,
        "adj_ci_low": math.nan,
        "adj_ci_high": math.inf,
        "n_altered_low": low,
        "n_altered_zero": zero,
        "note": note,
    }
    assert fmt_or(row, "adj") == f"n/e ({reason})"
    assert "---" not in fmt_or(row, "adj")


def test_classify_out_parquet_is_parquet(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    table = tmp_path / "t.tsv"
    table.write_text("id\tihc\na\t1+\nb\t3+\n")
    out = tmp_path / "calls.parquet"
    code, _, _ = _run(capsys, "classify", str(table), "--out", str(out))
    assert code == 0
    frame = pl.read_parquet(out)
    assert frame["her2_category"].to_list() == ["HER2-low", "HER2-positive"]
    code, _, err = _run(capsys, "classify", str(table), "--out", str(tmp_path / "calls.foo"))
    assert code == 2 and "cannot tell the format" in err
    assert not (tmp_path / "calls.foo").exists()


def test_download_with_a_repeated_unused_column(capsys: pytest.CaptureFixture[str]) -> None:
    maps = ["ihc=HER2 ihc score", "ish_status=HER2 fish status", "ish_ratio=HER2 cent17 ratio"]
    args = ["classify", str(DOWNLOAD)]
    for m in maps:
        args += ["--map", m]
    code, out, err = _run(capsys, *args)
    assert code == 0
    rows = out.strip().splitlines()
    assert len(rows) == 31  # header + 30 samples
    assert rows[0].count("First Pathologic Diagnosis Biospecimen Acquisition Method Type") == 1
    assert "appearing twice" in err
    # reading the repeated column is ambiguous: refused, naming it
    code, _, err = _run(
        capsys,
        "classify",
        str(DOWNLOAD),
        "--map",
        "ihc=First Pathologic Diagnosis Biospecimen Acquisition Method Type",
    )
    assert code == 2 and "appears twice in the header (columns 4, 5)" in err


def test_unknown_profile_in_patient_file_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    patient = tmp_path / "p.yaml"
    patient.write_text(
        "id: P-CAT\ner_status: positive\nher2: {category: HER2-low}\nprofile: asco-cap-2032\n"
    )
    code, out, err = _run(capsys, "report", str(patient))
    assert code == 2 and out == ""
    assert "unknown HER2 profile 'asco-cap-2032'" in err and "asco-cap-2023" in err


def test_io_error_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    """/proc/self/mem answers a read at offset 0 with EIO: a real I/O error."""
    if not Path("/proc/self/mem").exists():
        pytest.skip("no /proc/self/mem")
    code, _, err = _run(capsys, "classify", "/proc/self/mem")
    assert code == 2
    assert "Traceback" not in err
    assert "Input/output error" in err


def test_markdown_escaping() -> None:
    from her2scope.render.markdown import md_code, md_escape, md_nct_link

    assert md_escape("P_1*<img src=x>") == "P\\_1\\*\\<img src=x\\>"
    assert md_escape("[x](javascript:y)") == "\\[x\\](javascript:y)"
    assert md_escape("&lt;b&gt;") == "\\&lt;b\\&gt;"
    assert md_escape("a\nb") == "a b"
    assert md_code("A`B") == "``A`B``"
    assert md_nct_link("NCT01234567") == (
        " [NCT01234567](<https://clinicaltrials.gov/study/NCT01234567>)"
    )
    assert md_nct_link("NCT1) [x](javascript:y") == " NCT1) \\[x\\](javascript:y"


def test_patient_report_escapes_the_id(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    patient = tmp_path / "p.yaml"
    patient.write_text(
        'id: "P_1*<img src=x onerror=alert(1)>[x](javascript:y)"\n'
        'er_status: positive\nher2: {ihc: "1+"}\n'
    )
    code, out, _ = _run(capsys, "report", str(patient))
    assert code == 0
    first = out.splitlines()[0]
    assert first == (
        "# Patient report: P\\_1\\*\\<img src=x onerror=alert(1)\\>\\[x\\](javascript:y)"
    )


def test_switching_json_says_not_made(studies_root: Path, tmp_path: Path) -> None:
    from her2scope.cohort.switching import switching
    from her2scope.cohort.switching.views import write_switching

    result = switching(load_study(studies_root / "brca_tcga_pub2015"))
    write_switching(result, tmp_path)
    data = json.loads((tmp_path / "switching_rates.json").read_text())
    assert "primary_vs_sequenced" in data["not_made"]

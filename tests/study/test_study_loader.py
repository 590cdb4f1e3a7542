"""Loading, validating and auditing hand-made cBioPortal study folders."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from her2scope.errors import InputFormatError, StudyError
from her2scope.study import Study, load_study, summarize
from her2scope.study.readers import read_cna
from study_factory import (
    DEFAULT_CNA,
    DEFAULT_MAF_ROWS,
    DEFAULT_SAMPLES,
    MAF_HEADER,
    maf_row,
    make_study,
)


def _cna_expected(cna: dict[str, dict[str, str]]) -> set[tuple[str, str, float]]:
    keep = {"-2", "-1.5", "-1", "1", "2"}
    return {(s, g, float(v)) for g, row in cna.items() for s, v in row.items() if v in keep}


def test_valid_study_loads_with_typed_tables(tmp_path: Path) -> None:
    study = load_study(make_study(tmp_path))
    assert isinstance(study, Study)
    assert study.study_id == "tiny_study"
    assert study.audit.ok
    # the default fixture is clean but for S4: IHC 2+ and no ISH column in the study
    assert [w.code for w in study.audit.warnings] == ["clinical.her2_column_absent"]
    assert study.samples["SAMPLE_ID"].to_list() == [r["SAMPLE_ID"] for r in DEFAULT_SAMPLES]
    assert study.samples.columns[:2] == ["SAMPLE_ID", "PATIENT_ID"]
    assert study.samples.schema["TMB_NONSYNONYMOUS"] == pl.Float64
    assert study.samples["TMB_NONSYNONYMOUS"].to_list() == [2.5, 4.0, None, 1.0]
    # STRING attributes stay exactly as written (HER2 "0" is not a number here)
    assert study.samples["HER2_IHC_SCORE"].to_list() == ["1+", "0", "3+", "2+"]
    assert study.n_patients == 3
    assert study.patients.schema["OS_MONTHS"] == pl.Float64
    attrs = study.sample_attributes.filter(pl.col("attribute") == "TMB_NONSYNONYMOUS")
    assert attrs["datatype"].item() == "NUMBER"
    assert attrs["display_name"].item() == "Tmb Nonsynonymous"


def test_mutations_columns_and_accounting(tmp_path: Path) -> None:
    study = load_study(make_study(tmp_path))
    muts = study.mutations
    assert muts.height == len(DEFAULT_MAF_ROWS)
    assert muts.schema["start_position"] == pl.Int64
    assert muts.schema["hotspot"] == pl.Boolean
    first = muts.row(0, named=True)
    assert first["sample_id"] == "S1" and first["hugo_symbol"] == "PIK3CA"
    assert first["protein_change"] == "H1047R" and first["hotspot"] is True
    assert first["line"] == 2  # header is line 1
    # quotes inside a MAF field are data, not quoting
    assert muts.filter(pl.col("hugo_symbol") == "GATA3")["hgvsp_short"].item() == (
        'p.S408fs "quoted"'
    )
    figures = summarize(study)
    assert figures["maf_rows_read"] == figures["maf_rows_kept"] == len(DEFAULT_MAF_ROWS)


def test_cna_is_long_nonzero_and_every_cell_counted(tmp_path: Path) -> None:
    study = load_study(make_study(tmp_path))
    got = {(r["sample_id"], r["hugo_symbol"], r["cna"]) for r in study.cna.iter_rows(named=True)}
    assert got == _cna_expected(DEFAULT_CNA)
    assert study.cna.schema["cna"] == pl.Float32
    figures = summarize(study)
    n_cells = sum(len(v) for v in DEFAULT_CNA.values())
    assert figures["cna_cells_read"] == n_cells
    assert figures["cna_cells_na"] == 1
    assert figures["cna_cells_nonzero"] == len(got)
    assert (
        figures["cna_cells_nonzero"] + figures["cna_cells_zero"] + figures["cna_cells_na"]
        + figures["cna_cells_bad"] + figures["cna_cells_skipped"]
    ) == n_cells  # fmt: skip


def test_fusion_partner_from_fusion_name(tmp_path: Path) -> None:
    study = load_study(make_study(tmp_path))
    partners = {(r["hugo_symbol"], r["partner"]) for r in study.sv.iter_rows(named=True)}
    assert partners == {("ESR1", "CCDC170"), ("CCDC170", "ESR1"), ("PTEN", None)}
    assert set(study.sv["source"]) == {"fusions"}


def test_sv_format_one_row_per_gene(tmp_path: Path) -> None:
    sv = [
        {"Sample_Id": "S1", "Site1_Hugo_Symbol": "ESR1", "Site2_Hugo_Symbol": "YAP1",
         "Event_Info": "ESR1-YAP1 fusion"},
        {"Sample_Id": "S3", "Site1_Hugo_Symbol": "ERBB2", "Site2_Hugo_Symbol": "ERBB2",
         "Event_Info": "ERBB2 intragenic deletion"},
        {"Sample_Id": "S4", "Site1_Hugo_Symbol": "", "Site2_Hugo_Symbol": "NF1",
         "Event_Info": "NF1 truncation"},
        {"Sample_Id": "S4", "Site1_Hugo_Symbol": "", "Site2_Hugo_Symbol": "NA"},
    ]  # fmt: skip
    study = load_study(make_study(tmp_path, fusions=None, sv=sv))
    rows = {
        (r["sample_id"], r["hugo_symbol"], r["partner"]) for r in study.sv.iter_rows(named=True)
    }
    assert rows == {
        ("S1", "ESR1", "YAP1"),
        ("S1", "YAP1", "ESR1"),
        ("S3", "ERBB2", None),
        ("S4", "NF1", None),
    }
    assert set(study.sv["source"]) == {"sv"}
    (entry,) = study.audit.by_code("sv.missing_required_value")
    assert entry.count == 1 and entry.line == 5
    figures = summarize(study)
    assert figures["sv_rows_read"] == 4 and figures["sv_rows_kept"] == 3


@pytest.mark.parametrize("newline", ["\r", "\r\n"])
def test_any_line_ending_gives_the_same_study(tmp_path: Path, newline: str) -> None:
    plain = load_study(make_study(tmp_path / "lf"))
    other = load_study(make_study(tmp_path / "other", newline=newline))
    assert other.samples.equals(plain.samples)
    assert other.mutations.equals(plain.mutations)
    assert other.cna.sort(["sample_id", "hugo_symbol"]).equals(
        plain.cna.sort(["sample_id", "hugo_symbol"])
    )
    assert other.panel_matrix.equals(plain.panel_matrix)


def test_gzipped_data_files(tmp_path: Path) -> None:
    plain = load_study(make_study(tmp_path / "plain"))
    gz = load_study(make_study(tmp_path / "gz", gzip_data=True))
    assert (tmp_path / "gz" / "tiny_study" / "data_mutations.txt.gz").is_file()
    assert gz.mutations.equals(plain.mutations)
    assert gz.cna.height == plain.cna.height
    assert gz.sv.equals(plain.sv)


def test_meta_data_filename_may_omit_gz(tmp_path: Path) -> None:
    folder = make_study(tmp_path, gzip_data=True)
    meta = folder / "meta_mutations.txt"
    meta.write_text(meta.read_text().replace("data_mutations.txt.gz", "data_mutations.txt"))
    assert load_study(folder).mutations.height == len(DEFAULT_MAF_ROWS)


def test_cna_wide_rows_read_without_batches(tmp_path: Path) -> None:
    """The tiny study's CNA read gives one row per non-zero cell, genes in file order."""
    from her2scope.audit import Audit

    folder = make_study(tmp_path)
    got = read_cna(folder / "data_cna.txt", "data_cna.txt", audit=Audit())
    assert got.genes == list(DEFAULT_CNA)
    expected = {
        (sample, gene, float(value))
        for gene, row in DEFAULT_CNA.items()
        for sample, value in row.items()
        if value not in ("0", "NA")
    }
    assert {tuple(r) for r in got.table.iter_rows()} == expected


# ----------------------------------------------------------------------------- broken folders


def test_missing_meta_study_is_an_error(tmp_path: Path) -> None:
    folder = make_study(tmp_path)
    (folder / "meta_study.txt").unlink()
    with pytest.raises(StudyError, match=r"meta_study\.txt is missing"):
        load_study(folder)


def test_meta_pointing_to_absent_data_file(tmp_path: Path) -> None:
    folder = make_study(tmp_path)
    (folder / "data_mutations.txt").unlink()
    # issue 10: a warning, the rest of the study stays usable, the profile is not profiled
    study = load_study(folder, cache=False)
    (entry,) = study.audit.by_code("meta.data_file_missing")
    assert entry.level == "warning" and entry.file == "meta_mutations.txt"
    assert entry.column == "data_filename" and entry.line is not None
    assert study.mutations.height == 0 and study.n_samples == 4
    from her2scope.study.panels import panel_assignment

    assert panel_assignment(study, "mutations").table["panel_id"].is_null().all()


def test_data_file_without_meta_file_is_reported(tmp_path: Path) -> None:
    folder = make_study(tmp_path)
    (folder / "meta_mutations.txt").unlink()
    study = load_study(folder)
    (entry,) = study.audit.by_code("meta.unreferenced_data_file")
    assert entry.level == "warning" and entry.file == "data_mutations.txt"
    assert study.mutations.height == 0


def test_missing_clinical_sample_meta_is_an_error(tmp_path: Path) -> None:
    folder = make_study(tmp_path)
    (folder / "meta_clinical_sample.txt").unlink()
    with pytest.raises(StudyError, match="SAMPLE_ATTRIBUTES"):
        load_study(folder)


def test_maf_without_tumor_sample_barcode(tmp_path: Path) -> None:
    header = tuple(c for c in MAF_HEADER if c != "Tumor_Sample_Barcode")
    folder = make_study(tmp_path, maf_header=header)
    with pytest.raises(InputFormatError) as info:
        load_study(folder)
    assert (info.value.file, info.value.line, info.value.column) == (
        "data_mutations.txt",
        1,
        "Tumor_Sample_Barcode",
    )
    assert "data_mutations.txt:1: column 'Tumor_Sample_Barcode'" in info.value.one_line()


def test_maf_header_after_version_line_reports_its_own_line(tmp_path: Path) -> None:
    folder = make_study(tmp_path, maf_header=tuple(c for c in MAF_HEADER if c != "Hugo_Symbol"))
    path = folder / "data_mutations.txt"
    path.write_text("#version 2.4\n" + path.read_text())
    with pytest.raises(InputFormatError) as info:
        load_study(folder)
    assert info.value.line == 2 and info.value.column == "Hugo_Symbol"


def test_maf_rows_with_empty_required_values_are_flagged_not_lost(tmp_path: Path) -> None:
    rows = [*DEFAULT_MAF_ROWS, maf_row("S1", ""), maf_row("", "KRAS"), maf_row("S4", "")]
    study = load_study(make_study(tmp_path, maf_rows=rows))
    figures = summarize(study)
    assert figures["maf_rows_read"] == len(rows)
    assert figures["maf_rows_kept"] == len(DEFAULT_MAF_ROWS)
    assert figures["maf_rows_flagged"] == 3
    by_column = {e.column: e for e in study.audit.by_code("mutations.missing_required_value")}
    assert by_column["Hugo_Symbol"].count == 2
    assert by_column["Hugo_Symbol"].line == len(DEFAULT_MAF_ROWS) + 2
    assert by_column["Tumor_Sample_Barcode"].count == 1
    assert study.audit.total("mutations.missing_required_value") == figures["maf_rows_flagged"]


def test_maf_bad_integer_is_null_and_counted(tmp_path: Path) -> None:
    rows = [*DEFAULT_MAF_ROWS, maf_row("S3", "KRAS", t_alt_count="many")]
    study = load_study(make_study(tmp_path, maf_rows=rows))
    (entry,) = study.audit.by_code("mutations.bad_integer")
    assert entry.column == "t_alt_count" and entry.count == 1 and entry.level == "warning"
    assert study.mutations.filter(pl.col("hugo_symbol") == "KRAS")["t_alt_count"].item() is None


def test_duplicated_sample_id(tmp_path: Path) -> None:
    samples = [*DEFAULT_SAMPLES, {**DEFAULT_SAMPLES[1], "SAMPLE_TYPE": "again"}]
    folder = make_study(tmp_path, samples=samples)
    with pytest.raises(StudyError) as info:
        load_study(folder)
    assert info.value.file == "data_clinical_sample.txt"
    assert info.value.line == 5 + len(samples)  # 4 '#' lines + header, the repeat is last
    assert info.value.column == "SAMPLE_ID"
    study = load_study(folder, on_error="record")
    (entry,) = study.audit.by_code("clinical.duplicate_sample_id")
    assert entry.level == "error" and entry.sample_id == "S2" and entry.count == 1
    assert study.n_samples == 4
    assert study.samples.filter(pl.col("SAMPLE_ID") == "S2")["SAMPLE_TYPE"].item() == "Metastasis"


def test_cna_value_7_is_counted_and_kept_out(tmp_path: Path) -> None:
    cna = {g: dict(v) for g, v in DEFAULT_CNA.items()}
    cna["ERBB2"]["S4"] = "7"
    cna["MYC"]["S2"] = "amp"
    study = load_study(make_study(tmp_path, cna=cna))
    (entry,) = study.audit.by_code("cna.bad_value")
    assert entry.level == "warning" and entry.count == 2 and entry.file == "data_cna.txt"
    assert "'7'" in entry.message and entry.line == 2
    assert (
        study.cna.filter(pl.col("sample_id") == "S4", pl.col("hugo_symbol") == "ERBB2").height == 0
    )
    figures = summarize(study)
    assert figures["cna_cells_bad"] == 2
    assert (
        figures["cna_cells_nonzero"] + figures["cna_cells_zero"] + figures["cna_cells_na"]
        + figures["cna_cells_bad"]
    ) == figures["cna_cells_read"]  # fmt: skip


def test_cna_repeated_gene_row_is_skipped_and_counted(tmp_path: Path) -> None:
    folder = make_study(tmp_path)
    path = folder / "data_cna.txt"
    path.write_text(path.read_text() + "ERBB2\t2\t2\t2\t2\n")
    study = load_study(folder)
    (entry,) = study.audit.by_code("cna.row_skipped")
    assert entry.count == 4 and entry.line == len(DEFAULT_CNA) + 2
    assert study.cna.filter(pl.col("hugo_symbol") == "ERBB2").height == 1


def test_empty_data_file(tmp_path: Path) -> None:
    folder = make_study(tmp_path)
    (folder / "data_mutations.txt").write_bytes(b"")
    with pytest.raises(InputFormatError, match="empty file") as info:
        load_study(folder)
    assert info.value.file == "data_mutations.txt" and info.value.line == 1


def test_empty_cna_file(tmp_path: Path) -> None:
    folder = make_study(tmp_path)
    (folder / "data_cna.txt").write_bytes(b"")
    study = load_study(folder, on_error="record")
    (entry,) = study.audit.errors
    assert entry.file == "data_cna.txt" and "empty file" in entry.message


def test_latin1_bytes_are_an_error_with_file_and_line(tmp_path: Path) -> None:
    folder = make_study(tmp_path)
    path = folder / "data_clinical_sample.txt"
    lines = path.read_bytes().split(b"\n")
    lines[6] = lines[6].replace(b"Metastasis", "Metástase".encode("latin-1"))
    path.write_bytes(b"\n".join(lines))
    with pytest.raises(InputFormatError, match="not valid UTF-8") as info:
        load_study(folder)
    assert info.value.file == "data_clinical_sample.txt" and info.value.line == 7


def test_latin1_in_cna_matrix_is_an_error_with_line(tmp_path: Path) -> None:
    folder = make_study(tmp_path)
    path = folder / "data_cna.txt"
    path.write_bytes(path.read_bytes().replace(b"MYC", b"MY\xe7"))
    with pytest.raises(InputFormatError) as info:
        load_study(folder)
    assert info.value.file == "data_cna.txt" and info.value.line == 3


def test_ragged_line_is_an_error(tmp_path: Path) -> None:
    folder = make_study(tmp_path)
    path = folder / "data_mutations.txt"
    lines = path.read_text().split("\n")
    lines[3] += "\textra"
    path.write_text("\n".join(lines))
    with pytest.raises(InputFormatError, match="fields") as info:
        load_study(folder)
    assert info.value.line == 4


def test_sample_only_in_maf_is_warned_and_kept(tmp_path: Path) -> None:
    rows = [*DEFAULT_MAF_ROWS, maf_row("S99", "KRAS"), maf_row("S99", "NF1")]
    study = load_study(make_study(tmp_path, maf_rows=rows))
    entries = [
        e for e in study.audit.by_code("samples.not_in_clinical") if e.file == "data_mutations.txt"
    ]
    (entry,) = entries
    assert entry.level == "warning" and entry.count == 1 and entry.sample_id == "S99"
    assert "2 MAF rows" in entry.message
    assert study.mutations.filter(pl.col("sample_id") == "S99").height == 2


def test_bad_number_in_clinical_number_attribute(tmp_path: Path) -> None:
    samples = [dict(r) for r in DEFAULT_SAMPLES]
    samples[0]["TMB_NONSYNONYMOUS"] = "high"
    samples[1]["TMB_NONSYNONYMOUS"] = "[Not Available]"
    samples[3]["TMB_NONSYNONYMOUS"] = "n.d."
    study = load_study(make_study(tmp_path, samples=samples))
    (entry,) = study.audit.by_code("clinical.bad_number")
    assert entry.count == 2 and entry.column == "TMB_NONSYNONYMOUS" and entry.line == 6
    assert study.samples["TMB_NONSYNONYMOUS"].to_list() == [None, None, None, None]


def test_sample_with_unknown_patient_is_warned(tmp_path: Path) -> None:
    samples = [*DEFAULT_SAMPLES, {**DEFAULT_SAMPLES[0], "SAMPLE_ID": "S5", "PATIENT_ID": "P9"}]
    study = load_study(make_study(tmp_path, samples=samples))
    (entry,) = study.audit.by_code("clinical.patient_not_in_patient_file")
    assert entry.count == 1 and entry.sample_id == "S5"


def test_case_lists_are_read(tmp_path: Path) -> None:
    study = load_study(make_study(tmp_path))
    assert list(study.case_lists["tiny_study_all"]) == ["S1", "S2", "S3", "S4"]


def test_unknown_case_list_sample_is_warned(tmp_path: Path) -> None:
    folder = make_study(tmp_path)
    path = folder / "case_lists" / "cases_all.txt"
    path.write_text(path.read_text().replace("S4", "S4\tS77"))
    study = load_study(folder)
    (entry,) = study.audit.by_code("samples.not_in_clinical")
    assert entry.file == "case_lists/cases_all.txt" and entry.sample_id == "S77"


@pytest.mark.parametrize("stem", ["data_mutations", "data_cna"])
def test_truncated_gzip_data_file(tmp_path: Path, stem: str) -> None:
    folder = make_study(tmp_path, gzip_data=True)
    path = folder / f"{stem}.txt.gz"
    path.write_bytes(path.read_bytes()[:-12])
    with pytest.raises(InputFormatError, match="cannot read file") as info:
        load_study(folder)
    assert info.value.file == f"{stem}.txt.gz"


def test_repeated_maf_records_kept_once_and_counted(tmp_path: Path) -> None:
    """Only a repeat of the whole record (sample, gene, position, alleles) is dropped;
    another allele at the same position, or the same variant in another sample, stays."""
    esr1 = maf_row("S2", "ESR1", hgvsp="p.Y537S", Start_Position="152")
    rows = [
        *DEFAULT_MAF_ROWS,
        esr1,  # line 8
        dict(esr1),  # line 9: a repeat
        {**esr1, "Tumor_Seq_Allele2": "C", "HGVSp_Short": "p.Y537C"},  # another allele
        {**esr1, "Tumor_Sample_Barcode": "S1"},  # the same variant in another sample
        dict(esr1),  # line 12: a repeat
    ]
    study = load_study(make_study(tmp_path, maf_rows=rows))
    (entry,) = study.audit.by_code("mutations.duplicate_record")
    assert entry.count == 2 and entry.line == 9
    kept = study.mutations.filter(pl.col("start_position") == 152)
    assert sorted(zip(kept["sample_id"], kept["line"], strict=True)) == [
        ("S1", 11),
        ("S2", 8),
        ("S2", 10),
    ]


def test_validate_strict_fails_on_a_missing_data_file(tmp_path: Path) -> None:
    """The study stays usable (validate exits 0), but --strict refuses the warning."""
    from typer.testing import CliRunner

    from her2scope.cli import app

    folder = make_study(tmp_path)
    (folder / "data_mutations.txt").unlink()
    plain = CliRunner().invoke(app, ["validate", str(folder)])
    strict = CliRunner().invoke(app, ["validate", str(folder), "--strict"])
    assert plain.exit_code == 0, plain.output
    assert strict.exit_code == 2 and "data_file_missing" in strict.output

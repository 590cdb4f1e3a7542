"""``her2scope export cbioportal`` against cBioPortal's documented file-format rules.

The rules checked here are those of cBioPortal's "File Formats" page (Clinical
Data, Case Lists) and of its importer's validator (``validateData.py``):
exactly four ``#`` header lines with one cell per column, no empty/NA display
name or description, datatypes STRING/NUMBER/BOOLEAN, integer priorities >= 0,
upper-case attribute ids, SAMPLE_ID and PATIENT_ID columns, unique sample ids
without white space or ``,;+/=*``, NUMBER cells real numbers, BOOLEAN cells
TRUE/FALSE, blank = no value; one sample attribute file per study; meta keys;
case lists with the five keys, a stable id ``<study>_...`` unique in the study,
tab-separated ids all defined in the sample file.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from her2scope.cli import main

STUDY = "breast_msk_2018"
NULL_VALUES = {"[not applicable]", "[not available]", "[pending]", "[discrepancy]"}
NULL_VALUES |= {"[completed]", "[null]", "", "na"}


def _key_values(path: Path) -> dict[str, str]:
    out: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            key, sep, value = line.partition(":")
            assert sep, f"{path.name}: line without 'key: value': {line!r}"
            assert key not in out, f"{path.name}: {key} twice"
            out[key.strip()] = value.strip()
    return out


def _clinical(path: Path) -> tuple[list[list[str]], list[str], list[list[str]]]:
    lines = path.read_text(encoding="utf-8").split("\n")
    assert lines[-1] == "", "file ends with a newline"
    lines = lines[:-1]
    header = [line for line in lines[:5] if line.startswith("#")]
    assert len(header) == 4, "exactly four '#' metadata lines"
    assert all(line.startswith("#") for line in lines[:4])
    assert not lines[4].startswith("#")
    meta_rows = [line[1:].split("\t") for line in lines[:4]]
    columns = lines[4].split("\t")
    rows = [line.split("\t") for line in lines[5:]]
    return meta_rows, columns, rows


@pytest.fixture(scope="module")
def exported(shared_study_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("export")
    code = main(["export", "cbioportal", str(shared_study_dir), "--out", str(out)])
    assert code == 0
    return out


@pytest.mark.study
def test_meta_file_keys(exported: Path, shared_study_dir: Path) -> None:
    meta = _key_values(exported / "meta_clinical_sample.txt")
    study_meta = _key_values(shared_study_dir / "meta_study.txt")
    assert meta == {
        "cancer_study_identifier": study_meta["cancer_study_identifier"],
        "genetic_alteration_type": "CLINICAL",
        "datatype": "SAMPLE_ATTRIBUTES",
        "data_filename": "data_clinical_sample.txt",
    }
    assert (exported / meta["data_filename"]).is_file()


@pytest.mark.study
def test_sample_file_follows_the_clinical_format(exported: Path, shared_study_dir: Path) -> None:
    meta_rows, columns, rows = _clinical(exported / "data_clinical_sample.txt")
    display, description, datatype, priority = meta_rows
    n = len(columns)
    assert all(len(r) == n for r in meta_rows), "one header cell per column"
    for cell in display + description:
        assert cell.strip().lower() not in NULL_VALUES
    assert set(datatype) <= {"STRING", "NUMBER", "BOOLEAN"}
    assert all(p.isdigit() and int(p) >= 0 for p in priority)
    assert all(c.isupper() for c in columns)
    assert len(set(columns)) == n
    assert columns[0] == "SAMPLE_ID" and "PATIENT_ID" in columns
    assert all(len(r) == n for r in rows), "every data row has every column"

    # the study's own sample file: same samples, same attributes, and ours do not collide
    _, study_columns, study_rows = _clinical(shared_study_dir / "data_clinical_sample.txt")
    ours = [c for c in columns if c.startswith("HER2SCOPE_")]
    assert set(ours).isdisjoint(study_columns)
    assert set(columns) - set(ours) == set(study_columns)
    assert {
        "HER2SCOPE_HER2_CATEGORY",
        "HER2SCOPE_HER2_RATIONALE",
        "HER2SCOPE_ISH_GROUP",
        "HER2SCOPE_HER2_AMBIGUOUS",
        "HER2SCOPE_RESISTANCE_CLASSES",
        "HER2SCOPE_PI3K_ALTERED",
    } <= set(ours)
    sid = columns.index("SAMPLE_ID")
    sample_ids = [r[sid] for r in rows]
    study_sid = study_columns.index("SAMPLE_ID")
    assert sorted(sample_ids) == sorted(r[study_sid] for r in study_rows)
    assert len(set(sample_ids)) == len(sample_ids)
    assert not any(set(s) & set(" ,;+/=*") for s in sample_ids)

    kind = dict(zip(columns, datatype, strict=True))
    for j, col in enumerate(columns):
        for r in rows:
            value = r[j].strip()
            if value.lower() in NULL_VALUES:
                continue
            if kind[col] == "NUMBER":
                float(value)
            elif kind[col] == "BOOLEAN":
                assert value in {"TRUE", "FALSE"}, (col, value)

    # a STRING attribute of the study is carried over unchanged
    by_id = {r[study_sid]: r for r in study_rows}
    hist = columns.index("TUMOR_SAMPLE_HISTOLOGY")
    study_hist = study_columns.index("TUMOR_SAMPLE_HISTOLOGY")
    assert all(r[hist] == by_id[r[sid]][study_hist] for r in rows)
    # the HER2 call columns hold what the engine calls
    cat = columns.index("HER2SCOPE_HER2_CATEGORY")
    assert {r[cat] for r in rows} <= {
        "HER2-positive",
        "HER2-low",
        "HER2-ultralow",
        "HER2-null",
        "HER2-0",
        "HER2-negative",
        "equivocal",
        "unknown",
    }
    assert sum(r[cat] == "HER2-low" for r in rows) > 300


@pytest.mark.study
def test_case_lists_follow_the_case_list_format(exported: Path, shared_study_dir: Path) -> None:
    _, columns, rows = _clinical(exported / "data_clinical_sample.txt")
    sid, cat = columns.index("SAMPLE_ID"), columns.index("HER2SCOPE_HER2_CATEGORY")
    defined = {r[sid] for r in rows}
    existing = {
        _key_values(p)["stable_id"] for p in (shared_study_dir / "case_lists").glob("*.txt")
    }
    files = sorted((exported / "case_lists").glob("*.txt"))
    names = {p.name for p in files}
    assert {"cases_her2_low.txt", "cases_her2_zero.txt"} <= names
    stable_ids = set()
    for path in files:
        kv = _key_values(path)
        assert set(kv) == {
            "cancer_study_identifier",
            "stable_id",
            "case_list_name",
            "case_list_description",
            "case_list_ids",
        }
        assert kv["cancer_study_identifier"] == STUDY
        assert kv["stable_id"].startswith(STUDY + "_")
        assert kv["stable_id"] == f"{STUDY}_{path.stem.removeprefix('cases_')}"
        assert kv["stable_id"] not in existing and kv["stable_id"] not in stable_ids
        stable_ids.add(kv["stable_id"])
        line = next(
            x
            for x in path.read_text(encoding="utf-8").splitlines()
            if x.startswith("case_list_ids")
        )
        ids = line.split(": ", 1)[1].split("\t")
        assert ids and len(set(ids)) == len(ids)
        assert set(ids) <= defined
        assert f"({len(ids)} samples)" in kv["case_list_description"]
    low = _key_values(exported / "case_lists" / "cases_her2_low.txt")["case_list_ids"].split("\t")
    assert set(low) == {r[sid] for r in rows if r[cat] == "HER2-low"}


@pytest.mark.study
def test_dropped_into_the_study_it_replaces_the_sample_file(
    exported: Path, shared_study_dir: Path, tmp_path: Path
) -> None:
    study = tmp_path / STUDY
    shutil.copytree(shared_study_dir, study)
    shutil.copytree(exported, study, dirs_exist_ok=True)
    sample_metas = [
        p for p in study.glob("meta_*.txt") if "SAMPLE_ATTRIBUTES" in p.read_text(encoding="utf-8")
    ]
    assert [p.name for p in sample_metas] == ["meta_clinical_sample.txt"]

    from her2scope.study import load_study

    loaded = load_study(study, cache=False)
    assert "HER2SCOPE_HER2_CATEGORY" in loaded.samples.columns
    assert loaded.samples.height == 1918
    assert set(loaded.case_lists) >= {f"{STUDY}_her2_low", f"{STUDY}_all"}

    # exporting the exported study again replaces the HER2SCOPE_ columns, never doubles them
    again = tmp_path / "again"
    assert main(["export", "cbioportal", str(study), "--out", str(again)]) == 0
    _, columns, _ = _clinical(again / "data_clinical_sample.txt")
    assert len(columns) == len(set(columns))
    _, first, _ = _clinical(exported / "data_clinical_sample.txt")
    assert columns == first


@pytest.mark.study
def test_only_new_and_profile_choice(shared_study_dir: Path, tmp_path: Path) -> None:
    code = main(
        [
            "export",
            "cbioportal",
            str(shared_study_dir),
            "--out",
            str(tmp_path),
            "--only-new",
            "--profile",
            "ihc-only",
            "--ambiguous",
            "low",
        ]
    )
    assert code == 0
    meta_rows, columns, rows = _clinical(tmp_path / "data_clinical_sample.txt")
    assert columns[:2] == ["SAMPLE_ID", "PATIENT_ID"]
    assert all(c.startswith("HER2SCOPE_") for c in columns[2:])
    assert "ihc-only" in meta_rows[1][columns.index("HER2SCOPE_HER2_CATEGORY")]
    assert len(rows) == 1918
    # a value outside the choices is refused by the option parser
    assert main(["export", "cbioportal", STUDY, "--out", str(tmp_path), "--ambiguous", "x"]) == 2


def test_the_one_writer_formats_what_both_writers_write() -> None:
    """study.cbioportal_writer is the one cBioPortal writer (synth and export use it):
    its meta, case-list and clinical texts follow the File Formats rules."""
    import polars as pl

    from her2scope.errors import ConfigError
    from her2scope.study.cbioportal_writer import (
        ClinicalAttribute,
        case_list_head,
        case_list_text,
        clinical_meta_text,
        clinical_sample_text,
        gene_panel_text,
    )

    assert clinical_meta_text("brca_x", "SAMPLE_ATTRIBUTES", "data_clinical_sample.txt") == (
        "cancer_study_identifier: brca_x\ngenetic_alteration_type: CLINICAL\n"
        "datatype: SAMPLE_ATTRIBUTES\ndata_filename: data_clinical_sample.txt\n"
    )
    # synth streams its ids after the head; export writes the whole list at once
    head = case_list_head("brca_x", "all", "All samples", "All (2 samples)", "all_cases_in_study")
    assert head.endswith("case_list_category: all_cases_in_study\ncase_list_ids: ")
    assert "stable_id: brca_x_all\n" in head
    whole = case_list_text("brca_x", "low", "HER2-low", "Called HER2-low.", ["S1", "S2"])
    assert whole.endswith("case_list_description: Called HER2-low.\ncase_list_ids: S1\tS2\n")
    assert "case_list_category" not in whole
    assert gene_panel_text("P1", "two genes", ["A", "B"]) == (
        "stable_id: P1\ndescription: two genes\ngene_list: A\tB\n"
    )
    attrs = [
        ClinicalAttribute("SAMPLE_ID", "Sample Identifier", "NA", "STRING", "1"),
        ClinicalAttribute("PATIENT_ID", "", "Patient", "STRING", "1"),
        ClinicalAttribute("FLAG", "Flag", "A\tflag", "BOOLEAN", "0"),
        ClinicalAttribute("X", "X", "x", "NUMBER", "0"),
    ]
    rows = pl.DataFrame(
        {
            "SAMPLE_ID": ["S1", "S2"],
            "PATIENT_ID": ["P1", "P2"],
            "FLAG": [True, None],
            "X": [2.0, float("nan")],
        }
    )
    lines = clinical_sample_text(rows, attrs).split("\n")
    # NA-like or empty header cells fall back to the attribute id; tabs never split a cell
    assert lines[0] == "#Sample Identifier\tPATIENT_ID\tFlag\tX"
    assert lines[1] == "#SAMPLE_ID\tPatient\tA flag\tx"
    assert lines[2:5] == [
        "#STRING\tSTRING\tBOOLEAN\tNUMBER",
        "#1\t1\t0\t0",
        "SAMPLE_ID\tPATIENT_ID\tFLAG\tX",
    ]
    assert lines[5:] == ["S1\tP1\tTRUE\t2", "S2\tP2\t\t", ""]
    with pytest.raises(ConfigError, match="PATIENT_ID"):
        clinical_sample_text(
            rows.drop("PATIENT_ID"), [a for a in attrs if a.attribute != "PATIENT_ID"]
        )
    with pytest.raises(ConfigError, match="datatype"):
        clinical_sample_text(rows, [*attrs[:3], ClinicalAttribute("X", "X", "x", "FLOAT", "0")])

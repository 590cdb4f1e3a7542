"""Synthetic study generator: determinism, shape, value mix, panels, loadability.

Studies stay small (N <= 2,000) so the module runs in a few seconds; the
large-N behaviour (streaming, bounded memory) is measured by hand and noted
in the issue, not asserted here.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from pathlib import Path

import polars as pl
import pytest

from her2scope.cli import main
from her2scope.errors import ConfigError, SchemaError
from her2scope.synth import generate_study, load_marginals

SHARED_SAMPLES_PER_PATIENT = 1918 / 1756
PANEL_BY_SUFFIX = {"IM3": "IMPACT341", "IM5": "IMPACT410", "IM6": "IMPACT468"}


def _digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _clinical(path: Path) -> pl.DataFrame:
    return pl.read_csv(path, separator="\t", skip_rows=4, infer_schema=False, quote_char=None)


def _tsv(path: Path) -> pl.DataFrame:
    return pl.read_csv(path, separator="\t", infer_schema=False, quote_char=None)


@pytest.fixture(scope="module")
def study_2k(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synth") / "s2000"
    # A small chunk size makes the 2,000 samples span several chunks, so the
    # chunk seams (patients, case lists, appended files) are exercised.
    generate_study(out, n_samples=2000, seed=7, chunk_size=600)
    return out


def test_same_seed_gives_identical_bytes(tmp_path: Path) -> None:
    a = generate_study(tmp_path / "a", n_samples=400, seed=3, study_id="x", chunk_size=150)
    b = generate_study(tmp_path / "b", n_samples=400, seed=3, study_id="x", chunk_size=150)
    assert a.n_mutations == b.n_mutations
    assert _digest(tmp_path / "a") == _digest(tmp_path / "b")


def test_different_seed_gives_different_data(tmp_path: Path) -> None:
    generate_study(tmp_path / "a", n_samples=400, seed=3, study_id="x")
    generate_study(tmp_path / "b", n_samples=400, seed=4, study_id="x")
    da, db = _digest(tmp_path / "a"), _digest(tmp_path / "b")
    for name in ("data_clinical_sample.txt", "data_mutations.txt", "data_cna.txt"):
        assert da[name] != db[name], name


def test_sample_and_patient_counts(study_2k: Path) -> None:
    samples = _clinical(study_2k / "data_clinical_sample.txt")
    patients = _clinical(study_2k / "data_clinical_patient.txt")
    assert samples.height == 2000
    assert samples["SAMPLE_ID"].n_unique() == 2000
    assert set(samples["PATIENT_ID"]) == set(patients["PATIENT_ID"])
    ratio = samples.height / patients.height
    assert abs(ratio - SHARED_SAMPLES_PER_PATIENT) < 0.03
    # Patients with several samples exist (and their ids line up).
    multi = samples.group_by("PATIENT_ID").len().filter(pl.col("len") > 1)
    assert multi.height > 50
    assert samples.select(
        (pl.col("SAMPLE_ID").str.slice(0, 9) == pl.col("PATIENT_ID")).all()
    ).item()


@pytest.mark.study
def test_headers_match_the_shared_study(study_2k: Path, shared_study_dir: Path) -> None:
    for name in ("data_mutations.txt", "data_fusions.txt"):
        with (shared_study_dir / name).open() as shared, (study_2k / name).open() as synth:
            assert synth.readline() == shared.readline(), name
    for name in ("data_clinical_sample.txt", "data_clinical_patient.txt"):
        with (shared_study_dir / name).open() as shared, (study_2k / name).open() as synth:
            assert [synth.readline() for _ in range(5)] == [shared.readline() for _ in range(5)]


def test_maf_samples_are_in_clinical_file(study_2k: Path) -> None:
    maf = _tsv(study_2k / "data_mutations.txt")
    samples = set(_clinical(study_2k / "data_clinical_sample.txt")["SAMPLE_ID"])
    assert set(maf["Tumor_Sample_Barcode"]) <= samples
    assert maf.columns == load_marginals()["mutations"]["columns"]
    # About 4.9 MAF rows per sample, as in the shared study.
    assert 3.5 < maf.height / 2000 < 6.5
    pik3ca = maf.filter(pl.col("Hugo_Symbol") == "PIK3CA")["HGVSp_Short"].value_counts(sort=True)
    assert set(pik3ca["HGVSp_Short"].head(3)) == {"p.H1047R", "p.E545K", "p.E542K"}
    esr1 = set(maf.filter(pl.col("Hugo_Symbol") == "ESR1")["HGVSp_Short"])
    assert {"p.D538G", "p.Y537S"} <= esr1
    classes = set(maf["Variant_Classification"])
    assert {"Missense_Mutation", "Nonsense_Mutation", "Frame_Shift_Del", "Splice_Site"} <= classes


def test_analysis_relevant_correlations_exist(study_2k: Path) -> None:
    samples = _clinical(study_2k / "data_clinical_sample.txt")
    maf = _tsv(study_2k / "data_mutations.txt")
    esr1 = set(maf.filter(pl.col("Hugo_Symbol") == "ESR1")["Tumor_Sample_Barcode"])
    rate = samples.group_by("SAMPLE_TYPE").agg(pl.col("SAMPLE_ID").is_in(list(esr1)).mean())
    by_type = dict(rate.iter_rows())
    # ESR1 mutations are acquired under endocrine therapy: ~14% vs ~2%.
    assert by_type["Metastasis"] > 3 * by_type["Primary"]
    with (study_2k / "data_cna.txt").open() as handle:
        header = handle.readline().rstrip("\n").split("\t")
        erbb2 = next(x for x in handle if x.startswith("ERBB2\t")).rstrip("\n").split("\t")
    amplified = {s for s, v in zip(header[1:], erbb2[1:], strict=True) if v == "2"}
    status = samples.group_by("OVERALL_HER2_STATUS").agg(
        pl.col("SAMPLE_ID").is_in(list(amplified)).mean()
    )
    amp = dict(status.iter_rows())
    assert amp["Positive"] > 0.6 > 0.05 > amp["Negative"]


def test_cna_header_and_values(study_2k: Path) -> None:
    with (study_2k / "data_cna.txt").open() as handle:
        header = handle.readline().rstrip("\n").split("\t")
        rows = [line.rstrip("\n").split("\t") for line in handle]
    cna_case_list = (study_2k / "case_lists/cases_cna.txt").read_text().splitlines()[-1]
    cna_samples = cna_case_list.removeprefix("case_list_ids: ").split("\t")
    assert header[0] == "Hugo_Symbol"
    assert header[1:] == cna_samples
    assert len(cna_samples) == 2000
    assert 450 <= len(rows) <= 550
    values = {v for row in rows for v in row[1:]}
    assert values <= {"0", "-2", "-1.5", "2"}
    erbb2 = next(row for row in rows if row[0] == "ERBB2")
    amp_rate = erbb2[1:].count("2") / 2000
    assert 0.05 < amp_rate < 0.2  # about 10% in the shared study


def test_output_is_lf_only(study_2k: Path) -> None:
    for path in study_2k.rglob("*"):
        if path.is_file():
            assert b"\r" not in path.read_bytes(), path.name


def test_her2_columns_keep_the_messy_forms(study_2k: Path) -> None:
    samples = _clinical(study_2k / "data_clinical_sample.txt")
    ihc = set(samples["HER2_IHC_SCORE"])
    assert {"0+", "0-1+", "1+", "1-2+", "2+", "3+", "Not Available"} <= ihc
    primary = set(samples["HER2_IHC_VALUE_PRIMARY"])
    assert {"0-1+", "1-2+", "Not Available"} <= primary
    assert {"Not Applicable", "Not Available"} <= set(samples["HER2_FISH_RATIO"])
    assert {"Not Applicable", "Not Available"} <= set(samples["HER2_FISH_RATIO_PRIMARY"])
    assert {"Primary", "Metastasis"} == set(samples["SAMPLE_TYPE"])
    assert {"Positive", "Negative", "Unk/ND"} <= set(samples["HR_STATUS"])
    # Strings that only exist with brackets/annotations appear at N=2,000
    # with the shared frequencies; at least a couple of them must show up.
    messy = {v for v in ihc | primary if "(" in v}
    assert len(messy) >= 2
    # IHC status follows the score: a 3+ is never called Negative.
    three = samples.filter(pl.col("HER2_IHC_SCORE") == "3+")["HER2_IHC_STATUS"]
    assert "Negative" not in set(three)


def test_patient_file_survival_columns(study_2k: Path) -> None:
    patients = _clinical(study_2k / "data_clinical_patient.txt")
    assert set(patients["OS_STATUS"]) == {"0:LIVING", "1:DECEASED"}
    months = patients["OS_MONTHS"].cast(pl.Float64, strict=False)
    assert months.null_count() == 0
    assert months.min() >= 0  # type: ignore[operator]
    dead = patients.filter(pl.col("OS_STATUS") == "1:DECEASED")
    assert set(dead["VITAL_STATUS"]) == {"Deceased"}


def test_panels_match_sample_id_suffix(study_2k: Path) -> None:
    matrix = _tsv(study_2k / "data_gene_panel_matrix.txt")
    assert matrix.columns == ["SAMPLE_ID", "mutations", "cna"]
    suffix = matrix["SAMPLE_ID"].str.split("-").list.last()
    assert (suffix.replace_strict(PANEL_BY_SUFFIX) == matrix["mutations"]).all()
    assert (matrix["mutations"] == matrix["cna"]).all()
    counts = matrix["mutations"].value_counts()
    assert set(counts["mutations"]) == set(PANEL_BY_SUFFIX.values())
    # Panel gene lists: 341 within 410 within 468.
    genes = {}
    for panel in PANEL_BY_SUFFIX.values():
        text = (study_2k / f"data_gene_panel_{panel.lower()}.txt").read_text()
        line = next(x for x in text.splitlines() if x.startswith("gene_list:"))
        genes[panel] = set(line.removeprefix("gene_list:").split())
    assert len(genes["IMPACT341"]) == 341 and len(genes["IMPACT468"]) == 468
    assert genes["IMPACT341"] < genes["IMPACT410"] < genes["IMPACT468"]
    # No mutation outside the sample's panel.
    maf = _tsv(study_2k / "data_mutations.txt").join(
        matrix, left_on="Tumor_Sample_Barcode", right_on="SAMPLE_ID"
    )
    for panel, gene_set in genes.items():
        called = set(maf.filter(pl.col("mutations") == panel)["Hugo_Symbol"])
        assert called <= gene_set, panel


def test_generated_study_loads_without_errors(study_2k: Path) -> None:
    study_mod = pytest.importorskip("her2scope.study")
    load_study = getattr(study_mod, "load_study", None)
    if load_study is None:
        pytest.skip("her2scope.study.load_study not available yet")
    study = load_study(study_2k)
    assert study.n_samples == 2000
    errors = [e for e in study.audit if e.level == "error"]
    assert errors == []
    assert study.panels_without_genes == ()


def test_gzip_output_is_readable(tmp_path: Path) -> None:
    summary = generate_study(tmp_path / "g", n_samples=200, seed=1, gzip_output=True)
    assert "data_mutations.txt.gz" in summary.file_sizes
    meta = (tmp_path / "g" / "meta_mutations.txt").read_text()
    assert "data_filename: data_mutations.txt.gz" in meta
    with gzip.open(tmp_path / "g" / "data_clinical_sample.txt.gz", "rt") as handle:
        assert handle.readline().startswith("#Patient Identifier")


def test_marginals_hold_no_identifiers() -> None:
    import json
    import re

    text = json.dumps(load_marginals())
    assert not re.search(r"P-\d{7}", text)


def test_bad_arguments_raise_config_error(tmp_path: Path) -> None:
    # library errors name the parameters, never a command-line flag (issue 26)
    with pytest.raises(ConfigError, match=r"^parameter n_samples must be between 1 and"):
        generate_study(tmp_path, n_samples=0)
    with pytest.raises(ConfigError, match=r"^parameter seed must be non-negative, got -1$"):
        generate_study(tmp_path, n_samples=10, seed=-1)
    with pytest.raises(ConfigError, match=r"^parameter chunk_size must be positive"):
        generate_study(tmp_path, n_samples=10, chunk_size=0)


def test_cli_names_its_own_options(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["synth", "--samples", "0", "--out", str(tmp_path / "x")]) == 2
    err = capsys.readouterr().err
    assert "--samples must be between 1 and 5,000,000, got 0" in err
    assert "n_samples" not in err and "Traceback" not in err
    assert main(["synth", "-n", "3", "--seed", "-2", "--out", str(tmp_path / "y")]) == 2
    assert "--seed must be non-negative, got -2" in capsys.readouterr().err


def test_marginals_are_validated(tmp_path: Path) -> None:
    """A broken marginals file is one SchemaError naming the file and the field, before
    any row is drawn (issue 26: the JSON was read without a schema)."""
    good = load_marginals()
    broken = json.loads(json.dumps(good))
    del broken["sample_file"]["specs"][0]["marginal"]
    path = tmp_path / "marginals.json"
    path.write_text(json.dumps(broken), encoding="utf-8")
    with pytest.raises(SchemaError, match=r"sample_file\.specs\.0: .*needs marginal") as info:
        load_marginals(path)
    assert info.value.file == str(path)
    wrong_type = json.loads(json.dumps(good))
    wrong_type["panels"]["IMPACT341"]["count"] = "many"
    with pytest.raises(SchemaError, match=r"panels\.IMPACT341\.count"):
        generate_study(tmp_path / "out", n_samples=5, marginals=wrong_type)
    assert not (tmp_path / "out").exists()  # refused before writing anything
    no_panel_genes = json.loads(json.dumps(good))
    del no_panel_genes["panel_genes"]["IMPACT468"]
    with pytest.raises(SchemaError, match="panel_genes lacks IMPACT468"):
        generate_study(tmp_path / "out", n_samples=5, marginals=no_panel_genes)
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(SchemaError, match="not valid JSON"):
        load_marginals(path)
    with pytest.raises(SchemaError, match="must be a JSON object"):
        generate_study(tmp_path / "out", n_samples=5, marginals=[])  # type: ignore[arg-type]


def test_cli_writes_a_study(tmp_path: Path) -> None:
    out = tmp_path / "cli"
    code = main(["synth", "--samples", "150", "--seed", "2", "--out", str(out), "--quiet"])
    assert code == 0
    assert (out / "meta_study.txt").is_file()
    assert _clinical(out / "data_clinical_sample.txt").height == 150
    assert main(["synth", "--samples", "0", "--out", str(out)]) == 2

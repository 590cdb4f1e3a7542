"""The real breast_msk_2018 study, checked against independent counts made with ``csv``."""

from __future__ import annotations

import csv
import time
from collections import defaultdict
from pathlib import Path

import polars as pl
import pytest

from her2scope.study import Study, load_study, profiled_mask, summarize

pytestmark = pytest.mark.study

# maftools' default non-synonymous classes (read.maf vc_nonSyn)
NON_SYN = {
    "Frame_Shift_Del", "Frame_Shift_Ins", "Splice_Site", "Translation_Start_Site",
    "Nonsense_Mutation", "Nonstop_Mutation", "In_Frame_Del", "In_Frame_Ins", "Missense_Mutation",
}  # fmt: skip


def _rows(path: Path) -> list[list[str]]:
    """All non-'#' rows of a tab file, any line ending, no quoting (independent of her2scope)."""
    text = path.read_text(encoding="utf-8").replace("\r\n", "\n").replace("\r", "\n")
    lines = [line for line in text.split("\n") if line and not line.startswith("#")]
    return list(csv.reader(lines, delimiter="\t", quoting=csv.QUOTE_NONE))


@pytest.fixture(scope="module")
def study(shared_study_dir: Path) -> Study:
    return load_study(shared_study_dir)


def test_samples_and_patients(study: Study, shared_study_dir: Path) -> None:
    sample_rows = _rows(shared_study_dir / "data_clinical_sample.txt")
    patient_rows = _rows(shared_study_dir / "data_clinical_patient.txt")
    assert study.n_samples == len(sample_rows) - 1 == 1918
    assert study.n_patients == len(patient_rows) - 1 == 1756
    assert study.audit.ok
    assert study.samples.schema["TMB_NONSYNONYMOUS"] == pl.Float64
    # messy pathology strings are kept exactly as written
    header = sample_rows[0]
    written = {r[header.index("HER2_IHC_SCORE")] for r in sample_rows[1:]}
    assert set(study.samples["HER2_IHC_SCORE"].drop_nulls()) <= written


def test_every_maf_row_accounted(study: Study, shared_study_dir: Path) -> None:
    rows = _rows(shared_study_dir / "data_mutations.txt")
    figures = summarize(study)
    assert figures["maf_rows_read"] == len(rows) - 1 == 9314
    assert figures["maf_rows_read"] == figures["maf_rows_kept"] + figures["maf_rows_flagged"]
    assert study.mutations.height == figures["maf_rows_kept"]


@pytest.mark.parametrize("gene", ["PIK3CA", "TP53", "ESR1", "CDH1", "GATA3", "ERBB2", "PTEN"])
def test_mutated_sample_counts_match_csv(study: Study, shared_study_dir: Path, gene: str) -> None:
    rows = _rows(shared_study_dir / "data_mutations.txt")
    header = rows[0]
    h, s, v = (
        header.index(c) for c in ("Hugo_Symbol", "Tumor_Sample_Barcode", "Variant_Classification")
    )
    mutated: dict[str, set[str]] = defaultdict(set)
    for row in rows[1:]:
        if row[v] in NON_SYN:
            mutated[row[h]].add(row[s])
    got = study.mutations.filter(
        pl.col("hugo_symbol") == gene, pl.col("variant_classification").is_in(sorted(NON_SYN))
    )["sample_id"].n_unique()
    assert got == len(mutated[gene]) > 0


def test_every_cna_cell_accounted(study: Study, shared_study_dir: Path) -> None:
    rows = _rows(shared_study_dir / "data_cna.txt")
    n_samples = len(rows[0]) - 1
    n_genes = len(rows) - 1
    values = [cell for row in rows[1:] for cell in row[1:]]
    figures = summarize(study)
    assert (n_genes, n_samples) == (474, 1918)
    assert figures["cna_cells_read"] == n_genes * n_samples == len(values)
    assert figures["cna_cells_zero"] == sum(1 for c in values if c == "0")
    assert figures["cna_cells_nonzero"] == sum(
        1 for c in values if c in {"-2", "-1.5", "-1", "1", "2"}
    )
    assert figures["cna_cells_nonzero"] == study.cna.height
    assert (
        figures["cna_cells_nonzero"] + figures["cna_cells_zero"] + figures["cna_cells_na"]
        + figures["cna_cells_bad"] + figures["cna_cells_skipped"]
    ) == figures["cna_cells_read"]  # fmt: skip
    erbb2_amp = sum(1 for c in rows[[r[0] for r in rows].index("ERBB2")][1:] if c == "2")
    got = study.cna.filter(pl.col("hugo_symbol") == "ERBB2", pl.col("cna") == 2).height
    assert got == erbb2_amp > 0


def test_fusions(study: Study, shared_study_dir: Path) -> None:
    rows = _rows(shared_study_dir / "data_fusions.txt")
    assert summarize(study)["sv_rows_read"] == len(rows) - 1
    assert study.sv.height == len(rows) - 1


def test_cr_only_panel_matrix_and_panels(study: Study, shared_study_dir: Path) -> None:
    rows = _rows(shared_study_dir / "data_gene_panel_matrix.txt")
    assert study.panel_matrix.height == len(rows) - 1 == 1918
    per_panel: dict[str, int] = defaultdict(int)
    for row in rows[1:]:
        per_panel[row[1]] += 1
    got = dict(study.panel_matrix.group_by("mutations").len().iter_rows())
    assert got == per_panel
    # IMPACT341, IMPACT410 and IMPACT468 all have gene lists in ../gene_panels now
    assert study.panels_without_genes == ()
    assert not list(study.audit.by_code("panel.genes_missing"))
    assert set(per_panel) == {"IMPACT341", "IMPACT410", "IMPACT468"}
    panel_file = shared_study_dir.parent / "gene_panels" / "data_gene_panel_impact410.txt"
    genes_410 = next(
        line.split(":", 1)[1].split() for line in panel_file.read_text().splitlines()
        if line.startswith("gene_list")
    )  # fmt: skip
    from her2scope.study.symbols import symbol_table

    renamed = symbol_table()  # issue 10: panel symbols normalised to HGNC approved symbols
    genes_410 = [renamed.get(g, g) for g in genes_410]
    assert set(study.panel_genes.filter(pl.col("panel_id") == "IMPACT410")["hugo_symbol"]) == set(
        genes_410
    )


def test_profiled_mask_on_real_panels(study: Study) -> None:
    genes = {
        panel: set(study.panel_genes.filter(pl.col("panel_id") == panel)["hugo_symbol"])
        for panel in ("IMPACT341", "IMPACT410", "IMPACT468")
    }
    probe = ["ESR1", "ERBB2", "AMER1", "NOT_A_GENE"]
    mask = profiled_mask(study, probe, "mutations").join(
        study.panel_matrix.select("sample_id", "mutations"), on="sample_id"
    )
    assert mask.height == study.n_samples * len(probe)
    for row in mask.iter_rows(named=True):
        expected = row["hugo_symbol"] in genes[row["mutations"]]
        assert row["profiled"] is expected, row
    assert "ESR1" in genes["IMPACT341"] and "NOT_A_GENE" not in genes["IMPACT468"]


def test_load_time(shared_study_dir: Path) -> None:
    load_study(shared_study_dir)  # warm-up: polars thread pool
    start = time.perf_counter()
    load_study(shared_study_dir)
    elapsed = time.perf_counter() - start
    print(f"breast_msk_2018 loaded in {elapsed:.3f} s")
    assert elapsed < 1.0

"""The gene panel mask: which sample was profiled for which gene."""

from __future__ import annotations

import time
from pathlib import Path

import polars as pl
import pytest

from her2scope.errors import ConfigError
from her2scope.study import Study, load_study, profiled_mask
from her2scope.study.model import PANEL_GENE_COLUMNS
from study_factory import DEFAULT_PANEL_MATRIX, DEFAULT_PANELS, make_study


def _as_dict(mask: pl.DataFrame) -> dict[tuple[str, str], bool]:
    return {(r["sample_id"], r["hugo_symbol"]): r["profiled"] for r in mask.iter_rows(named=True)}


def _expected(profile: str, genes: list[str]) -> dict[tuple[str, str], bool]:
    out = {}
    for sample, columns in DEFAULT_PANEL_MATRIX.items():
        panel = columns.get(profile, "NA")
        for gene in genes:
            out[(sample, gene)] = panel != "NA" and gene in DEFAULT_PANELS[panel]
    return out


@pytest.mark.parametrize("data_type", ["mutations", "cna"])
def test_mask_follows_matrix_and_panel_files(tmp_path: Path, data_type: str) -> None:
    study = load_study(make_study(tmp_path))
    genes = ["PIK3CA", "CCDC170", "GATA3", "NOT_ON_ANY_PANEL"]
    mask = profiled_mask(study, genes, data_type)  # type: ignore[arg-type]
    assert mask.columns == ["sample_id", "hugo_symbol", "profiled"]
    assert mask.schema["profiled"] == pl.Boolean
    assert mask.height == study.n_samples * len(genes)
    assert _as_dict(mask) == _expected(data_type, genes)
    # order: study samples, then genes as given
    assert mask["sample_id"].to_list()[: len(genes)] == ["S1"] * len(genes)
    assert mask["hugo_symbol"].to_list()[: len(genes)] == genes


def test_sv_without_its_own_column_uses_mutation_panel(tmp_path: Path) -> None:
    study = load_study(make_study(tmp_path))
    mask = profiled_mask(study, ["CCDC170"], "sv")
    assert _as_dict(mask) == _expected("mutations", ["CCDC170"])


def test_sample_absent_from_matrix_is_not_profiled(tmp_path: Path) -> None:
    matrix = {k: v for k, v in DEFAULT_PANEL_MATRIX.items() if k != "S4"}
    study = load_study(make_study(tmp_path, panel_matrix=matrix))
    (entry,) = study.audit.by_code("panel.sample_not_in_matrix")
    assert entry.count == 1 and entry.sample_id == "S4"
    mask = _as_dict(profiled_mask(study, ["PIK3CA"]))
    assert mask[("S4", "PIK3CA")] is False
    assert mask[("S1", "PIK3CA")] is True


def test_panel_without_definition_covers_genes_seen_in_data(tmp_path: Path) -> None:
    panels = {"PANEL_A": DEFAULT_PANELS["PANEL_A"]}  # PANEL_B's gene list is missing
    study = load_study(make_study(tmp_path, panels=panels))
    assert study.panels_without_genes == ("PANEL_B",)
    (entry,) = study.audit.by_code("panel.genes_missing")
    assert entry.column == "PANEL_B" and entry.count == 2  # S2 and S3
    # CCDC170 only appears in the fusion file; KRAS appears nowhere
    mask = _as_dict(profiled_mask(study, ["CCDC170", "KRAS", "ERBB2"]))
    assert mask[("S2", "CCDC170")] is True
    assert mask[("S2", "KRAS")] is False
    assert mask[("S2", "ERBB2")] is True  # a CNA matrix row, though all-zero in S2
    assert mask[("S1", "CCDC170")] is False  # PANEL_A is defined and lacks it


def test_no_matrix_means_profiled_for_genes_in_data(tmp_path: Path) -> None:
    study = load_study(make_study(tmp_path, panel_matrix=None, panels=None))
    mask = _as_dict(profiled_mask(study, ["TP53", "KRAS"], "cna"))
    assert all(mask[(s, "TP53")] for s in ("S1", "S2", "S3", "S4"))
    assert not any(mask[(s, "KRAS")] for s in ("S1", "S2", "S3", "S4"))


@pytest.mark.parametrize("where", ["argument", "env", "sibling"])
def test_panel_files_from_a_reference_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    folder = make_study(tmp_path, panels_in="sibling")
    monkeypatch.delenv("HER2SCOPE_PANELS", raising=False)
    if where == "sibling":
        study = load_study(folder)
    else:
        moved = tmp_path / "elsewhere"
        (tmp_path / "gene_panels").rename(moved)
        if where == "env":
            monkeypatch.setenv("HER2SCOPE_PANELS", str(moved))
            study = load_study(folder)
        else:
            study = load_study(folder, panels_dir=moved)
    assert study.panels_without_genes == ()
    assert set(study.panel_genes["panel_id"]) == {"PANEL_A", "PANEL_B"}


def test_panel_na_is_not_profiled(tmp_path: Path) -> None:
    study = load_study(make_study(tmp_path))
    assert study.panel_matrix.filter(pl.col("sample_id") == "S4")["cna"].item() is None
    mask = _as_dict(profiled_mask(study, ["ERBB2"], "cna"))
    assert mask[("S4", "ERBB2")] is False
    assert mask[("S3", "ERBB2")] is True


def test_calls_off_panel_are_warned(tmp_path: Path) -> None:
    panels = {"PANEL_A": ("PIK3CA",), "PANEL_B": DEFAULT_PANELS["PANEL_B"]}
    study = load_study(make_study(tmp_path, panels=panels))
    # S1 (PANEL_A): TP53 mutation; S4 (PANEL_A): GATA3 mutation -> 2 rows off panel
    (entry,) = study.audit.by_code("mutations.gene_not_in_panel")
    assert entry.count == 2


def test_bad_data_type_is_refused(tmp_path: Path) -> None:
    study = load_study(make_study(tmp_path))
    with pytest.raises(ConfigError):
        profiled_mask(study, ["TP53"], "rna")  # type: ignore[arg-type]


def test_mask_scales_to_250k_samples() -> None:
    n = 250_000
    ids = [f"S{i}" for i in range(n)]
    panels = [("IMPACT341", "IMPACT410", "IMPACT468", "NA")[i % 4] for i in range(n)]
    genes_410 = [f"G{i}" for i in range(410)]
    study = Study(
        study_id="big",
        path=None,
        meta={"meta_mutations.txt": {"genetic_alteration_type": "MUTATION_EXTENDED",
                                     "stable_id": "mutations"}},
        samples=pl.DataFrame({"SAMPLE_ID": ids, "PATIENT_ID": ids}),
        patients=pl.DataFrame({"PATIENT_ID": ids}),
        panel_matrix=pl.DataFrame({"sample_id": ids, "mutations": panels}).with_columns(
            pl.col("mutations").replace("NA", None)
        ),
        panel_genes=pl.DataFrame(
            {"panel_id": ["IMPACT410"] * 410, "hugo_symbol": genes_410}, schema=PANEL_GENE_COLUMNS
        ),
        panels_without_genes=("IMPACT341", "IMPACT468"),
        data_genes=pl.DataFrame({"data_type": ["mutations"] * 2, "hugo_symbol": ["G1", "X"]}),
    )  # fmt: skip
    start = time.perf_counter()
    mask = profiled_mask(study, ["G1", "G500", "X"])
    elapsed = time.perf_counter() - start
    assert mask.height == 3 * n
    counts = mask.group_by("hugo_symbol").agg(pl.col("profiled").sum()).sort("hugo_symbol")
    # G1: IMPACT410 lists it, 341/468 cover it through the data; X: data only; G500: nowhere
    assert dict(counts.iter_rows()) == {"G1": 3 * n // 4, "G500": 0, "X": n // 2}
    assert elapsed < 10


def test_cna_call_in_unprofiled_sample_is_warned(tmp_path: Path) -> None:
    matrix = {**DEFAULT_PANEL_MATRIX, "S3": {"mutations": "PANEL_B", "cna": "NA"}}
    study = load_study(make_study(tmp_path, panel_matrix=matrix))
    (entry,) = study.audit.by_code("cna.sample_not_profiled")
    assert entry.count == 1 and entry.sample_id == "S3"  # its ERBB2 amplification


@pytest.mark.parametrize("data_type", ["mutations", "cna", "sv"])
def test_unprofiled_pairs_are_the_false_cells_of_the_mask(tmp_path: Path, data_type: str) -> None:
    from her2scope.study.panels import unprofiled_pairs

    matrix = {s: dict(row) for s, row in DEFAULT_PANEL_MATRIX.items()}
    first = next(iter(matrix))
    matrix.pop(first)  # absent from the matrix: not profiled for anything
    study = load_study(make_study(tmp_path, panel_matrix=matrix))
    genes = ["ESR1", "PIK3CA", "ERBB2", "MYC", "NOT_A_GENE"]
    mask = profiled_mask(study, genes, data_type)  # type: ignore[arg-type]
    expected = mask.filter(~pl.col("profiled")).select("sample_id", "hugo_symbol")
    got = unprofiled_pairs(study, genes, data_type)  # type: ignore[arg-type]
    assert got.equals(expected)
    assert got.filter(pl.col("sample_id") == first).height == len(genes)


def test_matrix_in_another_order_gives_the_same_panels(tmp_path: Path) -> None:
    # the matrix in study order is taken as it is (no join); in reverse order it is
    # joined: both must give every sample its own panel, in study order
    from her2scope.study.panels import panel_assignment

    in_order = load_study(make_study(tmp_path / "a"))
    reverse = dict(reversed(list(DEFAULT_PANEL_MATRIX.items())))
    reversed_study = load_study(make_study(tmp_path / "b", panel_matrix=reverse))
    for data_type in ("mutations", "cna"):
        a = panel_assignment(in_order, data_type).table  # type: ignore[arg-type]
        b = panel_assignment(reversed_study, data_type).table  # type: ignore[arg-type]
        assert a.equals(b)
        assert a["sample_id"].to_list() == in_order.samples["SAMPLE_ID"].to_list()
        expected = [DEFAULT_PANEL_MATRIX[s].get(data_type, "NA") for s in a["sample_id"]]
        assert [p or "NA" for p in a["panel_id"].to_list()] == expected

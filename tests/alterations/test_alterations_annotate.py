"""Sample x alteration calls on hand-made studies (and the real one when present)."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

import polars as pl
import pytest

from her2scope.alterations import (
    CBIOPORTAL_CLASSES,
    annotate,
    class_calls,
    load_catalog,
)
from her2scope.alterations._coverage import fallback_profiled_mask, resolve_profiled_mask
from her2scope.study.model import CNA_COLUMNS, MUTATION_COLUMNS, SV_COLUMNS, Study

SAMPLES = ["S1", "S2", "S3", "S4", "S5", "S6", "S7", "S8"]
ALL_GENES = list(load_catalog().genes())
P2_MISSING = {"ESR1", "PIK3CA"}


def _mut(sample: str, gene: str, change: str | None, vc: str = "Missense_Mutation",
         hotspot: bool | None = False) -> dict[str, object]:  # fmt: skip
    row: dict[str, object] = {c: None for c in MUTATION_COLUMNS}
    row.update(
        sample_id=sample, hugo_symbol=gene, variant_classification=vc, protein_change=change,
        hgvsp_short=f"p.{change}" if change else None, hotspot=hotspot,
    )  # fmt: skip
    return row


MUTATIONS = [
    _mut("S1", "ESR1", "D538G", hotspot=True),
    _mut("S1", "PIK3CA", "H1047R", hotspot=True),
    _mut("S2", "CTCF", "X100_splice", vc="Splice_Region"),
    _mut("S2", "PIK3CA", "E545=", vc="Silent"),
    _mut("S3", "ESR1", "Y537S"),
    _mut("S3", "PIK3CA", "E545K", hotspot=False),
    _mut("S4", "ESR1", "L469V"),
    _mut("S7", "KRAS", "G12D"),
    _mut("S99", "KRAS", "G12V"),  # not in the sample table
]
CNA = [("S1", "ESR1", 2.0), ("S5", "NF1", -2.0), ("S4", "NF1", -1.0), ("S3", "MYC", 1.0)]
SV = [("S5", "FGFR2", "TACC3", "FGFR2-TACC3 fusion", "fusions")]


def make_study(
    *,
    mutations: Sequence[dict[str, object]] = MUTATIONS,
    panel_matrix: pl.DataFrame | None = None,
    panels_without_genes: tuple[str, ...] = (),
    hotspot_column: bool = True,
) -> Study:
    """8 samples: S1-S5, S8 on panel P1 (all catalog genes), S6 on P2 (no ESR1/PIK3CA), S7 none."""
    samples = pl.DataFrame({"SAMPLE_ID": SAMPLES, "PATIENT_ID": [f"P{s}" for s in SAMPLES]})
    maf = pl.DataFrame(list(mutations), schema=MUTATION_COLUMNS)
    if not hotspot_column:
        maf = maf.with_columns(pl.lit(None, pl.Boolean).alias("hotspot"))
    if panel_matrix is None:
        panel = ["P1"] * 5 + ["P2", None, "P1"]
        panel_matrix = pl.DataFrame({"sample_id": SAMPLES, "mutations": panel, "cna": panel})
    panel_genes = pl.DataFrame(
        {
            "panel_id": ["P1"] * len(ALL_GENES) + ["P2"] * (len(ALL_GENES) - len(P2_MISSING)),
            "hugo_symbol": ALL_GENES + [g for g in ALL_GENES if g not in P2_MISSING],
        }
    )
    return Study(
        study_id="hand",
        path=None,
        meta={},
        samples=samples,
        patients=samples.select("PATIENT_ID"),
        mutations=maf,
        cna=pl.DataFrame(CNA, schema=CNA_COLUMNS, orient="row"),
        sv=pl.DataFrame(SV, schema=SV_COLUMNS, orient="row"),
        panel_matrix=panel_matrix,
        panel_genes=panel_genes,
        panels_without_genes=panels_without_genes,
        # What the loader records as "genes named by a data file".
        data_genes=pl.concat(
            [
                maf.select(pl.lit("mutations").alias("data_type"), "hugo_symbol"),
                pl.DataFrame({"data_type": "cna", "hugo_symbol": [g for _, g, _ in CNA]}),
                pl.DataFrame({"data_type": "sv", "hugo_symbol": [r[1] for r in SV]}),
            ]
        ).unique(maintain_order=True),
    )


def status(calls: pl.DataFrame, sample: str, alteration: str, column: str = "status") -> object:
    key = "alteration" if "alteration" in calls.columns else "mechanism_class"
    row = calls.filter((pl.col("sample_id") == sample) & (pl.col(key) == alteration))
    assert row.height == 1, (sample, alteration)
    return row.item(0, column)


@pytest.fixture(scope="module")
def calls() -> pl.DataFrame:
    return annotate(make_study()).table


def test_table_shape_and_order(calls: pl.DataFrame) -> None:
    catalog = load_catalog()
    assert calls.columns == ["sample_id", "alteration", "mechanism_class", "status", "variants"]
    assert calls.height == len(SAMPLES) * len(catalog)
    assert calls["sample_id"].unique(maintain_order=True).to_list() == SAMPLES
    assert calls["alteration"].head(len(catalog)).to_list() == list(catalog.ids)
    assert set(calls["status"]) <= {"altered", "not_altered", "not_profiled"}
    assert (
        calls.filter(pl.col("status") != "altered")["variants"].null_count()
        == calls.filter(pl.col("status") != "altered").height
    )


def test_mutation_and_amp_in_one_sample(calls: pl.DataFrame) -> None:
    assert status(calls, "S1", "ESR1_mut") == "altered"
    assert status(calls, "S1", "ESR1_mut", "variants") == "ESR1 D538G"
    assert status(calls, "S1", "ESR1_amp", "variants") == "ESR1 amp"
    assert status(calls, "S1", "PIK3CA_mut", "variants") == "PIK3CA H1047R"


def test_mut_and_amp_in_one_alteration(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(
        "alterations:\n  ESR1_any:\n    label: ESR1\n    mechanism_class: ER\n"
        "    genes: [ESR1]\n    events: [{type: amp}, {type: mut}]\n    source: test\n"
    )
    table = annotate(make_study(), load_catalog(path)).table
    # Mutations are listed before copy number whatever the catalog's event order.
    assert status(table, "S1", "ESR1_any", "variants") == "ESR1 D538G; ESR1 amp"


def test_splice_region_counts_only_with_cbioportal_set() -> None:
    study = make_study()
    assert status(annotate(study).table, "S2", "CTCF_mut") == "altered"
    nonsyn = annotate(study, mutation_classes="nonsyn")
    assert nonsyn.mutation_classes == "nonsyn"
    assert status(nonsyn.table, "S2", "CTCF_mut") == "not_altered"


def test_silent_not_counted(calls: pl.DataFrame) -> None:
    assert "Silent" not in CBIOPORTAL_CLASSES
    assert status(calls, "S2", "PIK3CA_mut") == "not_altered"


def test_protein_changes_restrict(calls: pl.DataFrame) -> None:
    assert status(calls, "S1", "ESR1_lbd_mut") == "altered"  # exact D538G
    assert status(calls, "S3", "ESR1_lbd_mut") == "altered"  # residue Y537
    assert status(calls, "S4", "ESR1_mut") == "altered"
    assert status(calls, "S4", "ESR1_lbd_mut") == "not_altered"  # L469V is not listed


HOT = (
    "alterations:\n  PIK3CA_hot:\n    label: hot\n    mechanism_class: PI3K\n"
    "    genes: [PIK3CA]\n    events: [{type: mut, hotspot_only: true}]\n    source: test\n"
)


def test_hotspot_only(tmp_path: Path) -> None:
    path = tmp_path / "hot.yaml"
    path.write_text(HOT)
    result = annotate(make_study(), load_catalog(path))
    assert status(result.table, "S1", "PIK3CA_hot") == "altered"
    assert status(result.table, "S3", "PIK3CA_hot") == "not_altered"  # E545K, Hotspot 0
    assert not result.audit.by_code("alterations.no_hotspot_column")
    without = annotate(make_study(hotspot_column=False), load_catalog(path))
    assert status(without.table, "S1", "PIK3CA_hot") == "not_altered"
    assert without.audit.by_code("alterations.no_hotspot_column")


def test_homdel_and_shallow_loss(calls: pl.DataFrame) -> None:
    assert status(calls, "S5", "NF1_alt", "variants") == "NF1 homdel"
    assert status(calls, "S4", "NF1_alt") == "not_altered"  # -1 is not a deep deletion
    assert status(calls, "S3", "MYC_amp") == "not_altered"  # gain is not amplification


def test_fusion(calls: pl.DataFrame) -> None:
    assert status(calls, "S5", "FGFR1_2_alt", "variants") == "FGFR2::TACC3 fusion"
    assert status(calls, "S8", "FGFR1_2_alt") == "not_altered"


def test_not_profiled_vs_not_altered(calls: pl.DataFrame) -> None:
    # S6's mutation panel lacks ESR1 and PIK3CA; its CNA panel (P2 too) lacks ESR1.
    assert status(calls, "S6", "ESR1_mut") == "not_profiled"
    assert status(calls, "S6", "PIK3CA_mut") == "not_profiled"
    assert status(calls, "S6", "ESR1_amp") == "not_profiled"
    assert status(calls, "S6", "KRAS_mut") == "not_altered"
    assert status(calls, "S6", "CCND1_amp") == "not_altered"
    # S7 has no panel at all, but a called KRAS variant still counts.
    assert status(calls, "S7", "KRAS_mut") == "altered"
    assert status(calls, "S7", "BRAF_mut") == "not_profiled"
    assert status(calls, "S8", "ESR1_mut") == "not_altered"


def test_fusion_coverage_uses_sv_column_when_present() -> None:
    panel = ["P1"] * 5 + ["P2", None, "P1"]
    sv_panel = ["P1"] * 7 + [None]
    matrix = pl.DataFrame(
        {"sample_id": SAMPLES, "mutations": panel, "cna": panel, "structural_variants": sv_panel}
    )
    result = annotate(make_study(panel_matrix=matrix))
    assert status(result.table, "S8", "FGFR1_2_alt") == "not_profiled"
    assert not result.audit.by_code("alterations.fusion_coverage")
    assert annotate(make_study()).audit.by_code("alterations.fusion_coverage")


def test_audit() -> None:
    audit = annotate(make_study()).audit
    assert audit.total("alterations.unknown_sample") == 1  # S99
    assert audit.total("alterations.altered_off_panel") == 1  # S7 KRAS
    assert audit.total("alterations.mutation_class_excluded") == 1  # the Silent PIK3CA
    assert audit.total("alterations.samples") == len(SAMPLES)
    assert audit.ok


def test_wide_and_matrix() -> None:
    result = annotate(make_study())
    wide = result.wide()
    assert wide.columns == ["sample_id", *result.alterations]
    assert wide["sample_id"].to_list() == SAMPLES
    assert wide.filter(pl.col("sample_id") == "S6")["ESR1_mut"].item() == "not_profiled"
    matrix = result.altered_matrix()
    assert matrix.schema["ESR1_mut"] == pl.Boolean
    assert matrix["ESR1_mut"].to_list() == [True, False, True, True, False, False, False, False]
    counts = result.counts().filter(pl.col("alteration") == "ESR1_mut").row(0, named=True)
    assert (counts["n_altered"], counts["n_not_altered"], counts["n_not_profiled"]) == (3, 3, 2)


def test_class_calls() -> None:
    result = annotate(make_study())
    rolled = class_calls(result)
    assert rolled.columns == ["sample_id", "mechanism_class", "status", "altered_alterations"]
    assert rolled.height == len(SAMPLES) * 6
    assert rolled["mechanism_class"].head(6).to_list() == [
        "ER",
        "TF",
        "MAPK",
        "PI3K",
        "CDK46",
        "ALL",
    ]
    assert status(rolled, "S1", "ER") == "altered"
    assert status(rolled, "S1", "ER", "altered_alterations") == "ESR1_mut; ESR1_lbd_mut; ESR1_amp"
    assert status(rolled, "S1", "ALL", "altered_alterations") == (
        "ESR1_mut; ESR1_lbd_mut; ESR1_amp; PIK3CA_mut"
    )
    assert status(rolled, "S6", "ER") == "not_profiled"  # nothing altered, ESR1 not covered
    assert status(rolled, "S6", "MAPK") == "not_altered"
    assert status(rolled, "S6", "ALL") == "not_profiled"
    assert status(rolled, "S7", "MAPK") == "altered"  # altered wins over not_profiled
    assert status(rolled, "S8", "ALL") == "not_altered"
    assert status(rolled, "S8", "ALL", "altered_alterations") is None
    assert result.class_calls().equals(rolled)


def test_caller_supplied_mask_and_fallback_agree() -> None:
    study = make_study(panels_without_genes=())
    _, source = resolve_profiled_mask()
    real = annotate(study).table
    fallback = annotate(study, profiled_mask=fallback_profiled_mask).table
    assert fallback.equals(real), source

    def everything(study: Study, genes: Sequence[str], data_type: str) -> pl.DataFrame:
        return (
            study.samples.select(pl.col("SAMPLE_ID").alias("sample_id"))
            .join(pl.DataFrame({"hugo_symbol": list(genes)}), how="cross")
            .with_columns(pl.lit(True).alias("profiled"))
        )

    all_profiled = annotate(study, profiled_mask=everything)
    assert status(all_profiled.table, "S6", "ESR1_mut") == "not_altered"
    assert all_profiled.coverage_source == "caller-supplied profiled_mask"


def test_panel_without_genes_covers_observed_genes() -> None:
    panel = ["P1"] * 5 + ["P3", "P3", "P1"]
    matrix = pl.DataFrame({"sample_id": SAMPLES, "mutations": panel, "cna": panel})
    study = make_study(panel_matrix=matrix, panels_without_genes=("P3",))
    for fn in (None, fallback_profiled_mask):
        table = annotate(study, profiled_mask=fn).table
        assert status(table, "S6", "KRAS_mut") == "not_altered"  # KRAS seen in the MAF
        assert status(table, "S6", "BRAF_mut") == "not_profiled"  # BRAF seen nowhere


def test_unknown_class_set_is_config_error() -> None:
    from her2scope.errors import ConfigError

    with pytest.raises(ConfigError):
        annotate(make_study(), mutation_classes="all")


# ----------------------------------------------------------------- real data


def _csv_count(maf: Path, gene: str, classes: Sequence[str]) -> int:
    barcodes = set()
    with maf.open(newline="") as handle:
        rows = csv.DictReader((line for line in handle if not line.startswith("#")), delimiter="\t")
        for row in rows:
            if row["Hugo_Symbol"] == gene and row["Variant_Classification"] in classes:
                barcodes.add(row["Tumor_Sample_Barcode"])
    return len(barcodes)


@pytest.mark.study
def test_real_study_pik3ca_and_ctcf(shared_study_dir: Path) -> None:
    from her2scope.study import load_study

    study = load_study(shared_study_dir)
    result = annotate(study)
    counts = {r["alteration"]: r for r in result.counts().iter_rows(named=True)}
    maf = shared_study_dir / "data_mutations.txt"
    # Independent count straight from the MAF with the csv module.
    expected_pik3ca = _csv_count(maf, "PIK3CA", CBIOPORTAL_CLASSES)
    assert expected_pik3ca == 725
    assert counts["PIK3CA_mut"]["n_altered"] == expected_pik3ca
    assert counts["CTCF_mut"]["n_altered"] == _csv_count(maf, "CTCF", CBIOPORTAL_CLASSES)
    nonsyn = annotate(study, mutation_classes="nonsyn").counts()
    ctcf_nonsyn = nonsyn.filter(pl.col("alteration") == "CTCF_mut")["n_altered"].item()
    assert ctcf_nonsyn < counts["CTCF_mut"]["n_altered"]  # Splice_Region records exist for CTCF
    assert result.table.height == study.n_samples * len(result.alterations)
    # FGFR fusions come from data_fusions.txt; coverage from the mutations panel.
    assert result.audit.by_code("alterations.fusion_coverage")


def _naive_class_calls(
    table: pl.DataFrame, catalog_classes: list[str]
) -> dict[tuple[str, str], str]:
    """Class roll-up computed cell by cell from the dense table (independent of the library)."""
    by_sample: dict[str, list[tuple[str, str]]] = {}
    for sample, cls, status in table.select("sample_id", "mechanism_class", "status").iter_rows():
        by_sample.setdefault(sample, []).append((cls, status))
    out: dict[tuple[str, str], str] = {}
    for sample, cells in by_sample.items():
        for cls in [*catalog_classes, "ALL"]:
            statuses = {s for c, s in cells if cls in (c, "ALL")}
            out[(sample, cls)] = (
                "altered"
                if "altered" in statuses
                else "not_profiled"
                if "not_profiled" in statuses
                else "not_altered"
            )
    return out


def _check_sparse_matches_dense(result) -> None:  # type: ignore[no-untyped-def]
    dense = result.table
    assert dense.height == result.samples.height * len(result.alterations)
    flagged = dense.filter(pl.col("status") != "not_altered")
    assert flagged.select("sample_id", "alteration", "status", "variants").equals(
        result.sparse().sort(
            pl.col("sample_id").replace_strict(
                {s: i for i, s in enumerate(result.samples["sample_id"])}
            ),
            pl.col("alteration").replace_strict({a: i for i, a in enumerate(result.alterations)}),
        )
    )
    naive_counts = dense.group_by("alteration", "status").len()
    for row in result.counts().iter_rows(named=True):
        for status in ("altered", "not_altered", "not_profiled"):
            got = naive_counts.filter(
                (pl.col("alteration") == row["alteration"]) & (pl.col("status") == status)
            )["len"]
            assert row[f"n_{status}"] == (int(got[0]) if got.len() else 0)
    classes = [
        c for c in ("ER", "TF", "MAPK", "PI3K", "CDK46") if c in set(dense["mechanism_class"])
    ]
    naive = _naive_class_calls(dense, classes)
    rolled = class_calls(result)
    assert {
        (s, c): st
        for s, c, st in rolled.select("sample_id", "mechanism_class", "status").iter_rows()
    } == naive


def test_sparse_calls_match_the_dense_grid() -> None:
    _check_sparse_matches_dense(annotate(make_study()))


def test_sparse_calls_match_the_dense_grid_on_the_real_study(shared_study_dir: Path) -> None:
    from her2scope.study import load_study

    _check_sparse_matches_dense(annotate(load_study(shared_study_dir)))

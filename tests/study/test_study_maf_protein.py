"""The protein change of a MAF as different tools write it (HGVSp_Short, HGVSp,
Protein_Change, none at all), on copies of the shared study's real MAF.

maftools' example MAFs, Firehose and TCGAmutations carry ``Protein_Change``
(``p.E545K``); vcf2maf/cBioPortal MAFs carry ``HGVSp_Short`` and the three-letter
``HGVSp`` (``p.Glu545Lys``). The copies are written into ``tmp_path``; the study
data never enter the repository.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import polars as pl
import pytest

from her2scope.alterations import annotate, load_catalog
from her2scope.study import load_study
from her2scope.study.readers import _short_protein
from her2scope.tumorboard.from_study import profiles_from_study


def _copy_with_maf(src: Path, dest: Path, rename: dict[str, str], drop: set[str]) -> Path:
    """The study in ``dest`` with its MAF's columns renamed/dropped (everything else copied)."""
    shutil.copytree(src, dest, ignore=shutil.ignore_patterns("data_mutations.txt"))
    lines = (src / "data_mutations.txt").read_text("utf-8").split("\n")
    start = next(i for i, line in enumerate(lines) if not line.startswith("#"))
    header = lines[start].split("\t")
    keep = [i for i, name in enumerate(header) if name not in drop]
    out = lines[:start]
    for i, line in enumerate(lines[start:]):
        if not line:
            out.append(line)
            continue
        cells = line.split("\t")
        if i == 0:
            cells = [rename.get(c, c) for c in cells]
        out.append("\t".join(cells[k] for k in keep))
    (dest / "data_mutations.txt").write_text("\n".join(out), "utf-8")
    return dest


def _counts(study_dir: Path) -> pl.DataFrame:
    return annotate(load_study(study_dir, cache=False), load_catalog()).counts().sort("alteration")


@pytest.fixture(scope="module")
def original_counts(shared_study_dir: Path) -> pl.DataFrame:
    return _counts(shared_study_dir)


def test_maftools_style_copy_gives_the_same_counts(
    shared_study_dir: Path, tmp_path: Path, original_counts: pl.DataFrame
) -> None:
    copy = _copy_with_maf(
        shared_study_dir,
        tmp_path / "maftools",
        rename={"HGVSp_Short": "Protein_Change"},
        drop={"HGVSp"},
    )
    study = load_study(copy, cache=False)
    (entry,) = study.audit.by_code("mutations.protein_columns")
    assert "Protein_Change" in entry.message
    assert _counts(copy).equals(original_counts)
    # ESR1 ligand-binding-domain mutations are allele-level: the count is not 0
    lbd = original_counts.filter(pl.col("alteration") == "ESR1_lbd_mut")
    assert int(lbd["n_altered"][0]) == 145


def test_three_letter_hgvsp_alone_gives_the_same_counts(
    shared_study_dir: Path, tmp_path: Path, original_counts: pl.DataFrame
) -> None:
    copy = _copy_with_maf(shared_study_dir, tmp_path / "hgvsp", rename={}, drop={"HGVSp_Short"})
    assert _counts(copy).equals(original_counts)


def test_three_letter_conversion_matches_the_short_form(shared_study_dir: Path) -> None:
    maf = pl.read_csv(
        shared_study_dir / "data_mutations.txt",
        separator="\t",
        comment_prefix="#",
        infer_schema=False,
        quote_char=None,
    ).select(_short_protein("HGVSp").alias("long"), _short_protein("HGVSp_Short").alias("short"))
    both = maf.drop_nulls()
    assert both.height > 8800
    assert both.filter(pl.col("long") != pl.col("short")).height == 0


def test_no_protein_column_leaves_alleles_not_assessed(
    shared_study_dir: Path, tmp_path: Path, original_counts: pl.DataFrame
) -> None:
    copy = _copy_with_maf(
        shared_study_dir, tmp_path / "none", rename={}, drop={"HGVSp_Short", "HGVSp"}
    )
    study = load_study(copy, cache=False)
    assert study.audit.by_code("mutations.no_protein_column")
    calls = annotate(study, load_catalog())
    assert calls.audit.by_code("alterations.allele_unknown")
    counts = calls.counts().sort("alteration")
    lbd = counts.filter(pl.col("alteration") == "ESR1_lbd_mut")
    # not "0 altered": not profiled in every sample
    assert int(lbd["n_altered"][0]) == 0
    assert int(lbd["n_not_profiled"][0]) == study.samples.height
    # gene-level alterations do not need the allele: unchanged
    gene_level = counts.filter(pl.col("alteration").is_in(["ESR1_mut", "ESR1_amp", "MYC_amp"]))
    same = original_counts.filter(pl.col("alteration").is_in(["ESR1_mut", "ESR1_amp", "MYC_amp"]))
    assert gene_level.equals(same)


def test_patient_profiles_make_no_allele_claim_without_a_protein_change(
    shared_study_dir: Path, tmp_path: Path
) -> None:
    copy = _copy_with_maf(
        shared_study_dir, tmp_path / "none", rename={}, drop={"HGVSp_Short", "HGVSp"}
    )
    # an ESR1 M421V tumour (outside the hotspots; read as "ESR1 mutation" it became the
    # ligand-binding-domain activating mutation)
    sample = "P-0011398-T01-IM5"
    original = profiles_from_study(load_study(shared_study_dir), [sample])[sample]
    assert "ESR1 M421V" in original.alterations
    blind = profiles_from_study(load_study(copy, cache=False), [sample])[sample]
    assert not any(a.startswith("ESR1") for a in blind.alterations)
    note = next(n for n in blind.notes if n.startswith("Allele unknown"))
    assert "ESR1 (Missense_Mutation)" in note
    # a truncating class still says loss of function, without an allele
    assert "RB1 truncating mutation" in blind.alterations

"""HER2 calls from TCGA's own pathology columns, as cBioPortal publishes them.

``brca_tcga_pub2015`` (Ciriello et al., Cell 2015, PMID 26451490; the two clinical
files byte for byte as on the datahub, see its SOURCE.md): IHC scores typed NUMBER
(read back as ``2.0``), copy numbers that are per-cell averages in some rows and
totals over the counted cells in others, FISH ``Equivocal``/``Indeterminate``, and
two IHC columns (score and word) that sometimes disagree. Expectations come from
the raw cells (printed beside them in ``fixtures/tcga_her2``) and the ASCO/CAP
2018/2023 rules, never from running the code under test.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from her2scope.her2 import classify, classify_one, parse_ihc
from her2scope.her2.copies import decide_copies
from her2scope.study import load_study
from her2scope.study.conventions import harmonise
from her2scope.study.model import Study

HANDCHECK = Path(__file__).parents[1] / "fixtures" / "tcga_her2" / "handcheck_brca_tcga_pub2015.tsv"
#: IHC 2+ with FISH positive in the study; read as per-cell copies they are group 1
#: (HER2-positive); divided by the cell count they were HER2-low
FIVE = (
    "TCGA-A7-A26H-01",
    "TCGA-GM-A2DA-01",
    "TCGA-A2-A3XV-01",
    "TCGA-BH-A0B4-01",
    "TCGA-BH-A0C0-01",
)
ON_SCALE = ("HER2-positive", "HER2-low", "HER2-0", "HER2-null", "HER2-ultralow")


@pytest.fixture(scope="module")
def pub2015(studies_root: Path) -> Study:
    folder = studies_root / "brca_tcga_pub2015"
    if not folder.is_dir():
        pytest.skip("brca_tcga_pub2015 not in HER2SCOPE_STUDIES")
    return harmonise(load_study(folder, cache=False))


@pytest.fixture(scope="module")
def calls(pub2015: Study) -> pl.DataFrame:
    return classify(pub2015.samples).table


def _call(calls: pl.DataFrame, sample: str) -> tuple[str, str]:
    row = calls.filter(pl.col("SAMPLE_ID") == sample)
    return str(row["her2_category"][0]), str(row["her2_rationale"][0])


def test_number_typed_scores_are_read(studies_root: Path, calls: pl.DataFrame) -> None:
    # HER2_IHC_SCORE is typed NUMBER: the loader gives floats, read back as "2.0"
    raw = load_study(studies_root / "brca_tcga_pub2015", cache=False)
    assert raw.samples.schema["HER2_IHC_SCORE"] == pl.Float64
    assert not calls["her2_rationale"].str.contains("not a recognised IHC score").any()
    assert parse_ihc("2.0").label == "2+" and parse_ihc("2.5").unusable is not None


def test_most_samples_get_a_call(calls: pl.DataFrame) -> None:
    counts = dict(calls.group_by("her2_category").len().iter_rows())
    called = sum(counts.get(c, 0) for c in ON_SCALE)
    # held back on purpose: the score and the word of the same stain disagree and
    # their readings give different calls (1+ vs "Positive", 3 vs "Negative", ...)
    conflicts = calls.filter(pl.col("her2_rationale").str.contains("IHC readings give")).height
    assert called >= 475, counts
    assert conflicts == 16
    # with the conflicts, every sample the issue counted as callable (491) is accounted for
    assert called + conflicts >= 491


def test_five_fish_positive_tumours_are_positive(calls: pl.DataFrame) -> None:
    for sample in FIVE:
        category, why = _call(calls, sample)
        assert category == "HER2-positive", (sample, why)
        assert "group 1" in why
    # the values as written, per cell (15 HER2 / 3.7 CEP17 = the reported ratio 4.05)
    assert "HER2 15/cell, CEP17 3.7/cell" in _call(calls, "TCGA-GM-A2DA-01")[1]


def test_totals_are_divided_and_unsettled_values_unusable(
    pub2015: Study, calls: pl.DataFrame
) -> None:
    # HER2 185 / CEP17 160 over 60 cells: CEP17 160 per cell is impossible, 2.67 is not
    assert "HER2 3.083/cell, CEP17 2.667/cell" in _call(calls, "TCGA-A2-A1FX-01")[1]
    # 114 / 74 with no cell count and no ratio: totals, nothing to divide by
    entries = pub2015.audit.by_code("conventions.copies")
    reasons = " ".join(e.message for e in entries)
    assert "TCGA-E9-A1R2-01: implausible per cell" in reasons
    assert "no cell count" in reasons
    # HER2 3.43 / CEP17 2.98 = 1.15 against a reported ratio of 1.5: not believed
    assert "disagrees with the reported ratio 1.5" in reasons
    assert sum(e.count for e in entries) == 4


def test_handcheck_of_fifty_samples(calls: pl.DataFrame) -> None:
    table = pl.read_csv(HANDCHECK, separator="\t", infer_schema=False)
    assert table.height == 50 and table["SAMPLE_ID"].n_unique() == 50
    got = dict(calls.select("SAMPLE_ID", "her2_category").iter_rows())
    wrong = [
        (sid, expected, got[sid])
        for sid, expected in table.select("SAMPLE_ID", "expected").iter_rows()
        if got[sid] != expected
    ]
    assert wrong == []
    # the table covers the cases that matter, not 50 copies of one
    assert set(table["expected"]) >= {"HER2-positive", "HER2-low", "HER2-0", "unknown"}


def test_her2_positive_share_beside_the_published_figure(calls: pl.DataFrame) -> None:
    """About 15% of breast cancers are HER2-positive (ERBB2 amplification; Ferrari et al.,
    Nat Commun 2016;7:12222, PMID 27406316, accessed: 2026-12-07). Among the TCGA
    samples with any HER2 result, the share called HER2-positive is in that range."""
    with_result = calls.filter(
        ~pl.col("her2_rationale").str.starts_with("no IHC; no ISH; no usable")
    )
    share = (with_result["her2_category"] == "HER2-positive").mean()
    assert isinstance(share, float)
    assert 0.12 <= share <= 0.22, share


def test_equivocal_word_with_a_ratio_of_two_is_not_negative() -> None:
    # ASCO/CAP 2018 has no equivocal ISH; "Equivocal" (2013: ratio < 2.0, 4-6 copies)
    # beside a ratio >= 2.0 cannot mean group 4
    assert classify_one("2+", "Equivocal", "2.2").category == "equivocal"
    assert classify_one("2+", None, "2.2").category == "equivocal"
    assert classify_one("2+", "Equivocal", "2.2", "5").category == "HER2-positive"
    # without numbers the word keeps its 2013 meaning (group 4: negative with 2+)
    assert classify_one("2+", "Equivocal").category == "HER2-low"
    assert classify_one("2+", "Indeterminate", "2.5").category == "equivocal"


def test_map_path_decides_copies_too(pub2015: Study, studies_root: Path) -> None:
    raw = load_study(studies_root / "brca_tcga_pub2015", cache=False)
    mapping = {
        "ihc": "HER2_IHC_SCORE",
        "ish_status": "HER2_FISH_STATUS",
        "ish_ratio": "HER2_CENT17_RATIO",
        "her2_copies": "HER2_COPY_NUMBER",
        "cep17_copies": "CENT17_COPY_NUMBER",
    }
    plain = classify(harmonise(raw, "generic", mapping).samples).table
    # raw totals (HER2 52, CEP17 49, FISH Negative) are not 52 copies per cell
    category, why = _call(plain, "TCGA-AO-A128-01")
    assert category == "HER2-0" and "/cell" not in why
    counted = harmonise(raw, "generic", {**mapping, "cell_count": "HER2_AND_CENT17_CELLS_COUNT"})
    category, why = _call(classify(counted.samples).table, "TCGA-AO-A128-01")
    assert category == "HER2-0" and "HER2 1.733/cell" in why


def test_decide_copies_readings() -> None:
    frame = pl.DataFrame(
        {
            "h": [15.0, 185.0, 66.0, 30.0, 2.0, 3.2],
            "c": [3.7, 160.0, 67.0, None, 2.0, 2.7],
            "n": [60.0, 60.0, None, 20.0, 5.0, 371.0],
            "r": [4.05, 1.1, 1.0, None, 1.0, 2.2],
            "s": ["amplified", "not_amplified", "not_amplified", None, None, "not_amplified"],
        }
    )
    got = decide_copies(
        frame, pl.col("h"), pl.col("c"), pl.col("n"), pl.col("r"), pl.col("s")
    ).to_dicts()
    assert got[0]["reading"] == "per_cell" and got[0]["her2"] == 15.0
    assert got[1]["reading"] == "total" and got[1]["cep17"] == pytest.approx(2.667)
    assert got[2]["reading"] is None and "no cell count" in got[2]["reason"]
    # 30 per cell or 1.5 over 20 cells: both plausible without CEP17 or ratio
    assert got[3]["reading"] is None and "cannot tell" in got[3]["reason"]
    # 5 cells is no count (ASCO/CAP counts at least 20): the values as written
    assert got[4]["reading"] == "per_cell"
    assert got[5]["reading"] is None and "reported ratio 2.2" in got[5]["reason"]


@pytest.mark.parametrize(
    ("raw", "label", "zero_level"),
    [
        ("2+ equivocal", "2+", None),
        ("Negative (0)", "0", None),
        ("Negative (1+)", "1+", None),
        ("0 with membrane staining (ultralow)", "0", "ultralow"),
        ("IHC 0 - null", "0", "null"),
        ("Positive (3+)", "3+", None),
        ("3+ positive", "3+", None),
        ("Equivocal (2+)", "2+", None),
        ("2.0", "2+", None),
    ],
)
def test_report_wording_of_ihc(raw: str, label: str, zero_level: str | None) -> None:
    reading = parse_ihc(raw)
    assert reading.unusable is None and reading.conflict is None
    assert (reading.label, reading.zero_level) == (label, zero_level)


@pytest.mark.parametrize(
    ("raw", "why"),
    [
        ("Positive (1+)", "disagree"),
        ("2+ positive", "disagree"),
        ("0 with membrane staining", "not a recognised"),
        ("2.5", "not a recognised"),
    ],
)
def test_ihc_wording_not_covered(raw: str, why: str) -> None:
    reading = parse_ihc(raw)
    assert why in (reading.unusable or reading.conflict or "")
    assert classify_one(raw).category == "unknown"


def test_indeterminate_ihc_is_no_result() -> None:
    reading = parse_ihc("Indeterminate")
    assert reading.missing and reading.unusable is None
    assert classify_one("Indeterminate", "Positive").category == "HER2-positive"


def test_a_dropped_ihc_column_is_said(shared_study_dir: Path) -> None:
    samples = load_study(shared_study_dir).samples.drop("HER2_IHC_SCORE")
    result = classify(samples)
    (entry,) = result.audit.by_code("her2.ihc_absent")
    assert entry.count == samples.height and "HER2_IHC_SCORE" in entry.message


PANCAN_REASON = "records no HER2 test"


@pytest.mark.parametrize(
    "args",
    [
        ["analyze"],
        ["switching"],
        ["survival"],
        ["export", "cbioportal"],
        ["classify"],
        ["report", "--sample", "TCGA-A1-A0SB-01", "--study"],
    ],
    ids=lambda a: a[0],
)
def test_pancan_gives_the_reason_in_every_command(
    studies_root: Path, tmp_path: Path, args: list[str]
) -> None:
    folder = studies_root / "brca_tcga_pan_can_atlas_2018"
    if not folder.is_dir():
        pytest.skip("brca_tcga_pan_can_atlas_2018 not in HER2SCOPE_STUDIES")
    extra = ["--out", str(tmp_path / "x")] if args[0] == "export" else []
    done = subprocess.run(
        [sys.executable, "-m", "her2scope", *args, str(folder), *extra],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
        env={**os.environ, "COLUMNS": "200"},
    )
    text = done.stdout + done.stderr
    assert PANCAN_REASON in " ".join(text.split()), text[-500:]
    assert "Traceback" not in text
    # the commands that need HER2 calls refuse (exit 2); the report states it per patient
    assert done.returncode == (0 if args[0] == "report" else 2)


def test_negated_fish_wording_reads_alike_in_switching_and_analyze(
    shared_study_dir: Path, tmp_path: Path
) -> None:
    """The primary FISH column written "No evidence of amplification" instead of
    "Negative": the engine's one ISH vocabulary reads it, so the primary calls of
    ``switching`` equal those of ``analyze --source primary``, and equal the calls
    made from the original wording."""
    from her2scope.cohort.switching import switching

    copy = tmp_path / "msk"
    shutil.copytree(shared_study_dir, copy)
    path = copy / "data_clinical_sample.txt"
    lines = path.read_text("utf-8").split("\n")
    header = next(line for line in lines if not line.startswith("#")).split("\t")
    column = header.index("HER2_FISH_STATUS")
    changed = 0
    for i, line in enumerate(lines):
        cells = line.split("\t")
        if not line.startswith("#") and len(cells) > column and cells[column] == "Negative":
            cells[column] = "No evidence of amplification"
            lines[i] = "\t".join(cells)
            changed += 1
    path.write_text("\n".join(lines), "utf-8")
    assert changed > 500

    def primary_calls(folder: Path) -> dict[str, str]:
        study = harmonise(load_study(folder, cache=False), source="primary")
        table = classify(study.samples, source="primary").table
        return dict(table.select("SAMPLE_ID", "her2_category").iter_rows())

    reworded = primary_calls(copy)
    assert reworded == primary_calls(shared_study_dir)
    pairs = switching(load_study(copy, cache=False)).pairs.filter(
        pl.col("comparison") == "primary_vs_sequenced"
    )
    from_switching = dict(pairs.select("from_sample_id", "from_category").iter_rows())
    assert from_switching and all(reworded[s] == c for s, c in from_switching.items())

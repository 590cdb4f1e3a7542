"""HER2 switching: hand-made pairs with known counts, Wilson CIs vs scipy, real-data accounting."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import polars as pl
import pytest
from scipy import stats

from figure_checks import embedded_svgs, svg_text
from her2scope.cohort.switching import serial_pairs, switching, switching_from_calls
from her2scope.vocab import ANALYSIS_SCALE


def _pairs_frames(
    transitions: list[tuple[str, str, str]],
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(primary call, sequenced call, sample type) per sample, one patient each."""
    ids = [f"P-{i:04d}-T01" for i in range(len(transitions))]
    sequenced = pl.DataFrame(
        {
            "SAMPLE_ID": ids,
            "PATIENT_ID": [i[:6] for i in ids],
            "SAMPLE_TYPE": [t[2] for t in transitions],
            "NGS_SAMPLE_COLLECTION_TIME": [100.0] * len(ids),
            "her2_category": [t[1] for t in transitions],
            "her2_rationale": [f"seq {t[1]}" for t in transitions],
        }
    )
    primary = pl.DataFrame(
        {
            "SAMPLE_ID": ids,
            "her2_category": [t[0] for t in transitions],
            "her2_rationale": [f"prim {t[0]}" for t in transitions],
        }
    )
    return sequenced, primary


# Known design: Metastasis pairs 0->0 x6, 0->low x4 (one via HER2-null, one via
# ultralow), low->0 x3, low->low x5, low->pos x1, pos->pos x2; Primary pairs
# 0->0 x3, low->low x2; plus 4 off-scale pairs that must be excluded.
DESIGN: list[tuple[str, str, str]] = (
    [("HER2-0", "HER2-0", "Metastasis")] * 5
    + [("HER2-null", "HER2-ultralow", "Metastasis")]
    + [("HER2-0", "HER2-low", "Metastasis")] * 2
    + [("HER2-null", "HER2-low", "Metastasis"), ("HER2-ultralow", "HER2-low", "Metastasis")]
    + [("HER2-low", "HER2-0", "Metastasis")] * 3
    + [("HER2-low", "HER2-low", "Metastasis")] * 5
    + [("HER2-low", "HER2-positive", "Metastasis")]
    + [("HER2-positive", "HER2-positive", "Metastasis")] * 2
    + [("HER2-0", "HER2-0", "Primary")] * 3
    + [("HER2-low", "HER2-low", "Primary")] * 2
    + [
        ("unknown", "HER2-low", "Metastasis"),
        ("HER2-0", "equivocal", "Primary"),
        ("HER2-negative", "HER2-0", "Metastasis"),
        ("unknown", "unknown", "Primary"),
    ]
)


@pytest.fixture()
def design_result():  # type: ignore[no-untyped-def]
    seq, prim = _pairs_frames(DESIGN)
    return switching_from_calls(seq, prim, profile="test", ambiguous="exclude")


def test_transition_matrix_exact(design_result) -> None:  # type: ignore[no-untyped-def]
    wide = design_result.matrix_wide("primary_vs_sequenced", "Metastasis")
    assert wide["from_category"].to_list() == list(ANALYSIS_SCALE)
    assert wide.select(ANALYSIS_SCALE).rows() == [(6, 4, 0), (3, 5, 1), (0, 0, 2)]
    pooled = design_result.matrix_wide("primary_vs_sequenced", "All")
    assert pooled.select(ANALYSIS_SCALE).rows() == [(9, 4, 0), (3, 7, 1), (0, 0, 2)]


def test_rates_and_wilson_ci_match_scipy(design_result) -> None:  # type: ignore[no-untyped-def]
    expected = {
        ("Metastasis", "HER2-0 -> HER2-low"): (4, 10),
        ("Metastasis", "HER2-low -> HER2-0"): (3, 9),
        ("Metastasis", "any change"): (8, 21),
        ("Metastasis", "HER2-positive <-> non-positive"): (1, 21),
        ("All", "HER2-0 -> HER2-low"): (4, 13),
        ("All", "HER2-low -> HER2-0"): (3, 11),
        ("All", "any change"): (8, 26),
        ("Primary", "any change"): (0, 5),
    }
    for (sample_type, transition), (k, n) in expected.items():
        row = design_result.rate(transition, "primary_vs_sequenced", sample_type)
        assert (row["k"], row["n"]) == (k, n), (sample_type, transition)
        ci = stats.binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
        assert row["rate"] == pytest.approx(k / n)
        assert row["ci_low"] == pytest.approx(ci.low, abs=1e-12)
        assert row["ci_high"] == pytest.approx(ci.high, abs=1e-12)


def test_every_sample_accounted(design_result) -> None:  # type: ignore[no-untyped-def]
    acc = design_result.accounting.filter(pl.col("comparison") == "primary_vs_sequenced").row(
        0, named=True
    )
    assert acc["n_candidates"] == len(DESIGN)
    assert acc["n_included"] + acc["n_excluded"] == len(DESIGN)
    assert acc["n_excluded"] == 4
    excluded = design_result.audit.by_code("switching.pair_excluded")
    assert sum(e.count for e in excluded if e.message.startswith("primary_vs_sequenced")) == 4
    pairs = design_result.pairs.filter(pl.col("comparison") == "primary_vs_sequenced")
    reasons = set(pairs["exclusion_reason"].drop_nulls().to_list())
    assert reasons == {
        "from:unknown",
        "to:equivocal",
        "from:HER2-negative",
        "from:unknown;to:unknown",
    }
    # rationales travel with the pair
    assert pairs["from_rationale"][0] == "prim HER2-0"
    assert pairs["to_rationale"][0] == "seq HER2-0"


def test_serial_order_by_time_then_id() -> None:
    seq = pl.DataFrame(
        {
            "SAMPLE_ID": ["A-T03", "A-T01", "A-T02", "B-T01"],
            "PATIENT_ID": ["A", "A", "A", "B"],
            "SAMPLE_TYPE": ["Metastasis", "Primary", "Metastasis", "Primary"],
            # T03 is collected first; T01 and T02 tie and are ordered by id
            "NGS_SAMPLE_COLLECTION_TIME": [10.0, 20.0, 20.0, 5.0],
            "her2_category": ["HER2-0", "HER2-low", "HER2-positive", "HER2-0"],
        }
    )
    pairs = serial_pairs(seq)
    assert pairs.select("from_sample_id", "to_sample_id").rows() == [
        ("A-T03", "A-T01"),
        ("A-T01", "A-T02"),
    ]
    assert pairs["sample_type"].to_list() == ["Primary", "Metastasis"]  # of the later sample
    result = switching_from_calls(seq)
    assert result.accounting["comparison"].to_list() == ["serial"]
    assert result.audit.total("switching.serial_first_sample") == 2


def test_outputs_written(tmp_path: Path, design_result) -> None:  # type: ignore[no-untyped-def]
    from her2scope.cohort.switching.views import write_switching

    paths = write_switching(design_result, tmp_path)
    names = {p.name for p in paths}
    assert names == {
        "switching_pairs.tsv",
        "switching_matrix.tsv",
        "switching_rates.tsv",
        "switching_rates.json",
        "switching.png",
        "switching.html",
    }
    pairs = pl.read_csv(tmp_path / "switching_pairs.tsv", separator="\t")
    assert pairs.height == design_result.pairs.height
    rates = pl.read_csv(tmp_path / "switching_rates.tsv", separator="\t")
    assert rates.height == design_result.table.height
    data = json.loads((tmp_path / "switching_rates.json").read_text())
    assert data["paper_reference"]["rates"] == [0.34, 0.25]
    assert "seed" not in json.dumps(data).lower()
    assert (tmp_path / "switching.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    page = (tmp_path / "switching.html").read_text()
    (heatmap,) = embedded_svgs(page)
    assert "HER2 category transitions" in svg_text(heatmap)
    assert "ref 90" in page or "reference 90" in page
    assert "same tumour" in page
    assert "<table" in design_result._repr_html_()


def test_switching_rejects_bad_input() -> None:
    from her2scope.errors import Her2scopeError

    with pytest.raises(Her2scopeError):
        switching("not a study")  # type: ignore[arg-type]
    with pytest.raises(Her2scopeError, match="her2_category"):
        switching_from_calls(pl.DataFrame({"SAMPLE_ID": ["a"], "PATIENT_ID": ["p"]}))


# --------------------------------------------------------------------------- real data


def _count_samples(study_dir: Path) -> int:
    with (study_dir / "data_clinical_sample.txt").open(newline="") as fh:
        rows = [r for r in csv.reader(fh, delimiter="\t") if r and not r[0].startswith("#")]
    return len(rows) - 1  # header


@pytest.mark.study
def test_real_study_every_sample_accounted(shared_study_dir: Path) -> None:
    study_mod = pytest.importorskip("her2scope.study")
    her2_mod = pytest.importorskip("her2scope.her2")
    if not hasattr(study_mod, "load_study") or not hasattr(her2_mod, "classify"):
        pytest.skip("load_study / classify not available yet")
    study = study_mod.load_study(shared_study_dir)
    result = switching(study)
    n_samples = _count_samples(shared_study_dir)
    assert n_samples == 1918
    acc = result.accounting.filter(pl.col("comparison") == "primary_vs_sequenced").row(
        0, named=True
    )
    assert acc["n_candidates"] == n_samples
    assert acc["n_included"] + acc["n_excluded"] == n_samples
    audited = sum(
        e.count
        for e in result.audit
        if e.code in {"switching.pair_included", "switching.pair_excluded"}
        and e.message.startswith("primary_vs_sequenced")
    )
    assert audited == n_samples
    serial = result.accounting.filter(pl.col("comparison") == "serial").row(0, named=True)
    n_patients = study.samples["PATIENT_ID"].n_unique()
    assert serial["n_candidates"] == n_samples - n_patients
    # matrix cells add up to the included pairs
    pooled = result.matrix.filter(
        (pl.col("comparison") == "primary_vs_sequenced") & (pl.col("sample_type") == "All")
    )
    assert pooled["n"].sum() == acc["n_included"]


@pytest.mark.study
def test_rate_and_matrix_take_the_sample_type_in_any_case(studies_root: Path) -> None:
    """analyze takes sample_type='metastasis'; switching's look-ups must too (issue 27)."""
    import her2scope as hs

    result = hs.tl.switching("breast_msk_2018")
    first = result.table.filter(pl.col("sample_type") == "Metastasis").row(0, named=True)
    got = result.rate(first["transition"], first["comparison"], sample_type="metastasis")
    assert got == first
    assert result.matrix_wide(first["comparison"], "all").equals(
        result.matrix_wide(first["comparison"], "All")
    )

"""Several studies in one run (issue 10, item 7) and "not assessed" alterations (item 4).

Fixtures: ``fixtures/pooled/pool_msk_a`` (MSK breast layout) and
``fixtures/pooled/pool_tcga_b`` (TCGA brca_tcga legacy layout, HER2 at
patient level), hand-made, each with a MAF, a discrete CNA file and case
lists; ``fixtures/conventions/metabric`` (HER2 only as +/-).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest

import her2scope as hs
from her2scope.cli import main
from her2scope.cohort.options import AnalysisOptions
from her2scope.cohort.pooled.compute import POOLED_COLUMNS, analyze_many
from her2scope.errors import ConfigError, StudyError
from her2scope.study.conventions import convention_of, harmonise
from her2scope.vocab import ZERO_CATEGORIES

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
MSK_A = FIXTURES / "pooled" / "pool_msk_a"
TCGA_B = FIXTURES / "pooled" / "pool_tcga_b"
METABRIC = FIXTURES / "conventions" / "metabric"
DEMO = Path(__file__).resolve().parents[2] / "examples" / "demo_study"

SUMMED = [
    "n_altered",
    "n_her2_known",
    "n_her2_low",
    "n_her2_zero",
    "n_her2_positive",
    "n_her2_negative_unsplit",
    "n_her2_unknown",
    "baseline_n_her2_known",
    "baseline_n_her2_low",
    "n_not_profiled",
]
#: alterations each fixture study carries in both HER2-low and HER2-0 tumors
INFORMATIVE = ["PIK3CA_mut", "ESR1_mut", "GATA3_mut", "MYC_amp", "CCND1_amp"]


@pytest.fixture(scope="module")
def pooled() -> Any:
    studies = [hs.load_study(MSK_A, cache=False), hs.load_study(TCGA_B, cache=False)]
    return hs.tl.analyze_many(studies)


def test_each_study_by_its_own_convention(pooled: Any) -> None:
    assert pooled.study_ids == ("pool_msk_a", "pool_tcga_b")
    assert convention_of(_harmonised(MSK_A)) == "msk_breast"
    assert convention_of(_harmonised(TCGA_B)) == "tcga_brca_legacy"
    for sid, result in pooled.per_study.items():
        # every sample gets a call on the 0/low/positive scale from its own columns
        assert result.n_included == result.n_samples > 0, sid
        assert result.samples["her2_known"].all(), sid
        assert {"HER2-low", "HER2-positive"} <= set(result.samples["her2_category"]), sid
    assert list(pooled.table.columns) == POOLED_COLUMNS


def _harmonised(path: Path) -> Any:
    return harmonise(hs.load_study(path, cache=False))


def test_per_study_tables_are_the_single_study_result(pooled: Any) -> None:
    for path in (MSK_A, TCGA_B):
        alone = hs.tl.analyze(_harmonised(path))
        assert pooled.per_study[alone.study_id].table.equals(alone.table)


def test_pooled_counts_are_the_sum_of_the_study_counts(pooled: Any) -> None:
    stacked = pl.concat([r.table.select("alteration", *SUMMED) for r in pooled.per_study.values()])
    summed = stacked.group_by("alteration", maintain_order=True).agg(pl.col(SUMMED).sum())
    mine = pooled.table.select("alteration", *SUMMED)
    assert mine.equals(summed)
    pik3ca = pooled.table.filter(pl.col("alteration") == "PIK3CA_mut").row(0, named=True)
    assert pik3ca["n_altered"] > 0 and pik3ca["n_studies_assessed"] == 2
    # the pooled 2x2 and its crude OR
    a, b = pik3ca["n_altered_low"], pik3ca["n_altered_zero"]
    c, d = pik3ca["n_not_altered_low"], pik3ca["n_not_altered_zero"]
    assert (a, b) == (pik3ca["n_her2_low"], pik3ca["n_her2_zero"])
    assert pik3ca["crude_or"] == pytest.approx((a * d) / (b * c))


def _independent_2x2(result: Any, alteration: str) -> np.ndarray:
    """[[low & altered, zero & altered], [low & not altered, zero & not altered]] from
    the samples and calls of one study, without her2scope's counting code."""
    calls = result.calls.filter(pl.col("alteration") == alteration)
    altered = set(calls.filter(pl.col("status") == "altered")["sample_id"])
    unprofiled = set(calls.filter(pl.col("status") == "not_profiled")["sample_id"])
    table = np.zeros((2, 2), dtype=np.int64)
    for sid, category, included in result.samples.select(
        "sample_id", "her2_category", "included"
    ).iter_rows():
        if not included or sid in unprofiled:
            continue
        col = 0 if category == "HER2-low" else 1 if category in ZERO_CATEGORIES else None
        if col is None:
            continue
        table[0 if sid in altered else 1, col] += 1
    return table


@pytest.mark.parametrize("alteration", INFORMATIVE)
def test_mh_or_equals_statsmodels_on_the_same_tables(pooled: Any, alteration: str) -> None:
    from statsmodels.stats.contingency_tables import StratifiedTable

    tables = [_independent_2x2(r, alteration) for r in pooled.per_study.values()]
    for t in tables:  # the fixtures are built so that every study informs every OR here
        assert (t.sum(axis=0) > 0).all() and (t.sum(axis=1) > 0).all(), (alteration, t)
    st = StratifiedTable(np.stack(tables, axis=-1).astype(np.float64))
    row = pooled.table.filter(pl.col("alteration") == alteration).row(0, named=True)
    assert row["mh_or"] == pytest.approx(st.oddsratio_pooled, rel=1e-12)
    lo, hi = st.oddsratio_pooled_confint()
    assert (row["mh_ci_low"], row["mh_ci_high"]) == (
        pytest.approx(lo, rel=1e-12),
        pytest.approx(hi, rel=1e-12),
    )
    assert row["p_breslow_day"] == pytest.approx(st.test_equal_odds().pvalue, rel=1e-12)
    assert row["n_strata_informative"] == 2
    total = np.sum(tables, axis=0)
    assert [
        row["n_altered_low"],
        row["n_altered_zero"],
        row["n_not_altered_low"],
        row["n_not_altered_zero"],
    ] == total.ravel().tolist()


def test_result_of_the_house_shape(pooled: Any) -> None:
    import pandas as pd

    assert isinstance(pooled.options, AnalysisOptions)
    assert isinstance(pooled.to_pandas(), pd.DataFrame)
    assert "Mantel-Haenszel" in pooled.summary()
    assert "<table" in pooled._repr_html_()
    messages = [e.message for e in pooled.audit]
    for sid in pooled.study_ids:  # each study's audit, prefixed by its id
        assert any(m.startswith(f"{sid}: study convention") for m in messages), sid
    assert any(e.code == "pooled.studies" for e in pooled.audit)


def test_her2_binary_study_is_left_out_with_its_reason() -> None:
    msk = hs.load_study(MSK_A, cache=False)
    metabric = hs.load_study(METABRIC, cache=False)
    result = analyze_many([msk, metabric])
    assert result.study_ids == ("pool_msk_a",)
    assert set(result.left_out) == {metabric.study_id}
    assert "HER2-low" in result.left_out[metabric.study_id]
    assert metabric.study_id in result.summary()
    # the pool of one study is that study's table
    alone = hs.tl.analyze(harmonise(msk))
    assert result.table["n_her2_low"].to_list() == alone.table["n_her2_low"].to_list()
    with pytest.raises(StudyError, match="no study can support HER2-low"):
        analyze_many([metabric])
    with pytest.raises(ConfigError, match="same study twice"):
        analyze_many([msk, msk])


def test_cli_several_studies(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    code = main(["analyze", str(MSK_A), str(TCGA_B), str(METABRIC), "--out", str(out)])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "Mantel-Haenszel" in captured.out
    assert "metabric_fixture: left out of the pooled table" in captured.err
    for name in ("pooled.tsv", "pooled.json", "pooled_counts.tsv", "audit.tsv", "report.html"):
        assert (out / name).stat().st_size > 0, name
    for sid in ("pool_msk_a", "pool_tcga_b"):
        assert (out / sid / "intersection.tsv").is_file()
        assert (out / sid / "report.html").is_file()
    assert not (out / "metabric_fixture").exists()
    payload = json.loads((out / "pooled.json").read_text())
    assert payload["studies"] == ["pool_msk_a", "pool_tcga_b"]
    assert "metabric_fixture" in payload["left_out"]
    table = pl.read_csv(out / "pooled.tsv", separator="\t")
    per_study = [
        pl.read_csv(out / sid / "intersection.tsv", separator="\t") for sid in payload["studies"]
    ]
    pik = [t.filter(pl.col("alteration") == "PIK3CA_mut")["n_her2_low"].item() for t in per_study]
    assert table.filter(pl.col("alteration") == "PIK3CA_mut")["n_her2_low"].item() == sum(pik)
    html = (out / "report.html").read_text()
    assert "Pooled table, study as a stratum" in html and "left out" in html
    assert 'href="pool_msk_a/report.html"' in html


def test_cli_exit_2_when_no_study_supports_her2_low(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = tmp_path / "metabric_copy"
    shutil.copytree(METABRIC, other)
    for meta in other.glob("meta_*.txt"):
        meta.write_text(meta.read_text().replace("metabric_fixture", "metabric_copy"))
    assert main(["analyze", str(METABRIC), str(other)]) == 2
    err = capsys.readouterr().err
    assert "no study can support HER2-low" in err and "Traceback" not in err


def test_cli_refuses_single_study_options_with_several(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["analyze", str(MSK_A), str(TCGA_B), "--adjusted"]) == 2
    assert "--adjusted" in capsys.readouterr().err


def test_one_study_behaves_as_before(tmp_path: Path) -> None:
    out = tmp_path / "one"
    assert main(["analyze", str(DEMO), "--out", str(out), "--no-cache"]) == 0
    assert (out / "intersection.tsv").is_file() and not (out / "pooled.tsv").exists()
    written = pl.read_csv(out / "intersection.tsv", separator="\t")
    expected = hs.tl.analyze(harmonise(hs.load_study(DEMO, cache=False))).table
    assert written["n_her2_low"].to_list() == expected["n_her2_low"].to_list()
    assert written["n_altered"].to_list() == expected["n_altered"].to_list()


def test_not_assessed_without_cna_file(
    tmp_path: Path, shared_study_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A copy of the shared study without its CNA file: every amplification is named as
    not assessed (no CNA data) in the summary, report.html and intersection.json."""
    study = tmp_path / "breast_msk_2018"
    shutil.copytree(shared_study_dir, study)
    for name in ("data_cna.txt", "meta_cna.txt"):
        (study / name).unlink()
    out = tmp_path / "out"
    assert main(["analyze", str(study), "--out", str(out), "--no-cache"]) == 0
    printed = capsys.readouterr().out
    payload = json.loads((out / "intersection.json").read_text())
    unassessed = {r["alteration"]: r["reason"] for r in payload["not_assessed"]}
    amps = {r["alteration"] for r in payload["rows"] if r["alteration"].endswith("_amp")}
    assert amps and set(unassessed) == amps
    assert set(unassessed.values()) == {"no CNA data"}
    myc = next(r for r in payload["rows"] if r["alteration"] == "MYC_amp")
    assert myc["n_altered"] == 0 and myc["n_not_profiled"] == payload["n_analysed"]
    line = payload["not_assessed_text"]
    assert line.startswith("Not assessed") and "MYC amplification" in line
    assert line.endswith("(no CNA data).")
    assert "MYC amplification" in " ".join(printed.split())  # rich may fold the line
    html = (out / "report.html").read_text()
    assert "MYC amplification" in html and "(no CNA data)" in html
    assert "not assessed" in html
    # mutations were read: a mutation-only alteration is assessed
    assert "ESR1_mut" not in unassessed


def test_not_assessed_is_empty_on_the_full_study(shared_study_dir: Path) -> None:
    result = hs.tl.analyze(hs.load_study(shared_study_dir))
    assert result.not_assessed.height == 0
    assert "Not assessed" not in result.summary()

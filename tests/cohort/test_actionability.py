"""Cohort actionability and batch matching (issue 25): one code path with the patient report."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from her2scope.cohort.actionability.compute import _gene_classes, actionability, summarise_report
from her2scope.tumorboard.batch import match_profiles, option_rows, option_table_chunks
from her2scope.tumorboard.from_study import profile_key, with_assumed_history
from her2scope.tumorboard.match import Matcher
from her2scope.tumorboard.patient_file import Her2Input, PatientProfile


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher()


def _profile(
    sid: str, alterations: list[str], *, ihc: str = "1+", er: str = "positive"
) -> PatientProfile:
    return PatientProfile(
        id=sid,
        er_status=er,  # type: ignore[arg-type]
        pr_status="positive",
        her2=Her2Input(ihc=ihc),
        alterations=alterations,
        prior_therapies_known=False,
        source=f"test:{sid}",
        notes=[f"sample {sid}"],
    )


def test_profile_key_ignores_identity_and_order_but_not_findings() -> None:
    a = with_assumed_history(_profile("A", ["PIK3CA H1047R", "ESR1 D538G"]))
    b = with_assumed_history(_profile("B", ["ESR1 D538G", "PIK3CA H1047R"]))
    assert profile_key(a) == profile_key(b)  # id, source, notes and list order do not count
    c = with_assumed_history(_profile("C", ["PIK3CA H1047R"]))
    assert profile_key(c) != profile_key(a)
    first = with_assumed_history(_profile("A", ["PIK3CA H1047R", "ESR1 D538G"]), "first-line")
    assert profile_key(first) != profile_key(a)  # the assumed history is part of the key
    zero = with_assumed_history(_profile("A", ["PIK3CA H1047R", "ESR1 D538G"], ihc="0"))
    assert profile_key(zero) != profile_key(a)  # so is the HER2 reading


def test_assumed_history_is_stated_and_er_negative_gets_none() -> None:
    pos = with_assumed_history(_profile("A", []))
    assert pos.setting == "metastatic" and pos.prior_therapies_known
    assert [h.therapy for h in pos.therapy_history] == ["aromatase inhibitor + CDK4/6 inhibitor"]
    assert any("Assumed therapy history (after-et-cdk46)" in n for n in pos.notes)
    neg = with_assumed_history(_profile("N", [], er="negative"))
    assert neg.therapy_history == []
    with pytest.raises(Exception, match="history"):
        with_assumed_history(pos, "third-line")


def test_batch_matches_once_per_key_with_the_patient_report_result(matcher: Matcher) -> None:
    profiles = {
        p.id: with_assumed_history(p)
        for p in (
            _profile("A", ["PIK3CA H1047R", "ESR1 D538G"]),
            _profile("B", ["ESR1 D538G", "PIK3CA H1047R"]),
            _profile("C", ["ERBB2 L755S"]),
        )
    }
    batch = match_profiles(profiles, matcher=matcher, history="after-et-cdk46")
    assert batch.n_samples == 3 and batch.n_distinct == 2 and batch.n_decisions == 2
    assert batch.report("A") is batch.report("B")
    # the table's rows for a sample are the rows of the patient report of that sample
    own = option_rows(matcher.match(profiles["C"]))
    table = pl.concat(list(option_table_chunks(batch, chunk_samples=1)))
    got = table.filter(pl.col("sample_id") == "C").drop("sample_id").to_dicts()
    assert got == own
    assert table["sample_id"].unique(maintain_order=True).to_list() == ["A", "B", "C"]
    eligible = table.filter(pl.col("status") == "eligible")
    assert eligible.group_by("sample_id").agg(pl.col("rank").min())["rank"].to_list() == [1, 1, 1]


def test_hand_computed_levels(matcher: Matcher) -> None:
    """By hand from the KB (strategies.yaml): ERBB2 L755S only -> neratinib strategies
    (s_neratinib_erbb2_mutant ...) are early_clinical, no approved one: level early_clinical,
    finding ERBB2. PIK3CA H1047R -> s_alpelisib_fulvestrant / s_capivasertib_fulvestrant are
    approved with FDA and EMA approvals: level approved in both jurisdictions. ESR1 D538G
    alone, EMA -> elacestrant (s_elacestrant_esr1) is EMA-approved: approved."""
    classes = _gene_classes()
    erbb2 = matcher.match(with_assumed_history(_profile("C", ["ERBB2 L755S"])))
    row = summarise_report(erbb2, matcher, "FDA", classes)
    assert row["level"] == "early_clinical" and row["finding_gene"] == "ERBB2"
    assert row["her2_level"] == "approved"  # T-DXd for HER2-low: reported apart
    pik = matcher.match(with_assumed_history(_profile("P", ["PIK3CA H1047R"])))
    for j in ("FDA", "EMA"):
        got = summarise_report(pik, matcher, j, classes)
        assert got["level"] == "approved" and got["finding_gene"] == "PIK3CA"
        assert got["option_id"] in {"s_alpelisib_fulvestrant", "s_capivasertib_fulvestrant"}
        assert got["alteration_class"] == classes["PIK3CA"]
    esr1 = matcher.match(with_assumed_history(_profile("E", ["ESR1 D538G"])))
    got = summarise_report(esr1, matcher, "EMA", classes)
    assert got["level"] == "approved" and got["option_id"] == "s_elacestrant_esr1"
    none = matcher.match(with_assumed_history(_profile("Z", ["TP53 R175H"])))
    assert summarise_report(none, matcher, "FDA", classes)["level"] == "none"


def test_conditional_never_counted_as_eligible(matcher: Matcher) -> None:
    """IHC 2+ without ISH: HER2 unresolved, T-DXd waits on ISH: conditional, not her2_level."""
    rep = matcher.match(with_assumed_history(_profile("Q", ["TP53 R175H"], ihc="2+")))
    got = summarise_report(rep, matcher, "FDA", _gene_classes())
    assert got["her2_level"] == "none"
    assert any(o["id"].startswith("s_tdxd") for o in rep.conditional_options)


@pytest.fixture(scope="module")
def msk(shared_study_dir: Path):  # type: ignore[no-untyped-def]
    from her2scope.study import load_study

    study = load_study(shared_study_dir)
    return study, actionability(study)


def test_shared_study_row_matches_its_own_patient_report(msk, matcher: Matcher) -> None:  # type: ignore[no-untyped-def]
    """A resistant HER2-low sample's row is what its own report (report --sample) says."""
    from her2scope.study.conventions import harmonised
    from her2scope.tumorboard.from_study import profile_from_study

    study, result = msk
    row = (
        result.samples.filter(
            (pl.col("her2_category") == "HER2-low")
            & pl.col("endocrine_resistant")
            & (pl.col("finding_gene") == "PIK3CA")
        )
        .sort("sample_id")
        .row(0, named=True)
    )
    rep = matcher.match(
        with_assumed_history(profile_from_study(harmonised(study), row["sample_id"]))
    )
    assert row["level"] == "approved"
    assert row["option_id"] == next(
        o["id"] for o in rep.options if any(b["id"].startswith("pik3ca") for b in o["biomarkers"])
    )
    assert "PIK3CA" in row["finding"]


def test_shared_study_table_and_q2_add_up(msk) -> None:  # type: ignore[no-untyped-def]
    _, result = msk
    s = result.samples
    t = result.table
    all_rows = t.filter(pl.col("alteration_class") == "ALL")
    # within each stratum the levels partition the samples
    sums = all_rows.group_by("her2_category", "endocrine_resistant").agg(
        pl.col("n").sum(), pl.col("n_stratum").first()
    )
    assert (sums["n"] == sums["n_stratum"]).all()
    assert sums["n"].sum() == s.height
    # class rows of a level add up to the ALL row
    cls = (
        t.filter(pl.col("alteration_class") != "ALL")
        .group_by("her2_category", "endocrine_resistant", "level")
        .agg(pl.col("n").sum().alias("c"))
    )
    joined = cls.join(all_rows, on=["her2_category", "endocrine_resistant", "level"])
    assert (joined["c"] == joined["n"]).all()
    q = result.q2
    low = s.filter((pl.col("her2_category") == "HER2-low") & pl.col("endocrine_resistant"))
    assert q["n_resistant_her2_low"] == low.height > 0
    assert q["n_approved"] == low.filter(pl.col("level") == "approved").height
    assert q["ci_low"] <= q["share"] <= q["ci_high"]
    assert sum(f["n"] for f in q["by_finding"]) == q["n_approved"]


def test_report_all_writes_the_long_table(shared_study_dir: Path, tmp_path: Path) -> None:
    from her2scope.cli import main

    out = tmp_path / "all"
    args = ["report", "--study", str(shared_study_dir), "--all", "--table-format", "parquet"]
    assert main([*args, "--out", str(out)]) == 0
    table = pl.read_parquet(out / "options.parquet")
    assert table.columns == [
        "sample_id",
        "option_id",
        "therapy",
        "status",
        "evidence_level",
        "rank",
        "reason",
    ]
    assert set(table["status"].unique()) <= {"eligible", "conditional", "not_eligible"}
    assert table["sample_id"].n_unique() > 1000
    assert not list(out.glob("*.md"))  # per-sample files only with --per-sample


def test_tumour_variant_of_unstated_origin_waits_on_germline_testing(matcher: Matcher) -> None:
    """The PARP approvals are for germline BRCA1/2 (OlympiAD, EMBRACA; biomarkers.yaml): a
    study's tumour variant (origin not stated) makes them conditional with what settles it,
    never eligible; the same gene stated germline-pathogenic keeps them."""
    base = {"er_status": "negative", "setting": "metastatic", "her2": Her2Input(ihc="0")}
    tumour = matcher.match(PatientProfile(id="T", alterations=["BRCA1 G1825R"], **base))  # type: ignore[arg-type]
    assert "s_talazoparib_gbrca" not in [o["id"] for o in tumour.options]
    waiting = [o for o in tumour.conditional_options if o["id"] == "s_talazoparib_gbrca"]
    assert waiting and "germline testing" in " ".join(waiting[0]["settles"])
    stated = matcher.match(
        PatientProfile(id="G", alterations=["BRCA1 c.68_69delAG germline"], **base)  # type: ignore[arg-type]
    )
    assert "s_talazoparib_gbrca" in [o["id"] for o in stated.options]


def test_batch_key_is_exact_on_the_shared_study(msk, matcher: Matcher) -> None:  # type: ignore[no-untyped-def]
    """Grouping by what the alteration step finds and by the HER2 reading (not the raw
    pathology values or the alteration text) merges samples, and every sample's own match
    has the option rows of its key's match (checked for every sample of breast_msk_2018)."""
    from her2scope.study.conventions import harmonised
    from her2scope.tumorboard.batch import match_study
    from her2scope.tumorboard.from_study import profiles_from_study

    study, _ = msk
    batch = match_study(study, history="after-et-cdk46", matcher=matcher)
    assert batch.n_decisions < batch.n_distinct < batch.n_samples
    profiles = {
        sid: with_assumed_history(p) for sid, p in profiles_from_study(harmonised(study)).items()
    }
    # a profile is built for the first sample of each context, not of each decision key
    contexts = batch.keys.unique("context", keep="first", maintain_order=True)
    assert sorted(batch.profiles) == sorted(contexts["sample_id"])
    assert len(batch.profiles) < batch.n_decisions
    merged = (
        batch.keys.group_by("decision").agg("sample_id").filter(pl.col("sample_id").list.len() > 1)
    )
    assert any(
        set(profiles[ids[0]].alterations) != set(profiles[ids[1]].alterations)
        for ids in merged["sample_id"].to_list()
    )
    for sid, prof in profiles.items():
        assert option_rows(matcher.match(prof)) == option_rows(batch.report(sid)), sid


def test_bounded_batch_keeps_rows_and_representatives_only(matcher: Matcher) -> None:
    profiles = {
        p.id: with_assumed_history(p)
        for p in (
            _profile("A", ["PIK3CA E545K", "TP53 R175H"]),
            _profile("B", ["PIK3CA E545K", "TP53 R248Q"]),  # TP53 is not read by the KB
            _profile("C", ["ERBB2 L755S"]),
            _profile("D", ["PIK3CA E542K", "TP53 R248Q"]),  # the same biomarker as A's
        )
    }
    full = match_profiles(dict(profiles), matcher=matcher)
    lean = match_profiles(dict(profiles), matcher=matcher, keep=option_rows)
    assert lean.n_distinct == 3 and lean.n_decisions == 2
    assert (
        lean.report("D")
        == option_rows(full.report("D"))
        == option_rows(matcher.match(profiles["D"]))
    )
    a = pl.concat(list(option_table_chunks(full)))
    b = pl.concat(list(option_table_chunks(lean, chunk_samples=3)))
    assert a.equals(b)
    from her2scope.tumorboard.batch import row_keeper

    keeper = row_keeper()
    shared = match_profiles(dict(profiles), matcher=matcher, keep=keeper)
    assert pl.concat(list(option_table_chunks(shared))).equals(a)
    # a row the two profiles share is stored once
    ra, rc = shared.report("A"), shared.report("C")
    common = set(ra) & set(rc)
    assert common and all(any(x is y for y in rc) for x in ra if x in common)


def test_cli_names_a_bad_history_or_jurisdiction(
    shared_study_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from her2scope.cli import main

    assert main(["analyze", str(shared_study_dir), "--actionability", "--history", "2L"]) == 2
    assert "history" in capsys.readouterr().err
    args = ["analyze", str(shared_study_dir), "--actionability", "--jurisdiction", "PMDA"]
    assert main(args) == 2
    assert "jurisdiction" in capsys.readouterr().err


def test_result_describes_itself_without_its_views(msk) -> None:  # type: ignore[no-untyped-def]
    """summary(), _repr_html_() and to_pandas() come from the result's own Summary; the
    package never imports its views (only the faces and run() do)."""
    import subprocess
    import sys

    _, result = msk
    text = result.summary()
    assert text.startswith("Actionability: targetable in addition (breast_msk_2018)")
    q = result.q2
    assert f"{q['n_approved']} of {q['n_resistant_her2_low']} endocrine-resistant" in text
    assert "after-et-cdk46" in text
    assert result.to_pandas().shape == result.table.shape
    assert "<h4>Actionability" in result._repr_html_()
    code = (
        "import sys, her2scope.cohort.actionability as a; "
        "print(any(m.endswith('actionability.views') for m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_run_writes_the_question_files(msk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from her2scope.cohort.actionability import run

    study, result = msk
    again = run(study, out=tmp_path)
    assert again.samples.equals(result.samples)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "actionability.svg",
        "actionability.tsv",
        "actionability_q2.json",
        "actionability_samples.tsv",
    ]

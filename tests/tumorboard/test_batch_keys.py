"""The batch keys are sufficient (issue 25): a sample's option rows and actionability
summary through its decision key equal those of its own full match.

The decision key counts alterations by what the matcher's alteration step finds in
them (biomarkers observed, germline findings), not by their text, so
``PIK3CA E542K`` and ``PIK3CA E545K`` share a key. These tests check that claim
against a direct :meth:`Matcher.match` of each sample's own profile, on the shared
study and on a synthetic one, and that the keys computed from the study tables
(no profile built) group the samples exactly as the profile functions do.
"""

from __future__ import annotations

import random
from pathlib import Path

import polars as pl
import pytest

from her2scope.study.conventions import harmonised
from her2scope.tumorboard.batch import match_study, option_rows
from her2scope.tumorboard.from_study import (
    decision_key,
    kb_reads,
    profile_key,
    profiles_from_study,
    study_keys,
    with_assumed_history,
)
from her2scope.tumorboard.match import Matcher
from her2scope.tumorboard.patient_file import Her2Input, PatientProfile


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher()


@pytest.fixture(scope="module")
def shared(shared_study_dir: Path):  # type: ignore[no-untyped-def]
    from her2scope.study import load_study

    return harmonised(load_study(shared_study_dir))


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """A synthetic study of 3,000 samples (marginals of breast_msk_2018, seed 7)."""
    from her2scope.cli import main
    from her2scope.study import load_study

    out = tmp_path_factory.mktemp("synth") / "s3000"
    assert main(["synth", "--samples", "3000", "--seed", "7", "--out", str(out), "-q"]) == 0
    return harmonised(load_study(out, cache=False))


def _partition(labels: list[str]) -> list[int]:
    """Each label as the index of its first appearance: equal lists, equal groupings."""
    first: dict[str, int] = {}
    return [first.setdefault(x, len(first)) for x in labels]


def test_alteration_findings_count_biomarkers_not_text(matcher: Matcher) -> None:
    a = matcher.alteration_findings("PIK3CA E542K")
    b = matcher.alteration_findings("PIK3CA E545K")
    assert a.observations != b.observations  # the evidence names the item ...
    assert a.tokens() == b.tokens() != frozenset()  # ... the later steps read the biomarker
    assert matcher.alteration_findings("TP53 R175H").tokens() == frozenset()
    # a germline item confirms its germline biomarker; the same variant of unstated
    # origin observes it without confirming (the gates make the approvals wait on it)
    germ = matcher.alteration_findings("BRCA1 c.68_69delAG germline").tokens()
    tumour = matcher.alteration_findings("BRCA1 G1825R").tokens()
    assert "g:germline_brca1" in germ and "g:germline_brca1" not in tumour
    assert germ != tumour


def test_decision_key_merges_only_what_the_steps_cannot_tell_apart(matcher: Matcher) -> None:
    def prof(alterations: list[str], ihc: str = "1+") -> PatientProfile:
        return with_assumed_history(
            PatientProfile(
                id="x",
                er_status="positive",
                her2=Her2Input(ihc=ihc),
                alterations=alterations,
                prior_therapies_known=False,
            )
        )

    e542k, e545k = prof(["PIK3CA E542K"]), prof(["PIK3CA E545K", "TP53 R175H"])
    assert decision_key(e542k, matcher) == decision_key(e545k, matcher)
    assert profile_key(e542k, kb_reads(matcher)) != profile_key(e545k, kb_reads(matcher))
    assert decision_key(prof(["ESR1 D538G"]), matcher) != decision_key(e542k, matcher)
    assert decision_key(prof(["PIK3CA E542K"], "0"), matcher) != decision_key(e542k, matcher)


@pytest.mark.parametrize("history", [None, "after-et-cdk46", "first-line"])
@pytest.mark.parametrize("which", ["shared", "synthetic"])
def test_study_keys_group_as_the_profile_keys(
    which: str, history: str | None, matcher: Matcher, request: pytest.FixtureRequest
) -> None:
    """Keys from the study tables = the keys of the profiles the samples would have."""
    study = request.getfixturevalue(which)
    keys = study_keys(study, matcher, history=history)
    profiles = profiles_from_study(study)
    if history is not None:
        profiles = {s: with_assumed_history(p, history) for s, p in profiles.items()}
    assert keys["sample_id"].to_list() == list(profiles)
    read = kb_reads(matcher)
    fine = [profile_key(p, read, her2_reading=True) for p in profiles.values()]
    coarse = [decision_key(p, matcher) for p in profiles.values()]
    assert _partition(keys["profile"].to_list()) == _partition(fine)
    assert _partition(keys["decision"].to_list()) == _partition(coarse)
    assert len(set(coarse)) < len(set(fine))  # the decision key is coarser


@pytest.mark.parametrize("history", [None, "after-et-cdk46"])
@pytest.mark.parametrize("which", ["shared", "synthetic"])
def test_rows_through_the_key_equal_each_samples_own_match(
    which: str, history: str | None, matcher: Matcher, request: pytest.FixtureRequest
) -> None:
    """350 random samples: the batch's option rows = those of the sample's own report,
    first of all for the samples whose alterations differ from their key's matched one."""
    study = request.getfixturevalue(which)
    batch = match_study(study, history=history, matcher=matcher)
    ids = batch.keys["sample_id"].to_list()
    firsts = set(batch.profiles)
    others = [s for s in ids if s not in firsts]
    picked = random.Random(25).sample(others, min(350, len(others)))
    own = profiles_from_study(study, picked)
    differing = 0
    for sid in picked:
        prof = own[sid] if history is None else with_assumed_history(own[sid], history)
        got = option_rows(batch.report(sid))
        assert got == option_rows(matcher.match(prof)), sid
        first = batch.profiles[
            next(s for s in batch.profiles if batch.decision(s) == batch.decision(sid))
        ]
        differing += set(first.alterations) != set(prof.alterations)
    assert differing > 50  # the check is about merged samples, not copies


@pytest.mark.parametrize("which", ["shared", "synthetic"])
def test_actionability_through_the_key_equals_each_samples_own_match(
    which: str, matcher: Matcher, request: pytest.FixtureRequest
) -> None:
    """350 random samples: the actionability row (finding text included) = the summary
    of the sample's own report."""
    from her2scope.cohort.actionability.compute import (
        _gene_classes,
        actionability,
        summarise_report,
    )
    from her2scope.cohort.options import AnalysisOptions

    study = request.getfixturevalue(which)
    result = actionability(study, matcher=matcher)
    picked = random.Random(26).sample(result.samples["sample_id"].to_list(), 350)
    own = profiles_from_study(study, picked)
    classes = _gene_classes()
    rows = {
        r["sample_id"]: r
        for r in result.samples.filter(pl.col("sample_id").is_in(picked)).to_dicts()
    }
    options = AnalysisOptions()  # the HER2 calls of the cohort analysis
    her2 = {"profile": options.profile, "ambiguous": options.ambiguous}
    with_finding = 0
    for sid in picked:
        prof = with_assumed_history(own[sid]).model_copy(update=her2)
        want = summarise_report(matcher.match(prof), matcher, "FDA", classes)
        got = rows[sid]
        for column, value in want.items():
            if column != "finding_biomarkers":
                assert got[column] == value, (sid, column)
        with_finding += want["finding"] is not None
    assert with_finding > 50

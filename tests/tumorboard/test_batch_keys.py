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

import itertools
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
    first_rows = batch.keys.unique("decision", keep="first", maintain_order=True)
    firsts = set(first_rows["sample_id"])
    alterations_of = dict(first_rows.select("decision", "alterations").iter_rows())
    others = [s for s in ids if s not in firsts]
    picked = random.Random(25).sample(others, min(350, len(others)))
    own = profiles_from_study(study, picked)
    differing = 0
    for sid in picked:
        prof = own[sid] if history is None else with_assumed_history(own[sid], history)
        got = option_rows(batch.report(sid))
        assert got == option_rows(matcher.match(prof)), sid
        first = alterations_of[batch.decision(sid)] or []
        differing += set(first) != set(prof.alterations)
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


def _texts_people_write() -> list[str]:
    """Alteration items of the vignettes and patient fixtures, as clinicians wrote them."""
    import yaml

    here = Path(__file__).resolve().parents[1] / "fixtures"
    out: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                if k == "alterations" and isinstance(v, list):
                    out.extend(str(x) for x in v)
                else:
                    walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    for path in [here / "vignettes.yaml", here / "vignettes_kb.yaml"]:
        walk(yaml.safe_load(path.read_text()))
    # the notation corpus: MSK rows in three HGVS forms, lab and issue phrasings
    import importlib.util

    corpus = here.parent / "notation" / "test_notation_corpus.py"
    spec = importlib.util.spec_from_file_location("_notation_corpus", corpus)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    out.extend(row[0] for row in module.MSK_STRINGS)
    out.extend(row[0] for row in module.VARIANTS)
    out.extend(row[0] for row in module.MULTI)
    out.extend(row[0] for row in module.NOT_UNDERSTOOD)
    for path in sorted((here / "patients").glob("*")):
        if path.suffix in (".yaml", ".yml", ".json"):
            try:
                walk(yaml.safe_load(path.read_text()))
            except yaml.YAMLError:  # the fixtures of bad input
                continue
    return out


def test_gene_word_prefilter_never_drops_a_text_the_parser_reads(
    matcher: Matcher, shared: object, studies_root: Path
) -> None:
    """The batch skips parsing a text with no gene or marker word of the base
    (``AlterationParser.may_match``); every text the parser maps to a biomarker must pass
    it -- the shared studies' alterations, the vignettes' and patient files' items, and
    hand-written forms (aliases, fusions, HGVS, a marker alias with no gene word)."""
    from her2scope.study import load_study
    from her2scope.tumorboard.from_study import profiles_from_study

    texts: set[str] = set(_texts_people_write())
    assert len(texts) > 100
    for name in ("breast_msk_2018", "brca_tcga_pub2015"):
        if not (studies_root / name).is_dir():
            continue
        study = harmonised(load_study(studies_root / name))
        for p in profiles_from_study(study).values():
            texts.update(p.alterations)
    texts |= {
        "HER2 amplification",
        "her-2 amp",
        "ETV6::NTRK3",
        "ETV6-NTRK3 fusion",
        "ESR1 c.1610A>C (p.Tyr537Ser)",
        "PIK3CA_H1047R",
        "p95HER2 positive",
        "PTEN loss (IHC)",
        "TP53 R175H",
        "ESR1mut",
    }
    parser = matcher.parser
    read = 0
    for text in sorted(texts):
        hit = any(hits for _p, hits, _u in parser.match_all(text))
        read += hit
        if hit:
            assert parser.may_match(text), text
    assert read > 200  # the check covers many texts the base reads
    assert not parser.may_match("TP53 R175H") and not parser.may_match("GATA2 R1C")
    # the vectorised filter of the study keys agrees with the predicate on every text
    series = pl.Series(sorted(texts), dtype=pl.String)
    vector = parser.may_match_series(series).to_list()
    assert vector == [parser.may_match(t) for t in series.to_list()]


def test_decide_equals_the_reports_decision_for_every_vignette(matcher: Matcher) -> None:
    """:meth:`Matcher.decide` (the batch's lean path, through a shared cache) gives the
    option lists of :meth:`Matcher.match` for every vignette, whatever order they come in."""
    import json

    import yaml

    from her2scope.tumorboard.decision import Decision, DecisionCache
    from her2scope.tumorboard.from_study import decision_context

    here = Path(__file__).resolve().parents[1] / "fixtures"
    cases = []
    for path in [here / "vignettes.yaml", here / "vignettes_kb.yaml"]:
        data = yaml.safe_load(path.read_text())
        items = data if isinstance(data, list) else data.get("vignettes", data.get("cases", []))
        for item in items:
            patient = item.get("patient", item)
            try:
                cases.append(PatientProfile.model_validate(patient))
            except ValueError:  # a vignette that is not a whole profile
                continue
    assert len(cases) > 40
    for order in (cases, list(reversed(cases))):
        cache = DecisionCache()
        for p in order:
            key = decision_context(decision_key(p, matcher))
            lean = matcher.decide(matcher.front(p, explain=False), key, cache)
            assert lean == Decision.of_report(matcher.match(p)), p.id
    assert json.dumps(sorted(cache.outcomes, key=str)[:1], default=str)


def test_workers_decide_as_one_process(
    synthetic: object, matcher: Matcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A batch split over forked workers (``HER2SCOPE_WORKERS``) keeps every decision key's
    option rows, in key order, exactly as one process does; progress ends at the total."""
    import multiprocessing

    from her2scope.tumorboard.batch import PARALLEL_MIN_KEYS, row_keeper
    from her2scope.tumorboard.workers import worker_count

    if "fork" not in multiprocessing.get_all_start_methods():
        pytest.skip("the platform does not fork")
    from her2scope.tumorboard import workers

    # as a command runs it: no other Python thread (a test session may have a server's)
    monkeypatch.setattr(workers, "_other_threads", lambda: False)
    monkeypatch.setenv("HER2SCOPE_WORKERS", "1")
    one = match_study(synthetic, history="after-et-cdk46", matcher=matcher, keep=row_keeper())  # type: ignore[arg-type]
    monkeypatch.setenv("HER2SCOPE_WORKERS", "3")
    assert worker_count(one.n_decisions, PARALLEL_MIN_KEYS) == 3
    seen: list[tuple[int, int]] = []
    three = match_study(
        synthetic,  # type: ignore[arg-type]
        history="after-et-cdk46",
        matcher=Matcher(),  # a fresh matcher: nothing cached from the first run
        keep=row_keeper(),
        progress=lambda done, total: seen.append((done, total)),
    )
    assert three.n_decisions == one.n_decisions > 500
    assert three.reports == one.reports
    assert seen[-1] == (one.n_decisions, one.n_decisions)
    assert all(a <= b for (a, _t), (b, _u) in itertools.pairwise(seen))
    monkeypatch.delenv("HER2SCOPE_WORKERS")
    assert worker_count(10, PARALLEL_MIN_KEYS) == 1  # a small batch stays in one process


def test_findings_read_by_workers_equal_this_process(
    shared: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Alteration texts read by forked workers (``Matcher.findings_of``) give the findings
    one process gives, in order, and land in the matcher's cache."""
    import multiprocessing

    from her2scope.tumorboard.from_study import profiles_from_study

    if "fork" not in multiprocessing.get_all_start_methods():
        pytest.skip("the platform does not fork")
    from her2scope.tumorboard import workers

    monkeypatch.setattr(workers, "_other_threads", lambda: False)
    texts = sorted({t for p in profiles_from_study(shared).values() for t in p.alterations})  # type: ignore[arg-type]
    assert len(texts) > 1000
    one = Matcher()
    monkeypatch.setenv("HER2SCOPE_WORKERS", "1")
    want = one.findings_of(texts, parallel_min=10)
    two = Matcher()
    monkeypatch.setenv("HER2SCOPE_WORKERS", "2")
    got = two.findings_of(texts, parallel_min=10)
    assert got == want
    assert sum(f.read for f in got) > 100
    assert all(two.alteration_findings(t) is f for t, f in zip(texts, got, strict=True))


def test_gates_and_scores_read_only_what_reads_names(matcher: Matcher) -> None:
    """``Matcher.decide`` keys a strategy's outcome by ``Matcher.reads(s)`` (and the
    fitting claims): the gate and the scoring of every strategy, for every vignette, look
    at no other observation. A gate or rule that starts reading another biomarker fails
    here before it can make two profiles share a wrong outcome."""
    import dataclasses

    import yaml

    here = Path(__file__).resolve().parents[1] / "fixtures"
    profiles = []
    for path in [here / "vignettes.yaml", here / "vignettes_kb.yaml"]:
        for item in yaml.safe_load(path.read_text())["cases"]:
            try:
                profiles.append(PatientProfile.model_validate(item["patient"]))
            except ValueError:
                continue
    assert len(profiles) > 40

    class Recording(dict):  # type: ignore[type-arg]
        def __init__(self, data: dict[str, list[str]], seen: set[str]) -> None:
            super().__init__(data)
            self.seen = seen

        def __contains__(self, key: object) -> bool:
            self.seen.add(str(key))
            return super().__contains__(key)

        def get(self, key: str, default: object = None) -> object:  # type: ignore[override]
            self.seen.add(key)
            return super().get(key, default)

        def __getitem__(self, key: str) -> list[str]:
            self.seen.add(key)
            return super().__getitem__(key)

    class RecordingSet(frozenset):  # type: ignore[type-arg]
        seen: set[str]

        def __contains__(self, key: object) -> bool:
            RecordingSet.seen.add(str(key))
            return super().__contains__(key)

    checked = 0
    for p in profiles:
        ctx = matcher.front(p, explain=False)
        warnings = matcher.warnings(ctx, matcher.mechanisms(ctx), [])
        base = matcher.state(ctx)
        for s in matcher.kb.strategies:
            if s.retired or s.evidence_level == "resistance":
                continue
            seen: set[str] = set()
            RecordingSet.seen = seen
            state = dataclasses.replace(
                base,
                has=lambda b, seen=seen, ctx=ctx: seen.add(b) or matcher._has(ctx, b),  # type: ignore[func-returns-value]
                germline_unconfirmed=RecordingSet(base.germline_unconfirmed),
            )
            verdict = matcher.gatekeeper.gate(s, state)
            if verdict.status == "eligible":
                observed = ctx.observed
                ctx.observed = Recording(observed, seen)
                try:
                    matcher.score(ctx, s, [dict(w) for w in warnings], explain=False)
                finally:
                    ctx.observed = observed
            assert seen <= matcher.reads(s), (p.id, s.id, seen - matcher.reads(s))
            checked += 1
    assert checked > 1000

"""Batch matching: every sample of a study through the patient report's steps, once per
decision key, each strategy once per distinct thing it reads.

Each sample gets three keys, computed from the study tables without building its
profile (:func:`her2scope.tumorboard.from_study.study_keys`): its *profile*
(:func:`~her2scope.tumorboard.from_study.profile_key`: the profile minus who it is, HER2
as its reading, the alterations the knowledge base reads), its *decision key*
(:func:`~her2scope.tumorboard.from_study.decision_key`: the same, with the alterations
counted by what the matcher's alteration step finds in them, not by their text) and its
*context* (the decision key without those findings).

A profile is built for the first sample of each context (under an assumed therapy
history, :func:`~her2scope.tumorboard.from_study.with_assumed_history`, when asked: a
cBioPortal study records none); the first sample of each decision key is that profile with
its own alterations. It is read by :meth:`~her2scope.tumorboard.match.Matcher.front` and
decided by :meth:`~her2scope.tumorboard.match.Matcher.decide` -- the gates, scoring and
order of one patient's report, without the explanation -- which gates and scores each
strategy once per (context, the observations it reads) across the batch. Samples that
share a decision key share the :class:`~her2scope.tumorboard.decision.Decision`.
:func:`option_rows` turns a decision into the long table (sample x option) that
``report --study S --all`` writes; what names a sample's own items (the evidence text) is
rebuilt per profile by :func:`alteration_evidence`.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import polars as pl

if TYPE_CHECKING:
    from her2scope.study.model import Study
    from her2scope.tumorboard.decision import DecidedOption, Decision
    from her2scope.tumorboard.match import Matcher
    from her2scope.tumorboard.patient_file import PatientProfile
    from her2scope.tumorboard.report import PatientReport

#: Columns of the long option table (one row per sample x strategy the gates decided).
OPTION_COLUMNS: dict[str, Any] = {
    "sample_id": pl.String,
    "option_id": pl.String,
    "therapy": pl.String,
    "status": pl.String,
    "evidence_level": pl.String,
    "rank": pl.Int32,
    "reason": pl.String,
}
#: eligible options carry their rank (1 = first); conditional and not-eligible ones none
STATUS_ORDER = ("eligible", "conditional", "not_eligible")


@dataclass
class BatchMatch:
    """Every sample of a study matched, one :meth:`Matcher.match` per decision key.

    ``keys``: one row per sample (study order): ``sample_id``, ``alterations`` (the
    profile's list), ``profile`` (index of its distinct profile,
    :func:`~her2scope.tumorboard.from_study.profile_key`, numbered in order of first sample)
    and ``decision`` (index of its decision key,
    :func:`~her2scope.tumorboard.from_study.decision_key`; a profile has one decision key).
    ``reports``: per decision key, the :class:`~her2scope.tumorboard.decision.Decision`
    of its first sample (or what ``keep`` made of it: a cohort of 250,000 samples keeps
    option rows or a summary).
    ``profiles``: the profiles built (one per sample given; from a study, the first sample
    of each context).
    ``history``: the assumed therapy history (a key of
    :data:`~her2scope.tumorboard.from_study.ASSUMED_HISTORIES`), or None when the samples were
    matched as the study gives them. ``build(ids)``: the profiles of other samples,
    as they were matched (for a result that needs one sample's own match).
    """

    study_id: str
    history: str | None
    keys: pl.DataFrame
    reports: list[Any]
    profiles: dict[str, PatientProfile]
    build: Callable[[list[str]], dict[str, PatientProfile]] | None = None
    _decision_of: dict[str, int] = field(default_factory=dict, repr=False)

    @property
    def n_samples(self) -> int:
        return self.keys.height

    @property
    def n_distinct(self) -> int:
        """Distinct profiles (over the alterations the knowledge base reads)."""
        return self.keys["profile"].n_unique()

    @property
    def n_decisions(self) -> int:
        """Distinct decision keys: the matches made."""
        return len(self.reports)

    def decision(self, sample_id: str) -> int:
        """The index of a sample's decision key (into :attr:`reports`)."""
        if not self._decision_of:
            self._decision_of.update(self.keys.select("sample_id", "decision").iter_rows())
        return self._decision_of[sample_id]

    def report(self, sample_id: str) -> Any:
        """The match result a sample shares with every sample of its decision key."""
        return self.reports[self.decision(sample_id)]


def _indexed(keys: pl.DataFrame) -> pl.DataFrame:
    """The ``profile``, ``decision`` and ``context`` key strings as integers, numbered in
    order of first sample."""
    for col in ("profile", "decision", "context"):
        order = keys.select(col).unique(maintain_order=True).with_row_index("_i")
        keys = (
            keys.join(order, on=col, how="left", maintain_order="left")
            .drop(col)
            .rename({"_i": col})
            .with_columns(pl.col(col).cast(pl.Int64))
        )
    return keys.select("sample_id", "alterations", "profile", "decision", "context")


#: decision keys from which a batch also decides in worker processes (fork only)
PARALLEL_MIN_KEYS = 20_000


def _decide_rows(
    rows: list[tuple[str, list[str] | None, Any]],
    profile_of: Callable[[str, list[str], Any], PatientProfile],
    matcher: Matcher,
    keep: Callable[[Decision], Any] | None,
    tick: Callable[[], None] | None = None,
) -> list[Any]:
    """Each row's decision (or what ``keep`` makes of it), through one cache."""
    from her2scope.tumorboard.decision import DecisionCache

    cache = DecisionCache()
    out: list[Any] = []
    # the loop makes millions of small objects that live as long as the batch (the caches,
    # the kept results); the cyclic collector would walk them over and over for nothing
    # (none of them forms a cycle that needs it), so it waits until the loop is done
    collecting = gc.isenabled()
    gc.disable()
    try:
        for sid, alterations, context in rows:
            ctx = matcher.front(profile_of(sid, alterations or [], context), explain=False)
            decision = matcher.decide(ctx, context, cache)
            out.append(keep(decision) if keep is not None else decision)
            if tick is not None:
                tick()
    finally:
        if collecting:
            gc.enable()
    return out


def _match_keys(
    keys: pl.DataFrame,
    profile_of: Callable[[str, list[str], Any], PatientProfile],
    matcher: Matcher,
    progress: Callable[[int, int], None] | None,
    keep: Callable[[Decision], Any] | None,
) -> list[Any]:
    """The decision (or what ``keep`` makes of it) of the first sample of each decision
    key: :meth:`~her2scope.tumorboard.match.Matcher.front` reads the profile
    (``profile_of(sample_id, alterations, context)``) and
    :meth:`~her2scope.tumorboard.match.Matcher.decide` decides, each strategy gated and
    scored once per distinct (context, what it reads) in a cache.

    A large batch (:data:`PARALLEL_MIN_KEYS`) is split in contiguous parts decided at
    the same time: the first by this process, the others by forked workers (each with
    its own cache; the same steps, so the same decisions). The kept results come back
    in key order.
    """
    from her2scope.tumorboard.workers import fork_map, split, worker_count

    rows = (
        keys.unique("decision", keep="first", maintain_order=True)
        .select("sample_id", "alterations", "context")
        .rows()
    )
    total = len(rows)
    n = worker_count(total, PARALLEL_MIN_KEYS)
    parts = split(rows, n)
    done = [0]
    step = max(1, len(parts[0]) // 200) if parts and parts[0] else 1

    def tick() -> None:
        done[0] += 1
        if progress is not None and done[0] % step == 0:
            # the workers go at this process's pace: count its share for all of them
            progress(min(total, done[0] * n), total)

    here = os.getpid()

    def decide_part(part: list[tuple[str, list[str] | None, Any]]) -> list[Any]:
        # only this process reports progress (a worker never touches the bar)
        mine = os.getpid() == here
        return _decide_rows(part, profile_of, matcher, keep, tick if mine else None)

    reports = [r for part in fork_map(decide_part, parts) for r in part]
    if progress is not None:
        progress(total, total)
    return reports


def match_profiles(
    profiles: dict[str, PatientProfile],
    *,
    study_id: str = "",
    history: str | None = None,
    matcher: Matcher | None = None,
    progress: Callable[[int, int], None] | None = None,
    keep: Callable[[Decision], Any] | None = None,
) -> BatchMatch:
    """Match each decision key once (:func:`~her2scope.tumorboard.from_study.decision_key`: what
    the decision steps read, HER2 as its reading and the alterations as what the
    alteration step finds); the first sample of a key is decided (:meth:`Matcher.decide`).

    ``progress(done, total)`` is called as matches are made (up to 200 times);
    ``keep(decision)`` is what is kept of each match (default: the decision).
    """
    from her2scope.tumorboard.from_study import (
        decision_context,
        decision_key,
        kb_reads,
        profile_key,
    )
    from her2scope.tumorboard.her2_calls import prefill_her2_calls
    from her2scope.tumorboard.match import Matcher

    matcher = matcher if matcher is not None else Matcher()
    prefill_her2_calls(profiles.values())  # every HER2 call of the batch in one engine pass
    read = kb_reads(matcher)
    decisions = [decision_key(p, matcher) for p in profiles.values()]
    keys = _indexed(
        pl.DataFrame(
            {
                "sample_id": list(profiles),
                "alterations": [list(p.alterations) for p in profiles.values()],
                "profile": [profile_key(p, read, her2_reading=True) for p in profiles.values()],
                "decision": decisions,
                "context": [decision_context(k) for k in decisions],
            },
            schema={
                "sample_id": pl.String,
                "alterations": pl.List(pl.String),
                "profile": pl.String,
                "decision": pl.String,
                "context": pl.String,
            },
        )
    )
    reports = _match_keys(keys, lambda sid, _a, _c: profiles[sid], matcher, progress, keep)
    return BatchMatch(study_id, history, keys, reports, profiles, build=lambda ids: profiles)


def match_study(
    study: Study,
    *,
    history: str | None = None,
    matcher: Matcher | None = None,
    progress: Callable[[int, int], None] | None = None,
    her2_profile: str | None = None,
    ambiguous: str | None = None,
    keep: Callable[[Decision], Any] | None = None,
) -> BatchMatch:
    """Every sample of ``study`` matched (HER2 harmonised by the study's convention).

    The keys are computed from the study tables
    (:func:`~her2scope.tumorboard.from_study.study_keys`); a profile is built only for the
    first sample of each decision key, the one matched. ``history``: an assumed
    therapy history (:data:`ASSUMED_HISTORIES`), or None to match the samples as the
    study gives them (no history, setting from the sample type), as the per-sample
    reports do. ``her2_profile`` / ``ambiguous``: the HER2 rule profile and ambiguity
    policy the matcher calls HER2 with (default: the patient file's defaults), so a
    cohort reading matches the cohort analysis's calls.
    """
    from her2scope.study.conventions import harmonised
    from her2scope.tumorboard.from_study import study_keys
    from her2scope.tumorboard.her2_calls import prefill_her2_calls
    from her2scope.tumorboard.match import Matcher

    matcher = matcher if matcher is not None else Matcher()
    study = harmonised(study)
    keys = _indexed(
        study_keys(study, matcher, history=history, her2_profile=her2_profile, ambiguous=ambiguous)
    )

    def build(ids: list[str]) -> dict[str, PatientProfile]:
        return _profiles(study, ids, history, her2_profile, ambiguous)

    # a profile is built for the first sample of each context (everything the decision
    # reads but the alterations); a decision key's sample is that profile with its own
    # alterations, which is all its own profile would differ in that the decision reads
    contexts = keys.unique("context", keep="first", maintain_order=True)
    profiles = build(contexts["sample_id"].to_list())
    prefill_her2_calls(profiles.values())
    by_context = dict(zip(contexts["context"].to_list(), profiles.values(), strict=True))

    def profile_of(sid: str, alterations: list[str], context: int) -> PatientProfile:
        base = by_context[context]
        if base.id == sid:
            return base
        return base.model_copy(update={"id": sid, "alterations": alterations})

    reports = _match_keys(keys, profile_of, matcher, progress, keep)
    return BatchMatch(study.study_id, history, keys, reports, profiles, build=build)


def _profiles(
    study: Study,
    ids: list[str],
    history: str | None,
    her2_profile: str | None,
    ambiguous: str | None,
) -> dict[str, PatientProfile]:
    """The profiles of ``ids`` as a batch matches them (history assumed, HER2 options set)."""
    from her2scope.tumorboard.from_study import profiles_from_study, with_assumed_history

    profiles = profiles_from_study(study, ids)
    if history is not None:
        profiles = {sid: with_assumed_history(p, history) for sid, p in profiles.items()}
    update: dict[str, Any] = {}
    if her2_profile is not None:
        update["profile"] = her2_profile
    if ambiguous is not None:
        update["ambiguous"] = ambiguous
    if update:
        profiles = {sid: p.model_copy(update=update) for sid, p in profiles.items()}
    return profiles


def alteration_evidence(matcher: Matcher, alterations: list[str]) -> dict[str, list[str]]:
    """Biomarker id -> the items that observe it, in the order :meth:`Matcher.observe`
    records them, from the alteration step alone
    (:meth:`~her2scope.tumorboard.match.Matcher.alteration_findings`)."""
    observed: dict[str, list[str]] = {}
    for text in alterations:
        for bid, why in matcher.alteration_findings(text).observations:
            seen = observed.setdefault(bid, [])
            if why not in seen:
                seen.append(why)
    return observed


def option_rows(result: Decision | PatientReport) -> list[dict[str, Any]]:
    """One row per option the gates decided (eligible ranked, conditional, not eligible),
    without ``sample_id``: ``option_id``, ``therapy``, ``status``, ``evidence_level``,
    ``rank``, ``reason`` (why an eligible option ranks there; why a conditional one waits
    and what settles it; why one is not eligible)."""
    from her2scope.tumorboard.decision import as_decision

    decision = as_decision(result)
    rows: list[dict[str, Any]] = []
    for rank, o in enumerate(decision.ranked, start=1):
        rows.append(_row(o, "eligible", rank))
    for o in decision.conditional:
        rows.append(_row(o, "conditional", None))
    for o in decision.not_eligible:
        rows.append(_row(o, "not_eligible", None))
    return rows


#: a row of the option table without its sample: option_id, therapy, status, evidence_level,
#: rank, reason
Row = tuple[str, str, str, str, int | None, str]
_ROW_FIELDS = ("option_id", "therapy", "status", "evidence_level", "rank", "reason")


def row_keeper() -> Callable[[Decision | PatientReport], tuple[Row, ...]]:
    """A ``keep`` for :func:`match_study` that keeps each match as its option rows, every
    distinct row stored once (most rows repeat across profiles: the same strategy, status
    and reason), so 100,000 matches hold pointers, not 4 million dicts."""
    seen: dict[Row, Row] = {}

    def keep(result: Decision | PatientReport) -> tuple[Row, ...]:
        out = []
        for r in option_rows(result):
            row: Row = tuple(r[f] for f in _ROW_FIELDS)
            out.append(seen.setdefault(row, row))
        return tuple(out)

    return keep


def _rows_of(kept: Any) -> list[Row]:
    """Option rows of a kept match: rows (:func:`row_keeper`), row dicts, or a decision
    or report."""
    if isinstance(kept, tuple):
        return list(kept)
    dicts = kept if isinstance(kept, list) else option_rows(kept)
    return [tuple(d[f] for f in _ROW_FIELDS) for d in dicts]


def _row(option: DecidedOption, status: str, rank: int | None) -> dict[str, Any]:
    return {
        "option_id": option.id,
        "therapy": option.therapy,
        "status": status,
        "evidence_level": option.evidence_level,
        "rank": rank,
        "reason": " ".join(option.reason.split()),
    }


def option_table_chunks(
    batch: BatchMatch, *, chunk_samples: int = 20_000
) -> Iterator[pl.DataFrame]:
    """The long option table in chunks of about ``chunk_samples`` samples (by distinct
    profile, each in study order).

    Each decision key's rows are made once (one small frame for all keys) and joined
    to the samples of a chunk, so memory holds one chunk, not the whole sample x
    option table.
    """
    columns: dict[str, list[Any]] = {f: [] for f in ("_k", "_j", *_ROW_FIELDS)}
    for i, kept in enumerate(batch.reports):
        for j, row in enumerate(_rows_of(kept)):
            columns["_k"].append(i)
            columns["_j"].append(j)
            for f, v in zip(_ROW_FIELDS, row, strict=True):
                columns[f].append(v)
    # one frame for every decision key's rows; the repeated texts as categories
    options = pl.DataFrame(
        {
            "_k": pl.Series(columns.pop("_k"), dtype=pl.Int64),
            "_j": pl.Series(columns.pop("_j"), dtype=pl.Int32),
            "rank": pl.Series(columns.pop("rank"), dtype=pl.Int32),
            **{f: pl.Series(v, dtype=pl.Categorical) for f, v in columns.items()},
        }
    )
    del columns
    # the samples of one distinct profile together, profiles in order of their first
    # sample (study order within a profile): the order this table has always had
    keys = batch.keys.sort("profile", maintain_order=True).select(
        "sample_id", pl.col("decision").alias("_k")
    )
    for start in range(0, keys.height, chunk_samples):
        samples = keys.slice(start, chunk_samples).with_row_index("_pos")
        yield (
            samples.join(options, on="_k", how="inner")
            .sort("_pos", "_j")
            .select([pl.col(c).cast(t) for c, t in OPTION_COLUMNS.items()])
        )

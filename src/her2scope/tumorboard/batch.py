"""Batch matching: every sample of a study through the patient report's matcher, once per profile.

A study's samples are read into :class:`~her2scope.kb.patient.PatientProfile`
objects by :func:`her2scope.kb.from_study.profiles_from_study`, read under an
assumed therapy history (:func:`~her2scope.kb.from_study.with_assumed_history`;
a cBioPortal study records none), grouped by
:func:`~her2scope.kb.from_study.profile_key` and matched with
:meth:`her2scope.kb.match.Matcher.match` -- the same call, gates and ranking as
one patient's report -- once per distinct profile. Samples that share a key
share the result. :func:`option_rows` turns a result into the long table
(sample x option) that ``report --study S --all`` writes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import polars as pl

if TYPE_CHECKING:
    from her2scope.kb.match import Matcher, PatientReport
    from her2scope.kb.patient import PatientProfile
    from her2scope.study.model import Study

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
    """Every sample of a study matched, one :meth:`Matcher.match` per distinct profile.

    ``groups``: profile key -> sample ids (study order); ``reports``: profile key ->
    the report of its first sample (or what ``keep`` made of it: a cohort of 250,000
    samples keeps option rows or a summary, not 100,000 whole reports); ``key_of``:
    sample id -> key; ``profiles``: every sample's profile (or, with
    ``keep_profiles=False``, the matched first sample of each key only). ``history``: the
    assumed therapy history (a key of
    :data:`~her2scope.kb.from_study.ASSUMED_HISTORIES`), or None when the samples were
    matched as the study gives them.
    """

    study_id: str
    history: str | None
    profiles: dict[str, PatientProfile]
    groups: dict[str, list[str]]
    reports: dict[str, Any]
    key_of: dict[str, str] = field(default_factory=dict)

    @property
    def n_samples(self) -> int:
        return len(self.key_of)

    @property
    def n_distinct(self) -> int:
        return len(self.groups)

    def report(self, sample_id: str) -> Any:
        """The match result a sample shares with every sample of its profile key."""
        return self.reports[self.key_of[sample_id]]


def match_profiles(
    profiles: dict[str, PatientProfile],
    *,
    study_id: str = "",
    history: str | None = None,
    matcher: Matcher | None = None,
    progress: Callable[[int, int], None] | None = None,
    keep: Callable[[PatientReport], Any] | None = None,
    keep_profiles: bool = True,
) -> BatchMatch:
    """Match each distinct profile once (:func:`~her2scope.kb.from_study.profile_key`, over
    the alterations the knowledge base reads, HER2 as its reading); the first sample of a key
    is matched whole.

    ``progress(done, total)`` is called after each distinct profile; ``keep(report)``
    is what is kept of each match (default: the report). With ``keep_profiles=False``
    the profiles of samples that share a key are deleted from ``profiles`` (the dict
    passed in) once grouped, to bound memory.
    """
    from her2scope.kb.from_study import group_profiles, kb_reads
    from her2scope.kb.match import Matcher, prefill_her2_calls

    matcher = matcher if matcher is not None else Matcher()
    prefill_her2_calls(profiles.values())  # every HER2 call of the batch in one engine pass
    groups = group_profiles(profiles, kb_reads(matcher), her2_reading=True)
    if not keep_profiles:
        # the samples that share a key are not matched: their profiles go now, before the
        # matching, not after it (at 250,000 samples they are most of the memory)
        for ids in groups.values():
            for sid in ids[1:]:
                del profiles[sid]
    reports: dict[str, Any] = {}
    total = len(groups)
    for i, (key, ids) in enumerate(groups.items(), start=1):
        report = matcher.match(profiles[ids[0]])
        reports[key] = keep(report) if keep is not None else report
        if progress is not None:
            progress(i, total)
    key_of = {sid: key for key, ids in groups.items() for sid in ids}
    return BatchMatch(study_id, history, profiles, groups, reports, key_of)


def match_study(
    study: Study,
    *,
    history: str | None = None,
    matcher: Matcher | None = None,
    progress: Callable[[int, int], None] | None = None,
    her2_profile: str | None = None,
    ambiguous: str | None = None,
    keep: Callable[[PatientReport], Any] | None = None,
    keep_profiles: bool = True,
) -> BatchMatch:
    """Every sample of ``study`` matched (HER2 harmonised by the study's convention).

    ``history``: an assumed therapy history (:data:`ASSUMED_HISTORIES`), or None to
    match the samples as the study gives them (no history, setting from the sample
    type), as the per-sample reports do. ``her2_profile`` / ``ambiguous``: the HER2
    rule profile and ambiguity policy the matcher calls HER2 with (default: the
    patient file's defaults), so a cohort reading matches the cohort analysis's calls.
    """
    from her2scope.kb.from_study import profiles_from_study, with_assumed_history
    from her2scope.study.conventions import harmonised

    profiles = profiles_from_study(harmonised(study))
    if history is not None:
        profiles = {sid: with_assumed_history(p, history) for sid, p in profiles.items()}
    update: dict[str, Any] = {}
    if her2_profile is not None:
        update["profile"] = her2_profile
    if ambiguous is not None:
        update["ambiguous"] = ambiguous
    if update:
        profiles = {sid: p.model_copy(update=update) for sid, p in profiles.items()}
    return match_profiles(
        profiles,
        study_id=study.study_id,
        history=history,
        matcher=matcher,
        progress=progress,
        keep=keep,
        keep_profiles=keep_profiles,
    )


def option_rows(report: PatientReport) -> list[dict[str, Any]]:
    """One row per option the gates decided (eligible ranked, conditional, not eligible),
    without ``sample_id``: ``option_id``, ``therapy``, ``status``, ``evidence_level``,
    ``rank``, ``reason``."""
    rows: list[dict[str, Any]] = []
    for rank, o in enumerate(report.options, start=1):
        rows.append(_row(o, "eligible", rank))
    for o in report.conditional_options:
        rows.append(_row(o, "conditional", None))
    for o in report.excluded_options:
        rows.append(_row(o, "not_eligible", None))
    return rows


#: a row of the option table without its sample: option_id, therapy, status, evidence_level,
#: rank, reason
Row = tuple[str, str, str, str, int | None, str]
_ROW_FIELDS = ("option_id", "therapy", "status", "evidence_level", "rank", "reason")


def row_keeper() -> Callable[[PatientReport], tuple[Row, ...]]:
    """A ``keep`` for :func:`match_profiles` that keeps each match as its option rows, every
    distinct row stored once (most rows repeat across profiles: the same strategy, status
    and reason), so 100,000 matches hold pointers, not 4 million dicts."""
    seen: dict[Row, Row] = {}

    def keep(report: PatientReport) -> tuple[Row, ...]:
        out = []
        for r in option_rows(report):
            row: Row = tuple(r[f] for f in _ROW_FIELDS)
            out.append(seen.setdefault(row, row))
        return tuple(out)

    return keep


def _rows_of(kept: Any) -> list[Row]:
    """Option rows of a kept match: rows (:func:`row_keeper`), row dicts, or a report."""
    if isinstance(kept, tuple):
        return list(kept)
    dicts = kept if isinstance(kept, list) else option_rows(kept)
    return [tuple(d[f] for f in _ROW_FIELDS) for d in dicts]


def _row(option: dict[str, Any], status: str, rank: int | None) -> dict[str, Any]:
    return {
        "option_id": option["id"],
        "therapy": option["therapy"],
        "status": status,
        "evidence_level": option["evidence_level"],
        "rank": rank,
        "reason": " ".join(str(option.get("reason") or "").split()),
    }


def option_table_chunks(
    batch: BatchMatch, *, chunk_samples: int = 20_000
) -> Iterator[pl.DataFrame]:
    """The long option table in chunks of about ``chunk_samples`` samples (study order).

    Each distinct profile's rows are made once (one small frame for all keys) and
    joined to the samples of a chunk, so memory holds one chunk, not the whole
    sample x option table.
    """
    index = {key: i for i, key in enumerate(batch.groups)}
    columns: dict[str, list[Any]] = {f: [] for f in ("_k", "_j", *_ROW_FIELDS)}
    for key, i in index.items():
        for j, row in enumerate(_rows_of(batch.reports[key])):
            columns["_k"].append(i)
            columns["_j"].append(j)
            for f, v in zip(_ROW_FIELDS, row, strict=True):
                columns[f].append(v)
    # one frame for every distinct profile's rows; the repeated texts as categories
    options = pl.DataFrame(
        {
            "_k": pl.Series(columns.pop("_k"), dtype=pl.Int64),
            "_j": pl.Series(columns.pop("_j"), dtype=pl.Int32),
            "rank": pl.Series(columns.pop("rank"), dtype=pl.Int32),
            **{f: pl.Series(v, dtype=pl.Categorical) for f, v in columns.items()},
        }
    )
    del columns
    ids = list(batch.key_of)  # study order
    for start in range(0, len(ids), chunk_samples):
        part = ids[start : start + chunk_samples]
        samples = pl.DataFrame(
            {
                "sample_id": part,
                "_k": [index[batch.key_of[s]] for s in part],
            },
            schema={"sample_id": pl.String, "_k": pl.Int64},
        ).with_row_index("_pos")
        yield (
            samples.join(options, on="_k", how="inner")
            .sort("_pos", "_j")
            .select([pl.col(c).cast(t) for c, t in OPTION_COLUMNS.items()])
        )

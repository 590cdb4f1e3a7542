"""Patient profiles built from a :class:`~her2scope.study.model.Study` (no file I/O).

For each sample: HER2 pathology of the sequenced sample (``HER2_IHC_SCORE``,
``HER2_FISH``, ``HER2_FISH_RATIO``, ``HER2_COPIES_PER_CELL``,
``CEP17_COPIES_PER_CELL``) and of the primary tumor (the ``*_PRIMARY``
columns), the internal layout that
:func:`her2scope.study.conventions.harmonise` writes and every other command
reads (:data:`her2scope.her2.engine.LAYOUT_COLUMNS`), so a report calls HER2
from the same values as ``analyze`` and ``export``; ER/PR from ``ER_STATUS``/``PR_STATUS``;
alterations from the study's mutations (``hugo_symbol`` + ``protein_change``,
protein-altering classes only), discrete CNA (2 -> amplification,
-2 -> deletion) and SV/fusions (``GENE fusion``). Prior therapies are not in
cBioPortal clinical files, so they are marked unknown.

All samples are built with a handful of vectorised polars ``group_by``s, not by
filtering the study once per sample (GENIE-sized cohorts have ~250k samples).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Literal

import polars as pl

from her2scope.errors import ConfigError
from her2scope.her2.engine import CALL_FIELDS, LAYOUT_COLUMNS
from her2scope.study.cancer_type import alterations_sentence, study_report_notes
from her2scope.study.conventions import her2_limitation
from her2scope.study.model import Study
from her2scope.tumorboard.patient_file import (
    Her2Input,
    PatientProfile,
    ReceptorStatus,
    receptor_status,
)
from her2scope.vocab import NONSYN_CLASSES

if TYPE_CHECKING:
    from her2scope.tumorboard.match import Matcher

#: maftools' non-synonymous classes: the variants that change the protein.
PROTEIN_ALTERING = NONSYN_CLASSES
#: classes that truncate the protein whatever the allele (MAF specification): the
#: protein-altering ones other than in-frame indels and missense changes
TRUNCATING = tuple(c for c in PROTEIN_ALTERING if not c.startswith(("In_Frame", "Missense")))


def _alteration_lists(study: Study, ids: pl.Series | None) -> pl.DataFrame:
    """``sample_id``, ``alterations`` (list[str]) from mutations, CNA and SV, vectorised."""
    frames: list[pl.LazyFrame] = []
    muts = study.mutations.lazy()
    if ids is not None:
        muts = muts.filter(pl.col("sample_id").is_in(ids.implode()))
    known = pl.col("protein_change").str.strip_chars() != ""
    # without a protein change the allele is unknown: a truncating class still says
    # loss of function (gene level); any other class makes no claim at all (it is
    # named in the notes instead, see _allele_unknown), since "ESR1 mutation" would
    # read as the ligand-binding-domain hotspot it may not be
    frames.append(
        muts.filter(pl.col("variant_classification").is_in(PROTEIN_ALTERING)).select(
            "sample_id",
            pl.concat_str(
                pl.col("hugo_symbol"),
                pl.lit(" "),
                pl.when(known.fill_null(False))
                .then(pl.col("protein_change"))
                .when(pl.col("variant_classification").is_in(TRUNCATING))
                .then(pl.lit("truncating mutation")),
            ).alias("alteration"),
            pl.lit(0).alias("order"),
        )
    )
    cna = study.cna.lazy()
    if ids is not None:
        cna = cna.filter(pl.col("sample_id").is_in(ids.implode()))
    frames.append(
        cna.filter(pl.col("cna").is_in([2.0, -2.0])).select(
            "sample_id",
            pl.concat_str(
                pl.col("hugo_symbol"),
                pl.when(pl.col("cna") > 0)
                .then(pl.lit(" amplification"))
                .otherwise(pl.lit(" deletion")),
            ).alias("alteration"),
            pl.lit(1).alias("order"),
        )
    )
    sv = study.sv.lazy()
    if ids is not None:
        sv = sv.filter(pl.col("sample_id").is_in(ids.implode()))
    frames.append(
        sv.filter(pl.col("hugo_symbol").is_not_null()).select(
            "sample_id",
            (pl.col("hugo_symbol") + pl.lit(" fusion")).alias("alteration"),
            pl.lit(2).alias("order"),
        )
    )
    return (
        pl.concat(frames)
        .filter(pl.col("alteration").is_not_null())
        .unique(subset=["sample_id", "alteration"], maintain_order=True)
        .sort("sample_id", "order", maintain_order=True)
        .group_by("sample_id", maintain_order=True)
        .agg(pl.col("alteration").alias("alterations"))
        .collect()
    )


def _allele_unknown(study: Study, ids: pl.Series | None) -> dict[str, list[str]]:
    """Per sample, ``GENE (Variant_Classification)`` of protein-altering, non-truncating
    mutation records without a protein change (the allele is unknown)."""
    muts = study.mutations.lazy()
    if ids is not None:
        muts = muts.filter(pl.col("sample_id").is_in(ids.implode()))
    known = (pl.col("protein_change").str.strip_chars() != "").fill_null(False)
    rows = (
        muts.filter(
            ~known
            & pl.col("variant_classification").is_in(PROTEIN_ALTERING)
            & ~pl.col("variant_classification").is_in(TRUNCATING)
        )
        .select(
            "sample_id",
            pl.concat_str(
                pl.col("hugo_symbol"), pl.lit(" ("), pl.col("variant_classification"), pl.lit(")")
            ).alias("what"),
        )
        .unique(maintain_order=True)
        .group_by("sample_id", maintain_order=True)
        .agg("what")
        .collect()
    )
    return dict(rows.iter_rows())


def _col(samples: pl.DataFrame, name: str) -> pl.Expr:
    return pl.col(name) if name in samples.columns else pl.lit(None, dtype=pl.String)


def _sample_table(study: Study, samples: pl.DataFrame, ids: pl.Series | None) -> pl.DataFrame:
    """What a profile is built from, one row per sample (study order): ``sample_id``,
    ``patient_id``, ``er``, ``pr``, ``sample_type``, the HER2 layout columns of both
    samples (``seq_*``, ``prim_*``, as text) and ``alterations`` (list, or null)."""
    seq, prim = LAYOUT_COLUMNS["sequenced"], LAYOUT_COLUMNS["primary"]
    return samples.select(
        pl.col("SAMPLE_ID").alias("sample_id"),
        _col(samples, "PATIENT_ID").alias("patient_id"),
        _col(samples, "ER_STATUS").alias("er"),
        _col(samples, "PR_STATUS").alias("pr"),
        _col(samples, "SAMPLE_TYPE").alias("sample_type"),
        *[_col(samples, c).cast(pl.String).alias(f"seq_{f}") for f, c in seq.items()],
        *[_col(samples, c).cast(pl.String).alias(f"prim_{f}") for f, c in prim.items()],
    ).join(_alteration_lists(study, ids), on="sample_id", how="left")


def _setting(sample_type: str | None) -> Literal["metastatic"] | None:
    """A metastasis sample is metastatic disease (a fact of the sample, not an assumed
    history); a primary sample says nothing about the decision being taken now."""
    kind = str(sample_type or "").strip().lower()
    return "metastatic" if kind in ("metastasis", "metastatic", "recurrence") else None


def profiles_from_study(
    study: Study, sample_ids: Iterable[str] | None = None
) -> dict[str, PatientProfile]:
    """One :class:`PatientProfile` per sample (all samples, or ``sample_ids``), keyed by id.

    Prior therapies are unknown in cBioPortal studies (``prior_therapies_known``
    is False, which the report states in its caveats).
    """
    samples = study.samples
    ids: pl.Series | None = None
    if sample_ids is not None:
        wanted = list(sample_ids)
        ids = pl.Series("sample_id", wanted, dtype=pl.String)
        samples = samples.filter(pl.col("SAMPLE_ID").is_in(ids.implode()))
        missing = sorted(set(wanted) - set(samples["SAMPLE_ID"].to_list()))
        if missing:
            raise ConfigError(
                f"sample(s) not in study {study.study_id}: {', '.join(missing[:5])}"
                + (" ..." if len(missing) > 5 else "")
            )
    seq, prim = LAYOUT_COLUMNS["sequenced"], LAYOUT_COLUMNS["primary"]
    table = _sample_table(study, samples, ids)
    unknown_alleles = _allele_unknown(study, ids)
    out: dict[str, PatientProfile] = {}
    fields = CALL_FIELDS
    limitation = her2_limitation(study)
    # said once per study: a clinical-only study has no "sequencing panel" to speak of, and a
    # study outside breast carries its warning into every report built from it
    where = alterations_sentence(study)
    study_notes = study_report_notes(study)
    for row in table.iter_rows(named=True):
        notes = [
            f"Built from study {study.study_id}, sample {row['sample_id']}"
            + (f" ({row['sample_type']})" if row["sample_type"] else "")
            + f": {where}.",
            *study_notes,
        ]
        if limitation is not None:
            notes.append(f"HER2 from this study: {limitation}.")
        if row["sample_id"] in unknown_alleles:
            notes.append(
                "Allele unknown (the study's mutation file gives no protein change): "
                + ", ".join(unknown_alleles[row["sample_id"]])
                + ". No allele-specific finding is made from these; the variant in the "
                "source report settles whether it is an actionable allele."
            )
        er = _status(row["er"], notes, "ER_STATUS")
        pr = _status(row["pr"], notes, "PR_STATUS")
        her2 = Her2Input(**{f: row[f"seq_{f}"] for f in fields if f in seq})
        primary = Her2Input(**{f: row[f"prim_{f}"] for f in fields if f in prim})
        setting = _setting(row["sample_type"])
        if setting is None:
            notes.append(
                "Treatment setting not in the study (primary-tumour sample): options are "
                "conditional on it."
            )
        out[row["sample_id"]] = PatientProfile(
            id=row["sample_id"],
            setting=setting,
            er_status=er,
            pr_status=pr,
            her2=her2,
            her2_primary=None if primary.is_empty() else primary,
            alterations=row["alterations"] or [],
            prior_therapies=[],
            prior_therapies_known=False,
            source=f"study:{study.study_id}:{row['sample_id']}",
            notes=notes,
        )
    return out


def profile_from_study(study: Study, sample_id: str) -> PatientProfile:
    """The :class:`PatientProfile` of one sample (ConfigError if the id is not in the study)."""
    return profiles_from_study(study, [sample_id])[sample_id]


def _status(raw: str | None, notes: list[str], column: str) -> ReceptorStatus:
    try:
        return receptor_status(raw)
    except ValueError:
        notes.append(f"{column} value {raw!r} not understood; treated as unknown.")
        return "unknown"


# ------------------------------------------------------------------ batch matching

#: Therapy histories a cohort can be read under (a cBioPortal study records none).
#: ``after-et-cdk46``: HR-positive samples are read as a second-line metastatic decision
#: after endocrine therapy + CDK4/6 inhibitor in the first line (progression), the
#: endocrine-resistant setting of the perspective; ``first-line``: every sample as a
#: first-line metastatic decision with no prior metastatic therapy. HR-negative samples
#: have no endocrine history to assume: they are read as a first-line metastatic decision
#: under either choice.
ASSUMED_HISTORIES: dict[str, str] = {
    "after-et-cdk46": (
        "metastatic setting, after endocrine therapy + CDK4/6 inhibitor in the first metastatic "
        "line (progression), i.e. a second-line decision, for HR-positive samples; HR-negative "
        "samples as a first-line metastatic decision"
    ),
    "first-line": "metastatic setting, first-line decision, no prior metastatic therapy",
}
DEFAULT_HISTORY = "after-et-cdk46"
#: the regimen the resistant default assumes (read by the matcher's therapy normaliser)
ASSUMED_REGIMEN = "aromatase inhibitor + CDK4/6 inhibitor"


def with_assumed_history(profile: PatientProfile, history: str = DEFAULT_HISTORY) -> PatientProfile:
    """The profile read under an assumed therapy history (:data:`ASSUMED_HISTORIES`).

    The setting becomes metastatic and the history known (what the assumption says);
    the profile's notes say which history was assumed, so a report built from it
    never passes the assumption off as the patient's record.
    """
    from her2scope.tumorboard.patient_file import TherapyEntry

    if history not in ASSUMED_HISTORIES:
        raise ConfigError(
            f"parameter history must be one of {', '.join(ASSUMED_HISTORIES)}; got {history!r}"
        )
    entries: list[TherapyEntry] = []
    if history == "after-et-cdk46" and profile.er_status == "positive":
        entries = [
            TherapyEntry(
                therapy=ASSUMED_REGIMEN, setting="metastatic", line=1, outcome="progressed"
            )
        ]
    return profile.model_copy(
        update={
            "setting": "metastatic",
            "therapy_history": entries,
            "prior_therapies": [],
            "prior_therapies_known": True,
            "notes": [
                *profile.notes,
                f"Assumed therapy history ({history}): {ASSUMED_HISTORIES[history]}.",
            ],
        }
    )


#: profile fields that say who the sample is, not what it has: two samples that differ
#: only in these are matched once
IDENTITY_FIELDS = frozenset({"id", "source", "notes"})


def profile_key(
    profile: PatientProfile,
    read: Callable[[str], bool] | None = None,
    *,
    her2_reading: bool = False,
) -> str:
    """What the matcher reads of a profile, as one string: equal keys, equal options.

    Every field of the profile except :data:`IDENTITY_FIELDS` (the HER2 readings of
    both samples, ER/PR, alterations as a set, markers, therapy history, setting,
    germline, PD-L1, ...), so two samples share a match exactly when all of that is
    equal. Alterations are compared as a set (sorted): the order a study lists them
    in does not change which options a sample has. With ``read`` (alteration text ->
    does the knowledge base read it, :func:`kb_reads`), only the alterations it reads
    count: a passenger mutation in a gene the base has no entry for changes the
    report's list of unrecognised findings, never an option (the gates read observed
    biomarkers, not alteration text). With ``her2_reading``, HER2 counts as its reading
    (category, the readings an ambiguous score allows, whether it is ambiguous, and the
    primary tumour's category) instead of the pathology values it was called from: the
    gates read the reading; the values appear only in the report's HER2 rationale.
    """
    import json

    data = profile.model_dump(mode="json", exclude=set(IDENTITY_FIELDS))
    if her2_reading:
        from her2scope.tumorboard.her2_calls import call_her2

        now = call_her2(profile.her2, profile=profile.profile, ambiguous=profile.ambiguous)
        data["her2"] = [now["category"], list(now["readings"]), bool(now["ambiguous"])]
        prim = profile.her2_primary
        data["her2_primary"] = (
            None
            if prim is None or prim.is_empty()
            else call_her2(prim, profile=profile.profile, ambiguous=profile.ambiguous)["category"]
        )
    alterations = set(data.get("alterations") or [])
    if read is not None:
        alterations = {a for a in alterations if read(a)}
    data["alterations"] = sorted(alterations)
    return json.dumps(data, sort_keys=True, default=str, separators=(",", ":"))


def kb_reads(matcher: Matcher) -> Callable[[str], bool]:
    """``text -> bool``: does the matcher's parser map this alteration to any knowledge-base
    biomarker (any of its ``;``-separated findings)? Cached per distinct string."""

    def read(text: str) -> bool:
        return matcher.alteration_findings(text).read

    return read


def decision_key(profile: PatientProfile, matcher: Matcher) -> str:
    """What the decision steps read of a profile, as one string: equal keys, equal options.

    :func:`profile_key` with HER2 as its reading, except that the alterations count
    only by what the matcher's alteration step makes of them
    (:meth:`~her2scope.tumorboard.match.Matcher.alteration_findings`: the biomarkers observed,
    the germline findings confirmed), not by their text. Everything after that step --
    mechanisms, gates, warnings, ranking, the option rows -- reads those findings,
    never the text; the text reaches the report only as evidence ("PIK3CA H1047R"),
    which the option table does not carry. So ``PIK3CA E542K`` and ``PIK3CA E545K``
    (both the same biomarker) share a key.
    """
    import json

    data = json.loads(profile_key(profile, her2_reading=True))
    del data["pr_status"]  # the report echoes it; no step decides on it
    tokens: set[str] = set()
    for text in profile.alterations:
        tokens |= matcher.alteration_findings(text).tokens()
    data["alterations"] = sorted(tokens)
    return json.dumps(data, sort_keys=True, separators=(",", ":"))


def decision_context(key: str) -> str:
    """A :func:`decision_key` without its observations: everything else the decision reads
    (HER2 reading, ER, setting, history ...), the context
    :meth:`~her2scope.tumorboard.match.Matcher.decide` keys its outcomes by."""
    import json

    data = json.loads(key)
    del data["alterations"]
    return json.dumps(data, sort_keys=True, separators=(",", ":"))


#: separates the parts of a key string (never in a study's text)
_SEP = "\x1f"


def study_keys(
    study: Study,
    matcher: Matcher,
    *,
    history: str | None = None,
    her2_profile: str | None = None,
    ambiguous: str | None = None,
) -> pl.DataFrame:
    """Every sample's two batch keys, computed from the study tables (no profile built).

    One row per sample, in the order of :func:`profiles_from_study`: ``sample_id``,
    ``alterations`` (the profile's list), ``profile`` (:func:`profile_key` over the
    alterations the knowledge base reads, HER2 as its reading) and ``decision``
    (:func:`decision_key`), and ``context`` (the decision key without the observations,
    :func:`decision_context`). They are the keys the profile functions give for the
    profile this sample would have (with ``history`` assumed and ``her2_profile`` /
    ``ambiguous`` set), written differently: what the profile reads from the study is
    only ER/PR, the sample type, the HER2 values of both samples and the alterations,
    and everything else of it is the same for every sample.
    """
    from her2scope.tumorboard.her2_calls import call_her2, prefill_her2_inputs

    if history is not None and history not in ASSUMED_HISTORIES:
        raise ConfigError(
            f"parameter history must be one of {', '.join(ASSUMED_HISTORIES)}; got {history!r}"
        )
    defaults = PatientProfile.model_fields
    rule = her2_profile if her2_profile is not None else str(defaults["profile"].default)
    policy = ambiguous if ambiguous is not None else str(defaults["ambiguous"].default)
    table = _sample_table(study, study.samples, None)
    seq, prim = LAYOUT_COLUMNS["sequenced"], LAYOUT_COLUMNS["primary"]
    seq_cols = [f"seq_{f}" for f in CALL_FIELDS if f in seq]
    prim_cols = [f"prim_{f}" for f in CALL_FIELDS if f in prim]

    # receptors and setting: per distinct raw value
    def status(raw: str | None) -> str:
        try:
            return str(receptor_status(raw))
        except ValueError:
            return "unknown"

    def mapped(column: str, fn: Callable[[str | None], str | None]) -> pl.DataFrame:
        values = table[column].unique().to_list()
        return pl.DataFrame(
            {column: values, "_v": [fn(v) for v in values]},
            schema={column: pl.String, "_v": pl.String},
        )

    def her2_reading(values: tuple[str | None, ...], cols: list[str], primary: bool) -> str:
        h = Her2Input(**{c.split("_", 1)[1]: v for c, v in zip(cols, values, strict=True)})
        if primary and h.is_empty():
            return "none"
        call = call_her2(h, profile=rule, ambiguous=policy)
        if primary:
            return str(call["category"])
        return _SEP.join([call["category"], ",".join(call["readings"]), str(call["ambiguous"])])

    parts = table.select("sample_id")
    for column, fn in (
        ("er", status),
        ("pr", status),
        ("sample_type", lambda v: "metastatic" if history else _setting(v)),
    ):
        lookup = mapped(column, fn)
        parts = parts.with_columns(
            table.select(pl.col(column))
            .join(lookup, on=column, how="left", nulls_equal=True)["_v"]
            .alias(f"_{column}")
        )
    for cols, name, primary in ((seq_cols, "_her2", False), (prim_cols, "_her2_primary", True)):
        distinct = table.select(cols).unique()
        inputs = [
            Her2Input(**{c.split("_", 1)[1]: v for c, v in zip(cols, row, strict=True)})
            for row in distinct.iter_rows()
        ]
        prefill_her2_inputs(inputs, profile=rule, ambiguous=policy)
        lookup = distinct.with_columns(
            pl.Series(
                "_v",
                [her2_reading(row, cols, primary) for row in distinct.iter_rows()],
                dtype=pl.String,
            )
        )
        parts = parts.with_columns(
            table.select(cols).join(lookup, on=cols, how="left", nulls_equal=True)["_v"].alias(name)
        )
    # alterations: per distinct text, does the base read it and what does it find
    exploded = table.select("sample_id", "alterations").explode("alterations")
    texts = exploded["alterations"].drop_nulls().unique()
    # the parser's own pre-filter, vectorised: a text with no gene or marker word of the
    # base is not read, so it is not parsed at all
    may_match = matcher.parser.may_match_series(texts)
    candidates = texts.filter(may_match).to_list()
    matcher.not_read(texts.filter(~may_match).to_list())
    read: list[str] = []
    token_of: list[str] = []  # one row per (read text, token): flat lists build fast
    token: list[str] = []
    for t, f in zip(candidates, matcher.findings_of(candidates), strict=True):
        if f.read:
            read.append(t)
            for tok in f.tokens():
                token_of.append(t)
                token.append(tok)
    is_read = pl.Series(read, dtype=pl.String).implode()
    tokens = pl.DataFrame(
        {"alterations": token_of, "_tokens": token},
        schema={"alterations": pl.String, "_tokens": pl.String},
    )
    # only the rows of read texts take part (most of a study's alterations are not read);
    # a sample with none gets empty keys from the left join below
    per_sample = (
        exploded.filter(pl.col("alterations").is_in(is_read))
        .join(tokens, on="alterations", how="left")
        .group_by("sample_id", maintain_order=True)
        .agg(
            pl.col("alterations").unique().sort().str.join(_SEP),
            pl.col("_tokens").drop_nulls().unique().sort().str.join(_SEP),
        )
    )
    parts = parts.join(per_sample, on="sample_id", how="left", maintain_order="left")
    common = [pl.col(c).fill_null("∅") for c in ("_er", "_sample_type", "_her2", "_her2_primary")]
    pr = pl.col("_pr").fill_null("∅")
    return table.select("sample_id", "alterations").with_columns(
        parts.select(
            pl.concat_str(
                [*common, pr, pl.col("alterations").fill_null("")], separator="\x1e"
            ).alias("profile"),
            # no PR: the report echoes it, no step decides on it (decision_key)
            pl.concat_str([*common, pl.col("_tokens").fill_null("")], separator="\x1e").alias(
                "decision"
            ),
            pl.concat_str(common, separator="\x1e").alias("context"),
        )
    )

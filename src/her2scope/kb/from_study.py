"""Patient profiles built from a :class:`~her2scope.study.model.Study` (no file I/O).

For each sample: HER2 pathology of the sequenced sample (``HER2_IHC_SCORE``,
``HER2_FISH``, ``HER2_FISH_RATIO``) and of the primary tumor
(``HER2_IHC_VALUE_PRIMARY``, ``HER2_FISH_STATUS``, ``HER2_FISH_RATIO_PRIMARY``)
via :data:`her2scope.her2.MSK_COLUMNS`; ER/PR from ``ER_STATUS``/``PR_STATUS``;
alterations from the study's mutations (``hugo_symbol`` + ``protein_change``,
protein-altering classes only), discrete CNA (2 -> amplification,
-2 -> deletion) and SV/fusions (``GENE fusion``). Prior therapies are not in
cBioPortal clinical files, so they are marked unknown.

All samples are built with a handful of vectorised polars ``group_by``s, not by
filtering the study once per sample (GENIE-sized cohorts have ~250k samples).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

import polars as pl

from her2scope.errors import ConfigError
from her2scope.her2 import MSK_COLUMNS
from her2scope.kb.patient import Her2Input, PatientProfile, ReceptorStatus, receptor_status
from her2scope.study.conventions import her2_limitation
from her2scope.study.model import Study
from her2scope.vocab import NONSYN_CLASSES

#: maftools' non-synonymous classes: the variants that change the protein.
PROTEIN_ALTERING = NONSYN_CLASSES


def _alteration_lists(study: Study, ids: pl.Series | None) -> pl.DataFrame:
    """``sample_id``, ``alterations`` (list[str]) from mutations, CNA and SV, vectorised."""
    frames: list[pl.LazyFrame] = []
    muts = study.mutations.lazy()
    if ids is not None:
        muts = muts.filter(pl.col("sample_id").is_in(ids.implode()))
    frames.append(
        muts.filter(pl.col("variant_classification").is_in(PROTEIN_ALTERING)).select(
            "sample_id",
            pl.concat_str(
                pl.col("hugo_symbol"),
                pl.lit(" "),
                pl.coalesce(
                    pl.when(pl.col("protein_change").str.strip_chars() != "").then(
                        pl.col("protein_change")
                    ),
                    pl.lit("mutation"),
                ),
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


def _col(samples: pl.DataFrame, name: str) -> pl.Expr:
    return pl.col(name) if name in samples.columns else pl.lit(None, dtype=pl.String)


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
    seq, prim = MSK_COLUMNS["sequenced"], MSK_COLUMNS["primary"]
    table = samples.select(
        pl.col("SAMPLE_ID").alias("sample_id"),
        _col(samples, "PATIENT_ID").alias("patient_id"),
        _col(samples, "ER_STATUS").alias("er"),
        _col(samples, "PR_STATUS").alias("pr"),
        _col(samples, "SAMPLE_TYPE").alias("sample_type"),
        *[_col(samples, c).cast(pl.String).alias(f"seq_{f}") for f, c in seq.items()],
        *[_col(samples, c).cast(pl.String).alias(f"prim_{f}") for f, c in prim.items()],
    ).join(_alteration_lists(study, ids), on="sample_id", how="left")
    out: dict[str, PatientProfile] = {}
    fields = ("ihc", "ish_status", "ish_ratio")
    limitation = her2_limitation(study)
    for row in table.iter_rows(named=True):
        notes = [
            f"Built from study {study.study_id}, sample {row['sample_id']}"
            + (f" ({row['sample_type']})" if row["sample_type"] else "")
            + ": alterations from the sequencing panel; a gene absent from the report may "
            "simply not have been covered by the panel.",
        ]
        if limitation is not None:
            notes.append(f"HER2 from this study: {limitation}.")
        er = _status(row["er"], notes, "ER_STATUS")
        pr = _status(row["pr"], notes, "PR_STATUS")
        her2 = Her2Input(**{f: row[f"seq_{f}"] for f in fields if f in seq})
        primary = Her2Input(**{f: row[f"prim_{f}"] for f in fields if f in prim})
        # a metastasis sample is metastatic disease (a fact of the sample, not an assumed
        # history); a primary sample says nothing about the decision being taken now
        sample_type = str(row["sample_type"] or "").strip().lower()
        setting: Literal["metastatic"] | None = (
            "metastatic" if sample_type in ("metastasis", "metastatic", "recurrence") else None
        )
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

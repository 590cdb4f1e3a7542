"""her2scope's HER2 calls and resistance classes as cBioPortal sample attributes and case lists.

The views of the export (:mod:`her2scope.export.run` computes the calls with
:mod:`her2scope.export.compute` and hands them here): :func:`build_export`
lays the calls out as a cBioPortal study folder's files through the one
cBioPortal writer, :mod:`her2scope.study.cbioportal_writer` (which states the
File Formats rules and ``validateData.py`` checks it follows). What is
particular to the export:

- a study has **one** sample attribute file (the validator reports "Multiple
  sample attribute files detected" as an error), so the export writes the
  study's own sample file again with the her2scope columns appended, under
  the study's own meta and data file names: copied into the study folder it
  replaces them;
- one case list per HER2 category called (``case_lists/cases_<suffix>.txt``,
  stable id ``<study>_<suffix>``), refused when the study already defines that
  stable id in another file.

:class:`CbioportalExport` holds the files (name -> text);
:meth:`CbioportalExport.write` writes them atomically.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from her2scope.errors import ConfigError
from her2scope.study.cbioportal_writer import (
    DATATYPES,
    ClinicalAttribute,
    case_list_text,
    clinical_meta_text,
    clinical_sample_text,
)
from her2scope.study.model import Study
from her2scope.vocab import CLASS_NAMES, MECHANISM_CLASSES

PREFIX = "HER2SCOPE_"
#: Mechanism classes of the alteration catalog, in reporting order.
CLASSES = MECHANISM_CLASSES
#: HER2 category -> case list suffix (``cases_<suffix>.txt``, ``<study>_<suffix>``).
CASE_LIST_SUFFIXES = {
    "HER2-positive": "her2_positive",
    "HER2-low": "her2_low",
    "HER2-ultralow": "her2_ultralow",
    "HER2-null": "her2_null",
    "HER2-0": "her2_zero",
    "HER2-negative": "her2_negative",
}


@dataclass(frozen=True)
class CbioportalExport:
    """Files for a cBioPortal study folder: relative path -> text.

    ``attributes``: the her2scope attributes added; ``case_lists``: stable id
    -> sample ids; ``data_filename`` / ``meta_filename``: the sample
    attribute files (the study's own names, so that they replace them).
    """

    study_id: str
    files: Mapping[str, str]
    attributes: Sequence[ClinicalAttribute]
    case_lists: Mapping[str, Sequence[str]] = field(default_factory=dict)
    data_filename: str = "data_clinical_sample.txt"
    meta_filename: str = "meta_clinical_sample.txt"

    def write(self, out: str | Path) -> list[Path]:
        """Write every file under ``out`` (atomically, one by one); return their paths."""
        from her2scope.outputs import ensure_dir, write_text_atomic

        root = ensure_dir(out)
        return [write_text_atomic(root / name, text) for name, text in self.files.items()]


def her2scope_attributes(profile: str, ambiguous: str) -> list[ClinicalAttribute]:
    """The sample attributes her2scope adds, described for the given profile and policy."""
    how = f"rule profile {profile}, ambiguous IHC ranges: {ambiguous}"
    attrs = [
        ClinicalAttribute(
            PREFIX + "HER2_CATEGORY",
            "HER2 Category (her2scope)",
            f"HER2 category called by her2scope from IHC/ISH ({how}).",
            "STRING",
            "10",
        ),
        ClinicalAttribute(
            PREFIX + "HER2_RATIONALE",
            "HER2 Call Rationale (her2scope)",
            "Why her2scope called this HER2 category: the readings used and the rule applied.",
            "STRING",
            "0",
        ),
        ClinicalAttribute(
            PREFIX + "ISH_GROUP",
            "HER2 ISH Group (her2scope)",
            "ASCO/CAP dual-probe ISH group (1-5) when ratio and copy numbers allow it.",
            "NUMBER",
            "1",
        ),
        ClinicalAttribute(
            PREFIX + "HER2_AMBIGUOUS",
            "HER2 Call Ambiguous (her2scope)",
            "TRUE when the IHC score was a range that ISH did not settle (policy applied: "
            f"{ambiguous}).",
            "BOOLEAN",
            "1",
        ),
        ClinicalAttribute(
            PREFIX + "RESISTANCE_CLASSES",
            "Endocrine Resistance Classes (her2scope)",
            "Endocrine-resistance mechanism classes altered in the sample (ER, TF, MAPK, "
            "PI3K, CDK46), ';'-separated; 'none' when profiled and none altered.",
            "STRING",
            "5",
        ),
        ClinicalAttribute(
            PREFIX + "RESISTANCE_ALTERATIONS",
            "Endocrine Resistance Alterations (her2scope)",
            "Catalog alterations found in the sample, ';'-separated.",
            "STRING",
            "0",
        ),
    ]
    for cls in CLASSES:
        attrs.append(
            ClinicalAttribute(
                f"{PREFIX}{cls}_ALTERED",
                f"{CLASS_NAMES[cls]} Altered (her2scope)",
                f"TRUE when a {CLASS_NAMES[cls]} resistance alteration of the her2scope catalog "
                "is present; blank when its genes were not profiled.",
                "BOOLEAN",
                "1",
            )
        )
    return attrs


def _sample_meta_names(study: Study) -> tuple[str, str]:
    for name, meta in study.meta.items():
        if (
            meta.get("genetic_alteration_type", "").strip().upper() == "CLINICAL"
            and meta.get("datatype", "").strip().upper() == "SAMPLE_ATTRIBUTES"
        ):
            return name, meta.get("data_filename", "").strip() or "data_clinical_sample.txt"
    return "meta_clinical_sample.txt", "data_clinical_sample.txt"


def _study_attributes(study: Study, columns: Sequence[str]) -> list[ClinicalAttribute]:
    """The study's own sample attributes (header cells as read), in file order."""
    known = {r["attribute"]: r for r in study.sample_attributes.iter_rows(named=True)}
    attrs = []
    for col in columns:
        row = known.get(col)
        numeric = study.samples.schema[col].is_numeric()
        datatype = (row or {}).get("datatype") or ("NUMBER" if numeric else "STRING")
        priority = str((row or {}).get("priority") or "1").strip()
        attrs.append(
            ClinicalAttribute(
                col,
                (row or {}).get("display_name") or col,
                (row or {}).get("description") or col,
                datatype.strip().upper() if datatype.strip().upper() in DATATYPES else "STRING",
                priority if priority.isdigit() else "1",
            )
        )
    return attrs


def _class_columns(class_calls: pl.DataFrame, sample_ids: pl.DataFrame) -> pl.DataFrame:
    """Per sample: the altered classes, alterations and one TRUE/FALSE/blank column per class."""
    frame = sample_ids
    for cls in CLASSES:
        status = class_calls.filter(pl.col("mechanism_class") == cls).select(
            pl.col("sample_id").alias("SAMPLE_ID"), pl.col("status").alias("_s")
        )
        frame = frame.join(status, on="SAMPLE_ID", how="left").with_columns(
            pl.when(pl.col("_s") == "altered")
            .then(True)
            .when(pl.col("_s") == "not_profiled")
            .then(None)
            .otherwise(False)
            .alias(f"{PREFIX}{cls}_ALTERED")
        )
        frame = frame.drop("_s")
    flags = [f"{PREFIX}{cls}_ALTERED" for cls in CLASSES]
    altered_list = pl.concat_list(
        [
            pl.when(pl.col(f)).then(pl.lit(cls)).otherwise(None)
            for cls, f in zip(CLASSES, flags, strict=True)
        ]
    ).list.drop_nulls()
    all_rows = class_calls.filter(pl.col("mechanism_class") == "ALL").select(
        pl.col("sample_id").alias("SAMPLE_ID"),
        pl.col("altered_alterations").alias(PREFIX + "RESISTANCE_ALTERATIONS"),
    )
    any_unprofiled = pl.any_horizontal([pl.col(f).is_null() for f in flags])
    return (
        frame.with_columns(
            pl.when(altered_list.list.len() > 0)
            .then(altered_list.list.join(";"))
            .when(any_unprofiled)
            .then(None)
            .otherwise(pl.lit("none"))
            .alias(PREFIX + "RESISTANCE_CLASSES")
        )
        .join(all_rows, on="SAMPLE_ID", how="left")
        .with_columns(pl.col(PREFIX + "RESISTANCE_ALTERATIONS").str.replace_all("; ", ";"))
    )


def build_export(
    study: Study,
    her2: pl.DataFrame,
    class_calls: pl.DataFrame,
    *,
    profile: str,
    ambiguous: str,
    only_new: bool = False,
) -> CbioportalExport:
    """Format the export from computed calls (pure formatting).

    ``her2``: :func:`her2scope.her2.classify` table of ``study.samples`` (same
    rows, ``her2_category``, ``ish_group``, ``ambiguous``, ``her2_rationale``);
    ``class_calls``: :func:`her2scope.alterations.class_calls_sparse` of the
    study. ``only_new``: the sample file holds ``SAMPLE_ID``, ``PATIENT_ID``
    and the her2scope columns only (for cBioPortal's incremental upload of a
    data folder); by default it holds the study's own columns too (a whole
    study folder may have only one sample attribute file).
    """
    study_id = study.study_id
    if not re.fullmatch(r"[a-z0-9_]+", study_id):
        raise ConfigError(
            "cBioPortal study ids hold lower-case letters, digits and underscores; "
            f"got {study_id!r}"
        )
    ours = her2scope_attributes(profile, ambiguous)
    base_cols = [c for c in study.samples.columns if c not in {"SAMPLE_ID", "PATIENT_ID"}]
    # A study exported before carries HER2SCOPE_ columns: they are replaced, not doubled.
    ours_ids = {a.attribute for a in ours}
    base_cols = [c for c in base_cols if not c.startswith(PREFIX)]
    clash = ours_ids & set(base_cols)
    if clash:  # pragma: no cover - excluded by the prefix filter above
        raise ConfigError(f"attribute ids already in the study: {', '.join(sorted(clash))}")
    if only_new:
        base_cols = []
    base_attrs = _study_attributes(study, ["SAMPLE_ID", "PATIENT_ID", *base_cols])

    ids = study.samples.select("SAMPLE_ID", "PATIENT_ID", *base_cols)
    calls = her2.select(
        pl.col("her2_category").alias(PREFIX + "HER2_CATEGORY"),
        pl.col("her2_rationale").alias(PREFIX + "HER2_RATIONALE"),
        pl.col("ish_group").cast(pl.Float64).alias(PREFIX + "ISH_GROUP"),
        pl.col("ambiguous").cast(pl.Boolean).alias(PREFIX + "HER2_AMBIGUOUS"),
    )
    if calls.height != ids.height:
        raise ConfigError("the HER2 table must have one row per study sample, in study order")
    rows = pl.concat([ids, calls], how="horizontal")
    rows = rows.join(
        _class_columns(class_calls, ids.select("SAMPLE_ID")), on="SAMPLE_ID", how="left"
    )
    attributes = [*base_attrs, *ours]
    meta_name, data_name = _sample_meta_names(study)
    files: dict[str, str] = {
        data_name: clinical_sample_text(rows, attributes),
        meta_name: clinical_meta_text(study_id, "SAMPLE_ATTRIBUTES", data_name),
    }

    existing = dict(study.case_lists)
    lists: dict[str, list[str]] = {}
    category = rows.select("SAMPLE_ID", PREFIX + "HER2_CATEGORY")
    for cat, suffix in CASE_LIST_SUFFIXES.items():
        members = category.filter(pl.col(PREFIX + "HER2_CATEGORY") == cat)["SAMPLE_ID"].to_list()
        if not members:
            continue
        stable_id = f"{study_id}_{suffix}"
        filename = f"case_lists/cases_{suffix}.txt"
        if stable_id in existing and not (
            study.path is not None and (study.path / filename).is_file()
        ):
            raise ConfigError(
                f"the study already has a case list {stable_id} in another file; "
                "it would be defined twice"
            )
        lists[stable_id] = members
        files[filename] = case_list_text(
            study_id,
            suffix,
            f"{cat} (her2scope)",
            f"Samples called {cat} by her2scope ({profile}, ambiguous IHC ranges: "
            f"{ambiguous}) ({len(members)} samples).",
            members,
        )
    return CbioportalExport(
        study_id=study_id,
        files=files,
        attributes=ours,
        case_lists=lists,
        data_filename=data_name,
        meta_filename=meta_name,
    )

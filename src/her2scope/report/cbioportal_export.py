"""her2scope's results as cBioPortal clinical sample attributes and case lists.

cBioPortal's file formats (docs.cbioportal.org, "File Formats": *Clinical
Data* and *Case Lists*) and its importer's validator (``validateData.py`` of
cbioportal-core) fix what a study folder may hold:

- a clinical data file starts with exactly four ``#`` lines (display names,
  descriptions, datatypes, priorities), one tab-separated cell per column,
  none of them empty or ``NA``; datatypes are ``STRING``, ``NUMBER`` or
  ``BOOLEAN``; priorities are integers >= 0; the fifth line names the
  attributes in upper case; a sample file has ``SAMPLE_ID`` and
  ``PATIENT_ID``; ``NUMBER`` cells are real numbers, ``BOOLEAN`` cells
  ``TRUE``/``FALSE``, blank means no value;
- a study has **one** sample attribute file (the validator reports "Multiple
  sample attribute files detected" as an error), so the export writes the
  study's own sample file again with the her2scope columns appended, under
  the study's own meta and data file names: copied into the study folder it
  replaces them;
- the meta file holds ``cancer_study_identifier`` (as in meta_study.txt),
  ``genetic_alteration_type: CLINICAL``, ``datatype: SAMPLE_ATTRIBUTES`` and
  ``data_filename``;
- a case list (``case_lists/*.txt``) holds ``cancer_study_identifier``,
  ``stable_id`` (the study id, an underscore, a suffix; unique in the study),
  ``case_list_name``, ``case_list_description`` and ``case_list_ids``
  (tab-separated sample ids, each defined in the sample file).

:func:`export_cbioportal` computes the HER2 calls and resistance-class calls
of a loaded study and returns a :class:`CbioportalExport` (file name -> text);
:meth:`CbioportalExport.write` writes them atomically.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from her2scope.errors import ConfigError
from her2scope.study.model import Study
from her2scope.vocab import CLASS_NAMES, MECHANISM_CLASSES

PREFIX = "HER2SCOPE_"
DATATYPES = ("STRING", "NUMBER", "BOOLEAN")
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
_UNSAFE_CELL = re.compile(r"[\t\r\n]+")


@dataclass(frozen=True)
class ClinicalAttribute:
    """One column of a cBioPortal clinical file: its id and its four header cells."""

    attribute: str
    display_name: str
    description: str
    datatype: str
    priority: str = "1"


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


def _cell(value: object) -> str:
    """One data cell as cBioPortal reads it: blank for missing, no tabs or newlines."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return ""
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    return _UNSAFE_CELL.sub(" ", str(value)).strip()


def _header_cell(value: str, fallback: str) -> str:
    """A header cell: cBioPortal refuses empty or NA-like display names and descriptions."""
    text = _UNSAFE_CELL.sub(" ", value or "").strip()
    if text.lower() in {"", "na", "[not applicable]", "[not available]", "[null]"}:
        return fallback
    return text


def clinical_sample_text(rows: pl.DataFrame, attributes: Sequence[ClinicalAttribute]) -> str:
    """A cBioPortal clinical sample file: four ``#`` lines, the attribute ids, the rows.

    ``rows`` holds one column per attribute (same names, same order as
    ``attributes``, ``SAMPLE_ID`` and ``PATIENT_ID`` among them).
    """
    missing = {"SAMPLE_ID", "PATIENT_ID"} - {a.attribute for a in attributes}
    if missing:
        raise ConfigError(f"a cBioPortal sample file needs {', '.join(sorted(missing))}")
    for a in attributes:
        if a.datatype not in DATATYPES:
            raise ConfigError(f"attribute {a.attribute}: datatype must be one of {DATATYPES}")
        if not a.priority.isdigit():
            raise ConfigError(f"attribute {a.attribute}: priority must be an integer >= 0")
    lines = [
        "#" + "\t".join(_header_cell(a.display_name, a.attribute) for a in attributes),
        "#" + "\t".join(_header_cell(a.description, a.attribute) for a in attributes),
        "#" + "\t".join(a.datatype for a in attributes),
        "#" + "\t".join(a.priority for a in attributes),
        "\t".join(a.attribute for a in attributes),
    ]
    names = [a.attribute for a in attributes]
    for row in rows.select(names).iter_rows():
        lines.append("\t".join(_cell(v) for v in row))
    return "\n".join(lines) + "\n"


def meta_text(study_id: str, data_filename: str) -> str:
    """The meta file of a clinical sample attribute file."""
    return (
        f"cancer_study_identifier: {study_id}\n"
        "genetic_alteration_type: CLINICAL\n"
        "datatype: SAMPLE_ATTRIBUTES\n"
        f"data_filename: {data_filename}\n"
    )


def case_list_text(
    study_id: str, suffix: str, name: str, description: str, sample_ids: Sequence[str]
) -> str:
    """A cBioPortal case list file (``case_list_ids`` tab-separated)."""
    return (
        f"cancer_study_identifier: {study_id}\n"
        f"stable_id: {study_id}_{suffix}\n"
        f"case_list_name: {name}\n"
        f"case_list_description: {description}\n"
        "case_list_ids: " + "\t".join(sample_ids) + "\n"
    )


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
        meta_name: meta_text(study_id, data_name),
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


def export_cbioportal(
    study: Study,
    *,
    profile: str = "asco-cap-2023",
    ambiguous: str = "exclude",
    source: str = "sequenced",
    mutation_classes: str | None = None,
    only_new: bool = False,
    convention: str | None = None,
    mapping: dict[str, str] | None = None,
) -> CbioportalExport:
    """HER2 calls and resistance classes of ``study`` as cBioPortal files.

    Reads the study's HER2 pathology by its convention (detected, or
    ``convention``, with ``mapping`` overrides: see
    :func:`her2scope.study.conventions.harmonise`), calls
    :func:`her2scope.her2.classify` (``profile``, ``ambiguous``, ``source``) and
    :func:`her2scope.alterations.annotate` with the built-in catalog, then
    :func:`build_export`, which writes beside the study's own, unchanged
    sample columns. Follows cBioPortal's File Formats
    documentation (Clinical Data, Case Lists) and the rules its importer's
    ``validateData.py`` checks; see the module docstring.
    """
    from her2scope.alterations import annotate, class_calls_sparse, load_catalog
    from her2scope.errors import StudyError
    from her2scope.her2 import classify
    from her2scope.study.conventions import ABSENT_CODE, harmonise

    # harmonised for the calls only (same samples, same order); the files keep the
    # study's own columns, as its importer knows them
    read = harmonise(study, convention, mapping, source=source)
    absent = read.audit.by_code(ABSENT_CODE)
    if absent:
        # the export is HER2 calls: a study that records no HER2 test gets the reason,
        # not a list of column names it lacks
        raise StudyError(
            f"no HER2 call can be exported from {study.study_id}: {absent[-1].message}"
        )
    her2 = classify(read.samples, profile=profile, ambiguous=ambiguous, source=source)
    calls = annotate(study, load_catalog(), mutation_classes=mutation_classes)
    return build_export(
        study,
        her2.table,
        class_calls_sparse(calls),
        profile=profile,
        ambiguous=ambiguous,
        only_new=only_new,
    )

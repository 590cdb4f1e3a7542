"""Study column conventions: which cBioPortal attribute carries which canonical field.

Each known layout (MSK breast, TCGA brca_tcga legacy and PanCancer Atlas,
METABRIC, a generic fallback) is a YAML file under ``data/conventions/``,
validated by :class:`Convention`. A convention maps the canonical HER2 fields
(``ihc``, ``ish_status``, ``ish_ratio``, ``her2_copies``, ``cep17_copies``,
with the cell count that turns copy-number totals into per-cell values) of
the sequenced sample and of the primary, ER/PR/HR status, sample type and
survival to columns at sample or patient level, with its value vocabulary
(``[Not Evaluated]`` = missing, ``+``/``-``, ``pos``/``neg``, ``LIVING``/``DECEASED``).

:func:`detect_convention` scores each convention by the columns present;
:func:`harmonise` returns a new :class:`~her2scope.study.model.Study` whose
``samples``/``patients`` carry the fields under her2scope's internal layout
(the MSK attribute ids, :data:`HARMONISED`), so every analysis reads one
layout. The MSK convention is that layout: harmonising it changes nothing.
The choice is kept in the audit (``study.convention``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import replace
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Literal

import polars as pl
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from her2scope.audit import Audit
from her2scope.errors import ConfigError, SchemaError, StudyError
from her2scope.safeload import trusted_yaml
from her2scope.study.model import Study

HER2_FIELDS = ("ihc", "ish_status", "ish_ratio", "her2_copies", "cep17_copies")
STATUS_FIELDS = ("hr", "er", "pr")

#: her2scope's internal layout (the breast_msk_2018 attribute ids, plus per-cell copy
#: columns): what :func:`harmonise` writes and what the analyses read.
HARMONISED: dict[str, dict[str, str]] = {
    "sequenced": {
        "ihc": "HER2_IHC_SCORE",
        "ish_status": "HER2_FISH",
        "ish_ratio": "HER2_FISH_RATIO",
        "her2_copies": "HER2_COPIES_PER_CELL",
        "cep17_copies": "CEP17_COPIES_PER_CELL",
    },
    "primary": {
        "ihc": "HER2_IHC_VALUE_PRIMARY",
        "ish_status": "HER2_FISH_STATUS",
        "ish_ratio": "HER2_FISH_RATIO_PRIMARY",
        "her2_copies": "HER2_COPIES_PER_CELL_PRIMARY",
        "cep17_copies": "CEP17_COPIES_PER_CELL_PRIMARY",
    },
}
HR_COLUMN = "HR_STATUS"
#: ER and PR status in the internal layout (Positive / Negative), for the patient reports
RECEPTOR_COLUMNS = {"er": "ER_STATUS", "pr": "PR_STATUS"}
SAMPLE_TYPE_COLUMN = "SAMPLE_TYPE"
OS_MONTHS_COLUMN = "OS_MONTHS"
OS_STATUS_COLUMN = "OS_STATUS"
AUDIT_CODE = "study.convention"
BINARY_CODE = "study.her2_binary"
ABSENT_CODE = "study.her2_absent"


class ColumnRef(BaseModel):
    """Columns (first non-missing wins) for one field, and where they are."""

    model_config = ConfigDict(extra="forbid")
    columns: list[str] = Field(min_length=1)
    level: Literal["sample", "patient", "any"] = "any"
    #: copy numbers only: a cell-count column; with it, totals are divided by it
    cells: list[str] = Field(default_factory=list)
    default: str | None = None


class Vocabulary(BaseModel):
    """Cell values and what they mean (matched case-insensitively, whitespace stripped)."""

    model_config = ConfigDict(extra="forbid")
    missing: list[str] = Field(default_factory=list)
    positive: list[str] = Field(
        default_factory=lambda: ["positive", "pos", "+", "yes", "1", "amplified", "gain"]
    )
    negative: list[str] = Field(
        default_factory=lambda: ["negative", "neg", "-", "no", "0", "not amplified", "neut"]
    )
    living: list[str] = Field(default_factory=lambda: ["living", "0:living", "alive"])
    deceased: list[str] = Field(
        default_factory=lambda: ["deceased", "1:deceased", "dead", "died of disease"]
    )
    primary: list[str] = Field(default_factory=lambda: ["primary", "primary tumor"])
    metastasis: list[str] = Field(
        default_factory=lambda: ["metastasis", "metastatic", "metastatic recurrence"]
    )


class Convention(BaseModel):
    """One study layout (a file under ``data/conventions/`` or given by ``--conventions``)."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1)
    description: str = ""
    detect: list[str] = Field(default_factory=list)
    #: fewest ``detect`` columns a study must have for this convention to be chosen
    #: (a layout that limits what can be called must be recognised, not guessed)
    min_detect: int = Field(default=1, ge=1)
    #: ``full``: IHC/ISH levels (HER2-0/low/positive); ``binary``: HER2 only as
    #: positive/negative (HER2-positive vs not; HER2-low cannot be called);
    #: ``none``: the layout records no HER2 test at all (no HER2 call can be made)
    her2_scale: Literal["full", "binary", "none"] = "full"
    #: what a user should know about this layout (said in the audit and in errors)
    note: str = ""
    fields: dict[Literal["sequenced", "primary"], dict[str, ColumnRef]] = Field(
        default_factory=dict
    )
    status: dict[str, ColumnRef] = Field(default_factory=dict)
    sample_type: ColumnRef | None = None
    survival: dict[Literal["os_months", "os_status"], ColumnRef] = Field(default_factory=dict)
    vocabulary: Vocabulary = Field(default_factory=Vocabulary)
    #: copy numbers may be totals over the counted cells (TCGA): a value at or above
    #: ``copies_total_threshold`` without a cell count is unusable, never per-cell
    copies_may_be_totals: bool = False
    copies_total_threshold: float = 20.0

    @field_validator("fields")
    @classmethod
    def _known_fields(
        cls, value: dict[str, dict[str, ColumnRef]]
    ) -> dict[str, dict[str, ColumnRef]]:
        for source, mapping in value.items():
            unknown = sorted(set(mapping) - set(HER2_FIELDS))
            if unknown:
                raise ValueError(f"unknown HER2 field(s) {unknown} for {source}")
        return value

    @field_validator("status")
    @classmethod
    def _known_status(cls, value: dict[str, ColumnRef]) -> dict[str, ColumnRef]:
        unknown = sorted(set(value) - set(STATUS_FIELDS))
        if unknown:
            raise ValueError(f"unknown status field(s) {unknown} (use hr, er, pr)")
        return value


def _validate(data: object, where: str) -> Convention:
    try:
        return Convention.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(p) for p in first["loc"])
        raise SchemaError(f"{where}: {loc}: {first['msg']}") from None


@lru_cache(maxsize=1)
def builtin_conventions() -> tuple[Convention, ...]:
    """The packaged conventions, MSK first, generic last."""
    folder = resources.files("her2scope.data").joinpath("conventions")
    found = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".yaml"):
            # packaged, trusted files (YAML anchors allowed, as in the catalog)
            data = trusted_yaml(entry.read_text("utf-8"))
            found.append(_validate(data, f"conventions/{entry.name}"))
    order = {"msk_breast": 0, "generic": 2}
    return tuple(sorted(found, key=lambda c: (order.get(c.name, 1), c.name)))


def load_convention(name_or_path: str | os.PathLike[str]) -> Convention:
    """A built-in convention by name, or a convention YAML file (validated)."""
    for conv in builtin_conventions():
        if conv.name == str(name_or_path):
            return conv
    path = Path(name_or_path)
    if not path.is_file():
        names = ", ".join(c.name for c in builtin_conventions())
        raise ConfigError(
            f"unknown convention {str(name_or_path)!r} (built in: {names}; or a YAML file)"
        )
    from her2scope.safeload import load_document

    return _validate(load_document(path).data, str(path))


def _all_columns(study: Study) -> set[str]:
    return set(study.samples.columns) | set(study.patients.columns)


def detect_convention(study: Study) -> tuple[Convention, dict[str, int]]:
    """The convention whose ``detect`` columns the study has most of (generic if none)."""
    present = _all_columns(study)
    scores = {c.name: sum(col in present for col in c.detect) for c in builtin_conventions()}
    eligible = [c for c in builtin_conventions() if c.detect and scores[c.name] >= c.min_detect]
    if not eligible:
        return next(c for c in builtin_conventions() if c.name == "generic"), scores
    best = max(eligible, key=lambda c: (scores[c.name], c.name == "msk_breast"))
    return best, scores


def _lower_list(values: list[str]) -> list[str]:
    return [v.strip().lower() for v in values]


class _Builder:
    """Reads fields of one convention from a study's sample and patient tables."""

    def __init__(self, study: Study, conv: Convention, audit: Audit) -> None:
        self.study = study
        self.conv = conv
        self.audit = audit
        self.samples = study.samples
        self.patients = study.patients
        self.missing = _lower_list(conv.vocabulary.missing)

    def _clean(self, expr: pl.Expr) -> pl.Expr:
        text = expr.cast(pl.String).str.strip_chars()
        low = text.str.to_lowercase()
        gone = low.is_in(self.missing) | (text == "")
        return pl.when(gone).then(None).otherwise(text)

    def _one(self, column: str, level: str) -> pl.Expr | None:
        if level in ("sample", "any") and column in self.samples.columns:
            return self._clean(pl.col(column))
        if level in ("patient", "any") and column in self.patients.columns:
            return self._clean(pl.col(f"__patient__{column}"))
        return None

    def expr(
        self, ref: ColumnRef | None, columns: list[str] | None = None
    ) -> tuple[pl.Expr, list[str]]:
        """First non-missing of the ref's columns, and the columns found."""
        if ref is None:
            return pl.lit(None, dtype=pl.String), []
        parts: list[pl.Expr] = []
        used: list[str] = []
        for column in columns or ref.columns:
            got = self._one(column, ref.level)
            if got is not None:
                parts.append(got)
                used.append(column)
        out = pl.coalesce(parts) if parts else pl.lit(None, dtype=pl.String)
        if ref.default is not None:
            out = out.fill_null(pl.lit(ref.default))
        return out, used

    def patient_join(self) -> pl.DataFrame:
        """Samples with every patient column the convention names, prefixed."""
        wanted: set[str] = set()
        refs: list[ColumnRef] = [r for f in self.conv.fields.values() for r in f.values()]
        refs += list(self.conv.status.values())
        for ref in refs:
            wanted |= {c for c in [*ref.columns, *ref.cells] if c in self.patients.columns}
        wanted.discard("PATIENT_ID")
        if not wanted or "PATIENT_ID" not in self.patients.columns:
            return self.samples
        extra = self.patients.select(
            "PATIENT_ID", *[pl.col(c).alias(f"__patient__{c}") for c in sorted(wanted)]
        ).unique("PATIENT_ID", keep="first")
        return self.samples.join(extra, on="PATIENT_ID", how="left", maintain_order="left")


def _words(expr: pl.Expr, table: Mapping[str, list[str]]) -> pl.Expr:
    """Map vocabulary words to their canonical spelling; other values unchanged."""
    low = expr.str.to_lowercase()
    out: pl.Expr = expr
    for word, spellings in reversed(list(table.items())):
        out = pl.when(low.is_in(_lower_list(spellings))).then(pl.lit(word)).otherwise(out)
    return out


def harmonise(
    study: Study,
    convention: Convention | str | None = None,
    mapping: Mapping[str, str] | None = None,
    *,
    source: str = "sequenced",
) -> Study:
    """A new Study whose tables carry the convention's fields in the internal layout.

    ``convention``: a :class:`Convention`, a built-in name or a YAML path; None
    detects it (:func:`detect_convention`). ``mapping``: ``field=column``
    overrides (``--map``) for the HER2 fields of ``source`` and for ``hr``,
    ``er``, ``pr``, ``sample_type``, ``os_months``, ``os_status``. Copy
    numbers with a cell count are divided by it; values that look like totals
    without a count are set to missing and counted (``conventions.copies_total``).
    The choice, its detection scores and every override go to the audit
    (``study.convention``); a HER2-binary convention adds ``study.her2_binary``, a
    convention without HER2 ``study.her2_absent`` (see :func:`her2_limitation`).
    """
    audit = Audit()
    audit.extend(study.audit)
    if convention is None:
        conv, scores = detect_convention(study)
        how = (
            "detected (columns matched: "
            + ", ".join(f"{k} {v}" for k, v in sorted(scores.items(), key=lambda kv: -kv[1]))
            + ")"
        )
    else:
        conv = convention if isinstance(convention, Convention) else load_convention(convention)
        how = "chosen with --conventions"
    mapping = dict(mapping or {})
    known = set(HER2_FIELDS) | set(STATUS_FIELDS) | {"sample_type", "os_months", "os_status"}
    unknown = sorted(set(mapping) - known)
    if unknown:
        raise ConfigError(
            f"unknown field(s) {', '.join(unknown)} in --map (fields: {', '.join(sorted(known))})"
        )
    columns = _all_columns(study)
    for field_name, column in mapping.items():
        if column not in columns:
            raise ConfigError(
                f"--map {field_name}={column}: no column {column!r} in the sample or patient file"
            )
    conv = _with_overrides(conv, mapping, source)
    if convention is None and not mapping:
        conv, how = _with_inferred_her2(study, conv, how, source)
    note = f"; --map {', '.join(f'{k}={v}' for k, v in mapping.items())}" if mapping else ""
    audit.add(
        "info",
        AUDIT_CODE,
        f"study convention {conv.name} ({conv.description}), {how}{note}",
        column=conv.name,
    )
    if conv.her2_scale == "none":
        audit.add(
            "warning",
            ABSENT_CODE,
            f"convention {conv.name}: the study records no HER2 test"
            + (f" ({conv.note})" if conv.note else "")
            + "; no HER2 call (0/low/positive) can be made from it",
            column=conv.name,
        )
    if conv.her2_scale == "binary":
        audit.add(
            "warning",
            BINARY_CODE,
            f"convention {conv.name}: HER2 is recorded only as positive/negative, so calls are "
            "HER2-positive or HER2-negative; HER2-low and HER2-0 cannot be called from this study",
            column=conv.name,
        )
    if conv.name == "msk_breast" and not mapping:
        return replace(study, audit=audit)
    return _build(study, conv, audit)


#: Columns that, in layouts no convention knows, often hold a tumour's HER2 result
#: (a clinical status or an IHC score); read only when their values say which.
HER2_RESULT_COLUMNS = (
    "HER2_STATUS",
    "HER2",
    "HER2_STATUS_BY_IHC",
    "HER2_RECEPTOR_STATUS",
    "HER2_NEU_STATUS",
    "HER2NEU_STATUS",
    "HER2_IHC_STATUS",
    "ERBB2_STATUS",
)
#: Words of a HER2 result given only as positive / negative (a clinical status,
#: METABRIC's +/-). Not "yes"/"no" or "1"/"0": those could be flags or IHC 0/1.
_BINARY_WORDS = frozenset(
    {"positive", "pos", "+", "negative", "neg", "-", "equivocal", "indeterminate"}
)


def _with_inferred_her2(
    study: Study, conv: Convention, how: str, source: str
) -> tuple[Convention, str]:
    """A detected convention none of whose HER2 columns the study has: read a
    :data:`HER2_RESULT_COLUMNS` column if its values are unambiguous.

    Every value an IHC score (``0``, ``1+``, ``2+``, ``3+``, ranges) -> the IHC
    field (HER2-0/low/positive can be called); every value a positive/negative
    word -> a binary HER2 status (HER2-positive vs not, as METABRIC). Anything
    else (mixed values, ``0``/``1`` flags, ``yes``/``no``) is not guessed: the
    study stays without HER2 and the error says which column to ``--map``.
    """
    from her2scope.her2.parse import parse_ihc

    present = _all_columns(study)
    wanted = {c for refs in conv.fields.values() for ref in refs.values() for c in ref.columns}
    if wanted & present:
        return conv, how
    b = _Builder(study, conv, Audit())
    frame = b.patient_join()
    unread: list[str] = []
    for column in HER2_RESULT_COLUMNS:
        name = column if column in frame.columns else f"__patient__{column}"
        if name not in frame.columns:
            continue
        values = [
            str(v) for v in frame.select(b._clean(pl.col(name)).unique().drop_nulls()).to_series()
        ]
        lowered = {v.strip().lower() for v in values}
        if not lowered:
            continue
        data = conv.model_dump()
        ref = {"columns": [column], "level": "any", "cells": [], "default": None}
        if lowered <= _BINARY_WORDS:
            data["fields"] = {source: {"ish_status": ref}}
            data["her2_scale"] = "binary"
            kind = "a positive/negative HER2 status"
        elif all((r := parse_ihc(v)).lo is not None and not r.unusable for v in values) and any(
            ("+" in v) or v.strip() in ("2", "3") for v in values
        ):
            data["fields"] = {source: {"ihc": ref}}
            kind = "HER2 IHC scores"
        else:
            unread.append(f"{column} ({', '.join(sorted(values)[:6])})")
            continue
        data["name"] = f"{conv.name}+{column}"
        shown = ", ".join(sorted(values)[:6])
        return Convention.model_validate(data), (
            f"{how}; column {column} read as {kind} (values: {shown})"
        )
    if unread:
        how += (
            f"; not read, the values could be IHC scores or a status: {'; '.join(unread)} "
            "(name one with --map ihc=COLUMN or --map ish_status=COLUMN)"
        )
    return conv, how


def _with_overrides(conv: Convention, mapping: Mapping[str, str], source: str) -> Convention:
    if not mapping:
        return conv
    data = conv.model_dump()
    for field_name, column in mapping.items():
        ref = {"columns": [column], "level": "any", "cells": [], "default": None}
        if field_name in HER2_FIELDS:
            data["fields"].setdefault(source, {})[field_name] = ref
        elif field_name in STATUS_FIELDS:
            data["status"][field_name] = ref
        elif field_name == "sample_type":
            data["sample_type"] = ref
        else:
            data["survival"][field_name] = ref
    data["name"] = conv.name + "+map"
    if data["her2_scale"] == "none" and any(f in HER2_FIELDS for f in mapping):
        data["her2_scale"] = "full"  # the user named the study's HER2 columns
    return Convention.model_validate(data)


def _copies(
    b: _Builder, frame: pl.DataFrame, ref: ColumnRef, out_name: str, label: str
) -> tuple[pl.Expr, str | None]:
    """Per-cell copies: value / cell count when a count is given; totals without one -> null."""
    value, used = b.expr(ref)
    cells, cells_used = (
        b.expr(ColumnRef(columns=ref.cells, level=ref.level))
        if ref.cells
        else (
            pl.lit(None, dtype=pl.String),
            [],
        )
    )
    number = value.cast(pl.Float64, strict=False)
    count = cells.cast(pl.Float64, strict=False)
    divided = pl.when(number.is_not_null() & (count > 0)).then(
        (number / count).round(3).cast(pl.String)
    )
    total_like = number.is_not_null() & count.is_null()
    if b.conv.copies_may_be_totals:
        total_like = total_like & (number >= b.conv.copies_total_threshold)
    else:
        total_like = pl.lit(False)
    n_divided = frame.select((number.is_not_null() & (count > 0)).sum()).item()
    n_total = frame.select(total_like.sum()).item()
    if n_divided:
        b.audit.add(
            "info",
            "conventions.copies_per_cell",
            f"{n_divided} {label} value(s) divided by the cell count "
            f"({', '.join(cells_used)}) to give copies per cell",
            column=used[0] if used else None,
            count=n_divided,
        )
    if n_total:
        b.audit.add(
            "warning",
            "conventions.copies_total",
            f"{n_total} {label} value(s) look like totals over the counted cells "
            f"(>= {b.conv.copies_total_threshold:g}) but no cell count is given: unusable, "
            "treated as no result (never read as per-cell)",
            column=used[0] if used else None,
            count=n_total,
        )
    expr = pl.when(total_like).then(None).otherwise(pl.coalesce(divided, value))
    return expr.alias(out_name), (used[0] if used else None)


def _build(study: Study, conv: Convention, audit: Audit) -> Study:
    b = _Builder(study, conv, audit)
    frame = b.patient_join()
    b.samples = frame
    voc = conv.vocabulary
    status_words = {"Positive": voc.positive, "Negative": voc.negative}
    new: dict[str, pl.Expr] = {}
    found: list[str] = []
    for source, layout in HARMONISED.items():
        refs = conv.fields.get(source, {})  # type: ignore[call-overload]
        for field_name, target in layout.items():
            ref = refs.get(field_name)
            if ref is None:
                continue
            if field_name in ("her2_copies", "cep17_copies"):
                expr, used_col = _copies(b, frame, ref, target, field_name)
                if used_col:
                    new[target] = expr
                    found.append(f"{source} {field_name}={used_col}")
                continue
            expr, used = b.expr(ref)
            if not used:
                continue
            if field_name == "ish_status":
                expr = _words(expr, status_words)
            new[target] = expr.alias(target)
            found.append(f"{source} {field_name}={'/'.join(used)}")
    # receptor status: HR from the convention's HR column, else ER or PR positive
    status: dict[str, pl.Expr] = {}
    for name in STATUS_FIELDS:
        expr, used = b.expr(conv.status.get(name))
        if used:
            status[name] = _words(expr, status_words)
            found.append(f"{name}={'/'.join(used)}")
    for name, column in RECEPTOR_COLUMNS.items():
        if name in status:
            new[column] = status[name].alias(column)
    if "hr" in status:
        new[HR_COLUMN] = status["hr"].alias(HR_COLUMN)
    elif "er" in status or "pr" in status:
        er = status.get("er", pl.lit(None, dtype=pl.String))
        pr = status.get("pr", pl.lit(None, dtype=pl.String))
        new[HR_COLUMN] = (
            pl.when((er == "Positive") | (pr == "Positive"))
            .then(pl.lit("Positive"))
            .when((er == "Negative") & (pr == "Negative"))
            .then(pl.lit("Negative"))
            .when((er == "Negative") & pr.is_null() & ("pr" not in status))
            .then(pl.lit("Negative"))
            .otherwise(None)
            .alias(HR_COLUMN)
        )
    stype, used = b.expr(conv.sample_type)
    if used or (conv.sample_type is not None and conv.sample_type.default):
        new[SAMPLE_TYPE_COLUMN] = _words(
            stype, {"Primary": voc.primary, "Metastasis": voc.metastasis}
        ).alias(SAMPLE_TYPE_COLUMN)
    samples = frame.with_columns(list(new.values())).select(
        [c for c in frame.columns if not c.startswith("__patient__")]
        + [c for c in new if c not in frame.columns]
    )
    patients = study.patients
    for key, target in (("os_months", OS_MONTHS_COLUMN), ("os_status", OS_STATUS_COLUMN)):
        ref = conv.survival.get(key)  # type: ignore[call-overload]
        if ref is None:
            continue
        pb = _Builder(replace(study, samples=patients), conv, audit)
        expr, used = pb.expr(ref.model_copy(update={"level": "sample"}))
        if not used:
            continue
        if key == "os_status":
            expr = _words(expr, {"1:DECEASED": voc.deceased, "0:LIVING": voc.living})
        else:
            expr = expr.cast(pl.Float64, strict=False)
        patients = patients.with_columns(expr.alias(target))
    audit.add(
        "info",
        "conventions.fields",
        f"fields read ({conv.name}): {', '.join(found) or 'none'}",
        column=conv.name,
    )
    return replace(study, samples=samples, patients=patients, audit=audit)


def convention_of(study: Study) -> str | None:
    """The convention recorded in the study's audit by :func:`harmonise` (None if none)."""
    entries = study.audit.by_code(AUDIT_CODE)
    return entries[-1].column if entries else None


def harmonised(study: Study, *, source: str = "sequenced") -> Study:
    """The study in the internal layout: as given when :func:`harmonise` ran on it, else
    harmonised by its detected convention (what every analysis reads).

    Examples
    --------
    >>> harmonised(load_study("brca_tcga")).samples["HER2_IHC_SCORE"]  # doctest: +SKIP
    """
    return study if convention_of(study) is not None else harmonise(study, source=source)


def require_her2_levels(study: Study, analysis: str) -> None:
    """Raise :class:`~her2scope.errors.StudyError` with the reason when ``analysis`` needs
    HER2-0/low/positive calls and the study's convention cannot give them."""
    limitation = her2_limitation(study)
    if limitation is not None:
        raise StudyError(
            f"{analysis} needs HER2-low, which {study.study_id} cannot support: {limitation}"
        )


def her2_limitation(study: Study) -> str | None:
    """Why the study cannot give HER2-0/low/positive calls (binary or no HER2), or None."""
    found = study.audit.by_code(ABSENT_CODE) or study.audit.by_code(BINARY_CODE)
    return found[-1].message if found else None


def her2_binary(study: Study) -> bool:
    """True when the study's convention gives HER2 only as positive/negative."""
    return bool(study.audit.by_code(BINARY_CODE))

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
#: ``--map cell_count=COLUMN``: the number of cells the copy numbers were counted
#: over (TCGA's HER2_AND_CENT17_CELLS_COUNT), so that totals can be told from per-cell
CELL_COUNT_FIELD = "cell_count"
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
    #: copy numbers may be totals over the counted cells (TCGA). Still accepted in
    #: convention files, but no longer needed: every copy-number value is decided per
    #: value (:func:`her2scope.her2.copies.decide_copies`), on every convention and
    #: on ``--map``, so neither flag nor threshold changes a reading.
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
        # ASCO/CAP's "indeterminate" is a reported HER2 result (the test could not be
        # scored), which the HER2 engine reads and names in the rationale; for the
        # other fields (ER, PR) it stays a missing value
        self.her2_missing = [m for m in self.missing if m != "indeterminate"]

    def _clean(self, expr: pl.Expr, missing: list[str] | None = None) -> pl.Expr:
        text = expr.cast(pl.String).str.strip_chars()
        low = text.str.to_lowercase()
        gone = low.is_in(self.missing if missing is None else missing) | (text == "")
        return pl.when(gone).then(None).otherwise(text)

    def _one(self, column: str, level: str, missing: list[str] | None = None) -> pl.Expr | None:
        if level in ("sample", "any") and column in self.samples.columns:
            return self._clean(pl.col(column), missing)
        if level in ("patient", "any") and column in self.patients.columns:
            return self._clean(pl.col(f"__patient__{column}"), missing)
        return None

    def expr(
        self, ref: ColumnRef | None, columns: list[str] | None = None, *, her2: bool = False
    ) -> tuple[pl.Expr, list[str]]:
        """First non-missing of the ref's columns, and the columns found (``her2``: the
        HER2 fields' missing tokens, see ``her2_missing``)."""
        if ref is None:
            return pl.lit(None, dtype=pl.String), []
        parts: list[pl.Expr] = []
        used: list[str] = []
        for column in columns or ref.columns:
            got = self._one(column, ref.level, self.her2_missing if her2 else None)
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


def _status_words(frame: pl.DataFrame, expr: pl.Expr, table: Mapping[str, list[str]]) -> pl.Expr:
    """An ISH status column for the engine: a value the HER2 engine's vocabulary reads
    (``No evidence of amplification``, ``Equivocal``, ``Indeterminate``) is passed on as
    written, so every command reads it the same way; only a value it cannot read
    (``+``, ``yes``, ``gain``: the convention's words) is mapped to Positive/Negative."""
    from her2scope.her2.parse import parse_ish_status

    values = [str(v) for v in frame.select(expr.unique().drop_nulls()).to_series().to_list()]
    readings = {v: parse_ish_status(v) for v in values}
    own = [v for v, r in readings.items() if r.status is not None or r.group is not None]
    return pl.when(expr.is_in(own)).then(expr).otherwise(_words(expr, table))


def _ihc_score_and_word(b: _Builder, ref: ColumnRef, used: list[str]) -> pl.Expr:
    """One IHC cell from two columns that both report it (TCGA: HER2_IHC_SCORE ``3`` and
    IHC_HER2 ``Positive``): ``3 (Positive)`` when both are given, so that the HER2
    parser checks they agree (``3 (Negative)`` is unusable, never one picked silently);
    the one given otherwise."""
    first, second = (
        b.expr(ref.model_copy(update={"columns": [c]}), her2=True)[0] for c in used[:2]
    )
    both = pl.concat_str([first, pl.lit(" ("), second, pl.lit(")")])
    return (
        pl.when(first.is_not_null() & second.is_not_null())
        .then(both)
        .otherwise(pl.coalesce(first, second))
    )


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
    ``er``, ``pr``, ``sample_type``, ``os_months``, ``os_status``, and
    ``cell_count`` (the cells the copy numbers were counted over). Copy numbers
    are decided value by value: per cell as written, totals divided by the cell
    count, or unusable with the reason (``conventions.copies``; see
    :func:`her2scope.her2.copies.decide_copies`). Two IHC columns of one stain
    (score and word) are read together (:func:`_ihc_score_and_word`).
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
    known = (
        set(HER2_FIELDS)
        | set(STATUS_FIELDS)
        | {CELL_COUNT_FIELD, "sample_type", "os_months", "os_status"}
    )
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
        if field_name == CELL_COUNT_FIELD:
            continue  # set on the copy-number fields below, whichever way they were named
        if field_name in HER2_FIELDS:
            kept = data["fields"].get(source, {}).get(field_name)
            if field_name in ("her2_copies", "cep17_copies") and kept:
                ref["cells"] = kept.get("cells", [])  # the convention's count still applies
            data["fields"].setdefault(source, {})[field_name] = ref
        elif field_name in STATUS_FIELDS:
            data["status"][field_name] = ref
        elif field_name == "sample_type":
            data["sample_type"] = ref
        else:
            data["survival"][field_name] = ref
    if CELL_COUNT_FIELD in mapping:
        for name in ("her2_copies", "cep17_copies"):
            ref_data = data["fields"].get(source, {}).get(name)
            if ref_data is not None:
                ref_data["cells"] = [mapping[CELL_COUNT_FIELD]]
    data["name"] = conv.name + "+map"
    if data["her2_scale"] == "none" and any(f in HER2_FIELDS for f in mapping):
        data["her2_scale"] = "full"  # the user named the study's HER2 columns
    return Convention.model_validate(data)


COPIES_CODE = "conventions.copies"


def _status_axis(values: list[str]) -> dict[str, str]:
    """Distinct ISH status cells -> ``amplified``/``not_amplified`` (others left out),
    read by the HER2 engine's own vocabulary (:func:`her2scope.her2.parse.parse_ish_status`)."""
    from her2scope.her2.parse import parse_ish_status

    out: dict[str, str] = {}
    for v in values:
        st = parse_ish_status(v).status
        if st in ("amplified", "not_amplified"):
            out[v] = st
    return out


def resolve_copies(
    frame: pl.DataFrame,
    her2: pl.Expr,
    cep17: pl.Expr,
    cells: pl.Expr,
    ratio: pl.Expr,
    status: pl.Expr,
) -> pl.DataFrame:
    """:func:`her2scope.her2.copies.decide_copies` for raw study cells: ``status`` is the
    ISH status as written, read with the HER2 engine's vocabulary."""
    from her2scope.her2.copies import decide_copies

    axis = _status_axis(
        [str(v) for v in frame.select(status.unique().drop_nulls()).to_series().to_list()]
    )
    st = status.replace_strict(axis, default=None, return_dtype=pl.String)
    return decide_copies(frame, her2, cep17, cells, ratio, st)


def _copies_pair(
    b: _Builder,
    frame: pl.DataFrame,
    refs: Mapping[str, ColumnRef],
    source: str,
    status: pl.Expr,
) -> tuple[dict[str, pl.Expr], list[str]]:
    """Per-cell HER2/CEP17 columns of one source, decided value by value
    (:func:`resolve_copies`); text that is no number (``not amplified``, ``>6``)
    is passed on as written for the engine to count as unusable."""
    layout = HARMONISED[source]
    h_ref, c_ref = refs.get("her2_copies"), refs.get("cep17_copies")
    h_raw, h_used = b.expr(h_ref)
    c_raw, c_used = b.expr(c_ref)
    if not h_used and not c_used:
        return {}, []
    cell_columns = list(
        dict.fromkeys([*(h_ref.cells if h_ref else []), *(c_ref.cells if c_ref else [])])
    )
    level = (h_ref or c_ref).level  # type: ignore[union-attr]
    n_raw, n_used = (
        b.expr(ColumnRef(columns=cell_columns, level=level))
        if cell_columns
        else (
            pl.lit(None, dtype=pl.String),
            [],
        )
    )
    r_raw, _ = b.expr(refs.get("ish_ratio"))
    decided = resolve_copies(frame, h_raw, c_raw, n_raw, r_raw, status)
    label = f"{source} copy numbers ({'/'.join(h_used + c_used)})"
    counts = decided.group_by("reading").len().sort("len", descending=True)
    examples = (
        frame.select(pl.col("SAMPLE_ID"))
        .with_columns(decided["reason"])
        .filter(pl.col("reason").is_not_null())
    )
    for reading, n in counts.iter_rows():
        if reading == "total":
            b.audit.add(
                "info",
                "conventions.copies_per_cell",
                f"{label}: {n} row(s) read as totals over the counted cells "
                f"({', '.join(n_used)}) and divided by the count",
                column=(h_used + c_used)[0],
                count=n,
            )
        elif reading == "per_cell":
            b.audit.add(
                "info",
                "conventions.copies_as_written",
                f"{label}: {n} row(s) read as signals per cell as written",
                column=(h_used + c_used)[0],
                count=n,
            )
    by_kind = (
        examples.with_columns(pl.col("reason").str.extract(r"^(\w+ \w+)", 1).alias("kind"))
        .group_by("kind", maintain_order=True)
        .agg(pl.len(), pl.first("SAMPLE_ID"), pl.first("reason"))
    )
    for _kind, n, sample, reason in by_kind.iter_rows():
        b.audit.add(
            "warning",
            COPIES_CODE,
            f"{label}: {n} row(s) unusable, e.g. {sample}: {reason}; treated as no result",
            column=(h_used + c_used)[0],
            sample_id=str(sample),
            count=n,
        )
    out: dict[str, pl.Expr] = {}
    found: list[str] = []
    for key, raw, used, value in (
        ("her2_copies", h_raw, h_used, decided["her2"]),
        ("cep17_copies", c_raw, c_used, decided["cep17"]),
    ):
        if not used:
            continue
        target = layout[key]
        numeric = raw.cast(pl.Float64, strict=False).is_not_null()
        out[target] = (
            pl.when(numeric)
            .then(pl.lit(value.cast(pl.String).str.replace(r"\.0$", "")))
            .otherwise(raw)
            .alias(target)
        )
        found.append(f"{source} {key}={'/'.join(used)}")
    if n_used:
        found.append(f"{source} cell_count={'/'.join(n_used)}")
    return out, found


def _build(study: Study, conv: Convention, audit: Audit) -> Study:
    b = _Builder(study, conv, audit)
    frame = b.patient_join()
    b.samples = frame
    voc = conv.vocabulary
    status_words = {"Positive": voc.positive, "Negative": voc.negative}
    new: dict[str, pl.Expr] = {}
    found: list[str] = []
    decided: dict[str, tuple[dict[str, pl.Expr], list[str]]] = {}
    for source, layout in HARMONISED.items():
        refs = conv.fields.get(source, {})  # type: ignore[call-overload]
        status_raw, _ = b.expr(refs.get("ish_status"))
        # the primary and the sequenced sample often name the same columns (TCGA):
        # decide their copy numbers once
        key = repr(
            [refs.get(k) for k in ("her2_copies", "cep17_copies", "ish_ratio", "ish_status")]
        )
        if key not in decided:
            decided[key] = _copies_pair(b, frame, refs, source, status_raw)
        else:
            b.audit.add(
                "info",
                "conventions.copies_shared",
                f"{source} copy numbers: the same columns as the sequenced sample, decided once",
                column=conv.name,
            )
        pair, pair_found = decided[key]
        for target_from, expr in pair.items():
            field_name = next(f for f, t in HARMONISED["sequenced"].items() if t == target_from)
            target = layout[field_name]
            new[target] = expr.alias(target)
        found.extend(f.replace("sequenced ", f"{source} ", 1) for f in pair_found)
        for field_name, target in layout.items():
            ref = refs.get(field_name)
            if ref is None or field_name in ("her2_copies", "cep17_copies"):
                continue
            expr, used = b.expr(ref, her2=True)
            if not used:
                continue
            if field_name == "ish_status":
                expr = _status_words(frame, expr, status_words)
            if field_name == "ihc" and len(used) > 1:
                expr = _ihc_score_and_word(b, ref, used)
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

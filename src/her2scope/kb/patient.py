"""The patient profile: what one tumor board case brings to the knowledge base.

A patient file is YAML or JSON::

    id: P1
    er_status: positive            # positive | negative | unknown
    her2: {ihc: "2+", ish_status: "", ish_ratio: 1.3, her2_copies: 3.0}
    alterations: ["ESR1 Y537S", "PIK3CA H1047R", "FGFR1 amplification"]
    prior_therapies: ["letrozole", "palbociclib"]

Optional: ``pr_status``, ``her2_primary`` (same shape as ``her2``; the
primary tumor, to detect switching), ``setting`` (metastatic | early),
``profile`` and ``ambiguous`` (HER2 rule profile and ambiguity policy),
``markers`` (non-genomic findings such as ``p95HER2 positive``). A malformed
file raises :class:`~her2scope.errors.SchemaError` naming file, line and
field; unknown extra fields are kept in ``extra_fields`` and reported.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal, cast

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from her2scope.errors import SchemaError
from her2scope.kb.load import node_line, read_yaml, validation_error

ReceptorStatus = Literal["positive", "negative", "unknown"]

_STATUS_WORDS = {
    "positive": "positive",
    "pos": "positive",
    "+": "positive",
    "er+": "positive",
    "negative": "negative",
    "neg": "negative",
    "-": "negative",
    "er-": "negative",
    "unknown": "unknown",
    "unk": "unknown",
    "unk/nd": "unknown",
    "nd": "unknown",
    "not available": "unknown",
    "na": "unknown",
    "": "unknown",
}


def receptor_status(raw: object) -> ReceptorStatus:
    """Map a receptor status word to positive|negative|unknown; ValueError otherwise."""
    if raw is None:
        return "unknown"
    key = str(raw).strip().lower()
    if key in _STATUS_WORDS:
        return cast(ReceptorStatus, _STATUS_WORDS[key])
    raise ValueError(f"expected positive, negative or unknown, got {raw!r}")


class Her2Input(BaseModel):
    """HER2 pathology as reported; passed unchanged to the HER2 engine.

    ``category`` may be given instead of pathology (e.g. ``HER2-low``) when only
    the call is known; it is then used as is and said so in the rationale.
    """

    model_config = ConfigDict(extra="forbid")

    ihc: str | None = None
    ish_status: str | None = None
    ish_ratio: float | str | None = None
    her2_copies: float | str | None = None
    cep17_copies: float | str | None = None
    category: str | None = None

    @field_validator("ihc", "ish_status", "category", mode="before")
    @classmethod
    def _text(cls, v: object) -> object:
        if v is None:
            return None
        if isinstance(v, bool):
            raise ValueError("expected text, got a boolean")
        s = str(v).strip()
        return s or None

    @field_validator("ish_ratio", "her2_copies", "cep17_copies", mode="before")
    @classmethod
    def _number(cls, v: object) -> object:
        if v is None or (isinstance(v, int | float) and not isinstance(v, bool)):
            return v
        if isinstance(v, bool):
            raise ValueError("expected a number, got a boolean")
        s = str(v).strip()
        if not s:
            return None
        try:
            return float(s)
        except ValueError:
            return s  # messy text such as "2 (CN 4.8)": the HER2 engine decides

    def is_empty(self) -> bool:
        return all(
            getattr(self, f) is None
            for f in ("ihc", "ish_status", "ish_ratio", "her2_copies", "cep17_copies", "category")
        )


class PatientProfile(BaseModel):
    """One patient's profile (see module docstring). ``source`` says where it came from."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1)
    er_status: ReceptorStatus = "unknown"
    pr_status: ReceptorStatus = "unknown"
    her2: Her2Input = Field(default_factory=Her2Input)
    her2_primary: Her2Input | None = None
    alterations: list[str] = Field(default_factory=list)
    markers: list[str] = Field(default_factory=list)
    prior_therapies: list[str] = Field(default_factory=list)
    prior_therapies_known: bool = True
    setting: Literal["metastatic", "early"] | None = None
    profile: str = "asco-cap-2023"
    ambiguous: Literal["low", "zero", "exclude"] = "exclude"
    extra_fields: list[str] = Field(default_factory=list)
    source: str | None = None
    notes: list[str] = Field(default_factory=list)

    @field_validator("id", mode="before")
    @classmethod
    def _id(cls, v: object) -> object:
        return str(v) if isinstance(v, int) else v

    @field_validator("er_status", "pr_status", mode="before")
    @classmethod
    def _status(cls, v: object) -> str:
        return receptor_status(v)

    @field_validator("alterations", "markers", "prior_therapies", mode="before")
    @classmethod
    def _list(cls, v: object) -> object:
        if v is None:
            return []
        if isinstance(v, str):
            return [v]
        if isinstance(v, list) and not all(isinstance(x, str | int | float) for x in v):
            raise ValueError("expected a list of strings")
        return [str(x) for x in v] if isinstance(v, list) else v

    @field_validator("setting", mode="before")
    @classmethod
    def _setting(cls, v: object) -> object:
        if v is None or (isinstance(v, str) and not v.strip()):
            return None
        return str(v).strip().lower()


#: Fields a patient file may carry (everything else is reported as unknown).
PATIENT_FIELDS = (
    "id",
    "er_status",
    "pr_status",
    "her2",
    "her2_primary",
    "alterations",
    "markers",
    "prior_therapies",
    "setting",
    "profile",
    "ambiguous",
)


def read_patient(path: str | Path) -> PatientProfile:
    """Read a patient file (YAML or JSON) into a :class:`PatientProfile`.

    Unknown top-level fields are not an error: they are listed in
    ``extra_fields`` (the report shows them in caveats; the CLI warns on
    stderr). A malformed file raises :class:`SchemaError` with file, line
    and the field path.
    """
    p = Path(path)
    node = None
    if p.suffix.lower() == ".json":
        try:
            data: Any = json.loads(p.read_text(encoding="utf-8"))
        except OSError as exc:
            raise SchemaError(f"cannot read file: {exc.strerror}", file=str(p)) from exc
        except json.JSONDecodeError as exc:
            raise SchemaError(
                f"JSON syntax error column {exc.colno}: {exc.msg}", file=str(p), line=exc.lineno
            ) from exc
    else:
        data, node = read_yaml(p)
    if not isinstance(data, dict):
        raise SchemaError("expected a mapping of fields (id, er_status, her2 ...)", file=str(p))
    extra = [k for k in data if k not in PATIENT_FIELDS]
    known = {k: v for k, v in data.items() if k in PATIENT_FIELDS}
    if "id" not in known:
        raise SchemaError("field 'id': missing", file=str(p), line=1)
    for key in ("her2", "her2_primary"):
        if key in known and known[key] is not None and not isinstance(known[key], dict):
            raise SchemaError(
                f"field {key!r}: expected a mapping (ihc, ish_status, ish_ratio, ...)",
                file=str(p),
                line=node_line(node, (key,)),
            )
    try:
        profile = PatientProfile(**known, extra_fields=extra, source=str(p))
    except ValidationError as exc:
        raise validation_error(exc, p, node) from exc
    return profile

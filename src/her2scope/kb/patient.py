"""The patient file (v2): what one tumor-board case brings to the knowledge base.

A patient file is YAML or JSON; ``her2scope report schema`` prints its JSON
Schema and ``docs/patient-file.md`` documents every field with an example::

    id: P1
    er_status: positive             # positive | negative | unknown
    pr_status: positive
    setting: metastatic             # metastatic | early
    her2: {ihc: "1+"}               # the most recent sample
    her2_primary: {ihc: "0"}        # the primary tumor (switching is shown)
    alterations: ["ESR1 D538G", "PIK3CA H1047R"]
    therapy_history:
      - {therapy: letrozole + palbociclib, setting: metastatic, line: 1,
         outcome: progressed, duration_months: 22}
    cns_metastases: none            # none | stable | active | unknown
    histology: ductal               # ductal | lobular | other | unknown
    germline: {tested: true, pathogenic: [BRCA2]}
    pd_l1: {status: positive, score: "CPS 12", assay: "22C3"}
    ild_history: false

Plain names (``prior_therapies: [letrozole]``) keep working: in the metastatic
setting (or when the setting is not given) a therapy without an outcome is
taken as progressed on, and the report says it assumed so.

A malformed file is refused with one line naming the file, the line and the
field (with a did-you-mean for a misspelt field); the CLI exits 2.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, cast

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from her2scope.errors import SchemaError
from her2scope.vocab import AmbiguityPolicy

ReceptorStatus = Literal["positive", "negative", "unknown"]
Outcome = Literal["progressed", "completed", "ongoing", "stopped_toxicity", "unknown"]
SettingName = Literal["metastatic", "early"]

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

_OUTCOME_WORDS: dict[str, str] = {
    "progressed": "progressed",
    "progression": "progressed",
    "progressive disease": "progressed",
    "pd": "progressed",
    "completed": "completed",
    "complete": "completed",
    "ongoing": "ongoing",
    "current": "ongoing",
    "stopped for toxicity": "stopped_toxicity",
    "stopped_toxicity": "stopped_toxicity",
    "toxicity": "stopped_toxicity",
    "stopped (toxicity)": "stopped_toxicity",
    "unknown": "unknown",
}


def receptor_status(raw: object) -> ReceptorStatus:
    """Map a receptor status word to positive|negative|unknown; ValueError otherwise."""
    if raw is None:
        return "unknown"
    if isinstance(raw, bool):
        raise ValueError("expected positive, negative or unknown, got a boolean")
    key = str(raw).strip().lower()
    if key in _STATUS_WORDS:
        return cast(ReceptorStatus, _STATUS_WORDS[key])
    raise ValueError(f"expected positive, negative or unknown, got {raw!r}")


class _Forbid(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _text_or_none(v: object) -> object:
    if v is None:
        return None
    if isinstance(v, bool):
        raise ValueError("expected text, got a boolean")
    if isinstance(v, dict | list):
        raise ValueError("expected text")
    s = str(v).strip()
    return s or None


class Her2Input(_Forbid):
    """HER2 pathology as reported; passed unchanged to the HER2 engine.

    ``category`` may be given instead of pathology (e.g. ``HER2-low``) when only
    the call is known; it is then used as is and said so in the rationale.
    """

    ihc: str | None = Field(default=None, description='IHC score as written, e.g. "2+", "0-1+".')
    ish_status: str | None = Field(
        default=None, description='ISH result as written, e.g. "not amplified".'
    )
    ish_ratio: float | str | None = Field(default=None, description="HER2/CEP17 ratio.")
    her2_copies: float | str | None = Field(default=None, description="Mean HER2 copies per cell.")
    cep17_copies: float | str | None = Field(
        default=None, description="Mean CEP17 copies per cell."
    )
    category: str | None = Field(
        default=None, description="A HER2 category when no pathology is available."
    )

    @field_validator("ihc", "ish_status", "category", mode="before")
    @classmethod
    def _text(cls, v: object) -> object:
        return _text_or_none(v)

    @field_validator("ish_ratio", "her2_copies", "cep17_copies", mode="before")
    @classmethod
    def _number(cls, v: object) -> object:
        if v is None or (isinstance(v, int | float) and not isinstance(v, bool)):
            return v
        if isinstance(v, bool):
            raise ValueError("expected a number, got a boolean")
        if isinstance(v, dict | list):
            raise ValueError("expected a number or text")
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


class TherapyEntry(_Forbid):
    """One treatment the patient received."""

    therapy: str = Field(
        min_length=1, description='Drug, class or regimen, e.g. "letrozole + palbociclib".'
    )
    setting: SettingName | None = Field(default=None, description="early | metastatic.")
    line: int | None = Field(default=None, ge=1, le=30, description="Metastatic line (1 = first).")
    outcome: Outcome | None = Field(
        default=None,
        description="progressed | completed | ongoing | stopped_toxicity | unknown.",
    )
    duration_months: float | None = Field(default=None, ge=0, le=600)

    @field_validator("therapy", mode="before")
    @classmethod
    def _therapy(cls, v: object) -> object:
        if isinstance(v, int | float | bool) or v is None:
            raise ValueError("expected the therapy name as text")
        return v

    @field_validator("setting", mode="before")
    @classmethod
    def _setting(cls, v: object) -> object:
        if v is None or (isinstance(v, str) and not v.strip()):
            return None
        s = str(v).strip().lower()
        return {"adjuvant": "early", "neoadjuvant": "early", "advanced": "metastatic"}.get(s, s)

    @field_validator("outcome", mode="before")
    @classmethod
    def _outcome(cls, v: object) -> object:
        if v is None:
            return None
        key = " ".join(str(v).strip().lower().replace("_", " ").split())
        if key in _OUTCOME_WORDS:
            return _OUTCOME_WORDS[key]
        if key.replace(" ", "_") in _OUTCOME_WORDS:
            return _OUTCOME_WORDS[key.replace(" ", "_")]
        raise ValueError(
            f"expected progressed, completed, ongoing, stopped_toxicity or unknown, got {v!r}"
        )


class Germline(_Forbid):
    """Germline testing: whether done and the genes with a pathogenic variant."""

    tested: bool | None = None
    pathogenic: list[str] = Field(
        default_factory=list, description="Genes with a pathogenic germline variant."
    )

    @field_validator("pathogenic", mode="before")
    @classmethod
    def _genes(cls, v: object) -> object:
        if v is None:
            return []
        if isinstance(v, str):
            v = [v]
        if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
            raise ValueError("expected a list of gene symbols")
        return [x.strip().upper() for x in v if x.strip()]


class PdL1(_Forbid):
    """PD-L1 result: status with its score and assay."""

    status: ReceptorStatus = "unknown"
    score: str | None = Field(default=None, description='e.g. "CPS 12", "IC 1%".')
    assay: str | None = Field(default=None, description='e.g. "22C3", "SP142".')

    @field_validator("status", mode="before")
    @classmethod
    def _status(cls, v: object) -> str:
        return receptor_status(v)

    @field_validator("score", "assay", mode="before")
    @classmethod
    def _text(cls, v: object) -> object:
        return _text_or_none(v)


def _string_list(v: object) -> object:
    if v is None:
        return []
    if isinstance(v, str):
        return [v]
    if isinstance(v, list) and not all(
        isinstance(x, str | int | float) and not isinstance(x, bool) for x in v
    ):
        raise ValueError("expected a list of strings")
    return [str(x) for x in v] if isinstance(v, list) else v


class PatientFile(_Forbid):
    """The patient file as written by a user (schema version 2)."""

    schema_version: Literal[1, 2] = 2
    id: str = Field(min_length=1, max_length=200, description="Patient or sample identifier.")
    er_status: ReceptorStatus = "unknown"
    pr_status: ReceptorStatus = "unknown"
    her2: Her2Input = Field(default_factory=Her2Input, description="HER2 of the recent sample.")
    her2_primary: Her2Input | None = Field(default=None, description="HER2 of the primary tumor.")
    alterations: list[str] = Field(
        default_factory=list, description='Somatic alterations, e.g. "ESR1 Y537S".'
    )
    markers: list[str] = Field(
        default_factory=list, description='Non-genomic findings, e.g. "p95HER2 positive".'
    )
    prior_therapies: list[str] = Field(
        default_factory=list, description="Plain therapy names (outcome assumed, see docs)."
    )
    therapy_history: list[TherapyEntry] = Field(default_factory=list)
    setting: SettingName | None = None
    metastatic_sites: list[str] = Field(default_factory=list)
    cns_metastases: Literal["none", "stable", "active", "unknown"] = "unknown"
    histology: Literal["ductal", "lobular", "mixed", "other", "unknown"] = "unknown"
    menopausal_status: Literal["pre", "peri", "post", "unknown"] = "unknown"
    germline: Germline = Field(default_factory=Germline)
    pd_l1: PdL1 = Field(default_factory=PdL1)
    ild_history: bool | None = Field(
        default=None, description="Prior interstitial lung disease / pneumonitis."
    )
    diabetes: bool | None = Field(default=None, description="Diabetes mellitus (any type).")
    profile: str = Field(default="asco-cap-2023", description="HER2 rule profile.")
    ambiguous: AmbiguityPolicy = "exclude"

    @field_validator("id", mode="before")
    @classmethod
    def _id(cls, v: object) -> object:
        if isinstance(v, bool):
            raise ValueError("expected text")
        return str(v) if isinstance(v, int) else v

    @field_validator("er_status", "pr_status", mode="before")
    @classmethod
    def _status(cls, v: object) -> str:
        return receptor_status(v)

    @field_validator("alterations", "markers", "prior_therapies", "metastatic_sites", mode="before")
    @classmethod
    def _list(cls, v: object) -> object:
        return _string_list(v)

    @field_validator("setting", mode="before")
    @classmethod
    def _setting(cls, v: object) -> object:
        if v is None or (isinstance(v, str) and not v.strip()):
            return None
        return str(v).strip().lower()

    @field_validator(
        "cns_metastases", "histology", "menopausal_status", mode="before", check_fields=False
    )
    @classmethod
    def _lower(cls, v: object) -> object:
        if isinstance(v, str):
            s = v.strip().lower()
            return {
                "postmenopausal": "post",
                "premenopausal": "pre",
                "perimenopausal": "peri",
                "no": "none",
                "": "unknown",
                "idc": "ductal",
                "ilc": "lobular",
                "invasive ductal": "ductal",
                "invasive lobular": "lobular",
            }.get(s, s)
        return v


class PatientProfile(PatientFile):
    """A patient as the matcher sees it: the file's fields plus where it came from.

    ``prior_therapies_known`` is False for profiles built from a cBioPortal
    study (no treatment data there); ``notes`` are shown as caveats.
    """

    prior_therapies_known: bool = True
    source: str | None = None
    notes: list[str] = Field(default_factory=list)

    def history(self) -> list[HistoryItem]:
        """Every therapy received, normalised: setting, line, outcome, and what was assumed."""
        out: list[HistoryItem] = []
        for e in self.therapy_history:
            setting = e.setting or self.setting
            outcome = e.outcome
            assumed = False
            if outcome is None:
                if setting in ("metastatic", None):
                    outcome, assumed = "progressed", True
                else:
                    outcome, assumed = "completed", True
            out.append(HistoryItem(e.therapy, setting, e.line, outcome, assumed, e.duration_months))
        for name in self.prior_therapies:
            if self.setting == "early":
                out.append(HistoryItem(name, "early", None, "completed", True, None))
            else:
                out.append(HistoryItem(name, self.setting, None, "progressed", True, None))
        return out

    def next_line(self) -> int:
        """The metastatic line now being chosen: 1 + lines already given (progressed or not)."""
        lines: set[int] = set()
        unnumbered = 0
        for h in self.history():
            if h.setting == "early":
                continue
            if h.outcome == "ongoing":
                continue
            if h.line is not None:
                lines.add(h.line)
            else:
                unnumbered += 1
        if lines:
            return max(lines) + 1
        # plain names without line numbers: at least one earlier line, count unknown
        return 2 if unnumbered else 1


@dataclass(frozen=True)
class HistoryItem:
    """One normalised therapy-history entry."""

    therapy: str
    setting: str | None
    line: int | None
    outcome: str
    assumed: bool
    duration_months: float | None


#: Fields a patient file may carry, with common misspellings mapped to them.
PATIENT_FIELDS = tuple(PatientFile.model_fields)
_SYNONYMS = {
    "er": "er_status",
    "pr": "pr_status",
    "estrogen_receptor": "er_status",
    "progesterone_receptor": "pr_status",
    "mutations": "alterations",
    "variants": "alterations",
    "genomics": "alterations",
    "treatments": "therapy_history",
    "treatment_history": "therapy_history",
    "lines": "therapy_history",
    "therapies": "prior_therapies",
    "prior_treatments": "prior_therapies",
    "previous_therapies": "prior_therapies",
    "her2_status": "her2",
    "her2_recent": "her2",
    "primary_her2": "her2_primary",
    "pdl1": "pd_l1",
    "pd-l1": "pd_l1",
    "brca": "germline",
    "germline_brca": "germline",
    "cns": "cns_metastases",
    "brain_metastases": "cns_metastases",
    "brain_mets": "cns_metastases",
    "menopause": "menopausal_status",
    "ild": "ild_history",
    "pneumonitis": "ild_history",
    "sites": "metastatic_sites",
    "name": "id",
    "patient_id": "id",
    "sample_id": "id",
}


def did_you_mean(key: str, allowed: list[str]) -> str:
    """`` (did you mean 'er_status'?)`` or an empty string."""
    k = key.strip().lower().replace(" ", "_")
    if k in _SYNONYMS and _SYNONYMS[k] in allowed:
        return f" (did you mean {_SYNONYMS[k]!r}?)"
    close = difflib.get_close_matches(k, allowed, n=1, cutoff=0.6)
    if not close:
        close = [a for a in allowed if a.startswith(k + "_") or a.split("_")[0] == k][:1]
    return f" (did you mean {close[0]!r}?)" if close else ""


def _model_at(model: type[BaseModel], loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The pydantic model that holds the field at ``loc`` (its parent)."""
    current: type[BaseModel] | None = model
    for part in loc[:-1]:
        if current is None:
            return None
        if isinstance(part, int):
            continue
        field = current.model_fields.get(str(part))
        if field is None:
            return None
        ann = field.annotation
        nxt: type[BaseModel] | None = None
        for cand in (ann, *getattr(ann, "__args__", ())):
            for inner in (cand, *getattr(cand, "__args__", ())):
                if isinstance(inner, type) and issubclass(inner, BaseModel):
                    nxt = inner
        current = nxt
    return current


def _loc_text(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else ("." if out else "") + str(part)
    return out


def patient_error(exc: ValidationError, path: Path | str, doc: Any = None) -> SchemaError:
    """The first validation error as one line: field, what was expected, did-you-mean."""
    err = exc.errors()[0]
    loc = tuple(err["loc"])
    field = _loc_text(loc) or "(top level)"
    line = doc.line_of(loc) if doc is not None and hasattr(doc, "line_of") else None
    more = f" (+{exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
    if err["type"] == "extra_forbidden":
        parent = _model_at(PatientFile, loc)
        allowed = list(parent.model_fields) if parent is not None else []
        hint = did_you_mean(str(loc[-1]), allowed)
        return SchemaError(f"unknown field {field!r}{hint}{more}", file=str(path), line=line)
    msg = str(err["msg"]).removeprefix("Value error, ")
    return SchemaError(f"field {field!r}: {msg}{more}", file=str(path), line=line)


def profile_from_mapping(data: Any, *, source: str = "<input>", doc: Any = None) -> PatientProfile:
    """Validate a parsed patient document (dict) into a :class:`PatientProfile`.

    Raises :class:`SchemaError` (one line, did-you-mean for unknown fields).
    """
    if not isinstance(data, dict):
        raise SchemaError("expected a mapping of fields (id, er_status, her2 ...)", file=source)
    for key in data:
        if not isinstance(key, str):
            raise SchemaError(f"field names must be text, got {key!r}", file=source)
    if "id" not in data:
        raise SchemaError("field 'id': missing", file=source, line=1)
    try:
        checked = PatientFile.model_validate(data)
    except ValidationError as exc:
        raise patient_error(exc, source, doc) from exc
    return PatientProfile(**checked.model_dump(), source=source)


def read_patient(path: str | Path) -> PatientProfile:
    """Read a patient file (YAML or JSON) into a :class:`PatientProfile`.

    The file is read by :func:`her2scope.safeload.load_document` (regular files
    only, UTF-8, size/depth limits, no duplicate keys, no YAML aliases). Any
    problem raises :class:`SchemaError` with file, line and field.

    Parameters
    ----------
    path : str or Path
        The patient file (format: docs/patient-file.md).

    Returns
    -------
    PatientProfile
        The validated patient.

    Examples
    --------
    >>> patient = hs.kb.read_patient("patient.yaml")  # doctest: +SKIP
    """
    from her2scope.safeload import load_document

    doc = load_document(path)
    return profile_from_mapping(doc.data, source=str(path), doc=doc)


def patient_json_schema() -> dict[str, Any]:
    """The JSON Schema of a patient file (what ``her2scope report schema`` prints)."""
    schema = PatientFile.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "her2scope patient file"
    return schema


def dump_json(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"

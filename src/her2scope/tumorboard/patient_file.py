"""The patient file (v3): what one tumor-board case brings to the knowledge base.

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
    # version 3: disease state, intervals, toxicities, receptor percentages, MSI/MMR/TMB
    # setting: post-neoadjuvant
    # neoadjuvant_response: {response: residual, ypT: ypT1c, ypN: ypN1a, rcb: II}
    # nodal_risk: {positive_nodes: 2, tumor_size_mm: 35, grade: 3}   (early disease, at surgery)
    # er_status: "5% (low positive)"   -> er_status positive, er_percent 5
    # msi_status: stable; mmr_status: proficient; tmb: 4.2; notes: "free text"

Plain names (``prior_therapies: [letrozole]``) keep working: in the metastatic
setting (or when the setting is not given) a therapy without an outcome is
taken as progressed on, and the report says it assumed so.

A malformed file is refused with one line naming the file, the line and the
field (with a did-you-mean for a misspelt field); the CLI exits 2.
"""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, cast

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from her2scope.errors import SchemaError
from her2scope.vocab import AmbiguityPolicy

ReceptorStatus = Literal["positive", "negative", "unknown"]
Outcome = Literal["progressed", "completed", "ongoing", "stopped_toxicity", "unknown"]
SettingName = Literal["metastatic", "early"]
#: Where in early disease the decision (or a past therapy) sits.
EarlyState = Literal["neoadjuvant", "adjuvant", "post_neoadjuvant", "extended_adjuvant"]
Intent = Literal["curative", "palliative"]

#: How people write the setting -> (setting, early state).
_SETTING_WORDS: dict[str, tuple[str, str | None]] = {
    "metastatic": ("metastatic", None),
    "advanced": ("metastatic", None),
    "mbc": ("metastatic", None),
    "stage iv": ("metastatic", None),
    "recurrent": ("metastatic", None),
    "palliative": ("metastatic", None),
    "early": ("early", None),
    "ebc": ("early", None),
    "curative": ("early", None),
    "neoadjuvant": ("early", "neoadjuvant"),
    "preoperative": ("early", "neoadjuvant"),
    "pre-operative": ("early", "neoadjuvant"),
    "adjuvant": ("early", "adjuvant"),
    "postoperative": ("early", "adjuvant"),
    "post-neoadjuvant": ("early", "post_neoadjuvant"),
    "post neoadjuvant": ("early", "post_neoadjuvant"),
    "post_neoadjuvant": ("early", "post_neoadjuvant"),
    "residual disease": ("early", "post_neoadjuvant"),
    "extended adjuvant": ("early", "extended_adjuvant"),
    "extended_adjuvant": ("early", "extended_adjuvant"),
}


def setting_words(raw: object) -> tuple[str | None, str | None]:
    """``"adjuvant"`` -> ``("early", "adjuvant")``; ``"1L metastatic"`` is not a setting.

    ValueError for a word the table does not cover (the caller names the field).
    """
    if raw is None:
        return None, None
    key = " ".join(str(raw).strip().lower().replace("_", " ").split())
    if not key:
        return None, None
    for k in (key, key.replace(" ", "_"), key.replace(" ", "-")):
        if k in _SETTING_WORDS:
            return _SETTING_WORDS[k]
    raise ValueError(
        "expected metastatic, early, neoadjuvant, adjuvant, post-neoadjuvant or extended "
        f"adjuvant, got {raw!r}"
    )


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
    "stopped due to toxicity": "stopped_toxicity",
    "discontinued for toxicity": "stopped_toxicity",
    "relapsed": "progressed",
    "relapse": "progressed",
    "recurred": "progressed",
    "recurrence": "progressed",
    "progressive": "progressed",
    "stable": "ongoing",
    "stable disease": "ongoing",
    "responding": "ongoing",
    "on treatment": "ongoing",
    "finished": "completed",
    "unknown": "unknown",
}

_ORDINALS = {
    "first": 1,
    "second": 2,
    "third": 3,
    "fourth": 4,
    "fifth": 5,
    "sixth": 6,
    "seventh": 7,
    "eighth": 8,
    "ninth": 9,
    "tenth": 10,
}
_LINE = re.compile(r"^(?:line\s*)?(\d{1,2})\s*(?:l|st|nd|rd|th)?(?:\s*line)?$")


def line_number(raw: object) -> object:
    """``1``, ``"1L"``, ``"first"``, ``"2nd line"``, ``"line 3"`` -> int; other text unchanged."""
    if raw is None or isinstance(raw, (bool, int)):
        return raw
    if isinstance(raw, float) and raw.is_integer():
        return int(raw)
    key = " ".join(str(raw).strip().lower().replace("-", " ").split())
    if not key:
        return None
    word = key.removesuffix(" line").removeprefix("line ").strip()
    if word in _ORDINALS:
        return _ORDINALS[word]
    m = _LINE.match(key)
    if m:
        return int(m.group(1))
    return raw  # pydantic reports "expected an integer"


_DURATION = re.compile(r"^(\d+(?:\.\d+)?)\s*(months?|mo|m|weeks?|wk|w|years?|yr|y|days?|d)?\.?$")
_PER_MONTH = {"m": 1.0, "w": 12 / 52.1775, "y": 12.0, "d": 12 / 365.25}


def months(raw: object) -> object:
    """``22``, ``"22 months"``, ``"6 weeks"``, ``"1.5 years"`` -> months (float)."""
    if raw is None or isinstance(raw, bool):
        return raw
    if isinstance(raw, int | float):
        return float(raw)
    key = str(raw).strip().lower()
    if not key:
        return None
    m = _DURATION.match(key)
    if not m:
        raise ValueError(f"expected a duration such as 22 or '22 months', got {raw!r}")
    unit = (m.group(2) or "m")[0]
    return round(float(m.group(1)) * _PER_MONTH[unit], 2)


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


_PERCENT = re.compile(r"(<|less than\s*)?\s*(\d{1,3}(?:\.\d+)?)\s*%")
_ALLRED = re.compile(
    r"allred\D{0,12}?(\d)(?:\s*/\s*8)?(?:.*?\bps\D{0,3}([0-5]))?(?:.*?\bis\D{0,3}([0-3]))?"
)
#: Allred proportion score -> (low, high) percent of stained nuclei (NAACCR SSDI
#: "ER Total Allred Score", which gives the proportion-score table).
_ALLRED_PS = {0: (0.0, 0.0), 1: (0.0, 1.0), 2: (1.0, 10.0), 3: (11.0, 33.0), 4: (34.0, 66.0)}


def receptor_reading(raw: object) -> tuple[ReceptorStatus, float | None, bool | None]:
    """A receptor result as written -> (status, percent, low-positive).

    ``"positive"``, ``"5% (low positive)"``, ``"ER 90%"``, ``"<1%"``, ``"weakly
    positive"``, ``"low positive"``, ``"Allred 7/8"``, ``"Allred 3 (PS 2, IS 1)"``.
    ASCO/CAP 2020: 1-100% of nuclei staining is positive, 1-10% is reported as
    "ER Low Positive", < 1% is negative. An Allred total of 0-2 is negative and
    5-8 means at least 1% of nuclei stained; a total of 3 or 4 without the
    proportion score may be < 1% (negative by ASCO/CAP) and is refused as unclear.
    ValueError when the text is not a receptor result.
    """
    if raw is None:
        return "unknown", None, None
    if isinstance(raw, bool):
        raise ValueError("expected positive, negative or unknown, got a boolean")
    if isinstance(raw, int | float):
        pct = float(raw)
        if not 0 <= pct <= 100:
            raise ValueError(f"a receptor percentage is 0-100, got {raw!r}")
        return ("positive" if pct >= 1 else "negative"), pct, 1 <= pct <= 10
    key = " ".join(str(raw).strip().lower().split())
    if key in _STATUS_WORDS:
        return cast(ReceptorStatus, _STATUS_WORDS[key]), None, None
    m = _ALLRED.search(key)
    if m:
        total = int(m.group(1))
        ps = int(m.group(2)) if m.group(2) else None
        if total > 8:
            raise ValueError(f"an Allred score is 0-8, got {raw!r}")
        if ps is not None:
            if ps == 5:
                return "positive", None, False
            lo, _hi = _ALLRED_PS[ps]
            return ("positive" if lo >= 1 else "negative"), None, ps == 2
        if total <= 2:
            return "negative", None, False
        if total >= 5:
            return "positive", None, None
        raise ValueError(
            f"{raw!r}: an Allred total of 3 or 4 may mean < 1% of nuclei stained (negative by "
            "ASCO/CAP 2020) or 1-10%; give the percentage or the proportion score "
            "(e.g. 'Allred 3 (PS 2, IS 1)')"
        )
    m = _PERCENT.search(key)
    if m:
        pct = float(m.group(2))
        if pct > 100:
            raise ValueError(f"a receptor percentage is 0-100, got {raw!r}")
        if m.group(1):  # "<1%"
            return ("negative" if pct <= 1 else "unknown"), None, None
        return ("positive" if pct >= 1 else "negative"), pct, 1 <= pct <= 10
    words = key.replace("-", " ").replace("(", " ").replace(")", " ")
    if "low positive" in words or "er low" in words or words in ("low", "lowpositive"):
        return "positive", None, True
    if words in ("weakly positive", "weak positive", "weak", "focally positive", "focal"):
        # intensity, not proportion: still positive by ASCO/CAP (>= 1% of nuclei)
        return "positive", None, None
    if words in ("strongly positive", "strong positive", "strong", "diffusely positive"):
        return "positive", None, False
    raise ValueError(
        f"expected positive, negative, unknown, a percentage or an Allred score, got {raw!r}"
    )


_MSI_WORDS = {
    "high": "high",
    "msi-h": "high",
    "msi high": "high",
    "msi-high": "high",
    "unstable": "high",
    "stable": "stable",
    "mss": "stable",
    "msi-l": "stable",
    "msi low": "stable",
    "microsatellite stable": "stable",
    "unknown": "unknown",
    "": "unknown",
}
_MMR_WORDS = {
    "deficient": "deficient",
    "dmmr": "deficient",
    "mmr deficient": "deficient",
    "mmr-d": "deficient",
    "loss": "deficient",
    "proficient": "proficient",
    "pmmr": "proficient",
    "mmr proficient": "proficient",
    "intact": "proficient",
    "retained": "proficient",
    "unknown": "unknown",
    "": "unknown",
}


def _word(table: dict[str, str], what: str) -> Any:
    def read(v: object) -> object:
        if v is None:
            return "unknown"
        key = " ".join(str(v).strip().lower().split())
        if key in table:
            return table[key]
        raise ValueError(f"expected {what}, got {v!r}")

    return read


_msi_status = _word(_MSI_WORDS, "high, stable or unknown (MSI-H, MSS)")
_mmr_status = _word(_MMR_WORDS, "deficient, proficient or unknown (dMMR, pMMR)")
_TMB = re.compile(r"^(\d+(?:\.\d+)?)\s*(?:mut(?:ations)?\s*/\s*mb|muts?/mb|/mb)?$")


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


class Toxicity(_Forbid):
    """Why a therapy was stopped for toxicity: event, CTCAE grade, permanent or not."""

    event: str | None = Field(default=None, description='e.g. "pneumonitis", "ILD".')
    grade: int | None = Field(default=None, ge=1, le=5, description="CTCAE grade 1-5.")
    permanently_discontinued: bool | None = Field(
        default=None, description="True when the label/treating team stopped it for good."
    )

    @field_validator("event", mode="before")
    @classmethod
    def _text(cls, v: object) -> object:
        return _text_or_none(v)

    @field_validator("grade", mode="before")
    @classmethod
    def _grade(cls, v: object) -> object:
        if isinstance(v, str):
            m = re.match(r"^\s*(?:g|grade|ctcae grade)?\s*([1-5])\s*$", v.strip().lower())
            if m:
                return int(m.group(1))
        return v


class NeoadjuvantResponse(_Forbid):
    """Pathologic response after neoadjuvant therapy (pCR or residual disease)."""

    response: Literal["pcr", "residual", "unknown"] = "unknown"
    ypT: str | None = Field(default=None, description='e.g. "ypT1c", "ypT0".')
    ypN: str | None = Field(default=None, description='e.g. "ypN1a", "ypN0".')
    rcb: Literal["0", "I", "II", "III"] | None = Field(
        default=None, description="Residual cancer burden class (0 = pCR)."
    )

    @field_validator("response", mode="before")
    @classmethod
    def _response(cls, v: object) -> object:
        if v is None:
            return "unknown"
        key = " ".join(str(v).strip().lower().replace("_", " ").split())
        words = {
            "pcr": "pcr",
            "complete": "pcr",
            "pathologic complete response": "pcr",
            "pathological complete response": "pcr",
            "residual": "residual",
            "residual disease": "residual",
            "rd": "residual",
            "non-pcr": "residual",
            "no pcr": "residual",
            "partial": "residual",
            "unknown": "unknown",
            "": "unknown",
        }
        if key in words:
            return words[key]
        raise ValueError(f"expected pcr, residual or unknown, got {v!r}")

    @field_validator("rcb", mode="before")
    @classmethod
    def _rcb(cls, v: object) -> object:
        if v is None:
            return None
        key = str(v).strip().upper().removeprefix("RCB").strip(" -")
        return {"1": "I", "2": "II", "3": "III", "": None}.get(key, key)

    @field_validator("ypT", "ypN", mode="before")
    @classmethod
    def _text(cls, v: object) -> object:
        return _text_or_none(v)

    @model_validator(mode="after")
    def _consistent(self) -> NeoadjuvantResponse:
        if self.response == "unknown":
            pcr_t = self.ypT is not None and self.ypT.lower() in ("ypt0", "ypt0/is", "yptis")
            pcr_n = self.ypN is not None and self.ypN.lower() in ("ypn0",)
            if self.rcb == "0" or (pcr_t and pcr_n):
                object.__setattr__(self, "response", "pcr")
            elif self.rcb in ("I", "II", "III") or (
                (self.ypT is not None and not pcr_t) or (self.ypN is not None and not pcr_n)
            ):
                object.__setattr__(self, "response", "residual")
        return self


class NodalRisk(_Forbid):
    """Pathologic risk features of early disease at surgery (the adjuvant CDK4/6 gates).

    The number of positive axillary lymph nodes, the invasive tumour size, grade,
    Ki-67 and a genomic risk class, as the adjuvant trials define their high-risk
    populations (monarchE: nodes, grade, size; NATALEE: anatomic stage, and for
    node-negative disease grade, Ki-67 or genomic risk). After neoadjuvant therapy,
    the findings at surgery (ypN, ypT). Every item is optional: what is not given
    leaves the criterion that needs it conditional, never failed.
    """

    positive_nodes: int | None = Field(
        default=None,
        ge=0,
        le=100,
        description="Positive axillary lymph nodes at surgery (pN/ypN count; 0 = node-negative).",
    )
    tumor_size_mm: float | None = Field(
        default=None, gt=0, le=500, description="Largest invasive tumour diameter in mm."
    )
    grade: Literal[1, 2, 3] | None = Field(
        default=None, description="Histologic (Nottingham) grade 1-3; also read from G1-G3."
    )
    ki67_percent: float | None = Field(
        default=None, ge=0, le=100, description="Ki-67, percent of tumour nuclei."
    )
    genomic_risk: Literal["high", "low"] | None = Field(
        default=None,
        description="Genomic recurrence risk class (e.g. Oncotype DX, MammaPrint): high or low.",
    )

    @field_validator("grade", mode="before")
    @classmethod
    def _grade(cls, v: object) -> object:
        if v is None or isinstance(v, bool):
            return v
        key = str(v).strip().upper().removeprefix("GRADE").strip().removeprefix("G").strip()
        return {"1": 1, "2": 2, "3": 3, "": None}.get(key, v)

    @field_validator("genomic_risk", mode="before")
    @classmethod
    def _genomic(cls, v: object) -> object:
        if v is None:
            return None
        key = str(v).strip().lower()
        return {"high risk": "high", "low risk": "low", "unknown": None, "": None}.get(key, key)


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
    #: v3: where in early disease (neoadjuvant/adjuvant ...), read from ``setting`` words
    early_state: EarlyState | None = Field(
        default=None, description="neoadjuvant | adjuvant | post_neoadjuvant | extended_adjuvant."
    )
    intent: Intent | None = Field(
        default=None,
        description="curative | palliative (default: curative in early disease, "
        "palliative in metastatic).",
    )
    end_date: str | None = Field(
        default=None, description="YYYY-MM or YYYY-MM-DD the therapy ended."
    )
    months_since_end: float | None = Field(
        default=None,
        ge=0,
        le=600,
        description="Months from the end of this therapy to the recurrence/decision "
        '(e.g. 4 or "4 months").',
    )
    toxicity: Toxicity | None = Field(
        default=None, description="{event, grade, permanently_discontinued}."
    )

    @model_validator(mode="before")
    @classmethod
    def _setting_words(cls, data: object) -> object:
        if isinstance(data, dict) and data.get("setting") is not None:
            setting, state = setting_words(data["setting"])
            data = {**data, "setting": setting}
            if state is not None and data.get("early_state") is None:
                data["early_state"] = state
        return data

    @field_validator("line", mode="before")
    @classmethod
    def _line(cls, v: object) -> object:
        return line_number(v)

    @field_validator("duration_months", "months_since_end", mode="before")
    @classmethod
    def _months(cls, v: object) -> object:
        return months(v)

    @field_validator("end_date", mode="before")
    @classmethod
    def _date(cls, v: object) -> object:
        if v is None:
            return None
        s = str(v).strip()
        if not re.match(r"^[12][0-9]{3}-[01][0-9](-[0-3][0-9])?$", s):
            raise ValueError(f"expected a date YYYY-MM or YYYY-MM-DD, got {v!r}")
        return s

    @field_validator("therapy", mode="before")
    @classmethod
    def _therapy(cls, v: object) -> object:
        if isinstance(v, int | float | bool) or v is None:
            raise ValueError("expected the therapy name as text")
        return v

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


_BOUND = re.compile(
    r"^(?:(?P<op>[<>])=?\s*(?P<n>\d+(?:\.\d+)?)|(?P<a>\d+(?:\.\d+)?)\s*-\s*(?P<b>\d+(?:\.\d+)?))\s*%?$"
)


def _percent_bound(text: str) -> tuple[str, bool | None] | None:
    """``">60"`` -> (positive, not low); ``"30-60"`` -> (positive, not low); ``"<1"`` ->
    (negative, None); None when the text is not a bound or a range (or is unclear)."""
    m = _BOUND.match(" ".join(text.strip().lower().split()))
    if not m:
        return None
    if m.group("op"):
        n = float(m.group("n"))
        if m.group("op") == ">":
            return ("positive", False if n >= 10 else None) if n >= 1 else None
        return ("negative", None) if n <= 1 else None
    a, b = float(m.group("a")), float(m.group("b"))
    if a > b or b > 100:
        return None
    if a >= 1:
        return "positive", (True if b <= 10 else False if a > 10 else None)
    return None


def _histology_words(s: str) -> str:
    """``"IDC, NST"``, ``"invasive carcinoma of no special type"`` -> ductal; else as is.

    cBioPortal/OncoTree names (``Breast Invasive Ductal Carcinoma``, ``Breast Mixed
    Ductal and Lobular Carcinoma``) read too; ``NOS`` (not otherwise specified) is unknown.
    """
    words = s.replace(",", " ").replace("(", " ").replace(")", " ").replace("/", " ").split()
    text = " ".join(words)
    if "nos" in words and not ({"ductal", "lobular", "idc", "ilc", "nst"} & set(words)):
        return "unknown"
    if "lobular" in words or "ilc" in words:
        return "mixed" if ("ductal" in words or "idc" in words or "nst" in words) else "lobular"
    if (
        "idc" in words
        or "nst" in words
        or "ductal" in words
        or "no special type" in text
        or text.startswith("invasive carcinoma nst")
    ):
        return "ductal"
    if "carcinoma" in words or "carcinosarcoma" in words or "sarcoma" in words:
        # a named special type (mucinous, metaplastic, undifferentiated ...): another histology
        return "other"
    return s


class PatientFile(_Forbid):
    """The patient file as written by a user (schema version 3; versions 1 and 2 still read)."""

    schema_version: Literal[1, 2, 3] = 3
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
    # -- version 3 ---------------------------------------------------------------
    early_state: EarlyState | None = Field(
        default=None,
        description="For setting early: neoadjuvant | adjuvant | post_neoadjuvant | "
        'extended_adjuvant (also read from setting: "adjuvant", "post-neoadjuvant" ...).',
    )
    neoadjuvant_response: NeoadjuvantResponse | None = Field(
        default=None,
        description="{response: pcr|residual, ypT, ypN, rcb} after neoadjuvant therapy.",
    )
    er_percent: float | None = Field(
        default=None, ge=0, le=100, description="Percent of tumour nuclei staining for ER."
    )
    pr_percent: float | None = Field(
        default=None, ge=0, le=100, description="Percent of tumour nuclei staining for PR."
    )
    er_low_positive: bool | None = Field(
        default=None, description="ER Low Positive (1-10%, ASCO/CAP 2020) when no percent is given."
    )
    ild_active: bool | None = Field(
        default=None, description="Active (current) interstitial lung disease / pneumonitis."
    )
    msi_status: Literal["high", "stable", "unknown"] = Field(
        default="unknown",
        description="Microsatellite status: high | stable | unknown (MSI-H, MSS).",
    )
    mmr_status: Literal["deficient", "proficient", "unknown"] = Field(
        default="unknown", description="Mismatch repair: deficient | proficient | unknown."
    )
    tmb: float | None = Field(
        default=None, ge=0, le=10_000, description="Tumour mutational burden, mutations/Mb."
    )
    notes: str | None = Field(default=None, description="Free text (shown in the report).")
    nodal_risk: NodalRisk | None = Field(
        default=None,
        description="Early disease at surgery: {positive_nodes, tumor_size_mm, grade, "
        "ki67_percent, genomic_risk} (the adjuvant CDK4/6 inhibitor high-risk gates).",
    )

    @model_validator(mode="before")
    @classmethod
    def _v3_readings(cls, data: object) -> object:
        """Split what people write into fields: ER "5% (low positive)", setting "adjuvant"."""
        if not isinstance(data, dict):
            return data
        data = dict(data)
        if data.get("setting") is not None:
            try:
                setting, state = setting_words(data["setting"])
            except ValueError:
                return data  # the field validator reports it with its location
            data["setting"] = setting
            if state is not None and data.get("early_state") is None:
                data["early_state"] = state
        for field, pct_field in (("er_status", "er_percent"), ("pr_status", "pr_percent")):
            raw = data.get(field)
            if raw is None or isinstance(raw, bool):
                continue
            try:
                status, pct, low = receptor_reading(raw)
            except ValueError:
                continue  # reported by the field validator
            data[field] = status
            if pct is not None and data.get(pct_field) is None:
                data[pct_field] = pct
            if field == "er_status" and low is not None and data.get("er_low_positive") is None:
                data["er_low_positive"] = low
        for field, status_field in (("er_percent", "er_status"), ("pr_percent", "pr_status")):
            v = data.get(field)
            bound = _percent_bound(v) if isinstance(v, str) else None
            if bound is not None:
                # ">60", "30-60": the status (and ER-low or not) is certain, the number is not
                bound_status, bound_low = bound
                data[field] = None
                if data.get(status_field) in (None, "unknown"):
                    data[status_field] = bound_status
                elif data.get(status_field) != bound_status:
                    raise ValueError(
                        f"{status_field} {data.get(status_field)!r} contradicts {field} {v!r}"
                    )
                if field == "er_percent" and data.get("er_low_positive") is None:
                    data["er_low_positive"] = bound_low
        for field in ("er_percent", "pr_percent", "tmb"):
            v = data.get(field)
            if isinstance(v, str):
                # "5", "5%", "5 (weak intensity)" as pathology exports write it
                pct_re = re.compile(r"^(\d+(?:\.\d+)?)\s*%?\s*(?:\([^)]*\))?$")
                m = (_TMB if field == "tmb" else pct_re).match(" ".join(v.strip().lower().split()))
                if m:
                    data[field] = float(m.group(1))
        return data

    @model_validator(mode="after")
    def _er_consistent(self) -> PatientFile:
        if self.er_percent is not None:
            status = "positive" if self.er_percent >= 1 else "negative"
            if self.er_status == "unknown":
                object.__setattr__(self, "er_status", status)
            elif self.er_status != status:
                raise ValueError(
                    f"er_status {self.er_status!r} contradicts er_percent {self.er_percent:g}% "
                    "(ASCO/CAP 2020: 1-100% is positive, < 1% negative)"
                )
            if self.er_low_positive is None:
                object.__setattr__(self, "er_low_positive", 1 <= self.er_percent <= 10)
        return self

    @property
    def er_low(self) -> bool:
        """ER Low Positive (1-10% of nuclei, ASCO/CAP 2020)."""
        return bool(self.er_low_positive) and self.er_status == "positive"

    @field_validator("msi_status", mode="before")
    @classmethod
    def _msi(cls, v: object) -> object:
        return _msi_status(v)

    @field_validator("mmr_status", mode="before")
    @classmethod
    def _mmr(cls, v: object) -> object:
        return _mmr_status(v)

    @field_validator("notes", mode="before")
    @classmethod
    def _notes(cls, v: object) -> object:
        if isinstance(v, list):
            return "\n".join(str(x) for x in v if x is not None) or None
        return _text_or_none(v)

    @field_validator("id", mode="before")
    @classmethod
    def _id(cls, v: object) -> object:
        if isinstance(v, bool):
            raise ValueError("expected text")
        return str(v) if isinstance(v, int) else v

    @field_validator("er_status", "pr_status", mode="before")
    @classmethod
    def _status(cls, v: object) -> str:
        return receptor_reading(v)[0]

    @field_validator("alterations", "markers", "prior_therapies", "metastatic_sites", mode="before")
    @classmethod
    def _list(cls, v: object) -> object:
        return _string_list(v)

    @field_validator("setting", mode="before")
    @classmethod
    def _setting(cls, v: object) -> object:
        return setting_words(v)[0]

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
                # CNS: treated (locally, now stable) vs untreated/progressing (active),
                # the split HER2CLIMB and DESTINY-Breast12 use
                "treated": "stable",
                "treated stable": "stable",
                "treated, stable": "stable",
                "controlled": "stable",
                "untreated": "active",
                "progressing": "active",
                "progressive": "active",
                "new": "active",
            }.get(s, _histology_words(s))
        return v


class PatientProfile(PatientFile):
    """A patient as the matcher sees it: the file's fields plus where it came from.

    ``prior_therapies_known`` is False for profiles built from a cBioPortal
    study (no treatment data there); ``notes`` are shown as caveats.
    """

    prior_therapies_known: bool = True
    source: str | None = None
    #: caveats to show (the file's free-text ``notes`` become one line each)
    notes: list[str] = Field(default_factory=list)  # type: ignore[assignment]

    @field_validator("notes", mode="before")
    @classmethod
    def _notes(cls, v: object) -> object:
        if v is None:
            return []
        if isinstance(v, str):
            return [line.strip() for line in v.splitlines() if line.strip()]
        return v

    def history(self) -> list[HistoryItem]:
        """Every therapy received, normalised: setting, line, outcome, and what was assumed."""
        out: list[HistoryItem] = []
        for e in self.therapy_history:
            # a numbered line is a metastatic line whatever the file's own setting
            setting = e.setting or ("metastatic" if e.line is not None else self.setting)
            outcome = e.outcome
            assumed = False
            if outcome is None:
                if setting in ("metastatic", None):
                    outcome, assumed = "progressed", True
                else:
                    outcome, assumed = "completed", True
            intent = e.intent or (
                "curative" if setting == "early" else "palliative" if setting else None
            )
            tox = e.toxicity
            out.append(
                HistoryItem(
                    e.therapy,
                    setting,
                    e.line,
                    outcome,
                    assumed,
                    e.duration_months,
                    early_state=e.early_state,
                    intent=intent,
                    months_since_end=e.months_since_end,
                    end_date=e.end_date,
                    toxicity_event=tox.event if tox else None,
                    toxicity_grade=tox.grade if tox else None,
                    permanently_discontinued=tox.permanently_discontinued if tox else None,
                )
            )
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
    early_state: str | None = None
    intent: str | None = None
    months_since_end: float | None = None
    end_date: str | None = None
    toxicity_event: str | None = None
    toxicity_grade: int | None = None
    permanently_discontinued: bool | None = None


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
    "msi": "msi_status",
    "mmr": "mmr_status",
    "tumor_mutational_burden": "tmb",
    "tumour_mutational_burden": "tmb",
    "er_pct": "er_percent",
    "pr_pct": "pr_percent",
    "nodes": "nodal_risk",
    "lymph_nodes": "nodal_risk",
    "nodal_status": "nodal_risk",
    "pcr": "neoadjuvant_response",
    "response": "neoadjuvant_response",
    "comments": "notes",
    "note": "notes",
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
        close = [
            a
            for a in allowed
            if a.startswith(k + "_") or a.split("_")[0] == k or a.endswith("_" + k)
        ][:1]
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

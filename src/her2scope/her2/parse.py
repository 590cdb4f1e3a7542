"""Read real-world HER2 pathology strings into structured readings.

Pathology exports (cBioPortal MSK files in particular) write IHC and ISH
results as free text: ``0-1+``, ``1+ (outside 3+)``, ``2 (CN 4.8)``,
``1.8, MSK failed``, ``[Not Available]``. Each parser here takes one raw
string and returns a frozen reading with the numbers it could read, a short
human description for the rationale, and either ``missing`` (the report says
no result: ``Not Available``, ``Not done (decalcified)``, empty) or
``unusable`` (text that is there but cannot be read, e.g. ``abc``). An
unusable value is never guessed at; the caller counts it in the audit.

Conventions (documented once, used everywhere):

* **In-house first.** When a cell holds two readings, the first one is the
  in-house reading and is the one used; an *outside* reading (``outside``,
  ``OSH``, ``same sample OSH``) is kept in the description so that a
  discordance such as in-house 1+ / outside 3+ is visible in the rationale
  and counted in the audit, but it does not change the call.
* **IHC words.** ``negative`` means IHC 0 or 1+ (a range, so it is subject to
  the ambiguity policy); ``equivocal`` means 2+; ``positive`` 3+;
  ``ultralow`` and ``null``/``no staining`` are IHC 0 with the 2023 sub-level.
* **Two ratios in one cell** (``1.4, 1.9``): if both fall on the same side of
  the 2.0 ratio threshold of ASCO/CAP 2018 the first is used and the second
  noted; if they straddle 2.0 the value is unusable (conflicting).
* A ratio of 0 or less, or a copy number of 0 or less, cannot come from a
  counted ISH assay and is unusable (the study writes ``0`` in a few rows
  whose status is ``Negative``; the status word then decides).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

IshStatus = Literal["amplified", "not_amplified", "equivocal", "failed"]

#: The ratio threshold used to judge whether two ratios in one cell conflict
#: (ASCO/CAP 2018 dual-probe threshold).
RATIO_CONFLICT_THRESHOLD = 2.0

_NUM = r"(\d+(?:\.\d+)?|\.\d+)"
_NUMERIC_RE = re.compile(rf"^\s*{_NUM}\s*$")

# Tokens that mean "no result was reported" (missing, not unusable).
_MISSING_TOKENS = frozenset(
    {
        "",
        "na",
        "n/a",
        "nan",
        "none",
        "not available",
        "not applicable",
        "unk/nd",
        "unk",
        "unknown",
        "nd",
        "not done",
        "not performed",
        "not tested",
        "not reported",
        "pending",
        "missing",
        "-",
        ".",
    }
)
_MISSING_PREFIXES = ("not done", "not performed", "not tested", "not available")


def is_missing_token(raw: str | None, *, null_is_missing: bool = True) -> bool:
    """True when ``raw`` says no result was reported (``Not Available``, ``[Unknown]`` ...).

    ``null_is_missing`` is False for IHC, where ``null`` is the ASCO/CAP 2023
    HER2-null reading (no staining), not a database null.
    """
    if raw is None:
        return True
    t = raw.strip().lower()
    if t.startswith("[") and t.endswith("]"):
        t = t[1:-1].strip()
    if t == "null":
        return null_is_missing
    return t in _MISSING_TOKENS or t.startswith(_MISSING_PREFIXES)


def _fmt(x: float) -> str:
    return f"{x:g}"


# --------------------------------------------------------------------------- IHC


@dataclass(frozen=True, slots=True)
class IhcReading:
    """One IHC result: a score or a range of scores (0..3), or missing/unusable.

    ``lo``/``hi`` are equal for a single score. ``zero_level`` is ``"null"``
    or ``"ultralow"`` when the report says so (ASCO/CAP 2023, DESTINY-Breast06);
    it is only set for a single score of 0. ``outside`` is an outside-lab
    score written beside the in-house one (noted, not used).
    """

    raw: str | None
    lo: int | None = None
    hi: int | None = None
    zero_level: Literal["null", "ultralow"] | None = None
    outside: str | None = None
    outside_max: int | None = None
    notes: tuple[str, ...] = ()
    missing: bool = False
    unusable: str | None = None

    @property
    def label(self) -> str:
        """Normalised score text: ``1+``, ``0-1+``."""
        if self.lo is None or self.hi is None:
            return ""
        if self.lo == self.hi:
            return "0" if self.lo == 0 else f"{self.lo}+"
        return f"{self.lo}-{self.hi}+"

    @property
    def description(self) -> str:
        """Short text for the rationale (``IHC 1+ (focal)``)."""
        if self.unusable is not None:
            return f"IHC {self.raw!r} unusable ({self.unusable})"
        if self.missing or self.lo is None:
            return "no IHC" if not self.raw or not self.raw.strip() else f"no IHC ({self.raw})"
        extras = list(self.notes)
        if self.zero_level == "ultralow":
            extras.insert(0, "ultralow: faint incomplete staining in ≤10% of cells")
        elif self.zero_level == "null":
            extras.insert(0, "null: no staining")
        if self.outside is not None:
            extras.append(f"outside lab read {self.outside}; in-house score used")
        tail = f" ({'; '.join(extras)})" if extras else ""
        return f"IHC {self.label}{tail}"


_IHC_SCORE = r"(\d)\s*\+?"
_IHC_RANGE_RE = re.compile(rf"^{_IHC_SCORE}\s*(?:-|–|/|to)\s*{_IHC_SCORE}$")
_IHC_SINGLE_RE = re.compile(r"^(\d+)\s*\+?$")
_ULTRALOW_RE = re.compile(
    r"ultra[\s-]?low|faint[^()]{0,40}incomplete|incomplete[^()]{0,40}faint|(?:≤|<=)\s*10\s*%"
)
_NULL_RE = re.compile(r"\bnull\b|\bno\s+(?:membrane\s+)?staining\b|\babsent\s+staining\b")
_OUTSIDE_RE = re.compile(r"\boutside\b|\bosh\b")
_SCORE_IN_TEXT_RE = re.compile(r"(\d)\s*(?:-\s*(\d)\s*)?\+")
_HETERO_RE = re.compile(r"heterog")


def parse_ihc(raw: str | None) -> IhcReading:
    """Parse one IHC value (ASCO/CAP 2018 scores 0, 1+, 2+, 3+ and real-world variants).

    Accepts ``0``/``0+``/``1+``..``3+``, ranges (``0-1+``, ``1-2+``, ``2-3+``),
    annotations (``(focal)``, ``(outside)``, ``1+ (outside 3+)``,
    ``3+ (heterogenous 70-80% pos)``) and words (``negative``, ``equivocal``,
    ``positive``, ``ultralow``, ``null``, ``no staining``). See the module
    docstring for the in-house-first rule.
    """
    if raw is None or is_missing_token(raw, null_is_missing=False):
        return IhcReading(raw=raw, missing=True)
    text = raw.strip().lower()
    notes: list[str] = []
    zero_level: Literal["null", "ultralow"] | None = None
    if _ULTRALOW_RE.search(text):
        zero_level = "ultralow"
    elif _NULL_RE.search(text):
        zero_level = "null"

    pieces = [p.strip() for p in re.findall(r"\(([^()]*)\)", text)]
    main = re.sub(r"\([^()]*\)", " ", text)
    if "(" in main or ")" in main:
        return IhcReading(raw=raw, unusable="unbalanced parentheses")
    main_parts = [p.strip() for p in re.split(r"[,;]", main)]
    main = main_parts[0]
    pieces.extend(p for p in main_parts[1:] if p)

    # Words that may sit next to the score itself ("2+ focal", "3+ outside").
    main = _ULTRALOW_RE.sub(" ", main)
    main = _NULL_RE.sub(" ", main)
    if _OUTSIDE_RE.search(main):
        notes.append("outside lab")
        main = _OUTSIDE_RE.sub(" ", main)
    if "focal" in main:
        notes.append("focal")
        main = main.replace("focal", " ")
    main = re.sub(r"^(?:her2\s*)?(?:ihc\s*)?(?:score\s*)?[:=]?\s*", "", main.strip()).strip()

    outside: str | None = None
    outside_max: int | None = None
    for piece in pieces:
        if not piece:
            continue
        score = _SCORE_IN_TEXT_RE.search(piece)
        if _OUTSIDE_RE.search(piece):
            if score is None:
                notes.append("outside lab")
            else:
                outside = score.group(0).replace(" ", "")
                outside_max = int(score.group(2) or score.group(1))
                if outside_max > 3:
                    return IhcReading(raw=raw, unusable=f"outside score {outside} out of range")
        elif score is not None and not _HETERO_RE.search(piece) and "%" not in piece:
            return IhcReading(
                raw=raw, unusable="two IHC scores without saying which is the outside reading"
            )
        elif _ULTRALOW_RE.search(piece) or _NULL_RE.search(piece):
            continue  # already captured as the zero level
        elif _HETERO_RE.search(piece):
            # keep the detail ("70-80% pos") but spell the word one way
            detail = piece.split(maxsplit=1)[1] if " " in piece else ""
            notes.append(f"heterogeneous {detail}".strip())
        else:
            notes.append(piece)

    lo: int | None
    hi: int | None
    if main == "" and zero_level is not None:
        lo = hi = 0
    elif (m := _IHC_RANGE_RE.match(main)) is not None:
        lo, hi = int(m.group(1)), int(m.group(2))
        if hi > 3 or lo > 3:
            return IhcReading(raw=raw, unusable="IHC score out of range 0-3")
        if lo > hi:
            return IhcReading(raw=raw, unusable="IHC range written high to low")
    elif (m := _IHC_SINGLE_RE.match(main)) is not None:
        lo = hi = int(m.group(1))
        if lo > 3:
            return IhcReading(raw=raw, unusable="IHC score out of range 0-3")
    elif main in {"negative", "neg"}:
        lo, hi = 0, 1
        notes.insert(0, "'negative' = 0 or 1+")
    elif main in {"equivocal"}:
        lo = hi = 2
        notes.insert(0, "'equivocal' = 2+")
    elif main in {"positive", "pos"}:
        lo = hi = 3
        notes.insert(0, "'positive' = 3+")
    else:
        return IhcReading(raw=raw, unusable="not a recognised IHC score")

    if zero_level is not None and not (lo == 0 and hi == 0):
        return IhcReading(raw=raw, unusable=f"'{zero_level}' only applies to IHC 0")
    return IhcReading(
        raw=raw,
        lo=lo,
        hi=hi,
        zero_level=zero_level,
        outside=outside,
        outside_max=outside_max,
        notes=tuple(dict.fromkeys(notes)),
    )


# --------------------------------------------------------------------------- ISH status


@dataclass(frozen=True, slots=True)
class IshStatusReading:
    """A reported ISH status word (``Positive``, ``Negative (outside)``, ``Group 4``)."""

    raw: str | None
    status: IshStatus | None = None
    group: int | None = None
    notes: tuple[str, ...] = ()
    missing: bool = False
    unusable: str | None = None

    @property
    def description(self) -> str:
        """Short text for the rationale."""
        if self.unusable is not None:
            return f"ISH status {self.raw!r} unusable ({self.unusable})"
        if self.missing:
            return ""
        # the raw text already carries its annotations ("Negative (outside)")
        return f"reported {str(self.raw).strip()}"


_NOT_AMPLIFIED_RE = re.compile(r"\b(?:not|non|no)[\s-]?amplifi\w*")
_STATUS_PATTERNS: tuple[tuple[IshStatus, re.Pattern[str]], ...] = (
    ("not_amplified", re.compile(r"\b(?:not|non|no)[\s-]?amplifi|\bnegative\b|\bneg\b")),
    ("equivocal", re.compile(r"\bequivocal\b|\bborderline\b")),
    ("failed", re.compile(r"fail|insufficient|not interpretable|uninterpretable|\bqns\b")),
    ("amplified", re.compile(r"amplifi|\bpositive\b|\bpos\b|^amp$")),
)


def parse_ish_status(raw: str | None) -> IshStatusReading:
    """Parse a reported ISH status (``Positive``/``amplified``, ``Negative``/``not amplified``,
    ``Equivocal``, ``Test Failure``, ``ISH group 1``-``5``, ``Negative (outside)``).

    Missing tokens (``Not Applicable``, ``Unk/ND``, ``[Not Available]``) give
    ``missing``; a test failure is kept as status ``failed`` (no result, but
    said in the rationale).
    """
    if raw is None or is_missing_token(raw):
        return IshStatusReading(raw=raw, missing=True)
    text = raw.strip().lower()
    notes: list[str] = []
    for piece in re.findall(r"\(([^()]*)\)", text):
        notes.append("outside lab" if _OUTSIDE_RE.search(piece) else piece.strip())
    core = re.sub(r"\([^()]*\)", " ", text).strip()
    if _OUTSIDE_RE.search(core):
        notes.append("outside lab")
        core = _OUTSIDE_RE.sub(" ", core).strip()
    group_match = re.search(r"\bgroup\s*([1-5])\b", core)
    if group_match is not None:
        return IshStatusReading(raw=raw, group=int(group_match.group(1)), notes=tuple(notes))
    # "not amplified" contains "amplifi": take negations out before looking for "amplified"
    affirmative = _NOT_AMPLIFIED_RE.sub(" ", core)
    found = {
        status
        for status, pattern in _STATUS_PATTERNS
        if pattern.search(affirmative if status == "amplified" else core)
    }
    if len(found) != 1:
        reason = "conflicting ISH status words" if found else "not a recognised ISH status"
        return IshStatusReading(raw=raw, unusable=reason)
    return IshStatusReading(raw=raw, status=found.pop(), notes=tuple(dict.fromkeys(notes)))


# --------------------------------------------------------------------------- ISH numbers


@dataclass(frozen=True, slots=True)
class IshValueReading:
    """A HER2/CEP17 ratio cell, possibly carrying the average HER2 copies (``2 (CN 4.8)``)."""

    raw: str | None
    ratio: float | None = None
    copies: float | None = None
    notes: tuple[str, ...] = ()
    missing: bool = False
    unusable: str | None = None

    @property
    def description(self) -> str:
        """Short text for the rationale (``ratio 2, HER2 4.8/cell``)."""
        if self.unusable is not None:
            return f"ISH ratio {self.raw!r} unusable ({self.unusable})"
        if self.missing or self.ratio is None:
            return ""
        text = f"ratio {_fmt(self.ratio)}"
        if self.copies is not None:
            text += f", HER2 {_fmt(self.copies)}/cell"
        if self.notes:
            text += f" ({'; '.join(self.notes)})"
        return text


_CN_RE = re.compile(rf"\bcn\s*[:=]?\s*{_NUM}")


def parse_ish_ratio(raw: str | None) -> IshValueReading:
    """Parse a HER2/CEP17 ratio cell as written by MSK pathology.

    ``1.1`` -> ratio; ``2 (CN 4.8)`` and ``4.0, CN 9.7`` -> ratio and average
    HER2 copies per cell (ASCO/CAP 2018 dual-probe groups need both);
    ``1.3 (OSH CN 4.2)`` -> same, noted as outside lab; ``1.7 (Outside: 2.4)``
    and ``1.4 (CN 3.0) (same sample OSH 2.3)`` -> in-house numbers used, the
    outside ratio noted; ``1.8, MSK failed`` -> 1.8 used, failure noted;
    ``1.4, 1.9`` -> see the module docstring; ``Not done`` -> missing.
    """
    if raw is None or is_missing_token(raw):
        return IshValueReading(raw=raw, missing=True)
    text = raw.strip().lower()
    lead = re.match(rf"^\s*(?:ratio\s*[:=]?\s*)?{_NUM}", text)
    if lead is None:
        return IshValueReading(raw=raw, unusable="no HER2/CEP17 ratio number")
    ratio = float(lead.group(1))
    rest = text[lead.end() :]
    pieces = [p.strip() for p in re.findall(r"\(([^()]*)\)", rest)]
    outer = re.sub(r"\([^()]*\)", " ", rest)
    if "(" in outer or ")" in outer:
        return IshValueReading(raw=raw, unusable="unbalanced parentheses")
    pieces.extend(p.strip() for p in re.split(r"[,;]", outer))

    copies: float | None = None
    second_ratio: float | None = None
    notes: list[str] = []
    for piece in pieces:
        if not piece:
            continue
        cn = _CN_RE.search(piece)
        if cn is not None:
            value = float(cn.group(1))
            if copies is not None and copies != value:
                return IshValueReading(raw=raw, unusable="two different HER2 copy numbers")
            copies = value
            if _OUTSIDE_RE.search(piece):
                notes.append("outside lab")
            continue
        if _OUTSIDE_RE.search(piece) or "same sample" in piece:
            other = re.search(_NUM, piece)
            notes.append(
                f"outside lab ratio {other.group(1)} noted; in-house ratio used"
                if other
                else "outside lab"
            )
            continue
        if "fail" in piece:
            notes.append(piece)
            continue
        if _HETERO_RE.search(piece):
            notes.append("heterogeneous")
            continue
        number = _NUMERIC_RE.match(piece)
        if number is not None:
            if second_ratio is not None:
                return IshValueReading(raw=raw, unusable="more than two ratios")
            second_ratio = float(number.group(1))
            continue
        notes.append(piece)

    if ratio <= 0:
        return IshValueReading(raw=raw, unusable=f"ratio {_fmt(ratio)} is not a counted ratio")
    if copies is not None and copies <= 0:
        return IshValueReading(raw=raw, unusable="HER2 copy number must be positive")
    if second_ratio is not None:
        threshold = RATIO_CONFLICT_THRESHOLD
        if (ratio >= threshold) != (second_ratio >= threshold):
            return IshValueReading(
                raw=raw,
                unusable=f"two ratios {_fmt(ratio)} and {_fmt(second_ratio)} on either side "
                f"of {_fmt(threshold)}",
            )
        notes.append(f"second ratio {_fmt(second_ratio)} on the same side of {_fmt(threshold)}")
    return IshValueReading(raw=raw, ratio=ratio, copies=copies, notes=tuple(dict.fromkeys(notes)))


@dataclass(frozen=True, slots=True)
class CopiesReading:
    """An average signals-per-cell value (HER2 or CEP17)."""

    raw: str | None
    value: float | None = None
    notes: tuple[str, ...] = ()
    missing: bool = False
    unusable: str | None = None


def parse_copies(raw: str | None) -> CopiesReading:
    """Parse an average HER2 or CEP17 signals-per-cell value (``4.8``, ``6.2 (outside)``)."""
    if raw is None or is_missing_token(raw):
        return CopiesReading(raw=raw, missing=True)
    text = raw.strip().lower()
    lead = re.match(rf"^\s*(?:cn\s*[:=]?\s*)?{_NUM}", text)
    if lead is None:
        return CopiesReading(raw=raw, unusable="not a number of signals per cell")
    value = float(lead.group(1))
    if value <= 0:
        return CopiesReading(raw=raw, unusable="signals per cell must be positive")
    rest = text[lead.end() :].strip(" ,;")
    notes: list[str] = []
    for piece in re.split(r"[(),;]", rest):
        piece = piece.strip()
        if not piece:
            continue
        if re.search(r"\d", piece) and not _OUTSIDE_RE.search(piece):
            return CopiesReading(raw=raw, unusable="more than one number")
        notes.append("outside lab" if _OUTSIDE_RE.search(piece) else piece)
    return CopiesReading(raw=raw, value=value, notes=tuple(notes))

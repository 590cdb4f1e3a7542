"""Read real-world HER2 pathology strings into structured readings.

Pathology exports (cBioPortal MSK files in particular) write IHC and ISH
results as free text: ``0-1+``, ``1+ (outside 3+)``, ``2 (CN 4.8)``,
``1.8, MSK failed``, ``[Not Available]``. Each parser here takes one raw
string and returns a frozen reading with the numbers it could read, a short
human description for the rationale, and either ``missing`` (the report says
no result: ``Not Available``, ``Not done (decalcified)``, ``NULL``, empty) or
``unusable`` (text that is there but cannot be read, e.g. ``abc``). An
unusable value is never guessed at; the caller counts it in the audit. The
words understood live in :mod:`her2scope.her2.words`; any other word makes the
value unusable.

Conventions (documented once, used everywhere):

* **Bounded input.** A cell longer than
  :data:`~her2scope.her2.words.MAX_CELL_CHARS` characters is unusable
  without being read; runs of whitespace are read as one space. Every
  pattern here is linear in the length of its input (possessive quantifiers,
  no two adjacent quantifiers that can share characters).
* **In-house first.** When a cell holds two readings, the first one is the
  in-house reading and is the one used; an *outside* reading (``outside``,
  ``OSH``, ``same sample OSH``) is kept in the description so that a
  discordance such as in-house 1+ / outside 3+ is visible in the rationale
  and counted in the audit, but it does not change the call.
* **IHC words.** ``negative`` means IHC 0 or 1+ (a range, so it is subject to
  the ambiguity policy); ``equivocal`` means 2+; ``positive`` 3+;
  ``ultralow`` and ``0 (null)``/``HER2-null``/``no staining`` are IHC 0 with
  the 2023 sub-level. A bare ``null`` is a database null: missing. Two IHC
  scores without an outside marker (``0, 3``, ``2,3``) are unusable.
* **ISH statements** are read clause by clause with their negations (``No
  evidence of amplification``, ``amplification not detected``, ``negative
  for amplification``: not amplified); a double negation, a negated
  ``equivocal`` or clauses that disagree are unusable.
* **Numbers** (ratios, signals per cell) are plain decimals (``1.8``,
  ``.9``). Scientific notation (``1e3``), percentages (``250%``) and text
  glued to a number are unusable. A comma between digits (``1,8``) may be a
  decimal comma or two values; it is unusable unless the profile sets
  ``ish.decimal_comma`` (then ``1,8`` is 1.8). ``1.4,1.9`` and ``1.4, 1.9``
  are two values.
* **Two ratios in one cell** (``1.4, 1.9``) or a range (``1.2-1.6``): if both
  fall on the same side of the profile's ratio threshold (2.0 in ASCO/CAP
  2018) the first is used and the second noted, because every dual-probe
  group reads them alike; if they straddle it the value is unusable
  (conflicting), as IHC ranges that straddle a category are never settled
  silently either.
* A ratio of 0 or less, or a copy number of 0 or less, cannot come from a
  counted ISH assay and is unusable (the study writes ``0`` in a few rows
  whose status is ``Negative``; the status word then decides).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from her2scope.her2.words import (
    IHC_WORDS,
    ISH_AMPLIFIED_PREFIXES,
    ISH_AMPLIFIED_WORDS,
    ISH_CLAUSE_WORDS,
    ISH_EQUIVOCAL_WORDS,
    ISH_FAILED_PHRASES,
    ISH_FAILED_WORDS,
    ISH_FILLER_WORDS,
    ISH_NEGATIONS,
    ISH_NOT_AMPLIFIED_PREFIXES,
    ISH_NOT_AMPLIFIED_WORDS,
    MAX_CELL_CHARS,
    MISSING_PREFIXES,
    MISSING_TOKENS,
)

IshStatus = Literal["amplified", "not_amplified", "equivocal", "failed"]

#: The ratio threshold used to judge whether two ratios in one cell conflict
#: when no profile says otherwise (ASCO/CAP 2018 dual-probe threshold).
RATIO_CONFLICT_THRESHOLD = 2.0


def normalise(raw: str) -> str:
    """Lower case, runs of whitespace (any Unicode space) as one space, no edge spaces."""
    return " ".join(raw.lower().split())


def too_long(raw: str) -> str | None:
    """The reason a cell is unusable for its length alone, or None."""
    if len(raw) > MAX_CELL_CHARS:
        return f"longer than {MAX_CELL_CHARS} characters ({len(raw)}); not read"
    return None


def is_missing_token(raw: str | None) -> bool:
    """True when ``raw`` says no result was reported (``Not Available``, ``[Unknown]``, ``NULL``).

    The tokens are :data:`~her2scope.her2.words.MISSING_TOKENS` and
    :data:`~her2scope.her2.words.MISSING_PREFIXES`; a cell longer than the
    length cap is never missing (it is unusable).
    """
    if raw is None:
        return True
    if len(raw) > MAX_CELL_CHARS:
        return False
    t = normalise(raw)
    if t.startswith("[") and t.endswith("]"):
        t = t[1:-1].strip()
    if t in MISSING_TOKENS:
        return True
    return any(t.startswith(p) and not t[len(p) : len(p) + 1].isalnum() for p in MISSING_PREFIXES)


def _fmt(x: float) -> str:
    return f"{x:g}"


def shorten_raw(raw: str | None) -> str:
    """``raw`` for a message: quoted, and cut short when long."""
    if raw is None or len(raw) <= 60:
        return repr(raw)
    return f"{raw[:40]!r}... ({len(raw)} characters)"


# --------------------------------------------------------------------------- numbers

# A plain decimal, starting where no digit or point precedes it (so a search
# inside a long run of digits does not restart at every digit).
_NUM_RE = re.compile(r"(?<![\d.])(\d++(?:\.\d++)?+|\.\d++)")
_SCIENTIFIC_RE = re.compile(r"e[+-]?+\d")
_PERCENT_AFTER_RE = re.compile(r" ?%")
_COMMA_DIGITS_RE = re.compile(r",(\d++)")
_RANGE_RE = re.compile(r" ?(?:-|–|—|to) ?(?=[\d.])")
_DIGIT_RE = re.compile(r"\d")


def _read_number(text: str, pos: int, *, decimal_comma: bool) -> tuple[float, int] | str:
    """The plain decimal at ``text[pos:]`` and where it ends, or why there is none.

    ``text`` is normalised (lower case, single spaces).
    """
    m = _NUM_RE.match(text, pos)
    if m is None:
        return "no number"
    digits, end = m.group(1), m.end()
    if _SCIENTIFIC_RE.match(text, end):
        return f"scientific notation ({text[pos : end + 4].strip()!r}) is not accepted"
    if _PERCENT_AFTER_RE.match(text, end):
        return f"a percentage ({digits}%) is not a ratio or a count"
    comma = _COMMA_DIGITS_RE.match(text, end)
    if comma is not None and "." not in digits:
        written = f"{digits},{comma.group(1)}"
        follows = text[comma.end() : comma.end() + 1]
        if not decimal_comma or follows in {".", ","} or follows.isalnum():
            return f"{written!r} may be a decimal comma or two values"
        return float(f"{digits}.{comma.group(1)}"), comma.end()
    nxt = text[end : end + 1]
    if nxt == "." or nxt.isalnum():
        return f"malformed number {text[pos : end + 4].strip()!r}"
    return float(digits), end


def _one_number(text: str, *, decimal_comma: bool) -> float | str | None:
    """``text`` as exactly one plain decimal, an error text, or None if it is no number."""
    if not text[:1].isdigit() and not (text[:1] == "." and text[1:2].isdigit()):
        return None
    got = _read_number(text, 0, decimal_comma=decimal_comma)
    if isinstance(got, str):
        return got
    value, end = got
    if end != len(text):
        return f"unrecognised text {text!r}"
    return value


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
    #: the cell reports two readings that disagree (score ``1`` and word ``Positive``):
    #: ``lo``..``hi`` spans both, and a call is made only if every reading agrees
    conflict: str | None = None

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
            return f"IHC {shorten_raw(self.raw)} unusable ({self.unusable})"
        if self.missing or self.lo is None:
            return "no IHC" if not self.raw or not self.raw.strip() else f"no IHC ({self.raw})"
        extras = list(self.notes)
        if self.conflict is not None:
            extras.insert(0, self.conflict)
        if self.zero_level == "ultralow":
            extras.insert(0, "ultralow: faint incomplete staining in ≤10% of cells")
        elif self.zero_level == "null":
            extras.insert(0, "null: no staining")
        if self.outside is not None:
            extras.append(f"outside lab read {self.outside}; in-house score used")
        tail = f" ({'; '.join(extras)})" if extras else ""
        return f"IHC {self.label}{tail}"


# Text reaching these patterns is normalised: at most one space in a row, so
# " ?" suffices where a report may or may not leave a space.
_IHC_SCORE = r"(\d)(?: ?\+)?+"
_IHC_RANGE_RE = re.compile(rf"{_IHC_SCORE} ?(?:-|–|/|to) ?{_IHC_SCORE}")
# "2.0": a score from a column typed NUMBER (cBioPortal's brca_tcga_pub2015
# HER2_IHC_SCORE) comes back as a float; a whole number is the score, "2.5" is not
_IHC_SINGLE_RE = re.compile(r"(\d++)(?:\.0++)?+(?: ?\+)?+")
_ULTRALOW_RE = re.compile(
    r"ultra[ -]?low|faint[^()]{0,40}incomplete|incomplete[^()]{0,40}faint|(?:≤|<=) ?10 ?%"
)
_NULL_RE = re.compile(
    r"\bnull(?: staining)?\b|\bno (?:membrane )?staining\b|\babsent staining\b"
    r"|\bstaining absent\b"
)
_OUTSIDE_RE = re.compile(r"\boutside\b|\bosh\b")
_SCORE_IN_TEXT_RE = re.compile(r"(?<!\d)(\d)(?: ?- ?(\d))?+ ?\+")
_PERCENT_RE = re.compile(r"(?<![\d.])\d++(?:\.\d++)?+(?: ?- ?\d++(?:\.\d++)?+)?+ ?%")
_HETERO_RE = re.compile(r"heterog")
_PAREN_RE = re.compile(r"\(([^()]*+)\)")
_IHC_PREFIX_RE = re.compile(r"(?:her2[ -]?)?(?:ihc ?)?(?:score ?)?(?:[:=] ?)?")
_SPLIT_RE = re.compile(r"[,;]")


_IHC_FAILED_RE = re.compile(r"indeterminate|test failed|failed|uninterpretable|not interpretable")
# "2+ equivocal", "3+ positive", "IHC 0 - null" (the null already taken out):
# a score and, optionally, the word that names it, in either order
_IHC_SCORE_WORD_RE = re.compile(
    r"(?:(?P<s1>\d)(?:\.0++)?+(?: ?\+)?+ ?[-:,]? ?(?P<w1>[a-z]++)?+"
    r"|(?<![a-z])(?P<w2>[a-z]++) ?[-:,]? ?(?P<s2>\d)(?:\.0++)?+(?: ?\+)?+) ?[-:,]?"
)
#: words that describe IHC-0 staining beside an ultralow/null statement
#: ("0 with membrane staining (ultralow)"); accepted only with that statement
_IHC_ZERO_FILLER = frozenset(
    {"with", "membrane", "staining", "faint", "incomplete", "barely", "perceptible", "partial"}
)


def _bare_score_or_word(piece: str) -> tuple[int, int] | None:
    """``piece`` (a note in parentheses) as a lone IHC score or IHC word, else None."""
    piece = piece.strip()
    if (m := _IHC_SINGLE_RE.fullmatch(piece)) is not None and int(m.group(1)) <= 3:
        return int(m.group(1)), int(m.group(1))
    return IHC_WORDS.get(piece)


def _score_and_word(main: str, zero_statement: bool) -> tuple[int, int, str | None] | str | None:
    """A score written with its word (``2+ equivocal``, ``positive 3+``): the score
    range (both readings when they disagree, with why), a reason it is unusable, or
    None when ``main`` is not of this form."""
    if zero_statement:
        kept = [w for w in main.replace("-", " ").split() if w not in _IHC_ZERO_FILLER]
        main = " ".join(kept)
        if (m := _IHC_SINGLE_RE.fullmatch(main)) is not None:
            return int(m.group(1)), int(m.group(1)), None
    m = _IHC_SCORE_WORD_RE.fullmatch(main.strip(" -:,"))
    if m is None:
        return None
    score = int(m.group("s1") or m.group("s2"))
    word = m.group("w1") or m.group("w2")
    if score > 3:
        return "IHC score out of range 0-3"
    if word is None:
        return score, score, None
    if word not in IHC_WORDS:
        return None
    lo, hi = IHC_WORDS[word]
    if not lo <= score <= hi:
        return min(lo, score), max(hi, score), _conflict(f"{score}+", word)
    return score, score, None


def _conflict(score: str, word: str) -> str:
    return (
        f"score {score} and word '{word}' disagree: a call only if every reading "
        "between them gives the same"
    )


def parse_ihc(raw: str | None) -> IhcReading:
    """Parse one IHC value (ASCO/CAP 2018 scores 0, 1+, 2+, 3+ and real-world variants).

    Accepts ``0``/``0+``/``1+``..``3+``, ranges (``0-1+``, ``1-2+``, ``2-3+``),
    annotations (``(focal)``, ``(outside)``, ``1+ (outside 3+)``,
    ``3+ (heterogenous 70-80% pos)``) and the words of
    :data:`~her2scope.her2.words.IHC_WORDS` plus ``ultralow``, ``0 (null)``,
    ``HER2-null`` and ``no staining``. A bare ``NULL`` is missing. See the
    module docstring for the in-house-first rule.
    """
    if raw is not None and (reason := too_long(raw)) is not None:
        return IhcReading(raw=raw, unusable=reason)
    if raw is None or is_missing_token(raw):
        return IhcReading(raw=raw, missing=True)
    text = normalise(raw)
    notes: list[str] = []
    zero_level: Literal["null", "ultralow"] | None = None
    if _ULTRALOW_RE.search(text):
        zero_level = "ultralow"
    elif _NULL_RE.search(text):
        zero_level = "null"

    pieces = [p.strip() for p in _PAREN_RE.findall(text)]
    main = _PAREN_RE.sub(" ", text)
    if "(" in main or ")" in main:
        return IhcReading(raw=raw, unusable="unbalanced parentheses")
    main_parts = [p.strip() for p in _SPLIT_RE.split(main)]
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
    main = normalise(main)
    main = main[_IHC_PREFIX_RE.match(main).end() :].strip()  # type: ignore[union-attr]

    outside: str | None = None
    outside_max: int | None = None
    word_scores: list[tuple[int, int, str]] = []
    conflict: str | None = None
    if _IHC_FAILED_RE.fullmatch(main):
        # ASCO/CAP 2018: a test that cannot be scored is reported "indeterminate":
        # no result (said in the rationale), not an unreadable value
        return IhcReading(raw=raw, missing=True, notes=(main,))
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
        elif _HETERO_RE.search(piece):
            # keep the detail ("70-80% pos") but spell the word one way
            detail = piece.split(maxsplit=1)[1] if " " in piece else ""
            notes.append(f"heterogeneous {detail}".strip())
        elif (bare := _bare_score_or_word(piece)) is not None and (
            piece in IHC_WORDS or main in IHC_WORDS
        ):
            # one of the two is a word: "Negative (0)", "3+ (positive)"
            word_scores.append((*bare, piece))
        elif score is not None or _DIGIT_RE.search(_PERCENT_RE.sub(" ", piece)):
            # "2+ (3+)", "0, 3", "2,3": a second score without saying whose it is
            return IhcReading(
                raw=raw, unusable="two IHC scores without saying which is the outside reading"
            )
        elif _ULTRALOW_RE.search(piece) or _NULL_RE.search(piece):
            continue  # already captured as the zero level
        else:
            notes.append(piece)

    lo: int | None
    hi: int | None
    if main == "" and zero_level is not None:
        lo = hi = 0
    elif (m := _IHC_RANGE_RE.fullmatch(main)) is not None:
        lo, hi = int(m.group(1)), int(m.group(2))
        if hi > 3 or lo > 3:
            return IhcReading(raw=raw, unusable="IHC score out of range 0-3")
        if lo > hi:
            return IhcReading(raw=raw, unusable="IHC range written high to low")
    elif (m := _IHC_SINGLE_RE.fullmatch(main)) is not None:
        lo = hi = int(m.group(1))
        if lo > 3:
            return IhcReading(raw=raw, unusable="IHC score out of range 0-3")
    elif main in IHC_WORDS:
        lo, hi = IHC_WORDS[main]
        notes.insert(0, f"'{main}' = {IhcReading(raw=None, lo=lo, hi=hi).label}")
    elif (paired := _score_and_word(main, zero_level is not None)) is not None:
        if isinstance(paired, str):
            return IhcReading(raw=raw, unusable=paired)
        lo, hi, conflict = paired
    else:
        return IhcReading(raw=raw, unusable="not a recognised IHC score")
    if word_scores:
        # "Negative (0)", "Positive (3+)", "3 (Negative)": a word and a score of the
        # same stain. When they disagree, both readings are kept as a range and the
        # call is made only if they agree on it (never one of them picked silently).
        for wlo, whi, written in word_scores:
            if not (wlo <= lo and hi <= whi) and not (lo <= wlo and whi <= hi):
                main_label = IhcReading(raw=None, lo=lo, hi=hi).label
                word_first = written in IHC_WORDS
                conflict = _conflict(
                    main_label if word_first else f"{written.rstrip('+')}+",
                    written if word_first else main,
                )
                lo, hi = min(lo, wlo), max(hi, whi)
                notes = [n for n in notes if not n.startswith(f"'{main}' = ")]
                continue
            if lo <= wlo and whi <= hi and (lo, hi) != (wlo, whi):
                # the score in parentheses is the more precise reading than the word
                lo, hi = wlo, whi
                notes = [n for n in notes if not n.startswith(f"'{main}' = ")]

    if zero_level is not None and not (lo == 0 and hi == 0):
        return IhcReading(raw=raw, unusable=f"'{zero_level}' only applies to IHC 0")
    return IhcReading(
        raw=raw,
        conflict=conflict,
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
            return f"ISH status {shorten_raw(self.raw)} unusable ({self.unusable})"
        if self.missing:
            return ""
        # the raw text already carries its annotations ("Negative (outside)")
        return f"reported {' '.join(str(self.raw).split())}"


_HER2_NAME_RE = re.compile(r"\bher ?2\b")
_DASHES_RE = re.compile(r"[-‐‑‒–—_]")
_FAILED_PHRASE_RE = re.compile(
    r"\b(?:"
    + "|".join(re.escape(p) for p in sorted(ISH_FAILED_PHRASES, key=len, reverse=True))
    + r")\b"
)
_WORD_RE = re.compile(r"[a-z0-9]++|[^a-z0-9 ]")
_CLAUSE_MARKS = frozenset({",", ";", "/", "&"}) | ISH_CLAUSE_WORDS
_IGNORED_MARKS = frozenset({":", "=", ".", "'", '"'})
_GROUP_WORD_RE = re.compile(r"group([1-5])")
#: What a reported dual-probe group says about amplification on its own (2-4
#: depend on the IHC), to catch a note that contradicts it.
_GROUP_STATUS: dict[int, IshStatus] = {1: "amplified", 5: "not_amplified"}


@dataclass(frozen=True, slots=True)
class _Statement:
    """What one ISH statement (a cell's core or a note in parentheses) says."""

    status: IshStatus | None = None
    group: int | None = None
    unusable: str | None = None
    unknown_words: tuple[str, ...] = ()
    has_status_word: bool = False


def _read_clause(words: list[str]) -> _Statement | None:
    """One clause of an ISH statement; None when it holds no status (only filler words)."""
    amplified = not_amplified = negations = equivocal = failed = 0
    group: int | None = None
    unknown: list[str] = []
    i = 0
    while i < len(words):
        w = words[i]
        if w == "group" and i + 1 < len(words) and words[i + 1] in {"1", "2", "3", "4", "5"}:
            group = int(words[i + 1])
            i += 2
            continue
        if (g := _GROUP_WORD_RE.fullmatch(w)) is not None:
            group = int(g.group(1))
        elif w.startswith(ISH_AMPLIFIED_PREFIXES) or w in ISH_AMPLIFIED_WORDS:
            amplified += 1
        elif w.startswith(ISH_NOT_AMPLIFIED_PREFIXES) or w in ISH_NOT_AMPLIFIED_WORDS:
            not_amplified += 1
        elif w in ISH_NEGATIONS:
            negations += 1
        elif w in ISH_EQUIVOCAL_WORDS:
            equivocal += 1
        elif w in ISH_FAILED_WORDS:
            failed += 1
        elif w not in ISH_FILLER_WORDS and w not in _IGNORED_MARKS:
            unknown.append(w)
        i += 1
    kinds = sum(bool(k) for k in (amplified or not_amplified, equivocal, failed, group is not None))
    if unknown:
        return _Statement(
            unusable="words outside the ISH vocabulary",
            unknown_words=tuple(dict.fromkeys(unknown)),
            has_status_word=kinds > 0,
        )
    if kinds == 0:
        return _Statement(unusable="negation without a status word") if negations else None
    if group is not None:
        if kinds > 1 or negations:
            return _Statement(unusable="conflicting ISH status words")
        return _Statement(group=group)
    if failed:
        # "amplification test failed": the failure is the result
        if negations or equivocal:
            return _Statement(unusable="negated or conflicting test failure")
        return _Statement(status="failed")
    if equivocal:
        if kinds > 1:
            return _Statement(unusable="conflicting ISH status words")
        if negations:
            return _Statement(unusable="a negated 'equivocal' does not say which side")
        return _Statement(status="equivocal")
    # amplification axis: one negation (a negation word or a not-amplified word) turns
    # "amplified" into "not amplified", wherever it stands in the clause
    n_negative = negations + not_amplified
    if n_negative >= 2:
        return _Statement(unusable="double negation")
    if amplified:
        return _Statement(status="not_amplified" if n_negative == 1 else "amplified")
    return _Statement(status="not_amplified")


def _read_statement(text: str) -> _Statement | None:
    """An ISH statement (normalised text, no parentheses); None if it says nothing."""
    text = _HER2_NAME_RE.sub("her2", _DASHES_RE.sub(" ", text))
    text = _FAILED_PHRASE_RE.sub(" failed ", text)
    clauses: list[list[str]] = [[]]
    for w in _WORD_RE.findall(text):
        if w in _CLAUSE_MARKS:
            clauses.append([])
        else:
            clauses[-1].append(w)
    read = [r for c in clauses if (r := _read_clause(c)) is not None]
    if not read:
        return None
    unknown = [w for r in read for w in r.unknown_words]
    if unknown:
        if not any(r.has_status_word or r.unusable is None for r in read):
            return _Statement(unusable="not a recognised ISH status")
        return _Statement(unusable=f"word(s) outside the ISH vocabulary: {' '.join(unknown)!r}")
    for r in read:
        if r.unusable is not None:
            return r
    said = {(r.status, r.group) for r in read}
    if len(said) > 1:
        return _Statement(unusable="conflicting ISH status words")
    return read[0]


def parse_ish_status(raw: str | None) -> IshStatusReading:
    """Parse a reported ISH status (``Positive``/``amplified``, ``Negative``/``not amplified``/
    ``No evidence of amplification``, ``Equivocal``, ``Test Failure``, ``ISH group 1``-``5``,
    ``Negative (outside)``).

    Words and negations as in :mod:`her2scope.her2.words`; anything else is
    unusable. Missing tokens (``Not Applicable``, ``Unk/ND``, ``[Not
    Available]``) give ``missing``; a test failure is kept as status
    ``failed`` (no result, but said in the rationale). A note in parentheses
    that states a different status than the cell makes it unusable, unless
    the note is an outside reading (in-house first).
    """
    if raw is not None and (reason := too_long(raw)) is not None:
        return IshStatusReading(raw=raw, unusable=reason)
    if raw is None or is_missing_token(raw):
        return IshStatusReading(raw=raw, missing=True)
    text = normalise(raw)
    notes: list[str] = []
    note_statements: list[_Statement] = []
    for piece in _PAREN_RE.findall(text):
        if _OUTSIDE_RE.search(piece):
            notes.append("outside lab")
            continue
        notes.append(piece.strip())
        said = _read_statement(piece)
        if said is not None and said.unusable is None:
            note_statements.append(said)
    core = _PAREN_RE.sub(" ", text)
    if "(" in core or ")" in core:
        return IshStatusReading(raw=raw, unusable="unbalanced parentheses")
    if _OUTSIDE_RE.search(core):
        notes.append("outside lab")
        core = _OUTSIDE_RE.sub(" ", core)
    said = _read_statement(core)
    if said is None:
        return IshStatusReading(raw=raw, unusable="not a recognised ISH status")
    if said.unusable is not None:
        return IshStatusReading(raw=raw, unusable=said.unusable)
    core_status = said.status if said.group is None else _GROUP_STATUS.get(said.group)
    for note in note_statements:
        note_status = note.status if note.group is None else _GROUP_STATUS.get(note.group)
        if core_status is not None and note_status is not None and note_status != core_status:
            return IshStatusReading(raw=raw, unusable="conflicting ISH status words")
    return IshStatusReading(
        raw=raw, status=said.status, group=said.group, notes=tuple(dict.fromkeys(notes))
    )


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
            return f"ISH ratio {shorten_raw(self.raw)} unusable ({self.unusable})"
        if self.missing or self.ratio is None:
            return ""
        text = f"ratio {_fmt(self.ratio)}"
        if self.copies is not None:
            text += f", HER2 {_fmt(self.copies)}/cell"
        if self.notes:
            text += f" ({'; '.join(self.notes)})"
        return text


_RATIO_LEAD_RE = re.compile(r"(?:ratio ?(?:[:=] ?)?)?")
_CN_RE = re.compile(r"\bcn ?(?:[:=] ?)?(?=[\d.])")


def parse_ish_ratio(
    raw: str | None,
    *,
    threshold: float = RATIO_CONFLICT_THRESHOLD,
    decimal_comma: bool = False,
) -> IshValueReading:
    """Parse a HER2/CEP17 ratio cell as written by MSK pathology.

    ``1.1`` -> ratio; ``2 (CN 4.8)`` and ``4.0, CN 9.7`` -> ratio and average
    HER2 copies per cell (ASCO/CAP 2018 dual-probe groups need both);
    ``1.3 (OSH CN 4.2)`` -> same, noted as outside lab; ``1.7 (Outside: 2.4)``
    and ``1.4 (CN 3.0) (same sample OSH 2.3)`` -> in-house numbers used, the
    outside ratio noted; ``1.8, MSK failed`` -> 1.8 used, failure noted;
    ``1.4, 1.9`` and ``1.2-1.6`` -> see the module docstring (two values
    compared with ``threshold``, the profile's ratio threshold); ``1e3``,
    ``250%``, ``1,8`` (unless ``decimal_comma``) -> unusable; ``Not done`` ->
    missing.
    """
    if raw is not None and (reason := too_long(raw)) is not None:
        return IshValueReading(raw=raw, unusable=reason)
    if raw is None or is_missing_token(raw):
        return IshValueReading(raw=raw, missing=True)
    text = normalise(raw)
    lead_end = _RATIO_LEAD_RE.match(text).end()  # type: ignore[union-attr]
    first = _read_number(text, lead_end, decimal_comma=decimal_comma)
    if isinstance(first, str):
        why = "no HER2/CEP17 ratio number" if first == "no number" else first
        return IshValueReading(raw=raw, unusable=why)
    ratio, pos = first
    second_ratio: float | None = None
    second_kind = "two ratios"
    if (dash := _RANGE_RE.match(text, pos)) is not None:
        second = _read_number(text, dash.end(), decimal_comma=decimal_comma)
        if isinstance(second, str):
            return IshValueReading(raw=raw, unusable=f"ratio range: {second}")
        second_ratio, pos = second
        second_kind = "ratio range"
    rest = text[pos:]
    pieces = [p.strip() for p in _PAREN_RE.findall(rest)]
    outer = _PAREN_RE.sub(" ", rest)
    if "(" in outer or ")" in outer:
        return IshValueReading(raw=raw, unusable="unbalanced parentheses")
    pieces.extend(p.strip() for p in _SPLIT_RE.split(outer))

    copies: float | None = None
    notes: list[str] = []
    for piece in pieces:
        if not piece:
            continue
        cn = _CN_RE.search(piece)
        if cn is not None:
            got = _read_number(piece, cn.end(), decimal_comma=decimal_comma)
            if isinstance(got, str):
                return IshValueReading(raw=raw, unusable=f"HER2 copy number: {got}")
            value, cn_end = got
            if _RANGE_RE.match(piece, cn_end) is not None:
                return IshValueReading(raw=raw, unusable="a range of HER2 copy numbers")
            if _DIGIT_RE.search(piece[: cn.start()] + piece[cn_end:]):
                return IshValueReading(raw=raw, unusable=f"more than one number in {piece!r}")
            if copies is not None and copies != value:
                return IshValueReading(raw=raw, unusable="two different HER2 copy numbers")
            copies = value
            if _OUTSIDE_RE.search(piece):
                notes.append("outside lab")
            continue
        if _OUTSIDE_RE.search(piece) or "same sample" in piece:
            other = _NUM_RE.search(piece)
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
        number = _one_number(piece, decimal_comma=decimal_comma)
        if isinstance(number, str):
            return IshValueReading(raw=raw, unusable=f"second value: {number}")
        if number is not None:
            if second_ratio is not None:
                return IshValueReading(raw=raw, unusable="more than two ratios")
            second_ratio = number
            continue
        if _DIGIT_RE.search(piece):
            return IshValueReading(raw=raw, unusable=f"unrecognised number in {piece!r}")
        notes.append(piece)

    if ratio <= 0:
        return IshValueReading(raw=raw, unusable=f"ratio {_fmt(ratio)} is not a counted ratio")
    if copies is not None and copies <= 0:
        return IshValueReading(raw=raw, unusable="HER2 copy number must be positive")
    if second_ratio is not None:
        if second_ratio <= 0:
            return IshValueReading(
                raw=raw, unusable=f"ratio {_fmt(second_ratio)} is not a counted ratio"
            )
        if (ratio >= threshold) != (second_ratio >= threshold):
            written = (
                f"{_fmt(ratio)} and {_fmt(second_ratio)}"
                if second_kind == "two ratios"
                else f"{_fmt(ratio)}-{_fmt(second_ratio)}"
            )
            return IshValueReading(
                raw=raw,
                unusable=f"{second_kind} {written} on either side of {_fmt(threshold)}",
            )
        notes.append(
            f"{'second ratio' if second_kind == 'two ratios' else 'range up to'} "
            f"{_fmt(second_ratio)} on the same side of {_fmt(threshold)}"
        )
    return IshValueReading(raw=raw, ratio=ratio, copies=copies, notes=tuple(dict.fromkeys(notes)))


@dataclass(frozen=True, slots=True)
class CopiesReading:
    """An average signals-per-cell value (HER2 or CEP17)."""

    raw: str | None
    value: float | None = None
    notes: tuple[str, ...] = ()
    missing: bool = False
    unusable: str | None = None


_COPIES_LEAD_RE = re.compile(r"(?:cn ?(?:[:=] ?)?)?")
_COPIES_SPLIT_RE = re.compile(r"[(),;]")


def parse_copies(raw: str | None, *, decimal_comma: bool = False) -> CopiesReading:
    """Parse an average HER2 or CEP17 signals-per-cell value (``4.8``, ``6.2 (outside)``).

    Plain decimals only (see the module docstring); a range, a percentage or
    scientific notation is unusable.
    """
    if raw is not None and (reason := too_long(raw)) is not None:
        return CopiesReading(raw=raw, unusable=reason)
    if raw is None or is_missing_token(raw):
        return CopiesReading(raw=raw, missing=True)
    text = normalise(raw)
    lead_end = _COPIES_LEAD_RE.match(text).end()  # type: ignore[union-attr]
    got = _read_number(text, lead_end, decimal_comma=decimal_comma)
    if isinstance(got, str):
        why = "not a number of signals per cell" if got == "no number" else got
        return CopiesReading(raw=raw, unusable=why)
    value, end = got
    if value <= 0:
        return CopiesReading(raw=raw, unusable="signals per cell must be positive")
    if _RANGE_RE.match(text, end) is not None:
        return CopiesReading(raw=raw, unusable="a range of signals per cell")
    rest = text[end:].strip(" ,;")
    notes: list[str] = []
    for piece in _COPIES_SPLIT_RE.split(rest):
        piece = piece.strip()
        if not piece:
            continue
        if _DIGIT_RE.search(piece) and not _OUTSIDE_RE.search(piece):
            return CopiesReading(raw=raw, unusable="more than one number")
        notes.append("outside lab" if _OUTSIDE_RE.search(piece) else piece)
    return CopiesReading(raw=raw, value=value, notes=tuple(notes))

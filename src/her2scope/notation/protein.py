"""Protein (``p.``) and coding-DNA (``c.``) changes as labs print them -> one canonical form.

Protein changes are read in HGVS one- and three-letter form, with or without
``p.`` and the predicted-consequence parentheses (``p.(Tyr537Ser)``), with
``Ter``, ``*`` or ``X`` for a stop, ``fs``/``fsTer12``/``fs*12``, in-frame
``del``/``ins``/``delins``/``dup``, ``ext`` and cBioPortal's ``X1283_splice``.
The canonical form is the one-letter form cBioPortal, OncoKB and Cancer
Hotspots print (``Y537S``, ``R1276*``, ``Q514Rfs*43``, ``E746_A750del``),
so one lookup serves every source.

Coding-DNA changes (``c.1610A>C``, ``c.5946delT``, ``c.1234+1G>A``) are read
for what they say and no more: the protein effect of a substitution is not
derived (that needs the transcript sequence), but a deletion, duplication or
insertion inside the coding sequence whose length is not a multiple of three is
a frameshift by definition (HGVS, den Dunnen et al., Hum Mutat 2016,
doi 10.1002/humu.22981).

Every function here runs in time linear in the input: a single left-to-right
scan plus anchored regular expressions without nested repetition.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

THREE_TO_ONE: dict[str, str] = {
    "ala": "A",
    "arg": "R",
    "asn": "N",
    "asp": "D",
    "cys": "C",
    "gln": "Q",
    "glu": "E",
    "gly": "G",
    "his": "H",
    "ile": "I",
    "leu": "L",
    "lys": "K",
    "met": "M",
    "phe": "F",
    "pro": "P",
    "ser": "S",
    "thr": "T",
    "trp": "W",
    "tyr": "Y",
    "val": "V",
    "ter": "*",
    "sec": "U",
    "xaa": "X",
}

# The canonical one-letter grammar. ``ref`` may be ``*`` (stop-loss, ``*1213Wext*12``)
# or ``X`` (cBioPortal's ``X1283_splice``).
_ONE_LETTER = re.compile(
    r"(?P<ref>[A-Z*])(?P<pos>\d+)"
    r"(?:_(?P<ref2>[A-Z*])(?P<pos2>\d+))?"
    r"(?P<edit>"
    r"(?P<fs>[A-Z]?fs(?:\*(?:\d+|\?)?)?)"
    r"|(?P<ext>[A-Z]?ext(?:\*|-)?(?:\d+|\?)?)"
    r"|delins[A-Z*]+"
    r"|del"
    r"|dup"
    r"|ins[A-Z*]+"
    r"|_splice|splice"
    r"|=|\?"
    r"|(?P<alt>[A-Z*])"
    r"|"
    r")"
)
# The rest of a change that the former reader accepted verbatim (kept so that
# strings read before still read: ``*1213delext*?``); the change is kept as written.
_LENIENT_REST = re.compile(r"([A-Z*]|fs|_|del|ins|dup|delins|ext|=|\?)")
_LOWER_SIMPLE = re.compile(r"[a-z]\d+[a-z*]")


def _three_to_one(s: str) -> str:
    """``Gln514ArgfsTer43`` -> ``Q514Rfs*43`` in one scan (unknown triples stay)."""
    out: list[str] = []
    i, n = 0, len(s)
    while i < n:
        c = s[i]
        if c.isupper() and i + 3 <= n:
            tri = s[i : i + 3]
            one = THREE_TO_ONE.get(tri.lower())
            if one is not None and tri[1:].islower():
                out.append(one)
                i += 3
                continue
        out.append(c)
        i += 1
    return "".join(out)


def normalise_protein_change(raw: str) -> tuple[str, bool] | None:
    """``p.Tyr537Ser`` -> (``Y537S``, False); ``R1276*`` -> (``R1276*``, True).

    Returns None when the text is not a protein change. The flag says whether
    the change is truncating (nonsense, frameshift, splice site).
    """
    s = raw.strip()
    if s[:2].lower() == "p.":
        s = s[2:]
    if s.startswith("(") and s.endswith(")"):
        s = s[1:-1]
    s = s.strip("()")
    if not s or len(s) > 400:
        return None
    if _LOWER_SIMPLE.fullmatch(s):  # ``d538g`` typed in lower case
        s = s.upper()
    s = _three_to_one(s)
    m = _ONE_LETTER.fullmatch(s)
    if m is not None:
        ref, pos, edit = m.group("ref"), m.group("pos"), m.group("edit")
        alt = m.group("alt")
        if alt == "X" and ref != "X" and m.group("ref2") is None:
            alt = "*"  # the older stop symbol (``R1276X``)
            edit = "*"
        if m.group("fs"):
            # ``fsX12``/``fsTer12`` already became ``fs*12`` above; keep it
            edit = m.group("fs")
        head = f"{ref}{pos}"
        if m.group("ref2") is not None:
            head += f"_{m.group('ref2')}{m.group('pos2')}"
        truncating = (
            (alt == "*" and ref != "*") or bool(m.group("fs")) or edit.endswith("splice")
        )
        if m.group("ref2") is not None and alt is not None:
            return None  # ``A1_B2C`` is not a change
        return head + edit, truncating
    # the former lenient reading: a residue, a position and a recognised start of an edit
    m1 = re.match(r"([A-Z*])(\d+)", s)
    if m1 is None:
        return None
    rest = s[m1.end() :]
    if rest and not _LENIENT_REST.match(rest):
        return None
    rest_l = rest.lower()
    truncating = rest.startswith("*") or rest == "X" or "fs" in rest_l or "splice" in rest_l
    return s, truncating


# c. positions: ``1610``, ``-14``, ``*12``, ``1234+1``, ``1235-2``; edits of HGVS c.
_C_CHANGE = re.compile(
    r"c\.(?P<start>[-*]?\d+)(?P<soff>[+-]\d+)?"
    r"(?:_(?P<end>[-*]?\d+)(?P<eoff>[+-]\d+)?)?"
    r"(?P<edit>(?P<ref>[ACGTN])>(?P<alt>[ACGTN])"
    r"|delins(?P<delins>[ACGTN]+)"
    r"|del(?P<del>[ACGTN]*)"
    r"|dup(?P<dup>[ACGTN]*)"
    r"|ins(?P<ins>[ACGTN]+)"
    r"|inv[ACGTN]*|=)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class CodingChange:
    """A ``c.`` change read for what it states.

    ``frameshift`` is True only when the change alters the coding length by a
    number of bases not divisible by three inside the coding sequence (no
    intronic offset, no UTR position): a frameshift by definition. ``splice_site``
    marks the canonical +1/+2/-1/-2 intronic positions. Everything else needs
    the protein effect from the report (``protein_effect_needed``).
    """

    text: str
    frameshift: bool
    in_frame: bool
    splice_site: bool
    intronic: bool

    @property
    def protein_effect_needed(self) -> bool:
        return not self.frameshift


def read_coding_change(raw: str) -> CodingChange | None:
    """``c.5946delT`` -> CodingChange(frameshift=True); None when not a ``c.`` change."""
    s = raw.strip()
    if len(s) > 400:
        return None
    m = _C_CHANGE.fullmatch(s)
    if m is None:
        return None
    text = "c." + s[2:]
    offsets = [o for o in (m.group("soff"), m.group("eoff")) if o]
    intronic = bool(offsets)
    splice_site = any(abs(int(o)) <= 2 for o in offsets)
    positions = [p for p in (m.group("start"), m.group("end")) if p]
    in_cds = not intronic and not any(p[0] in "-*" for p in positions)
    length_change: int | None = None
    if in_cds:
        start = int(m.group("start"))
        end = int(m.group("end")) if m.group("end") else start
        span = end - start + 1
        if span >= 1:
            if m.group("delins") is not None:
                length_change = len(m.group("delins")) - span
            elif m.group("del") is not None:
                length_change = -span
            elif m.group("dup") is not None:
                length_change = span
            elif m.group("ins") is not None:
                length_change = len(m.group("ins"))
    frameshift = length_change is not None and length_change % 3 != 0
    in_frame = length_change is not None and length_change % 3 == 0 and length_change != 0
    return CodingChange(text, frameshift, in_frame, splice_site, intronic)

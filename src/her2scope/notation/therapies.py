"""Therapy strings as clinicians write them -> agents, classes, regimen and qualifiers.

``anastrozole (Arimidex), adjuvant`` reads as anastrozole (brand Arimidex) in
the adjuvant setting; ``TCHP x6`` as the regimen TCHP (docetaxel, carboplatin,
trastuzumab, pertuzumab) for six cycles; ``letrozole + ribociclib + OFS`` as
three parts, the last the class ovarian function suppression. Words of a
string are either used (a drug, brand, code name, abbreviation, regimen
acronym, class word, or a qualifier: setting, line, schedule, cycles, dose,
dates) or reported as not understood with the words.

The dictionary is the knowledge base's therapies.yaml (generic names, classes,
synonyms) plus the shipped vocabulary table ``data/drug_vocabulary.tsv``
(NCI Thesaurus codes, brands, code names, regimen acronyms; derived by
``scripts/derive_drug_vocabulary.py``). Reading is linear in the input: one
tokenisation and a bounded-window longest-match lookup.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

from her2scope.notation.variants import split_on

SETTING_WORDS: dict[str, str] = {
    "adjuvant": "adjuvant",
    "adj": "adjuvant",
    "adj.": "adjuvant",
    "post-operative": "adjuvant",
    "postoperative": "adjuvant",
    "extended adjuvant": "extended_adjuvant",
    "neoadjuvant": "neoadjuvant",
    "neo-adjuvant": "neoadjuvant",
    "neoadj": "neoadjuvant",
    "neoadj.": "neoadjuvant",
    "preoperative": "neoadjuvant",
    "pre-operative": "neoadjuvant",
    "perioperative": "perioperative",
    "metastatic": "metastatic",
    "palliative": "metastatic",
    "advanced": "metastatic",
    "maintenance": "maintenance",
    "post-neoadjuvant": "post_neoadjuvant",
}
SCHEDULE_WORDS: dict[str, str] = {
    "weekly": "weekly",
    "qw": "weekly",
    "q1w": "weekly",
    "q2w": "every 2 weeks",
    "q3w": "every 3 weeks",
    "q4w": "every 4 weeks",
    "q12w": "every 12 weeks",
    "every 2 weeks": "every 2 weeks",
    "every 3 weeks": "every 3 weeks",
    "every 4 weeks": "every 4 weeks",
    "every three weeks": "every 3 weeks",
    "biweekly": "every 2 weeks",
    "dose-dense": "dose-dense",
    "dose dense": "dose-dense",
    "daily": "daily",
    "bid": "twice daily",
    "oral": "oral",
    "po": "oral",
    "iv": "intravenous",
    "sc": "subcutaneous",
    "subcutaneous": "subcutaneous",
    "intravenous": "intravenous",
    "monthly": "monthly",
    "continuous": "continuous",
    "3 weeks on 1 week off": "3 weeks on, 1 week off",
    "21/7": "3 weeks on, 1 week off",
}
STATUS_WORDS: dict[str, str] = {
    "ongoing": "ongoing",
    "current": "ongoing",
    "currently": "ongoing",
    "completed": "completed",
    "stopped": "stopped",
    "discontinued": "stopped",
    "progressed": "progressed",
    "progression": "progressed",
    "pd": "progressed",
}
_LINE_WORDS = {
    "first": 1,
    "1st": 1,
    "second": 2,
    "2nd": 2,
    "third": 3,
    "3rd": 3,
    "fourth": 4,
    "4th": 4,
    "fifth": 5,
    "5th": 5,
}
_FILLER = frozenset(
    {
        "(",
        ")",
        "[",
        "]",
        ",",
        ":",
        "-",
        "–",
        "on",
        "for",
        "of",
        "the",
        "in",
        "x",
        "×",
        "since",
        "from",
        "to",
        "until",
        "setting",
        "therapy",
        "treatment",
        "regimen",
        "alone",
        "monotherapy",
        "single",
        "agent",
        "single-agent",
        "then",
        "cycles",
        "cycle",
        "c",
        "line",
        "l",
    }
)
_SPLIT_WORDS = frozenset(
    {"+", "and", "with", "plus", "&", "then", "followed", "->", "→", "/", ";", ","}
)
_CYCLES = re.compile(r"(?:x|×)\s?(?P<n>\d{1,3})|(?P<m>\d{1,3})x|c(?P<c>\d{1,3})", re.I)
_LINE_TOKEN = re.compile(r"(?P<n>\d{1,2})(?:l|st|nd|rd|th)?(?:-line)?", re.I)
_DATE = re.compile(
    r"(?:\d{1,2}[/.])?(?:\d{1,2}[/.])?(?:19|20)\d{2}(?:[-/.]\d{1,2}){0,2}"
    r"|(?:19|20)\d{2}[-–](?:19|20)?\d{2}"
    r"|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]{0,6}\.?",
    re.I,
)
_DOSE = re.compile(r"\d{1,5}(?:\.\d{1,3})?(?:mg|mcg|µg|g|mg/m2|mg/m²|mg/kg|auc\d?)?", re.I)
_UNIT = frozenset({"mg", "mcg", "µg", "g", "mg/m2", "mg/m²", "mg/kg", "auc", "mg/day", "mg/d"})
_PHRASE_MAX = 5


@dataclass(frozen=True)
class Regimen:
    """A regimen acronym (``TCHP``): its agents, classes for unnamed members, and its source."""

    acronym: str
    agents: tuple[str, ...]
    classes: tuple[str, ...]
    source: str


@dataclass
class TherapyReading:
    """One therapy string, read.

    ``agents`` are knowledge-base therapy names; ``classes`` class ids with their
    parents (from the agents and from class words); ``regimen`` the acronym
    when one was used; ``setting``, ``line``, ``schedule``, ``cycles``,
    ``brands``, ``dates``, ``doses`` and ``status`` the qualifiers; ``not_understood``
    the parts that were not read, with the words.
    """

    text: str
    agents: list[str] = field(default_factory=list)
    classes: list[str] = field(default_factory=list)
    regimens: list[str] = field(default_factory=list)
    brands: list[str] = field(default_factory=list)
    setting: str | None = None
    settings: list[str] = field(default_factory=list)
    line: int | None = None
    schedule: list[str] = field(default_factory=list)
    cycles: int | None = None
    doses: list[str] = field(default_factory=list)
    dates: list[str] = field(default_factory=list)
    status: str | None = None
    not_understood: list[tuple[str, str]] = field(default_factory=list)
    #: every word of the string is in exactly one of these two lists (nothing dropped)
    words_used: list[str] = field(default_factory=list)
    words_not_understood: list[str] = field(default_factory=list)

    @property
    def regimen(self) -> str | None:
        """The first regimen acronym used (``TCHP``), if any."""
        return self.regimens[0] if self.regimens else None

    def tokens(self) -> set[str]:
        """Names and classes together, for matching against knowledge-base therapy lists."""
        return set(self.agents) | set(self.classes)


@lru_cache(maxsize=1)
def load_vocabulary() -> tuple[dict[str, str], dict[str, Regimen], dict[str, str], frozenset[str]]:
    """The shipped table: term -> generic, acronym -> Regimen, generic -> NCIt code, brands."""
    brands: set[str] = set()
    terms: dict[str, str] = {}
    regimens: dict[str, Regimen] = {}
    codes: dict[str, str] = {}
    text = resources.files("her2scope.data").joinpath("drug_vocabulary.tsv").read_text("utf-8")
    rows = csv.DictReader(
        (ln for ln in text.splitlines() if not ln.startswith("#")), delimiter="\t"
    )
    for row in rows:
        kind, term, name = row["kind"], row["term"], row["name"]
        if kind == "regimen":
            agents = tuple(a for a in row["agents"].split("|") if a)
            classes = tuple(c for c in row["classes"].split("|") if c)
            regimens[_norm(term)] = Regimen(term, agents, classes, row["source"])
        else:
            terms[_norm(term)] = name
            if kind == "brand":
                brands.add(_norm(term))
            if row.get("ncit_code"):
                codes[name] = row["ncit_code"]
    return terms, regimens, codes, frozenset(brands)


def _norm(text: str) -> str:
    return " ".join(str(text).lower().replace("γ", "g").replace("’", "'").split())


def _tokens(text: str, keep: Mapping[str, object] | None = None) -> list[str]:
    out: list[str] = []
    for raw in text.split():
        if keep is not None and _norm(raw.rstrip(",;")) in keep:
            out.append(raw.rstrip(",;"))
            if raw[-1] in ",;" and len(raw) > 1:
                out.append(raw[-1])
            continue
        words = raw.replace("→", " → ").replace("->", " -> ").split()
        for word in words:
            out.extend(_split_word(word))
    return out


def _split_word(word: str) -> list[str]:
    return split_on(word, "()[],;+&")


class TherapyReader:
    """Reads therapy strings with a name table, a class table and the regimen table.

    ``names``: normalised term -> therapy name; ``class_of``: normalised term ->
    class id; ``classes_of(name)`` / ``expand_class(id)``: classes with parents.
    """

    def __init__(
        self,
        names: dict[str, str],
        class_of: dict[str, str],
        classes_of: dict[str, list[str]],
        expand_class: dict[str, list[str]],
        regimens: dict[str, Regimen],
    ) -> None:
        self.names = names
        self.class_of = class_of
        self.classes_of = classes_of
        self.expand = expand_class
        self.regimens = regimens
        self.brand_terms: set[str] = set()
        #: a string longer than this is listed, not read
        self.max_chars = 1000

    def tokens(self, text: str) -> list[str]:
        """The words :meth:`read` sees (parentheses, commas and ``+`` are words of their own)."""
        return _tokens(str(text), self.regimens)

    def read(self, text: str) -> TherapyReading:
        """One therapy string -> :class:`TherapyReading`."""
        out = TherapyReading(str(text))
        toks = _tokens(str(text), self.regimens)
        if len(str(text)) > self.max_chars:
            out.not_understood.append(
                (str(text)[:80] + "...", f"longer than {self.max_chars} characters")
            )
            out.words_not_understood.extend(toks)
            return out
        segment: list[str] = []  # the words of the current part not used yet
        seg_words: list[str] = []  # every word of the current part, for the message
        i, n = 0, len(toks)

        def close() -> None:
            if segment:
                out.words_not_understood.extend(segment)
                part = " ".join(seg_words)
                unknown = " ".join(segment)
                why = "not in the therapy synonym table"
                if unknown != part:
                    why += f" (words not understood: {unknown})"
                out.not_understood.append((part, why))
            segment.clear()
            seg_words.clear()

        while i < n:
            tok = toks[i]
            low = tok.lower()
            if low in _SPLIT_WORDS:
                if low == "followed" and i + 1 < n and toks[i + 1].lower() == "by":
                    out.words_used.append(toks[i])
                    i += 1
                out.words_used.append(toks[i])
                close()
                i += 1
                continue
            used = self._phrase(toks, i, out)
            if used:
                seg_words.extend(toks[i : i + used])
                out.words_used.extend(toks[i : i + used])
                i += used
                continue
            # "letrozole/palbociclib": a slash pair of known words
            if "/" in tok and len(tok) <= 200:
                pieces = [p for p in tok.split("/") if p]
                if pieces and all(self._word(p, out, dry=True) for p in pieces):
                    for p in pieces:
                        self._word(p, out, dry=False)
                    seg_words.append(tok)
                    out.words_used.append(tok)
                    i += 1
                    continue
            seg_words.append(tok)
            if low not in _FILLER:
                segment.append(tok)
            else:
                out.words_used.append(tok)
            i += 1
        close()
        return out

    # -- pieces ------------------------------------------------------------------
    def _phrase(self, toks: list[str], i: int, out: TherapyReading) -> int:
        """Longest dictionary or qualifier phrase at ``i``; its length, 0 if none."""
        words: list[str] = []
        best = 0
        best_key = ""
        j = i
        while j < len(toks) and len(words) < _PHRASE_MAX:
            words.append(toks[j].lower().rstrip("."))
            if toks[j] in ",;+&":
                break
            key = _norm(" ".join(words))
            if (
                key in self.names
                or key in self.class_of
                or key in self.regimens
                or key in SETTING_WORDS
                or key in SCHEDULE_WORDS
                or key in STATUS_WORDS
            ):
                best, best_key = j - i + 1, key
            j += 1
        if best:
            self._apply(best_key, " ".join(toks[i : i + best]), out)
            return best
        return self._qualifier(toks, i, out)

    def _word(self, word: str, out: TherapyReading, *, dry: bool) -> bool:
        key = _norm(word)
        if key in self.names or key in self.class_of or key in self.regimens:
            if not dry:
                self._apply(key, word, out)
            return True
        return False

    def _apply(self, key: str, written: str, out: TherapyReading) -> None:
        if key in self.names:
            name = self.names[key]
            if name not in out.agents:
                out.agents.append(name)
            if key in self.brand_terms and written not in out.brands:
                out.brands.append(written)
            for c in self.classes_of.get(name, []):
                if c not in out.classes:
                    out.classes.append(c)
        elif key in self.regimens:
            reg = self.regimens[key]
            out.regimens.append(reg.acronym)
            for a in reg.agents:
                if a not in out.agents:
                    out.agents.append(a)
                for c in self.classes_of.get(a, []):
                    if c not in out.classes:
                        out.classes.append(c)
            for cid in reg.classes:
                for c in self.expand.get(cid, [cid]):
                    if c not in out.classes:
                        out.classes.append(c)
        elif key in self.class_of:
            for c in self.expand.get(self.class_of[key], [self.class_of[key]]):
                if c not in out.classes:
                    out.classes.append(c)
        elif key in SETTING_WORDS:
            if out.setting is None:
                out.setting = SETTING_WORDS[key]
            if SETTING_WORDS[key] not in out.settings:
                out.settings.append(SETTING_WORDS[key])
        elif key in SCHEDULE_WORDS:
            if SCHEDULE_WORDS[key] not in out.schedule:
                out.schedule.append(SCHEDULE_WORDS[key])
        elif key in STATUS_WORDS:
            out.status = STATUS_WORDS[key]

    def _qualifier(self, toks: list[str], i: int, out: TherapyReading) -> int:
        """Cycles (``x6``, ``6 cycles``), line (``1L``, ``first-line``), doses, dates."""
        tok = toks[i]
        low = tok.lower().rstrip(".")
        n = len(toks)
        m = _CYCLES.fullmatch(low)
        if m is not None:
            out.cycles = int(m.group("n") or m.group("m") or m.group("c"))
            return 1
        if low in ("x", "×") and i + 1 < n and toks[i + 1].isdigit():
            out.cycles = int(toks[i + 1])
            return 2
        if tok.isdigit() and i + 1 < n and toks[i + 1].lower() in ("cycles", "cycle", "x"):
            out.cycles = int(tok)
            return 2
        # lines: "1L", "2L", "first-line", "2nd line", "line 2"
        stem = low.removesuffix("-line").removesuffix("line")
        if low.endswith("line") and stem in _LINE_WORDS:
            out.line = _LINE_WORDS[stem]
            return 1
        if low in _LINE_WORDS and i + 1 < n and toks[i + 1].lower() in ("line", "line,"):
            out.line = _LINE_WORDS[low]
            return 2
        if re.fullmatch(r"\d{1,2}l", low):
            out.line = int(low[:-1])
            return 1
        if low == "line" and i + 1 < n and toks[i + 1].isdigit():
            out.line = int(toks[i + 1])
            return 2
        if i + 1 < n and toks[i + 1].lower() in _UNIT and re.fullmatch(r"[\d.]{1,8}", low):
            out.doses.append(f"{tok} {toks[i + 1]}")
            return 2
        if _DATE.fullmatch(low):
            out.dates.append(tok)
            return 1
        if _DOSE.fullmatch(low) and (
            not re.fullmatch(r"[\d.]+", low) or (i + 1 < n and toks[i + 1].lower() in _UNIT)
        ):
            width = 2 if i + 1 < n and toks[i + 1].lower() in _UNIT else 1
            out.doses.append(" ".join(toks[i : i + width]))
            return width
        return 0


def read_therapy_items(reader: TherapyReader, items: Iterable[str]) -> list[TherapyReading]:
    """Each item read (one :class:`TherapyReading` per item)."""
    return [reader.read(str(item)) for item in items]

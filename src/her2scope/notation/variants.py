"""Alterations as labs and clinicians write them -> findings, or "not understood" with the reason.

One item of a patient file (``ESR1 c.1610A>C (p.Tyr537Ser), ctDNA VAF 0.8%``)
may hold several findings separated by ``;`` (outside parentheses). Each part
is tokenised once and every token is either used by the finding (gene, change,
event word, annotation) or reported: a part with a word the reader does not
know is **not used** (the unknown word could be a negation or a qualifier that
changes the meaning) and is listed with the word.

Read forms (see tests/notation/test_notation_corpus.py for the real-world strings):

- protein changes, HGVS one/three letter, with or without ``p.``
  (:func:`her2scope.notation.protein.normalise_protein_change`);
- ``c.`` changes, alone (gene and change recognised; the protein effect is
  needed, except a frameshift that the ``c.`` change proves) or with the ``p.``
  in parentheses (the ``p.`` is used);
- transcript prefixes ``NM_000125.4:c.1610A>C`` and ClinVar's
  ``NM_000059.4(BRCA2):c.5946del (p.Ser1982fs)``;
- exon-level events (``exon 19 deletion``, ``exon 20 insertion``,
  ``exon 14 skipping``);
- copy number (``amplified``, ``amp (CN 8)``, ``gain``, ``homozygous
  deletion``, ``loss``) and expression findings (``PTEN loss by IHC``);
- fusions ``A::B``, ``A-B``, ``A/B``, ``B fusion (partner A)``,
  ``rearrangement``: the finding's gene is the kinase of the pair when one is a
  kinase (``ETV6::NTRK3`` -> NTRK3), otherwise the gene the caller knows, the
  other kept as ``partner``;
- annotations kept as attributes: specimen (``ctDNA``), ``VAF``, clonality,
  origin (``germline``/``somatic``), pathogenicity (``VUS``, ``likely
  pathogenic``), copy number, method (``by IHC``);
- negations (``not detected``, ``wild-type``, ``negative``) give a finding
  marked ``negated`` that is never matched.

The reader is linear in the length of its input: tokenising is one split,
phrases are looked up in a dictionary with a bounded window, and every regular
expression is anchored without nested repetition.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from her2scope.notation.protein import (
    CodingChange,
    normalise_protein_change,
    read_coding_change,
)

#: 3' kinase genes whose fusions are named after the kinase (tumour-agnostic targets:
#: NTRK1-3, RET, ALK, ROS1; also FGFR, BRAF, NRG1, MET as OncoKB lists them).
KINASE_GENES: frozenset[str] = frozenset(
    {
        "NTRK1",
        "NTRK2",
        "NTRK3",
        "RET",
        "ALK",
        "ROS1",
        "BRAF",
        "RAF1",
        "NRG1",
        "MET",
        "FGFR1",
        "FGFR2",
        "FGFR3",
        "ERBB2",
        "EGFR",
        "PDGFRA",
        "PDGFRB",
        "ABL1",
        "JAK2",
        "PIK3CA",
        "AKT3",
        "PRKACA",
    }
)

# Event words and phrases (lower case, tokens joined by one space) -> event. The
# entries of the former reader are kept with their meaning.
EVENT_PHRASES: dict[str, str] = {
    "amplification": "amplification",
    "amplified": "amplification",
    "amp": "amplification",
    "amplification (cna 2)": "amplification",
    "high-level amplification": "amplification",
    "high level amplification": "amplification",
    "focal amplification": "amplification",
    "copy number amplification": "amplification",
    "gain": "gain",
    "copy number gain": "gain",
    "low-level gain": "gain",
    "low level gain": "gain",
    "low-level amplification": "gain",
    "deletion": "deletion",
    "homozygous deletion": "deletion",
    "deep deletion": "deletion",
    "biallelic deletion": "deletion",
    "homdel": "deletion",
    "del": "deletion",
    "heterozygous deletion": "shallow_deletion",
    "hemizygous deletion": "shallow_deletion",
    "shallow deletion": "shallow_deletion",
    "copy number loss": "shallow_deletion",
    "loss": "loss",
    "lof": "loss",
    "loss of function": "loss",
    "loss-of-function": "loss",
    "inactivation": "loss",
    "inactivating mutation": "loss",
    "truncating mutation": "loss",
    "loss of expression": "loss",
    "expression loss": "loss",
    "fusion": "fusion",
    "fusions": "fusion",
    "gene fusion": "fusion",
    "rearrangement": "fusion",
    "rearranged": "fusion",
    "translocation": "fusion",
    "structural variant": "fusion",
    "mutation": "mutation",
    "mutations": "mutation",
    "mut": "mutation",
    "mutant": "mutation",
    "mutated": "mutation",
    "variant": "mutation",
    "activating mutation": "mutation",
    "hotspot mutation": "mutation",
    "missense mutation": "mutation",
    "missense": "mutation",
    "nonsense mutation": "mutation",
    "frameshift mutation": "mutation",
    "splice site mutation": "mutation",
    "splice-site mutation": "mutation",
    "kinase domain mutation": "mutation",
    "substitution": "mutation",
    "overexpression": "overexpression",
    "over-expression": "overexpression",
    "high expression": "overexpression",
}

# Words that say the finding is absent: the part is read, marked negated, never matched.
NEGATION_PHRASES: frozenset[str] = frozenset(
    {
        "not detected",
        "negative",
        "wild-type",
        "wild type",
        "wildtype",
        "wt",
        "absent",
        "no mutation",
        "not amplified",
        "no amplification",
        "not mutated",
        "no fusion",
        "no alteration",
        "no alterations",
        "none detected",
    }
)

# Annotations after the event -> (attribute, value).
ANNOTATION_PHRASES: dict[str, tuple[str, str]] = {
    "ctdna": ("specimen", "ctDNA"),
    "cfdna": ("specimen", "ctDNA"),
    "plasma": ("specimen", "ctDNA"),
    "liquid biopsy": ("specimen", "ctDNA"),
    "guardant360": ("specimen", "ctDNA"),
    "tissue": ("specimen", "tissue"),
    "tumor": ("specimen", "tissue"),
    "tumour": ("specimen", "tissue"),
    "germline": ("origin", "germline"),
    "constitutional": ("origin", "germline"),
    "somatic": ("origin", "somatic"),
    "subclonal": ("clonality", "subclonal"),
    "sub-clonal": ("clonality", "subclonal"),
    "clonal": ("clonality", "clonal"),
    "vus": ("pathogenicity", "vus"),
    "variant of uncertain significance": ("pathogenicity", "vus"),
    "variant of unknown significance": ("pathogenicity", "vus"),
    "uncertain significance": ("pathogenicity", "vus"),
    "unknown significance": ("pathogenicity", "vus"),
    "likely pathogenic": ("pathogenicity", "likely_pathogenic"),
    "pathogenic": ("pathogenicity", "pathogenic"),
    "pathogenic variant": ("pathogenicity", "pathogenic"),
    "deleterious": ("pathogenicity", "pathogenic"),
    "likely benign": ("pathogenicity", "likely_benign"),
    "benign": ("pathogenicity", "benign"),
    "oncogenic": ("oncogenicity", "oncogenic"),
    "likely oncogenic": ("oncogenicity", "likely_oncogenic"),
    "hotspot": ("stated", "hotspot"),
    "activating": ("stated", "activating"),
    "driver": ("stated", "driver"),
    "heterozygous": ("zygosity", "heterozygous"),
    "homozygous": ("zygosity", "homozygous"),
    "monoallelic": ("zygosity", "heterozygous"),
    "biallelic": ("zygosity", "biallelic"),
    "detected": ("stated", "detected"),
    "positive": ("stated", "detected"),
    "present": ("stated", "detected"),
    "by ihc": ("method", "IHC"),
    "ihc": ("method", "IHC"),
    "by ngs": ("method", "NGS"),
    "ngs": ("method", "NGS"),
    "by fish": ("method", "FISH"),
    "fish": ("method", "FISH"),
    "by ish": ("method", "ISH"),
    "by pcr": ("method", "PCR"),
    "by ddpcr": ("method", "ddPCR"),
    "ddpcr": ("method", "ddPCR"),
    "by immunohistochemistry": ("method", "IHC"),
    "tier i": ("tier", "I"),
    "tier ii": ("tier", "II"),
    "tier iii": ("tier", "III"),
    "tier 1": ("tier", "I"),
    "tier 2": ("tier", "II"),
    "tier 3": ("tier", "III"),
}

_PHRASE_MAX = 4
_BODY_FILLER = frozenset({"in", "on", "at", "the", "a", "an", "of", "from", "seen", "found"})
_NEGATING_HEADS = frozenset({"no", "not", "negative", "without", "none"})
_BRACKETS = re.compile(r"[(),\[\]]")
_FILLER = frozenset({",", "(", ")", "[", "]", ":", "-", "of", "in", "the", "a", "an", "at", "on"})
_GENE_RE = re.compile(r"[A-Za-z][A-Za-z0-9]{0,15}(?:-[A-Za-z0-9]{1,8})?")
_GENE_PART = re.compile(r"[A-Za-z][A-Za-z0-9]{1,15}")
_PAIR_RE = re.compile(
    r"(?P<a>[A-Za-z][A-Za-z0-9]{1,15})(?P<sep>::|-|/|--|:)(?P<b>[A-Za-z][A-Za-z0-9]{1,15})"
)
_TRANSCRIPT = re.compile(r"(?:[NX][MRP]_\d{1,12}|ENS[TP]\d{6,15})(?:\.\d{1,3})?", re.IGNORECASE)
_TRANSCRIPT_CHANGE = re.compile(
    r"(?P<tx>(?:[NX][MRP]_\d{1,12}|ENS[TP]\d{6,15})(?:\.\d{1,3})?)"
    r"(?:\((?P<gene>[A-Za-z][A-Za-z0-9-]{0,20})\))?:(?P<change>[cpn]\..+)",
    re.IGNORECASE,
)
_GENE_CHANGE = re.compile(r"(?P<gene>[A-Za-z][A-Za-z0-9-]{0,20}):(?P<change>[cp]\..+)")
_NUMBER = re.compile(r"(?P<num>\d{1,6}(?:\.\d{1,6})?)(?P<pct>%?)")
_VAF_KEYS = frozenset({"vaf", "af", "maf", "vaf:", "af:", "vaf=", "af="})
_VAF_INLINE = re.compile(r"(?:vaf|af|maf)[:=]?(?P<num>\d{1,3}(?:\.\d{1,6})?)(?P<pct>%?)", re.I)
_CN_KEYS = frozenset({"cn", "cn:", "cn=", "copies", "copy", "cn~"})
_CN_INLINE = re.compile(r"cn[:=~]?(?P<num>\d{1,4}(?:\.\d{1,3})?)", re.I)
_EXON_RE = re.compile(r"(?:exon|ex)(?P<num>\d{1,3})?", re.I)
_EXON_EVENTS = {
    "deletion": "deletion",
    "del": "deletion",
    "deletions": "deletion",
    "insertion": "insertion",
    "insertions": "insertion",
    "ins": "insertion",
    "duplication": "duplication",
    "dup": "duplication",
    "skipping": "skipping",
    "skip": "skipping",
    "mutation": "mutation",
    "mutations": "mutation",
    "alteration": "mutation",
    "delins": "deletion-insertion",
}


@dataclass(frozen=True)
class Finding:
    """One finding read from a part of an item.

    ``event`` is the knowledge-base event (mutation, amplification, deletion,
    loss, fusion, overexpression) or a reading the knowledge base has no event
    for (``gain``, ``shallow_deletion``). ``tokens`` are the words of the part
    this finding used (every word of the part is in it: nothing is dropped).
    """

    text: str
    gene: str
    event: str
    protein_change: str | None = None
    truncating: bool = False
    partner: str | None = None
    cdna: str | None = None
    transcript: str | None = None
    exon: str | None = None
    exon_event: str | None = None
    splice_site: bool = False
    frameshift_from_cdna: bool = False
    specimen: str | None = None
    origin: str | None = None
    vaf_percent: float | None = None
    clonality: str | None = None
    pathogenicity: str | None = None
    oncogenicity: str | None = None
    zygosity: str | None = None
    copy_number: float | None = None
    method: str | None = None
    tier: str | None = None
    stated: tuple[str, ...] = ()
    negated: bool = False
    tokens: tuple[str, ...] = field(default=(), compare=False)

    @property
    def protein_effect_needed(self) -> bool:
        """A ``c.`` change without a ``p.`` whose effect the ``c.`` change does not prove."""
        return self.cdna is not None and self.protein_change is None and not self.truncating

    @property
    def actionable(self) -> bool:
        """May this finding be matched to biomarkers?

        Not when negated, a VUS or (likely) benign, or a ``c.`` change whose
        protein effect is not known.
        """
        if self.negated or self.protein_effect_needed:
            return False
        return self.pathogenicity not in ("vus", "benign", "likely_benign")

    @property
    def label(self) -> str:
        """What was read, in the field's words (``ESR1 Y537S``, ``NTRK3 fusion (ETV6::NTRK3)``)."""
        if self.protein_change:
            return f"{self.gene} {self.protein_change}"
        if self.event == "fusion" and self.partner:
            return f"{self.gene} fusion ({self.partner}::{self.gene})"
        if self.exon is not None:
            return f"{self.gene} exon {self.exon} {self.exon_event or 'mutation'}"
        if self.cdna is not None:
            return f"{self.gene} {self.cdna}"
        return f"{self.gene} {self.event}"

    def attributes(self) -> dict[str, str | float | bool]:
        """The annotations that were given (origin, specimen, VAF, ...), for display."""
        out: dict[str, str | float | bool] = {}
        for key in (
            "transcript",
            "cdna",
            "exon",
            "specimen",
            "origin",
            "vaf_percent",
            "clonality",
            "pathogenicity",
            "oncogenicity",
            "zygosity",
            "copy_number",
            "method",
            "tier",
        ):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        if self.splice_site:
            out["splice_site"] = True
        if self.frameshift_from_cdna:
            out["frameshift_from_cdna"] = True
        if self.negated:
            out["negated"] = True
        return out


@dataclass(frozen=True)
class NotUnderstood:
    """A part of an item that was not used, with the reason and the words not understood."""

    text: str
    reason: str
    words: tuple[str, ...] = ()


@dataclass
class AlterationReading:
    """What :func:`read_alterations` made of a list of items."""

    findings: list[Finding] = field(default_factory=list)
    not_understood: list[NotUnderstood] = field(default_factory=list)
    #: item index of each finding and each not-understood part (same order)
    finding_items: list[int] = field(default_factory=list)
    not_understood_items: list[int] = field(default_factory=list)


def split_parts(item: str) -> list[str]:
    """Split an item on ``;`` outside parentheses (``t(12;15)`` stays whole)."""
    if ";" not in item:  # the common case, without the character scan
        return [" ".join(item.split())] if item.strip() else []
    parts: list[str] = []
    depth, start = 0, 0
    for i, ch in enumerate(item):
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth = max(0, depth - 1)
        elif ch == ";" and depth == 0:
            parts.append(item[start:i])
            start = i + 1
    parts.append(item[start:])
    return [" ".join(p.split()) for p in parts if p.strip()]


def tokenize(part: str) -> list[str]:
    """Words of one part: parentheses and commas are their own tokens; ``p.(X)`` stays whole."""
    out: list[str] = []
    for word in part.split():
        if not _BRACKETS.search(word):  # the common case: a plain word
            out.append(word)
            continue
        # ``p.(Tyr537Ser)``, ``NM_000059.4(BRCA2):c.5946del``: parentheses inside a word stay
        if "(" in word and not word.startswith("(") and ("." in word or ":" in word):
            trailing = ""
            while word.endswith(",") or (word.endswith(")") and word.count(")") > word.count("(")):
                trailing = word[-1] + trailing
                word = word[:-1]
            out.append(word)
            out.extend(trailing)
            continue
        out.extend(split_on(word, "(),[]"))
    return out


def split_on(word: str, marks: str) -> list[str]:
    """``word`` cut at each of ``marks``, every mark kept as its own token, in one pass
    (``"T-DM1(Kadcyla),"`` on ``"(),"`` -> ``T-DM1 ( Kadcyla ) ,``)."""
    out: list[str] = []
    buf: list[str] = []
    for ch in word:
        if ch in marks:
            if buf:
                out.append("".join(buf))
                buf = []
            out.append(ch)
        else:
            buf.append(ch)
    if buf:
        out.append("".join(buf))
    return out


class VariantReader:
    """Reads alteration items into :class:`Finding` objects.

    ``gene_alias`` maps a written symbol to the approved one (``HER2`` ->
    ``ERBB2``); ``known_gene`` tells which gene of a non-kinase fusion pair the
    caller has entries for (``ESR1`` in ``ESR1-CCDC170``).
    """

    def __init__(
        self,
        gene_alias: Callable[[str], str] | None = None,
        known_gene: Callable[[str], bool] | None = None,
        max_part_chars: int = 500,
    ) -> None:
        self.gene_alias = gene_alias or (lambda g: g.upper())
        self.known_gene = known_gene or (lambda g: False)
        #: a part longer than this is listed, not read (no finding is that long)
        self.max_part_chars = max_part_chars

    # -- public -----------------------------------------------------------------
    def read(self, items: Iterable[str]) -> AlterationReading:
        """Every item, split on ``;``: findings, and what was not understood with the reason."""
        out = AlterationReading()
        for index, item in enumerate(items):
            for result in self.read_item(str(item)):
                if isinstance(result, Finding):
                    out.findings.append(result)
                    out.finding_items.append(index)
                else:
                    out.not_understood.append(result)
                    out.not_understood_items.append(index)
        return out

    def read_item(self, item: str) -> list[Finding | NotUnderstood]:
        """One item -> one result per ``;``-separated part (an empty item is not understood)."""
        parts = split_parts(item)
        if not parts:
            return [NotUnderstood(item, "empty alteration")]
        return [self.read_part(p) for p in parts]

    def read_part(self, part: str) -> Finding | NotUnderstood:
        """One finding, or why not."""
        text = " ".join(part.split())
        if not text:
            return NotUnderstood(part, "empty alteration")
        if len(text) > self.max_part_chars:
            return NotUnderstood(
                text[:80] + "...", f"longer than {self.max_part_chars} characters: not read"
            )
        tokens = tokenize(text)
        return _PartReader(self, text, tokens).run()


class _PartReader:
    """The state of reading one part (kept out of :class:`VariantReader` so it stays reentrant)."""

    def __init__(self, owner: VariantReader, text: str, tokens: list[str]) -> None:
        self.owner = owner
        self.text = text
        self.tokens = tokens
        self.gene: str | None = None
        self.partner: str | None = None
        self.events: list[str] = []
        self.protein: tuple[str, bool] | None = None
        self.cdna: CodingChange | None = None
        self.transcript: str | None = None
        self.exon: str | None = None
        self.exon_event: str | None = None
        self.attrs: dict[str, str] = {}
        self.stated: list[str] = []
        self.vaf: float | None = None
        self.copy_number: float | None = None
        self.negated = False
        self.unknown: list[str] = []
        self.problems: list[str] = []
        self.fusion_pair = False

    # -- helpers -------------------------------------------------------------
    def _gene_of(self, word: str) -> str:
        return self.owner.gene_alias(word)

    def _set_protein(self, change: tuple[str, bool]) -> None:
        if self.protein is not None and self.protein[0] != change[0]:
            self.problems.append(f"two different protein changes ({self.protein[0]}, {change[0]})")
        self.protein = change

    def _change_token(self, word: str) -> bool:
        """A ``p.``/``c.`` change, possibly with a transcript or gene prefix; True when used."""
        w = word.rstrip(",")
        m = _TRANSCRIPT_CHANGE.fullmatch(w)
        if m is not None:
            self.transcript = m.group("tx")
            if m.group("gene"):
                g = self._gene_of(m.group("gene"))
                if self.gene is None:
                    self.gene = g
                elif g != self.gene:
                    self.problems.append(f"two genes ({self.gene}, {g})")
            return self._change_token(m.group("change"))
        if self.gene is not None:
            mg = _GENE_CHANGE.fullmatch(w)
            if mg is not None and self._gene_of(mg.group("gene")) == self.gene:
                return self._change_token(mg.group("change"))
        low = w[:2].lower()
        if low == "c.":
            cc = read_coding_change(w)
            if cc is None:
                return False
            if self.cdna is not None and self.cdna.text != cc.text:
                self.problems.append(f"two different c. changes ({self.cdna.text}, {cc.text})")
            self.cdna = cc
            return True
        if low == "n.":
            return False
        pc = normalise_protein_change(w)
        if pc is not None:
            self._set_protein(pc)
            return True
        return False

    def _phrase_at(self, i: int) -> tuple[int, str] | None:
        """Longest phrase (events, negations, annotations) starting at token ``i``."""
        words: list[str] = []
        best: tuple[int, str] | None = None
        j = i
        while j < len(self.tokens) and len(words) < _PHRASE_MAX:
            tok = self.tokens[j].lower().rstrip(",.")
            if not tok:
                break
            words.append(tok)
            key = " ".join(words)
            if key in EVENT_PHRASES or key in NEGATION_PHRASES or key in ANNOTATION_PHRASES:
                best = (j - i + 1, key)
            j += 1
        return best

    def _number_at(self, i: int) -> tuple[float, bool] | None:
        if i >= len(self.tokens):
            return None
        m = _NUMBER.fullmatch(self.tokens[i].rstrip(","))
        if m is None:
            return None
        return float(m.group("num")), bool(m.group("pct"))

    # -- the reading ---------------------------------------------------------
    def run(self) -> Finding | NotUnderstood:
        toks = self.tokens
        n = len(toks)
        i = 0
        # the head: a fusion pair, a transcript(gene):change, gene:change or a gene symbol
        head = toks[0]
        if head.endswith(":") and len(head) > 1 and n > 1:  # "PIK3CA: H1047R"
            head = head[:-1]
        if head.lower() in _NEGATING_HEADS:
            return NotUnderstood(
                self.text,
                "a negative statement (nothing found): not a finding to match; "
                "list only what was found",
            )
        pair = _PAIR_RE.fullmatch(head)
        mtx = _TRANSCRIPT_CHANGE.fullmatch(head.rstrip(","))
        mgc = _GENE_CHANGE.fullmatch(head.rstrip(","))
        if mtx is not None:
            if not mtx.group("gene"):
                return NotUnderstood(
                    self.text,
                    "a transcript without a gene symbol: write the gene first "
                    "(e.g. 'ESR1 NM_000125.4:c.1610A>C (p.Tyr537Ser)')",
                )
            self._change_token(head)
            i = 1
        elif pair is not None and self._is_pair(pair):
            self._pair(pair.group("a"), pair.group("b"))
            i = 1
        elif mgc is not None:
            self.gene = self._gene_of(mgc.group("gene"))
            if not self._change_token(mgc.group("change")):
                return NotUnderstood(
                    self.text, f"cannot read {mgc.group('change')!r} as a c. or p. change"
                )
            i = 1
        elif _GENE_RE.fullmatch(head) and head.lower() not in _FILLER:
            self.gene = self._gene_of(head)
            i = 1
        elif "/" in head and _GENE_RE.fullmatch(head.split("/")[0]):
            return NotUnderstood(
                self.text,
                f"{head!r} names more than one gene and is not a fusion pair: "
                "write one finding per gene (e.g. 'CDKN2A loss; CDKN2B loss')",
            )
        else:
            return NotUnderstood(self.text, "does not start with a gene symbol")
        while i < n:
            tok = toks[i]
            low = tok.lower().rstrip(",")
            if tok in ("(", ")", "[", "]", ",") or low in ("", "-", ":"):
                i += 1
                continue
            # a change: p., c., transcript-prefixed
            if self._change_token(tok):
                i += 1
                continue
            if _TRANSCRIPT.fullmatch(low):
                self.transcript = tok.rstrip(",")
                i += 1
                continue
            # VAF / copy number with their numbers
            if low in _VAF_KEYS or low in ("allele", "variant"):
                j = i + 1
                if low in ("allele", "variant"):
                    # "allele fraction 12%", "variant allele frequency 12%"
                    words = [t.lower().rstrip(":=") for t in toks[i : i + 4]]
                    if words[:2] == ["allele", "fraction"] or words[:2] == ["allele", "frequency"]:
                        j = i + 2
                    elif words[:3] in (
                        ["variant", "allele", "fraction"],
                        ["variant", "allele", "frequency"],
                    ):
                        j = i + 3
                    else:
                        j = -1
                if j > 0:
                    if j < n and toks[j] in (":", "="):
                        j += 1
                    num = self._number_at(j)
                    if num is not None:
                        self.vaf = num[0] if num[1] or num[0] > 1 else num[0] * 100
                        i = j + 1
                        continue
            mv = _VAF_INLINE.fullmatch(low)
            if mv is not None:
                value = float(mv.group("num"))
                self.vaf = value if mv.group("pct") or value > 1 else value * 100
                i += 1
                continue
            if low in _CN_KEYS or (low == "copy" and i + 1 < n and toks[i + 1].lower() == "number"):
                j = i + 1
                if low == "copy":
                    j = i + 2
                if j < n and toks[j] in (":", "=", "~"):
                    j += 1
                num = self._number_at(j)
                if num is not None and not num[1]:
                    self.copy_number = num[0]
                    i = j + 1
                    continue
            mcn = _CN_INLINE.fullmatch(low)
            if mcn is not None:
                self.copy_number = float(mcn.group("num"))
                i += 1
                continue
            # a number followed by "copies" / a VAF-like "0.8% VAF"
            num = self._number_at(i)
            if num is not None and i + 1 < n:
                nxt = toks[i + 1].lower().rstrip(",")
                if nxt in ("copies", "copy") and not num[1]:
                    self.copy_number = num[0]
                    i += 2
                    continue
                if nxt in ("vaf", "af", "maf") and num[1]:
                    self.vaf = num[0]
                    i += 2
                    continue
            # exon-level events: "exon 19 deletion", "exon20 insertion", "ex19del"
            after_exon = self._exon_at(i)
            if after_exon is not None:
                i = after_exon
                continue
            # "partner ETV6", "fusion partner: ETV6", "with CCDC170" (after a fusion word)
            if low in ("partner", "partner:", "with") and i + 1 < n:
                j = i + 1
                if toks[j] in (":",):
                    j += 1
                if (
                    j < n
                    and _GENE_RE.fullmatch(toks[j].rstrip(",)"))
                    and (low != "with" or "fusion" in self.events)
                ):
                    self.partner = self._gene_of(toks[j].rstrip(",)"))
                    i = j + 1
                    continue
            if low in ("5'", "3'", "5’", "3’"):
                i += 1
                continue
            phrase = self._phrase_at(i)
            if phrase is None and low in _BODY_FILLER:  # "detected in ctDNA", "at the hotspot"
                i += 1
                continue
            if phrase is not None:
                length, key = phrase
                if key in EVENT_PHRASES:
                    self.events.append(EVENT_PHRASES[key])
                elif key in NEGATION_PHRASES:
                    self.negated = True
                else:
                    attr, said = ANNOTATION_PHRASES[key]
                    if attr == "stated":
                        self.stated.append(said)
                    elif attr in self.attrs and self.attrs[attr] != said:
                        self.problems.append(f"two different {attr} ({self.attrs[attr]}, {said})")
                    else:
                        self.attrs[attr] = said
                i += length
                continue
            # a fusion pair later in the part: "NTRK3 fusion ETV6-NTRK3"
            later = _PAIR_RE.fullmatch(tok.rstrip(","))
            if later is not None and self._is_pair(later):
                genes = {self._gene_of(later.group("a")), self._gene_of(later.group("b"))}
                if self.gene in genes:
                    other = genes - {self.gene}
                    self.partner = other.pop() if other else None
                    self.fusion_pair = True
                    i += 1
                    continue
            # the gene's other name repeated: "ERBB2 (HER2) amplification"
            word = tok.rstrip(",")
            if (
                _GENE_RE.fullmatch(word)
                and self.gene is not None
                and self._gene_of(word) == self.gene
            ):
                i += 1
                continue
            self.unknown.append(tok)
            i += 1
        return self._finish()

    def _exon_at(self, i: int) -> int | None:
        toks = self.tokens
        n = len(toks)
        low = toks[i].lower().rstrip(",")
        m = _EXON_RE.fullmatch(low)
        j = i + 1
        num: str | None = None
        if m is not None:
            num = m.group("num")
            if num is None:
                if j < n and toks[j].isdigit():
                    num = toks[j]
                    j += 1
                else:
                    return None
        else:
            # "ex19del", "exon19del"
            mm = re.fullmatch(r"(?:exon|ex)(\d{1,3})(del|ins|dup|skipping)", low)
            if mm is None:
                return None
            self.exon, self.exon_event = mm.group(1), _EXON_EVENTS[mm.group(2)]
            self.events.append("mutation")
            return j
        if j < n and toks[j].lower().rstrip(",") in _EXON_EVENTS:
            self.exon_event = _EXON_EVENTS[toks[j].lower().rstrip(",")]
            j += 1
            # "exon 20 insertion mutation"
            if j < n and toks[j].lower().rstrip(",") in ("mutation", "mutations"):
                j += 1
        else:
            return None
        self.exon = num
        self.events.append("mutation")
        return j

    def _is_pair(self, m: re.Match[str]) -> bool:
        a, b = m.group("a"), m.group("b")
        # NKX2-1, HLA-A: a gene symbol with a short suffix, not a pair
        return bool(_GENE_PART.fullmatch(a) and _GENE_PART.fullmatch(b)) and not b.isdigit()

    def _pair(self, a_raw: str, b_raw: str) -> None:
        a, b = self._gene_of(a_raw), self._gene_of(b_raw)
        self.fusion_pair = True
        a_kin, b_kin = a in KINASE_GENES, b in KINASE_GENES
        if b_kin or (not a_kin and self.owner.known_gene(b) and not self.owner.known_gene(a)):
            gene, partner = b, a
        elif a_kin or self.owner.known_gene(a):
            gene, partner = a, b
        else:
            gene, partner = b, a  # 5'::3': the 3' gene keeps its domain
        self.gene, self.partner = gene, partner

    def _finish(self) -> Finding | NotUnderstood:
        gene = self.gene
        assert gene is not None
        if self.unknown:
            words = tuple(self.unknown)
            if list(words) == self.tokens[1:]:
                tail = " ".join(words)
                return NotUnderstood(
                    self.text, f"cannot read {tail!r} as an event or protein change", words
                )
            return NotUnderstood(
                self.text,
                f"cannot read {' '.join(words)!r} as an event, protein change or annotation; "
                "the finding is not used (an unknown word may change its meaning)",
                words,
            )
        if self.problems:
            return NotUnderstood(self.text, "; ".join(self.problems))
        events = set(self.events)
        if self.fusion_pair:
            events.discard("fusion")
            if events:
                return NotUnderstood(
                    self.text, f"a gene pair with a non-fusion event ({', '.join(sorted(events))})"
                )
            events = {"fusion"}
        has_change = self.protein is not None or self.cdna is not None
        if has_change:
            # "mutation", "variant", "missense" add nothing to a change; "loss" is a
            # reading of a truncating change ("truncating mutation")
            extra = events - {"mutation", "loss"}
            if extra:
                return NotUnderstood(
                    self.text,
                    "a sequence change with a copy-number/fusion word ("
                    + ", ".join(sorted(extra))
                    + ")",
                )
            events = {"mutation"}
        if not events:
            if self.negated or self.exon is not None:
                events = {"mutation"}
            else:
                return NotUnderstood(self.text, "no event or protein change after the gene symbol")
        if len(events) > 1:
            return NotUnderstood(
                self.text, f"several events in one finding ({', '.join(sorted(events))})"
            )
        event = events.pop()
        protein_change, truncating = self.protein or (None, False)
        cdna = self.cdna.text if self.cdna else None
        frameshift = False
        splice = False
        if self.cdna is not None:
            splice = self.cdna.splice_site
            if self.protein is None and self.cdna.frameshift:
                truncating = True
                frameshift = True
        if self.attrs.get("method") == "IHC" and event == "mutation" and has_change:
            return NotUnderstood(self.text, "a sequence change cannot be found by IHC")
        return Finding(
            text=self.text,
            gene=gene,
            event=event,
            protein_change=protein_change,
            truncating=truncating,
            partner=self.partner,
            cdna=cdna,
            transcript=self.transcript,
            exon=self.exon,
            exon_event=self.exon_event,
            splice_site=splice,
            frameshift_from_cdna=frameshift,
            specimen=self.attrs.get("specimen"),
            origin=self.attrs.get("origin"),
            vaf_percent=self.vaf,
            clonality=self.attrs.get("clonality"),
            pathogenicity=self.attrs.get("pathogenicity"),
            oncogenicity=self.attrs.get("oncogenicity"),
            zygosity=self.attrs.get("zygosity"),
            copy_number=self.copy_number,
            method=self.attrs.get("method"),
            tier=self.attrs.get("tier"),
            stated=tuple(self.stated),
            negated=self.negated,
            tokens=tuple(self.tokens),
        )


def read_alterations(items: Iterable[str]) -> AlterationReading:
    """Read alteration items with a reader that knows no knowledge base (symbols upper-cased)."""
    return VariantReader().read(items)

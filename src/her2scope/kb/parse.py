"""Free-form alterations and therapies -> knowledge-base terms.

Alterations are written many ways by clinicians and reports: ``ESR1 Y537S``,
``ESR1 p.Y537S``, ``ESR1 p.Tyr537Ser``, ``FGFR1 amp``, ``PTEN deletion``,
``NF1 loss``, ``ESR1 fusion``, ``ESR1-CCDC170 fusion``, ``ERBB2 mutation``,
or a non-genomic marker such as ``p95HER2 positive``. :func:`parse_alteration`
reads one string into a :class:`ParsedAlteration` (gene, event, protein
change) or says why it could not. :func:`match_alteration` maps it onto KB
biomarkers. :class:`TherapyNormaliser` maps drug names, brand names,
abbreviations and classes (``AI``, ``CDK4/6i``, ``T-DM1``) onto the KB
synonym table.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from her2scope.kb.schema import Biomarker, KnowledgeBase

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

_EVENT_WORDS: dict[str, str] = {
    "amplification": "amplification",
    "amplified": "amplification",
    "amp": "amplification",
    "amplification (cna 2)": "amplification",
    "high-level amplification": "amplification",
    "copy number amplification": "amplification",
    "deletion": "deletion",
    "homozygous deletion": "deletion",
    "deep deletion": "deletion",
    "homdel": "deletion",
    "del": "deletion",
    "loss": "loss",
    "lof": "loss",
    "loss of function": "loss",
    "loss-of-function": "loss",
    "inactivation": "loss",
    "inactivating mutation": "loss",
    "truncating mutation": "loss",
    "fusion": "fusion",
    "fusions": "fusion",
    "rearrangement": "fusion",
    "translocation": "fusion",
    "structural variant": "fusion",
    "mutation": "mutation",
    "mutations": "mutation",
    "mut": "mutation",
    "mutant": "mutation",
    "mutated": "mutation",
    "activating mutation": "mutation",
    "hotspot mutation": "mutation",
    "missense mutation": "mutation",
    "exon 20 insertion": "mutation",
    "exon 20 ins": "mutation",
    "exon 20 insertion mutation": "mutation",
    "exon 20 duplication": "mutation",
    "exon20 insertion": "mutation",
    "kinase domain mutation": "mutation",
    "overexpression": "overexpression",
    "over-expression": "overexpression",
    "high expression": "overexpression",
}

_ONE_LETTER = r"[ACDEFGHIKLMNPQRSTVWYX*]"
# One-letter (``Y537S``, ``R1276*``, ``L123fs``, ``X1234_splice``, ``E746_A750del``)
_P1 = re.compile(rf"^(?P<ref>{_ONE_LETTER})(?P<pos>\d+)(?P<rest>.*)$")
# Three-letter (``Tyr537Ser``, ``Arg1276Ter``, ``Leu123fs``)
_P3 = re.compile(r"^(?P<ref>[A-Z][a-z]{2})(?P<pos>\d+)(?P<rest>.*)$")
_ALT3 = re.compile(r"^([A-Z][a-z]{2})(.*)$")
_GENE = re.compile(r"^[A-Za-z][A-Za-z0-9\-]*$")
_FUSION_PAIR = re.compile(r"^(?P<a>[A-Za-z0-9]+)[-:/](?P<b>[A-Za-z0-9]+)$")


@dataclass(frozen=True)
class ParsedAlteration:
    """One alteration understood as gene + event (+ protein change)."""

    text: str
    gene: str
    event: str
    protein_change: str | None = None
    truncating: bool = False
    partner: str | None = None

    @property
    def label(self) -> str:
        if self.protein_change:
            return f"{self.gene} {self.protein_change}"
        return f"{self.gene} {self.event}"


@dataclass(frozen=True)
class Unrecognised:
    """An input the base does not understand, and why (``kind``: alteration|therapy|field)."""

    text: str
    kind: str
    reason: str

    def to_dict(self) -> dict[str, str]:
        return {"input": self.text, "kind": self.kind, "reason": self.reason}


def normalise_protein_change(raw: str) -> tuple[str, bool] | None:
    """``p.Tyr537Ser`` -> (``Y537S``, False); ``R1276*`` -> (``R1276*``, True).

    Returns None when the text is not a protein change. The flag says whether
    the change is truncating (nonsense, frameshift, splice site).
    """
    s = raw.strip()
    if s.lower().startswith("p."):
        s = s[2:]
    s = s.strip("()")
    if not s:
        return None
    if re.fullmatch(r"[a-z]\d+[a-z*]", s):  # ``d538g`` typed in lower case
        s = s.upper()
    m3 = _P3.match(s)
    if m3 and m3.group("ref").lower() in THREE_TO_ONE:
        ref = THREE_TO_ONE[m3.group("ref").lower()]
        rest = m3.group("rest")
        alt = _ALT3.match(rest)
        if alt and alt.group(1).lower() in THREE_TO_ONE:
            rest = THREE_TO_ONE[alt.group(1).lower()] + alt.group(2)
        s = f"{ref}{m3.group('pos')}{rest}"
    m1 = _P1.match(s)
    if not m1:
        return None
    rest = m1.group("rest")
    rest_l = rest.lower()
    truncating = (
        rest.startswith("*")
        or rest == "X"
        or "fs" in rest_l
        or "splice" in rest_l
        or rest_l.startswith("ter")
    )
    if rest and not re.match(r"^([A-Z*]|fs|_|del|ins|dup|delins|ext|=|\?)", rest):
        return None
    return f"{m1.group('ref')}{m1.group('pos')}{rest}", truncating


class AlterationParser:
    """Parses free-form alteration strings with the KB's gene aliases and marker aliases.

    ``hotspot`` (gene, protein change) -> bool decides ``match: hotspot`` biomarkers
    (default: Cancer Hotspots v2, :mod:`her2scope.kb.hotspots`).
    """

    def __init__(
        self, kb: KnowledgeBase, hotspot: Callable[[str, str], bool] | None = None
    ) -> None:
        self.kb = kb
        if hotspot is None:
            from her2scope.kb.hotspots import load_hotspots

            table = load_hotspots()

            def hotspot(gene: str, change: str) -> bool:
                return table.lookup(gene, change) is not None

        self.hotspot = hotspot
        self.gene_aliases = {k.upper(): v for k, v in kb.meta.gene_aliases.items()}
        self.alias_index: dict[str, Biomarker] = {}
        for b in kb.biomarkers:
            for a in b.aliases:
                self.alias_index[_norm(a)] = b
        self.by_gene: dict[str, list[Biomarker]] = {}
        for b in kb.biomarkers:
            if b.kind == "gene_alteration" and b.gene:
                self.by_gene.setdefault(b.gene, []).append(b)

    def gene(self, token: str) -> str:
        up = token.upper()
        return self.gene_aliases.get(up, up)

    def parse(self, text: str) -> ParsedAlteration | Unrecognised:
        """One string -> :class:`ParsedAlteration`, or :class:`Unrecognised` with a reason."""
        raw = " ".join(str(text).split())
        if not raw:
            return Unrecognised(str(text), "alteration", "empty alteration")
        tokens = raw.split(" ", 1)
        head, tail = tokens[0], (tokens[1] if len(tokens) > 1 else "")
        # "ESR1-CCDC170 fusion": a gene pair before the event word
        pair = _FUSION_PAIR.match(head)
        if pair and _EVENT_WORDS.get(tail.lower()) == "fusion":
            a, b = self.gene(pair.group("a")), self.gene(pair.group("b"))
            gene = a if a in self.by_gene or b not in self.by_gene else b
            partner = b if gene == a else a
            return ParsedAlteration(raw, gene, "fusion", partner=partner)
        if not _GENE.match(head):
            return Unrecognised(raw, "alteration", "does not start with a gene symbol")
        gene = self.gene(head)
        tail_l = tail.lower().strip()
        if not tail_l:
            return Unrecognised(
                raw, "alteration", "no event or protein change after the gene symbol"
            )
        if tail_l in _EVENT_WORDS:
            return ParsedAlteration(raw, gene, _EVENT_WORDS[tail_l])
        # "Y537S mutation", "p.Y537S (hotspot)": the first token is the change
        first = tail.split(" ", 1)[0]
        pc = normalise_protein_change(first)
        if pc is not None:
            change, truncating = pc
            return ParsedAlteration(raw, gene, "mutation", change, truncating)
        # "fusion with CCDC170", "amplification (CN 8)"
        for word, event in sorted(_EVENT_WORDS.items(), key=lambda kv: -len(kv[0])):
            if tail_l.startswith(word + " ") or tail_l.startswith(word + "("):
                return ParsedAlteration(raw, gene, event)
        return Unrecognised(
            raw, "alteration", f"cannot read {tail!r} as an event or protein change"
        )

    def match(
        self, text: str
    ) -> tuple[ParsedAlteration | None, list[Biomarker], Unrecognised | None]:
        """Parse and match to biomarkers; the third item explains a failure."""
        alias = self.alias_index.get(_norm(text))
        if alias is not None:
            return None, [alias], None
        parsed = self.parse(text)
        if isinstance(parsed, Unrecognised):
            return None, [], parsed
        candidates = self.by_gene.get(parsed.gene, [])
        if not candidates:
            return (
                parsed,
                [],
                Unrecognised(
                    parsed.text, "alteration", f"gene {parsed.gene} is not in the knowledge base"
                ),
            )
        hits = [b for b in candidates if biomarker_matches(b, parsed, self.hotspot)]
        if hits:
            return parsed, hits, None
        listed = sorted({f"{e}" for b in candidates for e in b.events})
        detail = (
            f"variant {parsed.protein_change} is not a listed {parsed.gene} alteration "
            "(pathogenicity not assessed)"
            if parsed.protein_change
            else f"{parsed.gene} {parsed.event} is not in the knowledge base "
            f"(known events: {', '.join(listed)})"
        )
        return parsed, [], Unrecognised(parsed.text, "alteration", detail)


def biomarker_matches(
    b: Biomarker, p: ParsedAlteration, hotspot: Callable[[str, str], bool] | None = None
) -> bool:
    """Does the parsed alteration satisfy this gene-alteration biomarker?

    ``match: hotspot`` accepts a listed change or any Cancer Hotspots v2 hotspot
    (``hotspot(gene, change)``).
    """
    if b.gene != p.gene:
        return False
    event = p.event
    # a homozygous deletion or a truncating mutation is a loss of function
    if "loss" in b.events and (event == "deletion" or (event == "mutation" and p.truncating)):
        return True
    if event not in b.events:
        return False
    if event != "mutation":
        return True
    if p.protein_change is None:
        return b.accept_unspecified
    if b.match == "any":
        return True
    if b.match == "truncating" and p.truncating:
        return True
    if (
        b.match == "hotspot"
        and not p.truncating
        and hotspot is not None
        and hotspot(p.gene, p.protein_change)
    ):
        return True
    return _listed(b.protein_changes, p.protein_change)


def _listed(listed: list[str], change: str) -> bool:
    for item in listed:
        if item == change:
            return True
        # a bare position (``F404``) matches any change at it
        if re.fullmatch(r"[A-Z]\d+", item) and re.match(rf"^{item}(?!\d)", change):
            return True
    return False


def _norm(text: str) -> str:
    return " ".join(str(text).lower().replace("γ", "g").split())


@dataclass
class NormalisedTherapies:
    """Therapy inputs normalised: names, classes (with parents), and what was not understood."""

    names: list[str] = field(default_factory=list)
    classes: list[str] = field(default_factory=list)
    unrecognised: list[Unrecognised] = field(default_factory=list)

    def tokens(self) -> set[str]:
        """Names and classes together, for matching against KB therapy lists."""
        return set(self.names) | set(self.classes)


class TherapyNormaliser:
    """Maps therapy words onto KB therapy names and class ids using the synonym table."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self.names: dict[str, str] = {}
        self.class_of: dict[str, str] = {}
        for t in kb.therapies:
            self.names[_norm(t.name)] = t.name
            for s in t.synonyms:
                self.names[_norm(s)] = t.name
        for c in kb.therapy_classes:
            self.class_of[_norm(c.id)] = c.id
            self.class_of[_norm(c.label)] = c.id
            for s in c.synonyms:
                self.class_of[_norm(s)] = c.id
        self.therapy_classes = {t.name: list(t.classes) for t in kb.therapies}
        self.parents = {c.id: list(c.parents) for c in kb.therapy_classes}
        self.labels = {c.id: c.label for c in kb.therapy_classes}

    def expand_class(self, cid: str) -> list[str]:
        out, todo = [], [cid]
        while todo:
            c = todo.pop()
            if c not in out:
                out.append(c)
                todo.extend(self.parents.get(c, []))
        return out

    def classes_of(self, name: str) -> list[str]:
        out: list[str] = []
        for c in self.therapy_classes.get(name, []):
            for x in self.expand_class(c):
                if x not in out:
                    out.append(x)
        return out

    def display(self, token: str) -> str:
        """A therapy name as is; a class id as its label."""
        return self.labels.get(token, token)

    def normalise(self, items: list[str]) -> NormalisedTherapies:
        """Split combinations (``letrozole + palbociclib``) and normalise every part."""
        out = NormalisedTherapies()
        for item in items:
            for part in re.split(r"\s*(?:\+|,|;|\band\b|\bwith\b|\bplus\b)\s*", str(item)):
                key = _norm(part)
                if not key:
                    continue
                if key in self.names:
                    name = self.names[key]
                    if name not in out.names:
                        out.names.append(name)
                    for c in self.classes_of(name):
                        if c not in out.classes:
                            out.classes.append(c)
                elif key in self.class_of:
                    for c in self.expand_class(self.class_of[key]):
                        if c not in out.classes:
                            out.classes.append(c)
                else:
                    out.unrecognised.append(
                        Unrecognised(part.strip(), "therapy", "not in the therapy synonym table")
                    )
        return out

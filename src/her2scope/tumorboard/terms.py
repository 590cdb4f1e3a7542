"""Free-form alterations and therapies -> knowledge-base terms.

Alterations are written many ways by clinicians and reports: ``ESR1 Y537S``,
``ESR1 p.Tyr537Ser``, ``ESR1 c.1610A>C (p.Tyr537Ser)``, ``FGFR1 amp (CN 8)``,
``PTEN loss by IHC``, ``ETV6::NTRK3 fusion``, ``ESR1 D538G, ctDNA VAF 0.8%``,
``BRCA2 c.5946delT germline``, or a non-genomic marker such as ``p95HER2
positive``. The reading itself lives in :mod:`her2scope.notation` (one reader
for every form, linear time); this module keeps the knowledge-base side:
:class:`AlterationParser` maps findings onto KB biomarkers and
:class:`TherapyNormaliser` maps drug names, brands, codes, regimen acronyms and
classes (``AI``, ``CDK4/6i``, ``T-DM1``, ``TCHP``) onto the KB synonym table.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from her2scope.kb.schema import Biomarker, KnowledgeBase

if TYPE_CHECKING:
    import polars as pl
from her2scope.notation.protein import THREE_TO_ONE, normalise_protein_change
from her2scope.notation.therapies import TherapyReader, TherapyReading, load_vocabulary
from her2scope.notation.variants import EVENT_PHRASES, Finding, VariantReader

__all__ = [
    "THREE_TO_ONE",
    "AlterationParser",
    "NormalisedTherapies",
    "ParsedAlteration",
    "TherapyNormaliser",
    "TherapyReading",
    "Unrecognised",
    "biomarker_matches",
    "normalise_protein_change",
]

#: the former event table, kept for callers that read it
_EVENT_WORDS: dict[str, str] = dict(EVENT_PHRASES)

#: One alteration understood (gene, event, protein change, partner, annotations).
ParsedAlteration = Finding


@dataclass(frozen=True)
class Unrecognised:
    """An input the base does not understand, and why (``kind``: alteration|therapy|field)."""

    text: str
    kind: str
    reason: str

    def to_dict(self) -> dict[str, str]:
        return {"input": self.text, "kind": self.kind, "reason": self.reason}


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

        self.reader = VariantReader(gene_alias=self.gene, known_gene=self.by_gene.__contains__)
        # every word that names a gene the base has gene-alteration biomarkers for: the
        # symbol itself and each alias of it (``HER2`` -> ERBB2)
        words = set(self.by_gene) | {a for a, g in self.gene_aliases.items() if g in self.by_gene}
        #: a text the reader could map to a biomarker holds one of these words, delimited
        #: (case-insensitive); :meth:`may_match` -- the batch's pre-filter
        self.gene_word_pattern = (
            r"(?i)(?:^|[^A-Za-z0-9])(?:"
            + "|".join(re.escape(w) for w in sorted(words, key=lambda w: (-len(w), w)))
            + r")(?:[^A-Za-z0-9]|$)"
        )
        self._gene_word = re.compile(self.gene_word_pattern)

    def may_match(self, text: str) -> bool:
        """Could :meth:`match_all` map ``text`` to any biomarker? False only when it cannot.

        A match needs either the whole text as a marker alias or a gene the base has
        biomarkers for, and the reader takes a gene from a word of the text (a run of
        letters and digits, or two such runs joined by a hyphen, ``HER-2``) read through
        the gene aliases; so a text with no such word, delimited, is never matched. Most
        of a study's mutations are in genes the base has no entry for: the batch path
        skips reading them (:meth:`her2scope.tumorboard.match.Matcher.alteration_findings`).
        """
        if self._gene_word.search(text) is not None:
            return True
        return _norm(text) in self.alias_index

    def may_match_series(self, texts: pl.Series) -> pl.Series:
        """:meth:`may_match` of each text of a polars string series, in one vectorised pass
        (the same regex; the alias check on the same normalised form as ``_norm``)."""
        import polars as pl

        aliases = pl.Series(list(self.alias_index), dtype=pl.String).implode()
        normalised = (
            texts.str.to_lowercase().str.replace_all("γ", "g").str.replace_all(r"\s+", " ")
        ).str.strip_chars()
        return texts.str.contains(self.gene_word_pattern) | normalised.is_in(aliases)

    def gene(self, token: str) -> str:
        up = token.upper()
        return self.gene_aliases.get(up, up)

    def parse_all(self, text: str) -> list[ParsedAlteration | Unrecognised]:
        """One item -> one result per ``;``-separated finding (see :mod:`her2scope.notation`)."""
        return [
            r if isinstance(r, Finding) else Unrecognised(r.text, "alteration", r.reason)
            for r in self.reader.read_item(str(text))
        ]

    def parse(self, text: str) -> ParsedAlteration | Unrecognised:
        """One string -> :class:`ParsedAlteration`, or :class:`Unrecognised` with a reason.

        An item with several findings (``;``) gives its first; :meth:`parse_all` gives all.
        """
        return self.parse_all(text)[0]

    def match(
        self, text: str
    ) -> tuple[ParsedAlteration | None, list[Biomarker], Unrecognised | None]:
        """Parse and match to biomarkers; the third item explains a failure."""
        alias = self.alias_index.get(_norm(text))
        if alias is not None:
            return None, [alias], None
        return self.match_parsed(self.parse(text))

    def match_all(
        self, text: str
    ) -> list[tuple[ParsedAlteration | None, list[Biomarker], Unrecognised | None]]:
        """:meth:`match` for every finding of an item (``;``-separated)."""
        alias = self.alias_index.get(_norm(text))
        if alias is not None:
            return [(None, [alias], None)]
        return [self.match_parsed(p) for p in self.parse_all(text)]

    def match_parsed(
        self, parsed: ParsedAlteration | Unrecognised
    ) -> tuple[ParsedAlteration | None, list[Biomarker], Unrecognised | None]:
        """Biomarkers of one reading; a reading that may not be matched says why."""
        if isinstance(parsed, Unrecognised):
            return None, [], parsed
        if not parsed.actionable:
            return (
                parsed,
                [],
                Unrecognised(parsed.text, "alteration", not_actionable_reason(parsed)),
            )
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


def not_actionable_reason(p: ParsedAlteration) -> str:
    """Why a reading is not matched (negated, VUS/benign, protein effect unknown)."""
    if p.negated:
        return f"{p.gene}: stated as not present (negative result); not used for matching"
    if p.pathogenicity in ("vus", "benign", "likely_benign"):
        word = {"vus": "a variant of uncertain significance (VUS)", "benign": "benign"}.get(
            p.pathogenicity or "", "likely benign"
        )
        return f"{p.label} is {word}: not an actionable finding"
    return (
        f"{p.label}: a c. change without its protein effect; give the p. change from the "
        "report (e.g. 'c.1610A>C (p.Tyr537Ser)') to match it"
    )


def biomarker_matches(
    b: Biomarker, p: ParsedAlteration, hotspot: Callable[[str, str], bool] | None = None
) -> bool:
    """Does the parsed alteration satisfy this gene-alteration biomarker?

    ``match: hotspot`` accepts a listed change or any Cancer Hotspots v2 hotspot
    (``hotspot(gene, change)``).
    """
    if b.gene != p.gene or not p.actionable:
        return False
    # a germline-only biomarker is not satisfied by a variant stated to be somatic
    if b.id.startswith("germline_") and p.origin == "somatic":
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
    """Therapy inputs normalised: names, classes (with parents), and what was not understood.

    ``readings`` holds the full reading of each input (regimen, setting, line,
    schedule, brands, dates: :class:`~her2scope.notation.therapies.TherapyReading`).
    """

    names: list[str] = field(default_factory=list)
    classes: list[str] = field(default_factory=list)
    unrecognised: list[Unrecognised] = field(default_factory=list)
    readings: list[TherapyReading] = field(default_factory=list)

    def tokens(self) -> set[str]:
        """Names and classes together, for matching against KB therapy lists."""
        return set(self.names) | set(self.classes)


class TherapyNormaliser:
    """Maps therapy words onto KB therapy names and class ids using the synonym table.

    The knowledge base's therapies.yaml gives names, classes and synonyms; the
    shipped vocabulary (``data/drug_vocabulary.tsv``) adds brands, code names,
    abbreviations and regimen acronyms. :meth:`read` gives the full reading of
    one string (agents, classes, regimen, setting, line, schedule ...);
    :meth:`normalise` the names and classes of a list, as before.
    """

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self.names: dict[str, str] = {}
        self.class_of: dict[str, str] = {}
        known = {t.name for t in kb.therapies}
        terms, regimens, self.ncit_codes, vocab_brands = load_vocabulary()
        brands: set[str] = set()
        for term, name in terms.items():
            if name in known:  # a vocabulary row for a drug this KB does not list is unused
                self.names[term] = name
                brands.add(term)
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
        usable = {
            k: r
            for k, r in regimens.items()
            if all(a in known for a in r.agents) and all(c in self.parents for c in r.classes)
        }
        self.reader = TherapyReader(
            self.names,
            self.class_of,
            {name: self.classes_of(name) for name in known},
            {cid: self.expand_class(cid) for cid in self.parents},
            usable,
        )
        # brand names as written are reported (``anastrozole (Arimidex)``)
        # (a single lower-case word in therapies.yaml's synonyms is a proprietary name there)
        self.reader.brand_terms = set(vocab_brands) | {
            _norm(s) for t in kb.therapies for s in t.synonyms if re.fullmatch(r"[a-z]{4,}", s)
        }

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

    def read(self, text: str) -> TherapyReading:
        """One therapy string -> agents, classes, regimen, setting, line, schedule, brands, dates.

        >>> n.read("anastrozole (Arimidex), adjuvant").setting  # doctest: +SKIP
        'adjuvant'
        """
        return self.reader.read(str(text))

    def normalise(self, items: list[str]) -> NormalisedTherapies:
        """Split combinations (``letrozole + palbociclib``) and normalise every part."""
        out = NormalisedTherapies()
        for item in items:
            reading = self.reader.read(str(item))
            out.readings.append(reading)
            for name in reading.agents:
                if name not in out.names:
                    out.names.append(name)
            for c in reading.classes:
                if c not in out.classes:
                    out.classes.append(c)
            for part, why in reading.not_understood:
                out.unrecognised.append(Unrecognised(part.strip(), "therapy", why))
        return out

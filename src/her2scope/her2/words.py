"""The HER2 vocabulary: output categories, what input cells may say, MSK column names.

The category strings live in :mod:`her2scope.vocab` (their one home) and
are re-exported here. The input vocabulary (the
second half of this module) is the one home of the words the parsers in
:mod:`her2scope.her2.parse` understand: missing-value tokens, IHC words, and
the ISH statement words with their negations.
"""

from __future__ import annotations

from typing import Final

from her2scope.vocab import (
    AMBIGUITY_POLICIES,
    CATEGORY_RANK,
    EQUIVOCAL,
    HER2_CATEGORIES,
    LOW,
    NEGATIVE,
    NULL,
    POSITIVE,
    SOURCES,
    ULTRALOW,
    UNKNOWN,
    ZERO,
    ZERO_CATEGORIES,
    AmbiguityPolicy,
    Source,
)

__all__ = [
    "AMBIGUITY_POLICIES",
    "CATEGORY_RANK",
    "EQUIVOCAL",
    "HER2_CATEGORIES",
    "LOW",
    "NEGATIVE",
    "NULL",
    "POSITIVE",
    "SOURCES",
    "ULTRALOW",
    "UNKNOWN",
    "ZERO",
    "ZERO_CATEGORIES",
    "AmbiguityPolicy",
    "Source",
]

#: Canonical pathology fields a table can supply (``--map field=column``).
CANONICAL_FIELDS: Final[tuple[str, ...]] = (
    "ihc",
    "ish_status",
    "ish_ratio",
    "her2_copies",
    "cep17_copies",
)

#: cBioPortal attribute ids of breast_msk_2018 (Razavi et al., Cancer Cell 2018)
#: for the sample that was sequenced and for the primary tumour. The study
#: reports no per-cell HER2 or CEP17 signal columns; copy numbers appear only
#: inside ratio strings such as ``2 (CN 4.8)``.
MSK_COLUMNS: Final[dict[str, dict[str, str]]] = {
    "sequenced": {
        "ihc": "HER2_IHC_SCORE",
        "ish_status": "HER2_FISH",
        "ish_ratio": "HER2_FISH_RATIO",
    },
    "primary": {
        "ihc": "HER2_IHC_VALUE_PRIMARY",
        "ish_status": "HER2_FISH_STATUS",
        "ish_ratio": "HER2_FISH_RATIO_PRIMARY",
    },
}

# --------------------------------------------------------------------------- value semantics
#
# What a pathology cell may say, kept here as data so that every parser in
# :mod:`her2scope.her2.parse` reads the same words the same way. A cell that
# uses a word outside these tables is *unusable* (counted in the audit, never
# guessed). Matching is on lower-cased words after whitespace is collapsed.

#: Longer cells are unusable without being read: no pathology result needs
#: more, and a bounded input keeps every pattern's cost bounded too.
MAX_CELL_CHARS: Final = 200

#: A whole cell that says "no result reported" (after lower-casing, collapsing
#: whitespace and dropping one pair of square brackets: ``[Not Available]``).
#: ``null`` is here: a bare ``NULL`` is a database null, not the ASCO/CAP 2023
#: HER2-null level, which a report writes as ``0 (null)``, ``HER2-null`` or
#: ``no staining``.
MISSING_TOKENS: Final[frozenset[str]] = frozenset(
    {
        "",
        "na",
        "n/a",
        "n.a.",
        "nan",
        "null",
        "none",
        "not available",
        "not applicable",
        "unk/nd",
        "unk",
        "unknown",
        "nd",
        "n/d",
        "not done",
        "not performed",
        "not tested",
        "not reported",
        "not evaluated",
        "not assessed",
        "no data",
        "pending",
        "missing",
        "-",
        "--",
        ".",
    }
)
#: A cell starting with one of these (then a space or punctuation) is missing too:
#: ``Not done (decalcified)``.
MISSING_PREFIXES: Final[tuple[str, ...]] = (
    "not done",
    "not performed",
    "not tested",
    "not available",
)

#: IHC words and the score range they stand for (``negative`` is 0 or 1+, a
#: range subject to the ambiguity policy). A negated word (``not positive``)
#: is not in the table and therefore unusable.
IHC_WORDS: Final[dict[str, tuple[int, int]]] = {
    "negative": (0, 1),
    "neg": (0, 1),
    "equivocal": (2, 2),
    "positive": (3, 3),
    "pos": (3, 3),
}

# ISH statements are read clause by clause (clauses split at , ; / & and at
# the words in ISH_CLAUSE_WORDS). Each word of a clause must be in one of the tables below.
# In a clause, the amplification words are read together with the negations:
# no negation -> amplified, exactly one -> not amplified (before or after the
# word: "not amplified", "amplification not detected", "negative for
# amplification", "amplification: none"), two or more -> unusable (a double
# negation is not guessed at). Clauses that disagree make the cell unusable.

#: A word meaning amplified / positive (``amplif`` starts every inflection).
ISH_AMPLIFIED_PREFIXES: Final[tuple[str, ...]] = ("amplif",)
ISH_AMPLIFIED_WORDS: Final[frozenset[str]] = frozenset({"positive", "pos", "amp"})
#: A word meaning not amplified on its own. It also negates an amplification
#: word beside it ("negative for amplification").
ISH_NOT_AMPLIFIED_PREFIXES: Final[tuple[str, ...]] = ("unamplif", "nonamplif")
ISH_NOT_AMPLIFIED_WORDS: Final[frozenset[str]] = frozenset({"negative", "neg"})
#: Negations, wherever they stand in the clause.
ISH_NEGATIONS: Final[frozenset[str]] = frozenset(
    {"not", "no", "non", "un", "without", "absent", "none", "never", "lack", "lacks", "lacking"}
)
ISH_EQUIVOCAL_WORDS: Final[frozenset[str]] = frozenset({"equivocal", "borderline"})
#: The assay gave no result. ``indeterminate``/``inconclusive`` count as a
#: failure, not as equivocal: no ISH outcome is safer than a guessed group 4.
ISH_FAILED_WORDS: Final[frozenset[str]] = frozenset(
    {
        "fail",
        "failed",
        "failure",
        "insufficient",
        "uninterpretable",
        "noninterpretable",
        "qns",
        "indeterminate",
        "inconclusive",
        "unsuccessful",
    }
)
#: Multi-word failure phrases, replaced by ``failed`` before the words are read
#: (so that their "not"/"no" is not taken for a negation of amplification).
ISH_FAILED_PHRASES: Final[tuple[str, ...]] = (
    "not interpretable",
    "non interpretable",
    "quantity not sufficient",
    "no result",
    "no results",
    "no signal",
    "no signals",
)
#: Words that carry no status: assay names, verbs, articles. A clause made of
#: these alone is ignored; a negation among them with no status word is unusable.
ISH_FILLER_WORDS: Final[frozenset[str]] = frozenset(
    {
        "her2",
        "erbb2",
        "neu",
        "gene",
        "fish",
        "ish",
        "cish",
        "sish",
        "ddish",
        "bdish",
        "dual",
        "probe",
        "in",
        "situ",
        "hybridization",
        "hybridisation",
        "by",
        "on",
        "result",
        "results",
        "status",
        "test",
        "testing",
        "assay",
        "is",
        "was",
        "are",
        "were",
        "has",
        "been",
        "of",
        "for",
        "the",
        "a",
        "evidence",
        "detected",
        "detectable",
        "identified",
        "seen",
        "observed",
        "present",
        "found",
        "demonstrated",
        "reported",
        "interpretation",
        "final",
        "msk",
    }
)
#: Words that split a cell into clauses (besides , ; / &).
ISH_CLAUSE_WORDS: Final[frozenset[str]] = frozenset({"and", "or", "but", "vs", "versus"})

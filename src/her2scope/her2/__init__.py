"""HER2 status engine: raw IHC/ISH pathology strings -> HER2 category, by rule profiles.

Public API (docs/architecture.md): :func:`classify` for a table,
:func:`classify_one` for one patient, :func:`list_profiles` /
:func:`load_profile` for the rule profiles (YAML data with their guideline
sources), and the vocabulary constants. This layer does no file I/O apart
from loading rule profiles.
"""

from __future__ import annotations

from her2scope.her2.engine import (
    OUTPUT_COLUMNS,
    Her2Call,
    Her2Result,
    classify,
    classify_calls,
    classify_one,
    resolve_mapping,
)
from her2scope.her2.parse import (
    IhcReading,
    IshStatusReading,
    IshValueReading,
    parse_copies,
    parse_ihc,
    parse_ish_ratio,
    parse_ish_status,
)
from her2scope.her2.profiles import Her2Profile, list_profiles, load_profile
from her2scope.her2.words import (
    AMBIGUITY_POLICIES,
    CANONICAL_FIELDS,
    CATEGORY_RANK,
    HER2_CATEGORIES,
    MSK_COLUMNS,
    SOURCES,
    ZERO_CATEGORIES,
    AmbiguityPolicy,
    Source,
)

__all__ = [
    "AMBIGUITY_POLICIES",
    "CANONICAL_FIELDS",
    "CATEGORY_RANK",
    "HER2_CATEGORIES",
    "MSK_COLUMNS",
    "OUTPUT_COLUMNS",
    "SOURCES",
    "ZERO_CATEGORIES",
    "AmbiguityPolicy",
    "Her2Call",
    "Her2Profile",
    "Her2Result",
    "IhcReading",
    "IshStatusReading",
    "IshValueReading",
    "Source",
    "classify",
    "classify_calls",
    "classify_one",
    "list_profiles",
    "load_profile",
    "parse_copies",
    "parse_ihc",
    "parse_ish_ratio",
    "parse_ish_status",
    "resolve_mapping",
]

"""Named allele sets shared by the cohort catalog and the knowledge base.

``data/allele_sets.yaml`` is the one place an allele list such as the ESR1
ligand-binding-domain activating mutations is written; both
:mod:`her2scope.alterations.catalog` and :mod:`her2scope.kb.schema` expand an
``allele_set: NAME`` field from it, so the two cannot disagree.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from her2scope.safeload import trusted_yaml

_PATH = Path(__file__).resolve().parent / "data" / "allele_sets.yaml"


@lru_cache(maxsize=1)
def allele_sets() -> dict[str, dict[str, object]]:
    """Every named set: ``{name: {label, gene, protein_changes, source}}``."""
    data = trusted_yaml(_PATH.read_text(encoding="utf-8")) or {}
    return {str(k): dict(v) for k, v in data.items()}


def allele_set(name: str) -> tuple[str, ...]:
    """The protein changes of a named set; ValueError for an unknown name."""
    sets = allele_sets()
    if name not in sets:
        raise ValueError(f"unknown allele set {name!r} (known: {', '.join(sorted(sets))})")
    changes = sets[name]["protein_changes"]
    assert isinstance(changes, list)
    return tuple(str(c) for c in changes)

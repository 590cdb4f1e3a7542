"""Reading what labs and clinicians write: variants, fusions, drug names and regimens.

:mod:`her2scope.notation.variants` reads alteration items into findings (or
says why not); :mod:`her2scope.notation.protein` canonicalises ``p.``/``c.``
changes; :mod:`her2scope.notation.therapies` reads therapy strings (drugs,
brands, codes, regimen acronyms, qualifiers). The knowledge base's parsers
(:mod:`her2scope.tumorboard.terms`) delegate here.
"""

from her2scope.notation.protein import CodingChange, normalise_protein_change, read_coding_change
from her2scope.notation.variants import (
    AlterationReading,
    Finding,
    NotUnderstood,
    VariantReader,
    read_alterations,
)

__all__ = [
    "AlterationReading",
    "CodingChange",
    "Finding",
    "NotUnderstood",
    "VariantReader",
    "normalise_protein_change",
    "read_alterations",
    "read_coding_change",
]

"""Gene roles: whether a gene acts as a tumor suppressor or an oncogene, with its source.

``data/kb/gene_roles.yaml`` says, with a public source per gene, whether a
gene acts as a tumor suppressor (a truncating variant or a deep deletion is
read as loss of function) or an oncogene; the matcher reads an alteration
outside the curated entries by it (and by the hotspots of
:mod:`her2scope.kb.hotspots`).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from her2scope.kb.sources import Sources
from her2scope.safeload import trusted_yaml

DATA = Path(__file__).resolve().parent.parent / "data"


class GeneRole(BaseModel):
    """One gene's role in cancer, with its public source."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    gene: str
    role: str = Field(pattern=r"^(tumor_suppressor|oncogene|context_dependent)$")
    sources: Sources


class GeneRoles:
    """Gene -> role (``tumor_suppressor`` | ``oncogene`` | ``context_dependent``)."""

    def __init__(self, entries: list[GeneRole]) -> None:
        self.entries = {e.gene: e for e in entries}

    def role(self, gene: str) -> str | None:
        e = self.entries.get(gene)
        return e.role if e else None


@lru_cache(maxsize=1)
def load_gene_roles(path: Path | None = None) -> GeneRoles:
    """The packaged gene-role table (``data/kb/gene_roles.yaml``)."""
    src = path or DATA / "kb" / "gene_roles.yaml"
    if not src.is_file():
        return GeneRoles([])
    data = trusted_yaml(src.read_text(encoding="utf-8")) or {}
    entries = TypeAdapter(list[GeneRole]).validate_python(data.get("genes", []))
    return GeneRoles(entries)

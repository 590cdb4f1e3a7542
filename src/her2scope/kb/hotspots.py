"""Cancer Hotspots v2: how a variant outside the curated entries is read (with the gene
roles of :mod:`her2scope.kb.gene_roles`).

``data/hotspots_v2.tsv`` is derived (values unchanged) from Chang MT et al.,
Cancer Discov 2018;8(2):174-183, by ``scripts/derive_hotspots.py``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent.parent / "data"
#: How a reader is told where a hotspot fact comes from (the table's own header says the same).
HOTSPOT_CITATION = (
    "Chang MT, et al. Accelerating discovery of functional mutant alleles in cancer. "
    "Cancer Discov 2018;8(2):174-183 (Cancer Hotspots v2)"
)
_SNV = re.compile(r"^([A-Z*])(\d+)([A-Z*]|fs.*|del|dup|ins.*|delins.*|=)?$")
_SPLICE = re.compile(r"^X(\d+)_splice$")
_SPAN = re.compile(r"^([A-Z])(\d+)(?:_([A-Z])(\d+))?(del|dup|ins|delins)")


@dataclass(frozen=True)
class _Hotspot:
    gene: str
    type: str
    start: int
    end: int
    reference: str
    variants: tuple[str, ...]
    breast_samples: int


class Hotspots:
    """Look-up of residue and indel hotspots by gene."""

    def __init__(self, rows: list[_Hotspot]) -> None:
        self.by_gene: dict[str, list[_Hotspot]] = {}
        for r in rows:
            self.by_gene.setdefault(r.gene, []).append(r)

    def __len__(self) -> int:
        return sum(len(v) for v in self.by_gene.values())

    def lookup(self, gene: str, change: str) -> dict[str, Any] | None:
        """Hotspot facts for a protein change (``H1047R``, ``G778_P780dup``) or None."""
        rows = self.by_gene.get(gene)
        if not rows:
            return None
        splice = _SPLICE.match(change)
        if splice:
            pos = int(splice.group(1))
            for r in rows:
                if r.type == "splice" and r.start == pos:
                    return self._fact(r, change, True)
            return None
        span = _SPAN.match(change)
        if span and span.group(5):
            start = int(span.group(2))
            end = int(span.group(4) or start)
            for r in rows:
                if r.type == "indel" and start <= r.end and end >= r.start:
                    exact = change in r.variants
                    return self._fact(r, change, exact)
            return None
        m = _SNV.match(change)
        if not m:
            return None
        pos = int(m.group(2))
        alt = m.group(3) or ""
        for r in rows:
            if r.type == "snv" and r.start == pos:
                return self._fact(r, change, alt in r.variants)
        return None

    @staticmethod
    def _fact(r: _Hotspot, change: str, exact: bool) -> dict[str, Any]:
        where = f"{r.start}" if r.start == r.end else f"{r.start}-{r.end}"
        kind = "known hotspot allele" if exact else "other allele at a hotspot"
        return {
            "gene": r.gene,
            "position": where,
            "type": r.type,
            "allele_known": exact,
            "breast_samples": r.breast_samples,
            "text": (
                f"{r.gene} {change}: {kind} (Cancer Hotspots v2, {r.type} hotspot at {where}; "
                f"{r.breast_samples} breast tumours)"
            ),
        }


@lru_cache(maxsize=1)
def load_hotspots(path: Path | None = None) -> Hotspots:
    """The packaged hotspot table (or ``path``)."""
    src = path or DATA / "hotspots_v2.tsv"
    rows: list[_Hotspot] = []
    with open(src, encoding="utf-8") as fh:
        header: list[str] | None = None
        for line in fh:
            if line.startswith("#") or not line.strip():
                continue
            cells = line.rstrip("\n").split("\t")
            if header is None:
                header = cells
                continue
            rec = dict(zip(header, cells, strict=True))
            pos = rec["position"]
            kind = rec["type"]
            splice = _SPLICE.match(pos)
            if splice:  # "X911_splice": a splice-site hotspot at residue 911
                pos, kind = splice.group(1), "splice"
            start, _, end = pos.partition("-")
            rows.append(
                _Hotspot(
                    gene=rec["gene"],
                    type=kind,
                    start=int(start),
                    end=int(end or start),
                    reference=rec["reference"],
                    variants=tuple(v for v in rec["variants"].split(",") if v),
                    breast_samples=int(rec["breast_samples"] or 0),
                )
            )
    return Hotspots(rows)

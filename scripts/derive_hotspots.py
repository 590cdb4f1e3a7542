"""Derive the packaged hotspot table from Cancer Hotspots v2 (shared/data/hotspots).

One row per gene, hotspot type and residue (or indel span): the variant alleles
observed there and the number of breast tumours at the hotspot. Values are
copied, not changed. Run from the project root:

    python scripts/derive_hotspots.py ../shared/data/hotspots/cancer_hotspots_v2.tsv
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

OUT = Path("src/her2scope/data/hotspots_v2.tsv")
HEADER = (
    "# Cancer Hotspots v2: Chang MT, et al. Accelerating discovery of functional mutant alleles\n"
    "# in cancer. Cancer Discov 2018;8(2):174-183 (cancerhotspots.org, version 2; 24,592\n"
    "# tumours; table hotspots_v2.xls). Derived by scripts/derive_hotspots.py: one row\n"
    "# per gene/type/residue or indel span; variants = observed alleles (snv: amino acid;\n"
    "# indel: HGVS-p), breast_samples = breast tumours at the hotspot (the authors' figure).\n"
)


def main(src: str) -> None:
    rows: dict[tuple[str, str, str], dict[str, object]] = {}
    with open(src, encoding="utf-8") as fh:
        for r in csv.DictReader(fh, delimiter="\t"):
            key = (r["hugo_symbol"], r["hotspot_type"], r["amino_acid_position"])
            ref = r["reference_amino_acid"].split(":")[0] if r["hotspot_type"] == "snv" else ""
            entry = rows.setdefault(
                key, {"ref": ref, "variants": [], "breast": r["breast_samples"], "n": r["mutation_count"]}
            )
            variant = r["variant_amino_acids"].split(":")[0]
            if variant not in entry["variants"]:  # type: ignore[operator]
                entry["variants"].append(variant)  # type: ignore[union-attr]
    lines = ["gene\ttype\tposition\treference\tvariants\tmutation_count\tbreast_samples"]
    for (gene, typ, pos), e in sorted(rows.items()):
        lines.append(
            f"{gene}\t{typ}\t{pos}\t{e['ref']}\t{','.join(e['variants'])}\t{e['n']}\t{e['breast']}"  # type: ignore[arg-type]
        )
    OUT.write_text(HEADER + "\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {OUT}: {len(rows)} hotspots")


if __name__ == "__main__":
    main(sys.argv[1])

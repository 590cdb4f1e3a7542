"""Gene symbols normalised to the HGNC approved symbol (previous symbols and aliases).

The table ``data/hgnc_symbols.tsv`` (HGNC previous and alias symbols, derived by
``scripts/derive_hgnc_symbols.py``; citation in its header) covers the genes of
the MSK-IMPACT panels, the alteration catalog and the knowledge base. A symbol
that is an approved symbol is never renamed. Every rename is audited (code
``symbols.renamed``, per data type, with examples and a count).
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

import polars as pl

from her2scope.audit import Audit


@lru_cache(maxsize=1)
def symbol_table() -> dict[str, str]:
    """Previous / alias symbol -> HGNC approved symbol."""
    text = resources.files("her2scope.data").joinpath("hgnc_symbols.tsv").read_text("utf-8")
    table: dict[str, str] = {}
    for line in text.splitlines():
        if not line or line.startswith("#") or line.startswith("symbol\t"):
            continue
        old, new, *_ = line.split("\t")
        table[old] = new
    return table


def normalise_symbols(
    frame: pl.DataFrame, column: str, audit: Audit | None, what: str, file: str | None = None
) -> pl.DataFrame:
    """Rename previous/alias symbols in ``column`` to the approved symbol; audit the renames.

    Decided on the distinct symbols only (a few hundred even for a GENIE-sized
    MAF), so the cost does not grow with the rows unless something is renamed.
    """
    if column not in frame.columns or frame.height == 0:
        return frame
    table = symbol_table()
    distinct = frame.get_column(column).drop_nulls().unique().to_list()
    renames = {s: table[s] for s in distinct if s in table}
    if not renames:
        return frame
    n = int(frame.get_column(column).is_in(list(renames)).sum())
    if audit is not None:
        shown = ", ".join(f"{o}->{n_}" for o, n_ in sorted(renames.items())[:6])
        audit.add(
            "info",
            "symbols.renamed",
            f"{n} {what} with a previous or alias gene symbol renamed to the HGNC approved "
            f"symbol ({shown}{', ...' if len(renames) > 6 else ''})",
            file=file,
            column=column,
            count=n,
        )
    return frame.with_columns(pl.col(column).replace(renames))

"""The altered cells' variant strings (annotate's ``_variants``) against the plain rule.

``_variants`` groups only the cells hit more than once; the reference sorts and
groups every hit. Both must give the same rows in the same (key) order.
"""

from __future__ import annotations

import sys

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

import her2scope.alterations  # noqa: F401  (loads the annotate module)

annotate_module = sys.modules["her2scope.alterations.annotate"]


def _reference(keyed: pl.DataFrame) -> pl.DataFrame:
    return (
        keyed.sort("key", "gene_order", "event_order", "variant")
        .group_by("key", maintain_order=True)
        .agg(
            pl.col("sample_id").first(),
            pl.col("alteration").first(),
            pl.col("variant").unique(maintain_order=True).str.join("; ").alias("variants"),
        )
    )


HIT = st.tuples(
    st.integers(0, 12),  # key
    st.integers(0, 2),  # gene_order
    st.integers(0, 2),  # event_order
    st.one_of(st.none(), st.sampled_from(["ESR1 Y537S", "ESR1 D538G", "ERBB2 amp", "b", "a"])),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(HIT, max_size=40))
def test_variants_match_the_sort_and_group_of_every_hit(hits: list[tuple]) -> None:
    keyed = pl.DataFrame(
        {
            "sample_id": [f"S{k // 4}" for k, *_ in hits],
            "alteration": [f"A{k % 4}" for k, *_ in hits],
            "gene_order": [g for _, g, _, _ in hits],
            "event_order": [e for _, _, e, _ in hits],
            "variant": [v for *_, v in hits],
            "key": [k for k, *_ in hits],
        },
        schema={
            "sample_id": pl.String,
            "alteration": pl.String,
            "gene_order": pl.Int32,
            "event_order": pl.Int32,
            "variant": pl.String,
            "key": pl.Int64,
        },
    )
    got = annotate_module._variants(keyed)
    assert got.equals(_reference(keyed))
    assert got["key"].is_sorted() and got["key"].n_unique() == got.height


def test_a_cell_hit_twice_lists_its_variants_in_gene_and_event_order() -> None:
    keyed = pl.DataFrame(
        {
            "sample_id": ["S1", "S1", "S0"],
            "alteration": ["ESR1_mut", "ESR1_mut", "ESR1_mut"],
            "gene_order": [0, 0, 0],
            "event_order": [1, 0, 0],
            "variant": ["ESR1 Y537S", "ESR1 D538G", "ESR1 E380Q"],
            "key": [5, 5, 1],
        }
    )
    got = annotate_module._variants(keyed)
    assert got["variants"].to_list() == ["ESR1 E380Q", "ESR1 D538G; ESR1 Y537S"]

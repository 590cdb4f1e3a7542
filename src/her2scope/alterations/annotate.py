"""Sample x alteration calls from a :class:`~her2scope.study.model.Study` and a catalog.

Rules (per sample and catalog alteration):

- ``altered``: at least one of the alteration's events hits (a qualifying
  MAF record, a CNA of 2 / -2, an SV row for the gene);
- ``not_altered``: no event hits and every (gene, data type) the alteration
  needs was profiled for the sample;
- ``not_profiled``: no event hits and at least one needed (gene, data type)
  was not profiled; the sample cannot be counted as wild type.

Data types: ``mut`` events need the gene in the *mutations* profile,
``amp``/``homdel`` in the *cna* profile, ``fusion`` in the *sv* profile. When
the study's gene-panel matrix has no SV/fusion column, fusions are taken as
profiled wherever the gene is in the *mutations* panel: MSK-IMPACT (and most
DNA panels) call rearrangements from the same capture assay, so the mutation
panel is the honest coverage for them (recorded in the audit).

A hit is kept even where the panel says "not profiled" (a called variant is
evidence the gene was read); the audit counts such calls.

All work is polars joins over the whole study; Python loops run only over the
catalog entries (a few dozen) to build small event tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Literal

import polars as pl

from her2scope.alterations._coverage import (
    ProfiledMask,
    panel_column,
    resolve_profiled_mask,
)
from her2scope.alterations.catalog import EVENT_DATA_TYPE, Catalog, load_catalog
from her2scope.audit import Audit
from her2scope.study.model import Study
from her2scope.study.panels import profiled_mask as study_profiled_mask
from her2scope.study.panels import unprofiled_pairs
from her2scope.vocab import ALL_CLASS, MECHANISM_CLASSES

Status = Literal["altered", "not_altered", "not_profiled"]
STATUSES: tuple[str, ...] = ("altered", "not_altered", "not_profiled")

CALLS_SCHEMA: dict[str, pl.DataType] = {
    "sample_id": pl.String(),
    "alteration": pl.String(),
    "mechanism_class": pl.String(),
    "status": pl.String(),
    "variants": pl.String(),
}
CLASS_CALLS_SCHEMA: dict[str, pl.DataType] = {
    "sample_id": pl.String(),
    "mechanism_class": pl.String(),
    "status": pl.String(),
    "altered_alterations": pl.String(),
}
# Order variants within a cell: mutations, then copy number, then fusions.
_EVENT_ORDER = {"mut": 0, "amp": 1, "homdel": 2, "fusion": 3}
_HITS_SCHEMA: dict[str, pl.DataType] = {
    "sample_id": pl.String(),
    "alteration": pl.String(),
    "gene_order": pl.Int32(),
    "event_order": pl.Int32(),
    "variant": pl.String(),
}


@dataclass(frozen=True)
class AlterationCalls:
    """Result of :func:`annotate`, held sparse.

    ``samples``: ``sample_id`` of every annotated sample, in study order.
    ``altered``: one row per altered (sample, catalog alteration), columns
    ``sample_id``, ``alteration``, ``variants`` (e.g.
    ``"ESR1 D538G; ESR1 amp"``); ``not_profiled``: ``sample_id``,
    ``alteration`` where nothing hit and a needed gene was not profiled.
    Every other (sample, alteration) is ``not_altered``. Both sparse frames
    are sample-major in study order, alterations in catalog order.

    At 250,000 samples x 30 alterations the dense grid has 7.5 M rows; the
    sparse frames a few hundred thousand, and every count the analysis needs
    follows from them. :attr:`table` builds the dense grid on first use.
    """

    samples: pl.DataFrame
    altered: pl.DataFrame
    not_profiled: pl.DataFrame
    audit: Audit
    catalog: Catalog
    mutation_classes: str
    coverage_source: str = ""

    @property
    def alterations(self) -> tuple[str, ...]:
        """Alteration ids in catalog order."""
        return self.catalog.ids

    @cached_property
    def table(self) -> pl.DataFrame:
        """Dense long table: one row per (sample, catalog alteration) with columns
        ``sample_id``, ``alteration``, ``mechanism_class``, ``status`` and
        ``variants`` (null unless altered); samples in study order and
        alterations in catalog order. Built on first use (see the class doc)."""
        n_alt = len(self.catalog)
        samples = self.samples.with_row_index("sample_order")
        alterations = _alteration_frame(self.catalog).with_row_index("alteration_order")
        variant_keys = _keyed(self.altered, samples, self.catalog).select("key", "variants")
        gap_keys = _keyed(self.not_profiled, samples, self.catalog).get_column("key")
        return (
            samples.join(alterations, how="cross", maintain_order="left_right")
            .with_columns(
                (pl.col("sample_order").cast(pl.Int64) * n_alt + pl.col("alteration_order")).alias(
                    "key"
                )
            )
            .join(variant_keys, on="key", how="left", maintain_order="left")
            .select(
                "sample_id",
                "alteration",
                "mechanism_class",
                pl.when(pl.col("variants").is_not_null())
                .then(pl.lit("altered"))
                .when(pl.col("key").is_in(gap_keys.implode()))
                .then(pl.lit("not_profiled"))
                .otherwise(pl.lit("not_altered"))
                .alias("status"),
                "variants",
            )
        )

    def sparse(self) -> pl.DataFrame:
        """``sample_id``, ``alteration``, ``status``, ``variants`` for the altered and
        not_profiled cells only (every other cell is not_altered)."""
        return pl.concat(
            [
                self.altered.select(
                    "sample_id", "alteration", pl.lit("altered").alias("status"), "variants"
                ),
                self.not_profiled.select(
                    "sample_id",
                    "alteration",
                    pl.lit("not_profiled").alias("status"),
                    pl.lit(None, dtype=pl.String).alias("variants"),
                ),
            ]
        )

    def status(self, alteration: str) -> pl.DataFrame:
        """``sample_id``, ``status`` of every sample for one alteration id (study order)."""
        if alteration not in self.catalog.ids:
            raise KeyError(alteration)
        flagged = self.sparse().filter(pl.col("alteration") == alteration)
        return self.samples.join(
            flagged.select("sample_id", "status"), on="sample_id", how="left", maintain_order="left"
        ).with_columns(pl.col("status").fill_null("not_altered"))

    def wide(self) -> pl.DataFrame:
        """One row per sample, one String column per alteration holding the status."""
        return self._pivot(pl.col("status"))

    def altered_matrix(self) -> pl.DataFrame:
        """``sample_id`` x alteration Boolean (True = altered), e.g. for an oncoprint.

        ``not_profiled`` is False here; use :meth:`wide` when the difference matters.
        """
        return self._pivot(pl.col("status") == "altered")

    def counts(self) -> pl.DataFrame:
        """Per alteration: ``n_altered``, ``n_not_altered``, ``n_not_profiled``, ``n_profiled``."""
        n_altered = self.altered.group_by("alteration").len("n_altered")
        n_gaps = self.not_profiled.group_by("alteration").len("n_not_profiled")
        return (
            _alteration_frame(self.catalog)
            .join(n_altered, on="alteration", how="left", maintain_order="left")
            .join(n_gaps, on="alteration", how="left", maintain_order="left")
            .select(
                "alteration",
                "mechanism_class",
                pl.col("n_altered").fill_null(0).cast(pl.Int64),
                (
                    self.samples.height
                    - pl.col("n_altered").fill_null(0)
                    - pl.col("n_not_profiled").fill_null(0)
                )
                .cast(pl.Int64)
                .alias("n_not_altered"),
                pl.col("n_not_profiled").fill_null(0).cast(pl.Int64),
            )
            .with_columns((pl.col("n_altered") + pl.col("n_not_altered")).alias("n_profiled"))
        )

    def class_calls(self) -> pl.DataFrame:
        """Shortcut for :func:`class_calls` on this result."""
        return class_calls(self)

    def _pivot(self, value: pl.Expr) -> pl.DataFrame:
        frame = self.table.select("sample_id", "alteration", value.alias("value"))
        wide = frame.pivot(
            on="alteration",
            on_columns=list(self.alterations),
            index="sample_id",
            values="value",
            maintain_order=True,
        )
        return wide.select("sample_id", *self.alterations)

    def __repr__(self) -> str:
        return (
            f"AlterationCalls({self.samples.height} samples x {len(self.alterations)} "
            f"alterations ({self.altered.height} altered, {self.not_profiled.height} not "
            f"profiled), mutation classes {self.mutation_classes!r}, audit {len(self.audit)} "
            "entries)"
        )


def _alteration_frame(catalog: Catalog) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "alteration": [a.id for a in catalog],
            "mechanism_class": [a.mechanism_class for a in catalog],
        },
        schema={"alteration": pl.String, "mechanism_class": pl.String},
    )


def _keyed(frame: pl.DataFrame, samples: pl.DataFrame, catalog: Catalog) -> pl.DataFrame:
    """Add ``key`` = sample_order * n_alterations + catalog position (one integer per cell)."""
    order = {a.id: i for i, a in enumerate(catalog)}
    return frame.join(samples, on="sample_id", how="inner").with_columns(
        (
            pl.col("sample_order").cast(pl.Int64) * len(catalog)
            + pl.col("alteration").replace_strict(order, return_dtype=pl.Int64)
        ).alias("key")
    )


def _variants(keyed: pl.DataFrame) -> pl.DataFrame:
    """One row per altered cell (``key``, in key order): ``sample_id``, ``alteration`` and
    ``variants``, the cell's distinct variant strings joined by ``"; "`` in (gene,
    event, variant) order.

    Most cells are hit by one variant (412,632 cells of 437,074 hits at 250,000
    samples): those are taken as they are, and only the cells hit more than once
    are sorted and grouped, then both are put back in key order (keys are unique).
    """
    repeated = keyed.get_column("key").is_duplicated()
    # str.join of a lone null gives "": the same for a cell taken as it is
    single = keyed.filter(~repeated).select(
        "key", "sample_id", "alteration", pl.col("variant").fill_null("").alias("variants")
    )
    grouped = (
        keyed.filter(repeated)
        .sort("key", "gene_order", "event_order", "variant")
        .group_by("key", maintain_order=True)
        .agg(
            pl.col("sample_id").first(),
            pl.col("alteration").first(),
            pl.col("variant").unique(maintain_order=True).str.join("; ").alias("variants"),
        )
    )
    return pl.concat([single, grouped]).sort("key")


def _event_tables(catalog: Catalog) -> dict[str, pl.DataFrame]:
    """Flatten the catalog into one small table per event family."""
    mut: list[dict[str, object]] = []
    cna: list[dict[str, object]] = []
    fusion: list[dict[str, object]] = []
    for alteration in catalog:
        for event in alteration.events:
            for gene in alteration.event_genes(event):
                base = {
                    "alteration": alteration.id,
                    "hugo_symbol": gene,
                    "gene_order": alteration.genes.index(gene),
                    "event_order": _EVENT_ORDER[event.type],
                }
                if event.type == "mut":
                    mut.append(
                        base
                        | {
                            "hotspot_only": event.hotspot_only,
                            "restricted": event.protein_changes is not None,
                            "exact": list(event.exact_changes),
                            "residues": list(event.residues),
                        }
                    )
                elif event.type in ("amp", "homdel"):
                    cna.append(
                        base
                        | {
                            "cna": 2.0 if event.type == "amp" else -2.0,
                            "suffix": event.type,
                        }
                    )
                else:
                    fusion.append(base)
    base_schema = {
        "alteration": pl.String(),
        "hugo_symbol": pl.String(),
        "gene_order": pl.Int32(),
        "event_order": pl.Int32(),
    }
    return {
        "mut": pl.DataFrame(
            mut,
            schema=base_schema
            | {
                "hotspot_only": pl.Boolean(),
                "restricted": pl.Boolean(),
                "exact": pl.List(pl.String()),
                "residues": pl.List(pl.String()),
            },
        ),
        "cna": pl.DataFrame(cna, schema=base_schema | {"cna": pl.Float32(), "suffix": pl.String()}),
        "fusion": pl.DataFrame(fusion, schema=base_schema),
    }


def _mutation_hits(
    study: Study, events: pl.DataFrame, classes: tuple[str, ...], audit: Audit
) -> pl.LazyFrame:
    if events.height == 0 or study.mutations.height == 0:
        return pl.LazyFrame(schema=_HITS_SCHEMA)
    maf = study.mutations.lazy().filter(
        pl.col("hugo_symbol").is_in(events.get_column("hugo_symbol").unique().implode())
    )
    in_class = pl.col("variant_classification").is_in(list(classes))
    # Say how many records of catalog genes the class set left out (Silent, UTR ...).
    n_out = maf.filter(~in_class.fill_null(False)).select(pl.len()).collect().item()
    if n_out:
        audit.add(
            "info",
            "alterations.mutation_class_excluded",
            f"{n_out} MAF record(s) of catalog genes not counted: Variant_Classification "
            "outside the mutation class set",
            count=n_out,
        )
    # Residue of a protein change: "Y537" from "Y537S", "V422" from "V422del".
    residue = pl.col("protein_change").str.extract(r"^([A-Z*]\d+)", 1)
    hit = (~pl.col("hotspot_only") | pl.col("hotspot").fill_null(False)) & (
        ~pl.col("restricted")
        | pl.col("exact").list.contains(pl.col("protein_change")).fill_null(False)
        | pl.col("residues").list.contains(residue).fill_null(False)
    )
    change = pl.coalesce(
        pl.col("protein_change"),
        pl.col("hgvsp_short").str.strip_prefix("p."),
        pl.col("variant_classification"),
    )
    return (
        maf.filter(in_class)
        .select(
            "sample_id",
            "hugo_symbol",
            "protein_change",
            "hgvsp_short",
            "variant_classification",
            "hotspot",
        )
        .join(events.lazy(), on="hugo_symbol", how="inner")
        .filter(hit)
        .select(
            "sample_id",
            "alteration",
            "gene_order",
            "event_order",
            pl.concat_str(pl.col("hugo_symbol"), pl.lit(" "), change).alias("variant"),
        )
    )


def _cna_hits(study: Study, events: pl.DataFrame) -> pl.LazyFrame:
    if events.height == 0 or study.cna.height == 0:
        return pl.LazyFrame(schema=_HITS_SCHEMA)
    return (
        study.cna.lazy()
        .select("sample_id", "hugo_symbol", pl.col("cna").cast(pl.Float32))
        .join(events.lazy(), on=["hugo_symbol", "cna"], how="inner")
        .select(
            "sample_id",
            "alteration",
            "gene_order",
            "event_order",
            pl.concat_str(pl.col("hugo_symbol"), pl.lit(" "), pl.col("suffix")).alias("variant"),
        )
    )


def _fusion_hits(study: Study, events: pl.DataFrame) -> pl.LazyFrame:
    if events.height == 0 or study.sv.height == 0:
        return pl.LazyFrame(schema=_HITS_SCHEMA)
    partner = pl.col("partner") if "partner" in study.sv.columns else pl.lit(None, pl.String)
    # HGNC fusion notation GENE::PARTNER; partner unknown -> "GENE fusion".
    label = (
        pl.when(partner.is_not_null() & (partner != pl.col("hugo_symbol")))
        .then(pl.concat_str(pl.col("hugo_symbol"), pl.lit("::"), partner, pl.lit(" fusion")))
        .otherwise(pl.concat_str(pl.col("hugo_symbol"), pl.lit(" fusion")))
    )
    return (
        study.sv.lazy()
        .with_columns(label.alias("variant"))
        .select("sample_id", "hugo_symbol", "variant")
        .join(events.lazy(), on="hugo_symbol", how="inner")
        .select("sample_id", "alteration", "gene_order", "event_order", "variant")
    )


def _needs(catalog: Catalog) -> pl.DataFrame:
    """(alteration, hugo_symbol, data_type) each alteration needs profiled."""
    rows = [
        {
            "alteration": a.id,
            "hugo_symbol": gene,
            "data_type": EVENT_DATA_TYPE[e.type],
        }
        for a in catalog
        for e in a.events
        for gene in a.event_genes(e)
    ]
    return pl.DataFrame(
        rows, schema={"alteration": pl.String, "hugo_symbol": pl.String, "data_type": pl.String}
    ).unique(maintain_order=True)


def _not_profiled_pairs(
    study: Study, needs: pl.DataFrame, mask_fn: ProfiledMask, samples: pl.DataFrame
) -> pl.DataFrame:
    """(sample_id, alteration) where some needed (gene, data type) was not profiled.

    Only the *unprofiled* mask rows are joined to the needs, so the work scales
    with the gaps, not with samples x genes. The mask contract is one row per
    (sample, gene); when a mask has a different number of rows, pairs it does
    not mention are completed from the sample x gene grid and count as gaps.
    """
    gaps: list[pl.DataFrame] = []
    for data_type in needs.get_column("data_type").unique(maintain_order=True).to_list():
        need = needs.filter(pl.col("data_type") == data_type).select("alteration", "hugo_symbol")
        genes = need.get_column("hugo_symbol").unique(maintain_order=True).to_list()
        if mask_fn is study_profiled_mask:
            # Same rule, decided per panel: no samples x genes mask is built.
            unprofiled = unprofiled_pairs(study, genes, data_type)
            gaps.append(unprofiled.join(need, on="hugo_symbol").select("sample_id", "alteration"))
            continue
        mask = mask_fn(study, genes, data_type).select(
            pl.col("sample_id").cast(pl.String),
            pl.col("hugo_symbol").cast(pl.String),
            pl.col("profiled").cast(pl.Boolean).fill_null(False),
        )
        if mask.height == samples.height * len(genes):
            unprofiled = mask.filter(~pl.col("profiled")).select("sample_id", "hugo_symbol")
        else:
            covered = mask.filter(pl.col("profiled")).select("sample_id", "hugo_symbol")
            unprofiled = (
                samples.select("sample_id")
                .join(pl.DataFrame({"hugo_symbol": genes}), how="cross")
                .join(covered, on=["sample_id", "hugo_symbol"], how="anti")
            )
        gaps.append(unprofiled.join(need, on="hugo_symbol").select("sample_id", "alteration"))
    if not gaps:
        return pl.DataFrame(schema={"sample_id": pl.String, "alteration": pl.String})
    return pl.concat(gaps).unique()


def _allele_unknown_pairs(
    study: Study,
    events: pl.DataFrame,
    classes: tuple[str, ...],
    audit: Audit,
    samples: pl.DataFrame,
) -> pl.DataFrame:
    """(sample_id, alteration) of allele-specific alterations (``protein_changes``) whose
    gene has a mutation record without a protein change: whether the allele is the
    one named cannot be told, so the alteration is not assessed there (unless another
    event calls it altered), never "not altered". A MAF with no protein change at all
    (no protein column) leaves these alterations not assessed in every sample: the
    samples known not to carry them would be only those without any record of the gene,
    a biased remainder."""
    schema = {"sample_id": pl.String, "alteration": pl.String}
    restricted = events.filter(pl.col("restricted")).select("alteration", "hugo_symbol")
    if restricted.height == 0 or study.mutations.height == 0:
        return pl.DataFrame(schema=schema)
    if study.mutations.get_column("protein_change").null_count() == study.mutations.height:
        names = sorted(restricted.get_column("alteration").unique().to_list())
        audit.add(
            "warning",
            "alterations.allele_unknown",
            "no mutation record has a protein change (no protein column in the MAF): "
            f"allele-specific alterations not assessed ({', '.join(names)})",
            count=len(names),
        )
        return samples.select("sample_id").join(
            pl.DataFrame({"alteration": names}, schema={"alteration": pl.String}), how="cross"
        )
    blind = (
        study.mutations.lazy()
        .filter(
            pl.col("protein_change").is_null()
            & pl.col("variant_classification").is_in(list(classes))
            & pl.col("hugo_symbol").is_in(restricted.get_column("hugo_symbol").implode())
        )
        .select("sample_id", "hugo_symbol")
        .collect()
    )
    if blind.height == 0:
        return pl.DataFrame(schema=schema)
    pairs = blind.join(restricted, on="hugo_symbol").select("sample_id", "alteration").unique()
    shown = ", ".join(sorted(pairs.get_column("alteration").unique().to_list()))
    audit.add(
        "warning",
        "alterations.allele_unknown",
        f"{blind.height} mutation record(s) in genes of allele-specific alterations ({shown}) "
        "have no protein change: those alterations are not assessed in "
        f"{pairs.get_column('sample_id').n_unique()} sample(s) (allele unknown)",
        count=blind.height,
    )
    return pairs


def annotate(
    study: Study,
    catalog: Catalog | None = None,
    *,
    mutation_classes: str | None = None,
    profiled_mask: ProfiledMask | None = None,
) -> AlterationCalls:
    """Call every catalog alteration in every sample of ``study``.

    ``catalog``: a :class:`Catalog` (default: :func:`load_catalog` of the
    built-in one, sourced from the Front Oncol 2024 perspective, doi:10.3389/fonc.2024.1461190).
    ``mutation_classes``: name of the Variant_Classification set for ``mut``
    events for the whole catalog (``"cbioportal"``, the default catalog's
    choice, counts like cBioPortal; ``"nonsyn"`` is maftools' default).
    ``profiled_mask``: coverage function with the signature of
    ``her2scope.study.profiled_mask`` (default: that function when the study
    layer provides it, else a panel-matrix stand-in; see ``_coverage``).

    Returns :class:`AlterationCalls` (long table, audit). Samples are those of
    ``study.samples``; variant rows for samples not listed there are counted
    in the audit and ignored.
    """
    catalog = catalog if catalog is not None else load_catalog()
    class_set = mutation_classes or catalog.mutation_classes
    classes = catalog.classes(class_set)
    audit = Audit()
    if profiled_mask is None:
        mask_fn, coverage_source = resolve_profiled_mask()
    else:
        mask_fn, coverage_source = profiled_mask, "caller-supplied profiled_mask"

    samples = (
        study.samples.select(pl.col("SAMPLE_ID").cast(pl.String).alias("sample_id"))
        .unique(maintain_order=True)
        .with_row_index("sample_order")
    )
    audit.add(
        "info",
        "alterations.catalog",
        f"{len(catalog)} catalog alterations; mut events use class set {class_set!r} "
        f"({', '.join(classes)})",
    )

    # Fusions are asked of the "sv" profile; without an SV column both the study
    # layer and the fallback answer from the mutations panel (module docstring).
    fusion_needed = any(e.type == "fusion" for a in catalog for e in a.events)
    if fusion_needed and panel_column(study, "sv") is None and panel_column(study, "mutations"):
        audit.add(
            "info",
            "alterations.fusion_coverage",
            "gene panel matrix has no SV/fusion column: fusion coverage taken from the "
            "mutations panel (same capture assay)",
        )
    if any(e.hotspot_only for a in catalog for e in a.events):
        hotspot = (
            study.mutations.get_column("hotspot") if "hotspot" in study.mutations.columns else None
        )
        if hotspot is None or hotspot.null_count() == hotspot.len():
            audit.add(
                "warning",
                "alterations.no_hotspot_column",
                "the MAF has no Hotspot column: hotspot_only events cannot hit",
                column="Hotspot",
            )

    tables = _event_tables(catalog)
    hits = pl.concat(
        [
            _mutation_hits(study, tables["mut"], classes, audit),
            _cna_hits(study, tables["cna"]),
            _fusion_hits(study, tables["fusion"]),
        ],
        how="vertical",
    ).collect()
    stray = hits.join(samples, on="sample_id", how="anti")
    if stray.height:
        audit.add(
            "warning",
            "alterations.unknown_sample",
            f"{stray.height} variant call(s) for {stray.get_column('sample_id').n_unique()} "
            "sample(s) not in the clinical sample table were ignored",
            count=stray.height,
        )
    # Cells are addressed by one integer key (sample order x catalog position),
    # which also gives the sample-major, catalog-ordered row order; the variant
    # string only breaks ties between events of one gene.
    variants = _variants(_keyed(hits, samples, catalog))

    needs = _needs(catalog)
    gaps = _not_profiled_pairs(study, needs, mask_fn, samples)
    unknown_allele = _allele_unknown_pairs(study, tables["mut"], classes, audit, samples)
    if unknown_allele.height:
        gaps = pl.concat([gaps, unknown_allele]).unique()
    audit.add("info", "alterations.coverage", f"profiled status from {coverage_source}")

    altered = variants.select("sample_id", "alteration", "variants")
    gap_cells = _keyed(gaps, samples, catalog)
    off_panel = gap_cells.join(altered, on=["sample_id", "alteration"], how="semi")
    not_profiled = (
        gap_cells.join(altered, on=["sample_id", "alteration"], how="anti")
        .sort("key")
        .select("sample_id", "alteration")
    )
    if off_panel.height:
        audit.add(
            "info",
            "alterations.altered_off_panel",
            f"{off_panel.height} sample x alteration call(s) altered although a needed gene "
            "was not marked profiled; kept as altered (a called variant shows the gene was read)",
            count=off_panel.height,
        )
    audit.add(
        "info",
        "alterations.samples",
        f"{samples.height} sample(s) annotated for {len(catalog)} alteration(s); none excluded",
        count=samples.height,
    )
    return AlterationCalls(
        samples=samples.select("sample_id"),
        altered=altered,
        not_profiled=not_profiled,
        audit=audit,
        catalog=catalog,
        mutation_classes=class_set,
        coverage_source=coverage_source,
    )


def _class_order(calls: AlterationCalls) -> list[str]:
    present = {a.mechanism_class for a in calls.catalog}
    return [*(c for c in MECHANISM_CLASSES if c in present), ALL_CLASS]


def class_calls_sparse(calls: AlterationCalls, *, list_alterations: bool = True) -> pl.DataFrame:
    """:func:`class_calls` restricted to its altered and not_profiled rows.

    Columns ``sample_id``, ``mechanism_class``, ``status``,
    ``altered_alterations``; every other (sample, class) is not_altered.
    Sample-major in study order, classes in :func:`class_calls` order.
    ``list_alterations=False`` leaves ``altered_alterations`` null (the
    statuses alone are several times faster to roll up).
    """
    class_of = {a.id: a.mechanism_class for a in calls.catalog}
    position = {a.id: i for i, a in enumerate(calls.catalog)}
    order = {c: i for i, c in enumerate(_class_order(calls))}
    cells = pl.concat(
        [
            calls.altered.select("sample_id", "alteration", pl.lit(True).alias("is_altered")),
            calls.not_profiled.select("sample_id", "alteration", pl.lit(False).alias("is_altered")),
        ]
    ).with_columns(
        pl.col("alteration").replace_strict(class_of, return_dtype=pl.String).alias("cls"),
        pl.col("alteration").replace_strict(position, return_dtype=pl.Int64).alias("pos"),
    )
    # Each cell counts for its class and for ALL; one join gives the study order,
    # one group-by on an integer (sample x class) key does the roll-up.
    both = pl.concat([cells, cells.with_columns(pl.lit(ALL_CLASS).alias("cls"))]).join(
        calls.samples.with_row_index("sample_order"), on="sample_id", how="inner"
    )
    rolled = (
        both.with_columns(
            (
                pl.col("sample_order").cast(pl.Int64) * len(order)
                + pl.col("cls").replace_strict(order, return_dtype=pl.Int64)
            ).alias("key")
        )
        .group_by("key")
        .agg(
            pl.col("sample_id").first(),
            pl.col("cls").first().alias("mechanism_class"),
            pl.col("is_altered").any().alias("any_altered"),
            (
                pl.col("alteration")
                .filter(pl.col("is_altered"))
                .sort_by(pl.col("pos").filter(pl.col("is_altered")))
                .str.join("; ")
                if list_alterations
                else pl.lit(None, dtype=pl.String).first()
            ).alias("altered_alterations"),
        )
        .sort("key")
    )
    return rolled.select(
        "sample_id",
        "mechanism_class",
        pl.when(pl.col("any_altered"))
        .then(pl.lit("altered"))
        .otherwise(pl.lit("not_profiled"))
        .alias("status"),
        pl.when(pl.col("any_altered"))
        .then(pl.col("altered_alterations"))
        .alias("altered_alterations"),
    )


def class_calls(calls: AlterationCalls) -> pl.DataFrame:
    """Roll alteration calls up to mechanism classes, plus ``ALL`` (any catalog alteration).

    Per sample and class: ``altered`` if any alteration of the class is
    altered; ``not_altered`` if none is altered and all were profiled; else
    ``not_profiled``. ``altered_alterations`` lists the altered ids
    (``"ESR1_mut; PIK3CA_mut"``) or is null. Classes without catalog entries
    are left out; order: samples as in ``calls.samples``, classes
    ER, TF, MAPK, PI3K, CDK46, ALL. Dense (samples x classes); the analysis
    uses :func:`class_calls_sparse`.
    """
    present = _class_order(calls)
    flagged = class_calls_sparse(calls)
    return (
        calls.samples.join(
            pl.DataFrame({"mechanism_class": present}), how="cross", maintain_order="left_right"
        )
        .join(flagged, on=["sample_id", "mechanism_class"], how="left", maintain_order="left")
        .select(
            "sample_id",
            "mechanism_class",
            pl.col("status").fill_null("not_altered"),
            "altered_alterations",
        )
    )

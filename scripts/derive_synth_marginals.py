#!/usr/bin/env python
"""Derive the marginals that drive ``her2scope synth`` from the shared study.

Usage (from the project root)::

    HER2SCOPE_STUDIES=../shared/data/cbioportal \\
        .venv/bin/python scripts/derive_synth_marginals.py \\
        [--out src/her2scope/data/synth_marginals.json]

Reads ``$HER2SCOPE_STUDIES/breast_msk_2018`` (and the IMPACT410 gene panel
beside it in ``gene_panels/``) and writes **aggregated frequencies only**:
value vocabularies with counts (also conditional on one or two parent
columns), quantiles of numeric columns, per-gene alteration rates, recurrent
variant annotations with their counts, panel gene lists. No sample or
patient identifier and no row of the shared data is written, so the output
may live in the repository while the study itself (ODbL) may not.

This is a development script, run by hand when the model changes; the
generator (``her2scope.synth``) only reads its output.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from her2scope.synth import VARIANT_FIELDS  # what the generator reads back

STUDY_ID = "breast_msk_2018"
N_QUANTILES = 101
# A column with at most this many distinct strings is kept as a vocabulary
# (this keeps messy numeric-looking values such as "1 (weak intensity)" or
# "2 (CN 4.8)" verbatim); wider ones become quantiles.
MAX_VOCABULARY = 150

# Generation order and parent columns. The chain keeps the correlations the
# analysis cares about (HER2 score vs HR status, IHC status vs score, FISH vs
# score, primary vs sequenced HER2 for switching, ER/PR/HR consistency)
# without storing any joint table wider than three columns.
SAMPLE_PARENTS: dict[str, list[str]] = {
    "SAMPLE_TYPE": [],
    "SAMPLE_SITE": ["SAMPLE_TYPE"],
    "PRIOR_BREAST_PRIMARY": [],
    "INVASIVE_CARCINOMA_DX_TIME": [],
    "NGS_SAMPLE_COLLECTION_TIME": ["SAMPLE_TYPE"],
    "INVASIVE_CARCINOMA_DX_AGE": [],
    "TUMOR_TISSUE_ORIGIN": [],
    "TUMOR_SAMPLE_HISTOLOGY": [],
    "OVERALL_TUMOR_GRADE": ["TUMOR_SAMPLE_HISTOLOGY"],
    "PRIMARY_NUCLEAR_GRADE": ["OVERALL_TUMOR_GRADE"],
    "STAGE_AT_DIAGNOSIS": [],
    "ER_STATUS": ["SAMPLE_TYPE"],
    "PR_STATUS": ["ER_STATUS"],
    "HR_STATUS": ["ER_STATUS", "PR_STATUS"],
    "ER_STATUS_PRIMARY": ["ER_STATUS"],
    "ER_PCT_PRIMARY": ["ER_STATUS_PRIMARY"],
    "PR_STATUS_PRIMARY": ["ER_STATUS_PRIMARY", "PR_STATUS"],
    "PR_PCT_PRIMARY": ["PR_STATUS_PRIMARY"],
    "HER2_IHC_SCORE": ["HR_STATUS"],
    "HER2_IHC_STATUS": ["HER2_IHC_SCORE"],
    "HER2_FISH": ["HER2_IHC_SCORE"],
    "HER2_FISH_RATIO": ["HER2_FISH"],
    "OVERALL_HER2_STATUS": ["HER2_IHC_STATUS", "HER2_FISH"],
    "HER2_IHC_VALUE_PRIMARY": ["HER2_IHC_SCORE"],
    "HER2_IHC_PRIMARY": ["HER2_IHC_VALUE_PRIMARY"],
    "HER2_FISH_STATUS": ["HER2_IHC_VALUE_PRIMARY"],
    "HER2_FISH_RATIO_PRIMARY": ["HER2_FISH_STATUS"],
    "RECEPTOR_STATUS_PRIMARY": ["ER_STATUS_PRIMARY", "HER2_IHC_PRIMARY"],
    "ONCOTREE_CODE": ["TUMOR_SAMPLE_HISTOLOGY"],
    "CANCER_TYPE": ["ONCOTREE_CODE"],
    "CANCER_TYPE_DETAILED": ["ONCOTREE_CODE"],
    "SOMATIC_STATUS": [],
    "TMB_NONSYNONYMOUS": [],
}
# Numeric columns expressed relative to another column: the sequencing time
# follows the diagnosis time (both are ages in months in this study).
SAMPLE_OFFSETS = {"NGS_SAMPLE_COLLECTION_TIME": "INVASIVE_CARCINOMA_DX_TIME"}
# Age in years is the diagnosis time in months, floored: derived, not sampled.
SAMPLE_FLOOR_DIV = {"INVASIVE_CARCINOMA_DX_AGE": ("INVASIVE_CARCINOMA_DX_TIME", 12)}
# Counted from the generated mutations (non-synonymous per Mb), not sampled.
SAMPLE_TMB = "TMB_NONSYNONYMOUS"

PATIENT_PARENTS: dict[str, list[str]] = {
    "METASTATIC_DZ_FUP": [],
    "METASTATIC_RECURRENCE_TIME_MONTHS": ["METASTATIC_DZ_FUP"],
    "PRIOR_LOCAL_RECURRENCE": [],
    "SEX": [],
    "MENOPAUSAL_STATUS_AT_DIAGNOSIS": ["SEX"],
    "LATERALITY": [],
    "T_STAGE": [],
    "N_STAGE": [],
    "M_STAGE": [],
    "OVERALL_HR_STATUS_PATIENT": [],
    "OVERALL_HER2_STATUS_PATIENT": ["OVERALL_HR_STATUS_PATIENT"],
    "OVERALL_RECEPTOR_STATUS_PATIENT": ["OVERALL_HR_STATUS_PATIENT", "OVERALL_HER2_STATUS_PATIENT"],
    "HER2_STATUS_PRIMARY": ["OVERALL_HER2_STATUS_PATIENT"],
    "VITAL_STATUS": ["M_STAGE"],
    "LAST_CONTACT_DAYS_TO": [],
    "TIME_TO_DEATH_MONTHS": ["VITAL_STATUS"],
    "DFS_EVENT": ["METASTATIC_DZ_FUP"],
    "DFS_MONTHS": ["DFS_EVENT"],
    "OS_STATUS": ["VITAL_STATUS"],
    "OS_MONTHS": ["OS_STATUS"],
}

# Gene-level rates that depend on a sample column, because the analysis
# looks exactly there: ESR1 mutations are acquired under endocrine therapy
# (metastases), ERBB2 amplification goes with a HER2-positive call.
MUTATION_CONDITIONAL = {"ESR1": "SAMPLE_TYPE", "ERBB2": "OVERALL_HER2_STATUS"}
CNA_CONDITIONAL = {"ERBB2": "OVERALL_HER2_STATUS"}

PANEL_SUFFIX = {"IMPACT341": "IM3", "IMPACT410": "IM5", "IMPACT468": "IM6"}
PANEL_SIZE = {"IMPACT341": 341, "IMPACT410": 410, "IMPACT468": 468}
# MAF columns the generator writes itself; every other column gets a small
# vocabulary (only if it has few distinct values) or stays empty.
MAF_GENERATED = {
    "Hugo_Symbol",
    "Chromosome",
    "Start_Position",
    "End_Position",
    "Consequence",
    "Variant_Classification",
    "Variant_Type",
    "Reference_Allele",
    "Tumor_Seq_Allele1",
    "Tumor_Seq_Allele2",
    "Tumor_Sample_Barcode",
    "t_ref_count",
    "t_alt_count",
    "n_ref_count",
    "n_alt_count",
    "HGVSc",
    "HGVSp",
    "HGVSp_Short",
    "Transcript_ID",
    "RefSeq",
    "Protein_position",
    "Codons",
}
# Annotation fields kept for a recurrent variant (a variant's description,
# not a sample's data): VARIANT_FIELDS, shared with the generator.
MIN_RECURRENT = 2


def read_clinical(path: Path) -> tuple[list[list[str]], pl.DataFrame]:
    """The four ``#`` header lines (split) and the table, all strings."""
    with path.open(encoding="utf-8") as handle:
        header = [next(handle).rstrip("\n").lstrip("#").split("\t") for _ in range(4)]
    table = pl.read_csv(
        path, separator="\t", skip_rows=4, infer_schema=False, quote_char=None
    ).fill_null("")
    return header, table


def read_tsv(path: Path) -> pl.DataFrame:
    """A plain tab-separated file as strings, nulls as empty strings."""
    return pl.read_csv(path, separator="\t", infer_schema=False, quote_char=None).fill_null("")


def counts(values: list[str]) -> dict[str, int]:
    """Value -> count, most frequent first (ties by value, for stable output)."""
    return dict(sorted(Counter(values).items(), key=lambda kv: (-kv[1], kv[0])))


def as_float(value: str) -> float | None:
    """The value as a float, or None when it is not a plain number."""
    try:
        return float(value)
    except ValueError:
        return None


def number_format(values: list[str]) -> str:
    """How the study writes a numeric column: ``int``, ``fixed1`` or ``roundN``."""
    numeric = [v for v in values if as_float(v) is not None]
    decimals = [len(v.split(".")[1]) if "." in v else 0 for v in numeric]
    if not decimals or max(decimals) == 0:
        return "int"
    if min(decimals) == max(decimals) == 1:
        return "fixed1"
    return f"round{min(max(decimals), 4)}"


def quantiles(values: np.ndarray) -> list[float]:
    """``N_QUANTILES`` evenly spaced quantiles, rounded for a compact file."""
    if values.size == 0:
        return []
    qs = np.quantile(values, np.linspace(0.0, 1.0, N_QUANTILES))
    return [round(float(q), 4) for q in qs]


def numeric_part(values: list[str], base: list[float | None] | None) -> dict[str, Any]:
    """Non-numeric tokens with counts, plus quantiles of the numeric values.

    With ``base``, the quantiles describe ``value - base`` (rows where both
    are numbers), so the generator can keep the two columns in order.
    """
    tokens: Counter[str] = Counter()
    numbers: list[float] = []
    for i, value in enumerate(values):
        number = as_float(value)
        if number is None:
            tokens[value] += 1
            continue
        if base is not None:
            if base[i] is None:
                tokens[""] += 1
                continue
            number -= base[i]  # type: ignore[operator]
        numbers.append(number)
    return {
        "tokens": counts(list(tokens.elements())),
        "n_numeric": len(numbers),
        "quantiles": quantiles(np.asarray(numbers, dtype=float)),
    }


def column_specs(
    table: pl.DataFrame,
    parents: dict[str, list[str]],
    *,
    offsets: dict[str, str] | None = None,
    floor_div: dict[str, tuple[str, int]] | None = None,
    tmb: str | None = None,
) -> list[dict[str, Any]]:
    """One generation spec per column, in generation (parent-first) order."""
    offsets = offsets or {}
    floor_div = floor_div or {}
    specs: list[dict[str, Any]] = []
    for name, parent_cols in parents.items():
        values = table[name].to_list()
        if name == tmb:
            specs.append({"name": name, "kind": "tmb", "format": "g12"})
            continue
        if name in floor_div:
            source, divisor = floor_div[name]
            specs.append({"name": name, "kind": "floor_div", "source": source, "divisor": divisor})
            continue
        keys = (
            ["|".join(row) for row in table.select(parent_cols).iter_rows()]
            if parent_cols
            else [""] * len(values)
        )
        by_key: dict[str, list[int]] = {}
        for i, key in enumerate(keys):
            by_key.setdefault(key, []).append(i)
        distinct = len(set(values))
        if distinct <= MAX_VOCABULARY and name not in offsets:
            spec: dict[str, Any] = {"name": name, "kind": "categorical", "parents": parent_cols}
            spec["marginal"] = counts(values)
            # A root column's only conditional would repeat the marginal.
            spec["conditional"] = (
                {key: counts([values[i] for i in rows]) for key, rows in sorted(by_key.items())}
                if parent_cols
                else {}
            )
        else:
            spec = {
                "name": name,
                "kind": "numeric",
                "parents": parent_cols,
                "format": number_format(values),
            }
            base_values: list[float | None] | None = None
            if name in offsets:
                spec["offset_from"] = offsets[name]
                base_values = [as_float(v) for v in table[offsets[name]].to_list()]
            spec["marginal"] = numeric_part(values, base_values)
            spec["conditional"] = {
                key: numeric_part(
                    [values[i] for i in rows],
                    None if base_values is None else [base_values[i] for i in rows],
                )
                for key, rows in sorted(by_key.items())
                if parent_cols
            }
        specs.append(spec)
    return specs


def patient_level_columns(samples: pl.DataFrame, columns: list[str]) -> list[str]:
    """Sample columns that describe the patient (constant within ≥ 90% of
    multi-sample patients): the generator samples them once per patient."""
    multi = samples.filter(pl.len().over("PATIENT_ID") > 1)
    keep = []
    for name in columns:
        constant = multi.group_by("PATIENT_ID").agg(pl.col(name).n_unique() == 1)[name]
        if constant.len() and constant.mean() >= 0.9:  # type: ignore[operator]
            keep.append(name)
    return keep


def read_gene_list(path: Path) -> list[str]:
    """Genes of a cBioPortal gene panel file (its ``gene_list:`` line only;
    other keys such as ``number_of_profiled_coding_base_pairs`` follow it)."""
    for line in path.read_text(encoding="utf-8").splitlines():
        key, _, value = line.partition(":")
        if key.strip() == "gene_list":
            return value.split()
    raise ValueError(f"{path}: no gene_list line")


def panel_of(sample_id: str) -> str:
    """Panel id from the sample id suffix (``-IM3`` -> IMPACT341 ...)."""
    suffix = sample_id.rsplit("-", 1)[-1]
    for panel, panel_suffix in PANEL_SUFFIX.items():
        if suffix == panel_suffix:
            return panel
    raise ValueError(f"unknown panel suffix in {sample_id}")


def derive_panels(
    impact410: list[str],
    observed: dict[str, Counter[str]],
    cna_genes: list[str],
) -> tuple[dict[str, list[str]], str]:
    """Approximate gene lists for IMPACT341 and IMPACT468 (only 410 is known).

    ``observed[panel]`` counts alteration events per gene in that panel's
    samples. IMPACT341 keeps every 410 gene seen altered in an IM3 sample
    (it must be on the panel) and fills up to 341 with the 410 genes seen
    least often elsewhere; IMPACT468 is 410 plus the non-410 genes seen in
    IM6 samples or in the CNA matrix, ranked by frequency, padded with
    synthetic names if short.
    """
    set410 = set(impact410)
    seen341 = [g for g in impact410 if observed["IMPACT341"][g] > 0]
    elsewhere = observed["IMPACT410"] + observed["IMPACT468"]
    rest = sorted((g for g in impact410 if g not in seen341), key=lambda g: (elsewhere[g], g))
    panel341 = sorted(seen341 + rest[: max(0, PANEL_SIZE["IMPACT341"] - len(seen341))])
    extra_rank = Counter({g: n for g, n in observed["IMPACT468"].items() if g not in set410})
    for gene in cna_genes:
        if gene not in set410:
            extra_rank[gene] += 0
    extras = sorted(extra_rank, key=lambda g: (-extra_rank[g], g))
    need = PANEL_SIZE["IMPACT468"] - len(impact410)
    extras = extras[:need]
    extras += [f"SYNTH{i:03d}" for i in range(1, need - len(extras) + 1)]
    panels = {
        "IMPACT341": panel341,
        "IMPACT410": list(impact410),
        "IMPACT468": sorted(set(impact410) | set(extras)),
    }
    note = (
        "IMPACT410 is the shared cBioPortal definition. IMPACT341 and IMPACT468 are "
        "approximations (their definitions are not in the shared data): IMPACT341 = the "
        f"{len(seen341)} IMPACT410 genes observed altered in IM3 samples plus the "
        f"{len(panel341) - len(seen341)} IMPACT410 genes least often altered elsewhere; "
        "IMPACT468 = IMPACT410 plus the most frequent non-410 genes observed in IM6 samples "
        "or in the CNA matrix (padded with SYNTHnnn names when short)."
    )
    return panels, note


def gene_models(
    maf: pl.DataFrame, covered: dict[str, int], conditional_values: dict[str, list[str]]
) -> dict[str, Any]:
    """Per-gene mutation model: rate, multiplicity, class mix, recurrent variants."""
    genes: dict[str, Any] = {}
    for (gene,), rows in sorted(maf.group_by(["Hugo_Symbol"]), key=lambda kv: str(kv[0][0])):
        gene = str(gene)
        n_samples = rows["Tumor_Sample_Barcode"].n_unique()
        positions = [int(p) for p in rows["Start_Position"].to_list() if p.isdigit()]
        protein = [int(p) for p in rows["Protein_position"].to_list() if p.isdigit()]
        transcripts = Counter(rows["Transcript_ID"].to_list()).most_common(1)
        refseqs = Counter(r for r in rows["RefSeq"].to_list() if r).most_common(1)
        variants = (
            rows.group_by(VARIANT_FIELDS).len().sort(["len", *VARIANT_FIELDS], descending=True)
        )
        recurrent = [
            {"count": int(row["len"]), **{f: row[f] for f in VARIANT_FIELDS}}
            for row in variants.filter(pl.col("len") >= MIN_RECURRENT).iter_rows(named=True)
        ]
        n_recurrent = sum(v["count"] for v in recurrent)
        novel = rows.join(
            variants.filter(pl.col("len") >= MIN_RECURRENT).select(VARIANT_FIELDS),
            on=VARIANT_FIELDS,
            how="anti",
        )
        genes[gene] = {
            "rate": round(n_samples / max(covered.get(gene, 0), 1), 6),
            "rows_per_mutated_sample": round(rows.height / n_samples, 4),
            "chromosome": Counter(rows["Chromosome"].to_list()).most_common(1)[0][0],
            "start_min": min(positions) if positions else 1,
            "start_max": max(positions) if positions else 1,
            "protein_length": max(protein) if protein else 500,
            "transcript": transcripts[0][0] if transcripts else "",
            "refseq": refseqs[0][0] if refseqs else "",
            "n_rows": rows.height,
            "n_recurrent_rows": n_recurrent,
            "novel_classification": counts(novel["Variant_Classification"].to_list()),
            "recurrent": recurrent,
        }
        if gene in conditional_values:
            genes[gene]["conditional_on"] = conditional_values[gene]
    return genes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out",
        type=Path,
        default=Path(__file__).resolve().parents[1] / "src/her2scope/data/synth_marginals.json",
    )
    args = parser.parse_args(argv)
    roots = [Path(p) for p in os.environ.get("HER2SCOPE_STUDIES", "").split(os.pathsep) if p]
    study_dirs = [r / STUDY_ID for r in roots if (r / STUDY_ID / "meta_study.txt").is_file()]
    if not study_dirs:
        print(f"error: set HER2SCOPE_STUDIES to a folder holding {STUDY_ID}", file=sys.stderr)
        return 2
    study = study_dirs[0]
    panel410_file = study.parent / "gene_panels" / "data_gene_panel_impact410.txt"

    sample_header, samples = read_clinical(study / "data_clinical_sample.txt")
    patient_header, patients = read_clinical(study / "data_clinical_patient.txt")
    maf = read_tsv(study / "data_mutations.txt")
    fusions = read_tsv(study / "data_fusions.txt")
    cna = read_tsv(study / "data_cna.txt")
    impact410 = read_gene_list(panel410_file)

    panel_by_sample = {s: panel_of(s) for s in samples["SAMPLE_ID"].to_list()}
    panel_counts = Counter(panel_by_sample.values())

    # Which genes each panel's samples show altered (mutation, CNA, fusion).
    observed: dict[str, Counter[str]] = {p: Counter() for p in PANEL_SUFFIX}
    for gene, sample in maf.select("Hugo_Symbol", "Tumor_Sample_Barcode").iter_rows():
        observed[panel_by_sample[sample]][gene] += 1
    for gene, sample in fusions.select("Hugo_Symbol", "Tumor_Sample_Barcode").iter_rows():
        observed[panel_by_sample[sample]][gene] += 1
    cna_long = cna.unpivot(index="Hugo_Symbol", variable_name="sample", value_name="cna").filter(
        pl.col("cna") != "0"
    )
    for gene, sample in cna_long.select("Hugo_Symbol", "sample").iter_rows():
        observed[panel_by_sample[sample]][gene] += 1
    cna_genes = cna["Hugo_Symbol"].to_list()
    panels, panel_note = derive_panels(impact410, observed, cna_genes)
    panel_sets = {p: set(g) for p, g in panels.items()}

    def n_covered(gene: str) -> int:
        """Samples whose (approximated) panel covers the gene; all if none does."""
        n = sum(panel_counts[p] for p in panels if gene in panel_sets[p])
        return n or samples.height

    all_genes = set(maf["Hugo_Symbol"]) | set(cna_genes) | set(fusions["Hugo_Symbol"])
    covered = {g: n_covered(g) for g in all_genes}

    # Conditional mutation / CNA rates on a sample column (see the constants).
    sample_value = {
        col: dict(samples.select("SAMPLE_ID", col).iter_rows())
        for col in set(MUTATION_CONDITIONAL.values()) | set(CNA_CONDITIONAL.values())
    }

    def rates_by(
        altered: dict[str, set[str]], gene: str, column: str
    ) -> dict[str, dict[str, float]]:
        """Per value of ``column``: fraction of covered samples with each alteration."""
        out: dict[str, dict[str, float]] = {}
        for value in sorted(set(sample_value[column].values())):
            group = [
                s
                for s, v in sample_value[column].items()
                if v == value
                and (
                    gene not in set().union(*panel_sets.values())
                    or gene in panel_sets[panel_by_sample[s]]
                )
            ]
            out[value] = {
                kind: round(len(ids & set(group)) / max(len(group), 1), 6)
                for kind, ids in altered.items()
            }
        return out

    mutated = {
        g: set(maf.filter(pl.col("Hugo_Symbol") == g)["Tumor_Sample_Barcode"])
        for g in MUTATION_CONDITIONAL
    }
    gene_specs = gene_models(maf, covered, {})
    for gene, column in MUTATION_CONDITIONAL.items():
        gene_specs[gene]["conditional"] = {
            "column": column,
            "rates": {
                v: r["mutated"]
                for v, r in rates_by({"mutated": mutated[gene]}, gene, column).items()
            },
        }

    # Depth and allele fraction, pooled over all calls.
    depth = maf.select(
        (
            pl.col("t_ref_count").cast(pl.Int64, strict=False)
            + pl.col("t_alt_count").cast(pl.Int64, strict=False)
        ).alias("depth"),
        pl.col("t_alt_count").cast(pl.Int64, strict=False).alias("alt"),
        pl.col("n_ref_count").cast(pl.Int64, strict=False).alias("n_ref"),
    ).drop_nulls()
    depth = depth.filter(pl.col("depth") > 0)
    maf_defaults = {}
    for col in maf.columns:
        if col in MAF_GENERATED:
            continue
        vc = counts(maf[col].to_list())
        # Free-text or id-like columns (dbSNP ids ...) stay empty: a
        # vocabulary there would add nothing and could leak specifics.
        maf_defaults[col] = vc if len(vc) <= 5 else {"": 1}

    mutations_per_sample = maf.group_by("Tumor_Sample_Barcode").len()["len"].to_numpy()

    cna_values = sorted({v for v in cna_long["cna"].to_list()}, key=float)
    cna_spec: dict[str, Any] = {"values": cna_values, "genes": {}}
    cna_counts = cna_long.group_by("Hugo_Symbol", "cna").len()
    per_gene: dict[str, dict[str, int]] = {}
    for gene, value, n in cna_counts.iter_rows():
        per_gene.setdefault(gene, {})[value] = n
    for gene in sorted(set(cna_genes) | panel_sets["IMPACT468"]):
        cna_spec["genes"][gene] = {
            v: round(per_gene.get(gene, {}).get(v, 0) / covered.get(gene, samples.height), 6)
            for v in cna_values
        }
    cna_spec["conditional"] = {}
    for gene, column in CNA_CONDITIONAL.items():
        altered = {
            v: set(
                cna_long.filter((pl.col("Hugo_Symbol") == gene) & (pl.col("cna") == v))["sample"]
            )
            for v in cna_values
        }
        cna_spec["conditional"][gene] = {"column": column, "rates": rates_by(altered, gene, column)}

    events = fusions.group_by("Tumor_Sample_Barcode", "Fusion").agg(pl.col("Hugo_Symbol").sort())
    event_vocab = Counter(
        (fusion, tuple(genes))
        for fusion, genes in events.select("Fusion", "Hugo_Symbol").iter_rows()
    )
    fusion_spec = {
        "events_per_sample": round(events.height / samples.height, 6),
        "frame": counts(fusions["Frame"].to_list()),
        "defaults": {
            c: counts(fusions[c].to_list())
            for c in ("Center", "DNA_support", "RNA_support", "Method")
        },
        "events": [
            {"fusion": fusion, "genes": list(genes), "count": n}
            for (fusion, genes), n in sorted(event_vocab.items(), key=lambda kv: (-kv[1], kv[0]))
        ],
    }

    per_patient = samples.group_by("PATIENT_ID").len()["len"].to_list()
    sample_columns = sample_header[0:4]
    sample_specs = column_specs(
        samples,
        SAMPLE_PARENTS,
        offsets=SAMPLE_OFFSETS,
        floor_div=SAMPLE_FLOOR_DIV,
        tmb=SAMPLE_TMB,
    )
    patient_specs = column_specs(patients, PATIENT_PARENTS)

    out = {
        "about": (
            "Aggregated marginals of cBioPortal study breast_msk_2018 (Razavi et al., "
            "Cancer Cell 2018, PMID 30205045; ODbL) for her2scope's synthetic study "
            "generator. Frequencies, vocabularies, quantiles and panel gene lists only: "
            "no sample or patient identifiers, no data rows. Written by "
            "scripts/derive_synth_marginals.py."
        ),
        "source_study": STUDY_ID,
        "n_samples": samples.height,
        "n_patients": patients.height,
        "samples_per_patient": {str(k): v for k, v in sorted(Counter(per_patient).items())},
        "panels": {p: {"suffix": PANEL_SUFFIX[p], "count": panel_counts[p]} for p in PANEL_SUFFIX},
        "panel_genes": panels,
        "panel_note": panel_note,
        "sample_file": {
            "header": [list(h) for h in sample_columns],
            "columns": samples.columns,
            "patient_level": patient_level_columns(
                samples, [s["name"] for s in sample_specs if s["kind"] != "tmb"]
            ),
            "specs": sample_specs,
        },
        "patient_file": {
            "header": [list(h) for h in patient_header],
            "columns": patients.columns,
            "specs": patient_specs,
        },
        "mutations": {
            "columns": maf.columns,
            "defaults": maf_defaults,
            "rows_per_sample_mean": round(maf.height / samples.height, 4),
            "rows_per_mutated_sample_quantiles": quantiles(mutations_per_sample.astype(float)),
            "depth_quantiles": quantiles(depth["depth"].to_numpy().astype(float)),
            "vaf_quantiles": quantiles((depth["alt"] / depth["depth"]).to_numpy()),
            "normal_depth_quantiles": quantiles(depth["n_ref"].to_numpy().astype(float)),
            "tmb_divisor_mb": 30.0,
            "genes": gene_specs,
        },
        "cna": cna_spec,
        "fusions": {**fusion_spec, "columns": fusions.columns},
    }
    # Guard the promise in the docstring: no identifier may slip through.
    text = json.dumps(out, indent=1, ensure_ascii=False)
    if re.search(r"P-\d{7}", text):
        print("error: a sample/patient identifier leaked into the marginals", file=sys.stderr)
        return 1
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text + "\n", encoding="utf-8")
    print(f"wrote {args.out} ({len(text) // 1024} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

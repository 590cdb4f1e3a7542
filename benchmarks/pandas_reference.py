"""Plain pandas reference for ``her2scope analyze --profile ihc-only --ambiguous low``.

Written the way a careful researcher would do it by hand, without her2scope:
read the study files with pandas, call HER2 from the IHC score alone, and
loop over the catalog alterations with boolean masks. It is the yardstick
``benchmarks/run.py`` checks her2scope against (identical counts) and times
(speed ratio). It deliberately imports nothing from her2scope, so a bug in
her2scope cannot hide in both.

Rules reproduced (read off ``src/her2scope/data/profiles/ihc-only.yaml``,
``src/her2scope/her2/parse.py`` and ``src/her2scope/data/catalog.yaml``):

* HER2 from ``HER2_IHC_SCORE`` only. The in-house score is the leading
  ``0``/``0+``/``1+``/``2+``/``3+`` or range ``0-1+``/``1-2+``/``2-3+``;
  annotations such as ``(focal)`` or ``(outside 3+)`` do not change it. Each
  score maps through the profile's ``ihc_alone`` table (0 -> zero, 1+/2+ ->
  HER2-low, 3+ -> HER2-positive). A range whose ends disagree is settled by
  ``--ambiguous low``: HER2-low if any score in the range is HER2-low. No
  readable score -> unknown.
* ``mut``: a MAF row of the gene whose Variant_Classification is in the
  catalog's class set (``cbioportal`` = maftools non-synonymous classes plus
  Splice_Region), optionally restricted to listed protein changes (exact
  ``D538G`` or a bare residue ``Y537``); ``amp``: CNA == 2; ``homdel``:
  CNA == -2; ``fusion``: any row for the gene in the fusion file.
* Counts are over the samples of the clinical sample file (every sample is
  analysed with these options); variant rows of other samples are ignored.

Usage::

    python benchmarks/pandas_reference.py STUDY_DIR [--catalog catalog.yaml]
        [--out counts.tsv] [--timings timings.json]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

REPO = Path(__file__).resolve().parents[1]
DEFAULT_CATALOG = REPO / "src" / "her2scope" / "data" / "catalog.yaml"
ALLELE_SETS = REPO / "src" / "her2scope" / "data" / "allele_sets.yaml"
DEFAULT_PROFILE = REPO / "src" / "her2scope" / "data" / "profiles" / "ihc-only.yaml"

NONSYN = [
    "Frame_Shift_Del",
    "Frame_Shift_Ins",
    "Splice_Site",
    "Translation_Start_Site",
    "Nonsense_Mutation",
    "Nonstop_Mutation",
    "In_Frame_Del",
    "In_Frame_Ins",
    "Missense_Mutation",
]
CLASS_SETS = {"nonsyn": NONSYN, "cbioportal": [*NONSYN, "Splice_Region"]}
CLASS_ORDER = ["ER", "TF", "MAPK", "PI3K", "CDK46"]
COUNT_COLUMNS = ["n_altered", "n_her2_known", "n_her2_low", "n_her2_zero", "n_her2_positive"]

# Leading in-house score or range: "0+", "1+ (focal)", "0-1+", "2-3+", "1+ (outside 3+)".
IHC_SCORE = re.compile(r"^\s*(\d)\s*\+?\s*(?:-\s*(\d)\s*\+?)?")
RESIDUE = re.compile(r"^[A-Z*]\d+$")


def data_files(study_dir: Path) -> dict[str, Path]:
    """Data file per meta ``genetic_alteration_type``/``datatype`` (from the meta files)."""
    found: dict[str, Path] = {}
    for meta in sorted(study_dir.glob("meta_*.txt")):
        fields = {}
        for line in meta.read_text(encoding="utf-8").splitlines():
            key, _, value = line.partition(":")
            fields[key.strip()] = value.strip()
        if "data_filename" in fields:
            kind = f"{fields.get('genetic_alteration_type')}/{fields.get('datatype')}"
            found[kind] = study_dir / fields["data_filename"]
    return found


def ihc_category(raw: Any, ihc_alone: dict[str, str]) -> str:
    """HER2 category of one IHC cell under ihc-only with ``--ambiguous low``."""
    if not isinstance(raw, str):
        return ihc_alone["none"]
    match = IHC_SCORE.match(raw)
    if match is None:
        return ihc_alone["none"]
    lo = int(match.group(1))
    hi = int(match.group(2) or lo)
    if hi > 3 or lo > hi:
        return "unknown"
    readings = [ihc_alone[str(score)] for score in range(lo, hi + 1)]
    if len(set(readings)) == 1:
        return readings[0]
    return "HER2-low" if "HER2-low" in readings else readings[0]


def her2_group(category: str) -> str:
    if category == "HER2-low":
        return "low"
    if category in ("zero", "HER2-0", "HER2-null", "HER2-ultralow"):
        return "zero"
    if category == "HER2-positive":
        return "positive"
    return "unknown"


def reference_counts(
    study_dir: Path,
    catalog_path: Path = DEFAULT_CATALOG,
    profile_path: Path = DEFAULT_PROFILE,
    timings: dict[str, float] | None = None,
) -> pd.DataFrame:
    """Per catalog alteration, mechanism class and ALL: the five HER2 counts."""
    timings = timings if timings is not None else {}
    files = data_files(study_dir)
    catalog = yaml.safe_load(catalog_path.read_text(encoding="utf-8"))
    profile = yaml.safe_load(profile_path.read_text(encoding="utf-8"))
    ihc_alone = {str(k): v for k, v in profile["ihc_alone"].items()}

    t = time.perf_counter()
    samples = pd.read_csv(
        files["CLINICAL/SAMPLE_ATTRIBUTES"], sep="\t", comment="#", dtype=str, low_memory=False
    )
    samples["her2_group"] = (
        samples["HER2_IHC_SCORE"].map(lambda v: ihc_category(v, ihc_alone)).map(her2_group)
    )
    timings["clinical"] = time.perf_counter() - t

    t = time.perf_counter()
    maf = pd.read_csv(
        files["MUTATION_EXTENDED/MAF"],
        sep="\t",
        comment="#",
        usecols=["Hugo_Symbol", "Tumor_Sample_Barcode", "Variant_Classification", "HGVSp_Short"],
        dtype=str,
    )
    maf["protein_change"] = maf["HGVSp_Short"].str.removeprefix("p.")
    timings["maf"] = time.perf_counter() - t

    catalog_genes = sorted(
        {g for alt in catalog["alterations"].values() for g in alt["genes"]}
        | {
            g
            for alt in catalog["alterations"].values()
            for ev in alt["events"]
            for g in ev.get("genes") or []
        }
    )
    t = time.perf_counter()
    # low_memory=False: the default chunked parse is quadratic in the number of
    # columns (250k samples: 406 s and 16 GB instead of ~12 s and 4 GB).
    cna_wide = pd.read_csv(
        files["COPY_NUMBER_ALTERATION/DISCRETE"],
        sep="\t",
        comment="#",
        index_col=0,
        low_memory=False,
    ).astype("float64")
    timings["cna_read"] = time.perf_counter() - t
    t = time.perf_counter()
    cna = (
        cna_wide.loc[cna_wide.index.isin(catalog_genes)]
        .reset_index()
        .melt(
            id_vars=[cna_wide.index.name or "Hugo_Symbol"], var_name="sample_id", value_name="cna"
        )
    )
    cna = cna[cna["cna"].isin([2.0, -2.0])]
    del cna_wide
    timings["cna_melt"] = time.perf_counter() - t

    t = time.perf_counter()
    fusions = pd.read_csv(
        files["FUSION/FUSION"],
        sep="\t",
        comment="#",
        usecols=["Hugo_Symbol", "Tumor_Sample_Barcode"],
        dtype=str,
    )
    timings["fusions"] = time.perf_counter() - t

    t = time.perf_counter()
    classes = CLASS_SETS[catalog.get("mutation_classes", "cbioportal")]
    maf_in_class = maf[maf["Variant_Classification"].isin(classes)]
    altered: dict[str, set[str]] = {}
    mechanism: dict[str, str] = {}
    for alt_id, alt in catalog["alterations"].items():
        hit: set[str] = set()
        for event in alt["events"]:
            for gene in event.get("genes") or alt["genes"]:
                if event["type"] == "mut":
                    rows = maf_in_class[maf_in_class["Hugo_Symbol"] == gene]
                    if event.get("hotspot_only"):
                        raise NotImplementedError("hotspot_only events are not in the reference")
                    if event.get("allele_set"):  # a named list in data/allele_sets.yaml
                        sets = yaml.safe_load(ALLELE_SETS.read_text(encoding="utf-8"))
                        event = {
                            **event,
                            "protein_changes": sets[event["allele_set"]]["protein_changes"],
                        }
                    if event.get("protein_changes"):
                        wanted = [p.removeprefix("p.") for p in event["protein_changes"]]
                        exact = [p for p in wanted if not RESIDUE.match(p)]
                        residues = [p for p in wanted if RESIDUE.match(p)]
                        residue = rows["protein_change"].str.extract(r"^([A-Z*]\d+)", expand=False)
                        rows = rows[rows["protein_change"].isin(exact) | residue.isin(residues)]
                    hit |= set(rows["Tumor_Sample_Barcode"])
                elif event["type"] in ("amp", "homdel"):
                    level = 2.0 if event["type"] == "amp" else -2.0
                    rows = cna[(cna["Hugo_Symbol"] == gene) & (cna["cna"] == level)]
                    hit |= set(rows["sample_id"])
                elif event["type"] == "fusion":
                    hit |= set(fusions.loc[fusions["Hugo_Symbol"] == gene, "Tumor_Sample_Barcode"])
        altered[alt_id] = hit
        mechanism[alt_id] = alt["mechanism_class"]
    for cls in [*CLASS_ORDER, "ALL"]:
        members = [a for a in mechanism if cls in ("ALL", mechanism[a])]
        if members:
            altered[cls] = set().union(*(altered[a] for a in members))

    group = samples["her2_group"]
    rows_out = []
    for alt_id, hit in altered.items():
        mask = samples["SAMPLE_ID"].isin(hit)
        low = int((mask & (group == "low")).sum())
        zero = int((mask & (group == "zero")).sum())
        positive = int((mask & (group == "positive")).sum())
        rows_out.append(
            {
                "alteration": alt_id,
                "n_altered": int(mask.sum()),
                "n_her2_known": low + zero + positive,
                "n_her2_low": low,
                "n_her2_zero": zero,
                "n_her2_positive": positive,
            }
        )
    timings["counts"] = time.perf_counter() - t
    return pd.DataFrame(rows_out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("study_dir", type=Path)
    parser.add_argument("--catalog", type=Path, default=DEFAULT_CATALOG)
    parser.add_argument("--out", type=Path, help="write the counts as TSV (default: stdout)")
    parser.add_argument("--timings", type=Path, help="write per-phase seconds as JSON")
    args = parser.parse_args(argv)
    timings: dict[str, float] = {}
    counts = reference_counts(args.study_dir, args.catalog, timings=timings)
    if args.out is not None:
        counts.to_csv(args.out, sep="\t", index=False)
    else:
        counts.to_csv(sys.stdout, sep="\t", index=False)
    if args.timings is not None:
        args.timings.write_text(json.dumps(timings, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

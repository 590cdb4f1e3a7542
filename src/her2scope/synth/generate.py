"""Synthetic cBioPortal studies of any size, shaped like ``breast_msk_2018``.

:func:`generate_study` writes a complete study folder (meta files, clinical
sample/patient files with the four ``#`` header lines, MAF, discrete CNA
matrix, old-style ``data_fusions.txt``, gene panel matrix, case lists and
``data_gene_panel_impact*.txt`` gene panel definitions) whose marginals follow the shared study. The
marginals are aggregated frequencies in ``her2scope/data/synth_marginals.json``,
derived by ``scripts/derive_synth_marginals.py``; no row of the real study is
copied.

What is modelled, and what is deliberately simple:

* Clinical columns are drawn in a fixed order, each from its marginal or
  from its distribution conditional on one or two earlier columns (HER2 IHC
  score given HR status, IHC status and FISH given score, FISH ratio given
  FISH status, primary-tumor HER2 given sequenced HER2 ...). The messy
  strings of the real study (``0-1+``, ``3+ (outside)``, ``2 (CN 4.8)``,
  ``Not Available``) are part of the vocabularies and keep their frequencies.
  Columns that describe the patient's primary tumor are drawn once per
  patient and repeated on all of that patient's samples.
* Patient survival columns are drawn per patient, independent of the
  samples' pathology.
* Mutations: per gene an independent Bernoulli draw with the study's
  per-gene rate among samples whose panel covers the gene, except ESR1 (rate
  by sample type: acquired in metastases) and ERBB2 (rate by HER2 status).
  Low-frequency genes are scaled by a per-sample burden so some tumors carry
  many passengers; recurrent variants (PIK3CA H1047R, ESR1 D538G ...) keep
  their annotation and relative frequency, the rest are synthesised per
  Variant_Classification. Alterations are otherwise independent of HER2.
* CNA: per gene amp/homdel rates among covered samples; ERBB2 amplification
  by HER2 status. Genes outside a sample's panel are written as 0, as the
  real matrix does.
* Fusions: events drawn from the study's event vocabulary at its rate.

Everything is deterministic for ``(n_samples, seed)``: each chunk and each
CNA row has its own ``numpy`` Generator seeded from ``seed``. Memory is
bounded by the chunk size (10,000 samples by default) plus a few bytes per
sample; every file is appended chunk by chunk, the CNA matrix row by row.
"""

from __future__ import annotations

import gzip
import json
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import IO, Any, cast

import numpy as np
import polars as pl

from her2scope.errors import ConfigError, SchemaError
from her2scope.study.cbioportal_writer import (
    case_list_head,
    clinical_header,
    clinical_meta_text,
    gene_panel_text,
    meta_text,
)
from her2scope.synth.marginals import validate_marginals
from her2scope.vocab import NONSYN_CLASSES

DEFAULT_CHUNK_SIZE = 10_000
MAX_SAMPLES = 5_000_000  # patient ids have seven digits
# Genes at or above this mutation rate are drivers whose frequency the
# analysis measures; only rarer genes are scaled by the per-sample burden.
BURDEN_MAX_RATE = 0.05
# Gamma shape of the per-sample burden (mean 1): a long tail of tumors with
# many passenger mutations, as in the real MAF (median 4, max 450 per sample).
BURDEN_SHAPE = 1.0
#: maftools' non-synonymous classes (the one list in her2scope.vocab)
NON_SYNONYMOUS = frozenset(NONSYN_CLASSES)
AMINO_ACIDS = "ACDEFGHIKLMNPQRSTVWY"
AA3 = {
    "A": "Ala", "C": "Cys", "D": "Asp", "E": "Glu", "F": "Phe", "G": "Gly", "H": "His",
    "I": "Ile", "K": "Lys", "L": "Leu", "M": "Met", "N": "Asn", "P": "Pro", "Q": "Gln",
    "R": "Arg", "S": "Ser", "T": "Thr", "V": "Val", "W": "Trp", "Y": "Tyr",
}  # fmt: skip
BASES = np.array(list("ACGT"))
CASE_LISTS = {
    "cases_all": ("all", "All samples", "all_cases_in_study"),
    "cases_sequenced": ("sequenced", "Samples with mutation data", "all_cases_with_mutation_data"),
    "cases_cna": ("cna", "Samples with CNA data", "all_cases_with_cna_data"),
    "cases_cnaseq": (
        "cnaseq",
        "Samples with mutation and CNA data",
        "all_cases_with_mutation_and_cna_data",
    ),
}

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class SynthSummary:
    """What :func:`generate_study` wrote."""

    out_dir: Path
    study_id: str
    n_samples: int
    n_patients: int
    n_mutations: int
    n_fusion_rows: int
    n_cna_genes: int
    seconds: float
    file_sizes: dict[str, int] = field(default_factory=dict)

    @property
    def total_bytes(self) -> int:
        return sum(self.file_sizes.values())


def load_marginals(path: Path | None = None) -> dict[str, Any]:
    """The marginals JSON (default: the packaged ``synth_marginals.json``), validated.

    Raises :class:`~her2scope.errors.SchemaError` naming the file when it cannot
    be read, is not JSON, or does not match :class:`her2scope.synth.marginals.Marginals`.
    """
    origin = "synth_marginals.json" if path is None else str(path)
    try:
        if path is None:
            text = (
                resources.files("her2scope.data")
                .joinpath("synth_marginals.json")
                .read_text("utf-8")
            )
        else:
            text = Path(path).read_text(encoding="utf-8")
        data = json.loads(text)
    except (OSError, UnicodeDecodeError) as exc:
        raise SchemaError(f"cannot read synth marginals: {exc}", file=origin) from None
    except json.JSONDecodeError as exc:
        raise SchemaError(f"not valid JSON: {exc.msg}", file=origin, line=exc.lineno) from None
    return validate_marginals(data, origin)


# --------------------------------------------------------------------------
# Sampling helpers
# --------------------------------------------------------------------------


def _draw(rng: np.random.Generator, weights: np.ndarray, n: int) -> np.ndarray:
    """``n`` indices drawn with the given (unnormalised) weights."""
    cdf = np.cumsum(weights, dtype=np.float64)
    idx = np.searchsorted(cdf, rng.random(n) * cdf[-1], side="right")
    return np.minimum(idx, len(weights) - 1)


def _interp_quantiles(rng: np.random.Generator, qs: Sequence[float], n: int) -> np.ndarray:
    """Draw from the piecewise-linear inverse CDF given by quantiles."""
    if not qs:
        return np.full(n, np.nan)
    grid = np.linspace(0.0, 1.0, len(qs))
    return np.interp(rng.random(n), grid, np.asarray(qs, dtype=np.float64))


def _format_numbers(values: np.ndarray, fmt: str) -> pl.Series:
    """Numbers written the way the real study writes that column."""
    s = pl.Series(values, dtype=pl.Float64)
    if fmt == "int":
        out = s.round(0).cast(pl.Int64).cast(pl.String)
    elif fmt == "fixed1":
        # round(1) then cast keeps a trailing ".0" exactly like "446.0".
        out = s.round(1).cast(pl.String)
    elif fmt.startswith("round"):
        out = s.round(int(fmt[5:])).cast(pl.String)
    else:  # g12: TMB as the study writes it (Python repr of a float)
        out = pl.Series([f"{v:.12g}" for v in values], dtype=pl.String)
    return out


class _Categorical:
    """A categorical column: vocabulary, marginal and conditional weights."""

    def __init__(self, spec: dict[str, Any], vocabs: dict[str, list[str]]) -> None:
        self.name: str = spec["name"]
        self.parents: list[str] = spec.get("parents", [])
        self.vocab: list[str] = list(spec["marginal"])
        index = {v: i for i, v in enumerate(self.vocab)}
        self.marginal = np.array(list(spec["marginal"].values()), dtype=np.float64)
        # Conditional tables keyed by a mixed-radix number of parent codes,
        # so a chunk is split by integer keys instead of strings.
        self.table: dict[int, np.ndarray] = {}
        for key, table in spec.get("conditional", {}).items():
            code = self._key_code(key.split("|") if self.parents else [], vocabs)
            if code is None:
                continue
            weights = np.zeros(len(self.vocab))
            for value, n in table.items():
                weights[index[value]] = n
            self.table[code] = weights

    def _key_code(self, values: list[str], vocabs: dict[str, list[str]]) -> int | None:
        code = 0
        for parent, value in zip(self.parents, values, strict=True):
            vocab = vocabs[parent]
            if value not in vocab:
                return None
            code = code * len(vocab) + vocab.index(value)
        return code

    def sample(
        self,
        rng: np.random.Generator,
        codes: dict[str, np.ndarray],
        vocabs: dict[str, list[str]],
        n: int,
    ) -> np.ndarray:
        """Codes into ``self.vocab`` for ``n`` rows (parents already drawn)."""
        if not self.parents:
            return _draw(rng, self.marginal, n).astype(np.int32)
        key = np.zeros(n, dtype=np.int64)
        for parent in self.parents:
            key = key * len(vocabs[parent]) + codes[parent]
        out = np.empty(n, dtype=np.int32)
        u = rng.random(n)
        for k in np.unique(key):
            rows = np.flatnonzero(key == k)
            # A parent combination the study never showed: fall back to the
            # marginal rather than inventing a conditional.
            weights = self.table.get(int(k), self.marginal)
            cdf = np.cumsum(weights)
            out[rows] = np.minimum(
                np.searchsorted(cdf, u[rows] * cdf[-1], side="right"), len(weights) - 1
            )
        return out


@dataclass
class _Columns:
    """Generated columns of one chunk (codes, numbers and final strings)."""

    codes: dict[str, np.ndarray] = field(default_factory=dict)
    numbers: dict[str, np.ndarray] = field(default_factory=dict)
    strings: dict[str, pl.Series] = field(default_factory=dict)


class _TableModel:
    """Draws the columns of one clinical file in dependency order."""

    def __init__(self, file_spec: dict[str, Any], patient_level: Sequence[str] = ()) -> None:
        self.columns: list[str] = file_spec["columns"]
        self.header: list[list[str]] = file_spec["header"]
        self.specs: list[dict[str, Any]] = file_spec["specs"]
        self.patient_level = set(patient_level)
        self.vocabs: dict[str, list[str]] = {}
        self.categoricals: dict[str, _Categorical] = {}
        for spec in self.specs:
            if spec["kind"] == "categorical":
                cat = _Categorical(spec, self.vocabs)
                self.categoricals[spec["name"]] = cat
                self.vocabs[spec["name"]] = cat.vocab

    def draw(
        self,
        rng: np.random.Generator,
        n: int,
        first_of_patient: np.ndarray | None = None,
    ) -> _Columns:
        """All columns for ``n`` rows; ``first_of_patient`` broadcasts
        patient-level columns from each patient's first row."""
        cols = _Columns()

        def broadcast(name: str, arr: Any) -> Any:
            if first_of_patient is None or name not in self.patient_level:
                return arr
            if isinstance(arr, pl.Series):
                return arr.gather(first_of_patient)
            return arr[first_of_patient]

        for spec in self.specs:
            name = spec["name"]
            kind = spec["kind"]
            if kind == "categorical":
                codes = self.categoricals[name].sample(rng, cols.codes, self.vocabs, n)
                cols.codes[name] = broadcast(name, codes)
                vocab = pl.Series(self.vocabs[name], dtype=pl.String)
                cols.strings[name] = vocab.gather(cols.codes[name])
            elif kind == "numeric":
                numbers, strings = self._numeric(rng, spec, cols, n)
                cols.numbers[name] = broadcast(name, numbers)
                cols.strings[name] = broadcast(name, strings)
            elif kind == "floor_div":
                base = cols.numbers[spec["source"]]
                years = np.floor(base / spec["divisor"])
                cols.numbers[name] = years
                cols.strings[name] = _format_numbers(years, "int").fill_null("")
            # kind "tmb" is filled in by the caller once the chunk's
            # mutations exist (TMB is counted from them, not sampled).
        return cols

    def _numeric(
        self, rng: np.random.Generator, spec: dict[str, Any], cols: _Columns, n: int
    ) -> tuple[np.ndarray, pl.Series]:
        parents: list[str] = spec.get("parents", [])
        numbers = np.full(n, np.nan)
        tokens = np.full(n, "", dtype=object)
        if parents:
            labels = [self.vocabs[p] for p in parents]
            keys = np.array(
                [
                    "|".join(labels[j][c] for j, c in enumerate(row))
                    for row in zip(*(cols.codes[p] for p in parents), strict=True)
                ],
                dtype=object,
            )
        else:
            keys = np.full(n, "", dtype=object)
        for key in sorted(set(keys.tolist())):
            rows = np.flatnonzero(keys == key)
            part = spec["conditional"].get(key, spec["marginal"]) if parents else spec["marginal"]
            token_names = list(part["tokens"])
            weights = np.array([part["n_numeric"], *part["tokens"].values()], dtype=np.float64)
            which = _draw(rng, weights, rows.size)
            values = _interp_quantiles(rng, part["quantiles"], rows.size)
            is_number = which == 0
            numbers[rows[is_number]] = values[is_number]
            for j, token in enumerate(token_names, start=1):
                tokens[rows[which == j]] = token
        if "offset_from" in spec:
            numbers = numbers + cols.numbers[spec["offset_from"]]
        formatted = _format_numbers(numbers, spec["format"])
        strings = pl.select(
            pl.when(pl.lit(pl.Series(np.isnan(numbers))))
            .then(pl.lit(pl.Series(tokens.tolist(), dtype=pl.String)))
            .otherwise(pl.lit(formatted))
        ).to_series()
        return numbers, strings


# --------------------------------------------------------------------------
# Mutations
# --------------------------------------------------------------------------


class _MutationModel:
    """Per-gene mutation rates, coverage and variant outcome tables."""

    def __init__(self, marginals: dict[str, Any], panel_ids: list[str]) -> None:
        spec = marginals["mutations"]
        self.columns: list[str] = spec["columns"]
        self.defaults: dict[str, dict[str, int]] = spec["defaults"]
        self.depth_q: list[float] = spec["depth_quantiles"]
        self.vaf_q: list[float] = spec["vaf_quantiles"]
        self.normal_q: list[float] = spec["normal_depth_quantiles"]
        self.tmb_divisor: float = spec["tmb_divisor_mb"]
        genes: dict[str, Any] = spec["genes"]
        self.genes = sorted(genes)
        panel_sets = [set(marginals["panel_genes"][p]) for p in panel_ids]
        # A gene on no panel (CDKN2A isoform names, non-410 genes left out of
        # the approximated IMPACT468) is never called: a loader's panel mask
        # would flag every such call as "not on the sample's panel".
        self.cover = np.array([[g in ps for g in self.genes] for ps in panel_sets], dtype=bool)
        self.rate = np.array([genes[g]["rate"] for g in self.genes], dtype=np.float64)
        self.extra = np.array(
            [max(genes[g]["rows_per_mutated_sample"] - 1.0, 0.0) for g in self.genes]
        )
        self.conditional = {
            i: genes[g]["conditional"]
            for i, g in enumerate(self.genes)
            if "conditional" in genes[g]
        }
        self.chromosome = pl.Series([str(genes[g]["chromosome"]) for g in self.genes])
        self.start_min = np.array([genes[g]["start_min"] for g in self.genes], dtype=np.int64)
        self.start_max = np.array([genes[g]["start_max"] for g in self.genes], dtype=np.int64)
        self.protein_length = np.array([genes[g]["protein_length"] for g in self.genes])
        self.transcript = pl.Series([genes[g]["transcript"] for g in self.genes])
        self.refseq = pl.Series([genes[g]["refseq"] for g in self.genes])

        # One outcome table for all genes: each gene's recurrent variants,
        # then its novel classes; a global CDF shifted by the gene index lets
        # one searchsorted pick outcomes for rows of many genes at once.
        cum: list[float] = []
        self.outcome_recurrent: list[int] = []  # index into recurrent table or -1
        self.outcome_class: list[str] = []
        recurrent_rows: list[dict[str, Any]] = []
        self.gene_first_outcome = np.zeros(len(self.genes) + 1, dtype=np.int64)
        for i, g in enumerate(self.genes):
            model = genes[g]
            weights: list[float] = []
            for variant in model["recurrent"]:
                weights.append(variant["count"])
                self.outcome_recurrent.append(len(recurrent_rows))
                self.outcome_class.append(variant["Variant_Classification"])
                recurrent_rows.append({k: str(v) for k, v in variant.items() if k != "count"})
            for cls, n in model["novel_classification"].items():
                weights.append(n)
                self.outcome_recurrent.append(-1)
                self.outcome_class.append(cls)
            if not weights:  # cannot happen for a gene in the MAF, but stay safe
                weights.append(1.0)
                self.outcome_recurrent.append(-1)
                self.outcome_class.append("Missense_Mutation")
            total = float(sum(weights))
            cum.extend(i + np.cumsum(weights) / total)
            self.gene_first_outcome[i + 1] = len(cum)
        self.cum = np.array(cum)
        self.cum[self.gene_first_outcome[1:] - 1] = np.arange(1, len(self.genes) + 1)
        self.outcome_recurrent_arr = np.array(self.outcome_recurrent, dtype=np.int64)
        self.outcome_class_series = pl.Series(self.outcome_class, dtype=pl.String)
        self.recurrent = pl.DataFrame(
            recurrent_rows, schema=dict.fromkeys(VARIANT_FIELDS, pl.String)
        )

    def draw(
        self,
        rng: np.random.Generator,
        panel_code: np.ndarray,
        sample_codes: dict[str, np.ndarray],
        sample_vocabs: dict[str, list[str]],
        sample_ids: pl.Series,
    ) -> pl.DataFrame:
        """MAF rows (all columns, strings) for one chunk, sample-major."""
        n = panel_code.size
        burden = rng.gamma(BURDEN_SHAPE, 1.0 / BURDEN_SHAPE, size=n)
        p = np.where(
            self.rate < BURDEN_MAX_RATE, self.rate[None, :] * burden[:, None], self.rate[None, :]
        )
        for gi, cond in self.conditional.items():
            column = cond["column"]
            vocab = sample_vocabs[column]
            by_value = np.array([cond["rates"].get(v, self.rate[gi]) for v in vocab])
            p[:, gi] = by_value[sample_codes[column]]
        p *= self.cover[panel_code]
        hit = rng.random(p.shape, dtype=np.float32) < p
        s_idx, g_idx = np.nonzero(hit)
        repeat = 1 + rng.poisson(self.extra[g_idx])
        s_idx = np.repeat(s_idx, repeat)
        g_idx = np.repeat(g_idx, repeat)
        m = s_idx.size
        outcome = np.searchsorted(self.cum, g_idx + rng.random(m), side="right")
        outcome = np.clip(
            outcome, self.gene_first_outcome[g_idx], self.gene_first_outcome[g_idx + 1] - 1
        )
        rec = self.outcome_recurrent_arr[outcome]

        pos = 1 + (rng.random(m) * self.protein_length[g_idx]).astype(np.int64)
        span = np.maximum(self.start_max[g_idx] - self.start_min[g_idx], 1)
        start = self.start_min[g_idx] + (rng.random(m) * span).astype(np.int64)
        aa = np.array(list(AMINO_ACIDS))
        aa_ref_i = rng.integers(0, 20, m)
        aa_ref = aa[aa_ref_i]
        # A missense change must change the residue.
        aa_alt = aa[(aa_ref_i + rng.integers(1, 20, m)) % 20]
        base_ref_i = rng.integers(0, 4, m)
        base_ref = BASES[base_ref_i]
        base_alt = BASES[(base_ref_i + rng.integers(1, 4, m)) % 4]
        triplet = np.char.add(
            np.char.add(BASES[rng.integers(0, 4, m)], BASES[rng.integers(0, 4, m)]),
            BASES[rng.integers(0, 4, m)],
        )
        fs_len = rng.integers(2, 40, m)
        depth = np.maximum(_interp_quantiles(rng, self.depth_q, m).round(), 20).astype(np.int64)
        vaf = np.clip(_interp_quantiles(rng, self.vaf_q, m), 0.01, 1.0)
        t_alt = np.clip((depth * vaf).round().astype(np.int64), 1, depth)
        n_ref = np.maximum(_interp_quantiles(rng, self.normal_q, m).round(), 10).astype(np.int64)

        frame = pl.DataFrame(
            {
                "s": s_idx,
                "g": g_idx,
                "rec": rec,
                "cls": self.outcome_class_series.gather(outcome),
                "pos": pos,
                "start": start,
                "A": aa_ref,
                "B": aa_alt,
                "r": base_ref,
                "a": base_alt,
                "tri": triplet,
                "k": fs_len,
                "depth": depth,
                "t_alt": t_alt,
                "n_ref": n_ref,
            }
        ).with_columns(
            pl.col("A").replace_strict(AA3).alias("A3"),
            pl.col("B").replace_strict(AA3).alias("B3"),
            (pl.col("pos") * 3 - 1).alias("c"),
            self.transcript.gather(g_idx).alias("tx"),
            self.chromosome.gather(g_idx).alias("chrom"),
            self.refseq.gather(g_idx).alias("RefSeq"),
            pl.Series(self.genes).gather(g_idx).alias("Hugo_Symbol"),
            sample_ids.gather(s_idx).alias("Tumor_Sample_Barcode"),
        )
        novel = frame.select(_novel_annotation()).with_columns(
            pl.col("Start_Position").cast(pl.String)
        )
        annotated = frame.with_columns(novel)
        if self.recurrent.height:
            recurrent = self.recurrent.with_row_index("rec").with_columns(
                pl.col("rec").cast(pl.Int64)
            )
            annotated = annotated.join(recurrent, on="rec", how="left", suffix="_rec")
            annotated = annotated.with_columns(
                pl.when(pl.col("rec") >= 0).then(pl.col(f"{c}_rec")).otherwise(pl.col(c)).alias(c)
                for c in VARIANT_FIELDS
            )
        # A gene drawn twice for one sample may repeat a recurrent variant;
        # a real MAF lists a variant once per sample.
        annotated = annotated.unique(
            subset=["s", "Hugo_Symbol", "Start_Position", "HGVSp_Short"], maintain_order=True
        )
        annotated = annotated.with_columns(
            pl.col("Reference_Allele").alias("Tumor_Seq_Allele1"),
            (pl.col("depth") - pl.col("t_alt")).cast(pl.String).alias("t_ref_count"),
            pl.col("t_alt").cast(pl.String).alias("t_alt_count"),
            pl.col("n_ref").cast(pl.String).alias("n_ref_count"),
            pl.lit("0").alias("n_alt_count"),
            pl.col("tx").alias("Transcript_ID"),
        )
        k = annotated.height
        extra_cols = {}
        for col, table in self.defaults.items():
            values = list(table)
            if len(values) == 1:
                extra_cols[col] = pl.Series(col, [values[0]] * k, dtype=pl.String)
            else:
                weights = np.array(list(table.values()), dtype=np.float64)
                extra_cols[col] = pl.Series(values, dtype=pl.String).gather(_draw(rng, weights, k))
        annotated = annotated.with_columns(s.alias(name) for name, s in extra_cols.items())
        return annotated.select(["s", *self.columns]).with_columns(
            pl.exclude("s").cast(pl.String).fill_null("")
        )


#: MAF annotation fields of a recurrent variant, as the marginals file stores them
#: (``scripts/derive_synth_marginals.py`` writes them with this list).
VARIANT_FIELDS = [
    "Chromosome",
    "Start_Position",
    "End_Position",
    "Consequence",
    "Variant_Classification",
    "Variant_Type",
    "Reference_Allele",
    "Tumor_Seq_Allele2",
    "HGVSc",
    "HGVSp",
    "HGVSp_Short",
    "Protein_position",
    "Codons",
]


def _novel_annotation() -> list[pl.Expr]:
    """Expressions that synthesise the annotation of a non-recurrent variant
    from its Variant_Classification (HGVS forms as the shared MAF writes them)."""
    cls = pl.col("cls")
    f = pl.format

    def by_class(table: dict[str, pl.Expr], default: pl.Expr) -> pl.Expr:
        expr: Any = None
        for name, value in table.items():
            expr = (pl.when(cls == name) if expr is None else expr.when(cls == name)).then(value)
        return default if expr is None else expr.otherwise(default)

    lit = pl.lit
    vtype = by_class(
        {
            "Frame_Shift_Del": lit("DEL"),
            "In_Frame_Del": lit("DEL"),
            "Frame_Shift_Ins": lit("INS"),
            "In_Frame_Ins": lit("INS"),
        },
        lit("SNP"),
    )
    ref = by_class(
        {
            "Frame_Shift_Del": pl.col("r"),
            "In_Frame_Del": pl.col("tri"),
            "Frame_Shift_Ins": lit("-"),
            "In_Frame_Ins": lit("-"),
        },
        pl.col("r"),
    )
    alt = by_class(
        {
            "Frame_Shift_Del": lit("-"),
            "In_Frame_Del": lit("-"),
            "Frame_Shift_Ins": pl.col("a"),
            "In_Frame_Ins": pl.col("tri"),
        },
        pl.col("a"),
    )
    end = by_class(
        {
            "In_Frame_Del": pl.col("start") + 2,
            "Frame_Shift_Ins": pl.col("start") + 1,
            "In_Frame_Ins": pl.col("start") + 1,
        },
        pl.col("start"),
    )
    consequence = by_class(
        {
            "Missense_Mutation": lit("missense_variant"),
            "Nonsense_Mutation": lit("stop_gained"),
            "Frame_Shift_Del": lit("frameshift_variant"),
            "Frame_Shift_Ins": lit("frameshift_variant"),
            "Splice_Site": lit("splice_acceptor_variant"),
            "Splice_Region": lit("splice_region_variant,intron_variant"),
            "In_Frame_Del": lit("inframe_deletion"),
            "In_Frame_Ins": lit("inframe_insertion"),
            "Translation_Start_Site": lit("start_lost"),
            "Nonstop_Mutation": lit("stop_lost"),
            "5'Flank": lit("upstream_gene_variant"),
            "3'Flank": lit("downstream_gene_variant"),
        },
        lit(""),
    )
    short = by_class(
        {
            "Missense_Mutation": f("p.{}{}{}", "A", "pos", "B"),
            "Nonsense_Mutation": f("p.{}{}*", "A", "pos"),
            "Frame_Shift_Del": f("p.{}{}{}fs*{}", "A", "pos", "B", "k"),
            "Frame_Shift_Ins": f("p.{}{}{}fs*{}", "A", "pos", "B", "k"),
            "Splice_Site": f("p.X{}_splice", "pos"),
            "Splice_Region": f("p.X{}_splice", "pos"),
            "In_Frame_Del": f("p.{}{}del", "A", "pos"),
            "In_Frame_Ins": f("p.{}{}dup", "A", "pos"),
            "Translation_Start_Site": lit("p.M1?"),
            "Nonstop_Mutation": f("p.*{}{}ext*{}", "pos", "B", "k"),
        },
        lit(""),
    )
    long = by_class(
        {
            "Missense_Mutation": f("p.{}{}{}", "A3", "pos", "B3"),
            "Nonsense_Mutation": f("p.{}{}Ter", "A3", "pos"),
            "Frame_Shift_Del": f("p.{}{}{}fsTer{}", "A3", "pos", "B3", "k"),
            "Frame_Shift_Ins": f("p.{}{}{}fsTer{}", "A3", "pos", "B3", "k"),
            "In_Frame_Del": f("p.{}{}del", "A3", "pos"),
            "In_Frame_Ins": f("p.{}{}dup", "A3", "pos"),
            "Translation_Start_Site": lit("p.Met1?"),
            "Nonstop_Mutation": f("p.Ter{}{}extTer{}", "pos", "B3", "k"),
        },
        lit(""),
    )
    hgvsc = by_class(
        {
            "Frame_Shift_Del": f("{}:c.{}del", "tx", "c"),
            "Frame_Shift_Ins": f("{}:c.{}dup", "tx", "c"),
            "In_Frame_Del": f("{}:c.{}_{}del", "tx", "c", pl.col("c") + 2),
            "In_Frame_Ins": f("{}:c.{}_{}dup", "tx", "c", pl.col("c") + 2),
            "Splice_Site": f("{}:c.{}-1{}>{}", "tx", "c", "r", "a"),
            "Splice_Region": f("{}:c.{}-3{}>{}", "tx", "c", "r", "a"),
            "Translation_Start_Site": f("{}:c.1{}>{}", "tx", "r", "a"),
            "5'Flank": lit(""),
            "3'Flank": lit(""),
        },
        f("{}:c.{}{}>{}", "tx", "c", "r", "a"),
    )
    protein_position = by_class(
        {"Translation_Start_Site": lit("1"), "5'Flank": lit(""), "3'Flank": lit("")},
        pl.col("pos").cast(pl.String),
    )
    return [
        pl.col("chrom").alias("Chromosome"),
        pl.col("start").alias("Start_Position"),
        end.cast(pl.String).alias("End_Position"),
        consequence.alias("Consequence"),
        cls.alias("Variant_Classification"),
        vtype.alias("Variant_Type"),
        ref.alias("Reference_Allele"),
        alt.alias("Tumor_Seq_Allele2"),
        hgvsc.alias("HGVSc"),
        long.alias("HGVSp"),
        short.alias("HGVSp_Short"),
        protein_position.alias("Protein_position"),
        lit("").alias("Codons"),
    ]


# --------------------------------------------------------------------------
# Plan: patients, samples, panels
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Plan:
    """Per-sample skeleton kept for the whole run (a few bytes per sample)."""

    patient_of_sample: np.ndarray  # int32, patient index, non-decreasing
    t_number: np.ndarray  # int16, 1-based sample number within the patient
    panel_code: np.ndarray  # int8, index into panel_ids
    patient_first_sample: np.ndarray  # int64, first sample of each patient (+ end)
    n_patients: int


def _plan(marginals: dict[str, Any], n_samples: int, seed: int, panel_ids: list[str]) -> _Plan:
    rng = np.random.default_rng([seed, 0])
    per_patient = marginals["samples_per_patient"]
    sizes = np.array([int(k) for k in per_patient])
    weights = np.array(list(per_patient.values()), dtype=np.float64)
    mean = float((sizes * weights).sum() / weights.sum())
    draws: list[np.ndarray] = []
    total = 0
    while total < n_samples:
        block = sizes[_draw(rng, weights, int((n_samples - total) / mean) + 16)]
        draws.append(block)
        total += int(block.sum())
    counts = np.concatenate(draws)
    cum = np.cumsum(counts)
    n_patients = int(np.searchsorted(cum, n_samples) + 1)
    counts = counts[:n_patients].copy()
    counts[-1] -= int(cum[n_patients - 1] - n_samples)  # trim the last patient to fit N
    first = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    patient_of_sample = np.repeat(np.arange(n_patients, dtype=np.int32), counts)
    t_number = (np.arange(n_samples) - first[patient_of_sample] + 1).astype(np.int16)
    panel_weights = np.array([marginals["panels"][p]["count"] for p in panel_ids], dtype=float)
    panel = _draw(rng, panel_weights, n_samples).astype(np.int8)
    # Panels were introduced in order (341 -> 410 -> 468), so a patient's
    # later samples never use an older panel than the earlier ones.
    order = np.lexsort((panel, patient_of_sample))
    panel = panel[order]
    return _Plan(patient_of_sample, t_number, panel, first, n_patients)


def _chunks(plan: _Plan, chunk_size: int) -> Iterator[tuple[int, int, int, int]]:
    """(first patient, end patient, first sample, end sample) per chunk,
    cut at patient boundaries so a patient never spans two chunks."""
    p0 = 0
    while p0 < plan.n_patients:
        target = plan.patient_first_sample[p0] + chunk_size
        p1 = int(np.searchsorted(plan.patient_first_sample, target, side="left"))
        p1 = min(max(p1, p0 + 1), plan.n_patients)
        yield p0, p1, int(plan.patient_first_sample[p0]), int(plan.patient_first_sample[p1])
        p0 = p1


def _patient_ids(idx: np.ndarray) -> pl.Series:
    """``P-0000001`` style ids for 0-based patient indices."""
    digits = pl.Series("PATIENT_ID", idx + 1, dtype=pl.Int64).cast(pl.String).str.zfill(7)
    return pl.select(pl.concat_str([pl.lit("P-"), pl.lit(digits)])).to_series().alias("PATIENT_ID")


def _sample_ids(plan: _Plan, s0: int, s1: int, suffixes: list[str]) -> pl.Series:
    frame = pl.DataFrame(
        {
            "p": plan.patient_of_sample[s0:s1].astype(np.int64) + 1,
            "t": plan.t_number[s0:s1].astype(np.int64),
            "panel": pl.Series(suffixes).gather(plan.panel_code[s0:s1].astype(np.int64)),
        }
    )
    return frame.select(
        pl.concat_str(
            [
                pl.lit("P-"),
                pl.col("p").cast(pl.String).str.zfill(7),
                pl.lit("-T"),
                pl.col("t").cast(pl.String).str.zfill(2),
                pl.lit("-"),
                pl.col("panel"),
            ]
        ).alias("SAMPLE_ID")
    ).to_series()


# --------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------


def _tsv(frame: pl.DataFrame, header: bool) -> bytes:
    """Tab-separated bytes with LF endings and no quoting (values never hold tabs)."""
    return frame.write_csv(
        None, separator="\t", include_header=header, quote_style="never", line_terminator="\n"
    ).encode("utf-8")


class _Writer:
    """Opens output files (optionally gzipped) and remembers their names."""

    def __init__(self, out_dir: Path, stack: ExitStack, gzip_output: bool) -> None:
        self.out_dir = out_dir
        self.stack = stack
        self.gzip_output = gzip_output
        self.names: list[str] = []

    def open(self, name: str, compressible: bool = True) -> IO[bytes]:
        """Open ``name`` for writing; data files get ``.gz`` with ``gzip_output``."""
        if self.gzip_output and compressible:
            name += ".gz"
            # mtime=0 keeps gzipped output byte-identical across runs;
            # level 1 because the matrices are mostly "0" and speed matters.
            handle = cast(
                IO[bytes], gzip.GzipFile(self.out_dir / name, "wb", compresslevel=1, mtime=0)
            )
        else:
            (self.out_dir / name).parent.mkdir(parents=True, exist_ok=True)
            handle = (self.out_dir / name).open("wb")
        self.names.append(name)
        return self.stack.enter_context(handle)

    def text(self, name: str, text: str) -> None:
        (self.out_dir / name).parent.mkdir(parents=True, exist_ok=True)
        (self.out_dir / name).write_bytes(text.encode("utf-8"))
        self.names.append(name)


def _clinical_header(model: _TableModel) -> bytes:
    return clinical_header(model.header, model.columns).encode("utf-8")


def generate_study(
    out_dir: str | Path,
    *,
    n_samples: int,
    seed: int = 0,
    study_id: str | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    gzip_output: bool = False,
    marginals: dict[str, Any] | None = None,
    progress: Progress | None = None,
) -> SynthSummary:
    """Write a synthetic cBioPortal study of ``n_samples`` samples to ``out_dir``.

    In: the folder (created if needed; files of the same name are
    overwritten), the sample count, a seed, an optional study id (default
    ``synth_breast_n{N}_s{seed}``), the chunk size (part of the determinism
    contract: same ``(n_samples, seed, chunk_size)`` gives byte-identical
    files), ``gzip_output`` to write ``data_*.txt.gz``, optional marginals
    (default: the packaged file) and a ``progress(done, total)`` callback.

    Out: a :class:`SynthSummary`. Marginals follow cBioPortal study
    ``breast_msk_2018`` (Razavi et al., Cancer Cell 2018); see the module
    docstring for what is and is not correlated.
    """
    if n_samples < 1 or n_samples > MAX_SAMPLES:
        raise ConfigError(
            f"parameter n_samples must be between 1 and {MAX_SAMPLES:,}, got {n_samples}"
        )
    if chunk_size < 1:
        raise ConfigError(f"parameter chunk_size must be positive, got {chunk_size}")
    if seed < 0:
        raise ConfigError(f"parameter seed must be non-negative, got {seed}")
    started = time.perf_counter()
    if marginals is None:
        marginals = load_marginals()
    else:
        marginals = validate_marginals(marginals, "marginals")
    study_id = study_id or f"synth_breast_n{n_samples}_s{seed}"
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)

    panel_ids = list(marginals["panels"])
    suffixes = [marginals["panels"][p]["suffix"] for p in panel_ids]
    sample_model = _TableModel(
        marginals["sample_file"], marginals["sample_file"].get("patient_level", ())
    )
    patient_model = _TableModel(marginals["patient_file"])
    mutation_model = _MutationModel(marginals, panel_ids)
    cna_spec = marginals["cna"]
    fusion_spec = marginals["fusions"]
    plan = _plan(marginals, n_samples, seed, panel_ids)
    # Sample columns the CNA pass conditions on, kept for all samples.
    cna_conditions = {c["column"] for c in cna_spec.get("conditional", {}).values()}
    kept_codes = {c: np.zeros(n_samples, dtype=np.int16) for c in cna_conditions}

    n_mutations = 0
    n_fusion_rows = 0
    with ExitStack() as stack:
        writer = _Writer(out, stack, gzip_output)
        f_sample = writer.open("data_clinical_sample.txt")
        f_patient = writer.open("data_clinical_patient.txt")
        f_maf = writer.open("data_mutations.txt")
        f_fusion = writer.open("data_fusions.txt")
        f_matrix = writer.open("data_gene_panel_matrix.txt")
        f_sample.write(_clinical_header(sample_model))
        f_patient.write(_clinical_header(patient_model))
        f_maf.write(("\t".join(mutation_model.columns) + "\n").encode())
        f_fusion.write(("\t".join(fusion_spec["columns"]) + "\n").encode())
        f_matrix.write(b"SAMPLE_ID\tmutations\tcna\n")
        case_files = {}
        for name, (suffix, title, category) in CASE_LISTS.items():
            handle = writer.open(f"case_lists/{name}.txt", compressible=False)
            handle.write(
                case_list_head(
                    study_id, suffix, title, f"{title} ({n_samples} samples)", category
                ).encode()
            )
            case_files[name] = handle

        fusion_events = fusion_spec["events"]
        event_weights = np.array([e["count"] for e in fusion_events], dtype=np.float64)
        frame_values = list(fusion_spec["frame"])
        frame_weights = np.array(list(fusion_spec["frame"].values()), dtype=np.float64)
        fusion_defaults = {k: next(iter(v)) for k, v in fusion_spec["defaults"].items()}

        for chunk_index, (p0, p1, s0, s1) in enumerate(_chunks(plan, chunk_size)):
            rng = np.random.default_rng([seed, 1, chunk_index])
            n = s1 - s0
            sample_ids = _sample_ids(plan, s0, s1, suffixes)
            local_patient = plan.patient_of_sample[s0:s1] - p0
            first_of_patient = (plan.patient_first_sample[p0:p1] - s0)[local_patient]
            panel_code = plan.panel_code[s0:s1].astype(np.int64)

            # Clinical columns without TMB first: mutations condition on them.
            cols = sample_model.draw(rng, n, first_of_patient)
            maf = mutation_model.draw(rng, panel_code, cols.codes, sample_model.vocabs, sample_ids)
            nonsyn = maf.filter(pl.col("Variant_Classification").is_in(NON_SYNONYMOUS))["s"]
            tmb = np.bincount(nonsyn.to_numpy(), minlength=n) / mutation_model.tmb_divisor
            cols.strings["TMB_NONSYNONYMOUS"] = _format_numbers(tmb, "g12")
            for c in cna_conditions:
                kept_codes[c][s0:s1] = cols.codes[c]

            sample_frame = pl.DataFrame(
                {
                    "PATIENT_ID": _patient_ids(plan.patient_of_sample[s0:s1].astype(np.int64)),
                    "SAMPLE_ID": sample_ids,
                    **{c: cols.strings[c] for c in sample_model.columns[2:]},
                }
            ).select(sample_model.columns)
            f_sample.write(_tsv(sample_frame, header=False))

            pcols = patient_model.draw(rng, p1 - p0)
            patient_frame = pl.DataFrame(
                {
                    "PATIENT_ID": _patient_ids(np.arange(p0, p1, dtype=np.int64)),
                    **{c: pcols.strings[c] for c in patient_model.columns[1:]},
                }
            ).select(patient_model.columns)
            f_patient.write(_tsv(patient_frame, header=False))

            f_maf.write(_tsv(maf.drop("s"), header=False))
            n_mutations += maf.height

            n_events = rng.poisson(fusion_spec["events_per_sample"], n)
            ev_sample = np.repeat(np.arange(n), n_events)
            ev_kind = _draw(rng, event_weights, ev_sample.size)
            ev_frame = _draw(rng, frame_weights, ev_sample.size)
            rows: list[tuple[str, ...]] = []
            ids = sample_ids.to_list() if ev_sample.size else []
            for s, kind, fr in zip(ev_sample, ev_kind, ev_frame, strict=True):
                event = fusion_events[kind]
                for gene in event["genes"]:
                    rows.append(
                        (
                            gene,
                            "0",
                            fusion_defaults["Center"],
                            ids[s],
                            event["fusion"],
                            fusion_defaults["DNA_support"],
                            fusion_defaults["RNA_support"],
                            fusion_defaults["Method"],
                            frame_values[fr],
                            f"{event['fusion']} (synthetic event, no breakpoint detail)",
                        )
                    )
            if rows:
                fusion_frame = pl.DataFrame(rows, schema=fusion_spec["columns"], orient="row")
                f_fusion.write(_tsv(fusion_frame, header=False))
                n_fusion_rows += len(rows)

            panel_names = pl.Series(panel_ids).gather(panel_code)
            f_matrix.write(
                _tsv(
                    pl.DataFrame(
                        {"SAMPLE_ID": sample_ids, "mutations": panel_names, "cna": panel_names}
                    ),
                    header=False,
                )
            )
            joined = "\t".join(sample_ids.to_list()).encode()
            for handle in case_files.values():
                handle.write((b"\t" if s0 else b"") + joined)
            if progress:
                progress(s1, n_samples)

        for handle in case_files.values():
            handle.write(b"\n")

        n_cna_genes = _write_cna(
            writer, plan, marginals, seed, suffixes, panel_ids, kept_codes, sample_model.vocabs
        )
        data_names = {Path(n).name.removesuffix(".gz"): n for n in writer.names}

    _write_meta(writer, study_id, n_samples, seed, data_names)
    _write_panels(writer, marginals, panel_ids)
    sizes = {name: (out / name).stat().st_size for name in writer.names}
    return SynthSummary(
        out_dir=out,
        study_id=study_id,
        n_samples=n_samples,
        n_patients=plan.n_patients,
        n_mutations=n_mutations,
        n_fusion_rows=n_fusion_rows,
        n_cna_genes=n_cna_genes,
        seconds=time.perf_counter() - started,
        file_sizes=sizes,
    )


def _write_cna(
    writer: _Writer,
    plan: _Plan,
    marginals: dict[str, Any],
    seed: int,
    suffixes: list[str],
    panel_ids: list[str],
    kept_codes: dict[str, np.ndarray],
    vocabs: dict[str, list[str]],
) -> int:
    """The discrete CNA matrix, one gene row at a time over all samples.

    Rows span every sample, so each row is drawn whole (vectorised) from its
    own Generator; only the plan and the conditioning codes are kept.
    """
    spec = marginals["cna"]
    values: list[str] = spec["values"]
    tokens = np.array(["0", *values], dtype=object)
    genes = sorted(spec["genes"])
    n = plan.panel_code.size
    handle = writer.open("data_cna.txt")
    handle.write(b"Hugo_Symbol")
    for s0 in range(0, n, DEFAULT_CHUNK_SIZE):
        ids = _sample_ids(plan, s0, min(n, s0 + DEFAULT_CHUNK_SIZE), suffixes)
        handle.write(b"\t" + "\t".join(ids.to_list()).encode())
    handle.write(b"\n")
    panel_sets = [set(marginals["panel_genes"][p]) for p in panel_ids]
    panel_code = plan.panel_code.astype(np.int64)
    for gi, gene in enumerate(genes):
        rng = np.random.default_rng([seed, 3, gi])
        # Off-panel cells are written 0, as the real matrix does.
        cover = np.array([gene in ps for ps in panel_sets])
        rates = np.array([spec["genes"][gene][v] for v in values])
        cond = spec.get("conditional", {}).get(gene)
        if cond is not None:
            vocab = vocabs[cond["column"]]
            table = np.array(
                [
                    [cond["rates"].get(v, {}).get(x, r) for x, r in zip(values, rates, strict=True)]
                    for v in vocab
                ]
            )
            per_sample = table[kept_codes[cond["column"]]]
        else:
            per_sample = np.broadcast_to(rates, (n, len(values)))
        cum = np.cumsum(per_sample, axis=1)
        u = rng.random(n)
        code = (u[:, None] >= cum).sum(axis=1) + 1  # 1..len(values) altered, len+1 none
        code = np.where(code > len(values), 0, code)
        code = np.where(cover[panel_code], code, 0)
        handle.write(gene.encode() + b"\t" + "\t".join(tokens[code].tolist()).encode() + b"\n")
    return len(genes)


def _write_meta(
    writer: _Writer, study_id: str, n_samples: int, seed: int, data: dict[str, str]
) -> None:
    """meta_*.txt files, pointing at the data files actually written."""
    writer.text(
        "meta_study.txt",
        meta_text(
            study_id,
            {
                "type_of_cancer": "brca",
                "name": f"Synthetic breast cancer study (her2scope synth, N={n_samples}, "
                f"seed={seed})",
                "short_name": f"Synthetic breast (N={n_samples})",
                "description": "Synthetic study whose marginals follow cBioPortal study "
                "breast_msk_2018 (Razavi et al., Cancer Cell 2018, ODbL). Not real patients.",
            },
        ),
    )
    writer.text(
        "meta_clinical_sample.txt",
        clinical_meta_text(study_id, "SAMPLE_ATTRIBUTES", data["data_clinical_sample.txt"]),
    )
    writer.text(
        "meta_clinical_patient.txt",
        clinical_meta_text(study_id, "PATIENT_ATTRIBUTES", data["data_clinical_patient.txt"]),
    )
    metas = {
        "meta_mutations.txt": {
            "genetic_alteration_type": "MUTATION_EXTENDED",
            "datatype": "MAF",
            "stable_id": "mutations",
            "show_profile_in_analysis_tab": "true",
            "profile_description": "Synthetic mutation data (MSK-IMPACT-like panels)",
            "profile_name": "Mutations",
            "data_filename": data["data_mutations.txt"],
        },
        "meta_cna.txt": {
            "genetic_alteration_type": "COPY_NUMBER_ALTERATION",
            "datatype": "DISCRETE",
            "stable_id": "cna",
            "show_profile_in_analysis_tab": "true",
            "profile_description": "Synthetic discrete copy-number data",
            "profile_name": "Copy Number Alterations",
            "data_filename": data["data_cna.txt"],
        },
        "meta_fusions.txt": {
            "genetic_alteration_type": "FUSION",
            "datatype": "FUSION",
            "stable_id": "fusion",
            "profile_description": "Synthetic fusions.",
            "show_profile_in_analysis_tab": "true",
            "profile_name": "Fusions",
            "data_filename": data["data_fusions.txt"],
        },
        "meta_gene_panel_matrix.txt": {
            "genetic_alteration_type": "GENE_PANEL_MATRIX",
            "datatype": "GENE_PANEL_MATRIX",
            "data_filename": data["data_gene_panel_matrix.txt"],
        },
    }
    for name, fields in metas.items():
        writer.text(name, meta_text(study_id, fields))


def _write_panels(writer: _Writer, marginals: dict[str, Any], panel_ids: list[str]) -> None:
    """Gene panel definitions (cBioPortal's format) inside the study folder,
    where ``load_study`` always looks, so the study is self-contained."""
    note = marginals.get("panel_note", "")
    for panel in panel_ids:
        genes = marginals["panel_genes"][panel]
        writer.text(
            f"data_gene_panel_{panel.lower()}.txt",
            gene_panel_text(
                panel,
                f"Synthetic {panel} gene list for her2scope synth ({len(genes)} genes). {note}",
                genes,
            ),
        )

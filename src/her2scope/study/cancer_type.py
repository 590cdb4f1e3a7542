"""What cancer a study holds, read from the study itself.

her2scope's alteration catalog, HER2 rules and knowledge base are for breast
cancer. A study of another cancer (a TCGA AML MAF from maftools made into a
study folder, a pan-cancer cohort) still loads, but every number and every
report built from it carries breast assumptions; the commands say so (and
``--strict`` refuses). The cancer type is read, in order of precedence:

1. per sample, ``CANCER_TYPE`` (cBioPortal's OncoTree main type, e.g.
   "Breast Cancer", "Invasive Breast Carcinoma", "Leukemia");
2. per sample without it, ``ONCOTREE_CODE`` (``IDC``, ``ILC``, ``AML``...);
3. for the study, ``type_of_cancer`` of ``meta_study.txt`` (``brca``,
   ``breast``, ``aml``), with the name and parent the study's own
   ``data_cancer_type.txt`` gives a custom code (study_es_0's ``brca-es0``).

A value is breast when its words name the breast ("breast", "mammary") or when
it is one of :data:`BREAST_ONCOTREE_CODES`. Unknown is never guessed as breast
or as not breast: it is reported as unknown.

Also here, because ``validate`` and ``export`` must agree on it:
:func:`study_id_problem`, cBioPortal's rule for study ids.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from her2scope.study.model import Study

#: OncoTree codes of breast tumours, each seen in a real cBioPortal breast study
#: beside ``CANCER_TYPE`` "Breast Cancer"/"Invasive Breast Carcinoma" (shared
#: breast_msk_2018, brca_tcga_pub2015, brca_tcga_pan_can_atlas_2018; their
#: ONCOTREE_CODE column) or listed under tissue "Breast" in OncoTree (ACBC,
#: Adenoid Cystic Breast Cancer). ``BREAST`` is OncoTree's tissue-level code.
BREAST_ONCOTREE_CODES = frozenset(
    {"BREAST", "BRCA", "BRCANOS", "BRCNOS", "IDC", "ILC", "IMMC", "MDLC", "MBC", "ACBC"}
)
#: ``type_of_cancer`` values of ``meta_study.txt`` that mean breast (cBioPortal uses
#: lower-case OncoTree codes there: the shared studies have ``brca`` and ``breast``).
_BREAST_WORDS = re.compile(r"breast|mammary", re.IGNORECASE)
_MISSING = {"", "na", "n/a", "nan", "null", "none", "[not available]", "[unknown]", "unknown"}
#: cBioPortal study ids (``cancer_study_identifier``): what ``export cbioportal`` writes.
STUDY_ID_RE = re.compile(r"[a-z0-9_]+")


@dataclass(frozen=True)
class CancerType:
    """The cancer type of a study's samples, and where it was read.

    ``breast``/``other``/``unknown`` count samples; ``other_types`` names the
    non-breast values with their sample counts; ``source`` says which column
    or file decided; ``study_type`` is ``type_of_cancer`` as written.
    """

    study_id: str
    n_samples: int
    breast: int
    other: int
    unknown: int
    other_types: dict[str, int] = field(default_factory=dict)
    source: str = ""
    study_type: str = ""

    @property
    def outside_breast(self) -> bool:
        """True when some samples are recorded as another cancer."""
        return self.other > 0

    def warning(self, *, strict: bool = False) -> str | None:
        """One sentence when the study is (partly) outside breast cancer, else None
        (``strict``: worded as the refusal of ``--strict``)."""
        if not self.outside_breast:
            return None
        ranked = sorted(self.other_types.items(), key=lambda kv: -kv[1])
        shown = ", ".join(f"{name}: {n:,} sample{'' if n == 1 else 's'}" for name, n in ranked)
        share = (
            "the study is not breast cancer"
            if self.other == self.n_samples or self.n_samples == 0
            else f"{self.other:,} of {self.n_samples:,} samples are not breast cancer"
        )
        tail = (
            "refused under --strict (run without it to analyse with a warning)"
            if strict
            else "these results carry breast assumptions that do not hold there (--strict "
            "refuses such a study)"
        )
        return (
            f"{self.study_id}: {share} ({self.source}: {shown}); her2scope's alteration "
            f"catalog, HER2 rules and knowledge base are for breast cancer: {tail}"
        )


def _is_missing(value: str) -> bool:
    return value.strip().lower() in _MISSING


def _is_breast_value(value: str, *, code: bool) -> bool:
    if code and value.strip().upper() in BREAST_ONCOTREE_CODES:
        return True
    return bool(_BREAST_WORDS.search(value))


def _study_type(study: Study) -> tuple[str, bool | None, str]:
    """``type_of_cancer`` as written, whether it means breast (None: not given), and the
    name the study's data_cancer_type.txt gives it (for a custom code)."""
    raw = study.meta.get("meta_study.txt", {}).get("type_of_cancer", "").strip()
    if not raw or _is_missing(raw):
        return "", None, ""
    if raw.lower() in {"brca", "breast"} or raw.upper() in BREAST_ONCOTREE_CODES:
        return raw, True, ""
    name = _custom_type_name(study.path, raw)
    return raw, _is_breast_value(f"{raw} {name}", code=True), name


def _custom_type_name(folder: Path | None, code: str) -> str:
    """Name and parent of ``code`` in the study's data_cancer_type.txt ("" when absent).

    That file's rows are ``type_of_cancer, name, color, parent`` (cBioPortal's
    cancer-type format); the read is bounded, and any problem means "not given".
    """
    if folder is None:
        return ""
    path = folder / "data_cancer_type.txt"
    try:
        if not path.is_file() or path.stat().st_size > 1 << 20:
            return ""
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    for line in text.splitlines():
        cells = line.split("\t")
        if cells and cells[0].strip().lower() == code.lower():
            return " ".join(c.strip() for c in cells[1:2] + cells[3:4])
    return ""


def cancer_type(study: Study) -> CancerType:
    """The cancer type of ``study``: per-sample columns first, then ``type_of_cancer``.

    Examples
    --------
    >>> cancer_type(load_study("breast_msk_2018")).outside_breast  # doctest: +SKIP
    False
    """
    samples = study.samples
    n = samples.height
    study_type, study_breast, custom = _study_type(study)
    columns = [c for c in ("CANCER_TYPE", "ONCOTREE_CODE") if c in samples.columns]
    breast = other = unknown = 0
    other_types: Counter[str] = Counter()
    used: list[str] = []
    if columns and n:
        values = samples.select([pl.col(c).cast(pl.String).fill_null("").alias(c) for c in columns])
        counts = values.group_by(columns).len("n").iter_rows()
        for row in counts:
            *cells, k = row
            by_col = dict(zip(columns, cells, strict=True))
            decided = False
            for col in columns:
                value = str(by_col[col])
                if _is_missing(value):
                    continue
                if col not in used:
                    used.append(col)
                if _is_breast_value(value, code=col == "ONCOTREE_CODE"):
                    breast += k
                else:
                    other += k
                    other_types[value.strip()] += k
                decided = True
                break
            if not decided:
                unknown += k
    else:
        unknown = n
    source = " / ".join(used)
    if unknown and study_breast is not None:
        # samples the columns do not settle take the study's type_of_cancer
        label = f"type_of_cancer {study_type}" + (f" ({custom})" if custom else "")
        if study_breast:
            breast += unknown
        else:
            other += unknown
            other_types[label] += unknown
        source = f"{source} / meta_study.txt type_of_cancer" if source else "meta_study.txt"
        unknown = 0
    if n == 0 and study_breast is False:
        # a study without samples is still declared: say it is outside breast
        other = 1
        other_types[f"type_of_cancer {study_type}"] = 0
    return CancerType(
        study_id=study.study_id,
        n_samples=n,
        breast=breast,
        other=other,
        unknown=unknown,
        other_types=dict(other_types),
        source=source or "no CANCER_TYPE, ONCOTREE_CODE or type_of_cancer",
        study_type=study_type,
    )


def breast_warning(study: Study, *, strict: bool = False) -> str | None:
    """:meth:`CancerType.warning` of ``study`` (None for a breast study or an unknown type)."""
    return cancer_type(study).warning(strict=strict)


def has_genomic_data(study: Study) -> bool:
    """Whether the study holds any mutation, CNA or structural-variant data file.

    A clinical-only study (brca_tcga_pub2015 as shared) has none: no sentence
    about "alterations from the sequencing panel" may be written for it.
    """
    names = {str(m.get("genetic_alteration_type", "")).upper() for m in study.meta.values()}
    declared = names & {"MUTATION_EXTENDED", "COPY_NUMBER_ALTERATION", "STRUCTURAL_VARIANT"}
    return bool(declared) or any(t.height > 0 for t in (study.mutations, study.cna, study.sv))


def alterations_sentence(study: Study) -> str:
    """Where a report built from ``study`` says its alterations come from.

    "from the sequencing panel" is true only of a study with genomic data; a
    clinical-only study (brca_tcga_pub2015 as shared) has none, so nothing is
    known about any alteration there -- not profiled, never "none found".
    """
    if has_genomic_data(study):
        return (
            "alterations from the sequencing panel; a gene absent from the report may simply "
            "not have been covered by the panel"
        )
    return (
        "the study has no mutation, copy-number or structural-variant data, so no alteration "
        "is known for this sample (not profiled, not 'none found')"
    )


def study_report_notes(study: Study) -> list[str]:
    """Notes every patient report built from ``study`` must carry (outside breast: the
    warning). Shown as caveats when added to a profile's ``notes``."""
    warning = breast_warning(study)
    return [warning] if warning else []


def study_id_problem(study_id: str) -> str | None:
    """Why ``study_id`` is not a cBioPortal study id (lower-case letters, digits,
    underscores), or None. ``validate`` warns with it; ``export cbioportal`` refuses."""
    if STUDY_ID_RE.fullmatch(study_id):
        return None
    return (
        f"study id {study_id!r} (cancer_study_identifier) is not a cBioPortal study id: "
        "cBioPortal study ids hold lower-case letters, digits and underscores, so "
        "`her2scope export cbioportal` refuses this study; rename it in meta_study.txt"
    )

"""Write small hand-made cBioPortal study folders for tests.

``make_study(tmp_path)`` writes a tiny valid study (4 samples, 3 patients,
MAF, discrete CNA, old-style fusions, gene panel matrix, two panel files,
case lists). Every part is a keyword argument: pass your own rows to change
it, or ``None`` to leave that file (and its meta file) out. The defaults are
module constants so a test can derive expected values from them.

    from study_factory import make_study, DEFAULT_MAF_ROWS
    folder = make_study(tmp_path, maf_rows=[*DEFAULT_MAF_ROWS, {...}])
"""

from __future__ import annotations

import gzip
from collections.abc import Mapping, Sequence
from pathlib import Path

STUDY_ID = "tiny_study"

#: Clinical sample rows (attribute id -> value). TMB is a NUMBER attribute.
DEFAULT_SAMPLES: tuple[dict[str, str], ...] = (
    {"PATIENT_ID": "P1", "SAMPLE_ID": "S1", "SAMPLE_TYPE": "Primary",
     "HER2_IHC_SCORE": "1+", "ER_STATUS": "Positive", "TMB_NONSYNONYMOUS": "2.5"},
    {"PATIENT_ID": "P1", "SAMPLE_ID": "S2", "SAMPLE_TYPE": "Metastasis",
     "HER2_IHC_SCORE": "0", "ER_STATUS": "Positive", "TMB_NONSYNONYMOUS": "4"},
    {"PATIENT_ID": "P2", "SAMPLE_ID": "S3", "SAMPLE_TYPE": "Primary",
     "HER2_IHC_SCORE": "3+", "ER_STATUS": "Negative", "TMB_NONSYNONYMOUS": "NA"},
    {"PATIENT_ID": "P3", "SAMPLE_ID": "S4", "SAMPLE_TYPE": "Primary",
     "HER2_IHC_SCORE": "2+", "ER_STATUS": "Positive", "TMB_NONSYNONYMOUS": "1.0"},
)  # fmt: skip
DEFAULT_SAMPLE_NUMBERS: frozenset[str] = frozenset({"TMB_NONSYNONYMOUS"})
DEFAULT_PATIENTS: tuple[dict[str, str], ...] = (
    {"PATIENT_ID": "P1", "OS_MONTHS": "30.5", "OS_STATUS": "0:LIVING"},
    {"PATIENT_ID": "P2", "OS_MONTHS": "12", "OS_STATUS": "1:DECEASED"},
    {"PATIENT_ID": "P3", "OS_MONTHS": "", "OS_STATUS": "0:LIVING"},
)
DEFAULT_PATIENT_NUMBERS: frozenset[str] = frozenset({"OS_MONTHS"})

MAF_HEADER: tuple[str, ...] = (
    "Hugo_Symbol", "Entrez_Gene_Id", "Center", "Tumor_Sample_Barcode", "Variant_Classification",
    "Variant_Type", "Chromosome", "Start_Position", "End_Position", "Reference_Allele",
    "Tumor_Seq_Allele2", "HGVSp_Short", "t_ref_count", "t_alt_count", "Hotspot",
)  # fmt: skip


def maf_row(
    sample: str,
    gene: str,
    classification: str = "Missense_Mutation",
    hgvsp: str = "p.X1Y",
    **extra: str,
) -> dict[str, str]:
    """One MAF row with plausible defaults for the columns a test does not care about."""
    row = {
        "Hugo_Symbol": gene, "Entrez_Gene_Id": "0", "Center": "TEST",
        "Tumor_Sample_Barcode": sample, "Variant_Classification": classification,
        "Variant_Type": "SNP", "Chromosome": "3", "Start_Position": "100",
        "End_Position": "100", "Reference_Allele": "A", "Tumor_Seq_Allele2": "G",
        "HGVSp_Short": hgvsp, "t_ref_count": "50", "t_alt_count": "20", "Hotspot": "0",
    }  # fmt: skip
    row.update(extra)
    return row


DEFAULT_MAF_ROWS: tuple[dict[str, str], ...] = (
    maf_row("S1", "PIK3CA", hgvsp="p.H1047R", Hotspot="1"),
    maf_row("S1", "TP53", "Nonsense_Mutation", "p.R213*"),
    maf_row("S2", "PIK3CA", hgvsp="p.E545K", Hotspot="1"),
    maf_row("S2", "ESR1", hgvsp="p.D538G", Hotspot="1"),
    maf_row("S3", "TP53", "Silent", "p.P72P"),
    maf_row("S4", "GATA3", "Frame_Shift_Del", 'p.S408fs "quoted"'),
)
#: gene -> {sample -> value as written}
DEFAULT_CNA: dict[str, dict[str, str]] = {
    "ERBB2": {"S1": "0", "S2": "0", "S3": "2", "S4": "0"},
    "MYC": {"S1": "1", "S2": "0", "S3": "0", "S4": "NA"},
    "CCND1": {"S1": "2", "S2": "-1.5", "S3": "0", "S4": "0"},
    "PTEN": {"S1": "0", "S2": "-2", "S3": "0", "S4": "0"},
}
DEFAULT_FUSIONS: tuple[dict[str, str], ...] = (
    {"Hugo_Symbol": "ESR1", "Tumor_Sample_Barcode": "S2", "Fusion": "ESR1-CCDC170 fusion"},
    {"Hugo_Symbol": "CCDC170", "Tumor_Sample_Barcode": "S2", "Fusion": "ESR1-CCDC170 fusion"},
    {"Hugo_Symbol": "PTEN", "Tumor_Sample_Barcode": "S4", "Fusion": "PTEN-intragenic"},
)
#: sample -> {profile column -> panel id or "NA"}
DEFAULT_PANEL_MATRIX: dict[str, dict[str, str]] = {
    "S1": {"mutations": "PANEL_A", "cna": "PANEL_A"},
    "S2": {"mutations": "PANEL_B", "cna": "PANEL_B"},
    "S3": {"mutations": "PANEL_B", "cna": "PANEL_B"},
    "S4": {"mutations": "PANEL_A", "cna": "NA"},  # S4 has no CNA calls: NA = not profiled
}
DEFAULT_PANELS: dict[str, tuple[str, ...]] = {
    "PANEL_A": ("PIK3CA", "TP53", "ERBB2", "MYC", "CCND1", "PTEN", "GATA3", "ESR1"),
    "PANEL_B": ("PIK3CA", "TP53", "ERBB2", "MYC", "CCND1", "PTEN", "ESR1", "CCDC170", "GATA3"),
}


def _write(path: Path, text: str, *, gz: bool, newline: str) -> str:
    data = text.replace("\n", newline).encode("utf-8")
    if gz:
        path = path.with_name(path.name + ".gz")
        path.write_bytes(gzip.compress(data))
    else:
        path.write_bytes(data)
    return path.name


def _meta(path: Path, fields: Mapping[str, str]) -> None:
    path.write_text("".join(f"{k}: {v}\n" for k, v in fields.items()), encoding="utf-8")


def _clinical_text(rows: Sequence[Mapping[str, str]], numbers: frozenset[str]) -> str:
    columns = list(dict.fromkeys(k for row in rows for k in row))
    head = [
        "#" + "\t".join(c.replace("_", " ").title() for c in columns),
        "#" + "\t".join(f"Description of {c}" for c in columns),
        "#" + "\t".join("NUMBER" if c in numbers else "STRING" for c in columns),
        "#" + "\t".join("1" for _ in columns),
        "\t".join(columns),
    ]
    body = ["\t".join(row.get(c, "") for c in columns) for row in rows]
    return "\n".join(head + body) + "\n"


def _table_text(header: Sequence[str], rows: Sequence[Mapping[str, str]]) -> str:
    lines = ["\t".join(header)] + ["\t".join(row.get(c, "") for c in header) for row in rows]
    return "\n".join(lines) + "\n"


def make_study(
    root: Path,
    *,
    study_id: str = STUDY_ID,
    samples: Sequence[Mapping[str, str]] | None = DEFAULT_SAMPLES,
    sample_numbers: frozenset[str] = DEFAULT_SAMPLE_NUMBERS,
    patients: Sequence[Mapping[str, str]] | None = DEFAULT_PATIENTS,
    patient_numbers: frozenset[str] = DEFAULT_PATIENT_NUMBERS,
    maf_rows: Sequence[Mapping[str, str]] | None = DEFAULT_MAF_ROWS,
    maf_header: Sequence[str] = MAF_HEADER,
    cna: Mapping[str, Mapping[str, str]] | None = DEFAULT_CNA,
    fusions: Sequence[Mapping[str, str]] | None = DEFAULT_FUSIONS,
    sv: Sequence[Mapping[str, str]] | None = None,
    panel_matrix: Mapping[str, Mapping[str, str]] | None = DEFAULT_PANEL_MATRIX,
    panels: Mapping[str, Sequence[str]] | None = DEFAULT_PANELS,
    panels_in: str = "study",
    case_lists: bool = True,
    gzip_data: bool = False,
    newline: str = "\n",
) -> Path:
    """Write a cBioPortal study folder ``root/study_id`` and return its path.

    ``samples`` / ``patients``: clinical rows (attribute id -> value), with
    the ``*_numbers`` attributes declared NUMBER. ``maf_rows`` (see
    :func:`maf_row`) under ``maf_header``; ``cna``: gene -> sample -> value;
    ``fusions``: old ``data_fusions.txt`` rows; ``sv``: ``data_sv.txt`` rows
    (Sample_Id, Site1_Hugo_Symbol, Site2_Hugo_Symbol, Event_Info ...);
    ``panel_matrix``: sample -> profile -> panel id; ``panels``: panel id ->
    genes, written into the study folder (``panels_in="study"``) or into a
    ``gene_panels`` folder beside it (``"sibling"``). ``None`` leaves a part
    out. ``gzip_data`` gzips the data files; ``newline`` sets line endings.
    """
    folder = root / study_id
    (folder / "case_lists").mkdir(parents=True)
    _meta(
        folder / "meta_study.txt",
        {"type_of_cancer": "brca", "cancer_study_identifier": study_id, "name": "Tiny study",
         "description": "Hand-made test study", "short_name": "tiny"},
    )  # fmt: skip

    def data_file(stem: str, text: str, meta: Mapping[str, str]) -> None:
        name = _write(folder / f"data_{stem}.txt", text, gz=gzip_data, newline=newline)
        _meta(
            folder / f"meta_{stem}.txt",
            {"cancer_study_identifier": study_id, **meta, "data_filename": name},
        )

    if samples is not None:
        data_file(
            "clinical_sample",
            _clinical_text(samples, sample_numbers),
            {"genetic_alteration_type": "CLINICAL", "datatype": "SAMPLE_ATTRIBUTES"},
        )
    if patients is not None:
        data_file(
            "clinical_patient",
            _clinical_text(patients, patient_numbers),
            {"genetic_alteration_type": "CLINICAL", "datatype": "PATIENT_ATTRIBUTES"},
        )
    profile = {"show_profile_in_analysis_tab": "true", "profile_description": "test"}
    if maf_rows is not None:
        data_file(
            "mutations",
            _table_text(maf_header, maf_rows),
            {"genetic_alteration_type": "MUTATION_EXTENDED", "datatype": "MAF",
             "stable_id": "mutations", "profile_name": "Mutations", **profile},
        )  # fmt: skip
    if cna is not None:
        sample_ids = list(dict.fromkeys(s for values in cna.values() for s in values))
        lines = ["\t".join(["Hugo_Symbol", *sample_ids])]
        lines += ["\t".join([g, *(v.get(s, "0") for s in sample_ids)]) for g, v in cna.items()]
        data_file(
            "cna",
            "\n".join(lines) + "\n",
            {"genetic_alteration_type": "COPY_NUMBER_ALTERATION", "datatype": "DISCRETE",
             "stable_id": "cna", "profile_name": "CNA", **profile},
        )  # fmt: skip
    if fusions is not None:
        header = ["Hugo_Symbol", "Entrez_Gene_Id", "Center", "Tumor_Sample_Barcode", "Fusion",
                  "DNA_support", "RNA_support", "Method", "Frame", "Comments"]  # fmt: skip
        data_file(
            "fusions",
            _table_text(header, fusions),
            {"genetic_alteration_type": "FUSION", "datatype": "FUSION", "stable_id": "fusion",
             "profile_name": "Fusions", **profile},
        )  # fmt: skip
    if sv is not None:
        header = list(dict.fromkeys(
            ["Sample_Id", "Site1_Hugo_Symbol", "Site2_Hugo_Symbol", "SV_Status", "Event_Info",
             *(k for row in sv for k in row)]
        ))  # fmt: skip
        data_file(
            "sv",
            _table_text(header, sv),
            {"genetic_alteration_type": "STRUCTURAL_VARIANT", "datatype": "SV",
             "stable_id": "structural_variants", "profile_name": "SV", **profile},
        )  # fmt: skip
    if panel_matrix is not None:
        columns = list(dict.fromkeys(c for v in panel_matrix.values() for c in v))
        lines = ["\t".join(["SAMPLE_ID", *columns])]
        lines += [
            "\t".join([s, *(v.get(c, "NA") for c in columns)]) for s, v in panel_matrix.items()
        ]
        data_file(
            "gene_panel_matrix",
            "\n".join(lines) + "\n",
            {"genetic_alteration_type": "GENE_PANEL_MATRIX", "datatype": "GENE_PANEL_MATRIX"},
        )
    if panels is not None:
        target = folder if panels_in == "study" else root / "gene_panels"
        target.mkdir(exist_ok=True)
        for panel_id, genes in panels.items():
            (target / f"data_gene_panel_{panel_id.lower()}.txt").write_text(
                f"stable_id: {panel_id}\ndescription: test panel\ngene_list: "
                + "\t".join(genes)
                + "\n",
                encoding="utf-8",
            )
    if case_lists and samples is not None:
        ids = "\t".join(row["SAMPLE_ID"] for row in samples if "SAMPLE_ID" in row)
        (folder / "case_lists" / "cases_all.txt").write_text(
            f"cancer_study_identifier: {study_id}\nstable_id: {study_id}_all\n"
            f"case_list_name: All\ncase_list_description: All samples\n"
            f"case_list_category: all_cases_in_study\ncase_list_ids: {ids}\n",
            encoding="utf-8",
        )
    return folder

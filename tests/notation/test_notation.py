"""The notation reader: nothing dropped (Hypothesis), real study strings, the matcher's use."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from her2scope.kb import PatientProfile, load_kb, match_patient
from her2scope.notation import Finding, VariantReader, read_coding_change
from her2scope.notation.protein import normalise_protein_change
from her2scope.notation.variants import split_parts, tokenize
from her2scope.tumorboard.terms import TherapyNormaliser

ROOT = Path(__file__).resolve().parents[2]
STUDIES = os.environ.get("HER2SCOPE_STUDIES", "")
MAF = Path(STUDIES) / "breast_msk_2018" / "data_mutations.txt" if STUDIES else None

_WORDS = st.sampled_from(
    [
        "ESR1",
        "PIK3CA",
        "ETV6::NTRK3",
        "Y537S",
        "p.Tyr537Ser",
        "c.1610A>C",
        "(p.Glu545Lys)",
        "fusion",
        "amp",
        "(CN",
        "8)",
        "VAF",
        "0.8%",
        "ctDNA",
        "germline",
        "VUS",
        "not",
        "detected",
        ";",
        ",",
        "loss",
        "by",
        "IHC",
        "exon",
        "19",
        "deletion",
        "frobnicated",
        "NM_000125.4:c.1610A>C",
        "partner",
        "ETV6",
    ]
)
_ITEMS = st.lists(
    st.one_of(st.lists(_WORDS, max_size=8).map(" ".join), st.text(max_size=40)), max_size=6
)


@settings(max_examples=300, deadline=None)
@given(_ITEMS)
def test_every_part_is_read_or_listed(items: list[str]) -> None:
    """read ∪ not-understood covers the input: every part of every item, every word of a part."""
    reader = VariantReader()
    reading = reader.read(items)
    for index, item in enumerate(items):
        parts = split_parts(item)
        got = [
            f.text
            for f, i in zip(reading.findings, reading.finding_items, strict=True)
            if i == index
        ]
        got += [
            u.text
            for u, i in zip(reading.not_understood, reading.not_understood_items, strict=True)
            if i == index
        ]
        if not parts:
            assert got == [item], (item, got)
            continue
        assert sorted(got) == sorted(p if len(p) <= 500 else p[:80] + "..." for p in parts)
    for f in reading.findings:
        assert list(f.tokens) == tokenize(f.text)  # a finding carries every word of its part


_THERAPY_WORDS = st.sampled_from(
    [
        "anastrozole",
        "(Arimidex)",
        "adjuvant",
        ",",
        "+",
        "OFS",
        "TCHP",
        "x6",
        "then",
        "T-DM1",
        "weekly",
        "paclitaxel",
        "magic",
        "potion",
        "2nd",
        "line",
        "5.4",
        "mg/kg",
        "2015-2020",
        "AC-T",
        "letrozole/palbociclib",
        "and",
    ]
)
_THERAPY_ITEMS = st.one_of(st.lists(_THERAPY_WORDS, max_size=8).map(" ".join), st.text(max_size=50))
_NORMALISER: list[TherapyNormaliser] = []


@settings(max_examples=300, deadline=None)
@given(_THERAPY_ITEMS)
def test_every_therapy_word_is_used_or_listed(item: str) -> None:
    """Each word of a therapy string is used (drug, regimen, class, qualifier) or listed."""
    if not _NORMALISER:
        _NORMALISER.append(TherapyNormaliser(load_kb()))
    n = _NORMALISER[0]
    r = n.read(item)
    assert sorted(r.words_used + r.words_not_understood) == sorted(n.reader.tokens(item))
    if r.words_not_understood and len(item) <= 1000:
        listed = " ".join(part for part, _ in r.not_understood)
        for w in r.words_not_understood:
            assert w in listed


def test_adversarial_inputs_are_refused_quickly() -> None:
    """Long pathological strings read or refuse (catastrophic backtracking would hang here)."""
    reader = VariantReader()
    for text in (
        "ESR1 " + "A" * 100_000,
        "ESR1 p." + "Tyr" * 30_000,
        "ESR1 " + "c.1" * 30_000,
        "E" + "-" * 100_000 + "X",
        "(" * 50_000 + ";" + ")" * 50_000,
        "ESR1 Y537S " + "VAF " * 20_000,
    ):
        out = reader.read([text])
        assert len(out.findings) + len(out.not_understood) >= 1
    assert normalise_protein_change("Y" + "1" * 5_000 + "S") is None  # longer than 400: refused


@pytest.mark.skipif(MAF is None or not MAF.exists(), reason="shared study not found")
def test_msk_hgvsp_and_hgvsp_short_read_alike() -> None:
    """Every MSK row: three-letter HGVSp and cBioPortal's HGVSp_Short give one canonical change."""
    import polars as pl

    assert MAF is not None
    df = pl.read_csv(
        MAF, separator="\t", comment_prefix="#", infer_schema_length=0, quote_char=None
    ).select("HGVSc", "HGVSp", "HGVSp_Short", "Variant_Classification")
    agree = differ = 0
    for _c, p3, p1, _vc in df.iter_rows():
        if not p3 or not p1:
            continue
        a, b = normalise_protein_change(p3), normalise_protein_change(p1)
        if a is not None and b is not None and a == b:
            agree += 1
        else:
            differ += 1
    assert agree >= 8_800 and differ <= 5, (agree, differ)


@pytest.mark.skipif(MAF is None or not MAF.exists(), reason="shared study not found")
def test_frameshift_read_from_cdna_is_a_truncating_class_in_the_study() -> None:
    """A c. change called a frameshift by its length is a truncating class for VEP in every row."""
    import polars as pl

    assert MAF is not None
    df = pl.read_csv(
        MAF, separator="\t", comment_prefix="#", infer_schema_length=0, quote_char=None
    ).select("HGVSc", "Variant_Classification")
    truncating = {"Frame_Shift_Del", "Frame_Shift_Ins", "Nonsense_Mutation", "Splice_Site"}
    called = 0
    for c, vc in df.iter_rows():
        if not c:
            continue
        cc = read_coding_change(c.split(":")[-1])
        if cc is not None and cc.frameshift:
            called += 1
            assert vc in truncating, (c, vc)
    assert called > 1_300


def test_coding_change_readings() -> None:
    assert read_coding_change("c.5946delT").frameshift  # type: ignore[union-attr]
    assert read_coding_change("c.126_128delGGC").in_frame  # type: ignore[union-attr]
    assert read_coding_change("c.1610A>C").protein_effect_needed  # type: ignore[union-attr]
    assert read_coding_change("c.9648+1G>A").splice_site  # type: ignore[union-attr]
    assert not read_coding_change("c.-14_-13del").frameshift  # type: ignore[union-attr] UTR
    assert read_coding_change("Y537S") is None


def _profile(**kw: object) -> PatientProfile:
    base: dict[str, object] = {
        "id": "t",
        "er_status": "positive",
        "setting": "metastatic",
        "her2": {"ihc": "1+"},
    }
    base.update(kw)
    return PatientProfile(**base)  # type: ignore[arg-type]


def _ids(report: object) -> set[str]:
    return {b["id"] for b in report.to_dict()["observed_biomarkers"]}  # type: ignore[attr-defined]


def test_hgvs_with_cdna_gives_the_same_options_as_the_short_form() -> None:
    """Issue 21: ESR1 c.1610A>C (p.Tyr537Ser) + PIK3CA c.1633G>A (p.Glu545Lys) = Y537S + E545K."""
    hist = [
        {
            "therapy": "letrozole + palbociclib",
            "setting": "metastatic",
            "line": 1,
            "outcome": "progressed",
        }
    ]
    long = match_patient(
        _profile(
            alterations=["ESR1 c.1610A>C (p.Tyr537Ser)", "PIK3CA c.1633G>A (p.Glu545Lys)"],
            therapy_history=hist,
        )
    )
    short = match_patient(
        _profile(alterations=["ESR1 Y537S", "PIK3CA E545K"], therapy_history=hist)
    )
    assert long.option_therapies() == short.option_therapies()
    assert "elacestrant" in long.option_therapies()
    assert long.unrecognised == []


def test_vaf_annotation_is_not_part_of_the_allele() -> None:
    rep = match_patient(_profile(alterations=["ESR1 D538G, ctDNA VAF 0.8%"]))
    assert "esr1_lbd_mutation" in _ids(rep)
    row = rep.alterations[0]
    assert row["reading"] == "ESR1 D538G"
    assert row["attributes"] == {"specimen": "ctDNA", "vaf_percent": 0.8}


def test_germline_brca2_cdna_frameshift_is_the_germline_finding() -> None:
    # olaparib's label (OlympiAD) needs prior chemotherapy: given one line, it is an option
    chemo = [{"therapy": "paclitaxel", "setting": "metastatic", "line": 1, "outcome": "progressed"}]
    rep = match_patient(_profile(alterations=["BRCA2 c.5946delT germline"], therapy_history=chemo))
    assert "germline_brca2" in _ids(rep)
    assert "olaparib" in rep.option_therapies()
    assert rep.alterations[0]["germline_finding"] is True
    # without chemotherapy the PARP option that needs none stays; olaparib is gated, with why
    naive = match_patient(_profile(alterations=["BRCA2 c.5946delT germline"])).to_dict()
    assert "talazoparib" in [o["therapy"] for o in naive["options"]]
    gated = [o for o in naive["not_eligible"] if o["therapy"] == "olaparib"]
    assert gated and "chemotherapy" in gated[0]["reason"]


def test_germline_missense_without_pathogenicity_is_listed_not_used() -> None:
    rep = match_patient(_profile(alterations=["BRCA2 c.7007G>A (p.Arg2336His) germline"]))
    assert "germline_brca2" not in _ids(rep)
    assert any("pathogenicity not stated" in u["reason"] for u in rep.unrecognised)


def test_somatic_brca2_does_not_make_a_germline_finding() -> None:
    rep = match_patient(_profile(alterations=["BRCA2 E1953* somatic"]))
    assert "germline_brca2" not in _ids(rep)


def test_vus_and_negated_and_cdna_only_are_not_matched() -> None:
    rep = match_patient(
        _profile(alterations=["ESR1 Y537S VUS", "PIK3CA H1047R not detected", "ESR1 c.1610A>C"])
    )
    assert not {"esr1_y537s", "esr1_lbd_mutation", "pik3ca_h1047r"} & _ids(rep)
    reasons = " | ".join(u["reason"] for u in rep.unrecognised)
    assert "uncertain significance" in reasons
    assert "not present" in reasons
    assert "protein effect" in reasons


def test_semicolon_item_gives_one_row_per_finding() -> None:
    rep = match_patient(_profile(alterations=["ESR1 Y537S; PIK3CA H1047R"]))
    assert [r["reading"] for r in rep.alterations] == ["ESR1 Y537S", "PIK3CA H1047R"]
    assert {"esr1_y537s", "pik3ca_h1047r"} <= _ids(rep)


def test_fusion_gene_is_the_kinase_with_partner_kept() -> None:
    rep = match_patient(_profile(alterations=["ETV6-NTRK3 fusion"]))
    row = rep.alterations[0]
    assert row["gene"] == "NTRK3"
    assert row["attributes"]["partner"] == "ETV6"


def test_therapy_history_reads_brands_regimens_and_qualifiers() -> None:
    """Issue 21: these history strings were dropped; now none is 'not understood'."""
    rep = match_patient(
        _profile(
            therapy_history=[
                {
                    "therapy": "anastrozole (Arimidex), adjuvant",
                    "setting": "early",
                    "outcome": "completed",
                },
                {"therapy": "abemaciclib (Verzenio)", "setting": "early", "outcome": "completed"},
                {"therapy": "AC-T", "setting": "early", "outcome": "completed"},
                {"therapy": "TCHP", "setting": "early", "outcome": "completed"},
                {"therapy": "Phesgo", "setting": "early", "outcome": "completed"},
                {"therapy": "goserelin", "setting": "early", "outcome": "completed"},
                {"therapy": "adjuvant pembrolizumab", "setting": "early", "outcome": "completed"},
            ]
        )
    )
    assert rep.unrecognised == []


def test_documentation_example_reads_with_nothing_not_understood(tmp_path: Path) -> None:
    text = (ROOT / "docs" / "patient-file.md").read_text("utf-8")
    block = re.search(r"```yaml\n(.*?)```", text, re.S)
    assert block is not None
    data = yaml.safe_load(block.group(1))
    data.pop("schema_version", None)
    rep = match_patient(PatientProfile(**data))
    assert rep.unrecognised == []
    assert {r["reading"] for r in rep.alterations} >= {"ESR1 D538G", "PIK3CA H1047R"}


def test_reader_knows_kb_gene_for_non_kinase_pairs() -> None:
    reader = VariantReader(known_gene=lambda g: g == "ESR1")
    f = reader.read_part("ESR1-CCDC170 fusion")
    assert isinstance(f, Finding) and (f.gene, f.partner) == ("ESR1", "CCDC170")


CONTRACT_CLASSES = {
    "topo1_payload_adc": "adc",
    "pd1_pdl1_inhibitor": "immune_checkpoint_inhibitor",
    "platinum": "chemotherapy",
    "fluoropyrimidine": "chemotherapy",
    "ovarian_function_suppression": "endocrine_therapy",
    "trk_inhibitor": None,
    "ret_inhibitor": None,
    "braf_inhibitor": None,
    "mek_inhibitor": None,
}
CONTRACT_DRUGS = {
    "trastuzumab deruxtecan": "topo1_payload_adc",
    "sacituzumab govitecan": "topo1_payload_adc",
    "datopotamab deruxtecan": "topo1_payload_adc",
    "pembrolizumab": "pd1_pdl1_inhibitor",
    "atezolizumab": "pd1_pdl1_inhibitor",
    "nivolumab": "pd1_pdl1_inhibitor",
    "dostarlimab": "pd1_pdl1_inhibitor",
    "durvalumab": "pd1_pdl1_inhibitor",
    "carboplatin": "platinum",
    "cisplatin": "platinum",
    "capecitabine": "fluoropyrimidine",
    "fluorouracil": "fluoropyrimidine",
    "goserelin": "ovarian_function_suppression",
    "leuprolide": "ovarian_function_suppression",
    "triptorelin": "ovarian_function_suppression",
    "larotrectinib": "trk_inhibitor",
    "entrectinib": "trk_inhibitor",
    "repotrectinib": "trk_inhibitor",
    "selpercatinib": "ret_inhibitor",
    "dabrafenib": "braf_inhibitor",
    "trametinib": "mek_inhibitor",
    "giredestrant": "serd",
}


def test_contract_classes_and_drugs_are_in_the_kb() -> None:
    kb = load_kb()
    classes = {c.id: c for c in kb.therapy_classes}
    for cid, parent in CONTRACT_CLASSES.items():
        assert cid in classes, cid
        if parent is not None:
            assert parent in classes[cid].parents, cid
    drugs = {t.name: t for t in kb.therapies}
    for name, cid in CONTRACT_DRUGS.items():
        assert cid in drugs[name].classes, name


def test_vocabulary_table_points_at_kb_therapies() -> None:
    """Every term and regimen member of data/drug_vocabulary.tsv is a KB therapy or class."""
    from her2scope.notation.therapies import load_vocabulary

    kb = load_kb()
    names = {t.name for t in kb.therapies}
    class_ids = {c.id for c in kb.therapy_classes}
    terms, regimens, codes, brands = load_vocabulary()
    assert set(terms.values()) <= names
    assert names <= set(terms.values())  # every KB drug has its row
    for r in regimens.values():
        assert set(r.agents) <= names and set(r.classes) <= class_ids, r
        assert r.source
    assert codes["trastuzumab deruxtecan"] == "C128799"  # NCIt, as OncoKB's list prints it
    assert {"kadcyla", "enhertu", "zoladex"} <= {b for b in brands} | {
        s.lower() for t in kb.therapies for s in t.synonyms
    }

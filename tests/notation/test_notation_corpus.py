"""A table of real-world alteration and therapy strings, each with its expected reading and source.

Sources (the ``src`` column):

- ``MSK``: breast_msk_2018 (cBioPortal, Razavi et al. 2018, PMID 30205045),
  data_mutations.txt: Hugo_Symbol with HGVSp_Short (cBioPortal's one-letter
  form), HGVSp (three-letter HGVS) and HGVSc (``c.`` change) of the same row.
- ``ClinVar``: ClinVar variation titles, ``NM_000059.4(BRCA2):c.5946del
  (p.Ser1982fs)`` (the title format quoted from ClinVar exports in public
  repositories; BRCA2 c.5946del is VariationID 9322 family, the 6174delT founder).
- ``CIViC``: CIViC fusion names written 5'::3' (``ETV6::NTRK3``, ``EML4::ALK``).
- ``OncoKB``: OncoKB alteration names (``Amplification``, ``Fusions``,
  ``E746_A750del``, ``Exon 19 in-frame deletions`` style).
- ``issue``: the strings of issue 21, written from reports by a new user.
- ``lab``: report phrasings (copy number with CN, ctDNA with VAF, IHC findings).
- ``docs``: docs/patient-file.md.
- therapy sources: ``FDA`` (proprietary names on labels), ``Komen``
  (komen.org chemotherapy drug combinations page), ``PDQ`` (NCI PDQ breast
  cancer treatment, regimen abbreviations), ``Karia`` (kariahealth.com regimen
  list: TCH, THP, ACT), ``clinic`` (abbreviations as written in notes).
"""

from __future__ import annotations

from typing import Any

import pytest

from her2scope.kb import load_kb
from her2scope.tumorboard.terms import (
    AlterationParser,
    ParsedAlteration,
    TherapyNormaliser,
    Unrecognised,
)

# -- MSK rows: gene, HGVSc, HGVSp, HGVSp_Short, truncating --------------------------------
MSK_ROWS: list[tuple[str, str, str, str, bool]] = [
    ("AKT1", "c.968A>G", "p.Asp323Gly", "p.D323G", False),
    ("AKT1", "c.403G>C", "p.Glu135Gln", "p.E135Q", False),
    ("AKT1", "c.49G>A", "p.Glu17Lys", "p.E17K", False),
    ("AKT1", "c.273G>C", "p.Glu91Asp", "p.E91D", False),
    ("AKT1", "c.651C>G", "p.Phe217Leu", "p.F217L", False),
    ("AKT1", "c.164T>A", "p.Phe55Tyr", "p.F55Y", False),
    ("AKT1", "c.155T>A", "p.Leu52His", "p.L52H", False),
    ("AKT1", "c.155T>G", "p.Leu52Arg", "p.L52R", False),
    ("AKT1", "c.189G>A", "p.Met63Ile", "p.M63I", False),
    ("AKT1", "c.292G>T", "p.Glu98Ter", "p.E98*", True),
    (
        "ARID1A",
        "c.3941_3942insCAGACTCGGGGATGTATTCTCCTAG",
        "p.Asp1315ArgfsTer8",
        "p.D1315Rfs*8",
        True,
    ),
    (
        "ARID1A",
        "c.5153_5157delinsCATAG",
        "p.Glu1718_Tyr1719delinsAlaTer",
        "p.E1718_Y1719delinsA*",
        True,
    ),
    ("ARID1A", "c.5203G>T", "p.Glu1735Ter", "p.E1735*", True),
    ("ARID1A", "c.6736G>T", "p.Glu2246Ter", "p.E2246*", True),
    ("AKT1", "c.928del", "p.Cys310AlafsTer33", "p.C310Afs*33", True),
    ("ARID1A", "c.5059del", "p.Ala1687HisfsTer2", "p.A1687Hfs*2", True),
    ("ARID1A", "c.682_688del", "p.Ala228ArgfsTer2", "p.A228Rfs*2", True),
    ("ARID1A", "c.969_1039del", "p.Ala325ArgfsTer51", "p.A325Rfs*51", True),
    ("ARID1A", "c.827delG", "p.Gly276GlufsTer87", "p.G276Efs*87", True),
    ("ARID1A", "c.154_155insGCATG", "p.Ala52GlyfsTer51", "p.A52Gfs*51", True),
    ("ARID1A", "c.5548dupG", "p.Asp1850GlyfsTer4", "p.D1850Gfs*4", True),
    ("ARID1A", "c.941dup", "p.Asp315ArgfsTer85", "p.D315Rfs*85", True),
    ("ARID1A", "c.3481_3482dup", "p.Pro1162SerfsTer19", "p.P1162Sfs*19", True),
    ("ARID1A", "c.126_128delGGC", "p.Ala45del", "p.A45del", False),
    ("BRCA2", "c.3874_3885del", "p.Leu1292_Gln1295del", "p.L1292_Q1295del", False),
    ("CBFB", "c.21_38del", "p.Asp7_Phe12del", "p.D7_F12del", False),
    ("CDH1", "c.691_711del", "p.Phe231_Ser237del", "p.F231_S237del", False),
    ("CDH1", "c.1268_1287delinsCG", "p.Phe423_Pro429delinsSer", "p.F423_P429delinsS", False),
    (
        "AKT1",
        "c.232_233insCCGGCCCAACACCTTCATCATCCGCTGCCC",
        "p.Cys77_Leu78insProGlyProThrProSerSerSerAlaAla",
        "p.C77_L78insPGPTPSSSAA",
        False,
    ),
    ("ARID1A", "c.115_116insGCG", "p.Glu38_Ala39insGly", "p.E38_A39insG", False),
    (
        "ERBB2",
        "c.2311_2312insGCATACGTGATG",
        "p.Glu770_Ala771insGlyIleArgAsp",
        "p.E770_A771insGIRD",
        False,
    ),
    ("ERBB2", "c.3767G>C", "p.Ter1256SerextTer10", "p.*1256Sext*10", False),
    ("CDH1", "c.1A>G", "p.Met1?", "p.M1?", False),
    ("ESR1", "c.1610A>C", "p.Tyr537Ser", "p.Y537S", False),
    ("ESR1", "c.1613A>G", "p.Asp538Gly", "p.D538G", False),
    ("PIK3CA", "c.3140A>G", "p.His1047Arg", "p.H1047R", False),
    ("PIK3CA", "c.1633G>A", "p.Glu545Lys", "p.E545K", False),
    ("PIK3CA", "c.1624G>A", "p.Glu542Lys", "p.E542K", False),
    ("ERBB2", "c.2264T>C", "p.Leu755Ser", "p.L755S", False),
    ("TP53", "c.743G>A", "p.Arg248Gln", "p.R248Q", False),
]


def _msk_strings() -> list[tuple[str, str, str, bool, str]]:
    out = []
    for gene, c, p3, p1, trunc in MSK_ROWS:
        short = p1[2:]
        out.append((f"{gene} {p1}", gene, short, trunc, "MSK HGVSp_Short"))
        out.append((f"{gene} {p3}", gene, short, trunc, "MSK HGVSp"))
        out.append((f"{gene} {c} ({p3})", gene, short, trunc, "MSK HGVSc + HGVSp"))
    return out


MSK_STRINGS = _msk_strings()

# -- hand-written variant phrasings: text, gene, event, protein change, attributes, source ---
VARIANTS: list[tuple[str, str, str, str | None, dict[str, Any], str]] = [
    ("ESR1 c.1610A>C (p.Tyr537Ser)", "ESR1", "mutation", "Y537S", {"cdna": "c.1610A>C"}, "issue"),
    ("PIK3CA c.1633G>A (p.Glu545Lys)", "PIK3CA", "mutation", "E545K", {}, "issue"),
    (
        "ESR1 D538G, ctDNA VAF 0.8%",
        "ESR1",
        "mutation",
        "D538G",
        {"specimen": "ctDNA", "vaf_percent": 0.8},
        "issue",
    ),
    ("ETV6-NTRK3 fusion", "NTRK3", "fusion", None, {"partner": "ETV6"}, "issue"),
    ("ETV6::NTRK3 fusion", "NTRK3", "fusion", None, {"partner": "ETV6"}, "issue / CIViC"),
    ("ETV6::NTRK3", "NTRK3", "fusion", None, {"partner": "ETV6"}, "CIViC"),
    ("ETV6/NTRK3", "NTRK3", "fusion", None, {"partner": "ETV6"}, "lab"),
    ("ETV6:NTRK3", "NTRK3", "fusion", None, {"partner": "ETV6"}, "lab (single colon)"),
    ("TPM3::NTRK1", "NTRK1", "fusion", None, {"partner": "TPM3"}, "CIViC"),
    ("LMNA::NTRK1 fusion", "NTRK1", "fusion", None, {"partner": "LMNA"}, "CIViC"),
    ("EML4::ALK", "ALK", "fusion", None, {"partner": "EML4"}, "CIViC"),
    ("EML4-ALK rearrangement", "ALK", "fusion", None, {"partner": "EML4"}, "lab"),
    ("CCDC6-RET fusion", "RET", "fusion", None, {"partner": "CCDC6"}, "OncoKB"),
    ("KIF5B::RET", "RET", "fusion", None, {"partner": "KIF5B"}, "CIViC"),
    ("NTRK3 fusion (partner ETV6)", "NTRK3", "fusion", None, {"partner": "ETV6"}, "issue"),
    ("NTRK1 rearrangement", "NTRK1", "fusion", None, {}, "issue"),
    ("RET fusion", "RET", "fusion", None, {}, "OncoKB"),
    ("ESR1-CCDC170 fusion", "ESR1", "fusion", None, {"partner": "CCDC170"}, "lab"),
    ("ESR1 fusion", "ESR1", "fusion", None, {}, "OncoKB"),
    ("NRG1 fusion", "NRG1", "fusion", None, {}, "OncoKB"),
    ("FGFR2 rearrangement", "FGFR2", "fusion", None, {}, "lab"),
    ("BRCA2 c.5946delT germline", "BRCA2", "mutation", None, {"origin": "germline"}, "issue"),
    (
        "NM_000059.4(BRCA2):c.5946del (p.Ser1982fs)",
        "BRCA2",
        "mutation",
        "S1982fs",
        {"transcript": "NM_000059.4"},
        "ClinVar",
    ),
    (
        "NM_000059.4(BRCA2):c.5946del (p.Ser1982ArgfsTer22)",
        "BRCA2",
        "mutation",
        "S1982Rfs*22",
        {},
        "ClinVar",
    ),
    (
        "NM_000059.4(BRCA2):c.5946delT (p.Ser1982Argfs*22)",
        "BRCA2",
        "mutation",
        "S1982Rfs*22",
        {},
        "ClinVar",
    ),
    (
        "NM_007294.4(BRCA1):c.5266dup (p.Gln1756ProfsTer74)",
        "BRCA1",
        "mutation",
        "Q1756Pfs*74",
        {},
        "ClinVar",
    ),
    ("NM_000546.6(TP53):c.743G>A (p.Arg248Gln)", "TP53", "mutation", "R248Q", {}, "ClinVar"),
    (
        "NM_000059.4(BRCA2):c.5946del (p.Ser1982fs) germline pathogenic",
        "BRCA2",
        "mutation",
        "S1982fs",
        {"origin": "germline", "pathogenicity": "pathogenic"},
        "ClinVar + lab",
    ),
    (
        "ESR1 NM_000125.4:c.1610A>C (p.Tyr537Ser)",
        "ESR1",
        "mutation",
        "Y537S",
        {"transcript": "NM_000125.4"},
        "issue",
    ),
    ("ESR1 NM_000125.4:c.1610A>C", "ESR1", "mutation", None, {"cdna": "c.1610A>C"}, "issue"),
    ("ESR1 c.1610A>C", "ESR1", "mutation", None, {"cdna": "c.1610A>C"}, "issue"),
    ("ESR1:p.Y537S", "ESR1", "mutation", "Y537S", {}, "lab"),
    ("ESR1:c.1610A>C", "ESR1", "mutation", None, {}, "lab"),
    ("TP53 c.376-2A>G", "TP53", "mutation", None, {"splice_site": True}, "lab"),
    ("BRCA2 c.9648+1G>A", "BRCA2", "mutation", None, {"splice_site": True}, "MSK HGVSc"),
    ("BRCA2 X3216_splice", "BRCA2", "mutation", "X3216_splice", {}, "MSK HGVSp_Short"),
    ("ARID1A p.X1239_splice", "ARID1A", "mutation", "X1239_splice", {}, "MSK HGVSp_Short"),
    ("CBFB X133_splice", "CBFB", "mutation", "X133_splice", {}, "MSK HGVSp_Short"),
    ("EGFR exon 19 deletion", "EGFR", "mutation", None, {"exon": "19"}, "OncoKB / lab"),
    ("EGFR ex19del", "EGFR", "mutation", None, {"exon": "19"}, "lab"),
    ("ERBB2 exon 20 insertion", "ERBB2", "mutation", None, {"exon": "20"}, "issue"),
    ("ERBB2 exon 20 ins", "ERBB2", "mutation", None, {"exon": "20"}, "lab"),
    ("MET exon 14 skipping", "MET", "mutation", None, {"exon": "14"}, "OncoKB"),
    ("FGFR1 amplified", "FGFR1", "amplification", None, {}, "issue"),
    ("FGFR1 amp (CN 8)", "FGFR1", "amplification", None, {"copy_number": 8.0}, "issue"),
    ("ERBB2 amplification (CN=12)", "ERBB2", "amplification", None, {"copy_number": 12.0}, "lab"),
    ("CCND1 amplification, 9 copies", "CCND1", "amplification", None, {"copy_number": 9.0}, "lab"),
    ("ERBB2 Amplification", "ERBB2", "amplification", None, {}, "OncoKB"),
    ("MYC gain", "MYC", "gain", None, {}, "issue"),
    ("FGFR1 copy number gain", "FGFR1", "gain", None, {}, "lab"),
    ("PTEN homozygous deletion", "PTEN", "deletion", None, {}, "issue"),
    ("CDKN2A deep deletion", "CDKN2A", "deletion", None, {}, "cBioPortal"),
    ("RB1 loss", "RB1", "loss", None, {}, "issue"),
    ("PTEN loss by IHC", "PTEN", "loss", None, {"method": "IHC"}, "issue"),
    ("PTEN loss of expression by IHC", "PTEN", "loss", None, {"method": "IHC"}, "lab"),
    ("PTEN heterozygous deletion", "PTEN", "shallow_deletion", None, {}, "lab"),
    ("PIK3CA E545K VUS", "PIK3CA", "mutation", "E545K", {"pathogenicity": "vus"}, "lab"),
    (
        "BRCA2 K3326* likely benign",
        "BRCA2",
        "mutation",
        "K3326*",
        {"pathogenicity": "likely_benign"},
        "ClinVar",
    ),
    (
        "PALB2 c.3113G>A (p.Trp1038Ter), germline, likely pathogenic",
        "PALB2",
        "mutation",
        "W1038*",
        {"origin": "germline", "pathogenicity": "likely_pathogenic"},
        "ClinVar + lab",
    ),
    (
        "AKT1 E17K subclonal, VAF 3%",
        "AKT1",
        "mutation",
        "E17K",
        {"clonality": "subclonal", "vaf_percent": 3.0},
        "lab",
    ),
    ("ESR1 Y537S (VAF 12.5%)", "ESR1", "mutation", "Y537S", {"vaf_percent": 12.5}, "lab"),
    (
        "ESR1 Y537N, cfDNA, AF 0.4%",
        "ESR1",
        "mutation",
        "Y537N",
        {"specimen": "ctDNA", "vaf_percent": 0.4},
        "lab",
    ),
    ("ESR1 E380Q 2.1% VAF", "ESR1", "mutation", "E380Q", {"vaf_percent": 2.1}, "lab"),
    ("ESR1 L536H plasma", "ESR1", "mutation", "L536H", {"specimen": "ctDNA"}, "lab"),
    ("PIK3CA H1047R somatic", "PIK3CA", "mutation", "H1047R", {"origin": "somatic"}, "lab"),
    ("PIK3CA H1047R (hotspot)", "PIK3CA", "mutation", "H1047R", {}, "lab"),
    ("PIK3CA p.H1047R mutation", "PIK3CA", "mutation", "H1047R", {}, "lab"),
    ("PIK3CA H1047R, clonal", "PIK3CA", "mutation", "H1047R", {"clonality": "clonal"}, "lab"),
    ("ESR1 Y537S not detected", "ESR1", "mutation", "Y537S", {"negated": True}, "lab"),
    ("PIK3CA wild-type", "PIK3CA", "mutation", None, {"negated": True}, "lab"),
    ("ERBB2 not amplified", "ERBB2", "mutation", None, {"negated": True}, "lab"),
    ("HER2 V777L", "ERBB2", "mutation", "V777L", {}, "lab"),
    ("esr1 d538g", "ESR1", "mutation", "D538G", {}, "lab (lower case)"),
    ("ESR1 p.(Tyr537Ser)", "ESR1", "mutation", "Y537S", {}, "HGVS predicted"),
    ("ESR1 p.(Y537S)", "ESR1", "mutation", "Y537S", {}, "HGVS predicted"),
    ("NF1 R1276X", "NF1", "mutation", "R1276*", {}, "lab (X for stop)"),
    ("NF1 Arg1276Ter", "NF1", "mutation", "R1276*", {}, "HGVS"),
    ("NF1 p.Arg1276*", "NF1", "mutation", "R1276*", {}, "HGVS"),
    ("NF1 Q514Rfs*43", "NF1", "mutation", "Q514Rfs*43", {}, "cBioPortal"),
    ("NF1 p.Gln514ArgfsTer43", "NF1", "mutation", "Q514Rfs*43", {}, "HGVS"),
    ("NF1 Q514fs", "NF1", "mutation", "Q514fs", {}, "OncoKB short fs"),
    ("NF1 p.Gln514fsX43", "NF1", "mutation", "Q514fs*43", {}, "older HGVS"),
    ("EGFR E746_A750del", "EGFR", "mutation", "E746_A750del", {}, "OncoKB"),
    ("EGFR p.Glu746_Ala750del", "EGFR", "mutation", "E746_A750del", {}, "HGVS"),
    ("EGFR L747_P753delinsS", "EGFR", "mutation", "L747_P753delinsS", {}, "OncoKB"),
    ("ERBB2 G778_P780dup", "ERBB2", "mutation", "G778_P780dup", {}, "docs"),
    ("ERBB2 p.Gly778_Pro780dup", "ERBB2", "mutation", "G778_P780dup", {}, "HGVS"),
    ("ERBB2 A775_G776insYVMA", "ERBB2", "mutation", "A775_G776insYVMA", {}, "OncoKB"),
    ("ERBB2 p.Ala775_Gly776insTyrValMetAla", "ERBB2", "mutation", "A775_G776insYVMA", {}, "HGVS"),
    ("PTEN R130*", "PTEN", "mutation", "R130*", {}, "docs"),
    ("PIK3CA p.His1047Arg", "PIK3CA", "mutation", "H1047R", {}, "docs"),
    ("ESR1 D538G", "ESR1", "mutation", "D538G", {}, "docs"),
    ("ERBB2 mutation", "ERBB2", "mutation", None, {}, "lab"),
    ("ESR1 F404", "ESR1", "mutation", "F404", {}, "lab (position only)"),
    ("AKT1 E17K, tier I", "AKT1", "mutation", "E17K", {"tier": "I"}, "lab (AMP tier)"),
    ("FOXA1 amplification", "FOXA1", "amplification", None, {}, "OncoKB"),
    ("ESR1 Y537S (tissue)", "ESR1", "mutation", "Y537S", {"specimen": "tissue"}, "lab"),
    ("NKX2-1 amplification", "NKX2-1", "amplification", None, {}, "cBioPortal (hyphenated symbol)"),
    ("MIR101-1 fusion", "MIR101-1", "fusion", None, {}, "MSK data_fusions"),
    ("ERBB2 (HER2) amplification", "ERBB2", "amplification", None, {}, "lab"),
    ("HER2 (ERBB2) amplified", "ERBB2", "amplification", None, {}, "lab"),
    ("PIK3CA: H1047R", "PIK3CA", "mutation", "H1047R", {}, "lab"),
    (
        "ESR1 D538G detected in ctDNA (VAF 0.5%)",
        "ESR1",
        "mutation",
        "D538G",
        {"specimen": "ctDNA", "vaf_percent": 0.5},
        "lab",
    ),
]

# -- several findings in one item --------------------------------------------------------
MULTI: list[tuple[str, list[str], str]] = [
    ("ESR1 Y537S; PIK3CA H1047R", ["ESR1 Y537S", "PIK3CA H1047R"], "lab"),
    (
        "ESR1 D538G (VAF 1.2%); PIK3CA E545K (VAF 20%); TP53 R248Q",
        ["ESR1 D538G", "PIK3CA E545K", "TP53 R248Q"],
        "lab (ctDNA panel)",
    ),
    ("FGFR1 amp; CCND1 amp", ["FGFR1 amplification", "CCND1 amplification"], "lab"),
]

# -- not understood, with the reason -------------------------------------------------------
NOT_UNDERSTOOD: list[tuple[str, str, str]] = [
    ("NM_000125.4:c.1610A>C", "transcript without a gene symbol", "lab"),
    ("p.(Tyr537Ser)", "gene symbol", "lab"),
    ("ESR1 frobnicated", "cannot read", "tests"),
    ("ESR1 Y537S confirmed by orthogonal method", "cannot read", "lab"),
    ("PTEN", "no event", "tests"),
    ("ERBB2 amplification E545K", "copy-number/fusion word", "tests"),
    ("ESR1 Y537S D538G", "two different protein changes", "lab"),
    ("EML4::ALK Outside lab", "cannot read", "lab data as exported"),
    ("ETV6-NTRK3 amplification", "non-fusion event", "tests"),
    ("", "empty", "tests"),
    ("CDKN2A/B loss", "more than one gene", "lab (Foundation-style)"),
    ("no ESR1 mutation", "negative statement", "clinic note"),
    ("ESR1 Y537S and D538G", "cannot read", "lab"),
]

# -- therapies: text, agents, classes that must be present, qualifiers, source ---------------
THERAPIES: list[tuple[str, list[str], list[str], dict[str, Any], str]] = [
    (
        "anastrozole (Arimidex), adjuvant",
        ["anastrozole"],
        ["aromatase_inhibitor"],
        {"setting": "adjuvant", "brands": ["Arimidex"]},
        "issue",
    ),
    (
        "abemaciclib (Verzenio)",
        ["abemaciclib"],
        ["cdk46_inhibitor"],
        {"brands": ["Verzenio"]},
        "issue",
    ),
    (
        "adjuvant pembrolizumab",
        ["pembrolizumab"],
        ["pd1_pdl1_inhibitor", "immune_checkpoint_inhibitor"],
        {"setting": "adjuvant"},
        "issue",
    ),
    (
        "goserelin",
        ["goserelin"],
        ["ovarian_function_suppression", "endocrine_therapy"],
        {},
        "issue",
    ),
    (
        "TCHP",
        ["docetaxel", "carboplatin", "trastuzumab", "pertuzumab"],
        ["platinum", "taxane", "her2_antibody"],
        {"regimen": "TCHP"},
        "issue / Karia",
    ),
    (
        "Phesgo",
        ["pertuzumab", "trastuzumab"],
        ["her2_antibody"],
        {"regimen": "Phesgo"},
        "issue / FDA",
    ),
    (
        "AC-T",
        ["doxorubicin", "cyclophosphamide"],
        ["anthracycline", "taxane"],
        {"regimen": "AC-T"},
        "docs / Komen",
    ),
    (
        "ddAC-T",
        ["doxorubicin", "cyclophosphamide"],
        ["anthracycline", "taxane"],
        {"regimen": "ddAC-T"},
        "PDQ",
    ),
    ("AC->T", ["doxorubicin", "cyclophosphamide"], ["taxane"], {"regimen": "AC->T"}, "Komen"),
    (
        "EC-T",
        ["epirubicin", "cyclophosphamide"],
        ["anthracycline", "taxane"],
        {"regimen": "EC-T"},
        "Komen",
    ),
    ("TC x4", ["docetaxel", "cyclophosphamide"], ["taxane"], {"regimen": "TC", "cycles": 4}, "PDQ"),
    ("TC x 4 cycles", ["docetaxel", "cyclophosphamide"], ["taxane"], {"cycles": 4}, "PDQ"),
    ("TCH", ["docetaxel", "carboplatin", "trastuzumab"], ["platinum"], {"regimen": "TCH"}, "Karia"),
    (
        "THP",
        ["trastuzumab", "pertuzumab"],
        ["taxane", "her2_antibody"],
        {"regimen": "THP"},
        "Karia",
    ),
    (
        "CMF",
        ["cyclophosphamide", "methotrexate", "fluorouracil"],
        ["fluoropyrimidine"],
        {"regimen": "CMF"},
        "Komen",
    ),
    (
        "TAC",
        ["docetaxel", "doxorubicin", "cyclophosphamide"],
        ["anthracycline"],
        {"regimen": "TAC"},
        "PDQ",
    ),
    (
        "FEC-T",
        ["fluorouracil", "epirubicin", "cyclophosphamide"],
        ["taxane"],
        {"regimen": "FEC-T"},
        "PDQ",
    ),
    ("AC", ["doxorubicin", "cyclophosphamide"], ["anthracycline"], {"regimen": "AC"}, "PDQ"),
    (
        "AC followed by weekly paclitaxel",
        ["doxorubicin", "cyclophosphamide", "paclitaxel"],
        ["taxane"],
        {"schedule": ["weekly"]},
        "Komen",
    ),
    ("T-DXd", ["trastuzumab deruxtecan"], ["her2_adc", "topo1_payload_adc"], {}, "issue"),
    ("T-DM1", ["trastuzumab emtansine"], ["her2_adc"], {}, "issue"),
    ("SG", ["sacituzumab govitecan"], ["trop2_adc", "topo1_payload_adc"], {}, "issue"),
    ("Dato-DXd", ["datopotamab deruxtecan"], ["trop2_adc", "topo1_payload_adc"], {}, "issue"),
    ("Kadcyla", ["trastuzumab emtansine"], ["her2_adc"], {"brands": ["Kadcyla"]}, "FDA"),
    ("Enhertu", ["trastuzumab deruxtecan"], ["her2_adc"], {"brands": ["Enhertu"]}, "FDA"),
    ("Trodelvy", ["sacituzumab govitecan"], ["trop2_adc"], {"brands": ["Trodelvy"]}, "FDA"),
    ("Datroway", ["datopotamab deruxtecan"], ["trop2_adc"], {"brands": ["Datroway"]}, "FDA"),
    ("Ibrance", ["palbociclib"], ["cdk46_inhibitor"], {}, "FDA"),
    ("Kisqali", ["ribociclib"], ["cdk46_inhibitor"], {}, "FDA"),
    ("Verzenio", ["abemaciclib"], ["cdk46_inhibitor"], {}, "FDA"),
    ("Arimidex", ["anastrozole"], ["aromatase_inhibitor"], {}, "FDA"),
    ("Femara", ["letrozole"], ["aromatase_inhibitor"], {}, "FDA"),
    ("Aromasin", ["exemestane"], ["aromatase_inhibitor"], {}, "FDA"),
    ("Faslodex", ["fulvestrant"], ["serd"], {}, "FDA"),
    ("Orserdu", ["elacestrant"], ["serd"], {}, "FDA"),
    ("Zoladex", ["goserelin"], ["ovarian_function_suppression"], {"brands": ["Zoladex"]}, "FDA"),
    ("Lupron Depot", ["leuprolide"], ["ovarian_function_suppression"], {}, "FDA"),
    ("Keytruda", ["pembrolizumab"], ["pd1_pdl1_inhibitor"], {}, "FDA"),
    ("Tecentriq", ["atezolizumab"], ["pd1_pdl1_inhibitor"], {}, "FDA"),
    ("Jemperli", ["dostarlimab"], ["pd1_pdl1_inhibitor"], {}, "FDA"),
    ("Imfinzi", ["durvalumab"], ["pd1_pdl1_inhibitor"], {}, "FDA"),
    ("Lynparza", ["olaparib"], ["parp_inhibitor"], {}, "FDA"),
    ("Talzenna", ["talazoparib"], ["parp_inhibitor"], {}, "FDA"),
    ("Piqray", ["alpelisib"], ["pi3k_inhibitor"], {}, "FDA"),
    ("Itovebi", ["inavolisib"], ["pi3k_inhibitor"], {}, "FDA"),
    ("Truqap", ["capivasertib"], ["akt_inhibitor"], {}, "FDA"),
    ("Afinitor", ["everolimus"], ["mtor_inhibitor"], {}, "FDA"),
    ("Herceptin", ["trastuzumab"], ["her2_antibody"], {}, "FDA"),
    ("Perjeta", ["pertuzumab"], ["her2_antibody"], {}, "FDA"),
    ("Tukysa", ["tucatinib"], ["her2_tki"], {}, "FDA"),
    ("Nerlynx", ["neratinib"], ["her2_tki"], {}, "FDA"),
    ("Tykerb", ["lapatinib"], ["her2_tki"], {}, "FDA"),
    ("Xeloda", ["capecitabine"], ["fluoropyrimidine"], {}, "FDA"),
    ("Halaven", ["eribulin"], ["chemotherapy"], {}, "FDA"),
    ("Abraxane", ["paclitaxel"], ["taxane"], {}, "breastcancer.org"),
    ("Cytoxan", ["cyclophosphamide"], ["chemotherapy"], {}, "Komen"),
    ("Paraplatin", ["carboplatin"], ["platinum"], {}, "Komen"),
    ("Vitrakvi", ["larotrectinib"], ["trk_inhibitor"], {}, "FDA"),
    ("Rozlytrek", ["entrectinib"], ["trk_inhibitor"], {}, "FDA"),
    ("Augtyro", ["repotrectinib"], ["trk_inhibitor"], {}, "FDA"),
    ("Retevmo", ["selpercatinib"], ["ret_inhibitor"], {}, "FDA"),
    (
        "Tafinlar + Mekinist",
        ["dabrafenib", "trametinib"],
        ["braf_inhibitor", "mek_inhibitor"],
        {},
        "FDA",
    ),
    ("dabrafenib/trametinib", ["dabrafenib", "trametinib"], ["braf_inhibitor"], {}, "clinic"),
    ("giredestrant", ["giredestrant"], ["serd"], {}, "contracts"),
    ("GDC-9545", ["giredestrant"], ["serd"], {}, "NCIt synonym"),
    ("cisplatin", ["cisplatin"], ["platinum"], {}, "contracts"),
    ("5-FU", ["fluorouracil"], ["fluoropyrimidine"], {}, "Komen"),
    ("triptorelin", ["triptorelin"], ["ovarian_function_suppression"], {}, "contracts"),
    ("leuprolide", ["leuprolide"], ["ovarian_function_suppression"], {}, "contracts"),
    ("OFS", [], ["ovarian_function_suppression", "endocrine_therapy"], {}, "clinic"),
    ("GnRH agonist", [], ["ovarian_function_suppression"], {}, "clinic"),
    (
        "letrozole + ribociclib + OFS",
        ["letrozole", "ribociclib"],
        ["ovarian_function_suppression", "cdk46_inhibitor"],
        {},
        "clinic",
    ),
    (
        "exemestane + goserelin",
        ["exemestane", "goserelin"],
        ["ovarian_function_suppression"],
        {},
        "clinic",
    ),
    (
        "tamoxifen + OFS, adjuvant",
        ["tamoxifen"],
        ["serm", "ovarian_function_suppression"],
        {"setting": "adjuvant"},
        "clinic",
    ),
    (
        "letrozole + palbociclib",
        ["letrozole", "palbociclib"],
        ["aromatase_inhibitor", "cdk46_inhibitor"],
        {},
        "docs",
    ),
    ("letrozole/palbociclib", ["letrozole", "palbociclib"], ["cdk46_inhibitor"], {}, "clinic"),
    ("1L letrozole + palbociclib", ["letrozole", "palbociclib"], [], {"line": 1}, "clinic"),
    (
        "fulvestrant + abemaciclib, 2nd line",
        ["fulvestrant", "abemaciclib"],
        [],
        {"line": 2},
        "clinic",
    ),
    ("second-line capecitabine", ["capecitabine"], [], {"line": 2}, "clinic"),
    (
        "weekly paclitaxel x12",
        ["paclitaxel"],
        ["taxane"],
        {"schedule": ["weekly"], "cycles": 12},
        "clinic",
    ),
    (
        "T-DXd 5.4 mg/kg q3w",
        ["trastuzumab deruxtecan"],
        [],
        {"schedule": ["every 3 weeks"], "doses": ["5.4 mg/kg"]},
        "clinic / FDA dose",
    ),
    ("capecitabine 1000 mg/m2 bid", ["capecitabine"], [], {"doses": ["1000 mg/m2"]}, "clinic"),
    ("letrozole 2.5 mg daily", ["letrozole"], [], {"schedule": ["daily"]}, "clinic"),
    ("tamoxifen 2015-2020", ["tamoxifen"], [], {"dates": ["2015-2020"]}, "clinic"),
    ("fulvestrant since 03/2022", ["fulvestrant"], [], {"dates": ["03/2022"]}, "clinic"),
    (
        "neoadjuvant TCHP x6",
        ["docetaxel", "pertuzumab"],
        [],
        {"setting": "neoadjuvant", "cycles": 6},
        "clinic",
    ),
    (
        "neoadjuvant TCHP x6 then adjuvant T-DM1",
        ["trastuzumab emtansine"],
        [],
        {"setting": "neoadjuvant"},
        "clinic (KATHERINE)",
    ),
    ("adjuvant AC-T", ["doxorubicin"], [], {"setting": "adjuvant"}, "clinic"),
    ("neo-adjuvant EC-T", ["epirubicin"], [], {"setting": "neoadjuvant"}, "clinic"),
    ("extended adjuvant letrozole", ["letrozole"], [], {"setting": "extended_adjuvant"}, "clinic"),
    ("palliative capecitabine", ["capecitabine"], [], {"setting": "metastatic"}, "clinic"),
    ("olaparib (adjuvant)", ["olaparib"], [], {"setting": "adjuvant"}, "clinic"),
    ("pembrolizumab + chemotherapy", ["pembrolizumab"], ["chemotherapy"], {}, "Komen"),
    ("paclitaxel and carboplatin", ["paclitaxel", "carboplatin"], ["platinum"], {}, "Komen"),
    ("docetaxel and carboplatin", ["docetaxel", "carboplatin"], [], {}, "Komen"),
    ("carbo/taxol", ["carboplatin", "paclitaxel"], [], {}, "Komen"),
    ("trastuzumab + pertuzumab", ["trastuzumab", "pertuzumab"], [], {}, "clinic"),
    ("HP maintenance", ["trastuzumab", "pertuzumab"], [], {"setting": "maintenance"}, "clinic"),
    ("Herceptin Hylecta", ["trastuzumab"], [], {}, "FDA"),
    ("ado-trastuzumab emtansine", ["trastuzumab emtansine"], [], {}, "FDA"),
    ("fam-trastuzumab deruxtecan-nxki", ["trastuzumab deruxtecan"], [], {}, "FDA"),
    ("sacituzumab govitecan-hziy", ["sacituzumab govitecan"], [], {}, "FDA"),
    ("DS-8201a", ["trastuzumab deruxtecan"], [], {}, "DAISY registry"),
    ("AI", [], ["aromatase_inhibitor"], {}, "clinic"),
    ("AI + CDK4/6i", [], ["aromatase_inhibitor", "cdk46_inhibitor"], {}, "clinic"),
    ("CDK4/6 inhibitor", [], ["cdk46_inhibitor"], {}, "clinic"),
    ("chemo", [], ["chemotherapy"], {}, "clinic"),
    ("PD-1 inhibitor", [], ["pd1_pdl1_inhibitor", "immune_checkpoint_inhibitor"], {}, "clinic"),
    ("platinum-based chemotherapy", [], ["platinum", "chemotherapy"], {}, "clinic"),
    ("nab-paclitaxel", ["paclitaxel"], [], {}, "clinic"),
    ("eribulin (Halaven), 3rd line", ["eribulin"], [], {"line": 3}, "clinic"),
    ("ribociclib (Kisqali) + letrozole (Femara)", ["ribociclib", "letrozole"], [], {}, "clinic"),
    (
        "capivasertib + fulvestrant",
        ["capivasertib", "fulvestrant"],
        ["akt_inhibitor", "serd"],
        {},
        "CAPItello-291",
    ),
    ("alpelisib plus fulvestrant", ["alpelisib", "fulvestrant"], [], {}, "SOLAR-1"),
    ("everolimus with exemestane", ["everolimus", "exemestane"], [], {}, "BOLERO-2"),
    (
        "tucatinib + trastuzumab + capecitabine",
        ["tucatinib", "trastuzumab", "capecitabine"],
        [],
        {},
        "HER2CLIMB",
    ),
    ("elacestrant (Orserdu)", ["elacestrant"], [], {"brands": ["Orserdu"]}, "FDA"),
    ("ongoing fulvestrant", ["fulvestrant"], [], {"status": "ongoing"}, "clinic"),
    ("TAM", ["tamoxifen"], ["serm"], {}, "clinic"),
    (
        "inavolisib + palbociclib + fulvestrant",
        ["inavolisib", "palbociclib", "fulvestrant"],
        [],
        {},
        "INAVO120",
    ),
]

THERAPY_NOT_UNDERSTOOD: list[tuple[str, str]] = [
    ("magic potion", "magic potion"),
    ("letrozole + herbal tea", "herbal tea"),
    ("zzzumab", "zzzumab"),
    ("olaparib (adjuvant, OlympiA)", "OlympiA"),
]


@pytest.fixture(scope="module")
def parser() -> AlterationParser:
    return AlterationParser(load_kb())


@pytest.fixture(scope="module")
def therapies() -> TherapyNormaliser:
    return TherapyNormaliser(load_kb())


def test_corpus_has_at_least_300_strings() -> None:
    n = (
        len(MSK_STRINGS)
        + len(VARIANTS)
        + len(MULTI)
        + len(NOT_UNDERSTOOD)
        + len(THERAPIES)
        + len(THERAPY_NOT_UNDERSTOOD)
    )
    assert n >= 300, n


@pytest.mark.parametrize(("text", "gene", "change", "truncating", "src"), MSK_STRINGS)
def test_msk_protein_forms_read_alike(
    parser: AlterationParser, text: str, gene: str, change: str, truncating: bool, src: str
) -> None:
    p = parser.parse(text)
    assert isinstance(p, ParsedAlteration), (text, p)
    assert (p.gene, p.event, p.protein_change, p.truncating) == (
        gene,
        "mutation",
        change,
        truncating,
    )


@pytest.mark.parametrize(("text", "gene", "event", "change", "attrs", "src"), VARIANTS)
def test_variant_phrasings(
    parser: AlterationParser,
    text: str,
    gene: str,
    event: str,
    change: str | None,
    attrs: dict[str, Any],
    src: str,
) -> None:
    p = parser.parse(text)
    assert isinstance(p, ParsedAlteration), (text, p)
    assert (p.gene, p.event, p.protein_change) == (gene, event, change)
    got = {**p.attributes(), **({"partner": p.partner} if p.partner else {})}
    for key, value in attrs.items():
        assert got.get(key) == value, (text, key, got)


@pytest.mark.parametrize(("text", "labels", "src"), MULTI)
def test_several_findings_in_one_item(
    parser: AlterationParser, text: str, labels: list[str], src: str
) -> None:
    parts = parser.parse_all(text)
    assert [p.label for p in parts if isinstance(p, ParsedAlteration)] == labels


@pytest.mark.parametrize(("text", "reason", "src"), NOT_UNDERSTOOD)
def test_not_understood_says_why(
    parser: AlterationParser, text: str, reason: str, src: str
) -> None:
    p = parser.parse(text)
    assert isinstance(p, Unrecognised), (text, p)
    assert reason in p.reason


@pytest.mark.parametrize(("text", "agents", "classes", "quals", "src"), THERAPIES)
def test_therapy_strings(
    therapies: TherapyNormaliser,
    text: str,
    agents: list[str],
    classes: list[str],
    quals: dict[str, Any],
    src: str,
) -> None:
    r = therapies.read(text)
    assert r.not_understood == [], (text, r.not_understood)
    for a in agents:
        assert a in r.agents, (text, r.agents)
    if not agents:
        assert r.agents == [], (text, r.agents)
    for c in classes:
        assert c in r.classes, (text, r.classes)
    for key, value in quals.items():
        assert getattr(r, key) == value, (text, key, getattr(r, key))


@pytest.mark.parametrize(("text", "unknown"), THERAPY_NOT_UNDERSTOOD)
def test_therapy_not_understood_names_the_words(
    therapies: TherapyNormaliser, text: str, unknown: str
) -> None:
    r = therapies.read(text)
    assert r.not_understood, text
    assert any(unknown in part or unknown in why for part, why in r.not_understood)

"""Derive src/her2scope/data/drug_vocabulary.tsv: drug terms, NCIt codes and regimen acronyms.

The table the therapy reader (her2scope.notation.therapies) uses beside the
knowledge base's therapies.yaml (which stays the source of drug classes):

- ``generic``/``brand``/``code``/``abbreviation`` rows map a written term to a
  knowledge-base therapy name. Generic names and their synonyms come from
  therapies.yaml; further brands, code names and abbreviations are listed
  below with the public page that prints them.
- NCI Thesaurus (NCIt) concept codes of the generic names, as OncoKB's drug
  list carries them in cBioPortal's frontend
  (cBioPortal/cbioportal-frontend, src/pages/patientView/therapyRecommendation/
  form/data/Drugs.tsx at commit 18aec07037edbfa1900d61dccc6200105a6d7755,
  read 2026-12-07). Pass that file with ``--oncokb-drugs`` to re-read the
  codes; without it the codes recorded below (copied from it) are used.
- ``regimen`` rows: acronyms with their agents; a member written as a class
  (``T`` of AC-T: paclitaxel or docetaxel) is kept as the class, not guessed.

Run: python scripts/derive_drug_vocabulary.py [--oncokb-drugs Drugs.tsx]
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
KB = ROOT / "src/her2scope/data/kb/therapies.yaml"
OUT = ROOT / "src/her2scope/data/drug_vocabulary.tsv"

ONCOKB_DRUGS = (
    "cBioPortal/cbioportal-frontend@18aec07 Drugs.tsx (OncoKB drug list with NCIt codes)"
)
KOMEN = "https://www.komen.org/breast-cancer/treatment/type/chemotherapy/drugs/ (accessed 2026-12-07)"
PDQ = (
    "NCI PDQ Breast Cancer Treatment, Table: Standard Adjuvant Chemotherapy Regimens "
    "(AC, AC-T, CAF, TAC, TC abbreviations) (accessed 2026-12-07)"
)
KARIA = "https://kariahealth.com/available-breast-cancer-treatment-regimens (accessed 2026-12-07)"
BCO = "https://www.breastcancer.org/treatment/chemotherapy/your_chemo_combo (accessed 2026-12-07)"
FDA = "FDA label (Drugs@FDA) proprietary name"

#: NCIt codes as OncoKB's list in cBioPortal prints them (name there -> our generic name)
NCIT_FROM_ONCOKB: dict[str, tuple[str, str]] = {
    "abemaciclib": ("C97660", "Abemaciclib"),
    "trastuzumab emtansine": ("C82492", "Ado-Trastuzumab Emtansine"),
    "alpelisib": ("C94214", "Alpelisib"),
    "capivasertib": ("C102564", "AZD5363"),
    "buparlisib": ("C90565", "Buparlisib"),
    "cetuximab": ("C1723", "Cetuximab"),
    "cisplatin": ("C376", "Cisplatin"),
    "dabrafenib": ("C82386", "Dabrafenib"),
    "entrectinib": ("C114984", "Entrectinib"),
    "everolimus": ("C48387", "Everolimus"),
    "fulvestrant": ("C1379", "Fulvestrant"),
    "inavolisib": ("C132166", "GDC-0077"),
    "gefitinib": ("C1855", "Gefitinib"),
    "lapatinib": ("C26653", "Lapatinib"),
    "larotrectinib": ("C115977", "Larotrectinib"),
    "neratinib": ("C49094", "Neratinib"),
    "nivolumab": ("C68814", "Nivolumab"),
    "olaparib": ("C71721", "Olaparib"),
    "palbociclib": ("C49176", "Palbociclib"),
    "pembrolizumab": ("C106432", "Pembrolizumab"),
    "pertuzumab": ("C38692", "Pertuzumab"),
    "ribociclib": ("C95701", "Ribociclib"),
    "ruxolitinib": ("C77888", "Ruxolitinib"),
    "selpercatinib": ("C134987", "Selpercatinib"),
    "talazoparib": ("C95733", "Talazoparib"),
    "trametinib": ("C77908", "Trametinib"),
    "trastuzumab": ("C1647", "Trastuzumab"),
    "trastuzumab deruxtecan": ("C128799", "Trastuzumab Deruxtecan"),
}

#: terms beyond therapies.yaml: (term, kind, generic name, source)
EXTRA_TERMS: list[tuple[str, str, str, str]] = [
    ("Cytoxan", "brand", "cyclophosphamide", KOMEN),
    ("Ellence", "brand", "epirubicin", KOMEN),
    ("Paraplatin", "brand", "carboplatin", KOMEN),
    ("Abraxane", "brand", "paclitaxel", BCO),
    ("nab-P", "abbreviation", "paclitaxel", BCO),
    ("Navelbine", "brand", "vinorelbine", FDA),
    ("Gemzar", "brand", "gemcitabine", FDA),
    ("Herceptin Hylecta", "brand", "trastuzumab", FDA),
    ("Ogivri", "brand", "trastuzumab", FDA),
    ("Kanjinti", "brand", "trastuzumab", FDA),
    ("Trazimera", "brand", "trastuzumab", FDA),
    ("Herzuma", "brand", "trastuzumab", FDA),
    ("Ontruzant", "brand", "trastuzumab", FDA),
    ("Hercessi", "brand", "trastuzumab", FDA),
    ("trastuzumab-dkst", "generic", "trastuzumab", FDA),
    ("trastuzumab-anns", "generic", "trastuzumab", FDA),
    ("trastuzumab-qyyp", "generic", "trastuzumab", FDA),
    ("trastuzumab-pkrb", "generic", "trastuzumab", FDA),
    ("trastuzumab-dttb", "generic", "trastuzumab", FDA),
    ("TDM-1", "abbreviation", "trastuzumab emtansine", "clinic abbreviation of T-DM1"),
    ("DS-8201a", "code", "trastuzumab deruxtecan", "DAISY trial registry NCT04132960"),
    ("DS-1062", "code", "datopotamab deruxtecan", "ICARUS-LUNG01 registry NCT04940325"),
    ("DS-1062a", "code", "datopotamab deruxtecan", "ICARUS-LUNG01 registry NCT04940325"),
    ("LY2835219", "code", "abemaciclib", "NCIt synonym"),
    ("LEE011", "code", "ribociclib", "NCIt synonym"),
    ("PD-0332991", "code", "palbociclib", "NCIt synonym"),
    ("PD0332991", "code", "palbociclib", "NCIt synonym"),
    ("LY3484356", "code", "imlunestrant", "NCIt synonym"),
    ("GDC-0077", "code", "inavolisib", ONCOKB_DRUGS),
    ("AZD2281", "code", "olaparib", "NCIt synonym"),
    ("BMN 673", "code", "talazoparib", "NCIt synonym"),
    ("MK-3475", "code", "pembrolizumab", "NCIt synonym"),
    ("HKI-272", "code", "neratinib", "NCIt synonym"),
    ("ONT-380", "code", "tucatinib", "NCIt synonym"),
    ("RAD001", "code", "everolimus", "NCIt synonym"),
    ("pembro", "abbreviation", "pembrolizumab", "clinic abbreviation"),
    ("cape", "abbreviation", "capecitabine", "clinic abbreviation"),
    ("carbo", "abbreviation", "carboplatin", "clinic abbreviation"),
    ("TAM", "abbreviation", "tamoxifen", "clinic abbreviation"),
    ("adriamycin", "brand", "doxorubicin", KOMEN),
    ("taxotere", "brand", "docetaxel", KOMEN),
    ("taxol", "brand", "paclitaxel", KOMEN),
]

#: regimen acronyms: (acronym, agents, classes for members written as a class, source)
REGIMENS: list[tuple[str, list[str], list[str], str]] = [
    ("AC", ["doxorubicin", "cyclophosphamide"], [], PDQ),
    ("EC", ["epirubicin", "cyclophosphamide"], [], KOMEN),
    ("AC-T", ["doxorubicin", "cyclophosphamide"], ["taxane"], KOMEN),
    ("AC->T", ["doxorubicin", "cyclophosphamide"], ["taxane"], KOMEN),
    ("ACT", ["doxorubicin", "cyclophosphamide"], ["taxane"], KARIA),
    ("ddAC-T", ["doxorubicin", "cyclophosphamide"], ["taxane"], PDQ),
    ("ddAC", ["doxorubicin", "cyclophosphamide"], [], PDQ),
    ("ddAC-P", ["doxorubicin", "cyclophosphamide", "paclitaxel"], [], PDQ),
    ("AC-P", ["doxorubicin", "cyclophosphamide", "paclitaxel"], [], PDQ),
    ("AC-D", ["doxorubicin", "cyclophosphamide", "docetaxel"], [], PDQ),
    ("EC-T", ["epirubicin", "cyclophosphamide"], ["taxane"], KOMEN),
    ("EC-P", ["epirubicin", "cyclophosphamide", "paclitaxel"], [], KOMEN),
    ("EC-D", ["epirubicin", "cyclophosphamide", "docetaxel"], [], KOMEN),
    ("AC-TH", ["doxorubicin", "cyclophosphamide", "trastuzumab"], ["taxane"], KARIA),
    ("AC-THP", ["doxorubicin", "cyclophosphamide", "trastuzumab", "pertuzumab"], ["taxane"], KARIA),
    ("TC", ["docetaxel", "cyclophosphamide"], [], PDQ),
    ("TAC", ["docetaxel", "doxorubicin", "cyclophosphamide"], [], PDQ),
    ("CAF", ["cyclophosphamide", "doxorubicin", "fluorouracil"], [], PDQ),
    ("FAC", ["fluorouracil", "doxorubicin", "cyclophosphamide"], [], BCO),
    ("FEC", ["fluorouracil", "epirubicin", "cyclophosphamide"], [], PDQ),
    ("FEC-T", ["fluorouracil", "epirubicin", "cyclophosphamide"], ["taxane"], PDQ),
    ("FEC-D", ["fluorouracil", "epirubicin", "cyclophosphamide", "docetaxel"], [], PDQ),
    ("CMF", ["cyclophosphamide", "methotrexate", "fluorouracil"], [], KOMEN),
    ("TCH", ["docetaxel", "carboplatin", "trastuzumab"], [], KARIA),
    ("TCHP", ["docetaxel", "carboplatin", "trastuzumab", "pertuzumab"], [], KARIA),
    ("TCPH", ["docetaxel", "carboplatin", "trastuzumab", "pertuzumab"], [], KARIA),
    ("THP", ["trastuzumab", "pertuzumab"], ["taxane"], KARIA),
    ("TH", ["trastuzumab"], ["taxane"], KARIA),
    ("HP", ["trastuzumab", "pertuzumab"], [], KARIA),
    ("PH", ["trastuzumab", "pertuzumab"], [], KARIA),
    ("Phesgo", ["pertuzumab", "trastuzumab"], [], FDA + " (pertuzumab, trastuzumab, hyaluronidase-zzxf)"),
    ("PHESGO", ["pertuzumab", "trastuzumab"], [], FDA + " (pertuzumab, trastuzumab, hyaluronidase-zzxf)"),
    ("AT", ["doxorubicin", "docetaxel"], [], BCO),
    ("carbo/taxol", ["carboplatin", "paclitaxel"], [], KOMEN),
    ("GC", ["gemcitabine", "carboplatin"], [], "clinic abbreviation (gemcitabine + carboplatin)"),
]


def read_oncokb(path: Path) -> dict[str, str]:
    """``Drugs.tsx`` -> {drug name as printed: NCIt code}."""
    text = path.read_text("utf-8")
    pairs = re.findall(r"ncit_code:\s*'(C\d+)',\s*name:\s*'([^']+)'", text)
    return {name: code for code, name in pairs}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--oncokb-drugs", type=Path, help="cBioPortal frontend Drugs.tsx")
    args = ap.parse_args()
    ncit = dict(NCIT_FROM_ONCOKB)
    if args.oncokb_drugs:
        read = read_oncokb(args.oncokb_drugs)
        for generic, (_, printed) in list(ncit.items()):
            if printed in read:
                ncit[generic] = (read[printed], printed)
            else:
                del ncit[generic]
    kb = yaml.safe_load(KB.read_text("utf-8"))
    names = {t["name"] for t in kb["therapies"]}
    rows: list[tuple[str, ...]] = []
    for t in kb["therapies"]:
        code = ncit.get(t["name"], ("", ""))[0]
        src = ONCOKB_DRUGS if code else "therapies.yaml"
        rows.append((t["name"], "generic", t["name"], code, "", "", src))
        for s in t.get("synonyms", []):
            rows.append((str(s), "synonym", t["name"], "", "", "", "therapies.yaml"))
    for term, kind, name, src in EXTRA_TERMS:
        if name not in names:
            raise SystemExit(f"{term}: {name} is not a therapy in therapies.yaml")
        rows.append((term, kind, name, "", "", "", src))
    class_ids = {c["id"] for c in kb["therapy_classes"]}
    for acronym, agents, classes, src in REGIMENS:
        for a in agents:
            if a not in names:
                raise SystemExit(f"{acronym}: {a} is not a therapy in therapies.yaml")
        for c in classes:
            if c not in class_ids:
                raise SystemExit(f"{acronym}: {c} is not a therapy class")
        rows.append((acronym, "regimen", acronym, "", "|".join(agents), "|".join(classes), src))
    seen: set[tuple[str, str]] = set()
    lines = [
        "# Drug and regimen vocabulary; derived by scripts/derive_drug_vocabulary.py (do not edit).",
        "# NCIt codes: OncoKB's drug list in cBioPortal's frontend (see the script); classes live in",
        "# data/kb/therapies.yaml. Regimen members written as a class (T = a taxane) stay a class.",
        "term\tkind\tname\tncit_code\tagents\tclasses\tsource",
    ]
    for row in rows:
        key = (row[0].lower(), row[1] == "regimen" and "r" or "t")
        if key in seen:
            continue
        seen.add(key)
        lines.append("\t".join(row))
    OUT.write_text("\n".join(lines) + "\n", "utf-8")
    print(f"wrote {len(lines) - 4} rows to {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()

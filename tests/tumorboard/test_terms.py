"""Free-form alterations and therapy names -> KB terms."""

from __future__ import annotations

import pytest

from her2scope.kb import AlterationParser, TherapyNormaliser, load_kb
from her2scope.tumorboard.terms import ParsedAlteration, Unrecognised, normalise_protein_change


@pytest.fixture(scope="module")
def parser() -> AlterationParser:
    return AlterationParser(load_kb())


@pytest.mark.parametrize(
    ("text", "gene", "event", "change", "biomarker"),
    [
        ("ESR1 Y537S", "ESR1", "mutation", "Y537S", "esr1_y537s"),
        ("ESR1 p.Y537S", "ESR1", "mutation", "Y537S", "esr1_y537s"),
        ("ESR1 p.Tyr537Ser", "ESR1", "mutation", "Y537S", "esr1_y537s"),
        ("esr1 d538g", "ESR1", "mutation", "D538G", "esr1_lbd_mutation"),
        ("ESR1 F404L", "ESR1", "mutation", "F404L", "esr1_f404"),
        ("FGFR1 amplification", "FGFR1", "amplification", None, "fgfr1_amplification"),
        ("FGFR1 amp", "FGFR1", "amplification", None, "fgfr1_amplification"),
        ("PTEN loss", "PTEN", "loss", None, "pten_loss"),
        ("PTEN deletion", "PTEN", "deletion", None, "pten_loss"),
        ("ERBB2 L755S", "ERBB2", "mutation", "L755S", "erbb2_l755s"),
        ("HER2 V777L", "ERBB2", "mutation", "V777L", "erbb2_activating_mutation"),
        ("NF1 loss", "NF1", "loss", None, "nf1_loss"),
        ("NF1 R1276*", "NF1", "mutation", "R1276*", "nf1_loss"),
        ("NF1 Q514Rfs*43", "NF1", "mutation", "Q514Rfs*43", "nf1_loss"),
        ("ESR1 fusion", "ESR1", "fusion", None, "esr1_fusion"),
        ("ESR1-CCDC170 fusion", "ESR1", "fusion", None, "esr1_fusion"),
        ("ERBB2 mutation", "ERBB2", "mutation", None, "erbb2_activating_mutation"),
        ("PIK3CA H1047R", "PIK3CA", "mutation", "H1047R", "pik3ca_h1047r"),
        ("PIK3CA p.Glu545Lys", "PIK3CA", "mutation", "E545K", "pik3ca_activating_mutation"),
        ("AKT1 E17K", "AKT1", "mutation", "E17K", "akt1_alteration"),
        ("CCND1 amp", "CCND1", "amplification", None, "ccnd1_amplification"),
    ],
)
def test_free_forms_parse_and_match(
    parser: AlterationParser, text: str, gene: str, event: str, change: str | None, biomarker: str
) -> None:
    parsed, hits, problem = parser.match(text)
    assert problem is None
    assert isinstance(parsed, ParsedAlteration)
    assert (parsed.gene, parsed.event, parsed.protein_change) == (gene, event, change)
    assert biomarker in {b.id for b in hits}


def test_specific_allele_not_matched_by_unspecified_mutation(parser: AlterationParser) -> None:
    _, hits, _ = parser.match("ERBB2 mutation")
    assert "erbb2_l755s" not in {b.id for b in hits}
    _, hits, _ = parser.match("ESR1 Y537S")
    assert {"esr1_y537s", "esr1_lbd_mutation"} <= {b.id for b in hits}


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("FOO1 X12Y", "gene FOO1 is not in the knowledge base"),
        ("PTEN", "no event"),
        ("ESR1 A100T", "not a listed ESR1 alteration"),
        ("NF1 R1000C", "not a listed NF1 alteration"),
        ("??? weird", "gene symbol"),
        ("ESR1 frobnicated", "cannot read"),
    ],
)
def test_unrecognised_alterations_say_why(parser: AlterationParser, text: str, reason: str) -> None:
    _, hits, problem = parser.match(text)
    assert hits == []
    assert isinstance(problem, Unrecognised)
    assert reason in problem.reason


def test_non_genomic_markers_by_alias(parser: AlterationParser) -> None:
    for text, bid in [
        ("p95HER2 positive", "p95her2"),
        ("CD16A F158", "fcgr3a_f158"),
        ("PD-L1 positive", "pdl1_positive"),
        ("HER2 heterogeneity", "her2_heterogeneity"),
        ("MUC4 high", "muc4_masking"),
    ]:
        _, hits, problem = parser.match(text)
        assert problem is None and [b.id for b in hits] == [bid], text


def test_protein_change_normalisation() -> None:
    assert normalise_protein_change("p.Tyr537Ser") == ("Y537S", False)
    assert normalise_protein_change("Arg1276Ter") == ("R1276*", True)
    assert normalise_protein_change("X1283_splice") == ("X1283_splice", True)
    assert normalise_protein_change("amplification") is None


def test_therapy_synonyms_and_classes() -> None:
    norm = TherapyNormaliser(load_kb())
    res = norm.normalise(
        [
            "T-DM1",
            "ado-trastuzumab emtansine",
            "T-DXd",
            "letrozole + palbociclib",
            "AI",
            "CDK4/6i",
            "SERD",
            "chemotherapy",
            "Enhertu",
            "magic potion",
        ]
    )
    assert res.names == [
        "trastuzumab emtansine",
        "trastuzumab deruxtecan",
        "letrozole",
        "palbociclib",
    ]
    for cls in (
        "aromatase_inhibitor",
        "endocrine_therapy",
        "cdk46_inhibitor",
        "serd",
        "her2_adc",
        "chemotherapy",
    ):
        assert cls in res.classes
    assert [u.text for u in res.unrecognised] == ["magic potion"]


@pytest.mark.parametrize(
    ("word", "name"),
    [
        ("anastrozole", "anastrozole"),
        ("exemestane", "exemestane"),
        ("tamoxifen", "tamoxifen"),
        ("fulvestrant", "fulvestrant"),
        ("elacestrant", "elacestrant"),
        ("ribociclib", "ribociclib"),
        ("abemaciclib", "abemaciclib"),
        ("trastuzumab emtansine", "trastuzumab emtansine"),
        ("trastuzumab deruxtecan", "trastuzumab deruxtecan"),
        ("lapatinib", "lapatinib"),
        ("tucatinib", "tucatinib"),
        ("neratinib", "neratinib"),
        ("alpelisib", "alpelisib"),
        ("capivasertib", "capivasertib"),
        ("everolimus", "everolimus"),
        ("pertuzumab", "pertuzumab"),
    ],
)
def test_each_drug_name_normalises(word: str, name: str) -> None:
    assert TherapyNormaliser(load_kb()).normalise([word]).names == [name]


def test_aromatase_inhibitor_word_gives_class() -> None:
    res = TherapyNormaliser(load_kb()).normalise(["aromatase inhibitor"])
    assert res.names == [] and "aromatase_inhibitor" in res.classes

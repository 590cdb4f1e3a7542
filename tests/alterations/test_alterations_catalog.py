"""The alteration catalog: built-in content against the seed, user files, schema errors."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from her2scope.alterations import (
    CBIOPORTAL_CLASSES,
    NONSYN_CLASSES,
    default_catalog_path,
    load_catalog,
)
from her2scope.errors import ConfigError, SchemaError

SEED = "000_9553966c445419f9.txt"

REQUIRED = {
    "ESR1_mut": "ER", "ESR1_amp": "ER",
    "FOXA1_mut": "TF", "MYC_amp": "TF", "ARID1A_mut": "TF", "CTCF_mut": "TF",
    "TBX3_mut": "TF", "GATA3_mut": "TF",
    "KRAS_mut": "MAPK", "NF1_alt": "MAPK", "ERBB2_mut": "MAPK", "FGFR1_2_alt": "MAPK",
    "EGFR_amp": "MAPK", "IGF1R_amp": "MAPK", "BRAF_mut": "MAPK",
    "AKT1_alt": "PI3K", "AKT2_amp": "PI3K", "PIK3CA_mut": "PI3K", "PTEN_alt": "PI3K",
    "MTOR_mut": "PI3K",
    "RB1_alt": "CDK46", "CCND1_amp": "CDK46", "CDK4_amp": "CDK46", "CCNE1_amp": "CDK46",
}  # fmt: skip

# Published Table 1 figures as printed in the seed's sections 2.1-2.3.
SEED_COUNTS = {
    "ESR1_mut": (89, 147), "FOXA1_mut": (51, 76), "MYC_amp": (100, 157),
    "ARID1A_mut": (63, 100), "CTCF_mut": (18, 31), "TBX3_mut": (54, 86),
    "KRAS_mut": (8, 12), "NF1_alt": (52, 93), "ERBB2_mut": (44, 77),
    "FGFR1_2_alt": (164, 257), "EGFR_amp": (14, 22), "IGF1R_amp": (22, 39),
    "AKT1_alt": (66, 105), "AKT2_amp": (10, 15), "PIK3CA_mut": (445, 686),
}  # fmt: skip


def test_builtin_catalog_has_required_entries_and_classes() -> None:
    catalog = load_catalog()
    for alteration_id, mechanism_class in REQUIRED.items():
        assert catalog[alteration_id].mechanism_class == mechanism_class, alteration_id
    assert catalog.mutation_classes == "cbioportal"
    for entry in catalog:
        assert SEED in entry.source, entry.id
        assert re.search(r"refs? \d", entry.source), entry.id


def test_builtin_event_shapes() -> None:
    catalog = load_catalog()
    assert {e.type for e in catalog["NF1_alt"].events} == {"mut", "homdel"}
    assert {e.type for e in catalog["PTEN_alt"].events} == {"mut", "homdel"}
    assert {e.type for e in catalog["RB1_alt"].events} == {"mut", "homdel"}
    assert {e.type for e in catalog["AKT1_alt"].events} == {"mut", "amp"}
    assert catalog["FGFR1_2_alt"].genes == ("FGFR1", "FGFR2")
    assert {e.type for e in catalog["FGFR1_2_alt"].events} == {"amp", "mut", "fusion"}
    lbd = catalog["ESR1_lbd_mut"].events[0]
    assert "Y537" in lbd.residues and "D538G" in lbd.exact_changes


def test_seed_table1_figures() -> None:
    catalog = load_catalog()
    reported = {e.id: e.seed_table1 for e in catalog if e.seed_table1 is not None}
    assert set(reported) == {*SEED_COUNTS, "PTEN_alt"}
    for alteration_id, (low, known) in SEED_COUNTS.items():
        figure = reported[alteration_id]
        assert figure is not None
        assert (figure.n_her2_low, figure.n_her2_known) == (low, known)
        assert f"{low}/{known}" in figure.text
    pten = reported["PTEN_alt"]
    assert pten is not None and pten.n_her2_low is None and pten.text == "67%"
    assert pten.fraction is None


def test_seed_percentages_match_counts_except_nf1() -> None:
    """The printed percentage agrees with the counts everywhere but NF1 (52/93 is 56%, not 67%)."""
    mismatched = set()
    for entry in load_catalog():
        figure = entry.seed_table1
        if figure is None or figure.fraction is None:
            continue
        percent = int(re.search(r"(\d+)%", figure.text).group(1))  # type: ignore[union-attr]
        if round(100 * figure.fraction) != percent:
            mismatched.add(entry.id)
    assert mismatched == {"NF1_alt"}


def test_class_sets() -> None:
    catalog = load_catalog()
    assert catalog.classes("nonsyn") == NONSYN_CLASSES
    assert catalog.classes() == CBIOPORTAL_CLASSES
    assert set(CBIOPORTAL_CLASSES) - set(NONSYN_CLASSES) == {"Splice_Region"}
    assert "Silent" not in CBIOPORTAL_CLASSES
    with pytest.raises(ConfigError, match="unknown mutation class set"):
        catalog.classes("everything")


USER_CATALOG = """
mutation_classes: strict
class_sets:
  strict: [Missense_Mutation, Nonsense_Mutation]
alterations:
  PIK3CA_hot:
    label: PIK3CA hotspot
    mechanism_class: PI3K
    genes: [PIK3CA]
    events: [{type: mut, hotspot_only: true, protein_changes: ["p.H1047R", E545]}]
    source: my lab
"""


def test_user_catalog_file(tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text(USER_CATALOG)
    catalog = load_catalog(path)
    assert catalog.ids == ("PIK3CA_hot",)
    event = catalog["PIK3CA_hot"].events[0]
    assert event.hotspot_only and event.exact_changes == ("H1047R",) and event.residues == ("E545",)
    assert catalog.classes() == ("Missense_Mutation", "Nonsense_Mutation")


def _broken(tmp_path: Path, text: str) -> SchemaError:
    path = tmp_path / "broken.yaml"
    path.write_text(text)
    with pytest.raises(SchemaError) as info:
        load_catalog(path)
    assert info.value.file == str(path)
    assert str(path) in info.value.one_line()
    assert "\n" not in info.value.one_line()
    return info.value


ENTRY = """
alterations:
  X_mut:
    label: X
    mechanism_class: {mc}
    genes: [X]
    events: [{{type: {et}}}]
{source}
"""


def test_unknown_mechanism_class(tmp_path: Path) -> None:
    err = _broken(tmp_path, ENTRY.format(mc="HORMONE", et="mut", source="    source: s"))
    assert err.column == "alterations.X_mut.mechanism_class"
    assert "HORMONE" in err.message


def test_missing_source(tmp_path: Path) -> None:
    err = _broken(tmp_path, ENTRY.format(mc="ER", et="mut", source=""))
    assert err.column == "alterations.X_mut.source"
    assert "missing" in err.message


def test_unknown_event_type(tmp_path: Path) -> None:
    err = _broken(tmp_path, ENTRY.format(mc="ER", et="gain", source="    source: s"))
    assert err.column == "alterations.X_mut.events.0.type"
    assert "gain" in err.message


def test_mutation_options_on_cna_event_refused(tmp_path: Path) -> None:
    text = ENTRY.format(mc="ER", et="amp, hotspot_only: true", source="    source: s")
    err = _broken(tmp_path, text)
    assert err.column is not None and err.column.startswith("alterations.X_mut.events.0")


def test_unknown_key_and_bad_yaml(tmp_path: Path) -> None:
    err = _broken(tmp_path, ENTRY.format(mc="ER", et="mut", source="    source: s\n    sorce: t"))
    assert err.column == "alterations.X_mut.sorce"
    err = _broken(tmp_path, "alterations: [unclosed\n  x: 1\n")
    assert err.line is not None


def test_unknown_class_set_in_file(tmp_path: Path) -> None:
    err = _broken(
        tmp_path,
        "mutation_classes: all\n" + ENTRY.format(mc="ER", et="mut", source="    source: s"),
    )
    assert "all" in err.message


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_catalog(tmp_path / "nope.yaml")


def test_default_path_is_packaged() -> None:
    assert default_catalog_path().name == "catalog.yaml"
    assert default_catalog_path().is_file()

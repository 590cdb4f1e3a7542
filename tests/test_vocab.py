"""Each vocabulary has one home (src/her2scope/vocab.py): no literal of it written twice.

A tuple, list, set or ``Literal[...]`` whose strings are three or more words of one
vocabulary (HER2 categories, mechanism classes, MAF variant classes,
ambiguity policies, profile names) may appear only in vocab.py; everywhere
else reads the names from there.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from her2scope import vocab
from her2scope.cohort.options import AnalysisOptions
from her2scope.cohort.table1.compute import sensitivity
from her2scope.errors import ConfigError

SRC = Path(__file__).resolve().parents[1] / "src" / "her2scope"
HOME = SRC / "vocab.py"
DEMO = Path(__file__).resolve().parents[1] / "examples" / "demo_study"

VOCABULARIES = {
    "HER2 categories": set(vocab.HER2_CATEGORIES),
    "mechanism classes": set(vocab.MECHANISM_CLASSES),
    "MAF variant classes": set(vocab.CBIOPORTAL_CLASSES),
    "ambiguity policies": set(vocab.AMBIGUITY_POLICIES),
    "profile names": set(vocab.profile_names()),
}
#: Literal files the study reader owns (the whole MAF specification, not a class set).
READER_SPEC = {SRC / "study" / "readers" / "maf.py", SRC / "synth" / "generate.py"}


def test_reader_spec_files_exist() -> None:
    """The exempted files are real (a moved reader must move its exemption with it)."""
    assert all(p.is_file() for p in READER_SPEC), sorted(map(str, READER_SPEC))


def _string_members(node: ast.AST) -> list[str] | None:
    # lists of names (tuple, list, set, Literal[...]); a dict keyed by a vocabulary is
    # a table about it (labels, file suffixes), not a second copy of the list
    if not isinstance(node, ast.Tuple | ast.List | ast.Set):
        return None
    elts = node.elts
    strings = [e.value for e in elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
    return strings if len(strings) == len(elts) else None


def vocabulary_literals(path: Path) -> list[str]:
    """'file:line vocabulary' for every literal of two or more words of one vocabulary."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        members = _string_members(node)
        if not members or len(members) < 2:
            continue
        for name, words in VOCABULARIES.items():
            # three words or more: two-word pairs such as ("low", "zero") of the
            # her2_group scale, or ("unknown", "equivocal"), are other vocabularies
            hits = sum(m in words for m in members)
            if hits >= min(3, len(words)) and set(members) <= words | {"ALL"}:
                found.append(f"{path.relative_to(SRC)}:{getattr(node, 'lineno', 0)} {name}")
    return found


def test_no_vocabulary_literal_outside_its_home() -> None:
    offenders = []
    for path in sorted(SRC.rglob("*.py")):
        if path == HOME or path in READER_SPEC:
            continue
        offenders += vocabulary_literals(path)
    assert offenders == [], "\n".join(offenders)


def test_the_check_finds_a_planted_copy(tmp_path: Path) -> None:
    planted = SRC / "_planted_for_test.py"
    fake = tmp_path / "x.py"
    fake.write_text('ZERO = ("HER2-0", "HER2-null", "HER2-ultralow")\n', encoding="utf-8")
    # relative_to needs a path under SRC: check the parser on the text directly
    tree_hits = [
        m
        for m in (_string_members(n) for n in ast.walk(ast.parse(fake.read_text(encoding="utf-8"))))
        if m
    ]
    assert tree_hits == [["HER2-0", "HER2-null", "HER2-ultralow"]]
    assert not planted.exists()


def test_zero_family_and_scale() -> None:
    assert {"HER2-0", "HER2-null", "HER2-ultralow"} == vocab.ZERO_CATEGORIES
    assert vocab.ZERO_CATEGORIES | {"HER2-low", "HER2-positive"} == vocab.RESOLVED_CATEGORIES
    assert vocab.ANALYSIS_SCALE == ("HER2-0", "HER2-low", "HER2-positive")


def test_kb_and_catalog_share_mechanism_classes() -> None:
    import typing

    from her2scope.kb.schema import MechanismClass

    assert set(vocab.MECHANISM_CLASSES) < set(typing.get_args(MechanismClass))


def test_profiles_are_discovered_from_the_data_folder() -> None:
    names = vocab.profile_names()
    assert {"ihc-only", "asco-cap-2018", "asco-cap-2023"} <= set(names)
    folder = SRC / "data" / "profiles"
    assert set(names) == {p.stem for p in folder.glob("*.yaml")}


def test_a_new_profile_file_is_picked_up_by_sensitivity(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """sensitivity() asks profile_names() at call time: a new profile joins the grid."""
    import her2scope as hs
    from her2scope.cohort.table1 import compute as cohort

    new = tmp_path / "my-new-profile.yaml"
    text = (SRC / "data" / "profiles" / "ihc-only.yaml").read_text(encoding="utf-8")
    new.write_text(text, encoding="utf-8")
    monkeypatch.setattr(cohort, "profile_names", lambda: ("ihc-only", str(new)))
    study = hs.load_study(DEMO, cache=False)
    grid = sensitivity(study, policies=["low"])
    assert grid["profile"].unique(maintain_order=True).to_list() == ["ihc-only", str(new)]


@pytest.mark.parametrize(
    ("kwargs", "parameter"),
    [
        ({"sample_type": "metastatic"}, "sample_type"),
        ({"hr": "positve"}, "hr"),  # misspelt; "Positive" is accepted (case, issue 27)
        ({"ambiguous": "maybe"}, "ambiguous"),
        ({"profile": "who-2030"}, "profile"),
        ({"cohort": "resistant"}, "cohort"),
        ({"source": "metastasis"}, "source"),
    ],
)
def test_analysis_options_are_checked_at_construction(
    kwargs: dict[str, str], parameter: str
) -> None:
    with pytest.raises(ConfigError) as err:
        AnalysisOptions(**kwargs)  # type: ignore[arg-type]
    message = str(err.value)
    assert parameter in message
    assert "--" not in message  # a parameter, not a command-line flag

"""docs/kb-checklist.md maps every seed section to KB ids; both directions are checked."""

from __future__ import annotations

import re
from pathlib import Path

from her2scope.kb import load_kb

CHECKLIST = Path(__file__).resolve().parents[2] / "docs" / "kb-checklist.md"


def _checklist_ids() -> dict[str, list[str]]:
    by_section: dict[str, list[str]] = {}
    section = ""
    for line in CHECKLIST.read_text(encoding="utf-8").splitlines():
        if line.startswith("### "):
            section = line[4:].strip()
        elif line.startswith("Entries:"):
            by_section.setdefault(section, []).extend(re.findall(r"`([a-z0-9_]+)`", line))
    return by_section


def test_every_checklist_id_exists_in_the_kb() -> None:
    kb_ids = set(load_kb().all_ids())
    for section, ids in _checklist_ids().items():
        missing = [i for i in ids if i not in kb_ids]
        assert not missing, (section, missing)


def test_every_kb_id_appears_in_the_checklist() -> None:
    named = {i for ids in _checklist_ids().values() for i in ids}
    missing = [i for i in load_kb().all_ids() if i not in named]
    assert not missing


def test_checklist_covers_the_seed_headings() -> None:
    sections = set(_checklist_ids())
    for heading in (
        "2.1 ER pathway hyperactivation",
        "2.5 Subtype switching in endocrine-resistant tumors",
        "3.1. Impaired Binding to HER2",
        "3.8. Unique Mechanisms of Resistance to ADC",
        "3.6. Failure to Trigger ADCC",
    ):
        assert heading in sections

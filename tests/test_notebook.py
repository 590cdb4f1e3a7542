"""docs/notebook.md runs: its Python blocks, executed in order through ``hs.`` alone."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "notebook.md"


def code_blocks(text: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", text, flags=re.DOTALL)


def test_page_has_every_step() -> None:
    code = "\n".join(code_blocks(PAGE.read_text(encoding="utf-8")))
    for call in (
        "hs.load_study",
        "hs.tl.analyze",
        "hs.tl.sensitivity",
        "hs.tl.switching",
        "hs.tl.survival",
        "hs.kb.match_patient",
    ):
        assert call in code, call


def test_notebook_page_runs(monkeypatch: pytest.MonkeyPatch, shared_study_dir: Path) -> None:
    monkeypatch.setenv("HER2SCOPE_STUDIES", str(shared_study_dir.parent))
    namespace: dict[str, object] = {"__name__": "notebook"}
    for i, block in enumerate(code_blocks(PAGE.read_text(encoding="utf-8"))):
        exec(compile(block, f"{PAGE.name}[block {i}]", "exec"), namespace)
    table1 = namespace["table1"]
    row = table1.table.filter(table1.table["alteration"] == "ESR1_mut").row(0, named=True)  # type: ignore[attr-defined]
    assert row["n_her2_known"] > 0
    assert os.environ["HER2SCOPE_STUDIES"] == str(shared_study_dir.parent)

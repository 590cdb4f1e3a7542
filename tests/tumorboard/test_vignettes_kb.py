"""Knowledge-base breadth vignettes (tests/fixtures/vignettes_kb.yaml) and the corrected
regulatory facts of the 2026-12-07 pass, asserted on the packaged knowledge base."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml

from her2scope.kb.load import load_kb
from vignette_checks import check_vignette

CASES = yaml.safe_load(
    (Path(__file__).parents[1] / "fixtures" / "vignettes_kb.yaml").read_text(encoding="utf-8")
)["cases"]


@pytest.mark.parametrize(
    "case",
    [
        pytest.param(c, marks=pytest.mark.xfail(reason=c["xfail"], strict=False))
        if c.get("xfail")
        else c
        for c in CASES
    ],
    ids=[c["name"] for c in CASES],
)
def test_kb_vignette(case: dict[str, Any]) -> None:
    check_vignette(case)


def test_corrected_regulatory_events() -> None:
    kb = load_kb()
    sg = kb.entry("s_sacituzumab_tnbc")
    ema = [a for a in sg.approvals if a.jurisdiction == "EMA"]  # type: ignore[union-attr]
    assert [a.date for a in ema] == ["2021-11-22"]  # EPAR date of authorisation
    assert kb.entry("epik_b2").status == "discontinued"  # type: ignore[union-attr]
    assert "0.57" in (kb.entry("veritac_2").key_result or "")  # type: ignore[union-attr]
    assert "HR 0.89" in (kb.entry("persevera").key_result or "")  # type: ignore[union-attr]
    evera = kb.entry("evera")
    assert [(p.event, p.date) for p in evera.pending] == [("pdufa", dt.date(2026, 12, 18))]
    for sid in ("s_gedatolisib_palbociclib_fulvestrant", "s_camizestrant_esr1"):
        s = kb.entry(sid)
        assert s.evidence_level == "phase3"  # type: ignore[union-attr]
        assert s.unconfirmed and all(u.searched == dt.date(2026, 12, 7) for u in s.unconfirmed)
    for tid in ("kate3", "astefania", "compassher_rd"):
        t = kb.entry(tid)
        assert t.as_of == dt.date(2026, 12, 7) and t.unconfirmed


def test_early_strategies_carry_decision_settings() -> None:
    kb = load_kb()
    cape = kb.entry("s_capecitabine_residual_tnbc")
    assert cape.eligibility is not None  # type: ignore[union-attr]
    assert cape.eligibility.settings == ["post_neoadjuvant_residual"]  # type: ignore[union-attr]
    abema = kb.entry("s_abemaciclib_adjuvant")
    assert "post_neoadjuvant_pcr" in abema.eligibility.settings  # type: ignore[union-attr]
    assert "metastatic" not in abema.eligibility.settings  # type: ignore[union-attr]

"""The early-disease risk criterion of an eligibility block (schema and packaged data)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from her2scope.kb.eligibility import Eligibility, RiskCondition
from her2scope.kb.load import load_kb

SOURCE = {"trial": "monarche"}


def test_a_risk_condition_needs_a_bound() -> None:
    with pytest.raises(ValidationError, match="at least one bound"):
        RiskCondition(label="anything")


def test_a_risk_criterion_is_for_early_settings_only() -> None:
    risk = {"name": "r", "any_of": [{"label": "N+", "nodes_min": 1}], "source": SOURCE}
    with pytest.raises(ValidationError, match="early-disease settings only"):
        Eligibility.model_validate({"settings": ["metastatic"], "risk": risk})
    elig = Eligibility.model_validate({"settings": ["adjuvant"], "risk": risk})
    assert elig.sources()[-1] == elig.risk.source  # type: ignore[union-attr]


def test_adjuvant_cdk46_strategies_carry_their_trial_risk_definitions() -> None:
    kb = load_kb()
    abema = kb.entry("s_abemaciclib_adjuvant").eligibility  # type: ignore[union-attr]
    ribo = kb.entry("s_ribociclib_adjuvant").eligibility  # type: ignore[union-attr]
    assert abema is not None and abema.risk is not None
    assert ribo is not None and ribo.risk is not None
    # monarchE: >= 4 nodes, or 1-3 with grade 3 or >= 50 mm; never node-negative
    assert [c.nodes_min for c in abema.risk.any_of] == [4, 1, 1]
    # NATALEE admits node-negative disease only from T2 (> 20 mm) upwards
    n0 = [c for c in ribo.risk.any_of if c.nodes_max == 0]
    assert n0 and all((c.tumor_mm_over or 0) >= 20 for c in n0)

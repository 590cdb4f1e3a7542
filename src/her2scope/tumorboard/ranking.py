"""The ranking policy as data: named rules with stage, weight and basis (``ranking.yaml``).

Only eligible options are ranked (:mod:`her2scope.tumorboard.gates` decides which).
The order is lexicographic: *fit* to this decision, then *evidence* level, then
*adjust* (resistance warnings, biomarker specificity), then the most recent
approval. Each rule applied to an option is returned as an :class:`Adjustment`
record, so a report can show exactly why an option sits where it does.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

from her2scope.kb.schema import EVIDENCE_RANK

Stage = Literal["fit", "adjust"]


class Rule(BaseModel):
    """One named ranking rule."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9_]+$")
    stage: Stage
    weight: int
    #: the most a repeated rule may add up to (biomarker specificity)
    cap: int | None = None
    statement: str
    basis: str


class Policy(BaseModel):
    """The whole ranking policy (``ranking.yaml``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    rules: list[Rule]

    def rule(self, rule_id: str) -> Rule:
        """The rule with this id; KeyError names the file when it is missing."""
        for r in self.rules:
            if r.id == rule_id:
                return r
        raise KeyError(f"ranking.yaml has no rule {rule_id!r}")


@dataclass(frozen=True)
class Adjustment:
    """One rule applied to one option: which rule, its stage and weight, and why here."""

    rule: str
    stage: Stage
    weight: int
    detail: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "stage": self.stage,
            "weight": self.weight,
            "detail": self.detail,
        }


@lru_cache(maxsize=1)
def load_policy() -> Policy:
    """The packaged ranking policy (validated; raises on a malformed file)."""
    text = resources.files("her2scope.tumorboard").joinpath("ranking.yaml").read_text("utf-8")
    return Policy.model_validate(yaml.safe_load(text))


def apply(rule_id: str, detail: str, times: int = 1) -> Adjustment:
    """The :class:`Adjustment` of ``rule_id`` applied ``times`` times (capped by the rule)."""
    r = load_policy().rule(rule_id)
    weight = r.weight * times
    if r.cap is not None:
        weight = max(-r.cap, min(r.cap, weight))
    return Adjustment(r.id, r.stage, weight, detail)


def totals(adjustments: list[Adjustment]) -> tuple[int, int]:
    """(fit, adjust) sums of the applied rules."""
    fit = sum(a.weight for a in adjustments if a.stage == "fit")
    adjust = sum(a.weight for a in adjustments if a.stage == "adjust")
    return fit, adjust


def sort_key(
    adjustments: list[Adjustment], evidence_level: str, latest_approval: str, strategy_id: str
) -> tuple[Any, ...]:
    """Fit first (higher is better), then evidence, then adjustments, then recency."""
    fit, adjust = totals(adjustments)
    return (-fit, EVIDENCE_RANK[evidence_level], -adjust, _neg_date(latest_approval), strategy_id)


@lru_cache(maxsize=4096)
def _neg_date(date: str) -> tuple[int, ...]:
    """Sort key putting later dates (``YYYY[-MM[-DD]]``) first."""
    parts = [int(p) for p in date.split("-") if p.isdigit()] if date else []
    parts += [0] * (3 - len(parts))
    return tuple(-p for p in parts)

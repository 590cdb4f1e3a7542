"""The sensitivity grid as a result object: the table under every profile x policy."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import polars as pl

from her2scope.audit import Audit
from her2scope.cohort.options import AnalysisOptions


@dataclass(frozen=True)
class SensitivityResult:
    """Result of :func:`her2scope.tl.sensitivity`.

    ``table``: the HER2-low x alteration table stacked over every HER2 rule
    profile x ambiguity policy (``profile``, ``ambiguous`` first);
    ``options``: the cohort options held fixed; ``audit``: the study's and
    the alteration calls' findings, and one entry per setting.
    """

    study_id: str
    options: AnalysisOptions
    table: pl.DataFrame
    profiles: tuple[str, ...]
    policies: tuple[str, ...]
    audit: Audit = field(default_factory=Audit)

    def summary(self) -> str:
        """One line per setting: HER2-low % of altered tumors (any catalog alteration)."""
        from her2scope.report.cohort import sensitivity_text

        return sensitivity_text(self.table)

    def _repr_html_(self) -> str:
        from her2scope.report.html import frame_to_html

        return frame_to_html(
            self.table.filter(pl.col("level") != "alteration").select(
                "profile", "ambiguous", "label", "n_her2_known", "pct_her2_low", "q_fisher"
            )
        )

    def to_pandas(self) -> Any:
        """The stacked grid (:attr:`table`) as a pandas DataFrame."""
        return self.table.to_pandas()

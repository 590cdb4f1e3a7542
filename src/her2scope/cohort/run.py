"""``her2scope analyze`` as one library call: Table 1 and the analyses that join it.

The command line (and any other face) builds an :class:`AnalyzeRequest` from what
the user asked (checked at construction, before a study is read), reads the
study, and calls :func:`run`, which annotates the alterations once and computes
Table 1, its sensitivity grid, the adjusted odds ratios and the actionability
table from the same calls; :func:`write` writes the folder (Table 1's files, the
adjusted and actionability files, one ``report.html`` holding every section).
The command line that reproduces the run is rebuilt in one place,
:meth:`AnalyzeRequest.command` (:func:`her2scope.cohort.options.analyze_command`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from her2scope.choices import check_choice
from her2scope.cohort.options import AnalysisOptions, analyze_command
from her2scope.cohort.table1 import run as table1

if TYPE_CHECKING:
    from her2scope.alterations import Catalog
    from her2scope.cohort.actionability.result import ActionabilityResult
    from her2scope.cohort.adjusted.result import AdjustedResult
    from her2scope.study.model import Study


@dataclass(frozen=True)
class AnalyzeRequest:
    """What one ``analyze`` run computes: the options, and which analyses join Table 1.

    ``jurisdiction`` / ``history`` (whose approval counts, the therapy history
    assumed) are checked only when ``actionability`` is asked for; a bad value is
    a :class:`~her2scope.errors.ConfigError` naming the parameter.
    """

    options: AnalysisOptions = field(default_factory=AnalysisOptions)
    sensitivity: bool = False
    adjusted: bool = False
    actionability: bool = False
    jurisdiction: str = "FDA"
    history: str = "after-et-cdk46"

    def __post_init__(self) -> None:
        if self.actionability:  # a wrong choice is said before the study is read
            from her2scope.cohort.actionability.result import JURISDICTIONS
            from her2scope.tumorboard.from_study import ASSUMED_HISTORIES

            check_choice("jurisdiction", self.jurisdiction, JURISDICTIONS)
            check_choice("history", self.history, tuple(ASSUMED_HISTORIES))

    def command(
        self,
        studies: Sequence[str],
        *,
        out: str | Path | None = None,
        conventions: str | None = None,
        catalog: str | Path | None = None,
    ) -> str:
        """The ``her2scope analyze`` call that reproduces this run (shell-quoted)."""
        return analyze_command(
            studies,
            self.options,
            out=out,
            conventions=conventions,
            catalog=catalog,
            sensitivity=self.sensitivity,
            adjusted=self.adjusted,
            actionability=(self.jurisdiction, self.history) if self.actionability else None,
        )


@dataclass(frozen=True)
class AnalyzeRun:
    """Everything one ``analyze`` run computed: Table 1 (and its sensitivity grid),
    the adjusted odds ratios and the actionability table when asked for."""

    table1: table1.Table1Run
    adjusted: AdjustedResult | None = None
    actionability: ActionabilityResult | None = None


def run(
    study: Study,
    request: AnalyzeRequest | None = None,
    *,
    catalog: Catalog | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> AnalyzeRun:
    """Run ``request`` on ``study``: the alteration calls are made once for every analysis.

    Parameters
    ----------
    study : Study
        A loaded study (harmonised here when it is not yet, with ``options.mapping``).
    request : AnalyzeRequest, optional
        The options and the analyses asked for (default: Table 1 alone).
    catalog : Catalog, optional
        The alteration catalog (default: the built-in one).
    progress : callable, optional
        ``progress(done, total)`` while the actionability matcher runs.
    """
    request = request or AnalyzeRequest()
    options = request.options
    study, catalog, calls = table1.alteration_calls(study, options, catalog)
    done = table1.run(study, options, catalog=catalog, calls=calls, sensitivity=request.sensitivity)
    adj = None
    if request.adjusted:
        from her2scope.cohort.adjusted import run as adjusted

        adj = adjusted.run(study, options, catalog=catalog, calls=calls)
    act = None
    if request.actionability:
        from her2scope.cohort.actionability.compute import actionability

        act = actionability(
            study,
            options,
            jurisdiction=request.jurisdiction,
            history=request.history,
            progress=progress,
        )
    return AnalyzeRun(done, adj, act)


def write(done: AnalyzeRun, out_dir: Path, *, command: str) -> list[Path]:
    """Write the run's folder: the adjusted and actionability files first, then Table 1's
    files and ``report.html`` with their sections (the order the command reports)."""
    section = None
    extra: list[Path] = []
    if done.adjusted is not None:
        from her2scope.cohort.adjusted import run as adjusted

        section = adjusted.html_section(done.adjusted)
        extra = adjusted.write(done.adjusted, out_dir)
    if done.actionability is not None:
        from her2scope.cohort.actionability.run import html_section
        from her2scope.cohort.actionability.run import write as write_actionability

        section = (section or "") + html_section(done.actionability)
        extra += write_actionability(done.actionability, out_dir)
    return table1.write(done.table1, out_dir, command=command, sections=section) + extra

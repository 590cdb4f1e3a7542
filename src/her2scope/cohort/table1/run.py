"""Run Table 1 on a study and write its folder: the one call the faces make.

:func:`run` annotates the alterations once (they do not depend on HER2) and
computes the table, and, when asked, the sensitivity grid from the same calls;
:func:`write` writes the output folder through the question's views.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from her2scope.cohort.options import AnalysisOptions
from her2scope.cohort.table1.compute import analyze
from her2scope.cohort.table1.compute import sensitivity as sensitivity_grid
from her2scope.cohort.table1.result import IntersectionResult

if TYPE_CHECKING:
    import polars as pl

    from her2scope.alterations import AlterationCalls, Catalog
    from her2scope.study.model import Study


@dataclass(frozen=True)
class Table1Run:
    """Table 1 (``result``) and, when asked, its sensitivity grid (``sensitivity``:
    the table under every HER2 rule profile x ambiguity policy, stacked)."""

    result: IntersectionResult
    sensitivity: pl.DataFrame | None = None


def alteration_calls(
    study: Study, options: AnalysisOptions, catalog: Catalog | None = None
) -> tuple[Study, Catalog, AlterationCalls]:
    """The study as every analysis reads it (harmonised, ``options.mapping`` applied),
    the catalog and the alteration calls, made once for every analysis of a run."""
    from her2scope.alterations import annotate, load_catalog
    from her2scope.study.conventions import convention_of, harmonise, harmonised

    if options.mapping and convention_of(study) is None:
        study = harmonise(study, mapping=dict(options.mapping), source=options.source)
    study = harmonised(study, source=options.source)
    catalog = catalog or load_catalog()
    return study, catalog, annotate(study, catalog, mutation_classes=options.mutation_classes)


def run(
    study: Study,
    options: AnalysisOptions | None = None,
    *,
    catalog: Catalog | None = None,
    calls: AlterationCalls | None = None,
    sensitivity: bool = False,
) -> Table1Run:
    """Table 1 of ``study`` (and its sensitivity grid when ``sensitivity``).

    Parameters
    ----------
    study : Study
        A loaded study (harmonised here when it is not yet).
    options : AnalysisOptions, optional
        The cohort and HER2 reading (defaults: ASCO/CAP 2023, range scores excluded).
    catalog : Catalog, optional
        The alteration catalog (default: the built-in one).
    calls : AlterationCalls, optional
        Alteration calls already made for ``study`` with ``catalog``.
    sensitivity : bool
        Also rerun the table under every profile x ambiguity policy.
    """
    options = options or AnalysisOptions()
    if calls is None:
        study, catalog, calls = alteration_calls(study, options, catalog)
    result = analyze(study, options, catalog=catalog, calls=calls)
    grid = sensitivity_grid(study, options, catalog=catalog, calls=calls) if sensitivity else None
    return Table1Run(result, grid)


def write(
    done: Table1Run, out_dir: Path, *, command: str, sections: str | None = None
) -> list[Path]:
    """Write Table 1's folder (``intersection.tsv/.json``, ``audit.tsv``,
    ``sensitivity.tsv/.png``, ``report.html``); ``sections``: HTML of further
    analyses of the run (adjusted, actionability) placed in the report."""
    from her2scope.cohort.table1.views import write_outputs

    return write_outputs(
        done.result,
        out_dir,
        command=command,
        sensitivity=done.sensitivity,
        adjusted_section=sections,
    )

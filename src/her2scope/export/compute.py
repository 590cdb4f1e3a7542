"""The calls a cBioPortal export carries: HER2 category per sample and resistance classes.

Computation only (no file format): the study's HER2 pathology is read by its
convention (:func:`her2scope.study.conventions.harmonise`), classified
(:func:`her2scope.her2.classify`) and the study's alterations annotated with
the built-in catalog (:func:`her2scope.alterations.annotate`), then summarised
per sample and mechanism class (:func:`her2scope.alterations.class_calls_sparse`).
:mod:`her2scope.export.views` formats them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import polars as pl

    from her2scope.study.model import Study


@dataclass(frozen=True)
class ExportCalls:
    """The computed calls of one study, in the study's sample order.

    ``her2``: :func:`her2scope.her2.classify`'s table of ``study.samples``
    (same rows; ``her2_category``, ``ish_group``, ``ambiguous``,
    ``her2_rationale`` ...); ``class_calls``:
    :func:`her2scope.alterations.class_calls_sparse` of the study's annotated
    alterations (``sample_id``, ``mechanism_class``, ``status``,
    ``altered_alterations``).
    """

    her2: pl.DataFrame
    class_calls: pl.DataFrame


def export_calls(
    study: Study,
    *,
    profile: str = "asco-cap-2023",
    ambiguous: str = "exclude",
    source: str = "sequenced",
    mutation_classes: str | None = None,
    convention: str | None = None,
    mapping: dict[str, str] | None = None,
) -> ExportCalls:
    """HER2 calls and resistance-class calls of ``study``.

    Parameters
    ----------
    study : Study
        A loaded study.
    profile, ambiguous, source : str
        Passed to :func:`her2scope.her2.classify`.
    mutation_classes : str, optional
        Passed to :func:`her2scope.alterations.annotate`.
    convention : str, optional
        The study's HER2 convention (default: detected); ``mapping`` overrides
        its columns (see :func:`her2scope.study.conventions.harmonise`).

    Returns
    -------
    ExportCalls
        The HER2 table (one row per study sample, in study order) and the
        class calls.

    Raises
    ------
    StudyError
        The study records no HER2 test: the reason, not a list of missing columns.
    """
    from her2scope.alterations import annotate, class_calls_sparse, load_catalog
    from her2scope.errors import StudyError
    from her2scope.her2 import classify
    from her2scope.study.conventions import ABSENT_CODE, harmonise

    # harmonised for the calls only (same samples, same order); the files keep the
    # study's own columns, as its importer knows them
    read = harmonise(study, convention, mapping, source=source)
    absent = read.audit.by_code(ABSENT_CODE)
    if absent:
        # the export is HER2 calls: a study that records no HER2 test gets the reason,
        # not a list of column names it lacks
        raise StudyError(
            f"no HER2 call can be exported from {study.study_id}: {absent[-1].message}"
        )
    her2 = classify(read.samples, profile=profile, ambiguous=ambiguous, source=source)
    calls = annotate(study, load_catalog(), mutation_classes=mutation_classes)
    return ExportCalls(her2=her2.table, class_calls=class_calls_sparse(calls))

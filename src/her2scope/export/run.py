"""``export_cbioportal``: compute a study's calls and lay them out as cBioPortal files."""

from __future__ import annotations

from typing import TYPE_CHECKING

from her2scope.export.compute import export_calls
from her2scope.export.views import CbioportalExport, build_export

if TYPE_CHECKING:
    from her2scope.study.model import Study


def export_cbioportal(
    study: Study,
    *,
    profile: str = "asco-cap-2023",
    ambiguous: str = "exclude",
    source: str = "sequenced",
    mutation_classes: str | None = None,
    only_new: bool = False,
    convention: str | None = None,
    mapping: dict[str, str] | None = None,
) -> CbioportalExport:
    """HER2 calls and resistance classes of ``study`` as cBioPortal files.

    Reads the study's HER2 pathology by its convention (detected, or
    ``convention``, with ``mapping`` overrides: see
    :func:`her2scope.study.conventions.harmonise`), calls
    :func:`her2scope.her2.classify` (``profile``, ``ambiguous``, ``source``) and
    :func:`her2scope.alterations.annotate` with the built-in catalog
    (:func:`~her2scope.export.compute.export_calls`), then
    :func:`~her2scope.export.views.build_export`, which writes beside the
    study's own, unchanged sample columns (``only_new``: the her2scope columns
    only). Follows cBioPortal's File Formats documentation (Clinical Data,
    Case Lists) and the rules its importer's ``validateData.py`` checks; see
    :mod:`her2scope.study.cbioportal_writer`.

    Examples
    --------
    >>> export_cbioportal(hs.load_study("brca_x")).write("out/")  # doctest: +SKIP
    """
    calls = export_calls(
        study,
        profile=profile,
        ambiguous=ambiguous,
        source=source,
        mutation_classes=mutation_classes,
        convention=convention,
        mapping=mapping,
    )
    return build_export(
        study,
        calls.her2,
        calls.class_calls,
        profile=profile,
        ambiguous=ambiguous,
        only_new=only_new,
    )

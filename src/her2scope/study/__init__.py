"""study layer: read, validate and audit cBioPortal study folders (see DESIGN.md).

Public API: :func:`load_study`, :func:`resolve_study`, :func:`profiled_mask`,
:class:`Study`, :func:`summarize` (validation figures of a loaded study) and
:func:`read_table` (TSV/CSV pathology tables, :mod:`her2scope.study.tables`).
"""

from her2scope.study.fetch import resolve_study
from her2scope.study.loader import load_study, summarize
from her2scope.study.model import Study
from her2scope.study.panels import profiled_mask
from her2scope.study.tables import read_table

__all__ = ["Study", "load_study", "profiled_mask", "read_table", "resolve_study", "summarize"]

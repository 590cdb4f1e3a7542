"""alterations layer: the resistance-alteration catalog and sample x alteration calls.

- :func:`load_catalog` reads and validates a catalog (built-in:
  ``her2scope/data/catalog.yaml``, sourced from the Front Oncol 2024 perspective).
- :func:`annotate` calls every catalog alteration in every sample of a
  :class:`~her2scope.study.model.Study` as ``altered`` / ``not_altered`` /
  ``not_profiled``; :func:`class_calls` rolls them up to mechanism classes.
"""

from her2scope.alterations.annotate import (
    STATUSES,
    AlterationCalls,
    annotate,
    class_calls,
    class_calls_sparse,
)
from her2scope.alterations.catalog import (
    Alteration,
    Catalog,
    Event,
    SeedTable1,
    default_catalog_path,
    load_catalog,
)
from her2scope.vocab import (
    ALL_CLASS,
    BUILTIN_CLASS_SETS,
    CBIOPORTAL_CLASSES,
    MECHANISM_CLASSES,
    NONSYN_CLASSES,
)

__all__ = [
    "ALL_CLASS",
    "BUILTIN_CLASS_SETS",
    "CBIOPORTAL_CLASSES",
    "MECHANISM_CLASSES",
    "NONSYN_CLASSES",
    "STATUSES",
    "Alteration",
    "AlterationCalls",
    "Catalog",
    "Event",
    "SeedTable1",
    "annotate",
    "class_calls",
    "class_calls_sparse",
    "default_catalog_path",
    "load_catalog",
]

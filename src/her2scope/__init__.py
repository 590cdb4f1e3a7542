"""her2scope: HER2-low x endocrine resistance, from cohort to tumor board.

``import her2scope as hs`` gives the whole library, loaded lazily (importing
the package costs nothing: each name loads its layer on first use)::

    study = hs.load_study("breast_msk_2018")      # study/: read, validate, audit
    calls = hs.classify(pathology_table)           # her2/: HER2 calls
    alts = hs.annotate(study)                      # alterations/: resistance alterations
    table1 = hs.tl.analyze(study, profile="ihc-only", ambiguous="low")
    grid = hs.tl.sensitivity(study)                # hs.tl: analyses (also switching,
    sw = hs.tl.switching(study)                    #   survival, adjusted)
    hs.pl.forest(table1)                           # hs.pl: figures, the result first
    report = hs.kb.match_patient(hs.kb.read_patient("patient.yaml"))
    hs.report.write_table(table1.table, "table1.tsv")

Signatures share one shape: the study (or table) first, everything else by
keyword. Results have ``.table``, ``.options``, ``.audit``, ``summary()``,
``_repr_html_`` and ``to_pandas()``. Layers (one direction of flow, see
docs/architecture.md): ``study`` reads files, ``her2`` calls HER2 status,
``alterations`` annotates, ``analysis`` computes, ``kb`` matches one patient,
``report`` formats, ``cli`` is thin.
"""

from __future__ import annotations

__version__ = "0.1.0"

# not ``from typing import TYPE_CHECKING``: importing the package must cost nothing
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from her2scope import kb, pl, report, synth, tl, vocab
    from her2scope._api import annotate, cache_info, classify, clear_cache, load_study
    from her2scope.cohort.options import AnalysisOptions, SurvivalOptions, SwitchingOptions
    from her2scope.study import Study

#: public name -> module it lives in (imported on first access)
_FUNCTIONS = {
    "load_study": "her2scope._api",
    "Study": "her2scope.study",
    "classify": "her2scope._api",
    "annotate": "her2scope._api",
    "cache_info": "her2scope._api",
    "clear_cache": "her2scope._api",
    "AnalysisOptions": "her2scope.cohort.options",
    "SwitchingOptions": "her2scope.cohort.options",
    "SurvivalOptions": "her2scope.cohort.options",
}
_SUBMODULES = ("tl", "pl", "kb", "report", "synth", "vocab")

__all__ = [
    "AnalysisOptions",
    "Study",
    "SurvivalOptions",
    "SwitchingOptions",
    "__version__",
    "annotate",
    "cache_info",
    "classify",
    "clear_cache",
    "kb",
    "load_study",
    "pl",
    "report",
    "synth",
    "tl",
    "vocab",
]


def __getattr__(name: str) -> Any:
    import importlib

    if name in _FUNCTIONS:
        value = getattr(importlib.import_module(_FUNCTIONS[name]), name)
    elif name in _SUBMODULES:
        value = importlib.import_module(f"her2scope.{name}")
    else:
        raise AttributeError(f"module 'her2scope' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    # the public names only: not TYPE_CHECKING, not the lazy-loading tables
    return sorted(__all__)

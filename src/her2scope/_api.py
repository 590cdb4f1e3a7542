"""Top-level functions of ``import her2scope as hs`` that wrap a layer's function.

Each keeps the public signature shape (data first, options keyword-only) and
gives pandas back when pandas was given.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from her2scope.alterations import AlterationCalls, Catalog
    from her2scope.her2 import Her2Profile, Her2Result
    from her2scope.study.model import Study


def load_study(
    path_or_id: str | os.PathLike[str],
    *,
    panels_dir: str | os.PathLike[str] | None = None,
    on_error: str = "raise",
    cache: bool | None = None,
) -> Study:
    """Read, validate and audit one cBioPortal study folder.

    Clinical (samples, patients), MAF, discrete CNA, SV/fusions and gene
    panels are read into a :class:`~her2scope.study.Study`, with a full
    audit of what was read; see :func:`her2scope.study.load_study`.

    Parameters
    ----------
    path_or_id : str or path
        A study folder, or a study id found under ``$HER2SCOPE_STUDIES``, in
        the cache, or on the cBioPortal datahub.
    panels_dir : path, optional
        Where gene panel files are (default: beside the study).
    on_error : {"raise", "record"}
        Raise on the first bad file, or record it in the audit.
    cache : bool, optional
        Use the parsed-study cache (default: on unless
        ``$HER2SCOPE_PARSED_CACHE=0``).

    Returns
    -------
    Study
        ``.samples``, ``.patients``, ``.mutations``, ``.cna``, ``.sv``,
        ``.panels`` and ``.audit``.

    Examples
    --------
    >>> study = hs.load_study("breast_msk_2018")  # doctest: +SKIP
    >>> study.samples.height  # doctest: +SKIP
    1918
    """
    from her2scope.study import load_study as _load_study

    return _load_study(
        path_or_id,
        panels_dir=panels_dir,
        on_error=on_error,  # type: ignore[arg-type]
        cache=cache,
    )


def _is_pandas(frame: object) -> bool:
    return type(frame).__module__.split(".")[0] == "pandas"


def classify(
    table: Any,
    *,
    profile: str | Her2Profile = "asco-cap-2023",
    ambiguous: str = "exclude",
    mapping: dict[str, str] | None = None,
    source: str = "sequenced",
) -> Her2Result | Any:
    """HER2 call (HER2-0/-null/-ultralow/-low/-positive) for every row of a pathology table.

    Follows ASCO/CAP 2018 and 2023 (``profile``); every call is explained
    (``her2_rationale``).

    Parameters
    ----------
    table : polars.DataFrame or pandas.DataFrame
        IHC / ISH columns (canonical names, MSK names, or ``mapping``).
    profile : str
        Built-in profile name or a profile YAML path.
    ambiguous : {"exclude", "low", "zero"}
        How a range score the profile cannot settle is read.
    mapping : dict, optional
        Canonical field -> column.
    source : {"sequenced", "primary"}
        Which MSK columns to look for.

    Returns
    -------
    Classification or pandas.DataFrame
        pandas in, pandas out: the classified table (its audit as a list of
        records in ``.attrs["audit"]``, which pandas can print and copy);
        otherwise a :class:`Classification` (a
        :class:`~her2scope.her2.Her2Result` with ``summary()``,
        ``to_pandas()`` and a notebook view).

    Examples
    --------
    >>> import pandas as pd
    >>> hs.classify(pd.DataFrame({"ihc": ["1+", "3+"]}))["her2_category"].tolist()
    ['HER2-low', 'HER2-positive']
    """
    from her2scope.her2 import classify as _classify

    result = _classify(
        table,
        profile=profile,
        ambiguous=ambiguous,
        mapping=mapping,
        source=source,
    )
    if _is_pandas(table):
        return _classified_pandas(result)
    return _classification_type()(**{f.name: getattr(result, f.name) for f in fields(result)})


def _classified_pandas(result: Her2Result) -> Any:
    frame = result.table.to_pandas()
    # plain records, not a DataFrame: pandas compares attrs when it prints,
    # concatenates or copies, and a DataFrame there raises "truth value ... ambiguous"
    frame.attrs["audit"] = result.audit.to_frame().to_dicts()
    return frame


@cache
def _classification_type() -> type[Any]:
    """:class:`Classification`, made on first use (the HER2 engine loads only then)."""
    from her2scope.her2 import Her2Result

    @dataclass(frozen=True)
    class Classification(Her2Result):
        """HER2 calls of a table (:func:`her2scope.classify`): ``.table``, ``.counts()``,
        ``.audit``, ``.unusable``, and a result's ``summary()``, ``to_pandas()`` and
        notebook view."""

        def summary(self) -> str:
            """Calls per category, ambiguous rows and unreadable values, in a few lines."""
            total = self.table.height
            parts = [
                f"{c}: {n}/{total} ({100 * n / total:.1f}%)" if total else f"{c}: 0"
                for c, n in self.counts().iter_rows()
                if n
            ]
            return (
                f"HER2 calls of {total} rows (profile {self.profile.name}, ambiguous "
                f"{self.ambiguous_policy}): " + "; ".join(parts) + f"\n{self.n_ambiguous} rows "
                f"with an ambiguous range score; {self.n_unusable} unreadable values (audit)"
            )

        def to_pandas(self) -> Any:
            """The classified table as pandas (audit records in ``.attrs["audit"]``)."""
            return _classified_pandas(self)

        def _repr_html_(self) -> str:
            from her2scope.render.html import escape, fragment, frame_to_html

            return fragment(
                "HER2 calls",
                [
                    f"<p>{escape(self.summary())}</p>",
                    frame_to_html(self.counts()),
                    frame_to_html(self.table.head(10)),
                ],
            )

    Classification.__module__ = __name__
    Classification.__qualname__ = "Classification"
    return Classification


def annotate(
    study: Study,
    *,
    catalog: Catalog | None = None,
    mutation_classes: str | None = None,
) -> AlterationCalls:
    """Call every catalog alteration in every sample: altered / not altered / not profiled.

    Gene-panel coverage is respected: a gene a sample's panel did not cover
    is ``not_profiled``, never ``not_altered``.

    Parameters
    ----------
    study : Study
        A loaded study.
    catalog : Catalog, optional
        Alteration catalog (default: the built-in one, cited).
    mutation_classes : {"cbioportal", "nonsyn"}, optional
        Variant_Classification set for mutation events.

    Returns
    -------
    AlterationCalls
        Sparse calls (``.altered``, ``.not_profiled``; ``.table`` dense).

    Examples
    --------
    >>> calls = hs.annotate(study)  # doctest: +SKIP
    >>> calls.counts()  # doctest: +SKIP
    """
    from her2scope.alterations import annotate as _annotate

    return _annotate(study, catalog, mutation_classes=mutation_classes)


@dataclass(frozen=True)
class CacheInfo:
    """Where the parsed-study cache is, whether it is on, and its entries (name, bytes)."""

    root: Path
    enabled: bool
    switch: str
    entries: list[tuple[str, int]]

    @property
    def total_bytes(self) -> int:
        return sum(size for _, size in self.entries)

    def summary(self) -> str:
        """The lines ``her2scope cache info`` prints."""
        lines = [f"{name}\t{size / 1e6:.1f} MB" for name, size in self.entries]
        n = len(self.entries)
        state = "on" if self.enabled else f"off ({self.switch})"
        lines.append(
            f"{self.root}: {n} entr{'y' if n == 1 else 'ies'}, "
            f"{self.total_bytes / 1e6:.1f} MB; cache {state}"
        )
        return "\n".join(lines)


def cache_info(root: Path | None = None) -> CacheInfo:
    """The parsed-study cache: its folder, on/off, and each entry's size on disk.

    Parameters
    ----------
    root : Path, optional
        Cache folder (default: ``<cache>/parsed``, ``$HER2SCOPE_CACHE`` moves it).

    Returns
    -------
    CacheInfo
        ``.root``, ``.enabled``, ``.entries`` (name, bytes), ``summary()``.

    Examples
    --------
    >>> print(hs.cache_info().summary())  # doctest: +SKIP
    """
    from her2scope.study import cache

    folder = cache.parsed_dir() if root is None else Path(root)
    entries = []
    if folder.is_dir():
        for entry in sorted(p for p in folder.glob("*") if p.is_dir()):
            if entry.name.startswith("."):
                continue
            size = sum(f.stat().st_size for f in entry.rglob("*") if f.is_file())
            entries.append((entry.name, size))
    return CacheInfo(folder, cache.enabled(), cache.ENV_SWITCH, entries)


def clear_cache() -> int:
    """Empty the parsed-study cache; the number of entries removed.

    Returns
    -------
    int
        Entries removed.

    Examples
    --------
    >>> hs.clear_cache()  # doctest: +SKIP
    """
    from her2scope.study import cache

    return cache.clear()

"""Options of the cohort questions, validated when they are made: one model for the
library, the command line and the web app.

Every option object checks its values at construction: a ``Literal`` field
must hold one of its values, a profile must be a built-in profile name
(discovered from the data folder) or a path to a profile file, and the
error (:class:`~her2scope.errors.ConfigError`) names the *parameter*
(``sample_type``), never a command-line flag. :class:`AnalysisOptions` are the
options of the HER2-low x alteration table (``hs.tl.analyze``, ``her2scope
analyze``, the web app's cohort page: :meth:`AnalysisOptions.from_query` reads a
query string, :meth:`AnalysisOptions.query` writes one);
:class:`SwitchingOptions` and :class:`SurvivalOptions` are the options of
:func:`her2scope.tl.switching` and :func:`her2scope.tl.survival`.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from her2scope.choices import canonical_choice, check_choice, did_you_mean
from her2scope.errors import ConfigError
from her2scope.vocab import (
    AMBIGUITY_POLICIES,
    BUILTIN_CLASS_SETS,
    DEFAULT_PROFILE,
    AmbiguityPolicy,
    profile_names,
)


def make_options(cls: type[Any], values: dict[str, Any]) -> Any:
    """``cls(**values)`` for an options dataclass; an unknown keyword is a
    :class:`ConfigError` that names it, the closest known one and every known one
    (not Python's ``__init__() got an unexpected keyword``).

    Examples
    --------
    >>> make_options(SwitchingOptions, {"ambigous": "low"})  # doctest: +SKIP
    ConfigError: unknown parameter 'ambigous' (did you mean 'ambiguous'?) ...
    """
    known = [f.name for f in dataclasses.fields(cls)]
    for name in values:
        if name not in known:
            raise ConfigError(
                f"unknown parameter {name!r}{did_you_mean(name, known)}; known: {', '.join(known)}"
            )
    return cls(**values)


def sample_type_label(value: str) -> str:
    """The switching strata's label of a sample type, in any case:
    ``"metastasis"`` -> ``"Metastasis"``, ``"all"`` -> ``"All"``.

    Examples
    --------
    >>> sample_type_label("METASTASIS")
    'Metastasis'
    """
    from her2scope.vocab import ALL_SAMPLE_TYPES

    labels = (ALL_SAMPLE_TYPES, "Primary", "Metastasis")
    return str(canonical_choice("sample_type", value, labels))


def check_profile(value: object, parameter: str = "profile") -> None:
    """A built-in profile name (:func:`her2scope.vocab.profile_names`) or a profile file path."""
    if isinstance(value, str) and value in profile_names():
        return
    if isinstance(value, str | Path) and (
        str(value).endswith((".yaml", ".yml")) or Path(value).is_file()
    ):
        return  # a profile file: read and validated by her2.load_profile
    if type(value).__name__ == "Her2Profile":
        return
    raise ConfigError(
        f"unknown HER2 profile {value!r} (parameter {parameter}; built-in: "
        f"{', '.join(profile_names())}, or a path to a profile YAML file)"
    )


def _literal_values(annotation: Any) -> tuple[object, ...] | None:
    """The allowed values of a ``Literal`` (or ``Literal | None``) annotation, else None."""
    origin = typing.get_origin(annotation)
    if origin is Literal:
        return typing.get_args(annotation)
    if origin in (typing.Union, types.UnionType):
        values: list[object] = []
        for arg in typing.get_args(annotation):
            if arg is type(None):
                values.append(None)
            elif typing.get_origin(arg) is Literal:
                values.extend(typing.get_args(arg))
            else:
                return None
        return tuple(values)
    return None


def validate_fields(options: object) -> None:
    """Check every ``Literal`` field of a dataclass instance, and its ``profile`` field."""
    hints = typing.get_type_hints(type(options))
    for fld in dataclasses.fields(options):  # type: ignore[arg-type]
        value = getattr(options, fld.name)
        if fld.name == "profile":
            named = {p.casefold(): p for p in profile_names()}
            if isinstance(value, str) and value.casefold() in named:
                object.__setattr__(options, "profile", named[value.casefold()])  # ASCO-CAP-2023
                continue
            check_profile(value)
            continue
        if fld.name == "ambiguous":
            allowed: tuple[object, ...] | None = AMBIGUITY_POLICIES
        else:
            allowed = _literal_values(hints.get(fld.name))
        if allowed is not None:
            canonical = canonical_choice(fld.name, value, allowed)
            if canonical != value:
                # the options hold the canonical spelling whatever case was typed
                object.__setattr__(options, fld.name, canonical)


def parse_expected_range(text: str | tuple[float, float]) -> tuple[float, float]:
    """An expected HER2-low range from ``"0.45-0.55"``, ``"45-55"`` (percent) or a pair.

    Parameters
    ----------
    text : str or tuple of float
        Two fractions, or two percentages (a value above 1 reads as percent).

    Returns
    -------
    tuple of float
        ``(low, high)`` with ``0 <= low <= high <= 1``.

    Examples
    --------
    >>> parse_expected_range("45-55")
    (0.45, 0.55)
    """
    if isinstance(text, tuple):
        lo, hi = (float(v) for v in text)
    else:
        parts = text.replace("%", "").split("-")
        try:
            lo, hi = (float(p) for p in parts)
        except ValueError:
            raise ConfigError(
                f"parameter expected must look like 0.45-0.55 or 45-55, got {text!r}"
            ) from None
        if hi > 1.0:
            lo, hi = lo / 100.0, hi / 100.0
    if not 0.0 <= lo <= hi <= 1.0:
        raise ConfigError(
            f"parameter expected must be a range within 0-1 (or 0-100%), got {text!r}"
        )
    return lo, hi


SampleType = Literal["all", "primary", "metastasis"]
HrFilter = Literal["all", "positive"]
OnePerPatient = Literal["first", "last", "metastatic"]
CohortDefinition = Literal["all", "endocrine-resistant"]

#: The options a web query string carries (:meth:`AnalysisOptions.from_query`), in order.
QUERY_FIELDS = ("profile", "ambiguous", "sample_type", "hr")
#: The study-layout fields a query string may name a column for (``map=field=column``).
MAP_FIELDS = (
    "ihc",
    "ish_status",
    "ish_ratio",
    "her2_copies",
    "cep17_copies",
    "hr",
    "er",
    "pr",
    "sample_type",
    "os_months",
    "os_status",
)


@dataclass(frozen=True)
class AnalysisOptions:
    """Every choice that changes the numbers of the HER2-low x alteration table;
    printed in reports as-is.

    ``mapping``: ``field=column`` overrides of the study's layout (see
    :func:`her2scope.study.conventions.harmonise`), as sorted pairs; applied when
    the study is read (:func:`her2scope.cohort.table1.run.run`, the web app), and by
    :func:`~her2scope.cohort.table1.compute.analyze` to a study not harmonised yet.
    Left out of :func:`options_dict` while empty.
    """

    profile: str = DEFAULT_PROFILE
    ambiguous: str = "exclude"
    source: Literal["sequenced", "primary"] = "sequenced"
    sample_type: SampleType = "all"
    hr: HrFilter = "all"
    one_per_patient: OnePerPatient | None = None
    expected: tuple[float, float] = (0.45, 0.55)
    mutation_classes: str | None = None
    cohort: CohortDefinition = "all"
    mapping: tuple[tuple[str, str], ...] = field(default=(), metadata={"omit_empty": True})

    def __post_init__(self) -> None:
        # Literal fields, the profile and the ambiguity policy are checked here, so a
        # notebook user gets the same error as the command line, naming the parameter
        validate_fields(self)
        if self.mutation_classes is not None:
            check_choice("mutation_classes", self.mutation_classes, BUILTIN_CLASS_SETS)
        lo, hi = self.expected
        if not 0.0 <= lo <= hi <= 1.0:
            raise ConfigError(
                f"parameter expected must satisfy 0 <= low <= high <= 1, got {lo}-{hi}"
            )
        if isinstance(self.mapping, Mapping):  # a dict is accepted and kept as sorted pairs
            object.__setattr__(self, "mapping", tuple(sorted(self.mapping.items())))
        for pair in self.mapping:
            if not (isinstance(pair, tuple) and len(pair) == 2 and all(pair)):
                raise ConfigError(
                    f"parameter mapping must hold (field, column) pairs, got {pair!r}"
                )

    @classmethod
    def from_query(cls, params: Mapping[str, str]) -> AnalysisOptions:
        """Options from a URL query string (the web app's cohort page).

        Reads :data:`QUERY_FIELDS` (an empty value keeps the default) and every
        ``map`` (repeatable, ``field=column``; a field of :data:`MAP_FIELDS`, an
        empty column meaning "not set"). A profile must be a built-in name: a query
        string never names a file to read. A bad value raises
        :class:`~her2scope.errors.ConfigError` naming the parameter and its choices
        (not the value typed: a query string is anyone's link).
        """
        choices: dict[str, tuple[str, ...]] = {
            "profile": profile_names(),
            "ambiguous": AMBIGUITY_POLICIES,
            "sample_type": typing.get_args(SampleType),
            "hr": typing.get_args(HrFilter),
        }
        values: dict[str, Any] = {}
        for name in QUERY_FIELDS:
            raw = params.get(name)
            if raw is None or raw == "":
                continue
            try:
                values[name] = canonical_choice(name, raw, choices[name])
            except ConfigError:
                # the message leaves the typed value out: a query string is anyone's link
                raise ConfigError(
                    f"parameter {name} must be one of {', '.join(choices[name])}"
                ) from None
        getlist = getattr(params, "getlist", None)
        raw_maps = getlist("map") if getlist is not None else [params.get("map") or ""]
        mapping: dict[str, str] = {}
        for item in raw_maps:
            if not item:
                continue
            field_name, sep, column = item.partition("=")
            field_name, column = field_name.strip(), column.strip()
            if not column:
                continue  # "not set" in the page's mapping form
            if not sep or field_name not in MAP_FIELDS or len(column) > 200:
                raise ConfigError(
                    "parameter map must be field=column with field one of " + ", ".join(MAP_FIELDS)
                )
            mapping[field_name] = column
        if mapping:
            values["mapping"] = tuple(sorted(mapping.items()))
        return cls(**values)

    def query(self) -> str:
        """The options as a query string (:meth:`from_query` reads it back)."""
        from urllib.parse import urlencode

        pairs = [(name, str(getattr(self, name))) for name in QUERY_FIELDS]
        pairs += [("map", f"{k}={v}") for k, v in self.mapping]
        return urlencode(pairs)

    def reading_query(self) -> str:
        """Only what a sample's report follows: the HER2 reading and the column mapping."""
        from urllib.parse import urlencode

        pairs = [("profile", self.profile), ("ambiguous", self.ambiguous)]
        pairs += [("map", f"{k}={v}") for k, v in self.mapping]
        return urlencode(pairs)

    @property
    def filtered(self) -> bool:
        """Whether the sample-type or HR filter restricts the samples."""
        return self.sample_type != "all" or self.hr != "all"

    def file_tag(self) -> str:
        """The options in a download's file name (every filter that shaped its data)."""
        tag = f"{self.profile}_{self.ambiguous}_{self.sample_type}_hr-{self.hr}"
        if self.mapping:
            tag += "_mapped"
        return tag


def analyze_command(
    studies: Iterable[str],
    options: AnalysisOptions,
    *,
    out: str | Path | None = None,
    conventions: str | None = None,
    catalog: str | Path | None = None,
    sensitivity: bool = False,
    adjusted: bool = False,
    actionability: tuple[str, str] | None = None,
) -> str:
    """The ``her2scope analyze`` call that reproduces a run, shell-quoted.

    The one place the command line is rebuilt (the command itself, the pooled
    command, the web app's report): printed in ``report.html`` and recorded in
    ``provenance.json``. ``actionability``: ``(jurisdiction, history)`` when the
    actionability section was asked for.

    Examples
    --------
    >>> analyze_command(["breast_msk_2018"], AnalysisOptions(), out="out")
    'her2scope analyze breast_msk_2018 --profile asco-cap-2023 --ambiguous exclude \
--sample-type all --hr all --source sequenced --expected 0.45-0.55 --cohort all --out out'
    """
    import shlex

    o = options
    lo, hi = o.expected
    args = ["her2scope", "analyze", *studies, "--profile", str(o.profile)]
    args += ["--ambiguous", o.ambiguous, "--sample-type", o.sample_type, "--hr", o.hr]
    args += ["--source", o.source, "--expected", f"{lo:g}-{hi:g}", "--cohort", o.cohort]
    if out is not None:
        args += ["--out", str(out)]
    for k, v in o.mapping:
        args += ["--map", f"{k}={v}"]
    optional: list[tuple[str, object]] = [
        ("--conventions", conventions),
        ("--catalog", catalog),
        ("--mutation-classes", o.mutation_classes),
        ("--one-per-patient", o.one_per_patient),
    ]
    for flag, given in optional:
        if given is not None:
            args += [flag, str(given)]
    if sensitivity:
        args.append("--sensitivity")
    if adjusted:
        args.append("--adjusted")
    if actionability is not None:
        args += ["--actionability", "--jurisdiction", actionability[0]]
        args += ["--history", actionability[1]]
    return shlex.join(args)


Comparison = Literal["primary_vs_sequenced", "serial"]


@dataclass(frozen=True)
class SwitchingOptions:
    """Options of the HER2 switching analysis (:func:`her2scope.tl.switching`).

    ``profile``: HER2 rule profile of both calls; ``ambiguous``: ambiguity
    policy; ``mapping``: canonical field -> column overrides of the
    sequenced-sample pathology (see :func:`her2scope.her2.classify`).
    """

    profile: str = DEFAULT_PROFILE
    ambiguous: AmbiguityPolicy = "exclude"
    mapping: dict[str, str] | None = None

    def __post_init__(self) -> None:
        validate_fields(self)


@dataclass(frozen=True)
class SurvivalOptions:
    """Options of the survival analysis (:func:`her2scope.tl.survival`).

    ``by``: ``"her2"`` (groups on the HER2-0/low/positive scale) or
    ``"alteration:ID"`` (a catalog alteration's status); ``profile`` /
    ``ambiguous`` / ``mapping`` as for :class:`SwitchingOptions`.
    """

    by: str = "her2"
    profile: str = DEFAULT_PROFILE
    ambiguous: AmbiguityPolicy = "exclude"
    mapping: dict[str, str] | None = None

    def __post_init__(self) -> None:
        validate_fields(self)
        if self.by != "her2" and not (
            self.by.startswith("alteration:") and len(self.by) > len("alteration:")
        ):
            raise ConfigError(f"parameter by must be 'her2' or 'alteration:ID', got {self.by!r}")


def options_dict(options: object) -> dict[str, Any]:
    """Any options dataclass as plain values (JSON, report headers, ``to_pandas``).

    Tuples become lists; a field marked ``omit_empty`` (the study-layout
    ``mapping`` of :class:`AnalysisOptions`) is left out while it is empty, so a
    run without overrides records the same options as before the field existed.
    """
    out: dict[str, Any] = {}
    for fld in dataclasses.fields(options):  # type: ignore[arg-type]
        value = getattr(options, fld.name)
        if fld.metadata.get("omit_empty") and not value:
            continue
        if isinstance(value, tuple):
            value = [list(v) if isinstance(v, tuple) else v for v in value]
        out[fld.name] = value
    return out

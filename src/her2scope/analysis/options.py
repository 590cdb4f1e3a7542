"""Options of the analyses, validated when they are made.

Every option object checks its values at construction: a ``Literal`` field
must hold one of its values, a profile must be a built-in profile name
(discovered from the data folder) or a path to a profile file, and the
error names the *parameter* (``sample_type``), never a command-line flag.
:class:`~her2scope.analysis.cohort.AnalysisOptions` uses the same checks;
:class:`SwitchingOptions` and :class:`SurvivalOptions` are the options of
:func:`her2scope.tl.switching` and :func:`her2scope.tl.survival`.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from her2scope.errors import ConfigError
from her2scope.vocab import AMBIGUITY_POLICIES, DEFAULT_PROFILE, AmbiguityPolicy, profile_names


def canonical_choice(parameter: str, value: object, choices: Iterable[object]) -> object:
    """``value`` as spelt in ``choices`` (case-insensitive for text), or :class:`ConfigError`
    naming ``parameter``, the allowed values and the closest one.

    Data spell the same value in several cases (``Metastasis`` in cBioPortal's
    SAMPLE_TYPE, ``metastasis`` here); a choice is a word, not its case.

    Examples
    --------
    >>> canonical_choice("sample_type", "Metastasis", ("all", "primary", "metastasis"))
    'metastasis'
    """
    allowed = tuple(choices)
    if value in allowed:
        return value
    if isinstance(value, str):
        folded = {c.casefold(): c for c in allowed if isinstance(c, str)}
        if value.casefold() in folded:
            return folded[value.casefold()]
    listed = ", ".join(repr(c) for c in allowed if c is not None)
    if None in allowed:
        listed += " (or None: not set)"
    raise ConfigError(
        f"parameter {parameter} must be one of {listed}; got {value!r}"
        + did_you_mean(value, [c for c in allowed if isinstance(c, str)])
    )


def check_choice(parameter: str, value: object, choices: Iterable[object]) -> None:
    """Raise :class:`ConfigError` naming ``parameter`` unless ``value`` is one of ``choices``
    (text compared case-insensitively, see :func:`canonical_choice`).

    Examples
    --------
    >>> check_choice("hr", "all", ("all", "positive"))
    """
    canonical_choice(parameter, value, choices)


def did_you_mean(value: object, candidates: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest candidate, or ``""``.

    Examples
    --------
    >>> did_you_mean("sampel_type", ["sample_type", "hr"])
    " (did you mean 'sample_type'?)"
    """
    import difflib

    if not isinstance(value, str):
        return ""
    options = list(candidates)
    folded = {c.casefold(): c for c in options}
    close = difflib.get_close_matches(value.casefold(), list(folded), n=1, cutoff=0.6)
    return f" (did you mean {folded[close[0]]!r}?)" if close else ""


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
    """Any options dataclass as plain values (JSON, report headers, ``to_pandas``)."""
    out: dict[str, Any] = {}
    for fld in dataclasses.fields(options):  # type: ignore[arg-type]
        value = getattr(options, fld.name)
        out[fld.name] = list(value) if isinstance(value, tuple) else value
    return out

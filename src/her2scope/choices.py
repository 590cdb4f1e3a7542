"""A value checked against its allowed choices: one error, naming the parameter.

Used by every layer that takes a choice from a user (the options of the cohort
questions, the formats of the patient report, ...): a bad value is a
:class:`~her2scope.errors.ConfigError` that names the parameter, lists the allowed
values and suggests the closest one. Library errors name parameters, never
command-line flags (the CLI maps them).
"""

from __future__ import annotations

from collections.abc import Iterable

from her2scope.errors import ConfigError


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

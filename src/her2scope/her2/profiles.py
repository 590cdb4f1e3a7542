"""HER2 rule profiles: guideline tables as validated data.

A profile is a YAML file (package data under ``her2scope/data/profiles`` or a
user's own file) that says, for every IHC level (``"0"``..``"3"`` and
``none`` for "no IHC result"):

* ``ihc_alone``: the category when there is no ISH result;
* ``ish_negative``: the category when ISH says "not amplified" (this is where
  the HER2-low / HER2-0 split of a negative tumour lives);
* ``ish_groups``: the ISH outcome (``positive``/``negative``/``equivocal``) of
  each ASCO/CAP 2018 dual-probe group 1-5 given the concomitant IHC;
* ``ish_status``: the same for a reported status word when numbers are absent.

``zero`` in a category table stands for the IHC-0 family: ``HER2-0``, or
``HER2-null``/``HER2-ultralow`` when ``split_zero`` is true and the report
says so. Profiles are checked by pydantic at load; a bad one raises
:class:`~her2scope.errors.SchemaError` naming the file.

Loading package profiles uses :mod:`importlib.resources`; a user profile is
read from the path given (the only file this layer opens, and only on request).
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from her2scope.errors import ConfigError, SchemaError
from her2scope.safeload import trusted_yaml

Outcome = Literal["positive", "negative", "equivocal"]
TableCategory = Literal[
    "zero", "HER2-low", "HER2-positive", "HER2-negative", "equivocal", "unknown"
]
LEVELS: tuple[str, ...] = ("0", "1", "2", "3", "none")
GROUPS: tuple[int, ...] = (1, 2, 3, 4, 5)
STATUS_WORDS: tuple[str, ...] = ("amplified", "not_amplified", "equivocal")


def _check_levels(table: dict[str, str], what: str) -> dict[str, str]:
    keys = set(table)
    if keys != set(LEVELS):
        raise ValueError(f"{what} needs exactly the IHC levels {list(LEVELS)}, got {sorted(keys)}")
    return table


class ProfileDocs(BaseModel):
    """Where a profile comes from and what it does."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    source: str = Field(min_length=10)
    description: str = Field(min_length=10)
    notes: list[str] = Field(default_factory=list)


class IshRules(BaseModel):
    """How ISH results turn into an outcome per IHC level (ASCO/CAP 2018 Fig. 2-3)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    ratio_threshold: float = Field(gt=0)
    copies_low: float = Field(gt=0)
    copies_high: float = Field(gt=0)
    groups: dict[int, dict[str, Outcome]]
    status: dict[str, dict[str, Outcome]]
    ratio_without_copies: Literal["possible_groups", "ratio_decides"]
    #: Read ``1,8`` in a ratio or signals-per-cell cell as 1.8. Off by default:
    #: in an export that also separates values with commas, ``1,8`` may be the
    #: two ratios 1 and 8, so it is unusable unless the lab is known to write
    #: decimal commas.
    decimal_comma: bool = False

    @field_validator("groups")
    @classmethod
    def _groups_complete(cls, v: dict[int, dict[str, str]]) -> dict[int, dict[str, str]]:
        if set(v) != set(GROUPS):
            raise ValueError(f"ish.groups needs groups 1-5, got {sorted(v)}")
        for group, table in v.items():
            _check_levels(table, f"ish.groups[{group}]")
        return v

    @field_validator("status")
    @classmethod
    def _status_complete(cls, v: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
        if set(v) != set(STATUS_WORDS):
            raise ValueError(f"ish.status needs {list(STATUS_WORDS)}, got {sorted(v)}")
        for word, table in v.items():
            _check_levels(table, f"ish.status[{word}]")
        return v

    @model_validator(mode="after")
    def _thresholds_ordered(self) -> IshRules:
        if not self.copies_low < self.copies_high:
            raise ValueError("ish.copies_low must be below ish.copies_high")
        return self

    def possible_groups(self, ratio_at_or_above: bool) -> tuple[int, ...]:
        """Groups compatible with a ratio alone (no copy number)."""
        return (1, 2) if ratio_at_or_above else (3, 4, 5)

    def ratio_only_outcome(self, ratio_at_or_above: bool) -> dict[str, Outcome]:
        """Outcome per IHC level when only the ratio is known.

        ``possible_groups``: the outcome every compatible group agrees on,
        else ``equivocal`` (honest: the copy number would decide).
        ``ratio_decides``: ratio >= threshold amplified, else not amplified
        (the single-criterion reading of older reports).
        """
        if self.ratio_without_copies == "ratio_decides":
            outcome: Outcome = "positive" if ratio_at_or_above else "negative"
            return {level: outcome for level in LEVELS}
        result: dict[str, Outcome] = {}
        for level in LEVELS:
            seen = {self.groups[g][level] for g in self.possible_groups(ratio_at_or_above)}
            result[level] = seen.pop() if len(seen) == 1 else "equivocal"
        return result


class Her2Profile(BaseModel):
    """One HER2 rule profile (see the module docstring for the tables)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9.-]*$")
    title: str
    docs: ProfileDocs
    split_zero: bool
    ihc_alone: dict[str, TableCategory]
    ish_negative: dict[str, TableCategory]
    ish: IshRules | None = None

    @field_validator("ihc_alone", "ish_negative")
    @classmethod
    def _levels_complete(cls, v: dict[str, str]) -> dict[str, str]:
        return _check_levels(v, "category table")

    @model_validator(mode="after")
    def _guideline_axioms(self) -> Her2Profile:
        # ASCO/CAP: IHC 3+ is positive on its own, whatever ISH says; a profile
        # that broke this would silently contradict every guideline version.
        if self.ihc_alone["3"] != "HER2-positive" or self.ish_negative["3"] != "HER2-positive":
            raise ValueError("IHC 3+ must be HER2-positive in ihc_alone and ish_negative")
        if self.ihc_alone["none"] not in {"unknown", "equivocal"}:
            raise ValueError("ihc_alone.none must be unknown or equivocal")
        if self.ish_negative["none"] == "zero":
            # without an IHC score nothing can say the tumour is IHC 0
            raise ValueError("ish_negative.none cannot be zero (use HER2-negative)")
        return self

    @property
    def use_ish(self) -> bool:
        """False for IHC-only profiles, which ignore ISH entirely."""
        return self.ish is not None


_PACKAGE = "her2scope"
_PROFILE_DIR = ("data", "profiles")


def _validate(data: object, origin: str) -> Her2Profile:
    if not isinstance(data, dict):
        raise SchemaError("a HER2 profile must be a YAML mapping", file=origin)
    try:
        return Her2Profile.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise SchemaError(
            f"invalid HER2 profile: {where}: {first['msg']} ({exc.error_count()} error(s))",
            file=origin,
        ) from None


def _parse_yaml(text: str, origin: str) -> object:
    try:
        return trusted_yaml(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise SchemaError(f"not valid YAML: {exc}", file=origin, line=line) from None


@cache
def _builtin_texts() -> dict[str, str]:
    folder = resources.files(_PACKAGE).joinpath(*_PROFILE_DIR)
    texts: dict[str, str] = {}
    for entry in folder.iterdir():
        if entry.name.endswith((".yaml", ".yml")):
            texts[entry.name.rsplit(".", 1)[0]] = entry.read_text(encoding="utf-8")
    return texts


@cache
def _builtin(name: str) -> Her2Profile:
    origin = f"her2scope/data/profiles/{name}.yaml"
    profile = _validate(_parse_yaml(_builtin_texts()[name], origin), origin)
    if profile.name != name:
        raise SchemaError(f"profile name {profile.name!r} differs from file name", file=origin)
    return profile


def list_profiles() -> list[Her2Profile]:
    """All built-in profiles, sorted by name (each carries ``docs.source``)."""
    return [_builtin(name) for name in sorted(_builtin_texts())]


def load_profile(profile: str | Path | Her2Profile) -> Her2Profile:
    """A profile by built-in name (``asco-cap-2023``), by path to a YAML file, or as given.

    Raises :class:`~her2scope.errors.ConfigError` for an unknown name and
    :class:`~her2scope.errors.SchemaError` for a file that does not validate.
    """
    if isinstance(profile, Her2Profile):
        return profile
    text = str(profile)
    if text in _builtin_texts():
        return _builtin(text)
    path = Path(text)
    if path.suffix in {".yaml", ".yml"} or path.exists():
        if not path.is_file():
            raise ConfigError(f"profile file not found: {path}")
        try:
            raw = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise SchemaError(f"cannot read profile: {exc}", file=str(path)) from None
        return _validate(_parse_yaml(raw, str(path)), str(path))
    known = ", ".join(sorted(_builtin_texts()))
    raise ConfigError(f"unknown HER2 profile {text!r} (known: {known}; or a path to a YAML file)")

"""The resistance-alteration catalog: which genomic events count as which alteration.

The catalog is data (``src/her2scope/data/catalog.yaml``), not code. Each entry
maps an alteration id (``ESR1_mut``, ``FGFR1_2_alt`` ...) to the genes and event
types that define it, its ``mechanism_class`` (``ER``, ``TF``, ``MAPK``,
``PI3K``, ``CDK46``), a human ``label`` and the ``source`` it is taken from
(the Front Oncol 2024 perspective, doi:10.3389/fonc.2024.1461190, and the paper's reference
numbers). Entries that the perspective's Table 1 reports also carry ``seed_table1``:
the *published* HER2-low fraction among tumours with that alteration, quoted
from the seed text, so analyses can set their own result beside it.

Event types (``type``):

``mut``
    a MAF record for the gene whose ``Variant_Classification`` is in the
    catalog's mutation class set; optionally only records flagged in the MAF
    ``Hotspot`` column (``hotspot_only: true``) and/or only the listed
    ``protein_changes`` (exact, ``D538G``; or a whole residue, ``Y537``).
``amp`` / ``homdel``
    discrete copy number 2 / -2 (GISTIC-style high-level calls; gains and
    shallow losses do not count, as on cBioPortal's default OQL).
``fusion``
    any row for the gene in the study's structural-variant table.

Mutation class sets are defined once at catalog level. ``nonsyn`` is maftools'
default non-synonymous set (``vc_nonSyn``); ``cbioportal`` adds
``Splice_Region``, which cBioPortal's query counts as a mutation. The default
catalog uses ``cbioportal`` because that is how the perspective's Table 1 was counted
(CTCF 18/31 only matches with Splice_Region); callers can switch the whole
catalog with ``mutation_classes="nonsyn"``.

:func:`load_catalog` validates with pydantic; any problem becomes one
:class:`~her2scope.errors.SchemaError` naming the file and the field.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)

from her2scope.errors import ConfigError, SchemaError
from her2scope.safeload import trusted_yaml
from her2scope.vocab import (
    BUILTIN_CLASS_SETS,
    MechanismClass,
)

EventType = Literal["mut", "amp", "homdel", "fusion"]
#: Which profile (gene-panel matrix column family) an event type is read from.
EVENT_DATA_TYPE: dict[str, Literal["mutations", "cna", "sv"]] = {
    "mut": "mutations",
    "amp": "cna",
    "homdel": "cna",
    "fusion": "sv",
}

Gene = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, pattern=r"^\S+$")]
NonEmpty = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
# A protein change as written in the MAF without "p." (D538G, V422del, X457_splice),
# or a bare residue (Y537) meaning any change at that residue.
_RESIDUE = re.compile(r"^[A-Z*]\d+$")


class _Strict(BaseModel):
    # Unknown keys are typos in a hand-written file; refuse them instead of ignoring.
    model_config = ConfigDict(extra="forbid", frozen=True)


class Event(_Strict):
    """One way a gene can be altered: ``mut``, ``amp``, ``homdel`` or ``fusion``."""

    type: EventType
    #: Restrict to some of the entry's genes (default: all of them).
    genes: tuple[Gene, ...] | None = None
    hotspot_only: bool = False
    protein_changes: tuple[NonEmpty, ...] | None = None
    #: a named set from ``data/allele_sets.yaml`` (shared with the knowledge base)
    allele_set: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _expand_allele_set(cls, data: object) -> object:
        if isinstance(data, dict) and data.get("allele_set"):
            from her2scope.alleles import allele_set

            if data.get("protein_changes"):
                raise ValueError("give either allele_set or protein_changes, not both")
            data = {**data, "protein_changes": allele_set(str(data["allele_set"]))}
        return data

    @field_validator("protein_changes")
    @classmethod
    def _strip_p_prefix(cls, value: tuple[str, ...] | None) -> tuple[str, ...] | None:
        # Accept "p.D538G" too: users copy from HGVSp_Short.
        if value is None:
            return None
        if not value:
            raise ValueError("must list at least one protein change (or be left out)")
        return tuple(v.removeprefix("p.") for v in value)

    @model_validator(mode="after")
    def _mutation_options_only_on_mut(self) -> Event:
        if self.type != "mut" and (self.hotspot_only or self.protein_changes is not None):
            raise ValueError("hotspot_only / protein_changes apply only to type 'mut'")
        return self

    @property
    def exact_changes(self) -> tuple[str, ...]:
        """Protein changes matched exactly (``D538G``)."""
        return tuple(p for p in self.protein_changes or () if not _RESIDUE.match(p))

    @property
    def residues(self) -> tuple[str, ...]:
        """Bare residues (``Y537``): any change at that residue matches."""
        return tuple(p for p in self.protein_changes or () if _RESIDUE.match(p))


class SeedTable1(_Strict):
    """The perspective's published Table 1 figure for this alteration (quoted, not computed)."""

    n_her2_low: int | None = Field(default=None, ge=0)
    n_her2_known: int | None = Field(default=None, ge=1)
    text: NonEmpty
    section: NonEmpty

    @model_validator(mode="after")
    def _counts_consistent(self) -> SeedTable1:
        if (self.n_her2_low is None) != (self.n_her2_known is None):
            raise ValueError("give both n_her2_low and n_her2_known, or neither")
        if (
            self.n_her2_low is not None
            and self.n_her2_known is not None
            and self.n_her2_low > self.n_her2_known
        ):
            raise ValueError("n_her2_low cannot exceed n_her2_known")
        return self

    @property
    def fraction(self) -> float | None:
        """Published HER2-low fraction, or None when the seed gives no counts."""
        if self.n_her2_low is None or self.n_her2_known is None:
            return None
        return self.n_her2_low / self.n_her2_known


class Alteration(_Strict):
    """One catalog entry (the id is the mapping key in the file)."""

    id: str = ""  # filled from the mapping key by Catalog
    label: NonEmpty
    mechanism_class: MechanismClass
    genes: tuple[Gene, ...] = Field(min_length=1)
    events: tuple[Event, ...] = Field(min_length=1)
    source: NonEmpty
    seed_table1: SeedTable1 | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _event_genes_subset(self) -> Alteration:
        for event in self.events:
            extra = set(event.genes or ()) - set(self.genes)
            if extra:
                raise ValueError(
                    f"event {event.type!r} names genes {sorted(extra)} not in the entry's genes"
                )
        return self

    def event_genes(self, event: Event) -> tuple[str, ...]:
        """Genes an event applies to (its own list, else the entry's)."""
        return event.genes or self.genes


_ALTERATION_ID = r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$"


class Catalog(_Strict):
    """A validated alteration catalog."""

    version: int = 1
    description: str | None = None
    #: Name of the class set ``mut`` events use unless the caller overrides it.
    mutation_classes: NonEmpty = "cbioportal"
    #: Extra named class sets; ``nonsyn`` and ``cbioportal`` always exist.
    class_sets: dict[NonEmpty, tuple[NonEmpty, ...]] = Field(default_factory=dict)
    alterations: dict[Annotated[str, StringConstraints(pattern=_ALTERATION_ID)], Alteration] = (
        Field(min_length=1)
    )

    @model_validator(mode="before")
    @classmethod
    def _ids_from_keys(cls, data: object) -> object:
        # The id lives in the mapping key; copy it in so each entry knows its name.
        if isinstance(data, dict) and isinstance(data.get("alterations"), dict):
            data = dict(data)
            data["alterations"] = {
                key: ({**value, "id": key} if isinstance(value, dict) else value)
                for key, value in data["alterations"].items()
            }
        return data

    @model_validator(mode="after")
    def _class_set_known(self) -> Catalog:
        for name, classes in self.class_sets.items():
            if name in BUILTIN_CLASS_SETS and tuple(classes) != BUILTIN_CLASS_SETS[name]:
                raise ValueError(f"class set {name!r} is built in and cannot be redefined")
            if not classes:
                raise ValueError(f"class set {name!r} is empty")
        if self.mutation_classes not in self.all_class_sets:
            raise ValueError(
                f"mutation_classes {self.mutation_classes!r} is not a class set "
                f"(known: {sorted(self.all_class_sets)})"
            )
        return self

    @property
    def all_class_sets(self) -> dict[str, tuple[str, ...]]:
        """Built-in plus catalog-defined mutation class sets."""
        return {**BUILTIN_CLASS_SETS, **{k: tuple(v) for k, v in self.class_sets.items()}}

    def classes(self, name: str | None = None) -> tuple[str, ...]:
        """Variant_Classification values of a named set (default: the catalog's)."""
        key = name or self.mutation_classes
        sets = self.all_class_sets
        if key not in sets:
            raise ConfigError(
                f"unknown mutation class set {key!r}; choose one of {', '.join(sorted(sets))}"
            )
        return sets[key]

    def __iter__(self) -> Iterator[Alteration]:  # type: ignore[override]
        return iter(self.alterations.values())

    def __len__(self) -> int:
        return len(self.alterations)

    def __getitem__(self, alteration_id: str) -> Alteration:
        return self.alterations[alteration_id]

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(self.alterations)

    def by_class(self, mechanism_class: str) -> tuple[Alteration, ...]:
        """Entries of one mechanism class, in catalog order."""
        return tuple(a for a in self if a.mechanism_class == mechanism_class)

    def genes(self) -> tuple[str, ...]:
        """Every gene the catalog mentions, sorted."""
        return tuple(sorted({g for a in self for g in a.genes}))


@dataclass(frozen=True)
class CatalogSource:
    """Where a catalog came from (for audit lines and reports)."""

    path: str
    builtin: bool


def _format_loc(loc: tuple[int | str, ...]) -> str:
    # alterations.ESR1_mut.events.0.type reads better than a tuple.
    return ".".join(str(p) for p in loc) or "<top level>"


def _one_line(exc: ValidationError) -> tuple[str, str]:
    """First pydantic error as (field path, message); the count of others appended."""
    errors = exc.errors()
    first = errors[0]
    field = _format_loc(tuple(first["loc"]))
    message = first["msg"]
    if first["type"] == "literal_error" and "expected" in first.get("ctx", {}):
        message = f"{message} (got {first['input']!r})"
    elif first["type"] == "missing":
        message = "required field is missing"
    if len(errors) > 1:
        message += f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})"
    return field, message


DEFAULT_CATALOG = "catalog.yaml"


def default_catalog_path() -> Path:
    """Path of the catalog shipped with her2scope."""
    return Path(str(resources.files("her2scope") / "data" / DEFAULT_CATALOG))


def load_catalog(path: str | Path | None = None) -> Catalog:
    """Read and validate an alteration catalog.

    ``path`` None loads the built-in catalog (``her2scope/data/catalog.yaml``,
    entries sourced from the Front Oncol 2024 perspective, doi:10.3389/fonc.2024.1461190). A user
    file must have the same shape. Raises :class:`SchemaError` with ``file``
    and ``column`` (the dotted field path, e.g.
    ``alterations.ESR1_mut.mechanism_class``) when it does not validate, and
    :class:`~her2scope.errors.ConfigError` when the file is missing.
    """
    file = Path(path) if path is not None else default_catalog_path()
    if not file.is_file():
        raise ConfigError(f"catalog file not found: {file}", file=str(file))
    try:
        raw = trusted_yaml(file.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise SchemaError(
            f"not valid YAML: {exc}".splitlines()[0], file=str(file), line=line
        ) from exc
    except UnicodeDecodeError as exc:
        raise SchemaError("not UTF-8 text", file=str(file)) from exc
    if not isinstance(raw, dict):
        raise SchemaError(
            "expected a mapping with an 'alterations' key at the top level", file=str(file)
        )
    try:
        return Catalog.model_validate(raw)
    except ValidationError as exc:
        field, message = _one_line(exc)
        raise SchemaError(message, file=str(file), column=field) from exc

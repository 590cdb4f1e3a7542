"""The schema of the synthetic study's marginals (``her2scope/data/synth_marginals.json``).

``scripts/derive_synth_marginals.py`` writes the file from the shared study;
:func:`her2scope.synth.generate_study` draws every column from it. A file
edited by hand, or derived from another study, is checked here before a single
row is drawn, so a missing key or a wrong type is one clear line
(:class:`~her2scope.errors.SchemaError` naming the file and the field) instead
of a ``KeyError`` deep in the generator. The models describe the keys the
generator reads and leave the others (``about``, counts kept for reference)
alone.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from her2scope.errors import SchemaError

__all__ = ["Marginals", "validate_marginals"]


class _Model(BaseModel):
    # keys the generator does not read (notes, reference counts) are allowed
    model_config = ConfigDict(extra="allow")


class _Panel(_Model):
    suffix: str
    count: float = Field(ge=0)


class _NumericPart(_Model):
    tokens: dict[str, float]
    n_numeric: float = Field(ge=0)
    quantiles: list[float]


class _ColumnSpec(_Model):
    name: str
    kind: Literal["categorical", "numeric", "floor_div", "tmb"]
    parents: list[str] = []
    marginal: Any = None
    conditional: Any = None
    format: str | None = None
    source: str | None = None
    divisor: float | None = None
    offset_from: str | None = None

    @model_validator(mode="after")
    def _fields_of_kind(self) -> _ColumnSpec:
        need = {
            "categorical": ("marginal",),
            "numeric": ("marginal", "format"),
            "floor_div": ("source", "divisor"),
            "tmb": ("format",),
        }[self.kind]
        missing = [k for k in need if getattr(self, k) is None]
        if missing:
            raise ValueError(f"a {self.kind} column needs {', '.join(missing)}")
        if self.kind == "categorical" and not isinstance(self.marginal, dict):
            raise ValueError("a categorical column's marginal maps each value to a weight")
        if self.kind == "numeric":
            _NumericPart.model_validate(self.marginal)
        if self.parents and not isinstance(self.conditional, dict):
            raise ValueError("a column with parents needs a conditional table (a mapping)")
        return self


class _ClinicalFile(_Model):
    header: list[list[str]] = Field(min_length=4, max_length=4)
    columns: list[str] = Field(min_length=1)
    patient_level: list[str] = []
    specs: list[_ColumnSpec]

    @model_validator(mode="after")
    def _header_matches_columns(self) -> _ClinicalFile:
        for row in self.header:
            if len(row) != len(self.columns):
                raise ValueError(
                    f"each header row needs one cell per column ({len(self.columns)}), "
                    f"got {len(row)}"
                )
        return self


class _Mutations(_Model):
    columns: list[str]
    defaults: dict[str, dict[str, float]]
    depth_quantiles: list[float]
    vaf_quantiles: list[float]
    normal_depth_quantiles: list[float]
    tmb_divisor_mb: float = Field(gt=0)
    genes: dict[str, dict[str, Any]]


class _CnaConditional(_Model):
    column: str
    rates: dict[str, Any]


class _Cna(_Model):
    values: list[str]
    genes: dict[str, dict[str, float]]
    conditional: dict[str, _CnaConditional] = {}


class _FusionEvent(_Model):
    genes: list[str]
    count: float = Field(ge=0)


class _Fusions(_Model):
    events_per_sample: float = Field(ge=0)
    frame: dict[str, float]
    defaults: dict[str, dict[str, float]]
    events: list[_FusionEvent]
    columns: list[str]


class Marginals(_Model):
    """The marginals file: panels, the two clinical files, mutations, CNA and fusions."""

    samples_per_patient: dict[str, float]
    panels: dict[str, _Panel] = Field(min_length=1)
    panel_genes: dict[str, list[str]]
    panel_note: str = ""
    sample_file: _ClinicalFile
    patient_file: _ClinicalFile
    mutations: _Mutations
    cna: _Cna
    fusions: _Fusions

    @model_validator(mode="after")
    def _every_panel_has_genes(self) -> Marginals:
        missing = [p for p in self.panels if p not in self.panel_genes]
        if missing:
            raise ValueError(f"panel_genes lacks {', '.join(missing)}")
        return self


def validate_marginals(data: object, origin: str = "synth marginals") -> dict[str, Any]:
    """``data`` checked against :class:`Marginals`, returned as it is (a dict).

    Parameters
    ----------
    data : object
        The parsed JSON.
    origin : str
        The file (or a description) named in the error.

    Returns
    -------
    dict
        ``data`` itself, unchanged: the generator reads the plain mapping.

    Raises
    ------
    SchemaError
        ``data`` is not a mapping or does not validate: the first failing
        field, its message and the number of errors, naming ``origin``.
    """
    if not isinstance(data, dict):
        raise SchemaError("synth marginals must be a JSON object", file=origin)
    try:
        Marginals.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(top level)"
        raise SchemaError(
            f"invalid synth marginals: {where}: {first['msg']} ({exc.error_count()} error(s))",
            file=origin,
        ) from None
    return data

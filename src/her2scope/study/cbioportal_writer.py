"""The one writer of cBioPortal study files: meta files, clinical headers and rows, case lists.

cBioPortal's file formats (docs.cbioportal.org, "File Formats": *Meta files*,
*Clinical Data*, *Case Lists*, *Gene panels*) and its importer's validator
(``validateData.py`` of cbioportal-core) fix the text this module writes:

- a meta file is ``key: value`` lines, ``cancer_study_identifier`` first
  (:func:`meta_text`);
- a clinical data file starts with exactly four ``#`` lines (display names,
  descriptions, datatypes, priorities), one tab-separated cell per column,
  then the attribute ids in upper case, then the rows (:func:`clinical_header`,
  :func:`clinical_sample_text`); for an export checked cell by cell, no header
  cell may be empty or ``NA``, datatypes are ``STRING``, ``NUMBER`` or
  ``BOOLEAN``, priorities integers >= 0, ``NUMBER`` cells real numbers,
  ``BOOLEAN`` cells ``TRUE``/``FALSE``, blank meaning no value;
- a case list (``case_lists/*.txt``) holds ``cancer_study_identifier``,
  ``stable_id`` (the study id, an underscore, a suffix; unique in the study),
  ``case_list_name``, ``case_list_description``, optionally
  ``case_list_category``, and ``case_list_ids`` (tab-separated sample ids)
  (:func:`case_list_head`, :func:`case_list_text`);
- a gene panel file holds ``stable_id``, ``description`` and ``gene_list``
  (:func:`gene_panel_text`).

Both writers of the package use it: ``her2scope synth`` (whole synthetic
study folders, streamed) and ``her2scope export cbioportal`` (HER2 calls and
resistance classes as sample attributes and case lists). It formats text
only; nothing here reads a study or computes a call.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from her2scope.errors import ConfigError

if TYPE_CHECKING:
    import polars as pl

#: the datatypes a clinical attribute may have
DATATYPES = ("STRING", "NUMBER", "BOOLEAN")
_UNSAFE_CELL = re.compile(r"[\t\r\n]+")


@dataclass(frozen=True)
class ClinicalAttribute:
    """One column of a cBioPortal clinical file: its id and its four header cells."""

    attribute: str
    display_name: str
    description: str
    datatype: str
    priority: str = "1"


def meta_text(study_id: str, fields: Mapping[str, str]) -> str:
    """A meta file (or the head of a case list): ``cancer_study_identifier`` then ``fields``.

    Parameters
    ----------
    study_id : str
        The study's ``cancer_study_identifier``.
    fields : Mapping of str to str
        The other keys, in the order they are written.

    Returns
    -------
    str
        ``key: value`` lines, each ending in a newline.

    Examples
    --------
    >>> meta_text("brca_x", {"genetic_alteration_type": "CLINICAL"})
    'cancer_study_identifier: brca_x\\ngenetic_alteration_type: CLINICAL\\n'
    """
    body = {"cancer_study_identifier": study_id, **fields}
    return "".join(f"{k}: {v}\n" for k, v in body.items())


def clinical_meta_text(study_id: str, datatype: str, data_filename: str) -> str:
    """The meta file of a clinical data file (``SAMPLE_ATTRIBUTES`` or ``PATIENT_ATTRIBUTES``)."""
    return meta_text(
        study_id,
        {
            "genetic_alteration_type": "CLINICAL",
            "datatype": datatype,
            "data_filename": data_filename,
        },
    )


def clinical_header(header: Sequence[Sequence[str]], columns: Sequence[str]) -> str:
    """The five header lines of a clinical file: four ``#`` rows of cells, then the ids.

    Parameters
    ----------
    header : sequence of 4 sequences of str
        Display names, descriptions, datatypes and priorities, one cell per column,
        written as given.
    columns : sequence of str
        The attribute ids.

    Returns
    -------
    str
        Five lines, each ending in a newline.
    """
    lines = ["#" + "\t".join(row) for row in header]
    lines.append("\t".join(columns))
    return "\n".join(lines) + "\n"


def _cell(value: object) -> str:
    """One data cell as cBioPortal reads it: blank for missing, no tabs or newlines."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return ""
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    return _UNSAFE_CELL.sub(" ", str(value)).strip()


def _header_cell(value: str, fallback: str) -> str:
    """A header cell: cBioPortal refuses empty or NA-like display names and descriptions."""
    text = _UNSAFE_CELL.sub(" ", value or "").strip()
    if text.lower() in {"", "na", "[not applicable]", "[not available]", "[null]"}:
        return fallback
    return text


def clinical_sample_text(rows: pl.DataFrame, attributes: Sequence[ClinicalAttribute]) -> str:
    """A cBioPortal clinical sample file: four ``#`` lines, the attribute ids, the rows.

    Every header cell and data cell is checked and made safe (see the module
    doc): an empty or NA-like display name or description falls back to the
    attribute id, a missing value is blank, booleans are ``TRUE``/``FALSE``.

    Parameters
    ----------
    rows : polars.DataFrame
        One column per attribute (same names as ``attributes``, ``SAMPLE_ID``
        and ``PATIENT_ID`` among them).
    attributes : sequence of ClinicalAttribute
        The columns, in file order.

    Returns
    -------
    str
        The file's text.

    Raises
    ------
    ConfigError
        ``SAMPLE_ID`` or ``PATIENT_ID`` missing, a datatype outside
        :data:`DATATYPES`, or a priority that is not an integer >= 0.
    """
    missing = {"SAMPLE_ID", "PATIENT_ID"} - {a.attribute for a in attributes}
    if missing:
        raise ConfigError(f"a cBioPortal sample file needs {', '.join(sorted(missing))}")
    for a in attributes:
        if a.datatype not in DATATYPES:
            raise ConfigError(f"attribute {a.attribute}: datatype must be one of {DATATYPES}")
        if not a.priority.isdigit():
            raise ConfigError(f"attribute {a.attribute}: priority must be an integer >= 0")
    header = [
        [_header_cell(a.display_name, a.attribute) for a in attributes],
        [_header_cell(a.description, a.attribute) for a in attributes],
        [a.datatype for a in attributes],
        [a.priority for a in attributes],
    ]
    names = [a.attribute for a in attributes]
    lines = [clinical_header(header, names)]
    for row in rows.select(names).iter_rows():
        lines.append("\t".join(_cell(v) for v in row) + "\n")
    return "".join(lines)


def case_list_head(
    study_id: str, suffix: str, name: str, description: str, category: str | None = None
) -> str:
    """A case list up to (and including) ``case_list_ids: ``; the ids and a newline follow.

    Written in two parts so that a writer streaming millions of sample ids
    (``her2scope synth``) never holds them all; :func:`case_list_text` is the
    whole file at once.
    """
    fields = {
        "stable_id": f"{study_id}_{suffix}",
        "case_list_name": name,
        "case_list_description": description,
    }
    if category is not None:
        fields["case_list_category"] = category
    return meta_text(study_id, fields) + "case_list_ids: "


def case_list_text(
    study_id: str,
    suffix: str,
    name: str,
    description: str,
    sample_ids: Iterable[str],
    category: str | None = None,
) -> str:
    """A cBioPortal case list file (``stable_id`` = ``<study_id>_<suffix>``, ids tab-separated).

    Examples
    --------
    >>> print(case_list_text("brca_x", "low", "HER2-low", "HER2-low samples.", ["S1"]), end="")
    cancer_study_identifier: brca_x
    stable_id: brca_x_low
    case_list_name: HER2-low
    case_list_description: HER2-low samples.
    case_list_ids: S1
    """
    return case_list_head(study_id, suffix, name, description, category) + (
        "\t".join(sample_ids) + "\n"
    )


def gene_panel_text(stable_id: str, description: str, genes: Sequence[str]) -> str:
    """A gene panel file: ``stable_id``, ``description`` and the tab-separated ``gene_list``."""
    return f"stable_id: {stable_id}\ndescription: {description}\ngene_list: {chr(9).join(genes)}\n"

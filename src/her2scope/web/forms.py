"""The new-patient form's checks, in plain words, one entry per problem.

The patient file's schema (:class:`her2scope.tumorboard.patient_file.PatientFile`) decides
what is valid; this module only words its refusals for a person at the form
(``"Therapy 1, line: enter a whole number"`` rather than pydantic's ``"Input
should be a valid integer"``), lists every problem (not the first one and a
count), and names the form field each one belongs to (``field``: the path in
the patient file, e.g. ``therapy_history[0].line``) so the page can mark and
focus it. HER2 values the schema accepts as text but the HER2 engine cannot
read (IHC ``4+``, ratio ``-3``) are flagged too, with the engine's own reason
(:mod:`her2scope.her2.parse`), because a report built on them would silently
say "HER2 unknown".

New fields need nothing here: an unknown error type falls back to the
schema's message, and labels come from :data:`LABELS` or the field name.
"""

from __future__ import annotations

from typing import Any

#: form labels of patient-file fields (the rest are shown as their name with spaces)
LABELS = {
    "id": "Id",
    "setting": "Decision",
    "er_status": "ER",
    "pr_status": "PR",
    "menopausal_status": "Menopausal status",
    "histology": "Histology",
    "her2": "HER2 of the most recent sample",
    "her2_primary": "HER2 of the primary tumor",
    "ihc": "IHC",
    "ish_status": "ISH",
    "ish_ratio": "HER2/CEP17 ratio",
    "her2_copies": "HER2 copies/cell",
    "cep17_copies": "CEP17 copies/cell",
    "alterations": "Somatic alterations",
    "markers": "Other markers",
    "therapy_history": "Therapy",
    "therapy": "therapy",
    "line": "line",
    "outcome": "outcome",
    "duration_months": "months",
    "cns_metastases": "CNS metastases",
    "metastatic_sites": "Metastatic sites",
    "germline": "Germline",
    "tested": "tested",
    "pathogenic": "pathogenic genes",
    "pd_l1": "PD-L1",
    "score": "score",
    "assay": "assay",
    "status": "status",
    "ild_history": "ILD / pneumonitis history",
    "diabetes": "Diabetes",
    "profile": "Profile",
    "ambiguous": "Range scores",
}


def field_path(loc: tuple[Any, ...]) -> str:
    """``("therapy_history", 0, "line")`` -> ``therapy_history[0].line``."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else ("." if out else "") + str(part)
    return out


def field_label(loc: tuple[Any, ...]) -> str:
    """``("therapy_history", 0, "line")`` -> ``Therapy 1, line`` (what the form shows)."""
    words: list[str] = []
    for part in loc:
        if isinstance(part, int):
            if words:
                words[-1] = f"{words[-1]} {part + 1}"
            continue
        words.append(LABELS.get(str(part), str(part).replace("_", " ")))
    return ", ".join(words) or "The patient"


def _plain(err: dict[str, Any]) -> str:
    """What the person should do, for one pydantic error."""
    kind = str(err.get("type", ""))
    ctx = err.get("ctx") or {}
    if kind == "missing":
        return "this is required"
    if kind == "string_too_short":
        return "cannot be empty"
    if kind == "string_too_long":
        return f"is too long (at most {ctx.get('max_length')} characters)"
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return "enter a whole number"
    if kind in ("float_parsing", "float_type", "finite_number"):
        return "enter a number"
    if kind in ("greater_than_equal", "greater_than"):
        return f"must be at least {ctx.get('ge', ctx.get('gt'))}"
    if kind in ("less_than_equal", "less_than"):
        return f"must be at most {ctx.get('le', ctx.get('lt'))}"
    if kind in ("literal_error", "enum"):
        return f"choose one of {str(ctx.get('expected', '')).replace(chr(39), '')}"
    if kind in ("bool_parsing", "bool_type"):
        return "choose yes or no"
    if kind == "extra_forbidden":
        return "is not a field of the patient file"
    if kind in ("list_type", "string_type", "dict_type", "model_type"):
        return "has the wrong kind of value"
    return str(err.get("msg", "is not valid")).removeprefix("Value error, ")


def _her2_problems(data: dict[str, Any]) -> list[dict[str, str]]:
    """HER2 entries the schema takes as text but the HER2 engine cannot read."""
    from her2scope.her2.parse import parse_copies, parse_ihc, parse_ish_ratio

    out = []
    for block in ("her2", "her2_primary"):
        values = data.get(block)
        if not isinstance(values, dict):
            continue
        for key, parse in (
            ("ihc", parse_ihc),
            ("ish_ratio", parse_ish_ratio),
            ("her2_copies", parse_copies),
            ("cep17_copies", parse_copies),
        ):
            raw = values.get(key)
            if raw is None or raw == "" or isinstance(raw, bool):
                continue
            reading = parse(str(raw))
            reason = getattr(reading, "unusable", None)
            if reason is None and isinstance(raw, (int, float)) and raw < 0:
                reason = "cannot be negative"
            if reason:
                loc = (block, key)
                out.append(
                    {
                        "field": field_path(loc),
                        "label": field_label(loc),
                        "message": f"{field_label(loc)}: {raw!s} cannot be read ({reason})",
                    }
                )
    return out


def form_errors(data: Any) -> list[dict[str, str]]:
    """Every problem of a patient document from the form, in plain words (empty: valid).

    Each entry: ``field`` (the path in the patient file), ``label`` (the form's
    words for it) and ``message`` (``"<label>: <what to do>"``). A document
    that is not a mapping gives ``[]`` here; the schema's reader refuses it
    with its own message.
    """
    from pydantic import ValidationError

    from her2scope.tumorboard.patient_file import PatientFile

    if not isinstance(data, dict) or not all(isinstance(k, str) for k in data):
        return []
    problems: list[dict[str, str]] = []
    try:
        PatientFile.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            loc = tuple(err.get("loc", ()))
            label = field_label(loc)
            if err.get("type") == "extra_forbidden":
                from her2scope.tumorboard.patient_file import _model_at, did_you_mean

                parent = _model_at(PatientFile, loc)
                allowed = list(parent.model_fields) if parent is not None else []
                hint = did_you_mean(str(loc[-1]), allowed)
                problems.append(
                    {
                        "field": field_path(loc),
                        "label": label,
                        "message": f"unknown field {field_path(loc)!r}{hint}",
                    }
                )
                continue
            problems.append(
                {
                    "field": field_path(loc),
                    "label": label,
                    "message": f"{label}: {_plain(dict(err))}",
                }
            )
    problems += _her2_problems(data)
    return problems

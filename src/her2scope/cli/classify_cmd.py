"""Commands for this area register on :data:`her2scope.cli.app.app`.

``classify`` (HER2 calls for a pathology table), ``profiles`` (the rule
profiles and their sources) and ``version``. Thin: read with
:mod:`her2scope.study.tables`, call :mod:`her2scope.her2`, format with
:mod:`her2scope.her2.views`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from her2scope.cli.app import app, cache_choice, complete_profile
from her2scope.errors import ConfigError, InputFormatError


def parse_map(items: list[str] | None) -> dict[str, str] | None:
    if not items:
        return None
    mapping: dict[str, str] = {}
    for item in items:
        field, sep, column = item.partition("=")
        if not sep or not field.strip() or not column.strip():
            raise ConfigError(f"--map expects field=column, got {item!r}")
        mapping[field.strip()] = column.strip()
    return mapping


MapOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--map",
        help="field=column, repeatable (HER2 fields ihc, ish_status, ish_ratio, her2_copies, "
        "cep17_copies; on study commands also cell_count, hr, er, pr, sample_type, os_months, "
        "os_status).",
    ),
]
ConventionsOpt = Annotated[
    str | None,
    typer.Option(
        "--conventions",
        help="Study column convention: msk_breast, tcga_brca_legacy, tcga_brca_pancan, "
        "metabric, generic, or a convention YAML file (default: detected from the columns).",
    ),
]


def harmonised_study(
    loaded: Any, conventions: str | None, map_: list[str] | None, source: str = "sequenced"
) -> Any:
    """The study in her2scope's layout by its convention; the choice printed to stderr."""
    from rich.console import Console

    from her2scope.study.conventions import AUDIT_CODE, harmonise

    study = harmonise(loaded, conventions, parse_map(map_), source=source)
    entry = study.audit.by_code(AUDIT_CODE)[-1]
    Console(stderr=True).print(f"{study.study_id}: {entry.message}", markup=False)
    return study


def require_her2_levels(study: Any, analysis: str) -> None:
    """Refuse, before any work is done, a study that cannot give HER2-0/low/positive calls:
    the library's :class:`~her2scope.errors.StudyError` with its reason
    (:func:`her2scope.study.conventions.require_her2_levels`), printed by the CLI's one
    error handler."""
    from her2scope.study.conventions import require_her2_levels as require

    require(study, analysis)


def require_known_profile(name: str) -> None:
    """Refuse a HER2 rule profile name that is neither built in nor a profile file.

    A patient file's ``profile: asco-cap-2032`` was only looked up when its HER2
    pathology needed a call, so a file with a HER2 category alone (or none) was
    accepted with a profile that does not exist. Raises
    :class:`~her2scope.errors.ConfigError` naming the known profiles.
    """
    from her2scope.her2.profiles import load_profile

    load_profile(name)


StrictOpt = Annotated[
    bool,
    typer.Option(
        "--strict",
        help="Refuse (exit 2) a study outside breast cancer (CANCER_TYPE, ONCOTREE_CODE, "
        "type_of_cancer) instead of warning.",
    ),
]


def check_cancer_type(study: Any, *, strict: bool) -> None:
    """Warn (stderr and the study's audit, so every output carries it) when the study is
    outside breast cancer; with ``strict`` exit 2 instead (:mod:`her2scope.study.cancer_type`)."""
    from rich.console import Console

    from her2scope.study.cancer_type import breast_warning

    message = breast_warning(study, strict=strict)
    if message is None:
        return
    if strict:
        from her2scope.errors import StudyError

        raise StudyError(message)
    study.audit.add("warning", "study.not_breast", message)
    Console(stderr=True).print(f"warning: {message}", markup=False)


def read_study(
    study: str,
    *,
    no_cache: bool,
    conventions: str | None,
    map_: list[str] | None,
    source: str = "sequenced",
    strict: bool = False,
) -> Any:
    """A command's study: loaded (from the parsed cache unless ``--no-cache``), read by its
    convention (:func:`harmonised_study`, the choice printed) and checked to be breast
    cancer (:func:`check_cancer_type`: warned, or refused with ``strict``)."""
    from her2scope.study import load_study

    loaded = harmonised_study(
        load_study(study, cache=cache_choice(no_cache)), conventions, map_, source
    )
    check_cancer_type(loaded, strict=strict)
    return loaded


@app.command()
def classify(
    table: Annotated[
        Path,
        typer.Argument(
            help="TSV/CSV pathology table (gzip ok), or a cBioPortal study (folder or id): "
            "its samples are read by the study's convention, as analyze and export read them."
        ),
    ],
    profile: Annotated[
        str,
        typer.Option(
            "--profile",
            "-p",
            help="Rule profile name or path to a profile YAML.",
            autocompletion=complete_profile,
        ),
    ] = "asco-cap-2023",
    ambiguous: Annotated[
        str,
        typer.Option("--ambiguous", help="IHC ranges straddling a boundary: low | zero | exclude."),
    ] = "exclude",
    map_: Annotated[
        list[str] | None,
        typer.Option(
            "--map",
            help="field=column (fields: ihc, ish_status, ish_ratio, her2_copies, cep17_copies).",
        ),
    ] = None,
    source: Annotated[
        str,
        typer.Option("--source", help="MSK columns to use by default: sequenced | primary."),
    ] = "sequenced",
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help="Output file: TSV; CSV, Parquet, JSON or XLSX by its suffix "
            "(.csv, .parquet, .json, .xlsx).",
        ),
    ] = None,
) -> None:
    """Call HER2 status (HER2-positive/low/ultralow/null/0 ...) for every row of TABLE.

    Writes every input row and column plus her2_category, ish_group,
    ambiguous and her2_rationale; prints a summary to stderr.
    """
    from her2scope.choices import canonical_choice
    from her2scope.her2 import AMBIGUITY_POLICIES, SOURCES
    from her2scope.her2 import classify as run
    from her2scope.her2.views import print_her2_summary
    from her2scope.study.tables import read_table_info

    # a choice is a word, not its case (--ambiguous LOW, --source Primary)
    ambiguous = str(canonical_choice("ambiguous", ambiguous, AMBIGUITY_POLICIES))
    source = str(canonical_choice("source", source, SOURCES))
    mapping = parse_map(map_)
    _out_format(out)  # an --out whose format is unknown is refused before reading
    if table.is_dir() or (not table.exists() and not table.suffix and "/" not in str(table)):
        _classify_study(table, profile, ambiguous, mapping, source, out)
        return
    read = read_table_info(table, allow_duplicates=True)
    if mapping:
        read.require_unique(mapping.values())
    try:
        result = run(
            read.frame,
            profile=profile,
            ambiguous=ambiguous,
            mapping=mapping,
            source=source,
        )
    except InputFormatError as exc:
        if exc.file is None:  # the library does not know the file; the header line is the place
            raise InputFormatError(
                exc.message, file=str(table), line=read.header_line, column=exc.column
            ) from None
        raise
    read.require_unique(result.mapping.values())
    _write_calls(result.table, out)
    print_her2_summary(result)
    if read.duplicates:
        from rich.console import Console

        shown = "; ".join(
            f"{c!r} (columns {', '.join(map(str, p))})" for c, p in read.duplicates.items()
        )
        Console(stderr=True).print(
            f"note: column name(s) appearing twice, not read for the HER2 call, first copy "
            f"kept in the output: {shown}",
            markup=False,
        )


#: Suffixes written as delimited text by :func:`~her2scope.her2.views.write_classified`.
_TEXT_SUFFIXES = {".tsv", ".txt", ".csv", ".tab"}


def _out_format(out: Path | None) -> str | None:
    """The writer-registry format ``--out`` names by its suffix; None for delimited text.

    ``--out calls.parquet`` used to write TSV under a Parquet name (a file
    every Parquet reader refuses). An unknown suffix is refused before any work.
    """
    from her2scope.render.writers import WRITERS

    if out is None or not out.suffix or out.suffix.lower() in _TEXT_SUFFIXES:
        return None
    by_suffix = {suffix: name for name, (suffix, _) in WRITERS.items()}
    fmt = by_suffix.get(out.suffix.lower())
    if fmt is None:
        raise ConfigError(
            f"--out {out.name}: cannot tell the format from {out.suffix!r}; use one of "
            f"{', '.join(sorted(_TEXT_SUFFIXES | set(by_suffix)))}"
        )
    return fmt


def _write_calls(table: Any, out: Path | None) -> None:
    """The classified table to ``out`` in the format its suffix names (stdout: TSV)."""
    from her2scope.her2.views import write_classified
    from her2scope.render.writers import write_table

    fmt = _out_format(out)
    if out is None or fmt is None:
        write_classified(table, out)
        return
    write_table(table, out, format=fmt)


def _classify_study(
    study: Path,
    profile: str,
    ambiguous: str,
    mapping: dict[str, str] | None,
    source: str,
    out: Path | None,
) -> None:
    """``classify STUDY``: the study's samples through the one HER2 path every study
    command uses (its convention, then the engine); a study without a HER2 test is
    refused with the reason."""
    from her2scope.errors import StudyError
    from her2scope.her2 import classify as run
    from her2scope.her2.views import print_her2_summary
    from her2scope.study import load_study
    from her2scope.study.conventions import ABSENT_CODE, harmonise

    loaded = harmonise(load_study(str(study)), None, mapping, source=source)
    absent = loaded.audit.by_code(ABSENT_CODE)
    if absent:
        raise StudyError(f"no HER2 call can be made for {loaded.study_id}: {absent[-1].message}")
    result = run(loaded.samples, profile=profile, ambiguous=ambiguous, source=source)
    _write_calls(result.table, out)
    print_her2_summary(result)


@app.command()
def profiles() -> None:
    """List the HER2 rule profiles with their guideline sources."""
    from rich.console import Console

    from her2scope.her2 import list_profiles
    from her2scope.her2.views import profiles_table

    Console().print(profiles_table(list_profiles()))


@app.command()
def version() -> None:
    """Print the her2scope version."""
    from her2scope.cli.app import version_string

    print(version_string())  # the same string as --version

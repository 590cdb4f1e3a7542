"""``her2scope export cbioportal``: HER2 calls and resistance classes back into cBioPortal.

Thin: load the study, call :func:`her2scope.export.run.export_cbioportal`,
write its files.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from her2scope.cli.app import NoCacheOpt, app, cache_choice, complete_study, results_folder
from her2scope.cli.classify_cmd import ConventionsOpt, MapOpt, check_cancer_type, parse_map

export_app = typer.Typer(
    name="export",
    help="Write her2scope's results in other tools' formats.",
    no_args_is_help=True,
)
app.add_typer(export_app, name="export")


class Profile(StrEnum):
    """Built-in HER2 rule profiles (``src/her2scope/data/profiles``)."""

    asco_cap_2023 = "asco-cap-2023"
    asco_cap_2018 = "asco-cap-2018"
    ihc_only = "ihc-only"


class Ambiguous(StrEnum):
    """What an IHC range that ISH does not settle counts as."""

    low = "low"
    zero = "zero"
    exclude = "exclude"


class Source(StrEnum):
    """Whose HER2 pathology is read."""

    sequenced = "sequenced"
    primary = "primary"


@export_app.command("cbioportal")
def cbioportal_command(
    study: Annotated[
        str,
        typer.Argument(help="Study folder or cBioPortal study id.", autocompletion=complete_study),
    ],
    out: Annotated[
        Path,
        typer.Option(
            "--out",
            help="Folder for the files; copy its contents into the study folder to import them.",
        ),
    ],
    profile: Annotated[
        Profile, typer.Option("--profile", help="HER2 rule profile.", case_sensitive=False)
    ] = Profile.asco_cap_2023,
    ambiguous: Annotated[
        Ambiguous,
        typer.Option(
            "--ambiguous", help="Range IHC scores ISH does not settle.", case_sensitive=False
        ),
    ] = Ambiguous.exclude,
    source: Annotated[
        Source,
        typer.Option(
            "--source",
            help="HER2 pathology of the sequenced or primary tumor.",
            case_sensitive=False,
        ),
    ] = Source.sequenced,
    only_new: Annotated[
        bool,
        typer.Option(
            "--only-new",
            help="Sample file with SAMPLE_ID, PATIENT_ID and the her2scope columns only "
            "(for an incremental upload); by default the study's own columns are kept, "
            "since a study may have only one sample attribute file.",
        ),
    ] = False,
    no_cache: NoCacheOpt = False,
    map_: MapOpt = None,
    conventions: ConventionsOpt = None,
) -> None:
    """HER2 call, rationale, ISH group, ambiguity and resistance classes as clinical sample
    attributes (prefix HER2SCOPE_), with their meta file and HER2 case lists."""
    from rich.console import Console

    from her2scope.export.run import export_cbioportal
    from her2scope.study import load_study

    loaded = load_study(study, cache=cache_choice(no_cache))
    check_cancer_type(loaded, strict=False)  # outside breast: said, as analyze says it
    result = export_cbioportal(
        loaded,
        profile=profile.value,
        ambiguous=ambiguous.value,
        source=source.value,
        only_new=only_new,
        convention=conventions,
        mapping=parse_map(map_),
    )
    with results_folder(out, profile=profile.value, ambiguous=ambiguous.value):
        written = result.write(out)
    err = Console(stderr=True)
    for path in written:
        err.print(f"wrote {path}")
    err.print(
        f"{len(result.attributes)} attributes (HER2SCOPE_*), {len(result.case_lists)} case lists; "
        f"copy {out}/* into the folder of {result.study_id} to import them"
    )

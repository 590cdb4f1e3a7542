"""Follow-up commands ``switching`` and ``survival`` (registered on :data:`her2scope.cli.app.app`).

The two questions that follow patients over time: how their HER2 call changes
between samples, and how long they live. Thin by design: load the study, call
the question's ``run`` (:func:`her2scope.cohort.switching.run`,
:func:`her2scope.cohort.survival.run`), hand the result
to its views. A refusal is a library error (:class:`~her2scope.errors.Her2scopeError`),
reported in one line by :func:`her2scope.cli.main`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from her2scope.cli.app import (
    NoCacheOpt,
    app,
    complete_choice,
    complete_profile,
    complete_study,
    results_folder,
    wrote,
)
from her2scope.cli.classify_cmd import (
    ConventionsOpt,
    MapOpt,
    StrictOpt,
    read_study,
)
from her2scope.vocab import profile_names

StudyArg = Annotated[
    str,
    typer.Argument(help="Study folder or cBioPortal study id.", autocompletion=complete_study),
]
ProfileOpt = Annotated[
    str,
    typer.Option(
        "--profile",
        help="HER2 rule profile (see `her2scope classify`).",
        autocompletion=complete_profile,
        metavar="[" + "|".join((*profile_names(), "FILE.yaml")) + "]",
    ),
]
AmbiguousOpt = Annotated[
    str,
    typer.Option(
        "--ambiguous",
        help="Policy for ambiguous pathology values (e.g. exclude).",
        autocompletion=complete_choice("low", "zero", "exclude"),
        metavar="[low|zero|exclude]",
    ),
]
OutOpt = Annotated[
    Path | None,
    typer.Option("--out", help="Write TSV/JSON/PNG/HTML outputs into this folder."),
]


@app.command("switching")
def switching_command(
    study: StudyArg,
    profile: ProfileOpt = "asco-cap-2023",
    ambiguous: AmbiguousOpt = "exclude",
    out: OutOpt = None,
    no_cache: NoCacheOpt = False,
    map_: MapOpt = None,
    conventions: ConventionsOpt = None,
    strict: StrictOpt = False,
) -> None:
    """HER2 category switching: primary pathology vs sequenced sample, and serial samples."""
    from her2scope.cohort.options import SwitchingOptions, make_options
    from her2scope.cohort.switching import run
    from her2scope.cohort.switching.views import print_switching, write_switching

    options = make_options(SwitchingOptions, {"profile": profile, "ambiguous": ambiguous})
    loaded = read_study(study, no_cache=no_cache, conventions=conventions, map_=map_, strict=strict)
    result = run(loaded, options)
    print_switching(result)
    if out is not None:
        with results_folder(out, profile=profile, ambiguous=ambiguous):
            written = write_switching(result, out)
        for path in written:
            wrote(f"wrote {path}")


@app.command("survival")
def survival_command(
    study: StudyArg,
    by: Annotated[
        str, typer.Option("--by", help="'her2' or 'alteration:ID' (e.g. alteration:PIK3CA_mut).")
    ] = "her2",
    profile: ProfileOpt = "asco-cap-2023",
    ambiguous: AmbiguousOpt = "exclude",
    out: OutOpt = None,
    no_cache: NoCacheOpt = False,
    map_: MapOpt = None,
    conventions: ConventionsOpt = None,
    strict: StrictOpt = False,
) -> None:
    """Overall survival (KM, log-rank, Cox) by HER2 group or alteration, per patient."""
    from her2scope.cohort.options import SurvivalOptions, make_options
    from her2scope.cohort.survival import run
    from her2scope.cohort.survival.views import print_survival, write_survival

    options = make_options(SurvivalOptions, {"by": by, "profile": profile, "ambiguous": ambiguous})
    loaded = read_study(study, no_cache=no_cache, conventions=conventions, map_=map_, strict=strict)
    result = run(loaded, options, refuse_empty=True)
    print_survival(result)
    if out is not None:
        with results_folder(out, profile=profile, ambiguous=ambiguous):
            written = write_survival(result, out)
        for path in written:
            wrote(f"wrote {path}")

"""Commands for this area register on :data:`her2scope.cli.app.app`.

``her2scope validate STUDY`` and ``her2scope fetch STUDY_ID``: argument
parsing only; the work is in :mod:`her2scope.study`, the printing in
:mod:`her2scope.study.views`.
"""

from __future__ import annotations

from pathlib import Path

import typer

from her2scope.cli.app import app
from her2scope.cli.classify_cmd import ConventionsOpt, MapOpt, parse_map


@app.command()
def validate(
    study: str = typer.Argument(..., help="Study folder, or a cBioPortal study id."),
    panels: Path | None = typer.Option(
        None,
        "--panels",
        help="Folder of gene panel files (default: $HER2SCOPE_PANELS, "
        "else gene_panels/ beside the study).",
    ),
    strict: bool = typer.Option(
        False, "--strict", help="Also fail (exit 2) on warnings, e.g. a missing data file."
    ),
    conventions: ConventionsOpt = None,
    map_: MapOpt = None,
) -> None:
    """Read a cBioPortal study, print its audit; exit 0 if usable, 2 if not."""
    from her2scope.render.console import print_renderable
    from her2scope.study import load_study
    from her2scope.study.cancer_type import breast_warning, study_id_problem
    from her2scope.study.conventions import harmonise
    from her2scope.study.views import validation_report

    loaded = harmonise(
        load_study(study, panels_dir=panels, on_error="record"), conventions, parse_map(map_)
    )
    # what other commands refuse, validate must not call usable without a word
    problem = study_id_problem(loaded.study_id)
    if problem is not None:
        loaded.audit.add(
            "warning",
            "meta.study_id_not_cbioportal",
            problem,
            file="meta_study.txt",
            column="cancer_study_identifier",
        )
    outside = breast_warning(loaded)
    if outside is not None:
        loaded.audit.add("warning", "study.not_breast", outside)
    print_renderable(validation_report(loaded, strict=strict))  # split or blocks, never squeezed
    if not loaded.audit.ok or (strict and loaded.audit.warnings):
        # the one-line reason on stderr, as every other exit 2 gives it
        n_err, n_warn = len(loaded.audit.errors), len(loaded.audit.warnings)
        why = (
            f"{n_err} error(s)" if n_err else f"{n_warn} warning(s), and --strict fails on warnings"
        )
        typer.echo(f"her2scope: error: {loaded.study_id} is not usable: {why}", err=True)
        raise typer.Exit(code=2)


@app.command()
def fetch(
    study: str = typer.Argument(..., help="cBioPortal study id, e.g. breast_msk_2018."),
) -> None:
    """Find a study (local folders, cache) or download it from the datahub; print its folder."""
    from her2scope.study import resolve_study

    print(resolve_study(study))


cache_app = typer.Typer(
    help="The parsed-study cache (Parquet copies of studies already read).",
    no_args_is_help=True,
)
app.add_typer(cache_app, name="cache")


@cache_app.command("info")
def cache_info() -> None:
    """Print where the parsed-study cache is, its entries and their size on disk."""
    from her2scope._api import cache_info as library_cache_info

    typer.echo(library_cache_info().summary())


@cache_app.command("clear")
def cache_clear() -> None:
    """Remove every parsed-study entry (studies are parsed again on their next load)."""
    from her2scope.study import cache

    n = cache.clear()
    typer.echo(f"removed {n} entr{'y' if n == 1 else 'ies'} from {cache.parsed_dir()}")

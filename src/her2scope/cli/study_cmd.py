"""Commands for this area register on :data:`her2scope.cli.app.app`.

``her2scope validate STUDY`` and ``her2scope fetch STUDY_ID``: argument
parsing only; the work is in :mod:`her2scope.study`, the printing in
:mod:`her2scope.report.study`.
"""

from __future__ import annotations

from pathlib import Path

import typer

from her2scope.cli.app import app


@app.command()
def validate(
    study: str = typer.Argument(..., help="Study folder, or a cBioPortal study id."),
    panels: Path | None = typer.Option(
        None,
        "--panels",
        help="Folder of gene panel files (default: $HER2SCOPE_PANELS, "
        "else gene_panels/ beside the study).",
    ),
) -> None:
    """Read a cBioPortal study, print its audit; exit 0 if usable, 2 if not."""
    from her2scope.report.study import print_validation
    from her2scope.study import load_study

    loaded = load_study(study, panels_dir=panels, on_error="record")
    print_validation(loaded)
    if not loaded.audit.ok:
        raise typer.Exit(code=2)


@app.command()
def fetch(
    study: str = typer.Argument(..., help="cBioPortal study id, e.g. breast_msk_2018."),
) -> None:
    """Find a study (local folders, cache) or download it from the datahub; print its folder."""
    from her2scope.study import resolve_study

    print(resolve_study(study))

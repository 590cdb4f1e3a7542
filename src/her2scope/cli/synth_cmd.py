"""``her2scope synth``: write a synthetic cBioPortal study of any size.

Thin by design: parse options, call :func:`her2scope.synth.generate_study`,
print a short summary. The generator and its modelling choices live in the
library so a Python user reaches the same thing.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from her2scope.cli.app import app
from her2scope.errors import ConfigError

if TYPE_CHECKING:
    from rich.console import Console

    from her2scope.synth import SynthSummary

#: the library's parameter -> this command's option, where the names differ
_OPTION_OF = {"n_samples": "samples"}


def _in_option_words(exc: ConfigError) -> ConfigError:
    """The library's error with its parameter named as this command's option (``--samples``
    for ``n_samples``); the CLI's error handler turns ``parameter X`` into ``--X``."""
    message = exc.message
    for parameter, option in _OPTION_OF.items():
        message = message.replace(f"parameter {parameter} ", f"parameter {option} ")
    return ConfigError(message, file=exc.file, line=exc.line, column=exc.column)


@app.command("synth")
def synth(
    samples: int = typer.Option(..., "--samples", "-n", help="Number of samples to generate."),
    out: Path = typer.Option(..., "--out", "-o", help="Study folder to write (created)."),
    seed: int = typer.Option(0, "--seed", help="Random seed; same seed, same bytes."),
    study_id: str | None = typer.Option(
        None, "--study-id", help="cancer_study_identifier (default synth_breast_n{N}_s{seed})."
    ),
    gzip_output: bool = typer.Option(
        False, "--gzip", help="Write data_*.txt.gz (meta files point at them)."
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar or summary."),
) -> None:
    """Write a synthetic study whose marginals follow breast_msk_2018 (streamed, bounded memory)."""
    from rich.console import Console

    from her2scope.synth import generate_study

    console = Console(stderr=True)
    try:
        if quiet:
            generate_study(
                out, n_samples=samples, seed=seed, study_id=study_id, gzip_output=gzip_output
            )
            return
        summary = _generate_with_bar(console, out, samples, seed, study_id, gzip_output)
    except ConfigError as exc:
        raise _in_option_words(exc) from None
    console.print(
        f"wrote {summary.study_id} to {summary.out_dir}: {summary.n_samples:,} samples, "
        f"{summary.n_patients:,} patients, {summary.n_mutations:,} mutations, "
        f"{summary.n_cna_genes} CNA genes, {summary.n_fusion_rows:,} fusion rows, "
        f"{summary.total_bytes / 1e6:.1f} MB in {summary.seconds:.1f} s"
    )


def _generate_with_bar(
    console: Console,
    out: Path,
    samples: int,
    seed: int,
    study_id: str | None,
    gzip_output: bool,
) -> SynthSummary:
    """:func:`~her2scope.synth.generate_study` under a progress bar on ``console``."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from her2scope.synth import generate_study

    with Progress(
        TextColumn("synth"),
        BarColumn(),
        TextColumn("{task.completed:,}/{task.total:,} samples"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task("synth", total=samples)
        return generate_study(
            out,
            n_samples=samples,
            seed=seed,
            study_id=study_id,
            gzip_output=gzip_output,
            progress=lambda done, total: bar.update(task, completed=done),
        )

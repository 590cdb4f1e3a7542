"""``her2scope synth``: write a synthetic cBioPortal study of any size.

Thin by design: parse options, call :func:`her2scope.synth.generate_study`,
print a short summary. The generator and its modelling choices live in the
library so a Python user reaches the same thing.
"""

from __future__ import annotations

from pathlib import Path

import typer

from her2scope.cli.app import app


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
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from her2scope.synth import generate_study

    console = Console(stderr=True)
    if quiet:
        summary = generate_study(
            out, n_samples=samples, seed=seed, study_id=study_id, gzip_output=gzip_output
        )
        return
    with Progress(
        TextColumn("synth"),
        BarColumn(),
        TextColumn("{task.completed:,}/{task.total:,} samples"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task("synth", total=samples)
        summary = generate_study(
            out,
            n_samples=samples,
            seed=seed,
            study_id=study_id,
            gzip_output=gzip_output,
            progress=lambda done, total: bar.update(task, completed=done),
        )
    console.print(
        f"wrote {summary.study_id} to {summary.out_dir}: {summary.n_samples:,} samples, "
        f"{summary.n_patients:,} patients, {summary.n_mutations:,} mutations, "
        f"{summary.n_cna_genes} CNA genes, {summary.n_fusion_rows:,} fusion rows, "
        f"{summary.total_bytes / 1e6:.1f} MB in {summary.seconds:.1f} s"
    )

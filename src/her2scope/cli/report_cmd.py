"""``her2scope report`` (patient reports) and ``her2scope kb`` (knowledge-base curation).

Thin: read the patient file or the study, call :mod:`her2scope.kb`, format
with :mod:`her2scope.tumorboard.views`.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Annotated

import typer

from her2scope.cli.app import NoCacheOpt, app, results_folder
from her2scope.cli.classify_cmd import (
    ConventionsOpt,
    MapOpt,
    read_study,
    require_known_profile,
)
from her2scope.errors import ConfigError

kb_app = typer.Typer(
    name="kb",
    help="Read and check the knowledge base of resistance mechanisms and therapies.",
    no_args_is_help=True,
)
app.add_typer(kb_app, name="kb")

_FORMATS = ("md", "html", "json")


def _write(text: str, out: Path | None) -> None:
    if out is None:
        sys.stdout.write(text)
    else:
        from her2scope.outputs import write_text_atomic

        write_text_atomic(out, text)
        typer.echo(f"wrote {out}", err=True)


@app.command()
def report(
    patient: Annotated[
        Path | None, typer.Argument(help="Patient file (YAML or JSON).", show_default=False)
    ] = None,
    study: Annotated[
        str | None, typer.Option("--study", help="Study folder or id (instead of PATIENT).")
    ] = None,
    sample: Annotated[str | None, typer.Option("--sample", help="Sample id in --study.")] = None,
    all_samples: Annotated[
        bool,
        typer.Option(
            "--all",
            help="Every sample of --study (needs --out DIR): one long table (sample x option) "
            "by default; one report per sample with --per-sample.",
        ),
    ] = False,
    per_sample: Annotated[
        bool, typer.Option("--per-sample", help="With --all: one report file per sample.")
    ] = False,
    table_format: Annotated[
        str,
        typer.Option("--table-format", help="With --all: tsv or parquet (the long table)."),
    ] = "tsv",
    fmt: Annotated[
        str, typer.Option("--format", "-f", help="md | html | json.", metavar="[md|html|json]")
    ] = "md",
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Output file (folder with --all).")
    ] = None,
    schema: Annotated[
        bool, typer.Option("--schema", help="Print the JSON Schema of the patient file and exit.")
    ] = False,
    no_cache: NoCacheOpt = False,
    map_: MapOpt = None,
    conventions: ConventionsOpt = None,
) -> None:
    """Match a patient (or study samples) to the knowledge base: mechanisms, ranked options,
    resistance warnings, trials and caveats. Supports, and does not replace, clinical judgment.
    """
    from her2scope.tumorboard import views as render
    from her2scope.tumorboard.match import Matcher

    if schema:
        from her2scope.tumorboard.patient_file import dump_json, patient_json_schema

        _write(dump_json(patient_json_schema()), out)
        return
    render.check_format(fmt)  # the library checks it, before a study is read
    if patient is not None and study is not None:
        raise ConfigError("give either a PATIENT file or --study, not both")
    if patient is not None:
        from her2scope.tumorboard.patient_file import read_patient

        profile = read_patient(patient)
        require_known_profile(profile.profile)
        _write(render.render(Matcher().match(profile), fmt), out)
        return
    if study is None:
        raise ConfigError("give a PATIENT file, or --study with --sample or --all")
    from her2scope.tumorboard.from_study import profile_from_study

    if all_samples == (sample is not None):
        raise ConfigError("with --study give exactly one of --sample ID or --all")
    # the study's HER2 and receptor columns read by its convention (TCGA, METABRIC ...); a
    # study outside breast: said, then reported
    loaded = read_study(study, no_cache=no_cache, conventions=conventions, map_=map_)
    if sample is not None:
        built = profile_from_study(loaded, sample)  # its notes carry the study's warnings
        _write(render.render(Matcher().match(built), fmt), out)
        return
    if out is None:
        raise ConfigError("--all needs --out DIR")
    t0 = time.perf_counter()
    if not per_sample:
        _write_option_table(loaded, out, table_format, t0)
        return
    with results_folder(out):
        from her2scope.tumorboard.run import write_patient_reports

        batch = write_patient_reports(loaded, out, fmt=fmt)
    elapsed = time.perf_counter() - t0
    typer.echo(
        f"wrote {len(batch.index)} reports and index.tsv to {out} in {elapsed:.1f} s "
        f"({loaded.study_id}, {len(batch.index)} samples)",
        err=True,
    )


def _write_option_table(loaded: object, out: Path, table_format: str, t0: float) -> None:
    """``report --study S --all``: the long sample x option table, streamed out in chunks."""
    from her2scope.cli.progress import progress_bar
    from her2scope.render.writers import STREAMING_FORMATS, WRITERS, write_table_chunks
    from her2scope.study.model import Study
    from her2scope.tumorboard.batch import match_study, option_table_chunks, row_keeper

    assert isinstance(loaded, Study)
    if table_format not in ("tsv", "parquet"):
        raise ConfigError(f"--table-format must be tsv or parquet, got {table_format!r}")
    assert table_format in STREAMING_FORMATS
    with progress_bar("matching profiles") as advance:
        # option rows kept, not whole reports: memory grows with decision keys x options
        batch = match_study(loaded, progress=advance, keep=row_keeper())
    name = "options" + WRITERS[table_format][0]
    with results_folder(out):
        path, n = write_table_chunks(option_table_chunks(batch), out / name, format=table_format)
    elapsed = time.perf_counter() - t0
    typer.echo(
        f"wrote {path} ({n} rows: {batch.n_samples} samples x options, "
        f"{batch.n_distinct} distinct profiles, {batch.n_decisions} matched) in {elapsed:.1f} s "
        f"({loaded.study_id})",
        err=True,
    )


@kb_app.command("list")
def kb_list(
    section: Annotated[
        str | None,
        typer.Option("--section", help="biomarker | mechanism | strategy | trial."),
    ] = None,
    path: Annotated[
        Path | None, typer.Option("--path", help="KB folder (default: packaged).")
    ] = None,
) -> None:
    """List every entry: section, id, class/level, label."""
    from her2scope.kb.load import load_kb
    from her2scope.kb.views import render_kb_list

    if section is not None and section not in ("biomarker", "mechanism", "strategy", "trial"):
        raise ConfigError(
            f"--section must be biomarker, mechanism, strategy or trial, got {section!r}"
        )
    sys.stdout.write(render_kb_list(load_kb(path), section))


@kb_app.command("show")
def kb_show(
    entry_id: Annotated[str, typer.Argument(help="Entry id (e.g. m_esr1_y537s).")],
    path: Annotated[
        Path | None, typer.Option("--path", help="KB folder (default: packaged).")
    ] = None,
) -> None:
    """Show one entry as YAML, with its sources."""
    from her2scope.kb.load import load_kb
    from her2scope.kb.views import render_kb_entry

    kb = load_kb(path)
    try:
        entry = kb.entry(entry_id)
    except KeyError:
        raise ConfigError(
            f"no knowledge-base entry with id {entry_id!r} (see 'her2scope kb list')"
        ) from None
    sys.stdout.write(render_kb_entry(entry))


@kb_app.command("validate")
def kb_validate(
    path: Annotated[
        Path | None, typer.Option("--path", help="KB folder (default: packaged).")
    ] = None,
) -> None:
    """Validate schema, sources and cross-references; print the counts."""
    from her2scope.kb.load import load_kb

    kb = load_kb(path)
    counts = ", ".join(f"{n} {k}" for k, n in kb.counts().items())
    typer.echo(f"knowledge base {kb.meta.version} (as of {kb.meta.as_of}) is valid: {counts}")


@kb_app.command("export")
def kb_export(
    fmt: Annotated[str, typer.Option("--format", "-f", help="tsv.")] = "tsv",
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Output file.")] = None,
    path: Annotated[
        Path | None, typer.Option("--path", help="KB folder (default: packaged).")
    ] = None,
) -> None:
    """Export every entry (section, id, label, class/level, sources, as_of)."""
    from her2scope.kb.load import load_kb
    from her2scope.kb.views import render_kb_tsv

    if fmt != "tsv":
        raise ConfigError(f"--format must be tsv, got {fmt!r}")
    _write(render_kb_tsv(load_kb(path)), out)


@kb_app.command("diff")
def kb_diff(
    old: Annotated[Path, typer.Argument(help="Folder of the older knowledge base.")],
    new: Annotated[
        Path | None, typer.Argument(help="Folder of the newer one (default: packaged).")
    ] = None,
) -> None:
    """What changed between two knowledge-base versions: entries added, removed, changed."""
    from her2scope.kb.load import load_kb
    from her2scope.kb.views import render_kb_diff

    sys.stdout.write(render_kb_diff(load_kb(old), load_kb(new)))


@kb_app.command("review")
def kb_review(
    today: Annotated[
        str | None,
        typer.Option("--date", help="Review date YYYY-MM-DD (default: the KB's as_of date)."),
    ] = None,
    open_only: Annotated[
        bool,
        typer.Option("--open", help="Only items not marked unconfirmed with a reason."),
    ] = False,
    path: Annotated[
        Path | None, typer.Option("--path", help="KB folder (default: packaged).")
    ] = None,
) -> None:
    """What needs a re-check, oldest first: passed PDUFA/CHMP/readout dates, stale
    'ongoing' trials, weak source hosts, sources looked up over a year ago."""
    import datetime as dt

    from her2scope.kb.load import load_kb
    from her2scope.kb.review import render_review, review

    kb = load_kb(path)
    try:
        day = dt.date.fromisoformat(today) if today is not None else kb.meta.as_of
    except ValueError:
        raise ConfigError(f"--date must be YYYY-MM-DD, got {today!r}") from None
    items = review(kb, day)
    if open_only:
        items = [i for i in items if not i.accepted]
    sys.stdout.write(render_review(kb, items, day))

"""``her2scope analyze``: the HER2-low x resistance-alteration table of a study."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated, Any

import typer

from her2scope.cli.app import (
    NoCacheOpt,
    app,
    cache_choice,
    complete_choice,
    complete_profile,
    complete_study,
    results_folder,
)
from her2scope.cli.classify_cmd import (
    ConventionsOpt,
    MapOpt,
    StrictOpt,
    check_cancer_type,
    harmonised_study,
    parse_map,
    read_study,
    require_her2_levels,
)
from her2scope.errors import ConfigError
from her2scope.render.console import print_table, stdout_console
from her2scope.vocab import profile_names

PROFILE_METAVAR = "[" + "|".join((*profile_names(), "FILE.yaml")) + "]"


@app.command()
def analyze(
    studies: Annotated[
        list[str],
        typer.Argument(
            help="Study folder(s) or cBioPortal study id(s); with several, per-study tables "
            "and a pooled table with study as a stratum.",
            metavar="STUDY...",
            autocompletion=complete_study,
        ),
    ],
    profile: Annotated[
        str,
        typer.Option(
            help="HER2 rule profile: ihc-only, asco-cap-2018, asco-cap-2023 or a YAML file.",
            metavar=PROFILE_METAVAR,
            autocompletion=complete_profile,
        ),
    ] = "asco-cap-2023",
    ambiguous: Annotated[
        str,
        typer.Option(
            help="Range IHC scores ISH does not settle: low, zero or exclude.",
            metavar="[low|zero|exclude]",
        ),
    ] = "exclude",
    catalog: Annotated[
        Path | None, typer.Option(help="Alteration catalog YAML (default: the built-in one).")
    ] = None,
    mutation_classes: Annotated[
        str | None,
        typer.Option(
            help="MAF classes counted as mutated: cbioportal (default) or nonsyn (maftools)."
        ),
    ] = None,
    one_per_patient: Annotated[
        str | None, typer.Option(help="Keep one sample per patient: first, last or metastatic.")
    ] = None,
    sample_type: Annotated[
        str,
        typer.Option(
            help="all, primary or metastasis (any case).",
            metavar="[all|primary|metastasis]",
            autocompletion=complete_choice("all", "primary", "metastasis"),
        ),
    ] = "all",
    hr: Annotated[
        str,
        typer.Option(help="all, or positive (HR-positive samples only).", metavar="[all|positive]"),
    ] = "all",
    source: Annotated[
        str,
        typer.Option(
            help="HER2 pathology of the sequenced sample or of the primary tumor.",
            metavar="[sequenced|primary]",
        ),
    ] = "sequenced",
    expected: Annotated[
        str, typer.Option(help="Expected HER2-low fraction range, e.g. 0.45-0.55.")
    ] = "0.45-0.55",
    sensitivity: Annotated[
        bool, typer.Option("--sensitivity", help="Rerun under every profile x ambiguity policy.")
    ] = False,
    cohort: Annotated[
        str,
        typer.Option(
            help="all, or endocrine-resistant: HR-positive samples taken after endocrine "
            "therapy where the study records it, else HR-positive metastases (each sample's "
            "basis is in audit.tsv)."
        ),
    ] = "all",
    adjusted: Annotated[
        bool,
        typer.Option(
            "--adjusted",
            help="Add crude vs Mantel-Haenszel vs multivariable (patient-clustered) odds "
            "ratios and answer the paper's three open questions under two HER2 readings.",
        ),
    ] = False,
    actionability: Annotated[
        bool,
        typer.Option(
            "--actionability",
            help="Add each sample's best knowledge-base option level (the patient report's "
            "matcher and gates) by HER2 x endocrine resistance x alteration class, the figure "
            "and the perspective's Q2 ('targetable in addition').",
        ),
    ] = False,
    jurisdiction: Annotated[
        str, typer.Option(help="Whose approval counts as approved: FDA or EMA.")
    ] = "FDA",
    history: Annotated[
        str,
        typer.Option(
            help="Therapy history assumed for --actionability: after-et-cdk46 (second-line "
            "metastatic decision after endocrine therapy + CDK4/6 inhibitor) or first-line.",
        ),
    ] = "after-et-cdk46",
    out: Annotated[Path | None, typer.Option(help="Folder for TSV/JSON/HTML outputs.")] = None,
    no_cache: NoCacheOpt = False,
    map_: MapOpt = None,
    conventions: ConventionsOpt = None,
    strict: StrictOpt = False,
) -> None:
    """HER2-low fraction among tumors with each endocrine-resistance alteration.

    With several studies, each is harmonised by its own convention and analysed,
    then pooled with study as a stratum (Mantel-Haenszel); a study whose HER2 is
    only positive/negative is left out with its reason.
    """
    import contextlib

    from rich.console import Console

    from her2scope.alterations import load_catalog
    from her2scope.cohort import run as pipeline
    from her2scope.cohort.options import AnalysisOptions, parse_expected_range
    from her2scope.cohort.table1 import views
    from her2scope.vocab import ALL_CLASS, MECHANISM_CLASSES

    options = AnalysisOptions(
        profile=profile,
        ambiguous=ambiguous,
        source=source,  # type: ignore[arg-type]
        sample_type=sample_type,  # type: ignore[arg-type]
        hr=hr,  # type: ignore[arg-type]
        one_per_patient=one_per_patient,  # type: ignore[arg-type]
        expected=parse_expected_range(expected),
        mutation_classes=mutation_classes,
        cohort=cohort,  # type: ignore[arg-type]
        mapping=tuple(sorted((parse_map(map_) or {}).items())),
    )
    request = pipeline.AnalyzeRequest(
        options,
        sensitivity=sensitivity,
        adjusted=adjusted,
        actionability=actionability,
        jurisdiction=jurisdiction,
        history=history,
    )
    err = Console(stderr=True)
    t0 = time.perf_counter()
    if len(studies) > 1:
        _analyze_several(
            studies,
            options,
            catalog=catalog,
            no_cache=no_cache,
            out=out,
            refused={
                "--sensitivity": sensitivity,
                "--adjusted": adjusted,
                "--actionability": actionability,
                "--map": bool(map_),
                "--conventions": conventions is not None,
            },
            strict=strict,
        )
        err.print(f"done in {time.perf_counter() - t0:.2f} s")
        return
    study = studies[0]
    loaded = read_study(
        study, no_cache=no_cache, conventions=conventions, map_=map_, source=source, strict=strict
    )
    require_her2_levels(loaded, "the HER2-low x alteration table")
    cat = load_catalog(catalog) if catalog else load_catalog()
    bar: contextlib.AbstractContextManager[Any] = contextlib.nullcontext()
    if actionability:
        from her2scope.cli.progress import progress_bar

        bar = progress_bar("matching profiles")
    with bar as advance:
        done = pipeline.run(loaded, request, catalog=cat, progress=advance)
    console = stdout_console()  # COLUMNS, else the terminal's width, else 120 for a pipe
    views.print_result(done.table1.result, console)
    sens = done.table1.sensitivity
    if sens is not None:
        print_table(views.sensitivity_summary(sens, [ALL_CLASS, *MECHANISM_CLASSES]), console)
    if done.adjusted is not None:
        from her2scope.cohort.adjusted.views import print_adjusted

        print_adjusted(done.adjusted, console)
    if done.actionability is not None:
        from her2scope.cohort.actionability.views import summary_text

        console.print(summary_text(done.actionability), markup=False, highlight=False)
    if out is not None:
        command = request.command([study], out=out, conventions=conventions, catalog=catalog)
        with results_folder(out, command=command, profile=profile, ambiguous=ambiguous):
            written = pipeline.write(done, out, command=command)
        err.print(f"wrote {', '.join(p.name for p in written)} to {out}")
    cached = loaded.audit.by_code("study.parsed_cache")
    source = (
        " (study tables from the parsed cache; --no-cache re-reads the files)" if cached else ""
    )
    err.print(f"done in {time.perf_counter() - t0:.2f} s{source}")


def _analyze_several(
    studies: list[str],
    options: object,
    *,
    catalog: Path | None,
    no_cache: bool,
    out: Path | None,
    refused: dict[str, bool],
    strict: bool = False,
) -> None:
    """``analyze STUDY1 STUDY2 ...``: load and harmonise each, pool, print, write."""
    from rich.console import Console

    from her2scope.alterations import load_catalog
    from her2scope.cohort.options import AnalysisOptions, analyze_command
    from her2scope.cohort.pooled import run as pooled
    from her2scope.cohort.pooled import views
    from her2scope.study import load_study

    assert isinstance(options, AnalysisOptions)
    given = [flag for flag, on in refused.items() if on]
    if given:
        raise ConfigError(
            f"{', '.join(given)} work on one study; with several studies each study's convention "
            "is detected and the pooled table is computed (run them per study)"
        )
    loaded = [
        harmonised_study(load_study(s, cache=cache_choice(no_cache)), None, None, options.source)
        for s in studies
    ]
    for one in loaded:
        check_cancer_type(one, strict=strict)
    cat = load_catalog(catalog) if catalog else load_catalog()
    result = pooled.run(loaded, options, catalog=cat)
    err = Console(stderr=True)
    for sid, reason in result.left_out.items():
        err.print(f"{sid}: left out of the pooled table: {reason}", markup=False)
    views.print_pooled(result, stdout_console())
    if out is not None:
        o = options
        command = analyze_command(studies, o, out=out, catalog=catalog)
        with results_folder(out, command=command, profile=o.profile, ambiguous=o.ambiguous):
            written = pooled.write(result, out, command=command)
        err.print(
            f"wrote {len(written)} files to {out} (pooled.tsv, pooled.json, report.html, "
            "one folder per study)"
        )

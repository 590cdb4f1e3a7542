"""The typer application object that every command module registers on.

Command modules live beside this file, one per area (``classify_cmd``,
``study_cmd``, ``analyze_cmd``, ``report_cmd``, ``synth_cmd``) so that each
stays thin: parse arguments, call the library, hand results to ``report/``.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Annotated

import typer

#: ``-h`` as well as ``--help``, on every command (click passes it down to subcommands)
CONTEXT = {"help_option_names": ["-h", "--help"]}

app = typer.Typer(
    name="her2scope",
    help="HER2-low x endocrine-resistance analysis for breast cancer cohorts and tumor boards.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    context_settings=CONTEXT,
)


def version_string() -> str:
    """What ``her2scope --version`` and ``her2scope version`` both print."""
    from her2scope import __version__

    return f"her2scope {__version__}"


def _print_version(value: bool) -> None:
    if value:
        typer.echo(version_string())
        raise typer.Exit()


# ---------------------------------------------------------------- shell completion


def complete_profile(incomplete: str) -> list[str]:
    """Completion of ``--profile``: the built-in profile names (any case typed)."""
    from her2scope.vocab import profile_names

    return [p for p in profile_names() if p.startswith(incomplete.casefold())]


def complete_study(incomplete: str) -> list[str]:
    """Completion of a study argument: the study ids under ``$HER2SCOPE_STUDIES`` and in
    the download cache (folders with a ``meta_study.txt``); a path completes as a path."""
    import os

    from her2scope.study.fetch import cache_dir

    roots = [
        Path(p).expanduser() for p in os.environ.get("HER2SCOPE_STUDIES", "").split(os.pathsep)
    ]
    ids = {
        meta.parent.name
        for root in [*roots, cache_dir()]
        if str(root) not in ("", ".") and root.is_dir()
        for meta in root.glob("*/meta_study.txt")
    }
    return sorted(i for i in ids if i.startswith(incomplete))


def complete_choice(*choices: str) -> object:
    """A completion callback offering ``choices`` (for options checked by the library)."""

    def complete(incomplete: str) -> list[str]:
        return [c for c in choices if c.startswith(incomplete.casefold())]

    return complete


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            callback=_print_version,
            is_eager=True,
            help="Print the her2scope version and exit.",
        ),
    ] = False,
) -> None:
    """HER2-low x endocrine-resistance analysis for breast cancer cohorts and tumor boards."""


#: ``--no-cache`` for commands that load a study (``load_study(cache=...)``).
NoCacheOpt = Annotated[
    bool,
    typer.Option(
        "--no-cache",
        help="Parse the study files even when the parsed-study cache holds them "
        "(also HER2SCOPE_PARSED_CACHE=0).",
    ),
]


def cache_choice(no_cache: bool) -> bool | None:
    """``load_study(cache=...)`` for a ``--no-cache`` flag: None lets the env var decide."""
    return False if no_cache else None


#: the command line being run (set by :func:`her2scope.cli.main`), for provenance
INVOKED: list[str] = []


def command_line() -> str:
    """The command being run, shell-quoted (``her2scope switching STUDY --out x``)."""
    import shlex
    import sys

    args = INVOKED or ["her2scope", *sys.argv[1:]]
    return shlex.join(args)


def results_folder(out: Path, **provenance: object) -> contextlib.AbstractContextManager[Path]:
    """Write a command's results folder as one bundle (all files or none) that records
    the command, profile and policy in ``provenance.json`` (see :func:`her2scope.outputs.bundle`).
    """
    from her2scope.outputs import bundle

    provenance.setdefault("command", command_line())
    return bundle(out, **provenance)


def wrote(message: str) -> None:
    """Say what was written: always on stderr, so stdout carries only the result itself."""
    typer.echo(message, err=True)

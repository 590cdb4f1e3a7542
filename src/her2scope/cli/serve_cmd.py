"""``her2scope serve``: the local web app (cohort pages, patient reports).

Thin: parse the options and hand them to :func:`her2scope.web.create_app` and
uvicorn. Starlette and uvicorn are imported only when the command runs, so
other commands start as fast as before.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from her2scope.cli.app import app
from her2scope.errors import ConfigError


@app.command()
def serve(
    studies: Annotated[
        list[Path] | None,
        typer.Option(
            "--studies",
            help="Folder holding cBioPortal study folders (repeatable); "
            "HER2SCOPE_STUDIES and the download cache are searched too.",
        ),
    ] = None,
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8765,
    host: Annotated[
        str,
        typer.Option(help="Address to bind; the default keeps the app on this machine."),
    ] = "127.0.0.1",
    no_warm: Annotated[
        bool,
        typer.Option("--no-warm", help="Do not load the studies in the background at start."),
    ] = False,
) -> None:
    """Local web app: cohort exploration and tumor-board patient reports in the browser."""
    if not 1 <= port <= 65535:
        raise ConfigError(f"--port must be between 1 and 65535, got {port}")
    for folder in studies or []:
        if not folder.is_dir():
            raise ConfigError(f"--studies: not a folder: {folder}")
    import uvicorn

    from her2scope.web import create_app

    web_app = create_app(studies or [], host=host, warm=not no_warm)
    if host not in ("127.0.0.1", "localhost", "::1"):
        typer.echo(
            f"warning: binding {host} makes patient data reachable from other machines",
            err=True,
        )
    shown = f"[{host}]" if ":" in host else host
    typer.echo(f"her2scope serve: http://{shown}:{port}/ (Ctrl+C stops)", err=True)
    uvicorn.run(web_app, host=host, port=port, log_level="warning", server_header=False)

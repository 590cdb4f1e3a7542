"""``her2scope serve``: the local web app (cohort pages, patient reports).

Thin: parse the options and hand them to :func:`her2scope.web.create_app` and
uvicorn. Starlette and uvicorn are imported only when the command runs, so
other commands start as fast as before.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

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
    allow_host: Annotated[
        list[str] | None,
        typer.Option(
            "--allow-host",
            help="Host name the browser may use to reach the app (repeatable), e.g. the "
            "machine's name when binding 0.0.0.0; without it 0.0.0.0 accepts any Host.",
        ),
    ] = None,
) -> None:
    """Local web app: cohort exploration and tumor-board patient reports in the browser."""
    if not 1 <= port <= 65535:
        raise ConfigError(f"--port must be between 1 and 65535, got {port}")
    for folder in studies or []:
        if not folder.is_dir():
            raise ConfigError(f"--studies: not a folder: {folder}")
    sock = _bind(host, port)  # before anything is printed: a busy port is one line
    import os

    import uvicorn

    from her2scope.web import create_app
    from her2scope.web.registry import default_roots, scan

    for raw in os.environ.get("HER2SCOPE_STUDIES", "").split(os.pathsep):
        if raw.strip() and not Path(raw).expanduser().is_dir():
            typer.echo(f"warning: HER2SCOPE_STUDIES names {raw}, which is not a folder", err=True)
    found, _, hidden = scan(default_roots(studies or []))
    for folder in hidden:
        shown_by = found[folder.name].folder
        typer.echo(f"warning: study {folder} is not served: {shown_by} has the same name", err=True)
    web_app = create_app(studies or [], host=host, allowed_hosts=allow_host or (), warm=not no_warm)
    if host not in ("127.0.0.1", "localhost", "::1"):
        typer.echo(
            f"warning: binding {host} makes patient data reachable from other machines",
            err=True,
        )
    shown = f"[{host}]" if ":" in host else host
    typer.echo(f"her2scope serve: http://{shown}:{port}/ (Ctrl+C stops)", err=True)
    config = uvicorn.Config(web_app, log_level="warning", server_header=False)
    uvicorn.Server(config).run(sockets=[sock])


def _bind(host: str, port: int) -> Any:
    """The listening socket, or a one-line ConfigError (port in use, address not here)."""
    import errno
    import socket

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(2048)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise ConfigError(
                f"port {port} on {host} is already in use (another her2scope serve?); "
                "stop it or choose another with --port"
            ) from None
        raise ConfigError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    sock.set_inheritable(True)
    return sock

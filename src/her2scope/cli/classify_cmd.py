"""Commands for this area register on :data:`her2scope.cli.app.app`."""

from __future__ import annotations

from her2scope.cli.app import app


@app.command()
def version() -> None:
    """Print the her2scope version."""
    from her2scope import __version__

    print(__version__)

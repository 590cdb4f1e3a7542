"""Commands for this area register on :data:`her2scope.cli.app.app`."""

from __future__ import annotations

"""``her2scope serve``: a local web app for cohort exploration and tumor-board reports.

Thin, like the CLI: studies are read with :func:`her2scope.study.load_study`,
analysed with :mod:`her2scope.cohort`, matched with :mod:`her2scope.kb` and
formatted by :mod:`her2scope.report`; this package only adds HTTP, caching and
the page templates.

- :mod:`her2scope.web.registry`: which studies exist (only folders under the
  configured roots) and the per-process cache of loaded studies and results.
- :mod:`her2scope.web.service`: the computations behind the pages (cohort
  options from query parameters, filters, figures, superseded-figure skipping).
- :mod:`her2scope.web.forms`: the new-patient form's problems in plain words.
- :mod:`her2scope.web.app`: the Starlette application (:func:`create_app`).

Starlette is imported only here, never by ``import her2scope`` or the CLI.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from her2scope.web.app import create_app

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from her2scope.web.app import create_app

        return create_app
    raise AttributeError(name)

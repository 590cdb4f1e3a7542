"""Every HTML page of the package comes from here: one jinja environment, one style.

The cohort report, the pooled report, the adjusted section, the switching and
survival pages, the patient reports and their index render through
:func:`environment` (templates in ``her2scope/report/templates``, autoescaped,
undefined names are errors); the web app uses an overlay of the same
environment with its own template folder. Figures are embedded with
:func:`embed` (an :class:`EmbeddedFigure` with its ``data:`` URI), so every
page stays one self-contained file.

jinja2 is imported on first use, so a command that never writes HTML does not
pay for it.
"""

from __future__ import annotations

import html as _html
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import jinja2
    import polars as pl
    from matplotlib.figure import Figure

#: The style of the small pages (switching, survival); the cohort and patient
#: templates carry their own longer style sheets.
CSS = (
    "body{font-family:system-ui,sans-serif;margin:2em;max-width:70em;color:#222}"
    "table{border-collapse:collapse;margin:0.5em 0 1.5em}"
    "th,td{border:1px solid #ccc;padding:3px 8px;text-align:left;font-size:0.9em}"
    "th{background:#f2f2f2}.note{background:#fff8e1;border-left:4px solid #f0b400;"
    "padding:0.5em 1em;margin:1em 0}img{max-width:100%}"
)


@cache
def environment() -> jinja2.Environment:
    """The package's one jinja environment (autoescaped, strict about undefined names)."""
    import jinja2

    return jinja2.Environment(
        loader=jinja2.PackageLoader("her2scope.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render(template: str, **context: Any) -> str:
    """Render a template of ``her2scope/report/templates``."""
    return environment().get_template(template).render(**context)


def escape(text: object) -> str:
    """HTML-escape text for a hand-built fragment."""
    return _html.escape(str(text))


@dataclass(frozen=True)
class EmbeddedFigure:
    """A figure ready for a page: title, caption, encoded bytes and their format."""

    title: str
    caption: str
    data: bytes
    format: str = "svg"

    @property
    def data_uri(self) -> str:
        from her2scope.report.figures import data_uri

        return data_uri(self.data, self.format)


def embed(fig: Figure, title: str = "", caption: str = "", *, fmt: str = "svg") -> EmbeddedFigure:
    """Encode a matplotlib figure (:func:`her2scope.report.figures.encode`) for a page."""
    from her2scope.report.figures import encode

    return EmbeddedFigure(title, caption, encode(fig, fmt=fmt), fmt)


def frame_to_html(frame: pl.DataFrame, *, float_digits: int = 4) -> str:
    """An escaped HTML table for a small polars frame."""
    return render("frame.html.j2", frame=frame, digits=float_digits)


def page(title: str, sections: Sequence[str]) -> str:
    """A complete self-contained page (inline CSS, no external resources) of HTML sections.

    ``sections`` are already-safe HTML fragments (rendered or escaped here).
    """
    from markupsafe import Markup

    return render(
        "page.html.j2", title=title, css=Markup(CSS), sections=[Markup(s) for s in sections]
    )


def note(text: str) -> str:
    """A highlighted note paragraph (escaped)."""
    return f"<div class='note'>{escape(text)}</div>"


def figure_tag(fig: EmbeddedFigure) -> str:
    """An ``<img>`` of an embedded figure, its title as the alternative text."""
    return f"<img alt='{escape(fig.title)}' src='{fig.data_uri}'>"

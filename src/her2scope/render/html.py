"""Every HTML page of the package comes from here: one jinja environment, one style.

The cohort report, the pooled report, the adjusted section, the switching and
survival pages, the patient reports and their index render through
:func:`environment` (templates in ``her2scope/render/templates``, autoescaped,
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
        loader=jinja2.PackageLoader("her2scope.render", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render(template: str, **context: Any) -> str:
    """Render a template of ``her2scope/render/templates``."""
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
        from her2scope.render.canvas import data_uri

        return data_uri(self.data, self.format)


def embed(
    fig: Figure,
    title: str = "",
    caption: str = "",
    *,
    format: str | None = None,
    fmt: str | None = None,
) -> EmbeddedFigure:
    """Encode a matplotlib figure (:func:`her2scope.render.canvas.encode`) for a page
    (``format``: svg by default; ``fmt`` is its deprecated spelling)."""
    from her2scope.render.canvas import encode
    from her2scope.render.writers import format_keyword

    chosen = str(format_keyword(format, "svg", fmt=fmt))
    return EmbeddedFigure(title, caption, encode(fig, format=chosen), chosen)


#: What a blank cell means where it has a meaning: a Kaplan-Meier median (or the
#: upper bound of its interval) that the curve never reaches.
BLANK_MEANS: dict[str, str] = {"median_os_months": "not reached", "median_ci_high": "not reached"}

#: Column names as a reader says them (the files keep the snake_case names).
READABLE_HEADERS: dict[str, str] = {
    "n_patients": "patients",
    "n_events": "deaths",
    "median_os_months": "median OS (months)",
    "median_ci_low": "95% CI low",
    "median_ci_high": "95% CI high",
    "hazard_ratio": "hazard ratio",
    "ci_low": "95% CI low",
    "ci_high": "95% CI high",
    "p_value": "p",
    "ph_test_statistic": "PH test statistic",
    "ph_p_value": "PH test p",
    "ph_ok": "PH holds",
    "sample_type": "sample type",
    "from_category": "from",
    "n_pairs": "pairs",
}


def readable_header(name: str) -> str:
    """``median_os_months`` -> ``median OS (months)``; unknown names lose their underscores."""
    return READABLE_HEADERS.get(name, name.replace("_", " "))


def frame_to_html(frame: pl.DataFrame, *, float_digits: int = 4) -> str:
    """An escaped HTML table for a small polars frame: readable headers, and a blank
    cell that means something (:data:`BLANK_MEANS`) says it."""
    import polars as pl

    def said(name: str, text: str) -> pl.Expr:
        col = pl.col(name)
        if frame.schema[name].is_float():
            # the column turns to text: its numbers keep the table's digits
            col = col.map_elements(lambda v: f"{v:.{float_digits}g}", return_dtype=pl.String)
        return col.cast(pl.String).fill_null(text)

    filled = frame.with_columns(said(c, t) for c, t in BLANK_MEANS.items() if c in frame.columns)
    headers = [readable_header(c) for c in filled.columns]
    return render("frame.html.j2", frame=filled, headers=headers, digits=float_digits)


#: The class that scopes a fragment's style (a notebook keeps its own look).
FRAGMENT_CLASS = "her2scope-output"


def fragment(title: str, sections: Sequence[str]) -> str:
    """A ``<div>`` of HTML sections with a style scoped to it: what a result's
    ``_repr_html_`` shows in a notebook, where a whole page's ``body``/``th``
    rules would restyle the notebook itself.
    """
    import re

    from markupsafe import Markup

    scoped = re.sub(
        r"(^|})([^{}]+)\{",
        lambda m: (
            m[1] + ",".join(f".{FRAGMENT_CLASS} {sel.strip()}" for sel in m[2].split(",")) + "{"
        ),
        re.sub(r"body\{[^}]*\}", "", CSS),
    )
    scoped = f".{FRAGMENT_CLASS}{{font-family:system-ui,sans-serif;color:#222}}" + scoped
    body = "\n".join(Markup(s) for s in sections)
    return (
        f"<div class='{FRAGMENT_CLASS}'><style>{scoped}</style>"
        f"<h3>{escape(title)}</h3>\n{body}</div>"
    )


def page(title: str, sections: Sequence[str]) -> str:
    """A complete self-contained page (inline CSS, no external resources) of HTML sections.

    ``sections`` are already-safe HTML fragments (rendered or escaped here).
    """
    from markupsafe import Markup

    from her2scope.outputs import current_provenance

    prov = current_provenance()
    if prov:
        # written by a command: the page says how it was made (version, command, reading)
        said = "; ".join(f"{k.replace('_', ' ')}: {v}" for k, v in prov.items())
        sections = [*sections, f"<p class='note'>Made by {escape(said)}</p>"]
    return render(
        "page.html.j2", title=title, css=Markup(CSS), sections=[Markup(s) for s in sections]
    )


def note(text: str) -> str:
    """A highlighted note paragraph (escaped)."""
    return f"<div class='note'>{escape(text)}</div>"


def figure_tag(fig: EmbeddedFigure) -> str:
    """An ``<img>`` of an embedded figure, its title as the alternative text."""
    return f"<img alt='{escape(fig.title)}' src='{fig.data_uri}'>"

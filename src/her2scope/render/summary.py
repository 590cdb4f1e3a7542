"""A result's summary as plain data, rendered to text or HTML by one generic renderer.

A result builds a :class:`Summary` from its own numbers (title, facts, tables,
notes) in its ``_summary()`` method; :class:`Presentable` gives it
``summary()`` (text), ``_repr_html_()`` (a notebook cell) and ``to_pandas()``
from that one method. The renderer never imports a result class, so a result
never has to import its renderer: the shape of statsmodels'
``iolib.summary.Summary`` and lifelines' ``utils.printer.Printer``.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from her2scope.render.formats import fmt_num


@dataclass(frozen=True)
class Summary:
    """What a result says about itself, before any formatting.

    ``facts``: (label, value) pairs, values already formatted for reading;
    ``tables``: (caption, frame) pairs, the first being the result's main table
    (what ``to_pandas()`` returns); ``notes``: sentences a reader must see
    (biases, caveats, what was excluded).
    """

    title: str
    facts: Sequence[tuple[str, str]] = ()
    tables: Sequence[tuple[str, pl.DataFrame]] = ()
    notes: Sequence[str] = ()
    #: rows of a table shown in text and HTML (the table itself keeps every row)
    max_rows: int = field(default=20)

    # ------------------------------------------------------------------ text

    def as_text(self) -> str:
        """Plain text: title, aligned facts, each table as a fixed-width grid, notes."""
        out = [self.title, "=" * len(self.title)]
        if self.facts:
            width = max(len(label) for label, _ in self.facts)
            out += [f"{label.ljust(width)}  {value}" for label, value in self.facts]
        for caption, frame in self.tables:
            out += ["", caption, *_text_grid(frame, self.max_rows)]
        if self.notes:
            out.append("")
            out += [f"Note: {note}" for note in self.notes]
        return "\n".join(out)

    # ------------------------------------------------------------------ HTML

    def as_html(self) -> str:
        """An escaped HTML fragment (a notebook cell): the same content as :meth:`as_text`."""
        esc = html.escape
        parts = [f'<div class="her2scope-output"><h4>{esc(self.title)}</h4>']
        if self.facts:
            rows = "".join(
                f"<tr><th>{esc(label)}</th><td>{esc(value)}</td></tr>"
                for label, value in self.facts
            )
            parts.append(f"<table>{rows}</table>")
        for caption, frame in self.tables:
            parts.append(_html_table(caption, frame, self.max_rows))
        parts += [f"<p><em>{esc(note)}</em></p>" for note in self.notes]
        parts.append("</div>")
        return "".join(parts)

    @property
    def main_table(self) -> pl.DataFrame | None:
        return self.tables[0][1] if self.tables else None


class Presentable:
    """Mixin: ``summary()``, ``_repr_html_()`` and ``to_pandas()`` from ``_summary()``.

    A result class defines ``_summary(self) -> Summary``; a result whose main
    table is not the first table of its summary overrides :meth:`to_pandas`.
    """

    def _summary(self) -> Summary:  # pragma: no cover - every result defines it
        raise NotImplementedError

    def summary(self) -> str:
        """A few lines a reader can take in at once (plain text)."""
        return self._summary().as_text()

    def _repr_html_(self) -> str:
        return self._summary().as_html()

    def to_pandas(self) -> Any:
        """The result's main table as a pandas DataFrame."""
        table = self._summary().main_table
        if table is None:
            raise ValueError(f"{type(self).__name__} has no table")
        return table.to_pandas()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return fmt_num(value)
    return str(value)


def _rows(frame: pl.DataFrame, max_rows: int) -> tuple[list[list[str]], int]:
    shown = frame.head(max_rows)
    rows = [[_cell(v) for v in row] for row in shown.iter_rows()]
    return rows, frame.height - shown.height


def _text_grid(frame: pl.DataFrame, max_rows: int) -> list[str]:
    rows, hidden = _rows(frame, max_rows)
    header = list(frame.columns)
    widths = [max([len(h), *(len(r[i]) for r in rows)]) for i, h in enumerate(header)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True))]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    if hidden:
        lines.append(f"... {hidden} more rows")
    return [line.rstrip() for line in lines]


def _html_table(caption: str, frame: pl.DataFrame, max_rows: int) -> str:
    esc = html.escape
    rows, hidden = _rows(frame, max_rows)
    head = "".join(f"<th>{esc(c)}</th>" for c in frame.columns)
    body = "".join("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in r) + "</tr>" for r in rows)
    more = f"<p>... {hidden} more rows</p>" if hidden else ""
    return (
        f"<table><caption>{esc(caption)}</caption><thead><tr>{head}</tr></thead>"
        f"<tbody>{body}</tbody></table>{more}"
    )

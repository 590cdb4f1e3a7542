"""The pooled question's views: terminal, pooled TSV/JSON, HTML report.

Lays out what :func:`her2scope.cohort.pooled.compute.analyze_many` returned; nothing
here computes a statistic. Each study's own outputs are the single-study ones
(written by :func:`her2scope.cohort.pooled.run.write` through Table 1's run), in a
folder named by its id. Only the faces and the runs import it.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl
from rich.console import Console
from rich.table import Table

from her2scope.cohort.pooled.result import fmt_pooled_or, pooled_summary_lines
from her2scope.cohort.provenance import CITATIONS, versions
from her2scope.cohort.table1.result import fmt_fixed, not_assessed_text
from her2scope.render.formats import fmt_p

if TYPE_CHECKING:
    from her2scope.cohort.pooled.result import PooledResult


def pooled_summary_text(result: PooledResult) -> str:
    """Plain lines: studies pooled and left out, the ALL row, not-assessed alterations."""
    return "\n".join(pooled_summary_lines(result))


def terminal_table(result: PooledResult) -> Table:
    """The pooled table as a rich table (crude pooled counts next to the MH OR)."""
    t = Table(
        title=f"Pooled HER2-low x resistance alterations - {' + '.join(result.study_ids)} - "
        f"profile {result.options.profile}, ambiguous {result.options.ambiguous}",
        title_justify="left",
        header_style="bold",
        pad_edge=False,
    )
    for name in (
        "alteration",
        "studies",
        "altered",
        "known",
        "low",
        "% low",
        "low/0 alt",
        "low/0 not",
        "crude OR (95% CI)",
        "MH OR by study (95% CI)",
        "BD p",
    ):
        t.add_column(name, justify="left" if name == "alteration" else "right", overflow="fold")
    unassessed = set(result.not_assessed["alteration"].to_list())
    for r in result.table.iter_rows(named=True):
        t.add_row(
            r["alteration"],
            f"{r['n_studies_assessed']}/{r['n_studies']}",
            "n/a" if r["alteration"] in unassessed else str(r["n_altered"]),
            str(r["n_her2_known"]),
            str(r["n_her2_low"]),
            fmt_fixed(r["pct_her2_low"]),
            f"{r['n_altered_low']}/{r['n_altered_zero']}",
            f"{r['n_not_altered_low']}/{r['n_not_altered_zero']}",
            fmt_pooled_or(r, "crude"),
            fmt_pooled_or(r, "mh"),
            fmt_p(r["p_breslow_day"]),
            style="bold" if r["level"] != "alteration" else None,
        )
    return t


def print_pooled(result: PooledResult, console: Console | None = None) -> None:
    """Each study's summary, then the pooled table and summary."""
    console = console or Console()
    for res in result.per_study.values():
        console.print("\n".join(res.summary_lines()), markup=False, highlight=False)
        console.print()
    from her2scope.render.console import print_table  # moves to render.console (26)

    print_table(terminal_table(result), console)
    console.print(pooled_summary_text(result), markup=False, highlight=False)


def pooled_json(result: PooledResult, *, command: str | None = None) -> str:
    from her2scope.cohort.options import options_dict

    payload = {
        "studies": list(result.study_ids),
        "left_out": result.left_out,
        "duplicate_samples": [
            {"study": later, "already_in": earlier, "n_samples": n}
            for (later, earlier), n in result.duplicates.items()
        ],
        "stratum": "study",
        "options": options_dict(result.options),
        "n_analysed": {sid: r.n_included for sid, r in result.per_study.items()},
        "not_assessed": result.not_assessed.to_dicts(),
        "not_assessed_by_study": {
            sid: r.not_assessed.to_dicts() for sid, r in result.per_study.items()
        },
        "rows": result.table.to_dicts(),
        "command": command,
        "versions": versions(),
    }
    from her2scope.render.writers import json_safe  # moves to render.writers (26)

    return json.dumps(json_safe(payload), indent=2)


def html_section(result: PooledResult, *, links: bool = True) -> str:
    """The pooled section: studies (linked to their own reports), left-out studies, table."""
    unassessed = set(result.not_assessed["alteration"].to_list())
    rows = [
        {
            **r,
            "altered": "not assessed" if r["alteration"] in unassessed else r["n_altered"],
            "pct": (
                f"{fmt_fixed(r['pct_her2_low'])} "
                f"({fmt_fixed(r['ci_low'])}-{fmt_fixed(r['ci_high'])})"
            ),
            "crude": fmt_pooled_or(r, "crude"),
            "mh": fmt_pooled_or(r, "mh"),
            "pmh": fmt_p(r["p_mh"]),
            "bd": fmt_p(r["p_breslow_day"]),
            "note": r["mh_note"] or "",
        }
        for r in result.table.iter_rows(named=True)
    ]
    studies = [
        {
            "id": sid,
            "link": f"{study_folder(sid)}/report.html" if links else None,
            "n": res.n_samples,
            "n_in": res.n_included,
            "line": not_assessed_text(res.not_assessed) or "all alterations assessed",
        }
        for sid, res in result.per_study.items()
    ]
    from her2scope.render.html import render  # moves to render.html (26)

    return render(
        "pooled_section.html.j2",
        summary=pooled_summary_lines(result),
        studies=studies,
        left_out=result.left_out,
        rows=rows,
    )


def html_report(result: PooledResult, *, command: str) -> str:
    """A self-contained HTML page holding :func:`html_section`."""
    from her2scope.render.html import render  # moves to render.html (26)

    return render(
        "pooled.html.j2",
        title=" + ".join(result.study_ids),
        generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        versions=versions(),
        section=html_section(result),
        command=command,
        citations=CITATIONS,
    )


def write_pooled_outputs(result: PooledResult, out_dir: Path, *, command: str) -> list[Path]:
    """Write, at the top of ``out_dir``, pooled.tsv, pooled.json, pooled_counts.tsv (the
    2x2xK), audit.tsv and report.html (each study's own folder is written by
    :func:`her2scope.cohort.pooled.run.write`)."""
    from her2scope.render.bundle import write_bundle

    audit = pl.DataFrame(
        [
            {"level": e.level, "code": e.code, "message": e.message, "count": e.count}
            for e in result.audit
        ],
        schema={"level": pl.String, "code": pl.String, "message": pl.String, "count": pl.Int64},
    )
    written = write_bundle(
        out_dir,
        tables={"pooled.tsv": result.table},
        texts={"pooled.json": pooled_json(result, command=command)},
    )
    written += write_bundle(
        out_dir,
        tables={"pooled_counts.tsv": result.counts, "audit.tsv": audit},
        raw_tables=frozenset({"pooled_counts.tsv", "audit.tsv"}),
    )
    return written + write_bundle(
        out_dir, texts={"report.html": html_report(result, command=command)}
    )


def study_folder(study_id: str) -> str:
    """A study id as one safe folder name (each study's outputs go there)."""
    safe = "".join(ch if ch.isalnum() or ch in "._-" else "_" for ch in study_id)
    return safe.lstrip(".") or "study"

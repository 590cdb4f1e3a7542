"""Formatting of several studies in one run: terminal, pooled TSV/JSON, HTML report.

Lays out what :func:`her2scope.analysis.pooled.analyze_many` returned; nothing
here computes a statistic. Each study's own outputs are the single-study ones
(:func:`her2scope.cohort.table1.views.write_outputs`), in a folder named by its id.
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl
from rich.console import Console
from rich.table import Table

from her2scope.cohort.table1.result import fmt_fixed as _fmt
from her2scope.cohort.table1.result import not_assessed_text
from her2scope.cohort.table1.views import CITATIONS, summary_text, versions
from her2scope.render.formats import fmt_p as _p
from her2scope.report.console import print_table
from her2scope.report.html import render
from her2scope.report.writers import json_safe

if TYPE_CHECKING:
    from her2scope.analysis.pooled import PooledResult


def _or(row: dict[str, Any], prefix: str) -> str:
    est = row[f"{prefix}_or"]
    if est is None or (isinstance(est, float) and math.isnan(est)):
        return ""
    low, high = row[f"{prefix}_ci_low"], row[f"{prefix}_ci_high"]
    return f"{_fmt(est, 2)} ({_fmt(low, 2)}-{_fmt(high, 2)})"


def pooled_summary_text(result: PooledResult) -> str:
    """Plain lines: studies pooled and left out, the ALL row, not-assessed alterations."""
    n_in = sum(r.n_included for r in result.per_study.values())
    lines = [
        f"Pooled {len(result.per_study)} studies ({', '.join(result.study_ids)}), "
        f"{n_in} samples analysed; study kept as a stratum (Mantel-Haenszel)."
    ]
    for (later, earlier), n in result.duplicates.items():
        lines.append(
            f"Repeated samples: {n:,} sample(s) of {later} are already in {earlier} (same "
            "SAMPLE_ID) and were counted once, in "
            f"{earlier}."
        )
    for sid, reason in result.left_out.items():
        lines.append(f"Left out of the pooled HER2-low table: {sid} ({reason}).")
    all_row = result.table.filter(pl.col("alteration") == "ALL").to_dicts()
    if all_row:
        r = all_row[0]
        lines.append(
            f"Any catalog alteration, pooled: HER2-low {r['n_her2_low']}/{r['n_her2_known']} "
            f"({_fmt(r['pct_her2_low'])}%); HER2-low vs HER2-0 crude OR "
            f"{_or(r, 'crude') or 'n/a'}, Mantel-Haenszel OR by study "
            f"{_or(r, 'mh') or 'n/a'}, Breslow-Day p "
            f"{_p(r['p_breslow_day']) or 'n/a'}."
        )
    line = not_assessed_text(result.not_assessed)
    if line:
        lines.append(line.replace("Not assessed", "Not assessed in any pooled study", 1))
    # per study: only what the pool assessed elsewhere (the rest is said above)
    pooled_out = result.not_assessed["alteration"].implode()
    for sid, res in result.per_study.items():
        line = not_assessed_text(res.not_assessed.filter(~pl.col("alteration").is_in(pooled_out)))
        if line:
            lines.append(f"{sid}: {line}")
    return "\n".join(lines)


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
            _fmt(r["pct_her2_low"]),
            f"{r['n_altered_low']}/{r['n_altered_zero']}",
            f"{r['n_not_altered_low']}/{r['n_not_altered_zero']}",
            _or(r, "crude"),
            _or(r, "mh"),
            _p(r["p_breslow_day"]),
            style="bold" if r["level"] != "alteration" else None,
        )
    return t


def print_pooled(result: PooledResult, console: Console | None = None) -> None:
    """Each study's summary, then the pooled table and summary."""
    console = console or Console()
    for res in result.per_study.values():
        console.print(summary_text(res), markup=False, highlight=False)
        console.print()
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
    return json.dumps(json_safe(payload), indent=2)


def html_section(result: PooledResult, *, links: bool = True) -> str:
    """The pooled section: studies (linked to their own reports), left-out studies, table."""
    unassessed = set(result.not_assessed["alteration"].to_list())
    rows = [
        {
            **r,
            "altered": "not assessed" if r["alteration"] in unassessed else r["n_altered"],
            "pct": f"{_fmt(r['pct_her2_low'])} ({_fmt(r['ci_low'])}-{_fmt(r['ci_high'])})",
            "crude": _or(r, "crude"),
            "mh": _or(r, "mh"),
            "pmh": _p(r["p_mh"]),
            "bd": _p(r["p_breslow_day"]),
            "note": r["mh_note"] or "",
        }
        for r in result.table.iter_rows(named=True)
    ]
    studies = [
        {
            "id": sid,
            "link": f"{_folder(sid)}/report.html" if links else None,
            "n": res.n_samples,
            "n_in": res.n_included,
            "line": not_assessed_text(res.not_assessed) or "all alterations assessed",
        }
        for sid, res in result.per_study.items()
    ]
    return render(
        "pooled_section.html.j2",
        summary=pooled_summary_text(result).split("\n"),
        studies=studies,
        left_out=result.left_out,
        rows=rows,
    )


def html_report(result: PooledResult, *, command: str) -> str:
    """A self-contained HTML page holding :func:`html_section`."""
    return render(
        "pooled.html.j2",
        title=" + ".join(result.study_ids),
        generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        versions=versions(),
        section=html_section(result),
        command=command,
        citations=CITATIONS,
    )


def pooled_html_fragment(result: PooledResult) -> str:
    """Compact HTML for Jupyter: the pooled section without links."""
    return html_section(result, links=False)


def write_pooled_outputs(result: PooledResult, out_dir: Path, *, command: str) -> list[Path]:
    """Write each study's outputs to ``out_dir/STUDY/`` and, at the top,
    pooled.tsv, pooled.json, pooled_counts.tsv (the 2x2xK), audit.tsv and report.html."""
    from her2scope.cohort.table1.views import write_outputs
    from her2scope.outputs import ensure_dir, write_text_atomic

    ensure_dir(out_dir)
    written: list[Path] = []
    for sid, res in result.per_study.items():
        written += write_outputs(res, out_dir / _folder(sid), command=command)
    p = out_dir / "pooled.tsv"
    write_text_atomic(p, result.table.write_csv(separator="\t", float_precision=6, null_value=""))
    written.append(p)
    p = out_dir / "pooled.json"
    write_text_atomic(p, pooled_json(result, command=command))
    written.append(p)
    p = out_dir / "pooled_counts.tsv"
    write_text_atomic(p, result.counts.write_csv(separator="\t", null_value=""))
    written.append(p)
    p = out_dir / "audit.tsv"
    audit = pl.DataFrame(
        [
            {"level": e.level, "code": e.code, "message": e.message, "count": e.count}
            for e in result.audit
        ],
        schema={"level": pl.String, "code": pl.String, "message": pl.String, "count": pl.Int64},
    )
    write_text_atomic(p, audit.write_csv(separator="\t", null_value=""))
    written.append(p)
    p = out_dir / "report.html"
    write_text_atomic(p, html_report(result, command=command))
    written.append(p)
    return written


def _folder(study_id: str) -> str:
    """A study id as one safe folder name."""
    safe = "".join(ch if ch.isalnum() or ch in "._-" else "_" for ch in study_id)
    return safe.lstrip(".") or "study"

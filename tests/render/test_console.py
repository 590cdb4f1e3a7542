"""Terminal tables keep their numbers (issues 27 and 22): at COLUMNS=80 and piped,
every command prints every number of the table it computed, whole, on one line."""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl
import pytest
from rich.console import Console
from rich.table import Table

from her2scope import cli
from her2scope.render.console import split_table
from her2scope.render.formats import fmt_ci, fmt_num, fmt_p, fmt_pct

WIDTHS = ["80", None]  # None: piped with no COLUMNS (120 columns)


def _whole(text: str, needle: str) -> bool:
    """``needle`` on one line of ``text``, not part of a longer number or word."""
    pattern = re.compile(rf"(?<![\w.]){re.escape(needle)}(?![\w.])")
    return any(pattern.search(line) for line in text.splitlines())


def _run(args: list[str], width: str | None, monkeypatch, capsys) -> str:  # type: ignore[no-untyped-def]
    if width is None:
        monkeypatch.delenv("COLUMNS", raising=False)
    else:
        monkeypatch.setenv("COLUMNS", width)
    capsys.readouterr()
    assert cli.main(args) == 0
    out = capsys.readouterr().out
    limit = int(width) if width else 120
    assert max(len(line) for line in out.splitlines()) <= limit
    assert "…" not in out  # rich's mark of a cut cell
    return out


def _missing(out: str, expected: list[str]) -> list[str]:
    return [e for e in expected if e and not _whole(out, e)]


@pytest.fixture(scope="module")
def loaded(studies_root: Path):  # type: ignore[no-untyped-def]
    from her2scope.study import load_study
    from her2scope.study.conventions import harmonise

    return harmonise(load_study(studies_root / "breast_msk_2018"), None, None)


@pytest.mark.parametrize("width", WIDTHS)
def test_analyze_prints_every_number(studies_root: Path, loaded, width, monkeypatch, capsys):  # type: ignore[no-untyped-def]
    from her2scope.cohort.adjusted.compute import adjusted_analysis
    from her2scope.cohort.options import AnalysisOptions
    from her2scope.cohort.table1.compute import analyze, sensitivity
    from her2scope.vocab import ALL_CLASS, MECHANISM_CLASSES

    args = ["analyze", str(studies_root / "breast_msk_2018"), "--sensitivity", "--adjusted"]
    out = _run(args, width, monkeypatch, capsys)
    options = AnalysisOptions()
    table = analyze(loaded, options).table
    expected: list[str] = []
    for r in table.iter_rows(named=True):
        expected += [str(r["n_her2_known"]), str(r["n_her2_low"]), fmt_pct(r["pct_her2_low"])]
        expected += [fmt_p(r["q_fisher"]), fmt_p(r["p_vs_expected"])]
    grid = sensitivity(loaded, options)
    for r in grid.filter(pl.col("alteration").is_in([ALL_CLASS, *MECHANISM_CLASSES])).iter_rows(
        named=True
    ):
        expected.append(f"{fmt_pct(r['pct_her2_low'])} ({fmt_p(r['q_fisher'])})")
    for profile in grid["profile"].unique():
        expected.append(profile)  # headers whole: asco-cap-2018 and asco-cap-2023 told apart
    adj = adjusted_analysis(loaded, options).table
    for r in adj.iter_rows(named=True):
        if r["crude_or"] is not None:
            expected.append(
                f"{r['crude_or']:.2f} ({r['crude_ci_low']:.2f}-{r['crude_ci_high']:.2f})"
            )
    assert len(expected) > 200
    assert _missing(out, expected) == []


@pytest.mark.parametrize("width", WIDTHS)
def test_switching_prints_every_number(studies_root: Path, loaded, width, monkeypatch, capsys):  # type: ignore[no-untyped-def]
    from her2scope.cohort.switching import switching
    from her2scope.cohort.switching.views import rates_display

    out = _run(["switching", str(studies_root / "breast_msk_2018")], width, monkeypatch, capsys)
    shown = rates_display(switching(loaded))
    expected = [str(v) for col in ("k", "n", "n_patients") for v in shown[col]]
    expected += [v for col in ("rate", "95% CI", "patient-clustered 95% CI") for v in shown[col]]
    assert _missing(out, expected) == []


@pytest.mark.parametrize("width", WIDTHS)
def test_survival_prints_every_number_and_no_audit(
    studies_root: Path, loaded, width, monkeypatch, capsys
):  # type: ignore[no-untyped-def]
    from her2scope.cohort.survival import survival

    out = _run(["survival", str(studies_root / "breast_msk_2018")], width, monkeypatch, capsys)
    result = survival(loaded)
    expected = [str(v) for v in result.table["n_patients"]]
    expected += [fmt_num(v) for v in result.table["median_os_months"] if v is not None]
    expected += [
        fmt_num(v) for col in ("hazard_ratio", "ci_low", "ci_high") for v in result.cox[col]
    ]
    expected += [fmt_p(v) for v in result.cox["p_value"]] + [
        fmt_p(v) for v in result.logrank["p_value"]
    ]
    assert _missing(out, expected) == []
    assert "not reached" in out  # the HER2-low median's upper bound on the shared study
    assert "audit " not in out  # the audit goes to stderr, not into the result


def test_validate_at_80_columns_keeps_messages_readable(studies_root: Path, monkeypatch, capsys):  # type: ignore[no-untyped-def]
    out = _run(["validate", str(studies_root / "breast_msk_2018")], "80", monkeypatch, capsys)
    # issue 22: the message was squeezed into 12 characters, one word per line
    assert _whole(
        out, "18 MAF row(s) repeat a record already read (same sample, gene, position and"
    )


def test_split_repeats_the_key_columns_and_cuts_nothing() -> None:
    t = Table(title="wide")
    for name in ["analysis", "group", *[f"value_{i}" for i in range(8)]]:
        t.add_column(name)
    t.add_row("left_truncated", "HER2-positive", *[f"{1234.5678 * (i + 1):.4f}" for i in range(8)])
    parts = split_table(t, 80, keys=2)
    assert isinstance(parts, list) and len(parts) > 1
    console = Console(width=80, record=True, file=open("/dev/null", "w"))  # noqa: SIM115
    for part in parts:
        assert [str(c.header) for c in part.columns][:2] == ["analysis", "group"]
        console.print(part)
    text = console.export_text()
    for i in range(8):
        assert _whole(text, f"{1234.5678 * (i + 1):.4f}")


def test_formats() -> None:
    assert fmt_p(7.050511493341582e-05) == "7.1e-05"  # issue 22: not 17 digits, not wrapped
    assert fmt_p(0.78726) == "0.787" and fmt_p(0.0056094) == "0.0056" and fmt_p(None) == ""
    assert (
        fmt_num(1234.56) == "1235" and fmt_num(0.86) == "0.86" and fmt_num(6.77e-06) == "6.77e-06"
    )
    assert fmt_ci(12.34, None, not_reached=True) == "12.3-not reached"
    assert fmt_ci(-0.5, 1.25) == "-0.5 to 1.2"
    assert fmt_pct(48.79) == "48.8"


@pytest.mark.parametrize("width", WIDTHS)
def test_pooled_prints_every_number(studies_root: Path, width, monkeypatch, capsys):  # type: ignore[no-untyped-def]
    from her2scope.cohort.options import AnalysisOptions
    from her2scope.cohort.pooled.compute import analyze_many
    from her2scope.study import load_study

    studies = [str(studies_root / s) for s in ("breast_msk_2018", "brca_tcga_pub2015")]
    out = _run(["analyze", *studies], width, monkeypatch, capsys)
    pooled = analyze_many([load_study(s) for s in studies], AnalysisOptions()).table
    expected: list[str] = []
    for r in pooled.iter_rows(named=True):
        expected += [str(r["n_her2_known"]), str(r["n_her2_low"]), fmt_pct(r["pct_her2_low"])]
        expected += [f"{r['n_altered_low']}/{r['n_altered_zero']}"]
        expected += [f"{r['n_not_altered_low']}/{r['n_not_altered_zero']}"]
    assert _missing(out, expected) == []

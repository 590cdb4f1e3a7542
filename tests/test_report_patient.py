"""Rendering (md/html/json) and the ``report`` / ``kb`` commands."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from her2scope.cli import main
from her2scope.kb import PatientProfile, match_patient, read_patient
from her2scope.report.patient import render_html, render_json, render_markdown

FIX = Path(__file__).parent / "fixtures" / "patients"


def test_markdown_is_terminal_readable_and_has_disclaimer() -> None:
    md = render_markdown(match_patient(read_patient(FIX / "er_pos_her2_low_esr1.yaml")))
    assert md.startswith("# Patient report: P-ESR1")
    assert "does not replace, clinical judgment" in md
    assert "## Therapy options" in md and "DESTINY-Breast04" in md
    assert "<" not in md.replace("<=", "")  # no HTML in the terminal format


def test_html_is_self_contained_printable_and_escaped() -> None:
    prof = PatientProfile(
        id="<script>alert(1)</script>",
        er_status="positive",
        her2={"ihc": "1+"},
        alterations=["<b>FOO1</b> X1Y"],
    )
    html = render_html(match_patient(prof))
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html and "&lt;b&gt;FOO1&lt;/b&gt;" in html
    assert "@media print" in html and "<style>" in html
    assert "<link" not in html and 'src="http' not in html
    assert "does not replace, clinical judgment" in html


def test_json_round_trips() -> None:
    d = json.loads(render_json(match_patient(read_patient(FIX / "her2_null.yaml"))))
    assert d["her2"]["category"] == "HER2-null" and d["kb_version"]


@pytest.mark.parametrize("fmt", ["md", "html", "json"])
def test_cli_report_writes_each_format(tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"r.{fmt}"
    assert main(["report", str(FIX / "erbb2_l755s.yaml"), "--format", fmt, "--out", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert "P-L755S" in text and "neratinib" in text


def test_cli_malformed_patient_is_one_line_error_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", str(FIX / "malformed_er.yaml")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "malformed_er.yaml:2" in err and "'er_status'" in err and "maybe" in err


def test_cli_yaml_syntax_error_names_line_and_column(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", str(FIX / "bad_syntax.yaml")]) == 2
    err = capsys.readouterr().err
    assert "bad_syntax.yaml:3" in err and "column" in err


def test_cli_nested_field_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = tmp_path / "p.yaml"
    p.write_text("id: X\nher2: {ihc: '1+', colour: red}\n", encoding="utf-8")
    assert main(["report", str(p)]) == 2
    assert "'her2.colour'" in capsys.readouterr().err


def test_cli_missing_id(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = tmp_path / "p.yaml"
    p.write_text("er_status: positive\n", encoding="utf-8")
    assert main(["report", str(p)]) == 2
    assert "'id'" in capsys.readouterr().err


def test_cli_extra_field_warns_on_stderr_and_in_caveats(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", str(FIX / "extra_field.yaml"), "--format", "json"]) == 0
    cap = capsys.readouterr()
    assert "unknown field 'smoking_history'" in cap.err
    d = json.loads(cap.out)
    cav = next(c for c in d["caveats"] if c["code"] == "unknown_fields")
    assert "smoking_history" in cav["message"]


def test_cli_bad_format_and_missing_input(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", str(FIX / "erbb2_l755s.yaml"), "--format", "pdf"]) == 2
    assert main(["report"]) == 2


def test_kb_commands(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["kb", "validate"]) == 0
    assert "is valid" in capsys.readouterr().out
    assert main(["kb", "list", "--section", "trial"]) == 0
    out = capsys.readouterr().out
    assert "destiny_breast04" in out and "m_esr1_y537s" not in out
    assert main(["kb", "show", "m_esr1_y537s"]) == 0
    shown = capsys.readouterr().out
    assert "PALOMA-3" in shown and "000_9553966c445419f9.txt" in shown
    assert main(["kb", "show", "no_such_entry"]) == 2
    tsv = tmp_path / "kb.tsv"
    assert main(["kb", "export", "--format", "tsv", "--out", str(tsv)]) == 0
    lines = tsv.read_text(encoding="utf-8").splitlines()
    assert lines[0].split("\t") == ["section", "id", "label", "detail", "sources", "as_of"]
    assert len(lines) > 200

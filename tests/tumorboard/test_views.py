"""Rendering (md/html/json) and the ``report`` / ``kb`` commands."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from her2scope.cli import main
from her2scope.kb import PatientProfile, match_patient, read_patient
from her2scope.tumorboard.views import render_html, render_json, render_markdown

FIX = Path(__file__).parents[1] / "fixtures" / "patients"


def test_markdown_is_terminal_readable_and_has_disclaimer() -> None:
    md = render_markdown(match_patient(read_patient(FIX / "er_pos_her2_low_esr1.yaml")))
    assert md.startswith("# Patient report: P-ESR1")
    assert "does not replace, clinical judgment" in md
    assert "## Therapy options" in md and "DESTINY-Breast04" in md
    # no HTML in the terminal format: only autolinks <https://...>
    import re

    assert not re.search(r"(?<!\\)<(?!https://)[^>]*>", md)


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


def test_cli_unknown_field_is_refused_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", str(FIX / "extra_field.yaml"), "--format", "json"]) == 2
    cap = capsys.readouterr()
    assert cap.out == ""
    assert "unknown field 'smoking_history'" in cap.err and len(cap.err.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("field", "suggestion"),
    [
        ("er", "er_status"),
        ("mutations", "alterations"),
        ("prior_therapy", "prior_therapies"),
        ("alteration", "alterations"),
        ("pdl1", "pd_l1"),
        ("brain_mets", "cns_metastases"),
    ],
)
def test_misspelt_field_gets_did_you_mean(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], field: str, suggestion: str
) -> None:
    p = tmp_path / "p.yaml"
    p.write_text(f"id: X\n{field}: positive\n", encoding="utf-8")
    assert main(["report", str(p)]) == 2
    err = capsys.readouterr().err
    assert f"did you mean {suggestion!r}" in err and "p.yaml:2" in err


def test_nested_misspelt_field_in_therapy_history(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    p = tmp_path / "p.yaml"
    p.write_text(
        "id: X\ntherapy_history:\n  - {therapy: letrozole, outcom: progressed}\n",
        encoding="utf-8",
    )
    assert main(["report", str(p)]) == 2
    err = capsys.readouterr().err
    assert "therapy_history[0].outcom" in err and "did you mean 'outcome'" in err


def test_bad_outcome_and_wrong_type_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    p = tmp_path / "p.yaml"
    p.write_text("id: X\ntherapy_history:\n  - {therapy: T-DM1, outcome: great}\n")
    assert main(["report", str(p)]) == 2
    assert "progressed, completed" in capsys.readouterr().err
    p.write_text("id: X\nild_history: perhaps\n")
    assert main(["report", str(p)]) == 2
    assert "'ild_history'" in capsys.readouterr().err


def test_schema_is_exported(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "--schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    props = schema["properties"]
    assert {"therapy_history", "cns_metastases", "germline", "pd_l1", "ild_history"} <= set(props)
    assert schema["additionalProperties"] is False


def test_markdown_escapes_patient_markup() -> None:
    import re

    prof = PatientProfile(
        id="P*1*",
        er_status="positive",
        her2={"ihc": "1+"},
        alterations=["[click](https://evil.example) X1Y"],
        prior_therapies=["<img src=x onerror=alert(1)>"],
    )
    md = render_markdown(match_patient(prof))
    assert "[click](https://evil.example)" not in md
    assert "\\<img" in md and not re.search(r"(?<!\\)<img", md)
    assert "P\\*1\\*" in md


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
    assert ("PALOMA-3" in shown and "schlam2022" in shown) or "frontiers2024" in shown
    assert "000_9553966c445419f9" not in shown
    assert main(["kb", "show", "no_such_entry"]) == 2
    tsv = tmp_path / "kb.tsv"
    assert main(["kb", "export", "--format", "tsv", "--out", str(tsv)]) == 0
    lines = tsv.read_text(encoding="utf-8").splitlines()
    assert lines[0].split("\t") == ["section", "id", "label", "detail", "sources", "as_of"]
    assert len(lines) > 200


def test_html_patient_table_shows_what_the_file_gave() -> None:
    """Issue 24: 'germline tested: no' is not 'not given'; menopausal status, sites, diabetes
    and durations appear in the report's patient table."""
    base = {"id": "x", "er_status": "positive", "setting": "metastatic", "her2": {"ihc": "1+"}}
    html = render_html(
        match_patient(
            PatientProfile(
                **base,
                germline={"tested": False},
                menopausal_status="pre",
                metastatic_sites=["bone", "liver"],
                diabetes=False,
                therapy_history=[
                    {
                        "therapy": "letrozole",
                        "line": 1,
                        "outcome": "progressed",
                        "duration_months": 22,
                    }
                ],
            )
        )
    )
    assert "<th>Germline</th><td>not tested</td>" in html
    assert "premenopausal" in html and "bone, liver" in html
    assert "<th>Diabetes</th><td>no</td>" in html
    assert "progressed, 22 months" in html
    bare = render_html(match_patient(PatientProfile(**base)))
    assert "<th>Germline</th><td>not given</td>" in bare
    assert "<th>Diabetes</th><td>not given</td>" in bare


def test_board_summary_comes_first_and_agrees_with_the_sections() -> None:
    """Issue 27: a one-screen board summary at the top (top options, what is excluded and
    why, what settles an open branch); every item is also in its full section below."""
    from her2scope.tumorboard.views import BOARD_TOP, board_summary

    profile = PatientProfile(
        id="b",
        er_status="positive",
        setting="metastatic",
        menopausal_status="post",
        her2={"ihc": "1+"},
        alterations=["ESR1 Y537S", "PIK3CA E545K"],
        therapy_history=[
            {"therapy": "letrozole + palbociclib", "line": 1, "outcome": "progressed"},
            {
                "therapy": "T-DXd",
                "line": 2,
                "outcome": "stopped_toxicity",
                "toxicity": {"event": "pneumonitis", "grade": 2, "permanently_discontinued": True},
            },
        ],
    )
    report = match_patient(profile)
    d = report.to_dict()
    board = board_summary(d)
    assert [o["therapy"] for o in board["top"]] == [o["therapy"] for o in d["options"][:BOARD_TOP]]
    assert board["more_options"] == max(0, len(d["options"]) - BOARD_TOP)
    assert [o["id"] for o in board["excluded"]] == [o["id"] for o in d["not_eligible"][:BOARD_TOP]]
    # the permanently discontinued drug is never among the summary's options
    assert all("trastuzumab deruxtecan" not in o["therapies"] for o in board["top"])
    html = render_html(report)
    assert html.index('class="board"') < html.index("<h2>Patient</h2>")
    for o in board["top"]:
        assert html.index(o["therapy"]) < html.index("<h2>Patient</h2>")
    md = render_markdown(report)
    assert md.index("## Board summary") < md.index("## Patient")
    assert "<details><summary>" in html  # citations folded below the summary


def test_board_summary_tells_strategies_of_one_drug_apart() -> None:
    """Sacituzumab govitecan heads ASCENT (pretreated) and ASCENT-03 (first line): the
    summary names the trial so 'eligible' and 'not eligible' lines do not contradict."""
    profile = PatientProfile(
        id="sg",
        er_status="negative",
        pr_status="negative",
        setting="metastatic",
        her2={"ihc": "0"},
        pd_l1={"status": "negative", "score": "CPS 2", "assay": "22C3"},
    )
    md = render_markdown(match_patient(profile))
    summary = md[md.index("## Board summary") : md.index("## Patient")]
    assert "**sacituzumab govitecan** [ASCENT-03]" in summary
    assert "- sacituzumab govitecan [ASCENT]: needs" in summary

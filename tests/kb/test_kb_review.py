"""`her2scope kb review`: what needs a re-check, oldest first, and the rules behind it."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from her2scope.cli import main
from her2scope.cli.app import app
from her2scope.kb.load import DEFAULT_KB_DIR, load_kb
from her2scope.kb.review import host_of, is_weak, render_review, review
from her2scope.kb.sources import Source


def _copy(tmp_path: Path) -> Path:
    dst = tmp_path / "kb"
    shutil.copytree(DEFAULT_KB_DIR, dst)
    return dst


def _edit_trial(folder: Path, tid: str, **changes: object) -> None:
    p = folder / "trials.yaml"
    data = yaml.safe_load(p.read_text(encoding="utf-8"))
    for t in data["trials"]:
        if t["id"] == tid:
            t.update(changes)
    p.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")


def test_host_of_strips_subdomains() -> None:
    assert host_of("https://m.marketscreener.com/x") == "marketscreener.com"
    assert host_of("https://www.fda.gov/drugs/x") == "fda.gov"


def test_weak_host_rescued_by_journal_identifier() -> None:
    base = {"public": "x", "date": "2024", "accessed": dt.date(2026, 12, 7)}
    assert is_weak(Source(**base, url="https://www.benzinga.com/a"))
    assert not is_weak(Source(**base, url="https://www.benzinga.com/a", doi="10.1056/NEJMoa1"))
    assert not is_weak(Source(**base, url="https://www.fda.gov/a"))


def test_pending_event_due_only_after_its_date() -> None:
    kb = load_kb()
    before = [i for i in review(kb, dt.date(2026, 12, 17)) if i.rule == "event_passed"]
    after = [i for i in review(kb, dt.date(2026, 12, 19)) if i.rule == "event_passed"]
    assert not any(i.entry_id == "evera" for i in before)
    hit = [i for i in after if i.entry_id == "evera"]
    assert hit and hit[0].due == dt.date(2026, 12, 18) and "pdufa" in hit[0].detail


def test_items_sorted_oldest_first() -> None:
    items = review(load_kb(), dt.date(2028, 1, 1))
    dues = [i.due for i in items]
    assert dues == sorted(dues)
    assert {"accessed_old", "weak_host", "event_passed"} <= {i.rule for i in items}


def test_ongoing_trial_checked_long_ago_is_stale_unless_unconfirmed(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    _edit_trial(folder, "kate3", as_of="2025-01-01")
    _edit_trial(folder, "nct03199885", as_of="2025-01-01")
    items = {
        i.entry_id: i
        for i in review(load_kb(folder), dt.date(2026, 12, 7))
        if i.rule == "ongoing_stale"
    }
    assert items["nct03199885"].due == dt.date(2025, 1, 1) + dt.timedelta(days=183)
    assert not items["nct03199885"].accepted
    # KATE3 records its missing result as unconfirmed with a reason: kept, but accepted
    assert items["kate3"].accepted and "searched 2026-12-07" in (
        items["kate3"].accepted_reason or ""
    )


def test_version_review_has_no_open_item_older_than_the_version() -> None:
    """Done-when of issue 23: nothing older than the version date unless marked unconfirmed."""
    kb = load_kb()
    old_open = [i.line() for i in review(kb) if i.due < kb.meta.as_of and not i.accepted]
    assert old_open == []


def test_cli_review_and_bad_date(capsys: pytest.CaptureFixture[str]) -> None:
    res = CliRunner().invoke(app, ["kb", "review", "--date", "2026-12-19"])
    assert res.exit_code == 0, res.output
    assert "event_passed" in res.output and "trials:evera" in res.output
    # a bad date is a one-line error with exit 2, no traceback
    assert main(["kb", "review", "--date", "19/12/2026"]) == 2
    err = capsys.readouterr().err
    assert "YYYY-MM-DD" in err and "Traceback" not in err


def test_changelog_carries_this_versions_review() -> None:
    """The CHANGELOG section of this version holds the review's own output (regenerated)."""
    kb = load_kb()
    text = (DEFAULT_KB_DIR / "CHANGELOG.md").read_text(encoding="utf-8")
    rendered = render_review(kb, review(kb), kb.meta.as_of)
    assert rendered.strip() in text

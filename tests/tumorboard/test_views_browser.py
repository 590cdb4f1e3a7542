"""The HTML report opens in headless Chromium without errors and its figures are visible."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from matplotlib import image as mpimg

from browser_harness import LAUNCH_ARGS, chromium_path
from her2scope.cli import main

DEMO = Path(__file__).resolve().parents[2] / "examples" / "demo_study"


def test_report_renders_with_visible_figures(tmp_path: Path) -> None:
    playwright = pytest.importorskip("playwright.sync_api")
    exe = chromium_path()
    out = tmp_path / "out"
    assert main(["analyze", str(DEMO), "--sensitivity", "--out", str(out)]) == 0
    report = out / "report.html"
    errors: list[str] = []
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=exe,
            args=LAUNCH_ARGS,
        )
        page = browser.new_page(viewport={"width": 1200, "height": 1600})
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(report.as_uri())
        sizes = page.eval_on_selector_all(
            "figure img", "imgs => imgs.map(i => [i.complete, i.naturalWidth, i.naturalHeight])"
        )
        shot = page.screenshot(full_page=False)
        first_fig = page.locator("figure img").first.screenshot()
        browser.close()
    assert errors == []
    assert len(sizes) == 4  # forest, stacked bar, oncoprint, sensitivity
    assert all(complete and w > 200 and h > 100 for complete, w, h in sizes)
    for png in (shot, first_fig):
        pixels = mpimg.imread(io.BytesIO(png), format="png")
        assert float(np.std(pixels)) > 0.05, "screenshot is blank"
    (tmp_path / "report.png").write_bytes(shot)


def test_patient_report_links_every_option_to_a_source(tmp_path: Path) -> None:
    """Every therapy option and trial links out (PMID, DOI, NCT id or a page) in Chromium."""
    playwright = pytest.importorskip("playwright.sync_api")
    exe = chromium_path()
    patient = tmp_path / "p.yaml"
    patient.write_text(
        "id: TB-1\ner_status: positive\nsetting: metastatic\nher2: {ihc: '1+'}\n"
        "alterations: ['ESR1 D538G', 'PIK3CA H1047R']\n"
        "therapy_history:\n"
        "  - {therapy: letrozole + palbociclib, setting: metastatic, line: 1,\n"
        "     outcome: progressed}\n",
        encoding="utf-8",
    )
    html = tmp_path / "r.html"
    assert main(["report", str(patient), "--format", "html", "--out", str(html)]) == 0
    text = html.read_text(encoding="utf-8")
    for internal in ("000_9553966c445419f9", "002_9d75a5784425346b", ".txt", "seed"):
        assert internal not in text
    errors: list[str] = []
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=exe, args=["--no-sandbox", "--disable-gpu", "--no-first-run"]
        )
        page = browser.new_page(viewport={"width": 1400, "height": 1800})
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.route(
            "**/*",
            lambda route: (
                route.abort() if route.request.url.startswith("http") else route.continue_()
            ),
        )
        page.goto(html.as_uri())
        rows = page.eval_on_selector_all(
            "h2:has-text('Therapy options') + table tr:not(:first-child)",
            "trs => trs.map(tr => [...tr.querySelectorAll('a')].map(a => a.href))",
        )
        shot = page.screenshot(full_page=False)
        browser.close()
    assert errors == []
    assert len(rows) >= 5
    for links in rows:
        assert links, "an option without any source link"
        assert all(h.startswith("https://") for h in links)
    assert any("pubmed.ncbi.nlm.nih.gov" in h or "doi.org" in h for r in rows for h in r)
    assert any("clinicaltrials.gov/study/NCT" in h for r in rows for h in r)
    pixels = mpimg.imread(io.BytesIO(shot), format="png")
    assert float(np.std(pixels)) > 0.05, "screenshot is blank"
    (tmp_path / "patient.png").write_bytes(shot)

"""``her2scope serve`` in a real browser: Debian's Chromium driven by Playwright.

The app runs under uvicorn in a thread on a free 127.0.0.1 port; the browser
may reach nothing else (every other request is aborted and counted as an
error). Screenshots go to ``$TMPDIR/her2scope-web-screenshots`` and their
paths are printed.
"""

from __future__ import annotations

import io
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from matplotlib import image as mpimg

from browser_harness import LAUNCH_ARGS, chromium_path, serve_app

pytestmark = [pytest.mark.browser, pytest.mark.study]

SERDS = ("elacestrant", "imlunestrant", "vepdegestrant")
SHOTS = Path(tempfile.gettempdir()) / "her2scope-web-screenshots"


@pytest.fixture(scope="module")
def server(studies_root: Path) -> Iterator[str]:
    """The app under uvicorn in a thread; yields its base URL."""
    yield from serve_app(studies_root)


@pytest.fixture()
def browser_page(server: str) -> Iterator[tuple[Any, list[str]]]:
    playwright = pytest.importorskip("playwright.sync_api")
    exe = chromium_path()
    errors: list[str] = []
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=exe, args=LAUNCH_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1600})
        page.set_default_timeout(90_000)
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))

        def only_local(route: Any) -> None:
            url = route.request.url
            if url.startswith(server) or url.startswith(("data:", "blob:", "about:")):
                route.continue_()
            else:
                errors.append(f"outbound request: {url}")
                route.abort()

        page.route("**/*", only_local)
        yield page, errors
        browser.close()


def _not_blank(png: bytes, name: str) -> Path:
    pixels = mpimg.imread(io.BytesIO(png), format="png")
    assert float(np.std(pixels)) > 0.05, f"screenshot {name} is blank"
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / name
    path.write_bytes(png)
    print(f"screenshot: {path}")
    return path


def test_cohort_page_ihc_only_ambiguous_low_reads_the_paper_row(
    server: str, browser_page: tuple[Any, list[str]]
) -> None:
    page, errors = browser_page
    page.goto(f"{server}/study/breast_msk_2018")
    esr1 = page.locator('#alt-table tr[data-alteration="ESR1_mut"] td.frac')
    assert esr1.text_content() != ""
    page.select_option('select[name="profile"]', "ihc-only")
    page.select_option('select[name="ambiguous"]', "low")
    page.wait_for_function(
        "() => new URLSearchParams(location.search).get('ambiguous') === 'low'"
        " && new URLSearchParams(location.search).get('profile') === 'ihc-only'"
    )
    page.wait_for_function(
        "() => document.querySelector('#alt-table tr[data-alteration=\"ESR1_mut\"] td.frac')"
        ".textContent === '89/147'"
    )
    assert esr1.text_content() == "89/147"
    assert "server" in (page.locator("#status").text_content() or "")
    # the figures of the new setting and the switching/survival sections arrive
    page.wait_for_function(
        "() => [...document.querySelectorAll('section.figures img, figure.chart')].every("
        "e => e.dataset.query && e.dataset.query.includes('profile=ihc-only'))"
        " && [...document.querySelectorAll('section.figures img')].every("
        "i => i.complete && i.naturalWidth > 200)"
    )
    # the forest plot drawn in the page names ESR1 mutation with its known-HER2 count
    assert "ESR1 mutation (n=147)" in (page.locator("#chart-forest svg").text_content() or "")
    page.wait_for_function(
        "() => ['switching', 'survival'].every(id => {"
        " const el = document.getElementById(id);"
        " return !el.hasAttribute('aria-busy') && el.querySelector('table') !== null"
        " && el.dataset.src.includes('ambiguous=low'); })"
    )
    page.wait_for_function(
        "() => document.querySelectorAll('#survival .km-svg').length === 2"
        " && document.querySelectorAll('#switching table.matrix').length >= 1"
    )
    assert (
        page.locator("#downloads a[data-name='table.tsv']")
        .get_attribute("href")
        .endswith("profile=ihc-only&ambiguous=low&sample_type=all&hr=all")
    )
    shot = page.screenshot(full_page=False)
    # client-side filter and sort
    page.fill("#table-filter", "esr1")
    visible = page.eval_on_selector_all(
        "#alt-table tbody tr:not([hidden])", "trs => trs.map(t => t.dataset.alteration)"
    )
    assert visible and "ESR1_mut" in visible and all("ESR1" in v for v in visible)
    page.fill("#table-filter", "")
    page.click("#alt-table th[data-key='n_altered']")
    counts = page.eval_on_selector_all(
        "#alt-table tbody tr[data-level='alteration']", "trs => trs.map(t => +t.cells[2].dataset.v)"
    )
    assert counts == sorted(counts, reverse=True) and len(counts) > 10
    assert errors == []
    _not_blank(shot, "cohort_ihc_only_low.png")


def test_patient_form_for_esr1_after_ai_and_cdk46_ranks_an_oral_serd(
    server: str, browser_page: tuple[Any, list[str]]
) -> None:
    page, errors = browser_page
    page.goto(f"{server}/patient/new")
    page.fill('input[name="id"]', "TB-web-1")
    page.select_option('select[name="er_status"]', "positive")
    page.fill('input[name="her2.ihc"]', "1+")
    page.fill('textarea[name="alterations"]', "ESR1 D538G")
    row = page.locator("#history tbody tr").first
    row.locator('[data-field="therapy"]').fill("letrozole + palbociclib")
    row.locator('[data-field="setting"]').select_option("metastatic")
    row.locator('[data-field="outcome"]').select_option("progressed")
    # a line that is not a line ("first" and "1L" are read as line 1): the one-line error
    row.locator('[data-field="line"]').fill("whenever")
    page.click("#make-report")
    page.wait_for_selector("#form-error:not([hidden])")
    assert "Therapy 1, line: enter a whole number" in (
        page.locator("#form-error").text_content() or ""
    )
    row.locator('[data-field="line"]').fill("1")
    page.click("#make-report")
    page.wait_for_selector("#top-list li")
    top = [t.lower() for t in page.locator("#top-list li").all_text_contents()]
    assert len(top) == 3
    assert any(serd in t for t in top for serd in SERDS), top
    assert page.locator("#form-error").is_hidden()
    frame = page.frame_locator("#report")
    options = frame.locator("h2:has-text('Therapy options') + table tr:not(:first-child)")
    first3 = " ".join(options.nth(i).text_content() or "" for i in range(3)).lower()
    assert any(serd in first3 for serd in SERDS)
    for link in ("#dl-html", "#dl-md", "#dl-json"):
        assert (page.locator(link).get_attribute("href") or "").startswith("blob:")
    with page.expect_download() as download:
        page.click("#dl-md")
    saved = Path(download.value.path())
    assert "ESR1" in saved.read_text(encoding="utf-8")
    shot = page.screenshot(full_page=True)
    assert errors == []
    _not_blank(shot, "patient_form_report.png")


def test_sample_page_shows_the_report(server: str, browser_page: tuple[Any, list[str]]) -> None:
    page, errors = browser_page
    page.goto(f"{server}/study/breast_msk_2018")
    page.fill('input[name="sample"]', "P-0000004-T01-IM3")
    page.click("text=Open report")
    page.wait_for_url("**/sample/P-0000004-T01-IM3?*")
    heading = page.frame_locator("#report").locator("h1")
    assert "P-0000004-T01-IM3" in (heading.text_content() or "")
    shot = page.screenshot(full_page=False)
    assert errors == []
    _not_blank(shot, "sample_page.png")

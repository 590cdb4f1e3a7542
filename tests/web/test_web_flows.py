"""The web app's flows end to end in Chromium, as a tumor board and a researcher use them.

Debian's Chromium driven by Playwright (never a downloaded browser); the app
runs under uvicorn in a thread on a free 127.0.0.1 port and the browser may
reach nothing else (any other request is aborted and counted as an error,
popups included). Accessibility: axe-core 4.14.1, vendored in
tests/assets/axe-core (MPL-2.0), injected into the page under test.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from browser_harness import LAUNCH_ARGS, chromium_path, serve_app

pytestmark = [pytest.mark.browser, pytest.mark.study]

ASSETS = Path(__file__).resolve().parents[1] / "assets"
AXE = ASSETS / "axe-core" / "axe.min.js"
STUDY = "breast_msk_2018"


@pytest.fixture(scope="module")
def server(studies_root: Path) -> Iterator[str]:
    yield from serve_app(studies_root)


@pytest.fixture(scope="module")
def browser(server: str) -> Iterator[Any]:
    playwright = pytest.importorskip("playwright.sync_api")
    exe = chromium_path()
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=exe, args=LAUNCH_ARGS)
        yield b
        b.close()


class Session:
    """One browser context: its page, the errors seen and the outbound attempts."""

    def __init__(
        self, browser: Any, server: str, width: int, height: int, bypass_csp: bool = False
    ) -> None:
        self.errors: list[str] = []
        self.outbound: list[str] = []
        # bypass_csp only to inject the vendored axe-core script into the page under test
        self.context = browser.new_context(
            viewport={"width": width, "height": height}, bypass_csp=bypass_csp
        )
        self.context.set_default_timeout(90_000)

        def only_local(route: Any) -> None:
            url = route.request.url
            if url.startswith(server) or url.startswith(("data:", "blob:", "about:")):
                route.continue_()
            else:
                self.outbound.append(url)
                route.abort()

        self.context.route("**/*", only_local)
        self.page = self.context.new_page()
        self.page.on(
            "console",
            lambda m: (
                self.errors.append(m.text)
                if m.type == "error" and "net::ERR_FAILED" not in m.text
                else None
            ),
        )
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))


@pytest.fixture()
def session(browser: Any, server: str) -> Iterator[Session]:
    s = Session(browser, server, 1400, 1000)
    yield s
    s.context.close()


@pytest.fixture()
def phone(browser: Any, server: str) -> Iterator[Session]:
    s = Session(browser, server, 390, 844)
    yield s
    s.context.close()


def _in_view(page: Any, selector: str) -> bool:
    return bool(
        page.eval_on_selector(
            selector,
            "el => { const r = el.getBoundingClientRect();"
            " return r.height > 0 && r.top >= 0 && r.bottom <= window.innerHeight; }",
        )
    )


# -- the New patient form -------------------------------------------------------------------


def test_form_without_therapy_history_makes_a_report(server: str, session: Session) -> None:
    """The pre-inserted therapy row (drop-downs on metastatic/progressed) is not sent."""
    page = session.page
    sent: list[Any] = []
    page.on(
        "request",
        lambda r: sent.append(r.post_data_json) if r.url.endswith("/patient/report") else None,
    )
    page.goto(f"{server}/patient/new")
    assert page.locator("#history tbody tr").count() == 1
    page.fill('input[name="id"]', "TB-no-history")
    page.select_option('select[name="er_status"]', "positive")
    page.fill('input[name="her2.ihc"]', "1+")
    page.click("#make-report")
    page.wait_for_selector("#top-list li")
    assert page.locator("#form-error").is_hidden()
    assert sent and "therapy_history" not in sent[-1]
    assert len(page.locator("#top-list li").all_text_contents()) == 3
    assert session.errors == []


def test_form_with_therapy_history_sends_only_typed_rows(server: str, session: Session) -> None:
    page = session.page
    sent: list[Any] = []
    page.on(
        "request",
        lambda r: sent.append(r.post_data_json) if r.url.endswith("/patient/report") else None,
    )
    page.goto(f"{server}/patient/new")
    page.fill('input[name="id"]', "TB-history")
    page.select_option('select[name="er_status"]', "positive")
    page.fill('input[name="her2.ihc"]', "0")
    page.fill('textarea[name="alterations"]', "ESR1 D538G")
    first = page.locator("#history tbody tr").first
    first.locator('[data-field="therapy"]').fill("letrozole + palbociclib")
    first.locator('[data-field="line"]').fill("1")
    page.click("#add-therapy")  # a second, empty row: left out
    page.click("#make-report")
    page.wait_for_selector("#top-list li")
    history = sent[-1]["therapy_history"]
    assert history == [
        {
            "therapy": "letrozole + palbociclib",
            "setting": "metastatic",
            "line": 1,
            "outcome": "progressed",
        }
    ]
    # every therapy-row input has an accessible name naming its row
    labels = page.eval_on_selector_all(
        "#history [data-field]", "els => els.map(e => e.getAttribute('aria-label'))"
    )
    assert labels[:2] == ["Therapy 1: Therapy", "Therapy 1: Setting"]
    assert "Therapy 2: Line" in labels
    assert session.errors == []


def test_form_errors_are_listed_in_plain_words_in_view_and_focused(
    server: str, session: Session
) -> None:
    page = session.page
    page.goto(f"{server}/patient/new")
    page.fill('input[name="id"]', "")
    page.fill('input[name="her2.ihc"]', "4+")
    page.fill('input[name="her2.ish_ratio"]', "-3")
    row = page.locator("#history tbody tr").first
    row.locator('[data-field="therapy"]').fill("letrozole")
    row.locator('[data-field="line"]').fill("whenever")
    page.locator("#make-report").scroll_into_view_if_needed()
    page.click("#make-report")
    page.wait_for_selector("#form-error:not([hidden])")
    items = page.locator("#form-error li").all_text_contents()
    assert len(items) == 4, items
    text = " ".join(items)
    assert "Id: cannot be empty" in text
    assert "Therapy 1, line: enter a whole number" in text
    assert "IHC: 4+ cannot be read (IHC score out of range 0-3)" in text
    assert "HER2/CEP17 ratio: -3 cannot be read" in text
    assert "should" not in text and "+1 more" not in text  # not pydantic's words
    assert _in_view(page, "#form-error")
    assert page.evaluate("document.activeElement.id") == "form-error"
    # each entry marks its field and takes the focus there
    assert row.locator('[data-field="line"]').get_attribute("aria-invalid") == "true"
    page.click("#form-error li >> text=Therapy 1, line")
    assert page.evaluate("document.activeElement.dataset.field") == "line"
    assert session.errors == []


# -- a sample's report follows the cohort page ------------------------------------------------


def _sample_low_only_under(profile: str, ambiguous: str) -> str:
    """A sample of the shared study that is HER2-low under (profile, ambiguous) but not
    under the default reading (found with the library, not hard-coded)."""
    import polars as pl

    from her2scope.her2 import classify
    from her2scope.study import load_study
    from her2scope.study.conventions import harmonise

    root = os.environ["HER2SCOPE_STUDIES"].split(os.pathsep)[0]
    samples = harmonise(load_study(Path(root) / STUDY)).samples
    chosen = classify(samples, profile=profile, ambiguous=ambiguous).table
    default = classify(samples, profile="asco-cap-2023", ambiguous="exclude").table
    both = chosen.select("SAMPLE_ID", "her2_category").join(
        default.select("SAMPLE_ID", pl.col("her2_category").alias("default")), on="SAMPLE_ID"
    )
    hits = both.filter((pl.col("her2_category") == "HER2-low") & (pl.col("default") != "HER2-low"))
    assert hits.height > 0
    return str(hits["SAMPLE_ID"][0])


def test_sample_report_follows_the_cohort_settings(server: str, session: Session) -> None:
    sample = _sample_low_only_under("ihc-only", "low")
    page = session.page
    page.goto(f"{server}/study/{STUDY}")
    page.select_option('select[name="profile"]', "ihc-only")
    page.select_option('select[name="ambiguous"]', "low")
    page.wait_for_function(
        "() => document.querySelector('#sample-lookup [name=ambiguous]').value === 'low'"
        " && document.querySelector('#sample-lookup [name=profile]').value === 'ihc-only'"
    )
    page.fill('#sample-lookup input[name="sample"]', sample)
    page.click("#sample-lookup >> text=Open report")
    page.wait_for_url(re.compile(r".*/sample/.*profile=ihc-only.*ambiguous=low"))
    assert page.locator("#her2-call").text_content() == "HER2-low"
    assert page.locator('#reading select[name="profile"]').input_value() == "ihc-only"
    frame = page.frame_locator("#report")
    assert "HER2-low" in (frame.locator("body").text_content() or "")
    # the page's own controls change the reading, and the URL carries it
    page.select_option('#reading select[name="ambiguous"]', "exclude")
    page.click("#reading >> text=Apply")
    page.wait_for_url(re.compile(r".*ambiguous=exclude"))
    assert page.locator("#her2-call").text_content() != "HER2-low"
    # the sample list of the cohort page links to reports with the settings too
    page.goto(f"{server}/study/{STUDY}?profile=ihc-only&ambiguous=low")
    href = page.locator("#sample-list a").first.get_attribute("href") or ""
    assert "profile=ihc-only" in href and "ambiguous=low" in href
    assert session.errors == []


def test_report_citations_open_in_a_new_tab(server: str, session: Session) -> None:
    page = session.page
    page.goto(f"{server}/study/{STUDY}/sample/P-0000004-T01-IM3")
    frame = page.frame_locator("#report")
    links = frame.locator("a[href^='http']")
    assert links.count() > 3
    attrs = links.evaluate_all(
        "as => as.map(a => [a.getAttribute('target'), a.getAttribute('rel')])"
    )
    assert all(t == "_blank" and "noopener" in (r or "") for t, r in attrs), attrs
    with page.expect_popup() as popup:
        # the first one a reader sees (citations in the long tables are folded)
        frame.locator("a[href^='http'] >> visible=true").first.click()
    assert popup.value is not None
    # the report stays where it was (the outside site itself is not reached from here)
    assert "P-0000004-T01-IM3" in (frame.locator("h1").text_content() or "")
    assert session.outbound  # the popup's request was the one aborted


# -- filters reach every panel ----------------------------------------------------------------


def test_survival_and_switching_follow_the_filters(server: str, session: Session) -> None:
    page = session.page
    page.goto(f"{server}/study/{STUDY}")
    page.wait_for_function(
        "() => document.querySelector('#survival table') !== null"
        " && !document.getElementById('survival').hasAttribute('aria-busy')"
    )
    cox_all = page.locator("#survival").text_content() or ""
    assert "HR-positive vs HR-negative" in cox_all
    page.select_option('select[name="hr"]', "positive")
    page.wait_for_function(
        "() => ['survival', 'switching'].every(id => {"
        " const el = document.getElementById(id);"
        " return el.dataset.src.includes('hr=positive') && !el.hasAttribute('aria-busy')"
        " && el.querySelector('.filter-note') !== null; })"
    )
    for panel in ("#survival", "#switching"):
        note = page.locator(f"{panel} .filter-note").text_content() or ""
        assert "HR-positive only" in note
    assert "HR-positive vs HR-negative" not in (page.locator("#survival").text_content() or "")
    href = page.locator("#downloads a[data-name='survival.tsv']").get_attribute("href") or ""
    assert "hr=positive" in href
    assert session.errors == []


def test_a_selected_row_lists_its_samples_with_report_links(server: str, session: Session) -> None:
    page = session.page
    page.goto(f"{server}/study/{STUDY}?profile=ihc-only&ambiguous=low")
    row = page.locator('#alt-table tr[data-alteration="ESR1_mut"]')
    n_altered = row.locator("td").nth(2).text_content()
    # a click on the forest plot's row selects the alteration
    page.locator('#chart-forest g.row[data-alteration="ESR1_mut"]').click()
    page.wait_for_function(
        "() => document.getElementById('sample-list-what').textContent.includes('ESR1 mutation')"
    )
    assert page.locator("#sample-count").text_content() == n_altered
    assert "selected" in (row.get_attribute("class") or "")
    first = page.locator("#sample-list li").first
    assert "ESR1" in (first.text_content() or "")
    href = first.locator("a").get_attribute("href") or ""
    assert "profile=ihc-only" in href and "ambiguous=low" in href
    page.click("#show-all-samples")
    assert page.locator("#sample-list-what").text_content() == ""
    assert session.errors == []


def test_table_sorting_filter_message_and_percentages(server: str, session: Session) -> None:
    page = session.page
    page.goto(f"{server}/study/{STUDY}")

    def column(index: int) -> list[float]:
        values = page.eval_on_selector_all(
            "#alt-table tbody tr:not([hidden])",
            f"trs => trs.map(t => t.cells[{index}].dataset.v)",
        )
        return [float(v) for v in values if v != ""]

    # q: the first click puts the most significant (smallest q) first
    page.click("#alt-table th[data-key='q_fisher']")
    q = column(7)
    assert q == sorted(q) and len(q) > 10
    # Paper: sorted by the paper's fraction as a number, not as text
    page.click("#alt-table th[data-key='seed']")
    paper = column(9)
    assert paper == sorted(paper, reverse=True) and len(paper) > 3
    # a filter that matches nothing says so
    page.fill("#table-filter", "no-such-gene-xyz")
    assert page.locator("#table-empty").is_visible()
    page.fill("#table-filter", "")
    assert page.locator("#table-empty").is_hidden()
    # the distribution keeps one decimal after an update
    page.select_option('select[name="ambiguous"]', "low")
    page.wait_for_function("() => new URLSearchParams(location.search).get('ambiguous') === 'low'")
    pct = page.eval_on_selector_all(
        "#distribution tbody tr", "trs => trs.map(t => t.cells[2].textContent)"
    )
    assert pct and all(re.fullmatch(r"\d+\.\d", p) for p in pct), pct
    assert session.errors == []


# -- studies without HER2 IHC -----------------------------------------------------------------


@pytest.mark.parametrize("study", ["study_es_0", "brca_tcga_pan_can_atlas_2018"])
def test_study_without_her2_shows_what_it_can(
    server: str, session: Session, study: str, studies_root: Path
) -> None:
    if not (studies_root / study / "meta_study.txt").is_file():
        pytest.skip(f"{study} not in the shared data")
    page = session.page
    response = page.goto(f"{server}/study/{study}")
    assert response is not None and response.status == 200
    caution = page.locator("#limitation .caution").text_content() or ""
    assert "HER2-low cannot be called here" in caution
    assert page.locator("#freq-table tbody tr").count() >= 20
    assert page.locator("#mapping-form select[name='map']").count() >= 5
    # a sample's report is reachable from the page
    page.click("text=All samples")
    page.locator(".sample-list a").first.click()
    page.wait_for_url(re.compile(r".*/sample/.*"))
    assert page.frame_locator("#report").locator("h1").count() == 1
    assert session.errors == []


def test_column_mapping_in_the_page_reads_the_study_with_it(server: str, session: Session) -> None:
    """Naming a column in the mapping form reloads the page with ``map=field=column``
    and the study is read with it (here: TCGA-PanCancer's SAMPLE_TYPE as sample_type)."""
    page = session.page
    response = page.goto(f"{server}/study/brca_tcga_pan_can_atlas_2018")
    if response is None or response.status == 404:
        pytest.skip("brca_tcga_pan_can_atlas_2018 not in the shared data")
    page.select_option(
        "#mapping-form select[aria-label='Column for os_months']", "os_months=OS_MONTHS"
    )
    page.click("#apply-mapping")
    page.wait_for_url(re.compile(r".*map=os_months%3DOS_MONTHS"))
    selected = page.locator("#mapping-form select[aria-label='Column for os_months']").input_value()
    assert selected == "os_months=OS_MONTHS"
    assert "(1 set)" in (page.locator(".mapping summary").text_content() or "")
    assert session.errors == []


# -- stale figures ----------------------------------------------------------------------------


def test_figures_are_marked_stale_until_the_latest_settings_arrive(
    server: str, session: Session
) -> None:
    page = session.page
    page.goto(f"{server}/study/{STUDY}")
    page.wait_for_function(
        "() => [...document.querySelectorAll('section.figures img')].every("
        "i => i.complete && i.naturalWidth > 200)"
        " && document.querySelector('#survival .km-svg') !== null"
    )
    forest_before = page.locator("#chart-forest svg").inner_html()
    page.select_option('select[name="sample_type"]', "primary")
    # at once: the server-drawn figure and the sections say they show the previous settings
    assert page.locator("section.figures figure.plot.stale").count() == 1
    assert page.locator(".fragment.stale").count() == 3  # switching, survival, actionability
    assert page.locator(".stale-note").is_visible()
    # quick further changes: only the last one is drawn
    page.select_option('select[name="sample_type"]', "metastasis")
    page.select_option('select[name="hr"]', "positive")
    page.wait_for_function(
        "() => document.querySelectorAll('.stale').length === 0"
        " && document.querySelector('#survival .km-svg') !== null",
        timeout=60_000,
    )
    queries = page.eval_on_selector_all(
        "section.figures img, figure.chart", "els => els.map(e => e.dataset.query)"
    )
    assert len(queries) == 4  # oncoprint, forest, stacked, Kaplan-Meier
    assert all("sample_type=metastasis" in q and "hr=positive" in q for q in queries), queries
    assert page.locator(".stale-note").is_hidden()
    # the page's own forest plot was redrawn with the new numbers
    assert page.locator("#chart-forest svg").inner_html() != forest_before
    assert session.errors == []


# -- narrow screens and accessibility ---------------------------------------------------------


@pytest.mark.parametrize("path", [f"/study/{STUDY}", "/patient/new", "/study/study_es_0"])
def test_no_horizontal_scroll_at_390_px(server: str, phone: Session, path: str) -> None:
    page = phone.page
    page.goto(f"{server}{path}")
    page.wait_for_load_state("networkidle")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"{path} is {width} px wide at a 390 px viewport"
    if path == "/patient/new":
        # the therapy row's fields carry visible labels on a phone
        assert page.locator("#history .cell-label").first.is_visible()
    if path.endswith(STUDY):
        # the survival curves keep a readable size (scrolled inside their box)
        page.wait_for_selector("#survival .km-svg")
        km = page.eval_on_selector("#survival .km-svg", "s => s.getBoundingClientRect().width")
        assert km >= 500
        forest = page.eval_on_selector("#chart-forest svg", "s => s.getBoundingClientRect().width")
        assert forest >= 600
    assert phone.errors == []


@pytest.mark.parametrize(
    "path",
    [
        "/",
        f"/study/{STUDY}",
        "/patient/new",
        "/study/study_es_0",
        f"/study/{STUDY}/sample/P-0000004-T01-IM3",
    ],
)
def test_axe_finds_no_serious_violations(browser: Any, server: str, path: str) -> None:
    session = Session(browser, server, 1400, 1000, bypass_csp=True)
    page = session.page
    page.goto(f"{server}{path}")
    page.wait_for_load_state("networkidle")
    page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        "async () => { const r = await axe.run(document, {resultTypes: ['violations']});"
        " return r.violations.map(v => ({id: v.id, impact: v.impact, n: v.nodes.length,"
        " target: v.nodes[0] && v.nodes[0].target.join(' ')})); }"
    )
    session.context.close()
    serious = [v for v in result if v["impact"] in ("serious", "critical")]
    assert serious == [], serious

"""``her2scope serve``: routes, numbers, and the safety rules (Starlette TestClient).

The hand-made study (tests/study_factory.py) carries a sample id and a study
name full of markup; the shared study gives real numbers (ESR1 89/147 under
ihc-only with range scores as HER2-low, the paper's Table 1 row).
"""

from __future__ import annotations

import html
import io
import json
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from figure_checks import embedded_svgs, svg_text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from study_factory import DEFAULT_SAMPLES, make_study

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

testclient = pytest.importorskip("starlette.testclient")

from her2scope.web import create_app  # noqa: E402
from her2scope.web.registry import Memo, discover  # noqa: E402

EVIL_SAMPLE = 'S<img src=x onerror=alert(1)>&"5'
EVIL_NAME = "<script>alert('name')</script>"
ORIGIN = {"origin": "http://127.0.0.1"}
PATIENT: dict[str, Any] = {
    "id": "web-1",
    "er_status": "positive",
    "setting": "metastatic",
    "her2": {"ihc": "1+"},
    "alterations": ["ESR1 D538G"],
    "therapy_history": [
        {"therapy": "letrozole + palbociclib", "setting": "metastatic", "line": 1,
         "outcome": "progressed"},
    ],
}  # fmt: skip
SERDS = {"elacestrant", "imlunestrant", "vepdegestrant"}


def _client(app: Any) -> Any:
    return testclient.TestClient(app, base_url="http://127.0.0.1", raise_server_exceptions=False)


@pytest.fixture(scope="module")
def tiny_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("studies")
    extra = {"PATIENT_ID": "P4", "SAMPLE_ID": EVIL_SAMPLE, "SAMPLE_TYPE": "Primary",
             "HER2_IHC_SCORE": "1+", "ER_STATUS": "Positive", "TMB_NONSYNONYMOUS": "1"}  # fmt: skip
    folder = make_study(root, samples=[*DEFAULT_SAMPLES, extra])
    meta = folder / "meta_study.txt"
    meta.write_text(
        meta.read_text(encoding="utf-8").replace("name: Tiny study", f"name: {EVIL_NAME}"),
        encoding="utf-8",
    )
    # a folder that is not a study, and a secret beside the root: neither may be reached
    (root / "not_a_study").mkdir()
    (root.parent / "secret.txt").write_text("secret", encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def tiny(tiny_root: Path) -> Iterator[Any]:
    with _client(create_app([tiny_root], warm=False)) as client:
        yield client


@pytest.fixture(scope="module")
def shared(studies_root: Path) -> Iterator[Any]:
    with _client(create_app([studies_root], warm=False)) as client:
        yield client


# -- studies and ids --------------------------------------------------------------------------


def test_only_study_folders_under_the_roots_are_served(tiny_root: Path) -> None:
    found = discover([tiny_root])
    assert list(found) == ["tiny_study"]
    assert found["tiny_study"].name == EVIL_NAME


def test_index_lists_the_study_with_its_name_escaped(tiny: Any) -> None:
    r = tiny.get("/")
    assert r.status_code == 200
    assert 'href="/study/tiny_study"' in r.text
    assert EVIL_NAME not in r.text
    assert "&lt;script&gt;alert(&#39;name&#39;)&lt;/script&gt;" in r.text


@pytest.mark.parametrize(
    "path",
    [
        "/study/..%2f..%2fsecret.txt",
        "/study/..%2fsecret.txt",
        "/study/%2e%2e",
        "/study/not_a_study",
        "/study/tiny_study%2f..%2f..%2fsecret.txt",
        "/study/tiny_study/download/..%2f..%2fsecret.txt",
        "/study/tiny_study/figure/..%2fsecret.png",
        "/study/tiny_study/sample/..%2f..%2fmeta_study.txt",
        "/study/tiny_study/sample/S1/report.txt",
        "/static/..%2f..%2fapp.py",
        "/static/%2e%2e/app.py",
    ],
)
def test_path_traversal_is_refused(tiny: Any, path: str) -> None:
    r = tiny.get(path)
    assert r.status_code in (400, 404)
    assert "secret" not in r.text.replace("secret.txt", "")
    assert "Traceback" not in r.text
    assert "cancer_study_identifier" not in r.text


def test_markup_in_a_sample_id_is_escaped_everywhere(tiny: Any) -> None:
    page = tiny.get("/study/tiny_study")
    assert page.status_code == 200
    assert EVIL_SAMPLE not in page.text
    assert "S&lt;img src=x onerror=alert(1)&gt;&amp;&#34;5" in page.text
    from urllib.parse import quote

    url = f"/study/tiny_study/sample/{quote(EVIL_SAMPLE, safe='')}"
    sample = tiny.get(url)
    assert sample.status_code == 200
    assert EVIL_SAMPLE not in sample.text
    assert "<img src=x" not in sample.text
    report = tiny.get(url + "/report.html")
    assert report.status_code == 200
    assert "<img src=x" not in report.text
    # the search box redirects to the same page
    found = tiny.get("/study/tiny_study/sample", params={"sample": EVIL_SAMPLE},
                     follow_redirects=False)  # fmt: skip
    assert found.status_code == 303
    # the report keeps the page's HER2 reading (profile, ambiguity policy)
    assert found.headers["location"] == url + "?profile=asco-cap-2023&ambiguous=exclude"


def test_unknown_sample_and_markup_in_a_missing_id_give_a_plain_404(tiny: Any) -> None:
    r = tiny.get("/study/tiny_study/sample/%3Cb%3Ebold%3C%2Fb%3E")
    assert r.status_code == 404
    assert "<b>bold" not in r.text
    r = tiny.get("/study/%3Cscript%3Ex")
    assert r.status_code == 404
    assert "<script>x" not in r.text
    assert "There is no" in r.text or "No study" in r.text


def test_cohort_page_summary_is_the_results_sentences(tiny: Any) -> None:
    page = tiny.get("/study/tiny_study")
    assert page.status_code == 200
    assert "Cohort HER2-low:" in page.text  # IntersectionResult.summary_lines()
    assert "=====" not in page.text  # not the notebook summary's text layout


def test_report_download_names_the_one_reproducible_command(tiny: Any) -> None:
    from her2scope.cohort.options import AnalysisOptions, analyze_command

    q = {"profile": "ihc-only", "ambiguous": "low", "sample_type": "primary"}
    r = tiny.get("/study/tiny_study/download/report.html", params=q)
    assert r.status_code == 200
    command = analyze_command(
        ["tiny_study"], AnalysisOptions(profile="ihc-only", ambiguous="low", sample_type="primary")
    )
    assert "--source sequenced --expected 0.45-0.55 --cohort all" in command
    assert html.escape(command) in r.text  # what the command line itself would record


def test_bad_option_is_a_400_page_that_does_not_echo_the_value(tiny: Any) -> None:
    r = tiny.get("/study/tiny_study", params={"profile": "<b>x</b>"})
    assert r.status_code == 400
    assert "<b>x</b>" not in r.text and "&lt;b&gt;x" not in r.text
    assert "profile must be one of" in r.text
    j = tiny.get("/study/tiny_study/analysis.json", params={"ambiguous": "maybe"})
    assert j.status_code == 400
    assert j.json()["ok"] is False


# -- request guard ------------------------------------------------------------------------------


def test_cross_origin_post_is_refused(tiny: Any) -> None:
    for headers in (
        {},
        {"origin": "http://evil.example"},
        {"origin": "null"},
        {"origin": "http://127.0.0.1:9999"},
        {"referer": "http://evil.example/page"},
    ):
        r = tiny.post("/patient/report", json=PATIENT, headers=headers)
        assert r.status_code == 403, headers
        assert "Cross-origin" in r.json()["error"]


def test_same_origin_by_referer_is_accepted(tiny: Any) -> None:
    r = tiny.post(
        "/patient/report", json=PATIENT, headers={"referer": "http://127.0.0.1/patient/new"}
    )
    assert r.status_code == 200


def test_foreign_host_header_is_refused(tiny: Any) -> None:
    r = tiny.get("/", headers={"host": "evil.example"})
    assert r.status_code == 400
    assert "host" in r.text


def test_oversized_post_is_refused(tiny: Any) -> None:
    big = json.dumps({**PATIENT, "markers": ["x" * 1000] * 300}).encode()
    assert len(big) > 256 * 1024
    r = tiny.post(
        "/patient/report",
        content=big,
        headers={**ORIGIN, "content-type": "application/json"},
    )
    assert r.status_code == 413

    def chunks() -> Iterator[bytes]:  # no Content-Length: the guard counts what arrives
        for _ in range(40):
            yield b" " * 10_000

    r = tiny.post(
        "/patient/report", content=chunks(), headers={**ORIGIN, "content-type": "application/json"}
    )
    assert r.status_code == 413


def test_post_must_be_json(tiny: Any) -> None:
    r = tiny.post("/patient/report", data={"id": "x"}, headers=ORIGIN)
    assert r.status_code == 415
    r = tiny.post(
        "/patient/report",
        content=b"[" * 50_000,
        headers={**ORIGIN, "content-type": "application/json"},
    )
    assert r.status_code == 400
    assert r.json()["error"] == "The request is not valid JSON."


def test_security_headers_and_server_timing(tiny: Any) -> None:
    r = tiny.get("/")
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src")[1][:30]
    assert "connect-src 'self'" in csp
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["x-frame-options"] == "SAMEORIGIN"
    assert r.headers["cache-control"] == "no-store"
    assert r.headers["server-timing"].startswith("app;dur=")


def test_pages_reference_no_outside_resources(tiny: Any) -> None:
    for path in ("/", "/study/tiny_study", "/patient/new", "/study/tiny_study/sample/S1"):
        text = tiny.get(path).text
        assert "http://" not in text and "https://" not in text, path
        assert "<script>" not in text  # only external same-origin scripts (CSP)


def test_server_error_is_a_friendly_page_without_traceback(tiny_root: Path) -> None:
    app = create_app([tiny_root], warm=False)
    service = app.app.state.service

    def boom(*args: Any) -> Any:
        raise RuntimeError("internal detail /home/secret/path")

    service.analysis_payload = boom
    with _client(app) as client:
        r = client.get("/study/tiny_study")
        j = client.get("/study/tiny_study/analysis.json")
    assert r.status_code == 500
    assert "Traceback" not in r.text and "/home/secret" not in r.text
    assert "could not answer" in r.text
    assert j.status_code == 500 and j.json()["ok"] is False


# -- the patient form ---------------------------------------------------------------------------


def test_patient_report_from_json(tiny: Any) -> None:
    r = tiny.post("/patient/report", json=PATIENT, headers=ORIGIN)
    assert r.status_code == 200
    body = r.json()
    assert body["ok"] is True
    top = [o["therapy"] for o in body["top_options"]]
    assert len(top) == 3 and SERDS & set(top)
    assert body["her2"] == "HER2-low"
    assert body["html"].startswith("<!DOCTYPE html>")
    assert "ESR1" in body["markdown"]
    assert json.loads(body["json"])["patient"]["id"] == "web-1"


def test_patient_schema_error_is_one_line(tiny: Any) -> None:
    """A refused patient is an answer (200, ok false), with the schema's own message."""
    r = tiny.post("/patient/report", json={"id": "x", "er": "pos"}, headers=ORIGIN)
    assert r.status_code == 200
    body = r.json()
    assert body["ok"] is False
    assert body["error"] == "unknown field 'er' (did you mean 'er_status'?)"
    assert [e["field"] for e in body["errors"]] == ["er"]
    # "first" and "1L" are read as line 1 (v3); a word that is not a line is refused
    bad_line = {**PATIENT, "therapy_history": [{"therapy": "letrozole", "line": "whenever"}]}
    r = tiny.post("/patient/report", json=bad_line, headers=ORIGIN)
    assert r.json()["ok"] is False
    assert r.json()["errors"] == [
        {
            "field": "therapy_history[0].line",
            "label": "Therapy 1, line",
            "message": "Therapy 1, line: enter a whole number",
        }
    ]
    r = tiny.post("/patient/report", json=["not", "a", "mapping"], headers=ORIGIN)
    assert r.json()["ok"] is False


def test_patient_markup_is_escaped_in_the_report(tiny: Any) -> None:
    evil = {**PATIENT, "id": "<script>alert(1)</script>", "alterations": ["<img src=x>"]}
    r = tiny.post("/patient/report", json=evil, headers=ORIGIN)
    assert r.status_code == 200
    html = r.json()["html"]
    assert "<script>alert(1)" not in html and "<img src=x>" not in html


def test_form_page_and_schema(tiny: Any) -> None:
    page = tiny.get("/patient/new")
    assert page.status_code == 200
    assert 'id="patient-form"' in page.text
    schema = tiny.get("/patient/schema.json").json()
    assert "therapy_history" in schema["properties"]


# -- memo -----------------------------------------------------------------------------------------


def test_memo_computes_each_key_once_under_concurrency() -> None:
    memo: Memo[int] = Memo(maxsize=4)
    calls: list[int] = []
    gate = threading.Event()

    def compute() -> int:
        gate.wait(5)
        calls.append(1)
        return 42

    results: list[int] = []
    threads = [
        threading.Thread(target=lambda: results.append(memo.get("k", compute))) for _ in range(8)
    ]
    for t in threads:
        t.start()
    gate.set()
    for t in threads:
        t.join()
    assert results == [42] * 8
    assert calls == [1]
    for i in range(10):
        memo.get(i, lambda i=i: i)
    assert len(memo) == 4


# -- the shared study -------------------------------------------------------------------------


@pytest.mark.study
def test_cohort_page_and_paper_row(shared: Any) -> None:
    r = shared.get("/study/breast_msk_2018")
    assert r.status_code == 200
    assert 'data-alteration="ESR1_mut"' in r.text
    j = shared.get(
        "/study/breast_msk_2018/analysis.json", params={"profile": "ihc-only", "ambiguous": "low"}
    ).json()
    esr1 = next(row for row in j["rows"] if row["alteration"] == "ESR1_mut")
    assert esr1["fraction"] == "89/147"
    assert j["n_samples"] == 1918
    assert sum(d["n"] for d in j["distribution"]) == j["n_analysed"]
    # each bar in its category's palette colour (HER2-0 family share one)
    colour = {d["category"]: d["colour"] for d in j["distribution"]}
    assert colour["HER2-low"] != colour["HER2-0"] != colour["HER2-positive"]
    assert 'style="width: ' in r.text and "background: #" in r.text
    metastasis = shared.get(
        "/study/breast_msk_2018/analysis.json",
        params={"profile": "ihc-only", "ambiguous": "low", "sample_type": "metastasis"},
    ).json()
    assert metastasis["n_analysed"] < j["n_analysed"]


@pytest.mark.study
def test_downloads(shared: Any) -> None:
    base = "/study/breast_msk_2018/download/"
    q = {"profile": "ihc-only", "ambiguous": "low"}
    tsv = shared.get(base + "table.tsv", params=q)
    assert tsv.status_code == 200
    assert "attachment" in tsv.headers["content-disposition"]
    table = pl.read_csv(io.BytesIO(tsv.content), separator="\t")
    esr1 = table.filter(pl.col("alteration") == "ESR1_mut").row(0, named=True)
    assert (esr1["n_her2_low"], esr1["n_her2_known"]) == (89, 147)
    parquet = pl.read_parquet(io.BytesIO(shared.get(base + "table.parquet", params=q).content))
    assert parquet.equals(table.select(parquet.columns).cast(parquet.schema)) or (
        parquet.height == table.height
    )
    rows = json.loads(shared.get(base + "table.json", params=q).content)["rows"]
    assert any(r["alteration"] == "ESR1_mut" and r["n_her2_low"] == 89 for r in rows)
    html = shared.get(base + "report.html", params=q)
    assert html.status_code == 200
    forest, stacked, oncoprint = embedded_svgs(html.text)
    assert "ESR1 mutation (n=147)" in svg_text(forest)
    assert "HER2 categories among altered tumors" in svg_text(stacked)
    assert "grouped by HER2 category" in svg_text(oncoprint)


@pytest.mark.study
def test_figures_switching_survival_and_sample_page(shared: Any) -> None:
    png = shared.get("/study/breast_msk_2018/figure/forest.png")
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG")
    sw = shared.get("/study/breast_msk_2018/switching", params={"profile": "ihc-only"})
    assert sw.status_code == 200 and "primary_vs_sequenced" in sw.text
    sv = shared.get("/study/breast_msk_2018/survival")
    assert sv.status_code == 200 and "left truncation" in sv.text
    sample = shared.get("/study/breast_msk_2018/sample/P-0000004-T01-IM3")
    assert sample.status_code == 200 and "HER2" in sample.text
    md = shared.get("/study/breast_msk_2018/sample/P-0000004-T01-IM3/report.md?download=1")
    assert md.status_code == 200 and "attachment" in md.headers["content-disposition"]


@pytest.mark.study
def test_concurrent_requests_agree(shared: Any) -> None:
    """Parallel control changes each get their own options' numbers, every time."""
    combos = [
        {"profile": p, "ambiguous": a}
        for p in ("ihc-only", "asco-cap-2018", "asco-cap-2023")
        for a in ("low", "zero", "exclude")
    ]
    expected = {
        json.dumps(c, sort_keys=True): shared.get(
            "/study/breast_msk_2018/analysis.json", params=c
        ).json()["rows"]
        for c in combos
    }
    errors: list[str] = []

    def worker(c: dict[str, str]) -> None:
        for _ in range(3):
            got = shared.get("/study/breast_msk_2018/analysis.json", params=c)
            if (
                got.status_code != 200
                or got.json()["rows"] != expected[json.dumps(c, sort_keys=True)]
            ):
                errors.append(str(c))

    threads = [threading.Thread(target=worker, args=(c,)) for c in combos * 2]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


@pytest.mark.study
def test_cohort_page_shows_actionability(shared: Any) -> None:
    """Issue 25: the cohort page links the actionability fragment; the fragment gives the Q2
    answer with the numbers of hs.tl.actionability, the table and the figure."""
    import her2scope as hs

    page = shared.get("/study/breast_msk_2018")
    assert page.status_code == 200 and "/actionability?" in page.text
    frag = shared.get("/study/breast_msk_2018/actionability")
    assert frag.status_code == 200
    result = hs.tl.actionability("breast_msk_2018")
    q = result.q2
    assert f"{q['n_approved']} of {q['n_resistant_her2_low']} endocrine-resistant HER2-low" in (
        frag.text
    )
    assert "Assumed therapy history (after-et-cdk46)" in frag.text
    assert "<svg" in frag.text and "approved (FDA)" in frag.text


def test_actionability_of_a_large_cohort_points_to_the_command_line(
    tiny: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from her2scope.web import service

    monkeypatch.setattr(service, "ACTIONABILITY_MAX_SAMPLES", 1)
    r = tiny.get("/study/tiny_study/actionability")
    assert r.status_code == 200
    assert "--actionability --out DIR" in r.text and "up to 1" in r.text

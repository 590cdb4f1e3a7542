"""``her2scope serve`` behind the pages: start-up, filters, cancellation, names (no browser).

Hand-made studies (tests/study_factory.py) for the start-up cases (a broken
study, a study hidden by a same-named one, a folder that does not exist, a
sample id holding "/"); the shared study for the numbers of the filtered
survival and switching.
"""

from __future__ import annotations

import io
import logging
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from study_factory import DEFAULT_SAMPLES, make_study

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
testclient = pytest.importorskip("starlette.testclient")

from her2scope.cohort.options import (  # noqa: E402
    AnalysisOptions,
)
from her2scope.web import create_app  # noqa: E402
from her2scope.web.app import _warm, links_in_new_tab  # noqa: E402
from her2scope.web.registry import Registry  # noqa: E402
from her2scope.web.service import (  # noqa: E402
    Service,
    Superseded,
)

SLASH_SAMPLE = "S-5/b"


def _client(app: Any, host: str = "127.0.0.1") -> Any:
    return testclient.TestClient(app, base_url=f"http://{host}", raise_server_exceptions=False)


@pytest.fixture(scope="module")
def roots(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Two roots: the first holds a broken study, a good one with a "/" sample id;
    the second a study of the same name (hidden) and another good one."""
    first = tmp_path_factory.mktemp("first")
    second = tmp_path_factory.mktemp("second")
    extra = {"PATIENT_ID": "P5", "SAMPLE_ID": SLASH_SAMPLE, "SAMPLE_TYPE": "Primary",
             "HER2_IHC_SCORE": "1+", "ER_STATUS": "Positive", "TMB_NONSYNONYMOUS": "1"}  # fmt: skip
    make_study(first, study_id="tiny_study", samples=[*DEFAULT_SAMPLES, extra])
    broken = make_study(first, study_id="aaa_broken")
    # a clinical sample file with a header row but the SAMPLE_ID column renamed: unreadable
    clinical = broken / "data_clinical_sample.txt"
    clinical.write_text(
        clinical.read_text(encoding="utf-8").replace("SAMPLE_ID", "SAMPLE_IDX"), encoding="utf-8"
    )
    make_study(second, study_id="tiny_study")
    make_study(second, study_id="zzz_other")
    return first, second


def test_warm_goes_past_a_broken_study_with_one_log_line(
    roots: tuple[Path, Path], caplog: pytest.LogCaptureFixture
) -> None:
    service = Service(Registry(list(roots)))
    with caplog.at_level(logging.WARNING, logger="her2scope.web"):
        _warm(service)
    registry = service.registry
    assert "aaa_broken" in registry.broken
    # the studies after the broken one were loaded and analysed
    for study_id in ("tiny_study", "zzz_other"):
        assert registry.is_loaded(study_id)
        assert service._results.peek(("payload", study_id, AnalysisOptions())) is not None
    lines = [r for r in caplog.records if "aaa_broken" in r.getMessage()]
    assert len(lines) == 1 and lines[0].exc_info is None
    assert "\n" not in lines[0].getMessage()


def test_home_page_marks_broken_hidden_and_missing(roots: tuple[Path, Path]) -> None:
    missing = roots[1].parent / "no_such_folder"
    app = create_app([*roots, missing], warm=False)
    with _client(app) as client:
        assert client.get("/study/aaa_broken").status_code == 400  # its error, once opened
        page = client.get("/").text
    assert f"<code>{missing}</code>" in page and "does not exist" in page
    assert "hidden by a study of the same name" in page
    assert str(roots[1] / "tiny_study") in page
    row = page.split('data-study="aaa_broken"', 1)[1].split("</tr>", 1)[0]
    assert "cannot be read" in row


def test_a_sample_id_with_a_slash_opens(roots: tuple[Path, Path]) -> None:
    with _client(create_app([roots[0]], warm=False)) as client:
        page = client.get("/study/tiny_study/sample/S-5%2Fb")
        assert page.status_code == 200 and "S-5/b" in page.text
        report = client.get("/study/tiny_study/sample/S-5%2Fb/report.md")
        assert report.status_code == 200 and "S-5/b" in report.text
        found = client.get(
            "/study/tiny_study/sample", params={"sample": SLASH_SAMPLE}, follow_redirects=True
        )
        assert found.status_code == 200 and "S-5/b" in found.text
        assert client.get("/study/tiny_study/sample/S-5%2Fc").status_code == 404


def test_named_hosts_with_0000(roots: tuple[Path, Path]) -> None:
    app = create_app([roots[0]], host="0.0.0.0", allowed_hosts=["tb.example.org"], warm=False)
    with _client(app, "tb.example.org") as client:
        assert client.get("/").status_code == 200
    with _client(app, "evil.example.com") as client:
        assert client.get("/").status_code in (400, 403)
    open_app = create_app([roots[0]], host="0.0.0.0", warm=False)
    with _client(open_app, "any.example.com") as client:
        assert client.get("/").status_code == 200


def test_a_superseded_figure_is_not_drawn(roots: tuple[Path, Path]) -> None:
    service = Service(Registry([roots[0]]))
    old, new = AnalysisOptions(), AnalysisOptions(sample_type="primary")
    service.want("view1", "tiny_study", new)
    with pytest.raises(Superseded):
        service.figure("tiny_study", old, "forest", view="view1")
    assert service._results.peek(("cohort_figures", "tiny_study", old)) is None
    # another view, or no view, is not affected; the latest setting is drawn
    assert service.figure("tiny_study", old, "forest", view="view2").startswith(b"\x89PNG")
    assert service.figure("tiny_study", new, "forest", view="view1").startswith(b"\x89PNG")


def test_links_in_new_tab() -> None:
    html = (
        '<a href="https://pubmed.ncbi.nlm.nih.gov/1/" rel="noopener noreferrer">PMID 1</a>'
        '<a href="#local">here</a><a href="http://x.org/" target="_self">x</a>'
        '<a class="c" href="https://doi.org/10.1/x">doi</a>'
    )
    out = links_in_new_tab(html)
    assert out.count('target="_blank"') == 2
    assert '<a href="#local">' in out and 'target="_self"' in out
    assert '<a target="_blank" rel="noopener noreferrer" class="c" href="https://doi.org' in out


def test_busy_port_is_one_line_before_any_url(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        run = subprocess.run(
            [sys.executable, "-m", "her2scope", "serve", "--port", str(port), "--no-warm",
             "--studies", str(tmp_path)],
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
    assert run.returncode == 2
    assert "http://" not in run.stderr and "Traceback" not in run.stderr
    lines = [ln for ln in run.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and f"port {port}" in lines[0] and "in use" in lines[0]


# -- the shared study -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def shared(studies_root: Path) -> Iterator[Any]:
    with _client(create_app([studies_root], warm=False)) as client:
        yield client


@pytest.mark.study
def test_survival_and_switching_follow_the_filters(shared: Any) -> None:
    base = "/study/breast_msk_2018/download/"

    def table(name: str, **params: str) -> tuple[pl.DataFrame, str]:
        r = shared.get(base + name, params=params)
        assert r.status_code == 200
        return pl.read_csv(io.BytesIO(r.content), separator="\t"), r.headers["content-disposition"]

    all_sv, all_name = table("survival.tsv")
    pos_sv, pos_name = table("survival.tsv", hr="positive", sample_type="primary")
    n_all = all_sv.filter(pl.col("analysis") == "from_diagnosis")["n_patients"].sum()
    n_pos = pos_sv.filter(pl.col("analysis") == "from_diagnosis")["n_patients"].sum()
    assert 0 < n_pos < n_all
    assert "asco-cap-2023_exclude_all_hr-all_survival.tsv" in all_name
    assert "asco-cap-2023_exclude_primary_hr-positive_survival.tsv" in pos_name
    page = shared.get("/study/breast_msk_2018/survival", params={"hr": "positive"}).text
    assert "HR-positive vs HR-negative" not in page and "HR-positive only" in page
    assert "Median OS (months)" in page and "median_os_months" not in page
    sw_all, _ = table("switching.tsv")
    sw_pos, sw_name = table("switching.tsv", hr="positive")
    assert sw_pos["n"].sum() < sw_all["n"].sum()
    assert "hr-positive_switching.tsv" in sw_name
    _, table_name = table("table.tsv", hr="positive")
    assert "hr-positive_table.tsv" in table_name


@pytest.mark.study
def test_study_without_her2_page_and_survival_by_alteration(
    shared: Any, studies_root: Path
) -> None:
    if not (studies_root / "brca_tcga_pan_can_atlas_2018").is_dir():
        pytest.skip("brca_tcga_pan_can_atlas_2018 not in the shared data")
    r = shared.get("/study/brca_tcga_pan_can_atlas_2018")
    assert r.status_code == 200
    assert "records no HER2 test" in r.text and 'id="freq-table"' in r.text
    # a column the study does not have: the page without the mapping, saying why
    bad = shared.get("/study/brca_tcga_pan_can_atlas_2018", params={"map": "ihc=NO_SUCH"})
    assert bad.status_code == 200 and 'id="freq-table"' in bad.text
    error = bad.text.split('id="mapping-error"', 1)[1].split("</p>", 1)[0]
    assert "ihc=NO_SUCH was not applied" in error and "no column &#39;NO_SUCH&#39;" in error
    good = shared.get("/study/breast_msk_2018", params={"map": "ihc=NO_SUCH"})
    assert good.status_code == 200 and 'id="mapping-error"' in good.text
    assert 'id="alt-table"' in good.text
    assert shared.get("/study/breast_msk_2018", params={"map": "nonsense=X"}).status_code == 400


def test_a_metabric_like_study_shows_its_her2_split(tmp_path: Path) -> None:
    """METABRIC's layout (HER2_STATUS +/-, HER2_SNP6, ER_IHC, CLAUDIN_SUBTYPE: the columns
    of cBioPortal's brca_metabric export) gives HER2-positive vs not, no HER2-low: the
    page shows that split with the reason, not a 400."""
    samples = [
        {"PATIENT_ID": f"MB-{i:04d}", "SAMPLE_ID": f"MB-{i:04d}", "SAMPLE_TYPE": "Primary",
         "HER2_STATUS": "Positive" if i % 4 == 0 else "Negative", "ER_STATUS": "Positive",
         "ER_IHC": "Positve", "HER2_SNP6": "GAIN" if i % 4 == 0 else "NEUTRAL",
         "CLAUDIN_SUBTYPE": "LumA"}
        for i in range(12)
    ]  # fmt: skip
    patients = [
        {"PATIENT_ID": s["PATIENT_ID"], "OS_MONTHS": str(10 + i), "OS_STATUS": "0:LIVING"}
        for i, s in enumerate(samples)
    ]
    make_study(tmp_path, study_id="brca_metabric_like", samples=samples, patients=patients,
               maf_rows=None, cna=None, fusions=None, panel_matrix=None)  # fmt: skip
    with _client(create_app([tmp_path], warm=False)) as client:
        page = client.get("/study/brca_metabric_like")
    assert page.status_code == 200, page.text[:500]
    assert "HER2-low cannot be called here" in page.text
    split = page.text.split('id="her2-split"', 1)[1].split("</table>", 1)[0]
    assert "HER2-positive" in split and ">3<" in split and ">9<" in split


@pytest.mark.study
def test_altered_samples_agree_with_the_table(shared: Any) -> None:
    """The sample list of a selected row holds exactly the row's altered tumors."""
    q = {"profile": "ihc-only", "ambiguous": "low", "hr": "positive"}
    rows = shared.get("/study/breast_msk_2018/analysis.json", params=q).json()["rows"]
    for row in rows:
        r = shared.get(
            "/study/breast_msk_2018/altered.json", params={**q, "alteration": row["alteration"]}
        )
        assert r.status_code == 200
        samples = r.json()["samples"]
        assert len(samples) == row["n_altered"], row["alteration"]
        assert len({s["id"] for s in samples}) == len(samples)
    esr1 = shared.get(
        "/study/breast_msk_2018/altered.json", params={**q, "alteration": "ESR1_mut"}
    ).json()["samples"]
    assert all("ESR1" in s["variants"] for s in esr1)
    bad = shared.get("/study/breast_msk_2018/altered.json", params={"alteration": "NOPE"})
    assert bad.status_code == 404 and bad.json()["ok"] is False

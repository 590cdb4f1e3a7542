"""One HER2 path: for every sample of every shared study that records a HER2 test,
``analyze``, ``export``, ``classify`` and ``report --study`` give the same call.

Each command's own entry point is used (``classify`` through the command line;
the others through the library functions their commands call), with the
commands' defaults (profile asco-cap-2023, ambiguity policy exclude, the
sequenced sample's pathology). Before this, the report path read only the IHC,
the ISH status and the ratio, and lost the copy numbers the other commands read.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from her2scope.cohort.table1.compute import analyze
from her2scope.export.run import export_cbioportal
from her2scope.export.views import PREFIX
from her2scope.study import load_study
from her2scope.study.conventions import harmonise
from her2scope.tumorboard.from_study import profiles_from_study
from her2scope.tumorboard.her2_calls import call_her2, prefill_her2_calls

STUDIES = ("breast_msk_2018", "brca_tcga_pub2015")


def _cbioportal_table(text: str) -> pl.DataFrame:
    body = "\n".join(line for line in text.splitlines() if not line.startswith("#"))
    return pl.read_csv(io.StringIO(body), separator="\t", infer_schema=False, quote_char=None)


@pytest.mark.parametrize("study_id", STUDIES)
def test_every_command_gives_the_same_call(
    studies_root: Path, tmp_path: Path, study_id: str
) -> None:
    folder = studies_root / study_id
    if not folder.is_dir():
        pytest.skip(f"{study_id} not in HER2SCOPE_STUDIES")
    study = load_study(folder, cache=False)

    analysed = dict(
        analyze(harmonise(study)).samples.select("sample_id", "her2_category").iter_rows()
    )

    export = export_cbioportal(study)
    exported_table = _cbioportal_table(export.files[export.data_filename])
    exported = dict(exported_table.select("SAMPLE_ID", PREFIX + "HER2_CATEGORY").iter_rows())

    out = tmp_path / "calls.tsv"
    done = subprocess.run(
        [sys.executable, "-m", "her2scope", "classify", str(folder), "--out", str(out)],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
        env=dict(os.environ),
    )
    assert done.returncode == 0, done.stderr[-800:]
    classified = dict(
        pl.read_csv(out, separator="\t", infer_schema=False, quote_char=None)
        .select("SAMPLE_ID", "her2_category")
        .iter_rows()
    )

    profiles = profiles_from_study(harmonise(study))
    prefill_her2_calls(profiles.values())
    reported = {
        sid: call_her2(p.her2, profile=p.profile, ambiguous=p.ambiguous)["category"]
        for sid, p in profiles.items()
    }

    ids = study.samples["SAMPLE_ID"].to_list()
    assert len(ids) == len(set(ids))
    for name, got in (("export", exported), ("classify", classified), ("report", reported)):
        differ = [(s, analysed[s], got.get(s)) for s in ids if got.get(s) != analysed[s]]
        assert differ == [], f"{name} differs from analyze in {len(differ)}: {differ[:5]}"
    # the check has something to compare: calls of more than one kind
    assert len(set(analysed.values())) >= 3


def test_a_study_without_her2_columns_is_refused_alike(studies_root: Path) -> None:
    """study_es_0 (cBioPortal's importer test study) has no HER2 pathology column: the
    commands that make HER2 calls refuse with the same reason, the reports say unknown."""
    from her2scope.errors import Her2scopeError

    folder = studies_root / "study_es_0"
    if not folder.is_dir():
        pytest.skip("study_es_0 not in HER2SCOPE_STUDIES")
    study = load_study(folder, cache=False)
    messages = []
    for run in (lambda: analyze(harmonise(study)), lambda: export_cbioportal(study)):
        with pytest.raises(Her2scopeError) as caught:
            run()
        messages.append(str(caught.value))
    assert all("no HER2 pathology column found" in m for m in messages)
    profiles = profiles_from_study(harmonise(study))
    calls = {
        call_her2(p.her2, profile=p.profile, ambiguous=p.ambiguous)["category"]
        for p in profiles.values()
    }
    assert calls == {"unknown"}

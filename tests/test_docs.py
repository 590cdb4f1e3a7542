"""The documentation site builds offline with warnings as errors, and is complete.

``mkdocs build --strict`` runs the hook (docs/hooks.py) that generates the
command reference, the patient-file field table, the rule profiles and the
benchmark page; every registered command and every field of the patient
schema must appear in what it wrote.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _hooks() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "her2scope_docs_hooks", ROOT / "docs" / "hooks.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _need_mkdocs() -> None:
    if (
        importlib.util.find_spec("mkdocs") is None
        or importlib.util.find_spec("mkdocstrings") is None
    ):
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("CI=true but mkdocs/mkdocstrings are not installed (dev extra)")
        pytest.skip("mkdocs not installed (pip install -e '.[dev]')")


def test_site_builds_strict_and_offline(tmp_path: Path) -> None:
    _need_mkdocs()
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "HTTP_PROXY": "http://127.0.0.1:9"}
    env["HTTPS_PROXY"] = env["HTTP_PROXY"]
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(tmp_path / "site")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    site = tmp_path / "site"
    for page in ("tutorial", "cbioportal-export", "api", "patient-file", "generated/cli"):
        assert (site / page / "index.html").is_file(), page
    api = (site / "api" / "index.html").read_text(encoding="utf-8")
    for name in ("load_study", "classify", "annotate", "export_cbioportal", "write_text_atomic"):
        assert f'id="{name}' in api or f".{name}" in api, name
    cli = (site / "generated" / "cli" / "index.html").read_text(encoding="utf-8")
    assert "her2scope export cbioportal" in cli
    # issue 27: numpydoc parsed into sections, nothing raw, nothing fetched
    for section in ("Parameters", "Returns", "Examples"):
        assert f'class="doc-section-title">{section}' in api, section
    for raw in (":class:", ":func:", "doctest: +SKIP", "TYPE_CHECKING"):
        assert raw not in api, raw
    assert 'id="her2scope.pl.forest"' in api or "her2scope.pl.forest" in api
    for page in site.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        external = re.findall(r'<(?:link|script|img)[^>]+(?:href|src)="(https?://[^"]+)', html)
        assert external == [], (page, external[:3])
        assert "fonts.googleapis" not in html and "fonts.gstatic" not in html, page


def test_every_registered_command_is_in_the_command_reference() -> None:
    import typer.main

    from her2scope.cli import app

    hooks = _hooks()
    text = hooks.cli_markdown()
    commands = hooks.iter_commands(typer.main.get_command(app))
    assert len(commands) > 15
    for path, _cmd in commands:
        assert f"## `{' '.join(('her2scope', *path))}`" in text
    # allowed values of fixed-choice options are shown
    assert "<low\\|zero\\|exclude>" in text  # a table cell: pipes escaped


def test_every_patient_field_is_in_the_field_table() -> None:
    from her2scope.tumorboard.patient_file import patient_json_schema

    text = _hooks().patient_markdown()
    schema = patient_json_schema()
    objects = [schema, *schema.get("$defs", {}).values()]
    for obj in objects:
        for field in obj.get("properties", {}):
            assert f"| `{field}` |" in text, field


def test_every_profile_is_documented() -> None:
    text = _hooks().profiles_markdown()
    for path in (ROOT / "src" / "her2scope" / "data" / "profiles").glob("*.yaml"):
        assert f"## `{path.stem}`" in text
    assert "ISH group 1" in text


def _tutorial_commands() -> list[str]:
    """The ``her2scope ...`` lines of the tutorial's bash blocks, comments cut."""
    text = (ROOT / "docs" / "tutorial.md").read_text(encoding="utf-8")
    lines: list[str] = []
    for block in re.findall(r"```bash\n(.*?)```", text, flags=re.S):
        for line in block.splitlines():
            line = line.split("  #")[0].strip()
            if line.startswith("her2scope "):
                lines.append(line)
    return lines


def test_tutorial_runs_end_to_end(
    studies_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every command of docs/tutorial.md, verbatim, on the shared folder (offline),
    then its Python block: the tutorial cannot drift from the program."""
    import shlex
    import shutil

    from her2scope import cli

    studies = studies_root.resolve()  # CI gives a relative path; the test changes folder
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HER2SCOPE_STUDIES", str(studies))
    # the tutorial's "write a patient file" step: one of the test patients
    shutil.copy(ROOT / "tests" / "fixtures" / "patients" / "er_pos_her2_low_esr1.yaml",
                tmp_path / "patient.yaml")  # fmt: skip
    commands = _tutorial_commands()
    assert len(commands) >= 10
    for line in commands:
        assert cli.main(shlex.split(line)[1:]) == 0, line
    assert (tmp_path / "results" / "pooled" / "pooled.tsv").is_file()
    assert (tmp_path / "results" / "intersection.tsv").is_file()
    assert (tmp_path / "patient.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    text = (ROOT / "docs" / "tutorial.md").read_text(encoding="utf-8")
    (code,) = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    exec(compile(code, "docs/tutorial.md", "exec"), {})
    # the shell steps assume the environment is active, and say so
    assert "source .venv/bin/activate" in text


def test_readme_activates_the_environment_before_bare_commands() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    first_bare = readme.index("| `her2scope classify")
    assert -1 < readme.find("source .venv/bin/activate") < first_bare

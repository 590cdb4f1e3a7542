"""The documentation site builds offline with warnings as errors, and is complete.

``mkdocs build --strict`` runs the hook (docs/hooks.py) that generates the
command reference, the patient-file field table, the rule profiles and the
benchmark page; every registered command and every field of the patient
schema must appear in what it wrote.
"""

from __future__ import annotations

import importlib.util
import os
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
    from her2scope.kb.patient import patient_json_schema

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

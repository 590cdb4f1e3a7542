"""MkDocs hook: write the generated reference pages before each build.

Pages under ``docs/generated/`` come from the code, so they cannot drift:
the command reference from the typer application, the patient-file field
table from :func:`her2scope.tumorboard.patient_file.patient_json_schema`, the HER2 rule
profiles from ``src/her2scope/data/profiles/*.yaml`` and the benchmark
figures from ``benchmarks/results.md``. Nothing is fetched from the network.
``tests/test_docs.py`` imports this file to check the generated pages.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _cell(text: object) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


# -- commands -----------------------------------------------------------------


def iter_commands(cmd: Any, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], Any]]:
    """Every command and group of the CLI, depth first, with its path of names.

    (typer vendors its own click, so commands are recognised by their attributes.)
    """
    found = [(path, cmd)]
    for name in sorted(getattr(cmd, "commands", None) or {}):
        found += iter_commands(cmd.commands[name], (*path, name))
    return found


def cli_markdown() -> str:
    """The command reference, from the typer application's own help."""
    import typer.main

    from her2scope.cli import app

    root = typer.main.get_command(app)
    out = [
        "# Command reference",
        "",
        "Generated from the program's own help at every build. "
        "`her2scope COMMAND --help` shows the same in the terminal.",
        "",
    ]
    for path, cmd in iter_commands(root):
        name = " ".join(("her2scope", *path))
        out += [f"## `{name}`", ""]
        help_text = (cmd.help or "").strip()
        if help_text:
            out += [help_text.replace("\b\n", ""), ""]
        ctx = cmd.context_class(cmd, info_name=name)
        out += ["```text", cmd.get_usage(ctx).strip(), "```", ""]
        rows = []
        for param in cmd.get_params(ctx):
            record = param.get_help_record(ctx)
            if record is None:
                continue
            flags, text = record
            rows.append(f"| `{_cell(flags)}` | {_cell(text)} |")
        if rows:
            out += ["| argument / option | meaning |", "|---|---|", *rows, ""]
    return "\n".join(out) + "\n"


# -- patient file ---------------------------------------------------------------


def _type_of(prop: dict[str, Any], defs: dict[str, Any]) -> str:
    if "$ref" in prop:
        return prop["$ref"].rsplit("/", 1)[-1]
    if "enum" in prop:
        return " | ".join(f"`{v}`" for v in prop["enum"])
    if "anyOf" in prop:
        return " or ".join(_type_of(p, defs) for p in prop["anyOf"])
    if prop.get("type") == "array":
        return f"list of {_type_of(prop.get('items', {}), defs)}"
    return str(prop.get("type", "any"))


def patient_markdown() -> str:
    """One table per object of the patient file's JSON Schema."""
    from her2scope.tumorboard.patient_file import patient_json_schema

    schema = patient_json_schema()
    defs = schema.get("$defs", {})
    out = [
        "# Patient file fields",
        "",
        "Generated from `her2scope.tumorboard.patient_file.patient_json_schema()` (the schema "
        "`her2scope report --schema` prints). The guide with examples is "
        "[The patient file](../patient-file.md).",
        "",
    ]
    objects = [("Patient file (top level)", schema), *sorted(defs.items())]
    for title, obj in objects:
        props = obj.get("properties")
        if not props:
            continue
        required = set(obj.get("required", []))
        out += [f"## {title}", ""]
        if obj.get("description") and obj is not schema:
            out += [_cell(obj["description"]), ""]
        out += ["| field | type | required | description |", "|---|---|---|---|"]
        for name, prop in props.items():
            out.append(
                f"| `{name}` | {_cell(_type_of(prop, defs))} | "
                f"{'yes' if name in required else ''} | {_cell(prop.get('description', ''))} |"
            )
        out.append("")
    return "\n".join(out) + "\n"


# -- HER2 rule profiles ---------------------------------------------------------


def profiles_markdown() -> str:
    """How each built-in HER2 rule profile decides, from its YAML file."""
    out = [
        "# HER2 rule profiles",
        "",
        "Each profile is data (`src/her2scope/data/profiles/*.yaml`); this page is "
        "generated from those files. `--profile` takes a profile name or a YAML file "
        "of the same shape. IHC keys: `0`-`3` are the IHC score, `none` no IHC.",
        "",
    ]
    for path in sorted((ROOT / "src" / "her2scope" / "data" / "profiles").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        docs = data.get("docs", {})
        out += [f"## `{data['name']}`", "", f"**{_cell(data.get('title', ''))}**", ""]
        if docs.get("description"):
            out += [_cell(docs["description"]), ""]
        for note in docs.get("notes", []) or []:
            out.append(f"- {_cell(note)}")
        if docs.get("notes"):
            out.append("")
        if docs.get("source"):
            out += [f"*Source:* {_cell(docs['source'])}", ""]
        tables = [("IHC alone (no ISH)", data.get("ihc_alone"))]
        tables.append(("ISH reported negative", data.get("ish_negative")))
        groups = (data.get("ish") or {}).get("groups") or {}
        tables += [(f"ISH group {g}", groups[g]) for g in sorted(groups)]
        keys = ["0", "1", "2", "3", "none"]
        out += ["| situation | " + " | ".join(f"IHC {k}" for k in keys) + " |"]
        out += ["|---" * (len(keys) + 1) + "|"]
        for label, table in tables:
            if isinstance(table, dict):
                cells = [_cell(table.get(k, "")) for k in keys]
                out.append(f"| {label} | " + " | ".join(cells) + " |")
        ish = data.get("ish") or {}
        if ish:
            out += [
                "",
                f"ISH thresholds: ratio {ish.get('ratio_threshold')}, HER2 copies "
                f"{ish.get('copies_low')} / {ish.get('copies_high')}; ratio without copy "
                f"numbers: `{ish.get('ratio_without_copies')}`; zero split into "
                f"HER2-null / ultralow: `{data.get('split_zero', False)}`.",
            ]
        out.append("")
    return "\n".join(out) + "\n"


# -- study conventions ------------------------------------------------------------

_SCALES = {
    "full": "HER2-0 / low / positive (IHC and ISH)",
    "binary": "HER2-positive vs not only: HER2-low cannot be called",
    "none": "no HER2 test: no HER2 call; HER2 analyses stop with the reason",
}


def conventions_markdown() -> str:
    """Every built-in study convention, from its YAML file."""
    out = [
        "# Study conventions",
        "",
        "How each known cBioPortal layout names HER2, receptor status, sample type and "
        "survival (`src/her2scope/data/conventions/*.yaml`; this page is generated from "
        "those files). A study's convention is detected from its column names (the choice "
        "and the scores are printed and kept in the audit); `--conventions FILE` gives "
        "another, `--map field=column` names single columns.",
        "",
        "| convention | layout | HER2 | detected by | note |",
        "|---|---|---|---|---|",
    ]
    folder = ROOT / "src" / "her2scope" / "data" / "conventions"
    for path in sorted(folder.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        detect = ", ".join(f"`{c}`" for c in data.get("detect", []))
        scale = _SCALES[data.get("her2_scale", "full")]
        out.append(
            f"| `{data['name']}` | {_cell(data.get('description', ''))} | {scale} | "
            f"{detect} | {_cell(data.get('note', ''))} |"
        )
    return "\n".join(out) + "\n"


# -- benchmarks -----------------------------------------------------------------


def benchmarks_markdown() -> str:
    """``benchmarks/results.md`` with a note on where it comes from."""
    text = (ROOT / "benchmarks" / "results.md").read_text(encoding="utf-8")
    lines = text.splitlines()
    body = "\n".join(lines[1:]) if lines and lines[0].startswith("# ") else text
    return (
        "# Benchmark figures\n\n"
        "Copied from `benchmarks/results.md` at build time (written by "
        "`benchmarks/run.py`; `benchmarks/README.md` explains each row).\n\n" + body + "\n"
    )


PAGES = {
    "cli.md": cli_markdown,
    "patient-fields.md": patient_markdown,
    "profiles.md": profiles_markdown,
    "conventions.md": conventions_markdown,
    "benchmarks.md": benchmarks_markdown,
}


def write_all(folder: Path) -> list[Path]:
    """Write every generated page into ``folder`` (only when its text changed)."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, make in PAGES.items():
        path = folder / name
        text = make()
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def on_pre_build(config: Any, **kwargs: Any) -> None:
    """Regenerate ``docs/generated/*.md`` before MkDocs collects the pages."""
    write_all(Path(config["docs_dir"]) / "generated")


# -- API pages ------------------------------------------------------------------

_ROLE = re.compile(r":(?:func|class|meth|attr|data|mod|obj|exc):<code>(~?)([^<]*)</code>")
_DOCTEST = re.compile(r"\s*(?:<span[^>]*>)?#\s*doctest:\s*\+SKIP(?:</span>)?")


def _role(match: re.Match[str]) -> str:
    target = match[2]
    shown = target.rsplit(".", 1)[-1] if match[1] else target
    return f"<code>{shown}</code>"


def clean_api_html(html: str) -> str:
    """Sphinx roles (``:func:`x```) as code, and no ``# doctest: +SKIP`` in examples.

    The docstrings serve Sphinx-aware readers and doctest; the site shows what
    a reader needs: the name, and examples as one would type them.
    """
    return _DOCTEST.sub("", _ROLE.sub(_role, html))


def on_page_content(html: str, **kwargs: Any) -> str:
    """Clean every page's docstring renderings (:func:`clean_api_html`)."""
    return clean_api_html(html)

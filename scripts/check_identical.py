#!/usr/bin/env python3
"""Check that a change of structure left the shared study's outputs byte-identical.

Runs the same commands with the code of two git revisions (default: ``BASE`` =
the commit before the restructuring, ``HEAD`` = this working tree) on the shared
study and compares every file they write, byte for byte. Files that carry the
time or the code's own identity (``provenance.json``, and the lines of HTML/JSON
outputs that name the version, commit or time) are compared with those values
masked; everything else must match exactly.

Usage (from the repository root, with the venv set up by ``./test.sh``)::

    HER2SCOPE_STUDIES=../shared/data/cbioportal \
        .venv/bin/python scripts/check_identical.py [--base REV] [--keep DIR]

Exit 0 when every output matches, 1 with the list of differing files otherwise.
The base revision is checked out into a temporary detached git worktree and run
with ``PYTHONPATH`` pointing at its ``src/``; both sides use this venv's
interpreter and libraries, so only her2scope's own code differs.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STUDY = "breast_msk_2018"
#: the revision before the structure issue (26) moved the house
DEFAULT_BASE = "9e05baf"

#: (name, command line after ``her2scope``); ``{out}`` is the side's output folder
COMMANDS: list[tuple[str, list[str]]] = [
    ("analyze", ["analyze", STUDY, "--sensitivity", "--adjusted", "--out", "{out}"]),
    ("switching", ["switching", STUDY, "--out", "{out}"]),
    ("survival", ["survival", STUDY, "--out", "{out}"]),
    ("report_all", ["report", "--study", STUDY, "--all", "--out", "{out}"]),
    ("export", ["export", "cbioportal", STUDY, "--out", "{out}"]),
]

#: values that legitimately differ between two runs or two revisions of the code
_MASKS = [
    re.compile(
        rb"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z| UTC|[+-]\d{2}:?\d{2})?"
    ),
    re.compile(rb'"(?:commit|git_commit|code_commit|version|her2scope_version)"\s*:\s*"[^"]*"'),
    re.compile(rb"her2scope \d+\.\d+[^\s<\"]*"),
    re.compile(rb"\b[0-9a-f]{40}\b"),
]
#: files whose whole content is identity and time
_SKIP = {"provenance.json"}


def _masked(data: bytes) -> bytes:
    for pattern in _MASKS:
        data = pattern.sub(b"<masked>", data)
    return data


def _run(src: Path, out: Path, env: dict[str, str]) -> list[str]:
    """Run every command with the code in ``src``; return the failures.

    Both sides write to the same path (outputs name their own folder) and parse the
    study files themselves (parsed cache off), then the folder is moved to ``out``.
    """
    failures = []
    out.mkdir(parents=True)
    for name, argv in COMMANDS:
        target = out.parent / "run" / name
        cmd = [sys.executable, "-m", "her2scope", *[a.replace("{out}", str(target)) for a in argv]]
        proc = subprocess.run(
            cmd,
            env={**env, "PYTHONPATH": str(src), "HER2SCOPE_PARSED_CACHE": "off"},
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        (out / f"{name}.stdout").write_text(proc.stdout)
        if target.exists():
            target.rename(out / name)
        if proc.returncode != 0:
            failures.append(f"{name}: exit {proc.returncode}: {proc.stderr.strip()[-400:]}")
    return failures


def _compare(base: Path, head: Path) -> list[str]:
    differing = []
    names = {p.relative_to(base) for p in base.rglob("*") if p.is_file()}
    names |= {p.relative_to(head) for p in head.rglob("*") if p.is_file()}
    for rel in sorted(names):
        if rel.name in _SKIP or rel.suffix == ".stdout":
            continue
        a, b = base / rel, head / rel
        if not a.exists() or not b.exists():
            differing.append(f"{rel}: only in {'head' if b.exists() else 'base'}")
            continue
        da, db = a.read_bytes(), b.read_bytes()
        if da != db and _masked(da) != _masked(db):
            differing.append(str(rel))
    return differing


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", default=os.environ.get("BASE", DEFAULT_BASE))
    parser.add_argument("--keep", type=Path, help="keep both sides' outputs here")
    args = parser.parse_args()
    env = dict(os.environ)
    env.setdefault("HER2SCOPE_STUDIES", "../shared/data/cbioportal")
    env["HER2SCOPE_NO_PROGRESS"] = "1"
    if args.keep:
        work = args.keep
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
    else:
        work = Path(tempfile.mkdtemp(prefix="her2scope-identical-"))
    tree = work / "base-tree"
    subprocess.run(
        ["git", "worktree", "add", "--detach", "-q", str(tree), args.base], cwd=ROOT, check=True
    )
    try:
        failures = _run(tree / "src", work / "base", env)
        failures += _run(ROOT / "src", work / "head", env)
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=ROOT, check=False)
    differing = _compare(work / "base", work / "head")
    for line in failures:
        print(f"FAILED {line}")
    for line in differing:
        print(f"DIFFERS {line}")
    n = sum(1 for p in (work / "head").rglob("*") if p.is_file())
    print(f"{n} files compared with {args.base}: {len(differing)} differ, {len(failures)} failed")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if differing or failures else 0


if __name__ == "__main__":
    sys.exit(main())

"""The everyday path on the shared study: whole-process times of ``her2scope analyze``.

Usage (from the repository root)::

    .venv/bin/python benchmarks/everyday.py            # print
    .venv/bin/python benchmarks/everyday.py --write    # + replace its section of results.md

Each command runs ``--repeats`` times (default 7) as a fresh process, after
one warm-up run that fills the parsed-study cache; the median is reported.

* **Table 1 path**: ``her2scope analyze breast_msk_2018`` (the table on stdout,
  no files). Target (issue 11): at most 0.5 s.
* **analyze --out**: the same with ``--out DIR`` (TSV, JSON, audit, the HTML
  report with its three figures). Target (issue 11): at most 1.2 s.
* **floors**: ``her2scope --version`` (interpreter and CLI start-up) and a bare
  ``python -c "import polars, numpy, scipy.special, typer, rich, pydantic"``
  (the libraries the Table 1 path cannot do without), plus ``import
  matplotlib.figure`` (what drawing adds), to show how much of a time is
  fixed cost no code of ours can remove.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results.md"
BEGIN, END = "<!-- everyday.py: begin -->", "<!-- everyday.py: end -->"
PY = sys.executable


def _wall(cmd: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    studies = os.environ.get(
        "HER2SCOPE_STUDIES", str(HERE.parent.parent / "shared/data/cbioportal")
    )
    env = {**os.environ, "HER2SCOPE_STUDIES": studies}
    her2scope = [PY, "-m", "her2scope"]
    with tempfile.TemporaryDirectory() as tmp:
        out = str(Path(tmp) / "out")
        commands = {
            "Table 1 path: `analyze breast_msk_2018`": [*her2scope, "analyze", "breast_msk_2018"],
            "`analyze breast_msk_2018 --out DIR`": [
                *her2scope, "analyze", "breast_msk_2018", "--out", out,
            ],
            "floor: `her2scope --version`": [*her2scope, "--version"],
            "floor: import polars, numpy, scipy.special, typer, rich, pydantic": [
                PY, "-c", "import polars, numpy, scipy.special, typer, rich, pydantic",
            ],
            "floor: import matplotlib.figure (+ numpy)": [
                PY, "-c", "import numpy, matplotlib.figure, matplotlib.backends.backend_agg",
            ],
        }  # fmt: skip
        _wall(commands["`analyze breast_msk_2018 --out DIR`"], env)  # parsed-study cache warm
        times: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.repeats):
            for name, cmd in commands.items():
                times[name].append(_wall(cmd, env))
    targets = {
        "Table 1 path: `analyze breast_msk_2018`": 0.5,
        "`analyze breast_msk_2018 --out DIR`": 1.2,
    }
    lines = [
        BEGIN,
        "## Everyday path (shared study, whole process)",
        "",
        f"Written by `benchmarks/everyday.py` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; "
        f"{os.cpu_count()} cores, Python {platform.python_version()}; median of "
        f"{args.repeats} fresh processes each, parsed-study cache warm.",
        "",
        "| command | median s | runs (s) | target | status |",
        "|---|---:|---|---:|---|",
    ]
    for name, values in times.items():
        med = statistics.median(values)
        target = targets.get(name)
        status = "" if target is None else ("PASS" if med <= target else "**MISS**")
        runs = ", ".join(f"{v:.2f}" for v in values)
        shown = f"{target:.1f}" if target is not None else ""
        lines.append(f"| {name} | {med:.2f} | {runs} | {shown} | {status} |")
    lines += ["", END]
    section = "\n".join(lines)
    print(section)
    if args.write:
        old = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else ""
        pattern = re.escape(BEGIN) + r".*?" + re.escape(END)
        if re.search(pattern, old, flags=re.S):
            text = re.sub(pattern, lambda _: section, old, flags=re.S)
        else:
            text = old.rstrip("\n") + "\n\n" + section + "\n"
        RESULTS.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Batch matching and cohort actionability (issue 25): ``report --all`` (long table) and
``hs.tl.actionability`` on the shared study and, when given, a synthetic cohort.

Usage (from the repository root)::

    .venv/bin/python benchmarks/actionability.py                       # shared study, print
    .venv/bin/python benchmarks/actionability.py --synth DIR --write   # + a synth study folder

Each measurement is one fresh process (the parsed-study cache warmed by one run before),
timed from outside: wall seconds, CPU seconds (user + sys of the child, from
``getrusage(RUSAGE_CHILDREN)``) and peak resident memory. The machine is shared: CPU time
is the steadier figure; wall time is an upper bound. Written section: between the
``actionability.py`` markers of ``results.md``.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results.md"
BEGIN, END = "<!-- actionability.py: begin -->", "<!-- actionability.py: end -->"
PY = sys.executable

ACTIONABILITY = """
import sys, time
import her2scope as hs
t0 = time.perf_counter(); c0 = time.process_time()
study = hs.load_study(sys.argv[1])
t1 = time.perf_counter(); c1 = time.process_time()
result = hs.tl.actionability(study)
t2 = time.perf_counter(); c2 = time.process_time()
print(f"{t1 - t0:.2f} {c1 - c0:.2f} {t2 - t1:.2f} {c2 - c1:.2f} "
      f"{result.samples.height} {result.n_distinct_profiles}")
"""


def run(args: list[str]) -> tuple[float, float, float, str]:
    """Wall s, CPU s (user + sys), peak RSS GiB and stdout of one child process."""
    t0 = time.perf_counter()
    with tempfile.TemporaryFile("w+") as out:
        child = subprocess.Popen(args, stdout=out, stderr=subprocess.DEVNULL, env=os.environ)
        _pid, status, usage = os.wait4(child.pid, 0)  # this child's own rusage
        wall = time.perf_counter() - t0
        if status != 0:
            raise SystemExit(f"failed ({status}): {' '.join(args)}")
        out.seek(0)
        text = out.read()
    cpu = usage.ru_utime + usage.ru_stime
    return wall, cpu, usage.ru_maxrss / 2**20, text  # ru_maxrss: KiB on Linux


def commit() -> str:
    """The short commit of the code measured (``?`` outside a git checkout)."""
    done = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=HERE
    )
    return done.stdout.strip() or "?"


def measure(study: str, label: str) -> list[str]:
    """Table rows for one study."""
    rows = []
    code = commit()
    subprocess.run(
        [PY, "-m", "her2scope", "validate", study], capture_output=True, check=False
    )  # warm the parsed-study cache
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "all"
        wall, cpu, rss, _ = run(
            [PY, "-m", "her2scope", "report", "--study", study, "--all", "--out", str(out)]
        )
        size = (out / "options.tsv").stat().st_size / 2**20
        with (out / "options.tsv").open() as fh:
            n_rows = sum(1 for _ in fh) - 1
        rows.append(
            f"| {label} | `report --study S --all` (options.tsv, {n_rows:,} rows, "
            f"{size:.1f} MiB) | {code} | {wall:.1f} | {cpu:.1f} | {rss:.2f} |"
        )
    wall, cpu, rss, text = run([PY, "-c", ACTIONABILITY, study])
    load_w, load_c, act_w, act_c, n, distinct = text.split()
    rows.append(
        f"| {label} | `hs.tl.actionability` ({int(n):,} samples, {int(distinct):,} distinct "
        f"profiles): load {load_w} s wall / {load_c} s CPU, then actionability "
        f"| {code} | {act_w} | {act_c} | {rss:.2f} |"
    )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--study", default="breast_msk_2018")
    parser.add_argument("--synth", default=None, help="a synthetic study folder (her2scope synth)")
    parser.add_argument("--write", action="store_true")
    a = parser.parse_args()
    rows = measure(a.study, a.study)
    if a.synth:
        rows += measure(a.synth, f"synth {Path(a.synth).name}")
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    run_block = "\n".join(
        [
            f"### Run {stamp}",
            "",
            f"{platform.machine()} / Python {platform.python_version()}, {os.cpu_count()} "
            f"CPUs, 1-minute load {os.getloadavg()[0]:.2f} when written (wall times are upper "
            "bounds on a busy machine; CPU = user + sys of the process, its forked workers "
            "included for `report --all`, not for the in-process actionability figure). One "
            "fresh process each, parsed-study cache warm. Issue 25 targets at 250k: "
            "`report --all` (table) <= 60 s and <= 4 GiB; actionability <= 15 s.",
            "",
            "| study | what | code | wall s | CPU s | peak RSS GiB |",
            "|---|---|---|---:|---:|---:|",
            *rows,
        ]
    )
    print(run_block)
    if a.write:
        text = RESULTS.read_text()
        if BEGIN in text:
            # a new run is added at the end of the section: earlier runs stay on record
            head, rest = text.split(END, 1)
            text = head.rstrip("\n") + "\n\n" + run_block + "\n\n" + END + rest
        else:
            title = "## Batch matching and actionability (`benchmarks/actionability.py`)"
            section = f"{BEGIN}\n{title}\n\n{run_block}\n\n{END}"
            text = text.rstrip("\n") + "\n\n" + section + "\n"
        RESULTS.write_text(text)


if __name__ == "__main__":
    main()

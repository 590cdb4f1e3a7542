"""Time and memory of ``her2scope analyze`` now against an earlier commit, runs interleaved.

    .venv/bin/python benchmarks/regression.py --base 197f7d3 \\
        --study benchmarks/work/synth_n250000_s0 --repeats 4

Checks the base commit out in a temporary git worktree, then runs the same
command (``analyze STUDY --profile ihc-only --ambiguous low --no-cache --out
TMP``, the parsing path) alternately from the base and from this working tree,
each in a fresh process under ``/usr/bin/time -v``. Alternating matters on a
shared machine whose speed drifts by 10-20% over minutes: both sides see the
same drift. Reports every run, the medians and the minima, and appends them to
``benchmarks/regression.md``; exit 1 when the median time or peak memory is
more than ``--tolerance`` (default 10%) above the base.
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
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_once(src: Path, study: Path, out: Path) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of one analyze run with ``src`` on PYTHONPATH."""
    cmd = ["/usr/bin/time", "-v", sys.executable, "-m", "her2scope", "analyze", str(study)]
    cmd += ["--profile", "ihc-only", "--ambiguous", "low", "--no-cache", "--out", str(out)]
    env = {**os.environ, "PYTHONPATH": str(src)}
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"analyze failed ({src}):\n{done.stderr[-2000:]}")
    wall = re.search(
        r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)", done.stderr
    )
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr)
    assert wall and rss, done.stderr[-500:]
    seconds = int(wall[1] or 0) * 3600 + int(wall[2]) * 60 + float(wall[3])
    return seconds, int(rss[1]) / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", required=True, help="commit to compare against")
    parser.add_argument("--study", type=Path, required=True)
    parser.add_argument("--repeats", type=int, default=4)
    parser.add_argument("--tolerance", type=float, default=0.10)
    args = parser.parse_args()
    head = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        base_tree = Path(tmp) / "base"
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "add", "--detach", str(base_tree), args.base],
            capture_output=True, check=True,
        )  # fmt: skip
        runs: dict[str, list[tuple[float, float]]] = {"base": [], "now": []}
        try:
            for _ in range(args.repeats):
                for side, src in (("base", base_tree / "src"), ("now", ROOT / "src")):
                    runs[side].append(run_once(src, args.study, Path(tmp) / f"out_{side}"))
                    print(side, *(f"{v:.2f}" for v in runs[side][-1]), flush=True)
        finally:
            subprocess.run(
                ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(base_tree)],
                capture_output=True, check=False,
            )  # fmt: skip
    med = {
        k: (statistics.median(t for t, _ in v), statistics.median(m for _, m in v))
        for k, v in runs.items()
    }
    low = {k: (min(t for t, _ in v), min(m for _, m in v)) for k, v in runs.items()}
    time_ratio = med["now"][0] / med["base"][0]
    mem_ratio = med["now"][1] / med["base"][1]
    ok = time_ratio <= 1 + args.tolerance and mem_ratio <= 1 + args.tolerance
    lines = [
        f"## {datetime.now(UTC):%Y-%m-%d %H:%M} UTC: {head} (working tree) vs {args.base}",
        "",
        f"`analyze {args.study} --profile ihc-only --ambiguous low --no-cache --out TMP`, "
        f"{args.repeats} runs each, alternating; {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} cores.",
        "",
        "| | wall s (runs) | median s | min s | peak RSS MiB (median) |",
        "|---|---|---:|---:|---:|",
    ]
    for side, label in (("base", args.base), ("now", f"{head} + tree")):
        times = ", ".join(f"{t:.2f}" for t, _ in runs[side])
        lines.append(
            f"| {label} | {times} | {med[side][0]:.2f} | {low[side][0]:.2f} | {med[side][1]:,.0f} |"
        )
    lines += [
        "",
        f"Median time {time_ratio - 1:+.1%}, median peak memory {mem_ratio - 1:+.1%} "
        f"(tolerance +{args.tolerance:.0%}): **{'PASS' if ok else 'MISS'}**.",
        "",
    ]
    report = ROOT / "benchmarks" / "regression.md"
    previous = report.read_text() if report.exists() else "# Regression runs\n\n"
    report.write_text(previous + "\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

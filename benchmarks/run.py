"""her2scope benchmarks: end-to-end and per-stage time and memory, against a pandas reference.

Usage (from the repository root)::

    .venv/bin/python benchmarks/run.py                      # 2k, 25k, 250k + shared study
    .venv/bin/python benchmarks/run.py --sizes 2000,25000   # chosen sizes
    .venv/bin/python benchmarks/run.py --smoke              # CI: 2k + shared study only

For each synthetic size N (``her2scope synth --samples N --seed S``, written
once to ``benchmarks/work/`` and reused) and for the shared study
``$HER2SCOPE_STUDIES/breast_msk_2018``, it measures

* ``her2scope analyze STUDY --profile ihc-only --ambiguous low --out OUT``
  as a fresh process (wall time and peak RSS from ``/usr/bin/time -v``):
  with the parsed-study cache off (parsing the text files every run), then
  with it on in an emptied private cache root (first run writes it, reruns
  read it);
* the same work stage by stage in a fresh process (``benchmarks/stages.py``);
* the plain pandas reference (``benchmarks/pandas_reference.py``) as a fresh
  process, and checks that its counts equal her2scope's ``intersection.tsv``
  row by row (a mismatch fails the run loudly);

plus ``classify`` on 1,000,000 pathology rows sampled from the shared study
(or the largest synthetic study when the shared one is absent). Results go to
``benchmarks/results.md`` (overwritten). Exit status 1 when a command failed
or counts differ; targets missed are reported, not fatal.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
WORK = HERE / "work"
RESULTS = HERE / "results.md"
PYTHON = Path(sys.executable)
HER2SCOPE = PYTHON.parent / "her2scope"
GIB = 1024**3
ANALYZE_ARGS = ["--profile", "ihc-only", "--ambiguous", "low"]
COUNT_COLUMNS = ["n_altered", "n_her2_known", "n_her2_low", "n_her2_zero", "n_her2_positive"]
DEFAULT_SIZES = (2_000, 25_000, 250_000)
CLASSIFY_ROWS = 1_000_000
TIMEOUT_S = 3_600
CLASSIFY_CATEGORIES = ("HER2-low", "HER2-0", "HER2-positive", "unknown")

# Targets (issue 6).
TARGET_SHARED_S = 2.0
TARGET_LARGE_S = 60.0
TARGET_LARGE_RSS = 4 * GIB
TARGET_SPEEDUP = 5.0
TARGET_CLASSIFY_S = 5.0


# --------------------------------------------------------------------------- processes


@dataclass
class Measured:
    """One fresh-process run: wall seconds, peak RSS (bytes), exit status, output tails."""

    command: list[str]
    seconds: float
    peak_rss: int | None
    returncode: int
    stdout: str = ""
    stderr: str = ""

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    def failure(self) -> str:
        tail = "\n".join((self.stderr or self.stdout).strip().splitlines()[-15:])
        return f"`{' '.join(self.command)}` exited {self.returncode}:\n\n```\n{tail}\n```"


def run_measured(command: list[str], env: dict[str, str] | None = None) -> Measured:
    """Run ``command`` as a fresh process; wall time by perf_counter, peak RSS by time -v.

    Without ``/usr/bin/time`` the peak comes from ``RUSAGE_CHILDREN``, which is
    the largest of all children so far (still exact for the largest run).
    """
    time_bin = shutil.which("time", path="/usr/bin:/bin")
    with tempfile.NamedTemporaryFile("r", suffix=".time", delete=False) as handle:
        time_file = Path(handle.name)
    wrapped = [time_bin, "-v", "-o", str(time_file), *command] if time_bin else command
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(
            wrapped, capture_output=True, text=True, env=env, timeout=TIMEOUT_S, check=False
        )
        returncode, stdout, stderr = proc.returncode, proc.stdout, proc.stderr
    except subprocess.TimeoutExpired as exc:
        returncode, stdout, stderr = -9, str(exc.stdout or ""), f"timeout after {TIMEOUT_S} s"
    seconds = time.perf_counter() - t0
    peak: int | None = None
    if time_bin:
        text = time_file.read_text(encoding="utf-8", errors="replace")
        found = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
        peak = int(found.group(1)) * 1024 if found else None
        status = re.search(r"Exit status: (\d+)", text)
        if status and returncode == 0:
            returncode = int(status.group(1))
    else:
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    time_file.unlink(missing_ok=True)
    return Measured(command, seconds, peak, returncode, stdout, stderr)


# --------------------------------------------------------------------------- datasets


@dataclass
class Dataset:
    label: str
    path: Path
    n_samples: int | None = None
    seed: int | None = None
    generated_seconds: float | None = None
    reused: bool = False
    files_bytes: int = 0
    maf_rows: int = 0
    cna_genes: int = 0
    error: str | None = None


def count_lines(path: Path) -> int:
    n = 0
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 24):
            n += chunk.count(b"\n")
    return n


def describe(ds: Dataset) -> None:
    """File sizes, MAF data rows and CNA genes (counted from the files)."""
    ds.files_bytes = sum(p.stat().st_size for p in ds.path.rglob("*") if p.is_file())
    maf = next(iter(sorted(ds.path.glob("data_mutations*.txt"))), None)
    cna = ds.path / "data_cna.txt"
    if maf is not None:
        with maf.open("rb") as handle:
            comments = sum(1 for line in handle if line.startswith(b"#"))
        ds.maf_rows = count_lines(maf) - 1 - comments
    if cna.exists():
        ds.cna_genes = count_lines(cna) - 1


def synthetic_is_complete(path: Path, n: int, seed: int) -> bool:
    """A finished ``her2scope synth`` folder for (n, seed): meta says so, panels written last."""
    meta = path / "meta_study.txt"
    if not meta.exists() or not list(path.glob("data_gene_panel_*.txt")):
        return False
    return f"N={n}, seed={seed})" in meta.read_text(encoding="utf-8")


def synthetic(n: int, seed: int) -> Dataset:
    ds = Dataset(
        label=f"synthetic N={n:,}", path=WORK / f"synth_n{n}_s{seed}", n_samples=n, seed=seed
    )
    if synthetic_is_complete(ds.path, n, seed):
        ds.reused = True
    else:
        print(f"  generating {ds.path.name} ...", flush=True)
        shutil.rmtree(ds.path, ignore_errors=True)
        cmd = [str(HER2SCOPE), "synth", "--samples", str(n), "--seed", str(seed)]
        m = run_measured([*cmd, "--out", str(ds.path), "--quiet"])
        ds.generated_seconds = m.seconds
        if not m.ok:
            ds.error = m.failure()
            return ds
    describe(ds)
    return ds


def shared_study() -> Dataset | None:
    root = Path(os.environ.get("HER2SCOPE_STUDIES", REPO.parent / "shared" / "data" / "cbioportal"))
    path = root / "breast_msk_2018"
    if not (path / "meta_study.txt").exists():
        return None
    ds = Dataset(label="shared breast_msk_2018", path=path)
    describe(ds)
    with (path / "data_clinical_sample.txt").open("rb") as handle:
        ds.n_samples = sum(1 for line in handle if line.strip() and not line.startswith(b"#")) - 1
    return ds


# --------------------------------------------------------------------------- one dataset


@dataclass
class Outcome:
    dataset: Dataset
    e2e: list[Measured] = field(default_factory=list)  # parsed-study cache off
    priming: Measured | None = None  # cache on, empty: parse + write the cache
    warm: list[Measured] = field(default_factory=list)  # cache on, filled
    stages: dict[str, Any] | None = None
    stages_error: str | None = None
    pandas: Measured | None = None  # the median of the reference runs
    pandas_seconds: list[float] = field(default_factory=list)
    pandas_timings: dict[str, float] = field(default_factory=dict)
    counts_match: bool | None = None
    count_problems: list[str] = field(default_factory=list)
    n_compared: int = 0

    @property
    def e2e_seconds(self) -> float | None:
        ok = [m.seconds for m in self.e2e if m.ok]
        return statistics.median(ok) if ok else None

    @property
    def e2e_peak(self) -> int | None:
        peaks = [m.peak_rss for m in self.e2e if m.ok and m.peak_rss is not None]
        return max(peaks) if peaks else None

    @property
    def warm_seconds(self) -> float | None:
        ok = [m.seconds for m in self.warm if m.ok]
        return statistics.median(ok) if ok else None

    @property
    def warm_peak(self) -> int | None:
        peaks = [m.peak_rss for m in self.warm if m.ok and m.peak_rss is not None]
        return max(peaks) if peaks else None

    @property
    def speedup(self) -> float | None:
        if self.pandas is None or not self.pandas.ok or not self.e2e_seconds:
            return None
        return self.pandas.seconds / self.e2e_seconds

    @property
    def warm_speedup(self) -> float | None:
        if self.pandas is None or not self.pandas.ok or not self.warm_seconds:
            return None
        return self.pandas.seconds / self.warm_seconds

    @property
    def failures(self) -> list[str]:
        runs = [*self.e2e, *([self.priming] if self.priming else []), *self.warm]
        out = [m.failure() for m in runs if not m.ok]
        if self.pandas is not None and not self.pandas.ok:
            out.append(self.pandas.failure())
        if self.stages_error:
            out.append(self.stages_error)
        return out


def read_tsv_counts(path: Path, key: str = "alteration") -> dict[str, dict[str, int]]:
    lines = path.read_text(encoding="utf-8").splitlines()
    header = lines[0].split("\t")
    out: dict[str, dict[str, int]] = {}
    for line in lines[1:]:
        if not line.strip():
            continue
        row = dict(zip(header, line.split("\t"), strict=False))
        out[row[key]] = {c: int(float(row[c])) for c in COUNT_COLUMNS}
    return out


def compare_counts(ours: Path, reference: Path) -> tuple[bool, list[str], int]:
    """Row-by-row equality of the five counts; returns (identical, problems, rows compared)."""
    a = read_tsv_counts(ours)
    b = read_tsv_counts(reference)
    problems: list[str] = []
    for alt in sorted(set(a) ^ set(b)):
        side = "her2scope" if alt in a else "pandas reference"
        problems.append(f"`{alt}` only in the {side} table")
    for alt in [k for k in b if k in a]:
        diff = [f"{c} {a[alt][c]} vs {b[alt][c]}" for c in COUNT_COLUMNS if a[alt][c] != b[alt][c]]
        if diff:
            problems.append(f"`{alt}`: " + ", ".join(diff) + " (her2scope vs pandas)")
    return not problems, problems, len(set(a) & set(b))


def run_dataset(
    ds: Dataset, *, repeats: int, with_pandas: bool, cprofile: bool, env: dict[str, str]
) -> Outcome:
    outcome = Outcome(ds)
    tag = ds.path.name
    out = WORK / f"out_{tag}"
    shutil.rmtree(out, ignore_errors=True)
    cmd = [str(HER2SCOPE), "analyze", str(ds.path), *ANALYZE_ARGS, "--out", str(out)]
    cold_env = {**env, "HER2SCOPE_PARSED_CACHE": "0"}
    # One untimed run first: the page cache, .pyc files and matplotlib's font
    # cache are then warm for every timed run, not only for the later ones.
    print("  her2scope analyze, warm-up (not timed) ...", flush=True)
    warm_up = run_measured(cmd, cold_env)
    if not warm_up.ok:
        outcome.e2e.append(warm_up)
    # The parsed-study cache in a private, emptied root: one run parses and
    # writes it, the next ones read it (a researcher's reruns).
    cache_root = WORK / f"cache_{tag}"
    shutil.rmtree(cache_root, ignore_errors=True)
    warm_env = {**env, "HER2SCOPE_PARSED_CACHE": "1", "HER2SCOPE_CACHE": str(cache_root)}
    print("  her2scope analyze, parsed cache empty (writes it) ...", flush=True)
    outcome.priming = run_measured(cmd, warm_env)
    # Parsing runs and cached reruns alternate, so a slow spell of a shared
    # machine falls on both alike.
    for i in range(repeats):
        print(f"  her2scope analyze, no parsed cache / cached (pair {i + 1}/{repeats}) ...")
        outcome.e2e.append(run_measured(cmd, cold_env))
        outcome.warm.append(run_measured(cmd, warm_env))
    print("  stages ...", flush=True)
    stage_cmd = [
        str(PYTHON),
        str(HERE / "stages.py"),
        "stages",
        str(ds.path),
        str(WORK / f"stages_{tag}"),
    ]
    if cprofile:
        stage_cmd += ["--cprofile", str(WORK / f"profile_{tag}.pstats")]
    m = run_measured(stage_cmd, cold_env)
    if m.ok:
        outcome.stages = json.loads(m.stdout.strip().splitlines()[-1])
    else:
        outcome.stages_error = m.failure()
    if with_pandas:
        print("  pandas reference ...", flush=True)
        ref_out = WORK / f"pandas_{tag}.tsv"
        ref_times = WORK / f"pandas_{tag}.json"
        cmd = [str(PYTHON), str(HERE / "pandas_reference.py"), str(ds.path)]
        runs = [
            run_measured([*cmd, "--out", str(ref_out), "--timings", str(ref_times)], env)
            for _ in range(repeats)
        ]
        failed = [m for m in runs if not m.ok]
        # the median run by wall time (its own times vary as much as ours)
        outcome.pandas = (
            failed[0] if failed else sorted(runs, key=lambda m: m.seconds)[len(runs) // 2]
        )
        outcome.pandas_seconds = [m.seconds for m in runs if m.ok]
        if outcome.pandas.ok:
            outcome.pandas_timings = json.loads(ref_times.read_text(encoding="utf-8"))
            ours = out / "intersection.tsv"
            if ours.exists():
                match, problems, n = compare_counts(ours, ref_out)
                outcome.counts_match, outcome.count_problems, outcome.n_compared = (
                    match,
                    problems,
                    n,
                )
    return outcome


def run_classify(source: Dataset, env: dict[str, str]) -> tuple[dict[str, Any] | None, str | None]:
    cmd = [str(PYTHON), str(HERE / "stages.py"), "classify", str(source.path), str(CLASSIFY_ROWS)]
    m = run_measured(cmd, env)
    if not m.ok:
        return None, m.failure()
    report: dict[str, Any] = json.loads(m.stdout.strip().splitlines()[-1])
    report["process_peak_rss"] = m.peak_rss
    report["source_label"] = source.label
    return report, None


# --------------------------------------------------------------------------- machine


def load_average() -> str:
    """1/5/15-minute load: other work on the machine inflates timings."""
    try:
        return " / ".join(f"{x:.2f}" for x in os.getloadavg()) + " (1 / 5 / 15 min, at the end)"
    except OSError:
        return "?"


def machine() -> list[tuple[str, str]]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = "?"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                ram = f"{int(line.split()[1]) / 1024**2:.1f} GiB"
    except OSError:
        pass
    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    versions = []
    for dist in ("her2scope", "polars", "pyarrow", "numpy", "scipy", "pandas", "pydantic"):
        try:
            versions.append(f"{dist} {metadata.version(dist)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{dist} (absent)")
    try:
        commit = subprocess.run(
            ["git", "-C", str(REPO), "describe", "--always", "--dirty"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
    except OSError:
        commit = "?"
    return [
        ("Date", dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")),
        ("CPU", f"{cpu}; {os.cpu_count()} logical cores ({affinity} usable)"),
        ("RAM", ram),
        ("OS", f"{platform.system()} {platform.release()}"),
        ("Load average", load_average()),
        ("Python", f"{platform.python_implementation()} {platform.python_version()}"),
        ("Libraries", ", ".join(versions)),
        ("Source", f"git {commit or '?'} (working tree as checked out, uncommitted work included)"),
        (
            "Peak RSS",
            "from `/usr/bin/time -v`"
            if shutil.which("time", path="/usr/bin:/bin")
            else "from RUSAGE_CHILDREN (largest child so far)",
        ),
    ]


# --------------------------------------------------------------------------- report


def fmt_s(x: float | None) -> str:
    return "—" if x is None else (f"{x:.2f}" if x < 100 else f"{x:.0f}")


def fmt_mib(b: int | None) -> str:
    return "—" if b is None else f"{b / 1024**2:,.0f}"


def verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else ("PASS" if ok else "**MISS**")


def dataset_section(o: Outcome) -> list[str]:
    ds = o.dataset
    lines = [f"### {ds.label}", ""]
    facts = [f"folder `{ds.path.relative_to(REPO) if ds.path.is_relative_to(REPO) else ds.path}`"]
    if ds.n_samples:
        facts.append(f"{ds.n_samples:,} samples")
    facts += [f"{ds.maf_rows:,} MAF rows", f"{ds.cna_genes} CNA genes"]
    facts.append(f"{ds.files_bytes / 1e6:,.0f} MB on disk")
    if ds.seed is not None:
        gen = (
            "reused from an earlier run"
            if ds.reused
            else f"generated in {fmt_s(ds.generated_seconds)} s"
        )
        facts.append(f"seed {ds.seed}, {gen}")
    lines += ["; ".join(facts) + ".", ""]
    if ds.error:
        return [*lines, "**Generation failed:**", "", ds.error, ""]

    lines += ["| Measure | Wall (s) | Peak RSS (MiB) | Notes |", "|---|---:|---:|---|"]
    runs = [m for m in o.e2e if m.ok]
    note = (
        f"median of {len(runs)} runs ({', '.join(fmt_s(m.seconds) for m in runs)})"
        if len(runs) > 1
        else "fresh process, incl. interpreter start and report writing"
    )
    lines.append(
        f"| **her2scope analyze, end to end, parsing the text files** | "
        f"**{fmt_s(o.e2e_seconds)}** | **{fmt_mib(o.e2e_peak)}** | {note}; "
        "parsed-study cache off |"
    )
    if o.priming is not None and o.priming.ok:
        lines.append(
            f"| her2scope analyze, first run with the parsed-study cache | "
            f"{fmt_s(o.priming.seconds)} | {fmt_mib(o.priming.peak_rss)} | "
            "parses and writes the Parquet cache |"
        )
    warm_runs = [m for m in o.warm if m.ok]
    if warm_runs:
        lines.append(
            f"| **her2scope analyze, rerun (parsed-study cache)** | "
            f"**{fmt_s(o.warm_seconds)}** | **{fmt_mib(o.warm_peak)}** | "
            f"median of {len(warm_runs)} ({', '.join(fmt_s(m.seconds) for m in warm_runs)}) |"
        )
    if o.stages:
        stages = {s["name"]: s for s in o.stages["stages"]}
        for s in o.stages["stages"]:
            extra = f"peak +{fmt_mib(s['rss_delta_kib'] * 1024)} MiB"
            if s["name"] == "statistics" and "classify" in stages:
                net = s["seconds"] - stages["classify"]["seconds"]
                extra += f"; ≈{fmt_s(max(net, 0.0))} s net of its internal re-classify"
            lines.append(
                f"| stage: {s['name']} | {fmt_s(s['seconds'])} | "
                f"{fmt_mib(s['peak_rss_kib'] * 1024)} | {extra} |"
            )
        total = sum(s["seconds"] for s in o.stages["stages"])
        lines.append(f"| stages, sum (in-process) | {fmt_s(total)} | | |")
    if o.pandas is not None:
        phases = ", ".join(f"{k} {v:.2f}" for k, v in o.pandas_timings.items())
        if len(o.pandas_seconds) > 1:
            runs = ", ".join(fmt_s(x) for x in o.pandas_seconds)
            phases = f"median of {len(o.pandas_seconds)} ({runs}); last run: {phases}"
        lines.append(
            f"| pandas reference, end to end | {fmt_s(o.pandas.seconds if o.pandas.ok else None)} "
            f"| {fmt_mib(o.pandas.peak_rss if o.pandas.ok else None)} | {phases or 'failed'} |"
        )
        speed, warm = o.speedup, o.warm_speedup
        lines.append(
            f"| speed ratio (pandas / her2scope), parsing | "
            f"{'—' if speed is None else f'{speed:.1f}×'} | | end to end, both fresh processes |"
        )
        if warm is not None:
            lines.append(
                f"| speed ratio (pandas / her2scope), rerun with cache | {warm:.1f}× | | "
                "the pandas script has no cache: it parses every run |"
            )
        if o.counts_match is None:
            identical = "not compared (a run failed)"
        elif o.counts_match:
            identical = f"yes ({o.n_compared} rows × {len(COUNT_COLUMNS)} counts)"
        else:
            identical = f"**NO — {len(o.count_problems)} row(s) differ**"
        lines.append(f"| counts identical | {identical} | | |")
    lines.append("")
    if o.count_problems:
        lines += ["**COUNT MISMATCH (her2scope vs pandas reference):**", ""]
        lines += [f"- {p}" for p in o.count_problems] + [""]
    for failure in o.failures:
        lines += ["**FAILED:**", "", failure, ""]
    return lines


def targets(
    outcomes: list[Outcome], classify_report: dict[str, Any] | None
) -> list[tuple[str, str, str]]:
    rows: list[tuple[str, str, str]] = []
    by_n = {o.dataset.n_samples: o for o in outcomes if o.dataset.seed is not None}
    shared = next((o for o in outcomes if o.dataset.seed is None), None)
    if shared is not None:
        s = shared.e2e_seconds
        rows.append(
            (
                "Shared study end to end ≤ 2 s (parsing)",
                f"{fmt_s(s)} s",
                verdict(None if s is None else s <= TARGET_SHARED_S),
            )
        )
        w = shared.warm_seconds
        if w is not None:
            rows.append(
                (
                    "Shared study end to end ≤ 2 s (rerun, parsed cache)",
                    f"{fmt_s(w)} s",
                    verdict(w <= TARGET_SHARED_S),
                )
            )
    large = by_n.get(250_000)
    if large is not None:
        s, peak = large.e2e_seconds, large.e2e_peak
        rows.append(
            (
                "250k end to end ≤ 60 s",
                f"{fmt_s(s)} s",
                verdict(None if s is None else s <= TARGET_LARGE_S),
            )
        )
        rows.append(
            (
                "250k peak RSS ≤ 4 GiB",
                f"{fmt_mib(peak)} MiB",
                verdict(None if peak is None else peak <= TARGET_LARGE_RSS),
            )
        )
        speed = large.speedup
        rows.append(
            (
                "250k ≥ 5× faster than pandas (both parsing the text files)",
                "—" if speed is None else f"{speed:.1f}×",
                verdict(None if speed is None else speed >= TARGET_SPEEDUP),
            )
        )
        warm = large.warm_speedup
        if warm is not None:
            rows.append(
                (
                    "250k ≥ 5× faster than pandas (her2scope rerun, parsed cache)",
                    f"{warm:.1f}×",
                    verdict(warm >= TARGET_SPEEDUP),
                )
            )
    mid = by_n.get(25_000)
    if mid is not None and large is not None and mid.e2e_seconds and large.e2e_seconds:
        ratio = large.e2e_seconds / mid.e2e_seconds
        rows.append(
            (
                "Time at most linear 25k → 250k (ratio ≤ 10)",
                f"{ratio:.1f}× for 10× samples",
                verdict(ratio <= 10.0),
            )
        )
    if mid is not None and large is not None and mid.stages and large.stages:
        small_stages = {st["name"]: st["seconds"] for st in mid.stages["stages"]}
        parts = [
            f"{st['name']} {st['seconds'] / small_stages[st['name']]:.1f}×"
            for st in large.stages["stages"]
            if small_stages.get(st["name"], 0) > 0.05
        ]
        rows.append(("Per-stage scaling 25k → 250k (informational)", ", ".join(parts), "—"))
    checked = [o for o in outcomes if o.counts_match is not None]
    if checked:
        bad = [o.dataset.label for o in checked if not o.counts_match]
        rows.append(
            (
                "Counts identical to pandas",
                "all datasets" if not bad else "differ: " + ", ".join(bad),
                verdict(not bad),
            )
        )
    if classify_report is not None:
        run = classify_report["runs"][-1]
        rows.append(
            (
                f"classify {CLASSIFY_ROWS:,} rows ≤ 5 s ({run['name']})",
                f"{fmt_s(run['seconds'])} s",
                verdict(run["seconds"] <= TARGET_CLASSIFY_S),
            )
        )
    return rows


def write_results(
    outcomes: list[Outcome],
    classify_report: dict[str, Any] | None,
    classify_error: str | None,
    command: str,
    elapsed: float,
) -> str:
    mismatch = [o for o in outcomes if o.counts_match is False]
    failed = bool(classify_error) or any(o.failures or o.dataset.error for o in outcomes)
    lines = ["# her2scope benchmark results", ""]
    if mismatch:
        lines += [
            "> **COUNT MISMATCH between her2scope and the pandas reference in: "
            + ", ".join(o.dataset.label for o in mismatch)
            + ". See the per-dataset sections.**",
            "",
        ]
    if failed:
        lines += ["> **Some runs FAILED; see the per-dataset sections.**", ""]
    lines += [
        f"Written by `{command}` in {elapsed / 60:.1f} min. Analysis options: "
        f"`her2scope analyze STUDY {' '.join(ANALYZE_ARGS)} --out OUT`. "
        "How to read this: `benchmarks/README.md`.",
        "",
        "## Machine",
        "",
    ]
    lines += [f"- **{k}:** {v}" for k, v in machine()] + [""]
    lines += ["## Targets", "", "| Target | Measured | Status |", "|---|---|---|"]
    lines += [f"| {a} | {b} | {c} |" for a, b, c in targets(outcomes, classify_report)] + [""]
    lines += ["## Datasets", ""]
    for o in outcomes:
        lines += dataset_section(o)
    lines += [f"## classify on {CLASSIFY_ROWS:,} pathology rows", ""]
    if classify_report is not None:
        r = classify_report
        lines += [
            f"Rows sampled with replacement from the HER2 columns of the {r['source_label']} "
            f"samples ({', '.join(r['columns'])}; {r['distinct_ihc']} distinct IHC strings); "
            f"polars thread pool {r['polars_threads']}; process peak RSS "
            f"{fmt_mib(r['process_peak_rss'])} MiB.",
            "",
            "| Profile / ambiguity policy | Wall (s) | Peak RSS after (MiB) "
            "| HER2-low | HER2-0 | HER2-positive | unknown |",
            "|---|---:|---:|---:|---:|---:|---:|",
        ]
        for run in r["runs"]:
            c = run["counts"]
            peak = fmt_mib(run["peak_rss_kib"] * 1024)
            lines.append(
                f"| {run['name']} | {fmt_s(run['seconds'])} | {peak} | "
                + " | ".join(f"{c.get(k, 0):,}" for k in CLASSIFY_CATEGORIES)
                + " |"
            )
        lines.append("")
    elif classify_error:
        lines += ["**FAILED:**", "", classify_error, ""]
    text = "\n".join(lines)
    # keep the sections benchmarks/adjusted.py and web_latency.py write (their own runs)
    if str(HERE) not in sys.path:
        sys.path.insert(0, str(HERE))
    from adjusted import keep_section

    old = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else ""
    text = keep_section(text, old)
    # and every other script's marked section (web_latency.py, everyday.py, ...)
    for section in re.finditer(r"<!-- ([\w.]+\.py): begin -->.*?<!-- \1: end -->", old, flags=re.S):
        if section.group(0).split(" -->")[0] + " -->" not in text:
            text = text.rstrip("\n") + "\n\n" + section.group(0) + "\n"
    RESULTS.write_text(text, encoding="utf-8")
    return text


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", help="comma-separated sample counts (default 2000,25000,250000)")
    parser.add_argument(
        "--smoke", action="store_true", help="CI mode: N=2,000 and the shared study"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeats", type=int, default=1, help="analyze runs per synthetic size")
    parser.add_argument(
        "--shared-repeats", type=int, default=3, help="analyze runs on the shared study"
    )
    parser.add_argument("--no-pandas", action="store_true", help="skip the pandas reference")
    parser.add_argument(
        "--no-classify", action="store_true", help=f"skip classify on {CLASSIFY_ROWS:,} rows"
    )
    parser.add_argument(
        "--cprofile", action="store_true", help="also write cProfile stats of the stages"
    )
    args = parser.parse_args(argv)

    if args.smoke:
        sizes = [2_000]
    elif args.sizes:
        sizes = [int(s.replace("_", "").replace("k", "000")) for s in args.sizes.split(",") if s]
    else:
        sizes = list(DEFAULT_SIZES)
    if not HER2SCOPE.exists():
        print(f"error: {HER2SCOPE} not found; install her2scope into this interpreter's venv")
        return 2
    WORK.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env.setdefault("PYTHONHASHSEED", "0")
    command = "benchmarks/run.py " + " ".join(argv if argv is not None else sys.argv[1:])
    started = time.perf_counter()

    outcomes: list[Outcome] = []
    shared = shared_study()
    if shared is not None:
        print(f"{shared.label}:", flush=True)
        outcomes.append(
            run_dataset(
                shared,
                repeats=args.shared_repeats,
                with_pandas=not args.no_pandas,
                cprofile=args.cprofile,
                env=env,
            )
        )
    else:
        print("shared study not found ($HER2SCOPE_STUDIES/breast_msk_2018); skipped")
    largest: Dataset | None = None
    for n in sizes:
        print(f"synthetic N={n:,}:", flush=True)
        ds = synthetic(n, args.seed)
        if ds.error:
            outcomes.append(Outcome(ds))
            continue
        largest = ds
        outcomes.append(
            run_dataset(
                ds,
                repeats=args.repeats,
                with_pandas=not args.no_pandas,
                cprofile=args.cprofile,
                env=env,
            )
        )

    classify_report: dict[str, Any] | None = None
    classify_error: str | None = None
    source = shared or largest
    if not args.no_classify and source is not None:
        print(f"classify on {CLASSIFY_ROWS:,} rows ...", flush=True)
        classify_report, classify_error = run_classify(source, env)

    text = write_results(
        outcomes, classify_report, classify_error, command, time.perf_counter() - started
    )
    print(text)
    bad = any(o.counts_match is False or o.failures or o.dataset.error for o in outcomes)
    return 1 if bad or classify_error else 0


if __name__ == "__main__":
    raise SystemExit(main())

"""``her2scope serve`` latency: first page after start, and re-analysis after a control change.

Usage (from the repository root)::

    .venv/bin/python benchmarks/web_latency.py                       # shared study
    .venv/bin/python benchmarks/web_latency.py --write               # + benchmarks/results.md
    .venv/bin/python benchmarks/web_latency.py --extra benchmarks/work/synth_n250000_s0

It starts ``python -m her2scope serve`` as a fresh process on a free
127.0.0.1 port (studies: ``--studies``, default ``$HER2SCOPE_STUDIES`` or
``../shared/data/cbioportal``) and measures

* **first page**: wall time from the process start until ``/`` answers 200,
  and until the study's cohort page answers 200 (the study loaded, annotated
  and analysed under the default options);
* **re-analysis**: ``/study/ID/analysis.json`` for every profile x ambiguity
  policy x sample type (27 settings, each computed for the first time: HER2
  calls, cohort selection and the table; the alteration calls are reused),
  then the same settings again (served from the result cache). Server time is
  the app's own ``server_ms`` (the route's work) and the ``Server-Timing``
  header (the whole request inside the server); the client's round trip is
  shown beside it. The knowledge base and the figures are loaded first so no
  background work competes with the measurement.

``--extra DIR`` measures the same for one more study folder (e.g. the
250,000-sample synthetic study), served from a temporary root that links to
it. ``--write`` replaces this script's section of ``benchmarks/results.md``
(``benchmarks/run.py`` rewrites that file; run this again afterwards).
Targets (issue 14): first page <= 1 s, re-analysis <= 100 ms (shared study),
<= 1.5 s (250k synthetic). Only 127.0.0.1 is contacted.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results.md"
BEGIN = "<!-- web_latency.py: begin -->"
END = "<!-- web_latency.py: end -->"
PROFILES = ("asco-cap-2023", "asco-cap-2018", "ihc-only")
POLICIES = ("exclude", "low", "zero")
SAMPLE_TYPES = ("all", "primary", "metastasis")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str, timeout: float = 300.0) -> tuple[int, bytes, dict[str, str]]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, r.read(), dict(r.headers.items())
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(), dict(exc.headers.items())


def _server_timing(headers: dict[str, str]) -> float:
    value = headers.get("server-timing") or headers.get("Server-Timing") or ""
    for part in value.split(";"):
        if part.startswith("dur="):
            return float(part[4:])
    return float("nan")


def _stats(values: list[float]) -> str:
    return (
        f"{statistics.median(values):.1f} / {max(values):.1f} / "
        f"{statistics.quantiles(values, n=10)[-1]:.1f}"
        if len(values) >= 2
        else f"{values[0]:.1f}"
    )


def measure(studies: Path, study_id: str, *, settle: bool = True) -> dict[str, Any]:
    """Start a server on ``studies``, time the first pages and the re-analysis of ``study_id``."""
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "HER2SCOPE_STUDIES": str(studies), "PYTHONUNBUFFERED": "1"}
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "her2scope", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        index_s = None
        while index_s is None:
            if proc.poll() is not None:
                raise RuntimeError(proc.stderr.read().decode() if proc.stderr else "exited")
            try:
                status, _, _ = _get(base + "/", timeout=5)
                if status == 200:
                    index_s = time.perf_counter() - t0
            except OSError:
                time.sleep(0.01)
        status, _, headers = _get(f"{base}/study/{study_id}")
        cohort_s = time.perf_counter() - t0
        assert status == 200, status
        # let background work finish: the knowledge base (a sample page) and the figures
        if settle:
            _get(f"{base}/study/{study_id}/figure/forest.png")
            request = urllib.request.Request(
                base + "/patient/report",
                data=b'{"id": "bench"}',
                headers={"Content-Type": "application/json", "Origin": base},
                method="POST",
            )
            with urllib.request.urlopen(request, timeout=300) as r:
                r.read()
        time.sleep(0.5)
        first: list[dict[str, float]] = []
        for profile in PROFILES:
            for policy in POLICIES:
                for sample_type in SAMPLE_TYPES:
                    q = f"profile={profile}&ambiguous={policy}&sample_type={sample_type}"
                    c0 = time.perf_counter()
                    status, body, headers = _get(f"{base}/study/{study_id}/analysis.json?{q}")
                    client_ms = (time.perf_counter() - c0) * 1000.0
                    assert status == 200, body[:200]
                    first.append(
                        {
                            "route_ms": float(json.loads(body)["server_ms"]),
                            "server_ms": _server_timing(headers),
                            "client_ms": client_ms,
                        }
                    )
        cached: list[dict[str, float]] = []
        for profile in PROFILES:
            for policy in POLICIES:
                q = f"profile={profile}&ambiguous={policy}&sample_type=all"
                c0 = time.perf_counter()
                status, body, headers = _get(f"{base}/study/{study_id}/analysis.json?{q}")
                cached.append(
                    {
                        "route_ms": float(json.loads(body)["server_ms"]),
                        "server_ms": _server_timing(headers),
                        "client_ms": (time.perf_counter() - c0) * 1000.0,
                    }
                )
        return {
            "study_id": study_id,
            "index_s": index_s,
            "cohort_s": cohort_s,
            "first": first,
            "cached": cached,
        }
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


def section(results: list[dict[str, Any]]) -> str:
    lines = [
        BEGIN,
        "## her2scope serve (web app latency)",
        "",
        f"`benchmarks/web_latency.py` on {platform.platform()}, Python "
        f"{platform.python_version()}, {os.cpu_count()} CPUs; "
        f"{time.strftime('%Y-%m-%d %H:%M')}. Server time = the `Server-Timing` header "
        "(whole request inside the server); route = the analysis route's own work; "
        "client = round trip seen by the client. Median / max / p90 in ms over 27 settings "
        "(profile x ambiguity x sample type), each computed for the first time; cached = "
        "the 9 profile x ambiguity settings asked again. Targets: first page <= 1 s; "
        "re-analysis <= 100 ms on the shared study, <= 1.5 s at 250k.",
        "",
        "| Study | first page `/` (s) | cohort page ready (s) | re-analysis server ms "
        "(med / max / p90) | route ms | client ms | cached server ms |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r['study_id']} | {r['index_s']:.2f} | {r['cohort_s']:.2f} | "
            f"{_stats([x['server_ms'] for x in r['first']])} | "
            f"{_stats([x['route_ms'] for x in r['first']])} | "
            f"{_stats([x['client_ms'] for x in r['first']])} | "
            f"{_stats([x['server_ms'] for x in r['cached']])} |"
        )
    lines += [
        "",
        "First page: from starting `python -m her2scope serve` to the first 200 answer. "
        "Cohort page ready: the study loaded (parsed-study cache), annotated and analysed "
        "under the default options, in the same process (no warm-up beyond the app's own).",
        END,
    ]
    return "\n".join(lines) + "\n"


def write(text: str) -> None:
    old = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else ""
    if BEGIN in old and END in old:
        head, _, rest = old.partition(BEGIN)
        _, _, tail = rest.partition(END)
        new = head + text.rstrip("\n") + tail
    else:
        new = old.rstrip("\n") + "\n\n" + text
    RESULTS.write_text(new, encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    default_root = os.environ.get("HER2SCOPE_STUDIES", str(ROOT.parent / "shared/data/cbioportal"))
    parser.add_argument("--studies", default=default_root.split(os.pathsep)[0])
    parser.add_argument("--study", default="breast_msk_2018")
    parser.add_argument("--extra", type=Path, help="one more study folder (e.g. synthetic 250k)")
    parser.add_argument("--write", action="store_true", help="update benchmarks/results.md")
    args = parser.parse_args()
    results = [measure(Path(args.studies), args.study)]
    if args.extra is not None:
        folder = args.extra.resolve()
        with tempfile.TemporaryDirectory() as tmp:
            (Path(tmp) / folder.name).symlink_to(folder, target_is_directory=True)
            results.append(measure(Path(tmp), folder.name))
    text = section(results)
    print(text)
    if args.write:
        write(text)
        print(f"wrote {RESULTS}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

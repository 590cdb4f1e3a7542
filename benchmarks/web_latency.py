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

* **rapid changes in a browser** (``--no-browser`` skips it): Debian's
  Chromium (``/usr/bin/chromium``, driven by Playwright) opens the cohort page
  and changes the settings every 150 ms, 20 times (20 different settings of
  profile x ambiguity x sample type x HR, none computed before). For each
  change: the time until the table shows that setting (a change superseded
  by the next one before its table arrived is counted, not timed); after the
  last change: the time until every figure (forest plot, stacked bar and
  Kaplan-Meier curves, drawn in the page from the server's numbers; the
  oncoprint, drawn by the server; the switching matrices are tables) shows
  the last setting, and the server's count of
  figure requests it skipped as superseded. Targets (issue 24): table median
  <= 150 ms, max <= 400 ms; figures of the last setting <= 1.5 s after the
  last change.

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


RAPID_CHANGES = 20
RAPID_INTERVAL_MS = 150

_RAPID_JS = """
async ([settings, interval]) => {
  const form = document.getElementById('controls');
  const table = document.getElementById('alt-table');
  const log = { changed: [], shown: {} };
  const key = (s) => new URLSearchParams(s).toString();
  new MutationObserver(() => {
    const q = table.dataset.query || '';
    const k = q.split('&').filter(p => !p.startsWith('map=')).join('&');
    if (!(k in log.shown)) log.shown[k] = performance.now();
  }).observe(table, { attributes: true, attributeFilter: ['data-query'] });
  for (const s of settings) {
    for (const [name, value] of Object.entries(s)) form.elements.namedItem(name).value = value;
    log.changed.push([key(s), performance.now()]);
    form.dispatchEvent(new Event('change', { bubbles: true }));
    await new Promise(r => setTimeout(r, interval));
  }
  window.__rapid = log;
  return log.changed.length;
}
"""

_FIGURES_READY_JS = """
(q) => {
  const imgs = [...document.querySelectorAll('section.figures img, #switching img, #survival img')];
  const charts = [...document.querySelectorAll('figure.chart')];
  return imgs.length === 1 && imgs.every(i => i.complete && i.naturalWidth > 100
      && (i.dataset.query || '') === q)
    && charts.length === 3 && charts.every(c => c.dataset.query === q && c.querySelector('svg'))
    && document.querySelectorAll('.stale').length === 0;
}
"""


def rapid_settings(n: int) -> list[dict[str, str]]:
    """``n`` different settings, each one control away from the previous where possible."""
    out: list[dict[str, str]] = []
    for hr in ("all", "positive"):
        for sample_type in SAMPLE_TYPES:
            for profile in PROFILES:
                for policy in POLICIES:
                    out.append(
                        {"profile": profile, "ambiguous": policy,
                         "sample_type": sample_type, "hr": hr}
                    )  # fmt: skip
    # skip the default setting (the page opens on it: already computed)
    return [s for s in out if s != DEFAULT_SETTING][:n]


DEFAULT_SETTING = {
    "profile": PROFILES[0],
    "ambiguous": "exclude",
    "sample_type": "all",
    "hr": "all",
}


def measure_rapid(studies: Path, study_id: str) -> dict[str, Any]:
    """Rapid control changes in Chromium against a fresh server (see the module docstring)."""
    from urllib.parse import urlencode

    from playwright.sync_api import sync_playwright

    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "HER2SCOPE_STUDIES": str(studies), "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "her2scope", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    settings = rapid_settings(RAPID_CHANGES)
    try:
        for _ in range(3000):
            try:
                if _get(base + "/", timeout=5)[0] == 200:
                    break
            except OSError:
                time.sleep(0.01)
        # the warm-up of the server (study, default analysis, knowledge base) finished
        _get(f"{base}/study/{study_id}")
        _get(f"{base}/study/{study_id}/figure/forest.png")
        time.sleep(3.0)
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path="/usr/bin/chromium",
                args=["--no-sandbox", "--disable-gpu", "--no-first-run",
                      "--disable-background-networking"],
            )  # fmt: skip
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(f"{base}/study/{study_id}")
            page.wait_for_function(
                _FIGURES_READY_JS, arg=urlencode(DEFAULT_SETTING), timeout=120_000
            )
            page.evaluate(_RAPID_JS, [settings, RAPID_INTERVAL_MS])
            last = urlencode(settings[-1])
            page.wait_for_function(_FIGURES_READY_JS, arg=last, timeout=120_000)
            done = page.evaluate("performance.now()")
            log = page.evaluate("window.__rapid")
            # what the last setting's figures waited for: each request's start and end
            parts = page.evaluate(
                "(t0) => performance.getEntriesByType('resource')"
                ".filter(e => e.startTime >= t0)"
                ".map(e => [e.name.split('?')[0].split('/').slice(-1)[0],"
                " Math.round(e.startTime - t0), Math.round(e.responseEnd - t0)])",
                log["changed"][-1][1],
            )
            browser.close()
        changed = log["changed"]
        shown = log["shown"]
        table_ms = []
        superseded = 0
        for i, (key, t) in enumerate(changed):
            if key in shown and (i + 1 == len(changed) or shown[key] <= changed[i + 1][1]):
                table_ms.append(shown[key] - t)
            else:
                superseded += 1
        figures_ms = done - changed[-1][1]
        return {
            "load": os.getloadavg()[0],
            "study_id": study_id,
            "changes": len(changed),
            "table_ms": table_ms,
            "superseded": superseded,
            "figures_ms": figures_ms,
            "requests": parts,
        }
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


def section(results: list[dict[str, Any]], rapid: list[dict[str, Any]] | None = None) -> str:
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
    ]
    if rapid:
        lines += [
            "",
            f"### Rapid changes in Chromium ({rapid[0]['study_id']})",
            "",
            f"{rapid[0]['changes']} setting changes, one every {RAPID_INTERVAL_MS} ms (settings "
            "never computed before), on the cohort page in Debian's Chromium (headless), each "
            "run against a fresh server. Table on screen = from the change to the table showing "
            "that setting; figures = from the last change until every figure shows the last "
            "setting (forest plot, stacked bar, Kaplan-Meier curves drawn in the page; the "
            "oncoprint drawn by the server). Load = the machine's 1-minute load average "
            "(2 CPUs, shared with other work) at the end of the run.",
            "",
            "| run | load | tables timed | superseded before shown | table ms median | "
            "table ms max | figures of the last setting (ms) | targets (150 / 400 / 1500 ms) |",
            "|---:|---:|---:|---:|---:|---:|---:|---|",
        ]
        for i, r in enumerate(rapid, 1):
            t = r["table_ms"]
            med, mx = statistics.median(t), max(t)
            ok = med <= 150 and mx <= 400 and r["figures_ms"] <= 1500
            lines.append(
                f"| {i} | {r['load']:.1f} | {len(t)} | {r['superseded']} | {med:.0f} | "
                f"{mx:.0f} | {r['figures_ms']:.0f} | {'PASS' if ok else '**MISS**'} |"
            )
        lines += [
            "",
            "Requests after the last change, run by run (ms from the change: start-end): "
            + "; ".join(
                ", ".join(
                    f"{n} {a}-{b}" for n, a, b in r.get("requests", []) if not n.startswith("blob")
                )
                for r in rapid
            )
            + ".",
        ]
    lines.append(END)
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
    parser.add_argument("--no-browser", action="store_true", help="skip the Chromium part")
    parser.add_argument("--only-browser", action="store_true", help="only the Chromium part")
    parser.add_argument("--repeat", type=int, default=3, help="runs of the Chromium part")
    args = parser.parse_args()
    rapid = (
        []
        if args.no_browser
        else [measure_rapid(Path(args.studies), args.study) for _ in range(args.repeat)]
    )
    if args.only_browser:
        print(json.dumps(rapid, indent=1))
        return 0
    results = [measure(Path(args.studies), args.study)]
    if args.extra is not None:
        folder = args.extra.resolve()
        with tempfile.TemporaryDirectory() as tmp:
            (Path(tmp) / folder.name).symlink_to(folder, target_is_directory=True)
            results.append(measure(Path(tmp), folder.name))
    text = section(results, rapid)
    print(text)
    if args.write:
        write(text)
        print(f"wrote {RESULTS}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Run every case of the fuzz suite (tests/test_fuzz.py); print the counts per outcome class.

    HER2SCOPE_STUDIES=../shared/data/cbioportal .venv/bin/python scripts/fuzz.py [-j 2] [-v]

Outcome classes: correct, flagged, error (the good ones) and silent,
traceback, hang, blowup (none allowed). Exit status 0 when every case landed
in the class it expects, 1 otherwise (the mismatches are listed).
"""

from __future__ import annotations

import argparse
import collections
import importlib.util
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _load_suite():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("her2scope_fuzz", ROOT / "tests" / "test_fuzz.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["her2scope_fuzz"] = module
    spec.loader.exec_module(module)
    return module


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-j", "--jobs", type=int, default=2, help="cases run at once (default 2)")
    parser.add_argument("-k", default="", help="only cases whose name contains this text")
    parser.add_argument("-v", "--verbose", action="store_true", help="one line per case")
    args = parser.parse_args()
    suite = _load_suite()
    cases = [c for c in suite.CASES if args.k.lower() in c.name.lower()]
    if suite._studies_root() is None:
        print("HER2SCOPE_STUDIES does not point at the shared study", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="her2scope-fuzz-") as tmp_name:
        tmp = Path(tmp_name)

        def one(index_case):  # type: ignore[no-untyped-def]
            index, c = index_case
            started = time.monotonic()
            try:
                outcome, result = suite.run_case(c, tmp / f"case{index:03d}")
                detail = f"rc={result.returncode} {result.max_rss >> 20} MB"
                last = result.stderr.strip().splitlines()[-1:] if result.stderr.strip() else []
            except Exception as exc:  # a case that cannot even be built is a finding too
                outcome, detail, last = "traceback", f"harness: {exc!r}", []
            return c, outcome, detail, last, time.monotonic() - started

        counts: collections.Counter[str] = collections.Counter()
        wrong = []
        with ThreadPoolExecutor(max_workers=args.jobs) as pool:
            for c, outcome, detail, last, seconds in pool.map(one, enumerate(cases)):
                counts[outcome] += 1
                mark = "ok " if outcome == c.expect else "BAD"
                if args.verbose or outcome != c.expect:
                    print(f"{mark} {outcome:9s} {seconds:5.1f}s {detail:18s} {c.name}")
                    if outcome != c.expect and last:
                        print(f"      {last[0][:200]}")
                if outcome != c.expect:
                    wrong.append(c.name)
    print()
    print(f"{len(cases)} cases")
    for cls in (*suite.GOOD, *suite.BAD):
        print(f"  {cls:10s} {counts.get(cls, 0)}")
    if wrong:
        print(f"{len(wrong)} case(s) not in their expected class")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Command-line interface: ``her2scope COMMAND ...``.

``main`` is the console-script entry point. It turns a
:class:`~her2scope.errors.Her2scopeError` (a user's mistake) into one line on
stderr and exit code 2; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import atexit
import gc
import sys

from her2scope.cli import (  # noqa: F401  (each module registers its commands)
    analyze_cmd,
    classify_cmd,
    cohort_cmd,
    report_cmd,
    study_cmd,
    synth_cmd,
)
from her2scope.cli.app import app
from her2scope.errors import Her2scopeError


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; return the process exit code."""
    if argv is None:
        # Called as the program (console script, ``python -m her2scope``): the
        # process ends with this call. At exit the interpreter would run full
        # garbage collections over every object numpy, polars, scipy and
        # matplotlib created (~0.25 s of a 2 s ``analyze``) only to reclaim
        # memory the exit frees anyway. gc.freeze() as the exit starts skips
        # them and nothing else: atexit handlers, flushing of stdout/stderr and
        # module teardown still run, and every output file is closed by then.
        # Only the program path: a caller's own process (tests, notebooks) is
        # left alone.
        atexit.register(gc.freeze)
    try:
        app(args=argv, prog_name="her2scope")
    except SystemExit as exc:  # typer exits this way on success, --help and usage errors
        code = exc.code
        return code if isinstance(code, int) else (0 if code is None else 2)
    except Her2scopeError as exc:
        print(f"her2scope: error: {exc.one_line()}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("her2scope: interrupted", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())

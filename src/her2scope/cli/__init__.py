"""Command-line interface: ``her2scope COMMAND ...``.

``main`` is the console-script entry point. It turns a
:class:`~her2scope.errors.Her2scopeError` (a user's mistake, including an
output file that cannot be written) into one line on stderr and exit code 2;
a full or failing stdout into one line and exit code 2; a closed stdout
(``| head``) into a quiet exit 141 (as if killed by SIGPIPE); anything else is
a bug and keeps its traceback.
"""

from __future__ import annotations

import atexit
import contextlib
import errno
import gc
import io
import os
import re
import sys
from typing import Any, TextIO

from her2scope.cli import (  # noqa: F401  (each module registers its commands)
    analyze_cmd,
    classify_cmd,
    export_cmd,
    followup_cmd,
    report_cmd,
    serve_cmd,
    study_cmd,
    synth_cmd,
)
from her2scope.cli.app import INVOKED, app
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
    INVOKED[:] = ["her2scope", *(sys.argv[1:] if argv is None else argv)]
    code = 0
    real_stdout = sys.stdout
    sys.stdout = _GuardedStdout(real_stdout)
    try:
        try:
            app(args=argv, prog_name="her2scope")
        except SystemExit as exc:  # typer exits this way on success, --help and usage errors
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
            if type(sys.stdout).__name__ == "PacifyFlushWrapper":
                # click met a closed pipe on stdout (EPIPE) and exits 1 in silence;
                # say it as a program killed by SIGPIPE would
                _detach_stdout(real_stdout)
                return 141
        # what a command printed must reach stdout now, while a failure can still be reported
        sys.stdout.flush()
    except Her2scopeError as exc:
        _error(as_flags(exc.one_line()))
        return 2
    except KeyboardInterrupt:
        _error("interrupted", prefix="her2scope: ")
        return 130
    except StdoutError as exc:
        _detach_stdout(real_stdout)
        if exc.errno == errno.EPIPE:
            # the reader went away (``her2scope classify t.tsv | head -1``): nothing
            # more to say to it; the exit status of a program killed by SIGPIPE
            return 141
        _error(f"cannot write to standard output: {exc.strerror or exc}")
        return 2
    finally:
        sys.stdout = real_stdout
    return code


class StdoutError(OSError):
    """Writing to standard output failed (closed pipe, full device): the user's
    output channel, not a bug; :func:`main` reports it in one line."""


class _GuardedStdout:
    """sys.stdout as seen by the commands: every failed write or flush becomes a
    :class:`StdoutError`, so main can tell it from any other ``OSError``."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        try:
            return self._stream.write(text)
        except OSError as exc:
            raise StdoutError(exc.errno, exc.strerror) from exc

    def flush(self) -> None:
        try:
            self._stream.flush()
        except OSError as exc:
            raise StdoutError(exc.errno, exc.strerror) from exc

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def as_flags(message: str) -> str:
    """A library message in command-line words: ``parameter sample_type`` -> ``--sample-type``.

    The library validates options and names its parameters; the command line
    only renames them to the flags a user typed.
    """
    # where the flag is not the parameter's name
    flags = {"mapping": "map field=column", "fmt": "format"}

    def flag(m: re.Match[str]) -> str:
        return "--" + flags.get(m[1], m[1].replace("_", "-"))

    return re.sub(r"\bparameter ([a-z][a-z0-9_]*)", flag, message)


def _error(message: str, prefix: str = "her2scope: error: ") -> None:
    with contextlib.suppress(OSError, ValueError):
        print(f"{prefix}{message}", file=sys.stderr)


def _detach_stdout(stream: TextIO) -> None:
    """Point stdout at /dev/null so the interpreter's final flush cannot fail again
    (the recipe of the Python documentation for SIGPIPE)."""
    with contextlib.suppress(OSError, ValueError, AttributeError, io.UnsupportedOperation):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stream.fileno())
        os.close(devnull)


if __name__ == "__main__":
    sys.exit(main())

"""Draw and encode a report's figures in a helper process while the tables are written.

A report's figures are Python-bound matplotlib work (~0.4 s for the cohort
report's three at 250,000 samples) after a ~0.3 s import of matplotlib, and
the process writing the folder holds the GIL for most of that: threads cannot
overlap it with anything. A helper *process* can. A face that knows early that
it will write a report (``analyze --out``) calls :func:`start` before it reads
the study: when a core is free for it, the helper starts at once and imports
matplotlib and the figure functions on the other core while the study is read
and analysed. When the
report is written, :meth:`FigureWorker.submit` sends it the figure calls (the
function's name in :mod:`her2scope.render.plots` and its arguments, pickled),
the main process writes the tables meanwhile, and :meth:`FigureWorker.results`
collects the encoded bytes.

The helper runs the same functions with the same matplotlib and the same
:func:`her2scope.render.canvas.encode` (fixed SVG ids and salt, no date), so
the bytes are the ones an in-process call gives. If the helper cannot be
started, fails or returns something unexpected, :meth:`FigureWorker.results`
returns ``None`` and the caller draws the figures itself: the outputs never
depend on the helper, only the time does. A helper never used is killed at
exit; one given no work ends on its own when its input closes.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import pickle
import subprocess
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

#: the figure functions of :mod:`her2scope.render.plots` a helper may run
FIGURES = frozenset(
    {
        "forest_figure",
        "stacked_figure",
        "oncoprint_figure",
        "oncoprint_cells_figure",
        "sensitivity_figure",
    }
)

#: one figure call: the function's name, its positional and keyword arguments, the format
Job = tuple[str, tuple[Any, ...], dict[str, Any], str]


class FigureWorker:
    """One helper process that draws one batch of figures (see the module docstring)."""

    def __init__(self) -> None:
        env = dict(os.environ)
        # the helper imports this very her2scope, whatever put it on the path here
        here = str(Path(__file__).resolve().parents[2])
        env["PYTHONPATH"] = os.pathsep.join(p for p in (here, env.get("PYTHONPATH")) if p)
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "her2scope.render.figure_worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
        )
        self._sender: threading.Thread | None = None
        self._n_jobs = 0

    def submit(self, jobs: Sequence[Job]) -> None:
        """Send the figure calls; returns at once (a thread feeds the helper's input).

        Each job is ``(name, args, kwargs, format)``: ``name`` one of :data:`FIGURES`,
        ``format`` what :func:`~her2scope.render.canvas.encode` writes (``svg``...).
        """
        if self._sender is not None:
            raise RuntimeError("a FigureWorker draws one batch of figures")
        bad = [job[0] for job in jobs if job[0] not in FIGURES]
        if bad:
            raise ValueError(f"not a figure function of render.plots: {', '.join(bad)}")
        payload = pickle.dumps(list(jobs), protocol=pickle.HIGHEST_PROTOCOL)
        self._n_jobs = len(jobs)
        stdin = self._proc.stdin
        assert stdin is not None

        def send() -> None:
            # the pipe holds 64 KiB: the helper may still be importing, so a thread waits
            with contextlib.suppress(OSError):  # a helper that died: results() says None
                try:
                    stdin.write(payload)
                finally:
                    stdin.close()

        self._sender = threading.Thread(target=send, name="her2scope-figures-send", daemon=True)
        self._sender.start()

    def results(self) -> list[bytes] | None:
        """The encoded figures in the order submitted, or ``None`` if the helper failed."""
        if self._sender is None:
            raise RuntimeError("submit() the figures first")
        stdout = self._proc.stdout
        assert stdout is not None
        try:
            data = stdout.read()
        except OSError:
            data = b""
        finally:
            stdout.close()
        code = self._proc.wait()
        self._sender.join()
        if code != 0 or not data:
            return None
        try:
            value = pickle.loads(data)  # our own child, over our own pipe
        except Exception:  # a broken answer: the caller draws the figures
            return None
        if (
            not isinstance(value, list)
            or len(value) != self._n_jobs
            or not all(isinstance(v, bytes) for v in value)
        ):
            return None
        return value

    def close(self) -> None:
        """Stop the helper if it is still running (an unused worker, or a failed write)."""
        if self._proc.poll() is None:
            with contextlib.suppress(OSError):
                self._proc.kill()
        with contextlib.suppress(OSError):
            self._proc.wait()
        for pipe in (self._proc.stdin, self._proc.stdout):
            if pipe is not None:
                with contextlib.suppress(OSError):
                    pipe.close()


#: the helper started by :func:`start` and not yet taken
_started: FigureWorker | None = None
_lock = threading.Lock()


def _core_free() -> bool:
    """Whether a core may be idle for a helper: two logical cores or more, and a
    1-minute load average below their number (with every core busy, a helper's own
    ~0.5 CPU s of start-up costs this process more time than its figures save; the
    average counts this process's own earlier runs too, so the bar is not lower)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    if not cores or cores < 2:
        return False
    try:
        load = os.getloadavg()[0]
    except (AttributeError, OSError):  # no load average here (Windows): the cores are ours
        return True
    return load < cores


def start() -> None:
    """Start a helper now (for the report this process will write); idempotent.

    Does nothing if a helper is already waiting, or if no core is free for it
    (:func:`_core_free`). A helper that cannot be started is no error: the
    figures are then drawn in-process, the same bytes either way.
    """
    global _started
    with _lock:
        if _started is None and _core_free():
            try:
                _started = FigureWorker()
            except OSError:
                return
            atexit.register(_started.close)


def take() -> FigureWorker | None:
    """The helper :func:`start` started (it is then the caller's), or ``None``."""
    global _started
    with _lock:
        worker, _started = _started, None
    if worker is not None:
        atexit.unregister(worker.close)
    return worker


def _serve() -> int:
    """The helper's side: import first, then read one batch, draw, encode, answer."""
    import matplotlib.backends.backend_agg
    import matplotlib.backends.backend_svg
    import matplotlib.figure  # noqa: F401

    from her2scope.render import plots
    from her2scope.render.canvas import encode

    data = sys.stdin.buffer.read()
    if not data:
        return 0  # started, never used
    jobs: list[Job] = pickle.loads(data)  # our parent, over its own pipe
    out = []
    for name, args, kwargs, fmt in jobs:
        if name not in FIGURES:
            return 2
        out.append(encode(getattr(plots, name)(*args, **kwargs), format=fmt))
    sys.stdout.buffer.write(pickle.dumps(out, protocol=pickle.HIGHEST_PROTOCOL))
    sys.stdout.buffer.flush()
    return 0


if __name__ == "__main__":
    sys.exit(_serve())

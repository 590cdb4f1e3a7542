"""A batch's pure-Python work on more than one CPU: split in parts, the first part done by
this process and the others by forked workers at the same time.

Only for work that runs the matcher's own Python steps on data already in memory (no
polars, no threads of its own, no files): a forked worker inherits the parent's memory
(the knowledge base, the study tables, the caches built so far), so nothing but the
results is copied between processes. Where the platform does not fork, or the work is
small, everything runs here. ``HER2SCOPE_WORKERS`` sets the number of processes (1: never
fork).
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import warnings
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

__all__ = ["fork_map", "worker_count"]

T = TypeVar("T")
R = TypeVar("R")

#: what a forked worker runs (set by the parent just before it forks)
_TASK: dict[str, Any] = {}


def worker_count(n_items: int, minimum: int) -> int:
    """How many processes share ``n_items``: one below ``minimum`` items, where the
    platform does not fork or while other Python threads run (a web server), else the
    CPUs this process may use (at most 8); ``HER2SCOPE_WORKERS`` sets the number (the
    thread and platform rules still apply)."""
    wanted = os.environ.get("HER2SCOPE_WORKERS", "").strip()
    if wanted.isdigit() and int(wanted) >= 1:
        n = int(wanted)
    elif n_items < minimum:
        return 1
    else:
        try:
            n = len(os.sched_getaffinity(0))
        except AttributeError:  # not Linux
            n = os.cpu_count() or 1
    if n > 1 and "fork" not in multiprocessing.get_all_start_methods():
        return 1
    if n > 1 and _other_threads():
        # another Python thread (a web server's) may hold a lock at the moment of the fork
        # that a worker would then wait on forever: such a process decides alone
        return 1
    return max(1, min(n, 8, max(n_items, 1)))


def _other_threads() -> bool:
    """Does another Python thread run in this process (a web server, a notebook kernel)?"""
    return threading.active_count() > 1


def split(items: Sequence[T], n: int) -> list[list[T]]:
    """``items`` in ``n`` contiguous parts of near-equal size (order kept)."""
    size = -(-len(items) // n) if items else 0
    return [list(items[i * size : (i + 1) * size]) for i in range(n)]


def _run(part: int) -> Any:
    return _TASK["fn"](_TASK["parts"][part])


def fork_map(fn: Callable[[T], R], parts: list[T]) -> list[R]:
    """``[fn(p) for p in parts]``, the first part here and the others in forked workers at
    the same time; results in the order of ``parts``. ``fn`` may be a closure: the
    workers inherit it. A worker that cannot start or dies (memory, process limits) has
    its part done here instead: the same steps, the same result."""
    if len(parts) <= 1:
        return [fn(p) for p in parts]
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    _TASK.update(fn=fn, parts=parts)
    out: list[R] = []
    try:
        with warnings.catch_warnings():
            # Python 3.12+ warns that a process with threads (polars' pool) may deadlock
            # after fork; the workers run only the matcher's Python steps
            warnings.filterwarnings("ignore", message=".*fork.*", category=DeprecationWarning)
            fork = multiprocessing.get_context("fork")
            with ProcessPoolExecutor(len(parts) - 1, mp_context=fork) as pool:
                futures = [pool.submit(_run, i) for i in range(1, len(parts))]
                out.append(fn(parts[0]))
                for i, future in enumerate(futures, start=1):
                    try:
                        out.append(future.result())
                    except (BrokenProcessPool, OSError):
                        out.append(fn(parts[i]))
    except (BrokenProcessPool, OSError):
        # no worker could be started at all: the parts not done yet are done here
        out.extend(fn(p) for p in parts[len(out) :])
    finally:
        _TASK.clear()
    return out

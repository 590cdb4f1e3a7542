"""The batch's forked workers (``tumorboard.workers``): results in order, and a worker
that dies has its part done by the parent instead of failing the batch."""

from __future__ import annotations

import multiprocessing
import os

import pytest

from her2scope.tumorboard import workers
from her2scope.tumorboard.workers import fork_map, split, worker_count

pytestmark = pytest.mark.skipif(
    "fork" not in multiprocessing.get_all_start_methods(), reason="the platform does not fork"
)


def test_split_keeps_order_and_every_item() -> None:
    items = list(range(10))
    parts = split(items, 3)
    assert parts == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert split([], 2) == [[], []]


def test_fork_map_gives_the_parts_results_in_order() -> None:
    parent = os.getpid()
    got = fork_map(lambda part: [(x * x, os.getpid() != parent) for x in part], split(range(9), 3))
    assert [v for part in got for v, _child in part] == [x * x for x in range(9)]
    # the first part is the parent's, the others a worker's
    assert [part[0][1] for part in got] == [False, True, True]


def test_a_worker_that_dies_has_its_part_done_here() -> None:
    parent = os.getpid()

    def square_or_die(part: list[int]) -> list[int]:
        if os.getpid() != parent:
            os._exit(3)  # a worker killed (out of memory, a limit)
        return [x * x for x in part]

    assert fork_map(square_or_die, split(list(range(6)), 2)) == [[0, 1, 4], [9, 16, 25]]


@pytest.fixture
def alone(monkeypatch: pytest.MonkeyPatch) -> None:
    """This process as a command runs it: no other Python thread (a test session may have
    a server's)."""
    monkeypatch.setattr(workers, "_other_threads", lambda: False)


def test_worker_count_follows_the_setting(monkeypatch: pytest.MonkeyPatch, alone: None) -> None:
    monkeypatch.setenv("HER2SCOPE_WORKERS", "1")
    assert worker_count(10**6, 10) == 1
    monkeypatch.setenv("HER2SCOPE_WORKERS", "4")
    assert worker_count(3, 10) == 3  # never more processes than items
    monkeypatch.delenv("HER2SCOPE_WORKERS")
    assert worker_count(5, 10) == 1  # small work stays here


def test_no_fork_while_other_threads_run(monkeypatch: pytest.MonkeyPatch) -> None:
    """A process with other Python threads (a web server) decides alone: a lock one of them
    holds at the fork could stall a worker forever."""
    import threading

    monkeypatch.setenv("HER2SCOPE_WORKERS", "2")
    release = threading.Event()
    other = threading.Thread(target=release.wait)
    other.start()
    try:
        assert workers._other_threads()
        assert worker_count(100, 10) == 1
    finally:
        release.set()
        other.join()
    monkeypatch.setattr(workers, "_other_threads", lambda: False)
    assert worker_count(100, 10) == 2

"""A rich progress bar on stderr for batch steps (silent when stderr is not a terminal)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator


@contextlib.contextmanager
def progress_bar(what: str) -> Iterator[Callable[[int, int], None]]:
    """Yield ``advance(done, total)``; a bar on stderr shows it (rich hides it off a terminal,
    so piped output and logs stay clean)."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
        # redrawn by advance() only: no refresh thread, so a batch may fork its workers
        # (her2scope.tumorboard.workers decides alone while other Python threads run)
        auto_refresh=False,
    ) as bar:
        task = bar.add_task(what, total=None)

        def advance(done: int, total: int) -> None:
            # redraw every ~1% (a call per profile would cost more than the bar is worth)
            if done == total or done % max(1, total // 100) == 0:
                bar.update(task, completed=done, total=total, refresh=True)

        yield advance

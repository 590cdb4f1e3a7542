"""What the browser tests share: Debian's Chromium, its launch flags, and the app served
on a free 127.0.0.1 port (imported by the page tests; never a downloaded browser)."""

from __future__ import annotations

import os
import shutil
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

#: Headless Chromium as root on a machine whose only network is loopback: without the
#: background-networking flags it keeps trying to reach Google's hosts.
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str:
    """Debian's chromium; skips the test without it, fails it under CI (.ci/run installs it)."""
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("CI=true but chromium is not installed (.ci/run installs it)")
        pytest.skip("chromium not installed")
    return path


def serve_app(studies_root: Path) -> Iterator[str]:
    """The app under uvicorn in a thread on a free 127.0.0.1 port; yields its base URL
    (use with ``yield from`` in a fixture)."""
    uvicorn = pytest.importorskip("uvicorn")
    from her2scope.web import create_app

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        create_app([studies_root]), host="127.0.0.1", port=port, log_level="warning"
    )
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    for _ in range(600):
        if srv.started:
            break
        thread.join(0.05)
    assert srv.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(30)
    sock.close()

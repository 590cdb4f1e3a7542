"""Finding and downloading studies; downloads go to a local HTTP server on 127.0.0.1."""

from __future__ import annotations

import functools
import io
import os
import tarfile
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from her2scope.errors import DownloadError, StudyError
from her2scope.study import load_study, resolve_study
from study_factory import make_study

STUDY = "tiny_study"


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Path]:
    """A folder served over HTTP on 127.0.0.1 (random port); yields the folder."""
    root = tmp_path / "served"
    root.mkdir()
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    root.joinpath(".url").write_text(f"http://127.0.0.1:{server.server_address[1]}")
    try:
        yield root
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture
def env(tmp_path: Path, served: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Cache in tmp, datahub = the local server, no local studies folder; yields the cache."""
    cache = tmp_path / "cache"
    monkeypatch.setenv("HER2SCOPE_CACHE", str(cache))
    monkeypatch.setenv("HER2SCOPE_DATAHUB_URL", served.joinpath(".url").read_text())
    monkeypatch.delenv("HER2SCOPE_STUDIES", raising=False)
    monkeypatch.delenv("HER2SCOPE_PANELS", raising=False)
    return cache


def _tarball(tmp_path: Path, *, extra: dict[str, bytes] | None = None) -> bytes:
    folder = make_study(tmp_path / "src")
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        tar.add(folder, arcname=STUDY)
        for name, data in (extra or {}).items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def _cache_is_clean(cache: Path) -> bool:
    return not cache.exists() or not any(cache.iterdir())


def test_download_unpacks_into_cache_and_loads(tmp_path: Path, served: Path, env: Path) -> None:
    (served / f"{STUDY}.tar.gz").write_bytes(_tarball(tmp_path))
    folder = resolve_study(STUDY)
    assert folder == env / STUDY
    assert (folder / "meta_study.txt").is_file()
    assert sorted(p.name for p in env.iterdir()) == [STUDY]  # no temp files left
    study = load_study(STUDY)
    assert study.n_samples == 4
    # second time: served from the cache, even with the server's file gone
    (served / f"{STUDY}.tar.gz").unlink()
    assert resolve_study(STUDY) == folder


def test_404_is_a_clear_download_error(env: Path) -> None:
    with pytest.raises(DownloadError, match="HTTP 404") as info:
        resolve_study("no_such_study")
    assert info.value.file is not None and info.value.file.endswith("/no_such_study.tar.gz")
    assert _cache_is_clean(env)


def test_truncated_tarball_leaves_nothing(tmp_path: Path, served: Path, env: Path) -> None:
    data = _tarball(tmp_path)
    (served / f"{STUDY}.tar.gz").write_bytes(data[: len(data) // 2])
    with pytest.raises(DownloadError, match="corrupt or truncated"):
        resolve_study(STUDY)
    assert _cache_is_clean(env)


def test_corrupt_tarball_leaves_nothing(tmp_path: Path, served: Path, env: Path) -> None:
    data = bytearray(_tarball(tmp_path))
    middle = len(data) // 2
    data[middle : middle + 64] = bytes(64)
    (served / f"{STUDY}.tar.gz").write_bytes(bytes(data))
    with pytest.raises(DownloadError, match="corrupt or truncated"):
        resolve_study(STUDY)
    assert _cache_is_clean(env)


class _LyingHandler(_QuietHandler):
    """Announces the whole file but sends half of it, then hangs up."""

    def do_GET(self) -> None:
        data = Path(self.translate_path(self.path)).read_bytes()
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data[: len(data) // 2])
        self.wfile.flush()
        self.close_connection = True


def test_connection_dropped_mid_download(
    tmp_path: Path, env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "lying"
    root.mkdir()
    (root / f"{STUDY}.tar.gz").write_bytes(_tarball(tmp_path))
    server = ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_LyingHandler, directory=str(root))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("HER2SCOPE_DATAHUB_URL", f"http://127.0.0.1:{server.server_address[1]}")
    try:
        with pytest.raises(DownloadError, match=r"interrupted|truncated"):
            resolve_study(STUDY)
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
    assert _cache_is_clean(env)


def test_not_gzip_at_all(served: Path, env: Path) -> None:
    (served / f"{STUDY}.tar.gz").write_bytes(b"<html>not a tarball</html>")
    with pytest.raises(DownloadError, match="corrupt or truncated"):
        resolve_study(STUDY)
    assert _cache_is_clean(env)


def test_member_escaping_the_folder_is_refused(tmp_path: Path, served: Path, env: Path) -> None:
    (served / f"{STUDY}.tar.gz").write_bytes(
        _tarball(tmp_path, extra={f"{STUDY}/../evil.txt": b"x"})
    )
    with pytest.raises(DownloadError, match="escape"):
        resolve_study(STUDY)
    assert _cache_is_clean(env)
    assert not (tmp_path / "evil.txt").exists()


def test_archive_without_meta_study_is_refused(tmp_path: Path, served: Path, env: Path) -> None:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        info = tarfile.TarInfo(f"{STUDY}/data_mutations.txt")
        info.size = 3
        tar.addfile(info, io.BytesIO(b"abc"))
    (served / f"{STUDY}.tar.gz").write_bytes(buffer.getvalue())
    with pytest.raises(DownloadError, match=r"meta_study\.txt"):
        resolve_study(STUDY)
    assert _cache_is_clean(env)


def test_studies_path_is_searched_in_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = tmp_path / "first"
    first.mkdir()
    second = make_study(tmp_path / "second").parent
    monkeypatch.setenv("HER2SCOPE_STUDIES", f"{first}{os.pathsep}{second}")
    assert resolve_study(STUDY) == second / STUDY


def test_folder_path_and_bad_inputs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = make_study(tmp_path)
    assert resolve_study(folder) == folder
    assert resolve_study(str(folder)) == folder
    with pytest.raises(StudyError, match=r"meta_study\.txt is missing"):
        resolve_study(tmp_path)
    with pytest.raises(StudyError, match="does not exist"):
        resolve_study(str(tmp_path / "nope" / "study"))
    with pytest.raises(StudyError, match="neither a folder nor"):
        resolve_study("bad id!")


class _DrippingHandler(_QuietHandler):
    """Announces the whole file, then sends one byte every 0.2 s (never idle long enough
    for the per-read timeout): only an overall deadline ends such a download."""

    def do_GET(self) -> None:
        import time

        data = Path(self.translate_path(self.path)).read_bytes()
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        try:
            for i in range(len(data)):
                self.wfile.write(data[i : i + 1])
                self.wfile.flush()
                time.sleep(0.2)
        except OSError:  # the client gave up: what the test wants
            pass


def test_dripping_download_stops_at_the_deadline(
    tmp_path: Path, env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "drip"
    root.mkdir()
    (root / f"{STUDY}.tar.gz").write_bytes(_tarball(tmp_path))
    server = ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_DrippingHandler, directory=str(root))
    )
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("HER2SCOPE_DATAHUB_URL", f"http://127.0.0.1:{server.server_address[1]}")
    monkeypatch.setenv("HER2SCOPE_DOWNLOAD_DEADLINE", "1.5")
    try:
        with pytest.raises(DownloadError, match="too slow") as info:
            resolve_study(STUDY)
    finally:
        server.shutdown()
        server.server_close()
    message = info.value.one_line()
    assert "bytes of" in message and "HER2SCOPE_DOWNLOAD_DEADLINE" in message
    assert _cache_is_clean(env)


@pytest.mark.parametrize("value", ["0", "-3", "soon", "inf", "nan"])
def test_download_deadline_must_be_positive(
    value: str, env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from her2scope.errors import ConfigError

    monkeypatch.setenv("HER2SCOPE_DOWNLOAD_DEADLINE", value)
    with pytest.raises(ConfigError, match="HER2SCOPE_DOWNLOAD_DEADLINE"):
        resolve_study("not_here_either")

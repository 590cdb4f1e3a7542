"""Writing output files so they cannot lie: temporary name, then an atomic rename.

A failed write (full disk, read-only folder, a file where a folder should be)
raises :class:`~her2scope.errors.OutputError` naming the file and the reason,
and leaves nothing under the final name.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from pathlib import Path

from her2scope.errors import OutputError


def write_text_atomic(path: str | Path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` via a temporary file in the same folder."""
    return write_bytes_atomic(path, text.encode("utf-8"))


def write_bytes_atomic(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` via a temporary file in the same folder and rename it."""
    final = Path(path)
    try:
        final.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(
            f"cannot create folder {final.parent}: {_why(exc)}", file=str(final)
        ) from exc
    if final.is_dir():
        raise OutputError("a folder is in the way of the output file", file=str(final))
    try:
        mode = final.lstat().st_mode
    except OSError:
        mode = None
    if mode is not None and not (stat.S_ISREG(mode) or stat.S_ISLNK(mode)):
        # never rename over a device, FIFO or socket (``--out /dev/full`` as root
        # would otherwise replace the device node itself)
        raise OutputError("not a regular file (a device, FIFO or socket); refused", file=str(final))
    tmp: str | None = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{final.name}.", suffix=".part", dir=final.parent)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, final)
        tmp = None
    except OSError as exc:
        raise OutputError(f"cannot write: {exc.strerror or exc}", file=str(final)) from exc
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
    return final


def _why(exc: OSError) -> str:
    if exc.errno in (errno.EEXIST, errno.ENOTDIR):
        return "a file (not a folder) is in the way"
    return str(exc.strerror or exc)


def ensure_dir(path: str | Path) -> Path:
    """Create an output folder, or raise :class:`OutputError` naming it and why."""
    p = Path(path)
    try:
        p.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create folder: {_why(exc)}", file=str(p)) from exc
    if not p.is_dir():
        raise OutputError("not a folder", file=str(p))
    return p
